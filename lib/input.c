/*
 * input.c - one input's bytes, as lines (see input.h).
 *
 * Plain input, most of it, is copied from the raw buffer straight into the
 * line buffer, and gzip, most of the rest, is inflated with zlib: only the
 * other compressed formats go through libarchive (raw format, any filter),
 * whose filter detection crashed, or took a failed allocation for an
 * empty input (zero records, exit 0), when memory ran out; zlib reports
 * it.  Concatenated gzip members are read one after the other, as gzip(1)
 * reads them, and zeros after the last (padding to a block) are passed
 * over as gzip(1) passes over them; any other bytes there are refused, where
 * gzip(1) warns and goes on: a member whose header was damaged would end
 * the input early, the records after it lost without a word.
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "larchive.h"
#include "text.h"

#define CHUNK (256 * 1024)       /* bytes per read, and spare room in `in` */

/* Out of memory, as a line of this module's: -NLP_IO. */
static int
oom(struct nlp_err *e)
{
	return -nlp_errf(e, NLP_IO, "out of memory");
}

const char *
nlp_input_shown(const char *path, char *buf, size_t size)
{
	if (strcmp(path, "-") == 0)
		return "stdin";
	snprintf(buf, size, "'%s'", path);
	return buf;
}

const char *
nlp_inputs_shown(const char *const *paths, size_t n, char *buf, size_t size)
{
	if (n == 0)
		return "stdin";
	if (n == 1)
		return nlp_input_shown(paths[0], buf, size);
	snprintf(buf, size, "%zu inputs", n);
	return buf;
}

/* Reading failed (s->rerr): -NLP_IO. */
static int
read_error(const struct nlp_stream *s, struct nlp_err *e)
{
	char buf[1024];

	return -nlp_errnof(e, NLP_IO, s->rerr, "cannot read %s",
	    nlp_input_shown(s->path, buf, sizeof buf));
}

/* Read raw bytes into rbuf from its offset at, hashing and counting them:
 * their number, 0 at the end, -1 (s->rerr set). */
static ssize_t
raw_read_at(struct nlp_stream *s, size_t at)
{
	ssize_t n;

	do
		n = read(s->fd, s->rbuf + at, CHUNK - at);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		s->rerr = errno;
		return -1;
	}
	if (s->sha != NULL)
		nlp_sha256_update(s->sha, s->rbuf + at, (size_t)n);
	s->bytes += (uint64_t)n;
	return n;
}

/* libarchive's read callback: the bytes the magic was read from first,
 * then the next chunks. */
static la_ssize_t
archive_chunk(struct archive *a, void *arg, const void **out)
{
	struct nlp_stream *s = arg;
	unsigned char keep[sizeof s->tail];
	ssize_t n;
	size_t k;

	*out = s->rbuf;
	if (s->pend > 0) {
		n = (ssize_t)s->pend;
		s->pend = 0;
		s->rlast = (size_t)n;
		return n;
	}
	/* the end of the chunk before kept: libarchive may have read past
	   its data into it (archive_rest()); at the end of the input rbuf
	   still holds that chunk */
	k = s->rlast < sizeof keep ? s->rlast : sizeof keep;
	memcpy(keep, s->rbuf + s->rlast - k, k);
	if ((n = raw_read_at(s, 0)) < 0)
		archive_set_error(a, s->rerr, "read error");
	if (n > 0) {
		memcpy(s->tail, keep, k);
		s->ntail = k;
		s->rlast = (size_t)n;
	}
	return n;
}

/* libarchive failed: out of memory, a read error, or bad data. */
static int
archive_fail(const struct nlp_stream *s, struct nlp_err *e)
{
	const char *why = archive_error_string(s->ar);
	char buf[1024];

	if (archive_errno(s->ar) == ENOMEM)
		return oom(e);
	if (s->rerr != 0)
		return read_error(s, e);
	return -nlp_errf(e, NLP_DATA, "%s: cannot decompress: %s",
	    nlp_input_shown(s->path, buf, sizeof buf), why != NULL ? why :
	    "unknown error");
}

