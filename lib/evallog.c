/*
 * evallog.c - a prediction log joined by id to gold labels, and its
 * figures (see evallog.h).
 */
#include "evallog.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "input.h"
#include "jsonwatch.h"
#include "text.h"

#define LOG_LINE_CAP (16u << 20)   /* a line with a text of 1 MiB, escaped */
#define NONE UINT32_MAX

/* One id: its last log line's prediction, and whether gold has it. */
struct evallog_id {
	uint32_t label;          /* entry of labels; NONE: unscored */
	uint32_t model;          /* entry of models; NONE: not named */
	uint64_t line;           /* last log line with it; 0: not in the log */
	uint64_t gold_line;      /* the gold record with it; 0: none yet */
	const char *gold_src;    /* that record's file (the reader's paths) */
};

void
nlp_evallog_release(struct nlp_evallog *l)
{
	nlp_strmap_release(&l->ids);
	nlp_strmap_release(&l->labels);
	nlp_strmap_release(&l->models);
	free(l->id);
	free(l->gold);
	free(l->pred);
	free(l->model);
	nlp_labeled_release(&l->data);
	memset(l, 0, sizeof *l);
}

/* The entry for id s[0..n), its prediction slot made: NULL when out of
 * memory. */
static struct evallog_id *
id_entry(struct nlp_evallog *l, const char *s, size_t n)
{
	struct nlp_strmap_entry *en = nlp_strmap_add(&l->ids, s, n);
	size_t i, cap;
	void *p;

	if (en == NULL)
		return NULL;
	i = (size_t)(en - l->ids.ent);
	if (i >= l->id_cap) {
		cap = l->id_cap ? 2 * l->id_cap : 1024;
		if ((p = realloc(l->id, cap * sizeof *l->id)) == NULL)
			return NULL;
		l->id = p;
		memset(l->id + l->id_cap, 0, (cap - l->id_cap) * sizeof *l->id);
		l->id_cap = cap;
	}
	return &l->id[i];
}

/* The entry number of key s[0..n) in m: 0 or -1 when out of memory. */
static int
intern(struct nlp_strmap *m, const char *s, size_t n, uint32_t *out)
{
	struct nlp_strmap_entry *en = nlp_strmap_add(m, s, n);

	if (en == NULL)
		return -1;
	*out = (uint32_t)(en - m->ent);
	return 0;
}

