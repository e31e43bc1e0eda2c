/*
 * sign.c - Ed25519 keys, signatures of artifacts and trusted key sets
 * (see sign.h), through OpenSSL 3's EVP interface.
 */
#include "sign.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact.h"
#include "atomic.h"
#include "digest.h"
#include "lcrypto.h"     /* loaded by the three that make or read a key */
#include "text.h"

#define KEY_FILE_MAX ((size_t)64 << 10)   /* a PEM key file, at most */
#define FORMAT_LINE "nlpops-signature 1"

struct nlp_key {
	EVP_PKEY *pk;
	char id[NLP_KEY_ID_HEX];
};

struct nlp_trusted_key {
	EVP_PKEY *pk;
	char id[NLP_KEY_ID_HEX];
	char *path;
};

/* Did libcrypto fail for want of memory (its error queue says)?  The
 * queue is emptied. */
static int
malloc_failed(void)
{
	unsigned long err;
	int oom = 0;

	while ((err = ERR_get_error()) != 0)
		oom |= ERR_GET_REASON(err) == ERR_R_MALLOC_FAILURE;
	return oom;
}

/* The error of a libcrypto call that failed (what: "cannot sign..."):
 * "out of memory" when its error queue says so, else libcrypto's reason
 * for its last failure; NLP_IO either way, as the calls are made with
 * fixed, valid arguments: what fails is the machine (memory, its
 * random source, libcrypto's providers and configuration; libcrypto
 * runs short of memory saying "passed invalid argument" too), not a bug
 * to report.  The queue is emptied: a failure must not be reported
 * again by a later call. */
static int
crypto_failed(const char *what, struct nlp_err *e)
{
	unsigned long last = ERR_peek_last_error();
	char why[160];

	if (malloc_failed())
		return nlp_errf(e, NLP_IO, "%s: out of memory", what);
	if (last == 0)
		snprintf(why, sizeof why, "unknown libcrypto error");
	else
		ERR_error_string_n(last, why, sizeof why);
	return nlp_errf(e, NLP_IO, "%s: %s", what, why);
}

/* The key id of pk (sign.h): SHA-256 of its DER SubjectPublicKeyInfo. */
static int
key_id(EVP_PKEY *pk, char id[NLP_KEY_ID_HEX], struct nlp_err *e)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pk, &der), rc = NLP_OK;

	if (n <= 0)
		rc = crypto_failed("cannot encode a public key", e);
	else if (nlp_sha256_hex(der, (size_t)n, id) != 0)
		rc = nlp_sha256_why(e);
	OPENSSL_free(der);
	return rc;
}

/* Are s[0..n) n lowercase hex digits (and s[n] the end when nul)? */
static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static void
to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * An error for a key of the other kind than the one asked for: a public
 * key given to sign with, a private key given to trust (a PEM file whose
 * first line says so, in buf[0..len)), NLP_DATA; else NLP_OK.
 */
static int
other_kind(const char *path, int priv, const char *buf, size_t len,
    struct nlp_err *e)
{
	const char *begin = priv ? "-----BEGIN PUBLIC KEY-----" :
	    "-----BEGIN PRIVATE KEY-----";
	size_t n = strlen(begin);

	if (len < n || memcmp(buf, begin, n) != 0)
		return NLP_OK;
	return priv ? nlp_errf(e, NLP_DATA, "'%s' is a public key: signing "
	    "takes the private key (KEY, not KEY.pub)", path) :
	    nlp_errf(e, NLP_DATA, "'%s' is a private key: trusting takes the "
	    "public key (KEY.pub)", path);
}

/* p past the white space at its start, up to end. */
static const char *
past_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* The value of base64 digit c, or -1. */
static int
b64(int c)
{
	const char *d = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/", *p = c != '\0' ? strchr(d, c) : NULL;

	return p != NULL ? (int)(p - d) : -1;
}

/*
 * Is buf[0..len) an Ed25519 key's PEM (private: priv != 0) in its shape,
 * as nlpops and `openssl genpkey` write it: the label, a body of base64
 * digits as long as such a key's (48 bytes of DER, or 44 with one pad)
 * that starts with the DER every such key starts with, and the end line?
 * libcrypto failing to read such a file failed for itself (short of
 * memory: its error queue does not always say so), not for the file.
 */
static int
ed25519_pem(const char *buf, size_t len, int priv)
{
	static const unsigned char der_priv[] = {
		0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b,
		0x65, 0x70, 0x04, 0x22, 0x04, 0x20
	}, der_pub[] = {
		0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
		0x21, 0x00
	};
	const char *begin = priv ? "-----BEGIN PRIVATE KEY-----" :
	    "-----BEGIN PUBLIC KEY-----";
	const char *last = priv ? "-----END PRIVATE KEY-----" :
	    "-----END PUBLIC KEY-----";
	const unsigned char *der = priv ? der_priv : der_pub;
	size_t nder = priv ? sizeof der_priv : sizeof der_pub;
	const char *p = buf, *end = buf + len;
	size_t body = priv ? 64 : 60, i;
	unsigned char got[18];
	unsigned long v = 0;

	if (len < strlen(begin) || memcmp(p, begin, strlen(begin)) != 0)
		return 0;
	p = past_space(p + strlen(begin), end);
	if ((size_t)(end - p) < body)
		return 0;
	for (i = 0; i < body; i++) {
		if (!priv && i == body - 1 && p[i] == '=')
			break;
		if (b64((unsigned char)p[i]) < 0)
			return 0;
		/* the DER's first bytes, from the first 24 digits */
		if (i < 24) {
			v = v << 6 | (unsigned long)b64((unsigned char)p[i]);
			if (i % 4 == 3) {
				got[i / 4 * 3] = (unsigned char)(v >> 16);
				got[i / 4 * 3 + 1] = (unsigned char)(v >> 8);
				got[i / 4 * 3 + 2] = (unsigned char)v;
				v = 0;
			}
		}
	}
	if (memcmp(got, der, nder) != 0)
		return 0;
	p = past_space(p + body, end);
	if ((size_t)(end - p) < strlen(last) || memcmp(p, last, strlen(last)))
		return 0;
	return past_space(p + strlen(last), end) == end;
}

