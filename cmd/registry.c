/*
 * registry.c - `nlpops registry VERB`: versioned models, aliases,
 * rollback and history, over lib/registry.  Each verb declares its options
 * in a table (opts.h), parses them with cli_parse(), calls the library,
 * prints (a table, or --json) and returns an exit status.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "artifact.h"
#include "eval.h"
#include "modelref.h"
#include "modelsig.h"
#include "sign.h"
#include "opts.h"
#include "registry.h"
#include "text.h"

static const char usage[] =
    "usage: nlpops [--registry DIR|URI] registry <verb> [options] [args]\n"
    "\n"
    "  init [--shared GROUP]                 create the registry\n"
    "  push ARTIFACT --name NAME [--alias A] [--tag K=V]... [--description T]\n"
    "       [--sign KEY] [--trust PUBKEY]... [--reason T]\n"
    "                                        store an artifact as a new version\n"
    "  list [NAME] [--json]                  models, or one model's versions\n"
    "  show REF [--json]                     a version: lineage, metrics, events\n"
    "  alias NAME VERSION ALIAS [--if-current V] [--require EXPR]...\n"
    "       [--trust PUBKEY]... [--reason T] set or move an alias (also: promote);\n"
    "                                        VERSION: a number, or another alias\n"
    "                                        --require 'macro_f1>=0.85' checks the\n"
    "                                        version's recorded evaluation\n"
    "  alias --delete NAME ALIAS [--reason T]\n"
    "  rollback NAME [--alias A] [--to VERSION] [--if-current V]\n"
    "       [--trust PUBKEY]... [--reason T] move an alias back (default: production)\n"
    "  history NAME [--alias A] [--json]     what happened, newest first\n"
    "  diff REF REF [--json]                 what differs between two versions\n"
    "  resolve REF [--json]                  the version REF names now and its\n"
    "                                        SHA-256: \"spam@7 <sha256>\"\n"
    "  pull REF -o FILE                      copy an artifact out, hash checked\n"
    "  export REF... -o FILE [--json]        write a bundle (- for stdout): NAME\n"
    "                                        alone is every version of NAME\n"
    "  import FILE [--json]                  restore a bundle: versions, history\n"
    "  verify [--quick] [--signatures] [--trust PUBKEY] [--json]\n"
    "                                        check every object and the database\n"
    "  gc [--dry-run] [--grace DURATION] [--json]\n"
    "                                        remove unreferenced objects (grace: 1h)\n"
    "  rm NAME@VERSION [--force] [--reason T]\n"
    "                                        remove a version\n"
    "\n"
    "REF is NAME, NAME@VERSION or NAME@ALIAS; NAME alone is NAME@production.\n"
    "The registry: --registry DIR or postgresql://URI, else $NLPOPS_REGISTRY,\n"
    "else $XDG_DATA_HOME/nlpops, else ~/.local/share/nlpops.\n"
    "See 'nlpops registry VERB --help' for a verb's options.\n";

enum {
	OPT_NAME = 256, OPT_ALIAS, OPT_TAG, OPT_DESC, OPT_JSON, OPT_IFCUR,
	OPT_REASON, OPT_DELETE, OPT_TO, OPT_QUICK, OPT_DRY, OPT_GRACE, OPT_FORCE,
	OPT_SHARED, OPT_REQUIRE, OPT_REGISTRY, OPT_SIGN, OPT_SIGNATURES,
};

/* --registry after the verb: hidden, refused saying where it goes. */
#define OPT_REGISTRY_ROW { OPT_REGISTRY, 0, "registry", "DIR", NULL, NULL }

/* The options more than one verb takes. */
#define OPT_JSON_ROW { OPT_JSON, 0, "json", NULL, "print JSON", NULL }
#define OPT_REASON_ROW { OPT_REASON, 0, "reason", "T", "why, for the event log", \
	NULL }

/* The part of each verb's --help after its options. */
#define REF_TAIL \
    "\nREF is NAME, NAME@VERSION or NAME@ALIAS; NAME alone is NAME@production.\n"

