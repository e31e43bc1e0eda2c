/*
 * registry.h - versioned models in a local SQLite registry.
 *
 * A registry is a directory: registry.db (SQLite, WAL, synchronous=FULL,
 * foreign keys, application_id, schema version in user_version) and the
 * object store (store.h) holding each artifact's bytes under their SHA-256.
 * An object is always durable before the row that names it is committed,
 * so a row without its object cannot happen; every change is one
 * BEGIN IMMEDIATE transaction, retried while another process holds the
 * lock, and recorded in an append-only event log.
 *
 * Reads return typed results (below), the one source for both the tables
 * and the --json output of the commands; nlp_registry_*_json() writes each
 * as the JSON document `registry ... --json` prints.
 *
 * Model references (NAME, NAME@VERSION, NAME@ALIAS) are parsed by
 * modelref.h.
 */
#ifndef NLP_REGISTRY_H
#define NLP_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

#define NLP_REGISTRY_SCHEMA 3
#define NLP_NAME_MAX 64
#define NLP_TEXT_MAX 4096     /* a reason, description or tag value */

struct nlp_registry;
struct nlp_ref;               /* a parsed reference: modelref.h */
struct nlp_resolved;
struct nlp_key;               /* a signing key: sign.h */
struct nlp_signature;         /* a parsed signature: sign.h */
struct nlp_trust;             /* trusted public keys: sign.h */

/* Does s name a registry on PostgreSQL (a postgresql:// or postgres://
 * URI) rather than a directory? */
int nlp_registry_is_uri(const char *s);

/*
 * A registry directory that is not there yet, which a push would make:
 * 1 when dir does not exist and its nearest existing parent may take it
 * (checked, nothing made), 0 when dir exists or is a URI (opening decides
 * then), or -NLP_IO when it could not be made (e says why).  For train
 * --push, which checks the push before training: a training that fails
 * then leaves no empty registry behind.
 */
int nlp_registry_missing_dir(const char *dir, struct nlp_err *e);

/* A registry's location as messages show it, into buf: a URI without its
 * password (a directory as it is). */
void nlp_registry_shown(const char *loc, char *buf, size_t size);

/*
 * The local cache of a registry on PostgreSQL, for this process: objects
 * are kept in dir (a store, see store.h) under their SHA-256, at most max
 * bytes of them (0: no bound; least recently used out).  dir NULL: none,
 * every object fetched into a temporary file.  A directory that cannot be
 * used leaves the process uncached, after one call of warn (when not
 * NULL) saying why.  dir is not copied: it must outlive every registry
 * opened after (a command's argument, the environment, a static buffer).
 */
void nlp_registry_set_cache(const char *dir, int64_t max,
    void (*warn)(const char *msg));

/*
 * Open the object res names for reading (*fd, the caller closes it) and
 * set res->path to the file it is (or a name for messages): on SQLite the
 * store's file, on PostgreSQL the cached copy, fetched if need be.
 * NLP_DATA when the object is missing or damaged.  evict: forget a cached
 * copy whose bytes were found wrong, so that the next open fetches it
 * (1: there was one).
 */
int nlp_registry_object_open(struct nlp_registry *r, struct nlp_resolved *res,
    int *fd, struct nlp_err *e);
int nlp_registry_object_evict(struct nlp_registry *r,
    const struct nlp_resolved *res);

/*
 * Open the registry in dir (or at a postgresql:// URI).  writable (1): create the directory and
 * database when missing (NLP_REGISTRY_WRITE_EXISTING: do not); otherwise a
 * missing registry is NLP_REGISTRY ("no registry at DIR"), and a registry
 * on read-only media is opened read-only.  Refuses a foreign SQLite file
 * and a newer schema (NLP_REGISTRY).
 */
int nlp_registry_open(struct nlp_registry **out, const char *dir,
    int writable, struct nlp_err *e);

/* writable for nlp_registry_open(): write, but only an existing registry. */
#define NLP_REGISTRY_WRITE_EXISTING 2

