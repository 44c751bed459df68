/*
 * count_sites.c — grouping atoms into sites: single, pair, cluster.
 *
 * A site is a connected component of the graph "blobs closer than pair_max_A"
 * (single linkage), and its kind follows the number of atoms it holds — not the number
 * of blobs, because a blob of two unresolved atoms (from the mixture model) is a pair.
 * Found with a cell grid (cell = pair_max) and union–find, so O(n) for sparse images.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "dac/stem_count.h"

static size_t root_of(size_t *parent, size_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

int dac_stem_count_sites(dac_stem_blob *b, size_t n, double pixel_A, double pair_max_A,
                         long site_offset, dac_stem_site **sites_out, size_t *n_sites_out)
{
    *sites_out = NULL, *n_sites_out = 0;
    if (!(pixel_A > 0) || !(pair_max_A >= 0))
        return dac_error(DAC_ERR_USAGE, "stem count sites: pixel size and pair distance must be > 0");
    if (n == 0)
        return DAC_OK;
    double r = pair_max_A / pixel_A, cell = r > 1 ? r : 1;
    double xmin = b[0].x_px, ymin = b[0].y_px, xmax = xmin, ymax = ymin;
    for (size_t i = 0; i < n; i++) {
        xmin = fmin(xmin, b[i].x_px), xmax = fmax(xmax, b[i].x_px);
        ymin = fmin(ymin, b[i].y_px), ymax = fmax(ymax, b[i].y_px);
    }
    size_t gw = (size_t)((xmax - xmin) / cell) + 1, gh = (size_t)((ymax - ymin) / cell) + 1;
    if (gw * gh > 4 * n + 16) { /* sparse and wide: coarser cells keep memory O(n) */
        double scale = sqrt((double)(gw * gh) / (double)(4 * n + 16));
        cell *= scale;
        gw = (size_t)((xmax - xmin) / cell) + 1, gh = (size_t)((ymax - ymin) / cell) + 1;
    }
    size_t *parent = malloc(sizeof *parent * n), *root_site = malloc(sizeof *root_site * n);
    long *head = malloc(sizeof *head * gw * gh), *next = malloc(sizeof *next * n);
    dac_stem_site *s = calloc(n, sizeof *s);
    if (!parent || !root_site || !head || !next || !s) {
        free(parent), free(root_site), free(head), free(next), free(s);
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (sites of %zu blobs)", n);
    }
    for (size_t i = 0; i < gw * gh; i++)
        head[i] = -1;
    for (size_t i = 0; i < n; i++) {
        parent[i] = i;
        long cx = (long)((b[i].x_px - xmin) / cell), cy = (long)((b[i].y_px - ymin) / cell);
        for (long gy = cy - 1; gy <= cy + 1; gy++)
            for (long gx = cx - 1; gx <= cx + 1; gx++) {
                if (gx < 0 || gy < 0 || gx >= (long)gw || gy >= (long)gh)
                    continue;
                for (long j = head[gy * (long)gw + gx]; j >= 0; j = next[j]) {
                    double dx = b[j].x_px - b[i].x_px, dy = b[j].y_px - b[i].y_px;
                    if (dx * dx + dy * dy <= r * r)
                        parent[root_of(parent, (size_t)j)] = root_of(parent, i);
                }
            }
        next[i] = head[cy * (long)gw + cx];
        head[cy * (long)gw + cx] = (long)i;
    }
    size_t ns = 0;
    for (size_t i = 0; i < n; i++)
        root_site[i] = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t rt = root_of(parent, i);
        if (root_site[rt] == (size_t)-1)
            root_site[rt] = ns++;
        size_t k = root_site[rt];
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
        s[k].distance_A = 0;
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
    free(first), free(parent), free(root_site), free(head), free(next);
    dac_stem_site *shrunk = realloc(s, sizeof *s * ns);
    *sites_out = shrunk ? shrunk : s;
    *n_sites_out = ns;
    return DAC_OK;
}
