/*
 * strmap.c - open addressing over entry numbers; keys hashed with XXH3.
 */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"

/* Rebuild the slot array with capacity cap. */
static int
rehash(struct nlp_strmap *m, size_t cap)
{
	uint32_t *slot = calloc(cap, sizeof *slot);
	size_t i;

	if (slot == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		size_t s = nlp_xxh64(m->ent[i].key, m->ent[i].len, 0) & (cap - 1);
		while (slot[s] != 0)
			s = (s + 1) & (cap - 1);
		slot[s] = (uint32_t)(i + 1);
	}
	free(m->slot);
	m->slot = slot;
	m->slot_cap = cap;
	return 0;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t
find(const struct nlp_strmap *m, const char *key, size_t len)
{
	size_t s = nlp_xxh64(key, len, 0) & (m->slot_cap - 1);

	while (m->slot[s] != 0) {
		const struct nlp_strmap_entry *en = &m->ent[m->slot[s] - 1];
		if (en->len == len && memcmp(en->key, key, len) == 0)
			break;
		s = (s + 1) & (m->slot_cap - 1);
	}
	return s;
}

struct nlp_strmap_entry *
nlp_strmap_get(const struct nlp_strmap *m, const char *key, size_t len)
{
	size_t s;

	if (m->slot_cap == 0)
		return NULL;
	s = find(m, key, len);
	return m->slot[s] ? &m->ent[m->slot[s] - 1] : NULL;
}

struct nlp_strmap_entry *
nlp_strmap_add(struct nlp_strmap *m, const char *key, size_t len)
{
	struct nlp_strmap_entry *en;
	size_t s;

	if ((m->n + 1) * 2 > m->slot_cap &&
	    rehash(m, m->slot_cap ? m->slot_cap * 2 : 64) < 0)
		return NULL;
	s = find(m, key, len);
	if (m->slot[s] != 0)
		return &m->ent[m->slot[s] - 1];
	if (m->n == UINT32_MAX - 1)
		return NULL;
	if (m->n == m->ent_cap) {
		size_t cap = m->ent_cap ? m->ent_cap * 2 : 32;
		void *p = realloc(m->ent, cap * sizeof *m->ent);
		if (p == NULL)
			return NULL;
		m->ent = p;
		m->ent_cap = cap;
	}
	en = &m->ent[m->n];
	if ((en->key = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(en->key, key, len);
	en->key[len] = '\0';
	en->len = len;
	en->value = 0;
	m->slot[s] = (uint32_t)(++m->n);
	return en;
}

void
nlp_strmap_release(struct nlp_strmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->ent[i].key);
	free(m->ent);
	free(m->slot);
	memset(m, 0, sizeof *m);
}
