/*
 * drift.c - the reference, the run and the verdict (see drift.h): the
 * pass over the current text (drift_pass.h), its signals
 * (drift_signal.h) and the domain classifier (drift_domain.h), put
 * together into one report.
 */
#include "drift.h"

#include <sys/stat.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact.h"
#include "digest.h"
#include "drift_domain.h"
#include "drift_pass.h"
#include "drift_shard.h"
#include "drift_signal.h"
#include "stats.h"
#include "text.h"

void
nlp_drift_opts_init(struct nlp_drift_opts *o)
{
	static const struct nlp_drift_opts defaults = {
		.max_sample = 2000, .small = 1000, .permutations = 20,
		.alpha = 0.05, .effect = 0.1, .share_effect = 0.05, .auc = 0.55,
		.drift_share = 0.5, .max_accuracy_drop = 0.05,
		.seed = 1, .threads = 1,
	};

	*o = defaults;
}

/* Split NUL-separated texts into ref->texts (ref keeps the buffer). */
static int
split_texts(struct nlp_drift_ref *ref, char *buf, size_t len)
{
	size_t i, n = 0, start = 0;

	ref->text_buf = buf;
	for (i = 0; i < len; i++)
		n += buf[i] == '\0';
	if ((ref->texts = calloc(n + 1, sizeof *ref->texts)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (buf[i] != '\0')
			continue;
		ref->texts[ref->ntexts++] = buf + start;
		start = i + 1;
	}
	return 0;
}

/* Is s[0..n) well-formed UTF-8 (text.h)? */
static int
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	for (; i < n; i += k)
		if ((k = nlp_utf8_char(s + i, n - i, &cp)) == 0)
			return 0;
	return 1;
}

/*
 * The model's labels become keys of the report's JSON, and the sample's
 * texts are tokenized as UTF-8: both must be.  The sample is texts, each
 * NUL-terminated.
 */
static int
check_model_and_sample(const struct nlp_model *m, const unsigned char *sp,
    size_t slen, struct nlp_err *e)
{
	size_t i, start;

	for (i = 0; m != NULL && i < m->nclasses; i++)
		if (!utf8_valid((const unsigned char *)m->labels[i],
		    strlen(m->labels[i])))
			return nlp_errf(e, NLP_DATA, "member 'weights': label %zu is "
			    "not UTF-8", i + 1);
	if (slen > 0 && sp[slen - 1] != '\0')
		return nlp_errf(e, NLP_DATA, "member 'sample': the last text is "
		    "not NUL-terminated");
	for (i = 0, start = 0; i < slen; i++) {
		if (sp[i] != '\0')
			continue;
		if (!utf8_valid(sp + start, i - start))
			return nlp_errf(e, NLP_DATA, "member 'sample': text at byte "
			    "%zu is not UTF-8", start);
		start = i + 1;
	}
	return NLP_OK;
}

int
nlp_drift_ref_from_members(struct nlp_drift_ref *ref, const struct nlp_model *m,
    const void *profile, size_t plen, const void *sample, size_t slen,
    struct nlp_err *e)
{
	char *buf;
	int rc;

	memset(ref, 0, sizeof *ref);
	ref->model = m;
	if ((rc = nlp_profile_parse(&ref->profile, profile, plen, e)) != NLP_OK ||
	    (rc = check_model_and_sample(m, sample, slen, e)) != NLP_OK)
		goto fail;
	if ((buf = malloc(slen + 1)) == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto fail;
	}
	memcpy(buf, sample, slen);
	if (split_texts(ref, buf, slen) < 0) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto fail;
	}
	return NLP_OK;
fail:
	nlp_drift_ref_release(ref);
	return rc;
}

