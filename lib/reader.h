/*
 * reader.h - reading text records from files or stdin, shared by train,
 * eval, predict and drift.
 *
 * Labeled formats (train, eval): TSV "label<TAB>text", fastText
 * "__label__X __label__Y text", JSONL (jansson) and CSV (RFC 4180, header
 * row).  Unlabeled text (predict, drift): plain lines, or the same
 * structured formats when asked for.  Gzip, xz and zstd input is
 * decompressed transparently (libarchive's raw format), whatever the name.
 *
 * The reader never crashes, hangs or runs out of memory on odd input:
 * invalid UTF-8 is replaced by U+FFFD, NUL bytes by spaces, CR before LF is
 * dropped, and a record longer than max_record bytes is cut there (the rest
 * of it is read and thrown away).  Every oddity is counted in struct
 * nlp_reader_stats with the line of its first occurrence; with strict set,
 * the first oddity is an error (NLP_DATA) naming file and line.  Time is
 * linear in the input, however many labels a line holds.
 *
 * A CSV quote that is never closed would swallow the rest of the input
 * into one record: a quoted field still open at the end of the input, or
 * after more than max_record bytes of further lines, is an error (NLP_DATA)
 * naming the line where the quote opened, strict or not.
 *
 * While reading, the reader computes the SHA-256 and size of each input's
 * raw bytes (as sha256sum and wc -c report for that file, or for the bytes
 * read from stdin): the identity of the training data.
 */
#ifndef NLP_READER_H
#define NLP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

enum nlp_format {
	NLP_FMT_AUTO = 0,   /* from the file name's extension (see below) */
	NLP_FMT_PLAIN,      /* one text per line, no label */
	NLP_FMT_TSV,        /* label<TAB>text; or columns chosen by option */
	NLP_FMT_CSV,        /* RFC 4180 with a header row */
	NLP_FMT_JSONL,      /* one JSON object per line */
	NLP_FMT_FASTTEXT,   /* __label__X [__label__Y ...] text */
};

/*
 * Parse a --format value ("plain", "txt", "tsv", "csv", "jsonl", "json",
 * "fasttext", "ft"); returns NLP_FMT_AUTO... or -1 when unknown.
 */
int nlp_format_parse(const char *name);
const char *nlp_format_name(enum nlp_format f);


/*
 * The format a path implies for AUTO, looking through a compression suffix
 * (.gz, .xz, .zst): .tsv, .csv, .jsonl/.ndjson, .ft/.fasttext.  For stdin
 * ("-") and other names: TSV when labeled, PLAIN otherwise.
 */
enum nlp_format nlp_format_guess(const char *path, int labeled);

struct nlp_reader_opts {
	enum nlp_format format;  /* NLP_FMT_AUTO: per file, by nlp_format_guess */
	int labeled;             /* 1: records need a label (train, eval) */
	/*
	 * TSV and CSV columns, by header name (CSV) or 1-based number; NULL
	 * for the default (TSV: label 1, text 2; CSV: "label" and "text").
	 * TSV with a text_column and no label: the text is that column.
	 */
	const char *text_column, *label_column, *id_column;
	/* JSONL fields; NULL means "text", "label", and no id. */
	const char *text_field, *label_field, *id_field;
	int strict;              /* first oddity is an error */
	/*
	 * Labeled mode: a label with a control character (C0, DEL, C1) or
	 * invalid UTF-8 is an error (NLP_DATA) naming file and line, even
	 * without strict, instead of a malformed record skipped: such a label
	 * cannot be a class (it would break every line-based output), and
	 * train and eval must not quietly drop the examples that carry it.
	 */
	int bad_label_error;
	size_t max_record;       /* bytes of text kept per record; 0:
	                            NLP_RECORD_MAX */
	/* Labeled mode: records may have several labels, as
	   nlp_reader_allow_multilabel() allows (else they are skipped). */
	int multilabel;
	/*
	 * With multi-label records allowed: a TSV or CSV label field is a
	 * list of labels separated by this byte (0: ','), each trimmed;
	 * otherwise the field is one label, whatever it holds.
	 */
	char label_sep;
	/* 1: the inputs are not hashed (nlp_reader_inputs() then gives
	   their sha256 as ""), for a pass that records no data hash */
	int no_digest;
	/*
	 * Unlabeled mode: records also carry the label that labeled reading
	 * finds in the formats labeled without being told (fastText's
	 * __label__ tokens; TSV with no columns given: what comes before the
	 * first TAB), when it is one valid label; the records themselves are
	 * read, kept and counted as without it (predict --profile-out: the
	 * gold labels drift would see in the same text).  In those formats a
	 * record labeled reading would skip (no one valid label, a blank
	 * line) has gold_skip set.
	 */
	int gold;
	/*
	 * The column and field options were given for other inputs as well
	 * (train's --valid, drift's --reference): not checked against these
	 * (else an option that fits none of the inputs is NLP_USAGE).
	 */
	int options_shared;
	/*
	 * The format of that other input (NLP_FMT_AUTO: none), for the
	 * reader of the inputs it goes with: an option that fits it fits
	 * (train TSV data with a JSONL --valid and --text-field).
	 */
	enum nlp_format also_format;
	/*
	 * Records may come without their text (late gold labels, id and
	 * label alone): a JSONL record without the text field (or null),
	 * a CSV file without the text column (unless asked for by
	 * --text-column) are read with an empty text, not as malformed.
	 */
	int text_optional;
};