/*
 * Create (or adopt) the registry in dir; group: make it shared by that
 * group (directory group-owned, group-writable, setgid), or NULL.
 */
int nlp_registry_init(const char *dir, const char *group, struct nlp_err *e);

void nlp_registry_close(struct nlp_registry *r);

/* The directory of an open registry. */
const char *nlp_registry_dir(const struct nlp_registry *r);

/*
 * Have fn(arg) called inside each later write transaction on r, after
 * every check passed and just before COMMIT (the call's out-parameters
 * are filled by then): a nonzero return (an errno value) rolls the change
 * back, and the call returns NLP_IO saying nothing was changed.  The
 * commands print their result there: a closed or full standard output
 * then fails the change, instead of leaving it done but reported as
 * failed (a retried rollback walked back twice).
 */
void nlp_registry_before_commit(struct nlp_registry *r, int (*fn)(void *arg),
    void *arg);

/*
 * nlp_registry_open(), the registry then calling fn(arg, msg) once, the
 * first time it has waited NLP_REGISTRY_WAIT_MS for another process's
 * lock (a write waits up to 30 s in all, or PostgreSQL's lock_timeout,
 * then fails with NLP_BUSY), opening included (a new registry's schema
 * made, an old one's upgraded), msg saying so in a line ("registry 'DIR'
 * is busy: waiting up to 30 s for another process's change to end"): for
 * the caller to tell its user why nothing seems to happen.
 */
#define NLP_REGISTRY_WAIT_MS 1000
int nlp_registry_open_waiting(struct nlp_registry **out, const char *dir,
    int writable, void (*fn)(void *arg, const char *msg), void *arg,
    struct nlp_err *e);

/*
 * Is s a valid model name or alias: 1 to 64 of A-Z a-z 0-9 . _ -, starting
 * with a letter or digit; an alias also may not be all digits (it would
 * read as a version).
 */
int nlp_registry_valid_name(const char *s);
int nlp_registry_valid_alias(const char *s);

/* nlp_registry_valid_name() as a status: NLP_OK, or NLP_USAGE saying
 * what a model name is.  Every registry function that looks a model up
 * by a name it is given checks it so: a malformed name is a usage
 * error, a well-formed one that is not there NLP_REGISTRY. */
int nlp_registry_check_name(const char *s, struct nlp_err *e);

/* A name for a new model, as push takes it: valid, and not ending in
 * .nlp, .tar, .tar.gz, .tgz or .gz (a file name given as the name):
 * NLP_OK, or NLP_USAGE saying why not. */
int nlp_registry_check_new_name(const char *s, struct nlp_err *e);

/* The length of s's file-name ending (.nlp, .tar, .tar.gz, .tgz, .gz, in
 * any case), or 0: such a name is a file's, never a model's. */
size_t nlp_registry_file_suffix(const char *s);

/* nlp_registry_valid_alias() as a status: NLP_OK, or NLP_USAGE saying
 * why not (all digits: it would read as a version).  Every registry
 * function that looks an alias up by a name it is given checks it so. */
int nlp_registry_check_alias(const char *s, struct nlp_err *e);

/* A version number runs 1 to NLP_VERSION_MAX (the largest a reference,
 * or a VERSION operand, may name: a usage error above it). */
#define NLP_VERSION_MAX 2147483647L

/* What a reference resolves to. */
struct nlp_resolved {
	char name[NLP_NAME_MAX + 1];
	long version;
	char sha256[NLP_SHA256_HEX];
	int64_t size;
	char path[4096];                /* the object's file */
};

/* Resolve a reference: NLP_OK, or NLP_REGISTRY naming what is missing. */
int nlp_registry_resolve(struct nlp_registry *r, const struct nlp_ref *ref,
    struct nlp_resolved *out, struct nlp_err *e);

/* ---- Writes ---- */

