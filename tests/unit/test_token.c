/*
 * test_token.c - the tokenizer's definition of a token, and the features
 * built on it (n-grams, char n-grams, hashing into buckets, TF-IDF).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "features.h"
#include "text.h"
#include "token.h"
#include "leak_test.h"

static struct nlp_tokens tok;

static void
release(void)
{
	nlp_tokens_release(&tok);
}

/* Tokenize s and compare with the expected tokens joined by '|'. */
static void
expect_tokens(const char *s, const char *want)
{
	char got[1024] = "";
	size_t i, n = 0;

	cr_assert_eq(nlp_tokenize(s, strlen(s), &tok), 0);
	for (i = 0; i < tok.n; i++) {
		if (i > 0)
			got[n++] = '|';
		memcpy(got + n, tok.text + tok.off[i], tok.len[i]);
		n += tok.len[i];
	}
	got[n] = '\0';
	cr_assert_str_eq(got, want, "tokens of \"%s\"", s);
}

TestSuite(token, .fini = release);

LEAK_TEST_FINI(token, ascii_words_are_lowercased_and_punctuation_stands_alone, release)
{
	expect_tokens("Don't PANIC!!", "don|'|t|panic|!|!");
	expect_tokens("  x86_64 costs $5.99\t", "x86|_|64|costs|$|5|.|99");
}

LEAK_TEST_FINI(token, empty_and_blank_texts_have_no_tokens, release)
{
	expect_tokens("", "");
	expect_tokens(" \t \r ", "");
}

LEAK_TEST_FINI(token, unicode_letters_are_lowercased, release)
{
	expect_tokens("ÉCOLE Straße ЖУК", "école|straße|жук");
	expect_tokens("İstanbul", "istanbul");
}

/* Characters below U+10000 come from a table made a page at a time from
 * the same Unicode functions: Greek, Cyrillic, Hebrew with its points,
 * Arabic, Latin ligatures and letters, Devanagari with its signs, Hangul,
 * Thai, full-width forms, and their punctuation. */
LEAK_TEST_FINI(token, scripts_below_u10000_are_cut_and_lowercased, release)
{
	expect_tokens("ΑΘΗΝΑ Москва, ЁЖИК; Ελλάδα; שָׁלוֹם مرحبا، Ǆemal ÆØÅ "
	    "Ωμέγα·x", "αθηνα|москва|,|ёжик|;|ελλάδα|;|שָׁלוֹם|مرحبا|،|ǆemal|"
	    "æøå|ωμέγα|·|x");
	expect_tokens("नमस्ते दुनिया। 한국어 텍스트 สวัสดี ＡＢＣ１２ …—x",
	    "नमस्ते|दुनिया|।|한국어|텍스트|สวัสดี|ａｂｃ１２|…|—|x");
}

LEAK_TEST_FINI(token, combining_marks_stay_in_their_word, release)
{
	/* "e" + U+0301 COMBINING ACUTE */
	expect_tokens("cafe\xcc\x81 ok", "cafe\xcc\x81|ok");
}

LEAK_TEST_FINI(token, cjk_characters_are_one_token_each, release)
{
	expect_tokens("中文abc", "中|文|abc");
	expect_tokens("ひらがな", "ひ|ら|が|な");
}

LEAK_TEST_FINI(token, invisible_characters_separate, release)
{
	/* NBSP, zero-width space, BOM */
	expect_tokens("a\xc2\xa0" "b\xe2\x80\x8b" "c\xef\xbb\xbf" "d", "a|b|c|d");
}

LEAK_TEST_FINI(token, symbols_and_emoji_are_single_tokens, release)
{
	expect_tokens("price€ 😀ok", "price|€|😀|ok");
}

LEAK_TEST_FINI(token, arabic_digits_are_word_characters, release)
{
	expect_tokens("٣٤ x", "٣٤|x");
}

/*
 * Long ASCII words go eight bytes at a time: every ASCII byte, at every
 * place in and around such a word, cuts and lowercases as a byte at a
 * time would (the reference: letters and digits make words, lowercased;
 * space, controls and DEL separate; anything else stands alone).
 */
