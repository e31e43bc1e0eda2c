/*
 * token.h - the tokenizer: what a token is, exactly.
 *
 * Input is valid UTF-8 (the reader guarantees it).  The text is lowercased
 * with Unicode simple case mappings (glibc's C.UTF-8 tables, whatever the
 * user's locale), then cut into tokens:
 *
 *  - a word: a maximal run of Unicode letters and digits, with the
 *    combining marks that follow them ("naïve", "Ж", "x86", "٣");
 *  - a CJK ideograph, hiragana or katakana character: one token each, since
 *    those scripts do not separate words by spaces;
 *  - any other visible character (punctuation, symbol, emoji): one token
 *    each ("$", "!", "€");
 *  - white space, control and invisible format characters (NBSP, zero-width
 *    space, soft hyphen, BOM) only separate tokens.
 *
 * So "Don't PANIC!!" gives "don", "'", "t", "panic", "!", "!".
 */
#ifndef NLP_TOKEN_H
#define NLP_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum nlp_tok_kind {
	NLP_TOK_WORD = 0,    /* letters, digits, marks */
	NLP_TOK_SINGLE = 1,  /* one punctuation/symbol/CJK character */
};

/*
 * A tokenized text.  Zero-initialize, reuse across calls (buffers grow and
 * are kept), release with nlp_tokens_release().  Token i is the bytes
 * text[off[i] .. off[i] + len[i]), lowercased UTF-8.
 */
struct nlp_tokens {
	char *text;          /* lowercased token bytes (and what separates
	                        them, or not: only the tokens are defined) */
	size_t text_cap;
	uint32_t *off, *len;
	uint8_t *kind;       /* enum nlp_tok_kind */
	size_t n, cap;
	uint64_t *mask;      /* scratch: which bytes are word characters */
	size_t mask_cap;
};

/*
 * Tokenize s[0..slen) into t (previous contents are dropped).  Returns 0,
 * or -1 when out of memory (t is then empty but still valid).  Texts over
 * 4 GiB are not supported; callers cap records far below that.
 */
int nlp_tokenize(const char *s, size_t slen, struct nlp_tokens *t);

/*
 * Would nlp_tokenize() find no token in s[0..n)?  1 for a text of white
 * space, control and invisible characters alone (NBSP, U+3000, ZWSP...),
 * or empty: a text with nothing to score, which predict and drift give
 * no prediction (the model's prior would count as one).  Stops at the
 * first character of a token: a text's first byte, most often.
 */
int nlp_text_tokenless(const char *s, size_t n);

/*
 * Load the Unicode tables (glibc's C.UTF-8) now and check them: NLP_OK,
 * or NLP_IO when they cannot be loaded (missing, or memory ran out:
 * tokenizing would otherwise go on without them and give other tokens
 * than on another machine).  A process calls it once at start-up;
 * nlp_tokenize() loads them itself when it was not called, and without
 * them leaves non-ASCII text as it is.
 */
int nlp_token_init(struct nlp_err *e);

void nlp_tokens_release(struct nlp_tokens *t);

/* Whether the non-ASCII code point cp is a letter or an ideograph, by the
 * C.UTF-8 tables nlp_tokenize() uses (1 for any when they are not
 * loaded): no digit, punctuation, symbol or emoji. */
int nlp_token_is_letter(uint32_t cp);

/* Whether code point cp separates words without being seen, as the
 * tokenizer has it: a space (in the C.UTF-8 tables), a control, or an
 * invisible format character (no-break space, soft hyphen, zero-width
 * spaces and joiners, bidi marks, word joiner, BOM). */
int nlp_token_is_blank(uint32_t cp);

/*
 * A 64-bit fingerprint of the token sequence (XXH3 of the tokens' bytes
 * and lengths): texts that differ only in case or in the white space and
 * invisible characters between words share it.  Used to spot evaluation
 * texts seen in training.  A text without a token gets 0, which the set
 * of seen texts never holds: an empty text tells nothing of the training
 * data (20 empty test texts were "seen" if training had one).
 */
uint64_t nlp_tokens_fingerprint(const struct nlp_tokens *t);

/* Decode one code point at s (valid UTF-8, n > 0 bytes left); sets *cp. */
size_t nlp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
