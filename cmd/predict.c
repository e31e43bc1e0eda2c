/*
 * predict.c - `nlpops predict`: one output line per input line, in order.
 *
 * Single-threaded, records are scored as they are read.  With --threads,
 * records are gathered into batches, scored in parallel chunks, each chunk
 * formatting its own output, and the chunks written in order: the output
 * is the same bytes either way.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "artifact.h"
#include "atomic.h"
#include "cmd.h"
#include "digest.h"
#include "model.h"
#include "modelref.h"
#include "pool.h"
#include "reader.h"
#include "text.h"

static const char usage[] =
    "usage: nlpops predict -m MODEL [options] [FILE...]\n"
    "\n"
    "Read one text per line (stdin when no FILE or '-') and write one line\n"
    "per input line, in order: label<TAB>probability.\n"
    "\n"
    "  -m, --model MODEL        the model: a file, or NAME[@VERSION|@ALIAS] in the\n"
    "                           registry (NAME alone: NAME@production)\n"
    "  -o, --output FILE        write here (atomically) instead of stdout\n"
    "  -k, --top N              the N most probable labels (default: 1)\n"
    "      --threshold P        below top probability P, print the fallback\n"
    "      --fallback LABEL     the label printed below --threshold\n"
    "                           (default: unknown)\n"
    "      --output-format F    tsv or jsonl (default: tsv)\n"
    "      --format F           input format: plain, tsv, csv, jsonl, fasttext\n"
    "                           (default: plain; or from the extension)\n"
    "      --text-column C      TSV/CSV text column (name or number)\n"
    "      --id-column C        TSV/CSV id column, carried to the output\n"
    "      --text-field F       JSONL text field (default: text)\n"
    "      --id-field F         JSONL id field, carried to the output\n"
    "      --threads T          threads (default: 1); output is the same\n"
    "      --line-buffered      flush every line (default on a terminal)\n"
    "      --strict             the first odd record (invalid UTF-8, a NUL, a\n"
    "                           record cut at 1 MiB, a malformed row) is an error\n"
    "  -q, --quiet              no summary line on stderr\n"
    "  -h, --help               show this help\n";

enum {
	OPT_THRESHOLD = 256, OPT_FALLBACK, OPT_OUTFMT, OPT_THREADS, OPT_LINEBUF,
	OPT_STRICT,
};

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "output", required_argument, NULL, 'o' },
	{ "top", required_argument, NULL, 'k' },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "fallback", required_argument, NULL, OPT_FALLBACK },
	{ "output-format", required_argument, NULL, OPT_OUTFMT },
	CLI_TEXT_INPUT_OPTIONS,
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "line-buffered", no_argument, NULL, OPT_LINEBUF },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define BATCH_RECORDS 8192
#define CHUNK_RECORDS 256
#define NCHUNKS (BATCH_RECORDS / CHUNK_RECORDS)

/* A growable output buffer. */
struct obuf {
	char *p;
	size_t len, cap;
	int failed;
};

struct popts {
	const struct nlp_model *m;
	size_t k;
	double threshold;
	const char *fallback;
	int jsonl;
	int want_id;             /* an id column or field was asked for */
};

/* Make room for n more bytes. */
static int
ob_reserve(struct obuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->len + n <= b->cap)
		return 0;
	while (cap < b->len + n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void
ob_put(struct obuf *b, const char *s, size_t n)
{
	if (ob_reserve(b, n) == 0) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

/* A probability with 6 decimals, fast and locale-free. */
static void
ob_prob(struct obuf *b, float p)
{
	/* the model refuses non-finite weights, so p is a probability; the
	 * comparison keeps a NaN from reaching the conversion all the same */
	uint32_t v = p >= 0 && p <= 1 ? (uint32_t)((double)p * 1e6 + 0.5) : 0;
	char s[8];
	int i;

	if (v > 1000000)
		v = 1000000;
	if (ob_reserve(b, 8) < 0)
		return;
	s[0] = (char)('0' + v / 1000000);
	s[1] = '.';
	v %= 1000000;
	for (i = 7; i >= 2; i--, v /= 10)
		s[i] = (char)('0' + v % 10);
	memcpy(b->p + b->len, s, 8);
	b->len += 8;
}

/* A JSON string (labels and ids are valid UTF-8). */
static void
ob_json_str(struct obuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	ob_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			ob_put(b, esc, 2);
		} else if (c < 0x20) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			ob_put(b, esc, 6);
		} else {
			ob_put(b, (const char *)&c, 1);
		}
	}
	ob_put(b, "\"", 1);
}

