/*
 * registry_write.c - the registry's changes: push, alias and promote,
 * rollback, rm, record_eval (see registry.h).
 *
 * Each change is one transaction (registry_db.c) that checks everything
 * it depends on inside it and logs an event with the change.  Objects are
 * stored (store.h) before the transaction that names them, and checked
 * again inside it, so that a concurrent gc cannot leave a row without its
 * object.
 */
#include "registry_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "artifact.h"
#include "eval.h"
#include "jsonwatch.h"
#include "model.h"
#include "sign.h"
#include "modelref.h"
#include "store.h"
#include "text.h"

#define NPARAM(p) (sizeof (p) / sizeof *(p))

/* ---- names and texts ---- */

int
nlp_registry_valid_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > NLP_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

int
nlp_registry_valid_alias(const char *s)
{
	size_t i;

	if (!nlp_registry_valid_name(s))
		return 0;
	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return 1;
	return 0;
}

size_t
nlp_registry_file_suffix(const char *s)
{
	static const char *const suffixes[] = {
		".tar.gz", ".nlp", ".tar", ".tgz", ".gz",
	};
	size_t i, n = strlen(s), k;

	for (i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		k = strlen(suffixes[i]);
		if (n > k && strcasecmp(s + n - k, suffixes[i]) == 0)
			return k;
	}
	return 0;
}

int
nlp_registry_check_name(const char *s, struct nlp_err *e)
{
	if (nlp_registry_valid_name(s))
		return NLP_OK;
	return nlp_errf(e, NLP_USAGE, "'%s' is not a valid model name (1 to 64 "
	    "of A-Z a-z 0-9 . _ -, starting with a letter or digit)", s);
}

int
nlp_registry_check_new_name(const char *s, struct nlp_err *e)
{
	size_t n = strlen(s), k;
	int rc;

	if ((rc = nlp_registry_check_name(s, e)) != NLP_OK)
		return rc;
	if ((k = nlp_registry_file_suffix(s)) > 0)
		return nlp_errf(e, NLP_USAGE, "'%s' looks like a file name, "
		    "not a model name (one may not end in .nlp, .tar, "
		    ".tar.gz, .tgz or .gz); did you mean '%.*s'?", s,
		    (int)(n - k), s);
	return NLP_OK;
}

int
nlp_registry_check_alias(const char *s, struct nlp_err *e)
{
	if (nlp_registry_valid_alias(s))
		return NLP_OK;
	if (nlp_registry_valid_name(s))
		return nlp_errf(e, NLP_USAGE, "'%s' is not a valid alias: it is all "
		    "digits, and would read as a version number", s);
	return nlp_errf(e, NLP_USAGE, "'%s' is not a valid alias (1 to 64 of "
	    "A-Z a-z 0-9 . _ -, starting with a letter or digit, not all "
	    "digits)", s);
}

int
nlp_registry_case_twin(struct nlp_registry *r, const char *sql,
    const struct nlp_regdb_param *p, size_t np, char *buf, size_t size,
    struct nlp_err *e)
{
	struct nlp_registry_strings l = { NULL, 0, 0 };
	int rc;

	buf[0] = '\0';
	rc = nlp_regdb_each(r, sql, p, np, nlp_registry_string_row, &l, e);
	if (rc == NLP_OK && l.n > 0)
		snprintf(buf, size, "%s", l.v[0]);
	nlp_registry_strings_release(&l);
	return rc;
}

/* A new model name must not differ from another only in case:
 * NLP_USAGE naming the other. */
static int
model_twin(struct nlp_registry *r, const char *name, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(name) };
	char twin[NLP_NAME_MAX + 1];
	int rc;

	if ((rc = nlp_registry_case_twin(r, "SELECT name FROM models WHERE lower(name) = "
	    "lower(?) ORDER BY name", p, 1, twin, sizeof twin, e)) != NLP_OK)
		return rc;
	if (twin[0])
		return nlp_errf(e, NLP_USAGE, "no model '%s' in the registry; did "
		    "you mean '%s'? (a new model name may not differ from another "
		    "only in case)", name, twin);
	return NLP_OK;
}

/* Nor a new alias of model mid (name) from another of its aliases. */
static int
alias_twin(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = {
		NLP_REGDB_INT(mid), NLP_REGDB_TEXT(alias), NLP_REGDB_TEXT(alias),
	};
	char twin[NLP_NAME_MAX + 1];
	int rc;

	if ((rc = nlp_registry_case_twin(r, "SELECT alias FROM aliases WHERE model_id = ? "
	    "AND lower(alias) = lower(?) AND alias <> ? ORDER BY alias", p,
	    NPARAM(p), twin, sizeof twin, e)) != NLP_OK)
		return rc;
	if (twin[0])
		return nlp_errf(e, NLP_USAGE, "no alias '%s' on %s; did you "
		    "mean '%s'? (a new alias may not differ from another "
		    "only in case)", alias, name, twin);
	return NLP_OK;
}

/* Is s, a free text for the records (a reason, a description, a tag's
 * value), one printable line of reasonable length?  A newline in a
 * reason forged lines in 'registry history'. */
static int
check_text(const char *what, const char *s, struct nlp_err *e)
{
	size_t n;

	if (s == NULL)
		return NLP_OK;
	if ((n = strlen(s)) > NLP_TEXT_MAX)
		return nlp_errf(e, NLP_USAGE, "%s is %zu bytes long; at most %d",
		    what, n, NLP_TEXT_MAX);
	if (!nlp_text_clean(s, n))
		return nlp_errf(e, NLP_USAGE, "%s must be one line of printable "
		    "UTF-8 text, without control characters", what);
	return NLP_OK;
}

/* The checks of a change's who and reason, then its transaction begun. */
static int
begin_change(struct nlp_registry *r, const char *who, const char *reason,
    struct nlp_err *e)
{
	int rc;

	if ((rc = check_text("--reason", reason, e)) != NLP_OK ||
	    (rc = check_text("the user's name", who, e)) != NLP_OK ||
	    (rc = nlp_regdb_begin(r, e)) != NLP_OK)
		r->whole[0] = '\0';     /* no change for it to serve */
	return rc;
}

/* The end of a change: committed when rc is NLP_OK, else rolled back. */
static int
end_change(struct nlp_registry *r, int rc, struct nlp_err *e)
{
	r->whole[0] = '\0';
	if (rc == NLP_OK)
		return nlp_regdb_commit(r, e);
	nlp_regdb_rollback(r);
	return rc;
}

/* ---- the event log and aliases ---- */

/* A version number as a parameter: 0 is none, NULL. */
static struct nlp_regdb_param
version_param(long v)
{
	return v > 0 ? NLP_REGDB_INT(v) : NLP_REGDB_TEXT(NULL);
}

/*
 * Who a change is recorded as.  On PostgreSQL, a registry that many hosts
 * share, a user's name says little (root, in every CI container): the
 * client's host name follows it, and the role the server authenticated
 * when that is another name: "root@ci-3 (role nlpops_ci)".  The local
 * part is the caller's word, as on SQLite; the role is the server's.
 */
const char *
nlp_registry_recorded_who(const struct nlp_registry *r, const char *who,
    char buf[NLP_TEXT_MAX + 1])
{
	char host[256] = "";
	size_t n, len;

	if (who == NULL)
		who = "unknown";
	if (!NLP_REGDB_IS_PG(r))
		return who;
	if (gethostname(host, sizeof host - 1) != 0 ||
	    host[strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
	    "VWXYZ0123456789.-_")] != '\0')
		host[0] = '\0';         /* none, or not a plain name */
	n = strcspn(who, " ");   /* "alice via sudo": after alice */
	snprintf(buf, NLP_TEXT_MAX + 1, "%.*s%s%s%s", (int)n, who,
	    host[0] ? "@" : "", host, who + n);
	len = strlen(buf);
	if (r->pg_role[0] != '\0' && (strlen(r->pg_role) != n ||
	    strncmp(who, r->pg_role, n) != 0))
		snprintf(buf + len, NLP_TEXT_MAX + 1 - len, " (role %s)",
		    r->pg_role);
	return buf;
}

/* Append an event to the log (inside the caller's transaction). */
static int
event(struct nlp_registry *r, const char *kind, const char *model,
    const char *alias, long oldv, long newv, const char *who,
    const char *reason, struct nlp_err *e)
{
	char at[32], wbuf[NLP_TEXT_MAX + 1];
	struct nlp_regdb_param p[] = {
		NLP_REGDB_TEXT(at),
		NLP_REGDB_TEXT(nlp_registry_recorded_who(r, who, wbuf)),
		NLP_REGDB_TEXT(model), NLP_REGDB_TEXT(kind), NLP_REGDB_TEXT(alias),
		version_param(oldv), version_param(newv), NLP_REGDB_TEXT(reason),
	};

	if (nlp_registry_now(r, at, e) != NLP_OK)
		return e->status;
	return nlp_regdb_run(r, "INSERT INTO events (at, who, model, kind, "
	    "alias, old_version, new_version, reason) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?)", p, NPARAM(p), "cannot log the event", e);
}

/*
 * May alias (pointing at cur, 0: none) be moved, given if_current (see
 * nlp_registry_alias_set())?  When it may not, the message says who last
 * moved the alias, when and why, from the event log.
 */
static int
check_current(struct nlp_registry *r, const char *name, const char *alias,
    long cur, long if_current, struct nlp_err *e)
{
	struct nlp_registry_last_event l;
	char said[sizeof l.text + 16] = "";
	int rc;

	if (if_current == -1 && cur != 0)
		return nlp_errf(e, NLP_REGISTRY, "alias '%s' of '%s' already "
		    "exists (it points at %s@%ld); nothing changed", alias, name,
		    name, cur);
	if (if_current <= 0 || cur == if_current)
		return NLP_OK;
	if ((rc = nlp_registry_last_event(r, name, alias, &l, e)) != NLP_OK)
		return rc;
	if (l.text[0] != '\0')
		snprintf(said, sizeof said, "; %s %s", l.deleted ? "deleted" :
		    "last moved", l.text);
	if (cur == 0)
		return nlp_errf(e, NLP_REGISTRY, "alias '%s' of '%s' does not "
		    "exist, not %s@%ld as expected%s; nothing changed", alias, name,
		    name, if_current, said);
	return nlp_errf(e, NLP_REGISTRY, "alias '%s' of '%s' points at %s@%ld, "
	    "not %s@%ld as expected%s; nothing changed", alias, name, name, cur,
	    name, if_current, said);
}

