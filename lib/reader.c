/*
 * reader.c - the record reader behind train, eval, predict and drift: turns
 * files or stdin, compressed or not, into labeled or unlabeled text
 * records, repairing what it can and counting every oddity (see reader.h).
 *
 * Bytes come as lines from input.h (read, hashed, decompressed, a line
 * longer than line_cap cut there), and are mostly used in place.  Text is
 * cut again at max_record, on a character boundary, when it is made the
 * record's text.
 *
 * What the header leaves open, decided here:
 * - TSV, labeled, no columns given: the label is what comes before the
 *   first TAB and the text everything after it (TABs included); a line
 *   without a TAB has no label.  With columns given, fields are split at
 *   every TAB, and a line with too few of them is malformed.
 * - TSV, unlabeled, no text column given: the text is the last column (the
 *   whole line when it has no TAB).
 * - TSV columns are 1-based numbers; a name is a usage error (no header).
 *   But a labeled file's first line whose label and text fields are both
 *   column names of the kind tables are exported with ("label<TAB>text",
 *   "category<TAB>review") is a header, skipped and counted (tsv_header()).
 *   When only one of the label and text columns is given, the other is
 *   the first column not taken.
 * - CSV columns are looked up by header name (case-insensitive, white
 *   space around names ignored), then as 1-based numbers.  Blank lines before
 *   the header are ignored.  A quote opens a quoted field only at the
 *   start of the field; elsewhere, and after the closing quote, it is
 *   text -- but a quoted field of several lines that closes before more
 *   text makes the record malformed (a stray quote took the rows between).
 * - A blank line (empty, or white space only) gives a blank record:
 *   skipped when labeled, empty text when not.
 * - A UTF-8 byte order mark at the start of a line is dropped (input.c).
 * - Labels are trimmed; an empty label is no label; a label with a control
 *   character (C0, DEL, C1) or invalid UTF-8 makes the record malformed,
 *   or is an error with bad_label_error; a label repeated on one record
 *   counts once.  JSON numbers and booleans are labels by their text.  In
 *   a JSONL line that had invalid UTF-8, a label holding U+FFFD counts as
 *   invalid UTF-8 (the repair before parsing may have put it there).
 * - Unlabeled mode: a record whose requested id column or field is
 *   missing keeps its text, with an empty id, and is counted (no_id); a
 *   malformed record keeps its id when it has one.  Labeled mode: a
 *   missing id column or field makes the record malformed.
 * - A JSON number as an id is its text in the line, byte for byte, and a
 *   JSONL line with an integer too large for 64 bits is still read.
 * - JSONL lines are repaired (invalid UTF-8, NUL) before parsing; a JSONL
 *   line longer than line_cap cannot be parsed and is cut and malformed.
 * - Oddities of records that are skipped anyway (no label, malformed) are
 *   not counted: their text is never looked at.
 */
#include "reader.h"
#include "token.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "digest.h"
#include "input.h"
#include "jsonwatch.h"
#include "text.h"

_Static_assert(NLP_REC_BAD_UTF8 == NLP_UTF8_BAD && NLP_REC_NUL == NLP_UTF8_NUL &&
    NLP_REC_CUT == NLP_UTF8_CUT, "text.h's repair flags are the records'");

#define MAX_RECORD   NLP_RECORD_MAX /* default max_record */
#define LINE_SLACK   (64 * 1024)    /* room for labels, ids, syntax */
#define MAX_COLUMN   1000000L       /* largest column number taken */


/* Columns (0-based) or these. */
#define COL_NONE (-1L)   /* not asked for */
#define COL_LAST (-2L)   /* unlabeled TSV: the last column */
#define COL_REST (-3L)   /* labeled TSV: everything after the first TAB */

enum { TEXT, LABEL, ID, NSLOT };

/* What a parser makes of a record; errors are negative statuses. */
enum {
	V_KEEP,
	V_BLANK,
	V_NOLABEL,
	V_MULTI,
	V_MALFORMED,
	V_NOID,         /* json_id(): no id of its own */
	V_BADLABEL,     /* a label with a control character or bad UTF-8 */
	V_HEADER,       /* a labeled TSV file's first line, a header */
	V_END,          /* no record: the input is over */
};

struct buf {
	char *p;
	size_t len, cap;
};

struct nlp_reader {
	const char *const *paths;
	size_t npaths, ipath;
	struct nlp_reader_opts o;
	char *own[6];            /* copies of the option strings */
	const char *spec[NSLOT]; /* text, label, id column as given */
	const char *field[NSLOT];/* JSONL field names */
	int allow_multi;
	size_t max_record, line_cap;

	/* The input being read. */
	int active;
	const char *path;
	enum nlp_format fmt;
	int header;
	char no_text[1];         /* the empty text of a record without one
	                            (set_text() ends it with a NUL) */
	long tsv_label;          /* TSV: the label's column its header named
	                            (tsv_header_columns()), or COL_NONE */
	/* the lines of column names the TSV inputs began with, to know one
	   again later (exports concatenated): copies, and their lengths */
	char **hdr_lines;
	size_t *hdr_lens;
	size_t nhdr_lines;
	struct nlp_stream s;     /* its bytes, as lines (input.h) */
	long col[NSLOT];

	struct buf out, id, tmp, lab, hdr, f[NSLOT];
	size_t nhdr;             /* CSV: the header's fields, in hdr */
	const char *hdr_text, *hdr_label; /* their names there, or NULL */
	size_t nlab, labcap, *laboff;
	const char **labptr;
	/*
	 * The record's labels as a hash set, so that spotting a repeated
	 * label takes constant time, not a scan of those before it (a line
	 * of 80000 fastText labels took seconds): a slot holds a label's
	 * number + 1 and the generation (record) that put it there, so
	 * starting a record empties the set in one step.
	 */
	struct labslot { uint32_t gen, idx; } *labset;
	size_t labset_cap;
	uint32_t labgen;
	int gold_bad;            /* gold mode: a label of the record was bad */
	int no_id;               /* the record at hand has no id of its own */
	int text_empty;          /* a TSV line with columns, its text's empty */
	int wide;                /* its text from the last of more than two
	                            TSV columns, none chosen */
	/* JSONL: the line had invalid UTF-8, replaced before parsing */
	int json_repaired;
	int json_overflow;       /* the line has an integer past 64 bits,
	                            read as a real */
	int cr_inside;           /* the line holds a CR that ends no line:
	                            lines that end in CR alone, read as one */
	uint64_t quote_line;     /* CSV: the line where the open quote opened */
	uint64_t stray_quote;    /* CSV: the line where a quoted field of
	                            several lines opened that closed before
	                            more text (a stray quote), or 0 */
	int csv_cut;
	const char *why;
	char whybuf[256];

	struct nlp_input *inputs;
	size_t ninputs, inputs_cap;
	struct nlp_reader_stats st;
	int failed;
	struct nlp_err err;
};

/* Format names for --format, and file name extensions for AUTO. */
static const struct {
	const char *name;
	enum nlp_format f;
} formats[] = {
	/* The first name of each format is its name. */
	{ "auto", NLP_FMT_AUTO },
	{ "plain", NLP_FMT_PLAIN },
	{ "txt", NLP_FMT_PLAIN },
	{ "tsv", NLP_FMT_TSV },
	{ "csv", NLP_FMT_CSV },
	{ "jsonl", NLP_FMT_JSONL },
	{ "json", NLP_FMT_JSONL },
	{ "fasttext", NLP_FMT_FASTTEXT },
	{ "ft", NLP_FMT_FASTTEXT },
}, extensions[] = {
	{ ".tsv", NLP_FMT_TSV },
	{ ".csv", NLP_FMT_CSV },
	{ ".jsonl", NLP_FMT_JSONL },
	{ ".ndjson", NLP_FMT_JSONL },
	{ ".ft", NLP_FMT_FASTTEXT },
	{ ".fasttext", NLP_FMT_FASTTEXT },
};

int
nlp_format_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof formats / sizeof formats[0]; i++)
		if (strcasecmp(name, formats[i].name) == 0)
			return (int)formats[i].f;
	return -1;
}

const char *
nlp_format_name(enum nlp_format f)
{
	size_t i;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (formats[i].f == f)
			return formats[i].name;
	return "unknown";
}

/* Whether s[0..len) ends with suffix, ignoring case. */
static int
ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len > n && strncasecmp(s + len - n, suffix, n) == 0;
}

