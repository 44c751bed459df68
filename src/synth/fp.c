/*
 * fp.c — the acceleration: first-passage jumps of lone walkers (docs/synth.md,
 * "The time-scale problem").
 *
 * A free atom on plain carbon far from everything is a continuous-time random walk
 * with rate k per direction. On the triangular lattice its six directions pair into
 * three axes (±a1, ±a2, ±(a1 − a2)) and, because each direction fires as its own
 * Poisson process, the displacement is n1·a1 + n2·a2 + n3·(a1 − a2) with n1, n2, n3
 * three independent 1-D walks, each jumping ±1 at rate k (square lattice: two). While
 * every |n_i| < R the walker stays within hex distance 2R − 2 of where it started; if
 * that region is plain and empty and no atom is next to it, the walker's rates are
 * those of the free walk throughout. So instead of ~R² hops, one event: the first time
 * τ that some n_i reaches ±R, and the other walks' values then — exact distributions:
 *
 *   one 1-D walk on −R+1 … R−1, absorbed at ±R, in internal time s = ∫k dt:
 *     p(n, s) = (1/R) Σ_{m odd} sin(mπ/2) sin(mπ(n+R)/2R) e^{−λ_m s},
 *     λ_m = 2 − 2cos(mπ/2R),  S(s) = Σ_n p(n, s) = (1/R) Σ_{m odd} sin(mπ/2) cot(mπ/4R) e^{−λ_m s}
 *   (eigenvectors of the absorbing walk; Feller, vol. 1, §XIV.5). The d walks survive
 *   together with S(s)^d, which gives τ; the walk that exits is any of the d with equal
 *   probability, on either side; the others are drawn from p(n, τ)/S(τ).
 *
 * This is exact in law, not an approximation (in the manner of first-passage kinetic
 * Monte Carlo, Oppelstrup et al., Phys. Rev. Lett. 97, 230602 (2006), but on the
 * lattice itself). What keeps it exact:
 *  - The domain claims the 8×8 tiles covering the square |Δx|, |Δy| ≤ 2R around the
 *    start (R on the square lattice); they must hold no pocket, no atom but the walker
 *    and no other domain. Any atom outside is then at least two sites from every site
 *    the walker can visit.
 *  - Before any event writes a site of a claimed tile (a hop, an arrival, a complex
 *    moving), the domain is "burst": the walker's position now is drawn from
 *    p(n, s)/S(s) for each walk, s the internal time elapsed, and it hops on normally.
 *    The pre-drawn τ is discarded; that is exact because the decision to burst depends
 *    only on other atoms (Oppelstrup et al.).
 *  - Rates change with temperature: the walks run on the internal clock Λ = ∫k(T(t))dt
 *    of their metal, so a domain survives temperature steps. Λ is piecewise linear in
 *    time, so it is stored as its value at the last rate change and evaluated only when
 *    a domain starts, ends or is burst; each domain's exit is kept as an absolute time
 *    (recomputed at rate changes), so the run loop pays one subtraction per event.
 *    All of it in double-double: at t = 10⁴ s a double resolves 2·10⁻¹² s, ten hops.
 * Domains are also burst before a snapshot and at the end of each run call, so the
 * caller always sees definite positions.
 */
#include <stdlib.h>
#include <string.h>

#include "synth/synth_internal.h"

#define FP_RETRY_HOPS 16 /* after a failed try, hops before the next one */
#define FP_MAX_R 64

static const int radius_choices[] = {4, 6, 8, 12, 16, 24, 32, 48, 64};
#define N_CHOICES (sizeof radius_choices / sizeof radius_choices[0])

typedef struct {
    int R, M;         /* radius; M = R modes (odd m = 1, 3, …, 2R − 1) */
    double *lam;      /* M */
    double *surv;     /* M: (1/R) sin(mπ/2) cot(mπ/4R) */
    double *pos;      /* M × R: (1/R) sin(mπ/2) sin(mπ(n+R)/2R), n = 0 … R−1 */
} fp_modes;

