/*
 * trust.c - --trust PUBKEY and NLPOPS_TRUSTED_KEYS, shared by the commands
 * that load a model (predict, eval, drift): the trusted set is read once
 * per process, and every model loaded is checked against it (cmd.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "modelsig.h"
#include "sign.h"

#define MAX_TRUST 64

static const char *given[MAX_TRUST];   /* --trust, in order */
static size_t ngiven;
static struct nlp_trust trusted = NLP_TRUST_INIT;
static int loaded;                     /* 1: read; -1: nothing asked */

int
cli_trust_option(const char *cmd, const char *arg)
{
	if (arg[0] == '\0')
		return cli_usage_error(cmd, "--trust needs a public key file");
	if (ngiven == MAX_TRUST)
		return cli_usage_error(cmd, "too many --trust (at most %d)",
		    MAX_TRUST);
	given[ngiven++] = arg;
	return NLP_OK;
}

/* Read the trusted set: --trust's keys when any was given, else
 * NLPOPS_TRUSTED_KEYS's (unset or empty: no set, nothing checked). */
static int
load(struct nlp_err *e)
{
	const char *env = getenv("NLPOPS_TRUSTED_KEYS");
	size_t i;
	int rc = NLP_OK;

	if (ngiven == 0 && (env == NULL || env[0] == '\0')) {
		loaded = -1;
		return NLP_OK;
	}
	for (i = 0; i < ngiven && rc == NLP_OK; i++)
		if ((rc = nlp_trust_add(&trusted, given[i], e)) != NLP_OK)
			nlp_err_prefix(e, "--trust");
	if (ngiven == 0 && (rc = nlp_trust_add_list(&trusted, env,
	    "NLPOPS_TRUSTED_KEYS", e)) != NLP_OK && rc != NLP_USAGE)
		nlp_err_prefix(e, "NLPOPS_TRUSTED_KEYS");
	if (rc != NLP_OK) {
		nlp_trust_release(&trusted);
		return rc;
	}
	loaded = 1;
	return NLP_OK;
}

int
cli_trust_check(const struct nlp_loaded *l, struct nlp_err *e)
{
	int rc;

	if (loaded == 0 && (rc = load(e)) != NLP_OK)
		return rc;
	if (loaded < 0)
		return NLP_OK;
	return nlp_modelsig_check(&trusted, l, cli_registry_dir(), e);
}

int
cli_trust_set(const struct nlp_trust **t, struct nlp_err *e)
{
	int rc;

	*t = NULL;
	if (loaded == 0 && (rc = load(e)) != NLP_OK)
		return rc;
	if (loaded > 0)
		*t = &trusted;
	return NLP_OK;
}

void
cli_trust_release(void)
{
	nlp_trust_release(&trusted);
	loaded = 0;
}

int
cli_trust_given(void)
{
	return ngiven > 0;
}

const char *
cli_trust_file(size_t i, char *buf, size_t size)
{
	const char *env = getenv("NLPOPS_TRUSTED_KEYS"), *p;
	size_t len;

	if (ngiven > 0)
		return i < ngiven ? given[i] : NULL;
	if (env == NULL || env[0] == '\0' ||
	    !nlp_trust_list_entry(env, i, &p, &len))
		return NULL;
	/* an empty entry, which loading refuses, names no file */
	snprintf(buf, size, "%.*s", (int)len, p);
	return buf;
}

int
cli_alias_signed(const struct nlp_key *key, const char *name,
    const char *alias, struct nlp_err *e)
{
	const struct nlp_trust *t = NULL;
	size_t i;
	int rc;

	if (alias == NULL || (rc = cli_trust_set(&t, e)) != NLP_OK || t == NULL)
		return alias == NULL || t == NULL ? NLP_OK : rc;
	for (i = 0; key != NULL && i < t->n; i++)
		if (strcmp(nlp_trust_key_id(t, i), nlp_key_id(key)) == 0)
			return NLP_OK;
	return nlp_errf(e, NLP_DATA, "model '%s': with trusted keys, --alias %s "
	    "moves an alias only to a signed version: %s", name, alias,
	    key == NULL ? "push it with --sign KEY" : "the key given to --sign "
	    "is not one of them");
}

void
cli_signed_by(const char *cmd, const struct nlp_key *key, const char *name,
    const struct nlp_push_result *res, int quiet)
{
	if (key != NULL && res->signed_by[0] != '\0' &&
	    strcmp(res->signed_by, nlp_key_id(key)) != 0)
		fprintf(stderr, "nlpops %s: warning: %s@%ld was signed by key "
		    "%.16s... when it was pushed; it keeps that signature\n", cmd,
		    name, res->version, res->signed_by);
	else if (key != NULL && res->signed_now && !quiet)
		fprintf(stderr, "nlpops %s: %s@%ld had no signature: it is now "
		    "signed by key %.16s...\n", cmd, name, res->version,
		    res->signed_by);
}
