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

size_t
nlp_text_escape(char *dst, size_t cap, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, k, need;
	char esc[8];
	uint32_t cp;
	int cut = 0;

	while (i < len) {
		k = nlp_utf8_char(u + i, len - i, &cp);
		if (k == 0 || nlp_is_control(cp)) {
			need = (size_t)(k > 1 ? snprintf(esc, sizeof esc, "\\u%04x",
			    (unsigned)cp) : snprintf(esc, sizeof esc, "\\x%02x",
			    u[i]));
			if (k == 0)
				k = 1;
		} else {
			need = k;
			memcpy(esc, u + i, k);
		}
		if (!cut && o + need < cap)
			memcpy(dst + o, esc, need);
		else if (!cut) {
			cut = 1;
			if (cap > 0)
				dst[o < cap ? o : cap - 1] = '\0';
		}
		o += need;
		i += k;
	}
	if (!cut && cap > 0)
		dst[o] = '\0';
	return o;
}