enum nlp_format
nlp_format_guess(const char *path, int labeled)
{
	const char *z = path != NULL ? nlp_compressed_suffix(path) : NULL;
	size_t i, len = path != NULL ? strlen(path) : 0;

	if (z != NULL)
		len -= strlen(z);
	for (i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
		if (ends_with(path, len, extensions[i].name))
			return extensions[i].f;
	return labeled ? NLP_FMT_TSV : NLP_FMT_PLAIN;
}

size_t
nlp_utf8_repair(const char *src, size_t len, char *dst, unsigned *flags)
{
	unsigned f = 0;
	size_t n;

	n = nlp_utf8_repair_into(src, len, dst, SIZE_MAX, &f);
	if (flags != NULL)
		*flags |= f & (NLP_REC_BAD_UTF8 | NLP_REC_NUL);
	return n;
}

/*
 * Buffers and errors.
 */

/* Make room in b for n more bytes and a NUL; -1 when out of memory. */
static int
buf_room(struct buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (__builtin_add_overflow(b->len, n, &need) ||
	    __builtin_add_overflow(need, 1, &need))
		return -1;
	if (need <= b->cap)
		return 0;
	cap = b->cap > 0 ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Append s[0..n) to b, keeping it NUL-terminated. */
static int
buf_add(struct buf *b, const void *s, size_t n)
{
	if (buf_room(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* The error every failed allocation turns into. */
static int
oom(struct nlp_reader *r)
{
	return -nlp_errf(&r->err, NLP_IO, "out of memory");
}

/* Say why the record at hand is malformed; returns V_MALFORMED. */
static int __attribute__((format(printf, 2, 3)))
malformed(struct nlp_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->whybuf, sizeof r->whybuf, fmt, ap);
	va_end(ap);
	r->why = r->whybuf;
	return V_MALFORMED;
}

/* Parse a 1-based column number; 0 when s is not one. */
static long
column_number(const char *s)
{
	long n = 0;

	if (*s == '\0')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (*s - '0')) > MAX_COLUMN)
			return 0;
	return *s == '\0' ? n : 0;
}

/* Resolve the TSV columns of the options: numbers only (no header). */
static int
tsv_columns(struct nlp_reader *r)
{
	long n[NSLOT];
	int i;

	for (i = 0; i < NSLOT; i++) {
		n[i] = r->spec[i] != NULL ? column_number(r->spec[i]) : 0;
		if (r->spec[i] != NULL && n[i] == 0)
			return -nlp_errf(&r->err, NLP_USAGE, "TSV columns are "
			    "numbers from 1, not '%s' (TSV has no header)",
			    r->spec[i]);
	}
	if (!r->o.labeled) {
		if (n[TEXT] > 0 && n[TEXT] == n[ID])
			return -nlp_errf(&r->err, NLP_USAGE, "text and id cannot "
			    "both be column %ld", n[TEXT]);
		r->col[TEXT] = n[TEXT] > 0 ? n[TEXT] - 1 : COL_LAST;
		r->col[LABEL] = COL_NONE;
	} else if (n[TEXT] == 0 && n[LABEL] == 0) {
		r->col[LABEL] = 0;
		r->col[TEXT] = COL_REST;
	} else {
		if (n[LABEL] == 0)
			n[LABEL] = n[TEXT] == 1 ? 2 : 1;
		if (n[TEXT] == 0)
			n[TEXT] = n[LABEL] == 1 ? 2 : 1;
		if (n[TEXT] == n[LABEL])
			return -nlp_errf(&r->err, NLP_USAGE, "label and text "
			    "cannot both be column %ld", n[TEXT]);
		r->col[LABEL] = n[LABEL] - 1;
		r->col[TEXT] = n[TEXT] - 1;
	}
	r->col[ID] = n[ID] > 0 ? n[ID] - 1 : COL_NONE;
	/* ids taken for labels: every example wrong, a report of one class
	 * per id, and no error */
	if (r->o.labeled && r->col[ID] != COL_NONE &&
	    r->col[LABEL] == r->col[ID]) {
		char where[1024];
		return -nlp_errf(&r->err, NLP_USAGE, "%s: label and id cannot "
		    "both be column %ld%s", nlp_input_shown(r->path, where,
		    sizeof where), n[ID], n[LABEL] == 0 ? " (the label's by "
		    "default: give --label-column, and --text-column)" : "");
	}
	return 0;
}

/*
 * Open the next input: the file or stdin (input.h), its format and
 * columns.
 */
/*
 * A column option when no input has columns, or a JSONL field option when
 * no input is JSONL, would be ignored (an --id-field on plain text put an
 * empty column before every line): a usage error naming both.  With
 * inputs of several formats each option serves those of its kind.
 */
static int
options_fit(struct nlp_reader *r)
{
	static const char *const col[] = { "--text-column", "--label-column",
		"--id-column" };
	static const char *const fld[] = { "--text-field", "--label-field",
		"--id-field" };
	const char *c[3] = { r->o.text_column, r->o.label_column,
		r->o.id_column };
	const char *f[3] = { r->o.text_field, r->o.label_field,
		r->o.id_field };
	int columns = 0, jsonl = 0, i;
	enum nlp_format fmt, first = NLP_FMT_PLAIN;
	const char *others = r->npaths > 1 || r->o.also_format !=
	    NLP_FMT_AUTO ? " (nor is any other input)" : "";
	char where[1024];
	size_t k;

	if (r->o.options_shared)
		return 0;
	for (k = 0; k < r->npaths; k++) {
		fmt = r->o.format != NLP_FMT_AUTO ? r->o.format :
		    nlp_format_guess(r->paths[k], r->o.labeled);
		if (k == 0)
			first = fmt;
		columns |= fmt == NLP_FMT_TSV || fmt == NLP_FMT_CSV;
		jsonl |= fmt == NLP_FMT_JSONL;
	}
	fmt = r->o.also_format;
	columns |= fmt == NLP_FMT_TSV || fmt == NLP_FMT_CSV;
	jsonl |= fmt == NLP_FMT_JSONL;
	for (i = 0; i < 3; i++) {
		if (c[i] != NULL && !columns)
			return -nlp_errf(&r->err, NLP_USAGE, "%s is read as %s, "
			    "not TSV or CSV%s: %s is for TSV and CSV (see "
			    "--format)", nlp_input_shown(r->paths[0], where,
			    sizeof where), nlp_format_name(first), others, col[i]);
		if (f[i] != NULL && !jsonl)
			return -nlp_errf(&r->err, NLP_USAGE, "%s is read as %s, "
			    "not JSONL%s: %s is for JSONL (see --format)",
			    nlp_input_shown(r->paths[0], where, sizeof where),
			    nlp_format_name(first), others, fld[i]);
	}
	return 0;
}

static int
input_open(struct nlp_reader *r)
{
	int rc;

	r->path = r->paths[r->ipath];
	r->header = 0;
	r->tsv_label = COL_NONE;
	r->active = 1;
	if ((rc = nlp_stream_open(&r->s, r->path, r->line_cap,
	    !r->o.no_digest, &r->err)) != NLP_OK)
		return -rc;
	r->fmt = r->o.format != NLP_FMT_AUTO ? r->o.format :
	    nlp_format_guess(r->path, r->o.labeled);
	if (r->fmt == NLP_FMT_TSV)
		return tsv_columns(r);
	r->header = r->fmt == NLP_FMT_CSV;
	return 0;
}

/* Release what the current input holds, read to its end or not. */
static void
input_close(struct nlp_reader *r)
{
	nlp_stream_close(&r->s);
	r->active = 0;
}

/* At the end of an input: record its digest and size, and close it. */
static int
input_done(struct nlp_reader *r)
{
	struct nlp_input *in;
	size_t cap;
	int rc;

	if (r->ninputs == r->inputs_cap) {
		cap = r->inputs_cap > 0 ? 2 * r->inputs_cap : 4;
		if (cap > SIZE_MAX / sizeof *in ||
		    (in = realloc(r->inputs, cap * sizeof *in)) == NULL)
			return oom(r);
		r->inputs = in;
		r->inputs_cap = cap;
	}
	in = &r->inputs[r->ninputs];
	if ((rc = nlp_stream_finish(&r->s, in->sha256, &in->bytes, &r->err)) !=
	    NLP_OK)
		return -rc;
	in->path = r->path;
	r->ninputs++;
	input_close(r);
	r->ipath++;
	return 0;
}

/* The next line of the current input (input.h): 1, 0 at its end, or
 * -status. */
static int
get_line(struct nlp_reader *r, char **line, size_t *len, int *cut)
{
	int rv = nlp_stream_line(&r->s, line, len, cut, &r->err);

	if (rv > 0)
		r->st.lines++;
	/* a carriage return inside the line, not the last byte before its
	   LF (a CRLF file's): lines that end in CR alone, an old Mac's, read
	   as one -- anywhere in the input, not only a first line that is all
	   of it (a file of LF lines, then CR ones, lost its records in
	   silence, --strict too) */
	if (rv > 0) {
		const char *cr = memchr(*line, '\r', *len), *end = *line + *len;
		r->cr_inside |= cr != NULL && (cr + 1 < end || !r->s.lf);
		/* a CRLF's CR is gone by now: each one left may end a line */
		for (; cr != NULL; cr = memchr(cr + 1, '\r', (size_t)(end -
		    cr - 1)))
			r->st.bare_crs++;
	}
	return rv;
}

/*
 * Records.
 */

/* Whether c is white space: space, tab, CR, VT or FF (not LF). */
static int
is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r' && c != '\n');
}

/* s[0..*n) without white space at either end. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && is_space(*s))
		s++, --*n;
	while (*n > 0 && is_space(s[*n - 1]))
		--*n;
	return s;
}

/* The length of the UTF-8 of the non-ASCII character that s[0..n) begins
 * with (end: ends with) when it is one the tokenizer sees as blank
 * (nlp_token_is_blank(): a no-break space, a zero-width space, a BOM...),
 * else 0: none a label begins or ends with, whose two labels would look
 * the same ("spam" and "spam<NBSP>"). */
static size_t
wide_space(const char *s, size_t n, int end)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t at = 0, k;
	uint32_t cp;

	if (n == 0)
		return 0;
	if (end)      /* the last character's first byte, 3 back at most */
		for (at = n - 1; at > 0 && n - at < 4 && (u[at] & 0xc0) == 0x80;
		    at--)
			;
	if (u[at] < 0x80)
		return 0;
	k = nlp_utf8_decode(u + at, n - at, &cp);
	if (k < 2 || (end && at + k != n))
		return 0;
	return nlp_token_is_blank(cp) ? k : 0;
}

/* s[0..*n) without white space or invisible characters at either end
 * (wide_space()): a label. */
static const char *
trim_label(const char *s, size_t *n)
{
	size_t k;

	for (;;) {
		s = trim(s, n);
		if ((k = wide_space(s, *n, 0)) > 0) {
			s += k;
			*n -= k;
		} else if ((k = wide_space(s, *n, 1)) > 0) {
			*n -= k;
		} else {
			return s;
		}
	}
}

/* Whether s[0..n) holds nothing but white space. */
static int
is_blank(const char *s, size_t n)
{
	trim(s, &n);
	return n == 0;
}

/* Repair s[0..n) into b, writing at most cap bytes; NULL: no memory. */
static char *
repaired(struct buf *b, const char *s, size_t n, size_t cap, unsigned *flags,
    size_t *len)
{
	b->len = 0;
	if (buf_room(b, cap) < 0)
		return NULL;
	*len = b->len = nlp_utf8_repair_into(s, n, b->p, cap, flags);
	b->p[b->len] = '\0';
	return b->p;
}

/* Room a repaired copy of n bytes needs, up to max_record. */
static size_t
repair_room(const struct nlp_reader *r, size_t n)
{
	return n > r->max_record / 3 ? r->max_record : 3 * n;
}

