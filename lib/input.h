/*
 * input.h - one input's bytes, as lines: a file or standard input, read
 * with read(2), hashed (SHA-256) and counted as they come (so the digest is
 * that of the raw, possibly compressed, bytes, as sha256sum prints it),
 * decompressed when the first bytes are a compressed format's magic (gzip
 * with zlib; xz, zstd, bzip2 and the rest through libarchive), and cut
 * into lines.  The record reader (reader.h) parses the lines.
 *
 * Of a line longer than line_cap only line_cap bytes are kept; the rest is
 * read into the spare room after them and dropped, so memory stays near
 * line_cap + a chunk whatever the input.  A UTF-8 byte order mark at the
 * start and CR before LF are dropped.
 */
#ifndef NLP_INPUT_H
#define NLP_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zlib.h>

#include "digest.h"
#include "error.h"

struct archive;
struct nlp_sha256;

struct nlp_stream {
	const char *path;            /* as given; "-" is standard input */
	int fd, own_fd, eof, rerr;
	struct archive *ar;          /* other compressed formats */
	z_stream z;                  /* gzip */
	int gz, gzend, gzpad;        /* gzip input; a member has ended; zeros
	                                followed it */
	struct nlp_sha256 *sha;      /* NULL: not hashed */
	uint64_t bytes;              /* raw bytes read */
	uint64_t lineno;             /* lines returned */
	unsigned char *rbuf;         /* raw bytes, one chunk */
	size_t pend, pendoff;        /* rbuf[pendoff..pend): not used yet */
	size_t rlast;                /* rbuf[0..rlast): the last chunk handed
	                                to libarchive */
	unsigned char tail[4096];    /* the last bytes of the chunk before it */
	size_t ntail;
	int lf;                      /* the last line ended at a newline */
	char *in;                    /* decoded bytes, [pos, end) unread */
	size_t pos, end, cap;
	size_t line_cap, max_cap;    /* see above; max_cap bounds cap */
	size_t cut_quotes;           /* '"' bytes in what was dropped of the
	                                last line (a CSV quote may close
	                                there) */
};

/* "'path'", or "stdin" for "-": how messages name an input (into buf). */
const char *nlp_input_shown(const char *path, char *buf, size_t size);

/* The same for a command's inputs (none: stdin): "'path'" for one, else
 * "N inputs". */
const char *nlp_inputs_shown(const char *const *paths, size_t n, char *buf,
    size_t size);

/* The compression suffix path ends with (".gz", ".xz", ".zst", ...; in
 * any case), or NULL.  A file so named whose bytes are not compressed is
 * damaged or misnamed (an HTML error page saved as the night's .gz):
 * nlp_stream_open() refuses it.  The format is guessed from the name
 * without it (nlp_format_guess()). */
const char *nlp_compressed_suffix(const char *path);

/*
 * Open path ("-": standard input) into s, its buffers sized for lines of
 * line_cap bytes, its bytes hashed unless digest is 0 (a scoring pass that
 * records no data hash: SHA-256 cost it a sixth of its time).  Returns
 * NLP_OK, NLP_IO (cannot open or read; out of memory), NLP_DATA (cannot
 * decompress; named as compressed, and not).  nlp_stream_close() releases what s holds, also after a
 * failure.
 */
int nlp_stream_open(struct nlp_stream *s, const char *path, size_t line_cap,
    int digest, struct nlp_err *e);

/*
 * The next line, NUL-terminated in place (*line valid until the next
 * call), its length in *len; *cut says it was longer than line_cap and
 * was cut there.  Returns 1, 0 at the end, or -status with e filled.
 */
int nlp_stream_line(struct nlp_stream *s, char **line, size_t *len, int *cut,
    struct nlp_err *e);

/*
 * At the end: read what the decompressor left (trailing bytes) into the
 * digest, and give the input's SHA-256 ("" when opened without a digest)
 * and size.  NLP_OK or NLP_IO.
 */
int nlp_stream_finish(struct nlp_stream *s, char sha256[NLP_SHA256_HEX],
    uint64_t *bytes, struct nlp_err *e);

void nlp_stream_close(struct nlp_stream *s);

#endif