typedef struct {
    uint32_t atom;
    uint16_t x0, y0;
    int choice, metal, extent;
    synth_dd start, target; /* internal clock at the start and at the exit */
    double tau;
    uint32_t heap_pos;
} fp_domain;

typedef struct {
    uint32_t *id;
    size_t n;
} fp_heap;

struct synth_fp {
    int d;                /* independent walks: 3 (triangular) or 2 (square) */
    size_t n_choices;     /* usable radii: radius_choices[0 … n_choices) from first */
    size_t first;
    fp_modes modes[N_CHOICES];
    fp_domain *dom;
    uint32_t *free_ids;
    size_t n_free, cap;
    fp_heap heap[DAC_SYNTH_MAX_METALS];
    synth_dd clock_ref[DAC_SYNTH_MAX_METALS]; /* Λ at time t_ref */
    synth_dd t_ref;
    synth_dd exit_t[DAC_SYNTH_MAX_METALS];    /* real time of each heap top's exit */
    int exit_valid[DAC_SYNTH_MAX_METALS];
    size_t active[DAC_SYNTH_MAX_METALS];
    double *prob;         /* scratch: R_max */
    size_t bytes;
};

/* ------------------------------------------------------------ 1-D absorbing walk -- */

static int modes_init(fp_modes *md, int R)
{
    md->R = R;
    md->M = R;
    md->lam = malloc((size_t)R * sizeof *md->lam);
    md->surv = malloc((size_t)R * sizeof *md->surv);
    md->pos = malloc((size_t)R * (size_t)R * sizeof *md->pos);
    if (!md->lam || !md->surv || !md->pos)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for first-passage tables");
    for (int j = 0; j < R; j++) {
        int m = 2 * j + 1;
        double sgn = (j % 2 == 0) ? 1.0 : -1.0; /* sin(mπ/2) */
        md->lam[j] = 2.0 - 2.0 * cos(m * DAC_PI / (2.0 * R));
        md->surv[j] = sgn / (R * tan(m * DAC_PI / (4.0 * R)));
        for (int n = 0; n < R; n++)
            md->pos[(size_t)j * (size_t)R + (size_t)n] = sgn * sin(m * DAC_PI * (n + R) / (2.0 * R)) / R;
    }
    return DAC_OK;
}

static void modes_free(fp_modes *md)
{
    free(md->lam);
    free(md->surv);
    free(md->pos);
}

/* S(s) and dS/ds. The coefficients fall as 4/(mπ) and the exponentials faster, so
 * the tail after mode j is below 3·e^{−λ_j s}: stop when that is negligible. */
static double survival(const fp_modes *md, double s, double *deriv)
{
    double S = 0, dS = 0;
    for (int j = 0; j < md->M; j++) {
        double w = exp(-md->lam[j] * s);
        if (w < 1e-300 || (j > 2 && 3 * w < 1e-17 * fabs(S)))
            break;
        S += md->surv[j] * w;
        dS -= md->surv[j] * md->lam[j] * w;
    }
    if (deriv)
        *deriv = dS;
    return S;
}

/* The s with S(s) = q (0 < q < 1): bracketed Newton. */
static double solve_survival(const fp_modes *md, double q)
{
    double lo = 0, hi = fmax(1.0, log(md->surv[0] / q) / md->lam[0]) + 1.0;
    while (survival(md, hi, NULL) > q)
        hi *= 2;
    double s = 0.5 * (lo + hi);
    for (int it = 0; it < 200; it++) {
        double dS, S = survival(md, s, &dS);
        if (S > q)
            lo = s;
        else
            hi = s;
        double next = dS < 0 ? s - (S - q) / dS : 0.5 * (lo + hi);
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - s) <= 1e-14 * s || hi - lo <= 1e-14 * hi)
            return next;
        s = next;
    }
    return s;
}