/*
 * Make s[0..n) the record's text: in place when it is clean and short
 * enough (s[n] becomes NUL, so it must be writable), else repaired into
 * `out` and cut at max_record.
 */
static int
set_text(struct nlp_reader *r, struct nlp_record *rec, char *s, size_t n)
{
	if (n <= r->max_record && nlp_utf8_clean(s, n) == n) {
		s[n] = '\0';
		rec->text = s;
		rec->text_len = n;
		return V_KEEP;
	}
	rec->text = repaired(&r->out, s, n, repair_room(r, n), &rec->flags,
	    &rec->text_len);
	return rec->text != NULL ? V_KEEP : oom(r);
}

/* Make s[0..n) the record's id, repaired and cut like text. */
static int
set_id(struct nlp_reader *r, struct nlp_record *rec, const char *s, size_t n)
{
	unsigned flags = 0;
	size_t len;

	rec->id = repaired(&r->id, s, n, repair_room(r, n), &flags, &len);
	return rec->id != NULL ? V_KEEP : oom(r);
}

/* Start the labels of a new record. */
static void
lab_reset(struct nlp_reader *r)
{
	r->nlab = r->lab.len = 0;
	if (++r->labgen == 0) {
		/* the generation wrapped: old slots could look current */
		if (r->labset != NULL)
			memset(r->labset, 0, r->labset_cap * sizeof *r->labset);
		r->labgen = 1;
	}
}

/* Label i of the record at hand, and its length. */
static const char *
lab_get(const struct nlp_reader *r, size_t i, size_t *n)
{
	size_t end = i + 1 < r->nlab ? r->laboff[i + 1] : r->lab.len;

	*n = end - r->laboff[i] - 1;
	return r->lab.p + r->laboff[i];
}

/* The slot of label s[0..n) in the set: its own, or the empty one for it. */
static size_t
lab_slot(const struct nlp_reader *r, const char *s, size_t n)
{
	size_t mask = r->labset_cap - 1, k = nlp_xxh64(s, n, 0) & mask, len;
	const struct labslot *sl;
	const char *p;

	for (;; k = (k + 1) & mask) {
		sl = &r->labset[k];
		if (sl->gen != r->labgen)
			return k;
		p = lab_get(r, sl->idx, &len);
		if (len == n && memcmp(p, s, n) == 0)
			return k;
	}
}

/* Make room in the set for one more label; -1 when out of memory. */
static int
lab_grow(struct nlp_reader *r)
{
	struct labslot *old = r->labset;
	size_t i, len, cap = r->labset_cap;
	const char *s;

	if ((r->nlab + 1) * 2 <= cap)
		return 0;
	cap = cap > 0 ? 2 * cap : 16;
	if (cap > SIZE_MAX / sizeof *old ||
	    (r->labset = calloc(cap, sizeof *old)) == NULL) {
		r->labset = old;
		return -1;
	}
	free(old);
	r->labset_cap = cap;
	r->labgen = 1;
	for (i = 0; i < r->nlab; i++) {
		s = lab_get(r, i, &len);
		r->labset[lab_slot(r, s, len)] =
		    (struct labslot){ r->labgen, (uint32_t)i };
	}
	return 0;
}

/*
 * Add a label to the record at hand, trimmed; an empty one is ignored and
 * a repeated one counted once.  Returns V_KEEP, V_BADLABEL for a label
 * that cannot be one, or an error.
 */
static int
lab_add(struct nlp_reader *r, const char *s, size_t n)
{
	const char **ptr;
	const char *fault;
	size_t *off, cap, k;

	s = trim_label(s, &n);
	if (n == 0)
		return V_KEEP;
	/* a label as long as a record may be (whose text alone is cut to
	   that): no label, a line's worth of text in the wrong column */
	if (n > r->max_record) {
		r->why = "label longer than the maximum record size";
		return V_BADLABEL;
	}
	/* a U+FFFD that repairing the JSONL line may have put there */
	if (r->fmt == NLP_FMT_JSONL && r->json_repaired &&
	    memmem(s, n, "\xef\xbf\xbd", 3) != NULL)
		fault = "label with invalid UTF-8";
	else
		fault = nlp_text_label_fault(s, n, r->whybuf, sizeof r->whybuf);
	if (fault != NULL) {
		r->why = fault;
		return V_BADLABEL;
	}
	if (lab_grow(r) < 0)
		return oom(r);
	k = lab_slot(r, s, n);
	if (r->labset[k].gen == r->labgen)
		return V_KEEP;
	if (r->nlab == r->labcap) {
		cap = r->labcap > 0 ? 2 * r->labcap : 8;
		if (cap > SIZE_MAX / sizeof *ptr)
			return oom(r);
		if ((off = realloc(r->laboff, cap * sizeof *off)) == NULL)
			return oom(r);
		r->laboff = off;
		if ((ptr = realloc(r->labptr, cap * sizeof *ptr)) == NULL)
			return oom(r);
		r->labptr = ptr;
		r->labcap = cap;
	}
	if (buf_add(&r->lab, s, n) < 0)
		return oom(r);
	r->laboff[r->nlab] = r->lab.len - n;
	r->labset[k] = (struct labslot){ r->labgen, (uint32_t)r->nlab };
	r->nlab++;
	r->lab.len++;    /* keep the NUL */
	return V_KEEP;
}

/* Point rec at the labels added, and judge them. */
static int
lab_finish(struct nlp_reader *r, struct nlp_record *rec)
{
	size_t i;

	if (r->nlab == 0)
		return V_NOLABEL;
	if (r->nlab > 1 && !r->allow_multi)
		return V_MULTI;
	for (i = 0; i < r->nlab; i++)
		r->labptr[i] = r->lab.p + r->laboff[i];
	rec->labels = r->labptr;
	rec->nlabels = r->nlab;
	return V_KEEP;
}

/*
 * The labels of a TSV or CSV label field: one label, or with multi-label
 * allowed a list split at label_sep.
 */
static int
lab_list(struct nlp_reader *r, const char *s, size_t n)
{
	char sep = r->o.label_sep ? r->o.label_sep : ',';
	const char *t;
	int v;

	if (!r->allow_multi)
		return lab_add(r, s, n);
	while ((t = memchr(s, sep, n)) != NULL) {
		if ((v = lab_add(r, s, (size_t)(t - s))) != V_KEEP)
			return v;
		n -= (size_t)(t - s) + 1;
		s = t + 1;
	}
	return lab_add(r, s, n);
}

/* Gold mode (reader.h): label s[0..n) of the record at hand, unless a
 * label of it was bad; -1 only when out of memory. */
static int
gold_add(struct nlp_reader *r, const char *s, size_t n)
{
	int v;

	if (r->gold_bad)
		return 0;
	if ((v = lab_add(r, s, n)) < 0)
		return v;
	r->gold_bad = v != V_KEEP;
	return 0;
}

/* Gold mode: point rec at the one valid label added, if so; a record
 * without one is one labeled reading skips. */
static void
gold_finish(struct nlp_reader *r, struct nlp_record *rec)
{
	rec->gold_skip = !(!r->gold_bad && r->nlab == 1 &&
	    lab_finish(r, rec) == V_KEEP);
}

/* Gold mode on a TSV input read as labeled reading reads it. */
static int
gold_tsv(const struct nlp_reader *r)
{
	return r->o.gold && !r->o.labeled && r->fmt == NLP_FMT_TSV &&
	    r->spec[TEXT] == NULL && r->spec[LABEL] == NULL &&
	    r->spec[ID] == NULL;
}

/*
 * Fill a record from its text, label and id fields (TSV, CSV): labels
 * first, so that a record to skip costs no text repair.
 */
static int
take_fields(struct nlp_reader *r, struct nlp_record *rec, char **f,
    const size_t *n)
{
	int v;

	lab_reset(r);
	if (r->col[LABEL] != COL_NONE &&
	    ((v = lab_list(r, f[LABEL], n[LABEL])) != V_KEEP ||
	    (v = lab_finish(r, rec)) != V_KEEP))
		return v;
	if (r->col[ID] != COL_NONE && (v = set_id(r, rec, f[ID], n[ID])) < 0)
		return v;
	return set_text(r, rec, f[TEXT], n[TEXT]);
}

/* Column col of a TSV line (or COL_LAST, COL_REST); 0 if there is none. */
static int
tsv_field(char *s, size_t n, long col, char **f, size_t *fn)
{
	char *end = s + n, *t;

	if (col == COL_LAST) {
		t = memrchr(s, '\t', n);
		*f = t != NULL ? t + 1 : s;
	} else if (col == COL_REST) {
		if ((t = memchr(s, '\t', n)) == NULL)
			return 0;
		*f = t + 1;
	} else {
		for (; col > 0; col--, s = t + 1)
			if ((t = memchr(s, '\t', (size_t)(end - s))) == NULL)
				return 0;
		if ((t = memchr(s, '\t', (size_t)(end - s))) != NULL)
			end = t;
		*f = s;
	}
	*fn = (size_t)(end - *f);
	return 1;
}

/* Whether the field f[0..n), trimmed, is one of names, in any case. */
static int
named(const char *f, size_t n, const char *const *names)
{
	f = trim(f, &n);
	for (; *names != NULL; names++)
		if (strlen(*names) == n && strncasecmp(f, *names, n) == 0)
			return 1;
	return 0;
}

/* The column names of the kind, in any case. */
static const char *const label_names[] = {
	"label", "labels", "class", "category", "target", "y", "tag",
	"tags", "intent", "sentiment", "topic", "gold", NULL,
};
static const char *const text_names[] = {
	"text", "texts", "sentence", "document", "doc", "content",
	"body", "message", "review", "title", "comment", "tweet",
	"query", "utterance", "x", "input", "description", NULL,
};
static const char *const id_names[] = {
	"id", "ids", "uid", "uuid", "key", "index", "idx", "request",
	"request_id", "doc_id", "row", NULL,
};

/*
 * Whether a labeled TSV file's first line, its label field f[LABEL] and
 * text field f[TEXT], is the header a table exported as TSV begins with
 * (pandas' to_csv(sep='\t'), a spreadsheet's): TSV has none, and read as
 * an example it would make a class of one text ("label", "text").  Both
 * fields must be column names of the kind, so that no example is taken
 * for one.
 */
