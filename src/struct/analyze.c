/*
 * analyze.c — metal sites of a structure: single atoms, pairs (dual-atom sites) and
 * clusters, with their first coordination shell, a literature-style label and, for
 * pairs, the synergy mode of the review (Zhong et al., Acc. Chem. Res. 2025, 58, 1379;
 * docs/science.md §1, §3).
 *
 * Steps:
 *  0. Close contacts: two atoms closer than min_distance_A are bad input (one atom
 *     listed twice, a disordered site read as two atoms), never a pair at 0 Å. One
 *     cell grid over all atoms answers this and step 1; the check runs first and in
 *     memory O(n), so a pile of coincident atoms fails at once (neighbors.c).
 *  1. A neighbour list centred on metal atoms only (everything else is a neighbour,
 *     never a centre), with a cutoff that covers both the M–M pair cutoff and the
 *     longest possible metal–non-metal bond of this structure. For a 10^6-atom sheet
 *     with 1 % metal this is 100× less work than the full list.
 *  2. Sites = connected components of the M–M graph (core's union-find, smallest atom
 *     first). Under periodic boundaries a breadth-first walk then gives each atom of a
 *     site the image offset at which it is reached, so the site is "unwrapped"; an edge
 *     that reaches an atom of the site at another offset means the site touches its
 *     own periodic image (an infinite network: a cluster).
 *  3. Per site: element string, M–M distance (pairs), first shell, label, synergy, and
 *     the nearest metal of another site — another site, or another periodic copy of
 *     this one. When that metal is beyond the step-1 cutoff, a grid over the metals
 *     alone is queried with doubling radii until it is found or cannot exist.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/uf.h"
#include "struct/struct_internal.h"

#define MAX_Z STRUCT_MAX_Z

void dac_site_options_default(dac_site_options *opt)
{
    /* 3.5 Å: the default; it joins the M···M distances of 3.1–4.1 Å reported for
     * indirect-synergy DACs (docs/science.md §1) and is the "pair" radius of the image
     * statistics (docs/science.md §3). */
    opt->pair_cutoff_A = 3.5;
    /* 1.2 × (r_cov,i + r_cov,j): a common bond criterion with Cordero radii (assumption;
     * the default). */
    opt->bond_tolerance = 1.2;
    /* 4.5 Å: between the longest indirect (4.1 Å) and the direct (5.8 Å) distances of
     * the review (docs/science.md §1); the default. */
    opt->bridge_min_A = 4.5;
    /* 0.5 Å: shorter than any chemical bond — the shortest, H–H in H2, is 0.741 Å
     * (K. P. Huber, G. Herzberg, Constants of Diatomic Molecules, 1979) — and far longer
     * than the rounding of any coordinate file. Closer atoms are one atom twice. */
    opt->min_distance_A = 0.5;
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
    int alphabetical[MAX_Z];  /* the elements of the table, by symbol */
    size_t n_elements;
    size_t n_metal;
    unsigned char *is_metal; /* per atom */
    uint32_t *ord;           /* per atom: metal ordinal or UINT32_MAX */
    uint32_t *atom;          /* per ordinal: atom index */
    size_t *site_of;         /* per ordinal */
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
static double image_distance(const dac_structure *s, size_t i, size_t j, const int shift[3])
{
    double v[3];
    for (int k = 0; k < 3; k++) {
        v[k] = s->position_A[3 * j + k] - s->position_A[3 * i + k];
        if (s->has_cell)
            v[k] += shift[0] * s->cell_A[0][k] + shift[1] * s->cell_A[1][k] + shift[2] * s->cell_A[2][k];
    }
    return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

static void entry_shift(const dac_neighbor_list *nl, size_t e, int shift[3])
{
    for (int k = 0; k < 3; k++)
        shift[k] = nl->shift[e][k];
}

static double entry_distance(const ctx *c, size_t a, size_t e)
{
    int shift[3];
    entry_shift(c->nl, e, shift);
    return image_distance(c->s, a, c->nl->j[e], shift);
}

/* Entry e of atom a is a metal–metal edge of the site graph: the float distance first
 * (cheap), the exact one at the boundary. */
static int mm_edge(const ctx *c, size_t a, size_t e)
{
    const dac_neighbor_list *nl = c->nl;
    if (c->ord[nl->j[e]] == UINT32_MAX || nl->distance_A[e] > c->opt.pair_cutoff_A + 1e-3)
        return 0;
    return entry_distance(c, a, e) < c->opt.pair_cutoff_A;
}

static int element_tables(ctx *c)
{
    for (int z = 1; z <= MAX_Z; z++) {
        const dac_element *e = dac_element_by_Z(z);
        c->rcov[z] = e ? e->covalent_radius_A : 0.0;
        c->metal_Z[z] = e ? (unsigned char)(e->is_metal != 0) : 0;
        c->symbol[z] = e ? e->symbol : NULL;
    }
    return struct_elements_alphabetical(c->alphabetical, &c->n_elements);
}

/* The grid failed with DAC_ERR_USAGE (the radius reaches too many periodic images):
 * name the option that made the radius. */
static int radius_error(const ctx *c, double bond_reach_A, int st)
{
    char why[1024];
    const char *m = dac_last_error(), *prefix = "neighbour search: ";
    snprintf(why, sizeof why, "%s", strncmp(m, prefix, strlen(prefix)) ? m : m + strlen(prefix));
    if (c->reach_A <= c->opt.min_distance_A)
        return dac_error(st, "min_distance_A = %g Å is too long for this cell: %s",
                         c->opt.min_distance_A, why);
    if (c->opt.pair_cutoff_A >= bond_reach_A)
        return dac_error(st, "pair_cutoff_A = %g Å is too long for this cell: %s",
                         c->opt.pair_cutoff_A, why);
    return dac_error(st, "bond_tolerance = %g makes the first-shell search %g Å long, too long "
                     "for this cell: %s", c->opt.bond_tolerance, bond_reach_A, why);
}

/* One grid over every atom serves the close-contact check (all atoms) and the
 * metal-centred neighbour list; the check comes first, so the list is bounded. */
static int neighbours(ctx *c, double bond_reach_A)
{
    double cutoff = fmax(c->reach_A, c->opt.min_distance_A);
    dac_grid *g;
    int st = struct_grid_create(c->s, cutoff, &g);
    if (st == DAC_ERR_USAGE)
        return radius_error(c, bond_reach_A, st);
    if (st == DAC_OK)
        st = struct_check_contacts(c->s, g, c->opt.min_distance_A);
    if (st == DAC_OK && c->n_metal)
        st = struct_neighbors_from_grid(g, c->reach_A, c->is_metal, &c->nl);
    dac_grid_free(g);
    return st;
}

static int setup(ctx *c)
{
    const dac_structure *s = c->s;
    size_t n = s->n_atoms;
    int st = element_tables(c);
    if (st != DAC_OK)
        return st;
    c->is_metal = malloc(n ? n : 1);
    c->ord = malloc((n ? n : 1) * sizeof *c->ord);
    if (!c->is_metal || !c->ord)
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory for %zu atoms", n);
    double rmax_metal = 0, rmax_other = 0;
    for (size_t i = 0; i < n; i++) {
        int z = s->Z[i];
        if (z < 1 || z > MAX_Z || !c->symbol[z])
            return dac_error(DAC_ERR_INPUT, "site analysis: atom %zu has atomic number %d, "
                             "which is not in the element table", i + 1, z);
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
    double bond_reach = c->opt.bond_tolerance * (rmax_metal + rmax_other);
    c->reach_A = c->n_metal ? fmax(c->opt.pair_cutoff_A, bond_reach) : 0.0;
    return neighbours(c, bond_reach);
}

/* Sites = connected components of the M–M graph, numbered in order of their lowest
 * atom (union-find keeps the smallest member as representative). Returns the count. */
static int find_components(ctx *c, size_t *n_sites)
{
    const dac_neighbor_list *nl = c->nl;
    dac_uf uf;
    int st = dac_uf_init(&uf, c->n_metal);
    if (st != DAC_OK)
        return st;
    for (size_t m = 0; m < c->n_metal; m++) {
        size_t a = c->atom[m];
        for (size_t e = nl->start[a]; e < nl->start[a + 1]; e++)
            if (mm_edge(c, a, e))
                dac_uf_union(&uf, m, c->ord[nl->j[e]]);
    }
    *n_sites = dac_uf_labels(&uf, c->site_of);
    dac_uf_free(&uf);
    return DAC_OK;
}

/* Unwraps every site under periodic boundaries: a breadth-first walk from the site's
 * first metal gives each metal the image offset at which it is reached; an edge that
 * reaches a metal of the site at another offset means the site touches its own
 * periodic image (an infinite network). Without periodic axes every offset is 0. */
static int unwrap_sites(ctx *c, unsigned char *extended, size_t n_sites)
{
    const dac_structure *s = c->s;
    memset(extended, 0, n_sites ? n_sites : 1);
    if (!s->has_cell || !(s->pbc[0] || s->pbc[1] || s->pbc[2]))
        return DAC_OK;
    const dac_neighbor_list *nl = c->nl;
    uint32_t *queue = malloc(c->n_metal * sizeof *queue);
    unsigned char *seen = calloc(c->n_metal, 1);
    if (!queue || !seen) {
        free(queue);
        free(seen);
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory for %zu metals", c->n_metal);
    }
    for (size_t m0 = 0; m0 < c->n_metal; m0++) {
        if (seen[m0])
            continue;
        size_t head = 0, tail = 0;
        seen[m0] = 1;
        queue[tail++] = (uint32_t)m0;
        while (head < tail) {
            uint32_t m = queue[head++];
            size_t a = c->atom[m];
            for (size_t e = nl->start[a]; e < nl->start[a + 1]; e++) {
                if (!mm_edge(c, a, e))
                    continue;
                uint32_t mj = c->ord[nl->j[e]];
                int o[3] = {c->off[m][0] + nl->shift[e][0], c->off[m][1] + nl->shift[e][1],
                            c->off[m][2] + nl->shift[e][2]};
                if (!seen[mj]) {
                    seen[mj] = 1;
                    memcpy(c->off[mj], o, sizeof o);
                    queue[tail++] = mj;
                } else if (memcmp(c->off[mj], o, sizeof o) != 0) {
                    extended[c->site_of[m]] = 1;
                }
            }
        }
    }
    free(queue);
    free(seen);
    return DAC_OK;
}

/* Metal mj seen from atom a through image `shift` is a candidate for the nearest other
 * site of a's site: it belongs to another site, or to another periodic copy of a's
 * (finite) site. */
static int other_copy(const ctx *c, const dac_site *site, size_t site_id, size_t a, uint32_t mj,
                      const int shift[3])
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

/* Appends "SymCount" to buf for one element; the count 1 only when write_one. */
static size_t append_element(const ctx *c, char *buf, size_t size, size_t len, int z, size_t count,
                             int write_one)
{
    int w = count > 1 || write_one ? snprintf(buf + len, size - len, "%s%zu", c->symbol[z], count)
                                   : snprintf(buf + len, size - len, "%s", c->symbol[z]);
    if (w > 0)
        len = len + (size_t)w < size ? len + (size_t)w : size - 1;
    return len;
}

/* The counted elements in label order: `priority` first (in that order), then the rest
 * alphabetically. Returns the length written. */
static size_t append_formula(const ctx *c, char *buf, size_t size, size_t len, const size_t *count,
                             const char *const *priority, int write_one)
{
    unsigned char done[MAX_Z + 1] = {0};
    for (int p = 0; priority && priority[p]; p++) {
        const dac_element *e = dac_element_by_symbol(priority[p]);
        if (e && e->Z <= MAX_Z && count[e->Z]) {
            len = append_element(c, buf, size, len, e->Z, count[e->Z], write_one);
            done[e->Z] = 1;
        }
    }
    for (size_t k = 0; k < c->n_elements; k++) {
        int z = c->alphabetical[k];
        if (count[z] && !done[z])
            len = append_element(c, buf, size, len, z, count[z], write_one);
    }
    return len;
}

/* Elements, label, synergy from the counts of one site. */
static int name_site(const ctx *c, dac_site *site, const size_t *metals, const size_t *shell)
{
    static const char *const shell_order[] = {"N", "C", "O", "S", "P", NULL};
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

/* First shell, M–M distance and the nearest other site within the list's reach. A
 * non-metal bound to several metals of the site is counted once (stamp). */
static int describe_site(ctx *c, dac_site *site, size_t id)
{
    const dac_structure *s = c->s;
    const dac_neighbor_list *nl = c->nl;
    size_t metals[MAX_Z + 1] = {0}, shell[MAX_Z + 1] = {0};
    site->mm_distance_A = NAN;
    site->nearest_other_site_A = INFINITY;
    for (size_t q = 0; q < site->n_atoms; q++) {
        size_t a = site->atoms[q];
        metals[s->Z[a]]++;
        for (size_t e = nl->start[a]; e < nl->start[a + 1]; e++) {
            uint32_t j = nl->j[e], mj = c->ord[j];
            int shift[3];
            entry_shift(nl, e, shift);
            if (mj != UINT32_MAX) {
                double d = image_distance(s, a, j, shift);
                if (site->kind == DAC_SITE_PAIR && c->site_of[mj] == id && j != a)
                    site->mm_distance_A = isnan(site->mm_distance_A) ? d : fmin(site->mm_distance_A, d);
                if (other_copy(c, site, id, a, mj, shift))
                    site->nearest_other_site_A = fmin(site->nearest_other_site_A, d);
                continue;
            }
            int zj = s->Z[j];
            double bond = c->opt.bond_tolerance * (c->rcov[s->Z[a]] + c->rcov[zj]);
            if (c->stamp[j] == id + 1 || nl->distance_A[e] > bond + 1e-3 ||
                image_distance(s, a, j, shift) >= bond)
                continue;
            c->stamp[j] = (uint32_t)(id + 1);
            shell[zj]++;
        }
    }
    for (int z = 0; z <= MAX_Z && z < 128; z++)
        site->coordination[z] = (int)shell[z];
    return name_site(c, site, metals, shell);
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

/* One round of the far search: a grid over the metals alone at radius R, queried from
 * every centre (memory O(n_metal), whatever R). A hit q→j between two sites is a
 * candidate for site(q) and, when site(j) is searched "from outside" (by_complement),
 * for site(j) too: the distance is symmetric. */
typedef struct {
    const ctx *c;
    dac_site_analysis *A;
    const unsigned char *by_complement;
    size_t q; /* the centre's ordinal */
} far_query;

static int far_hit(const dac_grid_hit *h, void *user_data)
{
    far_query *f = user_data;
    const ctx *c = f->c;
    size_t sq = c->site_of[f->q], sj = c->site_of[h->index];
    dac_site *site = &f->A->sites[sq];
    size_t a = c->atom[f->q];
    if (!other_copy(c, site, sq, a, (uint32_t)h->index, h->image))
        return 0;
    double d = image_distance(c->s, a, c->atom[h->index], h->image);
    site->nearest_other_site_A = fmin(site->nearest_other_site_A, d);
    if (sj != sq && f->by_complement[sj])
        f->A->sites[sj].nearest_other_site_A = fmin(f->A->sites[sj].nearest_other_site_A, d);
    return 0;
}

static int far_round(const ctx *c, dac_site_analysis *A, const dac_structure *metals, double R,
                     const unsigned char *centre, const unsigned char *by_complement)
{
    dac_grid *g;
    int st = struct_grid_create(metals, R, &g);
    if (st != DAC_OK)
        return struct_prefix_error(st, "site analysis: searching for the nearest other site: ");
    far_query f = {c, A, by_complement, 0};
    for (f.q = 0; f.q < c->n_metal && st == DAC_OK; f.q++)
        if (centre[f.q])
            st = dac_grid_neighbors(g, f.q, R, far_hit, &f);
    dac_grid_free(g);
    return st;
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
        size_t k = c->site_of[m];
        int open = isinf(A->sites[k].nearest_other_site_A);
        centre[m] = (unsigned char)((open && !by_complement[k]) ||
                                    (n_big > (size_t)by_complement[k]));
    }
}

static size_t count_open(const dac_site_analysis *A)
{
    size_t open = 0;
    for (size_t k = 0; k < A->n_sites; k++)
        open += isinf(A->sites[k].nearest_other_site_A);
    return open;
}

/* Sites whose nearest other-site metal lies beyond the first cutoff: search the metals
 * alone with doubling radii. Each round sees every metal within its radius, so the
 * first round that finds a candidate for a site finds its true nearest. */
static int far_search(const ctx *c, dac_site_analysis *A)
{
    int periodic = c->s->has_cell && (c->s->pbc[0] || c->s->pbc[1] || c->s->pbc[2]);
    if (A->n_sites == 1 && (A->sites[0].extended || !periodic))
        return DAC_OK; /* nothing else exists: no other site, no other copy */
    double limit = search_limit(c);
    if (!count_open(A) || c->reach_A >= limit)
        return DAC_OK;
    dac_structure metals = *c->s; /* same cell and pbc; metals only */
    metals.n_atoms = c->n_metal;
    metals.Z = malloc(c->n_metal * sizeof *metals.Z);
    metals.position_A = malloc(3 * c->n_metal * sizeof *metals.position_A);
    unsigned char *centre = malloc(c->n_metal), *by_complement = malloc(A->n_sites);
    int rc = DAC_OK;
    if (!metals.Z || !metals.position_A || !centre || !by_complement)
        rc = dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
    for (size_t m = 0; rc == DAC_OK && m < c->n_metal; m++) {
        metals.Z[m] = c->s->Z[c->atom[m]];
        memcpy(metals.position_A + 3 * m, c->s->position_A + 3 * c->atom[m], 3 * sizeof(double));
    }
    for (double R = 2 * c->reach_A; rc == DAC_OK && count_open(A); R *= 2) {
        if (R > limit)
            R = limit;
        choose_centres(c, A, periodic, centre, by_complement);
        rc = far_round(c, A, &metals, R, centre, by_complement);
        if (R >= limit)
            break;
    }
    free(metals.Z);
    free(metals.position_A);
    free(centre);
    free(by_complement);
    return rc;
}

/* Sites from the components: kinds, atoms in ascending order, then their description
 * and the far search. */
static int build_sites(ctx *c, dac_site_analysis *A)
{
    int rc = find_components(c, &A->n_sites);
    unsigned char *extended = rc == DAC_OK ? malloc(A->n_sites ? A->n_sites : 1) : NULL;
    A->sites = rc == DAC_OK ? calloc(A->n_sites ? A->n_sites : 1, sizeof *A->sites) : NULL;
    if (rc == DAC_OK && (!extended || !A->sites))
        rc = dac_error(DAC_ERR_NOMEM, "site analysis: out of memory for %zu sites", A->n_sites);
    if (rc == DAC_OK)
        rc = unwrap_sites(c, extended, A->n_sites);
    if (rc != DAC_OK) {
        free(extended);
        return rc;
    }
    for (size_t m = 0; m < c->n_metal; m++)
        A->sites[c->site_of[m]].n_atoms++;
    for (size_t k = 0; k < A->n_sites && rc == DAC_OK; k++) {
        dac_site *site = &A->sites[k];
        site->extended = extended[k];
        site->kind = site->extended || site->n_atoms >= 3 ? DAC_SITE_CLUSTER
                     : site->n_atoms == 2                 ? DAC_SITE_PAIR
                                                          : DAC_SITE_SINGLE;
        site->atoms = malloc(site->n_atoms * sizeof *site->atoms);
        if (!site->atoms)
            rc = dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
        site->n_atoms = 0; /* refilled below, in ascending atom order */
    }
    free(extended);
    if (rc != DAC_OK)
        return rc;
    for (size_t m = 0; m < c->n_metal; m++) {
        dac_site *site = &A->sites[c->site_of[m]];
        site->atoms[site->n_atoms++] = c->atom[m];
    }
    for (size_t k = 0; k < A->n_sites && rc == DAC_OK; k++) {
        rc = describe_site(c, &A->sites[k], k);
        A->count[A->sites[k].kind]++;
    }
    return rc == DAC_OK ? far_search(c, A) : rc;
}

/* Options out of range: DAC_ERR_USAGE, the message starting with the field's name. */
static int check_options(const dac_site_options *o)
{
    if (!(o->pair_cutoff_A > 0) || !isfinite(o->pair_cutoff_A))
        return dac_error(DAC_ERR_USAGE, "pair_cutoff_A must be a positive number of Å, got %g",
                         o->pair_cutoff_A);
    if (!(o->bond_tolerance > 0) || !isfinite(o->bond_tolerance))
        return dac_error(DAC_ERR_USAGE, "bond_tolerance must be a positive number, got %g",
                         o->bond_tolerance);
    if (!(o->bridge_min_A >= 0) || !isfinite(o->bridge_min_A))
        return dac_error(DAC_ERR_USAGE, "bridge_min_A must be a non-negative number of Å, got %g",
                         o->bridge_min_A);
    if (!(o->min_distance_A > 0) || !isfinite(o->min_distance_A))
        return dac_error(DAC_ERR_USAGE, "min_distance_A must be a positive number of Å, got %g",
                         o->min_distance_A);
    return DAC_OK;
}

int dac_struct_analyze(const dac_structure *s, const dac_site_options *opt, dac_site_analysis **out)
{
    if (!s || !out)
        return dac_error(DAC_ERR_USAGE, "dac_struct_analyze: NULL argument");
    *out = NULL;
    if (s->n_atoms > UINT32_MAX)
        return dac_error(DAC_ERR_USAGE, "site analysis: at most %u atoms", (unsigned)UINT32_MAX);
    ctx c = {0};
    c.s = s;
    if (opt)
        c.opt = *opt;
    else
        dac_site_options_default(&c.opt);
    int rc = check_options(&c.opt);
    if (rc != DAC_OK)
        return rc;
    dac_site_analysis *A = calloc(1, sizeof *A);
    if (!A)
        return dac_error(DAC_ERR_NOMEM, "site analysis: out of memory");
    A->options = c.opt;
    rc = setup(&c);
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