/*
 * Is gid the private group of owner (Debian's user private groups: the
 * owner's own group, which names no other member and is no other user's
 * primary group), whose write bit lets no one else in?  Debian's ssh
 * grants the same.  /etc/passwd and /etc/group are read directly first,
 * as cli.c's user_name() reads them (glibc's NSS set-up crashes when one
 * of its allocations fails), then through NSS; unknown: not private.
 */
static int
private_group(uid_t owner, gid_t gid)
{
	struct passwd *pw;
	struct group *gr = NULL;
	char name[256];
	size_t i;
	int found = 0, other = 0, only = 0;
	FILE *f;

	/* the owner's entry, and anyone else's whose primary group it is
	   (such members are not listed in the group's entry) */
	if ((f = fopen("/etc/passwd", "re")) != NULL) {
		while ((pw = fgetpwent(f)) != NULL) {
			if (pw->pw_uid != owner)
				other |= pw->pw_gid == gid;
			else if (found == 0)
				found = pw->pw_gid == gid && snprintf(name,
				    sizeof name, "%s", pw->pw_name) <
				    (int)sizeof name ? 1 : -1;
		}
		fclose(f);
	}
	if (found == 0) {        /* not a local user: through NSS */
		if ((pw = getpwuid(owner)) == NULL || pw->pw_gid != gid ||
		    snprintf(name, sizeof name, "%s", pw->pw_name) >=
		    (int)sizeof name)
			return 0;
		found = 1;
		setpwent();
		while ((pw = getpwent()) != NULL)
			other |= pw->pw_uid != owner && pw->pw_gid == gid;
		endpwent();
	}
	if (found != 1 || other)
		return 0;
	if ((f = fopen("/etc/group", "re")) != NULL) {
		while ((gr = fgetgrent(f)) != NULL && gr->gr_gid != gid)
			;
		for (i = 0; gr != NULL && gr->gr_mem[i] != NULL &&
		    strcmp(gr->gr_mem[i], name) == 0; i++)
			;
		only = gr != NULL && gr->gr_mem[i] == NULL;
		fclose(f);
	}
	if (gr == NULL && (gr = getgrgid(gid)) != NULL) {
		for (i = 0; gr->gr_mem[i] != NULL &&
		    strcmp(gr->gr_mem[i], name) == 0; i++)
			;
		only = gr->gr_mem[i] == NULL;
	}
	return only;
}

/* May a member of its group other than its owner write st? */
static int
group_writable(const struct stat *st)
{
	return (st->st_mode & S_IWGRP) && !private_group(st->st_uid,
	    st->st_gid);
}

/*
 * Is the directory dir (resolved) and each one above it owned by the user
 * or root, and writable by its group (but a private one) or others only
 * when sticky (/tmp)?  Else its owner, a member of its group or anyone
 * could rename another key over what is in it.  NLP_OK, or NLP_DATA
 * naming the directory and the key file at path.
 */
static int
dir_chain_safe(const char *dir, const char *path, const char *what,
    struct nlp_err *e)
{
	char *d = strdup(dir), *slash;
	struct stat st;
	uid_t me = geteuid();
	int rc = NLP_OK;

	if (d == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	for (;;) {
		if (stat(d, &st) != 0)
			break;
		if (st.st_uid != me && st.st_uid != 0)
			rc = nlp_errf(e, NLP_DATA, "%s '%s' is in a directory "
			    "another user (uid %lu) owns, who could replace it: "
			    "'%s'", what, path, (unsigned long)st.st_uid, d);
		else if (((st.st_mode & S_IWOTH) || group_writable(&st)) &&
		    !(st.st_mode & S_ISVTX))
			rc = nlp_errf(e, NLP_DATA, "%s '%s' is in a directory "
			    "%s may write, where %s could replace it (mode "
			    "%04o): '%s'", what, path, st.st_mode & S_IWOTH ?
			    "anyone" : "its group", st.st_mode & S_IWOTH ?
			    "anyone" : "any member", (unsigned)(st.st_mode &
			    07777), d);
		if (rc != NLP_OK || strcmp(d, "/") == 0 ||
		    (slash = strrchr(d, '/')) == NULL)
			break;
		slash[slash == d] = '\0';       /* "/a/b" -> "/a", "/a" -> "/" */
	}
	free(d);
	return rc;
}

/* A key file whose path cannot be resolved to check (too long, a part
 * gone since it was opened): not one to trust or sign with. */
static int
unresolved(const char *path, const char *what, struct nlp_err *e)
{
	return nlp_errf(e, NLP_DATA, "%s '%s': cannot tell who may replace it "
	    "(its path cannot be resolved to check: %s)", what, path,
	    errno != 0 ? strerror(errno) : "too long");
}

/*
 * Whoever may replace the key file at path, which the user or root owns:
 * is that only the user and root, as ssh's StrictModes has it?  The path
 * is resolved a component at a time, as the kernel does, and the
 * directory of every symbolic link it goes through (links reached
 * through links too: whoever may write where a link is may point it
 * elsewhere) and the directory the file is in are checked, each up to /,
 * by dir_chain_safe(); so is each directory a '..' leads to (whoever may
 * write there may make the step before it lead elsewhere).  Each link
 * must be the user's or root's: one another user owns in a sticky
 * directory (/tmp) is one that user may remove and make anew, pointing
 * elsewhere.  The file the path leads to must be the one read (*opened):
 * a path changed between the open and this check is refused.  A path
 * that cannot be resolved so (longer than PATH_MAX, a part gone since
 * the open) is refused: unchecked, it is no key to trust (unresolved()).
 */
static int
key_dirs_safe(const char *path, const struct stat *opened, const char *what,
    struct nlp_err *e)
{
	char cur[PATH_MAX], rest[2 * PATH_MAX], next[2 * PATH_MAX];
	char cand[PATH_MAX + NAME_MAX + 2], link[PATH_MAX], *r, *cut;
	struct stat st;
	size_t n;
	ssize_t k;
	int hops = 0, rc;

