/*
 * text.c - clean strings and their escaped forms (see text.h).
 */
#include "text.h"

#include <stdio.h>
#include <string.h>

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

int
nlp_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	int len, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return -1;
	if (c < 0xe0)
		len = 2;
	else if (c < 0xf0) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return -1;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

size_t
nlp_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const unsigned char mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	int len = nlp_utf8_seq(s, n), i;
	uint32_t v;

	if (len < 0)
		return 0;
	for (v = s[0] & mask[len], i = 1; i < len; i++)
		v = v << 6 | (s[i] & 0x3f);
	*cp = v;
	return (size_t)len;
}

/*
 * The fast path: eight ASCII bytes at a time (a zero or high-bit byte in
 * the word sets a high bit in (w - ONES) | w).
 */
size_t
nlp_utf8_clean(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t w, x;
	size_t i = 0;
	int k;

	while (i < n) {
		while (n - i >= 16) {
			memcpy(&w, u + i, 8);
			memcpy(&x, u + i + 8, 8);
			if ((((w - ONES) | w | (x - ONES) | x) & HIGHS) != 0)
				break;
			i += 16;
		}
		if (i == n || u[i] == 0)
			break;
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		/* two bytes (Latin, Greek, Cyrillic, Hebrew, Arabic...):
		 * nlp_utf8_seq()'s rule, inline */
		if (u[i] >= 0xc2 && u[i] < 0xe0 && n - i >= 2 &&
		    (u[i + 1] & 0xc0) == 0x80) {
			i += 2;
			continue;
		}
		if ((k = nlp_utf8_seq(u + i, n - i)) < 0)
			break;
		i += (size_t)k;
	}
	return i;
}

size_t
nlp_utf8_repair_into(const char *s, size_t n, char *dst, size_t cap,
    unsigned *flags)
{
	size_t i = 0, o = 0, k;

	for (;;) {
		k = nlp_utf8_clean(s + i, n - i);
		if (k > cap - o) {
			k = cap - o;
			while (k > 0 && ((unsigned char)s[i + k] & 0xc0) == 0x80)
				k--;
			memcpy(dst + o, s + i, k);
			*flags |= NLP_UTF8_CUT;
			return o + k;
		}
		memcpy(dst + o, s + i, k);
		o += k;
		i += k;
		if (i == n)
			return o;
		if (s[i] == '\0') {
			if (o == cap)
				break;
			dst[o++] = ' ';
			*flags |= NLP_UTF8_NUL;
			i++;
			continue;
		}
		if (cap - o < 3)
			break;
		memcpy(dst + o, "\xef\xbf\xbd", 3);
		o += 3;
		i += (size_t)-nlp_utf8_seq((const unsigned char *)s + i, n - i);
		*flags |= NLP_UTF8_BAD;
	}
	*flags |= NLP_UTF8_CUT;
	return o;
}

int
nlp_is_control(uint32_t cp)
{
	/* and the bidirectional embeddings, overrides and isolates, which
	   reorder what a terminal shows (a reason that reads backwards) */
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int
nlp_text_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;

	while (i < len) {
		if ((k = nlp_utf8_char(u + i, len - i, &cp)) == 0 ||
		    nlp_is_control(cp))
			return 0;
		i += k;
	}
	return 1;
}

const char *
nlp_text_escape_char(const char *s, char buf[8], size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;

	/* at most 4 bytes are looked at, none past the NUL */
	*len = nlp_utf8_char(u, strnlen(s, 4), &cp);
	if (*len == 0) {
		*len = 1;
		snprintf(buf, 8, "\\x%02x", u[0]);
		return buf;
	}
	if (!nlp_is_control(cp))
		return NULL;
	snprintf(buf, 8, *len == 1 ? "\\x%02x" : "\\u%04x", (unsigned)cp);
	return buf;
}

char *
nlp_text_escape_into(const char *s, char *dst, size_t cap)
{
	size_t len, k, at = 0;
	const char *esc;
	char buf[8];

	for (; cap > 0 && *s != '\0'; s += len) {
		esc = nlp_text_escape_char(s, buf, &len);
		k = esc != NULL ? strlen(esc) : len;
		if (at + k >= cap)
			break;
		memcpy(dst + at, esc != NULL ? esc : s, k);
		at += k;
	}
	if (cap > 0)
		dst[at] = '\0';
	return dst;
}