/* What one record says.  Pointers stay valid until the next call. */
struct nlp_record {
	const char *text;        /* valid UTF-8, no NUL, no newline (plain/TSV) */
	size_t text_len;
	const char *const *labels;  /* nlabels labels, each NUL-terminated */
	size_t nlabels;          /* 0 for unlabeled; >1 for fastText multi-label */
	const char *id;          /* NULL unless an id column/field was asked for */
	const char *source;      /* the path as given ("-" for stdin) */
	uint64_t line;           /* 1-based line number where the record starts */
	unsigned flags;          /* NLP_REC_* */
	/* gold mode: labeled reading would skip this record, so drift's
	   pass over it leaves it out: 1 for want of one valid label, 2 a
	   blank line or a line of column names */
	int gold_skip;
};

#define NLP_REC_BAD_UTF8  0x1u  /* invalid UTF-8 was replaced by U+FFFD */
#define NLP_REC_NUL       0x2u  /* NUL bytes were replaced by spaces */
#define NLP_REC_CUT       0x4u  /* longer than max_record; cut */

/* The bytes of text a record keeps by default (the rest is cut, on a
 * character boundary): what predict scores of a line, and serve of a
 * text. */
#define NLP_RECORD_MAX    (1024 * 1024)
#define NLP_REC_MALFORMED 0x8u  /* unlabeled mode: the record could not be
                                   parsed (bad JSON, missing column); text
                                   is empty (its id kept when the row has
                                   one), but the record is still returned
                                   so that output stays aligned */
#define NLP_REC_EMPTY_COLUMN 0x10u  /* TSV: its text column empty while
                                   the line has others ("label<TAB>") */
#define NLP_REC_JSON_LIKE 0x20u /* plain text in a JSON object's form */
/* The flags that say a record was damaged (repaired, cut, unparsed): the
 * others describe whole records read as they are */
#define NLP_REC_DAMAGED (NLP_REC_BAD_UTF8 | NLP_REC_NUL | NLP_REC_CUT | \
	NLP_REC_MALFORMED)

struct nlp_reader_stats {
	uint64_t records;        /* records returned */
	uint64_t lines;          /* physical lines read */
	uint64_t skipped_nolabel;    /* labeled mode: no label, or empty label */
	uint64_t skipped_multilabel; /* labeled mode, allow_multilabel off */
	uint64_t skipped_malformed;  /* labeled mode: bad JSON, missing column */
	uint64_t blank;          /* blank lines (skipped in labeled mode) */
	uint64_t bad_utf8;       /* records with invalid UTF-8 */
	uint64_t nul;            /* records with NUL bytes */
	uint64_t cut;            /* records longer than max_record */
	/* 1-based line of the first occurrence of each, 0 if none, and the
	   file it was in. */
	uint64_t first_nolabel, first_multilabel, first_malformed, first_bad_utf8,
	    first_nul, first_cut;
	const char *first_nolabel_src, *first_multilabel_src, *first_malformed_src,
	    *first_bad_utf8_src, *first_nul_src, *first_cut_src;
	/* Unlabeled mode: malformed records returned with NLP_REC_MALFORMED
	   (first_malformed tells the first of these too). */
	uint64_t malformed;
	/* why the first malformed record was (either mode) */
	char first_malformed_why[128];
	/* why the first record without a label had none, and what to try */
	char first_nolabel_why[128];
	/* Unlabeled mode: records without the id column or field asked for,
	   returned with their text and an empty id. */
	uint64_t no_id, first_no_id;
	const char *first_no_id_src;
	/* Unlabeled TSV without a text column given: records of more than two
	   columns, whose text is the last (a "label<TAB>text<TAB>source" row
	   would be scored on its source). */
	uint64_t wide, first_wide;
	const char *first_wide_src;
	/* TSV: records whose text column is empty while the line has
	   others ("label<TAB>", a row ending in a TAB), read as an empty
	   text; when every record is one, there is no text to read */
	uint64_t text_empty, first_text_empty;
	const char *first_text_empty_src;
	/* Labeled TSV: a file's first line that names its columns as an
	   exported table's header does ("label<TAB>text"), skipped. */
	uint64_t header, first_header;
	const char *first_header_src;
	/* Records whose line holds a carriage return inside it (not a
	   CRLF's): lines ending in CR alone, read as one. */
	uint64_t bare_cr, first_bare_cr;
	const char *first_bare_cr_src;
	uint64_t bare_crs;           /* the carriage returns inside them: the
	                                lines they may have ended */
	/* Plain text: records that look like a JSON object ({"...": ...}),
	   a JSONL file read as plain (a .log name, --format forgotten). */
	uint64_t json_like, first_json_like;
	const char *first_json_like_src;
	int labeled;             /* the reader's mode, for nlp_reader_describe() */
};

