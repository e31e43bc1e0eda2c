/*
 * complete.c - `nlpops __complete WHAT`: candidates for the shell
 * completion scripts, so that they stay thin and the binary stays the
 * source of truth.  Hidden from help; prints nothing and exits 0 when there
 * is nothing to offer (no registry, say).
 *
 *   __complete commands    the commands
 *   __complete models      the registry's model names
 *   __complete refs        NAME, NAME@VERSION and NAME@ALIAS for each model
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "registry.h"

/* Print every model's name, and with refs its versions and aliases. */
static void
print_models(int refs)
{
	struct nlp_registry *r;
	struct nlp_err e = { 0, "" };
	struct nlp_registry_models models;
	struct nlp_registry_versions versions;
	size_t i, j;

	if (nlp_registry_open(&r, cli_registry_dir(), 0, &e) != NLP_OK)
		return;
	if (nlp_registry_list(r, &models, &e) == NLP_OK) {
		for (i = 0; i < models.n; i++) {
			const struct nlp_registry_model *m = &models.v[i];

			printf("%s\n", m->name);
			if (!refs)
				continue;
			for (j = 0; j < m->naliases; j++)
				printf("%s@%s\n", m->name, m->aliases[j].alias);
			if (nlp_registry_list_versions(r, m->name, &versions, &e) !=
			    NLP_OK)
				continue;
			for (j = 0; j < versions.n; j++)
				printf("%s@%ld\n", m->name, versions.v[j].version);
			nlp_registry_versions_release(&versions);
		}
		nlp_registry_models_release(&models);
	}
	nlp_registry_close(r);
}

int
cmd_complete(int argc, char **argv)
{
	if (argc < 2)
		return NLP_USAGE;
	if (strcmp(argv[1], "commands") == 0)
		cli_command_names(stdout);
	else if (strcmp(argv[1], "models") == 0)
		print_models(0);
	else if (strcmp(argv[1], "refs") == 0)
		print_models(1);
	else
		return NLP_USAGE;
	return NLP_OK;
}