/* An id's text into tmp: 1, 0 for null or "", -1 when it cannot be one. */
static int
id_text(const json_t *v, char tmp[32], const char **s, size_t *n)
{
	if (json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		snprintf(tmp, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		*s = tmp;
		*n = strlen(tmp);
		return 1;
	}
	if (!json_is_string(v))
		return -1;
	*s = json_string_value(v);
	*n = json_string_length(v);
	return *n > 0;
}

/* The prediction of object o (the line, or its shadow) into x: NULL, or
 * what is wrong. */
static const char *
take_prediction(struct nlp_evallog *l, const json_t *o, struct evallog_id *x)
{
	const json_t *lab = json_object_get(o, "label");
	const json_t *m = json_object_get(o, "model");
	const json_t *h = json_object_get(o, "sha256");
	char key[1024];
	int n;

	x->label = x->model = NONE;
	/* a multi-label model's answer: its "label" is one of a set, and
	   scoring it as the prediction would be a wrong figure */
	if (json_object_get(o, "labels") != NULL)
		return "a multi-label prediction (\"labels\"): --predictions "
		    "scores single-label predictions";
	if (lab == NULL || (!json_is_null(lab) && !json_is_string(lab)))
		return "no \"label\" string or null";
	if (json_is_string(lab) && intern(&l->labels, json_string_value(lab),
	    json_string_length(lab), &x->label) < 0)
		return "out of memory";
	if (!json_is_string(m))
		return NULL;
	n = snprintf(key, sizeof key, "%s%c%s", json_string_value(m), '\0',
	    json_is_string(h) ? json_string_value(h) : "");
	if (n < 0 || (size_t)n >= sizeof key)
		return NULL;            /* a name that long names nothing */
	return intern(&l->models, key, (size_t)n, &x->model) < 0 ?
	    "out of memory" : NULL;
}

/* One log line (not blank): NULL, or what is wrong with it. */
static const char *
log_line(struct nlp_evallog *l, const char *s, size_t len, uint64_t line,
    char *why, size_t size)
{
	struct evallog_id got, *x;
	const json_t *id, *sh;
	const char *idp = NULL, *bad;
	json_error_t jerr;
	json_t *root;
	size_t idn = 0;
	char tmp[32];
	int k = 0;
	unsigned long mark = nlp_json_watch();

	root = json_loadb(s, len, 0, &jerr);
	if (nlp_json_failed_since(mark)) {      /* not a line "not JSON" */
		json_decref(root);
		return "out of memory";
	}
	if (root == NULL) {
		snprintf(why, size, "not JSON: %s", jerr.text);
		return why;
	}
	bad = !json_is_object(root) ? "not a JSON object" :
	    (id = json_object_get(root, "id")) == NULL ? "no \"id\"" :
	    (k = id_text(id, tmp, &idp, &idn)) < 0 ?
	    "\"id\" is neither a string nor an integer nor null" : NULL;
	if (bad == NULL && (bad = take_prediction(l, root, &got)) == NULL &&
	    l->shadow) {
		sh = json_object_get(root, "shadow");
		if (json_is_object(sh))
			bad = take_prediction(l, sh, &got);
		else if (sh != NULL && !json_is_null(sh))
			bad = "\"shadow\" is not an object";
		else
			got.label = got.model = NONE;
	}
	l->c.lines++;
	if (bad == NULL && k == 0)
		l->c.no_id++;
	else if (bad == NULL && (x = id_entry(l, idp, idn)) == NULL)
		bad = "out of memory";
	else if (bad == NULL) {
		l->c.repeated += x->line > 0;
		l->c.ids += x->line == 0;
		x->label = got.label;
		x->model = got.model;
		x->line = line;
	}
	json_decref(root);
	return bad;
}

int
nlp_evallog_read(struct nlp_evallog *l, const char *path, int shadow,
    struct nlp_err *e)
{
	struct nlp_stream s;
	char why[256], buf[1024];
	const char *bad, *shown;
	size_t len;
	char *p;
	int cut, rv, rc;

	l->path = path;
	l->shadow = shadow;
	if ((rc = nlp_stream_open(&s, path, LOG_LINE_CAP, 1, e)) != NLP_OK) {
		nlp_stream_close(&s);
		return rc;
	}
	while ((rv = nlp_stream_line(&s, &p, &len, &cut, e)) > 0) {
		shown = nlp_input_shown(path, buf, sizeof buf);
		if (cut)
			rc = nlp_errf(e, NLP_DATA, "%s line %" PRIu64 ": longer "
			    "than %u MiB", shown, s.lineno, LOG_LINE_CAP >> 20);
		else if (len == 0 || strspn(p, " \t\r\f\v") == len)
			continue;
		else if ((bad = log_line(l, p, len, s.lineno, why, sizeof why)) !=
		    NULL)
			rc = nlp_errf(e, strcmp(bad, "out of memory") ? NLP_DATA :
			    NLP_IO, "%s line %" PRIu64 ": %s", shown, s.lineno, bad);
		if (rc != NLP_OK)
			break;
	}
	if (rc == NLP_OK && rv < 0)
		rc = -rv;
	if (rc == NLP_OK) {
		l->input.path = path;
		rc = nlp_stream_finish(&s, l->input.sha256, &l->input.bytes, e);
	}
	nlp_stream_close(&s);
	return rc;
}

/* Room for one more example: 0, or -1 when out of memory. */
static int
example_room(struct nlp_evallog *l)
{
	size_t cap = l->cap ? 2 * l->cap : 4096;
	void *p;

	if (l->n < l->cap)
		return 0;
	if ((p = realloc(l->gold, cap * sizeof *l->gold)) == NULL)
		return -1;
	l->gold = p;
	if ((p = realloc(l->pred, cap * sizeof *l->pred)) == NULL)
		return -1;
	l->pred = p;
	if ((p = realloc(l->model, cap * sizeof *l->model)) == NULL)
		return -1;
	l->model = p;
	l->cap = cap;
	return 0;
}

/* One gold record: joined, counted, or an error (a repeated id). */
static int
gold_record(struct nlp_evallog *l, const struct nlp_record *rec,
    struct nlp_err *e)
{
	char b1[1024], b2[1024];
	struct evallog_id *x;
	uint32_t g;

	if (rec->id == NULL || rec->id[0] == '\0')
		return nlp_errf(e, NLP_DATA, "%s line %" PRIu64 ": no id",
		    nlp_input_shown(rec->source, b1, sizeof b1), rec->line);
	if ((x = id_entry(l, rec->id, strlen(rec->id))) == NULL ||
	    intern(&l->labels, rec->labels[0], strlen(rec->labels[0]), &g) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	if (x->gold_line > 0)
		return nlp_errf(e, NLP_DATA, "%s line %" PRIu64 ": id '%.100s' "
		    "repeated (first at %s line %" PRIu64 ")",
		    nlp_input_shown(rec->source, b1, sizeof b1), rec->line, rec->id,
		    nlp_input_shown(x->gold_src, b2, sizeof b2), x->gold_line);
	x->gold_line = rec->line;
	x->gold_src = rec->source;
	l->c.gold++;
	if (x->line == 0) {
		l->c.no_prediction++;
		return NLP_OK;
	}
	if (x->label == NONE) {
		l->c.unscored++;
		return NLP_OK;
	}
	if (example_room(l) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	l->gold[l->n] = g;
	l->pred[l->n] = x->label;
	l->model[l->n++] = x->model;
	l->c.scored++;
	return NLP_OK;
}

/* The gold data's inputs and oddities, kept for the result (no texts). */
static int
gold_finish(struct nlp_evallog *l, const struct nlp_reader *r)
{
	const struct nlp_reader_stats *st = nlp_reader_stats(r);
	const struct nlp_input *in = nlp_reader_inputs(r, &l->data.ninputs);
	size_t i;

	nlp_reader_describe(st, l->data.oddities, sizeof l->data.oddities);
	nlp_reader_describe_losses(st, l->data.losses, sizeof l->data.losses);
	l->data.multilabel = st->skipped_multilabel;
	l->data.skipped = st->skipped_nolabel + st->skipped_multilabel +
	    st->skipped_malformed;
	l->data.n = l->n;
	if ((l->data.inputs = calloc(l->data.ninputs + 1,
	    sizeof *l->data.inputs)) == NULL)
		return -1;
	memcpy(l->data.inputs, in, l->data.ninputs * sizeof *in);
	for (i = 0; i < l->ids.n; i++)
		l->c.no_gold += l->id[i].line > 0 && l->id[i].gold_line == 0;
	return 0;
}

int
nlp_evallog_join(struct nlp_evallog *l, const char *const *paths, size_t n,
    const struct nlp_reader_opts *ro, struct nlp_err *e)
{
	struct nlp_reader_opts o = *ro;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	int rc;

	if (o.id_column == NULL && o.id_field == NULL)
		return nlp_errf(e, NLP_USAGE, "the gold data needs an id: give "
		    "--id-column or --id-field");
	o.labeled = 1;
	o.bad_label_error = 1;   /* as eval reads labeled data */
	o.text_optional = 1;     /* late labels: an id and a label suffice */
	if ((rc = nlp_reader_open(&r, paths, n, &o, e)) != NLP_OK)
		return rc;
	while ((rc = nlp_reader_next(r, &rec, e)) == NLP_OK && rec.text != NULL)
		if ((rc = gold_record(l, &rec, e)) != NLP_OK)
			break;
	if (rc == NLP_OK && gold_finish(l, r) < 0)
		rc = nlp_errf(e, NLP_IO, "out of memory");
	/* the paths outlive the reader: gold_src stays valid */
	nlp_reader_close(r);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The joined examples as eval's scores: labels sorted, the predicted
 * label's probability unknown (NaN) -- 0, or -1 when out of memory. */
static int
build_eval(struct nlp_eval *ev, const struct nlp_evallog *l)
{
	size_t i, nl = l->labels.n;
	uint32_t *rank = malloc((nl + 1) * sizeof *rank);
	char **key;

	memset(ev, 0, sizeof *ev);
	ev->labels = calloc(nl + 1, sizeof *ev->labels);
	ev->gold = calloc(l->n + 1, sizeof *ev->gold);
	ev->pred = calloc(l->n + 1, sizeof *ev->pred);
	ev->conf = calloc(l->n + 1, sizeof *ev->conf);
	ev->loss = calloc(l->n + 1, sizeof *ev->loss);
	if (rank == NULL || !ev->labels || !ev->gold || !ev->pred || !ev->conf ||
	    !ev->loss) {
		free(rank);
		nlp_eval_release(ev);
		return -1;
	}
	for (i = 0; i < nl; i++)
		ev->labels[i] = l->labels.ent[i].key;
	qsort(ev->labels, nl, sizeof *ev->labels, cmp_str);
	for (i = 0; i < nl; i++) {
		key = bsearch(&l->labels.ent[i].key, ev->labels, nl,
		    sizeof *ev->labels, cmp_str);
		rank[i] = (uint32_t)(key - ev->labels);
	}
	ev->nlabels = (uint32_t)nl;
	ev->n = l->n;
	for (i = 0; i < l->n; i++) {
		ev->gold[i] = rank[l->gold[i]];
		ev->pred[i] = rank[l->pred[i]];
		ev->conf[i] = NAN;
		ev->loss[i] = NAN;
	}
	free(rank);
	return 0;
}

/* The model the figures are of, into l->ref and l->sha256: the one the
 * joined lines name, "several models: a, b, ..." (no SHA-256), or the
 * log's name when the lines name none. */
static void
name_models(struct nlp_evallog *l)
{
	const char *first = NULL, *m;
	size_t i, k, len = 0, nm = 0;
	uint32_t seen[3];

	l->sha256[0] = '\0';
	for (i = 0; i < l->n; i++) {
		if (l->model[i] == NONE)
			continue;
		for (k = 0; k < nm && k < 3 && seen[k] != l->model[i]; k++)
			continue;
		if (k < nm && k < 3)
			continue;
		if (nm < 3)
			seen[nm] = l->model[i];
		nm++;
	}
	if (nm == 0) {
		snprintf(l->ref, sizeof l->ref, "%s", l->path);
		return;
	}
	first = l->models.ent[seen[0]].key;
	if (nm == 1) {
		snprintf(l->ref, sizeof l->ref, "%s", first);
		snprintf(l->sha256, sizeof l->sha256, "%s", first + strlen(first) +
		    1);
		return;
	}
	len = (size_t)snprintf(l->ref, sizeof l->ref, "several models:");
	for (k = 0; k < nm && k < 3 && len < sizeof l->ref; k++) {
		m = l->models.ent[seen[k]].key;
		len += (size_t)snprintf(l->ref + len, sizeof l->ref - len, "%s %s",
		    k ? "," : "", m);
	}
	if (nm > 3 && len < sizeof l->ref)
		snprintf(l->ref + len, sizeof l->ref - len, ", ...");
}

/* Up to 3 of the labels marked in `is` (entries of l->labels), quoted,
 * into buf. */
static void
some_labels(const struct nlp_evallog *l, const unsigned char *is, char *buf,
    size_t size)
{
	size_t i, len = 0, k = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < l->labels.n && len < size; i++) {
		if (!is[i])
			continue;
		const char *lab = l->labels.ent[i].key;
		n = k == 3 ? snprintf(buf + len, size - len, ", ...") :
		    snprintf(buf + len, size - len, "%s'%.*s'", k > 0 ? ", " :
		    "", (int)nlp_utf8_cut(lab, strlen(lab), 30), lab);
		len += n > 0 ? (size_t)n : 0;
		if (k++ == 3)
			break;
	}
}

/*
 * A log whose predicted labels are none of the gold labels, two or more of
 * each: the log of a model of other labels, or labels spelled otherwise
 * ("HAM" for "ham"), not a model that got every example wrong -- NLP_DATA
 * rather than a verdict.  (One gold label, or one predicted, can be a
 * small sample's bad luck.)  NLP_OK otherwise.
 */
static int
disjoint_labels(const struct nlp_evallog *l, struct nlp_err *e)
{
	unsigned char *g = calloc(2 * (l->labels.n + 1), 1), *p;
	size_t i, ng = 0, np = 0;
	char gs[160], ps[160];

	if (g == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	p = g + l->labels.n + 1;
	for (i = 0; i < l->n; i++) {
		ng += !g[l->gold[i]];
		np += !p[l->pred[i]];
		g[l->gold[i]] = p[l->pred[i]] = 1;
	}
	for (i = 0; i < l->labels.n && !(g[i] && p[i]); i++)
		;
	if (i < l->labels.n || ng < 2 || np < 2) {
		free(g);
		return NLP_OK;
	}
	some_labels(l, p, ps, sizeof ps);
	some_labels(l, g, gs, sizeof gs);
	free(g);
	return nlp_errf(e, NLP_DATA, "none of the %zu labels '%s' predicts (%s) "
	    "is one of the %zu gold labels (%s): a log of a model of other "
	    "labels, or labels spelled otherwise?", np, l->path, ps, ng, gs);
}

/* What --predictions cannot do: NLP_USAGE, or NLP_OK. */
static int
refuse(const struct nlp_eval_opts *o, struct nlp_err *e)
{
	size_t i;

	if (o->errors > 0)
		return nlp_errf(e, NLP_USAGE, "--errors needs the texts and the "
		    "probabilities of a model");
	for (i = 0; i < o->ngates; i++)
		if (nlp_gate_needs_model(o->gates[i].kind))
			return nlp_errf(e, NLP_USAGE, "%s cannot be decided on a "
			    "prediction log", nlp_gate_name(o->gates[i].kind));
	return NLP_OK;
}

/* The shadow's answers a --shadow gate needs, unless it answered every
 * record (a sample of fewer says too little). */
#define SHADOW_MIN 30

/*
 * Gold records the log has no prediction for (no line with their id, or a
 * line without a label: an empty text) are records the figures leave
 * out, as the reader's skipped ones are: past the share gates allow, the
 * gates decide nothing.  A log of part of the day must not pass a gate on
 * that part.  The shadow's answers are a sample by design (it skips
 * texts under load): there, only the lines missing count, and the sample
 * must hold SHADOW_MIN answers or every record.
 */
static void
unjoined(struct nlp_eval_result *r, const struct nlp_evallog *l)
{
	uint64_t unscored = l->shadow ? 0 : l->c.unscored;
	uint64_t missing = l->c.no_prediction + unscored;
	uint64_t total = l->c.gold + l->data.skipped;
	size_t i;

	if (!r->decisive)
		return;
	/* a sample, but not one of a handful: a shadow that answered 1 of
	   200 records passed a gate on that one */
	if (l->shadow && l->c.scored < SHADOW_MIN && l->c.unscored > 0) {
		r->decisive = 0;
		snprintf(r->undecided, sizeof r->undecided, "the shadow answered "
		    "%llu of the %llu gold records the log has (its answers are "
		    "a sample of the traffic): fewer than %d, too few to decide "
		    "on", (unsigned long long)l->c.scored,
		    (unsigned long long)(l->c.scored + l->c.unscored),
		    SHADOW_MIN);
		goto undecided;
	}
	if ((missing + l->data.skipped) * 100 <= total *
	    NLP_MAX_SKIPPED_PERCENT)
		return;
	r->decisive = 0;
	/* the share the rule is about, said: with skipped records too, the
	   missing ones alone may be under it */
	if (l->data.skipped > 0)
		snprintf(r->undecided, sizeof r->undecided, "%llu of %llu gold "
		    "records have no prediction in the log (%llu no line, %llu "
		    "no label) and %llu skipped: %.1f%% left out, more "
		    "than the %d%% gates allow", (unsigned long long)missing,
		    (unsigned long long)total,
		    (unsigned long long)l->c.no_prediction,
		    (unsigned long long)unscored,
		    (unsigned long long)l->data.skipped, 100.0 *
		    (double)(missing + l->data.skipped) / (double)total,
		    NLP_MAX_SKIPPED_PERCENT);
	else
		snprintf(r->undecided, sizeof r->undecided, "%llu of %llu gold "
		    "records (%.1f%%) have no prediction in the log (%llu no "
		    "line, %llu no label), more than the %d%% gates allow",
		    (unsigned long long)missing, (unsigned long long)total,
		    100.0 * (double)missing / (double)total,
		    (unsigned long long)l->c.no_prediction,
		    (unsigned long long)unscored, NLP_MAX_SKIPPED_PERCENT);
undecided:
	for (i = 0; i < r->ngates; i++)
		r->gates[i].passed = -1;
}

int
nlp_evallog_evaluate(struct nlp_eval_result *r, struct nlp_evallog *l,
    const struct nlp_eval_opts *o, struct nlp_err *e)
{
	struct nlp_eval ev;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = refuse(o, e)) != NLP_OK)
		return rc;
	if (l->n == 0) {
		/* ids of both sides that never met: one of each shown, for
		   the difference that keeps them apart ('7' against '7.0') */
		const char *lid = NULL, *gid = NULL;
		size_t i;
		for (i = 0; i < l->ids.n && (lid == NULL || gid == NULL); i++) {
			if (lid == NULL && l->id[i].line > 0)
				lid = l->ids.ent[i].key;
			if (gid == NULL && l->id[i].gold_line > 0)
				gid = l->ids.ent[i].key;
		}
		if (lid != NULL && gid != NULL)
			return nlp_errf(e, NLP_DATA, "no gold record joins a "
			    "scored prediction (%" PRIu64 " gold records, %"
			    PRIu64 " ids in the log; ids compare as text: the "
			    "log's such as '%.40s', the gold data's such as "
			    "'%.40s')", l->c.gold, l->c.ids, lid, gid);
		return nlp_errf(e, NLP_DATA, "no gold record joins a scored "
		    "prediction (%" PRIu64 " gold records, %" PRIu64 " ids in "
		    "the log)", l->c.gold, l->c.ids);
	}
	if ((rc = disjoint_labels(l, e)) != NLP_OK)
		return rc;
	if (build_eval(&ev, l) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	r->inputs = l->data.inputs;
	r->ninputs = l->data.ninputs;
	r->skipped = l->data.oddities;
	r->losses = l->data.losses;
	r->records_skipped = l->data.skipped;
	r->gate_on_lower = o->gate_on_lower;
	r->joined = &l->c;
	r->log = &l->input;
	r->log_shadow = l->shadow;
	if (nlp_eval_measure(&r->model, &ev) != 0)
		goto nomem;
	name_models(l);
	r->model.ref = l->ref;
	r->model.sha256 = l->sha256[0] != '\0' ? l->sha256 : NULL;
	r->model.log_loss = r->model.ece = NAN;
	memset(r->model.bins, 0, sizeof r->model.bins);
	snprintf(r->model.seen_why, sizeof r->model.seen_why, "the figures "
	    "come from a prediction log, not a model");
	if (o->bootstrap > 0 && nlp_eval_bootstrap(&r->bootstrap, &ev, NULL,
	    o->bootstrap, o->seed) != 0)
		goto nomem;
	if ((rc = nlp_eval_conclude(r, &ev, &l->data, o, e)) == NLP_OK)
		unjoined(r, l);
	goto out;
nomem:
	rc = nlp_errf(e, NLP_IO, "out of memory");
out:
	nlp_eval_release(&ev);
	if (rc != NLP_OK)
		nlp_eval_result_release(r);
	return rc;
}