int
nlp_drift_ref_from_artifact(struct nlp_drift_ref *ref,
    const struct nlp_artifact *a, const struct nlp_model *m,
    const char *display, struct nlp_err *e)
{
	const void *pd, *sd;
	size_t pl, sl;
	int rc;

	memset(ref, 0, sizeof *ref);
	if (nlp_artifact_member(a, "profile", &pd, &pl, e) != NLP_OK ||
	    nlp_artifact_member(a, "sample", &sd, &sl, e) != NLP_OK)
		return nlp_errf(e, NLP_DATA, "%s has no text profile (made by an "
		    "older nlpops?): retrain it, or use --reference FILE",
		    display);
	rc = nlp_drift_ref_from_members(ref, m, pd, pl, sd, sl, e);
	/* "'m.nlp': member 'profile': field 'docs' is ..." */
	if (rc == NLP_DATA)
		nlp_err_prefix(e, "'%s'", display);
	return rc;
}

void
nlp_drift_ref_release(struct nlp_drift_ref *ref)
{
	nlp_profile_stored_release(&ref->profile);
	free(ref->texts);
	free(ref->text_buf);
	memset(ref, 0, sizeof *ref);
}

/* The reference pass's profile, written as train writes it (the labels
   its records had, if any) and read back. */
static int
profile_of(struct nlp_drift_ref *ref, struct nlp_drift_pass *p,
    struct nlp_err *e)
{
	struct nlp_profile_model pm;
	const char **labels = calloc(p->gold.n + 1, sizeof *labels);
	uint64_t *counts = calloc(p->gold.n + 1, sizeof *counts);
	char *prof = NULL;
	size_t i;
	int rc;

	memset(&pm, 0, sizeof pm);
	if (labels == NULL || counts == NULL) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < p->gold.n; i++) {
		labels[i] = p->gold.ent[i].key;
		counts[i] = p->gold.ent[i].value;
	}
	pm.labels = labels;
	pm.label_counts = counts;
	pm.nclasses = (uint32_t)p->gold.n;
	if ((prof = nlp_profile_json(&p->prof, &pm)) == NULL)
		rc = nlp_errf(e, NLP_IO, "out of memory");
	else
		rc = nlp_profile_parse(&ref->profile, prof, strlen(prof), e);
out:
	free(prof);
	free(labels);
	free(counts);
	return rc;
}

/* The reference pass's sample texts, NUL-separated, into ref->texts. */
static int
texts_of(struct nlp_drift_ref *ref, const struct nlp_drift_pass *p)
{
	size_t i, len = 0;
	char *buf;

	for (i = 0; i < p->texts.n; i++)
		len += strlen(p->texts.v[i].text) + 1;
	if ((buf = malloc(len + 1)) == NULL)
		return -1;
	for (i = 0, len = 0; i < p->texts.n; i++) {
		size_t l = strlen(p->texts.v[i].text) + 1;
		memcpy(buf + len, p->texts.v[i].text, l);
		len += l;
	}
	/* ref owns buf now, whatever happens */
	return split_texts(ref, buf, len);
}

/* The error of a pass p whose every record is a TSV line with an empty
 * text column ("label<TAB>"): empty texts compared would be a false
 * alarm. */
static int
text_column_empty(const struct nlp_drift_pass *p, const char *what,
    struct nlp_err *e)
{
	return nlp_errf(e, NLP_DATA, "%s: the TSV text column is empty on all "
	    "%llu records (first at %s: does each line end in a TAB? see "
	    "--format and the text column)", what,
	    (unsigned long long)p->records, p->text_empty_at);
}

/* The error of a pass p that found no text: what, and why (empty: the
 * guess when the input held nothing). */
static int
no_text(const struct nlp_drift_pass *p, const char *what, const char *empty,
    struct nlp_err *e)
{
	if (p->skipped[0] != '\0')
		return nlp_errf(e, NLP_DATA, "%s: the input holds no record but "
		    "those the reading skipped: %s", what, p->skipped);
	if (p->unlabeled > 0)   /* parts' */
		return nlp_errf(e, NLP_DATA, "%s: the input holds no record but "
		    "%llu that labeled reading skips (no valid label, or "
		    "malformed)", what, (unsigned long long)p->unlabeled);
	return nlp_errf(e, NLP_DATA, "%s: the input holds no record (%s)",
	    what, empty);
}

/* NLP_OK if the pass p has text to compare, else its error (what: "no
 * reference text"...; empty: the guess when the input held nothing).
 * Nothing to compare is not "no drift", and every record without its
 * text (a log written without its texts, the wrong --format), empty
 * texts compared, would be a false alarm. */
