/*
 * sign.h - Ed25519 signatures of model artifacts (OpenSSL libcrypto): who
 * made a model, where a SHA-256 only says it is intact.
 *
 * Keys.  A private key is a PEM file ("-----BEGIN PRIVATE KEY-----",
 * PKCS #8, unencrypted), mode 0600; its public key is a PEM
 * SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"), by convention
 * beside it as KEY.pub.  A key's id is the SHA-256 (64 lowercase hex
 * digits) of the DER encoding of its public key's SubjectPublicKeyInfo:
 *
 *     openssl pkey -in KEY.pub -pubin -outform DER | sha256sum
 *
 * The signed message.  A signature covers the artifact's SHA-256 (as
 * nlp_artifact_sha256() and sha256sum print it: of the bytes as stored, so
 * of the compressed bytes for a .gz artifact) and its manifest (the
 * member "manifest", byte for byte), after a fixed prefix that keeps an
 * nlpops signature from being taken for a signature of anything else:
 *
 *     "nlpops-signature-v1\n" SHA256-HEX "\n" MANIFEST-BYTES
 *
 * signed with pure Ed25519 (RFC 8032, no pre-hash).  Ed25519 is
 * deterministic: the same key and artifact give the same signature, so the
 * same .sig bytes.
 *
 * The signature text (a FILE.sig beside an artifact FILE; the registry
 * stores the same text with a version) is four lines, each ending in
 * '\n', nothing before, between or after them:
 *
 *     nlpops-signature 1
 *     key <key id: 64 lowercase hex digits>
 *     sha256 <the artifact's SHA-256: 64 lowercase hex digits>
 *     signature <the Ed25519 signature: 128 lowercase hex digits>
 *
 * (299 bytes.)  Parsing is strict: anything else -- another format
 * version, upper case, a missing or extra line, a stray byte, more than
 * NLP_SIG_MAX bytes -- is NLP_DATA naming the line.  The sha256 line is
 * also inside the signed message; it is there so that a signature of
 * another artifact is told apart from a forged one.
 *
 * Checking.  A trusted set (struct nlp_trust) holds public keys; a
 * signature passes when it parses, names the artifact's SHA-256, was made
 * by a key in the set (by key id) and verifies under that key over the
 * message above.  Everything else is NLP_DATA with one line saying which:
 * not an nlpops signature, for another artifact, signed by a key that is
 * not trusted (naming its id), or a signature that does not match.
 *
 * Private keys are freed with OpenSSL, which clears them; the PEM bytes
 * of a private key read or written here are wiped before they are freed.
 */
#ifndef NLP_SIGN_H
#define NLP_SIGN_H

#include <stddef.h>

#include "digest.h"
#include "error.h"

#define NLP_KEY_ID_HEX NLP_SHA256_HEX   /* 64 hex digits and a NUL */
#define NLP_SIG_BYTES 64                /* an Ed25519 signature */
#define NLP_SIG_MAX 512                 /* a signature text, at most */
#define NLP_SIG_PREFIX "nlpops-signature-v1\n"   /* of the signed message */
#define NLP_SIG_SUFFIX ".sig"           /* FILE.sig beside an artifact */

struct nlp_artifact;

/* An Ed25519 private key (opaque). */
struct nlp_key;

/*
 * Make a new Ed25519 key pair: the private key at path (mode 0600) and
 * the public key at path + ".pub" (mode 0644), both PEM, each written to
 * a temporary file beside it, synced and then put in place.  Without
 * force neither file is ever replaced: when either exists (a dangling
 * symbolic link included), nothing is written and the result is NLP_IO
 * naming it; a file that appears meanwhile is not overwritten either.
 * With force both are replaced (a symbolic link itself, never the file
 * it points to).  id receives the new key's id.  Returns NLP_OK, NLP_IO
 * or NLP_BUG (libcrypto failed).
 */
int nlp_key_generate(const char *path, int force, char id[NLP_KEY_ID_HEX],
    struct nlp_err *e);

/*
 * Load the private key at path into *out (free it with nlp_key_close()).
 * NLP_OK; NLP_IO (cannot read); NLP_DATA (not an unencrypted PEM private
 * key, or not an Ed25519 one; an encrypted key is refused, never
 * prompted for).
 */
int nlp_key_load(struct nlp_key **out, const char *path, struct nlp_err *e);

/* The key's id (valid while k is). */
const char *nlp_key_id(const struct nlp_key *k);

/* Free k, clearing the key (k may be NULL). */
void nlp_key_close(struct nlp_key *k);

/* A signature: parsed from its text, or made by nlp_sign(). */
struct nlp_signature {
	char key_id[NLP_KEY_ID_HEX];       /* who signed */
	char sha256[NLP_SHA256_HEX];       /* which artifact */
	unsigned char sig[NLP_SIG_BYTES];  /* the Ed25519 signature */
	char text[NLP_SIG_MAX];            /* the signature text (above), */
	size_t len;                        /* len bytes, NUL-terminated */
};