struct nlp_push_opts {
	const char *name;
	const char *alias;              /* set this alias too, or NULL */
	const char *const *tags;        /* "k=v" strings */
	size_t ntags;
	const char *description;
	const char *source;             /* where the artifact came from */
	const char *who;
	const char *reason;             /* why: for the push's event (else
	                                   the description is its note) and
	                                   the alias's */
	const struct nlp_key *sign;     /* sign the version (sign.h), or NULL */
	/* with alias and sign: move the alias only if the version is signed
	   by one of these keys (an existing version keeps the signature it
	   has; another one refuses the whole push, NLP_DATA), or NULL */
	const struct nlp_trust *alias_trust;
};

struct nlp_push_result {
	long version;
	char sha256[NLP_SHA256_HEX];
	int existed;                    /* these bytes were already a version */
	int alias_created;              /* the push's alias is new */
	long alias_old;                 /* the version it pointed at (0:
	                                   none) */
	char signed_by[NLP_SHA256_HEX]; /* with sign: the id of the key the
	                                   version is signed with (an existing
	                                   version keeps its signature) */
	int signed_now;                 /* with sign: an existing version
	                                   that had none is signed now */
};

/*
 * Push an artifact's bytes (verified first, as predict loads it -- the
 * manifest, the weights, meta.json's fields by type -- NLP_DATA when it is
 * not a usable artifact; a description, reason or tag value that is not
 * one printable line is NLP_USAGE).  The same bytes pushed to the same
 * name again make no new version: res->existed is set and the version
 * named.  A new model name, or a new alias, that differs from an existing
 * one only in case is NLP_USAGE, naming the existing one.
 */
int nlp_registry_push(struct nlp_registry *r, const void *data, size_t len,
    const struct nlp_push_opts *o, struct nlp_push_result *res,
    struct nlp_err *e);

/* The checks of push on o (name, alias, tags, texts), without a registry
 * or an artifact, so that `train --push` refuses them before it trains:
 * NLP_OK or NLP_USAGE. */
int nlp_registry_check_push(const struct nlp_push_opts *o, struct nlp_err *e);

/* Those checks and, in r, the ones of the registry's state a push of any
 * artifact would meet now (a new model or alias name that differs from
 * another only in case), changing nothing: for `train --push` to refuse
 * before it trains what the push would refuse after.  NLP_OK, NLP_USAGE,
 * or the registry's error. */
int nlp_registry_check_push_in(struct nlp_registry *r,
    const struct nlp_push_opts *o, struct nlp_err *e);

/* The artifact checks of push, without a registry (so that a command can
 * refuse a bad artifact before it creates one): NLP_OK or NLP_DATA. */
int nlp_registry_check_artifact(const void *data, size_t len,
    struct nlp_err *e);

/*
 * Point alias at version.  if_current > 0: only if the alias points at
 * that version now (compare-and-swap; NLP_REGISTRY otherwise, changing
 * nothing, the message saying who last moved the alias, when and why);
 * if_current == -1: only if the alias does not exist yet.  A new alias
 * that differs from an existing one of the model only in case is
 * NLP_USAGE, naming that one.  *old is set to the version it pointed at
 * before (0: none: the alias is new).
 */
int nlp_registry_alias_set(struct nlp_registry *r, const char *name,
    long version, const char *alias, long if_current, const char *who,
    const char *reason, long *old, struct nlp_err *e);

int nlp_registry_alias_delete(struct nlp_registry *r, const char *name,
    const char *alias, const char *who, const char *reason, long *old,
    struct nlp_err *e);

/*
 * Move alias back to the version it pointed at before its last move (from
 * the event log; repeated rollbacks walk further back), or to `to` when
 * to > 0.  if_current > 0: only if the alias points at that version now
 * (compare-and-swap; otherwise NLP_REGISTRY, changing nothing, the
 * message saying who last moved the alias, when and why).  Nothing to
 * roll back to: NLP_REGISTRY, changing nothing.
 */
int nlp_registry_rollback(struct nlp_registry *r, const char *name,
    const char *alias, long to, long if_current, const char *who,
    const char *reason, long *from, long *dest, struct nlp_err *e);

