/*
 * drift_shard.c - a drift pass as a file, and back (see drift_shard.h).
 */
#include "drift_shard.h"
#include "digest.h"
#include "jsonwatch.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The scalar counts of a pass and of its profile, by name. */
#define PASS_COUNTS(X) \
	X(records, p->records) X(other, p->other) X(tokens, p->tokens) \
	X(oov, p->oov) X(correct, p->correct) X(scored, p->scored) \
	X(unlabeled, p->unlabeled) \
	X(docs, p->prof.docs) X(profile_tokens, p->prof.tokens) \
	X(empty, p->prof.empty) X(bad_utf8, p->prof.bad_utf8) \
	X(letter, p->prof.letter) X(digit, p->prof.digit) \
	X(space, p->prof.space) X(punct, p->prof.punct) \
	X(other_chars, p->prof.other) X(non_ascii, p->prof.non_ascii) \
	X(token_docs, p->prof.token_docs)

#define COUNT_MAX ((json_int_t)1 << 53)

static json_t *
hash_hex(uint64_t h)
{
	char s[17];

	snprintf(s, sizeof s, "%016" PRIx64, h);
	return json_string(s);
}

/* A map's entries as [[key, count], ...], in its order. */
static json_t *
pairs(const struct nlp_strmap *m)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < m->n; i++)
		if (json_array_append_new(a, json_pack("[sI]", m->ent[i].key,
		    (json_int_t)m->ent[i].value)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* Set key to v, consuming v; -1 when v is NULL (out of memory). */
static int
put(json_t *o, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new(o, key, v);
}

static int
samples_json(json_t *o, const struct nlp_drift_pass *p)
{
	json_t *ls = json_array(), *cf = json_array(), *tx = json_array();
	size_t i;
	int rc = -1;

	if (ls == NULL || cf == NULL || tx == NULL)
		goto out;
	/* an entry's count after it when its text had copies */
	for (i = 0; i < p->prof.nsample; i++) {
		const struct nlp_length_sample *s = &p->prof.sample[i];
		if (json_array_append_new(ls, s->count > 1 ? json_pack("[oIII]",
		    hash_hex(s->hash), (json_int_t)s->tokens,
		    (json_int_t)s->chars, (json_int_t)s->count) :
		    json_pack("[oII]", hash_hex(s->hash), (json_int_t)s->tokens,
		    (json_int_t)s->chars)) < 0)
			goto out;
	}
	for (i = 0; i < p->conf.n; i++) {
		const struct nlp_drift_number *c = &p->conf.v[i];
		if (json_array_append_new(cf, c->count > 1 ? json_pack("[ofI]",
		    hash_hex(c->hash), c->v, (json_int_t)c->count) :
		    json_pack("[of]", hash_hex(c->hash), c->v)) < 0)
			goto out;
	}
	for (i = 0; i < p->texts.n; i++)
		if (json_array_append_new(tx, json_pack("[os]",
		    hash_hex(p->texts.v[i].hash), p->texts.v[i].text)) < 0)
			goto out;
	/* put() takes each whatever happens: the ones after a failure are
	   freed here (leaked when the first failed) */
	rc = put(o, "length_sample", ls) < 0 ? -1 : 0;
	rc |= put(o, "confidence", cf) < 0 ? -1 : 0;
	rc |= put(o, "texts", tx) < 0 ? -1 : 0;
	return rc;
out:
	json_decref(ls);
	json_decref(cf);
	json_decref(tx);
	return rc;
}

static int
model_json(json_t *o, const struct nlp_drift_pass *p,
    const struct nlp_model *m)
{
	size_t c = m != NULL ? m->nclasses : 0;
	json_t *cm;

	if (m == NULL)
		return 0;
	if ((cm = json_object()) == NULL || put(o, "confusion", cm) < 0)
		return -1;
	return put(o, "predicted", nlp_json_counts(p->pred, c)) < 0 ||
	    put(cm, "tp", nlp_json_counts(p->cm.tp, c)) < 0 ||
	    put(cm, "pred", nlp_json_counts(p->cm.pred, c)) < 0 ||
	    put(cm, "gold", nlp_json_counts(p->cm.gold, c)) < 0 ||
	    put(cm, "n", json_integer((json_int_t)p->cm.n)) < 0 ||
	    put(cm, "correct", json_integer((json_int_t)p->cm.correct)) < 0 ?
	    -1 : 0;
}

void
nlp_drift_shard_id_init(struct nlp_drift_shard_id *id, const char *sha256,
    uint64_t seed, size_t max_sample)
{
	memset(id, 0, sizeof *id);
	snprintf(id->model_sha256, sizeof id->model_sha256, "%s", sha256);
	id->seed = seed;
	id->max_sample = max_sample;
}

int
nlp_drift_shard_write(FILE *fp, const struct nlp_drift_pass *p,
    const struct nlp_drift_shard_id *id, const struct nlp_model *m,
    struct nlp_err *e)
{
	json_t *o = json_object(), *c = json_object();
	char seed[24];
	int bad;

	snprintf(seed, sizeof seed, "%" PRIu64, id->seed);
#define PUT_COUNT(name, v) \
	|| put(c, #name, json_integer((json_int_t)(v))) < 0
	bad = o == NULL || c == NULL || put(o, "counts", json_incref(c)) < 0
	    PASS_COUNTS(PUT_COUNT);
#undef PUT_COUNT
	/* the reading's changes, for the merged report's warnings */
	bad = bad || put(c, "malformed", json_integer((json_int_t)p->malformed))
	    < 0 || put(c, "json_like", json_integer((json_int_t)p->json_like)) <
	    0 || put(c, "text_empty", json_integer((json_int_t)p->text_empty)) <
	    0 || put(o, "malformed_at", json_string(p->malformed_at)) < 0 ||
	    put(o, "text_empty_at", json_string(p->text_empty_at)) < 0;
	bad = bad ||
	    put(o, "format", json_string(NLP_DRIFT_SHARD_FORMAT)) < 0 ||
	    put(o, "schema", json_integer(NLP_DRIFT_SHARD_SCHEMA)) < 0 ||
	    put(o, "model_sha256", json_string(id->model_sha256)) < 0 ||
	    put(o, "seed", json_string(seed)) < 0 ||
	    put(o, "max_sample", json_integer((json_int_t)id->max_sample)) <
	    0 ||
	    put(o, "token_length_hist", nlp_json_counts(p->prof.tok_hist,
	    NLP_PROFILE_BINS)) < 0 ||
	    put(o, "char_length_hist", nlp_json_counts(p->prof.char_hist,
	    NLP_PROFILE_BINS)) < 0 ||
	    put(o, "top", nlp_json_counts(p->topcnt, p->top != NULL ? p->top->n : 0)) <
	    0 ||
	    put(o, "new_tokens", pairs(&p->fresh)) < 0 ||
	    put(o, "new_tokens_max", hash_hex(p->fresh_max)) < 0 ||
	    put(o, "gold", pairs(&p->gold)) < 0 ||
	    samples_json(o, p) < 0 || model_json(o, p, m) < 0;
	json_decref(c);
	/* one line of text; a failed write shows in the stream's error too */
	if (!bad && (json_dumpf(o, fp, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_REAL_PRECISION(17)) < 0 || fputc('\n', fp) == EOF))
		bad = ferror(fp) ? 2 : 1;
	json_decref(o);
	if (bad == 2)
		return nlp_errnof(e, NLP_IO, errno ? errno : EIO, "cannot write "
		    "the profile");
	return bad ? nlp_errf(e, NLP_IO, "out of memory") : NLP_OK;
}

/* Reading: every field checked, the first fault named. */

static int
bad(struct nlp_err *e, const char *field, const char *what)
{
	return nlp_errf(e, NLP_DATA, "field '%s' %s", field, what);
}

static int
get_count(const json_t *x, const char *field, uint64_t *v, struct nlp_err *e)
{
	if (x == NULL)
		return bad(e, field, "is missing");
	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return bad(e, field, "is not a count");
	/* past any real day's text: sums of parts of this size cannot
	   wrap, nor lose a unit as doubles */
	if (json_integer_value(x) > COUNT_MAX)
		return bad(e, field, "is past 2^53");
	*v = (uint64_t)json_integer_value(x);
	return NLP_OK;
}

/* The count of copies at entry[i] of a sample's entry, 1 when it has none
 * (a text without copies); written only from 2 on. */
static int
get_copies(const json_t *entry, size_t i, const char *field, uint64_t *v,
    struct nlp_err *e)
{
	int rc;

	*v = 1;
	if (json_array_size(entry) <= i)
		return NLP_OK;
	if ((rc = get_count(json_array_get(entry, i), field, v, e)) != NLP_OK)
		return rc;
	return *v >= 2 ? NLP_OK : bad(e, field, "has a count of copies below "
	    "2");
}

static int
get_hash(const json_t *x, const char *field, uint64_t *v, struct nlp_err *e)
{
	const char *s = json_string_value(x);
	char *end;

	if (s == NULL || strlen(s) != 16 || strspn(s, "0123456789abcdef") !=
	    16)
		return bad(e, field, "has a hash that is not 16 hex digits");
	*v = strtoull(s, &end, 16);
	return NLP_OK;
}

/* Array field of exactly n counts (or any up to max when n is SIZE_MAX)
   into v. */
static int
get_counts(const json_t *o, const char *field, uint64_t *v, size_t n,
    struct nlp_err *e)
{
	const json_t *a = json_object_get(o, field);
	size_t i;
	int rc;

	if (a == NULL)
		return bad(e, field, "is missing");
	if (!json_is_array(a) || json_array_size(a) != n) {
		char what[64];
		snprintf(what, sizeof what, "is not an array of %zu counts", n);
		return bad(e, field, what);
	}
	for (i = 0; i < n; i++)
		if ((rc = get_count(json_array_get(a, i), field, &v[i], e)) !=
		    NLP_OK)
			return rc;
	return NLP_OK;
}

/* Array field of at most max entries. */
static int
get_array(const json_t *o, const char *field, size_t max, const json_t **a,
    struct nlp_err *e)
{
	char what[64];

	*a = json_object_get(o, field);
	if (*a == NULL)
		return bad(e, field, "is missing");
	if (!json_is_array(*a))
		return bad(e, field, "is not an array");
	if (json_array_size(*a) > max) {
		snprintf(what, sizeof what, "has more than %zu entries", max);
		return bad(e, field, what);
	}
	return NLP_OK;
}

/* [[key, count], ...] into map m (keys distinct). */
static int
get_pairs(const json_t *o, const char *field, size_t max,
    struct nlp_strmap *m, struct nlp_err *e)
{
	const json_t *a, *x;
	struct nlp_strmap_entry *en;
	size_t i;
	int rc;

	if ((rc = get_array(o, field, max, &a, e)) != NLP_OK)
		return rc;
	json_array_foreach(a, i, x) {
		const json_t *k = json_array_get(x, 0);
		size_t n0 = m->n;

		if (!json_is_array(x) || json_array_size(x) != 2 ||
		    !json_is_string(k))
			return bad(e, field, "has an entry that is not "
			    "[string, count]");
		if ((en = nlp_strmap_add(m, json_string_value(k),
		    json_string_length(k))) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		if (m->n == n0)
			return bad(e, field, "has a key twice");
		if ((rc = get_count(json_array_get(x, 1), field, &en->value,
		    e)) != NLP_OK)
			return rc;
	}
	return NLP_OK;
}

static int
get_samples(struct nlp_drift_pass *p, const json_t *o, size_t keep,
    struct nlp_err *e)
{
	const json_t *a, *x;
	uint64_t t = 0, c = 0;
	size_t i;
	int rc;

	if ((rc = get_array(o, "length_sample", NLP_PROFILE_SAMPLE, &a, e)) !=
	    NLP_OK)
		return rc;
	if (json_array_size(a) > 0 && (p->prof.sample = malloc(
	    json_array_size(a) * sizeof *p->prof.sample)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	p->prof.sample_cap = json_array_size(a);
	json_array_foreach(a, i, x) {
		struct nlp_length_sample *s = &p->prof.sample[i];
		if (!json_is_array(x) || json_array_size(x) < 3 ||
		    json_array_size(x) > 4)
			return bad(e, "length_sample", "has an entry that is "
			    "not [hash, tokens, chars] or [hash, tokens, chars, "
			    "count]");
		if ((rc = get_hash(json_array_get(x, 0), "length_sample",
		    &s->hash, e)) != NLP_OK ||
		    (rc = get_count(json_array_get(x, 1), "length_sample", &t,
		    e)) != NLP_OK ||
		    (rc = get_count(json_array_get(x, 2), "length_sample", &c,
		    e)) != NLP_OK ||
		    (rc = get_copies(x, 3, "length_sample", &s->count, e)) !=
		    NLP_OK)
			return rc;
		if (t > UINT32_MAX || c > UINT32_MAX)
			return bad(e, "length_sample", "has a length out of "
			    "range");
		s->tokens = (uint32_t)t;
		s->chars = (uint32_t)c;
		p->prof.nsample++;
	}
	if ((rc = get_array(o, "confidence", NLP_PROFILE_SAMPLE, &a, e)) !=
	    NLP_OK)
		return rc;
	if (json_array_size(a) > 0 && (p->conf.v = malloc(json_array_size(a) *
	    sizeof *p->conf.v)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	p->conf.cap = json_array_size(a);
	json_array_foreach(a, i, x) {
		const json_t *v = json_array_get(x, 1);
		if (!json_is_array(x) || json_array_size(x) < 2 ||
		    json_array_size(x) > 3 || !json_is_number(v) ||
		    !(json_number_value(v) >= 0 && json_number_value(v) <= 1))
			return bad(e, "confidence", "has an entry that is not "
			    "[hash, probability] or [hash, probability, count]");
		if ((rc = get_hash(json_array_get(x, 0), "confidence",
		    &p->conf.v[i].hash, e)) != NLP_OK ||
		    (rc = get_copies(x, 2, "confidence", &p->conf.v[i].count,
		    e)) != NLP_OK)
			return rc;
		p->conf.v[i].v = json_number_value(v);
		p->conf.n++;
	}
	if ((rc = get_array(o, "texts", keep, &a, e)) != NLP_OK)
		return rc;
	if (json_array_size(a) > 0 && (p->texts.v = calloc(json_array_size(a),
	    sizeof *p->texts.v)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	p->texts.cap = json_array_size(a);
	json_array_foreach(a, i, x) {
		const json_t *s = json_array_get(x, 1);
		if (!json_is_array(x) || json_array_size(x) != 2 ||
		    !json_is_string(s) || json_string_length(s) >
		    NLP_DRIFT_TEXT_BYTES || strlen(json_string_value(s)) !=
		    json_string_length(s))
			return bad(e, "texts", "has an entry that is not "
			    "[hash, text]");
		if ((rc = get_hash(json_array_get(x, 0), "texts",
		    &p->texts.v[i].hash, e)) != NLP_OK)
			return rc;
		/* a text kept whole is its hash's (one cut to
		   NLP_DRIFT_TEXT_BYTES, on a character, keeps 3 bytes less at
		   most): one changed under it would be compared as if read */
		if (json_string_length(s) + 3 < NLP_DRIFT_TEXT_BYTES &&
		    nlp_xxh64(json_string_value(s), json_string_length(s),
		    p->seed) != p->texts.v[i].hash)
			return bad(e, "texts", "has a text that is not its hash's "
			    "(changed by hand?)");
		if ((p->texts.v[i].text = strdup(json_string_value(s))) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		p->texts.n++;
	}
	return NLP_OK;
}

static int
get_model(struct nlp_drift_pass *p, const json_t *o,
    const struct nlp_model *m, struct nlp_err *e)
{
	const json_t *cm = json_object_get(o, "confusion");
	int rc;

	if (m == NULL)
		return NLP_OK;
	if (!json_is_object(cm))
		return bad(e, "confusion", "is missing or not an object");
	if ((rc = get_counts(o, "predicted", p->pred, m->nclasses, e)) !=
	    NLP_OK ||
	    (rc = get_counts(cm, "tp", p->cm.tp, m->nclasses, e)) != NLP_OK ||
	    (rc = get_counts(cm, "pred", p->cm.pred, m->nclasses, e)) !=
	    NLP_OK ||
	    (rc = get_counts(cm, "gold", p->cm.gold, m->nclasses, e)) !=
	    NLP_OK ||
	    (rc = get_count(json_object_get(cm, "n"), "confusion", &p->cm.n,
	    e)) != NLP_OK ||
	    (rc = get_count(json_object_get(cm, "correct"), "confusion",
	    &p->cm.correct, e)) != NLP_OK)
		return rc;
	return NLP_OK;
}

/* What the part was made under, against what it is merged under. */
static int
check_id(const json_t *o, const struct nlp_drift_shard_id *id,
    struct nlp_err *e)
{
	const char *f = json_string_value(json_object_get(o, "format"));
	const char *sha = json_string_value(json_object_get(o,
	    "model_sha256"));
	const char *seed = json_string_value(json_object_get(o, "seed"));
	const json_t *ms = json_object_get(o, "max_sample");
	char want[24];

	if (f == NULL || strcmp(f, NLP_DRIFT_SHARD_FORMAT) != 0)
		return nlp_errf(e, NLP_DATA, "not a profile written by "
		    "`nlpops predict --profile-out`");
	if (json_integer_value(json_object_get(o, "schema")) !=
	    NLP_DRIFT_SHARD_SCHEMA)
		return nlp_errf(e, NLP_DATA, "profile schema is not %d (another "
		    "nlpops wrote it)", NLP_DRIFT_SHARD_SCHEMA);
	if (sha == NULL || strcmp(sha, id->model_sha256) != 0)
		return nlp_errf(e, NLP_DATA, "written under another model "
		    "(artifact SHA-256 %.12s, -m's is %.12s)", sha ? sha : "?",
		    id->model_sha256);
	snprintf(want, sizeof want, "%" PRIu64, id->seed);
	if (seed == NULL || strcmp(seed, want) != 0)
		return nlp_errf(e, NLP_DATA, "written with seed %s, not %s",
		    seed ? seed : "?", want);
	if (!json_is_integer(ms) ||
	    json_integer_value(ms) != (json_int_t)id->max_sample)
		return nlp_errf(e, NLP_DATA, "written with --max-sample %lld, "
		    "not %zu", (long long)json_integer_value(ms),
		    id->max_sample);
	return NLP_OK;
}

/*
 * The confusion counts against one another and the pass's (those of a
 * single-label model's scored records; a multi-label model's are zero):
 * each scored record a prediction, each with a known gold label a gold
 * count too, its hits the class's right answers.
 */
static int
confusion_consistent(const struct nlp_drift_pass *p,
    const struct nlp_model *m, struct nlp_err *e)
{
	uint64_t gold = 0, pred = 0, tp = 0;
	size_t c;

	for (c = 0; c < m->nclasses; c++) {
		if (p->cm.tp[c] > p->cm.gold[c] || p->cm.tp[c] > p->cm.pred[c])
			return bad(e, "confusion", "has a class right more often "
			    "than it was the gold label or the prediction");
		gold += p->cm.gold[c];
		pred += p->cm.pred[c];
		tp += p->cm.tp[c];
	}
	if (gold != p->cm.n || tp != p->cm.correct || tp != p->correct ||
	    pred != p->scored || p->cm.n > p->scored)
		return bad(e, "confusion", "does not add up to the records "
		    "scored and the right answers");
	return NLP_OK;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Do two of the n entries (size bytes each, at base) hold the same 64-bit
 * hash at offset off?  (n is at most a sample's size.) */
static int
dup_hash(const void *base, size_t n, size_t size, size_t off)
{
	uint64_t *h;
	size_t i;
	int dup = 0;

	if (n < 2 || (h = malloc(n * sizeof *h)) == NULL)
		return 0;    /* out of memory: not checked */
	for (i = 0; i < n; i++)
		memcpy(&h[i], (const char *)base + i * size + off, sizeof *h);
	qsort(h, n, sizeof *h, cmp_u64);
	for (i = 1; i < n && !dup; i++)
		dup = h[i] == h[i - 1];
	free(h);
	return dup;
}

/*
 * Counts that contradict one another (each a count, and within 2^53, by
 * now): a profile edited or damaged, whose merge would report shares
 * past 1 or rates past 100%.
 */
static int
consistent(const struct nlp_drift_pass *p, size_t ntop,
    const struct nlp_model *m, struct nlp_err *e)
{
	uint64_t th = 0, ch = 0, pr = 0;
	size_t i;
	int rc;

	for (i = 0; i < NLP_PROFILE_BINS; i++) {
		th += p->prof.tok_hist[i];
		ch += p->prof.char_hist[i];
	}
	if (p->oov > p->tokens)
		return bad(e, "oov", "is more than the tokens");
	/* each record a pass reads is one document of its profile */
	if (p->prof.docs != p->records)
		return bad(e, "docs", "is not the records' count");
	if (p->prof.token_docs > p->prof.tokens)
		return bad(e, "token_docs", "is more than the tokens");
	if (p->prof.empty > p->prof.docs)
		return bad(e, "empty", "is more than the documents");
	if (p->prof.bad_utf8 > p->prof.docs)
		return bad(e, "bad_utf8", "is more than the documents");
	if (p->scored > p->records || p->correct > p->scored)
		return bad(e, "correct", "is more than scored, or scored more "
		    "than the records");
	if (m != NULL && (rc = confusion_consistent(p, m, e)) != NLP_OK)
		return rc;
	if (dup_hash(p->prof.sample, p->prof.nsample, sizeof *p->prof.sample,
	    offsetof(struct nlp_length_sample, hash)) ||
	    dup_hash(p->conf.v, p->conf.n, sizeof *p->conf.v,
	    offsetof(struct nlp_drift_number, hash)) ||
	    dup_hash(p->texts.v, p->texts.n, sizeof *p->texts.v,
	    offsetof(struct nlp_drift_kept, hash)))
		return bad(e, "length_sample, confidence or texts", "holds a "
		    "text twice (a sample holds each text once)");
	if (p->texts.n > p->prof.docs)
		return bad(e, "texts", "holds more texts than the documents");
	if (th != p->prof.docs)
		return bad(e, "token_length_hist", "does not add up to the "
		    "documents");
	if (ch != p->prof.docs)
		return bad(e, "char_length_hist", "does not add up to the "
		    "documents");
	for (i = 0; i < ntop; i++)
		if (p->topcnt[i] > p->prof.docs)
			return bad(e, "top", "has a count past the documents");
	/* a text's one class, or (multi-label) each class at most once */
	for (i = 0; m != NULL && i < m->nclasses; i++) {
		pr = m->multilabel ? p->pred[i] : pr + p->pred[i];
		if (pr > p->records)
			return bad(e, "predicted", "counts more texts than the "
			    "records");
	}
	/* the samples' copies: records of the part, each counted once
	   (checked as they add up: each at most 2^53, no sum wraps) */
	for (i = 0, pr = 0; i < p->prof.nsample; i++)
		if ((pr += p->prof.sample[i].count) > p->prof.docs)
			return bad(e, "length_sample", "counts more texts than "
			    "the documents");
	/* a bottom-k sample with room for more holds every text: one that
	   holds fewer was cut (by hand), and would skew the lengths */
	if (p->prof.nsample < NLP_PROFILE_SAMPLE && pr != p->prof.docs)
		return bad(e, "length_sample", "holds fewer texts than the "
		    "documents though it has room for more");
	for (i = 0, pr = 0; i < p->conf.n; i++)
		if ((pr += p->conf.v[i].count) > p->records)
			return bad(e, "confidence", "counts more texts than the "
			    "records");
	/* ... and every text with a token the model scored */
	if (m != NULL && p->conf.n < NLP_PROFILE_SAMPLE &&
	    pr != p->prof.docs - p->prof.empty)
		return bad(e, "confidence", "holds fewer texts than were "
		    "scored though it has room for more");
	return NLP_OK;
}

/* An optional count (a profile written before it was kept: 0). */
static int
get_optional(const json_t *c, const char *field, uint64_t *v,
    struct nlp_err *e)
{
	const json_t *x = json_object_get(c, field);

	*v = 0;
	return x == NULL ? NLP_OK : get_count(x, field, v, e);
}

/* An optional "FILE:LINE" string into at (absent: ""). */
static int
get_where(const json_t *o, const char *field, char *at, size_t size,
    struct nlp_err *e)
{
	const json_t *x = json_object_get(o, field);

	at[0] = '\0';
	if (x == NULL)
		return NLP_OK;
	if (!json_is_string(x) || json_string_length(x) >= size ||
	    strlen(json_string_value(x)) != json_string_length(x))
		return bad(e, field, "is not a string of a file and line");
	memcpy(at, json_string_value(x), json_string_length(x) + 1);
	return NLP_OK;
}

/* A part's fields into p. */
static int
parse(struct nlp_drift_pass *p, const json_t *o,
    const struct nlp_drift_shard_id *id, const struct nlp_drift_pass_opts *po,
    struct nlp_err *e)
{
	const json_t *c;
	size_t ntop = po->top != NULL ? po->top->n : 0;
	int rc;

	if (!json_is_object(o))
		return nlp_errf(e, NLP_DATA, "not a profile: not a JSON object");
	if ((rc = check_id(o, id, e)) != NLP_OK)
		return rc;
	c = json_object_get(o, "counts");
	if (!json_is_object(c))
		return bad(e, "counts", "is missing or not an object");
#define GET_COUNT(name, v) \
	if ((rc = get_count(json_object_get(c, #name), #name, &(v), e)) != \
	    NLP_OK) \
		return rc;
	PASS_COUNTS(GET_COUNT)
#undef GET_COUNT
	if ((rc = get_optional(c, "malformed", &p->malformed, e)) != NLP_OK ||
	    (rc = get_optional(c, "json_like", &p->json_like, e)) != NLP_OK ||
	    (rc = get_optional(c, "text_empty", &p->text_empty, e)) != NLP_OK ||
	    (rc = get_where(o, "malformed_at", p->malformed_at,
	    sizeof p->malformed_at, e)) != NLP_OK ||
	    (rc = get_where(o, "text_empty_at", p->text_empty_at,
	    sizeof p->text_empty_at, e)) != NLP_OK)
		return rc;
	if (p->malformed > p->records || p->text_empty > p->records ||
	    p->json_like > p->records)
		return bad(e, "counts", "counts more records read as empty "
		    "texts than records");
	if ((rc = get_counts(o, "token_length_hist", p->prof.tok_hist,
	    NLP_PROFILE_BINS, e)) != NLP_OK ||
	    (rc = get_counts(o, "char_length_hist", p->prof.char_hist,
	    NLP_PROFILE_BINS, e)) != NLP_OK ||
	    (rc = get_counts(o, "top", p->topcnt, ntop, e)) != NLP_OK ||
	    (rc = get_hash(json_object_get(o, "new_tokens_max"),
	    "new_tokens_max", &p->fresh_max, e)) != NLP_OK ||
	    (rc = get_pairs(o, "new_tokens", NLP_DRIFT_NEW_TOKENS_MAX,
	    &p->fresh, e)) != NLP_OK ||
	    (rc = get_pairs(o, "gold", SIZE_MAX, &p->gold, e)) != NLP_OK ||
	    (rc = get_samples(p, o, po->keep, e)) != NLP_OK ||
	    (rc = get_model(p, o, po->model, e)) != NLP_OK)
		return rc;
	return consistent(p, ntop, po->model, e);
}

/* The bytes of a part as jansson reads them, hashed on the way. */
struct hashing_read {
	FILE *fp;
	struct nlp_sha256 *h;
};

static size_t
read_hashing(void *buf, size_t n, void *arg)
{
	struct hashing_read *r = arg;
	size_t k = fread(buf, 1, n, r->fp);

	if (k == 0 && ferror(r->fp))
		return (size_t)-1;
	if (r->h != NULL)
		nlp_sha256_update(r->h, buf, k);
	return k;
}

int
nlp_drift_shard_read(struct nlp_drift_pass *p, const char *path,
    const struct nlp_drift_shard_id *id, const struct nlp_drift_pass_opts *po,
    char *sha256, struct nlp_err *e)
{
	json_error_t je;
	json_t *o;
	unsigned long mark;
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct hashing_read hr;
	int rc;

	if (sha256 != NULL)
		sha256[0] = '\0';
	if (fp == NULL)
		return nlp_errnof(e, NLP_IO, errno, "cannot open '%s'", path);
	hr.fp = fp;
	hr.h = sha256 != NULL ? nlp_sha256_new() : NULL;
	mark = nlp_json_watch();
	o = json_load_callback(read_hashing, &hr, JSON_REJECT_DUPLICATES, &je);
	if (hr.h != NULL) {
		/* the rest, past the JSON (json_loadf's own check refuses
		   anything but white space there) */
		char buf[4096];
		size_t k;
		while (o != NULL && (k = read_hashing(buf, sizeof buf, &hr)) >
		    0 && k != (size_t)-1)
			;
		nlp_sha256_final(hr.h, sha256);     /* and frees it */
	}
	if (o == NULL && ferror(fp))
		rc = nlp_errnof(e, NLP_IO, errno ? errno : EIO, "cannot read "
		    "'%s'", path);
	/* out of memory in jansson: not a part damaged (a good one thrown
	   away as corrupt) */
	else if (nlp_json_failed_since(mark))
		rc = nlp_errf(e, NLP_IO, "'%s': out of memory", path);
	else if (o == NULL)
		rc = nlp_errf(e, NLP_DATA, "'%s': not a profile: line %d: %s",
		    path, je.line, je.text);
	else if ((rc = parse(p, o, id, po, e)) != NLP_OK)
		nlp_err_prefix(e, "'%s'", path);
	if (fp != stdin)
		fclose(fp);
	json_decref(o);
	return rc;
}