/*
 * Sign the artifact whose SHA-256 is sha256 (64 lowercase hex digits) and
 * whose manifest is manifest[0..mlen) with k, filling s (text included).
 * NLP_OK; NLP_USAGE (sha256 malformed); NLP_IO (out of memory); NLP_BUG.
 */
int nlp_sign(const struct nlp_key *k, const char *sha256,
    const void *manifest, size_t mlen, struct nlp_signature *s,
    struct nlp_err *e);

/* nlp_sign() over an open artifact's SHA-256 and manifest (a is not
 * const: its SHA-256 is computed on first use, see artifact.h). */
int nlp_sign_artifact(const struct nlp_key *k, struct nlp_artifact *a,
    struct nlp_signature *s, struct nlp_err *e);

/*
 * Parse a signature text (len bytes, not necessarily NUL-terminated)
 * into s, strictly (see above); label names it in messages ("'m.nlp.sig'").
 * NLP_OK or NLP_DATA.
 */
int nlp_signature_parse(struct nlp_signature *s, const void *text,
    size_t len, const char *label, struct nlp_err *e);

/*
 * The name of an artifact file's signature, path + ".sig", into buf (size
 * bytes): 0, or -1 when it does not fit.
 */
int nlp_signature_path(const char *path, char *buf, size_t size);

/*
 * Read the signature file at path (at most NLP_SIG_MAX bytes; a regular
 * file) into buf (NLP_SIG_MAX bytes), *len its length.  *found = 0 when
 * there is no such file (then NLP_OK).  NLP_OK, NLP_IO or NLP_DATA (too
 * large, not a regular file).
 */
int nlp_signature_read(const char *path, char buf[NLP_SIG_MAX], size_t *len,
    int *found, struct nlp_err *e);

/* Write s's text to path as atomic.h writes files.  NLP_OK or NLP_IO. */
int nlp_signature_write(const char *path, const struct nlp_signature *s,
    struct nlp_err *e);

/* A set of trusted public keys.  Zero it to start (or use
 * NLP_TRUST_INIT); give it back with nlp_trust_release(). */
struct nlp_trusted_key;
struct nlp_trust {
	struct nlp_trusted_key *keys;
	size_t n;
};
#define NLP_TRUST_INIT { NULL, 0 }

/*
 * Add the public key at path (PEM, Ed25519) to t; a key already in t is
 * not added twice.  NLP_OK; NLP_IO (cannot read); NLP_DATA (not a PEM
 * Ed25519 public key -- a private key is refused too: trust is given to
 * public keys).
 */
int nlp_trust_add(struct nlp_trust *t, const char *path, struct nlp_err *e);

/*
 * Entry i (from 0) of a colon-separated list of files (as
 * NLPOPS_TRUSTED_KEYS holds them): 1 with its start in *p and its length
 * in *len (0 for an empty entry), or 0 past the last.
 */
int nlp_trust_list_entry(const char *list, size_t i, const char **p,
    size_t *len);

/*
 * Add every key of a colon-separated list of public key files (as
 * NLPOPS_TRUSTED_KEYS holds them); what names the list in messages.  An
 * empty entry ("a::b", a leading or trailing ':') is NLP_USAGE: a list
 * that yields fewer keys than it seems to must not pass unnoticed.
 */
int nlp_trust_add_list(struct nlp_trust *t, const char *list,
    const char *what, struct nlp_err *e);

/* The i-th key's id and the file it was read from (i < t->n). */
const char *nlp_trust_key_id(const struct nlp_trust *t, size_t i);
const char *nlp_trust_key_path(const struct nlp_trust *t, size_t i);

void nlp_trust_release(struct nlp_trust *t);

/*
 * Check the signature text sig[0..siglen) (label names it in messages)
 * of the artifact whose SHA-256 is sha256 and manifest manifest[0..mlen)
 * against t.  NLP_OK when a trusted key made it; else NLP_DATA: "LABEL:
 * not an nlpops signature: …", "LABEL is for another artifact (SHA-256 …)",
 * "signed by key ID, which is not a trusted key", "the signature by key
 * ID (FILE) does not match the artifact".  NLP_IO: out of memory.  When
 * parsed is not NULL it receives the signature as parsed (also on
 * failure after parsing: who signed).
 */
int nlp_trust_check(const struct nlp_trust *t, const char *sha256,
    const void *manifest, size_t mlen, const void *sig, size_t siglen,
    const char *label, struct nlp_signature *parsed, struct nlp_err *e);

/* nlp_trust_check() of an open artifact (its SHA-256 and manifest). */
int nlp_trust_check_artifact(const struct nlp_trust *t,
    struct nlp_artifact *a, const void *sig, size_t siglen,
    const char *label, struct nlp_signature *parsed, struct nlp_err *e);

#endif
