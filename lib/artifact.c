/*
 * artifact.c - the model artifact (see artifact.h): written with libarchive
 * as a reproducible ustar tarball, optionally gzip-compressed; loaded by a
 * strict parser of our own over the mapped (or inflated) bytes.
 *
 * Writing fixes every header field and turns libarchive's output blocking
 * off, so the bytes depend on the members alone: the tar ends right after
 * its two zero blocks, and the gzip header carries no name and mtime 0.
 * A file is written through nlp_atomic (atomic.h); on failure the target
 * is untouched.
 *
 * Reading does not use libarchive: members must be usable in place
 * (512-byte aligned in our own copy) and hostile input must be refused
 * before it makes us read or allocate much.  A gzip artifact is inflated
 * with zlib, which checks its CRC and size, never past what the manifest
 * describes (nor, for a file, past the size the gzip trailer states,
 * which must be plausible for the file's size).  The parser is strict so
 * that every byte of an uncompressed artifact matters: header fields are
 * covered by the header checksum, member data by the manifest's XXH3-128,
 * the manifest by its strict syntax, and padding, the end-of-archive
 * marker and anything after it must be zero bytes.  Zero padding after the
 * marker (tar's 10240-byte blocking) is accepted; anything else is not.
 * (In a gzip artifact, the gzip header's mtime and OS bytes are not
 * checked; the tar is checked as above.)
 *
 * Limits: NLP_ARTIFACT_MAX_MEMBERS members, manifest included; names of 1
 * to 99 bytes of [A-Za-z0-9._+-], not "." or ".."; members below 8 GiB
 * (ustar's size field); under 4 GiB of inflated tar (the size field of
 * the gzip trailer), 4 GiB read from a non-regular file (a pipe).
 */
#include "artifact.h"

#include <zlib.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "bigmem.h"
#include "digest.h"
#include "larchive.h"

#define BLOCK 512                          /* tar block */
#define NAME_MAX_LEN 99                    /* ustar name field less its NUL */
#define MEMBER_MAX UINT64_C(077777777777)  /* 11 octal digits: 8 GiB - 1 */
#define CHUNK ((size_t)1 << 20)            /* libarchive gzip takes < 4 GiB */
#define DEFLATE_MAX_RATIO 1032             /* deflate's best case */
#define GZIP_MIN 18                        /* header, empty body, trailer */
#define MAX_LOADED ((size_t)(SIZE_MAX / 2 < (UINT64_C(4) << 30) ? \
    SIZE_MAX / 2 : UINT64_C(4) << 30))     /* read, or inflated */
#define CHUNK_READ ((size_t)64 << 10)      /* a gzip artifact's raw reads */
#define HASH_STEP ((size_t)8 << 20)        /* SHA-256 meanwhile: a step */
#define MANIFEST_MAX ((uint64_t)64 << 10)  /* 64 lines of < 160 bytes fit */
#define BLOCKING 10240                     /* tar's zero padding at the end */
#define WHOLE_READ ((size_t)1 << 20)       /* files this large: room at once */
#define ALIGNED 16        /* a copy's alignment (malloc's): members' data are
                             read in place as floats and integers */
#define FORMAT_LINE "nlpops-artifact "
#define MANIFEST "manifest"
#define MEM_LABEL "(memory)"

/* ustar header fields used here (offset into the 512-byte block). */
enum {
	H_NAME = 0, H_NAME_LEN = 100,
	H_SIZE = 124, H_SIZE_LEN = 12,
	H_SUM = 148, H_SUM_LEN = 8,
	H_TYPE = 156,
	H_MAGIC = 257,                 /* "ustar\0" then version "00" */
	H_PREFIX = 345,
};

/* A growable byte buffer: the in-memory writer's output, and what is
 * inflated from gzip or read from a pipe. */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

/* Where written archive bytes go: a file descriptor, or mem when fd < 0. */
struct sink {
	int fd;
	struct buf mem;
	int err;                       /* errno of the first failed write */
};

struct nlp_artifact {
	char *label;                   /* the path, for messages */
	struct buf file;               /* the file's bytes, read or copied */
	int borrowed;                  /* file.p is use_mem()'s caller's bytes */
	const unsigned char *bytes;    /* the file as read: file.p */
	size_t len;
	char sha256[NLP_SHA256_HEX];   /* of those bytes, once asked for */
	pthread_t hasher;              /* computing sha256 meanwhile, */
	int hashing;                   /* when this is set; */
	atomic_int unwanted;           /* closed before it was asked for */
	struct buf inflated;           /* the tar inside a gzip artifact */
	size_t n;                      /* members, manifest first */
	const char *names[NLP_ARTIFACT_MAX_MEMBERS + 1];  /* NULL-terminated */
	const unsigned char *data[NLP_ARTIFACT_MAX_MEMBERS];
	size_t size[NLP_ARTIFACT_MAX_MEMBERS];
};

/* Make room for need more bytes in b, doubling, never past max bytes in
 * all: 0, ENOMEM, or EFBIG when max would be passed. */
static int
buf_reserve(struct buf *b, size_t need, size_t max)
{
	unsigned char *p;
	size_t cap;

	if (b->len > max || need > max - b->len)
		return EFBIG;
	if (need <= b->cap - b->len)
		return 0;
	cap = b->cap != 0 ? b->cap : 65536;
	if (cap > max)
		cap = max;
	while (cap - b->len < need)
		cap = cap > max / 2 ? max : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/*
 * Append all that fill() yields (fill returns a byte count, 0 at the end,
 * negative on failure) to b, up to max bytes in all.  A full buffer
 * is grown only once one more byte is known to come, so that an exact
 * size hint costs no reallocation.  Returns 0, ENOMEM, EFBIG (too much),
 * or -1 when fill failed (its source knows why; errno is kept).
 */
static int
slurp(struct buf *b, size_t max, ssize_t (*fill)(void *, void *, size_t),
    void *src)
{
	unsigned char probe, *p;
	ssize_t n;
	int full, err;

	for (;;) {
		full = b->cap == b->len;
		n = fill(src, full ? &probe : b->p + b->len,
		    full ? 1 : b->cap - b->len);
		if (n <= 0)
			break;
		if (full && (err = buf_reserve(b, 1, max)) != 0)
			return err;
		if (full)
			b->p[b->len] = probe;
		b->len += (size_t)n;
	}
	if (n < 0)
		return -1;
	/* Shrink to fit (cheap: glibc shrinks in place or by mremap), so
	 * that a sanitizer sees any read past the bytes. */
	if (b->len > 0 && b->len < b->cap && (p = realloc(b->p, b->len)) != NULL) {
		b->p = p;
		b->cap = b->len;
	}
	return 0;
}

/* Are the n bytes at p all zero? */
static int
is_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Is s[0..len) a member name we write and accept: 1 to 99 bytes of
 * [A-Za-z0-9._+-], not "." or ".."?  Safe in tar listings, shells, file
 * systems and manifest lines, and printable in messages. */
static int
name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > NAME_MAX_LEN || (len <= 2 && s[0] == '.' &&
	    s[len - 1] == '.'))
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || !strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", s[i]))
			return 0;
	return 1;
}