	errno = 0;
	if (path[0] == '/')
		strcpy(cur, "/");
	else if (getcwd(cur, sizeof cur) == NULL)
		return unresolved(path, what, e);
	if (snprintf(rest, sizeof rest, "%s", path) >= (int)sizeof rest)
		return unresolved(path, what, e);
	for (r = rest; ; ) {
		r += strspn(r, "/");
		if (*r == '\0') {
			/* resolved: cur is the file, the one read?  then its
			   directory's turn */
			if (lstat(cur, &st) != 0)
				return unresolved(path, what, e);
			if (st.st_dev != opened->st_dev ||
			    st.st_ino != opened->st_ino)
				return nlp_errf(e, NLP_DATA, "%s '%s' changed while "
				    "it was read (its path now leads to another "
				    "file)", what, path);
			if ((cut = strrchr(cur, '/')) != NULL)
				cut[cut == cur] = '\0';
			return dir_chain_safe(cur, path, what, e);
		}
		if ((n = strcspn(r, "/")) > NAME_MAX)
			return unresolved(path, what, e);
		if (n == 1 && r[0] == '.') {
			r += n;
			continue;
		}
		if (n == 2 && r[0] == '.' && r[1] == '.') {
			/* the directory it leads to: whoever may write there
			   may put another directory in the place of the one
			   it leaves (whoever may write the one left may not) */
			if ((cut = strrchr(cur, '/')) != NULL)
				cut[cut == cur] = '\0';
			if ((rc = dir_chain_safe(cur, path, what, e)) != NLP_OK)
				return rc;
			r += n;
			continue;
		}
		if (snprintf(cand, sizeof cand, "%s%s%.*s", cur, strcmp(cur, "/") ?
		    "/" : "", (int)n, r) >= (int)sizeof cand ||
		    strlen(cand) >= sizeof cur || lstat(cand, &st) != 0)
			return unresolved(path, what, e);
		r += n;
		if (!S_ISLNK(st.st_mode)) {
			strcpy(cur, cand);
			continue;
		}
		if (++hops > 40) {
			errno = ELOOP;
			return unresolved(path, what, e);
		}
		if (st.st_uid != geteuid() && st.st_uid != 0)
			return nlp_errf(e, NLP_DATA, "%s '%s' is reached through "
			    "a link another user (uid %lu) owns, who could point "
			    "it elsewhere: '%s'", what, path,
			    (unsigned long)st.st_uid, cand);
		if ((k = readlink(cand, link, sizeof link - 1)) <= 0)
			return unresolved(path, what, e);
		link[k] = '\0';
		if ((rc = dir_chain_safe(cur, path, what, e)) != NLP_OK)
			return rc;
		/* the link's target, then what was left of the path */
		if (snprintf(next, sizeof next, "%s%s", link, r) >=
		    (int)sizeof next)
			return unresolved(path, what, e);
		strcpy(rest, next);
		r = rest;
		if (link[0] == '/')
			strcpy(cur, "/");
	}
}

/*
 * Read the file at path (at most KEY_FILE_MAX bytes) into a malloc'd
 * buffer (*buf, *len; free with wipe_free()).  NLP_OK, NLP_IO or NLP_DATA
 * (too large, not a regular file).
 */
static int
read_small(const char *path, const char *what, char **buf, size_t *len,
    struct nlp_err *e)
{
	struct stat st;
	ssize_t r;
	size_t n = 0;
	char *p;
	int fd, err, priv = strcmp(what, "private key") == 0;