static int
has_text(const struct nlp_drift_pass *p, const char *what, const char *empty,
    struct nlp_err *e)
{
	if (p->records == 0)
		return no_text(p, what, empty, e);
	if (p->malformed == p->records)
		return nlp_errf(e, NLP_DATA, "%s: all %llu records are "
		    "malformed, none has its text (first at %s; see --format "
		    "and the text column or field)", what,
		    (unsigned long long)p->records, p->malformed_at);
	if (p->text_empty >= p->records)
		return text_column_empty(p, what, e);
	return NLP_OK;
}

int
nlp_drift_ref_from_files(struct nlp_drift_ref *ref, const char *const *paths,
    size_t n, const struct nlp_reader_opts *ro, const struct nlp_drift_opts *o,
    struct nlp_err *e)
{
	struct nlp_drift_pass_opts po;
	struct nlp_drift_pass p;
	int rc;

	memset(ref, 0, sizeof *ref);
	memset(&p, 0, sizeof p);
	memset(&po, 0, sizeof po);
	po.keep = o->max_sample;
	po.seed = o->seed ^ 1;
	po.threads = o->threads;
	if ((rc = nlp_drift_pass_run(&p, paths, n, ro, &po, e)) != NLP_OK)
		goto out;
	if ((rc = has_text(&p, "no reference text", "an empty file?", e)) ==
	    NLP_OK && (rc = profile_of(ref, &p, e)) == NLP_OK &&
	    texts_of(ref, &p) < 0)
		rc = nlp_errf(e, NLP_IO, "out of memory");
	if (rc == NLP_OK) {
		ref->records = p.records;
		ref->malformed = p.malformed;
		ref->unlabeled = p.unlabeled;
		ref->json_like = p.json_like;
		memcpy(ref->malformed_at, p.malformed_at, sizeof ref->malformed_at);
		_Static_assert(sizeof ref->bare_cr == sizeof p.bare_cr,
		    "the reference keeps the pass's words whole");
		memcpy(ref->bare_cr, p.bare_cr, sizeof ref->bare_cr);
	}
out:
	if (rc != NLP_OK)
		nlp_drift_ref_release(ref);
	nlp_drift_pass_release(&p);
	return rc;
}

/* A text's place in a list, for distinct(). */
struct placed {
	const char *s;
	size_t at;
};

static int
cmp_placed(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c != 0 ? c : (x->at > y->at) - (x->at < y->at);
}

/* The first copy of each text of v[0..n) into out, in v's order; the
 * count, or (size_t)-1 when out of memory. */
static size_t
distinct(const char *const *v, size_t n, const char **out)
{
	struct placed *p = malloc((n + 1) * sizeof *p);
	unsigned char *dup = calloc(n + 1, 1);
	size_t i, k = 0;

	if (p == NULL || dup == NULL) {
		free(p);
		free(dup);
		return (size_t)-1;
	}
	for (i = 0; i < n; i++)
		p[i] = (struct placed){ v[i], i };
	qsort(p, n, sizeof *p, cmp_placed);
	for (i = 1; i < n; i++)
		dup[p[i].at] = strcmp(p[i].s, p[i - 1].s) == 0;
	for (i = 0; i < n; i++)
		if (!dup[i])
			out[k++] = v[i];
	free(p);
	free(dup);
	return k;
}

/* A reference text's key for pick_reference(). */
struct keyed {
	uint64_t key;
	const char *s;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return strcmp(x->s, y->s);
}

/*
 * Put m of the n reference texts first, chosen by a hash salted with the
 * current texts (all of them, in any order): the reference's sample is in
 * the order of its own hash, and its first m were the same m every night
 * -- a day of 50 texts against the same 50, and a false alarm as often as
 * those 50 were unlike the rest (21% of nights for debian's, against the
 * 5% the permutation test stands for).  The same texts, the same choice:
 * a run repeats, and shards' merged profile chooses as one pass does.
 * -1 when out of memory.
 */