/* Point alias of model mid at version (inside a transaction); kind: the
 * event's, or NULL for alias-set or alias-move. */
/* One version's row: its object's SHA-256 and size. */
struct object_row {
	char hex[NLP_SHA256_HEX];
	int64_t size;
};

static int
object_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct object_row *o = arg;
	const char *h = nlp_regdb_text(st, 0);

	(void)e;
	snprintf(o->hex, sizeof o->hex, "%s", h != NULL ? h : "");
	o->size = nlp_regdb_int(st, 1);
	return NLP_OK;
}

/*
 * Is version vid's artifact there, whole: its size, and its bytes'
 * SHA-256 (verify's check of one object), unless this handle wrote the
 * object or found it whole a moment ago (r->whole: an object never
 * changes)?  An alias moved to a version whose object is gone, cut short
 * or damaged would leave every model load failing until someone moves it
 * again: refused (NLP_DATA), naming the version.  Other failures are
 * their own.
 */
static int
object_whole(struct nlp_registry *r, int64_t vid, const char *name,
    long version, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(vid) };
	struct object_row o = { "", -1 };
	struct nlp_err ce;
	int rc;

	if ((rc = nlp_regdb_each(r, "SELECT sha256, size FROM versions WHERE "
	    "id = ?", p, 1, object_row, &o, e)) != NLP_OK || o.hex[0] == '\0')
		return rc;
	rc = nlp_registry_check_object(r, o.hex, o.size, strcmp(o.hex,
	    r->whole) == 0, &ce);
	if (rc == NLP_OK)
		snprintf(r->whole, sizeof r->whole, "%s", o.hex);
	if (rc == NLP_NO || rc == NLP_DATA || rc == NLP_REGISTRY)
		return nlp_errf(e, NLP_DATA, "%s@%ld's artifact is damaged: %s; "
		    "the alias was not moved (see 'nlpops registry verify')", name,
		    version, ce.msg);
	if (rc != NLP_OK)
		*e = ce;
	return rc;
}

/*
 * Before a change takes the write lock: hash the object of name@version,
 * where alias is to move, so that the change checks its size alone (the
 * whole object read, a big model's or over the network, is too long to
 * keep other writers waiting for).  Damage is refused here; what the
 * change would say itself (no such model or version, the alias there
 * already, an --if-current it does not meet) is left to it, and nothing
 * hashed for it.
 */
static int
prewhole(struct nlp_registry *r, const char *name, const char *alias,
    long version, long if_current, struct nlp_err *e)
{
	struct nlp_err ignored;
	int64_t mid, vid;
	long cur = 0;

	r->whole[0] = '\0';
	if (version <= 0 || nlp_registry_need_model(r, name, &mid,
	    &ignored) != NLP_OK || nlp_registry_alias_version(r, mid, alias,
	    &cur, &ignored) != NLP_OK || cur == version ||
	    (if_current == -1 && cur != 0) ||
	    (if_current > 0 && cur != if_current) ||
	    nlp_registry_need_version(r, mid, name, version, &vid,
	    &ignored) != NLP_OK)
		return NLP_OK;
	return object_whole(r, vid, name, version, e);
}

static int
set_alias_locked(struct nlp_registry *r, int64_t mid, const char *name,
    long version, const char *alias, long if_current, const char *who,
    const char *reason, const char *kind, long *old, struct nlp_err *e)
{
	int64_t vid;
	long cur;
	char at[32];
	int rc;

	if ((rc = nlp_registry_need_version(r, mid, name, version, &vid, e)) !=
	    NLP_OK ||
	    (rc = nlp_registry_alias_version(r, mid, alias, &cur, e)) != NLP_OK)
		return rc;
	*old = cur;
	if ((rc = check_current(r, name, alias, cur, if_current, e)) != NLP_OK)
		return rc;
	/* a new alias: not one that differs from another only in case */
	if (cur == 0 && (rc = alias_twin(r, mid, name, alias, e)) != NLP_OK)
		return rc;
	if (cur == version)
		return NLP_OK;
	/* hashed before the lock was taken (prewhole()), else now */
	if ((rc = object_whole(r, vid, name, version, e)) != NLP_OK ||
	    (rc = nlp_registry_now(r, at, e)) != NLP_OK)
		return rc;
	{
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(mid), NLP_REGDB_TEXT(alias), NLP_REGDB_INT(vid),
			NLP_REGDB_TEXT(at),
		};
		if ((rc = nlp_regdb_run(r, "INSERT INTO aliases (model_id, alias, "
		    "version_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT "
		    "(model_id, alias) DO UPDATE SET version_id = "
		    "excluded.version_id, updated_at = excluded.updated_at", p,
		    NPARAM(p), "cannot set the alias", e)) != NLP_OK)
			return rc;
	}
	if (kind == NULL)
		kind = cur ? "alias-move" : "alias-set";
	return event(r, kind, name, alias, cur, version, who, reason, e);
}

/* Delete an alias (inside a transaction). */
static int
delete_alias_locked(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, const char *who, const char *reason, long *old,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(mid), NLP_REGDB_TEXT(alias) };
	int rc;

	if ((rc = nlp_registry_alias_version(r, mid, alias, old, e)) != NLP_OK)
		return rc;
	if (*old == 0)
		return nlp_registry_no_alias(r, mid, name, alias, NULL, e);
	if ((rc = nlp_regdb_run(r, "DELETE FROM aliases WHERE model_id = ? AND "
	    "alias = ?", p, NPARAM(p), "cannot delete the alias", e)) != NLP_OK)
		return rc;
	return event(r, "alias-delete", name, alias, *old, 0, who, reason, e);
}

/* ---- push ---- */

/* A member field that is not what the registry reads it as. */
static int
bad_field(const char *field, const char *want, struct nlp_err *e)
{
	return nlp_errf(e, NLP_DATA, "member 'meta.json': field '%s' is not %s",
	    field, want);
}

/*
 * Check the meta.json fields the registry stores and shows, by type and
 * range: hyperparameters and held_out objects (or absent), inputs an
 * array of {name, sha256, bytes}, labels an array, examples a count.
 */
static int
check_meta(json_t *meta, struct nlp_err *e)
{
	json_t *v, *in;
	size_t i;

	if ((v = json_object_get(meta, "hyperparameters")) != NULL &&
	    !json_is_object(v))
		return bad_field("hyperparameters", "an object", e);
	if ((v = json_object_get(meta, "held_out")) != NULL && !json_is_object(v))
		return bad_field("held_out", "an object", e);
	if ((v = json_object_get(meta, "labels")) != NULL && !json_is_array(v))
		return bad_field("labels", "an array", e);
	if ((v = json_object_get(meta, "examples")) != NULL &&
	    (!json_is_integer(v) || json_integer_value(v) < 0))
		return bad_field("examples", "a count", e);
	if ((v = json_object_get(meta, "inputs")) != NULL && !json_is_array(v))
		return bad_field("inputs", "an array", e);
	json_array_foreach(v, i, in) {
		json_t *n = json_object_get(in, "name");
		json_t *h = json_object_get(in, "sha256");
		json_t *b = json_object_get(in, "bytes");
		if (!json_is_string(n) || !nlp_text_clean(json_string_value(n),
		    json_string_length(n)) || !json_is_string(h) ||
		    !nlp_store_valid_hex(json_string_value(h)) ||
		    !json_is_integer(b) || json_integer_value(b) < 0)
			return bad_field("inputs", "an array of {name, sha256, "
			    "bytes}", e);
	}
	return NLP_OK;
}

/* meta.json's text (mlen bytes at mj), parsed (*meta) and copied (*text). */
static int
parse_meta(const void *mj, size_t mlen, json_t **meta, char **text,
    struct nlp_err *e)
{
	unsigned long mark = nlp_json_watch();
	json_error_t je;

	*meta = json_loadb(mj, mlen, JSON_REJECT_DUPLICATES, &je);
	*text = strndup(mj, mlen);
	/* jansson's lexer drops what it cannot allocate: a value read short,
	 * or valid JSON called invalid, is out of memory */
	if (*text == NULL || nlp_json_failed_since(mark))
		return nlp_errf(e, NLP_IO, "out of memory");
	if (*meta == NULL || !json_is_object(*meta))
		return nlp_errf(e, NLP_DATA, "member 'meta.json' is not a JSON "
		    "object");
	/* the registry keeps the text up to a NUL: what is read back must
	   be what was checked (it was read back as no meta.json at all) */
	if (memchr(mj, '\0', mlen) != NULL)
		return nlp_errf(e, NLP_DATA, "member 'meta.json' holds a NUL "
		    "byte");
	return check_meta(*meta, e);
}

/* Does meta.json's integer field k of object o say x (or say nothing)? */
static int
meta_int_is(json_t *o, const char *k, long long x)
{
	json_t *v = json_object_get(o, k);

	return v == NULL || (json_is_integer(v) && json_integer_value(v) == x);
}

/*
 * Does meta.json describe the weights m: the same labels in the same
 * order, rows, hash bits and n-grams?  An artifact put together from two
 * models' members (each checked against a manifest made anew) would show
 * one model in the registry and score with the other.
 */
