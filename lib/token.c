/*
 * token.c - Unicode-aware tokenization (see token.h for the definition).
 *
 * ASCII, which is most of most text, goes through a 128-entry class table;
 * other code points are decoded and classified with glibc's C.UTF-8
 * locale, which carries the full Unicode character classes and case
 * mappings regardless of the user's LC_ALL.
 */
#include "token.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wctype.h>

enum cls { SEP, WORD, SINGLE, MARK };

static locale_t utf8_locale;
static int locale_errno;        /* -1: the file is there, loading failed */
#define LOCALE_FILE "/usr/lib/locale/C.utf8/LC_CTYPE"
static pthread_once_t locale_once = PTHREAD_ONCE_INIT;

/* Load C.UTF-8 once; without it (not on Debian) non-ASCII stays as is. */
static void
load_locale(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8_locale == (locale_t)0)
		locale_errno = errno;
	/* glibc says ENOENT also when loading ran out of memory or a read
	 * failed: the file being there tells which */
	if (utf8_locale == (locale_t)0 && locale_errno == ENOENT &&
	    access(LOCALE_FILE, R_OK) == 0)
		locale_errno = -1;
}

int
nlp_token_init(struct nlp_err *e)
{
	pthread_once(&locale_once, load_locale);
	/* without it every token of non-ASCII text would differ from what
	 * another machine makes; and glibc reports a load that ran out of
	 * memory as a missing locale: either way, refuse */
	if (utf8_locale == (locale_t)0 && locale_errno == -1)
		return nlp_errf(e, NLP_IO, "cannot load the C.UTF-8 locale "
		    "(glibc's Unicode tables): '%s' is there, but loading it "
		    "failed (out of memory, or a read error)", LOCALE_FILE);
	if (utf8_locale == (locale_t)0)
		return nlp_errnof(e, NLP_IO, locale_errno ? locale_errno : ENOENT,
		    "cannot load the C.UTF-8 locale (glibc's Unicode tables)");
	return NLP_OK;
}

/* The class of an ASCII byte; and for each byte, its lowercase when it
 * is an ASCII word character, else 0 (the inner loop's one test). */
static unsigned char ascii_class[128];
static unsigned char word_lower[256];
static pthread_once_t ascii_once = PTHREAD_ONCE_INIT;

static void
init_ascii(void)
{
	int c;

	for (c = 0; c < 128; c++) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9')) {
			ascii_class[c] = WORD;
			word_lower[c] = (unsigned char)((c >= 'A' && c <= 'Z') ?
			    c + 32 : c);
		} else if (c <= ' ' || c == 0x7f)
			ascii_class[c] = SEP;
		else
			ascii_class[c] = SINGLE;
	}
}

/* Combining marks, which glibc files under punct: they extend a word. */
static int
is_mark(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x0483 && cp <= 0x0489) ||
	    (cp >= 0x0591 && cp <= 0x05c7) || (cp >= 0x0610 && cp <= 0x061a) ||
	    (cp >= 0x064b && cp <= 0x065f) || (cp >= 0x0900 && cp <= 0x0903) ||
	    (cp >= 0x093a && cp <= 0x094f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xfe20 && cp <= 0xfe2f);
}

/* Scripts written without spaces between words: one token per character. */
static int
is_cjk(uint32_t cp)
{
	return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0x20000 && cp <= 0x3ffff);
}