static int
pick_reference(const char **refs, size_t n, const char *const *cur,
    size_t ncur, size_t m)
{
	struct keyed *k;
	uint64_t salt = 0;
	size_t i;

	if (m >= n)
		return 0;
	if ((k = malloc(n * sizeof *k)) == NULL)
		return -1;
	for (i = 0; i < ncur; i++)
		salt += nlp_xxh64(cur[i], strlen(cur[i]), 0x646f6d);
	for (i = 0; i < n; i++)
		k[i] = (struct keyed){ nlp_xxh64(refs[i], strlen(refs[i]), salt),
		    refs[i] };
	qsort(k, n, sizeof *k, cmp_keyed);
	for (i = 0; i < n; i++)
		refs[i] = k[i].s;
	free(k);
	return 0;
}

/* The domain classifier on the reference's sample and the current one,
 * each without copies of a text (see texts_prune()); of a reference
 * larger than the current sample, a choice that changes with it. */
static int
domain(struct nlp_drift_report *r, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p, const struct nlp_drift_opts *o,
    struct nlp_err *e)
{
	const char **all = malloc((p->texts.n + 1) * sizeof *all),
	    **cur = malloc((p->texts.n + 1) * sizeof *cur),
	    **refs = malloc((ref->ntexts + 1) * sizeof *refs);
	size_t i, nref = (size_t)-1, ncur = (size_t)-1, m;
	int rc;

	for (i = 0; all != NULL && i < p->texts.n; i++)
		all[i] = p->texts.v[i].text;
	/* the current side too: texts the same in the bytes kept of them */
	if (all != NULL && cur != NULL && refs != NULL &&
	    (nref = distinct((const char *const *)ref->texts, ref->ntexts,
	    refs)) != (size_t)-1)
		ncur = distinct(all, p->texts.n, cur);
	m = nref < ncur ? nref : ncur;
	if (m > o->max_sample)
		m = o->max_sample;
	if (ncur == (size_t)-1 || pick_reference(refs, nref, cur, ncur, m) < 0) {
		rc = nlp_errf(e, NLP_IO, "out of memory");
	} else {
		/* the classifier's sample decides whether it is small */
		rc = nlp_drift_domain_run(&r->domain, refs, nref, cur, ncur,
		    m < o->small, o, e);
	}
	free(all);
	free(cur);
	free(refs);
	return rc;
}

/* The verdict: the domain classifier, concept drift, or enough signals;
   the warnings about the run. */
static void
decide(struct nlp_drift_report *r, const struct nlp_drift_pass *p,
    const struct nlp_drift_opts *o)
{
	struct nlp_drift_verdict *v = &r->verdict;
	size_t i;

	v->signals = r->nsignals;
	for (i = 0; i < r->nsignals; i++) {
		struct nlp_drift_signal *s = &r->signal[i];
		v->drifted += s->drifted;
		/* a day 30% blank, or a feed that broke its encoding, is the
		   input broken: drift on its own, not one vote of nine (the
		   texts' statistics leave blank records out) */
		s->broken = s->drifted && (strcmp(s->name, "empty_share") == 0 ||
		    strcmp(s->name, "bad_utf8_share") == 0) &&
		    s->sure_rise >= o->share_effect - 1e-9;
		v->quality_drift |= s->broken;
	}
	v->share = v->signals ? (double)v->drifted / (double)v->signals : 0;
	v->domain_drift = r->domain.drifted;
	v->drift = v->domain_drift || v->concept_drift || v->quality_drift ||
	    (v->signals > 0 && v->share >= o->drift_share);
	/* as far below chance as the threshold is above it: no chance
	   result (its spread is the same on both sides of 0.5), but held-out
	   texts scored by their copies, or near copies, on the other side,
	   learned in the other fold: the classifier is blind to such a pair.
	   Not said under -q: small samples of text with many near copies
	   (templated mail) get there without drift (3 of 30 halves of spam's
	   texts, 200 a side), where the verdict stands on the other signals */
	if (isfinite(r->domain.auc) && isfinite(r->domain.threshold) &&
	    r->domain.auc < 1 - r->domain.threshold)
		nlp_drift_warn(r, "domain AUC %.2f is below chance: the "
		    "sides share texts or near copies of them, and the domain "
		    "test cannot judge them", r->domain.auc);
	if (p->records < 100)
		nlp_drift_warn(r, "only %llu current record%s: below 100, every "
		    "test has little power", (unsigned long long)p->records,
		    p->records == 1 ? "" : "s");
	if (p->fresh_dropped > 0)
		nlp_drift_warn(r, "more than %d distinct new tokens: those "
		    "of smallest hash are itemized, %llu text counts of the "
		    "others are not", NLP_DRIFT_NEW_TOKENS_MAX,
		    (unsigned long long)p->fresh_dropped);
}

