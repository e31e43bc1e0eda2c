/*
 * metrics.c - accuracy, precision, recall and F1 from a confusion matrix
 * or from per-class counts.
 */
#include "metrics.h"

#include <stdlib.h>

int
nlp_confusion_init(struct nlp_confusion *c, uint32_t nclasses)
{
	c->nclasses = nclasses;
	c->n = 0;
	c->m = calloc((size_t)nclasses * nclasses, sizeof *c->m);
	return c->m ? 0 : -1;
}

void
nlp_confusion_add(struct nlp_confusion *c, uint32_t gold, uint32_t pred)
{
	c->m[(size_t)gold * c->nclasses + pred]++;
	c->n++;
}

double
nlp_accuracy(const struct nlp_confusion *c)
{
	uint64_t ok = 0;
	uint32_t k;

	for (k = 0; k < c->nclasses; k++)
		ok += c->m[(size_t)k * c->nclasses + k];
	return c->n ? (double)ok / (double)c->n : 0;
}

/* Column sum (predicted as k) and row sum (gold k). */
static void
sums(const struct nlp_confusion *c, uint32_t k, uint64_t *pred, uint64_t *gold)
{
	uint32_t j, C = c->nclasses;

	*pred = *gold = 0;
	for (j = 0; j < C; j++) {
		*pred += c->m[(size_t)j * C + k];
		*gold += c->m[(size_t)k * C + j];
	}
}

void
nlp_class_prf(const struct nlp_confusion *c, uint32_t k, double *p, double *r,
    double *f1)
{
	uint64_t tp = c->m[(size_t)k * c->nclasses + k], pred, gold;

	sums(c, k, &pred, &gold);
	*p = pred ? (double)tp / (double)pred : 0;
	*r = gold ? (double)tp / (double)gold : 0;
	*f1 = (*p + *r) > 0 ? 2 * *p * *r / (*p + *r) : 0;
}

double
nlp_macro_f1(const struct nlp_confusion *c)
{
	double sum = 0, p, r, f1;
	uint32_t k, used = 0;

	for (k = 0; k < c->nclasses; k++) {
		uint64_t pred, gold;

		sums(c, k, &pred, &gold);
		if (pred == 0 && gold == 0)
			continue;
		nlp_class_prf(c, k, &p, &r, &f1);
		sum += f1;
		used++;
	}
	return used ? sum / used : 0;
}

void
nlp_confusion_release(struct nlp_confusion *c)
{
	free(c->m);
	c->m = NULL;
}

int
nlp_class_counts_init(struct nlp_class_counts *k, uint32_t nclasses)
{
	k->nclasses = nclasses;
	k->n = k->correct = k->wrong = 0;
	k->sample_p = k->sample_r = k->sample_f1 = 0;
	k->tp = calloc((size_t)nclasses + 1, sizeof *k->tp);
	k->pred = calloc((size_t)nclasses + 1, sizeof *k->pred);
	k->gold = calloc((size_t)nclasses + 1, sizeof *k->gold);
	if (k->tp && k->pred && k->gold)
		return 0;
	nlp_class_counts_release(k);
	return -1;
}

void
nlp_class_counts_add(struct nlp_class_counts *k, uint32_t gold, uint32_t pred)
{
	k->gold[gold]++;
	k->pred[pred]++;
	if (gold == pred) {
		k->tp[gold]++;
		k->correct++;
	}
	k->n++;
}

void
nlp_class_counts_add_sets(struct nlp_class_counts *k, const uint32_t *gold,
    size_t ng, const uint32_t *pred, size_t np)
{
	size_t i = 0, j = 0, both = 0;

	while (i < ng || j < np) {
		if (j == np || (i < ng && gold[i] < pred[j])) {
			k->gold[gold[i++]]++;
		} else if (i == ng || pred[j] < gold[i]) {
			k->pred[pred[j++]]++;
		} else {
			k->gold[gold[i]]++;
			k->pred[pred[j]]++;
			k->tp[gold[i]]++;
			both++;
			i++, j++;
		}
	}
	k->wrong += ng + np - 2 * both;
	k->correct += both == ng && both == np;
	k->sample_p += np ? (double)both / (double)np : 0;
	k->sample_r += ng ? (double)both / (double)ng : 0;
	k->sample_f1 += ng + np ? 2.0 * (double)both / (double)(ng + np) : 0;
	k->n++;
}

uint32_t
nlp_class_counts_used(const struct nlp_class_counts *k)
{
	uint32_t c, used = 0;

	for (c = 0; c < k->nclasses; c++)
		used += k->pred[c] != 0 || k->gold[c] != 0;
	return used;
}

double
nlp_class_counts_hamming(const struct nlp_class_counts *k)
{
	uint32_t used = nlp_class_counts_used(k);

	return k->n && used ? (double)k->wrong / ((double)k->n * used) : 0;
}

double
nlp_class_counts_accuracy(const struct nlp_class_counts *k)
{
	return k->n ? (double)k->correct / (double)k->n : 0;
}

double
nlp_class_counts_macro_f1(const struct nlp_class_counts *k)
{
	double sum = 0, p, r;
	uint32_t c, used = 0;

	for (c = 0; c < k->nclasses; c++) {
		if (k->pred[c] == 0 && k->gold[c] == 0)
			continue;
		p = k->pred[c] ? (double)k->tp[c] / (double)k->pred[c] : 0;
		r = k->gold[c] ? (double)k->tp[c] / (double)k->gold[c] : 0;
		sum += p + r > 0 ? 2 * p * r / (p + r) : 0;
		used++;
	}
	return used ? sum / used : 0;
}

void
nlp_class_counts_release(struct nlp_class_counts *k)
{
	free(k->tp);
	free(k->pred);
	free(k->gold);
	k->tp = k->pred = k->gold = NULL;
}
