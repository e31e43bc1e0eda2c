/*
 * test_reader.c - unit tests of the record reader (lib/reader.c): every
 * format, compressed input, digests, repairs of bad bytes, the record size
 * limit, strict mode, and the description of oddities.  Inputs are small
 * files written to /tmp at test time and removed afterwards.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reader.h"
#include "leak_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifdef ASAN
/* From <sanitizer/allocator_interface.h>, which gcc does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
#else
#include <malloc.h>
#endif

#define MAXTMP 16
#define MAXREC 32

static char *tmps[MAXTMP];
static int ntmp;

/* Remove the files a test made. */
static void
cleanup(void)
{
	int i;

	for (i = 0; i < ntmp; i++) {
		unlink(tmps[i]);
		free(tmps[i]);
	}
	ntmp = 0;
}

TestSuite(reader, .fini = cleanup);

/* Remember a path to remove at the end of the test. */
static const char *
keep(char *path)
{
	cr_assert(ntmp < MAXTMP);
	tmps[ntmp++] = path;
	return path;
}

/* A new file in /tmp whose name ends in suffix, holding data[0..len). */
static const char *
tmp_with(const char *suffix, const void *data, size_t len)
{
	char *path;
	int fd;

	cr_assert(asprintf(&path, "/tmp/nlp-reader-XXXXXX%s", suffix) > 0);
	fd = mkstemps(path, (int)strlen(suffix));
	cr_assert(fd >= 0);
	cr_assert(write(fd, data, len) == (ssize_t)len);
	close(fd);
	return keep(path);
}

/* A temporary file from a string literal (which may hold NUL bytes). */
#define TMP(suffix, lit) tmp_with(suffix, lit, sizeof lit - 1)

/* Everything a reader returned, copied out. */
struct got {
	int n, status;
	char text[MAXREC][256];
	size_t len[MAXREC];
	char labels[MAXREC][64];     /* joined with '|' */
	size_t nlabels[MAXREC];
	char id[MAXREC][32];         /* "(none)" for NULL */
	const char *src[MAXREC];
	uint64_t line[MAXREC];
	unsigned flags[MAXREC];
	struct nlp_err err;
	struct nlp_reader_stats st;
	char describe[512];
	struct nlp_input in[4];
	size_t nin;
};

/* nlp_reader_next() as a number to compare: 1 a record, 0 the end, the
 * status negated on an error. */
static int
step(struct nlp_reader *r, struct nlp_record *rec, struct nlp_err *e)
{
	int rc = nlp_reader_next(r, rec, e);

	return rc != NLP_OK ? -rc : rec->text != NULL;
}

/* Copy one record into g. */
static void
take(struct got *g, const struct nlp_record *rec)
{
	size_t i;
	int k = g->n++;

	cr_assert(k < MAXREC);
	cr_assert_eq(strlen(rec->text), rec->text_len,
	    "text must be NUL-terminated at text_len");
	snprintf(g->text[k], sizeof g->text[k], "%s", rec->text);
	g->len[k] = rec->text_len;
	g->labels[k][0] = '\0';
	for (i = 0; i < rec->nlabels; i++)
		snprintf(g->labels[k] + strlen(g->labels[k]),
		    sizeof g->labels[k] - strlen(g->labels[k]), "%s%s",
		    i > 0 ? "|" : "", rec->labels[i]);
	g->nlabels[k] = rec->nlabels;
	snprintf(g->id[k], sizeof g->id[k], "%s",
	    rec->id != NULL ? rec->id : "(none)");
	g->src[k] = rec->source;
	g->line[k] = rec->line;
	g->flags[k] = rec->flags;
}

/*
 * Read paths[0..n) to the end (or the first error) with opts; multi lets
 * multi-label records through.  The caller frees the result.
 */
static struct got *
read_all(const char *const *paths, size_t n, struct nlp_reader_opts o,
    int multi)
{
	struct got *g = calloc(1, sizeof *g);
	const struct nlp_input *in;
	struct nlp_record rec;
	struct nlp_reader *r;
	int rv;

	cr_assert(g != NULL);
	rv = nlp_reader_open(&r, paths, n, &o, &g->err);
	cr_assert_eq(rv, NLP_OK, "open: %s", g->err.msg);
	nlp_reader_allow_multilabel(r, multi);
	while ((rv = step(r, &rec, &g->err)) == 1)
		take(g, &rec);
	g->status = rv;
	g->st = *nlp_reader_stats(r);
	nlp_reader_describe(&g->st, g->describe, sizeof g->describe);
	in = nlp_reader_inputs(r, &g->nin);
	cr_assert(g->nin <= 4);
	if (g->nin > 0)
		memcpy(g->in, in, g->nin * sizeof *in);
	nlp_reader_close(r);
	return g;
}

/* read_all() over one path. */
static struct got *
read1(const char *path, struct nlp_reader_opts o)
{
	return read_all(&path, 1, o, 0);
}

/*
 * Record i of g must have this text and these labels ('|'-joined) at this
 * line; NULL or 0 leaves that part unchecked.
 */
static void
expect(const struct got *g, int i, const char *text, const char *labels,
    uint64_t line)
{
	cr_assert_lt(i, g->n, "record %d of %d", i, g->n);
	if (text != NULL)
		cr_assert_str_eq(g->text[i], text, "record %d", i);
	if (labels != NULL)
		cr_assert_str_eq(g->labels[i], labels, "record %d", i);
	if (line != 0)
		cr_assert_eq(g->line[i], line, "record %d", i);
}

