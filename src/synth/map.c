/*
 * map.c — site → id maps (which atom sits on a site, which pocket a site belongs to).
 *
 * Open addressing with linear probing and backward-shift deletion (Knuth, TAOCP vol. 3,
 * §6.4, Algorithm R): no tombstones, so a map that sees 10⁹ deletions in a long run
 * stays as fast as a fresh one. Keys are tiled site indices, hashed by Fibonacci
 * multiplication so that neighbouring sites spread over the table. The capacity is a
 * power of two at least twice the most entries the map will ever hold (the engine
 * knows its atom and pocket counts at creation), so it never grows and the load factor
 * stays at or below one half.
 */
#include <stdlib.h>
#include <string.h>

#include "synth/synth_internal.h"

static inline size_t slot_of(const synth_map *m, uint32_t key)
{
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> 32) & m->mask;
}

int synth_map_init(synth_map *m, size_t max_entries)
{
    size_t cap = 16;
    while (cap < 2 * max_entries + 2)
        cap <<= 1;
    m->key = malloc(cap * sizeof *m->key);
    m->val = malloc(cap * sizeof *m->val);
    m->mask = cap - 1;
    m->n = 0;
    if (!m->key || !m->val) {
        synth_map_free(m);
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for a map of %zu entries", max_entries);
    }
    memset(m->key, 0xFF, cap * sizeof *m->key);
    return DAC_OK;
}

void synth_map_free(synth_map *m)
{
    free(m->key);
    free(m->val);
    m->key = m->val = NULL;
}

uint32_t synth_map_get(const synth_map *m, uint32_t key)
{
    for (size_t i = slot_of(m, key);; i = (i + 1) & m->mask) {
        if (m->key[i] == key)
            return m->val[i];
        if (m->key[i] == SYNTH_NONE)
            return SYNTH_NONE;
    }
}

void synth_map_put(synth_map *m, uint32_t key, uint32_t val)
{
    size_t i = slot_of(m, key);
    while (m->key[i] != SYNTH_NONE && m->key[i] != key)
        i = (i + 1) & m->mask;
    if (m->key[i] == SYNTH_NONE)
        m->n++;
    m->key[i] = key;
    m->val[i] = val;
}

void synth_map_del(synth_map *m, uint32_t key)
{
    size_t i = slot_of(m, key);
    while (m->key[i] != key) {
        if (m->key[i] == SYNTH_NONE)
            return;
        i = (i + 1) & m->mask;
    }
    m->n--;
    /* Shift back every later entry of the run that may move into the hole: entry j
     * (home h) may fill hole i unless h lies cyclically in (i, j]. */
    for (size_t j = i;;) {
        j = (j + 1) & m->mask;
        if (m->key[j] == SYNTH_NONE)
            break;
        size_t h = slot_of(m, m->key[j]);
        int stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (stays)
            continue;
        m->key[i] = m->key[j];
        m->val[i] = m->val[j];
        i = j;
    }
    m->key[i] = SYNTH_NONE;
}
