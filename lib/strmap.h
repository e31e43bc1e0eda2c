/*
 * strmap.h - a map from byte strings to 64-bit values, with stable entry
 * numbers: the i-th distinct key added is entry i, for as long as the map
 * lives.  Used for labels (entry number = class id) and token counts.
 */
#ifndef NLP_STRMAP_H
#define NLP_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct nlp_strmap_entry {
	char *key;               /* NUL-terminated copy */
	size_t len;
	uint64_t value;
};

struct nlp_strmap {
	struct nlp_strmap_entry *ent;
	size_t n, ent_cap;
	uint32_t *slot;          /* entry number + 1, 0 = empty */
	size_t slot_cap;         /* a power of two */
};

/*
 * The entry for key, added with value 0 if absent; NULL when out of memory.
 * The pointer is valid until the next add.
 */
struct nlp_strmap_entry *nlp_strmap_add(struct nlp_strmap *m, const char *key,
    size_t len);

/* The entry for key, or NULL. */
struct nlp_strmap_entry *nlp_strmap_get(const struct nlp_strmap *m,
    const char *key, size_t len);

/* Free everything; the map is empty and reusable afterwards. */
void nlp_strmap_release(struct nlp_strmap *m);

#endif
