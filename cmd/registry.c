/*
 * registry.c - `nlpops registry VERB`: versioned models, aliases,
 * rollback and history, over lib/registry.  Each verb parses its options,
 * calls the library, prints (a table, or --json), returns an exit status.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "artifact.h"
#include "modelref.h"
#include "registry.h"

static const char usage[] =
    "usage: nlpops [--registry DIR] registry <verb> [options] [args]\n"
    "\n"
    "  init [--shared GROUP]                 create the registry\n"
    "  push ARTIFACT --name NAME [--alias A] [--tag K=V]... [--description T]\n"
    "       [--reason T]                     store an artifact as a new version\n"
    "  list [NAME] [--json]                  models, or one model's versions\n"
    "  show REF [--json]                     a version: lineage, metrics, events\n"
    "  alias NAME VERSION ALIAS [--if-current V] [--require EXPR]... [--reason T]\n"
    "                                        set or move an alias (also: promote);\n"
    "                                        --require 'macro_f1>=0.85' checks the\n"
    "                                        version's recorded evaluation\n"
    "  alias --delete NAME ALIAS [--reason T]\n"
    "  rollback NAME [--alias A] [--to VERSION] [--reason T]\n"
    "                                        move an alias back (default: production)\n"
    "  history NAME [--alias A] [--json]     what happened, newest first\n"
    "  pull REF -o FILE                      copy an artifact out, hash checked\n"
    "  verify [--quick] [--json]             check every object and the database\n"
    "  gc [--dry-run] [--grace DURATION] [--json]\n"
    "                                        remove unreferenced objects (grace: 1h)\n"
    "  rm NAME@VERSION [--force] [--reason T]\n"
    "                                        remove a version\n"
    "\n"
    "REF is NAME, NAME@VERSION or NAME@ALIAS; NAME alone is NAME@production.\n"
    "The registry: --registry DIR, else $NLPOPS_REGISTRY, else\n"
    "$XDG_DATA_HOME/nlpops, else ~/.local/share/nlpops.\n";

enum {
	OPT_NAME = 256, OPT_ALIAS, OPT_TAG, OPT_DESC, OPT_JSON, OPT_IFCUR,
	OPT_REASON, OPT_DELETE, OPT_TO, OPT_QUICK, OPT_DRY, OPT_GRACE, OPT_FORCE,
	OPT_SHARED, OPT_REQUIRE,
};

static const struct option longopts[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "alias", required_argument, NULL, OPT_ALIAS },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "description", required_argument, NULL, OPT_DESC },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "if-current", required_argument, NULL, OPT_IFCUR },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "delete", no_argument, NULL, OPT_DELETE },
	{ "to", required_argument, NULL, OPT_TO },
	{ "quick", no_argument, NULL, OPT_QUICK },
	{ "dry-run", no_argument, NULL, OPT_DRY },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "shared", required_argument, NULL, OPT_SHARED },
	{ "require", required_argument, NULL, OPT_REQUIRE },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Every verb's options, parsed once; each verb checks what it accepts. */
struct ropts {
	const char *verb;
	const char *name, *alias, *desc, *reason, *output, *shared;
	const char **tags;
	size_t ntags;
	const char **req;
	size_t nreq;
	int json, del, quick, dry, force;
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
	if (cli_uint("registry", label, s, 1, 0x7fffffffUL, &u) != NLP_OK)
		return NLP_USAGE;
	*v = (long)u;
	return NLP_OK;
}