/* The magics of the formats libarchive decompresses (gzip, xz, zstd,
 * bzip2, lz4, lz4 legacy, lzip, lzma, compress, lzop, lrzip). */
static const struct { const char *m; size_t len; } magic[] = {
	{ "\x1f\x8b", 2 }, { "\xfd" "7zXZ\0", 6 }, { "\x28\xb5\x2f\xfd", 4 },
	{ "BZh", 3 }, { "\x04\x22\x4d\x18", 4 }, { "\x02\x21\x4c\x18", 4 },
	{ "LZIP", 4 }, { "\x5d\0\0", 3 }, { "\x1f\x9d", 2 },
	{ "\x89LZO", 4 }, { "LRZI", 4 },
};
#define NMAGIC (sizeof magic / sizeof *magic)

/* Do the n bytes at p start with a magic (whole: 1), or could they (the
 * start of one, not all of it yet: 2)?  0 otherwise. */
static int
magic_at(const unsigned char *p, size_t n)
{
	int prefix = 0;
	size_t i;

	for (i = 0; i < NMAGIC; i++) {
		if (n >= magic[i].len && memcmp(p, magic[i].m, magic[i].len) == 0)
			return 1;
		if (n < magic[i].len && memcmp(p, magic[i].m, n) == 0)
			prefix = 1;
	}
	return prefix ? 2 : 0;
}

const char *
nlp_compressed_suffix(const char *path)
{
	static const char *const sfx[] = {
		".gz", ".tgz", ".xz", ".txz", ".zst", ".zstd", ".bz2", ".lz4",
		".lz", ".lzma", ".Z", NULL,
	};
	size_t i, n = strlen(path), k;

	for (i = 0; sfx[i] != NULL; i++)
		if (n > (k = strlen(sfx[i])) &&
		    strcasecmp(path + n - k, sfx[i]) == 0)
			return sfx[i];
	return NULL;
}

/* Other compressed formats: libarchive, its steps one by one, each
 * checked (archive_read_open() ignores a failed set-up allocation and
 * then reads through a NULL pointer, libarchive 3.6). */
static int
open_archive(struct nlp_stream *s, struct nlp_err *e)
{
	struct archive_entry *ent;
	int rv;

	if ((rv = nlp_archive_use(e)) != NLP_OK)
		return -rv;
	if ((s->ar = archive_read_new()) == NULL ||
	    archive_read_support_filter_all(s->ar) < ARCHIVE_WARN ||
	    archive_read_support_format_raw(s->ar) < ARCHIVE_WARN ||
	    archive_read_set_read_callback(s->ar, archive_chunk) != ARCHIVE_OK ||
	    archive_read_set_callback_data(s->ar, s) != ARCHIVE_OK)
		return oom(e);
	/* ARCHIVE_WARN is success, e.g. "using external gzip program" */
	rv = archive_read_open1(s->ar);
	if (rv >= ARCHIVE_WARN)
		rv = archive_read_next_header(s->ar, &ent);
	/* the raw format takes any data but none: "unrecognized format"
	 * (EILSEQ, ARCHIVE_ERRNO_FILE_FORMAT) means an empty input, once
	 * decompressed */
	if (rv == ARCHIVE_EOF || (rv < ARCHIVE_WARN && s->rerr == 0 &&
	    archive_errno(s->ar) == EILSEQ))
		s->eof = 1;
	else if (rv < ARCHIVE_WARN)
		return archive_fail(s, e);
	return 0;
}