/* p(n, s) for n = 0 … R−1 into prob (p(−n) = p(n)); returns Σ over −R+1 … R−1. */
static double position_law(const fp_modes *md, double s, double *prob)
{
    int R = md->R;
    for (int n = 0; n < R; n++)
        prob[n] = 0;
    double w0 = exp(-md->lam[0] * s);
    for (int j = 0; j < md->M; j++) {
        double w = exp(-md->lam[j] * s);
        if (w < 1e-18 * w0 || w < 1e-300)
            break;
        const double *row = md->pos + (size_t)j * (size_t)R;
        for (int n = 0; n < R; n++)
            prob[n] += row[n] * w;
    }
    double total = 0;
    for (int n = 0; n < R; n++) {
        if (!(prob[n] > 0))
            prob[n] = 0;
        total += n ? 2 * prob[n] : prob[n];
    }
    return total;
}

static int draw_position(dac_rng *rng, const double *prob, int R, double total)
{
    double u = dac_rng_uniform(rng) * total;
    if (u < prob[0] || total <= 0)
        return 0;
    u -= prob[0];
    int sign = 1;
    if (u >= 0.5 * (total - prob[0])) {
        sign = -1;
        u -= 0.5 * (total - prob[0]);
    }
    for (int n = 1; n < R; n++) {
        if (u < prob[n])
            return sign * n;
        u -= prob[n];
    }
    return sign * (R - 1);
}

/* ------------------------------------------------------------ heaps --------------- */

static int dd_less(synth_dd a, synth_dd b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }

static void heap_swap(synth_fp *fp, fp_heap *h, size_t i, size_t j)
{
    uint32_t t = h->id[i];
    h->id[i] = h->id[j];
    h->id[j] = t;
    fp->dom[h->id[i]].heap_pos = (uint32_t)i;
    fp->dom[h->id[j]].heap_pos = (uint32_t)j;
}

static void heap_up(synth_fp *fp, fp_heap *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!dd_less(fp->dom[h->id[i]].target, fp->dom[h->id[parent]].target))
            break;
        heap_swap(fp, h, i, parent);
        i = parent;
    }
}

static void heap_down(synth_fp *fp, fp_heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < h->n && dd_less(fp->dom[h->id[l]].target, fp->dom[h->id[best]].target))
            best = l;
        if (r < h->n && dd_less(fp->dom[h->id[r]].target, fp->dom[h->id[best]].target))
            best = r;
        if (best == i)
            return;
        heap_swap(fp, h, i, best);
        i = best;
    }
}

static void heap_remove(synth_fp *fp, fp_heap *h, size_t i)
{
    h->n--;
    if (i == h->n)
        return;
    heap_swap(fp, h, i, h->n);
    heap_down(fp, h, i);
    heap_up(fp, h, i);
}

/* ------------------------------------------------------------ clocks -------------- */

static synth_dd clock_now(const dac_synth_engine *e, int m)
{
    const synth_fp *fp = e->fp;
    synth_dd dt = synth_dd_sub(e->t, fp->t_ref);
    return synth_dd_add_dd(fp->clock_ref[m], synth_dd_mul(dt, e->hop_k[m]));
}

/* Real time at which metal m's clock reaches the first exit. */
static void update_exit(dac_synth_engine *e, int m)
{
    synth_fp *fp = e->fp;
    fp->exit_valid[m] = 1;
    if (!fp->heap[m].n || !(e->hop_k[m] > 0)) {
        fp->exit_t[m] = (synth_dd){INFINITY, 0};
        return;
    }
    synth_dd left = synth_dd_sub(fp->dom[fp->heap[m].id[0]].target, fp->clock_ref[m]);
    fp->exit_t[m] = synth_dd_add_dd(fp->t_ref, synth_dd_div(left, e->hop_k[m]));
}

/* ------------------------------------------------------------ set-up -------------- */