/* "90s", "30m", "1h", "2d", or plain seconds. */
static int
parse_duration(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mult = 1;

	if (end == s || v < 0)
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

static int
parse(int argc, char **argv, struct ropts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->verb = argv[0];
	o->grace = 3600;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_NAME: o->name = optarg; break;
		case OPT_ALIAS: o->alias = optarg; break;
		case OPT_TAG: {
			const char **t = realloc(o->tags, (o->ntags + 1) * sizeof *t);
			if (t == NULL)
				return cli_errorf("registry", NLP_IO, "out of memory");
			o->tags = t;
			o->tags[o->ntags++] = optarg;
			break;
		}
		case OPT_REQUIRE: {
			const char **t = realloc(o->req, (o->nreq + 1) * sizeof *t);
			if (t == NULL)
				return cli_errorf("registry", NLP_IO, "out of memory");
			o->req = t;
			o->req[o->nreq++] = optarg;
			break;
		}
		case OPT_DESC: o->desc = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_IFCUR:
			if (parse_version(o->verb, "--if-current", optarg,
			    &o->if_current) != NLP_OK)
				return NLP_USAGE;
			break;
		case OPT_REASON: o->reason = optarg; break;
		case OPT_DELETE: o->del = 1; break;
		case OPT_TO:
			if (parse_version(o->verb, "--to", optarg, &o->to) != NLP_OK)
				return NLP_USAGE;
			break;
		case OPT_QUICK: o->quick = 1; break;
		case OPT_DRY: o->dry = 1; break;
		case OPT_GRACE:
			if (parse_duration(optarg, &o->grace) < 0)
				return cli_usage_error("registry", "--grace takes a "
				    "duration like 90s, 30m, 1h or 2d, not '%s'", optarg);
			break;
		case OPT_FORCE: o->force = 1; break;
		case OPT_SHARED: o->shared = optarg; break;
		case 'o': o->output = optarg; break;
		case 'h': return -1;
		default:
			return cli_bad_option("registry", optopt, argv, optind);
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return NLP_OK;
}

/* Open the registry for the verb. */
static struct nlp_registry *
open_registry(int writable, int *status)
{
	struct nlp_registry *r;
	struct nlp_err e = { 0, "" };

	*status = nlp_registry_open(&r, cli_registry_dir(), writable, &e);
	if (*status != NLP_OK) {
		cli_error("registry", &e);
		return NULL;
	}
	return r;
}

/* Print JSON (for --json), sorted keys, one document. */
static void
print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(10));
	fputc('\n', stdout);
}

/* A JSON value as short text for tables ("-" for null). */
static const char *
text(json_t *v, char *buf, size_t size)
{
	if (v == NULL || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return cli_shown(json_string_value(v), buf, size);
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, size, "%.4f", json_real_value(v));
		return buf;
	}
	{
		char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		snprintf(buf, size, "%s", s ? s : "?");
		free(s);
	}
	return buf;
}

/* "a,b" from an array of strings, or "-". */
static const char *
joined(json_t *a, char *buf, size_t size)
{
	size_t i, n = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
		    i ? "," : "", json_string_value(v));
		if (n >= size)
			break;
	}
	return buf[0] ? buf : "-";
}

/* "production=7,staging=8" from an object, or "-". */
static const char *
pairs(json_t *o, char *buf, size_t size)
{
	const char *k;
	json_t *v;
	size_t n = 0;
	char num[32];

	buf[0] = '\0';
	json_object_foreach(o, k, v) {
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s=%s",
		    n ? "," : "", k, text(v, num, sizeof num));
		if (n >= size)
			break;
	}
	return buf[0] ? buf : "-";
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
	printf("%s\n", cli_registry_dir());
	return NLP_OK;
}

int
cli_print_pushed(const char *cmd, const char *name,
    const struct nlp_push_result *res)
{
	char line[NLP_NAME_MAX + NLP_SHA256_HEX + 32];
	int err;

	if (res->existed)
		fprintf(stderr, "nlpops %s: these bytes are already %s@%ld; no new "
		    "version\n", cmd, name, res->version);
	snprintf(line, sizeof line, "%s@%ld %s", name, res->version, res->sha256);
	printf("%s\n", line);
	if ((err = cli_flush_stdout()) != 0)
		return cli_errorf(cmd, NLP_IO, "the push was committed (%s), but "
		    "standard output failed: %s", line, strerror(err));
	return NLP_OK;
}

int
cli_check_stdout(void *unused)
{
	(void)unused;
	return cli_stdout_writable();
}