/*
 * Where nlp_registry_rollback() would move alias now (*from -> *dest),
 * changing nothing: the same errors.  A caller that checks *dest first
 * (its signature) then rolls back with to = *dest, if_current = *from,
 * so that the move is the one it checked or none.
 */
int nlp_registry_rollback_plan(struct nlp_registry *r, const char *name,
    const char *alias, long to, long *from, long *dest, struct nlp_err *e);

/*
 * Remove a version (its object stays until gc).  Refused (NLP_REGISTRY)
 * while an alias points at it, unless force, which deletes those aliases.
 */
int nlp_registry_rm(struct nlp_registry *r, const char *name, long version,
    int force, const char *who, const char *reason, struct nlp_err *e);
/* The same; the aliases force deleted with the version into *deleted
 * (release it with nlp_registry_strings_release()). */
struct nlp_registry_strings;
int nlp_registry_rm_deleting(struct nlp_registry *r, const char *name,
    long version, int force, const char *who, const char *reason,
    struct nlp_registry_strings *deleted, struct nlp_err *e);

/*
 * Like nlp_registry_alias_set(), but first check the requirements
 * req[0..nreq) ("macro_f1>=0.85": METRIC OP NUMBER with OP one of >= <= >
 * <, METRIC one of accuracy, macro_f1, weighted_f1, log_loss, ece, n, or
 * f1:LABEL) against the version's latest recorded evaluation, in the same
 * transaction: NLP_NO, changing nothing, when one fails or nothing was
 * recorded (e says which and on which evaluation); NLP_USAGE when one is
 * malformed.
 */
int nlp_registry_promote(struct nlp_registry *r, const char *name,
    long version, const char *alias, long if_current,
    const char *const *req, size_t nreq, const char *who, const char *reason,
    long *old, struct nlp_err *e);

/*
 * nlp_registry_promote() to the version another alias of the model,
 * from_alias, points at now: read in the same transaction as the move
 * (NLP_REGISTRY when the model has no such alias).  from_version > 0:
 * from_alias must still point at that version (one checked before, such
 * as its signature), else NLP_REGISTRY and nothing changed.  *version is
 * set to the version alias was pointed at (0 on failure).
 */
int nlp_registry_promote_alias(struct nlp_registry *r, const char *name,
    const char *from_alias, long from_version, const char *alias,
    long if_current, const char *const *req, size_t nreq, const char *who, const char *reason,
    long *version, long *old, struct nlp_err *e);

/*
 * Record an evaluation of ref's version: the data's identity (JSON array of
 * {name, sha256, bytes}) and metrics (a JSON object with at least the keys
 * requirements use).  *version is set to the version recorded on.
 */
int nlp_registry_record_eval(struct nlp_registry *r, const struct nlp_ref *ref,
    const char *who, const char *data_json, const char *metrics_json,
    long *version, struct nlp_err *e);

/* Copy the artifact ref names to path (atomically, hash checked). */
int nlp_registry_pull(struct nlp_registry *r, const struct nlp_ref *ref,
    const char *path, struct nlp_resolved *out, struct nlp_err *e);

/*
 * The signature stored with name@version (its .sig text, sign.h) into buf
 * (size bytes; NLP_SIG_MAX is enough), *len its length: 0 when the
 * version has none (or the registry predates signatures).
 */
int nlp_registry_signature(struct nlp_registry *r, const char *name,
    long version, char *buf, size_t size, size_t *len, struct nlp_err *e);

/*
 * A signature stored with name@version (text, len bytes, or NULL) parsed
 * into *s and checked as import would check it: a signature, of the
 * artifact sha256 names, and with key_id (the row's key column; NULL: not
 * checked) by that key.  NLP_OK, or NLP_REGISTRY: "NAME@V: its signature
 * in the registry is damaged: why (...); nothing " then done ("written",
 * "exported"), found before anything is.
 */
int nlp_registry_signature_check(const char *name, long version,
    const char *sha256, const char *text, size_t len, const char *key_id,
    const char *done, struct nlp_signature *s, struct nlp_err *e);