/* The size of a file, as wc -c says. */
static uint64_t
file_size(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

/* in must have the digest and size that sha256sum and wc -c give path. */
static void
expect_digest(const struct nlp_input *in, const char *path)
{
	char cmd[512], hex[NLP_SHA256_HEX];
	FILE *p;

	snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
	p = popen(cmd, "r");
	cr_assert(p != NULL);
	cr_assert_eq(fscanf(p, "%64s", hex), 1);
	pclose(p);
	cr_assert_str_eq(in->sha256, hex, "%s", path);
	cr_assert_eq(in->bytes, file_size(path), "%s", path);
}

/* Make fd 0 read the file at path, for the tests of stdin. */
static void
stdin_from(const char *path)
{
	int fd = open(path, O_RDONLY);

	cr_assert(fd >= 0);
	cr_assert_eq(dup2(fd, 0), 0);
	close(fd);
}

/* Bytes the heap holds now (the allocator's count under ASan). */
static size_t
heap_in_use(void)
{
#ifdef ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#endif
}

#define LABELED(...) ((struct nlp_reader_opts){ .labeled = 1, __VA_ARGS__ })
#define UNLABELED(...) ((struct nlp_reader_opts){ .labeled = 0, __VA_ARGS__ })

/*
 * TSV.
 */

LEAK_TEST_FINI(reader, tsv_reads_label_then_text_with_tabs_kept, cleanup)
{
	const char *p = TMP(".tsv", "pos\tgood movie\nneg\tbad\tfilm\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->status, 0);
	cr_assert_eq(g->n, 2);
	expect(g, 0, "good movie", "pos", 1);
	expect(g, 1, "bad\tfilm", "neg", 2);
	cr_assert_eq(g->src[1], p);
	cr_assert_str_eq(g->id[0], "(none)");
	cr_assert_eq(g->st.records, 2);
	cr_assert_eq(g->st.lines, 2);
	cr_assert_eq(nlp_reader_describe(&g->st, g->describe, 8), 0);
	free(g);
}

/* Regression (fixed): a TSV exported from a table (pandas' to_csv with
   sep='\t', a spreadsheet) begins with its column names, which were read
   as an example: a class "label" of one text, "text".  Expected: a first
   line whose label and text fields are column names of the kind is
   skipped and said; anywhere else, or one field alone, it is data. */
/* A header line is an input's first line of column names, and that same
 * line again later (exports concatenated hold one each; a part of a file
 * cut there reads as the whole); an example that only looks like one
 * ('y<TAB>input') stays an example. */
LEAK_TEST_FINI(reader, tsv_skips_the_header_line_and_its_repeats, cleanup)
{
	const char *paths[2] = {
		TMP(".tsv", " Category\tReview \npos\tgood\n Category\tReview "
		    "\ny\tinput\nlabel\ttext\n"),
		TMP(".tsv", "label\tfree money\nneg\tbad\n"),
	};
	struct got *g = read_all(paths, 2, LABELED(), 0);
	struct got *u;

	cr_assert_eq(g->n, 5);
	expect(g, 0, "good", "pos", 2);
	expect(g, 1, "input", "y", 4);
	expect(g, 2, "text", "label", 5);
	expect(g, 3, "free money", "label", 1);
	cr_assert_eq(g->st.header, 2);
	cr_assert_eq(g->st.first_header, 1);
	cr_assert_eq(g->st.first_header_src, paths[0]);
	cr_assert(strstr(g->describe, "skipped 2 header lines (first at") !=
	    NULL, "%s", g->describe);
	free(g);
	/* predict's reading: a line out for every line in */
	u = read1(paths[0], UNLABELED());
	cr_assert_eq(u->n, 5);
	cr_assert_str_eq(u->text[0], "Review ");
	cr_assert_eq(u->st.header, 0);
	free(u);
}

LEAK_TEST_FINI(reader, tsv_skips_records_without_label, cleanup)
{
	const char *p = TMP(".tsv",
	    "pos\ta\nno tab here\n\tempty label\n  \tblank label\nneg\tb\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 2);
	expect(g, 1, "b", NULL, 5);
	cr_assert_eq(g->st.skipped_nolabel, 3);
	cr_assert_eq(g->st.first_nolabel, 2);
	cr_assert_eq(g->st.first_nolabel_src, p);
	free(g);
}

LEAK_TEST_FINI(reader, tsv_trims_labels_and_refuses_control_characters_in_them, cleanup)
{
	const char *p = TMP(".tsv", " pos \ta\nne\x01g\tb\nneg\xff\tc\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 1);
	cr_assert_str_eq(g->labels[0], "pos");
	cr_assert_eq(g->st.skipped_malformed, 2);
	cr_assert_eq(g->st.first_malformed, 2);
	free(g);
}

LEAK_TEST_FINI(reader, c1_control_characters_in_labels_are_refused_too, cleanup)
{
	/* U+009B is CSI, a terminal escape of its own */
	const char *p = TMP(".tsv", "pos\ta\nne\xc2\x9bg\tb\nn\xc2\xa0g\tc\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->labels[1], "n\xc2\xa0g");   /* U+00A0 is fine */
	cr_assert_eq(g->st.skipped_malformed, 1);
	cr_assert_eq(g->st.first_malformed, 2);
	free(g);
}

LEAK_TEST_FINI(reader, bad_label_error_names_file_line_and_character, cleanup)
{
	const char *jl = TMP(".jsonl", "{\"text\":\"hi\",\"label\":\"ham\"}\n"
	    "{\"text\":\"hello\",\"label\":\"ham\\nX\"}\n");
	const char *ts = TMP(".tsv", "pos\ta\nne\x7fg\tb\n");
	const char *bad = TMP(".tsv", "pos\ta\nneg\tb\nn\xffg\tc\n");
	const char *ft = TMP(".ft", "__label__a x\n__label__b __label__\x1b[2J y\n");
	struct got *g = read1(jl, LABELED(.bad_label_error = 1));
	char want[256];

	snprintf(want, sizeof want, "'%s' line 2: label with a control "
	    "character (U+000A)", jl);
	cr_assert_eq(g->status, -NLP_DATA);
	cr_assert_eq(g->n, 1);
	cr_assert_str_eq(g->err.msg, want);
	free(g);
	g = read1(ts, LABELED(.bad_label_error = 1));
	snprintf(want, sizeof want, "'%s' line 2: label with a control "
	    "character (U+007F)", ts);
	cr_assert_str_eq(g->err.msg, want);
	free(g);
	g = read1(bad, LABELED(.bad_label_error = 1));
	snprintf(want, sizeof want, "'%s' line 3: label with invalid UTF-8", bad);
	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->err.msg, want);
	free(g);
	g = read_all(&ft, 1, LABELED(.bad_label_error = 1), 1);
	cr_assert_eq(g->status, -NLP_DATA);
	cr_assert(strstr(g->err.msg, "line 2: label with a control character "
	    "(U+001B)") != NULL, "%s", g->err.msg);
	free(g);
}

LEAK_TEST_FINI(reader, jsonl_label_repaired_from_invalid_utf8_is_a_bad_label, cleanup)
{
	/* the repair before parsing would make "ham\xff" the label "ham\uFFFD" */
	const char *p = TMP(".jsonl", "{\"text\":\"a\xff\",\"label\":\"ok\"}\n"
	    "{\"text\":\"b\",\"label\":\"ham\xff\"}\n"
	    "{\"text\":\"c\",\"label\":\"ok\\ufffd\"}\n");
	struct got *g = read1(p, LABELED());
	struct got *e = read1(p, LABELED(.bad_label_error = 1));

	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->labels[0], "ok");
	cr_assert_str_eq(g->labels[1], "ok\xef\xbf\xbd");  /* written as such */
	cr_assert_eq(g->st.skipped_malformed, 1);
	cr_assert_eq(g->st.first_malformed, 2);
	cr_assert_eq(e->status, -NLP_DATA);
	cr_assert(strstr(e->err.msg, "line 2: label with invalid UTF-8") != NULL,
	    "%s", e->err.msg);
	free(g);
	free(e);
}

LEAK_TEST_FINI(reader, tsv_picks_label_text_and_id_columns_by_number, cleanup)
{
	const char *p = TMP(".tsv", "1\tgood\tpos\n2\tbad\tneg\n3\tshort\n");
	struct got *g = read1(p, LABELED(.text_column = "2",
	    .label_column = "3", .id_column = "1"));

	cr_assert_eq(g->n, 2);
	expect(g, 0, "good", "pos", 0);
	cr_assert_str_eq(g->id[0], "1");
	cr_assert_str_eq(g->text[1], "bad");
	cr_assert_str_eq(g->id[1], "2");
	cr_assert_eq(g->st.skipped_malformed, 1);
	cr_assert_eq(g->st.first_malformed, 3);
	free(g);
}

LEAK_TEST_FINI(reader, tsv_label_column_alone_puts_text_in_the_first_other_column, cleanup)
{
	const char *p = TMP(".tsv", "good film\tpos\n");
	struct got *g = read1(p, LABELED(.label_column = "2"));

	cr_assert_eq(g->n, 1);
	expect(g, 0, "good film", "pos", 0);
	free(g);
}

LEAK_TEST_FINI(reader, tsv_refuses_column_names_and_equal_columns, cleanup)
{
	struct nlp_reader_opts o = LABELED(.format = NLP_FMT_TSV,
	    .text_column = "text");
	struct nlp_reader *r;
	struct nlp_err e = { 0 };

	cr_assert_eq(nlp_reader_open(&r, NULL, 0, &o, &e), NLP_USAGE);
	cr_assert_null(r);
	cr_assert(strstr(e.msg, "'text'") != NULL, "%s", e.msg);
	o.text_column = o.label_column = "2";
	cr_assert_eq(nlp_reader_open(&r, NULL, 0, &o, &e), NLP_USAGE);
	cr_assert(strstr(e.msg, "column 2") != NULL, "%s", e.msg);
}

LEAK_TEST_FINI(reader, tsv_column_name_is_a_usage_error_when_the_format_is_guessed, cleanup)
{
	const char *p = TMP(".tsv", "pos\ta\n");
	struct got *g = read1(p, LABELED(.text_column = "text"));

	cr_assert_eq(g->status, -NLP_USAGE);
	cr_assert_eq(g->n, 0);
	free(g);
}

LEAK_TEST_FINI(reader, unlabeled_tsv_takes_the_last_column_by_default, cleanup)
{
	const char *p = TMP(".tsv", "a\tb\tc\nsolo\n\n");
	struct got *g = read1(p, UNLABELED());

	cr_assert_eq(g->n, 3);
	cr_assert_str_eq(g->text[0], "c");
	cr_assert_eq(g->nlabels[0], 0);
	cr_assert_str_eq(g->text[1], "solo");
	cr_assert_str_eq(g->text[2], "");
	cr_assert_eq(g->st.blank, 1);
	free(g);
}

LEAK_TEST_FINI(reader, unlabeled_tsv_returns_a_missing_text_column_as_malformed, cleanup)
{
	const char *p = TMP(".tsv", "a\tb\tc\na\tb\nx\ty\tz\n");
	struct got *g = read1(p, UNLABELED(.text_column = "3",
	    .id_column = "1"));

	cr_assert_eq(g->n, 3);
	cr_assert_str_eq(g->text[0], "c");
	cr_assert_str_eq(g->id[0], "a");
	cr_assert_str_eq(g->text[1], "");
	cr_assert_eq(g->flags[1], NLP_REC_MALFORMED);
	cr_assert_str_eq(g->id[1], "a");   /* the id goes with it */
	cr_assert_eq(g->line[1], 2);
	cr_assert_str_eq(g->text[2], "z");
	cr_assert_eq(g->st.malformed, 1);
	cr_assert_eq(g->st.skipped_malformed, 0);
	cr_assert_eq(g->st.first_malformed, 2);
	cr_assert(strstr(g->describe, "1 malformed record read as empty") !=
	    NULL, "%s", g->describe);
	free(g);
}

/*
 * fastText.
 */

LEAK_TEST_FINI(reader, fasttext_reads_leading_labels_then_text, cleanup)
{
	const char *p = TMP(".ft",
	    "__label__pos good one\nno label\n__label__neg\tbad\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 2);
	expect(g, 0, "good one", "pos", 0);
	expect(g, 1, "bad", "neg", 0);
	cr_assert_eq(g->st.skipped_nolabel, 1);
	cr_assert_eq(g->st.first_nolabel, 2);
	free(g);
}

/* Regression (fixed): only leading __label__ tokens were labels, where
   fastText takes one anywhere in the line ("text __label__x"): a data set
   with its labels last lost every record, and one later in the line was
   a word of the text.  Expected: a label wherever it is, cut out of the
   text with the blanks before it; a word with __label__ inside it is a
   word. */
LEAK_TEST_FINI(reader, fasttext_takes_labels_anywhere_in_the_line, cleanup)
{
	const char *p = TMP(".ft",
	    "trailing words __label__t\nin  __label__m\tthe middle\n"
	    "__label__neg\tbad __label__x\nnot__label__y one\n"
	    "__label__a x __label__b y __label__c\n");
	struct got *g = read1(p, LABELED());
	struct got *m;

	cr_assert_eq(g->n, 2);
	expect(g, 0, "trailing words", "t", 0);
	expect(g, 1, "in\tthe middle", "m", 0);
	cr_assert_eq(g->st.skipped_multilabel, 2);
	cr_assert_eq(g->st.first_multilabel, 3);
	cr_assert_eq(g->st.skipped_nolabel, 1);
	cr_assert_eq(g->st.first_nolabel, 4);
	free(g);
	m = read_all(&p, 1, LABELED(), 1);
	cr_assert_eq(m->n, 4);
	expect(m, 2, "bad", "neg|x", 0);
	expect(m, 3, "x y", "a|b|c", 0);
	free(m);
}

/* fastText's words end at VT, FF, CR and NUL as at a space: a label
 * there used to take the text after it in, and stop the run as a label
 * with a control character. */
LEAK_TEST_FINI(reader, fasttext_words_end_at_every_blank_fasttext_knows, cleanup)
{
	static const char data[] = "__label__a\vone\n__label__b\ftwo\n"
	    "__label__c\rthree\n__label__d\0four\nfive\f__label__e\n";
	const char *p = tmp_with(".ft", data, sizeof data - 1);
	struct got *g = read1(p, LABELED(.bad_label_error = 1));

	cr_assert_eq(g->status, 0, "%s", g->err.msg);
	cr_assert_eq(g->n, 5);
	expect(g, 0, "one", "a", 1);
	expect(g, 1, "two", "b", 2);
	expect(g, 2, "three", "c", 3);
	expect(g, 3, "four", "d", 4);
	expect(g, 4, "five", "e", 5);
	free(g);
}

LEAK_TEST_FINI(reader, fasttext_skips_multilabel_records_by_default, cleanup)
{
	const char *p = TMP(".ft",
	    "__label__a __label__b two\n__label__a __label__a one\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 1);
	cr_assert_str_eq(g->labels[0], "a");
	cr_assert_eq(g->nlabels[0], 1);
	cr_assert_str_eq(g->text[0], "one");
	cr_assert_eq(g->st.skipped_multilabel, 1);
	cr_assert_eq(g->st.first_multilabel, 1);
	cr_assert(strstr(g->describe, "skipped 1 record with several labels")
	    != NULL, "%s", g->describe);
	free(g);
}

LEAK_TEST_FINI(reader, fasttext_returns_multilabel_records_when_allowed, cleanup)
{
	const char *p = TMP(".ft", "__label__a __label__b two\n");
	struct got *g = read_all(&p, 1, LABELED(), 1);

	cr_assert_eq(g->n, 1);
	cr_assert_eq(g->nlabels[0], 2);
	expect(g, 0, "two", "a|b", 0);
	cr_assert_eq(g->st.skipped_multilabel, 0);
	free(g);
}

LEAK_TEST_FINI(reader, tsv_and_csv_label_lists_split_at_the_separator, cleanup)
{
	const char *t = TMP(".tsv", "bug, ui\tthe button\nbug,bug,\tsame twice\n"
	    "a;b\tsemicolons\n");
	const char *c = TMP(".csv", "label,text\n\"x,y\",both\nz,one\n");
	struct nlp_reader_opts o = LABELED();
	struct got *g = read_all(&t, 1, o, 1);

	/* trimmed, a repeat counted once, an empty one ignored */
	cr_assert_eq(g->n, 3);
	expect(g, 0, "the button", "bug|ui", 1);
	expect(g, 1, "same twice", "bug", 2);
	expect(g, 2, "semicolons", "a;b", 3);
	free(g);
	o.label_sep = ';';
	g = read_all(&t, 1, o, 1);
	expect(g, 0, NULL, "bug, ui", 0);
	expect(g, 2, NULL, "a|b", 0);
	free(g);
	g = read_all(&c, 1, LABELED(), 1);
	cr_assert_eq(g->n, 2);
	expect(g, 0, "both", "x|y", 0);
	expect(g, 1, "one", "z", 0);
	free(g);
	/* without multi-label records allowed, the field is one label */
	g = read_all(&t, 1, LABELED(), 0);
	expect(g, 0, "the button", "bug, ui", 1);
	free(g);
}

/*
 * A repeated label was found by comparing with every label before it:
 * 87000 labels on one line took 14 s.  Now a hash set: this line of 100000
 * labels (80000 distinct) is read in a blink, and each counts once, in
 * order.
 */
LEAK_TEST_FINI(reader, fasttext_line_of_many_labels_is_read_in_linear_time, cleanup)
{
	size_t cap = 4u << 20, len = 0, i;
	char *data = malloc(cap);
	const char *p;
	struct nlp_reader *r;
	struct nlp_record rec;
	struct nlp_err e;
	struct timespec t0, t1;
	double s;
	char want[32];
	int rv;

	cr_assert_not_null(data);
	for (i = 0; i < 100000; i++)
		len += (size_t)sprintf(data + len, "__label__l%zu ", i % 80000);
	len += (size_t)sprintf(data + len, "the text\n__label__a b\n");
	p = tmp_with(".ft", data, len);
	free(data);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(nlp_reader_open(&r, &p, 1, &LABELED(), &e), NLP_OK);
	nlp_reader_allow_multilabel(r, 1);
	rv = step(r, &rec, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(rv, 1, "%s", e.msg);
	cr_assert_eq(rec.nlabels, 80000);
	cr_assert_str_eq(rec.text, "the text");
	for (i = 0; i < 80000; i += 7919) {
		snprintf(want, sizeof want, "l%zu", i);
		cr_assert_str_eq(rec.labels[i], want);
	}
	cr_assert_eq(step(r, &rec, &e), 1);
	cr_assert_eq(rec.nlabels, 1);
	cr_assert_str_eq(rec.labels[0], "a");
	nlp_reader_close(r);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* linear: about 0.05 s, 0.5 s under the sanitizers; quadratic: 20 s */
	cr_assert_lt(s, 5.0, "%.2f s for one line of 100000 labels", s);
}

LEAK_TEST_FINI(reader, unlabeled_fasttext_drops_the_labels, cleanup)
{
	const char *p = TMP(".ft", "__label__a __label__b two\nplain\n");
	struct got *g = read1(p, UNLABELED());

	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->text[0], "two");
	cr_assert_eq(g->nlabels[0], 0);
	cr_assert_str_eq(g->text[1], "plain");
	free(g);
}

/*
 * JSONL.
 */

LEAK_TEST_FINI(reader, jsonl_reads_string_number_and_boolean_labels, cleanup)
{
	const char *p = TMP(".jsonl",
	    "{\"text\": \"hi\", \"label\": \"pos\"}\n"
	    "{\"label\": 3, \"text\": \"x\"}\n"
	    "{\"text\": \"y\", \"label\": 2.5}\n"
	    "{\"text\": \"z\", \"label\": true}\n"
	    "{\"text\": \"w\", \"label\": null}\n"
	    "{\"text\": \"v\"}\n"
	    "{\"text\": \"u\", \"label\": \"  \"}\n"
	    "{\"text\": \"t\", \"label\": 10.0}\n"
	    "{\"text\": \"s\", \"label\": 1.0}\n"
	    "{\"text\": \"r\", \"label\": -200.0}\n"
	    "{\"text\": \"q\", \"label\": 1e300}\n"
	    "{\"text\": \"o\", \"label\": 0.0001}\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 9);
	expect(g, 0, "hi", "pos", 0);
	cr_assert_str_eq(g->labels[1], "3");
	cr_assert_str_eq(g->labels[2], "2.5");
	cr_assert_str_eq(g->labels[3], "true");
	/* a whole real is written as the integer is, not "1e+01" */
	cr_assert_str_eq(g->labels[4], "10");
	cr_assert_str_eq(g->labels[5], "1");
	cr_assert_str_eq(g->labels[6], "-200");
	cr_assert_str_eq(g->labels[7], "1e+300");
	cr_assert_str_eq(g->labels[8], "0.0001");
	cr_assert_eq(g->st.skipped_nolabel, 3);
	cr_assert_eq(g->st.first_nolabel, 5);
	free(g);
}

LEAK_TEST_FINI(reader, jsonl_label_array_is_multilabel, cleanup)
{
	const char *p = TMP(".jsonl",
	    "{\"text\": \"a\", \"label\": [\"x\", \"y\"]}\n"
	    "{\"text\": \"b\", \"label\": [\"x\"]}\n"
	    "{\"text\": \"c\", \"label\": []}\n"
	    "{\"text\": \"d\", \"label\": [{}]}\n");
	struct got *g = read1(p, LABELED());
	struct got *m = read_all(&p, 1, LABELED(), 1);

	cr_assert_eq(g->n, 1);
	cr_assert_str_eq(g->text[0], "b");
	cr_assert_eq(g->st.skipped_multilabel, 1);
	cr_assert_eq(g->st.skipped_nolabel, 1);
	cr_assert_eq(g->st.skipped_malformed, 1);
	cr_assert_eq(m->n, 2);
	cr_assert_str_eq(m->labels[0], "x|y");
	free(g);
	free(m);
}

LEAK_TEST_FINI(reader, jsonl_skips_bad_json_in_labeled_mode, cleanup)
{
	const char *p = TMP(".jsonl",
	    "{\"text\": \"a\", \"label\": \"p\"}\n"
	    "{bad\n"
	    "[1, 2]\n"
	    "{\"label\": \"p\"}\n"
	    "{\"text\": 5, \"label\": \"p\"}\n"
	    "{\"text\": \"b\", \"label\": \"q\"}\n");
	struct got *g = read1(p, LABELED());
	char want[256];

	cr_assert_eq(g->n, 2);
	expect(g, 1, "b", NULL, 6);
	cr_assert_eq(g->st.skipped_malformed, 4);
	cr_assert_eq(g->st.first_malformed, 2);
	snprintf(want, sizeof want, "skipped 4 malformed records (first at "
	    "%s:2: invalid JSON: string or '}' expected near 'bad')", p);
	cr_assert_str_eq(g->describe, want);
	free(g);
}

LEAK_TEST_FINI(reader, jsonl_returns_bad_json_as_malformed_in_unlabeled_mode, cleanup)
{
	const char *p = TMP(".jsonl",
	    "{\"text\": \"a\"}\n{bad\n\n{\"text\": \"c\"}\n");
	struct got *g = read1(p, UNLABELED());

	cr_assert_eq(g->n, 4);
	cr_assert_str_eq(g->text[0], "a");
	cr_assert_str_eq(g->text[1], "");
	cr_assert_eq(g->flags[1], NLP_REC_MALFORMED);
	cr_assert_eq(g->line[1], 2);
	cr_assert_str_eq(g->text[2], "");
	cr_assert_eq(g->flags[2], 0);
	cr_assert_str_eq(g->text[3], "c");
	cr_assert_eq(g->st.malformed, 1);
	cr_assert_eq(g->st.blank, 1);
	cr_assert_eq(g->st.records, 4);
	free(g);
}

LEAK_TEST_FINI(reader, jsonl_takes_field_names_from_options_and_ids, cleanup)
{
	const char *p = TMP(".jsonl",
	    "{\"body\": \"t\", \"tag\": \"p\", \"key\": 7}\n"
	    "{\"body\": \"u\", \"tag\": \"p\", \"key\": \"k2\"}\n"
	    "{\"body\": \"v\", \"tag\": \"p\"}\n");
	struct got *g = read1(p, LABELED(.text_field = "body",
	    .label_field = "tag", .id_field = "key"));

	cr_assert_eq(g->n, 2);
	expect(g, 0, "t", "p", 0);
	cr_assert_str_eq(g->id[0], "7");
	cr_assert_str_eq(g->id[1], "k2");
	cr_assert_eq(g->st.skipped_malformed, 1);
	free(g);
}

LEAK_TEST_FINI(reader, jsonl_decodes_escapes_and_repairs_nul_and_bad_bytes, cleanup)
{
	const char *p = TMP(".jsonl",
	    "{\"text\": \"caf\\u00e9\\u0000x\\nline\", \"label\": \"a\"}\n"
	    "{\"text\": \"bad \xff byte\", \"label\": \"a\"}\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->text[0], "caf\xc3\xa9 x\nline");
	cr_assert_eq(g->flags[0], NLP_REC_NUL);
	cr_assert_str_eq(g->text[1], "bad \xef\xbf\xbd byte");
	cr_assert_eq(g->flags[1], NLP_REC_BAD_UTF8);
	cr_assert_eq(g->st.first_nul, 1);
	cr_assert_eq(g->st.first_bad_utf8, 2);
	free(g);
}

LEAK_TEST_FINI(reader, jsonl_lone_surrogate_escapes_are_repaired_not_lost, cleanup)
{
	/* what Python's json.dumps writes for a broken string: jansson
	   refuses it, and the record was lost as malformed */
	const char *p = TMP(".jsonl",
	    "{\"text\": \"lone \\ud800 x\", \"label\": \"a\"}\n"
	    "{\"text\": \"pair \\ud83d\\ude00 \\\\ud800\", \"label\": \"a\"}\n"
	    "{\"text\": \"low \\uDC00\\ud800\", \"label\": \"b\"}\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 3);
	cr_assert_str_eq(g->text[0], "lone \xef\xbf\xbd x");
	cr_assert_eq(g->flags[0], NLP_REC_BAD_UTF8);
	/* a pair is one character; an escaped backslash is no escape */
	cr_assert_str_eq(g->text[1], "pair \xf0\x9f\x98\x80 \\ud800");
	cr_assert_eq(g->flags[1], 0);
	cr_assert_str_eq(g->text[2], "low \xef\xbf\xbd\xef\xbf\xbd");
	cr_assert_eq(g->flags[2], NLP_REC_BAD_UTF8);
	cr_assert_eq(g->st.skipped_malformed, 0);
	free(g);
}

/*
 * CSV.
 */

LEAK_TEST_FINI(reader, csv_finds_columns_by_header_name_in_any_case, cleanup)
{
	const char *p = TMP(".csv", " Label ,TEXT\npos,good\nneg,bad\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->status, 0);
	cr_assert_eq(g->n, 2);
	expect(g, 0, "good", "pos", 2);
	cr_assert_eq(g->line[1], 3);
	cr_assert_eq(g->st.lines, 3);
	free(g);
}

LEAK_TEST_FINI(reader, csv_handles_quoted_commas_quotes_and_newlines, cleanup)
{
	const char *p = TMP(".csv",
	    "text,label,id\n"
	    "\"hello, world\",pos,1\n"
	    "\"she said \"\"hi\"\"\",neg,2\n"
	    "\"two\r\nlines\",pos,3\r\n"
	    "plain,\"neg\",4\n"
	    "\"\",pos,5\n");
	struct got *g = read1(p, LABELED(.id_column = "id"));

	cr_assert_eq(g->n, 5);
	expect(g, 0, "hello, world", "pos", 0);
	cr_assert_str_eq(g->id[0], "1");
	cr_assert_eq(g->line[0], 2);
	expect(g, 1, "she said \"hi\"", NULL, 3);
	expect(g, 2, "two\nlines", NULL, 4);
	cr_assert_str_eq(g->id[2], "3");
	expect(g, 3, "plain", "neg", 6);
	expect(g, 4, "", NULL, 7);
	cr_assert_eq(g->st.lines, 7);
	free(g);
}

LEAK_TEST_FINI(reader, csv_selects_columns_by_number, cleanup)
{
	const char *p = TMP(".csv", "a,b\npos,good\n");
	struct got *g = read1(p, LABELED(.text_column = "2",
	    .label_column = "1"));

	cr_assert_eq(g->n, 1);
	expect(g, 0, "good", "pos", 0);
	free(g);
}

/* A label read from the text's own column passed any gate (it was read). */
LEAK_TEST_FINI(reader, csv_and_jsonl_refuse_the_label_in_the_text_column, cleanup)
{
	const char *p = TMP(".csv", "label,text\nham,hello\n");
	const char *j = TMP(".jsonl", "{\"text\": \"a\", \"label\": \"b\"}\n");
	struct nlp_reader_opts csv[] = {
		LABELED(.text_column = "label", .label_column = "label"),
		LABELED(.text_column = "1"),
		LABELED(.label_column = "text"),
		LABELED(.text_column = "2", .label_column = "TEXT"),
	};
	const char *want[] = { "column 1 ('label')", "column 1 ('label')",
	    "column 2 ('text')", "column 2 ('text')" };
	struct nlp_reader_opts js[] = { LABELED(.text_field = "label"),
	    LABELED(.label_field = "text"),
	    LABELED(.text_field = "t", .label_field = "t") };
	struct nlp_reader *r;
	struct nlp_err e = { 0 };
	struct got *g;
	size_t i;

	for (i = 0; i < sizeof csv / sizeof *csv; i++) {
		g = read1(p, csv[i]);
		cr_assert_eq(g->status, -NLP_USAGE, "%zu", i);
		cr_assert_eq(g->n, 0);
		cr_assert(strstr(g->err.msg, want[i]) && strstr(g->err.msg, p),
		    "%zu: %s", i, g->err.msg);
		free(g);
	}
	for (i = 0; i < sizeof js / sizeof *js; i++) {
		cr_assert_eq(nlp_reader_open(&r, &j, 1, &js[i], &e), NLP_USAGE,
		    "%zu", i);
		cr_assert_null(r);
		cr_assert(strstr(e.msg, "label and text cannot both be the "
		    "JSONL field") != NULL, "%zu: %s", i, e.msg);
	}
	g = read1(p, UNLABELED(.text_column = "label"));   /* no label read */
	cr_assert_eq(g->status, 0, "%s", g->err.msg);
	cr_assert_eq(g->n, 1);
	free(g);
}

LEAK_TEST_FINI(reader, csv_column_missing_from_the_header_is_a_usage_error, cleanup)
{
	const char *p = TMP(".csv", "body,tag\nx,y\n");
	struct got *g = read1(p, LABELED(.text_column = "body"));

	cr_assert_eq(g->status, -NLP_USAGE);
	cr_assert_eq(g->err.status, NLP_USAGE);
	cr_assert(strstr(g->err.msg, "no column 'label'") != NULL, "%s",
	    g->err.msg);
	cr_assert(strstr(g->err.msg, "(columns: body, tag); name the column "
	    "with --label-column") != NULL, "%s", g->err.msg);
	cr_assert(strstr(g->err.msg, p) != NULL, "%s", g->err.msg);
	free(g);
	/* a name given and not there: no advice to give it */
	g = read1(p, LABELED(.text_column = "bod", .label_column = "tag"));
	cr_assert_eq(g->status, -NLP_USAGE);
	cr_assert(strstr(g->err.msg, "no column 'bod' in the CSV header "
	    "(columns: body, tag)") != NULL, "%s", g->err.msg);
	cr_assert(strstr(g->err.msg, "name the column") == NULL, "%s",
	    g->err.msg);
	free(g);
}

LEAK_TEST_FINI(reader, csv_record_with_too_few_fields_is_malformed, cleanup)
{
	const char *p = TMP(".csv", "text,label\nonly\ngood,pos\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 1);
	cr_assert_eq(g->line[0], 3);
	cr_assert_eq(g->st.skipped_malformed, 1);
	cr_assert_eq(g->st.first_malformed, 2);
	free(g);
}

/*
 * An unclosed quote used to swallow the rest of the input into one
 * malformed record that was skipped: 5 of 1183 rows were evaluated and the
 * gates passed.  It is an error at the line where the quote opened.
 */
LEAK_TEST_FINI(reader, csv_unclosed_quote_at_the_end_is_an_error_at_its_line, cleanup)
{
	const char *p = TMP(".csv",
	    "text,label\ngood,pos\n\"open,pos\nmore,neg\nrows,neg\n");
	struct got *g = read1(p, LABELED());
	struct got *u = read1(p, UNLABELED());
	char want[256];

	snprintf(want, sizeof want, "'%s' line 3: unclosed quote (the quoted "
	    "field runs to the end of the input)", p);
	cr_assert_eq(g->status, -NLP_DATA);
	cr_assert_eq(g->n, 1);
	cr_assert_str_eq(g->err.msg, want);
	cr_assert_eq(u->status, -NLP_DATA);
	cr_assert_eq(u->n, 1);
	cr_assert_str_eq(u->err.msg, want);
	free(g);
	free(u);
}

LEAK_TEST_FINI(reader, csv_unclosed_quote_names_the_line_where_it_opened, cleanup)
{
	/* the record starts on line 2; its second field opens on line 3 */
	const char *p = TMP(".csv", "label,text\n\"po\ns\",\"a\nb\nc\n");
	struct got *g = read1(p, LABELED(.strict = 1));

	cr_assert_eq(g->status, -NLP_DATA);
	cr_assert(strstr(g->err.msg, "line 3: unclosed quote") != NULL, "%s",
	    g->err.msg);
	free(g);
}

LEAK_TEST_FINI(reader, csv_quote_open_past_the_record_limit_is_an_error, cleanup)
{
	/* 4 KiB limit; the quote stays open over 100 lines of 100 bytes */
	char *data = malloc(20000), *q = data;
	const char *p;
	struct got *g;
	int i;

	cr_assert_not_null(data);
	q += sprintf(q, "label,text\npos,fine\nneg,\"open\n");
	for (i = 0; i < 100; i++)
		q += sprintf(q, "%099d\n", i);
	q += sprintf(q, "closed at last\"\npos,after\n");
	p = tmp_with(".csv", data, (size_t)(q - data));
	free(data);
	g = read1(p, LABELED(.max_record = 4096));
	cr_assert_eq(g->status, -NLP_DATA);
	cr_assert_eq(g->n, 1);
	cr_assert(strstr(g->err.msg, "line 3: unclosed quote (or a quoted field "
	    "longer than 4096 bytes, the most a record holds)") != NULL, "%s",
	    g->err.msg);
	free(g);
}

/*
 * A quoted field on one line longer than the line limit (2 * max_record +
 * 64 KiB) is cut with its line; its closing quote, in the part dropped,
 * used to be lost, so the quote stayed open and the run stopped on an
 * "unclosed quote" that was closed.
 */
LEAK_TEST_FINI(reader, csv_quoted_field_on_one_line_past_the_line_limit_is_cut, cleanup)
{
	size_t big = 70000;
	char *data = malloc(big + 100), *q = data;
	const char *p;
	struct got *g;

	cr_assert_not_null(data);
	q += sprintf(q, "label,text\npos,\"");
	memset(q, 'w', big);
	q += big;
	q += sprintf(q, " \"\"q\"\" end\",tail\nneg,after\n");
	p = tmp_with(".csv", data, (size_t)(q - data));
	free(data);
	g = read1(p, LABELED(.max_record = 16));
	cr_assert_eq(g->status, 0, "%s", g->err.msg);
	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->labels[0], "pos");
	cr_assert(g->flags[0] & NLP_REC_CUT);
	cr_assert_eq(g->len[0], 16);
	expect(g, 1, "after", "neg", 0);
	free(g);
}

LEAK_TEST_FINI(reader, csv_quoted_field_over_a_few_lines_is_one_field, cleanup)
{
	const char *p = TMP(".csv",
	    "label,text\npos,\"one\ntwo\nthree\"\nneg,\"x\"\"y\"\n");
	struct got *g = read1(p, LABELED(.max_record = 4096));

	cr_assert_eq(g->status, 0);
	cr_assert_eq(g->n, 2);
	expect(g, 0, "one\ntwo\nthree", "pos", 2);
	expect(g, 1, "x\"y", "neg", 5);
	free(g);
}

LEAK_TEST_FINI(reader, csv_unlabeled_reads_the_text_column_and_keeps_blank_lines, cleanup)
{
	const char *p = TMP(".csv", "\n\"id\",text\n1,\"a\"\n\n2,b\n");
	struct got *g = read1(p, UNLABELED(.id_column = "id"));

	cr_assert_eq(g->n, 3);
	cr_assert_str_eq(g->text[0], "a");
	cr_assert_str_eq(g->id[0], "1");
	cr_assert_eq(g->line[0], 3);
	cr_assert_str_eq(g->text[1], "");
	expect(g, 2, "b", NULL, 5);
	free(g);
}

/*
 * Plain text, line endings, blank lines.
 */

LEAK_TEST_FINI(reader, plain_returns_every_line_even_blank_ones, cleanup)
{
	const char *p = TMP(".txt", "a\n\n  \nb");
	struct got *g = read1(p, UNLABELED());

	cr_assert_eq(g->n, 4);
	cr_assert_str_eq(g->text[0], "a");
	cr_assert_str_eq(g->text[1], "");
	cr_assert_str_eq(g->text[2], "");
	expect(g, 3, "b", NULL, 4);
	cr_assert_eq(g->st.blank, 2);
	cr_assert_eq(g->st.lines, 4);
	cr_assert_eq(nlp_reader_describe(&g->st, g->describe,
	    sizeof g->describe), 0, "blank lines are not odd unlabeled");
	free(g);
}

LEAK_TEST_FINI(reader, labeled_mode_skips_and_counts_blank_lines, cleanup)
{
	const char *p = TMP(".tsv", "pos\ta\n\n\t \nneg\tb\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 2);
	cr_assert_eq(g->line[1], 4);
	cr_assert_eq(g->st.blank, 2);
	cr_assert_str_eq(g->describe, "skipped 2 blank lines");
	free(g);
}

LEAK_TEST_FINI(reader, plain_format_with_labels_is_a_usage_error, cleanup)
{
	struct nlp_reader_opts o = LABELED(.format = NLP_FMT_PLAIN);
	struct nlp_reader *r;
	struct nlp_err e = { 0 };

	cr_assert_eq(nlp_reader_open(&r, NULL, 0, &o, &e), NLP_USAGE);
	cr_assert_eq(e.status, NLP_USAGE);
}

LEAK_TEST_FINI(reader, cr_before_lf_is_dropped_and_other_crs_kept, cleanup)
{
	const char *p = TMP(".tsv", "pos\ta\r\nneg\tmid\rdle\r\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->text[0], "a");
	cr_assert_str_eq(g->text[1], "mid\rdle");
	free(g);
}

LEAK_TEST_FINI(reader, final_line_without_newline_is_a_record, cleanup)
{
	const char *p = TMP(".tsv", "pos\ta\nneg\tb");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->text[1], "b");
	cr_assert_eq(g->st.lines, 2);
	free(g);
}

LEAK_TEST_FINI(reader, byte_order_mark_at_the_start_is_dropped, cleanup)
{
	const char *p = TMP(".csv", "\xef\xbb\xbftext,label\nhi,pos\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->status, 0, "%s", g->err.msg);
	cr_assert_eq(g->n, 1);
	cr_assert_str_eq(g->text[0], "hi");
	free(g);
}

/*
 * Bad bytes.
 */

LEAK_TEST_FINI(reader, nul_bytes_become_spaces_and_are_counted, cleanup)
{
	const char *p = TMP(".txt", "ok\na\0b\0\nc\0\n");
	struct got *g = read1(p, UNLABELED());

	cr_assert_eq(g->n, 3);
	cr_assert_eq(g->len[1], 4);
	cr_assert_str_eq(g->text[1], "a b ");
	cr_assert_eq(g->flags[1], NLP_REC_NUL);
	cr_assert_eq(g->flags[0], 0);
	cr_assert_eq(g->st.nul, 2);
	cr_assert_eq(g->st.first_nul, 2);
	cr_assert_eq(g->st.first_nul_src, p);
	free(g);
}

/* One case of UTF-8 repair: input, and what it must become. */
struct utf8_case {
	const char *name, *in, *out;
	unsigned flags;
};

#define FFFD "\xef\xbf\xbd"

LEAK_TEST_FINI(reader, utf8_repair_replaces_each_maximal_invalid_subpart, cleanup)
{
	static const struct utf8_case cases[] = {
		{ "ascii", "plain", "plain", 0 },
		{ "valid 2, 3, 4 bytes", "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e",
		    "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", 0 },
		{ "U+10FFFF", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", 0 },
		{ "overlong C0 80", "a\xc0\x80z", "a" FFFD FFFD "z",
		    NLP_REC_BAD_UTF8 },
		{ "overlong E0 80 80", "\xe0\x80\x80", FFFD FFFD FFFD,
		    NLP_REC_BAD_UTF8 },
		{ "surrogate ED A0 80", "\xed\xa0\x80", FFFD FFFD FFFD,
		    NLP_REC_BAD_UTF8 },
		{ "past U+10FFFF", "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD,
		    NLP_REC_BAD_UTF8 },
		{ "F5 and up", "\xf5\xff\xfe", FFFD FFFD FFFD,
		    NLP_REC_BAD_UTF8 },
		{ "truncated at the end", "ab\xe2\x82", "ab" FFFD,
		    NLP_REC_BAD_UTF8 },
		{ "truncated 4 bytes", "\xf0\x9d\x84z", FFFD "z",
		    NLP_REC_BAD_UTF8 },
		{ "lone continuation", "x\x80y", "x" FFFD "y",
		    NLP_REC_BAD_UTF8 },
		{ "long ascii then bad", "0123456789abcdefghij\xff",
		    "0123456789abcdefghij" FFFD, NLP_REC_BAD_UTF8 },
	};
	char out[64];
	unsigned flags;
	size_t i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		flags = 0;
		n = nlp_utf8_repair(cases[i].in, strlen(cases[i].in), out,
		    &flags);
		cr_assert_eq(n, strlen(cases[i].out), "%s", cases[i].name);
		cr_assert(memcmp(out, cases[i].out, n) == 0, "%s",
		    cases[i].name);
		cr_assert_eq(flags, cases[i].flags, "%s", cases[i].name);
	}
	flags = 0;
	n = nlp_utf8_repair("a\0b", 3, out, &flags);
	cr_assert_eq(n, 3);
	cr_assert(memcmp(out, "a b", 3) == 0);
	cr_assert_eq(flags, NLP_REC_NUL);
}

LEAK_TEST_FINI(reader, invalid_utf8_is_counted_with_its_first_line, cleanup)
{
	const char *p = TMP(".txt",
	    "ok\nbad \xc0\x80\nfine\n\xed\xa0\x80\ncut \xe2\x82\n");
	struct got *g = read1(p, UNLABELED());
	char want[256];

	cr_assert_eq(g->n, 5);
	cr_assert_str_eq(g->text[1], "bad " FFFD FFFD);
	cr_assert_eq(g->flags[1], NLP_REC_BAD_UTF8);
	cr_assert_eq(g->flags[2], 0);
	cr_assert_str_eq(g->text[3], FFFD FFFD FFFD);
	cr_assert_str_eq(g->text[4], "cut " FFFD);
	cr_assert_eq(g->st.bad_utf8, 3);
	cr_assert_eq(g->st.first_bad_utf8, 2);
	snprintf(want, sizeof want,
	    "3 records had invalid UTF-8 (first at %s:2)", p);
	cr_assert_str_eq(g->describe, want);
	free(g);
}

/*
 * Size limit.
 */

LEAK_TEST_FINI(reader, record_is_cut_at_max_record_on_a_character_boundary, cleanup)
{
	const char *p = TMP(".tsv",
	    "pos\t\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"
	    "neg\ta\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n"
	    "neg\tshort\n");
	struct got *g = read1(p, LABELED(.max_record = 9));

	cr_assert_eq(g->n, 3);
	cr_assert_eq(g->len[0], 8);
	cr_assert_eq(g->flags[0], NLP_REC_CUT);
	cr_assert_eq(g->len[1], 9);
	cr_assert_str_eq(g->text[2], "short");
	cr_assert_eq(g->flags[2], 0);
	cr_assert_eq(g->st.cut, 2);
	cr_assert_eq(g->st.first_cut, 1);
	free(g);
}

LEAK_TEST_FINI(reader, long_line_is_cut_and_memory_stays_bounded, cleanup)
{
	const size_t big = 50u << 20, mib = 1u << 20;
	struct nlp_reader_opts o = UNLABELED(.max_record = mib);
	struct nlp_record rec;
	struct nlp_reader *r;
	struct nlp_err e;
	size_t i, before;
	const char *p;
	char *line;

	line = malloc(big + 16);
	cr_assert(line != NULL);
	for (i = 0; i < big; i++)
		line[i] = (char)('a' + i % 26);
	memcpy(line + big, "\nnext\n", 6);
	p = tmp_with(".txt", line, big + 6);
	free(line);
	before = heap_in_use();
	cr_assert_eq(nlp_reader_open(&r, &p, 1, &o, &e), NLP_OK);
	cr_assert_eq(step(r, &rec, &e), 1);
	cr_assert_eq(rec.text_len, mib);
	cr_assert_eq(rec.flags, NLP_REC_CUT);
	cr_assert_eq(rec.text[0], 'a');
	cr_assert_eq(rec.text[mib - 1], (char)('a' + (mib - 1) % 26));
	cr_assert_lt(heap_in_use() - before, (size_t)8 << 20,
	    "a 50 MB line took %zu bytes", heap_in_use() - before);
	cr_assert_eq(step(r, &rec, &e), 1);
	cr_assert_str_eq(rec.text, "next");
	cr_assert_eq(rec.line, 2);
	cr_assert_eq(step(r, &rec, &e), 0);
	cr_assert_eq(nlp_reader_stats(r)->cut, 1);
	cr_assert_eq(nlp_reader_stats(r)->first_cut, 1);
	nlp_reader_close(r);
}

/* The length of line i (0-based) of the refill test; some are empty. */
static size_t
refill_len(size_t i)
{
	return i % 7 == 0 ? 0 : (i * 7919) % 3001;
}

/* Byte k of line i of the refill test. */
static char
refill_byte(size_t i, size_t k)
{
	return (char)('a' + (i + k) % 26);
}

LEAK_TEST_FINI(reader, lines_across_buffer_refills_come_out_whole, cleanup)
{
	const size_t nlines = 3000;
	struct nlp_reader_opts o = UNLABELED();
	struct nlp_record rec;
	struct nlp_reader *r;
	struct nlp_err e;
	size_t i, k, len = 0;
	const char *p;
	char *data;

	data = malloc(nlines * 3003);
	cr_assert(data != NULL);
	for (i = 0; i < nlines; i++) {
		for (k = 0; k < refill_len(i); k++)
			data[len++] = refill_byte(i, k);
		if (i % 2)
			data[len++] = '\r';
		data[len++] = '\n';
	}
	p = tmp_with(".txt", data, len);
	free(data);
	cr_assert_eq(nlp_reader_open(&r, &p, 1, &o, &e), NLP_OK);
	for (i = 0; i < nlines; i++) {
		cr_assert_eq(step(r, &rec, &e), 1, "%s", e.msg);
		cr_assert_eq(rec.line, i + 1);
		cr_assert_eq(rec.text_len, refill_len(i), "line %zu", i + 1);
		for (k = 0; k < rec.text_len; k++)
			if (rec.text[k] != refill_byte(i, k))
				cr_assert_fail("line %zu, byte %zu", i + 1, k);
		cr_assert_eq(rec.flags, 0);
	}
	cr_assert_eq(step(r, &rec, &e), 0);
	cr_assert_eq(nlp_reader_stats(r)->lines, nlines);
	nlp_reader_close(r);
}

LEAK_TEST_FINI(reader, line_longer_than_the_buffer_but_not_the_limit_is_whole, cleanup)
{
	const size_t big = 900u << 10;
	struct nlp_reader_opts o = LABELED();
	struct nlp_record rec;
	struct nlp_reader *r;
	struct nlp_err e;
	const char *p;
	char *line;

	line = malloc(big + 16);
	cr_assert(line != NULL);
	memcpy(line, "pos\t", 4);
	memset(line + 4, 'x', big);
	memcpy(line + 4 + big, "\nneg\ty\n", 7);
	p = tmp_with(".tsv", line, big + 11);
	free(line);
	cr_assert_eq(nlp_reader_open(&r, &p, 1, &o, &e), NLP_OK);
	cr_assert_eq(step(r, &rec, &e), 1);
	cr_assert_eq(rec.text_len, big);
	cr_assert_eq(rec.flags, 0);
	cr_assert_str_eq(rec.labels[0], "pos");
	cr_assert_eq(rec.text[big - 1], 'x');
	cr_assert_eq(step(r, &rec, &e), 1);
	cr_assert_str_eq(rec.text, "y");
	cr_assert_eq(rec.line, 2);
	cr_assert_eq(step(r, &rec, &e), 0);
	nlp_reader_close(r);
}

LEAK_TEST_FINI(reader, long_jsonl_line_is_cut_and_malformed, cleanup)
{
	char line[400];
	const char *p;
	struct got *g;

	memset(line, 'x', sizeof line);
	memcpy(line, "{\"text\": \"", 10);
	p = tmp_with(".jsonl", line, sizeof line);
	g = read1(p, UNLABELED(.max_record = 1));
	cr_assert_eq(g->n, 1);
	cr_assert_eq(g->flags[0], NLP_REC_MALFORMED);
	free(g);
}

/*
 * Inputs: empty, several, missing, compressed, stdin; digests.
 */

LEAK_TEST_FINI(reader, empty_file_gives_no_records_and_the_digest_of_nothing, cleanup)
{
	const char *p = tmp_with(".tsv", "", 0);
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->status, 0);
	cr_assert_eq(g->n, 0);
	cr_assert_eq(g->nin, 1);
	cr_assert_str_eq(g->in[0].sha256, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	cr_assert_eq(g->in[0].bytes, 0);
	cr_assert_eq(g->in[0].path, p);
	free(g);
}

LEAK_TEST_FINI(reader, digest_and_size_are_those_of_sha256sum_and_wc, cleanup)
{
	const char *p = TMP(".tsv", "pos\tgood\nneg\tbad\xff\n\nno label\n");
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->nin, 1);
	expect_digest(&g->in[0], p);
	free(g);
}

LEAK_TEST_FINI(reader, several_files_are_read_in_order_with_their_own_lines, cleanup)
{
	const char *paths[2];
	struct got *g;

	paths[0] = TMP(".tsv", "pos\ta\nneg\tb\n");
	paths[1] = TMP(".jsonl", "\n{\"text\": \"c\", \"label\": \"pos\"}\n");
	g = read_all(paths, 2, LABELED(), 0);
	cr_assert_eq(g->status, 0);
	cr_assert_eq(g->n, 3);
	cr_assert_eq(g->src[1], paths[0]);
	cr_assert_eq(g->line[1], 2);
	cr_assert_eq(g->src[2], paths[1]);
	expect(g, 2, "c", NULL, 2);
	cr_assert_eq(g->st.lines, 4);
	cr_assert_eq(g->nin, 2);
	cr_assert_eq(g->in[0].path, paths[0]);
	cr_assert_eq(g->in[1].path, paths[1]);
	expect_digest(&g->in[0], paths[0]);
	expect_digest(&g->in[1], paths[1]);
	free(g);
}

LEAK_TEST_FINI(reader, missing_file_is_an_io_error_that_sticks, cleanup)
{
	const char *paths[2];
	struct nlp_reader_opts o = LABELED();
	struct nlp_record rec;
	struct nlp_reader *r;
	struct nlp_err e;
	size_t n;

	paths[0] = TMP(".tsv", "pos\ta\n");
	paths[1] = "/nonexistent/nlp-reader.tsv";
	cr_assert_eq(nlp_reader_open(&r, paths, 2, &o, &e), NLP_OK);
	cr_assert_eq(step(r, &rec, &e), 1);
	cr_assert_eq(step(r, &rec, &e), -NLP_IO);
	cr_assert_str_eq(e.msg, "cannot open '/nonexistent/nlp-reader.tsv': "
	    "No such file or directory");
	cr_assert_eq(nlp_reader_next(r, &rec, NULL), NLP_IO);
	nlp_reader_inputs(r, &n);
	cr_assert_eq(n, 1);
	nlp_reader_close(r);
}

LEAK_TEST_FINI(reader, inputs_list_only_what_was_read_to_the_end, cleanup)
{
	const char *p = TMP(".tsv", "pos\ta\nneg\tb\n");
	struct nlp_reader_opts o = LABELED();
	struct nlp_record rec;
	struct nlp_reader *r;
	struct nlp_err e;
	size_t n;

	cr_assert_eq(nlp_reader_open(&r, &p, 1, &o, &e), NLP_OK);
	cr_assert_eq(step(r, &rec, &e), 1);
	nlp_reader_inputs(r, &n);
	cr_assert_eq(n, 0);
	nlp_reader_close(r);
}

LEAK_TEST_FINI(reader, auto_format_follows_each_file_name, cleanup)
{
	const char *paths[3];
	struct got *g;

	paths[0] = TMP(".csv", "label,text\npos,from csv\n");
	paths[1] = TMP(".ft", "__label__neg from fasttext\n");
	paths[2] = TMP(".jsonl", "{\"text\": \"from json\", \"label\": 1}\n");
	g = read_all(paths, 3, LABELED(), 0);
	cr_assert_eq(g->n, 3);
	cr_assert_str_eq(g->text[0], "from csv");
	cr_assert_str_eq(g->text[1], "from fasttext");
	cr_assert_str_eq(g->labels[2], "1");
	free(g);
}

LEAK_TEST_FINI(reader, stdin_is_read_when_no_path_is_given, cleanup)
{
	const char *p = TMP(".txt", "one\ntwo\n");
	struct got *g;

	stdin_from(p);
	g = read_all(NULL, 0, UNLABELED(), 0);
	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->src[0], "-");
	cr_assert_str_eq(g->text[1], "two");
	cr_assert_eq(g->nin, 1);
	cr_assert_str_eq(g->in[0].path, "-");
	expect_digest(&g->in[0], p);
	free(g);
}

/*
 * Compress the file at path with tool (e.g. "gzip -n -c") into a new file
 * named path + ext; skips the test when the tool is not installed.
 */
static const char *
compress(const char *tool, const char *path, const char *ext)
{
	char cmd[512], *z;

	snprintf(cmd, sizeof cmd, "command -v %.*s >/dev/null 2>&1",
	    (int)strcspn(tool, " "), tool);
	if (system(cmd) != 0)
		cr_skip_test("%.*s is not installed", (int)strcspn(tool, " "),
		    tool);
	cr_assert(asprintf(&z, "%s%s", path, ext) > 0);
	keep(z);
	snprintf(cmd, sizeof cmd, "%s '%s' > '%s'", tool, path, z);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	return z;
}

/* Read a compressed TSV file: records, and the digest of what is stored. */
static void
check_compressed(const char *tool, const char *ext)
{
	const char *plain = TMP(".tsv", "pos\tfirst\nneg\tsecond\xff\n");
	const char *z = compress(tool, plain, ext);
	struct got *g = read1(z, LABELED());

	cr_assert_eq(g->status, 0, "%s", g->err.msg);
	cr_assert_eq(g->n, 2);
	expect(g, 0, "first", "pos", 1);
	expect(g, 1, "second" FFFD, "neg", 2);
	cr_assert_eq(g->st.first_bad_utf8, 2);
	expect_digest(&g->in[0], z);
	cr_assert_neq(g->in[0].bytes, file_size(plain));
	free(g);
}

LEAK_TEST_FINI(reader, gzip_input_is_decompressed_and_hashed_compressed, cleanup)
{
	check_compressed("gzip -n -c", ".gz");
}

LEAK_TEST_FINI(reader, xz_input_is_decompressed_and_hashed_compressed, cleanup)
{
	check_compressed("xz -c", ".xz");
}

LEAK_TEST_FINI(reader, zstd_input_is_decompressed_and_hashed_compressed, cleanup)
{
	check_compressed("zstd -q -c", ".zst");
}

LEAK_TEST_FINI(reader, empty_gzip_gives_no_records, cleanup)
{
	const char *z = compress("gzip -n -c", tmp_with(".tsv", "", 0), ".gz");
	struct got *g = read1(z, LABELED());

	cr_assert_eq(g->status, 0, "%s", g->err.msg);
	cr_assert_eq(g->n, 0);
	cr_assert_eq(g->nin, 1);
	expect_digest(&g->in[0], z);
	cr_assert_eq(g->in[0].bytes, 20);
	free(g);
}

LEAK_TEST_FINI(reader, truncated_gzip_is_a_data_error, cleanup)
{
	/* gzip -n of "pos\tsome text that is long enough to span\n", cut */
	static const unsigned char gz[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
		0x2b, 0xc8, 0x2f, 0xe6, 0x2c, 0xce, 0xcf, 0x4d, 0x55, 0x28,
		0x49, 0xad, 0x28, 0x51,
	};
	const char *p = tmp_with(".tsv.gz", gz, sizeof gz);
	struct got *g = read1(p, LABELED());

	cr_assert_eq(g->status, -NLP_DATA);
	cr_assert(strstr(g->err.msg, "cannot decompress") != NULL, "%s",
	    g->err.msg);
	cr_assert(strstr(g->err.msg, p) != NULL, "%s", g->err.msg);
	cr_assert_eq(g->nin, 0);
	free(g);
}

/*
 * gzip members one after the other are one input, as gzip -dc reads them,
 * zeros after the last (a block's padding) are passed over; other bytes
 * there are refused, naming the first: they may be a member whose header
 * was damaged, and the records in it are not to vanish.
 */
LEAK_TEST_FINI(reader, gzip_members_padding_and_bytes_after_them, cleanup)
{
	const char *a = compress("gzip -n -c", TMP(".tsv", "pos\tfirst\n"), ".gz");
	const char *b = compress("gzip -n -c", TMP(".tsv", "neg\tsecond\n"), ".gz");
	static const char *tails[] = { "", "printf '\\0\\0\\0'",
	    "head -c 300000 /dev/zero", "printf '\\0\\0x'", "printf '\\37'",
	    "printf '\\37\\213'", "printf 'PK'" };
	/* the first byte refused, counted from 1 after the members */
	static const int off[] = { 0, 0, 0, 3, 0, 0, 1 };

	for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
		char cmd[1024], at[64], *z;
		struct got *g;

		cr_assert(asprintf(&z, "%s.%zu.gz", a, i) > 0);
		keep(z);
		snprintf(cmd, sizeof cmd, "{ cat '%s' '%s'; %s; } >'%s'", a, b,
		    *tails[i] ? tails[i] : ":", z);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		g = read1(z, LABELED());
		if (i < 3) {
			cr_assert_eq(g->status, 0, "%zu: %s", i, g->err.msg);
			cr_assert_eq(g->n, 2, "%zu", i);
			expect(g, 0, "first", "pos", 1);
			expect(g, 1, "second", "neg", 2);
			expect_digest(&g->in[0], z);
		} else {
			cr_assert_eq(g->status, -NLP_DATA, "%zu", i);
			cr_assert(strstr(g->err.msg, "cannot decompress") &&
			    strstr(g->err.msg, z), "%zu: %s", i, g->err.msg);
			snprintf(at, sizeof at, "byte %lld follows", (long long)
			    (file_size(a) + file_size(b) + off[i]));
			cr_assert(off[i] == 0 || strstr(g->err.msg, at),
			    "%zu: %s", i, g->err.msg);
		}
		free(g);
	}
}

/*
 * Strict mode.
 */

/* One strict-mode case: input, mode, and the message after "line N: ". */
struct strict_case {
	const char *in;
	size_t len;
	int labeled;
	uint64_t line;
	const char *what;
};

#define CASE(lit, lab, line, what) { lit, sizeof lit - 1, lab, line, what }

LEAK_TEST_FINI(reader, strict_mode_stops_at_the_first_oddity_naming_file_and_line, cleanup)
{
	static const struct strict_case cases[] = {
		CASE("pos\ta\nno label\n", 1, 2, "record without a label"),
		CASE("pos\ta\n\nneg\tb\n", 1, 2, "blank line"),
		CASE("pos\ta\nneg\tb\xc0\n", 1, 2, "invalid UTF-8"),
		CASE("a\nb\0c\n", 0, 2, "NUL byte"),
		CASE("a\nb\n0123456789\n", 0, 3,
		    "record longer than 8 bytes"),
		CASE("a\tb\tc\nx\n", 0, 2, "no column 3"),
		CASE("p\tx\nq\x01\ty\n", 1, 2,
		    "label with a control character (U+0001)"),
	};
	struct nlp_reader_opts o;
	char want[512];
	struct got *g;
	const char *p;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		p = tmp_with(".tsv", cases[i].in, cases[i].len);
		o = (struct nlp_reader_opts){ .labeled = cases[i].labeled,
		    .strict = 1, .max_record = 8,
		    .text_column = i == 5 ? "3" : NULL };
		g = read1(p, o);
		snprintf(want, sizeof want, "'%s' line %llu: %s", p,
		    (unsigned long long)cases[i].line, cases[i].what);
		cr_assert_eq(g->status, -NLP_DATA, "case %zu", i);
		cr_assert_str_eq(g->err.msg, want, "case %zu", i);
		cr_assert_eq(g->n, (int)cases[i].line - 1, "case %zu", i);
		free(g);
	}
}

LEAK_TEST_FINI(reader, strict_mode_lets_blank_lines_through_when_unlabeled, cleanup)
{
	const char *p = TMP(".txt", "a\n\nb\n");
	struct got *g = read1(p, UNLABELED(.strict = 1));

	cr_assert_eq(g->status, 0);
	cr_assert_eq(g->n, 3);
	free(g);
}

LEAK_TEST_FINI(reader, strict_mode_names_stdin_as_such, cleanup)
{
	const char *p = TMP(".txt", "pos\ta\nnone\n");
	struct got *g;

	stdin_from(p);
	g = read_all(NULL, 0, LABELED(.strict = 1), 0);
	cr_assert_str_eq(g->err.msg, "stdin line 2: record without a label");
	free(g);
}

/*
 * Description, formats.
 */

LEAK_TEST_FINI(reader, describe_lists_each_oddity_with_its_first_place, cleanup)
{
	struct nlp_reader_stats s = {
		.labeled = 1,
		.skipped_nolabel = 2, .first_nolabel = 3,
		.first_nolabel_src = "data.tsv",
		.blank = 1,
		.bad_utf8 = 1, .first_bad_utf8 = 17,
		.first_bad_utf8_src = "data.tsv",
		.cut = 3, .first_cut = 5, .first_cut_src = "-",
	};
	char buf[512];

	cr_assert_eq(nlp_reader_describe(&s, buf, sizeof buf), 4);
	cr_assert_str_eq(buf, "skipped 2 records without a label (first at "
	    "data.tsv:3); skipped 1 blank line; 1 record had invalid UTF-8 "
	    "(first at data.tsv:17); 3 records cut to the maximum record "
	    "size (first at stdin:5)");
}

LEAK_TEST_FINI(reader, describe_says_nothing_when_all_is_well, cleanup)
{
	struct nlp_reader_stats s = { .records = 10, .lines = 12, .blank = 2 };
	char buf[16] = "junk";

	cr_assert_eq(nlp_reader_describe(&s, buf, sizeof buf), 0);
	cr_assert_str_eq(buf, "");
}

LEAK_TEST_FINI(reader, describe_cuts_its_line_to_the_buffer, cleanup)
{
	struct nlp_reader_stats s = {
		.nul = 1, .first_nul = 1, .first_nul_src = "a",
		.cut = 1, .first_cut = 1, .first_cut_src = "a",
	};
	char buf[10];

	cr_assert_eq(nlp_reader_describe(&s, buf, sizeof buf), 2);
	cr_assert_str_eq(buf, "1 record ");
	cr_assert_eq(nlp_reader_describe(&s, NULL, 0), 2);
}

LEAK_TEST_FINI(reader, format_names_parse_both_ways, cleanup)
{
	cr_assert_eq(nlp_format_parse("plain"), NLP_FMT_PLAIN);
	cr_assert_eq(nlp_format_parse("txt"), NLP_FMT_PLAIN);
	cr_assert_eq(nlp_format_parse("TSV"), NLP_FMT_TSV);
	cr_assert_eq(nlp_format_parse("csv"), NLP_FMT_CSV);
	cr_assert_eq(nlp_format_parse("json"), NLP_FMT_JSONL);
	cr_assert_eq(nlp_format_parse("jsonl"), NLP_FMT_JSONL);
	cr_assert_eq(nlp_format_parse("ft"), NLP_FMT_FASTTEXT);
	cr_assert_eq(nlp_format_parse("fasttext"), NLP_FMT_FASTTEXT);
	cr_assert_eq(nlp_format_parse("auto"), NLP_FMT_AUTO);
	cr_assert_eq(nlp_format_parse("xml"), -1);
	cr_assert_eq(nlp_format_parse(NULL), -1);
	cr_assert_str_eq(nlp_format_name(NLP_FMT_FASTTEXT), "fasttext");
	cr_assert_str_eq(nlp_format_name(NLP_FMT_PLAIN), "plain");
	cr_assert_str_eq(nlp_format_name(NLP_FMT_JSONL), "jsonl");
	cr_assert_str_eq(nlp_format_name((enum nlp_format)42), "unknown");
}

LEAK_TEST_FINI(reader, format_guess_looks_through_compression_suffixes, cleanup)
{
	cr_assert_eq(nlp_format_guess("a.tsv", 0), NLP_FMT_TSV);
	cr_assert_eq(nlp_format_guess("a.tsv.gz", 0), NLP_FMT_TSV);
	cr_assert_eq(nlp_format_guess("dir/b.JSONL.zst", 1), NLP_FMT_JSONL);
	cr_assert_eq(nlp_format_guess("b.ndjson", 1), NLP_FMT_JSONL);
	cr_assert_eq(nlp_format_guess("c.csv.xz", 1), NLP_FMT_CSV);
	cr_assert_eq(nlp_format_guess("d.ft", 1), NLP_FMT_FASTTEXT);
	cr_assert_eq(nlp_format_guess("d.fasttext.gz", 0), NLP_FMT_FASTTEXT);
	cr_assert_eq(nlp_format_guess("e.txt", 1), NLP_FMT_TSV);
	cr_assert_eq(nlp_format_guess("e.txt", 0), NLP_FMT_PLAIN);
	cr_assert_eq(nlp_format_guess("-", 1), NLP_FMT_TSV);
	cr_assert_eq(nlp_format_guess("-", 0), NLP_FMT_PLAIN);
	cr_assert_eq(nlp_format_guess("x.gz", 0), NLP_FMT_PLAIN);
	cr_assert_eq(nlp_format_guess(".csv", 0), NLP_FMT_PLAIN);
}

/* Gold mode (predict --profile-out): every record kept and read as
 * unlabeled text, with the one valid label labeled reading finds. */
Test(reader, gold_labels_ride_along_unlabeled_reading)
{
	struct nlp_reader_opts o = { .gold = 1 };
	struct got *g;

	g = read1(TMP(".tsv", "spam\tfree money\nno tab here\n\n"
	    "ha\x01m\tbad label\nham\ta\tb\n"), o);
	cr_assert_eq(g->status, 0);
	cr_assert_eq(g->n, 5, "every line is a record: %d", g->n);
	expect(g, 0, "free money", "spam", 1);
	expect(g, 1, "no tab here", "", 2);
	expect(g, 2, "", "", 3);
	expect(g, 3, "bad label", "", 4);        /* kept, without the label */
	expect(g, 4, "b", "ham", 5);             /* the text: the last column */
	cr_assert_eq(g->st.malformed + g->st.skipped_nolabel, 0);
	free(g);

	g = read1(TMP(".ft", "__label__spam free money\nplain words\n"
	    "__label__a __label__b two labels\n"), o);
	cr_assert_eq(g->n, 3);
	expect(g, 0, "free money", "spam", 1);
	expect(g, 1, "plain words", "", 2);
	expect(g, 2, "two labels", "", 3);       /* not one label: none */
	free(g);

	/* a column given: no label is guessed */
	o.text_column = "2";
	g = read1(TMP(".tsv", "spam\tfree money\n"), o);
	expect(g, 0, "free money", "", 1);
	free(g);
}

/* Ids in unlabeled mode: a number as it stands in the line (escaped keys,
 * nesting, repeats, white space and integers past 64 bits included), a
 * missing id empty with the text kept, a record without text keeping
 * its id. */
Test(reader, ids_as_they_stand)
{
	struct nlp_reader_opts o = { .format = NLP_FMT_JSONL, .id_field = "id" };
	struct got *g;

	g = read1(TMP(".jsonl",
	    "{\"id\":12345678901234567890,\"text\":\"a\"}\n"
	    "{ \"x\" : {\"id\":[1,\"}\"]}, \"i\\u0064\" : -1.50E+3 , \"text\":\"b\"}\n"
	    "{\"id\":1,\"text\":\"c\",\"id\":2e0}\n"
	    "{\"text\":\"d\"}\n"
	    "{\"id\":null,\"text\":\"e\"}\n"
	    "{\"id\":\"s\\t1\",\"text\":null}\n"
	    "{\"id\":true,\"text\":\"f\"}\n"), o);
	cr_assert_eq(g->n, 7);
	cr_assert_str_eq(g->id[0], "12345678901234567890");
	cr_assert_str_eq(g->id[1], "-1.50E+3");
	cr_assert_str_eq(g->id[2], "2e0");
	cr_assert_str_eq(g->id[3], "");
	cr_assert_str_eq(g->id[4], "");
	cr_assert_str_eq(g->id[5], "s\t1");
	cr_assert_str_eq(g->id[6], "true");
	expect(g, 3, "d", "", 4);
	expect(g, 5, "", "", 6);
	cr_assert(g->flags[5] & NLP_REC_MALFORMED);
	cr_assert_eq(g->st.no_id, 2);
	cr_assert_eq(g->st.first_no_id, 4);
	cr_assert_eq(g->st.malformed, 1);
	cr_assert_str_eq(g->st.first_malformed_why, "no string field 'text'");
	free(g);

	o = (struct nlp_reader_opts){ .format = NLP_FMT_CSV, .id_column = "id" };
	g = read1(TMP(".csv", "id,text\n1,a\n2\n"), o);
	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->id[1], "2");
	cr_assert(g->flags[1] & NLP_REC_MALFORMED);
	free(g);
	o = (struct nlp_reader_opts){ .format = NLP_FMT_CSV, .id_column = "3" };
	g = read1(TMP(".csv", "id,text,ref\n1,a,r1\n2,b\n"), o);
	cr_assert_eq(g->n, 2);
	cr_assert_str_eq(g->id[0], "r1");
	expect(g, 1, "b", "", 3);
	cr_assert_str_eq(g->id[1], "");
	cr_assert_eq(g->st.no_id, 1);
	free(g);

	/* labeled mode: a missing id is still a malformed record */
	o = (struct nlp_reader_opts){ .format = NLP_FMT_JSONL, .labeled = 1,
	    .id_field = "id" };
	g = read1(TMP(".jsonl", "{\"label\":\"x\",\"text\":\"a\"}\n"), o);
	cr_assert_eq(g->n, 0);
	cr_assert_eq(g->st.skipped_malformed, 1);
	free(g);
}