int synth_fp_create(dac_synth_engine *e, synth_fp **out)
{
    *out = NULL;
    synth_fp *fp = calloc(1, sizeof *fp);
    if (!fp)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory");
    fp->d = e->g.z == 6 ? 3 : 2;
    fp->first = N_CHOICES;
    for (size_t c = 0; c < N_CHOICES; c++) {
        int R = radius_choices[c], extent = e->g.z == 6 ? 2 * R : R;
        if (R < e->p.first_passage_min_radius || 2 * extent + 17 > e->g.L)
            continue;
        if (fp->first == N_CHOICES)
            fp->first = c;
        fp->n_choices = c + 1;
    }
    int st = DAC_OK;
    for (size_t c = fp->first; st == DAC_OK && c < fp->n_choices; c++) {
        st = modes_init(&fp->modes[c], radius_choices[c]);
        fp->bytes += (size_t)radius_choices[c] * (size_t)(radius_choices[c] + 2) * sizeof(double);
    }
    fp->cap = e->cap_atoms ? e->cap_atoms : 1;
    fp->dom = calloc(fp->cap, sizeof *fp->dom);
    fp->free_ids = malloc(fp->cap * sizeof *fp->free_ids);
    fp->prob = malloc(FP_MAX_R * sizeof *fp->prob);
    for (size_t m = 0; m < DAC_SYNTH_MAX_METALS; m++)
        fp->heap[m].id = malloc(fp->cap * sizeof(uint32_t));
    if (st || !fp->dom || !fp->free_ids || !fp->prob || !fp->heap[0].id || !fp->heap[1].id) {
        synth_fp_free(fp);
        return st ? st : dac_error(DAC_ERR_NOMEM, "synth: out of memory for domains");
    }
    for (size_t i = 0; i < fp->cap; i++) {
        fp->free_ids[i] = (uint32_t)(fp->cap - 1 - i);
        fp->dom[i].atom = SYNTH_NONE;
    }
    fp->n_free = fp->cap;
    fp->bytes += sizeof *fp + fp->cap * (sizeof *fp->dom + 3 * sizeof(uint32_t));
    *out = fp;
    return DAC_OK;
}

void synth_fp_free(synth_fp *fp)
{
    if (!fp)
        return;
    for (size_t c = 0; c < N_CHOICES; c++)
        modes_free(&fp->modes[c]);
    free(fp->dom);
    free(fp->free_ids);
    free(fp->prob);
    for (size_t m = 0; m < DAC_SYNTH_MAX_METALS; m++)
        free(fp->heap[m].id);
    free(fp);
}

size_t synth_fp_bytes(const synth_fp *fp) { return fp->bytes; }

size_t synth_fp_active(const synth_fp *fp) { return fp->active[0] + fp->active[1]; }

/* ------------------------------------------------------------ tiles --------------- */

static int tile_clear(const dac_synth_engine *e, int tx, int ty, uint32_t own)
{
    int TL = e->g.TL;
    uint32_t t = (uint32_t)(synth_wrap(ty, TL) * TL + synth_wrap(tx, TL));
    return !e->tile_owner[t] && !e->tile_pockets[t] && e->tile_atoms[t] == (t == own ? 1u : 0u);
}

/* Largest tile radius r such that the tiles within Chebyshev distance r are clear. */
static int clear_radius(const dac_synth_engine *e, int x, int y, int r_cap)
{
    int tx = x >> 3, ty = y >> 3;
    uint32_t own = synth_tile(&e->g, x, y);
    if (!tile_clear(e, tx, ty, own))
        return -1;
    for (int r = 1; r <= r_cap; r++) {
        for (int i = -r; i <= r; i++)
            if (!tile_clear(e, tx + i, ty - r, own) || !tile_clear(e, tx + i, ty + r, own) ||
                (i > -r && i < r && (!tile_clear(e, tx - r, ty + i, own) || !tile_clear(e, tx + r, ty + i, own))))
                return r - 1;
    }
    return r_cap;
}