	*buf = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return nlp_errnof(e, NLP_IO, errno, "cannot open %s '%s'", what,
		    path);
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return nlp_errnof(e, NLP_IO, err, "cannot read %s '%s'", what,
		    path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return nlp_errf(e, NLP_DATA, "%s '%s' is not a regular file",
		    what, path);
	}
	/* as ssh: a private key others may read, or a trusted key anyone
	   may replace, is no key to sign or trust by (a group may share
	   one key to sign with, read-only) */
	if (priv ? (st.st_mode & 027) != 0 : ((st.st_mode & 002) != 0 ||
	    group_writable(&st))) {
		char head[32];
		ssize_t h = pread(fd, head, sizeof head, 0);

		close(fd);
		if (priv && h > 0 && other_kind(path, priv, head, (size_t)h, e)
		    != NLP_OK)
			return NLP_DATA;
		return priv ? nlp_errf(e, NLP_DATA,
		    "private key '%s' is not private (mode %04o: others than its "
		    "owner may read or change it): chmod 600 '%s'", path,
		    (unsigned)(st.st_mode & 07777), path) : nlp_errf(e, NLP_DATA,
		    "public key '%s' may be changed by %s (mode %04o): chmod "
		    "go-w '%s'", path, st.st_mode & 002 ? "anyone" : "its group",
		    (unsigned)(st.st_mode & 07777), path);
	}
	/* nor one that another user owns, or that sits where another may
	   put a key in its place */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		return nlp_errf(e, NLP_DATA, "%s '%s' belongs to another user "
		    "(uid %lu), who could change it: it must be yours or root's",
		    what, path, (unsigned long)st.st_uid);
	}
	if ((err = key_dirs_safe(path, &st, what, e)) != NLP_OK) {
		close(fd);
		return err;              /* NLP_DATA, or NLP_IO: out of memory */
	}
	if ((p = malloc(KEY_FILE_MAX + 1)) == NULL) {
		close(fd);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	while (n <= KEY_FILE_MAX &&
	    (r = read(fd, p + n, KEY_FILE_MAX + 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			close(fd);
			OPENSSL_cleanse(p, n);
			free(p);
			return nlp_errnof(e, NLP_IO, err, "cannot read %s '%s'",
			    what, path);
		}
		n += (size_t)r;
	}
	close(fd);
	if (n > KEY_FILE_MAX) {
		OPENSSL_cleanse(p, n);
		free(p);
		return nlp_errf(e, NLP_DATA, "%s '%s' is too large to be a key",
		    what, path);
	}
	*buf = p;
	*len = n;
	return NLP_OK;
}

static void
wipe_free(char *p, size_t n)
{
	if (p != NULL)
		OPENSSL_cleanse(p, n);
	free(p);
}

/* PEM passphrase callback: no passphrase, and never a prompt. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

/* ---- generating keys ---- */

/* A temporary name beside path, "DIR/.BASE.XXXXXX" for mkostemp()
 * (malloc'd; NULL when out of memory). */
static char *
temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;
	char *t = malloc(dlen + strlen(base) + 16);

	if (t != NULL)
		sprintf(t, "%.*s.%s.XXXXXX", (int)dlen, path, base);
	return t;
}

/*
 * Write data[0..len) with mode into a temporary file beside path
 * (created 0600), synced; its name in *tmp (malloc'd).  NLP_OK or NLP_IO
 * naming path (nothing left behind).
 */
static int
stage(const char *path, const void *data, size_t len, mode_t mode,
    char **tmp, struct nlp_err *e)
{
	const char *p = data;
	size_t off = 0;
	int fd, rc = NLP_OK;

	if ((*tmp = temp_name(path)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((fd = mkostemp(*tmp, O_CLOEXEC)) < 0) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", path);
		free(*tmp);
		*tmp = NULL;
		return rc;
	}
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = nlp_errnof(e, NLP_IO, w < 0 ? errno : EIO, "cannot "
			    "write '%s'", path);
			break;
		}
		off += (size_t)w;
	}
	if (rc == NLP_OK && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
		rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", path);
	if (close(fd) != 0 && rc == NLP_OK)
		rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", path);
	if (rc != NLP_OK) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return rc;
}

/* Drop a staged file that was not put in place. */
static void
unstage(char **tmp)
{
	if (*tmp != NULL)
		unlink(*tmp);
	free(*tmp);
	*tmp = NULL;
}

/*
 * A second name for the file at path (as it is: a symbolic link stays
 * one), beside it, in *bak; *bak NULL when nothing is there (*present 0)
 * or when the file system or its protections refuse a second name
 * (protected_hardlinks on another user's file, FAT: *present 1, and the
 * old file cannot be put back).  NLP_OK or NLP_IO.
 */
static int
keep_aside(const char *path, char **bak, int *present, struct nlp_err *e)
{
	struct stat sb;
	int fd;

	*bak = NULL;
	if ((*present = lstat(path, &sb) == 0) == 0)
		return NLP_OK;
	if ((*bak = temp_name(path)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	/* a fresh name: made, then freed for link() to take */
	if ((fd = mkostemp(*bak, O_CLOEXEC)) < 0) {
		free(*bak);
		*bak = NULL;
		return nlp_errnof(e, NLP_IO, errno, "cannot write beside '%s'",
		    path);
	}
	close(fd);
	unlink(*bak);
	if (link(path, *bak) == 0)
		return NLP_OK;
	fd = errno;
	free(*bak);
	*bak = NULL;
	if (fd == ENOENT)       /* gone meanwhile */
		*present = 0;
	return NLP_OK;
}

/*
 * Put the staged private key privtmp at path and the public key pubtmp at
 * pubpath, both or neither.  Without force by link(), which fails when a
 * file is there (a key is never overwritten); with force by rename(),
 * the public key first, its old file kept aside under a second name:
 * when the private key's cannot follow, the old public key is put back as
 * it was (a new public key beside the old private one would be a pair
 * that does not match).  NLP_OK or NLP_IO.
 */
static int
place_pair(const char *path, char **privtmp, const char *pubpath,
    char **pubtmp, int force, struct nlp_err *e)
{
	char *old = NULL;
	int rc = NLP_OK, err, present;

	if (!force) {
		if (link(*privtmp, path) != 0)
			rc = errno == EEXIST ? nlp_errf(e, NLP_IO, "'%s' exists: a "
			    "key is never overwritten (--force replaces it)", path) :
			    nlp_errnof(e, NLP_IO, errno, "cannot create '%s'", path);
		else if (link(*pubtmp, pubpath) != 0) {
			rc = errno == EEXIST ? nlp_errf(e, NLP_IO, "'%s' exists: a "
			    "key is never overwritten (--force replaces it)",
			    pubpath) : nlp_errnof(e, NLP_IO, errno, "cannot create "
			    "'%s'", pubpath);
			unlink(path);   /* ours: linked just now, never replaced */
		}
		unstage(privtmp);
		unstage(pubtmp);
		return rc;
	}
	if ((rc = keep_aside(pubpath, &old, &present, e)) != NLP_OK) {
		unstage(privtmp);
		unstage(pubtmp);
		return rc;
	}
	if (rename(*pubtmp, pubpath) != 0) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot replace '%s' (nothing "
		    "was changed)", pubpath);
		goto out;
	}
	free(*pubtmp);          /* in place: no longer ours to remove */
	*pubtmp = NULL;
	if (rename(*privtmp, path) == 0) {
		free(*privtmp);
		*privtmp = NULL;
		goto out;
	}
	err = errno;
	/* the old public key back as it was (mode, link), or none */
	if (old != NULL ? rename(old, pubpath) == 0 : !present &&
	    unlink(pubpath) == 0) {
		free(old);
		old = NULL;
		rc = nlp_errnof(e, NLP_IO, err, "cannot replace '%s' (nothing "
		    "was changed)", path);
	} else if (old != NULL) {
		rc = nlp_errnof(e, NLP_IO, err, "cannot replace '%s', and '%s' "
		    "is the new key's: the two do not match (the old one is "
		    "kept as '%s'); run again", path, pubpath, old);
		free(old);      /* left where it is: the old public key */
		old = NULL;
	} else {
		rc = nlp_errnof(e, NLP_IO, err, "cannot replace '%s', and '%s' "
		    "is the new key's: the two do not match; run again", path,
		    pubpath);
	}
out:
	unstage(privtmp);
	unstage(pubtmp);
	unstage(&old);          /* the second name of the old key, if left */
	return rc;
}

/* pk's private key (pub 0) or public key (pub 1) as PEM, into a BIO. */
static BIO *
pem_of(EVP_PKEY *pk, int pub)
{
	BIO *b = BIO_new(pub ? BIO_s_mem() : BIO_s_secmem());

	if (b == NULL)
		return NULL;
	if ((pub ? PEM_write_bio_PUBKEY(b, pk) : PEM_write_bio_PrivateKey(b,
	    pk, NULL, NULL, 0, NULL, NULL)) != 1) {
		BIO_free(b);
		return NULL;
	}
	return b;
}

int
nlp_key_generate(const char *path, int force, char id[NLP_KEY_ID_HEX],
    struct nlp_err *e)
{
	EVP_PKEY *pk = NULL;
	BIO *priv = NULL, *pub = NULL;
	char *pubpath = malloc(strlen(path) + 5);
	char *pd, *bd, *privtmp = NULL, *pubtmp = NULL;
	long plen, blen;
	struct stat st;
	int rc;

	id[0] = '\0';
	if ((rc = nlp_crypto_use(e)) != NLP_OK) {
		free(pubpath);
		return rc;
	}
	if (pubpath == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	sprintf(pubpath, "%s.pub", path);
	if (!force && (lstat(path, &st) == 0 || lstat(pubpath, &st) == 0)) {
		rc = nlp_errf(e, NLP_IO, "'%s' exists: a key is never "
		    "overwritten (--force replaces it)", lstat(path, &st) == 0 ?
		    path : pubpath);
		free(pubpath);
		return rc;
	}
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    (priv = pem_of(pk, 0)) == NULL || (pub = pem_of(pk, 1)) == NULL) {
		rc = crypto_failed("cannot make an Ed25519 key", e);
		goto out;
	}
	if ((rc = key_id(pk, id, e)) != NLP_OK)
		goto out;
	plen = BIO_get_mem_data(priv, &pd);
	blen = BIO_get_mem_data(pub, &bd);
	if ((rc = stage(path, pd, (size_t)plen, 0600, &privtmp, e)) != NLP_OK)
		goto out;
	if ((rc = stage(pubpath, bd, (size_t)blen, 0644, &pubtmp, e)) !=
	    NLP_OK) {
		unstage(&privtmp);
		goto out;
	}
	if ((rc = place_pair(path, &privtmp, pubpath, &pubtmp, force, e)) ==
	    NLP_OK && nlp_fsync_dir_of(path) != 0)
		rc = nlp_errnof(e, NLP_IO, errno, "wrote '%s', but cannot sync "
		    "its directory", path);
out:
	if (rc != NLP_OK)
		id[0] = '\0';
	BIO_free(priv);              /* secure memory: cleared when freed */
	BIO_free(pub);
	EVP_PKEY_free(pk);
	free(pubpath);
	return rc;
}

/* ---- loading keys ---- */

/* Load a PEM key (private: priv != 0) from path, Ed25519 only. */
static int
load_pem(EVP_PKEY **out, const char *path, int priv, struct nlp_err *e)
{
	const char *what = priv ? "private key" : "public key";
	EVP_PKEY *pk = NULL;
	size_t len = 0;
	char *buf;
	BIO *b;
	int rc;

	*out = NULL;
	if ((rc = read_small(path, what, &buf, &len, e)) != NLP_OK)
		return rc;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		wipe_free(buf, len);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	ERR_clear_error();       /* what follows is this read's alone */
	pk = priv ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) :
	    PEM_read_bio_PUBKEY(b, NULL, no_passphrase, NULL);
	/* what follows the key: white space at most.  A second key would
	   be ignored, and which key is trusted would hang on their order */
	{
		char rest[256];
		int n, extra = 0, i;

		while (pk != NULL && !extra && (n = BIO_read(b, rest,
		    sizeof rest)) > 0)
			for (i = 0; i < n; i++)
				if (rest[i] != ' ' && rest[i] != '\t' &&
				    rest[i] != '\n' && rest[i] != '\r')
					extra = 1;
		OPENSSL_cleanse(rest, sizeof rest);
		if (extra) {
			EVP_PKEY_free(pk);
			BIO_free(b);
			wipe_free(buf, len);
			return nlp_errf(e, NLP_DATA, "'%s' holds more than its %s "
			    "(another key, or other bytes after it): one key a "
			    "file", path, what);
		}
	}
	BIO_free(b);
	/* not read for want of memory, or for libcrypto's own reason (its
	   configuration, its providers): no verdict on the file */
	if (pk == NULL) {
		unsigned long last = ERR_peek_last_error();
		int oom = malloc_failed();      /* empties the queue */
		char why[160];

		if (oom || ed25519_pem(buf, len, priv)) {
			wipe_free(buf, len);
			if (oom)
				snprintf(why, sizeof why, "out of memory");
			else if (last != 0)
				ERR_error_string_n(last, why, sizeof why);
			else
				snprintf(why, sizeof why, "no reason given (out "
				    "of memory?)");
			return nlp_errf(e, NLP_IO, "libcrypto could not read "
			    "the %s '%s', a well-formed one: %s", what, path,
			    why);
		}
	}
	if (pk == NULL && (rc = other_kind(path, priv, buf, len, e)) != NLP_OK) {
		ERR_clear_error();
		wipe_free(buf, len);
		return rc;
	}
	wipe_free(buf, len);
	if (pk == NULL) {
		ERR_clear_error();
		return nlp_errf(e, NLP_DATA, "'%s' is not a PEM %s%s", path, what,
		    priv ? " (or it is encrypted: nlpops keys are not)" : "");
	}
	if (EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pk);
		return nlp_errf(e, NLP_DATA, "'%s' is not an Ed25519 %s", path,
		    what);
	}
	*out = pk;
	return NLP_OK;
}

