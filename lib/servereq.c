/*
 * servereq.c - requests to `nlpops serve` and the bodies answering them
 * (servereq.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonwatch.h"
#include "reader.h"
#include "servereq.h"
#include "text.h"

enum nlp_sreq_ctype
nlp_sreq_ctype(const char *ct)
{
	static const struct { const char *name; enum nlp_sreq_ctype t; } known[] = {
		{ "application/json", NLP_CT_JSON },
		{ "text/plain", NLP_CT_PLAIN },
	};
	const char *semi, *cs;
	size_t i, n;

	if (ct == NULL || ct[0] == '\0')
		return NLP_CT_JSON;
	n = (semi = strchr(ct, ';')) != NULL ? (size_t)(semi - ct) : strlen(ct);
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	/* a charset other than UTF-8 (or its subset, ASCII) would be read
	 * as UTF-8 all the same: refuse it rather than garble the text.  Each
	 * parameter name=value (value perhaps "quoted") after a ';': the
	 * charset's value whole, not a prefix (utf-8x), nor "charset=" inside
	 * another parameter's value */
	for (cs = semi; cs != NULL && *cs == ';'; ) {
		const char *name, *val;
		size_t nn, vn;
		cs++;
		cs += strspn(cs, " \t");
		name = cs;
		nn = strcspn(cs, "=;");
		while (nn > 0 && (name[nn - 1] == ' ' || name[nn - 1] == '\t'))
			nn--;
		cs += strcspn(cs, "=;");
		if (*cs != '=')
			continue;
		cs++;
		cs += strspn(cs, " \t");
		if (*cs == '"') {
			val = ++cs;
			vn = strcspn(cs, "\"");
			cs += vn + (cs[vn] == '"');
		} else {
			val = cs;
			vn = strcspn(cs, ";");
			while (vn > 0 && (val[vn - 1] == ' ' ||
			    val[vn - 1] == '\t'))
				vn--;
		}
		cs += strcspn(cs, ";");
		if (nn == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    !(vn == 5 && strncasecmp(val, "utf-8", 5) == 0) &&
		    !(vn == 4 && strncasecmp(val, "utf8", 4) == 0) &&
		    !(vn == 8 && strncasecmp(val, "us-ascii", 8) == 0))
			return NLP_CT_OTHER;
	}
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strlen(known[i].name) == n &&
		    strncasecmp(ct, known[i].name, n) == 0)
			return known[i].t;
	return NLP_CT_OTHER;
}

void
nlp_sreq_release(struct nlp_sreq *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		if (q->text != NULL)
			free(q->text[i]);
		if (q->id != NULL)
			free(q->id[i]);
	}
	free(q->text);
	free(q->len);
	free(q->id);
	free(q->flags);
	memset(q, 0, sizeof *q);
}

/* Room for n texts: 0 or -1. */
static int
make_room(struct nlp_sreq *q, size_t n)
{
	q->text = calloc(n, sizeof *q->text);
	q->len = calloc(n, sizeof *q->len);
	q->id = calloc(n, sizeof *q->id);
	q->flags = calloc(n, sizeof *q->flags);
	if (q->text == NULL || q->len == NULL || q->id == NULL ||
	    q->flags == NULL)
		return -1;
	return 0;
}

/* Text i: s[0..n) repaired (invalid UTF-8, NUL) into a copy, and cut
 * at NLP_RECORD_MAX bytes as predict cuts a record (reader.h): 0 or -1. */
static int
set_text(struct nlp_sreq *q, size_t i, const char *s, size_t n)
{
	size_t cap = n > NLP_RECORD_MAX / 3 ? NLP_RECORD_MAX : 3 * n;

	if ((q->text[i] = malloc(cap + 1)) == NULL)
		return -1;
	q->len[i] = nlp_utf8_repair_into(s, n, q->text[i], cap, &q->flags[i]);
	q->text[i][q->len[i]] = '\0';
	return 0;
}

/* A text/plain body: one text per line, as predict reads plain text. */
static int
parse_lines(struct nlp_sreq *q, const char *body, size_t len,
    struct nlp_err *e)
{
	const char *p = body, *end = body + len, *nl;
	size_t n = 0, i, l;

