/*
 * analysis.c — sites of the lattice as `dac struct analyze` sees them in the
 * structure the engine writes (snapshot.c), and the run's result object.
 *
 * A site is a connected group of metal atoms on nearest-neighbour sites (union-find
 * over the atoms, core's dac_uf). snapshot.c places shell atoms so that the first shell
 * of a site in the structure is exactly the union of the shell atoms owned by its
 * metals' pocket positions (a bridging atom of a dual pocket counted once), and the
 * lattice spacing is checked so that nearest neighbours — and only they — are closer
 * than dac struct's pair cutoff; so the counts and labels here are those dac struct
 * finds (tests/synth/test_analysis.c reads the written file back to check it).
 */
#include <stdlib.h>
#include <string.h>

#include "core/grid.h"
#include "core/sort.h"
#include "core/uf.h"
#include "synth/synth_internal.h"

#define LABEL_SIZE 48

typedef struct {
    size_t size, metal[DAC_SYNTH_MAX_METALS], n_N, n_C;
} component;

/* Shell N and C counted for the atom at (x, y) of a pocket position. */
static void shell_of_atom(const dac_synth_engine *e, int x, int y, size_t *n_N, size_t *n_C)
{
    uint32_t i = synth_index(&e->g, x, y);
    uint32_t id = synth_map_get(&e->pk, i);
    if (id == SYNTH_NONE)
        return;
    const synth_pocket *pk = &e->pockets[id];
    int pos = (pk->x[0] == x && pk->y[0] == y) ? 0 : 1;
    int other_occupied = pk->dual &&
        (e->state[synth_index(&e->g, pk->x[1 - pos], pk->y[1 - pos])] & SYNTH_OCC);
    for (int k = 0; k < pk->n_shell; k++) {
        unsigned own = synth_shell_owners(pk->dual, k);
        if (!(own >> pos & 1))
            continue;
        if (own == 3 && pos == 1 && other_occupied)
            continue; /* the bridge: counted with the first position's atom */
        if (pk->is_N >> k & 1)
            (*n_N)++;
        else
            (*n_C)++;
    }
}

static int build_components(const dac_synth_engine *e, dac_uf *uf, size_t **label_out,
                            component **comp_out, size_t *n_comp)
{
    const synth_lattice *g = &e->g;
    size_t n = e->n_atoms;
    int st = dac_uf_init(uf, n ? n : 1);
    size_t *label = malloc((n ? n : 1) * sizeof *label);
    if (st || !label) {
        free(label);
        return st ? st : dac_error(DAC_ERR_NOMEM, "synth: out of memory for the site analysis");
    }
    for (size_t i = 0; i < n; i++) {
        const synth_atom *a = &e->atoms[i];
        if (!(a->flags & SYNTH_ATOM_PLACED))
            continue;
        for (int d = 0; d < g->z; d++) {
            uint32_t j = synth_index(g, synth_wrap(a->x + g->dx[d], g->L), synth_wrap(a->y + g->dy[d], g->L));
            if (e->state[j] & SYNTH_OCC)
                dac_uf_union(uf, i, e->site_atom[j]);
        }
    }
    *n_comp = n ? dac_uf_labels(uf, label) : 0;
    component *c = calloc(*n_comp ? *n_comp : 1, sizeof *c);
    if (!c) {
        free(label);
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for the site analysis");
    }
    for (size_t i = 0; i < n; i++) {
        const synth_atom *a = &e->atoms[i];
        component *k = &c[label[i]];
        k->size++;
        k->metal[a->metal]++;
        if ((a->flags & SYNTH_ATOM_PLACED) && (e->state[synth_index(g, a->x, a->y)] & SYNTH_POCKET))
            shell_of_atom(e, a->x, a->y, &k->n_N, &k->n_C);
    }
    *label_out = label;
    *comp_out = c;
    return DAC_OK;
}