static int
meta_matches(json_t *meta, const struct nlp_model *m, struct nlp_err *e)
{
	json_t *labels = json_object_get(meta, "labels"), *l, *v;
	json_t *h = json_object_get(meta, "hyperparameters");
	json_t *cn = json_object_get(h, "char_ngrams");
	const char *what = NULL;
	size_t i;

	if (labels != NULL && json_array_size(labels) != m->nclasses)
		what = "labels";
	json_array_foreach(labels, i, l) {
		if (what != NULL)
			break;
		v = json_is_object(l) ? json_object_get(l, "label") : l;
		if (!json_is_string(v) || i >= m->nclasses ||
		    strcmp(json_string_value(v), m->labels[i]) != 0)
			what = "labels";
	}
	if (what == NULL && !meta_int_is(meta, "rows", m->nrows))
		what = "rows";
	if (what == NULL && !meta_int_is(h, "bits", m->feat.bits))
		what = "hyperparameters.bits";
	if (what == NULL && !meta_int_is(h, "ngrams", m->feat.ngrams))
		what = "hyperparameters.ngrams";
	if (what == NULL && cn != NULL && (json_array_size(cn) != 2 ||
	    !json_is_integer(json_array_get(cn, 0)) ||
	    !json_is_integer(json_array_get(cn, 1)) ||
	    json_integer_value(json_array_get(cn, 0)) != m->feat.char_min ||
	    json_integer_value(json_array_get(cn, 1)) != m->feat.char_max))
		what = "hyperparameters.char_ngrams";
	if (what == NULL)
		return NLP_OK;
	return nlp_errf(e, NLP_DATA, "member 'meta.json' does not describe the "
	    "weights: its %s differ (members of two models put together?)",
	    what);
}

/*
 * The artifact's meta.json, parsed and checked, after its weights loaded
 * the way predict loads them: NLP_DATA when it is not an artifact, or not
 * one that every command can use -- a version that cannot be loaded must
 * never be pushed, let alone promoted.
 */
static int
artifact_meta(const void *data, size_t len, const struct nlp_key *key,
    struct nlp_signature *sig, json_t **meta, char **text, struct nlp_err *e)
{
	struct nlp_artifact *a;
	struct nlp_model m;
	const void *w, *mj;
	size_t wlen, mlen;
	int rc;

	*meta = NULL;
	*text = NULL;
	if ((rc = nlp_artifact_use_mem(&a, data, len, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_artifact_member(a, "weights", &w, &wlen, e)) == NLP_OK &&
	    (rc = nlp_model_load(&m, w, wlen, e)) == NLP_OK) {
		if ((rc = nlp_artifact_member(a, "meta.json", &mj, &mlen, e)) ==
		    NLP_OK && (rc = parse_meta(mj, mlen, meta, text, e)) ==
		    NLP_OK)
			rc = meta_matches(*meta, &m, e);
		nlp_model_release(&m);
	}
	if (rc == NLP_OK && key != NULL)
		rc = nlp_sign_artifact(key, a, sig, e);
	if (rc != NLP_OK) {
		json_decref(*meta);
		free(*text);
		*meta = NULL;
		*text = NULL;
	}
	nlp_artifact_close(a);
	return rc;
}

int
nlp_registry_check_meta(const void *mj, size_t mlen, struct nlp_err *e)
{
	json_t *meta;
	char *text;
	int rc = parse_meta(mj, mlen, &meta, &text, e);

	json_decref(meta);
	free(text);
	return rc;
}

int
nlp_registry_check_artifact(const void *data, size_t len, struct nlp_err *e)
{
	json_t *meta;
	char *text;
	int rc = artifact_meta(data, len, NULL, NULL, &meta, &text, e);

	json_decref(meta);
	free(text);
	return rc;
}

/* Check the push options before touching anything. */
static int
check_push_opts(const struct nlp_push_opts *o, struct nlp_err *e)
{
	size_t i;
	int rc;

	if ((rc = nlp_registry_check_new_name(o->name, e)) != NLP_OK)
		return rc;
	if (o->alias && (rc = nlp_registry_check_alias(o->alias, e)) != NLP_OK)
		return rc;
	for (i = 0; i < o->ntags; i++) {
		const char *eq = strchr(o->tags[i], '=');
		char key[NLP_NAME_MAX + 1];
		size_t n = eq ? (size_t)(eq - o->tags[i]) : 0;

		if (eq == NULL || n == 0 || n > NLP_NAME_MAX)
			return nlp_errf(e, NLP_USAGE, "tag '%s' is not KEY=VALUE",
			    o->tags[i]);
		memcpy(key, o->tags[i], n);
		key[n] = '\0';
		if (!nlp_registry_valid_name(key))
			return nlp_errf(e, NLP_USAGE, "tag key '%s' is not valid "
			    "(A-Z a-z 0-9 . _ -)", key);
		if ((rc = check_text("a tag's value", eq + 1, e)) != NLP_OK)
			return rc;
	}
	if ((rc = check_text("--description", o->description, e)) != NLP_OK ||
	    (rc = check_text("the user's name", o->who, e)) != NLP_OK ||
	    (rc = check_text("--reason", o->reason, e)) != NLP_OK ||
	    (rc = check_text("the source", o->source, e)) != NLP_OK)
		return rc;
	return NLP_OK;
}

/* Object v of meta.json as compact JSON, keys sorted; "{}" when absent
 * (check_meta() made it an object or nothing).  NULL: out of memory. */
static char *
meta_object(json_t *meta, const char *key)
{
	json_t *v = json_object_get(meta, key);

	return v != NULL ? json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT) :
	    strdup("{}");
}

/* Insert the version row (inside a transaction); *vid its row id. */
static int
insert_version_row(struct nlp_registry *r, int64_t mid, long version,
    const char *hex, size_t len, const struct nlp_push_opts *o,
    json_t *meta, const char *metatext, int64_t *vid, struct nlp_err *e)
{
	/* json_dumps() may leave a key out and return the rest (jsonwatch.h) */
	unsigned long mark = nlp_json_watch();
	char *hs = meta_object(meta, "hyperparameters");
	char *ms = meta_object(meta, "held_out");
	char at[32], wbuf[NLP_TEXT_MAX + 1];
	int rc;

	if (hs == NULL || ms == NULL || nlp_json_failed_since(mark)) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
	} else if ((rc = nlp_registry_now(r, at, e)) == NLP_OK) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(mid), NLP_REGDB_INT(version),
			NLP_REGDB_TEXT(hex), NLP_REGDB_INT((int64_t)len),
			NLP_REGDB_TEXT(at),
			NLP_REGDB_TEXT(nlp_registry_recorded_who(r, o->who, wbuf)),
			NLP_REGDB_TEXT(o->source),
			NLP_REGDB_TEXT(o->description), NLP_REGDB_TEXT(hs),
			NLP_REGDB_TEXT(ms), NLP_REGDB_TEXT(metatext),
		};
		rc = nlp_regdb_run(r, "INSERT INTO versions (model_id, version, "
		    "sha256, size, created_at, created_by, source, description, "
		    "hyperparameters, metrics, meta) VALUES (?, ?, ?, ?, ?, ?, ?, "
		    "?, ?, ?, ?)", p, NPARAM(p), "cannot add the version", e);
		*vid = nlp_regdb_last_id(r);
	}
	free(hs);
	free(ms);
	return rc;
}

/* Insert one row per element of what a prepared statement (sql) names:
 * bind(arg, i, p) fills the parameters of row i (0: skip it). */
static int
insert_rows(struct nlp_registry *r, const char *sql, size_t n,
    int (*bind)(void *arg, size_t i, struct nlp_regdb_param *p), void *arg,
    size_t np, const char *what, struct nlp_err *e)
{
	struct nlp_regdb_param p[8];
	struct nlp_regdb_stmt *st;
	size_t i;
	int rc;

	if ((rc = nlp_regdb_prepare(r, &st, sql, e)) != NLP_OK)
		return rc;
	for (i = 0; i < n && rc == NLP_OK; i++) {
		if (!bind(arg, i, p))
			continue;
		nlp_regdb_bind(st, p, np);
		if (nlp_regdb_step(st) != NLP_REGDB_DONE)
			rc = nlp_regdb_err(r, e, what);
	}
	nlp_regdb_finalize(st);
	return rc;
}

/* The rows of a version's lineage and tags. */
struct lineage {
	int64_t vid;
	json_t *inputs;                 /* meta.json's */
	const struct nlp_push_opts *o;
	char key[NLP_NAME_MAX + 1];     /* the tag's, cut from "key=value" */
};

static int
bind_input(void *arg, size_t i, struct nlp_regdb_param *p)
{
	struct lineage *l = arg;
	json_t *in = json_array_get(l->inputs, i);
	const char *n = json_string_value(json_object_get(in, "name"));
	const char *h = json_string_value(json_object_get(in, "sha256"));

	if (n == NULL || h == NULL)
		return 0;
	p[0] = NLP_REGDB_INT(l->vid);
	p[1] = NLP_REGDB_INT((int64_t)i);
	p[2] = NLP_REGDB_TEXT(n);
	p[3] = NLP_REGDB_TEXT(h);
	p[4] = NLP_REGDB_INT(json_integer_value(json_object_get(in, "bytes")));
	return 1;
}

static int
bind_tag(void *arg, size_t i, struct nlp_regdb_param *p)
{
	struct lineage *l = arg;
	const char *tag = l->o->tags[i], *eq = strchr(tag, '=');
	size_t j, klen = (size_t)(eq - tag);

	/* a key given again later: the last value wins, the one row
	 * inserted (a plain INSERT: a role that may only insert tags,
	 * as the README's CI role, can push with them) */
	for (j = i + 1; j < l->o->ntags; j++)
		if (strncmp(l->o->tags[j], tag, klen + 1) == 0)
			return 0;
	/* check_push_opts() made it KEY=VALUE, the key a name */
	snprintf(l->key, sizeof l->key, "%.*s", (int)klen, tag);
	p[0] = NLP_REGDB_INT(l->vid);
	p[1] = NLP_REGDB_TEXT(l->key);
	p[2] = NLP_REGDB_TEXT(eq + 1);
	return 1;
}

/* Insert the version row, its training data and tags (inside a
 * transaction). */
