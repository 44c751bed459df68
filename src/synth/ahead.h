/*
 * ahead.h — the run loop's speculative look-ahead (engine.c runs it, ahead.c makes it).
 *
 * On a lattice far larger than the caches an event's cost is its memory waits: the
 * member record of the class list, the state bytes of the new site's neighbourhood,
 * the site → atom lines the hop writes and the atom record, each a random DRAM line.
 * The ring of real random words (engine.c, "look-ahead") prefetches them one and two
 * events ahead, but one event's work is shorter than one DRAM access, so most of the
 * wait stays. The real words cannot be drawn deeper (where they fall in the random
 * stream, between the draws events make themselves, would move), so a private copy of
 * the generator guesses them: it steps the way draw_words does, three words per event,
 * for the events after the ring's last. Each guess is used in two stages, as the ring
 * does: when it is made (the SYNTH_GUESS_DEPTH-th event after the ring's last), its
 * class and slot are picked from the table as it is then and the member record is
 * prefetched; when SYNTH_GUESS_SITE guesses are left before it, the record (in cache by
 * then) names the atom and the site whose lines are prefetched, with the
 * SYNTH_AHEAD + SYNTH_GUESS_SITE events before it still to run.
 *
 * The guesses are only ever prefetch addresses: no result reads them. They hold while
 * no event draws words of its own (a retried hop direction, a scheduled point's or a
 * first-passage exit's fresh waiting time, an arrival, an N loss …; a rejected
 * ziggurat layer's extra words the copy draws itself, as the real generator will). Each
 * real draw is compared with the guess made for it, and on the first difference the
 * copy restarts from the real generator: on bench/synth 0.9 % of events, on the
 * co-pyrolysis example 1.3 %. A wrong guess costs a few useless prefetches, never a
 * different trajectory (tests/synth/test_ahead.c runs the same seed with the guesses,
 * with the ring's prefetches only and with none, and compares the states).
 */
#ifndef DAC_SYNTH_AHEAD_H
#define DAC_SYNTH_AHEAD_H

#include "core/rng.h"
#include "synth/synth_internal.h"

/* How far beyond the ring's last event (the ring is SYNTH_AHEAD = 3 events deep, so
 * the event about to run is the fourth before the first guess). Measured on bench/synth at
 * 1.6·10⁷ sites (docs/synth.md, "Speed"), site stage / depth 1 / 6, 2 / 8 and 3 / 10:
 * 1 / 6 was the fastest, within 3 % of prefetching from a recorded list of the events'
 * atoms (an oracle); deeper, more guesses go wrong (a class's member count changes,
 * moving the slot a word picks) and the waits are already hidden four events ahead.
 * (-D overrides them, to measure others.) */
#ifndef SYNTH_GUESS_DEPTH
#define SYNTH_GUESS_DEPTH 6
#endif
#ifndef SYNTH_GUESS_SITE
#define SYNTH_GUESS_SITE 1
#endif
#define SYNTH_GUESS_RING 16 /* a power of two ≥ SYNTH_GUESS_DEPTH + SYNTH_AHEAD */
_Static_assert(SYNTH_GUESS_DEPTH + SYNTH_AHEAD <= SYNTH_GUESS_RING && SYNTH_GUESS_SITE < SYNTH_GUESS_DEPTH,
               "the guesses and the ring's three waiting-time words must fit the ring of guesses");
#define SYNTH_NO_GUESS UINT32_MAX

typedef struct {
    uint64_t r_t, r_c, r_m; /* the guessed words (r_c is compared with the real one) */
    uint32_t cls;           /* the hop class picked for it (SYNTH_NO_GUESS: another kind) */
} synth_guess;

/* Allocated only where the lattice outgrows the caches (synth_ahead_create). */
struct synth_ahead {
    int deep;                         /* the guesses are made (else only the wrapped
                                         tables below serve the ring's prefetches) */
    uint32_t head, tail;              /* guesses [head, tail), mod SYNTH_GUESS_RING, for
                                         the events after the ring's last, in order */
    dac_rng rng;                      /* the copy: the real generator as it will be
                                         after the tail's event's words, if no event
                                         draws its own meanwhile */
    synth_guess g[SYNTH_GUESS_RING];
    uint64_t restarts;                /* speculations ended by a wrong guess (the test
                                         checks that they are few) */
    /* synth_row of y at [y + 2] and synth_col of x at [L + 4 + x + 2], for y, x = −2 …
     * L + 1, wrapped, so the seven indices of a prefetch are loads of one or two cache
     * lines each instead of a wrap and a multiply each */
    uint32_t wrapped[];
};

/* The lines a hop of member m will touch: the tiles its new site's neighbourhood can
 * reach (two steps: the corners of the 5 × 5 block), the site → atom lines of the
 * three rows the hop writes (a line holds two rows of a tile, so rows y ± 1 bring row
 * y with them) and the atom record. Always inlined: as a function of loads and
 * prefetches only, GCC 12 finds it pure (a prefetch counts as no side effect) and
 * deletes every call to it, since nothing is returned. */
