/*
 * analyze.c — metal sites of a structure: single atoms, pairs (dual-atom sites) and
 * clusters, with their first coordination shell, a literature-style label and, for
 * pairs, the synergy mode of the review (Zhong et al., Acc. Chem. Res. 2025, 58, 1379;
 * domain.md §1, §3).
 *
 * Steps:
 *  1. A neighbour list centred on metal atoms only (everything else is a neighbour,
 *     never a centre), with a cutoff that covers both the M–M pair cutoff and the
 *     longest possible metal–non-metal bond of this structure. For a 10^6-atom sheet
 *     with 1 % metal this is 100× less work than the full list.
 *  2. Sites = connected components of the M–M graph (breadth-first). Each atom of a
 *     site gets the image offset at which it was reached, so the site is "unwrapped";
 *     an edge that reaches an atom of the site at a different offset means the site
 *     touches its own periodic image (an infinite network: a cluster).
 *  3. Per site: element string, M–M distance (pairs), first shell, label, synergy, and
 *     the nearest metal of another site — another site, or another periodic copy of
 *     this one. When that metal is beyond the step-1 cutoff, a metal-only search is
 *     repeated with doubling cutoffs until it is found or cannot exist.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "dac/struct.h"

#define MAX_Z 118

void dac_site_options_default(dac_site_options *opt)
{
    /* 3.5 Å: the default; it joins the M···M distances of 3.1–4.1 Å reported for
     * indirect-synergy DACs (domain.md §1) and is the "pair" radius of domain.md §3. */
    opt->pair_cutoff_A = 3.5;
    /* 1.2 × (r_cov,i + r_cov,j): a common bond criterion with Cordero radii (assumption;
     * the default). */
    opt->bond_tolerance = 1.2;
    /* 4.5 Å: between the longest indirect (4.1 Å) and the direct (5.8 Å) distances of
     * the review (domain.md §1); the default. */
    opt->bridge_min_A = 4.5;
}

const char *dac_synergy_name(dac_synergy synergy)
{
    switch (synergy) {
    case DAC_SYNERGY_DIRECT: return "direct";
    case DAC_SYNERGY_INDIRECT: return "indirect";
    default: return NULL;
    }
}

/* Working state of one analysis. Metal atoms are numbered 0..n_metal-1 in file order
 * ("ordinals"); per-metal arrays are indexed by ordinal. */
typedef struct {
    const dac_structure *s;
    dac_site_options opt;
    double rcov[MAX_Z + 1];
    unsigned char metal_Z[MAX_Z + 1];
    const char *symbol[MAX_Z + 1];
    size_t n_metal;
    unsigned char *is_metal; /* per atom */
    uint32_t *ord;           /* per atom: metal ordinal or UINT32_MAX */
    uint32_t *atom;          /* per ordinal: atom index */
    uint32_t *site_of;       /* per ordinal */
    int (*off)[3];           /* per ordinal: image offset within its site */
    uint32_t *stamp;         /* per atom: last site (+1) that counted it */
    dac_neighbor_list *nl;   /* centres: metals */
    double reach_A;          /* cutoff of nl */
} ctx;

static void ctx_free(ctx *c)
{
    free(c->is_metal);
    free(c->ord);
    free(c->atom);
    free(c->site_of);
    free(c->off);
    free(c->stamp);
    dac_neighbor_list_free(c->nl);
}

