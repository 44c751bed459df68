/*
 * table.c — the event table's sum tree and member lists (the design is explained in
 * synth_internal.h, at synth_table).
 */
#include <stdlib.h>
#include <string.h>

#include "synth/synth_internal.h"

int synth_table_init(synth_table *t, size_t n_classes)
{
    memset(t, 0, sizeof *t);
    size_t leaves = 1;
    while (leaves < n_classes)
        leaves <<= 1;
    t->n_classes = n_classes;
    t->n_leaves = leaves;
    t->cls = calloc(n_classes, sizeof *t->cls);
    t->tree = calloc(2 * leaves, sizeof *t->tree);
    if (!t->cls || !t->tree) {
        synth_table_free(t);
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for %zu event classes", n_classes);
    }
    return DAC_OK;
}

void synth_table_free(synth_table *t)
{
    free(t->cls);
    free(t->tree);
    t->cls = NULL;
    t->tree = NULL;
}

size_t synth_class_size(const synth_table *t, size_t c)
{
    const synth_class *k = &t->cls[c];
    return k->set ? k->set->n : k->count;
}

static double leaf_value(const synth_table *t, size_t c)
{
    double r = t->cls[c].rate;
    size_t n = synth_class_size(t, c);
    return n && r > 0 ? (double)n * r : 0.0;
}

void synth_table_update(synth_table *t, size_t c)
{
    size_t i = t->n_leaves + c;
    t->version++;
    t->tree[i] = leaf_value(t, c);
    for (i >>= 1; i; i >>= 1)
        t->tree[i] = t->tree[2 * i] + t->tree[2 * i + 1];
}

void synth_table_rebuild(synth_table *t)
{
    t->version++;
    for (size_t c = 0; c < t->n_leaves; c++)
        t->tree[t->n_leaves + c] = c < t->n_classes ? leaf_value(t, c) : 0.0;
    for (size_t i = t->n_leaves - 1; i; i--)
        t->tree[i] = t->tree[2 * i] + t->tree[2 * i + 1];
}

size_t synth_table_pick(const synth_table *t, double u)
{
    if (!(t->tree[1] > 0))
        return SIZE_MAX;
    /* The first leaf holds the classes' most frequent one (the engine's class 0: a lone
     * walker on plain support), and u below its value is exactly where the descent
     * would end: every left sum on the way down is at least that value. */
    if (u < t->tree[t->n_leaves])
        return 0;
    size_t i = 1;
    while (i < t->n_leaves) {
        double left = t->tree[2 * i];
        if (u < left) {
            i = 2 * i;
        } else {
            u -= left;
            i = 2 * i + 1;
        }
    }
    /* Rounding can end on an empty leaf at a boundary: take the nearest non-empty one. */
    size_t c = i - t->n_leaves;
    if (t->tree[i] > 0)
        return c;
    for (size_t d = 1; d < t->n_leaves; d++) {
        if (c >= d && t->tree[t->n_leaves + c - d] > 0)
            return c - d;
        if (c + d < t->n_leaves && t->tree[t->n_leaves + c + d] > 0)
            return c + d;
    }
    return SIZE_MAX;
}

int synth_set_add(synth_set *s, uint32_t id, uint32_t pos, uint32_t *slot)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? 2 * s->cap : 16;
        synth_member *m = realloc(s->m, (size_t)cap * sizeof *m);
        if (!m)
            return dac_error(DAC_ERR_NOMEM, "synth: out of memory for an event class");
        s->m = m;
        s->cap = cap;
    }
    *slot = s->n;
    s->m[s->n++] = (synth_member){id, pos};
    return DAC_OK;
}

uint32_t synth_set_remove(synth_set *s, uint32_t slot)
{
    synth_member last = s->m[--s->n];
    if (slot == s->n)
        return SYNTH_NONE;
    s->m[slot] = last;
    return last.id;
}

void synth_set_free(synth_set *s)
{
    free(s->m);
    s->m = NULL;
    s->n = s->cap = 0;
}