/* The identity of one input, known once it has been read to its end. */
struct nlp_input {
	const char *path;        /* as given; "-" for stdin */
	char sha256[NLP_SHA256_HEX];
	uint64_t bytes;
};

struct nlp_reader;

/*
 * Open a reader over paths[0..n-1] ("-" is stdin; n == 0 means stdin),
 * read one after another.  Files are opened lazily, in order; a file that
 * cannot be opened is an NLP_IO error from nlp_reader_next().  The reader
 * keeps the paths pointers (they must outlive it) and copies opts (opts
 * NULL: all defaults).  Returns NLP_OK, NLP_USAGE for options that cannot
 * work (plain text with labels, TSV columns given by name) or NLP_IO.
 */
int nlp_reader_open(struct nlp_reader **out, const char *const *paths,
    size_t n, const struct nlp_reader_opts *opts, struct nlp_err *e);

/*
 * Read the next record into rec: NLP_OK (rec->text is NULL at the end of
 * the last input), or NLP_IO, NLP_DATA or NLP_USAGE (a column that is not
 * in the CSV header) with e filled, naming file and line; an error sticks,
 * every later call returns it again.  The loop:
 *
 *	while ((rc = nlp_reader_next(r, &rec, e)) == NLP_OK && rec.text)
 *		...
 *
 * In labeled mode, records without a usable label are skipped and counted.
 * In unlabeled mode every line (or record) yields exactly one record, even
 * when blank or malformed, so that output stays aligned with input.
 */
int nlp_reader_next(struct nlp_reader *r, struct nlp_record *rec,
    struct nlp_err *e);

/*
 * Let labeled mode return records with several labels: fastText lines with
 * several __label__ tokens, JSONL label arrays, and TSV/CSV label fields
 * split at label_sep.
 */
void nlp_reader_allow_multilabel(struct nlp_reader *r, int allow);

const struct nlp_reader_stats *nlp_reader_stats(const struct nlp_reader *r);

/*
 * The inputs fully read so far, with their SHA-256 and size; all of them
 * after nlp_reader_next() reached the end.
 */
const struct nlp_input *nlp_reader_inputs(const struct nlp_reader *r,
    size_t *n);

/*
 * One human line describing the oddities, e.g. "skipped 2 records without
 * a label (first at x.tsv:3); 1 record had invalid UTF-8 (first at
 * x.tsv:17)", written to buf (always NUL-terminated, cut to size); returns
 * the number of items, 0 when there was nothing odd.  Blank lines are odd
 * in labeled mode only.
 */
int nlp_reader_describe(const struct nlp_reader_stats *s, char *buf,
    size_t size);

/* The same with each place's file by its name alone, not the path it was
 * given by ("first at x.tsv:3" for data/x.tsv): for what must not depend
 * on where a file was read from (an artifact's meta.json). */
int nlp_reader_describe_names(const struct nlp_reader_stats *s, char *buf,
    size_t size);

/* The same of the records skipped or changed alone (no label, several,
 * malformed, invalid UTF-8, NUL bytes, cut, lines run together by bare
 * carriage returns), not the header or blank lines passed over: what a
 * quiet run still says. */
int nlp_reader_describe_losses(const struct nlp_reader_stats *s, char *buf,
    size_t size);

/* The same of the records whose line holds a carriage return alone (the
 * lines run together): what a command that says no other oddity under
 * -q still says (predict, drift). */
int nlp_reader_describe_bare_cr(const struct nlp_reader_stats *s,
    char *buf, size_t size);

/* Close what nlp_reader_open() opened (NULL: nothing to do). */
void nlp_reader_close(struct nlp_reader *r);

/*
 * Replace invalid UTF-8 in src[0..len) by U+FFFD and NUL by space, writing
 * to dst (which needs 3 * len bytes at most); returns the new length and
 * sets *flags bits NLP_REC_BAD_UTF8 / NLP_REC_NUL.  Exposed for tests and
 * for callers that get text from elsewhere.
 */
size_t nlp_utf8_repair(const char *src, size_t len, char *dst,
    unsigned *flags);

#endif
