/*
 * complete.c - `nlpops __complete WHAT`: candidates for the shell
 * completion scripts, so that they stay thin and the binary stays the
 * source of truth.  Hidden from help; prints nothing and exits 0 when there
 * is nothing to offer (no registry, say).
 *
 *   __complete commands    the commands, "name<TAB>summary"
 *   __complete models      the registry's model names
 *   __complete refs        NAME, NAME@VERSION and NAME@ALIAS for each model
 *   __complete versions NAME   model NAME's versions (NAME@... as NAME)
 *   __complete aliases NAME    model NAME's aliases
 *   __complete targets NAME    both (what registry alias points an alias
 *                              at: a version, or another alias)
 *   __complete options CMD [VERB]
 *                          CMD's (or registry VERB's) options, one per line:
 *                          "--name<TAB>-x<TAB>values<TAB>help" (opts.h)
 *   __complete operands CMD [VERB]
 *                          what completes each operand, one per line
 *   __complete verbs CMD
 *                          CMD's verbs (registry's, key's), "verb<TAB>summary"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "registry.h"

enum { M_NAME = 1, M_ALIASES = 2, M_VERSIONS = 4 };

/*
 * Each model's name, aliases and versions (what), a line each, as
 * references (NAME, NAME@ALIAS, NAME@VERSION); or, of the one model that
 * only names (NAME or NAME@...), the aliases and versions alone.
 */
static void
print_models(const char *only, unsigned what)
{
	struct nlp_registry *r;
	struct nlp_err e = { 0, "" };
	struct nlp_registry_models models;
	struct nlp_registry_versions versions;
	size_t i, j, len = only != NULL ? strcspn(only, "@") : 0;

	/* a Tab waits 2 s at most for a silent PostgreSQL server, not the
	   10 s of a command (unless the URI or a service says) */
	(void)setenv("PGCONNECT_TIMEOUT", "2", 0);
	if (nlp_registry_open(&r, cli_registry_dir(), 0, &e) != NLP_OK)
		return;
	if (nlp_registry_list(r, &models, &e) == NLP_OK) {
		for (i = 0; i < models.n; i++) {
			const struct nlp_registry_model *m = &models.v[i];
			const char *name = only != NULL ? "" : m->name;
			const char *at = only != NULL ? "" : "@";

			if (only != NULL && (strlen(m->name) != len ||
			    strncmp(m->name, only, len) != 0))
				continue;
			if (what & M_NAME)
				printf("%s\n", m->name);
			for (j = 0; (what & M_ALIASES) && j < m->naliases; j++)
				printf("%s%s%s\n", name, at, m->aliases[j].alias);
			if (!(what & M_VERSIONS) || nlp_registry_list_versions(r,
			    m->name, &versions, &e) != NLP_OK)
				continue;
			for (j = 0; j < versions.n; j++)
				printf("%s%s%ld\n", name, at,
				    versions.v[j].version);
			nlp_registry_versions_release(&versions);
		}
		nlp_registry_models_release(&models);
	}
	nlp_registry_close(r);
}

/* The declaration of command argv[0] (registry: of verb argv[1]), or
 * NULL. */
static const struct cli_cmd *
find_cmd(int argc, char **argv)
{
	static const struct cli_cmd *const commands[] = {
		&cli_train, &cli_predict, &cli_eval, &cli_drift, &cli_serve,
		&cli_key,
	};
	const struct cli_cmd *const *v;
	size_t i, n;

	if (strcmp(argv[0], "registry") == 0) {
		if (argc < 2)
			return NULL;
		for (v = cli_registry_verbs; *v != NULL; v++) {
			n = strlen("registry ");
			if (strcmp((*v)->name + n, argv[1]) == 0)
				return *v;
		}
		return NULL;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[0], commands[i]->name) == 0)
			return commands[i];
	return NULL;
}

int
cmd_complete(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2)
		return NLP_USAGE;
	if (strcmp(argv[1], "commands") == 0)
		cli_command_names(stdout);
	else if (strcmp(argv[1], "models") == 0)
		print_models(NULL, M_NAME);
	else if (strcmp(argv[1], "refs") == 0)
		print_models(NULL, M_NAME | M_ALIASES | M_VERSIONS);
	else if (strcmp(argv[1], "versions") == 0 && argc >= 3)
		print_models(argv[2], M_VERSIONS);
	else if (strcmp(argv[1], "aliases") == 0 && argc >= 3)
		print_models(argv[2], M_ALIASES);
	else if (strcmp(argv[1], "targets") == 0 && argc >= 3)
		print_models(argv[2], M_VERSIONS | M_ALIASES);
	else if (strcmp(argv[1], "verbs") == 0 && argc >= 3 &&
	    strcmp(argv[2], "registry") == 0)
		cli_registry_verb_names(stdout);
	else if (strcmp(argv[1], "verbs") == 0 && argc >= 3 &&
	    strcmp(argv[2], "key") == 0)
		printf("generate\tmake an Ed25519 key pair for signing models\n");
	else if (strcmp(argv[1], "verbs") == 0 && argc >= 3)
		;               /* a command without verbs: none */
	else if ((strcmp(argv[1], "options") == 0 ||
	    strcmp(argv[1], "operands") == 0) && argc >= 3) {
		if ((c = find_cmd(argc - 2, argv + 2)) == NULL)
			return NLP_USAGE;
		if (strcmp(argv[1], "options") == 0)
			cli_complete_options(c, stdout);
		else
			cli_complete_operands(c, stdout);
	}
	else
		return NLP_USAGE;
	return NLP_OK;
}