/* ---- Reads: typed results ----
 *
 * Each read fills a struct of the caller's.  The strings and arrays in it
 * are the struct's: the matching nlp_registry_*_release() frees them and
 * leaves the struct empty.  A read that fails leaves its struct empty too
 * (releasing it is harmless), as does releasing twice.  Strings are
 * NUL-terminated and, unless said otherwise, never NULL; free text
 * (who, a reason, a description, a tag's value, a label) is as recorded:
 * a command escapes it for a terminal.
 */

/* A value read back: one member of a JSON object the registry stored
 * (metrics, hyperparameters), or a field of meta.json. */
enum nlp_registry_vtype {
	NLP_RV_NULL,                    /* null, or absent */
	NLP_RV_INT,                     /* i */
	NLP_RV_REAL,                    /* d */
	NLP_RV_TEXT,                    /* s: the string */
	NLP_RV_JSON,                    /* s: an array, an object, true or
	                                   false, as compact JSON (keys
	                                   sorted) */
};

struct nlp_registry_value {
	enum nlp_registry_vtype type;
	int64_t i;
	double d;
	char *s;                        /* NULL unless TEXT or JSON */
};

struct nlp_registry_field {
	char *key;
	struct nlp_registry_value value;
};

/*
 * A JSON object the registry stored (a version's metrics or
 * hyperparameters, an evaluation's metrics): its text as stored, which
 * --json prints (null when it is not JSON), and its members in that
 * text's order for the tables (none when it is not an object).
 */
struct nlp_registry_object {
	char *json;                     /* NULL: the column was NULL */
	struct nlp_registry_field *fields;
	size_t nfields;
};

/* A list of strings: a version's aliases, verify's problems, ... */
struct nlp_registry_strings {
	char **v;
	size_t n;
	size_t cap;                     /* the library's */
};
void nlp_registry_strings_release(struct nlp_registry_strings *l);

/* An alias of a model and the version it points at. */
struct nlp_registry_alias {
	char *alias;
	long version;
};

/* A model, as `registry list` shows it. */
struct nlp_registry_model {
	char *name;
	long latest;                    /* its highest version; 0: none left */
	long versions;                  /* how many it has */
	struct nlp_registry_alias *aliases;   /* by alias */
	size_t naliases;
	char *updated_at;               /* its last event's time; NULL: none */
};

/* Every model, by name. */
struct nlp_registry_models {
	struct nlp_registry_model *v;
	size_t n;
};

int nlp_registry_list(struct nlp_registry *r,
    struct nlp_registry_models *out, struct nlp_err *e);
void nlp_registry_models_release(struct nlp_registry_models *m);

struct nlp_registry_tag {
	char *key;
	char *value;
};

struct nlp_registry_evaluation;  /* below */

/* A version, as `registry list NAME` shows it. */
struct nlp_registry_version {
	long version;
	char *sha256;
	int64_t size;
	char *created_at;
	char *created_by;
	char *description;              /* NULL: none */
	struct nlp_registry_strings aliases;  /* those pointing at it, sorted */
	struct nlp_registry_tag *tags;  /* by key */
	size_t ntags;
	struct nlp_registry_object metrics;   /* held-out figures at training */
	struct nlp_registry_evaluation *latest;   /* the latest recorded
	                                             evaluation (list only);
	                                             NULL: none */
};

/* A model's versions, oldest first. */
struct nlp_registry_versions {
	struct nlp_registry_version *v;
	size_t n;
};

/* The versions of model name: NLP_REGISTRY when there is no such model. */
int nlp_registry_list_versions(struct nlp_registry *r, const char *name,
    struct nlp_registry_versions *out, struct nlp_err *e);
void nlp_registry_versions_release(struct nlp_registry_versions *v);