/* The index of the member called s[0..len), or -1. */
static int
find_member(const struct nlp_artifact *a, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strlen(a->names[i]) == len && memcmp(a->names[i], s, len) == 0)
			return (int)i;
	return -1;
}

/* ---- writing ---- */

/* Refuse bad arguments before anything is created: names, duplicates, the
 * reserved "manifest", the member count, ustar's size limit. */
static int
check_members(const struct nlp_member *m, size_t n, struct nlp_err *e)
{
	size_t i, j;

	if (n > 0 && m == NULL)
		return nlp_errf(e, NLP_USAGE, "artifact members missing");
	if (n >= NLP_ARTIFACT_MAX_MEMBERS)
		return nlp_errf(e, NLP_USAGE, "too many artifact members: %zu "
		    "(at most %d)", n, NLP_ARTIFACT_MAX_MEMBERS - 1);
	for (i = 0; i < n; i++) {
		if (m[i].name == NULL)
			return nlp_errf(e, NLP_USAGE, "artifact member %zu has no "
			    "name", i + 1);
		if (!name_ok(m[i].name, strnlen(m[i].name, NAME_MAX_LEN + 1)))
			return nlp_errf(e, NLP_USAGE, "bad artifact member name "
			    "'%.*s': want 1 to %d of A-Z a-z 0-9 . _ + -",
			    NAME_MAX_LEN + 1, m[i].name, NAME_MAX_LEN);
		if (strcmp(m[i].name, MANIFEST) == 0)
			return nlp_errf(e, NLP_USAGE, "artifact member name "
			    "'" MANIFEST "' is reserved");
		for (j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0)
				return nlp_errf(e, NLP_USAGE, "duplicate artifact "
				    "member '%s'", m[i].name);
		if ((uint64_t)m[i].size > MEMBER_MAX)
			return nlp_errf(e, NLP_USAGE, "artifact member '%s' is "
			    "too large: %zu bytes (at most %" PRIu64 ")",
			    m[i].name, m[i].size, MEMBER_MAX);
		if (m[i].data == NULL && m[i].size > 0)
			return nlp_errf(e, NLP_USAGE, "artifact member '%s' has "
			    "no data", m[i].name);
	}
	return NLP_OK;
}

/* The manifest for m[0..n-1], malloc'd (its length in *len); NULL when
 * out of memory.  Line lengths are bounded, so the size is exact enough. */
static char *
make_manifest(const struct nlp_member *m, size_t n, size_t *len)
{
	size_t cap = 32 + n * (NLP_XXH128_HEX + 21 + NAME_MAX_LEN + 2), off, i;
	char hex[NLP_XXH128_HEX], *s;

	if ((s = malloc(cap)) == NULL)
		return NULL;
	off = (size_t)snprintf(s, cap, FORMAT_LINE "%d\n", NLP_ARTIFACT_FORMAT);
	for (i = 0; i < n; i++) {
		nlp_xxh128_hex(m[i].data, m[i].size, hex);
		off += (size_t)snprintf(s + off, cap - off, "%s %zu %s\n", hex,
		    m[i].size, m[i].name);
	}
	*len = off;
	return s;
}

/* libarchive write callback: append to memory, or write all to the fd. */
static la_ssize_t
sink_write(struct archive *a, void *ctx, const void *p, size_t n)
{
	struct sink *s = ctx;
	size_t done = 0;
	ssize_t w;

	if (s->err == 0 && s->fd < 0 && n > 0 &&
	    (s->err = buf_reserve(&s->mem, n, SIZE_MAX)) == 0) {
		memcpy(s->mem.p + s->mem.len, p, n);
		s->mem.len += n;
	}
	while (s->fd >= 0 && s->err == 0 && done < n) {
		w = write(s->fd, (const unsigned char *)p + done, n - done);
		if (w >= 0)
			done += (size_t)w;
		else if (errno != EINTR)
			s->err = errno;
	}
	if (s->err != 0) {
		archive_set_error(a, s->err, "%s", strerror(s->err));
		return -1;
	}
	return (la_ssize_t)n;
}

int
nlp_artifact_tar_load(struct nlp_err *e)
{
	return nlp_archive_use(e);
}

int
nlp_artifact_tar_header(struct archive *a, struct archive_entry *ent,
    const char *name, int64_t size)
{
	archive_entry_clear(ent);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, (la_int64_t)size);
	archive_entry_set_mtime(ent, 0, 0);
	archive_entry_set_uid(ent, 0);
	archive_entry_set_gid(ent, 0);
	archive_entry_set_uname(ent, "nlpops");
	archive_entry_set_gname(ent, "nlpops");
	return archive_write_header(a, ent) == ARCHIVE_OK ? 0 : -1;
}

/* One regular-file entry with the fixed header fields, then its data in
 * chunks (libarchive's gzip writer takes under 4 GiB at a time). */
