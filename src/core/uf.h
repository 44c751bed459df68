/*
 * uf.h — union-find (disjoint sets) over 0 … n−1 (private to libdac).
 *
 * Used wherever things that are close together form groups: metal atoms into sites,
 * blobs into fitting groups, walkers into islands. Each set's representative is its
 * smallest member, so the grouping — and any labelling derived from it — does not
 * depend on the order in which the unions were made. Path halving keeps finds short;
 * with the smallest-member rule instead of union by rank the amortised cost is
 * O(log n) per operation, which is plenty at the sizes here and keeps the result
 * canonical.
 */
#ifndef DAC_CORE_UF_H
#define DAC_CORE_UF_H

#include <stddef.h>

typedef struct {
    size_t n;
    size_t *parent;
} dac_uf;

/* n singletons. DAC_ERR_NOMEM on failure (uf is then empty, safe to free). */
int dac_uf_init(dac_uf *uf, size_t n);
void dac_uf_free(dac_uf *uf);
/* Representative (smallest member) of i's set. */
size_t dac_uf_find(dac_uf *uf, size_t i);
/* Joins the sets of a and b; returns 1 when they were separate. */
int dac_uf_union(dac_uf *uf, size_t a, size_t b);
/* label[i] = 0, 1, … numbering the sets in order of their smallest member; returns the
 * number of sets. */
size_t dac_uf_labels(dac_uf *uf, size_t *label);

#endif