static int
verb_push(struct nlp_registry *unused, struct ropts *o)
{
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
	if (!nlp_registry_valid_name(o->name))
		return cli_usage_error("registry", "'%s' is not a valid model name "
		    "(1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or "
		    "digit)", o->name);
	if (o->alias != NULL && !nlp_registry_valid_alias(o->alias))
		return cli_usage_error("registry", "'%s' is not a valid alias",
		    o->alias);
	/* read with bounds (the header first: /dev/zero or a random file is
	 * refused after one block), then checked as predict loads it */
	rc = strcmp(o->args[0], "-") == 0 ?
	    nlp_artifact_open_fd(&a, 0, "standard input", &e) :
	    nlp_artifact_open(&a, o->args[0], &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	data = nlp_artifact_bytes(a, &len);
	if ((rc = nlp_registry_check_artifact(data, len, &e)) != NLP_OK) {
		nlp_artifact_close(a);
		nlp_err_prefix(&e, "'%s'", o->args[0]);
		return cli_error("registry", &e);
	}
	if ((r = open_registry(1, &rc)) == NULL) {
		nlp_artifact_close(a);
		return rc;
	}
	memset(&po, 0, sizeof po);
	po.name = o->name;
	po.alias = o->alias;
	po.tags = o->tags;
	po.ntags = o->ntags;
	po.description = o->desc;
	po.source = o->args[0];
	po.who = cli_who();
	po.reason = o->reason;
	nlp_registry_before_commit(r, cli_check_stdout, NULL);
	rc = nlp_registry_push(r, data, len, &po, &res, &e);
	nlp_registry_close(r);
	nlp_artifact_close(a);
	if (rc != NLP_OK) {
		if (rc == NLP_DATA && strncmp(e.msg, "'(memory)': ", 12) == 0)
			memmove(e.msg, e.msg + 12, strlen(e.msg + 12) + 1);
		if (rc == NLP_DATA)
			nlp_err_prefix(&e, "'%s'", o->args[0]);
		return cli_error("registry", &e);
	}
	return cli_print_pushed("registry", o->name, &res);
}

static int
verb_list(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	json_t *rows, *row;
	char b1[64], b2[64], b3[512], b4[64];
	size_t i;
	int rc;

	if (o->nargs > 1)
		return cli_usage_error("registry", "list takes at most one NAME");
	rc = nlp_registry_list(r, o->nargs ? o->args[0] : NULL, &rows, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	if (o->json) {
		print_json(rows);
	} else if (o->nargs == 0) {
		printf("%-24s %6s %8s  %-20s %s\n", "NAME", "LATEST", "VERSIONS",
		    "UPDATED", "ALIASES");
		json_array_foreach(rows, i, row)
			printf("%-24s %6s %8s  %-20s %s\n",
			    json_string_value(json_object_get(row, "name")),
			    text(json_object_get(row, "latest"), b1, sizeof b1),
			    text(json_object_get(row, "versions"), b2, sizeof b2),
			    text(json_object_get(row, "updated_at"), b4, sizeof b4),
			    pairs(json_object_get(row, "aliases"), b3, sizeof b3));
	} else {
		printf("%7s  %-20s %-16s %10s  %-12s %s\n", "VERSION", "CREATED",
		    "BY", "BYTES", "SHA256", "ALIASES");
		json_array_foreach(rows, i, row)
			printf("%7s  %-20s %-16s %10s  %.12s %s\n",
			    text(json_object_get(row, "version"), b1, sizeof b1),
			    json_string_value(json_object_get(row, "created_at")),
			    text(json_object_get(row, "created_by"), b4, sizeof b4),
			    text(json_object_get(row, "size"), b2, sizeof b2),
			    json_string_value(json_object_get(row, "sha256")),
			    joined(json_object_get(row, "aliases"), b3, sizeof b3));
	}
	json_decref(rows);
	return NLP_OK;
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
print_events(json_t *rows, const char *name)
{
	json_t *ev;
	size_t i;

	json_array_foreach(rows, i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		const char *alias = json_string_value(json_object_get(ev, "alias"));
		json_int_t ov = json_integer_value(json_object_get(ev, "old_version"));
		json_int_t nv = json_integer_value(json_object_get(ev, "new_version"));
		const char *reason = json_string_value(json_object_get(ev, "reason"));
		char what[256], who[1024], shown[4 * NLP_TEXT_MAX + 1];

		if (strcmp(kind, "push") == 0)
			snprintf(what, sizeof what, "push %s@%lld", name, (long long)nv);
		else if (strcmp(kind, "rm") == 0)
			snprintf(what, sizeof what, "rm %s@%lld", name, (long long)ov);
		else if (strcmp(kind, "alias-delete") == 0)
			snprintf(what, sizeof what, "%s %s: %s@%lld -> (none)", kind,
			    alias, name, (long long)ov);
		else if (ov)
			snprintf(what, sizeof what, "%s %s: %s@%lld -> %s@%lld", kind,
			    alias, name, (long long)ov, name, (long long)nv);
		else
			snprintf(what, sizeof what, "%s %s: (none) -> %s@%lld", kind,
			    alias, name, (long long)nv);
		printf("%s  %-16s %s%s%s\n",
		    json_string_value(json_object_get(ev, "at")),
		    cli_shown(json_string_value(json_object_get(ev, "who")), who,
		    sizeof who), what, reason ? "  # " : "", reason ?
		    cli_shown(reason, shown, sizeof shown) : "");
	}
}

static int
verb_show(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_ref ref;
	json_t *v, *x;
	char buf[4 * NLP_TEXT_MAX + 1];
	const char *k;
	size_t i;
	int rc;

	if (o->nargs != 1)
		return cli_usage_error("registry", "show takes one REF");
	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_show(r, &ref, &v, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (o->json) {
		print_json(v);
		json_decref(v);
		return NLP_OK;
	}
	printf("model:       %s@%s\n", json_string_value(json_object_get(v, "name")),
	    text(json_object_get(v, "version"), buf, sizeof buf));
	printf("sha256:      %s\n", json_string_value(json_object_get(v, "sha256")));
	printf("size:        %s bytes\n", text(json_object_get(v, "size"), buf,
	    sizeof buf));
	printf("created:     %s by %s\n",
	    json_string_value(json_object_get(v, "created_at")),
	    text(json_object_get(v, "created_by"), buf, sizeof buf));
	printf("source:      %s\n", text(json_object_get(v, "source"), buf,
	    sizeof buf));
	printf("description: %s\n", text(json_object_get(v, "description"), buf,
	    sizeof buf));
	printf("aliases:     %s\n", joined(json_object_get(v, "aliases"), buf,
	    sizeof buf));
	printf("tags:        %s\n", pairs(json_object_get(v, "tags"), buf,
	    sizeof buf));
	printf("examples:    %s\n", text(json_object_get(v, "examples"), buf,
	    sizeof buf));
	printf("metrics:     %s\n", pairs(json_object_get(v, "metrics"), buf,
	    sizeof buf));
	printf("hyperparameters: %s\n", pairs(json_object_get(v,
	    "hyperparameters"), buf, sizeof buf));
	printf("labels:     ");
	json_array_foreach(json_object_get(v, "labels"), i, x)
		printf(" %s(%lld)", text(json_object_get(x, "label"), buf,
		    sizeof buf), (long long)json_integer_value(json_object_get(x,
		    "count")));
	printf("\ntraining data:\n");
	json_array_foreach(json_object_get(v, "training_data"), i, x)
		printf("  %s  %s  %lld bytes\n",
		    json_string_value(json_object_get(x, "sha256")),
		    text(json_object_get(x, "name"), buf, sizeof buf),
		    (long long)json_integer_value(json_object_get(x, "bytes")));
	printf("evaluations:\n");
	json_array_foreach(json_object_get(v, "evaluations"), i, x) {
		json_t *mt = json_object_get(x, "metrics");
		printf("  #%lld %s by %s: accuracy %.4f, macro-F1 %.4f, n %lld, data "
		    "%.12s\n", (long long)json_integer_value(json_object_get(x, "id")),
		    json_string_value(json_object_get(x, "at")),
		    text(json_object_get(x, "who"), buf, sizeof buf),
		    json_number_value(json_object_get(mt, "accuracy")),
		    json_number_value(json_object_get(mt, "macro_f1")),
		    (long long)json_integer_value(json_object_get(mt, "n")),
		    json_string_value(json_object_get(json_array_get(json_object_get(
		    x, "data"), 0), "sha256")));
	}
	printf("recent events:\n");
	k = json_string_value(json_object_get(v, "name"));
	print_events(json_object_get(v, "recent_events"), k);
	json_decref(v);
	return NLP_OK;
}

/*
 * A write's result goes to standard output after the commit, so that what
 * is printed is what was committed (a process killed in between has
 * printed nothing).  Whether standard output can take it is checked just
 * before the commit (nlp_registry_before_commit): closed, a full device
 * or a pipe nobody reads fails the change, which is rolled back, instead
 * of leaving it done but reported as failed (a retried rollback walked
 * back twice).  What cannot be known beforehand -- a regular file on a
 * disk that fills in between -- is reported as a change that was
 * committed and could not be printed.
 */
static int
check_stdout(void *unused)
{
	(void)unused;
	return cli_stdout_writable();
}

/* Print the line of a committed change: NLP_OK, or NLP_IO saying that
 * the change was made all the same. */
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

static int
verb_alias(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	long version, old;
	int rc;

	if (o->del) {
		if (o->nargs != 2)
			return cli_usage_error("registry", "alias --delete takes NAME "
			    "ALIAS");
		nlp_registry_before_commit(r, check_stdout, NULL);
		rc = nlp_registry_alias_delete(r, o->args[0], o->args[1], cli_who(),
		    o->reason, &old, &e);
		if (rc != NLP_OK)
			return cli_error("registry", &e);
		return print_move(o->args[1], o->args[0], old, 0);
	}
	if (o->nargs != 3)
		return cli_usage_error("registry", "%s takes NAME VERSION ALIAS",
		    o->verb);
	if ((rc = parse_version(o->verb, "VERSION", o->args[1], &version)) != NLP_OK)
		return rc;
	nlp_registry_before_commit(r, check_stdout, NULL);
	rc = nlp_registry_promote(r, o->args[0], version, o->args[2],
	    o->if_current, o->req, o->nreq, cli_who(), o->reason, &old, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	if (old == version)
		fprintf(stderr, "nlpops registry: %s already points at %s@%ld\n",
		    o->args[2], o->args[0], version);
	return print_move(o->args[2], o->args[0], old, version);
}

static int
verb_rollback(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	const char *alias = o->alias ? o->alias : "production";
	long from, to;
	int rc;

	if (o->nargs != 1)
		return cli_usage_error("registry", "rollback takes one NAME");
	nlp_registry_before_commit(r, check_stdout, NULL);
	rc = nlp_registry_rollback(r, o->args[0], alias, o->to, cli_who(),
	    o->reason, &from, &to, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	return print_move(alias, o->args[0], from, to);
}

static int
verb_history(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	json_t *rows;
	int rc;

	if (o->nargs != 1)
		return cli_usage_error("registry", "history takes one NAME");
	rc = nlp_registry_history(r, o->args[0], o->alias, &rows, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	if (o->json)
		print_json(rows);
	else
		print_events(rows, o->args[0]);
	json_decref(rows);
	return NLP_OK;
}

static int
verb_pull(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_resolved res;
	struct nlp_ref ref;
	int rc;

	if (o->nargs != 1 || o->output == NULL)
		return cli_usage_error("registry", "pull takes REF and -o FILE");
	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_pull(r, &ref, o->output, &res, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (strcmp(o->output, "-") != 0)
		printf("%s@%ld %s -> %s\n", res.name, res.version, res.sha256,
		    o->output);
	return NLP_OK;
}

static int
verb_verify(struct nlp_registry *unused, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	json_t *rep, *v;
	size_t i;
	int rc;

	(void)unused;
	if (o->nargs != 0)
		return cli_usage_error("registry", "verify takes no arguments");
	rc = nlp_registry_verify_dir(cli_registry_dir(), o->quick, &rep, &e);
	if (rc != NLP_OK && rc != NLP_NO)
		return cli_error("registry", &e);
	if (o->json) {
		print_json(rep);
	} else {
		json_array_foreach(json_object_get(rep, "problems"), i, v)
			printf("problem: %s\n", json_string_value(v));
		json_array_foreach(json_object_get(rep, "notes"), i, v)
			printf("note: %s\n", json_string_value(v));
		printf("%s: %lld versions checked, %zu problems, %zu notes\n",
		    cli_registry_dir(),
		    (long long)json_integer_value(json_object_get(rep, "versions")),
		    json_array_size(json_object_get(rep, "problems")),
		    json_array_size(json_object_get(rep, "notes")));
	}
	json_decref(rep);
	return rc;
}

static int
verb_gc(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	json_t *rep, *v;
	size_t i;
	int rc;

	if (o->nargs != 0)
		return cli_usage_error("registry", "gc takes no arguments");
	if ((rc = nlp_registry_gc(r, o->dry, o->grace, &rep, &e)) != NLP_OK)
		return cli_error("registry", &e);
	if (o->json) {
		print_json(rep);
	} else {
		json_array_foreach(json_object_get(rep, "removed"), i, v)
			printf("%s %s\n", o->dry ? "would remove" : "removed",
			    json_string_value(v));
		printf("%s%zu files, %lld bytes\n", o->dry ? "would free " : "freed ",
		    json_array_size(json_object_get(rep, "removed")),
		    (long long)json_integer_value(json_object_get(rep, "bytes")));
	}
	json_decref(rep);
	return NLP_OK;
}

static int
verb_rm(struct nlp_registry *r, struct ropts *o)
{
	struct nlp_err e = { 0, "" };
	struct nlp_ref ref;
	int rc;

	if (o->nargs != 1)
		return cli_usage_error("registry", "rm takes NAME@VERSION");
	if ((rc = ref_arg(o->args[0], &ref)) != NLP_OK)
		return rc;
	if (ref.version == 0)
		return cli_usage_error("registry", "rm takes NAME@VERSION, with a "
		    "version number, not '%s'", o->args[0]);
	nlp_registry_before_commit(r, check_stdout, NULL);
	rc = nlp_registry_rm(r, ref.name, ref.version, o->force, cli_who(),
	    o->reason, &e);
	if (rc != NLP_OK)
		return cli_error("registry", &e);
	return print_committed("removed %s@%ld\n", ref.name, ref.version);
}

static const struct verb {
	const char *name;
	int (*fn)(struct nlp_registry *, struct ropts *);
	int open;            /* 0: none, 1: read, 2: write */
} verbs[] = {
	{ "init", verb_init, 0 },
	{ "push", verb_push, 0 },        /* opens after checking its input */
	{ "list", verb_list, 1 },
	{ "show", verb_show, 1 },
	{ "alias", verb_alias, 2 },
	{ "promote", verb_alias, 2 },
	{ "rollback", verb_rollback, 2 },
	{ "history", verb_history, 1 },
	{ "pull", verb_pull, 1 },
	{ "verify", verb_verify, 0 },    /* opens itself: damage is a finding */
	{ "gc", verb_gc, 2 },
	{ "rm", verb_rm, 2 },
};

int
cmd_registry(int argc, char **argv)
{
	struct nlp_registry *r = NULL;
	struct ropts o;
	size_t i;
	int rc;

	if (argc < 2)
		return cli_usage_error("registry", "no verb given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		return cli_help(usage);
	for (i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verbs[i].name, argv[1]) == 0)
			break;
	if (i == sizeof verbs / sizeof verbs[0])
		return cli_usage_error("registry", "'%s' is not a registry verb",
		    argv[1]);
	rc = parse(argc - 1, argv + 1, &o);
	/* writes other than push need an existing registry: never create one
	   just to say that a model is missing */
	if (rc != NLP_OK || (verbs[i].open && (r = open_registry(verbs[i].open ==
	    2 ? NLP_REGISTRY_WRITE_EXISTING : 0, &rc)) == NULL)) {
		free(o.tags);
		free(o.req);
		return rc < 0 ? cli_help(usage) : rc;
	}
	rc = verbs[i].fn(r, &o);
	nlp_registry_close(r);
	free(o.tags);
	free(o.req);
	return rc;
}
