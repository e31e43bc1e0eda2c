/*
 * test_evallog.c - a prediction log joined by id to gold labels: the
 * counts of the join (retries, unscored lines, ids on one side only),
 * ids compared as text, --shadow, the model named, the figures on the
 * labels alone (log loss and ECE undefined), and the errors naming file
 * and line.  Every test checks for leaks.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "evallog.h"
#include "leak_test.h"
#include "files.h"

static void
init(void)
{
	make_test_dir("evallog");
}

TestSuite(evallog, .init = init, .fini = remove_test_dir);

#define SHA "\"sha256\":\"abc\""

/* A log: id 1 retried (the last line says spam), 2 an integer id, 3
 * unscored, 4 without gold, one line without an id; 2 and 1 have a
 * shadow. */
static const char log_text[] =
    "{\"id\":\"1\",\"model\":\"m@1\"," SHA ",\"label\":\"ham\",\"p\":0.9}\n"
    "\n"
    "{\"id\":2,\"model\":\"m@1\"," SHA ",\"label\":\"ham\",\"p\":0.8,"
    "\"shadow\":{\"model\":\"m@2\",\"label\":\"spam\",\"p\":0.7}}\n"
    "{\"id\":\"3\",\"label\":null,\"p\":null,\"reason\":\"empty\"}\n"
    "{\"id\":\"4\",\"model\":\"m@1\",\"label\":\"spam\",\"p\":0.6}\n"
    "{\"id\":null,\"model\":\"m@1\",\"label\":\"spam\",\"p\":0.6}\n"
    "{\"id\":1,\"model\":\"m@1\"," SHA ",\"label\":\"spam\",\"p\":0.9,"
    "\"shadow\":{\"model\":\"m@2\",\"label\":\"spam\",\"p\":0.7}}\n";

/* gold: 1 spam, 2 spam, 3 ham, 5 ham (no prediction) */
static const char gold_text[] = "1\tspam\ta\n2\tspam\tb\n3\tham\tc\n"
    "5\tham\td\n";

static int
join(struct nlp_evallog *l, const char *logt, const char *goldt, int shadow,
    struct nlp_err *e)
{
	const char *gp[1];
	struct nlp_reader_opts ro;
	int rc;

	spit_file(in_dir("log.jsonl"), logt, strlen(logt));
	spit_file(in_dir("gold.tsv"), goldt, strlen(goldt));
	memset(l, 0, sizeof *l);
	memset(&ro, 0, sizeof ro);
	ro.id_column = "1";
	ro.label_column = "2";
	ro.text_column = "3";
	if ((rc = nlp_evallog_read(l, in_dir("log.jsonl"), shadow, e)) !=
	    NLP_OK)
		return rc;
	gp[0] = in_dir("gold.tsv");
	return nlp_evallog_join(l, gp, 1, &ro, e);
}