int
nlp_stream_open(struct nlp_stream *s, const char *path, size_t line_cap,
    int digest, struct nlp_err *e)
{
	const char *sfx;
	ssize_t n;
	int m;

	memset(s, 0, sizeof *s);
	s->path = path;
	s->fd = -1;
	s->line_cap = line_cap;
	s->max_cap = line_cap + CHUNK + 1;
	s->cap = CHUNK + 1;
	if ((s->in = malloc(s->cap)) == NULL || (s->rbuf = malloc(CHUNK)) ==
	    NULL)
		return -oom(e);
	if (digest && (s->sha = nlp_sha256_new()) == NULL)
		return nlp_sha256_why(e);
	if (strcmp(path, "-") == 0)
		s->fd = 0;
	else if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot open '%s'", path);
	else
		s->own_fd = 1;
	/* the first chunk tells plain from compressed; the magic needs its
	 * bytes, which a pipe may hand over one by one (but a short line of
	 * text must not wait for more) */
	if ((n = raw_read_at(s, 0)) < 0)
		return -read_error(s, e);
	s->pend = (size_t)n;
	while (s->pend > 0 && (m = magic_at(s->rbuf, s->pend)) == 2 &&
	    (n = raw_read_at(s, s->pend)) > 0)
		s->pend += (size_t)n;
	if (n < 0)
		return -read_error(s, e);
	if (s->pend >= 2 && s->rbuf[0] == 0x1f && s->rbuf[1] == 0x8b) {
		switch (inflateInit2(&s->z, 16 + MAX_WBITS)) {
		case Z_OK: s->gz = 1; return NLP_OK;
		case Z_MEM_ERROR: return -oom(e);
		default: return nlp_errf(e, NLP_BUG, "zlib: cannot start");
		}
	}
	if (s->pend > 0 && magic_at(s->rbuf, s->pend) != 1 && s->fd != 0 &&
	    (sfx = nlp_compressed_suffix(path)) != NULL)
		return nlp_errf(e, NLP_DATA, "'%s' is named as compressed (%s) "
		    "but is not: its first bytes are no compressor's (damaged, "
		    "or plain text misnamed)", path, sfx);
	if (s->pend == 0 || magic_at(s->rbuf, s->pend) != 1) {
		s->eof = s->pend == 0;
		return NLP_OK;
	}
	return -open_archive(s, e);
}

/* The first byte at p[0..n) that is not zero, or NULL. */
static const unsigned char *
nonzero(const unsigned char *p, size_t n)
{
	for (; n > 0; p++, n--)
		if (*p != 0)
			return p;
	return NULL;
}

/* Inflate gzip input into `in` (room bytes free): 0, or -status. */
static int
fill_gz(struct nlp_stream *s, size_t room, struct nlp_err *e)
{
	char buf[1024];
	size_t before;
	ssize_t n;
	int rc;

	for (;;) {
		if (s->z.avail_in == 0) {
			if (s->pendoff < s->pend) {
				s->z.next_in = s->rbuf + s->pendoff;
				s->z.avail_in = (uInt)(s->pend - s->pendoff);
				s->pendoff = s->pend;
			} else if ((n = raw_read_at(s, 0)) < 0) {
				return read_error(s, e);
			} else if (n == 0) {
				if (s->gzend) {
					s->eof = 1;
					return 0;
				}
				return -nlp_errf(e, NLP_DATA, "%s: cannot "
				    "decompress: gzip data cut short",
				    nlp_input_shown(s->path, buf, sizeof buf));
			} else {
				s->pend = s->pendoff = (size_t)n;
				s->z.next_in = s->rbuf;
				s->z.avail_in = (uInt)n;
			}
		}
		if (s->gzend) {
			/* another member follows, or zeros to the end */
			if (s->gzpad || s->z.next_in[0] != 0x1f ||
			    (s->z.avail_in > 1 && s->z.next_in[1] != 0x8b)) {
				const unsigned char *nz = nonzero(s->z.next_in,
				    s->z.avail_in);

				if (nz != NULL)
					return -nlp_errf(e, NLP_DATA, "%s: cannot "
					    "decompress: byte %ju follows the end "
					    "of the gzip data and starts no other "
					    "member (damaged, or something appended)",
					    nlp_input_shown(s->path, buf, sizeof buf),
					    (uintmax_t)(s->bytes - s->z.avail_in +
					    (size_t)(nz - s->z.next_in) + 1));
				s->gzpad = 1;
				s->z.avail_in = 0;
				continue;
			}
			if (inflateReset(&s->z) != Z_OK)
				return oom(e);
			s->gzend = 0;
		}
		s->z.next_out = (unsigned char *)s->in + s->end;
		s->z.avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
		before = s->z.avail_out;
		rc = inflate(&s->z, Z_NO_FLUSH);
		s->end += before - s->z.avail_out;
		if (rc == Z_STREAM_END)
			s->gzend = 1;
		else if (rc == Z_MEM_ERROR)
			return oom(e);
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return -nlp_errf(e, NLP_DATA, "%s: cannot decompress: %s",
			    nlp_input_shown(s->path, buf, sizeof buf),
			    s->z.msg ? s->z.msg : "bad gzip data");
		if (before != s->z.avail_out)
			return 0;
	}
}