/* The most current confidences the reports draw (histograms()). */
#define CONF_DRAWN 16384.0

/* The values drawn for a text of count copies, at scale: at least one. */
static size_t
copies_drawn(uint64_t count, double scale)
{
	double k = nearbyint((double)count * scale);

	return k < 1 ? 1 : (size_t)k;
}

/* What reports draw: the length histograms, and with a model the label
   counts of each side and the confidences. */
static int
histograms(struct nlp_drift_histograms *h, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p)
{
	const struct nlp_profile_stored *prof = &ref->profile;
	const struct nlp_model *m = ref->model;
	size_t i, n, k, nc = 0;
	double total = 0, scale = 1;

	memcpy(h->length_bins, prof->length_bins, sizeof h->length_bins);
	memcpy(h->reference_token_length, prof->tok_hist, sizeof prof->tok_hist);
	memcpy(h->current_token_length, p->prof.tok_hist,
	    sizeof p->prof.tok_hist);
	memcpy(h->reference_char_length, prof->char_hist, sizeof prof->char_hist);
	memcpy(h->current_char_length, p->prof.char_hist,
	    sizeof p->prof.char_hist);
	if (m == NULL)
		return 0;
	n = prof->nconfidence;
	/* the current confidences, each text's as many times as it has
	   copies (the sample keeps one with its count), so many at most
	   that a day of one text repeated a million times draws the same
	   picture in CONF_DRAWN values */
	for (i = 0; i < p->conf.n; i++)
		total += (double)p->conf.v[i].count;
	if (total > CONF_DRAWN)
		scale = CONF_DRAWN / total;
	for (i = 0; i < p->conf.n; i++)
		nc += copies_drawn(p->conf.v[i].count, scale);
	if ((h->label_reference = malloc((m->nclasses + 1) * sizeof(double))) ==
	    NULL || (h->label_current = malloc((m->nclasses + 1) *
	    sizeof(uint64_t))) == NULL ||
	    (h->reference_confidence = malloc((n + 1) * sizeof(double))) ==
	    NULL || (h->current_confidence = malloc((nc + 1) *
	    sizeof(double))) == NULL)
		return -1;
	h->nlabels = m->nclasses;
	h->labels = (const char *const *)m->labels;
	h->label_predicted = nlp_drift_predicted_own(ref);
	for (i = 0; i < m->nclasses; i++) {
		h->label_reference[i] = nlp_drift_predicted_reference(ref, i);
		h->label_current[i] = p->pred[i];
	}
	h->has_reference_confidence = prof->has_confidence;
	if (n > 0)       /* a profile without confidences has no array */
		memcpy(h->reference_confidence, prof->confidence,
		    n * sizeof(double));
	h->nreference_confidence = n;
	for (i = 0, nc = 0; i < p->conf.n; i++)
		for (k = copies_drawn(p->conf.v[i].count, scale); k > 0; k--)
			h->current_confidence[nc++] = p->conf.v[i].v;
	if (nc > 1)
		qsort(h->current_confidence, nc, sizeof(double),
		    nlp_cmp_double);
	h->ncurrent_confidence = nc;
	return 0;
}

/*
 * More than half the labeled records carry gold labels the model never
 * learned: data for another model (or labels spelled otherwise), as eval
 * refuses it, not a verdict -- NLP_DATA naming the commonest of them.
 */
static int
foreign_labels(const struct nlp_drift_ref *ref, const struct nlp_drift_pass *p,
    struct nlp_err *e)
{
	uint64_t unknown = p->scored - p->cm.n, top[3] = { 0, 0, 0 };
	size_t i, k, at[3] = { 0, 0, 0 }, len = 0, labels = 0;
	char names[400];
	int n;

