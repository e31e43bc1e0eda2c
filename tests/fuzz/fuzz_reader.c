/*
 * fuzz_reader.c - every data reader (TSV, CSV, JSONL, fastText, plain;
 * labeled and unlabeled, multi-label or not; gzip, xz and zstd input
 * through libarchive) on any bytes, read from a file as the commands read
 * one.  The first input byte chooses the format and mode; the rest is the
 * file.  Checks: every record's text is valid UTF-8 without NUL, of its
 * stated length, no longer than max_record; labels are non-empty, clean,
 * distinct; unlabeled mode returns records whose count the stats agree
 * with; an error stops the reader for good.
 */
#include "fuzz.h"

#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum nlp_format fmts[] = { NLP_FMT_TSV, NLP_FMT_CSV,
	    NLP_FMT_JSONL, NLP_FMT_FASTTEXT, NLP_FMT_PLAIN };
	struct nlp_reader_opts o;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	struct nlp_err e;
	char path[64];
	const char *paths[1] = { path };
	uint64_t records = 0;
	unsigned sel;
	size_t i, j;
	int fd, rc;

	if (size < 1)
		return 0;
	sel = data[0];
	memset(&o, 0, sizeof o);
	o.format = fmts[sel % 5];
	o.labeled = (sel >> 3) & 1 && o.format != NLP_FMT_PLAIN;
	o.multilabel = (sel >> 4) & 1;
	o.strict = (sel >> 5) & 1;
	o.bad_label_error = (sel >> 6) & 1;
	o.max_record = (sel >> 7) & 1 ? 64 : 0;
	if ((sel >> 2) & 1) {        /* columns and fields by name/number */
		o.text_column = o.format == NLP_FMT_CSV ? "text" : "2";
		o.id_column = o.format == NLP_FMT_CSV ? "id" : "3";
		o.id_field = "id";
		o.label_sep = ';';
	}
	if ((fd = fuzz_file(data + 1, size - 1, path, sizeof path)) < 0)
		return 0;
	if (nlp_reader_open(&r, paths, 1, &o, &e) != NLP_OK) {
		close(fd);
		return 0;
	}
	while ((rc = nlp_reader_next(r, &rec, &e)) == NLP_OK && rec.text) {
		records++;
		FUZZ_CHECK(strlen(rec.text) == rec.text_len);
		FUZZ_CHECK(nlp_utf8_clean(rec.text, rec.text_len) == rec.text_len);
		if (o.max_record > 0)
			FUZZ_CHECK(rec.text_len <= o.max_record + 3);
		FUZZ_CHECK(o.labeled ? rec.nlabels > 0 : rec.nlabels == 0);
		FUZZ_CHECK(rec.nlabels <= 1 || o.multilabel);
		for (i = 0; i < rec.nlabels; i++) {
			FUZZ_CHECK(rec.labels[i][0] != '\0');
			FUZZ_CHECK(nlp_text_clean(rec.labels[i],
			    strlen(rec.labels[i])));
			for (j = 0; j < i; j++)
				FUZZ_CHECK(strcmp(rec.labels[i], rec.labels[j]) != 0);
		}
		FUZZ_CHECK(rec.line >= 1);
	}
	if (rc == NLP_OK)
		FUZZ_CHECK(nlp_reader_stats(r)->records == records);
	else    /* an error sticks */
		FUZZ_CHECK(nlp_reader_next(r, &rec, &e) == rc);
	nlp_reader_close(r);
	close(fd);
	return 0;
}