/* Plain input: the raw bytes themselves, into `in`. */
static int
fill_plain(struct nlp_stream *s, size_t room, struct nlp_err *e)
{
	ssize_t n;
	size_t k;

	if (s->pendoff == s->pend) {
		if ((n = raw_read_at(s, 0)) < 0)
			return read_error(s, e);
		s->pend = (size_t)n;
		s->pendoff = 0;
		if (n == 0) {
			s->eof = 1;
			return 0;
		}
	}
	k = s->pend - s->pendoff < room ? s->pend - s->pendoff : room;
	memcpy(s->in + s->end, s->rbuf + s->pendoff, k);
	s->pendoff += k;
	s->end += k;
	return 0;
}

/*
 * At the end of libarchive's data: the raw bytes after what it decoded
 * (read and left, or not yet read) must be none, or zeros, as after
 * gzip's last member.  Its bzip2 reader stops without a word at bytes
 * that start no other stream: a second stream damaged, or something
 * appended, and the records there were lost with exit status 0.
 * 0, or -NLP_DATA naming the first such byte (-NLP_IO: a read failed).
 */
static int
archive_rest(struct nlp_stream *s, struct nlp_err *e)
{
	int last = archive_filter_count(s->ar) - 1;
	int64_t used = last >= 0 ? archive_filter_bytes(s->ar, last) : -1;
	const unsigned char *nz = NULL;
	uint64_t at, left, intail;
	char buf[1024];
	ssize_t n;

	if (used < 0 || (uint64_t)used > s->bytes)
		return 0;               /* not told: as libarchive has it */
	at = (uint64_t)used;        /* the first byte left, counted from 0 */
	left = s->bytes - at;
	if (left > s->rlast + s->ntail) /* no longer at hand: not zeros */
		nz = s->rbuf;
	intail = left > s->rlast ? left - s->rlast : 0;
	if (nz == NULL && intail > 0 && (nz = nonzero(s->tail + (s->ntail -
	    intail), (size_t)intail)) != NULL)
		at += (uint64_t)(nz - (s->tail + (s->ntail - intail)));
	else if (nz == NULL && left > intail && (nz = nonzero(s->rbuf +
	    (s->rlast - (left - intail)), (size_t)(left - intail))) != NULL)
		at += intail + (uint64_t)(nz - (s->rbuf + (s->rlast - (left -
		    intail))));
	if (nz == NULL)
		at = s->bytes;
	while (nz == NULL && (n = raw_read_at(s, 0)) != 0) {
		if (n < 0)
			return read_error(s, e);
		if ((nz = nonzero(s->rbuf, (size_t)n)) == NULL)
			at += (uint64_t)n;
		else
			at += (uint64_t)(nz - s->rbuf);
	}
	if (nz == NULL)
		return 0;
	return -nlp_errf(e, NLP_DATA, "%s: cannot decompress: byte %ju follows "
	    "the end of the compressed data and starts no other stream "
	    "(damaged, or something appended)", nlp_input_shown(s->path, buf,
	    sizeof buf), (uintmax_t)at + 1);
}

/* Decode more bytes into `in` after end; sets eof at the end. */
static int
fill(struct nlp_stream *s, struct nlp_err *e)
{
	size_t room = s->cap - 1 - s->end;
	la_ssize_t n;

	if (s->gz)
		return fill_gz(s, room, e);
	if (s->ar == NULL)
		return fill_plain(s, room, e);
	if ((n = archive_read_data(s->ar, s->in + s->end, room)) < 0)
		return archive_fail(s, e);
	if (n == 0) {
		if ((n = archive_rest(s, e)) < 0)
			return (int)n;
		s->eof = 1;
	}
	s->end += (size_t)n;
	return 0;
}