void synth_format_label(const int *Z, const size_t *count, size_t n_elements, size_t n_N,
                        size_t n_C, char *buf, size_t size)
{
    /* dac struct: metal symbols alphabetically, a count only when > 1 except for a
     * single atom ("Ni1"); then '-' and the shell, N and C first, counts always. */
    size_t order[DAC_SYNTH_MAX_METALS] = {0, 1}, total = 0, len = 0;
    if (n_elements == 2 && strcmp(dac_element_by_Z(Z[0])->symbol, dac_element_by_Z(Z[1])->symbol) > 0) {
        order[0] = 1;
        order[1] = 0;
    }
    for (size_t k = 0; k < n_elements; k++)
        total += count[k];
    buf[0] = '\0';
    for (size_t j = 0; j < n_elements; j++) {
        size_t k = order[j];
        if (!count[k])
            continue;
        const char *sym = dac_element_by_Z(Z[k])->symbol;
        int w = count[k] > 1 || total == 1 ? snprintf(buf + len, size - len, "%s%zu", sym, count[k])
                                           : snprintf(buf + len, size - len, "%s", sym);
        len = w > 0 && len + (size_t)w < size ? len + (size_t)w : size - 1;
    }
    if (n_N || n_C) {
        char shell[64] = "-";
        size_t k = 1;
        if (n_N)
            k += (size_t)snprintf(shell + k, sizeof shell - k, "N%zu", n_N);
        if (n_C && k < sizeof shell)
            snprintf(shell + k, sizeof shell - k, "C%zu", n_C);
        snprintf(buf + len, size - len, "%s", shell);
    }
}

static int compare_label(const void *a, const void *b, void *ctx)
{
    const char *labels = ctx;
    return strcmp(labels + *(const size_t *)a * LABEL_SIZE, labels + *(const size_t *)b * LABEL_SIZE);
}

static int compare_count(const void *a, const void *b, void *ctx)
{
    (void)ctx;
    const dac_synth_label *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->label, y->label);
}

static dac_site_kind kind_of(size_t size)
{
    return size >= 3 ? DAC_SITE_CLUSTER : size == 2 ? DAC_SITE_PAIR : DAC_SITE_SINGLE;
}

/* Label tally: one label per component, sorted, runs counted, then by count. */
static int tally_labels(const dac_synth_engine *e, const component *c, size_t n_comp,
                        synth_analysis *out)
{
    int Z[DAC_SYNTH_MAX_METALS] = {e->p.metal[0].Z, e->p.metal[1].Z};
    char *text = malloc((n_comp ? n_comp : 1) * LABEL_SIZE);
    size_t *idx = malloc((n_comp ? n_comp : 1) * sizeof *idx);
    int st = text && idx ? DAC_OK : dac_error(DAC_ERR_NOMEM, "synth: out of memory for labels");
    for (size_t k = 0; st == DAC_OK && k < n_comp; k++) {
        synth_format_label(Z, c[k].metal, e->p.n_metals, c[k].n_N, c[k].n_C, text + k * LABEL_SIZE, LABEL_SIZE);
        idx[k] = k;
    }
    if (st == DAC_OK)
        st = dac_sort(idx, n_comp, sizeof *idx, compare_label, text);
    if (st == DAC_OK && n_comp)
        out->labels = calloc(n_comp, sizeof *out->labels);
    if (st == DAC_OK && n_comp && !out->labels)
        st = dac_error(DAC_ERR_NOMEM, "synth: out of memory for labels");
    for (size_t k = 0; st == DAC_OK && k < n_comp; k++) {
        const char *lab = text + idx[k] * LABEL_SIZE;
        if (!out->n_labels || strcmp(out->labels[out->n_labels - 1].label, lab) != 0) {
            out->labels[out->n_labels].label = strdup(lab);
            if (!out->labels[out->n_labels].label) {
                st = dac_error(DAC_ERR_NOMEM, "synth: out of memory for labels");
                break;
            }
            out->n_labels++;
        }
        dac_synth_label *l = &out->labels[out->n_labels - 1];
        l->count++;
        l->kind_count[kind_of(c[idx[k]].size)]++;
    }
    if (st == DAC_OK)
        st = dac_sort(out->labels, out->n_labels, sizeof *out->labels, compare_count, NULL);
    free(text);
    free(idx);
    return st;
}