/* |r_j + shift·C − r_i| in double precision (the list stores floats). */
static double entry_distance(const dac_structure *s, size_t i, size_t j, const int8_t shift[3])
{
    double v[3];
    for (int k = 0; k < 3; k++) {
        v[k] = s->position_A[3 * j + k] - s->position_A[3 * i + k];
        if (s->has_cell)
            v[k] += shift[0] * s->cell_A[0][k] + shift[1] * s->cell_A[1][k] + shift[2] * s->cell_A[2][k];
    }
    return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

static int setup(ctx *c)
{
    const dac_structure *s = c->s;
    size_t n = s->n_atoms;
    for (int z = 1; z <= MAX_Z; z++) {
        const dac_element *e = dac_element_by_Z(z);
        c->rcov[z] = e ? e->covalent_radius_A : 0.0;
        c->metal_Z[z] = e ? (unsigned char)(e->is_metal != 0) : 0;
        c->symbol[z] = e ? e->symbol : NULL;
    }
    c->is_metal = malloc(n ? n : 1);
    c->ord = malloc((n ? n : 1) * sizeof *c->ord);
    if (!c->is_metal || !c->ord)
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory for %zu atoms", n);
    double rmax_metal = 0, rmax_other = 0;
    for (size_t i = 0; i < n; i++) {
        int z = s->Z[i];
        if (z < 1 || z > MAX_Z || !c->symbol[z])
            return dac_error(DAC_ERR_INPUT, "site analysis: atom %zu has atomic number %d, "
                             "which is not in the element table", i, z);
        c->is_metal[i] = c->metal_Z[z];
        c->ord[i] = c->metal_Z[z] ? (uint32_t)c->n_metal++ : UINT32_MAX;
        if (c->metal_Z[z])
            rmax_metal = fmax(rmax_metal, c->rcov[z]);
        else
            rmax_other = fmax(rmax_other, c->rcov[z]);
    }
    size_t m = c->n_metal ? c->n_metal : 1;
    c->atom = malloc(m * sizeof *c->atom);
    c->site_of = malloc(m * sizeof *c->site_of);
    c->off = calloc(m, sizeof *c->off);
    c->stamp = calloc(n ? n : 1, sizeof *c->stamp);
    if (!c->atom || !c->site_of || !c->off || !c->stamp)
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory for %zu metals", c->n_metal);
    for (size_t i = 0; i < n; i++)
        if (c->ord[i] != UINT32_MAX)
            c->atom[c->ord[i]] = (uint32_t)i;
    if (!c->n_metal)
        return DAC_OK;
    c->reach_A = fmax(c->opt.pair_cutoff_A, c->opt.bond_tolerance * (rmax_metal + rmax_other));
    return dac_struct_neighbors(s, c->reach_A, c->is_metal, &c->nl);
}

/* Breadth-first components of the M–M graph; returns the number of sites. */
static size_t find_components(ctx *c, unsigned char *extended_by_site)
{
    const dac_neighbor_list *nl = c->nl;
    size_t n_sites = 0;
    uint32_t *queue = c->stamp; /* free until the shell step; holds ordinals here */
    for (size_t m = 0; m < c->n_metal; m++)
        c->site_of[m] = UINT32_MAX;
    for (size_t m0 = 0; m0 < c->n_metal; m0++) {
        if (c->site_of[m0] != UINT32_MAX)
            continue;
        uint32_t site = (uint32_t)n_sites++;
        size_t head = 0, tail = 0;
        c->site_of[m0] = site;
        queue[tail++] = (uint32_t)m0;
        extended_by_site[site] = 0;
        while (head < tail) {
            uint32_t m = queue[head++];
            size_t a = c->atom[m];
            for (size_t e = nl->start[a]; e < nl->start[a + 1]; e++) {
                uint32_t j = nl->j[e], mj = c->ord[j];
                if (mj == UINT32_MAX || nl->distance_A[e] > c->opt.pair_cutoff_A + 1e-3)
                    continue;
                if (entry_distance(c->s, a, j, nl->shift[e]) >= c->opt.pair_cutoff_A)
                    continue;
                int o[3] = {c->off[m][0] + nl->shift[e][0], c->off[m][1] + nl->shift[e][1],
                            c->off[m][2] + nl->shift[e][2]};
                if (c->site_of[mj] == UINT32_MAX) {
                    c->site_of[mj] = site;
                    memcpy(c->off[mj], o, sizeof o);
                    queue[tail++] = mj;
                } else if (memcmp(c->off[mj], o, sizeof o) != 0) {
                    extended_by_site[site] = 1; /* reached itself in another image */
                }
            }
        }
    }
    memset(c->stamp, 0, c->s->n_atoms * sizeof *c->stamp);
    return n_sites;
}

/* Nearest-other-site candidate test for a list entry a→j (j a metal). */
static int other_copy(const ctx *c, const dac_site *site, uint32_t site_id, size_t a, uint32_t mj,
                      const int8_t shift[3])
{
    if (c->site_of[mj] != site_id)
        return 1;
    if (site->extended)
        return 0;
    uint32_t ma = c->ord[a];
    for (int k = 0; k < 3; k++)
        if (c->off[ma][k] + shift[k] != c->off[mj][k])
            return 1;
    return 0;
}

/* Symbols of the counted elements in label order: `priority` first (in that order),
 * then the rest alphabetically. Appends "SymCount" for each; count 1 written only when
 * `write_one`. Returns the length written. */
static size_t append_formula(const ctx *c, char *buf, size_t size, size_t len, const size_t *count,
                             const char *const *priority, int write_one)
{
    unsigned char done[MAX_Z + 1] = {0};
    for (;;) {
        int best = 0;
        for (int p = 0; priority && priority[p] && !best; p++) {
            const dac_element *e = dac_element_by_symbol(priority[p]);
            if (e && count[e->Z] && !done[e->Z])
                best = e->Z;
        }
        for (int z = 1; z <= MAX_Z && !best; z++)
            if (count[z] && !done[z]) {
                best = z;
                for (int y = z + 1; y <= MAX_Z; y++)
                    if (count[y] && !done[y] && strcmp(c->symbol[y], c->symbol[best]) < 0)
                        best = y;
            }
        if (!best)
            return len;
        done[best] = 1;
        int w;
        if (count[best] > 1 || write_one)
            w = snprintf(buf + len, size - len, "%s%zu", c->symbol[best], count[best]);
        else
            w = snprintf(buf + len, size - len, "%s", c->symbol[best]);
        if (w > 0)
            len = len + (size_t)w < size ? len + (size_t)w : size - 1;
    }
}

static int describe_site(ctx *c, dac_site *site, uint32_t id)
{
    static const char *const shell_order[] = {"N", "C", "O", "S", "P", NULL};
    const dac_structure *s = c->s;
    const dac_neighbor_list *nl = c->nl;
    size_t metals[MAX_Z + 1] = {0}, shell[MAX_Z + 1] = {0};
    site->mm_distance_A = NAN;
    site->nearest_other_site_A = INFINITY;
    for (size_t q = 0; q < site->n_atoms; q++) {
        size_t a = site->atoms[q];
        metals[s->Z[a]]++;
        for (size_t e = nl->start[a]; e < nl->start[a + 1]; e++) {
            uint32_t j = nl->j[e];
            uint32_t mj = c->ord[j];
            if (mj != UINT32_MAX) {
                if (site->kind == DAC_SITE_PAIR && c->site_of[mj] == id && j != a)
                    site->mm_distance_A = fmin(isnan(site->mm_distance_A) ? INFINITY : site->mm_distance_A,
                                               entry_distance(s, a, j, nl->shift[e]));
                if (other_copy(c, site, id, a, mj, nl->shift[e]))
                    site->nearest_other_site_A = fmin(site->nearest_other_site_A,
                                                      entry_distance(s, a, j, nl->shift[e]));
                continue;
            }
            int zj = s->Z[j];
            double bond = c->opt.bond_tolerance * (c->rcov[s->Z[a]] + c->rcov[zj]);
            if (c->stamp[j] == id + 1 || nl->distance_A[e] > bond + 1e-3 ||
                entry_distance(s, a, j, nl->shift[e]) >= bond)
                continue;
            c->stamp[j] = id + 1;
            shell[zj]++;
        }
    }
    for (int z = 0; z <= MAX_Z && z < 128; z++)
        site->coordination[z] = (int)shell[z];
    char buf[4096];
    size_t len = append_formula(c, buf, sizeof buf, 0, metals, NULL, 0);
    site->elements = strdup(buf);
    len = site->n_atoms == 1 ? append_formula(c, buf, sizeof buf, 0, metals, NULL, 1) : len;
    size_t mark = len;
    len = append_formula(c, buf, sizeof buf, len + 1, shell, shell_order, 1);
    if (len > mark + 1)
        buf[mark] = '-';
    else
        buf[mark] = '\0';
    site->label = strdup(buf);
    if (!site->elements || !site->label)
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
    if (site->kind == DAC_SITE_PAIR)
        site->synergy = site->mm_distance_A >= c->opt.bridge_min_A ? DAC_SYNERGY_DIRECT
                                                                   : DAC_SYNERGY_INDIRECT;
    return DAC_OK;
}

/* Farthest any "other site" metal can be: any other metal is within the bounding box
 * diagonal of the metals; another periodic copy of a finite site is one shortest
 * periodic lattice vector away. */
static double search_limit(const ctx *c)
{
    const dac_structure *s = c->s;
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (size_t m = 0; m < c->n_metal; m++)
        for (int k = 0; k < 3; k++) {
            lo[k] = fmin(lo[k], s->position_A[3 * c->atom[m] + k]);
            hi[k] = fmax(hi[k], s->position_A[3 * c->atom[m] + k]);
        }
    double diag = sqrt((hi[0] - lo[0]) * (hi[0] - lo[0]) + (hi[1] - lo[1]) * (hi[1] - lo[1]) +
                       (hi[2] - lo[2]) * (hi[2] - lo[2]));
    double shortest = 0;
    for (int k = 0; s->has_cell && k < 3; k++)
        if (s->pbc[k]) {
            const double *v = s->cell_A[k];
            double l = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            shortest = shortest == 0 ? l : fmin(shortest, l);
        }
    return fmax(diag, shortest) * (1 + 1e-9) + 1e-6;
}

/* One round of the far search at cutoff R with the centres marked in `centre`, in
 * batches so that no list holds more than about BATCH_ENTRIES entries. `per_centre`
 * carries the entries-per-centre estimate between rounds. An entry i→j between two
 * sites is a candidate for site(i) and, when that site is searched "from outside"
 * (by_complement), also for site(j): the distance is symmetric. */
#define BATCH_ENTRIES 4000000.0
static int far_round(ctx *c, dac_site_analysis *A, const dac_structure *sub, double R,
                     const unsigned char *centre, const unsigned char *by_complement,
                     unsigned char *mask, double *per_centre)
{
    size_t m = 0, listed = 0, centres = 0;
    while (m < c->n_metal) {
        size_t batch = (size_t)fmax(1.0, BATCH_ENTRIES / fmax(*per_centre, 1.0));
        size_t taken = 0, first = m;
        for (; m < c->n_metal && taken < batch; m++)
            taken += mask[m] = centre[m];
        if (!taken)
            break;
        dac_neighbor_list *nl;
        int rc = dac_struct_neighbors(sub, R, mask, &nl);
        if (rc)
            return rc;
        for (size_t q = first; q < m; q++) {
            if (!mask[q])
                continue;
            uint32_t sq = c->site_of[q];
            dac_site *site = &A->sites[sq];
            for (size_t e = nl->start[q]; e < nl->start[q + 1]; e++) {
                uint32_t j = nl->j[e], sj = c->site_of[j];
                if (!other_copy(c, site, sq, c->atom[q], j, nl->shift[e]))
                    continue;
                double d = entry_distance(c->s, c->atom[q], c->atom[j], nl->shift[e]);
                site->nearest_other_site_A = fmin(site->nearest_other_site_A, d);
                if (sj != sq && by_complement[sj])
                    A->sites[sj].nearest_other_site_A = fmin(A->sites[sj].nearest_other_site_A, d);
            }
            mask[q] = 0;
        }
        listed += nl->n_pairs;
        centres += taken;
        dac_neighbor_list_free(nl);
    }
    /* next round doubles R: up to 8× the entries in 3D */
    if (centres)
        *per_centre = 8.0 * (double)listed / (double)centres + 8.0;
    return DAC_OK;
}

/* Chooses the centres of a round. An open site is searched from its own atoms, except a
 * large one (more than BIG_SITE atoms) that has no other periodic copy: it is searched
 * from every metal outside it, which avoids listing all pairs of its own atoms (a
 * 10^4-atom nanoparticle far from a single atom). */
#define BIG_SITE 64
static void choose_centres(const ctx *c, const dac_site_analysis *A, int periodic,
                           unsigned char *centre, unsigned char *by_complement)
{
    size_t n_big = 0;
    for (size_t k = 0; k < A->n_sites; k++) {
        const dac_site *site = &A->sites[k];
        by_complement[k] = isinf(site->nearest_other_site_A) && site->n_atoms > BIG_SITE &&
                           (site->extended || !periodic);
        n_big += by_complement[k];
    }
    for (size_t m = 0; m < c->n_metal; m++) {
        uint32_t k = c->site_of[m];
        int open = isinf(A->sites[k].nearest_other_site_A);
        centre[m] = (unsigned char)((open && !by_complement[k]) ||
                                    (n_big > (size_t)by_complement[k]));
    }
}

/* Sites whose nearest other-site metal lies beyond the first cutoff: search the metals
 * alone with doubling cutoffs. Each round's list is complete below its cutoff, so the
 * first round that finds a candidate for a site finds its true nearest. */
static int far_search(ctx *c, dac_site_analysis *A)
{
    size_t open = 0;
    for (size_t k = 0; k < A->n_sites; k++)
        open += isinf(A->sites[k].nearest_other_site_A);
    int periodic = c->s->has_cell && (c->s->pbc[0] || c->s->pbc[1] || c->s->pbc[2]);
    if (A->n_sites == 1 && (A->sites[0].extended || !periodic))
        return DAC_OK; /* nothing else exists: no other site, no other copy */
    double limit = search_limit(c);
    if (!open || c->reach_A >= limit)
        return DAC_OK;
    dac_structure sub = *c->s; /* same cell and pbc; metals only */
    sub.n_atoms = c->n_metal;
    sub.Z = malloc(c->n_metal * sizeof *sub.Z);
    sub.position_A = malloc(3 * c->n_metal * sizeof *sub.position_A);
    unsigned char *mask = calloc(c->n_metal, 1), *centre = malloc(c->n_metal);
    unsigned char *by_complement = malloc(A->n_sites);
    int rc = DAC_OK;
    if (!sub.Z || !sub.position_A || !mask || !centre || !by_complement)
        rc = dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
    for (size_t m = 0; rc == DAC_OK && m < c->n_metal; m++) {
        sub.Z[m] = c->s->Z[c->atom[m]];
        memcpy(sub.position_A + 3 * m, c->s->position_A + 3 * c->atom[m], 3 * sizeof(double));
    }
    double per_centre = 64.0;
    for (double R = 2 * c->reach_A; rc == DAC_OK && open; R *= 2) {
        if (R > limit)
            R = limit;
        choose_centres(c, A, periodic, centre, by_complement);
        rc = far_round(c, A, &sub, R, centre, by_complement, mask, &per_centre);
        open = 0;
        for (size_t k = 0; k < A->n_sites; k++)
            open += isinf(A->sites[k].nearest_other_site_A);
        if (R >= limit)
            break;
    }
    free(sub.Z);
    free(sub.position_A);
    free(mask);
    free(centre);
    free(by_complement);
    return rc;
}

static int build_sites(ctx *c, dac_site_analysis *A)
{
    unsigned char *extended = malloc(c->n_metal ? c->n_metal : 1);
    if (!extended)
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
    A->n_sites = find_components(c, extended);
    A->sites = calloc(A->n_sites ? A->n_sites : 1, sizeof *A->sites);
    if (!A->sites) {
        free(extended);
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory for %zu sites", A->n_sites);
    }
    for (size_t m = 0; m < c->n_metal; m++)
        A->sites[c->site_of[m]].n_atoms++;
    for (size_t k = 0; k < A->n_sites; k++) {
        dac_site *site = &A->sites[k];
        site->extended = extended[k];
        site->kind = site->extended || site->n_atoms >= 3 ? DAC_SITE_CLUSTER
                     : site->n_atoms == 2                 ? DAC_SITE_PAIR
                                                          : DAC_SITE_SINGLE;
        site->atoms = malloc(site->n_atoms * sizeof *site->atoms);
        if (!site->atoms) {
            free(extended);
            return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
        }
        site->n_atoms = 0; /* refilled below, in ascending atom order */
    }
    free(extended);
    for (size_t m = 0; m < c->n_metal; m++) {
        dac_site *site = &A->sites[c->site_of[m]];
        site->atoms[site->n_atoms++] = c->atom[m];
    }
    for (size_t k = 0; k < A->n_sites; k++) {
        int rc = describe_site(c, &A->sites[k], (uint32_t)k);
        if (rc)
            return rc;
        A->count[A->sites[k].kind]++;
    }
    return far_search(c, A);
}

int dac_struct_analyze(const dac_structure *s, const dac_site_options *opt, dac_site_analysis **out)
{
    if (!s || !out)
        return dac_error(DAC_ERR_USAGE, "dac_struct_analyze: NULL argument");
    *out = NULL;
    ctx c = {0};
    c.s = s;
    if (opt)
        c.opt = *opt;
    else
        dac_site_options_default(&c.opt);
    if (!(c.opt.pair_cutoff_A > 0) || !isfinite(c.opt.pair_cutoff_A))
        return dac_error(DAC_ERR_USAGE, "site analysis: pair cutoff must be a positive number of Å");
    if (!(c.opt.bond_tolerance > 0) || !isfinite(c.opt.bond_tolerance))
        return dac_error(DAC_ERR_USAGE, "site analysis: bond tolerance must be a positive number");
    if (!isfinite(c.opt.bridge_min_A) || c.opt.bridge_min_A < 0)
        return dac_error(DAC_ERR_USAGE, "site analysis: bridge distance must be a non-negative number of Å");
    dac_site_analysis *A = calloc(1, sizeof *A);
    if (!A)
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
    int rc = setup(&c);
    if (rc == DAC_OK && c.n_metal)
        rc = build_sites(&c, A);
    ctx_free(&c);
    if (rc) {
        dac_site_analysis_free(A);
        return rc;
    }
    A->n_metal_atoms = c.n_metal;
    A->purity_site = A->n_sites ? (double)A->count[DAC_SITE_PAIR] / (double)A->n_sites : NAN;
    A->purity_atom = c.n_metal ? 2.0 * (double)A->count[DAC_SITE_PAIR] / (double)c.n_metal : NAN;
    *out = A;
    return DAC_OK;
}

void dac_site_analysis_free(dac_site_analysis *a)
{
    if (!a)
        return;
    for (size_t k = 0; a->sites && k < a->n_sites; k++) {
        free(a->sites[k].atoms);
        free(a->sites[k].elements);
        free(a->sites[k].label);
    }
    free(a->sites);
    free(a);
}