/* Make room after the unread bytes: move them to the start, and grow the
 * buffer (up to max_cap) when little room is left.  0 or -NLP_IO. */
static int
make_room(struct nlp_stream *s, size_t *scan, struct nlp_err *e)
{
	size_t cap;
	char *p;

	if (s->pos > 0) {
		memmove(s->in, s->in + s->pos, s->end - s->pos);
		*scan -= s->pos;
		s->end -= s->pos;
		s->pos = 0;
	}
	if (s->cap - 1 - s->end < CHUNK / 2 && s->cap < s->max_cap) {
		cap = s->cap > s->max_cap / 2 ? s->max_cap : 2 * s->cap;
		if ((p = realloc(s->in, cap)) == NULL)
			return oom(e);
		s->in = p;
		s->cap = cap;
	}
	return 0;
}

/* The double quotes in p[0..n). */
static size_t
count_quotes(const char *p, size_t n)
{
	const char *end = p + n;
	size_t k = 0;

	while ((p = memchr(p, '"', (size_t)(end - p))) != NULL) {
		k++;
		p++;
	}
	return k;
}

/* The bytes after a UTF-16 byte order mark that tell UTF-16 text. */
#define UTF16_WINDOW 256

/* Do p[0..n) start with a UTF-16 byte order mark? */
static int
utf16_mark(const char *p, size_t n)
{
	return n >= 2 && (memcmp(p, "\xff\xfe", 2) == 0 ||
	    memcmp(p, "\xfe\xff", 2) == 0);
}

/*
 * Does p[0..n), an input's first bytes (all there are, or UTF16_WINDOW
 * after the first two at least), start as UTF-16 text: its byte order
 * mark and, after it, a NUL (an ASCII character's, a newline's 0A 00 or
 * 00 0A, whatever the script) or bytes that are no UTF-8 -- or nothing?
 * The mark's two bytes alone are not enough: a line of invalid UTF-8
 * that starts with them is repaired in the middle of an input, and must
 * be read so at the start of a part of it (parallel --pipe) too; decided
 * on a fixed window, not on where the first line ends, so that a pipe
 * delivering the bytes in pieces decides as a file does.
 */
static int
utf16_start(const char *p, size_t n)
{
	if (!utf16_mark(p, n))
		return 0;
	p += 2;
	n -= 2;
	if (n > UTF16_WINDOW)
		n = UTF16_WINDOW;
	/* the window's last bytes may cut a UTF-8 character: not counted */
	return n == 0 || memchr(p, '\0', n) != NULL ||
	    nlp_utf8_clean(p, n) + 3 < n;
}

/*
 * Is the first line p[0..n) a tar archive's first header (its name field
 * NUL-padded, "ustar" at byte 257)?  A model artifact given where text
 * is read: as text it is a line of NULs and octal numbers.
 */
static int
tar_start(const char *p, size_t n)
{
	return n >= 262 && memchr(p, '\0', 100) != NULL &&
	    memcmp(p + 257, "ustar", 5) == 0;
}

/* The stream's input refused as not UTF-8 text: "'PATH' WHY", or
 * "standard input WHY" (NLP_DATA, negated as nlp_stream_line() returns
 * it). */
static int
not_text(const struct nlp_stream *s, const char *why, struct nlp_err *e)
{
	if (strcmp(s->path, "-") == 0)
		return -nlp_errf(e, NLP_DATA, "standard input %s", why);
	return -nlp_errf(e, NLP_DATA, "'%s' %s", s->path, why);
}

/*
 * Before the first line: the input's first bytes, as many as tell UTF-16
 * (read up to them, or to the end), refused as such, with the way out:
 * read as UTF-8 it is NULs and garbage, a record a byte pair.  Read on
 * past the first line only after a mark: a terminal or a pipe's first
 * line is answered when it comes (--line-buffered).  0, or as
 * nlp_stream_line() fails.
 */