static int
tsv_header(char *const *f, const size_t *fn)
{
	return named(f[LABEL], fn[LABEL], label_names) &&
	    named(f[TEXT], fn[TEXT], text_names);
}

/* Whether the TSV line s[0..n) begins "label<TAB>text<TAB>" (in any
 * case). */
static int
first_names(const char *s, size_t n)
{
	return n >= 11 && strncasecmp(s, "label\ttext\t", 11) == 0;
}

/*
 * The first line of a TSV input read with the default columns, when it
 * is a header that puts the label and the text elsewhere than first and
 * rest: pandas' to_csv(sep='\t') writes its row index first, under an
 * empty name ("<TAB>label<TAB>text"), a spreadsheet may put the text
 * first ("text<TAB>label").  One column of each kind named, each once:
 * their columns are the input's from there on (the text's alone for
 * unlabeled reading), and 1 is returned; else 0, nothing changed.
 */
static int
tsv_header_columns(struct nlp_reader *r, const char *s, size_t n)
{
	const char *end = s + n, *line = s, *t;
	long col, lab = -1, txt = -1;
	size_t fl;

	if (r->spec[TEXT] != NULL || r->spec[LABEL] != NULL ||
	    r->spec[ID] != NULL || memchr(s, '\t', n) == NULL)
		return 0;
	for (col = 0; ; col++, s = t + 1) {
		t = memchr(s, '\t', (size_t)(end - s));
		fl = (size_t)((t != NULL ? t : end) - s);
		if (named(s, fl, label_names)) {
			if (lab >= 0)
				return 0;
			lab = col;
		} else if (named(s, fl, text_names)) {
			if (txt >= 0)
				return 0;
			txt = col;
		}
		if (t == NULL)
			break;
	}
	/* label<TAB>text alone is the default's own header (tsv_header());
	   with more columns after it, only the names "label" and "text"
	   themselves make it one (the text its column alone): a first
	   example such as 'y<TAB>input<TAB>...' stays an example, never
	   cutting every text after it to one column */
	if (lab < 0 || txt < 0 || (lab == 0 && txt == 1 && (col == 1 ||
	    !first_names(line, n))))
		return 0;
	r->col[TEXT] = txt;
	if (r->o.labeled)
		r->col[LABEL] = lab;
	r->tsv_label = lab;
	return 1;
}

/*
 * Is the TSV line s[0..n) (label field f[LABEL], text f[TEXT]) a line of
 * column names?  An input's first line, when both fields are names of
 * the kind (tsv_header()); and later, that same line again, byte for
 * byte: files of exports concatenated (cat a.tsv b.tsv) hold one each,
 * and a part of a file cut there reads as the whole does -- while an
 * example that only looks like one ('y<TAB>input') stays an example.
 */
static int
header_line(struct nlp_reader *r, const struct nlp_record *rec,
    const char *s, size_t n, char *const *f, const size_t *fn)
{
	size_t i;

	for (i = 0; i < r->nhdr_lines; i++)
		if (n == r->hdr_lens[i] && memcmp(s, r->hdr_lines[i], n) == 0)
			return 1;
	/* with an id column, names of its kind too: late gold labels'
	   'id<TAB>label' (their texts not needed) */
	if (rec->line != 1 || (!tsv_header(f, fn) && !(r->col[ID] != COL_NONE &&
	    named(f[LABEL], fn[LABEL], label_names) &&
	    named(f[ID], fn[ID], id_names))))
		return 0;
	/* remembered when there is memory for it (each input's one, so a
	   handful): without, its repeats are examples, as before */
	if (r->nhdr_lines < 64) {
		char **l = realloc(r->hdr_lines, (r->nhdr_lines + 1) *
		    sizeof *r->hdr_lines);
		size_t *k = l != NULL ? realloc(r->hdr_lens, (r->nhdr_lines + 1) *
		    sizeof *r->hdr_lens) : NULL;
		char *c = k != NULL ? malloc(n + 1) : NULL;
		if (l != NULL)
			r->hdr_lines = l;
		if (k != NULL)
			r->hdr_lens = k;
		if (c != NULL) {
			memcpy(c, s, n);
			c[n] = '\0';
			r->hdr_lines[r->nhdr_lines] = c;
			r->hdr_lens[r->nhdr_lines++] = n;
		}
	}
	return 1;
}

/* A TSV line: label, text and id from their columns. */
static int
tsv_parse(struct nlp_reader *r, struct nlp_record *rec, char *s, size_t n)
{
	char *f[NSLOT], *tab;
	size_t fn[NSLOT];
	int i, v;

	if (rec->line == 1 && tsv_header_columns(r, s, n) && r->o.labeled) {
		/* remembered as a header, its repeats skipped too */
		(void)tsv_field(s, n, r->col[LABEL], &f[LABEL], &fn[LABEL]);
		(void)tsv_field(s, n, r->col[TEXT], &f[TEXT], &fn[TEXT]);
		(void)header_line(r, rec, s, n, f, fn);
		return V_HEADER;
	}
	for (i = 0; i < NSLOT; i++) {
		if (r->col[i] == COL_NONE ||
		    tsv_field(s, n, r->col[i], &f[i], &fn[i]))
			continue;
		if (r->col[i] == COL_REST)
			return V_NOLABEL;   /* no TAB: text without a label */
		if (i == ID && !r->o.labeled) {
			r->no_id = 1;       /* the text all the same */
			f[i] = s;
			fn[i] = 0;
			continue;
		}
		/* the id, when there is one, goes with the record all the
		 * same: predict's line for it must say which row it was */
		if (!r->o.labeled && i != ID && r->col[ID] != COL_NONE &&
		    tsv_field(s, n, r->col[ID], &f[ID], &fn[ID]) &&
		    set_id(r, rec, f[ID], fn[ID]) < 0)
			return oom(r);
		return malformed(r, "no column %ld", r->col[i] + 1);
	}
	if (r->o.labeled && header_line(r, rec, s, n, f, fn))
		return V_HEADER;
	/* --id-column naming the last column: the text is the one before it
	   ("text<TAB>id"), not the id */
	if (!r->o.labeled && r->col[TEXT] == COL_LAST && r->col[ID] > 0 &&
	    f[ID] == f[TEXT])
		(void)tsv_field(s, n, r->col[ID] - 1, &f[TEXT], &fn[TEXT]);
	/* "label<TAB>text<TAB>source" would be scored on its source: said */
	else if (r->col[TEXT] == COL_LAST && f[TEXT] != s &&
	    memchr(s, '\t', n) != f[TEXT] - 1)
		r->wide = 1;
	/* "label<TAB>" (awk printing a column that is not there), or
	   "label<TAB>text<TAB>" scored on its last column: counted, and
	   when every line is so there is no text (the caller's to say) */
	r->text_empty = fn[TEXT] == 0 && memchr(s, '\t', n) != NULL;
	if ((v = take_fields(r, rec, f, fn)) != V_KEEP || !gold_tsv(r))
		return v;
	/* the label labeled reading takes: what comes before the first TAB,
	   or the column the header named */
	rec->gold_skip = 1;
	if (r->tsv_label != COL_NONE) {
		if (!tsv_field(s, n, r->tsv_label, &f[LABEL], &fn[LABEL]))
			return V_KEEP;
	} else {
		if ((tab = memchr(s, '\t', n)) == NULL)
			return V_KEEP;
		f[LABEL] = s;
		fn[LABEL] = (size_t)(tab - s);
		f[TEXT] = tab + 1;
		fn[TEXT] = n - fn[LABEL] - 1;
	}
	/* a header, which labeled reading skips (scored all the same) */
	if (header_line(r, rec, s, n, f, fn)) {
		rec->gold_skip = 2;
		return V_KEEP;
	}
	lab_reset(r);
	r->gold_bad = 0;
	if ((v = gold_add(r, f[LABEL], fn[LABEL])) < 0)
		return v;
	gold_finish(r, rec);
	return V_KEEP;
}

/* Whether c ends a fastText word, as fastText's readWord() has it. */
static int
ft_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' ||
	    c == '\0';
}

/*
 * A fastText line: __label__ tokens, then the text; as fastText reads
 * it, a token later in the line that starts with __label__ is a label
 * too ("text __label__x"), cut out of the text in place with the blanks
 * before it.  Words end, as in fastText, at a space, TAB, VT, FF, CR or
 * NUL.
 */
static int
ft_parse(struct nlp_reader *r, struct nlp_record *rec, char *s, size_t n)
{
	static const char pre[] = "__label__";
	char *end = s + n, *t, *w, *p, *q, *b;
	int v;

	lab_reset(r);
	r->gold_bad = 0;
	while (s < end && ft_blank(*s))
		s++;
	/* w: where the text kept so far ends; p: what is still to read */
	for (w = p = s; (q = memmem(p, (size_t)(end - p), pre,
	    sizeof pre - 1)) != NULL; ) {
		if (q > s && !ft_blank(q[-1])) {
			/* within a word: kept, to the word's end */
			for (t = q + sizeof pre - 1; t < end && !ft_blank(*t);
			    t++)
				continue;
			memmove(w, p, (size_t)(t - p));
			w += t - p;
			p = t;
			continue;
		}
		for (b = q; b > p && ft_blank(b[-1]); b--)
			continue;
		memmove(w, p, (size_t)(b - p));
		w += b - p;
		q += sizeof pre - 1;
		for (t = q; t < end && !ft_blank(*t); t++)
			continue;
		if (r->o.labeled && (v = lab_add(r, q, (size_t)(t - q))) != V_KEEP)
			return v;
		if (!r->o.labeled && r->o.gold &&
		    (v = gold_add(r, q, (size_t)(t - q))) < 0)
			return v;
		p = t;
	}
	memmove(w, p, (size_t)(end - p));
	end = w + (end - p);
	while (s < end && ft_blank(*s))     /* after the leading labels */
		s++;
	if (r->o.labeled && (v = lab_finish(r, rec)) != V_KEEP)
		return v;
	if (!r->o.labeled && r->o.gold)
		gold_finish(r, rec);
	return set_text(r, rec, s, (size_t)(end - s));
}