LEAK_TEST_FINI(token, every_ascii_byte_anywhere_in_a_long_word, release)
{
	const char *base = "AbCdEfGhIjKlMnOpQrStUvWxYz0123";
	char s[64], want[160];
	int c;
	size_t p, i, n;

	for (c = 1; c < 128; c++)
		for (p = 0; p < strlen(base); p++) {
			int inword = 0;

			memcpy(s, base, strlen(base) + 1);
			s[p] = (char)c;
			n = 0;
			for (i = 0; s[i] != '\0'; i++) {
				unsigned char b = (unsigned char)s[i];
				int word = (b >= '0' && b <= '9') ||
				    (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
				if (b <= ' ' || b == 0x7f) {
					inword = 0;
					continue;
				}
				if (n > 0 && !(word && inword))
					want[n++] = '|';
				want[n++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
				inword = word;
			}
			want[n] = '\0';
			expect_tokens(s, want);
		}
	/* a multibyte letter ends the eight-byte run, not the word */
	expect_tokens("ABCDEFGH\xc3\x89IJKLMNOPQRS t", "abcdefgh\xc3\xa9ijklmnopqrs|t");
	expect_tokens("abcdefg\xe2\x82\xac" "abcdefghij", "abcdefg|\xe2\x82\xac|abcdefghij");
}

/*
 * ASCII goes in blocks of 64 bytes (bit masks of which bytes are word
 * characters); a block with a byte that is not ASCII goes the general
 * way, from the start of the word that runs into it, and the blocks after
 * it the fast way again.  Random texts of ASCII bytes, long words across
 * blocks and a few other characters anywhere cut as the reference does
 * (tokens joined by \x01, which never is in one).
 */
/* The tokenizer as built where there is no SSE2 (block masks a byte at a
 * time): the same source, its functions under other names. */
#define NLP_TOKEN_PORTABLE
#define nlp_tokenize portable_tokenize
#define nlp_token_init portable_token_init
#define nlp_tokens_release portable_tokens_release
#define nlp_tokens_fingerprint portable_tokens_fingerprint
#define nlp_utf8_decode portable_utf8_decode
#define nlp_text_tokenless portable_text_tokenless
#define nlp_token_is_letter portable_token_is_letter
#define nlp_token_is_blank portable_token_is_blank
#include "../../lib/token.c"
#undef nlp_tokenize
#undef nlp_token_init
#undef nlp_tokens_release
#undef nlp_tokens_fingerprint
#undef nlp_utf8_decode
#undef nlp_text_tokenless
#undef nlp_token_is_letter
#undef nlp_token_is_blank

struct piece {
	const char *s;           /* the bytes */
	const char *lower;       /* in a token, lowercased */
	int cls;                 /* 0 separates, 1 word, 2 alone, 3 a mark */
};

static const struct piece others[] = {
	{ "\xc3\x89", "\xc3\xa9", 1 },          /* É */
	{ "\xc3\xa9", "\xc3\xa9", 1 },          /* é */
	{ "\xe4\xb8\xad", "\xe4\xb8\xad", 2 },  /* 中 */
	{ "\xe2\x82\xac", "\xe2\x82\xac", 2 },  /* € */
	{ "\xc2\xa0", "", 0 },                  /* NBSP */
	{ "\xcc\x81", "\xcc\x81", 3 },          /* combining acute */
	{ "\xc8\xba", "\xe2\xb1\xa5", 1 },      /* Ⱥ, whose lowercase is longer */
};

LEAK_TEST_FINI(token, blocks_of_ascii_cut_as_the_reference_with_other_text_anywhere,
    release)
{
	static const char *ways[] = { "this build", "the portable build" };
	static char s[4096], want[8192], got[8192];
	uint64_t r = 42;
	int iter, way;

	for (iter = 0; iter < 4000; iter++) {
		size_t n = 0, w = 0, g = 0, i, target;
		int inword = 0, any = 0, mix = iter % 3;

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		target = (size_t)(r >> 33) % 700;
		while (n < target) {
			struct piece one;
			char b[2], raw[2];
			unsigned x;

			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			x = (unsigned)(r >> 33);
			if (mix > 0 && x % (mix == 1 ? 9 : 300) == 0)
				one = others[(x >> 8) % (sizeof others / sizeof *others)];
			else if (x % 23 == 0) {         /* a long word */
				size_t k, len = (x >> 8) % 150;
				for (k = 0; k < len && n < sizeof s - 8; k++) {
					unsigned char c = (unsigned char)("aK0q"[k % 4] +
					    (k / 4) % 10);
					s[n++] = (char)c;
					if (!inword && any)
						want[w++] = '\x01';
					want[w++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
					inword = any = 1;
				}
				continue;
			} else {
				unsigned char c = (unsigned char)(1 + (x >> 8) % 127);
				int word = (c >= '0' && c <= '9') ||
				    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
				raw[0] = (char)c;
				b[0] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
				raw[1] = b[1] = '\0';
				one.s = raw;
				one.lower = b;
				one.cls = c <= ' ' || c == 0x7f ? 0 : word ? 1 : 2;
			}
			memcpy(s + n, one.s, strlen(one.s));
			n += strlen(one.s);
			if (one.cls == 3)                /* a mark: its word's */
				one.cls = inword ? 1 : 2;
			if (one.cls == 0) {
				inword = 0;
				continue;
			}
			if (any && !(one.cls == 1 && inword))
				want[w++] = '\x01';
			memcpy(want + w, one.lower, strlen(one.lower));
			w += strlen(one.lower);
			inword = one.cls == 1;
			any = 1;
		}
		for (way = 0; way < 2; way++) {
			cr_assert_eq((way == 0 ? nlp_tokenize :
			    portable_tokenize)(s, n, &tok), 0);
			for (i = g = 0; i < tok.n; i++) {
				if (i > 0)
					got[g++] = '\x01';
				memcpy(got + g, tok.text + tok.off[i], tok.len[i]);
				g += tok.len[i];
			}
			cr_assert_eq(g, w, "text %d, %s: %zu bytes of tokens, "
			    "want %zu", iter, ways[way], g, w);
			cr_assert(memcmp(got, want, w) == 0, "text %d, %s: other "
			    "tokens", iter, ways[way]);
		}
	}
}

static struct nlp_featurizer feat;

static void
release_feat(void)
{
	nlp_featurizer_release(&feat);
}

TestSuite(features, .fini = release_feat);

static size_t
nfeatures(const struct nlp_feat_opts *o, const char *s)
{
	size_t i, total = 0;

	cr_assert_eq(nlp_featurize(&feat, o, s, strlen(s)), 0);
	for (i = 0; i < feat.nkey; i++)
		total += feat.tf[i];
	return total;
}

LEAK_TEST_FINI(features, counts_unigrams_and_word_ngrams, release_feat)
{
	struct nlp_feat_opts o = { .ngrams = 1, .bits = 24, .seed = 7 };

	cr_assert_eq(nfeatures(&o, "a b c d"), 4);
	o.ngrams = 2;
	cr_assert_eq(nfeatures(&o, "a b c d"), 4 + 3);
	o.ngrams = 3;
	cr_assert_eq(nfeatures(&o, "a b c d"), 4 + 3 + 2);
}

LEAK_TEST_FINI(features, char_ngrams_wrap_each_word, release_feat)
{
	struct nlp_feat_opts o = { .ngrams = 1, .bits = 24, .seed = 7,
	    .char_min = 3, .char_max = 3 };

	/* "<ab>": 4 code points, 2 trigrams; plus the word itself */
	cr_assert_eq(nfeatures(&o, "ab"), 1 + 2);
	/* "<é>" is 3 code points: one trigram */
	cr_assert_eq(nfeatures(&o, "é"), 1 + 1);
}

LEAK_TEST_FINI(features, repeated_tokens_share_a_bucket_with_their_count, release_feat)
{
	struct nlp_feat_opts o = { .ngrams = 1, .bits = 24, .seed = 7 };

	nfeatures(&o, "spam Spam SPAM");
	cr_assert_eq(feat.nkey, 1);
	cr_assert_eq(feat.tf[0], 3);
}

LEAK_TEST_FINI(features, buckets_are_sorted_and_within_the_hash_space, release_feat)
{
	struct nlp_feat_opts o = { .ngrams = 2, .bits = 10, .seed = 7 };
	size_t i;

	nfeatures(&o, "the quick brown fox jumps over the lazy dog again and again");
	for (i = 0; i < feat.nkey; i++) {
		cr_assert_lt(feat.key[i], 1u << 10);
		if (i > 0)
			cr_assert_gt(feat.key[i], feat.key[i - 1]);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* nwords words "<p>w<k>" (k from a small LCG over vocab words, p the
 * first k % 15 letters of the alphabet: words of 2 to 24 bytes, which
 * XXH3 hashes each length class its own way), their unigram and bigram
 * buckets of `bits` bits counted by qsort -- the oracle -- against what
 * nlp_featurize() gives. */
static void
check_counts(size_t nwords, unsigned vocab, unsigned bits)
{
	struct nlp_feat_opts o = { .ngrams = 2, .bits = bits, .seed = 5 };
	char *text = malloc(nwords * 26 + 1), *p = text;
	uint64_t *h = malloc((nwords + 1) * sizeof *h);
	uint32_t *want = malloc((2 * nwords + 1) * sizeof *want), x = 12345;
	size_t i, nw = 0, k = 0;

	cr_assert(text != NULL && h != NULL && want != NULL);
	*p = '\0';
	for (i = 0; i < nwords; i++) {
		unsigned w;
		int len;

		x = x * 1103515245u + 12345u;
		w = (x >> 8) % vocab;
		len = sprintf(p, "%s%.*sw%u", i ? " " : "", (int)(w % 15),
		    "abcdefghijklmno", w);
		h[i] = nlp_xxh64(p + (i ? 1 : 0), (size_t)len - (i ? 1 : 0), o.seed);
		want[nw++] = (uint32_t)(h[i] >> (64 - bits));
		p += len;
	}
	for (i = 0; i + 2 <= nwords; i++)
		want[nw++] = (uint32_t)(nlp_ngram_hash(o.seed, h + i, 2) >>
		    (64 - bits));
	qsort(want, nw, sizeof *want, cmp_u32);
	cr_assert_eq(nlp_featurize(&feat, &o, text, strlen(text)), 0);
	for (i = 0; i < nw; k++) {
		size_t run = 1;

		while (i + run < nw && want[i + run] == want[i])
			run++;
		cr_assert_lt(k, feat.nkey, "%zu words, %u bits: too few keys",
		    nwords, bits);
		cr_assert_eq(feat.key[k], want[i], "%zu words, %u bits: key %zu",
		    nwords, bits, k);
		cr_assert_eq(feat.tf[k], run, "%zu words, %u bits: count %zu",
		    nwords, bits, k);
		i += run;
	}
	cr_assert_eq(feat.nkey, k, "%zu words, %u bits: too many keys", nwords,
	    bits);
	free(text);
	free(h);
	free(want);
}

/* Each way the buckets are sorted -- insertion for a short text, one pass
 * on the top bits then insertion, the byte radix sort when the keys crowd
 * (a narrow hash, a word repeated) or are too many -- counts the same. */
LEAK_TEST_FINI(features, buckets_are_counted_exactly_at_any_length_and_width, release_feat)
{
	static const size_t len[] = { 1, 2, 16, 17, 33, 100, 700, 4000, 40000 };
	static const unsigned bits[] = { 4, 11, 16, 23, 31 };
	size_t i, j;

	for (i = 0; i < sizeof len / sizeof *len; i++)
		for (j = 0; j < sizeof bits / sizeof *bits; j++) {
			check_counts(len[i], 1000000, bits[j]);
			check_counts(len[i], 3, bits[j]);
		}
	check_counts(150000, 1000000, 23);
}

LEAK_TEST_FINI(features, a_narrower_hash_is_a_coarsening_of_a_wider_one, release_feat)
{
	struct nlp_feat_opts wide = { .ngrams = 1, .bits = 26, .seed = 3 };
	struct nlp_feat_opts narrow = { .ngrams = 1, .bits = 12, .seed = 3 };
	uint32_t w;

	nfeatures(&wide, "word");
	w = feat.key[0];
	nfeatures(&narrow, "word");
	cr_assert_eq(feat.key[0], w >> 14);
}

LEAK_TEST_FINI(features, the_seed_changes_the_buckets, release_feat)
{
	struct nlp_feat_opts a = { .ngrams = 1, .bits = 26, .seed = 1 };
	struct nlp_feat_opts b = { .ngrams = 1, .bits = 26, .seed = 2 };
	uint32_t k;

	nfeatures(&a, "word");
	k = feat.key[0];
	nfeatures(&b, "word");
	cr_assert_neq(feat.key[0], k);
}

LEAK_TEST_FINI(features, tfidf_is_sublinear_and_unit_length, release_feat)
{
	uint32_t tf[2] = { 1, 4 };
	float idf[2] = { 2.0f, 1.0f }, val[2];
	double a = 2.0, b = 1.0 + log(4.0), norm = sqrt(a * a + b * b);

	nlp_tfidf_normalize(val, tf, idf, 2);
	cr_assert_float_eq(val[0], a / norm, 1e-6);
	cr_assert_float_eq(val[1], b / norm, 1e-6);
	cr_assert_float_eq(nlp_idf(10, 10), 1.0, 1e-6);
	cr_assert_float_eq(nlp_idf(9, 1), log(10.0 / 2.0) + 1.0, 1e-6);
}

LEAK_TEST_FINI(token, bidi_overrides_are_control_characters_to_escape, release)
{
	char buf[8];
	size_t len;

	/* a right-to-left override would reorder what a terminal shows */
	cr_assert(nlp_is_control(0x202e));
	cr_assert(nlp_is_control(0x2066));
	cr_assert(!nlp_is_control(0x200f));   /* a mark, not an override */
	cr_assert(!nlp_text_clean("a \xe2\x80\xae b", 7));
	cr_assert(nlp_text_clean("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d", 8));
	cr_assert_str_eq(nlp_text_escape_char("\xe2\x80\xae", buf, &len),
	    "\\u202e");
	cr_assert_eq(len, 3);
}

/* A name a record keeps: clean UTF-8, escapes whole, cut at a character. */
LEAK_TEST_FINI(token, escape_into_makes_one_clean_line, release)
{
	char buf[16];

	cr_assert_str_eq(nlp_text_escape_into("caf\xc3\xa9.tsv", buf,
	    sizeof buf), "caf\xc3\xa9.tsv");
	cr_assert_str_eq(nlp_text_escape_into("t\xffx\ty", buf, sizeof buf),
	    "t\\xffx\\x09y");
	cr_assert_str_eq(nlp_text_escape_into("a\xe2\x80\xae" "b", buf,
	    sizeof buf), "a\\u202eb");
	cr_assert(nlp_text_clean(buf, strlen(buf)));
	/* 15 bytes and the NUL: an escape that does not fit whole is left
	   out, and so is a character, never cut */
	cr_assert_str_eq(nlp_text_escape_into("abcdefghijkl\x01", buf,
	    sizeof buf), "abcdefghijkl");
	cr_assert_str_eq(nlp_text_escape_into("\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", buf, sizeof buf),
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	cr_assert_str_eq(nlp_text_escape_into("x", buf, 1), "");
}

LEAK_TEST_FINI(token, a_text_is_tokenless_exactly_when_it_has_no_token, release)
{
	static const char *const texts[] = {
		"", " \t\r\n", "\xc2\xa0\xc2\xa0", "\xe3\x80\x80",
		"\xe2\x80\x8b\xef\xbb\xbf", "\x01\x02\x7f", "\xe2\x80\x8e",
		"a", "  .", "\xcc\x81", "\xc2\xa0x", "\xe4\xb8\xad",
		"\xe2\x80\x8b\xc3\xa9",
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof *texts; i++) {
		const char *s = texts[i];

		cr_assert_eq(nlp_tokenize(s, strlen(s), &tok), 0);
		cr_assert_eq(nlp_text_tokenless(s, strlen(s)), tok.n == 0,
		    "text %zu", i);
	}
	cr_assert(nlp_text_tokenless("\xc2\xa0\xe3\x80\x80", 5));
	cr_assert(!nlp_text_tokenless("\xc2\xa0z", 3));
}