/* Invisible characters that only separate: NBSP, ZW*, bidi marks, BOM... */
static int
is_invisible(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad ||
	    (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
	    (cp >= 0x205f && cp <= 0x206f) || cp == 0xfeff || cp == 0x180e;
}

/* Classify a non-ASCII code point and lowercase it. */
static enum cls
classify(uint32_t cp, uint32_t *lower)
{
	*lower = cp;
	if (is_invisible(cp))
		return SEP;
	if (is_mark(cp))
		return MARK;
	if (is_cjk(cp))
		return SINGLE;
	if (utf8_locale == (locale_t)0)
		return WORD;
	if (iswspace_l((wint_t)cp, utf8_locale))
		return SEP;
	if (iswalnum_l((wint_t)cp, utf8_locale)) {
		*lower = (uint32_t)towlower_l((wint_t)cp, utf8_locale);
		return WORD;
	}
	if (!iswgraph_l((wint_t)cp, utf8_locale))
		return SEP;
	return SINGLE;
}

size_t
nlp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];

	if (c < 0x80 || n < 2) {
		*cp = c;
		return 1;
	}
	if (c < 0xe0) {
		*cp = ((uint32_t)(c & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (c < 0xf0 || n < 4) {
		if (n < 3) {
			*cp = c;
			return 1;
		}
		*cp = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		    (s[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
	    ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
	return 4;
}

/* Encode cp as UTF-8 into d; returns the number of bytes. */
static size_t
utf8_encode(uint32_t cp, char *d)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Make room for at least want tokens and textlen bytes. */
static int
reserve(struct nlp_tokens *t, size_t want, size_t textlen)
{
	if (textlen > t->text_cap) {
		char *p = realloc(t->text, textlen);
		if (p == NULL)
			return -1;
		t->text = p;
		t->text_cap = textlen;
	}
	if (want > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		uint32_t *off, *len;
		uint8_t *kind;

		while (cap < want)
			cap *= 2;
		if ((off = realloc(t->off, cap * sizeof *off)) == NULL)
			return -1;
		t->off = off;
		if ((len = realloc(t->len, cap * sizeof *len)) == NULL)
			return -1;
		t->len = len;
		if ((kind = realloc(t->kind, cap)) == NULL)
			return -1;
		t->kind = kind;
		t->cap = cap;
	}
	return 0;
}

int
nlp_tokenize(const char *s, size_t slen, struct nlp_tokens *t)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, out = 0;
	int inword = 0;

	pthread_once(&ascii_once, init_ascii);
	pthread_once(&locale_once, load_locale);
	t->n = 0;
	/*
	 * Lowercasing can grow a character (U+023A -> U+2C65: 2 -> 3 bytes),
	 * never beyond 3/2; a token per byte is the most there can be.
	 */
	if (reserve(t, slen + 1, slen + slen / 2 + 4) < 0) {
		t->n = 0;
		return -1;
	}
	while (i < slen) {
		unsigned char c = u[i];
		uint32_t cp, lower;
		enum cls k;
		size_t step;

		if (c < 0x80) {
			k = ascii_class[c];
			lower = (c >= 'A' && c <= 'Z') ? c + 32u : c;
			step = 1;
		} else {
			step = nlp_utf8_decode(u + i, slen - i, &cp);
			k = classify(cp, &lower);
		}
		i += step;
		if (k == MARK) {
			if (!inword)
				k = SINGLE;
			else
				k = WORD;
		}
		if (k == SEP) {
			inword = 0;
			continue;
		}
		if (k == SINGLE || !inword) {
			t->off[t->n] = (uint32_t)out;
			t->len[t->n] = 0;
			t->kind[t->n] = k == WORD ? NLP_TOK_WORD : NLP_TOK_SINGLE;
			t->n++;
		}
		if (lower < 0x80)
			t->text[out++] = (char)lower;
		else
			out += utf8_encode(lower, t->text + out);
		/* the rest of an ASCII word at once: the common case */
		if (k == WORD)
			while (i < slen && (c = word_lower[u[i]]) != 0) {
				t->text[out++] = (char)c;
				i++;
			}
		t->len[t->n - 1] = (uint32_t)(out - t->off[t->n - 1]);
		inword = k == WORD;
	}
	return 0;
}

void
nlp_tokens_release(struct nlp_tokens *t)
{
	free(t->text);
	free(t->off);
	free(t->len);
	free(t->kind);
	memset(t, 0, sizeof *t);
}

uint64_t
nlp_tokens_fingerprint(const struct nlp_tokens *t)
{
	XXH3_state_t st;
	size_t i;

	XXH3_64bits_reset(&st);
	for (i = 0; i < t->n; i++)
		XXH3_64bits_update(&st, t->text + t->off[i], (size_t)t->len[i] + 0);
	/* token boundaries: the lengths, so "ab" "c" differs from "a" "bc" */
	XXH3_64bits_update(&st, t->len, t->n * sizeof *t->len);
	return XXH3_64bits_digest(&st);
}