static int
insert_version(struct nlp_registry *r, int64_t mid, long version,
    const char *hex, size_t len, const struct nlp_push_opts *o,
    json_t *meta, const char *metatext, struct nlp_err *e)
{
	struct lineage l = { 0, json_object_get(meta, "inputs"), o, "" };
	int rc;

	if ((rc = insert_version_row(r, mid, version, hex, len, o, meta,
	    metatext, &l.vid, e)) != NLP_OK ||
	    (rc = insert_rows(r, "INSERT INTO inputs (version_id, position, "
	    "name, sha256, bytes) VALUES (?, ?, ?, ?, ?)",
	    json_array_size(l.inputs), bind_input, &l, 5,
	    "cannot record the training data", e)) != NLP_OK)
		return rc;
	return insert_rows(r, "INSERT INTO tags (version_id, key, value) VALUES "
	    "(?, ?, ?)", o->ntags, bind_tag, &l, 3, "cannot tag the version", e);
}

/* The id of model name, which is added when it is new (inside a
 * transaction). */
static int
model_for_push(struct nlp_registry *r, const char *name, int64_t *mid,
    struct nlp_err *e)
{
	char at[32];
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(name), NLP_REGDB_TEXT(at) };
	int rc;

	if ((rc = nlp_registry_model_id(r, name, mid, e)) != NLP_OK || *mid != 0)
		return rc;
	/* a new model: not one whose name differs from another only in case */
	if ((rc = model_twin(r, name, e)) != NLP_OK ||
	    (rc = nlp_registry_now(r, at, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_regdb_run(r, "INSERT INTO models (name, created_at) VALUES "
	    "(?, ?)", p, NPARAM(p), "cannot add the model", e)) != NLP_OK)
		return rc;
	*mid = nlp_regdb_last_id(r);
	return NLP_OK;
}

/*
 * The version's signature (a push's --sign), unless it has one: a version
 * pushed again with another key keeps the signature it was made with
 * (res->signed_by says whose it is); one that had none takes this one
 * (res->signed_now).
 */
static int
store_signature(struct nlp_registry *r, int64_t mid,
    struct nlp_push_result *res, const struct nlp_signature *sig,
    struct nlp_err *e)
{
	struct nlp_regdb_param p[] = {
		NLP_REGDB_INT(mid), NLP_REGDB_INT(res->version),
	};
	struct nlp_regdb_param q[] = {
		NLP_REGDB_TEXT(sig->key_id), NLP_REGDB_TEXT(sig->text),
		NLP_REGDB_INT(mid), NLP_REGDB_INT(res->version),
	};
	struct nlp_registry_strings l = { 0 };
	int rc;

	/* whose it is; none (this runs under the write lock): this key's,
	   and an existing version pushed without one is signed now */
	rc = nlp_regdb_each(r, "SELECT s.key_id FROM signatures s JOIN "
	    "versions v ON v.id = s.version_id WHERE v.model_id = ? AND "
	    "v.version = ?", p, 2, nlp_registry_string_row, &l, e);
	if (rc == NLP_OK && l.n > 0)
		snprintf(res->signed_by, sizeof res->signed_by, "%s", l.v[0]);
	else if (rc == NLP_OK && (rc = nlp_regdb_run(r, "INSERT INTO "
	    "signatures (version_id, key_id, signature) SELECT id, ?, ? FROM "
	    "versions WHERE model_id = ? AND version = ?", q, NPARAM(q),
	    "cannot store the signature", e)) == NLP_OK) {
		snprintf(res->signed_by, sizeof res->signed_by, "%s",
		    sig->key_id);
		res->signed_now = res->existed;
	}
	nlp_registry_strings_release(&l);
	return rc;
}

/* Whether key id is one of t's. */
static int
signed_by_one(const struct nlp_trust *t, const char *id)
{
	size_t i;

	for (i = 0; id[0] != '\0' && i < t->n; i++)
		if (strcmp(nlp_trust_key_id(t, i), id) == 0)
			return 1;
	return 0;
}

/*
 * These bytes are version v of model mid already: the push's --tag and
 * --description must be what it has, or the push is refused (a version's
 * tags and description are made with it; a push that dropped them would
 * leave a user believing the version tagged).
 */
static int
same_record(struct nlp_registry *r, int64_t mid, long v,
    const struct nlp_push_opts *o, struct nlp_err *e)
{
	char key[NLP_NAME_MAX + 1];
	int64_t n;
	size_t i, j;
	int rc;

	for (i = 0; i < o->ntags; i++) {
		const char *tag = o->tags[i], *eq = strchr(tag, '=');
		size_t klen = (size_t)(eq - tag);

		for (j = i + 1; j < o->ntags; j++)   /* the last value wins */
			if (strncmp(o->tags[j], tag, klen + 1) == 0)
				break;
		if (j < o->ntags)
			continue;
		snprintf(key, sizeof key, "%.*s", (int)klen, tag);
		{
			struct nlp_regdb_param p[] = {
				NLP_REGDB_INT(mid), NLP_REGDB_INT(v),
				NLP_REGDB_TEXT(key), NLP_REGDB_TEXT(eq + 1),
			};
			if ((rc = nlp_regdb_int_query(r, "SELECT count(*) FROM tags "
			    "t JOIN versions v ON v.id = t.version_id WHERE "
			    "v.model_id = ? AND v.version = ? AND t.key = ? AND "
			    "t.value = ?", p, 4, 0, &n, e)) != NLP_OK)
				return rc;
		}
		if (n == 0)
			return nlp_errf(e, NLP_REGISTRY, "these bytes are already "
			    "%s@%ld, which has no tag %s: a version's tags are set "
			    "when it is pushed; nothing changed", o->name, v, tag);
	}
	if (o->description != NULL) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(mid), NLP_REGDB_INT(v),
			NLP_REGDB_TEXT(o->description),
		};
		/* an empty one is none */
		if ((rc = nlp_regdb_int_query(r, "SELECT count(*) FROM versions "
		    "WHERE model_id = ? AND version = ? AND coalesce(description, "
		    "'') = ?", p, 3, 0, &n, e)) != NLP_OK)
			return rc;
		if (n == 0)
			return nlp_errf(e, NLP_REGISTRY, "these bytes are already "
			    "%s@%ld, with another description: a version's "
			    "description is set when it is pushed; nothing changed",
			    o->name, v);
	}
	return NLP_OK;
}

/* The rows of a push (inside its transaction): the model, the version
 * unless these bytes are one already, the alias. */
static int
push_locked(struct nlp_registry *r, size_t len, const struct nlp_push_opts *o,
    json_t *meta, const char *metatext, const struct nlp_signature *sig,
    struct nlp_push_result *res, struct nlp_err *e)
{
	int64_t mid, existing, next;
	long old;
	int rc;

	if ((rc = model_for_push(r, o->name, &mid, e)) != NLP_OK)
		return rc;
	{
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(mid), NLP_REGDB_TEXT(res->sha256),
		};
		if ((rc = nlp_regdb_int_query(r, "SELECT version FROM versions "
		    "WHERE model_id = ? AND sha256 = ?", p, 2, 0, &existing, e)) !=
		    NLP_OK ||
		    (rc = nlp_regdb_int_query(r, "SELECT next_version FROM models "
		    "WHERE id = ?", p, 1, 1, &next, e)) != NLP_OK)
			return rc;
	}
	if (existing) {
		res->existed = 1;
		res->version = (long)existing;
		if ((rc = same_record(r, mid, res->version, o, e)) != NLP_OK)
			return rc;
	} else {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(next + 1), NLP_REGDB_INT(mid),
		};
		/* past it, no reference could name the version (an import
		   can bring the numbers up to it) */
		if (next > NLP_VERSION_MAX)
			return nlp_errf(e, NLP_REGISTRY, "%s has used every version "
			    "number up to %ld: push it under a new name", o->name,
			    NLP_VERSION_MAX);
		res->version = (long)next;
		if ((rc = nlp_regdb_run(r, "UPDATE models SET next_version = ? "
		    "WHERE id = ?", p, NPARAM(p), "database", e)) != NLP_OK ||
		    (rc = insert_version(r, mid, res->version, res->sha256, len, o,
		    meta, metatext, e)) != NLP_OK ||
		    (rc = event(r, "push", o->name, NULL, 0, res->version, o->who,
		    o->reason ? o->reason : o->description, e)) != NLP_OK)
			return rc;
	}
	if (o->sign != NULL && (rc = store_signature(r, mid, res, sig, e)) !=
	    NLP_OK)
		return rc;
	if (res->signed_now) {
		/* a version signed after its push: an event of its own, a push
		   of that version from itself (history shows "sign") */
		char why[64];

		snprintf(why, sizeof why, "signed by key %.16s...",
		    res->signed_by);
		if ((rc = event(r, "push", o->name, NULL, res->version,
		    res->version, o->who, o->reason ? o->reason : why, e)) !=
		    NLP_OK)
			return rc;
	}
	if (o->alias && o->alias_trust != NULL &&
	    !signed_by_one(o->alias_trust, res->signed_by))
		return nlp_errf(e, NLP_DATA, "%s@%ld already holds these bytes, "
		    "signed by %s%.16s%s, which is not a trusted key: with trusted "
		    "keys, --alias moves an alias only to a version one of them "
		    "signed; nothing changed", o->name, res->version,
		    res->signed_by[0] ? "key " : "no key", res->signed_by,
		    res->signed_by[0] ? "..." : "");
	if (o->alias) {
		if ((rc = set_alias_locked(r, mid, o->name, res->version, o->alias,
		    0, o->who, o->reason, NULL, &old, e)) != NLP_OK)
			return rc;
		res->alias_created = old == 0;
		res->alias_old = old;
	}
	return NLP_OK;
}

static int push_privileges(struct nlp_registry *r,
    const struct nlp_push_opts *o, int new_model, struct nlp_err *e);

/*
 * A push refused (a name differing from another only in case, an alias
 * it may not move) takes away the object it wrote at objpath, when no
 * version needs it: its own rows undone (ROLLBACK TO the savepoint), no
 * version's row names the object -- one committed by another push of the
 * same bytes while this one waited for the lock, or one whose damaged
 * object this push repaired, keeps it.  Under the lock, as gc removes
 * objects, so that a push of the same bytes waiting for the lock stores
 * it again (nlp_registry_push()'s stat()).  Anything in doubt leaves the
 * object, for verify to note and gc to remove.
 */