static void claim_tiles(dac_synth_engine *e, const fp_domain *dm, uint32_t value)
{
    int TL = e->g.TL, E = dm->extent;
    for (int ty = (dm->y0 - E) >> 3; ty <= (dm->y0 + E) >> 3; ty++)
        for (int tx = (dm->x0 - E) >> 3; tx <= (dm->x0 + E) >> 3; tx++)
            e->tile_owner[synth_wrap(ty, TL) * TL + synth_wrap(tx, TL)] = value;
}

/* ------------------------------------------------------------ domains ------------- */

static int lone(const dac_synth_engine *e, const synth_atom *a)
{
    /* plain site, no neighbour: class (metal, category 0, bonds 0, 0) */
    return a->cls == (uint16_t)(e->hop_base + (size_t)a->metal * (2 + SYNTH_SHELL_PER_SITE) * e->n_bond_combos);
}

void synth_fp_try(dac_synth_engine *e, uint32_t id)
{
    synth_fp *fp = e->fp;
    synth_atom *a = &e->atoms[id];
    if (fp->n_choices == 0 || !lone(e, a) || !fp->n_free)
        return;
    uint32_t wait = a->link == SYNTH_NONE ? 0 : a->link;
    if (wait) {
        a->link = wait - 1;
        return;
    }
    int scale = e->g.z == 6 ? 2 : 1;
    int edge = a->x & 7, ey = a->y & 7;
    int margin = edge < 7 - edge ? edge : 7 - edge;
    margin = ey < margin ? ey : margin;
    margin = 7 - ey < margin ? 7 - ey : margin;
    int r_cap = (scale * radius_choices[fp->n_choices - 1] - margin + 7) / 8;
    int rt = clear_radius(e, a->x, a->y, r_cap);
    size_t choice = SIZE_MAX;
    for (size_t c = fp->first; rt >= 0 && c < fp->n_choices; c++)
        if (scale * radius_choices[c] <= margin + 8 * rt)
            choice = c;
    if (choice == SIZE_MAX) {
        a->link = FP_RETRY_HOPS;
        return;
    }
    uint32_t d = fp->free_ids[--fp->n_free];
    fp_domain *dm = &fp->dom[d];
    dm->atom = id;
    dm->x0 = a->x;
    dm->y0 = a->y;
    dm->choice = (int)choice;
    dm->metal = a->metal;
    dm->extent = scale * radius_choices[choice];
    synth_lift(e, id);
    a->flags |= SYNTH_ATOM_PROTECTED;
    a->link = d;
    claim_tiles(e, dm, d + 1);
    if (fp->active[dm->metal]++ == 0) { /* restart the clock: keeps its values small */
        fp->clock_ref[dm->metal] = (synth_dd){0, 0};
        for (int m = 0; m < DAC_SYNTH_MAX_METALS; m++)
            if (m != dm->metal)
                fp->clock_ref[m] = clock_now(e, m);
        fp->t_ref = e->t;
    }
    double u = dac_rng_uniform_open(&e->rng), q = pow(u, 1.0 / fp->d);
    if (q > 1 - 1e-13)
        q = 1 - 1e-13;
    dm->tau = solve_survival(&fp->modes[choice], q);
    dm->start = clock_now(e, dm->metal);
    dm->target = synth_dd_add(dm->start, dm->tau);
    fp_heap *h = &fp->heap[dm->metal];
    dm->heap_pos = (uint32_t)h->n;
    h->id[h->n++] = d;
    heap_up(fp, h, h->n - 1);
    fp->exit_valid[dm->metal] = 0;
}