/*
 * The text of a JSON string, number or boolean, in tmp when it has to be
 * made; -1 for anything else.  A real takes its shortest exact form; a
 * whole one is written as an integer is (10.0 is "10", as 1.0 is "1"),
 * not in %g's exponent form ("1e+01").
 */
static int
json_text(const json_t *v, char tmp[32], const char **s, size_t *n)
{
	double d;
	int prec;

	if (json_is_string(v)) {
		*s = json_string_value(v);
		*n = json_string_length(v);
		return 0;
	}
	if (json_is_integer(v))
		snprintf(tmp, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v)) {
		/* -0.0 as 0, the integer -0 is: one label, not two */
		d = json_real_value(v) == 0 ? 0 : json_real_value(v);
		for (prec = 1; prec < 17; prec++) {
			snprintf(tmp, 32, "%.*g", prec, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
		if (d == trunc(d) && fabs(d) < 1e17)
			snprintf(tmp, 32, "%.0f", d);
		else
			snprintf(tmp, 32, "%.*g", prec, d);
	} else if (json_is_boolean(v))
		snprintf(tmp, 32, "%s", json_is_true(v) ? "true" : "false");
	else
		return -1;
	*s = tmp;
	*n = strlen(tmp);
	return 0;
}

/* Whether v is a number whose digits may be lost: in a line read with
 * its integers as reals (one of them past 64 bits), a real from 2^53 up,
 * where a double no longer holds every integer. */
static int
json_overflowed(const struct nlp_reader *r, const json_t *v)
{
	return r->json_overflow && json_is_real(v) &&
	    fabs(json_real_value(v)) >= 0x1p53;
}

/* The labels of a JSON object's label field: a scalar or an array. */
static int
json_labels(struct nlp_reader *r, struct nlp_record *rec, const json_t *v)
{
	const char *s;
	char tmp[32];
	size_t i, n;
	int rv;

	lab_reset(r);
	if (json_overflowed(r, v))
		return malformed(r, "field '%s' is a number whose digits "
		    "would be lost (a line with an integer past 64 bits)",
		    r->field[LABEL]);
	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++) {
			if (json_overflowed(r, json_array_get(v, i)))
				return malformed(r, "field '%s' holds a number "
				    "whose digits would be lost (a line with an "
				    "integer past 64 bits)", r->field[LABEL]);
			if (json_text(json_array_get(v, i), tmp, &s, &n) < 0)
				return malformed(r, "field '%s' is not a list "
				    "of labels", r->field[LABEL]);
			if ((rv = lab_add(r, s, n)) != V_KEEP)
				return rv;
		}
	} else if (v != NULL && !json_is_null(v)) {
		if (json_text(v, tmp, &s, &n) < 0)
			return malformed(r, "field '%s' is not a label",
			    r->field[LABEL]);
		if ((rv = lab_add(r, s, n)) != V_KEEP)
			return rv;
	}
	return lab_finish(r, rec);
}

/* Past the JSON white space at p. */
static const char *
json_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Past the JSON string whose opening quote is at p. */
static const char *
json_str_end(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/* Past the JSON value at p. */
static const char *
json_value_end(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		if (*p == '"') {
			p = json_str_end(p, end);
			if (depth == 0)
				return p;
			continue;
		}
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (depth == 0)
				return p;
			if (--depth == 0)
				return p + 1;
		} else if (depth == 0 && (*p == ',' || *p == ' ' ||
		    *p == '\t' || *p == '\n' || *p == '\r')) {
			return p;
		}
		p++;
	}
	return p;
}