/* An entry of the event log. */
struct nlp_registry_event {
	char *at;                       /* ISO 8601, UTC */
	char *who;
	char *kind;                     /* push, alias-set, alias-move,
	                                   alias-delete, rollback, rm */
	char *alias;                    /* NULL: not an alias's event */
	long old_version;               /* 0: none */
	long new_version;               /* 0: none */
	char *reason;                   /* NULL: none given */
};

/* Events, newest first. */
struct nlp_registry_events {
	struct nlp_registry_event *v;
	size_t n;
};

/* The events of model name (alias: only that alias's, or NULL):
 * NLP_REGISTRY when there is no such model. */
int nlp_registry_history(struct nlp_registry *r, const char *name,
    const char *alias, struct nlp_registry_events *out, struct nlp_err *e);
void nlp_registry_events_release(struct nlp_registry_events *ev);

/* A file of a version's training data, from its artifact's meta.json. */
struct nlp_registry_input {
	char *name;
	char *sha256;
	int64_t bytes;
};

/* A label of the training data and its count, from meta.json. */
struct nlp_registry_label {
	char *label;                    /* NULL: not a string there */
	int64_t count;                  /* 0: not an integer there */
};

/* An evaluation recorded by `eval --record`. */
struct nlp_registry_evaluation {
	long id;                        /* its number in the registry */
	char *at;
	char *who;
	char *data_json;                /* as recorded: [{name, sha256, bytes}] */
	char *data_sha256;              /* the first file's; NULL: none */
	struct nlp_registry_object metrics;
	/* read from metrics for the tables: 0 when absent */
	double accuracy, macro_f1;
	int64_t n;
	double seen;                    /* share trained on; -1: not recorded */
};

/* A version, as `registry show` shows it. */
struct nlp_registry_shown {
	char *name;
	struct nlp_registry_version v;
	char *source;                   /* NULL: not recorded */
	struct nlp_registry_object hyperparameters;
	/* from the artifact's meta.json: labels (its text in labels.s), the
	 * number of training examples, the nlpops that trained it, and the
	 * warning train gave (a model below the majority-class rate) */
	struct nlp_registry_value labels, examples, nlpops_version, warning;
	struct nlp_registry_label *label_counts;   /* labels, parsed */
	size_t nlabel_counts;
	struct nlp_registry_input *training_data;
	size_t ntraining_data;
	struct nlp_registry_events recent_events;  /* the model's last 10 */
	struct nlp_registry_evaluation *evaluations;   /* the last 10, newest
	                                                  first */
	size_t nevaluations;
};

/* The version ref names: NLP_REGISTRY when it does not resolve. */
int nlp_registry_show(struct nlp_registry *r, const struct nlp_ref *ref,
    struct nlp_registry_shown *out, struct nlp_err *e);
void nlp_registry_shown_release(struct nlp_registry_shown *s);

/* One difference between two versions: in section ("training_data",
 * by file name, its SHA-256; "hyperparameters"; "labels", their counts;
 * "metrics", held out at training; "latest_evaluation", the metrics of
 * the latest recorded evaluation and its data's SHA-256 as "data"), the
 * value of key on each side (NLP_RV_NULL: absent there). */
struct nlp_registry_difference {
	const char *section;            /* static */
	char *key;
	struct nlp_registry_value a, b;
};

/* What differs between versions a and b, section by section in the order
 * nlp_registry_diff_section() gives. */
struct nlp_registry_diff {
	char a[NLP_NAME_MAX + 32], b[NLP_NAME_MAX + 32];   /* "spam@7" */
	struct nlp_registry_difference *v;
	size_t n;
	unsigned differs;               /* bit i: section i has differences */
};

/* Compare the versions refs a and b name: NLP_REGISTRY when one does not
 * resolve. */
int nlp_registry_diff(struct nlp_registry *r, const struct nlp_ref *a,
    const struct nlp_ref *b, struct nlp_registry_diff *out, struct nlp_err *e);
void nlp_registry_diff_release(struct nlp_registry_diff *d);

/* The name of section i (0, 1, ...), or NULL past the last. */
const char *nlp_registry_diff_section(unsigned i);

/* ---- Bundles: moving models between registries ---- */