int
nlp_key_load(struct nlp_key **out, const char *path, struct nlp_err *e)
{
	struct nlp_key *k;
	int rc;

	*out = NULL;
	if ((rc = nlp_crypto_use(e)) != NLP_OK)
		return rc;
	if ((k = calloc(1, sizeof *k)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	if ((rc = load_pem(&k->pk, path, 1, e)) != NLP_OK ||
	    (rc = key_id(k->pk, k->id, e)) != NLP_OK) {
		nlp_key_close(k);
		return rc;
	}
	*out = k;
	return NLP_OK;
}

const char *
nlp_key_id(const struct nlp_key *k)
{
	return k->id;
}

void
nlp_key_close(struct nlp_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);
	free(k);
}

/* ---- signing ---- */

/* The signed message (sign.h), malloc'd into *msg, *len. */
static int
message(const char *sha256, const void *manifest, size_t mlen,
    unsigned char **msg, size_t *len, struct nlp_err *e)
{
	size_t head = sizeof NLP_SIG_PREFIX - 1;

	if (mlen > SIZE_MAX - head - 65 ||
	    (*msg = malloc(head + 65 + mlen)) == NULL)
		return nlp_errf(e, NLP_IO, "out of memory");
	memcpy(*msg, NLP_SIG_PREFIX, head);
	memcpy(*msg + head, sha256, 64);
	(*msg)[head + 64] = '\n';
	if (mlen > 0)
		memcpy(*msg + head + 65, manifest, mlen);
	*len = head + 65 + mlen;
	return NLP_OK;
}

/* s->text from s's fields. */
static void
format_text(struct nlp_signature *s)
{
	char hex[2 * NLP_SIG_BYTES + 1];

	to_hex(s->sig, NLP_SIG_BYTES, hex);
	s->len = (size_t)snprintf(s->text, sizeof s->text, FORMAT_LINE "\nkey "
	    "%s\nsha256 %s\nsignature %s\n", s->key_id, s->sha256, hex);
}

int
nlp_sign(const struct nlp_key *k, const char *sha256, const void *manifest,
    size_t mlen, struct nlp_signature *s, struct nlp_err *e)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *msg;
	size_t len = 0, slen = NLP_SIG_BYTES;
	char what[NLP_KEY_ID_HEX + 32];
	int rc;

	memset(s, 0, sizeof *s);
	if (strlen(sha256) != 64 || !is_hex(sha256, 64))
		return nlp_errf(e, NLP_USAGE, "'%s' is not a SHA-256 (64 "
		    "lowercase hex digits)", sha256);
	if ((rc = message(sha256, manifest, mlen, &msg, &len, e)) != NLP_OK)
		return rc;
	snprintf(what, sizeof what, "cannot sign with key %s", k->id);
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		rc = nlp_errf(e, NLP_IO, "%s: out of memory", what);
	else if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pk) != 1 ||
	    EVP_DigestSign(ctx, s->sig, &slen, msg, len) != 1 ||
	    slen != NLP_SIG_BYTES)
		rc = crypto_failed(what, e);
	EVP_MD_CTX_free(ctx);
	free(msg);
	if (rc != NLP_OK)
		return rc;
	memcpy(s->key_id, k->id, sizeof s->key_id);
	memcpy(s->sha256, sha256, 65);
	format_text(s);
	return NLP_OK;
}