/* A TSV field from the input (an id): a tab or newline would split the
 * line, a control character (ESC, ...) would reach the terminal as a
 * command; each becomes a space.  Invalid UTF-8 is the reader's to
 * repair. */
static void
ob_tsv_field(struct obuf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = nlp_utf8_char(u + i, n - i, &cp);
		if (k == 0)
			k = 1;
		else if (nlp_is_control(cp)) {
			ob_put(b, " ", 1);
			i += k;
			continue;
		}
		ob_put(b, s + i, k);
		i += k;
	}
}

/* Format one record's result. */
static void
format_result(struct obuf *b, const struct popts *o, const float *probs,
    const char *id)
{
	uint32_t idx[64];
	size_t n = nlp_top_k(probs, o->m->nclasses, o->k, idx), i;
	const char *first = o->m->labels[idx[0]];

	if (o->threshold > 0 && probs[idx[0]] < o->threshold)
		first = o->fallback;
	if (o->jsonl) {
		ob_put(b, "{", 1);
		if (o->want_id) {
			ob_put(b, "\"id\":", 5);
			ob_json_str(b, id ? id : "");
			ob_put(b, ",", 1);
		}
		ob_put(b, "\"label\":", 8);
		ob_json_str(b, first);
		ob_put(b, ",\"p\":", 5);
		ob_prob(b, probs[idx[0]]);
		ob_put(b, ",\"top\":[", 8);
		for (i = 0; i < n; i++) {
			ob_put(b, i ? ",{\"label\":" : "{\"label\":", i ? 10 : 9);
			ob_json_str(b, o->m->labels[idx[i]]);
			ob_put(b, ",\"p\":", 5);
			ob_prob(b, probs[idx[i]]);
			ob_put(b, "}", 1);
		}
		ob_put(b, "]}\n", 3);
		return;
	}
	if (o->want_id) {
		ob_tsv_field(b, id ? id : "");
		ob_put(b, "\t", 1);
	}
	for (i = 0; i < n; i++) {
		const char *l = i == 0 ? first : o->m->labels[idx[i]];
		if (i > 0)
			ob_put(b, "\t", 1);
		ob_put(b, l, strlen(l));
		ob_put(b, "\t", 1);
		ob_prob(b, probs[idx[i]]);
	}
	ob_put(b, "\n", 1);
}

/* A batch of records copied out of the reader, for parallel scoring. */
struct batch {
	struct nlp_arena text;
	size_t off[BATCH_RECORDS + 1];
	size_t idoff[BATCH_RECORDS];     /* SIZE_MAX: no id */
	size_t n;
	const struct popts *o;
	struct nlp_scorer sc[NCHUNKS];
	float *probs[NCHUNKS];
	struct obuf out[NCHUNKS];
};

/* Score chunk k of the batch into its own output buffer. */
static void
score_chunk(void *arg, size_t k)
{
	struct batch *b = arg;
	size_t i, end = (k + 1) * CHUNK_RECORDS;

	b->out[k].len = 0;
	if (end > b->n)
		end = b->n;
	for (i = k * CHUNK_RECORDS; i < end; i++) {
		const char *t = b->text.p + b->off[i];
		size_t len = b->idoff[i] != SIZE_MAX ? b->idoff[i] - b->off[i] - 1 :
		    b->off[i + 1] - b->off[i] - 1;
		if (nlp_model_predict(b->o->m, &b->sc[k], t, len, b->probs[k]) < 0) {
			b->out[k].failed = 1;
			return;
		}
		format_result(&b->out[k], b->o,  b->probs[k],
		    b->idoff[i] != SIZE_MAX ? b->text.p + b->idoff[i] : NULL);
	}
}

