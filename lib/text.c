/*
 * text.c - clean strings and their escaped forms (see text.h).
 */
#include "text.h"

#include <stdio.h>
#include <string.h>

size_t
nlp_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

int
nlp_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
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

size_t
nlp_text_safe_width(const char *s)
{
	const char *esc;
	size_t w = 0, len;
	char buf[8];

	for (; s != NULL && *s != '\0'; s += len) {
		esc = nlp_text_escape_char(s, buf, &len);
		w += esc != NULL ? strlen(esc) : len;
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