static int
first_bytes(struct nlp_stream *s, struct nlp_err *e)
{
	size_t scan;
	int rv;

	while (!s->eof) {
		const char *p = s->in + s->pos;
		size_t have = s->end - s->pos;

		/* two bytes to tell a mark (unless a line ends sooner), then
		   the window after one */
		if (have < 2 ? memchr(p, '\n', have) != NULL :
		    !utf16_mark(p, have) || have >= UTF16_WINDOW + 2)
			break;
		scan = s->end;
		if ((rv = make_room(s, &scan, e)) < 0 || (rv = fill(s, e)) < 0)
			return rv;
	}
	if (utf16_start(s->in + s->pos, s->end - s->pos))
		return not_text(s, "is UTF-16 (it starts with a UTF-16 byte "
		    "order mark); nlpops reads UTF-8: convert it first (iconv "
		    "-f UTF-16 -t UTF-8)", e);
	return 0;
}

int
nlp_stream_line(struct nlp_stream *s, char **line, size_t *len, int *cut,
    struct nlp_err *e)
{
	size_t scan, n;
	char *nl;
	int rv;

	*cut = 0;
	s->cut_quotes = 0;
	if (s->lineno == 0 && (rv = first_bytes(s, e)) < 0)
		return rv;
	scan = s->pos;           /* after first_bytes(), which may move it */
	for (;;) {
		nl = memchr(s->in + scan, '\n', s->end - scan);
		if (nl != NULL || s->eof)
			break;
		if (s->end - s->pos > s->line_cap) {
			*cut = 1;
			s->cut_quotes += count_quotes(s->in + s->pos +
			    s->line_cap, s->end - s->pos - s->line_cap);
			s->end = s->pos + s->line_cap;
		}
		scan = s->end;
		if ((rv = make_room(s, &scan, e)) < 0 || (rv = fill(s, e)) < 0)
			return rv;
	}
	if (nl == NULL && s->pos == s->end)
		return 0;
	n = (nl != NULL ? (size_t)(nl - s->in) : s->end) - s->pos;
	s->lf = nl != NULL;
	*line = s->in + s->pos;
	s->pos += n + (nl != NULL);
	if (n > s->line_cap) {
		*cut = 1;
		s->cut_quotes += count_quotes(*line + s->line_cap,
		    n - s->line_cap);
		n = s->line_cap;
	} else if (!*cut && nl != NULL && n > 0 && (*line)[n - 1] == '\r')
		n--;
	(*line)[n] = '\0';
	if (s->lineno == 0 && tar_start(*line, n))
		return not_text(s, "is a tar archive, not text (an nlpops "
		    "model artifact? one is given with -m, not as data)", e);
	/* a UTF-8 byte order mark: at the start of an input, and of any
	   line, where concatenated files put theirs; so a part of the input
	   cut at that line (parallel --pipe) reads as the whole does */
	s->lineno++;
	if (n >= 3 && memcmp(*line, "\xef\xbb\xbf", 3) == 0) {
		*line += 3;
		n -= 3;
	}
	*len = n;
	return 1;
}

int
nlp_stream_finish(struct nlp_stream *s, char sha256[NLP_SHA256_HEX],
    uint64_t *bytes, struct nlp_err *e)
{
	ssize_t n;

	while ((n = raw_read_at(s, 0)) > 0)
		continue;
	if (n < 0)
		return -read_error(s, e);
	if (s->sha != NULL)
		nlp_sha256_final(s->sha, sha256);
	else
		sha256[0] = '\0';
	s->sha = NULL;
	*bytes = s->bytes;
	return NLP_OK;
}

void
nlp_stream_close(struct nlp_stream *s)
{
	if (s->ar != NULL)           /* else libarchive may not be loaded */
		archive_read_free(s->ar);
	if (s->gz)
		inflateEnd(&s->z);
	nlp_sha256_close(s->sha);
	if (s->own_fd)
		close(s->fd);
	free(s->in);
	free(s->rbuf);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}