/* Write n bytes to out: 0, or -1 with errno set (a full disk, a closed
 * pipe when SIGPIPE is ignored: the run stops at the first failure). */
static int
put_out(FILE *out, const char *p, size_t n)
{
	errno = 0;
	if (n > 0 && fwrite(p, 1, n, out) != n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* Score the batch and write it out in order: 0, -1 (memory) or -2 (a
 * write failed, errno set). */
static int
flush_batch(struct batch *b, struct nlp_pool *pool, FILE *out)
{
	size_t k, nchunks = (b->n + CHUNK_RECORDS - 1) / CHUNK_RECORDS;

	nlp_pool_run(pool, nchunks, score_chunk, b);
	for (k = 0; k < nchunks; k++)
		if (b->out[k].failed)
			return -1;
	for (k = 0; k < nchunks; k++)
		if (put_out(out, b->out[k].p, b->out[k].len) < 0)
			return -2;
	b->n = 0;
	nlp_arena_clear(&b->text);
	return 0;
}

int
cmd_predict(int argc, char **argv)
{
	struct nlp_reader_opts ro;
	struct nlp_reader *r = NULL;
	struct nlp_record rec;
	struct nlp_loaded lm;
	struct nlp_err e = { 0, "" };
	struct nlp_atomic af;
	struct nlp_scorer sc;
	struct popts po;
	struct obuf ob;
	struct batch *b = NULL;
	struct nlp_pool *pool = NULL;
	const char *model = NULL, *outpath = NULL, *outfmt = "tsv";
	unsigned long u, threads = 1;
	uint64_t lines = 0, damaged = 0;
	float *probs = NULL;
	FILE *out = stdout;
	double t0 = cli_now();
	int c, quiet = 0, linebuf = -1, rc = NLP_OK, wr;
	size_t i;

	memset(&ro, 0, sizeof ro);
	memset(&po, 0, sizeof po);
	memset(&sc, 0, sizeof sc);
	memset(&ob, 0, sizeof ob);
	memset(&af, 0, sizeof af);
	po.k = 1;
	po.fallback = "unknown";
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "m:o:k:qh", longopts, NULL)) != -1) {
		rc = NLP_OK;
		switch (c) {
		case 'm': model = optarg; break;
		case 'o': outpath = optarg; break;
		case 'k':
			rc = cli_uint(argv[0], "-k", optarg, 1, 64, &u);
			po.k = u;
			break;
		case OPT_THRESHOLD:
			rc = cli_double(argv[0], "--threshold", optarg, 0, 1,
			    &po.threshold);
			break;
		case OPT_FALLBACK: po.fallback = optarg; break;
		case OPT_OUTFMT:
			if (strcmp(optarg, "tsv") != 0 && strcmp(optarg, "jsonl") != 0)
				return cli_usage_error(argv[0], "--output-format "
				    "takes tsv or jsonl, not '%s'", optarg);
			outfmt = optarg;
			break;
		case OPT_THREADS:
			rc = cli_uint(argv[0], "--threads", optarg, 1, 256, &threads);
			break;
		case OPT_LINEBUF: linebuf = 1; break;
		case OPT_STRICT: ro.strict = 1; break;
		case 'q': quiet = 1; break;
		case 'h': return cli_help(usage);
		default:
			if ((rc = cli_reader_option(argv[0], c, optarg, &ro, 1)) < 0)
				return cli_bad_option(argv[0], optopt, argv, optind);
			break;
		}
		if (rc != NLP_OK)
			return rc;
	}
	if (model == NULL)
		return cli_usage_error(argv[0], "no model: give -m MODEL");
	po.jsonl = strcmp(outfmt, "jsonl") == 0;
	po.want_id = ro.id_column != NULL || ro.id_field != NULL;
	if (linebuf < 0)
		linebuf = outpath == NULL && cli_isatty(1);

	if ((rc = nlp_load_model(&lm, model, cli_registry_dir(), &e)) != NLP_OK)
		return cli_error(argv[0], &e);
	po.m = &lm.m;
	if (po.k > lm.m.nclasses)
		po.k = lm.m.nclasses;
	if ((rc = nlp_reader_open(&r, (const char *const *)argv + optind,
	    (size_t)(argc - optind), &ro, &e)) != NLP_OK)
		goto fail;
	if (outpath != NULL && strcmp(outpath, "-") != 0) {
		if ((rc = nlp_atomic_open(&af, outpath, &e)) != NLP_OK)
			goto fail;
		out = af.fp;
	}
	if (linebuf)
		setvbuf(out, NULL, _IOLBF, 0);
	else
		setvbuf(out, NULL, _IOFBF, 1 << 16);
	if ((probs = malloc(lm.m.nclasses * sizeof *probs)) == NULL)
		goto oom;
	if (threads > 1 && !linebuf) {
		if ((pool = nlp_pool_new((unsigned)threads)) == NULL ||
		    (b = calloc(1, sizeof *b)) == NULL)
			goto oom;
		b->o = &po;
		for (i = 0; i < NCHUNKS; i++)
			if ((b->probs[i] = malloc(lm.m.nclasses * sizeof(float))) == NULL)
				goto oom;
	}

	while ((rc = nlp_reader_next(r, &rec, &e)) > 0) {
		lines++;
		if (rec.flags)
			damaged++;
		if (b != NULL) {
			if ((b->off[b->n] = nlp_arena_put(&b->text, rec.text,
			    rec.text_len)) == (size_t)-1)
				goto oom;
			b->idoff[b->n] = SIZE_MAX;
			if (rec.id != NULL && (b->idoff[b->n] = nlp_arena_put(&b->text,
			    rec.id, strlen(rec.id))) == (size_t)-1)
				goto oom;
			b->off[++b->n] = b->text.len;
			if ((b->n == BATCH_RECORDS || b->text.len > (16u << 20)) &&
			    (wr = flush_batch(b, pool, out)) < 0)
				goto batch_failed;
			continue;
		}
		if (nlp_model_predict(&lm.m, &sc, rec.text, rec.text_len, probs) < 0)
			goto oom;
		ob.len = 0;
		format_result(&ob, &po, probs, rec.id);
		if (ob.failed)
			goto oom;
		if (put_out(out, ob.p, ob.len) < 0)
			goto write_failed;
	}
	if (rc < 0) {
		rc = -rc;
		goto fail;
	}
	if (b != NULL && b->n > 0 && (wr = flush_batch(b, pool, out)) < 0)
		goto batch_failed;
	if (outpath != NULL && strcmp(outpath, "-") != 0) {
		if ((rc = nlp_atomic_commit(&af, &e)) != NLP_OK)
			goto fail;
	} else if (fflush(stdout) != 0 || ferror(stdout)) {
		/* before the summary: a success line must not precede it */
		goto write_failed;
	}
	if (!quiet) {
		fprintf(stderr, "nlpops predict: %s (sha256 %.12s): %llu lines, "
		    "%llu damaged, %.2f s\n", lm.display, nlp_loaded_sha256(&lm),
		    (unsigned long long)lines, (unsigned long long)damaged,
		    cli_now() - t0);
		if (nlp_reader_describe(nlp_reader_stats(r), e.msg, sizeof e.msg))
			fprintf(stderr, "nlpops predict: %s\n", e.msg);
	}
	rc = NLP_OK;
	goto done;
batch_failed:
	if (wr == -1)
		goto oom;
write_failed:
	nlp_errnof(&e, NLP_IO, errno ? errno : EIO, "cannot write '%s'",
	    outpath != NULL && strcmp(outpath, "-") != 0 ? outpath :
	    "standard output");
	rc = NLP_IO;
	goto fail;
oom:
	nlp_errf(&e, NLP_IO, "out of memory");
	rc = NLP_IO;
fail:
	cli_error(argv[0], &e);
	nlp_atomic_abort(&af);
done:
	if (b != NULL) {
		for (i = 0; i < NCHUNKS; i++) {
			nlp_scorer_release(&b->sc[i]);
			free(b->probs[i]);
			free(b->out[i].p);
		}
		nlp_arena_release(&b->text);
		free(b);
	}
	nlp_pool_free(pool);
	nlp_reader_free(r);
	nlp_scorer_release(&sc);
	free(probs);
	free(ob.p);
	nlp_loaded_close(&lm);
	return rc;
}
