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
 * rows) is escaped when shown to a person instead (cmd.h: cli_shown(),
 * cli_put_safe()).
 */
#ifndef NLP_TEXT_H
#define NLP_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* The length of the valid UTF-8 sequence at s[0..n) (n > 0) and its code
 * point in *cp, or 0 when the bytes there are not valid UTF-8. */
size_t nlp_utf8_char(const unsigned char *s, size_t n, uint32_t *cp);

/* Is cp a control character (C0, DEL, C1)? */
int nlp_is_control(uint32_t cp);

/* Is s[0..len) clean (see above)? */
int nlp_text_clean(const char *s, size_t len);

#endif