	for (nl = p; nl < end && (nl = memchr(nl, '\n', (size_t)(end - nl)));
	    nl++)
		n++;
	if (len > 0 && body[len - 1] != '\n')
		n++;                     /* a last line without its newline */
	if (n > NLP_SREQ_MAX_TEXTS)
		return nlp_errf(e, NLP_USAGE, "more than %d lines",
		    NLP_SREQ_MAX_TEXTS);
	q->kind = NLP_SREQ_LINES;
	if (make_room(q, n) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	q->n = n;
	for (i = 0; i < n; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		l = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (nl != NULL && l > 0 && p[l - 1] == '\r')
			l--;
		/* a UTF-8 byte order mark at a line's start, which predict
		   drops too (input.h): not the text's, nor the log's */
		if (l >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			p += 3;
			l -= 3;
		}
		if (set_text(q, i, p, l) < 0)
			return nlp_errf(e, NLP_IO, "out of memory");
		p = nl != NULL ? nl + 1 : end;
	}
	return NLP_OK;
}

/* An id: a string or an integer (JSON text in *out), null (NULL). */
static int
set_id(char **out, const json_t *v, const char *what, struct nlp_err *e)
{
	if (v == NULL || json_is_null(v))
		return NLP_OK;
	if (!json_is_string(v) && !json_is_integer(v))
		return nlp_errf(e, NLP_USAGE, "%s must be a string or an integer",
		    what);
	if ((*out = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	return NLP_OK;
}

/* "texts" (and "ids"): the texts of a batch. */
static int
parse_many(struct nlp_sreq *q, json_t *texts, json_t *ids, struct nlp_err *e)
{
	size_t i, n = json_array_size(texts);
	char what[64];
	int rc;

	if (!json_is_array(texts))
		return nlp_errf(e, NLP_USAGE, "\"texts\" must be an array of "
		    "strings");
	if (n == 0)
		return nlp_errf(e, NLP_USAGE, "\"texts\" is empty");
	if (n > NLP_SREQ_MAX_TEXTS)
		return nlp_errf(e, NLP_USAGE, "\"texts\" has more than %d texts",
		    NLP_SREQ_MAX_TEXTS);
	if (ids != NULL && (!json_is_array(ids) || json_array_size(ids) != n))
		return nlp_errf(e, NLP_USAGE, "\"ids\" must be an array as long "
		    "as \"texts\"");
	q->kind = NLP_SREQ_MANY;
	if (make_room(q, n) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	q->n = n;
	for (i = 0; i < n; i++) {
		json_t *t = json_array_get(texts, i);
		if (!json_is_string(t))
			return nlp_errf(e, NLP_USAGE, "\"texts\"[%zu] is not a "
			    "string", i);
		if (set_text(q, i, json_string_value(t), json_string_length(t)) < 0)
			return nlp_errf(e, NLP_IO, "out of memory");
		snprintf(what, sizeof what, "\"ids\"[%zu]", i);
		if (ids != NULL && (rc = set_id(&q->id[i], json_array_get(ids, i),
		    what, e)) != NLP_OK)
			return rc;
	}
	return NLP_OK;
}

/* "text" (and "id"): one text. */
static int
parse_one(struct nlp_sreq *q, json_t *text, json_t *id, struct nlp_err *e)
{
	if (!json_is_string(text))
		return nlp_errf(e, NLP_USAGE, "\"text\" must be a string");
	q->kind = NLP_SREQ_ONE;
	if (make_room(q, 1) < 0)
		return nlp_errf(e, NLP_IO, "out of memory");
	q->n = 1;
	if (set_text(q, 0, json_string_value(text), json_string_length(text)) <
	    0)
		return nlp_errf(e, NLP_IO, "out of memory");
	return set_id(&q->id[0], id, "\"id\"", e);
}

/* "k": an integer from 1 to 64. */
static int
parse_k(struct nlp_sreq *q, const json_t *k, struct nlp_err *e)
{
	if (k == NULL)
		return NLP_OK;
	if (!json_is_integer(k) || json_integer_value(k) < 1 ||
	    json_integer_value(k) > 64)
		return nlp_errf(e, NLP_USAGE, "\"k\" must be an integer from 1 to "
		    "64");
	q->k = (size_t)json_integer_value(k);
	return NLP_OK;
}

/* An application/json body. */
static int
parse_json(struct nlp_sreq *q, const char *body, size_t len,
    struct nlp_err *e)
{
	json_error_t jerr;
	json_t *root, *text, *texts;
	char *fixed = NULL;
	unsigned long mark;
	int rc;

	/* a lone surrogate's escape (a string cut inside a pair, as
	 * JSON.stringify writes it) becomes U+FFFD, as predict reads JSONL,
	 * rather than a 400: on a copy, when there may be one */
	if ((memmem(body, len, "\\ud", 3) != NULL ||
	    memmem(body, len, "\\uD", 3) != NULL)) {
		if ((fixed = malloc(len + 1)) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		memcpy(fixed, body, len);
		if (nlp_json_lone_surrogates(fixed, len) > 0)
			body = fixed;
	}
	mark = nlp_json_watch();
	root = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL |
	    JSON_REJECT_DUPLICATES, &jerr);
	free(fixed);
	/* out of memory in jansson: not the client's malformed JSON */
	if (nlp_json_failed_since(mark)) {
		json_decref(root);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	if (root == NULL)
		return nlp_errf(e, NLP_USAGE, "malformed JSON: %s (at byte %d)",
		    jerr.text, jerr.position);
	text = json_object_get(root, "text");
	texts = json_object_get(root, "texts");
	if (!json_is_object(root))
		rc = nlp_errf(e, NLP_USAGE, "the body must be a JSON object");
	else if (text != NULL && texts != NULL)
		rc = nlp_errf(e, NLP_USAGE, "both \"text\" and \"texts\": give one");
	else if (text == NULL && texts == NULL)
		rc = nlp_errf(e, NLP_USAGE, "no \"text\" or \"texts\"");
	else if (texts == NULL && json_object_get(root, "ids") != NULL)
		rc = nlp_errf(e, NLP_USAGE, "\"ids\" goes with \"texts\"; one "
		    "\"text\" takes an \"id\"");
	else if (text == NULL && json_object_get(root, "id") != NULL)
		rc = nlp_errf(e, NLP_USAGE, "\"texts\" take \"ids\", not an "
		    "\"id\"");
	else if ((rc = parse_k(q, json_object_get(root, "k"), e)) == NLP_OK)
		rc = text != NULL ? parse_one(q, text, json_object_get(root, "id"),
		    e) : parse_many(q, texts, json_object_get(root, "ids"), e);
	json_decref(root);
	return rc;
}

int
nlp_sreq_parse(struct nlp_sreq *q, enum nlp_sreq_ctype ct, const char *body,
    size_t len, struct nlp_err *e)
{
	memset(q, 0, sizeof *q);
	if (len == 0)
		return nlp_errf(e, NLP_USAGE, "empty body");
	if (ct == NLP_CT_PLAIN)
		return parse_lines(q, body, len, e);
	return parse_json(q, body, len, e);
}

/* The members that name the model: "model", "sha256". */
static void
model_members(struct nlp_buf *out, const struct nlp_sreq_model *mod)
{
	nlp_buf_lit(out, "\"model\":");
	nlp_buf_json_str(out, mod->display);
	nlp_buf_lit(out, ",\"sha256\":");
	nlp_buf_json_str(out, mod->sha256);
}

/* One text's JSON object (without model members), its result in *r. */
static int
answer_one(const struct nlp_sreq *q, size_t i, const struct nlp_predout *o,
    struct nlp_scorer *sc, float *probs, struct nlp_buf *out,
    struct nlp_sreq_result *r)
{
	uint32_t top;

	r->members = NULL;
	r->reason = nlp_predout_unscored(o, q->text[i], q->len[i], q->flags[i]);
	r->label = r->first = -1;
	r->p = 0;
	if (r->reason != NULL) {
		nlp_buf_put(out, "{", 1);
		nlp_predout_unscored_members(out, o, r->reason);
	} else {
		if (nlp_model_predict(o->m, sc, q->text[i], q->len[i], probs) < 0)
			return NLP_IO;
		size_t at;

		nlp_top_k(probs, o->m->nclasses, 1, &top);
		r->label = (int)top;
		r->first = nlp_predout_first(o, probs, top);
		r->p = probs[top];
		nlp_buf_put(out, "{", 1);
		at = out->len;
		nlp_predout_members(out, o, probs);
		if (o->m->multilabel && !out->failed)
			r->members = strndup(out->p + at, out->len - at);
	}
	if (q->flags[i] & NLP_REC_CUT)    /* scored on its first 1 MiB */
		nlp_buf_lit(out, ",\"cut\":true");
	if (q->id[i] != NULL) {
		nlp_buf_lit(out, ",\"id\":");
		nlp_buf_puts(out, q->id[i]);
	}
	return NLP_OK;
}

/* A multi-label model's answer as JSON members (r->members), or NULL. */
static char *
members_of(const struct nlp_predout *o, const float *probs)
{
	struct nlp_buf b = { 0 };
	char *s = NULL;

	nlp_predout_members(&b, o, probs);
	if (!b.failed)
		s = strndup(b.p, b.len);
	nlp_buf_release(&b);
	return s;
}

/* text/plain: TSV lines, as predict prints them. */
static int
answer_lines(const struct nlp_sreq *q, const struct nlp_predout *o,
    struct nlp_scorer *sc, float *probs, struct nlp_buf *out,
    struct nlp_sreq_result *res)
{
	struct nlp_sreq_result r;
	uint32_t top;
	size_t i;

	for (i = 0; i < q->n; i++) {
		r.members = NULL;
		r.reason = nlp_predout_unscored(o, q->text[i], q->len[i],
		    q->flags[i]);
		r.label = r.first = -1;
		r.p = 0;
		if (r.reason != NULL)
			nlp_predout_unscored_line(out, o, NULL, r.reason, 0);
		else if (nlp_model_predict(o->m, sc, q->text[i], q->len[i], probs)
		    < 0)
			return NLP_IO;
		else {
			nlp_top_k(probs, o->m->nclasses, 1, &top);
			r.label = (int)top;
			r.first = nlp_predout_first(o, probs, top);
			r.p = probs[top];
			nlp_predout_line(out, o, probs, NULL, 0);
			r.members = res != NULL && o->m->multilabel ?
			    members_of(o, probs) : NULL;
		}
		if (res != NULL)
			res[i] = r;
	}
	return NLP_OK;
}

/* application/json: one object, or {"results": [...]}, and the model. */
static int
answer_json(const struct nlp_sreq *q, const struct nlp_sreq_model *mod,
    const struct nlp_predout *o, struct nlp_scorer *sc, float *probs,
    struct nlp_buf *out, struct nlp_sreq_result *res)
{
	struct nlp_sreq_result r;
	size_t i;
	int rc = NLP_OK;

	if (q->kind == NLP_SREQ_MANY)
		nlp_buf_lit(out, "{\"results\":[");
	for (i = 0; i < q->n && rc == NLP_OK; i++) {
		if (i > 0)
			nlp_buf_put(out, ",", 1);
		rc = answer_one(q, i, o, sc, probs, out, &r);
		if (res != NULL)
			res[i] = r;
		else
			free(r.members);
		if (q->kind == NLP_SREQ_MANY)
			nlp_buf_put(out, "}", 1);
	}
	if (q->kind == NLP_SREQ_MANY)
		nlp_buf_lit(out, "],");
	else
		nlp_buf_put(out, ",", 1);
	model_members(out, mod);
	nlp_buf_lit(out, "}\n");
	return rc;
}

int
nlp_sreq_answer(const struct nlp_sreq *q, const struct nlp_sreq_model *mod,
    const struct nlp_predout *fmt, struct nlp_scorer *sc, float *probs,
    struct nlp_buf *out, struct nlp_sreq_result *res)
{
	struct nlp_predout o = *fmt;
	int rc;

	o.m = mod->m;
	o.jsonl = q->kind != NLP_SREQ_LINES;
	o.want_id = 0;
	if (q->k > 0)
		o.k = q->k;
	if (o.k == 0)
		o.k = mod->m->multilabel ? 64 : 1;
	if (o.k > mod->m->nclasses)
		o.k = mod->m->nclasses;
	rc = q->kind == NLP_SREQ_LINES ? answer_lines(q, &o, sc, probs, out,
	    res) : answer_json(q, mod, &o, sc, probs, out, res);
	return rc == NLP_OK && out->failed ? NLP_IO : rc;
}

void
nlp_sreq_error_body(struct nlp_buf *out, const char *msg)
{
	char ascii[sizeof ((struct nlp_err *)0)->msg];
	size_t i;

	/* a message may quote the request's bytes (jansson's "near ..."):
	 * ASCII only, so that the body stays valid JSON */
	for (i = 0; msg[i] != '\0' && i < sizeof ascii - 1; i++)
		ascii[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
	ascii[i] = '\0';
	nlp_buf_lit(out, "{\"error\":");
	nlp_buf_json_str(out, ascii);
	nlp_buf_lit(out, "}\n");
}