/* An open artifact's SHA-256 and manifest. */
static int
artifact_parts(struct nlp_artifact *a, const char **sha256,
    const void **manifest, size_t *mlen, struct nlp_err *e)
{
	*sha256 = nlp_artifact_sha256(a);
	if ((*sha256)[0] == '\0')
		return nlp_sha256_why(e);
	return nlp_artifact_member(a, "manifest", manifest, mlen, e);
}

int
nlp_sign_artifact(const struct nlp_key *k, struct nlp_artifact *a,
    struct nlp_signature *s, struct nlp_err *e)
{
	const char *sha256;
	const void *manifest;
	size_t mlen;
	int rc;

	if ((rc = artifact_parts(a, &sha256, &manifest, &mlen, e)) != NLP_OK)
		return rc;
	return nlp_sign(k, sha256, manifest, mlen, s, e);
}

/* ---- signature texts and files ---- */

/*
 * Match one line at *p (before end): word, ' ', n lowercase hex digits,
 * '\n' (n 0: exactly word and '\n').  Advances *p; the hex into out
 * (n + 1 bytes) when out is not NULL.
 */
static int
line(const char **p, const char *end, const char *word, size_t n, char *out)
{
	size_t w = strlen(word), need = w + (n ? 1 + n : 0) + 1;

	if ((size_t)(end - *p) < need || memcmp(*p, word, w) != 0 ||
	    (n && (*p)[w] != ' ') || (*p)[need - 1] != '\n' ||
	    !is_hex(*p + w + 1, n))
		return -1;
	if (out != NULL) {
		memcpy(out, *p + w + 1, n);
		out[n] = '\0';
	}
	*p += need;
	return 0;
}