/* Whether the quoted JSON string q[0..n), escapes and all, is key. */
static int
json_key_is(const char *q, size_t n, const char *key)
{
	json_t *k = json_loadb(q, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	int is = json_is_string(k) && json_string_length(k) == strlen(key) &&
	    memcmp(json_string_value(k), key, strlen(key)) == 0;

	json_decref(k);
	return is;
}

/*
 * The text of member key's value in the JSON object s[0..n), which jansson
 * has parsed (so it is valid), as it stands in the line: a number's own
 * digits, never reformatted.  The last of repeated members, as jansson
 * keeps.  0 if found.
 */
static int
json_member_raw(const char *s, size_t n, const char *key, const char **v,
    size_t *vn)
{
	const char *end = s + n, *p = json_ws(s, end), *k, *ke, *ve;
	size_t klen = strlen(key);
	int found = 0;

	if (p == end || *p != '{')
		return -1;
	for (p = json_ws(p + 1, end); p < end && *p == '"';) {
		k = p;
		ke = json_str_end(p, end);
		p = json_ws(ke, end);
		if (p == end || *p != ':')
			return -1;
		p = json_ws(p + 1, end);
		ve = json_value_end(p, end);
		if (memchr(k, '\\', (size_t)(ke - k)) == NULL ?
		    (size_t)(ke - k) == klen + 2 && memcmp(k + 1, key, klen) == 0 :
		    json_key_is(k, (size_t)(ke - k), key)) {
			*v = p;
			*vn = (size_t)(ve - p);
			found = 1;
		}
		p = json_ws(ve, end);
		if (p < end && *p == ',')
			p = json_ws(p + 1, end);
	}
	return found ? 0 : -1;
}

/*
 * The id of a JSONL record: a string's value, a number's text in the line
 * (s[0..n)), a boolean's name; anything else, or none, is no id (V_NOID).
 */
static int
json_id(struct nlp_reader *r, struct nlp_record *rec, const json_t *root,
    const char *s, size_t n)
{
	const json_t *v = json_object_get(root, r->field[ID]);
	const char *id;
	char tmp[32];
	size_t idlen;

	if (json_is_number(v) &&
	    json_member_raw(s, n, r->field[ID], &id, &idlen) == 0)
		return set_id(r, rec, id, idlen);
	if (v == NULL || json_is_null(v) || json_text(v, tmp, &id, &idlen) < 0)
		return V_NOID;
	return set_id(r, rec, id, idlen);
}

/* A JSONL line: an object whose fields give text, label and id. */
static int
json_parse(struct nlp_reader *r, struct nlp_record *rec, char *s, size_t n)
{
	const json_t *text;
	json_error_t jerr;
	json_t *root;
	unsigned long mark;
	int rv;

	r->json_repaired = nlp_utf8_clean(s, n) != n;
	if (r->json_repaired &&
	    (s = repaired(&r->tmp, s, n, 3 * n, &rec->flags, &n)) == NULL)
		return oom(r);
	if (nlp_json_lone_surrogates(s, n) > 0) {
		rec->flags |= NLP_REC_BAD_UTF8;
		r->json_repaired = 1;
	}
	/* an integer past 64 bits (a snowflake id) is no reason to lose
	   the record: read as a real, its text kept for an id (a label
	   that was one is refused: it must not turn into 1.2e+19) */
	r->json_overflow = 0;
	mark = nlp_json_watch();
	if ((root = json_loadb(s, n, JSON_ALLOW_NUL, &jerr)) == NULL &&
	    json_error_code(&jerr) == json_error_numeric_overflow &&
	    (root = json_loadb(s, n, JSON_ALLOW_NUL |
	    JSON_DECODE_INT_AS_REAL, &jerr)) != NULL)
		r->json_overflow = 1;
	/* out of memory in jansson: said so, never "invalid JSON" (a record
	   read as empty) nor a string it kept a character short of */
	if (nlp_json_failed_since(mark)) {
		json_decref(root);
		return oom(r);
	}
	if (root == NULL && (rec->flags & NLP_REC_CUT))
		return malformed(r, "a line longer than %zu bytes, cut there, "
		    "cannot be read as JSON", r->line_cap);
	if (root == NULL)
		return malformed(r, "invalid JSON: %s", jerr.text);
	if (!json_is_object(root)) {
		rv = malformed(r, "not a JSON object");
		goto out;
	}
	if (r->field[ID] != NULL &&
	    (rv = json_id(r, rec, root, s, n)) != V_KEEP) {
		if (rv < 0)
			goto out;
		if (r->o.labeled) {
			rv = malformed(r, "no field '%s'", r->field[ID]);
			goto out;
		}
		r->no_id = 1;       /* the text all the same */
		if ((rv = set_id(r, rec, "", 0)) < 0)
			goto out;
	}
	text = json_object_get(root, r->field[TEXT]);
	if (r->o.text_optional && (text == NULL || json_is_null(text)))
		text = NULL;        /* an id and a label alone: no text */
	else if (!json_is_string(text)) {
		rv = malformed(r, "no string field '%s'", r->field[TEXT]);
		goto out;
	}
	if (r->o.labeled && (rv = json_labels(r, rec,
	    json_object_get(root, r->field[LABEL]))) != V_KEEP)
		goto out;
	r->f[TEXT].len = 0;
	if (text != NULL && buf_add(&r->f[TEXT], json_string_value(text),
	    json_string_length(text)) < 0)
		rv = oom(r);
	else
		rv = set_text(r, rec, r->f[TEXT].p != NULL ? r->f[TEXT].p :
		    r->no_text, r->f[TEXT].len);
out:
	json_decref(root);
	return rv;
}

/* One record of a line format: plain, TSV, fastText or JSONL. */
static int
line_record(struct nlp_reader *r, struct nlp_record *rec)
{
	size_t n;
	char *s;
	int cut, rv;

	if ((rv = get_line(r, &s, &n, &cut)) <= 0)
		return rv == 0 ? V_END : rv;
	rec->line = r->s.lineno;
	if (cut)
		rec->flags |= NLP_REC_CUT;
	if (is_blank(s, n))
		return V_BLANK;
	switch (r->fmt) {
	case NLP_FMT_TSV:
		return tsv_parse(r, rec, s, n);
	case NLP_FMT_FASTTEXT:
		return ft_parse(r, rec, s, n);
	case NLP_FMT_JSONL:
		return json_parse(r, rec, s, n);
	default:
		return set_text(r, rec, s, n);
	}
}

/* Append to b, keeping at most line_cap bytes (the record is then cut). */
static int
cap_add(struct nlp_reader *r, struct buf *b, const char *s, size_t n)
{
	if (n > r->line_cap - b->len) {
		n = r->line_cap - b->len;
		r->csv_cut = 1;
	}
	return buf_add(b, s, n);
}

/*
 * Append s[0..n) to field f of the CSV record at hand: to the header
 * names, or to each slot that wants that column.
 */
static int
csv_add(struct nlp_reader *r, size_t f, const char *s, size_t n)
{
	int i;

	if (r->header) {
		size_t k = r->hdr.len;
		if (cap_add(r, &r->hdr, s, n) < 0)
			return -1;
		/* a NUL would end the name early and shift every column
		   after it: a space, as in a text */
		for (; k < r->hdr.len; k++)
			if (r->hdr.p[k] == '\0')
				r->hdr.p[k] = ' ';
		return 0;
	}
	for (i = 0; i < NSLOT; i++)
		if (r->col[i] >= 0 && (size_t)r->col[i] == f &&
		    cap_add(r, &r->f[i], s, n) < 0)
			return -1;
	return 0;
}

/*
 * The error for a CSV quote left open at line r->quote_line: it would take
 * the rest of the input into one record, so that a run would quietly stand
 * on a fraction of the data.
 */
static int
unclosed(struct nlp_reader *r, const char *how)
{
	char where[1024];

	return -nlp_errf(&r->err, NLP_DATA, "%s line %llu: unclosed quote (%s)",
	    nlp_input_shown(r->path, where, sizeof where),
	    (unsigned long long)r->quote_line, how);
}

/*
 * Read one CSV record (RFC 4180), which spans lines while a quote is
 * open, into the slots (or the header names).  Returns the number of
 * fields, 0 at the end of the input, or an error, among them a quote
 * still open at the end of the input or after more than max_record bytes
 * of lines; V_BLANK is told by *v.
 */
static int
csv_fields(struct nlp_reader *r, struct nlp_record *rec, size_t *nf, int *v)
{
	char *s, *end, *q, how[96];
	int cut, rv, quoted = 0, start = 1;
	size_t n, qbytes = 0;

	do
		if ((rv = get_line(r, &s, &n, &cut)) <= 0)
			return rv;
	while (r->header && is_blank(s, n));
	rec->line = r->s.lineno;
	r->csv_cut = cut;
	*v = V_KEEP;
	*nf = 0;
	if (is_blank(s, n)) {
		*v = V_BLANK;
		return 1;
	}
	r->hdr.len = r->f[TEXT].len = r->f[LABEL].len = r->f[ID].len = 0;
	r->stray_quote = 0;
	for (end = s + n;;) {
		if (quoted && (q = memchr(s, '"', (size_t)(end - s))) == NULL) {
			if (csv_add(r, *nf, s, (size_t)(end - s)) < 0)
				return oom(r);
			/* a line cut in the quoted field, whose quote closes in
			   the part dropped (an odd number of quotes there): the
			   record ends there, cut, as any line cut does */
			if (cut && r->s.cut_quotes % 2 == 1) {
				if (r->header && cap_add(r, &r->hdr, "", 1) < 0)
					return oom(r);
				++*nf;
				return 1;
			}
			if (csv_add(r, *nf, "\n", 1) < 0)
				return oom(r);
			qbytes += (size_t)(end - s) + 1;
			if (qbytes > r->max_record) {
				snprintf(how, sizeof how, "or a quoted field longer "
				    "than %zu bytes, the most a record holds",
				    r->max_record);
				return unclosed(r, how);
			}
			if ((rv = get_line(r, &s, &n, &cut)) < 0)
				return rv;
			if (rv == 0)
				return unclosed(r, "the quoted field runs to the "
				    "end of the input");
			r->csv_cut |= cut;
			end = s + n;
		} else if (quoted) {
			if (csv_add(r, *nf, s, (size_t)(q - s)) < 0)
				return oom(r);
			s = q + 1;
			if (s < end && *s == '"') {
				if (csv_add(r, *nf, "\"", 1) < 0)
					return oom(r);
				s++;
			} else {
				quoted = 0;
				/* closed lines later, with more text before the
				   comma: no field ends so, but a stray quote that
				   took the lines between, records and all, into
				   one field does */
				if (s < end && *s != ',' &&
				    r->quote_line < r->s.lineno)
					r->stray_quote = r->quote_line;
			}
		} else if (start && s < end && *s == '"') {
			quoted = 1;
			start = 0;
			s++;
			r->quote_line = r->s.lineno;
			qbytes = 0;
		} else {
			q = memchr(s, ',', (size_t)(end - s));
			if (csv_add(r, *nf, s, (size_t)((q ? q : end) - s)) < 0 ||
			    (r->header && cap_add(r, &r->hdr, "", 1) < 0))
				return oom(r);
			++*nf;
			if (q == NULL)
				return 1;
			s = q + 1;
			start = 1;
		}
	}
}

/* Whether header name h, trimmed, is name in any case. */
static int
name_is(const char *h, const char *name)
{
	size_t n = strlen(h);

	h = trim(h, &n);
	return strlen(name) == n && strncasecmp(h, name, n) == 0;
}

/* The name of column col in the header just read (nf names), or NULL. */
static const char *
header_name(const struct nlp_reader *r, long col, size_t nf)
{
	const char *h = r->hdr.p;
	long i;

	if (col < 0 || (size_t)col >= nf)
		return NULL;
	for (i = 0; i < col; i++)
		h += strlen(h) + 1;
	return h;
}

/* The header's names shown in an error: at most this many bytes. */
#define LIST_SHOWN 200

/* Find the CSV columns of the options in the header just read. */
static int
csv_columns(struct nlp_reader *r, size_t nf)
{
	static const char *const defname[NSLOT] = { "text", "label", NULL };
	char list[640], where[1024];
	const char *want, *h;
	size_t i, len;
	long num;
	int s;

	for (s = 0; s < NSLOT; s++) {
		want = r->spec[s] != NULL ? r->spec[s] : defname[s];
		r->col[s] = COL_NONE;
		if (want == NULL || (s == LABEL && !r->o.labeled))
			continue;
		for (i = 0, h = r->hdr.p; i < nf; i++, h += strlen(h) + 1)
			if (name_is(h, want))
				break;
		if (i < nf) {
			/* a name twice: which one is meant is a guess */
			const char *h2 = h + strlen(h) + 1;
			size_t k;
			for (k = i + 1; k < nf; k++, h2 += strlen(h2) + 1)
				if (name_is(h2, want))
					return -nlp_errf(&r->err, NLP_USAGE, "%s: the "
					    "CSV header names column '%s' twice "
					    "(columns %zu and %zu): give the column by "
					    "number", nlp_input_shown(r->path, where,
					    sizeof where), want, i + 1, k + 1);
		}
		if (i == nf && (num = column_number(want)) > 0 &&
		    (size_t)num <= nf)
			i = (size_t)num - 1;
		if (i < nf) {
			r->col[s] = (long)i;
			continue;
		}
		/* no text column by its default name, where records may
		   come without their text: none */
		if (s == TEXT && r->spec[TEXT] == NULL && r->o.text_optional)
			continue;
		list[0] = '\0';
		for (i = 0, h = r->hdr.p; i < nf; i++, h += strlen(h) + 1) {
			/* lines that end in CR alone: the whole input is
			   the header, its names run into the rows */
			if (strchr(h, '\r') != NULL)
				return -nlp_errf(&r->err, NLP_DATA, "%s: the CSV "
				    "header holds a carriage return: its lines end "
				    "in CR alone (an old Mac's?); make them end in "
				    "LF or CRLF first (tr '\\r' '\\n')",
				    nlp_input_shown(r->path, where, sizeof where));
			len = strlen(list);
			snprintf(list + len, sizeof list - len, "%s%s",
			    i > 0 ? ", " : "", h);
		}
		/* a row taken for the header (no header) is long: its start */
		if ((len = strlen(list)) > LIST_SHOWN)
			memcpy(list + nlp_utf8_cut(list, len, LIST_SHOWN - 4),
			    " ...", 5);
		/* a default name not there: the option that names another */
		return -nlp_errf(&r->err, NLP_USAGE, "%s: no column '%s' in "
		    "the CSV header (columns: %s)%s%s",
		    nlp_input_shown(r->path, where, sizeof where), want, list,
		    r->spec[s] != NULL ? "" : "; name the column with ",
		    r->spec[s] != NULL ? "" : s == TEXT ? "--text-column" :
		    s == LABEL ? "--label-column" : "--id-column");
	}
	/* ids taken for labels: every example wrong */
	if (r->o.labeled && r->col[ID] != COL_NONE &&
	    r->col[ID] == r->col[LABEL])
		return -nlp_errf(&r->err, NLP_USAGE, "%s: label and id cannot "
		    "both be column %ld ('%s')", nlp_input_shown(r->path,
		    where, sizeof where), r->col[ID] + 1,
		    header_name(r, r->col[ID], nf));
	/* ids scored as the texts ("--id-column text"): every answer the
	   id's */
	if (r->col[ID] != COL_NONE && r->col[ID] == r->col[TEXT])
		return -nlp_errf(&r->err, NLP_USAGE, "%s: text and id cannot "
		    "both be column %ld ('%s')", nlp_input_shown(r->path,
		    where, sizeof where), r->col[ID] + 1,
		    header_name(r, r->col[ID], nf));
	/* a label learned from itself: any gate would pass */
	if (r->o.labeled && r->col[TEXT] == r->col[LABEL])
		return -nlp_errf(&r->err, NLP_USAGE, "%s: label and text cannot "
		    "both be column %ld ('%s')", nlp_input_shown(r->path,
		    where, sizeof where), r->col[TEXT] + 1,
		    header_name(r, r->col[TEXT], nf));
	return 0;
}

/*
 * Is the labeled CSV record just read (nf fields) the input's header row
 * again, its label and text fields the names of their columns?  Exports
 * concatenated (cat a.csv b.csv) hold one each, where an example would
 * make a class of one text ("label", "text"); TSV's are skipped the same
 * way (header_line()).  Unlabeled reading scores every record.
 */
static int
csv_header_again(const struct nlp_reader *r, size_t nf)
{
	return r->o.labeled && nf == r->nhdr && r->hdr_text != NULL &&
	    r->hdr_label != NULL && strlen(r->hdr_text) == r->f[TEXT].len &&
	    memcmp(r->hdr_text, r->f[TEXT].p, r->f[TEXT].len) == 0 &&
	    strlen(r->hdr_label) == r->f[LABEL].len &&
	    memcmp(r->hdr_label, r->f[LABEL].p, r->f[LABEL].len) == 0;
}


/* One CSV record, after the header of the input if it comes first. */
static int
csv_record(struct nlp_reader *r, struct nlp_record *rec)
{
	char *f[NSLOT], where[1024];
	size_t nf, fn[NSLOT];
	int i, v, rv;

	if (r->header) {
		if ((rv = csv_fields(r, rec, &nf, &v)) <= 0)
			return rv == 0 ? V_END : rv;
		if (r->csv_cut)
			return -nlp_errf(&r->err, NLP_DATA, "%s line %llu: CSV "
			    "header too long", nlp_input_shown(r->path, where, sizeof where),
			    (unsigned long long)rec->line);
		if ((rv = csv_columns(r, nf)) < 0)
			return rv;
		r->nhdr = nf;
		r->hdr_text = header_name(r, r->col[TEXT], nf);
		r->hdr_label = header_name(r, r->col[LABEL], nf);
		r->header = 0;
	}
	if ((rv = csv_fields(r, rec, &nf, &v)) <= 0)
		return rv == 0 ? V_END : rv;
	if (r->csv_cut)
		rec->flags |= NLP_REC_CUT;
	if (v != V_KEEP)
		return v;
	if (r->stray_quote)
		return malformed(r, "a quote opened at line %llu closed at line "
		    "%llu before more text: %llu lines read as one field (a "
		    "stray quote?)", (unsigned long long)r->stray_quote,
		    (unsigned long long)r->s.lineno,
		    (unsigned long long)(r->s.lineno - r->stray_quote + 1));
	if (csv_header_again(r, nf))
		return V_HEADER;
	f[TEXT] = r->no_text;        /* no text column (text_optional) */
	fn[TEXT] = 0;
	for (i = 0; i < NSLOT; i++) {
		if (r->col[i] == COL_NONE)
			continue;
		f[i] = r->f[i].p;
		fn[i] = r->f[i].len;
		if ((size_t)r->col[i] < nf)
			continue;
		if (i == ID && !r->o.labeled) {
			static char none[1];

			r->no_id = 1;       /* the text all the same */
			f[i] = none;
			fn[i] = 0;
			continue;
		}
		/* the id, when there is one, goes with the record all the
		 * same: predict's line for it must say which row it was */
		if (!r->o.labeled && r->col[ID] != COL_NONE &&
		    (size_t)r->col[ID] < nf &&
		    set_id(r, rec, r->f[ID].p, r->f[ID].len) < 0)
			return oom(r);
		return malformed(r, "no column %ld", r->col[i] + 1);
	}
	return take_fields(r, rec, f, fn);
}

/* Does the plain text s[0..n) look like a JSON object, {"key": ... }: a
 * string, a colon, a closing brace? */
static int
json_like(const char *s, size_t n)
{
	size_t i;

	if (n < 6 || s[0] != '{' || s[1] != '"')
		return 0;
	for (i = 2; i < n && s[i] != '"'; i += s[i] == '\\' ? 2 : 1)
		;
	for (i++; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i >= n || s[i] != ':')
		return 0;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return s[n - 1] == '}';
}

/* Count one oddity, remembering where it first happened. */
static void
note(const struct nlp_reader *r, uint64_t *count, uint64_t *first,
    const char **src, uint64_t line)
{
	if ((*count)++ == 0) {
		*first = line;
		*src = r->path;
	}
}

/* Why a record of the input at hand has no label, by its format, with
 * the option that reads it otherwise: the wrong field, column or format
 * makes every record one. */
static void
nolabel_why(const struct nlp_reader *r, char *buf, size_t size)
{
	const char *f = r->o.label_field != NULL ? r->o.label_field : "label";

	switch (r->fmt) {
	case NLP_FMT_JSONL:
		snprintf(buf, size, "no label in field '%.*s', see "
		    "--label-field", (int)nlp_utf8_cut(f, strlen(f), 40), f);
		break;
	case NLP_FMT_TSV:
		if (r->col[LABEL] == 0)
			snprintf(buf, size, "no label before a TAB, see --format");
		else
			snprintf(buf, size, "no label in column %ld, see "
			    "--label-column", r->col[LABEL] + 1);
		break;
	case NLP_FMT_CSV:
		snprintf(buf, size, "an empty label column");
		break;
	case NLP_FMT_FASTTEXT:
		snprintf(buf, size, "no __label__NAME word");
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

/*
 * Count what is odd about a record and decide: 1 to return it, 0 to skip
 * it, or (strict) an error naming the first oddity.
 */
static int
judge(struct nlp_reader *r, struct nlp_record *rec, int v)
{
	struct nlp_reader_stats *st = &r->st;
	const char *what = NULL;
	char where[1024], big[64];
	int lab = r->o.labeled;

	if (v == V_BADLABEL && r->o.bad_label_error)
		return -nlp_errf(&r->err, NLP_DATA, "%s line %llu: %s",
		    nlp_input_shown(r->path, where, sizeof where),
		    (unsigned long long)rec->line, r->why);
	if (v == V_BADLABEL)
		v = V_MALFORMED;
	if (v == V_KEEP && r->no_id)
		note(r, &st->no_id, &st->first_no_id, &st->first_no_id_src,
		    rec->line);
	if (v == V_KEEP && r->wide)
		note(r, &st->wide, &st->first_wide, &st->first_wide_src,
		    rec->line);
	if (v == V_KEEP && r->text_empty) {
		note(r, &st->text_empty, &st->first_text_empty,
		    &st->first_text_empty_src, rec->line);
		rec->flags |= NLP_REC_EMPTY_COLUMN;
	}
	/* not when plain was asked for: the user knows */
	if (v == V_KEEP && r->fmt == NLP_FMT_PLAIN &&
	    r->o.format == NLP_FMT_AUTO && json_like(rec->text, rec->text_len)) {
		note(r, &st->json_like, &st->first_json_like,
		    &st->first_json_like_src, rec->line);
		rec->flags |= NLP_REC_JSON_LIKE;
	}
	if (r->cr_inside) {
		r->cr_inside = 0;
		note(r, &st->bare_cr, &st->first_bare_cr, &st->first_bare_cr_src,
		    rec->line);
		what = "a carriage return inside the line (lines that end in CR "
		    "alone, an old Mac's?)";
	}
	switch (v) {
	case V_BLANK:
		st->blank++;
		/* labeled reading skips it */
		rec->gold_skip = r->o.gold && (r->fmt == NLP_FMT_FASTTEXT ||
		    gold_tsv(r)) ? 2 : 0;
		if (lab && what == NULL)
			what = "blank line";
		rec->text = "";
		rec->text_len = 0;
		break;
	case V_HEADER:
		note(r, &st->header, &st->first_header, &st->first_header_src,
		    rec->line);
		what = what != NULL ? what : r->fmt == NLP_FMT_CSV ?
		    "the CSV header row again" : "a header line (TSV has none)";
		break;
	case V_NOLABEL:
		if (st->skipped_nolabel == 0)
			nolabel_why(r, st->first_nolabel_why,
			    sizeof st->first_nolabel_why);
		note(r, &st->skipped_nolabel, &st->first_nolabel,
		    &st->first_nolabel_src, rec->line);
		what = what != NULL ? what : "record without a label";
		break;
	case V_MULTI:
		note(r, &st->skipped_multilabel, &st->first_multilabel,
		    &st->first_multilabel_src, rec->line);
		what = what != NULL ? what : "record with several labels";
		break;
	case V_MALFORMED:
		if (st->skipped_malformed + st->malformed == 0) {
			/* cut on a character: a summary is one line of UTF-8
			   (eval --json would drop one that is not) */
			const char *why = r->why != NULL ? r->why : "";
			snprintf(st->first_malformed_why,
			    sizeof st->first_malformed_why, "%.*s",
			    (int)nlp_utf8_cut(why, strlen(why),
			    sizeof st->first_malformed_why - 1), why);
		}
		note(r, lab ? &st->skipped_malformed : &st->malformed,
		    &st->first_malformed, &st->first_malformed_src, rec->line);
		if (!lab) {
			rec->flags |= NLP_REC_MALFORMED;
			rec->text = "";
			rec->text_len = 0;
			rec->labels = NULL;
			rec->nlabels = 0;
		}
		what = what != NULL ? what : r->why;
		break;
	}
	if (!lab || v == V_KEEP) {
		if (rec->flags & NLP_REC_CUT) {
			note(r, &st->cut, &st->first_cut, &st->first_cut_src,
			    rec->line);
			snprintf(big, sizeof big, "record longer than %zu bytes",
			    r->max_record);
			what = what != NULL ? what : big;
		}
		if (rec->flags & NLP_REC_BAD_UTF8) {
			note(r, &st->bad_utf8, &st->first_bad_utf8,
			    &st->first_bad_utf8_src, rec->line);
			what = what != NULL ? what : "invalid UTF-8";
		}
		if (rec->flags & NLP_REC_NUL) {
			note(r, &st->nul, &st->first_nul, &st->first_nul_src,
			    rec->line);
			what = what != NULL ? what : "NUL byte";
		}
	}
	if (r->o.strict && what != NULL)
		return -nlp_errf(&r->err, NLP_DATA, "%s line %llu: %s",
		    nlp_input_shown(r->path, where, sizeof where),
		    (unsigned long long)rec->line, what);
	if (lab && v != V_KEEP)
		return 0;
	st->records++;
	return 1;
}

/*
 * The reader.
 */

int
nlp_reader_open(struct nlp_reader **out, const char *const *paths,
    size_t n, const struct nlp_reader_opts *opts, struct nlp_err *e)
{
	static const char *const std_in[] = { "-" };
	static const struct nlp_reader_opts defaults;
	struct nlp_reader *r;
	const char **str[6];
	int i, rv;

	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	if (opts->format < NLP_FMT_AUTO || opts->format > NLP_FMT_FASTTEXT)
		return nlp_errf(e, NLP_USAGE, "unknown input format %d",
		    (int)opts->format);
	if (opts->labeled && opts->format == NLP_FMT_PLAIN)
		return nlp_errf(e, NLP_USAGE, "plain text has no labels; use "
		    "tsv, csv, jsonl or fasttext");
	if ((r = calloc(1, sizeof *r)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	r->paths = n > 0 ? paths : std_in;
	r->npaths = n > 0 ? n : 1;
	r->o = *opts;
	r->allow_multi = opts->multilabel != 0;
	r->st.labeled = opts->labeled != 0;
	str[0] = &r->o.text_column;
	str[1] = &r->o.label_column;
	str[2] = &r->o.id_column;
	str[3] = &r->o.text_field;
	str[4] = &r->o.label_field;
	str[5] = &r->o.id_field;
	for (i = 0; i < 6; i++)
		if (*str[i] != NULL &&
		    (*str[i] = r->own[i] = strdup(*str[i])) == NULL)
			goto nomem;
	for (i = 0; i < NSLOT; i++) {
		r->spec[i] = *str[i];
		r->field[i] = *str[NSLOT + i];
	}
	if (r->field[TEXT] == NULL)
		r->field[TEXT] = "text";
	if (r->field[LABEL] == NULL)
		r->field[LABEL] = "label";
	/* Clamped so that no size below can overflow: 3 * line_cap fits. */
	r->max_record = opts->max_record > 0 ? opts->max_record : MAX_RECORD;
	if (r->max_record > SIZE_MAX / 16)
		r->max_record = SIZE_MAX / 16;
	r->line_cap = 2 * r->max_record + LINE_SLACK;
	if ((rv = options_fit(r)) < 0 ||
	    (opts->format == NLP_FMT_TSV && (rv = tsv_columns(r)) < 0))
		goto refused;
	if (opts->labeled && strcmp(r->field[TEXT], r->field[LABEL]) == 0) {
		/* a label learned from itself: any gate would pass */
		rv = -nlp_errf(&r->err, NLP_USAGE, "label and text cannot both "
		    "be the JSONL field '%s'", r->field[TEXT]);
		goto refused;
	}
	if (r->field[ID] != NULL && strcmp(r->field[TEXT], r->field[ID]) == 0) {
		/* ids scored as the texts */
		rv = -nlp_errf(&r->err, NLP_USAGE, "text and id cannot both "
		    "be the JSONL field '%s'", r->field[TEXT]);
		goto refused;
	}
	*out = r;
	return NLP_OK;
refused:
	if (e != NULL)
		*e = r->err;
	nlp_reader_close(r);
	return -rv;
nomem:
	nlp_reader_close(r);
	return nlp_errf(e, NLP_IO, "out of memory");
}

int
nlp_reader_next(struct nlp_reader *r, struct nlp_record *rec,
    struct nlp_err *e)
{
	int v = 0;

	while (!r->failed) {
		if (!r->active) {
			if (r->ipath == r->npaths) {
				memset(rec, 0, sizeof *rec);
				return NLP_OK;
			}
			if ((v = input_open(r)) < 0)
				break;
		}
		memset(rec, 0, sizeof *rec);
		rec->text = "";
		rec->source = r->path;
		r->no_id = r->wide = r->text_empty = 0;
		v = r->fmt == NLP_FMT_CSV ? csv_record(r, rec) :
		    line_record(r, rec);
		if (v == V_END) {
			if ((v = input_done(r)) < 0)
				break;
			continue;
		}
		if (v >= 0)
			v = judge(r, rec, v);
		if (v < 0)
			break;
		if (v == 1)
			return NLP_OK;
	}
	/* An error sticks: every later call returns it again. */
	r->failed = 1;
	if (e != NULL)
		*e = r->err;
	return r->err.status;
}

void
nlp_reader_allow_multilabel(struct nlp_reader *r, int allow)
{
	r->allow_multi = allow != 0;
}

const struct nlp_reader_stats *
nlp_reader_stats(const struct nlp_reader *r)
{
	return &r->st;
}

const struct nlp_input *
nlp_reader_inputs(const struct nlp_reader *r, size_t *n)
{
	*n = r->ninputs;
	return r->inputs;
}

/* Where nlp_reader_describe() writes, and how many items it wrote. */
struct said {
	char *buf;
	size_t size, len;
	int items;
	int names;               /* a place's file by its name alone */
	int losses;              /* records skipped or changed only */
};

/*
 * Add "<pre><n> <noun>[s]<post> (first at src:line)" to the description
 * when n > 0 (the place only when src is given).
 */
static void
say_why(struct said *o, uint64_t n, const char *pre, const char *noun,
    const char *post, const char *src, uint64_t line, const char *why)
{
	char at[1100] = "", esc[1024];
	int k;

	if (n == 0)
		return;
	/* a name with a newline or an escape sequence in it, escaped: the
	   summary stays one line, and does nothing to a terminal */
	if (src != NULL && o->names && strrchr(src, '/') != NULL)
		src = strrchr(src, '/') + 1;
	if (src != NULL)
		snprintf(at, sizeof at, " (first at %s:%llu%s%s)",
		    strcmp(src, "-") == 0 ? "stdin" : nlp_text_clean(src,
		    strlen(src)) ? src : nlp_text_escape_into(src, esc,
		    sizeof esc), (unsigned long long)line, why != NULL &&
		    why[0] != '\0' ? ": " : "", why != NULL ? why : "");
	if (o->len < o->size) {
		k = snprintf(o->buf + o->len, o->size - o->len,
		    "%s%s%llu %s%s%s%s", o->items > 0 ? "; " : "", pre,
		    (unsigned long long)n, noun, n == 1 ? "" : "s", post, at);
		if (k > 0)
			o->len += (size_t)k;
	}
	o->items++;
}

/* The same, without a reason. */
static void
say(struct said *o, uint64_t n, const char *pre, const char *noun,
    const char *post, const char *src, uint64_t line)
{
	say_why(o, n, pre, noun, post, src, line, NULL);
}

/* The records whose line holds a carriage return, said. */
static void
say_bare_cr(struct said *o, const struct nlp_reader_stats *s)
{
	say(o, s->bare_cr, "", "record", " whose line holds a carriage "
	    "return inside it (lines that end in CR alone, an old Mac's, are "
	    "read as one: tr '\\r' '\\n' splits them)", s->first_bare_cr_src,
	    s->first_bare_cr);
}

static int
describe(const struct nlp_reader_stats *s, char *buf, size_t size, int names,
    int losses)
{
	struct said o = { buf, size, 0, 0, names, losses };

	if (size > 0)
		buf[0] = '\0';
	say_why(&o, s->skipped_nolabel, "skipped ", "record",
	    " without a label", s->first_nolabel_src, s->first_nolabel,
	    s->first_nolabel_why);
	say_why(&o, s->skipped_multilabel, "skipped ", "record",
	    " with several labels", s->first_multilabel_src,
	    s->first_multilabel, "a model trained with --multilabel takes "
	    "them");
	say_why(&o, s->skipped_malformed, "skipped ", "malformed record", "",
	    s->first_malformed_src, s->first_malformed, s->first_malformed_why);
	say_why(&o, s->malformed, "", "malformed record", " read as empty text",
	    s->first_malformed_src, s->first_malformed, s->first_malformed_why);
	if (s->labeled && !losses)
		say(&o, s->blank, "skipped ", "blank line", "", NULL, 0);
	if (!losses)
		say(&o, s->header, "skipped ", "header line", "",
		    s->first_header_src, s->first_header);
	say(&o, s->bad_utf8, "", "record", " had invalid UTF-8",
	    s->first_bad_utf8_src, s->first_bad_utf8);
	say(&o, s->nul, "", "record", " had NUL bytes", s->first_nul_src,
	    s->first_nul);
	say(&o, s->cut, "", "record", " cut to the maximum record size",
	    s->first_cut_src, s->first_cut);
	if (!losses) {
		say(&o, s->no_id, "", "record", " with no id (scored, the id "
		    "left empty)", s->first_no_id_src, s->first_no_id);
		say(&o, s->wide, "", "record", " of more than two TSV columns "
		    "scored on the last (--text-column chooses)",
		    s->first_wide_src, s->first_wide);
		say(&o, s->text_empty, "", "record", " whose TSV text column "
		    "is empty (a line ending in a TAB?), read as an empty "
		    "text", s->first_text_empty_src, s->first_text_empty);
		say(&o, s->json_like, "", "record", " in the form of a JSON "
		    "object read as plain text (--format jsonl reads the text "
		    "field)", s->first_json_like_src, s->first_json_like);
	}
	say_bare_cr(&o, s);
	return o.items;
}

int
nlp_reader_describe(const struct nlp_reader_stats *s, char *buf, size_t size)
{
	return describe(s, buf, size, 0, 0);
}

int
nlp_reader_describe_names(const struct nlp_reader_stats *s, char *buf,
    size_t size)
{
	return describe(s, buf, size, 1, 0);
}

int
nlp_reader_describe_losses(const struct nlp_reader_stats *s, char *buf,
    size_t size)
{
	return describe(s, buf, size, 0, 1);
}

int
nlp_reader_describe_bare_cr(const struct nlp_reader_stats *s, char *buf,
    size_t size)
{
	struct said o = { buf, size, 0, 0, 0, 1 };

	if (size > 0)
		buf[0] = '\0';
	say_bare_cr(&o, s);
	return o.items;
}

void
nlp_reader_close(struct nlp_reader *r)
{
	int i;

	if (r == NULL)
		return;
	if (r->active)
		input_close(r);
	for (i = 0; i < 6; i++)
		free(r->own[i]);
	for (i = 0; i < NSLOT; i++)
		free(r->f[i].p);
	free(r->out.p);
	free(r->id.p);
	free(r->tmp.p);
	free(r->lab.p);
	free(r->hdr.p);
	while (r->nhdr_lines > 0)
		free(r->hdr_lines[--r->nhdr_lines]);
	free(r->hdr_lines);
	free(r->hdr_lens);
	free(r->laboff);
	free(r->labptr);
	free(r->labset);
	free(r->inputs);
	free(r);
}
