/*
 * token.c - Unicode-aware tokenization (see token.h for the definition).
 *
 * ASCII, which is most of most text, goes 64 bytes at a time (bit masks
 * of which bytes are word characters: ascii_run()), or where a block has
 * other bytes through a 128-entry class table; other code points are
 * decoded and classified with glibc's C.UTF-8 (those below U+10000 once,
 * into a table, a page at a time: classify_fast())
 * locale, which carries the full Unicode character classes and case
 * mappings regardless of the user's LC_ALL.
 */
#include "token.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdatomic.h>
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

int
nlp_token_is_blank(uint32_t cp)
{
	pthread_once(&locale_once, load_locale);
	return is_invisible(cp) || (utf8_locale != (locale_t)0 &&
	    iswspace_l((wint_t)cp, utf8_locale));
}

int
nlp_token_is_letter(uint32_t cp)
{
	pthread_once(&locale_once, load_locale);
	return utf8_locale == (locale_t)0 || iswalpha_l((wint_t)cp,
	    utf8_locale);
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

/*
 * classify()'s answers for the code points below U+10000 (two and three
 * bytes of UTF-8: accented Latin, Greek, Cyrillic, Hebrew, Arabic,
 * Devanagari, Thai, Hangul...), worked out a page of 256 at a time, the
 * first time a text has one of the page's: glibc's wide-character
 * functions cost three or four calls a character.  A page is filled under
 * the lock and then marked ready (release); a reader that sees the mark
 * (acquire) sees the page.
 */
#define TABLE_MAX 0x10000
#define PAGE 256
static unsigned char cp_class[TABLE_MAX];
static uint32_t cp_lower[TABLE_MAX];
static atomic_uchar page_ready[TABLE_MAX / PAGE];
static pthread_mutex_t page_lock = PTHREAD_MUTEX_INITIALIZER;

static void
fill_page(uint32_t page)
{
	uint32_t cp;

	pthread_mutex_lock(&page_lock);
	if (!atomic_load_explicit(&page_ready[page], memory_order_relaxed)) {
		for (cp = page * PAGE; cp < (page + 1) * PAGE; cp++)
			cp_class[cp] = (unsigned char)classify(cp, &cp_lower[cp]);
		atomic_store_explicit(&page_ready[page], 1, memory_order_release);
	}
	pthread_mutex_unlock(&page_lock);
}

/* classify(cp), from the table below U+10000 (the locale is loaded). */
static inline enum cls
classify_fast(uint32_t cp, uint32_t *lower)
{
	if (cp >= TABLE_MAX)
		return classify(cp, lower);
	if (!atomic_load_explicit(&page_ready[cp / PAGE], memory_order_acquire))
		fill_page(cp / PAGE);
	*lower = cp_lower[cp];
	return (enum cls)cp_class[cp];
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

int
nlp_text_tokenless(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp, lower;
	size_t i = 0;

	pthread_once(&ascii_once, init_ascii);
	while (i < n) {
		if (u[i] < 0x80) {
			if (ascii_class[u[i++]] != SEP)
				return 0;
			continue;
		}
		pthread_once(&locale_once, load_locale);
		i += nlp_utf8_decode(u + i, n - i, &cp);
		if (classify_fast(cp, &lower) != SEP)
			return 0;
	}
	return 1;
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

/* Make room for at least want words of bit masks. */
static int
reserve_masks(struct nlp_tokens *t, size_t want)
{
	uint64_t *m;
	size_t cap = t->mask_cap ? t->mask_cap : 64;

	if (want <= t->mask_cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if ((m = realloc(t->mask, cap * sizeof *m)) == NULL)
		return -1;
	t->mask = m;
	t->mask_cap = cap;
	return 0;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* The high bit of each byte of x (ASCII bytes, high bits clear) that is
 * at least lo / more than hi: the sums never carry into the next byte. */
#define AT_LEAST(x, lo) (((x) + (0x80 - (lo)) * ONES) & HIGHS)
#define MORE_THAN(x, hi) (((x) + (0x7f - (hi)) * ONES) & HIGHS)

/*
 * Copy the ASCII word characters at u + *i, lowercased, to text + *out,
 * and advance both past them.  Eight bytes at a time where eight are
 * left: which are letters or digits, and the letters' lowercase bit
 * (0x20), come from a few operations on the 64-bit word (text has room:
 * nlp_tokenize() reserves 8 bytes more than it can fill).
 */
static inline void
word_run(const unsigned char *u, size_t slen, size_t *i, char *text,
    size_t *out)
{
	size_t a = *i, b = *out;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (a + 8 <= slen) {
		uint64_t w, x, y, letter, word, stop;

		memcpy(&w, u + a, 8);
		x = w & ~HIGHS;
		y = x | 0x20 * ONES;     /* a capital's lowercase */
		letter = AT_LEAST(y, 'a') & ~MORE_THAN(y, 'z');
		word = letter | (AT_LEAST(x, '0') & ~MORE_THAN(x, '9'));
		word &= ~w;      /* and not a byte of a multibyte character */
		w |= letter >> 2; /* 0x80 >> 2: the lowercase bit, 0x20 */
		memcpy(text + b, &w, 8);
		if ((stop = ~word & HIGHS) != 0) {
			size_t k = (size_t)__builtin_ctzll(stop) / 8;
			*i = a + k;
			*out = b + k;
			return;
		}
		a += 8;
		b += 8;
	}
#endif
	while (a < slen && word_lower[u[a]] != 0)
		text[b++] = (char)word_lower[u[a++]];
	*i = a;
	*out = b;
}

/*
 * The fast path, for blocks of 64 bytes all ASCII (most text): a pass over
 * the blocks makes two bit masks per block, which bytes are word
 * characters and which are punctuation (a token each), and the lowercased
 * copy, all at once (SSE2, part of every x86-64; elsewhere a byte at a
 * time); the tokens then come from the masks' bits, a word's start where a
 * run of word bits begins and its length from the run's end, without a
 * branch per byte.  A token stays at its place in the copy (separators
 * are left in it, where nothing reads them).  The unit test
 * blocks_of_ascii_cut_as_the_reference_with_other_text_anywhere checks
 * both builds of block_masks() against a reference.
 */
#define BLOCK 64

/* The masks of one block of BLOCK bytes at u, all ASCII, its lowercase
 * copy at d; returns the bytes' high bits (non-zero: not ASCII after all). */
#if defined(__x86_64__) && defined(__SSE2__) && !defined(NLP_TOKEN_PORTABLE)
#include <emmintrin.h>

static inline uint64_t
block_masks(const unsigned char *u, char *d, uint64_t *word, uint64_t *single)
{
	const __m128i bit5 = _mm_set1_epi8(0x20);
	uint64_t w = 0, p = 0, high = 0;
	int k;

	for (k = 0; k < BLOCK; k += 16) {
		__m128i c = _mm_loadu_si128((const __m128i *)(const void *)(u + k));
		__m128i lo = _mm_or_si128(c, bit5);
		/* in range by a signed compare: the range moved to -128 up */
		__m128i letter = _mm_cmplt_epi8(_mm_add_epi8(lo,
		    _mm_set1_epi8((char)(0x80 - 'a'))), _mm_set1_epi8(-128 + 26));
		__m128i digit = _mm_cmplt_epi8(_mm_add_epi8(c,
		    _mm_set1_epi8((char)(0x80 - '0'))), _mm_set1_epi8(-128 + 10));
		__m128i wd = _mm_or_si128(letter, digit);
		/* a capital: a letter without bit 5 */
		__m128i upper = _mm_andnot_si128(_mm_cmpeq_epi8(c, lo), letter);
		/* visible: above the space, below DEL (and ASCII: signed) */
		__m128i vis = _mm_andnot_si128(_mm_cmpeq_epi8(c,
		    _mm_set1_epi8(0x7f)), _mm_cmpgt_epi8(c, bit5));

		_mm_storeu_si128((__m128i *)(void *)(d + k),
		    _mm_or_si128(c, _mm_and_si128(upper, bit5)));
		w |= (uint64_t)(uint32_t)_mm_movemask_epi8(wd) << k;
		p |= (uint64_t)(uint32_t)_mm_movemask_epi8(
		    _mm_andnot_si128(wd, vis)) << k;
		high |= (uint64_t)(uint32_t)_mm_movemask_epi8(c) << k;
	}
	*word = w;
	*single = p;
	return high;
}
#else
static inline uint64_t
block_masks(const unsigned char *u, char *d, uint64_t *word, uint64_t *single)
{
	uint64_t w = 0, p = 0, high = 0;
	int k;

	for (k = 0; k < BLOCK; k++) {
		unsigned c = u[k], lw = word_lower[c];
		high |= (uint64_t)(c >> 7) << k;
		w |= (uint64_t)(lw != 0) << k;
		p |= (uint64_t)(c < 0x80 && ascii_class[c] == SINGLE) << k;
		d[k] = (char)(lw != 0 ? lw : c);
	}
	*word = w;
	*single = p;
	return high;
}
#endif

/*
 * Tokenize the text at u + i as ASCII, token n on, its copy at text + *out
 * on, up to the end (slen) or up to the first block with a byte that is
 * not ASCII.  Returns where it stopped: slen, or a place where no token
 * goes on across (the start of that block, or of the word that runs into
 * it), from where the general path takes over; *out and *n moved on.
 */
static size_t
ascii_run(const unsigned char *u, size_t i, size_t slen,
    struct nlp_tokens *t, size_t *out, size_t *n)
{
	size_t nb = (slen - i + BLOCK - 1) / BLOCK, k, stop, j = *n;
	unsigned char tail[BLOCK];
	uint64_t *m = t->mask;
	char *d = t->text + *out;
	uint32_t base = (uint32_t)*out, *off = t->off, *lens = t->len;
	uint8_t *kind = t->kind;   /* in locals: stores through a byte
	                              pointer may change t's, for all the
	                              compiler knows */
	int cross = 0;

	/* the masks, word and punctuation by turns, up to the end or the
	 * first block that is not ASCII, which counts as white space: after
	 * it a pair of zeros, so that a word's run always ends */
	for (k = 0; k < nb; k++) {
		const unsigned char *b = u + i + k * BLOCK;
		if (i + k * BLOCK + BLOCK > slen) {      /* the last, short block */
			memset(tail, ' ', sizeof tail);
			memcpy(tail, b, slen - i - k * BLOCK);
			b = tail;
		}
		if (block_masks(b, d + k * BLOCK, &m[2 * k], &m[2 * k + 1]) != 0) {
			cross = k > 0 && m[2 * k - 2] >> 63 != 0;
			break;
		}
	}
	stop = k < nb ? i + k * BLOCK : slen;
	nb = k;
	m[2 * nb] = m[2 * nb + 1] = 0;
	for (k = 0; k < nb; k++) {
		uint64_t w = m[2 * k], prev = k > 0 ? m[2 * k - 2] >> 63 : 0;
		uint64_t start = m[2 * k + 1] | (w & ~(w << 1 | prev));

		while (start != 0) {
			unsigned p = (unsigned)__builtin_ctzll(start);
			unsigned single = (unsigned)(m[2 * k + 1] >> p) & 1;
			uint64_t rest = ~w >> p;
			size_t len, q;

			start &= start - 1;
			off[j] = base + (uint32_t)(k * BLOCK + p);
			/* the run of word bits from p, into the next
			 * blocks if it reaches this one's end; none for a
			 * punctuation mark (its word bit is 0), whose
			 * length is then 1: without a branch, for a text's
			 * marks and words come in no order the CPU could
			 * guess */
			if (rest != 0)
				len = (size_t)__builtin_ctzll(rest);
			else {
				len = BLOCK - p;
				for (q = k + 1; m[2 * q] == ~(uint64_t)0; q++)
					len += BLOCK;
				len += (size_t)__builtin_ctzll(~m[2 * q]);
			}
			lens[j] = (uint32_t)len | single;
			kind[j++] = single ? NLP_TOK_SINGLE : NLP_TOK_WORD;
		}
	}
	/* a word that runs into the block not ASCII: the general path's */
	if (cross) {
		j--;
		stop = i + (off[j] - base);
	}
	*out += stop - i;
	*n = j;
	return stop;
}

int
nlp_tokenize(const char *s, size_t slen, struct nlp_tokens *t)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, out = 0, n = 0, resume;
	char *text;
	uint32_t *off, *len;
	uint8_t *kind;
	int inword = 0;

	pthread_once(&ascii_once, init_ascii);
	pthread_once(&locale_once, load_locale);
	t->n = 0;
	/*
	 * Lowercasing can grow a character (U+023A -> U+2C65: 2 -> 3 bytes),
	 * never beyond 3/2; a token per byte is the most there can be; and
	 * the ASCII path writes whole blocks.  Its masks: a pair a block.
	 */
	if (reserve(t, slen + 1, slen + slen / 2 + BLOCK + 8) < 0 ||
	    reserve_masks(t, 2 * (slen / BLOCK) + 4) < 0)
		return -1;
	/* in locals: a store through the char pointer text could alias t's
	 * fields, and the compiler would reload them at every byte */
	text = t->text;
	off = t->off;
	len = t->len;
	kind = t->kind;
	/* blocks of ASCII on the fast path; a block that is not, from the
	 * start of its first token on, here, until a token ends past it */
	resume = 0;
	while (i < slen) {
		unsigned char c = u[i];
		uint32_t cp, lower;
		enum cls k;

		if (i >= resume && !inword) {
			i = ascii_run(u, i, slen, t, &out, &n);
			resume = i + BLOCK;
			continue;
		}

		/* ASCII, most of most text: a word's run of bytes at once,
		 * a separator or a punctuation mark in a step */
		if (c < 0x80) {
			k = ascii_class[c];
			if (k == SEP) {
				inword = 0;
				i++;
				continue;
			}
			if (k == SINGLE) {
				off[n] = (uint32_t)out;
				len[n] = 1;
				kind[n++] = NLP_TOK_SINGLE;
				text[out++] = (char)c;
				inword = 0;
				i++;
				continue;
			}
			if (!inword) {
				off[n] = (uint32_t)out;
				kind[n++] = NLP_TOK_WORD;
			}
			word_run(u, slen, &i, text, &out);
			len[n - 1] = (uint32_t)(out - off[n - 1]);
			inword = 1;
			continue;
		}
		i += nlp_utf8_decode(u + i, slen - i, &cp);
		k = classify_fast(cp, &lower);
		if (k == MARK)
			k = inword ? WORD : SINGLE;
		if (k == SEP) {
			inword = 0;
			continue;
		}
		if (k == SINGLE || !inword) {
			off[n] = (uint32_t)out;
			kind[n++] = k == WORD ? NLP_TOK_WORD : NLP_TOK_SINGLE;
		}
		out += utf8_encode(lower, text + out);
		len[n - 1] = (uint32_t)(out - off[n - 1]);
		inword = k == WORD;
	}
	t->n = n;
	return 0;
}

void
nlp_tokens_release(struct nlp_tokens *t)
{
	free(t->text);
	free(t->off);
	free(t->len);
	free(t->kind);
	free(t->mask);
	memset(t, 0, sizeof *t);
}

uint64_t
nlp_tokens_fingerprint(const struct nlp_tokens *t)
{
	XXH3_state_t st;
	size_t i;

	if (t->n == 0)      /* no text: nothing seen, whatever was trained */
		return 0;
	XXH3_64bits_reset(&st);
	for (i = 0; i < t->n; i++)
		XXH3_64bits_update(&st, t->text + t->off[i], (size_t)t->len[i] + 0);
	/* token boundaries: the lengths, so "ab" "c" differs from "a" "bc" */
	XXH3_64bits_update(&st, t->len, t->n * sizeof *t->len);
	return XXH3_64bits_digest(&st);
}
