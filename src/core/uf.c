/*
 * uf.c — union-find with the smallest member as representative (see uf.h).
 */
#include <stdlib.h>

#include "core/uf.h"
#include "dac/core.h"

int dac_uf_init(dac_uf *uf, size_t n)
{
    uf->n = 0;
    uf->parent = malloc(sizeof *uf->parent * (n ? n : 1));
    if (!uf->parent)
        return dac_error(DAC_ERR_NOMEM, "union-find: out of memory for %zu elements", n);
    uf->n = n;
    for (size_t i = 0; i < n; i++)
        uf->parent[i] = i;
    return DAC_OK;
}

void dac_uf_free(dac_uf *uf)
{
    free(uf->parent);
    uf->parent = NULL;
    uf->n = 0;
}

size_t dac_uf_find(dac_uf *uf, size_t i)
{
    size_t *p = uf->parent;
    while (p[i] != i) {
        p[i] = p[p[i]]; /* path halving */
        i = p[i];
    }
    return i;
}

int dac_uf_union(dac_uf *uf, size_t a, size_t b)
{
    size_t ra = dac_uf_find(uf, a), rb = dac_uf_find(uf, b);
    if (ra == rb)
        return 0;
    if (ra < rb)
        uf->parent[rb] = ra;
    else
        uf->parent[ra] = rb;
    return 1;
}

size_t dac_uf_labels(dac_uf *uf, size_t *label)
{
    size_t k = 0;
    /* A representative is its set's smallest member, so scanning upwards meets every
     * representative before the other members of its set. */
    for (size_t i = 0; i < uf->n; i++) {
        size_t r = dac_uf_find(uf, i);
        label[i] = r == i ? k++ : label[r];
    }
    return k;
}