	if (ref->model == NULL || p->scored < p->cm.n || unknown * 2 <=
	    p->scored)
		return NLP_OK;
	for (i = 0; i < p->gold.n; i++) {
		uint64_t c = p->gold.ent[i].value;
		if (nlp_model_label_index(ref->model, p->gold.ent[i].key) >= 0)
			continue;
		labels++;
		for (k = 3; k > 0 && c > top[k - 1]; k--)
			if (k < 3) {
				top[k] = top[k - 1];
				at[k] = at[k - 1];
			}
		if (k < 3) {
			top[k] = c;
			at[k] = i;
		}
	}
	/* the commonest first, named without counts: these count the
	   records without text too, which the accuracy leaves out */
	names[0] = '\0';
	for (k = 0; k < 3 && top[k] > 0 && len < sizeof names; k++) {
		const char *l = p->gold.ent[at[k]].key;
		n = snprintf(names + len, sizeof names - len, "%s'%.*s'",
		    k ? ", " : "", (int)nlp_utf8_cut(l, strlen(l), 60), l);
		len += n > 0 ? (size_t)n : 0;
	}
	return nlp_errf(e, NLP_DATA, "%llu of %llu labeled records (%.0f%%) "
	    "have gold labels the model never learned (%s%s): is this data "
	    "for another model?", (unsigned long long)unknown,
	    (unsigned long long)p->scored, 100.0 * (double)unknown /
	    (double)p->scored, names, labels > 3 ? ", ..." : "");
}

/* The report of pass p against ref. */
static int
report(struct nlp_drift_report *r, const struct nlp_drift_ref *ref,
    const struct nlp_drift_pass *p, const struct nlp_drift_opts *o,
    struct nlp_err *e)
{
	int small = p->records <= o->small, rc;