static void
drop_unused(struct nlp_registry *r, const char *objpath, const char *hex)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_TEXT(hex) };
	struct nlp_err ignored;
	int64_t refs = 1;

	if (nlp_regdb_exec(r, "ROLLBACK TO nlp_push", &ignored) == NLP_OK &&
	    nlp_regdb_int_query(r, "SELECT count(*) FROM versions WHERE "
	    "sha256 = ?", p, 1, 1, &refs, &ignored) == NLP_OK && refs == 0)
		(void)unlink(objpath);
}

int
nlp_registry_push(struct nlp_registry *r, const void *data, size_t len,
    const struct nlp_push_opts *o, struct nlp_push_result *res,
    struct nlp_err *e)
{
	struct nlp_signature sig;
	json_t *meta = NULL;
	char *metatext = NULL, objpath[4096];
	struct stat sb;
	int created = 0, rc;

	memset(res, 0, sizeof *res);
	memset(&sig, 0, sizeof sig);
	if ((rc = check_push_opts(o, e)) != NLP_OK)
		return rc;
	if ((rc = artifact_meta(data, len, o->sign, &sig, &meta, &metatext, e)) !=
	    NLP_OK)
		return rc;
	if (nlp_sha256_hex(data, len, res->sha256) != 0) {
		rc = nlp_sha256_why(e);
		goto out;
	}
	if (NLP_REGDB_IS_PG(r)) {
		int64_t mid;
		/* what the role may not do, said before anything is sent
		   (a sequence it may draw from but not read back failed
		   as 'current transaction is aborted') */
		if ((rc = nlp_registry_model_id(r, o->name, &mid, e)) != NLP_OK ||
		    (rc = push_privileges(r, o, mid == 0, e)) != NLP_OK)
			goto out;
		/* the object in the version's own transaction */
		if ((rc = nlp_regdb_begin(r, e)) != NLP_OK)
			goto out;
		if ((rc = nlp_regpg_put_object(r, res->sha256, data, len, e)) ==
		    NLP_OK) {
			/* read back and hashed: --alias need not again */
			snprintf(r->whole, sizeof r->whole, "%s", res->sha256);
			rc = push_locked(r, len, o, meta, metatext, &sig, res,
			    e);
		}
		rc = end_change(r, rc, e);
		goto out;
	}
	nlp_store_path(r->dir, res->sha256, objpath, sizeof objpath);
	/*
	 * Store the object (the slow part) before taking the lock.  gc
	 * removes objects only while it holds the write lock, so once we
	 * hold it an object that is there stays until we commit.  One that a
	 * gc took between our put and our lock (it was no version's yet) is
	 * stored again now, under the lock: this used to be three tries of
	 * put-then-lock, which a gc running in a loop could all defeat.
	 */
	if ((rc = nlp_store_put(r->dir, res->sha256, data, len, &created,
	    e)) != NLP_OK || (rc = nlp_regdb_begin(r, e)) != NLP_OK)
		goto out;
	if (stat(objpath, &sb) != 0)
		rc = nlp_store_put(r->dir, res->sha256, data, len, &created, e);
	/* these bytes, written or found there and hashed (nlp_store_put()):
	   --alias need not hash them again */
	if (rc == NLP_OK)
		snprintf(r->whole, sizeof r->whole, "%s", res->sha256);
	if (rc == NLP_OK && (rc = nlp_regdb_exec(r, "SAVEPOINT nlp_push", e)) ==
	    NLP_OK) {
		rc = push_locked(r, len, o, meta, metatext, &sig, res, e);
		if (rc != NLP_OK && created)
			drop_unused(r, objpath, res->sha256);
	}
	rc = end_change(r, rc, e);
out:
	json_decref(meta);
	free(metatext);
	return rc;
}

/* ---- aliases, promote, evaluations ---- */

int
nlp_registry_alias_set(struct nlp_registry *r, const char *name, long version,
    const char *alias, long if_current, const char *who, const char *reason,
    long *old, struct nlp_err *e)
{
	return nlp_registry_promote(r, name, version, alias, if_current, NULL, 0,
	    who, reason, old, e);
}

int
nlp_registry_parse_requirement(const char *s, struct nlp_requirement *q,
    struct nlp_err *e)
{
	const char *p, *m = s;
	size_t n = 0;
	char *end;