static int
write_entry(struct archive *a, struct archive_entry *ent, const char *name,
    const void *data, size_t size)
{
	size_t done = 0, want;
	la_ssize_t w;

	if (nlp_artifact_tar_header(a, ent, name, (int64_t)size) != 0)
		return -1;
	while (done < size) {
		want = size - done < CHUNK ? size - done : CHUNK;
		w = archive_write_data(a, (const char *)data + done, want);
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return archive_write_finish_entry(a) == ARCHIVE_OK ? 0 : -1;
}

/*
 * Write the manifest and m[0..n-1] to s as ustar, gzip-compressed when
 * asked (level 6, no timestamp: bytes 4-7 of the gzip header are zero).
 * No output blocking: nothing is padded after the end-of-archive blocks.
 */
static int
write_archive(struct sink *s, const struct nlp_member *m, size_t n, int gzip,
    const char *label, struct nlp_err *e)
{
	struct archive *a;
	struct archive_entry *ent;
	size_t mlen = 0, i;
	char *manifest;
	int rc, bad;

	if ((rc = nlp_archive_use(e)) != NLP_OK)
		return rc;
	a = archive_write_new();
	ent = archive_entry_new();
	manifest = make_manifest(m, n, &mlen);
	if (a == NULL || ent == NULL || manifest == NULL) {
		rc = nlp_errf(e, NLP_IO, "cannot write '%s': out of memory", label);
		goto out;
	}
	bad = archive_write_set_format_ustar(a) ||
	    archive_write_set_bytes_per_block(a, 0) ||
	    (gzip && (archive_write_add_filter_gzip(a) ||
	    archive_write_set_filter_option(a, "gzip", "timestamp", NULL) ||
	    archive_write_set_filter_option(a, "gzip", "compression-level", "6"))) ||
	    archive_write_open2(a, s, NULL, sink_write, NULL, NULL) ||
	    write_entry(a, ent, MANIFEST, manifest, mlen) != 0;
	for (i = 0; i < n && !bad; i++)
		bad = write_entry(a, ent, m[i].name, m[i].data, m[i].size) != 0;
	/* close even after a failure: archive_write_free() alone leaks the
	 * state of the filter whose write failed (libarchive 3.6) */
	if (archive_write_close(a) != ARCHIVE_OK)
		bad = 1;
	if (bad) {
		if (s->err != 0)
			rc = nlp_errnof(e, NLP_IO, s->err, "cannot write '%s'", label);
		else if (archive_errno(a) == ENOMEM)
			/* libarchive's own words ("Can't allocate ustar
			   data") say less than strerror's */
			rc = nlp_errnof(e, NLP_IO, ENOMEM, "cannot write '%s'",
			    label);
		else
			rc = nlp_errf(e, NLP_IO, "cannot write '%s': %s", label,
			    archive_error_string(a) ? archive_error_string(a) :
			    "libarchive failed without a reason (out of memory?)");
	}
out:
	archive_write_free(a);
	archive_entry_free(ent);
	free(manifest);
	return rc;
}

int
nlp_artifact_write(const char *path, const struct nlp_member *members,
    size_t n, int gzip, struct nlp_err *e)
{
	struct nlp_atomic out;
	int rc;

	if ((rc = check_members(members, n, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_atomic_open(&out, path, e)) != NLP_OK)
		return rc;
	if ((rc = nlp_artifact_write_fd(out.fd, path, members, n, gzip, e)) ==
	    NLP_OK)
		rc = nlp_atomic_commit(&out, e);
	else
		nlp_atomic_abort(&out);
	return rc;
}

int
nlp_artifact_write_fd(int fd, const char *label,
    const struct nlp_member *members, size_t n, int gzip, struct nlp_err *e)
{
	struct sink s = { .fd = fd };
	int rc;

	if ((rc = check_members(members, n, e)) != NLP_OK)
		return rc;
	return write_archive(&s, members, n, gzip, label, e);
}

int
nlp_artifact_write_mem(void **out, size_t *outlen,
    const struct nlp_member *members, size_t n, int gzip, struct nlp_err *e)
{
	struct sink s = { .fd = -1 };
	int rc = check_members(members, n, e);

	if (rc == NLP_OK)
		rc = write_archive(&s, members, n, gzip, MEM_LABEL, e);
	if (rc != NLP_OK) {
		free(s.mem.p);
		return rc;
	}
	*out = s.mem.p;
	*outlen = s.mem.len;
	return NLP_OK;
}

/* ---- reading ---- */

/* Parse a ustar number: octal digits (zero-padded, as libarchive and GNU
 * tar write them), then only NULs and spaces to the end of the field.  The
 * base-256 form is refused: we never write it. */
static int
parse_octal(const unsigned char *f, size_t w, uint64_t *out)
{
	uint64_t v = 0;
	size_t i, digits = 0;

	for (i = 0; i < w && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
		if (v > UINT64_MAX >> 3)
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < w; i++)
		if (f[i] != '\0' && f[i] != ' ')
			return -1;
	*out = v;
	return digits > 0 ? 0 : -1;
}

static const char not_ustar[] = "not a ustar header";

/* Check one 512-byte header: magic, checksum, name, regular file, size.
 * NULL when good (the size in *size), or what is wrong: not_ustar when the
 * magic is not POSIX ustar's.  The checksum field, which the sum does not
 * cover, must be exactly as written: 6 octal digits, NUL, space. */
static const char *
check_header(const unsigned char *h, uint64_t *size)
{
	uint64_t sum = 0, want;
	size_t i, namelen = strnlen((const char *)h + H_NAME, H_NAME_LEN);

	if (memcmp(h + H_MAGIC, "ustar\0" "00", 8) != 0)
		return not_ustar;
	for (i = 0; i < BLOCK; i++)
		sum += i >= H_SUM && i < H_SUM + H_SUM_LEN ? ' ' : h[i];
	if (parse_octal(h + H_SUM, H_SUM_LEN - 2, &want) != 0 || want != sum ||
	    memcmp(h + H_SUM + H_SUM_LEN - 2, "\0 ", 2) != 0)
		return "checksum mismatch (damaged or tampered)";
	if (!name_ok((const char *)h + H_NAME, namelen) || h[H_PREFIX] != '\0')
		return "bad member name";
	if (h[H_TYPE] != '0' && h[H_TYPE] != '\0')
		return "not a regular file";
	if (parse_octal(h + H_SIZE, H_SIZE_LEN, size) != 0)
		return "bad size field";
	return NULL;
}

/*
 * Walk the headers of tar[0..len) and record each member.  Every header is
 * checked, each member's data and padding are bounds-checked against the
 * bytes present before anything is read from them, padding must be zero,
 * and the archive must end with two zero blocks followed only by zeros.
 */
static int
parse_tar(struct nlp_artifact *a, const unsigned char *tar, size_t len,
    struct nlp_err *e)
{
	const char *why, *name, *L = a->label;
	size_t off = 0, pad;
	uint64_t size;

	for (;;) {
		if (len - off < BLOCK)
			return off == 0 ? nlp_errf(e, NLP_DATA, "'%s': truncated or "
			    "not an nlpops artifact (%zu bytes)", L, len) :
			    nlp_errf(e, NLP_DATA, "'%s': truncated: header at "
			    "offset %zu cut short", L, off);
		if (is_zero(tar + off, BLOCK))
			break;
		if ((why = check_header(tar + off, &size)) != NULL)
			return off == 0 && why == not_ustar ?
			    nlp_errf(e, NLP_DATA, "'%s': not an nlpops artifact", L) :
			    nlp_errf(e, NLP_DATA, "'%s': header at offset %zu: %s",
			    L, off, why);
		name = (const char *)tar + off;
		if (find_member(a, name, strlen(name)) >= 0)
			return nlp_errf(e, NLP_DATA, "'%s': duplicate member '%s'",
			    L, name);
		if (a->n == NLP_ARTIFACT_MAX_MEMBERS)
			return nlp_errf(e, NLP_DATA, "'%s': too many members "
			    "(more than %d)", L, NLP_ARTIFACT_MAX_MEMBERS);
		off += BLOCK;
		if (size > len - off)
			return nlp_errf(e, NLP_DATA, "'%s': truncated: member '%s' "
			    "needs %" PRIu64 " bytes, %zu present", L, name, size,
			    len - off);
		pad = (BLOCK - size % BLOCK) % BLOCK;
		if (pad > len - off - size)
			return nlp_errf(e, NLP_DATA, "'%s': truncated after member "
			    "'%s'", L, name);
		if (!is_zero(tar + off + size, pad))
			return nlp_errf(e, NLP_DATA, "'%s': non-zero padding after "
			    "member '%s' (damaged or tampered)", L, name);
		a->names[a->n] = name;
		a->data[a->n] = tar + off;
		a->size[a->n++] = (size_t)size;
		off += size + pad;
	}
	if (!is_zero(tar + off, len - off))
		return nlp_errf(e, NLP_DATA, "'%s': unexpected data after the end "
		    "of the archive", L);
	if (len - off < 2 * BLOCK)
		return nlp_errf(e, NLP_DATA, "'%s': truncated: end-of-archive "
		    "marker cut short", L);
	return NLP_OK;
}

/* Consume the literal s at *p (before end); 1 if it was there. */
static int
skip(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* Consume a decimal number at *p: digits, no leading zero, no overflow. */
static int
parse_dec(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if ((s > *p && v == 0) || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (s == *p)
		return 0;
	*p = s;
	*out = v;
	return 1;
}

/* Consume "<32 lowercase hex> <size> <name>\n" at *p; the hash and name
 * point into the manifest. */
static int
parse_line(const char **p, const char *end, const char **hex, uint64_t *size,
    const char **name, size_t *namelen)
{
	const char *s = *p, *nl;
	int i;

	for (i = 0; i < NLP_XXH128_HEX - 1; i++)
		if (s + i >= end || !strchr("0123456789abcdef", s[i]) || s[i] == '\0')
			return 0;
	*hex = s;
	s += i;
	if (!skip(&s, end, " ") || !parse_dec(&s, end, size) || !skip(&s, end, " ") ||
	    (nl = memchr(s, '\n', (size_t)(end - s))) == NULL ||
	    !name_ok(s, (size_t)(nl - s)))
		return 0;
	*name = s;
	*namelen = (size_t)(nl - s);
	*p = nl + 1;
	return 1;
}

/*
 * Check the manifest (member 0) against the members: the format line, then
 * one line per other member in member order, each with the member's size
 * and XXH3-128.  Lines are only read while they match members, so the
 * work is bounded by the member count whatever the manifest's size.
 */
static int
check_manifest(const struct nlp_artifact *a, struct nlp_err *e)
{
	const char *p, *end, *hex, *name, *L = a->label;
	char got[NLP_XXH128_HEX];
	size_t line, namelen;
	uint64_t ver, size;
	int i;

	if (a->n == 0 || strcmp(a->names[0], MANIFEST) != 0)
		return nlp_errf(e, NLP_DATA, "'%s': not an nlpops artifact "
		    "(no manifest)", L);
	p = (const char *)a->data[0];
	end = p + a->size[0];
	if (!skip(&p, end, FORMAT_LINE) || !parse_dec(&p, end, &ver) ||
	    !skip(&p, end, "\n") || ver == 0)
		return nlp_errf(e, NLP_DATA, "'%s': bad manifest: no '"
		    FORMAT_LINE "N' line", L);
	if (ver > NLP_ARTIFACT_FORMAT)
		return nlp_errf(e, NLP_DATA, "'%s': the artifact format %" PRIu64
		    " is newer than this nlpops supports (%d)", L, ver,
		    NLP_ARTIFACT_FORMAT);
	for (line = 1; p < end; line++) {
		if (!parse_line(&p, end, &hex, &size, &name, &namelen))
			return nlp_errf(e, NLP_DATA, "'%s': bad manifest line %zu",
			    L, line + 1);
		if ((i = find_member(a, name, namelen)) < 0)
			return nlp_errf(e, NLP_DATA, "'%s': the manifest lists member "
			    "'%.*s', which is missing", L, (int)namelen, name);
		if ((size_t)i < line)
			return nlp_errf(e, NLP_DATA, "'%s': the manifest lists member "
			    "'%s' twice", L, a->names[i]);
		if ((size_t)i > line)
			return nlp_errf(e, NLP_DATA, "'%s': member '%s' is out of "
			    "manifest order", L, a->names[i]);
		if (size != a->size[i])
			return nlp_errf(e, NLP_DATA, "'%s': member '%s' has %zu bytes, "
			    "the manifest says %" PRIu64, L, a->names[i], a->size[i],
			    size);
		nlp_xxh128_hex(a->data[i], a->size[i], got);
		if (memcmp(got, hex, NLP_XXH128_HEX - 1) != 0)
			return nlp_errf(e, NLP_DATA, "'%s': member '%s' checksum "
			    "mismatch (damaged or tampered)", L, a->names[i]);
	}
	if (line < a->n)
		return nlp_errf(e, NLP_DATA, "'%s': member '%s' is not listed in "
		    "the manifest", L, a->names[line]);
	return NLP_OK;
}

/*
 * Where an artifact's bytes come from while it loads: a file descriptor
 * (a regular file, a pipe, a device) or memory.  Every byte read is
 * appended to the artifact's own copy (a->file) and hashed on the way, so
 * that the SHA-256 of what was checked is the SHA-256 reported.
 */
struct source {
	struct nlp_artifact *a;
	int fd;                        /* or -1: read mem */
	const unsigned char *mem;
	size_t memlen, memoff;
	int borrow;                    /* mem may be used where it lies */
	int known;                     /* the total size is known: size */
	size_t size;
	size_t replay;                 /* a->file's first bytes, read already,
	                                  to hand to libarchive first */
	int err;                       /* errno of a failed read, EFBIG, ENOMEM */
	unsigned threads;              /* nlp_artifact_opts' */
	int sha256;
	unsigned char block[CHUNK_READ];
};

/* Read up to n raw bytes into dst (0 at the end, -1 with s->err set),
 * hashing them; never more than MAX_LOADED in all. */
static ssize_t
raw_read(struct source *s, void *dst, size_t n)
{
	ssize_t r;

	if (s->fd < 0) {
		if (n > s->memlen - s->memoff)
			n = s->memlen - s->memoff;
		memcpy(dst, s->mem + s->memoff, n);
		s->memoff += n;
		r = (ssize_t)n;
	} else {
		if (n > (size_t)1 << 30)
			n = (size_t)1 << 30;
		do
			r = read(s->fd, dst, n);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			s->err = errno;
			return -1;
		}
	}
	return r;
}

/* slurp() source: raw bytes straight into the artifact's copy. */
static ssize_t
fill_raw(void *src, void *dst, size_t n)
{
	return raw_read(src, dst, n);
}

/* The next block of raw (compressed) bytes into s->block, kept in the
 * artifact's copy too: its length, 0 at the end, -1 (s->err set). */
static ssize_t
next_block(struct source *s)
{
	ssize_t n;
	int err;

	if (s->replay > 0) {           /* kept and hashed already */
		memcpy(s->block, s->a->file.p, s->replay);
		n = (ssize_t)s->replay;
		s->replay = 0;
		return n;
	}
	n = raw_read(s, s->block, sizeof s->block);
	if (n > 0 && (err = buf_reserve(&s->a->file, (size_t)n, MAX_LOADED)) != 0) {
		s->err = err;
		return -1;
	}
	if (n > 0) {
		memcpy(s->a->file.p + s->a->file.len, s->block, (size_t)n);
		s->a->file.len += (size_t)n;
	}
	return n;
}

/* A gzip stream being inflated with zlib: slurp()'s source. */
struct gunzip {
	z_stream z;
	struct source *s;
	int end;                       /* the stream's end was reached */
	int zerr;                      /* zlib's error, Z_OK */
};

/* slurp() source: up to n inflated bytes (0 at the stream's end, -1 on
 * failure: g->zerr, or the source's error in g->s->err). */
static ssize_t
fill_gunzip(void *src, void *dst, size_t n)
{
	struct gunzip *g = src;
	ssize_t got;
	int rc;

	if (g->end)
		return 0;
	g->z.next_out = dst;
	g->z.avail_out = n > UINT_MAX ? UINT_MAX : (uInt)n;
	while (g->z.avail_out > 0) {
		if (g->z.avail_in == 0) {
			if ((got = next_block(g->s)) < 0)
				return -1;
			if (got == 0) {
				g->zerr = Z_BUF_ERROR;    /* the stream stops short */
				return -1;
			}
			g->z.next_in = g->s->block;
			g->z.avail_in = (uInt)got;
		}
		rc = inflate(&g->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			g->end = 1;
			break;
		}
		if (rc != Z_OK && !(rc == Z_BUF_ERROR && g->z.avail_in == 0)) {
			g->zerr = rc;
			return -1;
		}
	}
	return (ssize_t)(n - g->z.avail_out);
}

/* Read from fill until b holds want bytes (max at most) or the source
 * ends: 0, or the error (ENOMEM, -1: the source's). */
static int
fill_to(struct buf *b, size_t want, size_t max,
    ssize_t (*fill)(void *, void *, size_t), void *src)
{
	ssize_t n;
	int err;

	if (want > max)
		want = max;
	if (want > b->len && (err = buf_reserve(b, want - b->len, max)) != 0)
		return err;
	while (b->len < want) {
		if ((n = fill(src, b->p + b->len, want - b->len)) < 0)
			return -1;
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	return 0;
}

/* Round up to a whole number of tar blocks. */
static uint64_t
blocks(uint64_t n)
{
	return (n + BLOCK - 1) / BLOCK * BLOCK;
}

/*
 * The size of the whole tar that the manifest m[0..len) describes: its
 * header and data, one header and the data of each member it lists, the
 * end-of-archive marker.  Lenient (check_manifest() is strict later): it
 * only needs the sizes, and a size or count out of range.  0 when the
 * manifest cannot be read that far; *line is then the bad line.
 */
static uint64_t
manifest_bound(const char *m, size_t len, size_t *line)
{
	const char *p = m, *end = m + len, *nl;
	uint64_t total = BLOCK + blocks(len) + 2 * BLOCK, size;

	*line = 1;
	if ((nl = memchr(p, '\n', len)) == NULL || !skip(&p, end, FORMAT_LINE))
		return 0;
	for (p = nl + 1; p < end; p = nl + 1) {
		++*line;
		if (*line > NLP_ARTIFACT_MAX_MEMBERS || (nl = memchr(p, '\n',
		    (size_t)(end - p))) == NULL || (p = memchr(p, ' ',
		    (size_t)(nl - p))) == NULL)
			return 0;
		p++;
		if (!parse_dec(&p, nl, &size) || size > MEMBER_MAX)
			return 0;
		total += BLOCK + blocks(size);
	}
	return total;
}

/*
 * Fill b with a whole tar from fill, reading no further than needed: the
 * first block must be the manifest's header (anything else is refused
 * after 512 bytes), and when the source's size is not known beforehand
 * (a pipe, a gzip stream) the manifest's sizes bound what is read.  What
 * follows the archive's end may be zero blocking, at most BLOCKING bytes:
 * a source that goes on past that is refused without reading it all.
 */
static int
read_tar(struct nlp_artifact *a, struct buf *b, size_t max, int bounded,
    int max_is_isize, ssize_t (*fill)(void *, void *, size_t), void *src,
    struct nlp_err *e)
{
	const char *why;
	uint64_t msize, total;
	size_t line, limit;
	int err;

	if ((err = fill_to(b, BLOCK, max, fill, src)) != 0)
		goto fail;
	if (b->len == 0)
		return nlp_errf(e, NLP_DATA, "'%s': not an nlpops artifact (empty)",
		    a->label);
	if (b->len < BLOCK)
		return nlp_errf(e, NLP_DATA, "'%s': truncated or not an nlpops "
		    "artifact (%zu bytes)", a->label, b->len);
	if (is_zero(b->p, BLOCK))
		return nlp_errf(e, NLP_DATA, "'%s': not an nlpops artifact (no "
		    "manifest)", a->label);
	if ((why = check_header(b->p, &msize)) != NULL)
		return why == not_ustar ? nlp_errf(e, NLP_DATA, "'%s': not an "
		    "nlpops artifact", a->label) : nlp_errf(e, NLP_DATA, "'%s': "
		    "header at offset 0: %s", a->label, why);
	if (strcmp((const char *)b->p, MANIFEST) != 0)
		return nlp_errf(e, NLP_DATA, "'%s': not an nlpops artifact (no "
		    "manifest)", a->label);
	if (msize > MANIFEST_MAX)
		return nlp_errf(e, NLP_DATA, "'%s': bad manifest: %" PRIu64
		    " bytes", a->label, msize);
	limit = max;
	if (bounded) {
		if ((err = fill_to(b, BLOCK + blocks(msize), max, fill, src)) != 0)
			goto fail;
		if (b->len < BLOCK + msize)
			return nlp_errf(e, NLP_DATA, "'%s': truncated: member "
			    "'manifest' needs %" PRIu64 " bytes, %zu present",
			    a->label, msize, b->len - BLOCK);
		if ((total = manifest_bound((const char *)b->p + BLOCK,
		    (size_t)msize, &line)) == 0)
			return nlp_errf(e, NLP_DATA, "'%s': bad manifest line %zu",
			    a->label, line);
		if (total + BLOCKING < max)
			limit = (size_t)total + BLOCKING;
	}
	/* all, up to the limit, then one byte more to see the end */
	if ((err = slurp(b, limit, fill, src)) == 0)
		return NLP_OK;
	if (err == EFBIG && limit < max)
		return nlp_errf(e, NLP_DATA, "'%s': unexpected data after the end "
		    "of the archive (its manifest describes %zu bytes)", a->label,
		    limit - BLOCKING);
fail:
	if (err == ENOMEM)
		return nlp_errf(e, NLP_IO, "'%s': out of memory", a->label);
	if (err == EFBIG && max_is_isize)
		return nlp_errf(e, NLP_DATA, "'%s': corrupt gzip data, or data "
		    "after the gzip stream: inflates past the %zu bytes its last "
		    "4 bytes state", a->label, max);
	if (err == EFBIG)
		return nlp_errf(e, NLP_DATA, "'%s': too large (over %zu bytes)",
		    a->label, max);
	return -1;                    /* the source's own error */
}

/* The gzip trailer's size (ISIZE, the inflated size mod 2^32) of the raw
 * bytes p[0..len). */
static size_t
gzip_isize(const unsigned char *p, size_t len)
{
	const unsigned char *t = p + len - 4;

	return (size_t)((uint32_t)t[0] | (uint32_t)t[1] << 8 |
	    (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24);
}

/*
 * Inflate a gzip artifact from s into a->inflated with zlib, as its raw
 * bytes arrive (zlib checks the header, the CRC and the size in the
 * trailer; out of memory is Z_MEM_ERROR, where libarchive crashed).
 * Memory is bounded by the tar's manifest (read_tar()), and, when the raw
 * size is known beforehand, by the size the gzip trailer states, which
 * must be within deflate's best ratio of it: a gzip bomb costs at most
 * what its manifest admits.  Nothing may follow the stream.
 */
static int
inflate_gzip(struct nlp_artifact *a, struct source *s, struct nlp_err *e)
{
	struct gunzip g;
	size_t stated = 0, max = MAX_LOADED, ended;
	ssize_t n;
	int rc;

	if (s->known && s->size < GZIP_MIN)
		return nlp_errf(e, NLP_DATA, "'%s': corrupt gzip data: truncated",
		    a->label);
	if (s->known) {
		const unsigned char *t = s->fd < 0 ? s->mem : NULL;
		unsigned char tail[4];
		if (t == NULL && (pread(s->fd, tail, 4, (off_t)(s->size - 4)) != 4))
			return nlp_errnof(e, NLP_IO, errno, "cannot read '%s'",
			    a->label);
		stated = t ? gzip_isize(t, s->size) : gzip_isize(tail, 4);
		/* a tar is a header, a member and its end at least: less
		 * stated is no gzip trailer (bytes appended to the stream),
		 * not an empty artifact */
		if (stated < 3 * BLOCK)
			return nlp_errf(e, NLP_DATA, "'%s': corrupt gzip data, or "
			    "data after the gzip stream: its last 4 bytes state "
			    "%zu bytes inflated, too few for an artifact",
			    a->label, stated);
		if (stated > MAX_LOADED || stated / DEFLATE_MAX_RATIO > s->size)
			return nlp_errf(e, NLP_DATA, "'%s': corrupt gzip data, or "
			    "data after the gzip stream: %zu bytes cannot inflate "
			    "to the %zu its last 4 bytes state", a->label, s->size,
			    stated);
		max = stated;
	}
	memset(&g, 0, sizeof g);
	g.s = s;
	switch (inflateInit2(&g.z, 16 + MAX_WBITS)) {   /* gzip, not zlib */
	case Z_OK:
		break;
	case Z_MEM_ERROR:
		return nlp_errf(e, NLP_IO, "'%s': out of memory", a->label);
	default:
		return nlp_errf(e, NLP_BUG, "'%s': zlib: %s", a->label,
		    g.z.msg ? g.z.msg : "cannot start");
	}
	rc = read_tar(a, &a->inflated, max, 1, s->known, fill_gunzip, &g, e);
	if (rc == -1 && g.zerr == Z_MEM_ERROR)
		rc = nlp_errf(e, NLP_IO, "'%s': out of memory", a->label);
	else if (rc == -1 && g.zerr != Z_OK)
		rc = nlp_errf(e, NLP_DATA, "'%s': corrupt gzip data: %s", a->label,
		    g.zerr == Z_BUF_ERROR ? "truncated" : g.z.msg ? g.z.msg :
		    "bad gzip stream");
	else if (rc == -1)
		rc = s->err == ENOMEM ? nlp_errf(e, NLP_IO, "'%s': out of memory",
		    a->label) : s->err == EFBIG ? nlp_errf(e, NLP_DATA, "'%s': too "
		    "large", a->label) : nlp_errnof(e, NLP_IO, s->err, "cannot "
		    "read '%s'", a->label);
	else if (rc == NLP_OK && !g.end)
		/* the tar ended before the stream: more data follows it */
		rc = nlp_errf(e, NLP_DATA, "'%s': unexpected data after the end of "
		    "the archive", a->label);
	if (rc == NLP_OK) {
		/* nothing after the stream: what zlib left of the last block,
		 * then the source, read a little further */
		ended = a->file.len;
		n = 0;
		while (g.z.avail_in == 0 && (n = next_block(s)) > 0 &&
		    a->file.len - ended <= BLOCKING)
			;
		if (n < 0)
			rc = nlp_errnof(e, NLP_IO, s->err, "cannot read '%s'",
			    a->label);
		else if (g.z.avail_in > 0 || n > 0)
			rc = nlp_errf(e, NLP_DATA, "'%s': unexpected data after the "
			    "gzip stream", a->label);
	}
	inflateEnd(&g.z);
	return rc;
}

/*
 * Make b hold the size bytes of a file it has the start of, in one block
 * (no copying as a doubling buffer grows), in huge pages where the kernel
 * has them (bigmem.h: the kernel's copying into fresh pages, one fault a
 * page, was most of a large model's load).  0 or ENOMEM.
 */
static int
reserve_whole(struct buf *b, size_t size)
{
	void *p;

	if ((p = nlp_big_alloc(size)) == NULL)
		return ENOMEM;
	memcpy(p, b->p, b->len);         /* what was read so far */
	free(b->p);
	b->p = p;
	b->cap = size;
	return 0;
}

/* The part of a file a second thread reads (read_halves()). */
struct part {
	int fd;
	unsigned char *p;
	size_t n, got;
	off_t off;
};

static void *
read_part(void *arg)
{
	struct part *t = arg;
	ssize_t r;

	while (t->got < t->n) {
		r = pread(t->fd, t->p + t->got, t->n - t->got,
		    t->off + (off_t)t->got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		t->got += (size_t)r;
	}
	return NULL;
}

/*
 * Read the rest of the regular file s into b (room made for all of it) in
 * two halves at once, the second by a thread of its own: the kernel's
 * copying and its faulting in of fresh pages, most of a large model's
 * load, on two CPUs.  Anything short of the whole -- a file that shrank,
 * a failed read, no thread -- leaves b with what the first half got and
 * the file's offset after it, for the plain reads that follow to finish
 * (and report) as they would have.  0, or fill_to()'s error.
 */
static int
read_halves(struct buf *b, struct source *s)
{
	struct part t = { s->fd, NULL, 0, 0, 0 };
	size_t mid = (b->len + (s->size - b->len) / 2) & ~(size_t)4095;
	pthread_t tid;
	int rc;

	/* mid counts from the file's start: the descriptor must be where
	   the b->len bytes read so far leave it */
	if (mid <= b->len || lseek(s->fd, 0, SEEK_CUR) != (off_t)b->len)
		return 0;
	t.p = b->p + mid;
	t.n = s->size - mid;
	t.off = (off_t)mid;
	if (pthread_create(&tid, NULL, read_part, &t) != 0)
		return 0;              /* no thread: the plain reads do it all */
	rc = fill_to(b, mid, s->size, fill_raw, s);
	pthread_join(tid, NULL);
	if (rc == 0 && b->len == mid && t.got == t.n &&
	    lseek(s->fd, (off_t)s->size, SEEK_SET) == (off_t)s->size)
		b->len = s->size;
	return rc;
}

/*
 * Read the artifact from s into a: a private copy, never a mapping (a
 * mapped file that someone truncates or rewrites in place faults or
 * changes under the scores; a copy cannot), hashed as it is read.  The
 * first block decides: gzip is inflated as it arrives; anything else must
 * be a tar starting with the manifest's header.
 */
static int
load(struct nlp_artifact *a, struct source *s, struct nlp_err *e)
{
	size_t max = s->known ? s->size : MAX_LOADED;
	int rc, gz;

	if (s->known && s->size > MAX_LOADED)
		return nlp_errf(e, NLP_DATA, "'%s': too large (%zu bytes; at most "
		    "%zu)", a->label, s->size, (size_t)MAX_LOADED);
	/* two bytes tell gzip from tar; they stay in a->file either way */
	if ((rc = fill_to(&a->file, 2, max, fill_raw, s)) != 0)
		return rc == ENOMEM ? nlp_errf(e, NLP_IO, "'%s': out of memory",
		    a->label) : nlp_errnof(e, NLP_IO, s->err, "cannot read '%s'",
		    a->label);
	gz = a->file.len == 2 && a->file.p[0] == 0x1f && a->file.p[1] == 0x8b;
	/* a tar in memory its caller keeps is used where it lies, when its
	 * members are aligned as a copy's would be: one copy less of a pushed
	 * model */
	if (!gz && s->borrow && s->memlen >= BLOCK &&
	    (uintptr_t)s->mem % ALIGNED == 0) {
		free(a->file.p);
		a->file.p = (unsigned char *)s->mem;
		a->file.len = a->file.cap = s->memlen;
		a->borrowed = 1;
		s->memoff = s->memlen;
	}
	/* a large file that starts as an artifact does: room for all of it
	 * at once (never for 200 MB of something else) */
	if (!gz && !a->borrowed && s->known && s->size >= WHOLE_READ) {
		uint64_t msize;
		if ((rc = fill_to(&a->file, BLOCK, max, fill_raw, s)) != 0)
			return rc == ENOMEM ? nlp_errf(e, NLP_IO, "'%s': out of "
			    "memory", a->label) : nlp_errnof(e, NLP_IO, s->err,
			    "cannot read '%s'", a->label);
		if (a->file.len == BLOCK && check_header(a->file.p, &msize) == NULL &&
		    strcmp((const char *)a->file.p, MANIFEST) == 0) {
			if (reserve_whole(&a->file, s->size) != 0)
				return nlp_errf(e, NLP_IO, "'%s': out of memory",
				    a->label);
			if (s->threads > 1 && s->fd >= 0 &&
			    (rc = read_halves(&a->file, s)) != 0)
				return rc == ENOMEM ? nlp_errf(e, NLP_IO, "'%s': "
				    "out of memory", a->label) : nlp_errnof(e,
				    NLP_IO, s->err, "cannot read '%s'", a->label);
		}
	}
	if (gz) {
		s->replay = a->file.len;
		rc = inflate_gzip(a, s, e);
	} else {
		rc = read_tar(a, &a->file, max, !s->known, 0, fill_raw, s, e);
		if (rc == -1)
			rc = s->err == ENOMEM ? nlp_errf(e, NLP_IO, "'%s': out of "
			    "memory", a->label) : nlp_errnof(e, NLP_IO, s->err,
			    "cannot read '%s'", a->label);
	}
	if (rc == NLP_OK && s->known && a->file.len != s->size)
		rc = nlp_errf(e, NLP_DATA, "'%s': changed while it was read (%zu "
		    "bytes, then %zu)", a->label, s->size, a->file.len);
	a->bytes = a->file.p;
	a->len = a->file.len;
	return rc;
}

/* A new, empty artifact labelled for messages; NULL when out of memory. */
static struct nlp_artifact *
artifact_new(const char *label)
{
	struct nlp_artifact *a = calloc(1, sizeof *a);

	if (a != NULL && (a->label = strdup(label)) == NULL) {
		free(a);
		a = NULL;
	}
	return a;
}

/* The thread that computes the SHA-256 of a's bytes (nlp_artifact_sha256()
 * waits for it). */
static void *
hash_bytes(void *arg)
{
	struct nlp_artifact *a = arg;
	struct nlp_sha256 *h = nlp_sha256_new();
	size_t off, n;

	a->sha256[0] = '\0';           /* unless finished: asked again */
	if (h == NULL)
		return NULL;
	/* in steps, so that an artifact refused (or closed) early is not
	   waited for while gigabytes are hashed */
	for (off = 0; off < a->len; off += n) {
		if (atomic_load(&a->unwanted)) {
			nlp_sha256_close(h);
			return NULL;
		}
		n = a->len - off < HASH_STEP ? a->len - off : HASH_STEP;
		nlp_sha256_update(h, a->bytes + off, n);
	}
	nlp_sha256_final(h, a->sha256);
	return NULL;
}

/* Wait for the SHA-256 being computed, if it is (unwanted: stop it). */
static void
hashed(struct nlp_artifact *a, int unwanted)
{
	if (a->hashing) {
		if (unwanted)
			atomic_store(&a->unwanted, 1);
		pthread_join(a->hasher, NULL);
		a->hashing = 0;
	}
}

/* Load the artifact from s and verify it (status rc so far), and hand it
 * out, or free it: the tar structure, then manifest and checksums. */
static int
settle(struct nlp_artifact *a, struct source *s, int rc,
    struct nlp_artifact **out, struct nlp_err *e)
{
	if (rc == NLP_OK)
		rc = load(a, s, e);
	/* its SHA-256 on a second CPU while it is checked (and used) */
	if (rc == NLP_OK && s->sha256 && s->threads > 1)
		a->hashing = pthread_create(&a->hasher, NULL, hash_bytes, a) == 0;
	if (rc == NLP_OK)
		rc = a->inflated.p != NULL ?
		    parse_tar(a, a->inflated.p, a->inflated.len, e) :
		    parse_tar(a, a->bytes, a->len, e);
	if (rc == NLP_OK)
		rc = check_manifest(a, e);
	if (rc != NLP_OK) {
		nlp_artifact_close(a);
		a = NULL;
	}
	*out = a;
	return rc;
}

int
nlp_artifact_open_fd(struct nlp_artifact **out, int fd, const char *label,
    struct nlp_err *e)
{
	return nlp_artifact_open_fd_opts(out, fd, label, NULL, e);
}

int
nlp_artifact_open_fd_opts(struct nlp_artifact **out, int fd,
    const char *label, const struct nlp_artifact_opts *o, struct nlp_err *e)
{
	struct nlp_artifact *a = artifact_new(label);
	struct source *s = calloc(1, sizeof *s);
	struct stat st;
	int rc = NLP_OK;

	if (a == NULL || s == NULL)
		rc = nlp_errf(e, NLP_IO, "cannot read '%s': out of memory", label);
	else if (fstat(fd, &st) != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot read '%s'", label);
	else if (S_ISDIR(st.st_mode))
		rc = nlp_errnof(e, NLP_IO, EISDIR, "cannot read '%s'", label);
	if (rc == NLP_OK) {
		s->a = a;
		s->fd = fd;
		/* a regular file's size is known (and bounds the read); a
		 * pipe's or device's is not */
		s->known = S_ISREG(st.st_mode);
		s->size = s->known && (uint64_t)st.st_size <= SIZE_MAX ?
		    (size_t)st.st_size : SIZE_MAX;
		if (o != NULL) {
			s->threads = o->threads;
			s->sha256 = o->sha256;
		}
	}
	rc = settle(a, s, rc, out, e);
	free(s);
	return rc;
}

int
nlp_artifact_open(struct nlp_artifact **out, const char *path,
    struct nlp_err *e)
{
	return nlp_artifact_open_opts(out, path, NULL, e);
}

int
nlp_artifact_open_opts(struct nlp_artifact **out, const char *path,
    const struct nlp_artifact_opts *o, struct nlp_err *e)
{
	int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC), rc;

	*out = NULL;
	if (fd < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot open '%s'", path);
	rc = nlp_artifact_open_fd_opts(out, fd, path, o, e);
	close(fd);
	return rc;
}

/* An artifact in memory has no name of its own: its caller names it
 * (the file it came from), so the messages do not start with one. */
static void
unlabel(struct nlp_err *e, int rc)
{
	const char *tag = "'" MEM_LABEL "': ";
	size_t n = strlen(tag);

	if (rc != NLP_OK && strncmp(e->msg, tag, n) == 0)
		memmove(e->msg, e->msg + n, strlen(e->msg + n) + 1);
}

/* nlp_artifact_open_mem() and nlp_artifact_use_mem(). */
static int
open_mem(struct nlp_artifact **out, const void *data, size_t len, int borrow,
    struct nlp_err *e)
{
	struct nlp_artifact *a = artifact_new(MEM_LABEL);
	struct source *s = calloc(1, sizeof *s);
	int rc = NLP_OK;

	if (a == NULL || s == NULL) {
		rc = nlp_errf(e, NLP_IO, "'" MEM_LABEL "': out of memory");
	} else {
		s->a = a;
		s->fd = -1;
		s->mem = data;
		s->memlen = len;
		s->borrow = borrow;
		s->known = 1;
		s->size = len;
	}
	rc = settle(a, s, rc, out, e);
	free(s);
	unlabel(e, rc);
	return rc;
}

int
nlp_artifact_open_mem(struct nlp_artifact **out, const void *data,
    size_t len, struct nlp_err *e)
{
	return open_mem(out, data, len, 0, e);
}

int
nlp_artifact_use_mem(struct nlp_artifact **out, const void *data,
    size_t len, struct nlp_err *e)
{
	return open_mem(out, data, len, 1, e);
}

int
nlp_artifact_member(const struct nlp_artifact *a, const char *name,
    const void **data, size_t *size, struct nlp_err *e)
{
	int i = find_member(a, name, strlen(name));

	if (i < 0 && strcmp(a->label, MEM_LABEL) == 0)
		return nlp_errf(e, NLP_DATA, "no member '%s'", name);
	if (i < 0)
		return nlp_errf(e, NLP_DATA, "'%s': no member '%s'", a->label, name);
	*data = a->data[i];
	*size = a->size[i];
	return NLP_OK;
}

const char *const *
nlp_artifact_members(const struct nlp_artifact *a, size_t *n)
{
	*n = a->n;
	return a->names;
}

const void *
nlp_artifact_bytes(const struct nlp_artifact *a, size_t *len)
{
	*len = a->len;
	return a->bytes;
}

const char *
nlp_artifact_sha256(struct nlp_artifact *a)
{
	/* once, when asked: a model loaded from a file for predict -q is
	 * never hashed (45 MB cost 30 ms); the bytes are our own copy, so
	 * hashing them later hashes what was checked and used */
	hashed(a, 0);
	if (a->sha256[0] == '\0' && nlp_sha256_hex(a->bytes, a->len,
	    a->sha256) != 0)
		a->sha256[0] = '\0';
	return a->sha256;
}

void
nlp_artifact_close(struct nlp_artifact *a)
{
	if (a == NULL)
		return;
	hashed(a, 1);
	if (!a->borrowed)
		free(a->file.p);
	free(a->inflated.p);
	free(a->label);
	free(a);
}