/* Ends domain d with the walker displaced by walks n[0 … d): back on the lattice. */
static void end_domain(dac_synth_engine *e, uint32_t d, const int *n, uint32_t retry)
{
    synth_fp *fp = e->fp;
    fp_domain *dm = &fp->dom[d];
    synth_atom *a = &e->atoms[dm->atom];
    heap_remove(fp, &fp->heap[dm->metal], dm->heap_pos);
    fp->exit_valid[dm->metal] = 0;
    claim_tiles(e, dm, 0);
    fp->active[dm->metal]--;
    fp->free_ids[fp->n_free++] = d;
    uint32_t id = dm->atom;
    dm->atom = SYNTH_NONE;
    int du = fp->d == 3 ? n[0] + n[2] : n[0], dv = fp->d == 3 ? n[1] - n[2] : n[1];
    a->flags &= (uint8_t)~SYNTH_ATOM_PROTECTED;
    a->link = retry;
    synth_place(e, id, synth_wrap(dm->x0 + du, e->g.L), synth_wrap(dm->y0 + dv, e->g.L));
}

double synth_fp_next(dac_synth_engine *e, int *metal)
{
    synth_fp *fp = e->fp;
    double best = INFINITY;
    for (int m = 0; m < (int)e->p.n_metals; m++) {
        if (!fp->active[m])
            continue;
        if (!fp->exit_valid[m])
            update_exit(e, m);
        double left = synth_dd_diff(fp->exit_t[m], e->t);
        if (left < best) {
            best = left < 0 ? 0 : left;
            *metal = m;
        }
    }
    return best;
}

void synth_fp_exit(dac_synth_engine *e, int metal)
{
    synth_fp *fp = e->fp;
    uint32_t d = fp->heap[metal].id[0];
    const fp_domain *dm = &fp->dom[d];
    const fp_modes *md = &fp->modes[dm->choice];
    int n[3] = {0, 0, 0}, axis = (int)dac_rng_below(&e->rng, (uint64_t)fp->d);
    double total = position_law(md, dm->tau, fp->prob);
    for (int k = 0; k < fp->d; k++)
        n[k] = k == axis ? (dac_rng_uniform(&e->rng) < 0.5 ? -md->R : md->R)
                         : draw_position(&e->rng, fp->prob, md->R, total);
    e->fp_jumps++;
    uint32_t id = dm->atom;
    end_domain(e, d, n, 0);
    synth_fp_try(e, id); /* the region beyond is often clear as well */
}

static void burst(dac_synth_engine *e, uint32_t d)
{
    synth_fp *fp = e->fp;
    const fp_domain *dm = &fp->dom[d];
    const fp_modes *md = &fp->modes[dm->choice];
    double s = synth_dd_diff(clock_now(e, dm->metal), dm->start);
    if (s < 0)
        s = 0;
    double total = position_law(md, s, fp->prob);
    int n[3] = {0, 0, 0};
    for (int k = 0; k < fp->d; k++)
        n[k] = draw_position(&e->rng, fp->prob, md->R, total);
    e->fp_bursts++;
    end_domain(e, d, n, FP_RETRY_HOPS);
}

void synth_fp_touch(dac_synth_engine *e, int x, int y)
{
    uint32_t owner = e->tile_owner[synth_tile(&e->g, x, y)];
    if (owner)
        burst(e, owner - 1);
}

void synth_fp_burst_all(dac_synth_engine *e)
{
    synth_fp *fp = e->fp;
    /* in domain order, so the draws do not depend on the heaps' layout */
    for (uint32_t d = 0; d < fp->cap && synth_fp_active(fp); d++)
        if (fp->dom[d].atom != SYNTH_NONE)
            burst(e, d);
}

void synth_fp_rates_changed(dac_synth_engine *e, const double *old_k)
{
    /* re-base the clocks at now with the rates that held until now */
    synth_fp *fp = e->fp;
    synth_dd dt = synth_dd_sub(e->t, fp->t_ref);
    for (int m = 0; m < DAC_SYNTH_MAX_METALS; m++) {
        fp->clock_ref[m] = synth_dd_add_dd(fp->clock_ref[m], synth_dd_mul(dt, old_k[m]));
        fp->exit_valid[m] = 0;
    }
    fp->t_ref = e->t;
}
