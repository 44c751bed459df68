/*
 * count_sites.c — grouping atoms into sites: single, pair, cluster.
 *
 * A site is a connected component of the graph "blobs closer than pair_max_A"
 * (single linkage), and its kind follows the number of atoms it holds — not the number
 * of blobs, because a blob of two unresolved atoms (from the mixture model) is a pair.
 * Found with core's cell grid and union–find (dac_grid_link), O(n) for sparse images;
 * sites are numbered in the order of their first blob.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "core/grid.h"
#include "core/uf.h"
#include "stem/count/count_internal.h"

/* Union-find of the blobs closer than r (pixels), through core's cell grid. */
static int link_blobs(const dac_stem_blob *b, size_t n, double r, dac_uf *uf)
{
    double *xy = malloc(sizeof *xy * 2 * n);
    dac_grid *g = NULL;
    int st = xy ? dac_uf_init(uf, n) : dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    for (size_t i = 0; xy && i < n; i++)
        xy[2 * i] = b[i].x_px, xy[2 * i + 1] = b[i].y_px;
    /* ≤ r links (the grid's own test is strict): a hair more reach. */
    double reach = r * (1 + 1e-12) + 1e-300;
    if (st == DAC_OK)
        st = dac_grid_create(2, xy, n, NULL, NULL, reach, &g);
    if (st == DAC_OK)
        st = dac_grid_link(g, reach, uf);
    dac_grid_free(g);
    free(xy);
    return st;
}

int count_sites(dac_stem_blob *b, size_t n, double pixel_A, double pair_max_A,
                         long site_offset, dac_stem_site **sites_out, size_t *n_sites_out)
{
    *sites_out = NULL, *n_sites_out = 0;
    if (!(pixel_A > 0) || !(pair_max_A >= 0))
        return dac_error(DAC_ERR_USAGE, "stem count sites: pixel size and pair distance must be > 0");
    if (n == 0)
        return DAC_OK;
    dac_uf uf = {0};
    size_t *label = malloc(sizeof *label * n);
    dac_stem_site *s = calloc(n, sizeof *s);
    int st = label && s ? link_blobs(b, n, pair_max_A / pixel_A, &uf)
                        : dac_error(DAC_ERR_NOMEM, "stem count: out of memory (sites of %zu blobs)", n);
    if (st != DAC_OK) {
        dac_uf_free(&uf), free(label), free(s);
        return st;
    }
    size_t ns = dac_uf_labels(&uf, label);
    dac_uf_free(&uf);
    for (size_t i = 0; i < n; i++) {
        size_t k = label[i];
        double wgt = b[i].intensity > 0 ? b[i].intensity : 1e-12;
        dac_stem_site *t = &s[k];
        t->image = b[i].image;
        t->n_blobs++;
        t->n_atoms += b[i].n_atoms > 0 ? b[i].n_atoms : 1;
        t->x_px += wgt * b[i].x_px; /* normalised below by the weight sum in distance_A */
        t->y_px += wgt * b[i].y_px;
        t->distance_A += wgt;
        b[i].site = site_offset + (long)k;
    }
    for (size_t k = 0; k < ns; k++) {
        s[k].x_px /= s[k].distance_A;
        s[k].y_px /= s[k].distance_A;
        s[k].distance_A = NAN; /* set below for pairs of two resolved blobs */
        s[k].kind = s[k].n_atoms == 1 ? DAC_SITE_SINGLE : s[k].n_atoms == 2 ? DAC_SITE_PAIR : DAC_SITE_CLUSTER;
    }
    /* Resolved pairs: the distance between their two blobs. */
    long *first = malloc(sizeof *first * ns);
    if (first) {
        for (size_t k = 0; k < ns; k++)
            first[k] = -1;
        for (size_t i = 0; i < n; i++) {
            size_t k = (size_t)(b[i].site - site_offset);
            if (s[k].kind != DAC_SITE_PAIR || s[k].n_blobs != 2)
                continue;
            if (first[k] < 0) {
                first[k] = (long)i;
            } else {
                double dx = b[i].x_px - b[first[k]].x_px, dy = b[i].y_px - b[first[k]].y_px;
                s[k].distance_A = sqrt(dx * dx + dy * dy) * pixel_A;
            }
        }
    }
    free(first), free(label);
    dac_stem_site *shrunk = realloc(s, sizeof *s * ns);
    *sites_out = shrunk ? shrunk : s;
    *n_sites_out = ns;
    return DAC_OK;
}