/* A version a bundle holds: name@version, its object, and on import
 * whether it was added (0: the registry had it already). */
struct nlp_registry_bundle_entry {
	char *name;
	long version;
	char sha256[NLP_SHA256_HEX];
	int64_t size;
	int imported;
};

/* What export wrote or import did. */
struct nlp_registry_bundle_report {
	struct nlp_registry_bundle_entry *v;   /* by model, then version */
	size_t n;
	size_t cap;                     /* the library's */
	size_t nmodels;                 /* export: models written; import:
	                                   models changed (one 'import' event
	                                   each) */
	size_t nevents;                 /* import: events added */
	size_t naliases;                /* import: aliases added */
	size_t nrestored;               /* import: lost objects of versions
	                                   here restored from the bundle */
	struct nlp_registry_strings notes;     /* import: aliases kept as the
	                                          registry has them */
};

/*
 * Write a bundle (a deterministic uncompressed tar: bundle.json, then
 * objects/<sha256> for each artifact once, sorted) of refs[0..nrefs): a
 * ref with neither version nor alias (version 0, alias "") is the whole
 * model, any other the version it resolves to.  Each model's whole event
 * log goes with it, and the aliases that point at exported versions; each
 * version's lineage, tags, evaluations and signature.  Objects are
 * streamed (bounded memory) and their SHA-256 checked on the way
 * (NLP_DATA: damaged).  path: written atomically there; NULL: written to
 * fd.  A missing reference writes nothing (NLP_REGISTRY).  *out lists the
 * versions written (release it with nlp_registry_bundle_report_release()).
 */
int nlp_registry_export(struct nlp_registry *r, const struct nlp_ref *refs,
    size_t nrefs, const char *path, int fd,
    struct nlp_registry_bundle_report *out, struct nlp_err *e);

/*
 * Import the bundle at path (a regular file: it is read twice, and
 * anything else is NLP_USAGE, see nlp_registry_bundle_file()) in one
 * transaction, keeping version numbers and the bundle's events as they
 * were.  Everything is checked before anything changes: bundle.json
 * strictly, every object's SHA-256 and size, every artifact loadable
 * (NLP_DATA).  A version already there with the same bytes is skipped;
 * the same NAME@VERSION with other bytes, or the same bytes under another
 * version of the model, refuses the whole bundle (NLP_REGISTRY, nothing
 * changed).  Events the registry's log lacks are appended in order;
 * missing aliases are set, one pointing elsewhere here is kept (a note in
 * out->notes).  A model that changed gets one event of kind 'import'
 * (who; reason "from FILE: versions 1, 2").  Importing a bundle twice
 * changes nothing the second time.
 */
int nlp_registry_import(struct nlp_registry *r, const char *path,
    const char *who, struct nlp_registry_bundle_report *out,
    struct nlp_err *e);
void nlp_registry_bundle_report_release(struct nlp_registry_bundle_report *b);

/* The checks of an import's first pass on the bundle at path, with no
 * registry (before one is made for it): NLP_OK, or the error import
 * would give (NLP_USAGE, NLP_DATA, NLP_IO). */
int nlp_registry_bundle_check(const char *path, struct nlp_err *e);

/*
 * Can the bundle at path be read twice, as import reads it (checked,
 * then stored)?  NLP_OK for a regular file (a symbolic link followed),
 * or one that cannot be looked at (the reading says why); NLP_USAGE for
 * anything else: a pipe or a device would give the second reading
 * nothing, or block it while the registry is locked.  Import and
 * nlp_registry_bundle_check() begin with it; a caller checks with it
 * before it opens or makes the registry.
 */
int nlp_registry_bundle_file(const char *path, struct nlp_err *e);

/* ---- Checks ---- */

struct nlp_registry_verify_report {
	struct nlp_registry_strings problems;   /* damage: exit 1 */
	struct nlp_registry_strings notes;      /* orphans, stale temporary
	                                           files: gc's business */
	long versions;                  /* how many versions were checked */
};