LEAK_TEST(evallog, join_counts)
{
	struct nlp_evallog l;
	struct nlp_err e = { 0, "" };

	cr_assert_eq(join(&l, log_text, gold_text, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(l.c.lines, 6);
	cr_assert_eq(l.c.ids, 4);
	cr_assert_eq(l.c.repeated, 1);
	cr_assert_eq(l.c.no_id, 1);
	cr_assert_eq(l.c.gold, 4);
	cr_assert_eq(l.c.scored, 2);
	cr_assert_eq(l.c.unscored, 1);
	cr_assert_eq(l.c.no_prediction, 1);
	cr_assert_eq(l.c.no_gold, 1);
	nlp_evallog_release(&l);
}

LEAK_TEST(evallog, figures_last_line_wins)
{
	struct nlp_evallog l;
	struct nlp_eval_result r;
	struct nlp_eval_opts o;
	struct nlp_err e = { 0, "" };

	memset(&o, 0, sizeof o);
	cr_assert_eq(join(&l, log_text, gold_text, 0, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(nlp_evallog_evaluate(&r, &l, &o, &e), NLP_OK, "%s", e.msg);
	/* 1: spam/spam (the retry's label), 2: spam/ham */
	cr_assert_eq(r.model.n, 2);
	cr_assert_float_eq(r.model.accuracy, 0.5, 1e-12);
	cr_assert(isnan(r.model.log_loss) && isnan(r.model.ece));
	cr_assert_str_eq(r.model.ref, "m@1");
	cr_assert_str_eq(r.model.sha256, "abc");
	cr_assert_eq(r.joined, &l.c);
	cr_assert_eq(r.model.nclasses, 2);   /* ham (predicted), spam */
	nlp_eval_result_release(&r);
	nlp_evallog_release(&l);
}

LEAK_TEST(evallog, shadow)
{
	struct nlp_evallog l;
	struct nlp_eval_result r;
	struct nlp_eval_opts o;
	struct nlp_err e = { 0, "" };

	memset(&o, 0, sizeof o);
	cr_assert_eq(join(&l, log_text, gold_text, 1, &e), NLP_OK, "%s", e.msg);
	cr_assert_eq(l.c.scored, 2);
	cr_assert_eq(l.c.unscored, 1);
	cr_assert_eq(nlp_evallog_evaluate(&r, &l, &o, &e), NLP_OK, "%s", e.msg);
	cr_assert_float_eq(r.model.accuracy, 1.0, 1e-12);
	cr_assert_str_eq(r.model.ref, "m@2");
	cr_assert_eq(r.model.sha256, NULL);   /* the shadow names none */
	nlp_eval_result_release(&r);
	nlp_evallog_release(&l);
}

LEAK_TEST(evallog, several_models)
{
	static const char two[] =
	    "{\"id\":1,\"model\":\"m@1\",\"label\":\"a\"}\n"
	    "{\"id\":2,\"model\":\"m@2\",\"label\":\"b\"}\n";
	struct nlp_evallog l;
	struct nlp_eval_result r;
	struct nlp_eval_opts o;
	struct nlp_err e = { 0, "" };

	memset(&o, 0, sizeof o);
	cr_assert_eq(join(&l, two, "1\ta\tx\n2\ta\ty\n", 0, &e), NLP_OK, "%s",
	    e.msg);
	cr_assert_eq(nlp_evallog_evaluate(&r, &l, &o, &e), NLP_OK, "%s", e.msg);
	cr_assert_str_eq(r.model.ref, "several models: m@1, m@2");
	cr_assert_eq(r.model.sha256, NULL);
	nlp_eval_result_release(&r);
	nlp_evallog_release(&l);
}

/* The error of joining logt to goldt contains want. */
static void
fails(const char *logt, const char *goldt, int status, const char *want)
{
	struct nlp_evallog l;
	struct nlp_err e = { 0, "" };

	cr_assert_eq(join(&l, logt, goldt, 0, &e), status, "%s", e.msg);
	cr_assert_not_null(strstr(e.msg, want), "'%s' lacks '%s'", e.msg, want);
	nlp_evallog_release(&l);
}

LEAK_TEST(evallog, errors_name_the_line)
{
	fails("{\"id\":1,\"label\":\"a\"}\n{\"id\":2,\"label\":\n", gold_text,
	    NLP_DATA, "log.jsonl' line 2: not JSON");
	fails("[1]\n", gold_text, NLP_DATA, "line 1: not a JSON object");
	fails("{\"label\":\"a\"}\n", gold_text, NLP_DATA, "line 1: no \"id\"");
	fails("{\"id\":1.5,\"label\":\"a\"}\n", gold_text, NLP_DATA,
	    "line 1: \"id\" is neither");
	fails("{\"id\":1}\n", gold_text, NLP_DATA, "line 1: no \"label\"");
	fails("{\"id\":1,\"label\":\"a\"}\n", "1\ta\tx\n2\tb\ty\n1\ta\tz\n",
	    NLP_DATA, "gold.tsv' line 3: id '1' repeated (first at");
}

LEAK_TEST(evallog, nothing_joined)
{
	struct nlp_evallog l;
	struct nlp_eval_result r;
	struct nlp_eval_opts o;
	struct nlp_err e = { 0, "" };

	memset(&o, 0, sizeof o);
	cr_assert_eq(join(&l, "{\"id\":9,\"label\":\"a\"}\n", gold_text, 0, &e),
	    NLP_OK);
	cr_assert_eq(nlp_evallog_evaluate(&r, &l, &o, &e), NLP_DATA);
	cr_assert_not_null(strstr(e.msg, "no gold record joins"));
	nlp_evallog_release(&l);
}