int
nlp_signature_parse(struct nlp_signature *s, const void *text, size_t len,
    const char *label, struct nlp_err *e)
{
	static const char *const want[] = {
		"'" FORMAT_LINE "'", "'key' and 64 lowercase hex digits",
		"'sha256' and 64 lowercase hex digits",
		"'signature' and 128 lowercase hex digits",
	};
	char hex[2 * NLP_SIG_BYTES + 1];
	const char *p = text, *end = p + len;
	int ln = 0;
	size_t i;

	memset(s, 0, sizeof *s);
	if (len >= NLP_SIG_MAX)
		return nlp_errf(e, NLP_DATA, "%s is not an nlpops signature: %zu "
		    "bytes, more than a signature has", label, len);
	if (line(&p, end, FORMAT_LINE, 0, NULL) != 0 ||
	    (ln++, line(&p, end, "key", 64, s->key_id)) != 0 ||
	    (ln++, line(&p, end, "sha256", 64, s->sha256)) != 0 ||
	    (ln++, line(&p, end, "signature", 2 * NLP_SIG_BYTES, hex)) != 0)
		return nlp_errf(e, NLP_DATA, "%s is not an nlpops signature: line "
		    "%d is not %s", label, ln + 1, want[ln]);
	if (p != end)
		return nlp_errf(e, NLP_DATA, "%s is not an nlpops signature: "
		    "something follows its last line", label);
	for (i = 0; i < NLP_SIG_BYTES; i++)
		s->sig[i] = (unsigned char)(nlp_hex_digit(hex[2 * i]) << 4 |
		    nlp_hex_digit(hex[2 * i + 1]));
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	s->len = len;
	return NLP_OK;
}

int
nlp_signature_path(const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s" NLP_SIG_SUFFIX, path);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
nlp_signature_read(const char *path, char buf[NLP_SIG_MAX], size_t *len,
    int *found, struct nlp_err *e)
{
	struct stat st;
	ssize_t r;
	size_t n = 0;
	int fd, err;

	*found = 0;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return errno == ENOENT ? NLP_OK : nlp_errnof(e, NLP_IO, errno,
		    "cannot open signature '%s'", path);
	*found = 1;
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return nlp_errnof(e, NLP_IO, err, "cannot read signature '%s'",
		    path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return nlp_errf(e, NLP_DATA, "signature '%s' is not a regular "
		    "file", path);
	}
	while (n < NLP_SIG_MAX && (r = read(fd, buf + n, NLP_SIG_MAX - n)) !=
	    0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			close(fd);
			return nlp_errnof(e, NLP_IO, err, "cannot read signature "
			    "'%s'", path);
		}
		n += (size_t)r;
	}
	close(fd);
	if (n >= NLP_SIG_MAX)
		return nlp_errf(e, NLP_DATA, "'%s' is not an nlpops signature: "
		    "larger than a signature is", path);
	*len = n;
	return NLP_OK;
}

int
nlp_signature_write(const char *path, const struct nlp_signature *s,
    struct nlp_err *e)
{
	struct nlp_atomic a;
	int rc;

	memset(&a, 0, sizeof a);
	if ((rc = nlp_atomic_open(&a, path, e)) != NLP_OK)
		return rc;
	if (fwrite(s->text, 1, s->len, a.fp) != s->len) {
		rc = nlp_errnof(e, NLP_IO, errno, "cannot write '%s'", path);
		nlp_atomic_abort(&a);
		return rc;
	}
	return nlp_atomic_commit(&a, e);
}

/* ---- trusted keys ---- */

