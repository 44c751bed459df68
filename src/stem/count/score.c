/*
 * score.c — how good is a detector: one-to-one matching of detections to true atom
 * positions within a distance, then precision, recall, F1 and the RMS distance.
 *
 * Matching convention of the reference data (shared/data/README.md, after Mitchell et
 * al., JACS 2022): a maximum one-to-one matching within 1.5 Å, ties resolved by the
 * least total distance (Hungarian algorithm). Detections and truths only compete with
 * others within reach, so the gating graph is cut into connected components and each
 * small component is solved on its own: O(k³) per component instead of O(n³).
 *
 * The reader accepts our atoms.csv (x_px,y_px), a truth.csv from `dac stem simulate`
 * (x_px,y_px, or x_A,y_A converted with the pixel size) and the ",X,Y" hand labels.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parse.h"
#include "dac/core.h"
#include "dac/stem_count.h"

/* Hungarian algorithm (Kuhn–Munkres with potentials, O(n²m)) for an n×m cost matrix
 * with n ≤ m; assign[i] = column of row i. */
static int hungarian(const double *cost, int n, int m, int *assign)
{
    double *u = calloc((size_t)n + 1, sizeof *u), *v = calloc((size_t)m + 1, sizeof *v);
    double *minv = malloc(sizeof *minv * ((size_t)m + 1));
    int *p = calloc((size_t)m + 1, sizeof *p), *way = calloc((size_t)m + 1, sizeof *way);
    char *used = malloc((size_t)m + 1);
    if (!u || !v || !minv || !p || !way || !used) {
        free(u), free(v), free(minv), free(p), free(way), free(used);
        return DAC_ERR_NOMEM;
    }
    for (int i = 1; i <= n; i++) {
        p[0] = i;
        int j0 = 0;
        for (int j = 0; j <= m; j++)
            minv[j] = INFINITY, used[j] = 0;
        do {
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            for (int j = 1; j <= m; j++) {
                if (used[j])
                    continue;
                double cur = cost[(size_t)(i0 - 1) * (size_t)m + (size_t)(j - 1)] - u[i0] - v[j];
                if (cur < minv[j])
                    minv[j] = cur, way[j] = j0;
                if (minv[j] < delta)
                    delta = minv[j], j1 = j;
            }
            for (int j = 0; j <= m; j++) {
                if (used[j])
                    u[p[j]] += delta, v[j] -= delta;
                else
                    minv[j] -= delta;
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (int j = 1; j <= m; j++)
        if (p[j])
            assign[p[j] - 1] = j - 1;
    free(u), free(v), free(minv), free(p), free(way), free(used);
    return DAC_OK;
}

static size_t find_root(size_t *parent, size_t i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

/* Solves one component: rows = detections, cols = truths (either may be the longer). */
static int solve_component(const double *det, const size_t *di, int nd, const double *tru,
                           const size_t *ti, int nt, double maxd, long *match)
{
    int transpose = nd > nt;
    int n = transpose ? nt : nd, m = transpose ? nd : nt;
    double *cost = malloc(sizeof *cost * (size_t)n * (size_t)m);
    int *assign = malloc(sizeof *assign * (size_t)n);
    if (!cost || !assign) {
        free(cost), free(assign);
        return DAC_ERR_NOMEM;
    }
    /* Pairs beyond reach cost more than any set of in-reach pairs together, so the
     * optimum first maximises the number of matches, then minimises distance. */
    double big = 1e3 * maxd * (double)(n + 1) + 1.0;
    for (int a = 0; a < n; a++)
        for (int b = 0; b < m; b++) {
            size_t d = transpose ? di[b] : di[a], t = transpose ? ti[a] : ti[b];
            double dx = det[2 * d] - tru[2 * t], dy = det[2 * d + 1] - tru[2 * t + 1];
            double dist = sqrt(dx * dx + dy * dy);
            cost[(size_t)a * (size_t)m + (size_t)b] = dist <= maxd ? dist : big;
        }
    int st = hungarian(cost, n, m, assign);
    for (int a = 0; st == DAC_OK && a < n; a++) {
        int b = assign[a];
        if (cost[(size_t)a * (size_t)m + (size_t)b] >= big)
            continue;
        size_t d = transpose ? di[b] : di[a], t = transpose ? ti[a] : ti[b];
        match[d] = (long)t;
    }
    free(cost), free(assign);
    return st;
}

int dac_stem_score(const double *det, size_t n_det, const double *tru, size_t n_truth,
                   double maxd, dac_stem_score_result *out, long *match_out)
{
    memset(out, 0, sizeof *out);
    out->n_detected = n_det, out->n_truth = n_truth;
    if (!(maxd > 0))
        return dac_error(DAC_ERR_USAGE, "stem score: maximum distance must be > 0");
    size_t n = n_det + n_truth;
    size_t *parent = malloc(sizeof *parent * (n ? n : 1));
    long *match = match_out ? match_out : malloc(sizeof *match * (n_det ? n_det : 1));
    size_t *di = malloc(sizeof *di * (n_det ? n_det : 1)), *ti = malloc(sizeof *ti * (n_truth ? n_truth : 1));
    int st = DAC_OK;
    if (!parent || !match || !di || !ti) {
        st = dac_error(DAC_ERR_NOMEM, "stem score: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        parent[i] = i;
    for (size_t i = 0; i < n_det; i++)
        match[i] = -1;
    /* Gating graph; O(n_det·n_truth) distance checks are cheap next to the matching. */
    for (size_t i = 0; i < n_det; i++)
        for (size_t j = 0; j < n_truth; j++) {
            double dx = det[2 * i] - tru[2 * j], dy = det[2 * i + 1] - tru[2 * j + 1];
            if (dx * dx + dy * dy <= maxd * maxd)
                parent[find_root(parent, i)] = find_root(parent, n_det + j);
        }
    char *done_root = calloc(n ? n : 1, 1);
    if (!done_root) {
        st = dac_error(DAC_ERR_NOMEM, "stem score: out of memory");
        goto done;
    }
    for (size_t r = 0; r < n && st == DAC_OK; r++) {
        size_t root = find_root(parent, r);
        if (done_root[root])
            continue;
        done_root[root] = 1;
        int nd = 0, nt = 0;
        for (size_t i = 0; i < n_det; i++)
            if (find_root(parent, i) == root)
                di[nd++] = i;
        for (size_t j = 0; j < n_truth; j++)
            if (find_root(parent, n_det + j) == root)
                ti[nt++] = j;
        if (nd && nt && solve_component(det, di, nd, tru, ti, nt, maxd, match) != DAC_OK)
            st = dac_error(DAC_ERR_NOMEM, "stem score: out of memory");
    }
    free(done_root);
    double ss = 0;
    for (size_t i = 0; i < n_det; i++)
        if (match[i] >= 0) {
            out->n_matched++;
            double dx = det[2 * i] - tru[2 * match[i]], dy = det[2 * i + 1] - tru[2 * match[i] + 1];
            ss += dx * dx + dy * dy;
            out->mean_dx += dx, out->mean_dy += dy;
        }
    if (out->n_matched)
        out->mean_dx /= (double)out->n_matched, out->mean_dy /= (double)out->n_matched;
    out->precision = n_det ? (double)out->n_matched / (double)n_det : (n_truth ? 0.0 : 1.0);
    out->recall = n_truth ? (double)out->n_matched / (double)n_truth : 1.0;
    out->f1 = out->precision + out->recall > 0
                  ? 2 * out->precision * out->recall / (out->precision + out->recall)
                  : 0.0;
    out->rms_distance = out->n_matched ? sqrt(ss / (double)out->n_matched) : 0.0;
done:
    free(parent), free(di), free(ti);
    if (!match_out)
        free(match);
    return st;
}

/* Splits a CSV line in place on commas (quotes stripped, no embedded commas needed for
 * the numeric files read here). Returns the number of fields. */
static int split(char *line, char **field, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"') {
            p++;
            field[n++] = p;
            while (*p && *p != '"')
                p++;
            if (*p)
                *p++ = '\0';
            while (*p && *p != ',')
                p++;
        } else {
            field[n++] = p;
            while (*p && *p != ',')
                p++;
        }
        if (*p != ',')
            break;
        *p++ = '\0';
    }
    for (int i = 0; i < n; i++) {
        size_t l = strlen(field[i]);
        while (l && (field[i][l - 1] == '\r' || field[i][l - 1] == '\n' || field[i][l - 1] == ' '))
            field[i][--l] = '\0';
    }
    return n;
}

static int column(char **f, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(f[i], name))
            return i;
    return -1;
}

int dac_stem_points_read(const char *path, double pixel_A, double **xy_out, size_t *n_out)
{
    *xy_out = NULL, *n_out = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return dac_error(DAC_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    char line[4096];
    char *field[64];
    int cx = -1, cy = -1, in_A = 0, st = DAC_OK;
    long lineno = 0;
    size_t n = 0, cap = 0;
    double *xy = NULL;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1 && !memcmp(line, "\xEF\xBB\xBF", 3))
            memmove(line, line + 3, strlen(line + 3) + 1);
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        int nf = split(line, field, 64);
        if (cx < 0) {
            if ((cx = column(field, nf, "x_px")) >= 0)
                cy = column(field, nf, "y_px");
            else if ((cx = column(field, nf, "x_A")) >= 0)
                cy = column(field, nf, "y_A"), in_A = 1;
            else if ((cx = column(field, nf, "X")) >= 0)
                cy = column(field, nf, "Y");
            if (cx < 0 || cy < 0) {
                st = dac_error_at(DAC_ERR_INPUT, path, lineno,
                                  "expected a header with x_px,y_px or x_A,y_A or X,Y columns");
                break;
            }
            if (in_A && !(pixel_A > 0)) {
                st = dac_error_at(DAC_ERR_INPUT, path, lineno,
                                  "positions are in Å (x_A,y_A); give the pixel size with --pixel");
                break;
            }
            continue;
        }
        double x, y;
        if (cx >= nf || cy >= nf || dac_parse_double(field[cx], &x) != DAC_OK ||
            dac_parse_double(field[cy], &y) != DAC_OK) {
            st = dac_error_at(DAC_ERR_INPUT, path, lineno, "expected numbers in columns %d and %d",
                              cx + 1, cy + 1);
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            double *nx = realloc(xy, sizeof *nx * 2 * nc);
            if (!nx) {
                st = dac_error(DAC_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            xy = nx, cap = nc;
        }
        /* x_A = (x_px + 0.5)·pixel (atoms.csv and `dac stem simulate`'s truth). */
        xy[2 * n] = in_A ? x / pixel_A - 0.5 : x;
        xy[2 * n + 1] = in_A ? y / pixel_A - 0.5 : y;
        n++;
    }
    if (st == DAC_OK && cx < 0)
        st = dac_error(DAC_ERR_INPUT, "%s: empty file, expected a CSV header", path);
    fclose(f);
    if (st != DAC_OK) {
        free(xy);
        return st;
    }
    *xy_out = xy, *n_out = n;
    return DAC_OK;
}