int synth_analyze(const dac_synth_engine *e, int full, synth_analysis *out)
{
    memset(out, 0, sizeof *out);
    dac_uf uf = {0};
    size_t *label = NULL, n_comp = 0;
    component *c = NULL;
    int st = build_components(e, &uf, &label, &c, &n_comp);
    dac_uf_free(&uf);
    free(label);
    if (st)
        return st;
    double sum_N_pairs = 0, sum_N = 0;
    for (size_t k = 0; k < n_comp; k++) {
        dac_site_kind kind = kind_of(c[k].size);
        out->count[kind]++;
        out->n_metal += c[k].size;
        out->max_size = c[k].size > out->max_size ? c[k].size : out->max_size;
        sum_N += (double)c[k].n_N;
        if (kind == DAC_SITE_PAIR) {
            sum_N_pairs += (double)c[k].n_N;
            if (c[k].metal[0] == 1)
                out->pairs_hetero++;
            else
                out->pairs_homo++;
        }
    }
    size_t sites = out->count[1] + out->count[2] + out->count[3], pairs = out->count[DAC_SITE_PAIR];
    out->purity_site = sites ? (double)pairs / (double)sites : NAN;
    out->hetero_purity_site = sites ? (double)out->pairs_hetero / (double)sites : NAN;
    out->purity_atom = out->n_metal ? 2.0 * (double)pairs / (double)out->n_metal : NAN;
    out->mean_N_pairs = pairs ? sum_N_pairs / (double)pairs : NAN;
    out->mean_N_sites = sites ? sum_N / (double)sites : NAN;
    if (full) {
        out->size_count = calloc(out->max_size + 1, sizeof *out->size_count);
        if (!out->size_count)
            st = dac_error(DAC_ERR_NOMEM, "synth: out of memory");
        for (size_t k = 0; st == DAC_OK && k < n_comp; k++)
            out->size_count[c[k].size]++;
        if (st == DAC_OK)
            st = tally_labels(e, c, n_comp, out);
    }
    free(c);
    if (st)
        synth_analysis_free(out);
    return st;
}

int synth_atom_kinds(const dac_synth_engine *e, uint8_t *kind, size_t count[4])
{
    dac_uf uf = {0};
    size_t *label = NULL, n_comp = 0;
    component *c = NULL;
    int st = build_components(e, &uf, &label, &c, &n_comp);
    dac_uf_free(&uf);
    for (size_t i = 0; st == DAC_OK && i < e->n_atoms; i++)
        kind[i] = (uint8_t)kind_of(c[label[i]].size);
    for (int k = 0; k < 4; k++)
        count[k] = 0;
    for (size_t k = 0; st == DAC_OK && k < n_comp; k++)
        count[kind_of(c[k].size)]++; /* as synth_analyze counts sites */
    free(label);
    free(c);
    return st;
}

void synth_analysis_free(synth_analysis *a)
{
    for (size_t k = 0; k < a->n_labels; k++)
        free(a->labels[k].label);
    free(a->labels);
    free(a->size_count);
    a->labels = NULL;
    a->size_count = NULL;
    a->n_labels = 0;
}

/* ------------------------------------------------------------ result -------------- */

#define MM_BIN_A 0.5
#define MM_BINS 20

typedef struct {
    const double *z;
    size_t self, close, n_close;
    double best2;
} nearest_ctx;

static int visit_nearest(const dac_grid_hit *hit, void *user)
{
    nearest_ctx *c = user;
    double dz = c->z[hit->index] - c->z[c->self], d2 = hit->d2 + dz * dz;
    if (d2 < c->best2)
        c->best2 = d2;
    if (d2 < 3.5 * 3.5) { /* dac struct's default pair cutoff */
        c->n_close++;
        c->close = hit->index;
    }
    return 0;
}

/* Each metal's nearest other metal (3-D, as in the written structure), and the mean
 * M–M distance of pairs (two atoms that are each other's only neighbour). */