/*
 * Check the registry: every object re-hashed (quick: size only), SQLite's
 * integrity_check and foreign_key_check, rows without objects, into *out.
 * Returns NLP_OK when there is no problem, NLP_NO when there is one
 * (orphans and stale temporary files are notes, not problems); *out is
 * filled in both cases, and left empty on any other status.
 */
int nlp_registry_verify(struct nlp_registry *r, int quick,
    struct nlp_registry_verify_report *out, struct nlp_err *e);

/*
 * Open the registry in dir read-only and verify it: a database too damaged
 * to open (SQLite finds it malformed, or not a database) is a problem this
 * reports (NLP_NO), not a failure to run; a missing, foreign or emptied
 * registry is refused as by nlp_registry_open().
 */
int nlp_registry_verify_dir(const char *dir, int quick,
    struct nlp_registry_verify_report *out, struct nlp_err *e);

/*
 * verify --signatures: each version's signature checked against the
 * trusted keys t (sign.h), its bytes read as a loader reads them; a
 * signature that is not a trusted key's over the version's bytes is a
 * problem added to rep, a version without one a note.  NLP_OK, NLP_NO
 * when rep has problems (those found before too), or an error.
 */
struct nlp_trust;
int nlp_registry_verify_signatures(struct nlp_registry *r,
    const struct nlp_trust *t, struct nlp_registry_verify_report *rep,
    struct nlp_err *e);
void nlp_registry_verify_report_release(struct nlp_registry_verify_report *v);

struct nlp_registry_gc_report {
	struct nlp_registry_strings removed;    /* paths, sorted */
	int64_t bytes;                  /* their sizes, summed */
	int dry_run;                    /* listed only, nothing removed */
	int64_t young;                  /* files no version needs, kept:
					   younger than the grace period */
};

/*
 * Remove objects no version refers to and temporary files, both only when
 * older than grace seconds, listing them in *out; dry_run lists without
 * removing, and only reads (no write lock: r may be opened read-only).
 */
int nlp_registry_gc(struct nlp_registry *r, int dry_run, int64_t grace,
    struct nlp_registry_gc_report *out, struct nlp_err *e);
void nlp_registry_gc_report_release(struct nlp_registry_gc_report *g);

/* ---- JSON ----
 *
 * Each result as the JSON document the commands print for --json (keys
 * sorted, indented by 2, reals to 10 significant digits): *out gets the
 * text, without a final newline (the caller frees it).  NLP_OK, or NLP_IO
 * when out of memory -- never a document with a key left out.
 */
int nlp_registry_models_json(const struct nlp_registry_models *m,
    char **out, struct nlp_err *e);
int nlp_registry_versions_json(const struct nlp_registry_versions *v,
    char **out, struct nlp_err *e);
int nlp_registry_shown_json(const struct nlp_registry_shown *s, char **out,
    struct nlp_err *e);
int nlp_registry_events_json(const struct nlp_registry_events *ev,
    char **out, struct nlp_err *e);
int nlp_registry_verify_report_json(const struct nlp_registry_verify_report *v,
    char **out, struct nlp_err *e);
int nlp_registry_gc_report_json(const struct nlp_registry_gc_report *g,
    char **out, struct nlp_err *e);
/* A diff: {a, b, differences: [{section, key, a, b}]}. */
int nlp_registry_diff_json(const struct nlp_registry_diff *d, char **out,
    struct nlp_err *e);
/* What export wrote: {versions: [{name, version, sha256, size}], models};
 * with import, what it did: {versions: [{name, version, sha256, size,
 * imported}], models_changed, events_added, aliases_added, notes}. */
int nlp_registry_bundle_report_json(const struct nlp_registry_bundle_report *b,
    int import, char **out, struct nlp_err *e);
/* What a reference resolved to: {ref "spam@7", name, version, alias (the
 * alias resolved, or null), sha256, size}. */
int nlp_registry_resolved_json(const struct nlp_resolved *res,
    const char *alias, char **out, struct nlp_err *e);

#endif