	/* spaces around the metric, the operator and the number are allowed
	   ('macro_f1 >= 0.85'); the operator is the last '<' or '>', so that
	   a label of f1:LABEL may hold '=', '<' or '>' ('f1:a>=b>=0.9', as
	   --min-class-f1 takes the last '=') */
	while (*m == ' ' || *m == '\t')
		m++;
	if ((p = strrchr(m, '>')) == NULL || (strrchr(m, '<') != NULL &&
	    strrchr(m, '<') > p))
		p = strrchr(m, '<');
	if (p == NULL)
		goto bad;
	n = (size_t)(p - m);
	while (n > 0 && (m[n - 1] == ' ' || m[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof q->metric)
		goto bad;
	memcpy(q->metric, m, n);
	q->metric[n] = '\0';
	if (strncmp(p, ">=", 2) == 0 || strncmp(p, "<=", 2) == 0) {
		memcpy(q->op, p, 2);
		q->op[2] = '\0';
		p += 2;
	} else if (*p == '>' || *p == '<') {
		q->op[0] = *p++;
		q->op[1] = '\0';
	} else {
		goto bad;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	/* a decimal number: strtod() also reads 0x1p-1, inf and nan */
	if (p[strspn(p, "0123456789.eE+- \t")] != '\0')
		goto bad;
	errno = 0;
	q->bound = strtod(p, &end);
	while (end != p && (*end == ' ' || *end == '\t'))
		end++;
	/* a finite number: NaN would fail every comparison, infinity pass
	   or fail each whatever the evaluation */
	if (end == p || *end != '\0' || errno != 0 || !isfinite(q->bound))
		goto bad;
	if (strcmp(q->metric, "accuracy") && strcmp(q->metric, "macro_f1") &&
	    strcmp(q->metric, "weighted_f1") && strcmp(q->metric, "log_loss") &&
	    strcmp(q->metric, "ece") && strcmp(q->metric, "n") &&
	    strcmp(q->metric, "seen") && (strncmp(q->metric, "f1:", 3) != 0 ||
	    q->metric[3] == '\0'))
		return nlp_errf(e, NLP_USAGE, "requirement '%s': unknown metric "
		    "'%s' (accuracy, macro_f1, weighted_f1, log_loss, ece, n, "
		    "seen, f1:LABEL)", s, q->metric);
	/* a bound no figure can cross checks nothing ('seen<=5' meant 5%?),
	   or fails every version: refused, as eval refuses --max-seen 5 */
	if (strcmp(q->metric, "log_loss") == 0 || strcmp(q->metric, "n") == 0) {
		if (q->bound < 0)
			return nlp_errf(e, NLP_USAGE, "requirement '%s': %s is never "
			    "below 0", s, q->metric);
	} else if (q->bound < 0 || q->bound > 1)
		return nlp_errf(e, NLP_USAGE, "requirement '%s': %s is a share "
		    "from 0 to 1 (%g%% is %g)", s, q->metric, q->bound,
		    q->bound / 100);
	return NLP_OK;
bad:
	return nlp_errf(e, NLP_USAGE, "requirement '%s' is not METRIC OP NUMBER "
	    "(like macro_f1>=0.85)", s);
}

/* Class k appended to the list of n classes in list (size bytes): 0, or
 * -1 when it is full (", ..." appended then). */
static int
list_class(char *list, size_t size, size_t *n, const char *k)
{
	size_t l = strlen(list);

	if (l + strlen(k) + 8 >= size) {
		snprintf(list + l, size - l, ", ...");
		return -1;
	}
	snprintf(list + l, size - l, "%s%s", (*n)++ ? ", " : "", k);
	return 0;
}

/* A row callback for "SELECT meta FROM versions": the labels of the
 * version's meta.json into the nlp_registry_shown at arg (one that cannot
 * be read leaves them unknown: only the evaluation's then). */
static int
meta_row(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	const char *text = nlp_regdb_text(st, 0);
	int rc;

	if (text == NULL || (rc = nlp_registry_meta_fields(text, arg, e)) ==
	    NLP_OK)
		return NLP_OK;
	return rc == NLP_IO ? rc : NLP_OK;
}

/* Check requirement s against evaluation ev of name@version, whose
 * metrics are parsed in metrics; meta: the version's labels (none when
 * unknown). */
static int
check_requirement(const char *s, const struct nlp_registry_evaluation *ev,
    json_t *metrics, const struct nlp_registry_shown *meta, const char *name,
    long version, struct nlp_err *e)
{
	struct nlp_requirement q;
	json_t *v;
	double x;
	int ok;

	nlp_registry_parse_requirement(s, &q, e);
	if (strncmp(q.metric, "f1:", 3) == 0) {
		json_t *pc = json_object_get(metrics, "per_class_f1");
		const char *label = q.metric + 3, *k;
		char list[200] = "";
		size_t i, n = 0;
		int known = 0;

		v = json_object_get(pc, label);
		for (i = 0; i < meta->nlabel_counts; i++)
			known |= strcmp(meta->label_counts[i].label, label) == 0;
		/* a class of the model's that the evaluation's data lacks,
		   and it never predicted: no figure, a gate not met */
		if (v == NULL && known)
			return nlp_errf(e, NLP_NO, "requirement '%s' failed: "
			    "evaluation #%ld of %s@%ld (%s, data %.12s) has no "
			    "f1:%s: the class is neither in its data nor "
			    "predicted; nothing changed", s, ev->id, name, version,
			    ev->at, ev->data_sha256 ? ev->data_sha256 : "", label);
		/* a class the model has not (or, its classes unknown, the
		   evaluation): a typo in the gate, which no evaluation would
		   pass -- said as one, with the classes */
		if (v == NULL && meta->nlabel_counts > 0) {
			for (i = 0; i < meta->nlabel_counts; i++)
				if (list_class(list, sizeof list, &n,
				    meta->label_counts[i].label) < 0)
					break;
			return nlp_errf(e, NLP_USAGE, "requirement '%s': %s@%ld "
			    "has no class '%s' (its classes: %s)", s, name,
			    version, label, list);
		}
		if (v == NULL && json_is_object(pc)) {
			json_t *jx;
			json_object_foreach(pc, k, jx)
				if (list_class(list, sizeof list, &n, k) < 0)
					break;
			return nlp_errf(e, NLP_USAGE, "requirement '%s': evaluation "
			    "#%ld of %s@%ld has no class '%s' (its classes: %s)", s,
			    ev->id, name, version, label, list);
		}
	} else {
		v = json_object_get(metrics, q.metric);
	}
	if (!json_is_number(v))
		return nlp_errf(e, NLP_NO, "requirement '%s' failed: evaluation "
		    "#%ld of %s@%ld (%s, data %.12s) has no %s", s, ev->id, name,
		    version, ev->at, ev->data_sha256 ? ev->data_sha256 : "",
		    q.metric);
	x = json_number_value(v);
	/* as eval's gates compare: within NLP_GATE_EPS is equal */
	ok = strcmp(q.op, ">=") == 0 ? x >= q.bound - NLP_GATE_EPS :
	    strcmp(q.op, "<=") == 0 ? x <= q.bound + NLP_GATE_EPS :
	    strcmp(q.op, ">") == 0 ? x > q.bound + NLP_GATE_EPS :
	    x < q.bound - NLP_GATE_EPS;
	if (!ok) {
		/* a count (n) as the integer it is; and by how much */
		int d = json_is_integer(v) ? 0 : nlp_gate_digits(x, q.bound);
		char gap[64];
		if (fabs(x - q.bound) < 0.5 * pow(10, -d))
			snprintf(gap, sizeof gap, "at the bound");
		else
			snprintf(gap, sizeof gap, "%.*f %s", d, fabs(x - q.bound),
			    x < q.bound ? "short" : "over");
		return nlp_errf(e, NLP_NO, "requirement '%s' failed: %s is %.*f "
		    "(%s) on evaluation #%ld of %s@%ld (%s, data %.12s); nothing "
		    "changed", s, q.metric, d, x, gap, ev->id, name, version,
		    ev->at, ev->data_sha256 ? ev->data_sha256 : "");
	}
	return NLP_OK;
}

/*
 * Figures measured on the training data prove nothing: an evaluation
 * more than NLP_SEEN_MAX of whose data the model was trained on meets no
 * requirement, unless one names "seen" and so allows what it allows.
 * (One recorded before the share was, has none: not refused.)
 */
static int
check_unseen(int seen_named, const struct nlp_registry_evaluation *ev,
    json_t *metrics, const char *name, long version, struct nlp_err *e)
{
	json_t *v = json_object_get(metrics, "seen");

	/* null: recorded when the model could not tell which texts it was
	   trained on (no 'seen' member, or a damaged one) */
	if (!seen_named && json_is_null(v))
		return nlp_errf(e, NLP_NO, "evaluation #%ld of %s@%ld (%s, data "
		    "%.12s) cannot tell how much of its data the model was "
		    "trained on (the model has no record of its training texts): "
		    "such figures meet no requirement (--require 'seen<=X' "
		    "cannot allow them either); nothing changed", ev->id, name,
		    version, ev->at, ev->data_sha256 ? ev->data_sha256 : "");
	if (seen_named || !json_is_number(v) ||
	    json_number_value(v) <= NLP_SEEN_MAX +
	    NLP_GATE_EPS)
		return NLP_OK;
	return nlp_errf(e, NLP_NO, "evaluation #%ld of %s@%ld (%s, data %.12s) "
	    "was on data %.1f%% of which the model was trained on: figures on "
	    "training data meet no requirement (evaluate on held-out data, or "
	    "allow it with --require 'seen<=X'); nothing changed", ev->id, name,
	    version, ev->at, ev->data_sha256 ? ev->data_sha256 : "",
	    100 * json_number_value(v));
}

/*
 * Check requirements against the latest evaluation recorded on the
 * version (inside the caller's transaction).
 */
static int
check_requirements(struct nlp_registry *r, int64_t vid, const char *name,
    long version, const char *const *req, size_t nreq, struct nlp_err *e)
{
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(vid) };
	struct nlp_registry_evaluation *ev = NULL;
	struct nlp_registry_shown meta;
	struct nlp_requirement q;
	json_t *metrics = NULL;
	size_t i, n = 0;
	int rc, seen_named = 0, f1_named = 0;

	for (i = 0; i < nreq; i++) {
		if ((rc = nlp_registry_parse_requirement(req[i], &q, e)) != NLP_OK)
			return rc;
		/* a ceiling on it allows the share it names; a floor
		   ('seen>=0') allows nothing */
		seen_named |= strcmp(q.metric, "seen") == 0 && q.op[0] == '<';
		f1_named |= strncmp(q.metric, "f1:", 3) == 0;
	}
	if (nreq == 0)
		return NLP_OK;
	memset(&meta, 0, sizeof meta);
	/* f1:LABEL: the model's classes, to tell a typo from a class the
	   evaluation's data lacks */
	if (f1_named && (rc = nlp_regdb_each(r, "SELECT meta FROM versions "
	    "WHERE id = ?", p, 1, meta_row, &meta, e)) != NLP_OK) {
		nlp_registry_shown_release(&meta);
		return rc;
	}
	if ((rc = nlp_registry_evaluations(r, vid, 1, &ev, &n, e)) != NLP_OK) {
		nlp_registry_shown_release(&meta);
		return rc;
	}
	if (n > 0 && ev[0].metrics.json != NULL) {
		unsigned long mark = nlp_json_watch();
		metrics = json_loads(ev[0].metrics.json, 0, NULL);
		if (metrics == NULL && nlp_json_failed_since(mark))
			rc = nlp_errf(e, NLP_IO, "out of memory");
	}
	if (rc == NLP_OK && metrics == NULL)
		rc = nlp_errf(e, NLP_NO, "%s@%ld has no recorded evaluation (run "
		    "'nlpops eval -m %s@%ld --record DATA' first)", name, version,
		    name, version);
	for (i = 0; rc == NLP_OK && i < nreq; i++)
		rc = check_requirement(req[i], &ev[0], metrics, &meta, name,
		    version, e);
	if (rc == NLP_OK)
		rc = check_unseen(seen_named, &ev[0], metrics, name, version, e);
	nlp_registry_shown_release(&meta);
	json_decref(metrics);
	for (i = 0; i < n; i++)
		nlp_registry_evaluation_release(&ev[i]);
	free(ev);
	return rc;
}

/*
 * Promote (inside begin/end_change): point alias at version, or, when
 * from_alias is given, at the version from_alias points at now, read in
 * the same transaction (which must be expect, when expect > 0); *version
 * is set to the version it went to.
 */
static int
promote_locked(struct nlp_registry *r, const char *name, const char *from_alias,
    long expect, long *version, const char *alias, long if_current,
    const char *const *req, size_t nreq, const char *who, const char *reason,
    long *old, struct nlp_err *e)
{
	int64_t mid, vid;
	int rc;

	if ((rc = nlp_registry_need_model(r, name, &mid, e)) != NLP_OK)
		return rc;
	if (from_alias != NULL) {
		if ((rc = nlp_registry_alias_version(r, mid, from_alias, version,
		    e)) != NLP_OK)
			return rc;
		if (*version == 0)
			return nlp_registry_no_alias(r, mid, name, from_alias, NULL,
			    e);
		if (expect > 0 && (rc = check_current(r, name, from_alias,
		    *version, expect, e)) != NLP_OK)
			return rc;
	}
	if ((rc = nlp_registry_need_version(r, mid, name, *version, &vid, e)) !=
	    NLP_OK ||
	    (rc = check_requirements(r, vid, name, *version, req, nreq, e)) !=
	    NLP_OK)
		return rc;
	return set_alias_locked(r, mid, name, *version, alias, if_current, who,
	    reason, NULL, old, e);
}

int
nlp_registry_promote(struct nlp_registry *r, const char *name, long version,
    const char *alias, long if_current, const char *const *req, size_t nreq,
    const char *who, const char *reason, long *old, struct nlp_err *e)
{
	int rc;

	*old = 0;
	if ((rc = nlp_registry_check_name(name, e)) != NLP_OK ||
	    (rc = nlp_registry_check_alias(alias, e)) != NLP_OK)
		return rc;
	if ((rc = prewhole(r, name, alias, version, if_current, e)) != NLP_OK ||
	    (rc = begin_change(r, who, reason, e)) != NLP_OK)
		return rc;
	rc = promote_locked(r, name, NULL, 0, &version, alias, if_current, req,
	    nreq,
	    who, reason, old, e);
	return end_change(r, rc, e);
}

int
nlp_registry_promote_alias(struct nlp_registry *r, const char *name,
    const char *from_alias, long from_version, const char *alias,
    long if_current, const char *const *req, size_t nreq, const char *who,
    const char *reason, long *version, long *old, struct nlp_err *e)
{
	int rc;

	*old = *version = 0;
	if ((rc = nlp_registry_check_name(name, e)) != NLP_OK)
		return rc;
	if (!nlp_registry_valid_alias(from_alias))
		return nlp_errf(e, NLP_USAGE, "'%s' is neither a version number nor "
		    "a valid alias", from_alias);
	if ((rc = nlp_registry_check_alias(alias, e)) != NLP_OK)
		return rc;
	{
		/* where from_alias points now, hashed before the lock (it is
		   read again under it) */
		struct nlp_err ignored;
		int64_t mid;
		long v = 0;

		if (nlp_registry_need_model(r, name, &mid, &ignored) == NLP_OK &&
		    nlp_registry_alias_version(r, mid, from_alias, &v,
		    &ignored) == NLP_OK && (rc = prewhole(r, name, alias, v,
		    if_current, e)) !=
		    NLP_OK)
			return rc;
	}
	if ((rc = begin_change(r, who, reason, e)) != NLP_OK)
		return rc;
	rc = promote_locked(r, name, from_alias, from_version, version, alias,
	    if_current, req, nreq, who, reason, old, e);
	if (rc != NLP_OK)
		*version = 0;
	return end_change(r, rc, e);
}

int
nlp_registry_record_eval(struct nlp_registry *r, const struct nlp_ref *ref,
    const char *who, const char *data_json, const char *metrics_json,
    long *version, struct nlp_err *e)
{
	struct nlp_resolved res;
	int64_t mid, vid;
	char at[32], wbuf[NLP_TEXT_MAX + 1];
	int rc;

	*version = 0;
	if ((rc = nlp_regdb_begin(r, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_resolve(r, ref, &res, e)) == NLP_OK &&
	    (rc = nlp_registry_need_model(r, ref->name, &mid, e)) == NLP_OK &&
	    (rc = nlp_registry_need_version(r, mid, ref->name, res.version, &vid,
	    e)) == NLP_OK) {
		struct nlp_regdb_param p[] = {
			NLP_REGDB_INT(vid), NLP_REGDB_TEXT(at),
			NLP_REGDB_TEXT(nlp_registry_recorded_who(r, who, wbuf)),
			NLP_REGDB_TEXT(data_json), NLP_REGDB_TEXT(metrics_json),
		};
		if ((rc = nlp_registry_now(r, at, e)) == NLP_OK)
			rc = nlp_regdb_run(r, "INSERT INTO evaluations (version_id, "
			    "at, who, data, metrics) VALUES (?, ?, ?, ?, ?)", p,
			    NPARAM(p), "cannot record the evaluation", e);
	}
	if (rc == NLP_OK)
		*version = res.version;
	return end_change(r, rc, e);
}

int
nlp_registry_alias_delete(struct nlp_registry *r, const char *name,
    const char *alias, const char *who, const char *reason, long *old,
    struct nlp_err *e)
{
	int64_t mid;
	int rc;

	*old = 0;
	if ((rc = nlp_registry_check_name(name, e)) != NLP_OK ||
	    (rc = nlp_registry_check_alias(alias, e)) != NLP_OK)
		return rc;
	if ((rc = begin_change(r, who, reason, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_need_model(r, name, &mid, e)) == NLP_OK)
		rc = delete_alias_locked(r, mid, name, alias, who, reason, old, e);
	return end_change(r, rc, e);
}

/* ---- rollback ---- */

/* The alias's past, replayed as a stack of versions, and the versions a
 * rollback moved it away from since they were last set (never returned
 * to by a rollback without --to). */
struct alias_stack {
	long *v;
	size_t n, cap;
	long *away;
	size_t naway, awaycap;
};

static int
is_away(const struct alias_stack *s, long v)
{
	size_t i;

	for (i = 0; i < s->naway; i++)
		if (s->away[i] == v)
			return 1;
	return 0;
}

/* v set again: no longer one rolled away from */
static void
not_away(struct alias_stack *s, long v)
{
	size_t i;

	for (i = 0; i < s->naway; i++)
		if (s->away[i] == v)
			s->away[i--] = s->away[--s->naway];
}

/*
 * One event of the alias: a set or move pushes the new version, a
 * rollback that went to an entry below the top pops down to it, any other
 * rollback (--to) pushes, a delete empties the stack.  A rollback also
 * marks the version it left as rolled away from, until it is set again.
 */
static int
replay_event(void *arg, struct nlp_regdb_stmt *st, struct nlp_err *e)
{
	struct alias_stack *s = arg;
	const char *kind = nlp_regdb_text(st, 0);
	long v = (long)nlp_regdb_int(st, 1), from = (long)nlp_regdb_int(st, 2),
	    *grown;

	if (strcmp(kind, "alias-delete") == 0) {
		s->n = s->naway = 0;
		return NLP_OK;
	}
	not_away(s, v);
	if (strcmp(kind, "rollback") == 0 && from > 0 && from != v &&
	    !is_away(s, from)) {
		if ((grown = nlp_registry_grow(s->away, &s->awaycap, s->naway,
		    sizeof *s->away)) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		s->away = grown;
		s->away[s->naway++] = from;
	}
	if (strcmp(kind, "rollback") == 0) {
		/* a rollback went down the stack to v, passing over removed
		   versions; one with --to elsewhere is a move */
		size_t j = s->n;
		while (j >= 2 && s->v[j - 2] != v)
			j--;
		if (j >= 2) {
			s->n = j - 1;
			return NLP_OK;
		}
	}
	if ((grown = nlp_registry_grow(s->v, &s->cap, s->n, sizeof *s->v)) ==
	    NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	s->v = grown;
	s->v[s->n++] = v;
	return NLP_OK;
}

/*
 * Where a rollback of alias goes: replay the alias's events (above), then
 * take the entry below the top, skipping removed versions and those a
 * rollback moved the alias away from.  *target is 0 when there is nothing
 * to go back to; *skipped counts the removed versions passed over, *away
 * the rolled-away ones.
 */
static int
rollback_target(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, long *target, size_t *skipped, size_t *away,
    struct nlp_err *e)
{
	struct alias_stack s = { NULL, 0, 0, NULL, 0, 0 };
	struct nlp_regdb_param p[] = {
		NLP_REGDB_TEXT(name), NLP_REGDB_TEXT(alias),
	};
	int64_t vid;
	int rc;

	*target = 0;
	*skipped = *away = 0;
	rc = nlp_regdb_each(r, "SELECT kind, new_version, old_version FROM "
	    "events WHERE model = ? AND alias = ? ORDER BY id", p, NPARAM(p),
	    replay_event, &s, e);
	while (rc == NLP_OK && s.n >= 2) {
		long below = s.v[s.n - 2];
		struct nlp_regdb_param q[] = {
			NLP_REGDB_INT(mid), NLP_REGDB_INT(below),
		};
		if (below != s.v[s.n - 1] && is_away(&s, below)) {
			(*away)++;
		} else if (below != s.v[s.n - 1]) {
			if ((rc = nlp_regdb_int_query(r, "SELECT id FROM versions "
			    "WHERE model_id = ? AND version = ?", q, 2, 0, &vid,
			    e)) != NLP_OK)
				break;
			if (vid != 0) {
				*target = below;
				break;
			}
			(*skipped)++;   /* removed: pass over it */
		}
		s.v[s.n - 2] = s.v[s.n - 1];
		s.n--;
	}
	free(s.v);
	free(s.away);
	return rc;
}

/* Where rollback goes (to, when given), checked: inside a transaction. */
static int
rollback_dest(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, long to, long from, long *dest, struct nlp_err *e)
{
	size_t skipped, away;
	int rc;

	if (to > 0) {
		*dest = to;
	} else {
		if ((rc = rollback_target(r, mid, name, alias, dest, &skipped,
		    &away, e)) != NLP_OK)
			return rc;
		if (*dest == 0 && skipped + away > 0)
			return nlp_errf(e, NLP_REGISTRY, "%s@%s is at %s@%ld; the "
			    "versions it pointed at before were %s; nothing to "
			    "roll back to (--to VERSION moves it anywhere)", name,
			    alias, name, from, away == 0 ? "removed" : skipped == 0 ?
			    "rolled back from" : "rolled back from or removed");
		if (*dest == 0)
			return nlp_errf(e, NLP_REGISTRY, "%s@%s is at %s@%ld, the "
			    "oldest version it has pointed at; nothing to roll back "
			    "to", name, alias, name, from);
	}
	if (*dest == from)
		return nlp_errf(e, NLP_REGISTRY, "'%s' of '%s' already points at "
		    "%s@%ld: nothing changed", alias, name, name, from);
	return NLP_OK;
}

/* Nothing to roll back: alias of name is not there.  When its last event
 * deleted it (a slip at 3 a.m.), the message says so, and how to make it
 * again where it was; else the aliases there are. */
static int
deleted_alias(struct nlp_registry *r, int64_t mid, const char *name,
    const char *alias, struct nlp_err *e)
{
	struct nlp_registry_last_event d;
	char then[sizeof d.text + 3 * NLP_NAME_MAX + 160];
	struct nlp_err ignored;
	int64_t vid = 0;
	int rc;

	if ((rc = nlp_registry_last_event(r, name, alias, &d, e)) != NLP_OK)
		return rc;
	if (!d.deleted || d.old_version <= 0)
		return nlp_registry_no_alias(r, mid, name, alias, ": nothing to "
		    "roll back", e);
	/* the aliases there, and one it is near, said after (a typo of
	   production may have been made and deleted before); the version
	   it pointed at may be gone too (rm --force deletes its aliases) */
	rc = nlp_registry_need_version(r, mid, name, d.old_version, &vid,
	    &ignored);
	if (rc != NLP_OK && rc != NLP_REGISTRY) {    /* not "no such version" */
		*e = ignored;
		return rc;
	}
	if (rc == NLP_OK)
		snprintf(then, sizeof then, ": it was deleted %s, pointing at "
		    "%s@%ld; nothing to roll back ('nlpops registry alias %s %ld "
		    "%s' makes it again)", d.text, name, d.old_version, name,
		    d.old_version, alias);
	else
		snprintf(then, sizeof then, ": it was deleted %s, pointing at "
		    "%s@%ld, which is removed; nothing to roll back ('nlpops "
		    "registry alias %s VERSION %s' makes it again)", d.text, name,
		    d.old_version, name, alias);
	return nlp_registry_no_alias(r, mid, name, alias, then, e);
}

/* Where rollback goes: the model's id, the alias's version now and the
 * destination, checked (if_current as nlp_registry_rollback() takes it). */
static int
rollback_where(struct nlp_registry *r, const char *name, const char *alias,
    long to, long if_current, int64_t *mid, long *from, long *dest,
    struct nlp_err *e)
{
	int rc;

	*from = *dest = 0;
	if ((rc = nlp_registry_need_model(r, name, mid, e)) == NLP_OK &&
	    (rc = nlp_registry_alias_version(r, *mid, alias, from, e)) ==
	    NLP_OK && *from == 0 && if_current <= 0)
		rc = deleted_alias(r, *mid, name, alias, e);
	if (rc == NLP_OK)
		rc = check_current(r, name, alias, *from, if_current, e);
	if (rc == NLP_OK)
		rc = rollback_dest(r, *mid, name, alias, to, *from, dest, e);
	if (rc != NLP_OK)
		*from = *dest = 0;
	return rc;
}

int
nlp_registry_rollback_plan(struct nlp_registry *r, const char *name,
    const char *alias, long to, long *from, long *dest, struct nlp_err *e)
{
	int64_t mid;

	return rollback_where(r, name, alias, to, 0, &mid, from, dest, e);
}

int
nlp_registry_rollback(struct nlp_registry *r, const char *name,
    const char *alias, long to, long if_current, const char *who,
    const char *reason, long *from, long *dest, struct nlp_err *e)
{
	int64_t mid;
	long old;
	int rc;

	*from = *dest = 0;
	if ((rc = nlp_registry_check_name(name, e)) != NLP_OK ||
	    (rc = nlp_registry_check_alias(alias, e)) != NLP_OK)
		return rc;
	{
		/* the destination as it stands, hashed before the lock (it is
		   found again under it) */
		struct nlp_err ignored;
		long f, d;

		if (nlp_registry_rollback_plan(r, name, alias, to, &f, &d,
		    &ignored) == NLP_OK && (rc = prewhole(r, name, alias, d,
		    if_current, e)) !=
		    NLP_OK)
			return rc;
	}
	if ((rc = begin_change(r, who, reason, e)) != NLP_OK)
		return rc;
	if ((rc = rollback_where(r, name, alias, to, if_current, &mid, from,
	    dest, e)) == NLP_OK)
		rc = set_alias_locked(r, mid, name, *dest, alias, *from, who,
		    reason, "rollback", &old, e);
	if (rc != NLP_OK)
		*from = *dest = 0;
	return end_change(r, rc, e);
}

/* ---- rm ---- */

/* Remove version row vid of model mid (inside a transaction); the
 * aliases --force deleted with it into *deleted (NULL: not wanted). */
static int
rm_locked(struct nlp_registry *r, int64_t mid, int64_t vid, const char *name,
    long version, int force, const char *who, const char *reason,
    struct nlp_registry_strings *deleted, struct nlp_err *e)
{
	struct nlp_registry_strings aliases = { NULL, 0, 0 };
	struct nlp_regdb_param p[] = { NLP_REGDB_INT(vid) };
	size_t i;
	long old;
	int rc;

	rc = nlp_regdb_each(r, "SELECT alias FROM aliases WHERE version_id = ? "
	    "ORDER BY alias", p, 1, nlp_registry_string_row, &aliases, e);
	if (rc == NLP_OK && aliases.n > 0 && !force)
		rc = nlp_errf(e, NLP_REGISTRY, "%s@%ld is what alias '%s' points "
		    "at; move the alias first, or use --force", name, version,
		    aliases.v[0]);
	for (i = 0; rc == NLP_OK && i < aliases.n; i++)
		rc = delete_alias_locked(r, mid, name, aliases.v[i], who,
		    "rm --force", &old, e);
	if (rc == NLP_OK && deleted != NULL) {
		*deleted = aliases;     /* handed over */
		memset(&aliases, 0, sizeof aliases);
	}
	nlp_registry_strings_release(&aliases);
	if (rc == NLP_OK)
		rc = nlp_regdb_run(r, "DELETE FROM versions WHERE id = ?", p, 1,
		    "cannot remove the version", e);
	if (rc == NLP_OK)
		rc = event(r, "rm", name, NULL, version, 0, who, reason, e);
	return rc;
}

int
nlp_registry_rm_deleting(struct nlp_registry *r, const char *name,
    long version, int force, const char *who, const char *reason,
    struct nlp_registry_strings *deleted, struct nlp_err *e)
{
	int64_t mid, vid;
	int rc;

	if (deleted != NULL)
		memset(deleted, 0, sizeof *deleted);
	if ((rc = nlp_registry_check_name(name, e)) != NLP_OK)
		return rc;
	if ((rc = begin_change(r, who, reason, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_registry_need_model(r, name, &mid, e)) == NLP_OK &&
	    (rc = nlp_registry_need_version(r, mid, name, version, &vid, e)) ==
	    NLP_OK)
		rc = rm_locked(r, mid, vid, name, version, force, who, reason,
		    deleted, e);
	if ((rc = end_change(r, rc, e)) != NLP_OK && deleted != NULL)
		nlp_registry_strings_release(deleted);
	return rc;
}

int
nlp_registry_rm(struct nlp_registry *r, const char *name, long version,
    int force, const char *who, const char *reason, struct nlp_err *e)
{
	return nlp_registry_rm_deleting(r, name, version, force, who, reason,
	    NULL, e);
}

int
nlp_registry_check_push(const struct nlp_push_opts *o, struct nlp_err *e)
{
	return check_push_opts(o, e);
}

/*
 * On PostgreSQL, whether the role may write what the push writes, asked
 * of the server (has_any_column_privilege(), has_sequence_privilege()):
 * NLP_OK, or NLP_IO naming the
 * first table it may not -- what the push itself would meet as
 * 'permission denied', after train --push had trained (the model thrown
 * away).  SQLite's file permissions are checked at the open.
 */
static int
push_privileges(struct nlp_registry *r, const struct nlp_push_opts *o,
    int new_model, struct nlp_err *e)
{
	static const struct {
		const char *table, *priv;
		int when;                /* 0 always, 1 with --sign, 2 --alias,
		                            3 a new model, 4 --tag */
		int serial;              /* its id drawn from a sequence */
	} need[] = {
		{ "models", "INSERT", 3, 1 }, { "versions", "INSERT", 0, 1 },
		{ "inputs", "INSERT", 0, 0 }, { "tags", "INSERT", 4, 0 },
		{ "objects", "INSERT", 0, 0 }, { "chunks", "INSERT", 0, 0 },
		{ "events", "INSERT", 0, 1 }, { "signatures", "INSERT", 1, 0 },
		{ "aliases", "INSERT", 2, 0 }, { "aliases", "UPDATE", 2, 0 },
	};
	const size_t nneed = sizeof need / sizeof *need;
	const char *what;
	char sql[4096];             /* 13 tests of 260 bytes at most */
	size_t i, n = 0;
	int64_t k = 0;
	int rc;

	if (!NLP_REGDB_IS_PG(r))
		return NLP_OK;
	/* a grant of some columns is one (has_any_column_privilege()), and
	   a row of a table with an id drawn from a sequence needs that
	   sequence too */
	n += (size_t)snprintf(sql, sizeof sql, "SELECT CASE WHEN NOT "
	    "has_column_privilege('models', 'next_version', 'UPDATE') THEN %zu",
	    nneed + 1);
	for (i = 0; i < nneed; i++)
		if (need[i].when == 0 || (need[i].when == 1 && o->sign != NULL) ||
		    (need[i].when == 2 && o->alias != NULL) ||
		    (need[i].when == 3 && new_model) ||
		    (need[i].when == 4 && o->ntags > 0)) {
			n += (size_t)snprintf(sql + n, sizeof sql - n, " WHEN NOT "
			    "has_any_column_privilege('%s', '%s') THEN %zu",
			    need[i].table, need[i].priv, i + 1);
			/* nextval() takes USAGE or UPDATE, lastval() USAGE
			   or SELECT */
			if (need[i].serial)
				n += (size_t)snprintf(sql + n, sizeof sql - n,
				    " WHEN NOT (has_sequence_privilege("
				    "pg_get_serial_sequence('%s', 'id'), 'USAGE') OR "
				    "has_sequence_privilege(pg_get_serial_sequence("
				    "'%s', 'id'), 'UPDATE') AND "
				    "has_sequence_privilege(pg_get_serial_sequence("
				    "'%s', 'id'), 'SELECT')) THEN %zu", need[i].table,
				    need[i].table, need[i].table, nneed + 2 + i);
		}
	snprintf(sql + n, sizeof sql - n, " ELSE 0 END");
	if ((rc = nlp_regdb_int_query(r, sql, NULL, 0, 0, &k, e)) != NLP_OK ||
	    k == 0)
		return rc;
	if ((size_t)k > nneed + 1)      /* a sequence */
		return nlp_errf(e, NLP_IO, "registry '%s': permission denied: "
		    "role '%s' may not use the sequence of %s.id, which the push "
		    "draws from; nothing was done (this role may not do that: "
		    "nlpops-registry(1), POSTGRESQL, has the grants each job "
		    "needs)", r->dir, r->pg_role, need[k - nneed - 2].table);
	what = (size_t)k > nneed ? "update" : strcmp(need[k - 1].priv,
	    "INSERT") == 0 ? "insert into" : "update";
	return nlp_errf(e, NLP_IO, "registry '%s': permission denied: role "
	    "'%s' may not %s %s, which the push writes; nothing was done (this "
	    "role may not do that: nlpops-registry(1), POSTGRESQL, has the "
	    "grants each job needs)", r->dir, r->pg_role, what, (size_t)k >
	    nneed ? "models.next_version" : need[k - 1].table);
}

int
nlp_registry_check_push_in(struct nlp_registry *r,
    const struct nlp_push_opts *o, struct nlp_err *e)
{
	int64_t mid;
	long cur;
	int rc;

	if ((rc = nlp_registry_check_push(o, e)) != NLP_OK ||
	    (rc = nlp_registry_model_id(r, o->name, &mid, e)) != NLP_OK ||
	    (rc = push_privileges(r, o, mid == 0, e)) != NLP_OK)
		return rc;
	if (mid == 0)
		return model_twin(r, o->name, e);
	if (o->alias == NULL)
		return NLP_OK;
	if ((rc = nlp_registry_alias_version(r, mid, o->alias, &cur, e)) !=
	    NLP_OK)
		return rc;
	return cur == 0 ? alias_twin(r, mid, o->name, o->alias, e) : NLP_OK;
}