__attribute__((always_inline)) static inline void synth_prefetch_hop(const dac_synth_engine *e,
                                                                     const synth_member *m)
{
    const uint32_t *row = e->ahead->wrapped + 2, *col = e->ahead->wrapped + e->g.L + 6;
    int x = (int)(m->pos & 0xFFFF), y = (int)(m->pos >> 16);
    uint32_t c_lo = col[x - 2], c_hi = col[x + 2], r_lo = row[y - 2], r_hi = row[y + 2];
    __builtin_prefetch(&e->state[r_lo + c_lo]);
    __builtin_prefetch(&e->state[r_lo + c_hi]);
    __builtin_prefetch(&e->state[r_hi + c_lo]);
    __builtin_prefetch(&e->state[r_hi + c_hi]);
    uint32_t c = col[x];
    __builtin_prefetch(&e->site_atom[row[y - 1] + c], 1);
    __builtin_prefetch(&e->site_atom[row[y + 1] + c], 1);
    __builtin_prefetch(&e->atoms[m->id], 1);
}

/* Stage one: guess the words of the event after the tail's. Event T − 3 (three before
 * it in the stream: the ring is three deep) draws its waiting time from its own first
 * word before T's words are drawn, and where the ziggurat rejects that word it draws
 * more: the copy draws them too, the same way, so that a rejection (1 % of events)
 * does not end the speculation. Then its class and slot are picked from the table as it
 * is now (class 0, the lone walker on plain support, without a call: the tree's first
 * leaf, as synth_table_pick tests it first) and the member record is prefetched. */
static inline void synth_guess_one(dac_synth_engine *e, struct synth_ahead *a)
{
    uint64_t w_before = a->g[(a->tail - SYNTH_AHEAD) & (SYNTH_GUESS_RING - 1)].r_t;
    synth_guess *g = &a->g[a->tail++ & (SYNTH_GUESS_RING - 1)];
    dac_rng r = a->rng; /* a local copy: the stores to g could alias the state */
    if (!((w_before >> 11) < e->zig.k[w_before & 255]))
        (void)synth_zig_exponential_slow(&e->zig, w_before, &r);
    uint64_t w_t = dac_rng_step(&r), w_c = dac_rng_step(&r), w_m = dac_rng_step(&r);
    a->rng = r;
    g->r_t = w_t;
    g->r_c = w_c;
    g->r_m = w_m;
    g->cls = SYNTH_NO_GUESS;
    const synth_table *t = &e->table;
    double u = synth_pick_point(t, w_c);
    size_t c = u < t->tree[t->n_leaves] ? 0 : synth_table_pick(t, u);
    if (c == SIZE_MAX || t->cls[c].kind != SYNTH_EV_HOP || !t->cls[c].set->n)
        return;
    const synth_set *set = t->cls[c].set;
    g->cls = (uint32_t)c;
    __builtin_prefetch(&set->m[synth_pick_slot(w_m, set->n)]);
}

/* After the ring's newest event drew its words: check its guess, restart the copy from
 * the real generator when it was wrong, top the guesses up, and run stage two for the
 * guess SYNTH_GUESS_SITE events beyond the ring — its slot again from its word, for the
 * list as it is now (a class that gained or lost a member since moves about half its slots). */
static inline void synth_ahead_step(dac_synth_engine *e)
{
    struct synth_ahead *a = e->ahead;
    const synth_draw *newest = &e->draw[e->cur ? e->cur - 1 : SYNTH_AHEAD - 1];
    if (a->head != a->tail && a->g[a->head & (SYNTH_GUESS_RING - 1)].r_c == newest->r_c) {
        a->head++;
    } else { /* the ring's waiting-time words in stream order before the first guess */
        a->rng = e->rng;
        a->head = a->tail;
        for (int k = 0; k < SYNTH_AHEAD; k++)
            a->g[(a->tail - SYNTH_AHEAD + k) & (SYNTH_GUESS_RING - 1)].r_t =
                e->draw[(e->cur + k) % SYNTH_AHEAD].r_t;
        a->restarts++;
    }
    while (a->tail - a->head < SYNTH_GUESS_DEPTH)
        synth_guess_one(e, a);
    const synth_guess *g = &a->g[(a->head + SYNTH_GUESS_SITE) & (SYNTH_GUESS_RING - 1)];
    if (g->cls == SYNTH_NO_GUESS)
        return;
    const synth_set *set = e->table.cls[g->cls].set;
    if (set->n) /* the class may have emptied since */
        synth_prefetch_hop(e, &set->m[synth_pick_slot(g->r_m, set->n)]);
}

/* ahead.c: made when the lattice is larger than the caches (e->ahead stays NULL
 * otherwise); freed with free(). */
int synth_ahead_create(dac_synth_engine *e);

#endif