	r->verdict.small = small;
	if ((rc = foreign_labels(ref, p, e)) != NLP_OK)
		return rc;
	if (nlp_drift_signals(r, ref, p, small, o) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = domain(r, ref, p, o, e)) != NLP_OK)
		return rc;
	decide(r, p, o);
	r->current_records = p->records;
	r->reference_records = ref->profile.docs;
	r->current_tokens = p->tokens ? p->tokens : p->prof.tokens;
	if (nlp_drift_token_changes(r, &ref->profile, p) < 0 ||
	    histograms(&r->hist, ref, p) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

void
nlp_drift_pass_opts_of(struct nlp_drift_pass_opts *po,
    const struct nlp_drift_ref *ref, const struct nlp_drift_opts *o)
{
	memset(po, 0, sizeof *po);
	/* the current text, counted against the reference's top tokens */
	po->model = ref->model;
	po->top = &ref->profile.top;
	po->keep = o->max_sample;
	po->seed = o->seed;
	po->threads = o->threads;
}

/* " (first at FILE:LINE)" when at is known (a part's profile made by
 * hand may not say): three arguments for "%s%s%s". */
#define AT(at) (at)[0] ? " (first at " : "", (at), (at)[0] ? ")" : ""

/* What the reading of the current text (of_ref 0) or of the reference
 * file (1) lost or changed: its figures stand on what was left (a
 * reference half of whose records lost their text was a false "drift:
 * yes"; a JSONL file read as plain text, a serve log named .log, has
 * every word of the report its keys' and values'). */
static void
read_warnings(struct nlp_drift_report *out, int of_ref, uint64_t records,
    uint64_t unlabeled, uint64_t json_like, uint64_t malformed,
    const char *malformed_at)
{
	const char *who = of_ref ? "the reference: " : "";

	if (unlabeled > 0)
		nlp_drift_warn_as(out, NLP_DRIFT_LOUD, "%s%llu record%s skipped "
		    "(no valid label, or malformed): %s of the %llu labeled",
		    who, (unsigned long long)unlabeled, unlabeled == 1 ? "" :
		    "s", of_ref ? "its figures are" : "the report is",
		    (unsigned long long)records);
	if (json_like > 0 && json_like * 2 > records)
		nlp_drift_warn_as(out, NLP_DRIFT_LOUD, "%s%llu of %llu records "
		    "are in the form of a JSON object, read as plain text%s",
		    who, (unsigned long long)json_like,
		    (unsigned long long)records, of_ref ? " (its format is "
		    "told by its name: a .jsonl one is read as JSONL, with "
		    "--text-field)" : ": give --format jsonl (and --text-field)"
		    " to read their text");
	if (malformed > 0)
		nlp_drift_warn_as(out, NLP_DRIFT_LOUD, "%s%llu of %llu records "
		    "are malformed and were read as empty texts%s%s%s", who,
		    (unsigned long long)malformed, (unsigned long long)records,
		    AT(malformed_at));
}

/* The report of the finished pass p (or the error rc it ended with). */
static int
report_of(struct nlp_drift_pass *p, int rc, const struct nlp_drift_ref *ref,
    const struct nlp_drift_opts *o, struct nlp_drift_report *out,
    struct nlp_err *e)
{
	if (rc == NLP_OK && (rc = has_text(p, "no current text to compare",
	    "an empty file, or an empty day?", e)) == NLP_OK &&
	    (rc = report(out, ref, p, o, e)) == NLP_OK) {
		/* a part's profile counts its reading's losses too */
		read_warnings(out, 0, p->records, p->unlabeled, p->json_like,
		    p->malformed, p->malformed_at);
		read_warnings(out, 1, ref->records, ref->unlabeled,
		    ref->json_like, ref->malformed, ref->malformed_at);
		if (p->bare_cr[0] != '\0')
			nlp_drift_warn_as(out, NLP_DRIFT_LOUD, "%s", p->bare_cr);
		if (ref->bare_cr[0] != '\0')
			nlp_drift_warn_as(out, NLP_DRIFT_LOUD, "the reference: %s",
			    ref->bare_cr);
	}
	if (rc != NLP_OK)
		nlp_drift_report_release(out);
	nlp_drift_pass_release(p);
	return rc;
}

int
nlp_drift_run(const struct nlp_drift_ref *ref, const char *const *paths,
    size_t npaths, const struct nlp_drift_opts *o,
    struct nlp_drift_report *out, struct nlp_err *e)
{
	struct nlp_drift_pass_opts po;
	struct nlp_drift_pass p;

	memset(out, 0, sizeof *out);
	out->domain.auc = out->domain.threshold = NAN;
	memset(&p, 0, sizeof p);
	nlp_drift_pass_opts_of(&po, ref, o);
	return report_of(&p, nlp_drift_pass_run(&p, paths, npaths, &o->reader,
	    &po, e), ref, o, out, e);
}

/*
 * The parts named twice: the same file under two names (standard input
 * redirected from one of them too) is an error (it would be counted
 * twice).  Files that cannot be read are left to the reading.  "-" is
 * standard input, which can be given once.  (Two files of the same bytes
 * are only warned of, once read: two parts of the same text give the
 * same profile, but so does one part kept twice.)
 */
static int
same_parts(const char *const *paths, size_t n, struct nlp_err *e)
{
	struct part {
		dev_t dev;
		ino_t ino;
		int seen;
	} *pt;
	size_t i, j;
	int rc = NLP_OK;

	if ((pt = calloc(n + 1, sizeof *pt)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	for (i = 0; i < n && rc == NLP_OK; i++) {
		struct stat sb;

		int in = strcmp(paths[i], "-") == 0;

		for (j = 0; in && j < i; j++)
			if (strcmp(paths[j], "-") == 0)
				rc = nlp_errf(e, NLP_USAGE, "'-' (standard "
				    "input) given twice: it holds one part");
		if (rc != NLP_OK || (in ? fstat(0, &sb) : stat(paths[i],
		    &sb)) != 0 || !S_ISREG(sb.st_mode))
			continue;
		pt[i].seen = 1;
		pt[i].dev = sb.st_dev;
		pt[i].ino = sb.st_ino;
		for (j = 0; j < i && rc == NLP_OK; j++)
			if (pt[j].seen && pt[j].dev == pt[i].dev &&
			    pt[j].ino == pt[i].ino)
				rc = nlp_errf(e, NLP_USAGE, "'%s' and '%s' are "
				    "the same file: a part merged twice would be "
				    "counted twice", paths[j], paths[i]);
	}
	free(pt);
	return rc;
}

int
nlp_drift_run_profiles(const struct nlp_drift_ref *ref,
    const char *const *paths, size_t npaths,
    const struct nlp_drift_shard_id *id, const struct nlp_drift_opts *o,
    struct nlp_drift_report *out, struct nlp_err *e)
{
	struct nlp_drift_pass_opts po;
	struct nlp_drift_pass p, part;
	/* each part's SHA-256, as read; dup: 1 + the first part of the
	   bytes of one before it (twin: 1 + that one) */
	char (*sha)[NLP_SHA256_HEX] = calloc(npaths + 1, sizeof *sha);
	size_t i, j, twin = 0, dup = 0;
	size_t gold = 0, plain = 0;     /* 1 + a part with, without labels */
	int rc = sha == NULL ? nlp_errf(e, NLP_IO, "out of memory") : NLP_OK;

	memset(out, 0, sizeof *out);
	out->domain.auc = out->domain.threshold = NAN;
	memset(&p, 0, sizeof p);
	nlp_drift_pass_opts_of(&po, ref, o);
	if (rc == NLP_OK && (rc = same_parts(paths, npaths, e)) ==
	    NLP_OK && nlp_drift_pass_init(&p, &po) < 0)
		rc = nlp_errf(e, NLP_IO, "out of memory");
	for (i = 0; i < npaths && rc == NLP_OK; i++) {
		memset(&part, 0, sizeof part);
		if (nlp_drift_pass_init(&part, &po) < 0)
			rc = nlp_errf(e, NLP_IO, "out of memory");
		else if ((rc = nlp_drift_shard_read(&part, paths[i], id, &po,
		    sha[i], e)) == NLP_OK && nlp_drift_pass_merge(&p, &part,
		    ref->model) < 0)
			rc = nlp_errf(e, NLP_IO, "out of memory");
		/* parts of no record are alike, and count nothing twice (two
		   hours without traffic) */
		for (j = 0; rc == NLP_OK && sha[i][0] != '\0' && j < i &&
		    part.records > 0 && dup == 0; j++)
			if (strcmp(sha[j], sha[i]) == 0) {
				dup = i + 1;
				twin = j + 1;
			}
		if (rc == NLP_OK && part.records > 0 && part.gold.n > 0 &&
		    gold == 0)
			gold = i + 1;
		if (rc == NLP_OK && part.records > 0 && part.gold.n == 0 &&
		    plain == 0)
			plain = i + 1;
		/* a part read with its gold labels and one without: no one
		   pass reads so (labeled reading skips what has none) */
		if (rc == NLP_OK && gold > 0 && plain > 0)
			rc = nlp_errf(e, NLP_DATA, "'%s' holds gold labels and "
			    "'%s' none: parts read in two ways (labeled TSV and "
			    "plain text?): give every part the same --format",
			    paths[gold - 1], paths[plain - 1]);
		nlp_drift_pass_release(&part);
	}
	if (rc == NLP_OK && nlp_drift_pass_finish(&p) < 0)
		rc = nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = report_of(&p, rc, ref, o, out, e)) == NLP_OK && dup > 0)
		nlp_drift_warn_as(out, NLP_DRIFT_LOUD,
		    "'%s' and '%s' hold the same profile: "
		    "its text is counted twice (one part kept twice?)",
		    paths[twin - 1], paths[dup - 1]);
	free(sha);
	return rc;
}

void
nlp_drift_report_release(struct nlp_drift_report *r)
{
	size_t i;

	for (i = 0; i < r->ngrew; i++)
		free(r->grew[i].token);
	for (i = 0; i < r->nshrank; i++)
		free(r->shrank[i].token);
	nlp_drift_domain_release(&r->domain);
	free(r->hist.label_reference);
	free(r->hist.label_current);
	free(r->hist.reference_confidence);
	free(r->hist.current_confidence);
	memset(r, 0, sizeof *r);
	r->domain.auc = r->domain.threshold = NAN;
}