/* The columns a terminal gives code point cp: 0 for a combining mark,
 * 2 for the East Asian wide and full-width ranges, else 1 (a table of
 * the main ranges, not wcwidth(), which depends on the locale). */
static size_t
columns_of(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f) || cp == 0x200b || cp == 0x200d)
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
	    (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
	    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
	    (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

size_t
nlp_text_safe_width(const char *s)
{
	const char *esc;
	size_t w = 0, len;
	uint32_t cp = 0;
	char buf[8];

	for (; s != NULL && *s != '\0'; s += len) {
		esc = nlp_text_escape_char(s, buf, &len);
		if (esc != NULL)
			w += strlen(esc);
		else if (len == 1)
			w++;
		else if (nlp_utf8_char((const unsigned char *)s, len, &cp) ==
		    len)
			w += columns_of(cp);
		else
			w += len;
	}
	return w;
}

int
nlp_text_put_safe(FILE *out, const char *s, int width)
{
	const char *esc;
	size_t w = nlp_text_safe_width(s), len;
	char buf[8];

	for (; width > 0 && (size_t)width > w; width--)
		if (fputc(' ', out) == EOF)
			return EOF;
	for (; s != NULL && *s != '\0'; s += len) {
		if ((esc = nlp_text_escape_char(s, buf, &len)) != NULL) {
			if (fputs(esc, out) == EOF)
				return EOF;
		} else if (fwrite(s, 1, len, out) != len) {
			return EOF;
		}
	}
	return 0;
}

size_t
nlp_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	/* back to the first byte of the character that would be split */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

size_t
nlp_text_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t rows[3][NLP_DISTANCE_MAX + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;

	if (la > NLP_DISTANCE_MAX || lb > NLP_DISTANCE_MAX)
		return NLP_DISTANCE_FAR;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
		t = prev2, prev2 = prev, prev = cur, cur = t;
	}
	return prev[lb];
}

/* C1 is U+0080 to U+009F, UTF-8 C2 80 to C2 9F. */
const char *
nlp_text_label_fault(const char *s, size_t n, char *buf, size_t size)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned cp = 0;
	size_t i;

	for (i = 0; i < n && cp == 0; i++)
		if (u[i] < 0x20 || u[i] == 0x7f)
			cp = u[i] + 0x100;
	if (cp == 0 && nlp_utf8_clean(s, n) != n)
		return "label with invalid UTF-8";
	/* valid UTF-8 now: C2 is followed by one byte, 80..BF */
	for (i = 0; i + 1 < n && cp == 0; i++)
		if (u[i] == 0xc2 && u[i + 1] <= 0x9f)
			cp = u[i + 1] + 0x100;
	if (cp == 0)
		return NULL;
	snprintf(buf, size, "label with a control character (U+%04X)",
	    cp - 0x100);
	return buf;
}

int
nlp_text_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' &&
		    s[i] != '\v')
			return 0;
	return 1;
}

int
nlp_hex_digit(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The value of 4 hex digits at s (n bytes there), or -1. */
static long
hex4(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int d = nlp_hex_digit((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * The escapes of lone UTF-16 surrogates (a \ud800 without its low half
 * after it, or a low half alone) turned into \ufffd, in place and the
 * same length: jansson refuses them, and a writer such as Python's
 * json.dumps of a broken string makes them.  Like invalid UTF-8, they
 * are repaired and counted (the record's flag), not a record lost.
 * Returns how many were.
 */
size_t
nlp_json_lone_surrogates(char *s, size_t n)
{
	size_t i = 0, fixed = 0;
	long u, v;

	while (i + 1 < n) {
		if (s[i] != '\\') {
			i++;
			continue;
		}
		if (s[i + 1] != 'u' || (u = hex4(s + i + 2, n - i - 2)) < 0) {
			i += 2;             /* \" \\ \n ...: one escape */
			continue;
		}
		if (u >= 0xd800 && u <= 0xdbff && i + 12 <= n &&
		    s[i + 6] == '\\' && s[i + 7] == 'u' &&
		    (v = hex4(s + i + 8, n - i - 8)) >= 0xdc00 && v <= 0xdfff) {
			i += 12;            /* a pair: one character */
			continue;
		}
		if (u >= 0xd800 && u <= 0xdfff) {
			memcpy(s + i + 2, "fffd", 4);
			fixed++;
		}
		i += 6;
	}
	return fixed;
}
