/*
 * text.h - what may be printed: labels, names and other strings that come
 * from data or from the user and end up in a terminal, a log line or a
 * JSON document.
 *
 * A "clean" string is valid UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF) without control characters: C0 (U+0000-U+001F), DEL and C1
 * (U+0080-U+009F).  Labels and registry names must be clean, so that one
 * of them can never forge an output line, move the cursor or make JSON
 * invalid.  Text that is not ours to refuse (the input texts, old registry
 * rows) is escaped when shown to a person instead: control characters (C0
 * and DEL) are written \xNN (ESC as \x1b), C1 controls (U+0080 to U+009F)
 * \u00NN, and bytes that are not UTF-8 \xNN, so that no escape sequence
 * in a label or text reaches a terminal and every record stays on its line
 * (nlp_text_escape_char() below; cmd.h: cli_shown(), cli_put_safe()).
 */
#ifndef NLP_TEXT_H
#define NLP_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * The length of the UTF-8 sequence at s[0..n) (n > 0) when it is
 * well-formed (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF); else minus the length of its maximal invalid subpart (Unicode
 * 3.9, "U+FFFD substitution of maximal subparts"), at least 1.  The one
 * UTF-8 decoder of nlpops: the functions below are built on it.
 */
int nlp_utf8_seq(const unsigned char *s, size_t n);

/* The length of the valid UTF-8 sequence at s[0..n) (n > 0) and its code
 * point in *cp, or 0 when the bytes there are not valid UTF-8. */
size_t nlp_utf8_char(const unsigned char *s, size_t n, uint32_t *cp);

/* How many bytes at the start of s[0..n) are valid UTF-8 without NUL
 * (ASCII eight bytes at a time). */
size_t nlp_utf8_clean(const char *s, size_t n);

/* What nlp_utf8_repair_into() did, in *flags (the same bits as a reader
 * record's NLP_REC_BAD_UTF8, _NUL and _CUT). */
#define NLP_UTF8_BAD 0x1u    /* a maximal invalid subpart became U+FFFD */
#define NLP_UTF8_NUL 0x2u    /* a NUL became a space */
#define NLP_UTF8_CUT 0x4u    /* stopped before a character that did not fit */

/* Repair s[0..n) into dst, writing at most cap bytes: valid UTF-8 is
 * copied, NUL becomes a space, each maximal invalid subpart U+FFFD; the
 * length written. */
size_t nlp_utf8_repair_into(const char *s, size_t n, char *dst, size_t cap,
    unsigned *flags);

/* Is cp a control character (C0, DEL, C1), or a bidirectional embedding,
 * override or isolate (U+202A-U+202E, U+2066-U+2069)? */
int nlp_is_control(uint32_t cp);

/* Is s[0..len) clean (see above)? */
int nlp_text_clean(const char *s, size_t len);

/*
 * The escaped form of the character at s (NUL-terminated) written to buf,
 * or NULL when it is shown as it is; *len is its length in s (at least 1).
 */
const char *nlp_text_escape_char(const char *s, char buf[8], size_t *len);

/*
 * s with each character nlp_text_escape_char() escapes escaped, into dst
 * (cap bytes, NUL included), cut before the first character that does
 * not fit: one clean line of valid UTF-8, as a record keeps a file's name
 * (JSON strings are UTF-8); dst.
 */
char *nlp_text_escape_into(const char *s, char *dst, size_t cap);

/*
 * s escaped for a person (see above) on out, right-aligned in width
 * columns like printf's %*s (width 0: no padding); s NULL is written as
 * nothing.  nlp_text_safe_width() is the columns a terminal gives what is
 * written, padding aside: an escape's bytes, a character 1 (a combining
 * mark 0, an East Asian wide one 2).
 * Returns 0, or EOF when a write failed (errno set).
 */
int nlp_text_put_safe(FILE *out, const char *s, int width);

/*
 * What is wrong with label s[0..n), or NULL: a control character (C0, DEL
 * or C1), which would reach terminals and line-based output as it is, or
 * invalid UTF-8.  The reason, in buf (size bytes) or a constant.
 */
const char *nlp_text_label_fault(const char *s, size_t n, char *buf,
    size_t size);
size_t nlp_text_safe_width(const char *s);

/*
 * The length of the longest prefix of s[0..len) of at most max bytes that
 * does not end inside a UTF-8 sequence (s is valid UTF-8).
 */
size_t nlp_utf8_cut(const char *s, size_t len, size_t max);

/*
 * The optimal string alignment distance between a and b (insertions,
 * deletions, substitutions and swaps of two neighbours, byte by byte),
 * for "did you mean"; a string longer than NLP_DISTANCE_MAX bytes is
 * NLP_DISTANCE_FAR from everything.
 */
#define NLP_DISTANCE_MAX 128
#define NLP_DISTANCE_FAR 9999
size_t nlp_text_distance(const char *a, const char *b);

/*
 * Is s[0..n) blank -- nothing but spaces, TABs, CRs, FFs and VTs (or
 * empty)?  A blank --description or --reason is none.  (A text to score
 * is judged by token.h's nlp_text_tokenless(), which also counts the
 * invisible characters and Unicode's white space as nothing.)
 */
int nlp_text_blank(const char *s, size_t n);

/* The value of hex digit c (either case), or -1. */
int nlp_hex_digit(int c);

/*
 * The JSON escapes of lone UTF-16 surrogates in s[0..n) (a \ud800 without
 * its low half after it, or a low half alone) turned into \ufffd, in
 * place and the same length: jansson refuses them, and writers make them
 * of a broken string (Python's json.dumps, JavaScript's JSON.stringify of
 * a string cut inside a pair).  Returns how many were.
 */
size_t nlp_json_lone_surrogates(char *s, size_t n);

#endif