int
nlp_trust_add(struct nlp_trust *t, const char *path, struct nlp_err *e)
{
	struct nlp_trusted_key k, *v;
	size_t i;
	int rc;

	memset(&k, 0, sizeof k);
	if ((rc = nlp_crypto_use(e)) != NLP_OK ||
	    (rc = load_pem(&k.pk, path, 0, e)) != NLP_OK)
		return rc;
	if ((rc = key_id(k.pk, k.id, e)) != NLP_OK) {
		EVP_PKEY_free(k.pk);
		return rc;
	}
	for (i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].id, k.id) == 0) {
			EVP_PKEY_free(k.pk);
			return NLP_OK;
		}
	if ((k.path = strdup(path)) == NULL ||
	    (v = realloc(t->keys, (t->n + 1) * sizeof *v)) == NULL) {
		free(k.path);
		EVP_PKEY_free(k.pk);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	v[t->n++] = k;
	t->keys = v;
	return NLP_OK;
}

int
nlp_trust_list_entry(const char *list, size_t i, const char **p, size_t *len)
{
	const char *colon;

	for (*p = list; ; *p = colon + 1) {
		colon = strchr(*p, ':');
		if (i-- == 0) {
			*len = colon != NULL ? (size_t)(colon - *p) : strlen(*p);
			return 1;
		}
		if (colon == NULL)
			return 0;
	}
}

int
nlp_trust_add_list(struct nlp_trust *t, const char *list, const char *what,
    struct nlp_err *e)
{
	const char *p;
	char *path;
	size_t i, len;
	int rc;

	for (i = 0; nlp_trust_list_entry(list, i, &p, &len); i++) {
		if (len == 0)
			return nlp_errf(e, NLP_USAGE, "%s has an empty entry ('%s')",
			    what, list);
		if ((path = strndup(p, len)) == NULL)
			return nlp_errf(e, NLP_IO, "out of memory");
		rc = nlp_trust_add(t, path, e);
		free(path);
		if (rc != NLP_OK)
			return rc;
	}
	return NLP_OK;
}

const char *
nlp_trust_key_id(const struct nlp_trust *t, size_t i)
{
	return t->keys[i].id;
}

const char *
nlp_trust_key_path(const struct nlp_trust *t, size_t i)
{
	return t->keys[i].path;
}

void
nlp_trust_release(struct nlp_trust *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		EVP_PKEY_free(t->keys[i].pk);
		free(t->keys[i].path);
	}
	free(t->keys);
	t->keys = NULL;
	t->n = 0;
}

/* Does sig verify under pk over the message for sha256 and manifest?
 * NLP_OK, NLP_NO, or NLP_IO (out of memory). */
static int
verifies(EVP_PKEY *pk, const struct nlp_signature *s, const void *manifest,
    size_t mlen, struct nlp_err *e)
{
	EVP_MD_CTX *ctx;
	unsigned char *msg;
	size_t len = 0;
	int rc, v;

	if ((rc = message(s->sha256, manifest, mlen, &msg, &len, e)) != NLP_OK)
		return rc;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		free(msg);
		return nlp_errf(e, NLP_IO, "out of memory");
	}
	/* only a check made that said no is a bad signature: libcrypto
	   failing to make it (short of memory) is an error, never a
	   well-signed version refused as tampered with.  A "no" says
	   nothing more; a failure says why in the error queue (Ed25519
	   answers 0 for both: its digest not fetched for want of memory) */
	ERR_clear_error();
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) != 1)
		rc = crypto_failed("cannot check a signature", e);
	else if ((v = EVP_DigestVerify(ctx, s->sig, NLP_SIG_BYTES, msg,
	    len)) == 1)
		rc = NLP_OK;
	else if (v == 0 && ERR_peek_last_error() == 0)
		rc = NLP_NO;
	else
		rc = crypto_failed("cannot check a signature", e);
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(msg);
	return rc;
}

int
nlp_trust_check(const struct nlp_trust *t, const char *sha256,
    const void *manifest, size_t mlen, const void *sig, size_t siglen,
    const char *label, struct nlp_signature *parsed, struct nlp_err *e)
{
	struct nlp_signature s;
	size_t i;
	int rc;

	if ((rc = nlp_signature_parse(&s, sig, siglen, label, e)) != NLP_OK)
		return rc;
	if (parsed != NULL)
		*parsed = s;
	if (strcmp(s.sha256, sha256) != 0)
		return nlp_errf(e, NLP_DATA, "%s is for another artifact (SHA-256 "
		    "%s; this one's is %s)", label, s.sha256, sha256);
	for (i = 0; i < t->n; i++)
		if (strcmp(t->keys[i].id, s.key_id) == 0)
			break;
	if (i == t->n)
		return nlp_errf(e, NLP_DATA, "signed by key %s, which is not a "
		    "trusted key", s.key_id);
	if ((rc = verifies(t->keys[i].pk, &s, manifest, mlen, e)) == NLP_NO)
		return nlp_errf(e, NLP_DATA, "the signature by key %s ('%s') "
		    "does not match the artifact", s.key_id, t->keys[i].path);
	return rc;
}

int
nlp_trust_check_artifact(const struct nlp_trust *t, struct nlp_artifact *a,
    const void *sig, size_t siglen, const char *label,
    struct nlp_signature *parsed, struct nlp_err *e)
{
	const char *sha256;
	const void *manifest;
	size_t mlen;
	int rc;

	if ((rc = artifact_parts(a, &sha256, &manifest, &mlen, e)) != NLP_OK)
		return rc;
	return nlp_trust_check(t, sha256, manifest, mlen, sig, siglen, label,
	    parsed, e);
}