static const struct cli_opt init_opts[] = {
	{ OPT_SHARED, 0, "shared", "GROUP", "share the registry with a group "
	    "(02775, setgid)", "group" },
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt push_opts[] = {
	{ OPT_NAME, 0, "name", "NAME", "the model", "model" },
	{ OPT_ALIAS, 0, "alias", "A", "also point this alias at the new version",
	    NULL },
	{ OPT_TAG, 0, "tag", "K=V", "tag the version (repeatable)", NULL },
	{ OPT_DESC, 0, "description", "T", "describe the version", NULL },
	{ OPT_SIGN, 0, "sign", "KEY", "sign the version with this private key "
	    "(nlpops key)", "file" },
	CLI_OPT_TRUST,
	OPT_REASON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt list_opts[] = {
	OPT_JSON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt alias_opts[] = {
	{ OPT_IFCUR, 0, "if-current", "V", "only if the alias points at version V "
	    "now", "version" },
	{ OPT_REQUIRE, 0, "require", "EXPR", "only if the version's latest "
	    "recorded evaluation\nmeets EXPR ('macro_f1>=0.85'; repeatable),"
	    "\non data at most 1% seen in training unless EXPR\nsays "
	    "otherwise ('seen<=0.05')", NULL },
	{ OPT_DELETE, 0, "delete", NULL, "delete the alias: NAME ALIAS", NULL },
	CLI_OPT_TRUST,
	OPT_REASON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt rollback_opts[] = {
	{ OPT_ALIAS, 0, "alias", "A", "the alias to move back (default: "
	    "production)", "alias" },
	{ OPT_TO, 0, "to", "VERSION", "move the alias to this version",
	    "version" },
	{ OPT_IFCUR, 0, "if-current", "V", "only if the alias points at version V "
	    "now", "version" },
	CLI_OPT_TRUST,
	OPT_REASON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt history_opts[] = {
	{ OPT_ALIAS, 0, "alias", "A", "only the events of this alias",
	    "alias" },
	OPT_JSON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt pull_opts[] = {
	{ 'o', 'o', "output", "FILE", "the file to write (- for stdout)",
	    "file" },
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt export_opts[] = {
	{ 'o', 'o', "output", "FILE", "the bundle to write (- for stdout)",
	    "file" },
	OPT_JSON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt import_opts[] = {
	OPT_JSON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt verify_opts[] = {
	{ OPT_QUICK, 0, "quick", NULL, "check sizes only, not hashes", NULL },
	{ OPT_SIGNATURES, 0, "signatures", NULL, "also check every version's "
	    "signature\nagainst the trusted keys", NULL },
	{ CLI_TRUST, 0, "trust", "PUBKEY", "with --signatures: a trusted public "
	    "key\n(repeatable; default: $NLPOPS_TRUSTED_KEYS)", "file" },
	OPT_JSON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt gc_opts[] = {
	{ OPT_DRY, 0, "dry-run", NULL, "list what would be removed", NULL },
	{ OPT_GRACE, 0, "grace", "DURATION", "only files older than this "
	    "(default: 1h)", "30m 1h 1d" },
	OPT_JSON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_opt rm_opts[] = {
	{ OPT_FORCE, 0, "force", NULL, "also delete the aliases that point at it",
	    NULL },
	OPT_REASON_ROW,
	OPT_REGISTRY_ROW,
	CLI_OPT_HELP,
	CLI_OPT_END,
};

static const struct cli_cmd cli_registry_init = {
	"registry init",
	"usage: nlpops [--registry DIR|URI] registry init [--shared GROUP]\n"
	"\n"
	"Create the registry (or adopt an empty directory).\n"
	"\n",
	init_opts, NULL, "",
};

static const struct cli_cmd cli_registry_push = {
	"registry push",
	"usage: nlpops [--registry DIR|URI] registry push ARTIFACT --name NAME "
	"[options]\n"
	"\n"
	"Store an artifact (a file, or - for stdin) as a new version of NAME.\n"
	"\n",
	push_opts, NULL, "file",
};

static const struct cli_cmd cli_registry_list = {
	"registry list",
	"usage: nlpops [--registry DIR|URI] registry list [NAME] [--json]\n"
	"\n"
	"The models, or one model's versions.\n"
	"\n",
	list_opts, NULL, "model",
};

static const struct cli_cmd cli_registry_show = {
	"registry show",
	"usage: nlpops [--registry DIR|URI] registry show REF [--json]\n"
	"\n"
	"A version: lineage, metrics, evaluations, events.\n"
	"\n",
	list_opts, REF_TAIL, "regref",
};

#define ALIAS_HEAD(verb) \
	"usage: nlpops [--registry DIR|URI] registry " verb " NAME VERSION ALIAS " \
	"[options]\n" \
	"       nlpops [--registry DIR|URI] registry " verb " --delete NAME ALIAS " \
	"[--reason T]\n" \
	"\n" \
	"Set or move an alias of model NAME (or delete it).  VERSION is a\n" \
	"version number, or another alias of NAME: the version it points at\n" \
	"now, read in the same transaction as the move.\n" \
	"\n"

static const struct cli_cmd cli_registry_alias = {
	"registry alias", ALIAS_HEAD("alias"), alias_opts, NULL,
	"model|target --delete=alias|alias --delete=-",
};

static const struct cli_cmd cli_registry_promote = {
	"registry promote", ALIAS_HEAD("promote"), alias_opts, NULL,
	"model|target --delete=alias|alias --delete=-",
};

static const struct cli_cmd cli_registry_rollback = {
	"registry rollback",
	"usage: nlpops [--registry DIR|URI] registry rollback NAME [options]\n"
	"\n"
	"Move an alias back to the version it pointed at before its last move\n"
	"(repeated rollbacks walk further back), or to --to VERSION.  With\n"
	"--if-current V, only if it points at NAME@V now (compare-and-swap).\n"
	"\n",
	rollback_opts, NULL, "model",
};

static const struct cli_cmd cli_registry_history = {
	"registry history",
	"usage: nlpops [--registry DIR|URI] registry history NAME [--alias A] "
	"[--json]\n"
	"\n"
	"What happened to model NAME, newest first.\n"
	"\n",
	history_opts, NULL, "model",
};

static const struct cli_cmd cli_registry_diff = {
	"registry diff",
	"usage: nlpops [--registry DIR|URI] registry diff REF REF [--json]\n"
	"\n"
	"What differs between two versions: their training data (by file\n"
	"name, its SHA-256), hyperparameters, labels (their counts), held-out\n"
	"metrics, latest recorded evaluations, descriptions and tags.  Exit 0\n"
	"whether or not they differ.\n"
	"\n",
	list_opts, REF_TAIL, "regref|regref",
};

static const struct cli_cmd cli_registry_resolve = {
	"registry resolve",
	"usage: nlpops [--registry DIR|URI] registry resolve REF [--json]\n"
	"\n"
	"Print the version REF names now and its artifact's SHA-256, one line:\n"
	"\"spam@7 <sha256>\".  Resolve once, then pass spam@7 to every command\n"
	"that must see the same model.\n"
	"\n",
	list_opts, REF_TAIL, "regref",
};

static const struct cli_cmd cli_registry_pull = {
	"registry pull",
	"usage: nlpops [--registry DIR|URI] registry pull REF -o FILE\n"
	"\n"
	"Copy a version's artifact out, its hash checked.\n"
	"\n",
	pull_opts, REF_TAIL, "regref",
};

static const struct cli_cmd cli_registry_export = {
	"registry export",
	"usage: nlpops [--registry DIR|URI] registry export REF... -o FILE "
	"[--json]\n"
	"\n"
	"Write a bundle: one tar of the versions REF names (NAME alone: every\n"
	"version of NAME) with their artifacts, lineage, metrics, evaluations,\n"
	"tags and signatures, the aliases that point at them, and each model's\n"
	"whole history.  Prints \"spam@7 <sha256>\" per version (not with -o -).\n"
	"\n",
	export_opts, "\nREF is NAME (every version), NAME@VERSION or "
	"NAME@ALIAS.\n", "regref...",
};

static const struct cli_cmd cli_registry_import = {
	"registry import",
	"usage: nlpops [--registry DIR|URI] registry import FILE [--json]\n"
	"\n"
	"Restore a bundle into the registry (created when missing), in one\n"
	"transaction: version numbers and events as they were, every hash\n"
	"checked; one 'import' event per model that changed.  A version\n"
	"already here is skipped; NAME@VERSION here with other bytes refuses\n"
	"the whole bundle (exit 5).  Prints \"spam@7 <sha256> imported\" or\n"
	"\"... already there\" per version.\n"
	"\n",
	import_opts, NULL, "file",
};

static const struct cli_cmd cli_registry_verify = {
	"registry verify",
	"usage: nlpops [--registry DIR|URI] registry verify [--quick]\n"
	"           [--signatures [--trust PUBKEY]...] [--json]\n"
	"\n"
	"Check every object and the database; exit 1 on damage.\n"
	"\n",
	verify_opts, NULL, "",
};

static const struct cli_cmd cli_registry_gc = {
	"registry gc",
	"usage: nlpops [--registry DIR|URI] registry gc [--dry-run] [--grace "
	"DURATION] [--json]\n"
	"\n"
	"Remove objects no version refers to, and temporary files.\n"
	"\n",
	gc_opts, NULL, "",
};

static const struct cli_cmd cli_registry_rm = {
	"registry rm",
	"usage: nlpops [--registry DIR|URI] registry rm NAME@VERSION [--force] "
	"[--reason T]\n"
	"\n"
	"Remove a version (refused while an alias points at it, unless --force).\n"
	"\n",
	rm_opts, NULL, "model@",
};

/* Every verb's options, parsed into one place; each verb's table says
 * which it takes. */
struct ropts {
	const char *verb;
	const char *name, *alias, *desc, *reason, *output, *shared, *sign;
	const char **tags;
	size_t ntags;
	const char **req;
	size_t nreq;
	int json, del, quick, dry, force, signatures;
	long if_current, to;
	int64_t grace;
	char **args;
	int nargs;
};

/* A version number argument. */
static int
parse_version(const char *verb, const char *what, const char *s, long *v)
{
	unsigned long u;
	char label[64];

	snprintf(label, sizeof label, "%s %s", verb, what);
	if (cli_uint("registry", label, s, 1, (unsigned long)NLP_VERSION_MAX,
	    &u) != NLP_OK)
		return NLP_USAGE;
	*v = (long)u;
	return NLP_OK;
}

/* "90s", "30m", "1h", "2d", or plain seconds. */
static int
parse_duration(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int64_t mult = 1;

	/* digits first: strtoll would also take ' 1h', '+1h' and '-0' */
	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || v < 0 || errno != 0)
		return -1;
	if (*end == 's')
		mult = 1, end++;
	else if (*end == 'm')
		mult = 60, end++;
	else if (*end == 'h')
		mult = 3600, end++;
	else if (*end == 'd')
		mult = 86400, end++;
	if (*end != '\0' || v > (long long)(INT64_MAX / 86400))
		return -1;
	*out = (int64_t)v * mult;
	return 0;
}

/* Append s to the list *v (*n entries). */
static int
append(const char ***v, size_t *n, const char *s)
{
	const char **t = realloc(*v, (*n + 1) * sizeof *t);

	if (t == NULL)
		return cli_errorf("registry", NLP_IO, "out of memory");
	*v = t;
	(*v)[(*n)++] = s;
	return NLP_OK;
}

/* --registry DIR given after `registry` or its verb: where it goes. */
static int
misplaced_registry(const char *verb, const char *dir)
{
	return cli_errorf("registry", NLP_USAGE, "'--registry' goes before the "
	    "command: nlpops --registry %s registry %s ... (the rest as "
	    "given)", dir ? dir : "DIR", verb ? verb : "VERB");
}

/* One option (cli_parse()'s handler). */
static int
option(void *ctx, int c, const char *arg)
{
	struct ropts *o = ctx;

	switch (c) {
	case OPT_NAME: o->name = arg; break;
	case OPT_ALIAS: o->alias = arg; break;
	case OPT_TAG: return append(&o->tags, &o->ntags, arg);
	case OPT_REQUIRE: return append(&o->req, &o->nreq, arg);
	case OPT_DESC: o->desc = nlp_text_blank(arg, strlen(arg)) ? NULL : arg;
	    break;
	case OPT_JSON: o->json = 1; break;
	case OPT_IFCUR:
		return parse_version(o->verb, "--if-current", arg, &o->if_current);
	/* a blank reason is none: history would show a lone '#' */
	case OPT_REASON: o->reason = nlp_text_blank(arg, strlen(arg)) ? NULL :
	    arg; break;
	case OPT_DELETE: o->del = 1; break;
	case OPT_TO:
		return parse_version(o->verb, "--to", arg, &o->to);
	case OPT_QUICK: o->quick = 1; break;
	case OPT_DRY: o->dry = 1; break;
	case OPT_GRACE:
		if (parse_duration(arg, &o->grace) < 0)
			return cli_usage_error("registry", "--grace takes a "
			    "duration like 90s, 30m, 1h or 2d, not '%s'", arg);
		break;
	case OPT_FORCE: o->force = 1; break;
	case OPT_SHARED: o->shared = arg; break;
	case OPT_SIGN: o->sign = arg; break;
	case OPT_SIGNATURES: o->signatures = 1; break;
	case CLI_TRUST: return cli_trust_option("registry", arg);
	case 'o': o->output = arg; break;
	case OPT_REGISTRY:
		return misplaced_registry(o->verb, arg);
	default:
		return cli_errorf("registry", NLP_BUG, "option %d has no handler",
		    c);
	}
	return NLP_OK;
}
/* Open the registry for the verb. */
static struct nlp_registry *
open_registry(int writable, int *status)
{
	struct nlp_registry *r;
	struct nlp_err e = { 0, "" };

	*status = cli_registry_open(&r, writable, "registry", &e);
	if (*status != NLP_OK) {
		cli_error("registry", &e);
		return NULL;
	}
	return r;
}

/* Print the JSON document (for --json) that an nlp_registry_*_json()
 * returning rc left in *doc. */
static int
print_json(int rc, char **doc, struct nlp_err *e)
{
	if (rc != NLP_OK)
		return cli_error("registry", e);
	printf("%s\n", *doc);
	free(*doc);
	return NLP_OK;
}

/* A number as text for tables, in buf. */
static const char *
num(long long v, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", v);
	return buf;
}

/* A value as short text for tables ("-" for null), in buf. */
static const char *
value_text(const struct nlp_registry_value *v, char *buf, size_t size)
{
	switch (v->type) {
	case NLP_RV_NULL:
		return "-";
	case NLP_RV_TEXT:
		return cli_shown(v->s, buf, size);
	case NLP_RV_INT:
		return num(v->i, buf, size);
	case NLP_RV_REAL:
		snprintf(buf, size, "%.4f", v->d);
		return buf;
	default:
		snprintf(buf, size, "%s", v->s);
		return buf;
	}
}

/* "a,b" from a list of strings, or "-". */
static const char *
joined(const struct nlp_registry_strings *l, char *buf, size_t size)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "",
		    l->v[i]);
	return buf[0] ? buf : "-";
}

/*
 * "k=v,k=v" of n pairs, or "-": pair(arg, i, &k, v, vsize) gives pair i's
 * value (written into v, or elsewhere) and key.  A value is cut to 31
 * bytes, as it always was.
 */
static const char *
pairs(size_t n, const char *(*pair)(const void *arg, size_t i,
    const char **k, char *v, size_t vsize), const void *arg, char *buf,
    size_t size)
{
	size_t i, used = 0;
	const char *k, *val;
	char v[4 * NLP_TEXT_MAX + 3];     /* a tag's value, escaped, quoted */

	buf[0] = '\0';
	for (i = 0; i < n && used < size; i++) {
		val = pair(arg, i, &k, v, sizeof v);
		used += (size_t)snprintf(buf + used, size - used, "%s%s=%s",
		    used ? "," : "", k, val);
	}
	return buf[0] ? buf : "-";
}

/* s, in single quotes when it holds what would blur where it ends in a
 * list of show's (a space, comma, parenthesis, '=' or quote: the
 * k=v,k=v of tags, the label(count) of labels) or is empty, a single
 * quote within it doubled, written into buf (size bytes) if it must be;
 * s itself otherwise. */
static const char *
quoted_if(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s), i, j, q = 0;

	if (s[0] != '\0' && s[strcspn(s, " ,()='\"")] == '\0')
		return s;
	for (i = 0; i < n; i++)
		q += s[i] == '\'';
	/* fits: n + q + 2 bytes and a NUL (cut short otherwise, never
	 * inside a doubled quote) */
	while (n > 0 && n + q + 3 > size)
		q -= s[--n] == '\'';
	if (n + q + 3 > size)
		return "''";
	/* from the end, so that s may be buf itself */
	buf[n + q + 2] = '\0';
	buf[n + q + 1] = '\'';
	for (i = n, j = n + q + 1; i > 0; i--) {
		buf[--j] = s[i - 1];
		if (s[i - 1] == '\'')
			buf[--j] = '\'';
	}
	buf[0] = '\'';
	return buf;
}

/* A field of an object (metrics, hyperparameters). */
static const char *
field_pair(const void *arg, size_t i, const char **k, char *v, size_t vsize)
{
	const struct nlp_registry_object *o = arg;

	*k = o->fields[i].key;
	return value_text(&o->fields[i].value, v, vsize);
}

/* A tag of a version. */
static const char *
tag_pair(const void *arg, size_t i, const char **k, char *v, size_t vsize)
{
	const struct nlp_registry_version *ver = arg;

	*k = ver->tags[i].key;
	return quoted_if(cli_shown(ver->tags[i].value, v, vsize), v, vsize);
}

/* An alias of a model. */
static const char *
alias_pair(const void *arg, size_t i, const char **k, char *v, size_t vsize)
{
	const struct nlp_registry_model *m = arg;

	*k = m->aliases[i].alias;
	return num(m->aliases[i].version, v, vsize);
}

static int
verb_init(struct nlp_registry *unused, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	int rc;

	(void)unused;
	if (o->nargs != 0)
		return cli_usage_error("registry", "init takes no arguments");
	if ((rc = nlp_registry_init(cli_registry_dir(), o->shared, &e)) != NLP_OK)
		return cli_error("registry", &e);
	printf("%s\n", cli_registry_shown());
	return NLP_OK;
}

static int
verb_push(struct nlp_registry *unused, struct ropts *o)
{
	struct nlp_key *key = NULL;
	struct nlp_registry *r;
	struct nlp_artifact *a;
	struct nlp_push_opts po;
	struct nlp_push_result res;
	struct nlp_err e = { 0, "" };
	const void *data;
	size_t len = 0;
	int rc;

	(void)unused;
	if (o->nargs != 1 || o->name == NULL)
		return cli_usage_error("registry", "push needs ARTIFACT and --name "
		    "NAME");
	/* check everything before the registry is created or touched */
	memset(&po, 0, sizeof po);
	po.name = o->name;
	po.alias = o->alias;
	po.tags = o->tags;
	po.ntags = o->ntags;
	po.description = o->desc;
	po.source = o->args[0];
	po.who = cli_who();
	po.reason = o->reason;
	if (nlp_registry_check_push(&po, &e) != NLP_OK)
		return e.status == NLP_USAGE ? cli_usage_error("registry", "%s",
		    e.msg) : cli_error("registry", &e);
	if (o->sign != NULL && nlp_key_load(&key, o->sign, &e) != NLP_OK)
		return cli_error("registry", &e);
	po.sign = key;
	if (cli_alias_signed(key, o->name, o->alias, &e) != NLP_OK ||
	    (o->alias != NULL && cli_trust_set(&po.alias_trust, &e) != NLP_OK)) {
		nlp_key_close(key);
		return cli_error("registry", &e);
	}
	/* read with bounds (the header first: /dev/zero or a random file is
	 * refused after one block), then checked as predict loads it */
	rc = strcmp(o->args[0], "-") == 0 ?
	    nlp_artifact_open_fd(&a, 0, "standard input", &e) :
	    nlp_artifact_open(&a, o->args[0], &e);
	if (rc != NLP_OK) {
		nlp_key_close(key);
		return cli_error("registry", &e);
	}
	data = nlp_artifact_bytes(a, &len);
	if ((rc = nlp_registry_check_artifact(data, len, &e)) != NLP_OK) {
		nlp_artifact_close(a);
		nlp_key_close(key);
		nlp_err_prefix(&e, "'%s'", o->args[0]);
		return cli_error("registry", &e);
	}
	if ((r = open_registry(1, &rc)) == NULL) {
		nlp_artifact_close(a);
		nlp_key_close(key);
		return rc;
	}
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	rc = nlp_registry_push(r, data, len, &po, &res, &e);
	nlp_registry_close(r);
	nlp_artifact_close(a);
	if (rc != NLP_OK) {
		nlp_key_close(key);
		if (rc == NLP_DATA && strncmp(e.msg, "'(memory)': ", 12) == 0)
			memmove(e.msg, e.msg + 12, strlen(e.msg + 12) + 1);
		if (rc == NLP_DATA)
			nlp_err_prefix(&e, "'%s'", o->args[0]);
		return cli_error("registry", &e);
	}
	cli_signed_by("registry", key, o->name, &res, 0);
	nlp_key_close(key);
	return cli_print_pushed("registry", o->name, o->alias, &res, 0);
}

/* The models, as a table. */
static void
print_models(const struct nlp_registry_models *m)
{
	char b1[64], b2[64], b3[512], b4[64];
	size_t i;

	printf("%-24s %6s %8s  %-20s %s\n", "NAME", "LATEST", "VERSIONS",
	    "UPDATED", "ALIASES");
	for (i = 0; i < m->n; i++)
		printf("%-24s %6s %8s  %-20s %s\n", m->v[i].name,
		    m->v[i].latest > 0 ? num(m->v[i].latest, b1, sizeof b1) : "-",
		    num(m->v[i].versions, b2, sizeof b2),
		    cli_shown(m->v[i].updated_at, b4, sizeof b4),
		    pairs(m->v[i].naliases, alias_pair, &m->v[i], b3,
		    sizeof b3));
}

/* A held-out figure of a version's metrics as text ("-": none). */
static const char *
figure(const struct nlp_registry_object *o, const char *key, char *buf,
    size_t size)
{
	size_t i;

	for (i = 0; i < o->nfields; i++)
		if (strcmp(o->fields[i].key, key) == 0)
			return value_text(&o->fields[i].value, buf, size);
	return "-";
}

/* A model's versions, as a table: each one's headline figures (held-out
 * macro-F1 at training, macro-F1 of its latest recorded evaluation) and
 * aliases; on stderr, a note for each latest evaluation made on the
 * training data, whose figure looks best and proves nothing. */
static void
print_versions(const char *name, const struct nlp_registry_versions *v)
{
	char b1[64], b2[64], b3[512], b4[64], b5[64];
	size_t i;
	int by = 16;

	/* BY as wide as its longest entry (on PostgreSQL 'root@ci-3 (role
	   nlpops_ci)'), 16 at least: the columns after it stay aligned */
	for (i = 0; i < v->n; i++) {
		size_t w = strlen(cli_shown(v->v[i].created_by, b4, sizeof b4));
		if (w > (size_t)by)
			by = (int)w;
	}
	printf("%7s  %-20s %-*s %11s %13s  %-12s %s\n", "VERSION", "CREATED",
	    by, "BY", "HELD-OUT-F1", "LAST-EVAL-F1", "SHA256", "ALIASES");
	for (i = 0; i < v->n; i++) {
		const struct nlp_registry_evaluation *ev = v->v[i].latest;
		if (ev != NULL)
			snprintf(b5, sizeof b5, "%.4f (#%ld)", ev->macro_f1, ev->id);
		else
			snprintf(b5, sizeof b5, "-");
		printf("%7s  %-20s %-*s %11s %13s  %.12s %s\n",
		    num(v->v[i].version, b1, sizeof b1), v->v[i].created_at,
		    by, cli_shown(v->v[i].created_by, b4, sizeof b4),
		    figure(&v->v[i].metrics, "macro_f1", b2, sizeof b2), b5,
		    v->v[i].sha256, joined(&v->v[i].aliases, b3, sizeof b3));
	}
	(void)cli_flush_stdout();     /* its failure kept, said at the end */
	for (i = 0; i < v->n; i++) {
		const struct nlp_registry_evaluation *ev = v->v[i].latest;
		if (ev != NULL && ev->seen > NLP_SEEN_MAX + NLP_GATE_EPS)
			fprintf(stderr, "nlpops registry: note: the last "
			    "evaluation of %s@%ld (#%ld) was on data %.1f%% of "
			    "which it was trained on: figures on training "
			    "data prove nothing\n",
			    cli_shown(name, b3, sizeof b3), v->v[i].version,
			    ev->id, 100 * ev->seen);
	}
}

static int
verb_list(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry_models m;
	struct nlp_registry_versions v;
	char *doc = NULL;
	int rc;

	if (o->nargs == 0) {
		if ((rc = nlp_registry_list(r, &m, &e)) != NLP_OK)
			return cli_error("registry", &e);
		if (o->json)
			rc = print_json(nlp_registry_models_json(&m, &doc, &e), &doc,
			    &e);
		else
			print_models(&m);
		nlp_registry_models_release(&m);
		return rc;
	}
	if ((rc = nlp_registry_list_versions(r, o->args[0], &v, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (o->json)
		rc = print_json(nlp_registry_versions_json(&v, &doc, &e), &doc,
		    &e);
	else
		print_versions(o->args[0], &v);
	nlp_registry_versions_release(&v);
	return rc;
}

/* Parse a REF argument, as a usage error when malformed. */
static int
ref_arg(const char *s, struct nlp_ref *ref)
{
	struct nlp_err e = { 0, "" };

	if (nlp_modelref_parse(s, ref, &e) != NLP_OK)
		return cli_error("registry", &e);
	return NLP_OK;
}

/* One line per event: time, who, what, old -> new, reason. */
static void
print_events(const struct nlp_registry_events *ev, const char *name)
{
	size_t i;

	for (i = 0; i < ev->n; i++) {
		const struct nlp_registry_event *x = &ev->v[i];
		long long ov = x->old_version, nv = x->new_version;
		char what[256], who[1024], shown[4 * NLP_TEXT_MAX + 1];

		if (strcmp(x->kind, "import") == 0)
			snprintf(what, sizeof what, "import %s", name);
		else if (strcmp(x->kind, "push") == 0)
			snprintf(what, sizeof what, "%s %s@%lld", ov == nv ?
			    "sign" : "push", name, nv);
		else if (strcmp(x->kind, "rm") == 0)
			snprintf(what, sizeof what, "rm %s@%lld", name, ov);
		else if (strcmp(x->kind, "alias-delete") == 0)
			snprintf(what, sizeof what, "%s %s: %s@%lld -> (none)", x->kind,
			    x->alias, name, ov);
		else if (ov)
			snprintf(what, sizeof what, "%s %s: %s@%lld -> %s@%lld", x->kind,
			    x->alias, name, ov, name, nv);
		else
			snprintf(what, sizeof what, "%s %s: (none) -> %s@%lld", x->kind,
			    x->alias, name, nv);
		printf("%s  %-16s %s%s%s\n", x->at, cli_shown(x->who, who,
		    sizeof who), what, x->reason ? "  # " : "", x->reason ?
		    cli_shown(x->reason, shown, sizeof shown) : "");
	}
}

/* A version's lineage, metrics and labels, as `show` prints them; a
 * line or section with nothing to say is left out. */
static void
print_version(const struct nlp_registry_shown *v)
{
	char buf[4 * NLP_TEXT_MAX + 1];
	size_t i;

	printf("model:       %s@%s\n", v->name, num(v->v.version, buf,
	    sizeof buf));
	if (v->warning.type == NLP_RV_TEXT)
		printf("warning:     %s\n", cli_shown(v->warning.s, buf,
		    sizeof buf));
	printf("sha256:      %s\n", v->v.sha256);
	printf("size:        %s bytes\n", num(v->v.size, buf, sizeof buf));
	printf("created:     %s by %s\n", v->v.created_at,
	    cli_shown(v->v.created_by, buf, sizeof buf));
	if (v->source != NULL)
		printf("source:      %s\n", cli_shown(v->source, buf, sizeof buf));
	if (v->v.description != NULL)
		printf("description: %s\n", cli_shown(v->v.description, buf,
		    sizeof buf));
	if (v->v.aliases.n > 0)
		printf("aliases:     %s\n", joined(&v->v.aliases, buf, sizeof buf));
	if (v->v.ntags > 0)
		printf("tags:        %s\n", pairs(v->v.ntags, tag_pair, &v->v, buf,
		    sizeof buf));
	if (v->examples.type != NLP_RV_NULL)
		printf("examples:    %s\n", value_text(&v->examples, buf,
		    sizeof buf));
	if (v->v.metrics.nfields > 0)
		printf("metrics:     %s\n", pairs(v->v.metrics.nfields,
		    field_pair, &v->v.metrics, buf, sizeof buf));
	if (v->nlabel_counts > 0) {
		printf("labels:     ");
		for (i = 0; i < v->nlabel_counts; i++)
			/* 'Français, France'(309); --json has it plain */
			printf(" %s(%lld)", quoted_if(cli_shown(
			    v->label_counts[i].label, buf, sizeof buf), buf,
			    sizeof buf), (long long)v->label_counts[i].count);
		printf("\n");
	}
	if (v->hyperparameters.nfields > 0)
		printf("hyperparameters:\n");
	for (i = 0; i < v->hyperparameters.nfields; i++) {
		const struct nlp_registry_value *h =
		    &v->hyperparameters.fields[i].value;
		/* a hyperparameter as given: 1e-06, not 0.0000 */
		if (h->type == NLP_RV_REAL)
			snprintf(buf, sizeof buf, "%g", h->d);
		printf("  %-14s %s\n", v->hyperparameters.fields[i].key,
		    h->type == NLP_RV_REAL ? buf : value_text(h, buf, sizeof buf));
	}
}

/* A version's training data, evaluations and its model's recent events,
 * each section only when it has something. */
static void
print_lists(const struct nlp_registry_shown *v)
{
	char buf[4 * NLP_TEXT_MAX + 1];
	size_t i;

	if (v->ntraining_data > 0)
		printf("training data:\n");
	for (i = 0; i < v->ntraining_data; i++)
		printf("  %s  %s  %lld bytes\n", v->training_data[i].sha256,
		    cli_shown(v->training_data[i].name, buf, sizeof buf),
		    (long long)v->training_data[i].bytes);
	if (v->nevaluations > 0)
		printf("evaluations:\n");
	for (i = 0; i < v->nevaluations; i++) {
		const struct nlp_registry_evaluation *x = &v->evaluations[i];
		char seen[48] = "";

		if (x->seen > 0)         /* the share of the data trained on */
			snprintf(seen, sizeof seen, ", %.1f%% seen in training",
			    100 * x->seen);
		printf("  #%ld %s by %s: accuracy %.4f, macro-F1 %.4f, n %lld%s, "
		    "data %.12s\n", x->id, x->at, cli_shown(x->who, buf,
		    sizeof buf), x->accuracy, x->macro_f1, (long long)x->n, seen,
		    x->data_sha256 ? x->data_sha256 : "-");
	}
	if (v->recent_events.n > 0)
		printf("recent events:\n");
	print_events(&v->recent_events, v->name);
}

static int
verb_show(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry_shown v;
	struct nlp_ref ref;
	char *doc = NULL;
	int rc;

	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_show(r, &ref, &v, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (o->json) {
		rc = print_json(nlp_registry_shown_json(&v, &doc, &e), &doc, &e);
	} else {
		print_version(&v);
		print_lists(&v);
	}
	nlp_registry_shown_release(&v);
	return rc;
}

/*
 * A write's result goes to standard output after the commit, so that what
 * is printed is what was committed (a process killed in between has
 * printed nothing).  Whether standard output can take it is checked just
 * before the commit (cli_check_stdout, as nlp_registry_before_commit()'s
 * hook): closed, a full device or a pipe nobody reads fails the change,
 * which is rolled back, instead of leaving it done but reported as failed
 * (a retried rollback walked back twice).  What cannot be known
 * beforehand -- a regular file on a disk that fills in between -- is
 * reported as a change that was committed and could not be printed.
 *
 * Print the line of a committed change: NLP_OK, or NLP_IO saying that
 * the change was made all the same.
 */
static int
print_committed(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fputs(line, stdout);
	if ((err = cli_flush_stdout()) != 0) {
		line[strcspn(line, "\n")] = '\0';
		return cli_errorf("registry", NLP_IO, "the change was committed "
		    "(%s), but standard output failed: %s", line, strerror(err));
	}
	return NLP_OK;
}

/* "production: spam@7 -> spam@6", committed. */
static int
print_move(const char *alias, const char *name, long from, long to)
{
	if (from > 0 && to > 0)
		return print_committed("%s: %s@%ld -> %s@%ld\n", alias, name, from,
		    name, to);
	if (to > 0)
		return print_committed("%s: (none) -> %s@%ld\n", alias, name, to);
	return print_committed("%s: %s@%ld -> (none)\n", alias, name, from);
}

/*
 * With trusted keys (--trust, NLPOPS_TRUSTED_KEYS), the version an alias
 * is to point at must be signed by one of them: *version the version
 * checked (0 when no keys are given), or the status with the message
 * printed (3: not signed by a trusted key).
 */
/* Is name@version signed by one of the trusted keys t?  NLP_OK, or the
 * status with e set (3: not signed by a trusted key). */
static int
check_signed(const struct nlp_trust *t, const char *name, long version,
    struct nlp_err *e)
{
	struct nlp_loaded l;
	char arg[2 * NLP_NAME_MAX + 2];
	int rc;

	snprintf(arg, sizeof arg, "%s@%ld", name, version);
	if ((rc = nlp_load_model(&l, arg, cli_registry_dir(), e)) == NLP_OK) {
		rc = nlp_modelsig_check(t, &l, cli_registry_dir(), e);
		nlp_loaded_release(&l);
	}
	return rc;
}

static int
trusted_target(struct nlp_registry *r, const struct ropts *o, long *version)
{
	const struct nlp_trust *t = NULL;
	struct nlp_err e = { 0, "" };
	struct nlp_resolved res;
	struct nlp_ref ref;
	char arg[2 * NLP_NAME_MAX + 2];
	int rc;

	*version = 0;
	if ((rc = cli_trust_set(&t, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (t == NULL)
		return NLP_OK;
	snprintf(arg, sizeof arg, "%s@%s", o->args[0], o->args[1]);
	if ((rc = nlp_modelref_parse(arg, &ref, &e)) != NLP_OK ||
	    (rc = nlp_registry_resolve(r, &ref, &res, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (check_signed(t, res.name, res.version, &e) != NLP_OK)
		return cli_error("registry", &e);
	*version = res.version;
	return NLP_OK;
}

/*
 * The alias of model name its history names that is nearest alias (one
 * or two edits, not alias itself) into buf (empty when none): 1 when
 * found.  For a guess in a message; a failure to read is no guess.
 */
static int
near_alias(struct nlp_registry *r, const char *name, const char *alias,
    char *buf, size_t size)
{
	struct nlp_registry_events all;
	struct nlp_err e;
	size_t i, d, bd = 3;

	buf[0] = '\0';
	if (nlp_registry_history(r, name, NULL, &all, &e) != NLP_OK)
		return 0;
	for (i = 0; i < all.n; i++)
		if (all.v[i].alias != NULL && strcmp(all.v[i].alias, alias) !=
		    0 && (d = nlp_text_distance(all.v[i].alias, alias)) < bd) {
			bd = d;
			snprintf(buf, size, "%s", all.v[i].alias);
		}
	nlp_registry_events_release(&all);
	return buf[0] != '\0';
}

static int
verb_alias(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	long version, old, checked;
	int rc;

	if (o->del) {
		nlp_registry_before_commit(r, cli_check_stdout, NULL);
		rc = nlp_registry_alias_delete(r, o->args[0], o->args[1], cli_who(),
		    o->reason, &old, &e);
		if (rc != NLP_OK)
			return cli_error("registry", &e);
		return print_move(o->args[1], o->args[0], old, 0);
	}
	/* VERSION: a number, or another alias of the model (read in the
	   move's transaction; with trusted keys, resolved and checked first,
	   and moved to only if that alias still points there) */
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	if ((rc = trusted_target(r, o, &checked)) != NLP_OK)
		return rc;
	if (strspn(o->args[1], "0123456789") == strlen(o->args[1])) {
		if ((rc = parse_version(o->verb, "VERSION", o->args[1],
		    &version)) != NLP_OK)
			return rc;
		rc = nlp_registry_promote(r, o->args[0], version, o->args[2],
		    o->if_current, o->req, o->nreq, cli_who(), o->reason, &old, &e);
	} else {
		rc = nlp_registry_promote_alias(r, o->args[0], o->args[1],
		    checked, o->args[2], o->if_current, o->req, o->nreq, cli_who(),
		    o->reason, &version, &old, &e);
	}
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	if (old == version)
		fprintf(stderr, "nlpops registry: %s already points at %s@%ld\n",
		    o->args[2], o->args[0], version);
	/* one or two edits from another alias of the model: said, for a
	   typo to be seen */
	if (old == 0)
		cli_new_alias("registry", r, o->args[0], o->args[2], 0);
	return print_move(o->args[2], o->args[0], old, version);
}

static int
verb_rollback(struct nlp_registry *r, struct ropts *o)
{
	const struct nlp_trust *t = NULL;
	struct nlp_err e = { 0, "" };
	const char *alias = o->alias ? o->alias : "production";
	long from, to;
	int rc;

	/* with trusted keys, the version it would go to is checked first,
	   then moved to only if the alias has not moved meanwhile */
	if ((rc = cli_trust_set(&t, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (t != NULL) {
		if ((rc = nlp_registry_rollback_plan(r, o->args[0], alias, o->to,
		    &from, &to, &e)) != NLP_OK)
			return cli_error("registry", &e);
		/* at 3 a.m.: which version was refused, and that the alias
		   stayed where it was */
		if ((rc = check_signed(t, o->args[0], to, &e)) != NLP_OK) {
			if (o->to > 0)
				nlp_err_prefix(&e, "rollback of %s to %s@%ld "
				    "refused, it stays at %s@%ld", alias,
				    o->args[0], to, o->args[0], from);
			else
				nlp_err_prefix(&e, "rollback of %s refused, it stays "
				    "at %s@%ld (--to V goes to another version): "
				    "%s@%ld, the version before", alias, o->args[0],
				    from, o->args[0], to);
			return cli_error("registry", &e);
		}
		o->to = to;
		if (o->if_current <= 0)
			o->if_current = from;
	}
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	rc = nlp_registry_rollback(r, o->args[0], alias, o->to, o->if_current,
	    cli_who(), o->reason, &from, &to, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	return print_move(alias, o->args[0], from, to);
}

static int
verb_history(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry_events ev;
	char *doc = NULL;
	int rc;

	rc = nlp_registry_history(r, o->args[0], o->alias, &ev, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	/* --alias that never had an event: a typo, not an empty past */
	if (o->alias != NULL && ev.n == 0) {
		char best[NLP_NAME_MAX + 1];
		int near = near_alias(r, o->args[0], o->alias, best, sizeof best);

		nlp_registry_events_release(&ev);
		return cli_errorf("registry", NLP_REGISTRY, "model '%s' has no "
		    "alias '%s' in its history%s%s%s", o->args[0], o->alias,
		    near ? "; did you mean '" : "", best, near ? "'?" : "");
	}
	if (o->json)
		rc = print_json(nlp_registry_events_json(&ev, &doc, &e), &doc, &e);
	else
		print_events(&ev, o->args[0]);
	nlp_registry_events_release(&ev);
	return rc;
}

/* A value of a diff as text ("(none)" when absent), in buf. */
static const char *
diff_value(const char *section, const struct nlp_registry_value *v,
    char *buf, size_t size)
{
	if (v->type == NLP_RV_NULL)
		return "(none)";
	/* a SHA-256: its first 12 digits, as list shows it */
	if (v->type == NLP_RV_TEXT && strlen(v->s) == 64 &&
	    strspn(v->s, "0123456789abcdef") == 64) {
		snprintf(buf, size, "%.12s", v->s);
		return buf;
	}
	if (v->type == NLP_RV_JSON && strlen(v->s) > 48) {
		snprintf(buf, size, "%.45s...", v->s);
		return cli_shown(buf, buf + 64, size - 64);
	}
	if (v->type == NLP_RV_REAL && strcmp(section, "hyperparameters") == 0) {
		snprintf(buf, size, "%g", v->d);
		return buf;
	}
	return value_text(v, buf, size);
}

/* A section of a diff as a person reads it: "training data". */
static const char *
section_name(const char *s, char *buf, size_t size)
{
	size_t i;

	snprintf(buf, size, "%s", s);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
	return buf;
}

/* A diff, section by section: "  key  a -> b"; then the sections that
 * are the same. */
static void
print_diff(const struct nlp_registry_diff *d)
{
	char a[256], b[256], name[64];
	const char *sec, *last = NULL;
	size_t i, nsame = 0, w;
	unsigned j;

	printf("%s -> %s\n", d->a, d->b);
	for (i = 0; i < d->n; i++) {
		const struct nlp_registry_difference *x = &d->v[i];
		if (last == NULL || strcmp(last, x->section) != 0) {
			printf("%s:\n", section_name(x->section, name, sizeof name));
			last = x->section;
		}
		/* padded by the columns a terminal gives the key (a label
		   of accents or CJK), not by its bytes */
		printf("  ");
		cli_put_safe(stdout, x->key, 0);
		for (w = nlp_text_safe_width(x->key); w < 16; w++)
			putchar(' ');
		printf(" %s -> %s\n", diff_value(x->section, &x->a, a, sizeof a),
		    diff_value(x->section, &x->b, b, sizeof b));
	}
	for (j = 0; (sec = nlp_registry_diff_section(j)) != NULL; j++)
		if (!(d->differs & (1u << j)))
			printf("%s%s", nsame++ ? ", " : "same: ", section_name(sec,
			    name, sizeof name));
	if (nsame > 0)
		printf("\n");
}

static int
verb_diff(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry_diff d;
	struct nlp_ref a, b;
	char *doc = NULL;
	int rc;

	if ((rc = ref_arg(o->args[0], &a)) != NLP_OK ||
	    (rc = ref_arg(o->args[1], &b)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_diff(r, &a, &b, &d, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (o->json)
		rc = print_json(nlp_registry_diff_json(&d, &doc, &e), &doc, &e);
	else
		print_diff(&d);
	nlp_registry_diff_release(&d);
	return rc;
}

static int
verb_resolve(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_resolved res;
	struct nlp_ref ref;
	char *doc = NULL;
	int rc;

	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_resolve(r, &ref, &res, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (o->json)
		return print_json(nlp_registry_resolved_json(&res, ref.alias, &doc,
		    &e), &doc, &e);
	printf("%s@%ld %s\n", res.name, res.version, res.sha256);
	return NLP_OK;
}

/*
 * The signature stored with the version res names, read and checked
 * before pull writes anything (*has 0: it has none): one that does not
 * parse, or is for other bytes, is the registry's damage (NLP_REGISTRY),
 * found while nothing is written yet, as export finds it.
 */
static int
stored_signature(struct nlp_registry *r, const struct nlp_resolved *res,
    struct nlp_signature *s, int *has, struct nlp_err *e)
{
	char buf[NLP_SIG_MAX];
	size_t len = 0;
	int rc;

	*has = 0;
	if ((rc = nlp_registry_signature(r, res->name, res->version, buf,
	    sizeof buf, &len, e)) != NLP_OK || len == 0)
		return rc;
	if ((rc = nlp_registry_signature_check(res->name, res->version,
	    res->sha256, buf, len, NULL, "written", s, e)) != NLP_OK)
		return rc;
	*has = 1;
	return NLP_OK;
}

/*
 * Is there something at path.sig that is not an nlpops signature (a GPG
 * detached signature, a link, a directory)?  Such a file is the user's:
 * never replaced or removed.
 */
static int
foreign_signature(const char *sigpath)
{
	struct nlp_signature old;
	struct nlp_err ignored;
	struct stat st;
	char buf[NLP_SIG_MAX];
	size_t len = 0;
	int found = 0;

	if (lstat(sigpath, &st) != 0)
		return 0;
	return !(S_ISREG(st.st_mode) && nlp_signature_read(sigpath, buf, &len,
	    &found, &ignored) == NLP_OK && found && nlp_signature_parse(&old,
	    buf, len, sigpath, &ignored) == NLP_OK);
}

/*
 * The signature of the version ref pulled to path, written beside it as
 * sigpath (sign.h), when the version has one (has); a signature left
 * there from another artifact is removed, so that --trust never pairs
 * them; a file there that is not one (foreign_signature()) is left as it
 * is, with a warning.
 */
static int
place_signature(const char *sigpath, const char *ref,
    const struct nlp_signature *s, int has, struct nlp_err *e)
{
	if (has)
		return nlp_signature_write(sigpath, s, e);
	if (foreign_signature(sigpath)) {
		fprintf(stderr, "nlpops registry: warning: '%s' is not an nlpops "
		    "signature: left as it is (%s has none)\n", sigpath, ref);
		return NLP_OK;
	}
	if (unlink(sigpath) != 0 && errno != ENOENT)
		return nlp_errnof(e, NLP_IO, errno, "cannot remove '%s' (a "
		    "signature of other bytes)", sigpath);
	return NLP_OK;
}

/* -o onto the registry r's own files: refused (cli_outside_registry()). */
static int
outside_registry(struct nlp_registry *r, const char *path)
{
	return cli_outside_registry("registry", "-o", path,
	    nlp_registry_dir(r));
}

/* FILE.sig, where pull writes a signature or removes one, must not be a
 * directory: found before FILE is written, not after (FILE was left,
 * exit 4). */
static int
sig_path_free(const char *path, char sigpath[4096])
{
	struct stat st;

	if (nlp_signature_path(path, sigpath, 4096) != 0)
		return cli_errorf("registry", NLP_IO, "'%s': name too long for "
		    "its signature's", path);
	if (lstat(sigpath, &st) == 0 && S_ISDIR(st.st_mode))
		return cli_errorf("registry", NLP_IO, "'%s' is a directory, where "
		    "the signature of '%s' goes; nothing written", sigpath, path);
	return NLP_OK;
}

/* Is path standard output's file or pipe (/dev/stdout, or the file a
 * shell's > opened)? */
static int
names_stdout(const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && fstat(1, &b) == 0 && a.st_dev ==
	    b.st_dev && a.st_ino == b.st_ino;
}

static int
verb_pull(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_signature sig;
	struct nlp_resolved res;
	struct nlp_ref ref;
	char sigpath[4096], vref[NLP_NAME_MAX + 24];
	/* -o /dev/stdout is -o -: the artifact's bytes alone, not its
	   line after them (the file then failed to load) */
	int rc, has = 0, file = strcmp(o->output, "-") != 0 &&
	    !names_stdout(o->output);

	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	if ((rc = outside_registry(r, o->output)) != NLP_OK)
		return rc;
	if (!file && isatty(1))   /* as export */
		return cli_usage_error("registry", "pull -o -: standard output "
		    "is a terminal; redirect it to a file");
	if (file && (rc = sig_path_free(o->output, sigpath)) != NLP_OK)
		return rc;
	/* to a file: the version and its signature first, then that version
	   (not the alias again, which may have moved meanwhile) */
	if (file && ((rc = nlp_registry_resolve(r, &ref, &res, &e)) != NLP_OK ||
	    (rc = stored_signature(r, &res, &sig, &has, &e)) != NLP_OK))
		return cli_error("registry", &e);
	if (file)
		snprintf(vref, sizeof vref, "%s@%ld", res.name, res.version);
	/* the version's signature goes where something else is: refused
	   before anything is written */
	if (file && has && foreign_signature(sigpath))
		return cli_errorf("registry", NLP_IO, "'%s' is there and is not "
		    "an nlpops signature, where %s's goes: move it away; nothing "
		    "written", sigpath, vref);
	if (file) {
		ref.alias[0] = '\0';
		ref.version = res.version;
	}
	if ((rc = nlp_registry_pull(r, &ref, o->output, &res, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (!file)
		return NLP_OK;
	/* the artifact is in place from here on: a failure says so */
	if ((rc = place_signature(sigpath, vref, &sig, has, &e)) != NLP_OK)
		return cli_errorf("registry", rc, "wrote '%s' (%s@%ld), but %s",
		    o->output, res.name, res.version, e.msg);
	printf("%s@%ld %s -> %s\n", res.name, res.version, res.sha256,
	    o->output);
	if ((rc = cli_flush_stdout()) != 0)
		return cli_errorf("registry", NLP_IO, "wrote '%s' (%s@%ld), but "
		    "standard output failed: %s", o->output, res.name,
		    res.version, strerror(rc));
	return NLP_OK;
}

/* verify --signatures, after the rest of verify (its status rc). */
static int
verify_signatures(const struct nlp_trust *t,
    struct nlp_registry_verify_report *rep, int rc, struct nlp_err *e)
{
	struct nlp_registry *r;
	int src;

	if ((src = nlp_registry_open(&r, cli_registry_dir(), 0, e)) != NLP_OK) {
		nlp_registry_verify_report_release(rep);
		return src;
	}
	src = nlp_registry_verify_signatures(r, t, rep, e);
	nlp_registry_close(r);
	if (src != NLP_OK && src != NLP_NO)
		nlp_registry_verify_report_release(rep);
	return src == NLP_OK ? rc : src;
}

static int
verb_verify(struct nlp_registry *unused, struct ropts *o)
{
	const struct nlp_trust *t = NULL;
	struct nlp_err e = { 0, "" };
	struct nlp_registry_verify_report rep;
	char *doc = NULL;
	size_t i;
	int rc, jrc;

	(void)unused;
	if (o->nargs != 0)
		return cli_usage_error("registry", "verify takes no arguments");
	if (!o->signatures && cli_trust_given())
		return cli_usage_error("registry", "verify --trust checks "
		    "signatures: give --signatures too");
	if (o->signatures) {
		if ((rc = cli_trust_set(&t, &e)) != NLP_OK)
			return cli_error("registry", &e);
		if (t == NULL)
			return cli_usage_error("registry", "verify --signatures needs "
			    "the trusted keys: --trust PUBKEY or NLPOPS_TRUSTED_KEYS");
	}
	rc = nlp_registry_verify_dir(cli_registry_dir(), o->quick, &rep, &e);
	if ((rc == NLP_OK || rc == NLP_NO) && t != NULL)
		rc = verify_signatures(t, &rep, rc, &e);
	if (rc != NLP_OK && rc != NLP_NO)
		return cli_error("registry", &e);
	if (o->json) {
		jrc = nlp_registry_verify_report_json(&rep, &doc, &e);
		if ((jrc = print_json(jrc, &doc, &e)) != NLP_OK)
			rc = jrc;
	} else {
		for (i = 0; i < rep.problems.n; i++)
			printf("problem: %s\n", rep.problems.v[i]);
		for (i = 0; i < rep.notes.n; i++)
			printf("note: %s\n", rep.notes.v[i]);
		char shown[4 * 4096];
		printf("%s: %ld version%s checked, %zu problem%s, %zu note%s\n",
		    cli_shown(cli_registry_shown(), shown, sizeof shown),
		    rep.versions, rep.versions == 1 ?
		    "" : "s", rep.problems.n, rep.problems.n == 1 ? "" : "s",
		    rep.notes.n, rep.notes.n == 1 ? "" : "s");
	}
	nlp_registry_verify_report_release(&rep);
	return rc;
}

static int
verb_gc(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry_gc_report rep;
	/* PostgreSQL keeps objects as rows, not files */
	const char *unit = nlp_registry_is_uri(cli_registry_dir()) ? "object" :
	    "file";
	char *doc = NULL;
	size_t i;
	int rc, err;

	if ((rc = nlp_registry_gc(r, o->dry, o->grace, &rep, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (o->json) {
		rc = print_json(nlp_registry_gc_report_json(&rep, &doc, &e), &doc,
		    &e);
	} else {
		for (i = 0; i < rep.removed.n; i++)
			printf("%s %s\n", o->dry ? "would remove" : "removed",
			    rep.removed.v[i]);
		printf("%s%zu %s%s, %lld bytes", o->dry ? "would free " :
		    "freed ", rep.removed.n, unit, rep.removed.n == 1 ? "" : "s",
		    (long long)rep.bytes);
		if (rep.young > 0)
			printf("; kept %lld not needed but younger than "
			    "--grace", (long long)rep.young);
		printf("\n");
	}
	/* the files are gone whatever standard output does: said */
	if (rc == NLP_OK && !o->dry && (err = cli_flush_stdout()) != 0)
		rc = cli_errorf("registry", NLP_IO, "gc removed %zu %s%s (%lld "
		    "bytes), but standard output failed: %s", rep.removed.n,
		    unit, rep.removed.n == 1 ? "" : "s", (long long)rep.bytes,
		    strerror(err));
	nlp_registry_gc_report_release(&rep);
	return rc;
}

static int
verb_rm(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_registry_strings deleted = { NULL, 0, 0 };
	struct nlp_err e = { 0, "" };
	struct nlp_ref ref;
	size_t i;
	int rc;

	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	rc = nlp_registry_rm_deleting(r, ref.name, ref.version, o->force,
	    cli_who(), o->reason, &deleted, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	/* every change: the aliases --force took away with the version */
	for (i = 0; rc == NLP_OK && i < deleted.n; i++)
		rc = print_committed("%s: %s@%ld -> (none)\n", deleted.v[i],
		    ref.name, ref.version);
	nlp_registry_strings_release(&deleted);
	return rc != NLP_OK ? rc : print_committed("removed %s@%ld\n",
	    ref.name, ref.version);
}

/* export's REF: NAME alone is every version (version 0, no alias). */
static int
export_ref(const char *s, struct nlp_ref *ref)
{
	if (strchr(s, '@') != NULL)
		return ref_arg(s, ref);
	if (!nlp_registry_valid_name(s))
		return cli_usage_error("registry", "'%s' is not a valid model name",
		    s);
	memset(ref, 0, sizeof *ref);
	snprintf(ref->name, sizeof ref->name, "%s", s);
	return NLP_OK;
}

static int
verb_export(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry_bundle_report rep;
	struct nlp_ref *refs;
	int i, rc = NLP_OK, to_stdout, err;
	size_t k;

	if ((rc = outside_registry(r, o->output)) != NLP_OK)
		return rc;
	/* -o /dev/stdout is -o -, as for pull: the bundle's bytes alone */
	to_stdout = strcmp(o->output, "-") == 0 || names_stdout(o->output);
	if (to_stdout && o->json)
		return cli_usage_error("registry", "export -o - writes the bundle "
		    "to standard output: no --json there");
	if (to_stdout && isatty(1))
		return cli_usage_error("registry", "export -o -: standard output "
		    "is a terminal; redirect it to a file");
	if (nlp_artifact_tar_load(&e) != NLP_OK)     /* before -o exists */
		return cli_error("registry", &e);
	if ((refs = calloc((size_t)o->nargs, sizeof *refs)) == NULL)
		return cli_errorf("registry", NLP_IO, "out of memory");
	for (i = 0; i < o->nargs && rc == NLP_OK; i++)
		rc = export_ref(o->args[i], &refs[i]);
	if (rc == NLP_OK) {
		if (to_stdout)
			(void)cli_flush_stdout();
		rc = nlp_registry_export(r, refs, (size_t)o->nargs,
		    to_stdout ? NULL : o->output, 1, &rep, &e);
		if (rc != NLP_OK)
			rc = cli_error("registry", &e);
	}
	free(refs);
	if (rc != NLP_OK)
		return rc;
	if (o->json) {
		char *doc = NULL;
		rc = print_json(nlp_registry_bundle_report_json(&rep, 0, &doc, &e),
		    &doc, &e);
	}
	for (k = 0; k < rep.n && !to_stdout && !o->json; k++)
		printf("%s@%ld %s\n", rep.v[k].name, rep.v[k].version,
		    rep.v[k].sha256);
	/* the bundle is in place from here on: a failure says so */
	if (!to_stdout && rc == NLP_OK && (err = cli_flush_stdout()) != 0)
		rc = cli_errorf("registry", NLP_IO, "wrote '%s', but standard "
		    "output failed: %s", o->output, strerror(err));
	if (rc == NLP_OK)
		fprintf(stderr, "nlpops registry: exported %zu version%s of "
		    "%zu model%s to %s\n", rep.n, rep.n == 1 ? "" : "s",
		    rep.nmodels, rep.nmodels == 1 ? "" : "s", to_stdout ?
		    "standard output" : o->output);
	nlp_registry_bundle_report_release(&rep);
	return rc;
}

static int
verb_import(struct nlp_registry *unused, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_registry_bundle_report rep;
	struct nlp_registry *r;
	size_t k, added = 0;
	int rc;

	(void)unused;
	if (o->nargs != 1)
		return cli_usage_error("registry", "import takes one FILE");
	if (strcmp(o->args[0], "-") == 0)
		return cli_usage_error("registry", "import reads a file (it is "
		    "read twice), not standard input");
	/* nor a pipe or a device (/dev/stdin, a FIFO): its second reading
	   would find nothing, or wait forever with the registry locked */
	if (nlp_registry_bundle_file(o->args[0], &e) != NLP_OK)
		return cli_usage_error("registry", "%s", e.msg);
	/* libarchive reads the bundle: loaded before the registry is made */
	if (nlp_artifact_tar_load(&e) != NLP_OK)
		return cli_error("registry", &e);
	/* into no registry yet: the bundle checked first, so that one
	   refused leaves no empty registry behind */
	if (nlp_registry_open(&r, cli_registry_dir(), 0, &e) == NLP_OK)
		nlp_registry_close(r);
	else if (e.status == NLP_REGISTRY &&
	    nlp_registry_bundle_check(o->args[0], &e) != NLP_OK)
		return cli_error("registry", &e);
	if ((r = open_registry(1, &rc)) == NULL)
		return rc;
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	rc = nlp_registry_import(r, o->args[0], cli_who(), &rep, &e);
	nlp_registry_close(r);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	for (k = 0; k < rep.n; k++) {
		added += rep.v[k].imported != 0;
		if (!o->json)
			printf("%s@%ld %s %s\n", rep.v[k].name, rep.v[k].version,
			    rep.v[k].sha256, rep.v[k].imported ? "imported" :
			    "already there");
	}
	if (o->json) {
		char *doc = NULL;
		if (nlp_registry_bundle_report_json(&rep, 1, &doc, &e) != NLP_OK) {
			nlp_registry_bundle_report_release(&rep);
			return cli_errorf("registry", NLP_IO, "the import was "
			    "committed, but its report could not be made: %s", e.msg);
		}
		printf("%s\n", doc);
		free(doc);
	}
	if ((rc = cli_flush_stdout()) != 0) {
		nlp_registry_bundle_report_release(&rep);
		return cli_errorf("registry", NLP_IO, "the import was committed, "
		    "but standard output failed: %s", strerror(rc));
	}
	for (k = 0; k < rep.notes.n; k++)
		fprintf(stderr, "nlpops registry: note: %s\n", rep.notes.v[k]);
	if (rep.nmodels == 0 && rep.nrestored == 0)
		fprintf(stderr, "nlpops registry: nothing changed: every version "
		    "and event of '%s' is here already%s\n", o->args[0],
		    rep.notes.n > 0 ? ", or kept out (see the notes)" : "");
	else if (rep.nmodels > 0)
		fprintf(stderr, "nlpops registry: imported %zu version%s, %zu "
		    "event%s and %zu alias%s into %zu model%s from '%s'\n", added,
		    added == 1 ? "" : "s", rep.nevents, rep.nevents == 1 ? "" : "s",
		    rep.naliases, rep.naliases == 1 ? "" : "es", rep.nmodels,
		    rep.nmodels == 1 ? "" : "s", o->args[0]);
	nlp_registry_bundle_report_release(&rep);
	return NLP_OK;
}

/*
 * The operands and options that name a model, an alias or a version,
 * checked before the registry is opened (cmd_registry): a malformed one
 * is a usage error (status 2) whatever the registry holds, or whether
 * there is one, in the words of the library's checks
 * (nlp_registry_check_name(), nlp_registry_check_alias(),
 * nlp_modelref_parse()); a well-formed one the registry does not have is
 * the verb's to find (status 5).  How many operands there are is said
 * before, from the verbs' table.
 */

/* The operand s, checked by the library's check (a NAME:
 * nlp_registry_check_name, an ALIAS or --alias: nlp_registry_check_alias). */
static int
checked_arg(int (*check)(const char *, struct nlp_err *), const char *s)
{
	struct nlp_err e = { 0, "" };

	if (check(s, &e) != NLP_OK)
		return cli_error("registry", &e);
	return NLP_OK;
}
#define name_arg(s) checked_arg(nlp_registry_check_name, (s))
#define alias_arg(s) checked_arg(nlp_registry_check_alias, (s))

/* list [NAME] */
static int
check_list(const struct ropts *o)
{
	return o->nargs == 1 ? name_arg(o->args[0]) : NLP_OK;
}

/* show, resolve, pull: REF; diff: REF REF */
static int
check_refs(const struct ropts *o)
{
	struct nlp_ref ref;
	int i, rc = NLP_OK;

	for (i = 0; i < o->nargs && i < 2 && rc == NLP_OK; i++)
		rc = ref_arg(o->args[i], &ref);
	return rc;
}

/* alias and promote: NAME VERSION ALIAS, VERSION a number or an alias;
 * with --delete, NAME ALIAS */
static int
check_alias(const struct ropts *o)
{
	const char *v;
	long version;
	int rc;

	if (o->del && o->nargs != 2)
		return cli_usage_error("registry", "alias --delete takes NAME "
		    "ALIAS");
	if (!o->del && o->nargs != 3)
		return cli_usage_error("registry", "%s takes NAME VERSION ALIAS",
		    o->verb);
	if ((rc = name_arg(o->args[0])) != NLP_OK)
		return rc;
	if (o->del)
		return alias_arg(o->args[1]);
	v = o->args[1];
	if (strspn(v, "0123456789") == strlen(v)) {
		if ((rc = parse_version(o->verb, "VERSION", v, &version)) != NLP_OK)
			return rc;
	} else if (!nlp_registry_valid_alias(v))
		return cli_errorf("registry", NLP_USAGE, "'%s' is neither a "
		    "version number nor a valid alias", v);
	return alias_arg(o->args[2]);
}

/* rollback NAME [--alias A] */
static int check_history(const struct ropts *o);

static int
check_rollback(const struct ropts *o)
{
	if (o->nargs == 1 && strchr(o->args[0], '@') != NULL)
		return cli_usage_error("registry", "rollback takes NAME and --alias "
		    "ALIAS, not a reference ('%s')", o->args[0]);
	return check_history(o);
}

/* history NAME [--alias A] (and rollback's, after its own) */
static int
check_history(const struct ropts *o)
{
	int rc;

	if (o->nargs == 1 && (rc = name_arg(o->args[0])) != NLP_OK)
		return rc;
	return o->alias != NULL ? alias_arg(o->alias) : NLP_OK;
}

/* export REF...: NAME alone too */
static int
check_export(const struct ropts *o)
{
	struct nlp_ref ref;
	int i, rc = NLP_OK;

	for (i = 0; i < o->nargs && rc == NLP_OK; i++)
		rc = export_ref(o->args[i], &ref);
	return rc;
}

/* rm NAME@VERSION */
static int
check_rm(const struct ropts *o)
{
	struct nlp_ref ref;
	int rc;

	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	if (ref.version == 0)
		return cli_usage_error("registry", "rm takes NAME@VERSION, with a "
		    "version number, not '%s'", o->args[0]);
	return NLP_OK;
}

/* The verbs: their declarations, summaries, checks and functions. */
static const struct verb {
	const struct cli_cmd *cmd;
	const char *summary;
	int (*check)(const struct ropts *);  /* before opening, or NULL */
	int (*fn)(struct nlp_registry *, struct ropts *);
	int open;            /* 0: none, 1: read, 2: write */
	/* the verbs that open the registry here: how many operands, -o FILE
	   or not, and the usage error otherwise (before the registry, which
	   may be missing: a usage error is not a registry's state) */
	int min, max;        /* max -1: no limit */
	int output;
	const char *takes;
} verbs[] = {
	{ &cli_registry_init, "create the registry", NULL, verb_init, 0, 0, -1,
	    0, NULL },
	/* push opens after checking its input */
	{ &cli_registry_push, "store an artifact as a new version", NULL,
	    verb_push, 0, 0, -1, 0, NULL },
	{ &cli_registry_list, "models, or one model's versions", check_list,
	    verb_list, 1, 0, 1, 0, "list takes at most one NAME" },
	{ &cli_registry_show, "a version: lineage, metrics, events",
	    check_refs, verb_show, 1, 1, 1, 0, "show takes one REF" },
	/* alias and promote: check_alias says which count */
	{ &cli_registry_alias, "set or move an alias", check_alias, verb_alias,
	    2, 0, -1, 0, NULL },
	{ &cli_registry_promote, "set or move an alias (same as alias)",
	    check_alias, verb_alias, 2, 0, -1, 0, NULL },
	{ &cli_registry_rollback, "move an alias back (default: production)",
	    check_rollback, verb_rollback, 2, 1, 1, 0,
	    "rollback takes one NAME" },
	{ &cli_registry_history, "what happened, newest first", check_history,
	    verb_history, 1, 1, 1, 0, "history takes one NAME" },
	{ &cli_registry_diff, "what differs between two versions", check_refs,
	    verb_diff, 1, 2, 2, 0, "diff takes two REFs" },
	{ &cli_registry_resolve, "the version a reference names now, and its "
	    "SHA-256", check_refs, verb_resolve, 1, 1, 1, 0,
	    "resolve takes one REF" },
	{ &cli_registry_pull, "copy an artifact out, hash checked", check_refs,
	    verb_pull, 1, 1, 1, 1, "pull takes REF and -o FILE" },
	{ &cli_registry_export, "write a bundle of models or versions",
	    check_export, verb_export, 1, 1, -1, 1,
	    "export takes REF... and -o FILE" },
	/* import opens itself: it creates a registry that is missing */
	{ &cli_registry_import, "restore a bundle: versions and history", NULL,
	    verb_import, 0, 0, -1, 0, NULL },
	/* verify opens itself: damage is a finding */
	{ &cli_registry_verify, "check every object and the database", NULL,
	    verb_verify, 0, 0, -1, 0, NULL },
	{ &cli_registry_gc, "remove unreferenced objects", NULL, verb_gc, 2,
	    0, 0, 0, "gc takes no arguments" },
	{ &cli_registry_rm, "remove a version", check_rm, verb_rm, 2, 1, 1, 0,
	    "rm takes NAME@VERSION" },
};

#define NVERBS (sizeof verbs / sizeof verbs[0])

const struct cli_cmd *const cli_registry_verbs[] = {
	&cli_registry_init, &cli_registry_push, &cli_registry_list,
	&cli_registry_show, &cli_registry_alias, &cli_registry_promote,
	&cli_registry_rollback, &cli_registry_history, &cli_registry_diff,
	&cli_registry_resolve,
	&cli_registry_pull, &cli_registry_export, &cli_registry_import,
	&cli_registry_verify, &cli_registry_gc, &cli_registry_rm, NULL,
};

void
cli_registry_verb_names(FILE *out)
{
	size_t i;

	for (i = 0; i < NVERBS; i++)
		fprintf(out, "%s\t%s\n", verbs[i].cmd->name + strlen("registry "),
		    verbs[i].summary);
}

/* argv[1] is not a verb: --registry in the wrong place, or a typo. */
static int
unknown_verb(int argc, char **argv)
{
	const char *a = argv[1];
	size_t i, d, best = NLP_DISTANCE_FAR, bi = 0;

	if (strcmp(a, "--registry") == 0)
		return misplaced_registry(argc > 3 ? argv[3] : NULL, argc > 2 ?
		    argv[2] : NULL);
	if (strncmp(a, "--registry=", 11) == 0)
		return misplaced_registry(argc > 2 ? argv[2] : NULL, a + 11);
	for (i = 0; i < NVERBS; i++) {
		d = nlp_text_distance(a, verbs[i].cmd->name + strlen("registry "));
		if (d < best)
			best = d, bi = i;
	}
	if (best <= 2)
		return cli_usage_error("registry", "'%s' is not a registry verb; "
		    "did you mean '%s'?", a, verbs[bi].cmd->name +
		    strlen("registry "));
	return cli_usage_error("registry", "'%s' is not a registry verb", a);
}

int
cmd_registry(int argc, char **argv)
{
	struct nlp_registry *r = NULL;
	struct ropts o;
	size_t i;
	int rc, first;

	if (argc < 2)
		return cli_usage_error("registry", "no verb given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help(usage);
	for (i = 0; i < NVERBS; i++)
		if (strcmp(verbs[i].cmd->name + strlen("registry "), argv[1]) == 0)
			break;
	if (i == NVERBS)
		return unknown_verb(argc, argv);
	cli_usage_help = verbs[i].cmd->name;   /* its page, where --to is */
	memset(&o, 0, sizeof o);
	o.verb = argv[1];
	o.grace = 3600;
	rc = cli_parse(verbs[i].cmd, argc - 1, argv + 1, option, &o, &first);
	o.args = argv + 1 + first;
	o.nargs = argc - 1 - first;
	/* alias --delete with a guard it would not honour: refused, not run */
	if (rc == NLP_OK && o.del && (o.if_current || o.nreq))
		rc = cli_usage_error("registry", "alias --delete takes no %s",
		    o.if_current ? "--if-current" : "--require");
	/* too many or too few operands, a malformed name, alias or version:
	   before the registry */
	if (rc == NLP_OK && verbs[i].takes != NULL &&
	    (o.nargs < verbs[i].min ||
	    (verbs[i].max >= 0 && o.nargs > verbs[i].max) ||
	    (verbs[i].output && o.output == NULL)))
		rc = cli_usage_error("registry", "%s", verbs[i].takes);
	if (rc == NLP_OK && verbs[i].check != NULL)
		rc = verbs[i].check(&o);
	/* writes other than push need an existing registry: never create one
	   just to say that a model is missing */
	if (rc == NLP_OK && verbs[i].open)     /* gc --dry-run only reads */
		r = open_registry(verbs[i].open == 2 && !o.dry ?
		    NLP_REGISTRY_WRITE_EXISTING : 0, &rc);
	if (rc == NLP_OK)
		rc = verbs[i].fn(r, &o);
	nlp_registry_close(r);
	free(o.tags);
	free(o.req);
	return rc == CLI_HELP_SHOWN ? NLP_OK : rc;
}
