/*
 * artifact.h - the model artifact: one reproducible POSIX (ustar) tarball.
 *
 * Members, in this order: "manifest", then the caller's members in the
 * order given (nlpops writes "weights", "meta.json", "profile").  Every
 * header has mtime 0, uid/gid 0, uname/gname "nlpops"... fixed, mode 0644,
 * so identical members give identical bytes.  The manifest is text:
 *
 *     nlpops-artifact 1
 *     <xxh3-128 hex> <size> <name>
 *     ...
 *
 * one line per other member, in member order.  Tar members start on
 * 512-byte boundaries, so an uncompressed artifact can be mapped and the
 * weights used in place.
 *
 * Writing goes through nlp_atomic (atomic.h): a file appears whole or not
 * at all; a device or FIFO is written directly.
 *
 * Loading reads the file into memory, a private copy (never a mapping that
 * another process could truncate or rewrite under us), and inflates a gzip-compressed one as it arrives
 * (libarchive), never extracting to disk.  What is read is bounded before
 * it is read: the first block must be the manifest's header, and for a
 * pipe or a gzip stream the manifest's sizes bound the rest.  Then it
 * checks the tar structure, that the manifest lists exactly the members
 * present, every size against the bytes present (before allocating
 * anything from it), and every member's checksum.  A truncated, corrupt or
 * tampered file is refused with one clear line (NLP_DATA), never a crash.
 */
#ifndef NLP_ARTIFACT_H
#define NLP_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NLP_ARTIFACT_FORMAT 1

/* At most this many members, the manifest included: writing refuses more
 * (NLP_USAGE), loading refuses an artifact with more (NLP_DATA). */
#define NLP_ARTIFACT_MAX_MEMBERS 64

/* Member names are further limited to A-Z a-z 0-9 . _ + - (not "." or
 * ".."), so that they are safe in manifest lines, messages and shells. */

struct nlp_member {
	const char *name;        /* ustar name: at most 99 bytes, no '/' */
	const void *data;
	size_t size;
};

/*
 * Write members[0..n-1] (after a generated manifest) to path, as
 * atomic.h writes files; gzip != 0 writes a .tar.gz whose gzip header has
 * no timestamp or name.  Returns NLP_OK, NLP_IO (cannot write) or
 * NLP_USAGE (bad member name).
 */
int nlp_artifact_write(const char *path, const struct nlp_member *members,
    size_t n, int gzip, struct nlp_err *e);

/* Same, to an open descriptor (standard output, or an nlp_atomic's fd the
 * caller commits); label names it in messages. */
int nlp_artifact_write_fd(int fd, const char *label,
    const struct nlp_member *members, size_t n, int gzip, struct nlp_err *e);

/* Same, into a malloc'd buffer (*out, *outlen); for tests and the registry. */
int nlp_artifact_write_mem(void **out, size_t *outlen,
    const struct nlp_member *members, size_t n, int gzip, struct nlp_err *e);

struct nlp_artifact;

/*
 * Open and fully verify the artifact at path (plain or gzip-compressed
 * tar).  Returns NLP_OK, NLP_IO (cannot read) or NLP_DATA (not a valid
 * artifact; the message says what is wrong, e.g. "'m.tar': truncated: member
 * 'weights' needs 4096 bytes, 1000 present").
 */
int nlp_artifact_open(struct nlp_artifact **out, const char *path,
    struct nlp_err *e);

/*
 * How to read an artifact (a zeroed struct, or NULL: one thread, the
 * SHA-256 computed when asked for).  threads > 1: a large file is read in
 * two halves at once; with sha256 too, a second thread computes its SHA-256
 * while the artifact is checked and used, and nlp_artifact_sha256() waits
 * for it (a registry's check of the version, a summary line).
 */
struct nlp_artifact_opts {
	unsigned threads;
	int sha256;
};

int nlp_artifact_open_opts(struct nlp_artifact **out, const char *path,
    const struct nlp_artifact_opts *o, struct nlp_err *e);

/* Same, over bytes in memory (copied). */
int nlp_artifact_open_mem(struct nlp_artifact **out, const void *data,
    size_t len, struct nlp_err *e);

/* Same, over bytes in memory that stay as they are until the artifact is
 * closed: a tar at a 16-byte boundary is used where it lies, without a
 * copy (anything else is copied). */
int nlp_artifact_use_mem(struct nlp_artifact **out, const void *data,
    size_t len, struct nlp_err *e);

/* Same, from an open descriptor (a file, a pipe, standard input), read to
 * its end; label names it in messages.  The caller closes fd. */
int nlp_artifact_open_fd(struct nlp_artifact **out, int fd, const char *label,
    struct nlp_err *e);
int nlp_artifact_open_fd_opts(struct nlp_artifact **out, int fd,
    const char *label, const struct nlp_artifact_opts *o, struct nlp_err *e);

/* The SHA-256 of the artifact's bytes as they were read and checked (for
 * a gzip artifact, of the compressed bytes, as sha256sum prints it),
 * computed on the first call unless a thread computes it already
 * (nlp_artifact_opts); not thread-safe: ask before sharing a. */
const char *nlp_artifact_sha256(struct nlp_artifact *a);

/*
 * The member called name: its bytes (valid while the artifact is open,
 * 512-byte aligned relative to the buffer's start) and size.
 * Returns NLP_OK, or NLP_DATA with e filled when there is no such member.
 */
int nlp_artifact_member(const struct nlp_artifact *a, const char *name,
    const void **data, size_t *size, struct nlp_err *e);

/* Member names in order (manifest first); *n set to the count. */
const char *const *nlp_artifact_members(const struct nlp_artifact *a,
    size_t *n);

/* The raw bytes of the artifact file as read, and their length; for a
 * gzip artifact these are the compressed bytes, as on disk. */
const void *nlp_artifact_bytes(const struct nlp_artifact *a, size_t *len);

void nlp_artifact_close(struct nlp_artifact *a);

/*
 * Load what writing an artifact, or writing or reading a bundle, needs
 * (libarchive, loaded when first needed: larchive.h): NLP_OK, or NLP_IO
 * saying what is missing.  A command that will do so calls it first,
 * before it creates a file or does the work, so that a missing or
 * unloadable library costs nothing.
 */
int nlp_artifact_tar_load(struct nlp_err *e);

/*
 * The header of a member of a reproducible tar (a regular file, mode
 * 0644, mtime 0, owner and group nlpops, ids 0), written to a: 0, or -1
 * with libarchive's error on a.  Artifacts and registry bundles use it,
 * after nlp_artifact_tar_load() has loaded libarchive.
 */
struct archive;
struct archive_entry;
int nlp_artifact_tar_header(struct archive *a, struct archive_entry *ent,
    const char *name, int64_t size);

#endif