static int mm_histogram(const dac_synth_engine *e, dac_synth_result *r)
{
    size_t n = e->n_atoms;
    r->mm_bin_A = MM_BIN_A;
    r->n_mm_bins = MM_BINS;
    r->mm_count = calloc(MM_BINS, sizeof *r->mm_count);
    double *xy = malloc((n ? n : 1) * 2 * sizeof *xy), *z = malloc((n ? n : 1) * sizeof *z);
    size_t *close = malloc((n ? n : 1) * sizeof *close);
    double *best = malloc((n ? n : 1) * sizeof *best);
    int st = r->mm_count && xy && z && close && best ? DAC_OK : dac_error(DAC_ERR_NOMEM, "synth: out of memory");
    for (size_t i = 0; st == DAC_OK && i < n; i++) {
        const synth_atom *a = &e->atoms[i];
        synth_site_position(&e->g, a->x, a->y, xy + 2 * i);
        z[i] = (e->state[synth_index(&e->g, a->x, a->y)] & SYNTH_POCKET) ? 0.0 : SYNTH_PLAIN_Z_A;
    }
    double cell[2][2], reach = MM_BIN_A * MM_BINS, sum_pair = 0;
    synth_lattice_cell(&e->g, cell);
    dac_grid *grid = NULL;
    if (st == DAC_OK && n)
        st = dac_grid_create(2, xy, n, &cell[0][0], NULL, reach, &grid);
    for (size_t i = 0; st == DAC_OK && i < n; i++) {
        nearest_ctx c = {z, i, SIZE_MAX, 0, INFINITY};
        st = dac_grid_neighbors(grid, i, reach, visit_nearest, &c);
        best[i] = sqrt(c.best2);
        close[i] = c.n_close == 1 ? c.close : SIZE_MAX;
        if (best[i] < reach)
            r->mm_count[(size_t)(best[i] / MM_BIN_A)]++;
        else
            r->mm_beyond++;
    }
    size_t n_pair = 0;
    for (size_t i = 0; st == DAC_OK && i < n; i++)
        if (close[i] != SIZE_MAX && close[i] > i && close[close[i]] == i) {
            sum_pair += best[i];
            n_pair++;
        }
    r->mm_pair_distance_A = n_pair ? sum_pair / (double)n_pair : NAN;
    dac_grid_free(grid);
    free(xy);
    free(z);
    free(close);
    free(best);
    return st;
}

int dac_synth_engine_result(const dac_synth_engine *e, dac_synth_result **out)
{
    if (!e || !out)
        return dac_error(DAC_ERR_USAGE, "dac_synth_engine_result: NULL argument");
    *out = NULL;
    synth_analysis a;
    int st = synth_analyze(e, 1, &a);
    if (st)
        return st;
    dac_synth_result *r = calloc(1, sizeof *r);
    if (!r) {
        synth_analysis_free(&a);
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory");
    }
    r->route = e->p.route;
    r->seed = e->seed;
    r->events = e->events;
    r->null_events = e->null_events;
    memcpy(r->events_by_kind, e->by_kind, sizeof r->events_by_kind);
    r->fp_jumps = e->fp_jumps;
    r->fp_bursts = e->fp_bursts;
    r->sim_time_s = synth_dd_value(e->t);
    r->wall_s = e->wall_s;
    r->events_per_s = e->wall_s > 0 ? (double)e->events / e->wall_s : NAN;
    r->temperature_K = e->kT_eV / DAC_KB_EV_PER_K;
    r->n_metal_atoms = a.n_metal;
    for (size_t m = 0; m < e->p.n_metals; m++)
        r->atoms_waiting += e->waiting[m];
    r->complexes_held = e->held.n;
    memcpy(r->count, a.count, sizeof r->count);
    r->pairs_homo = a.pairs_homo;
    r->pairs_hetero = a.pairs_hetero;
    r->purity_site = a.purity_site;
    r->purity_atom = a.purity_atom;
    r->hetero_purity_site = a.hetero_purity_site;
    r->mean_shell_N_pairs = a.mean_N_pairs;
    r->mean_shell_N_sites = a.mean_N_sites;
    r->max_cluster_size = a.max_size;
    r->cluster_size_count = a.size_count;
    r->n_labels = a.n_labels;
    r->labels = a.labels;
    st = mm_histogram(e, r);
    if (st) {
        dac_synth_result_free(r);
        return st;
    }
    *out = r;
    return DAC_OK;
}

void dac_synth_result_free(dac_synth_result *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->n_labels; k++)
        free(r->labels[k].label);
    free(r->labels);
    free(r->cluster_size_count);
    free(r->mm_count);
    free(r);
}

const char *dac_synth_result_top_label(const dac_synth_result *r, int kind)
{
    const dac_synth_label *best = NULL;
    for (size_t k = 0; k < r->n_labels; k++) {
        size_t n = kind > 0 && kind < 4 ? r->labels[k].kind_count[kind] : r->labels[k].count;
        size_t b = !best ? 0 : kind > 0 && kind < 4 ? best->kind_count[kind] : best->count;
        if (n > b)
            best = &r->labels[k];
    }
    return best ? best->label : NULL;
}
