/*
 * score.c — how good is a detector: one-to-one matching of detections to true atom
 * positions within a distance, then precision, recall, F1 and the RMS distance.
 *
 * Matching convention of the reference data (Mitchell et
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

#include <strings.h>

#include "core/csv.h"
#include "core/json.h"
#include "core/grid.h"
#include "core/uf.h"
#include "dac/core.h"
#include "core/outset.h"
#include "stem/count/count_internal.h"

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

/* Detections and truths within reach of each other: the components of the gating
 * graph (detections 0…n_det−1, truths n_det…), found with a cell grid of radius maxd. */
typedef struct {
    dac_uf *uf;
    size_t self;   /* the detection queried */
    size_t offset; /* truth j is element offset + j of the union-find */
} gate_ctx;

static int gate_visit(const dac_grid_hit *h, void *ud)
{
    gate_ctx *g = ud;
    dac_uf_union(g->uf, g->self, g->offset + h->index);
    return 0;
}

static int gating_components(const double *det, size_t n_det, const double *tru, size_t n_truth,
                             double maxd, dac_uf *uf)
{
    int st = dac_uf_init(uf, n_det + n_truth);
    dac_grid *grid = NULL;
    if (st == DAC_OK && n_truth)
        st = dac_grid_create(2, tru, n_truth, NULL, NULL, maxd, &grid);
    for (size_t i = 0; st == DAC_OK && grid && i < n_det; i++) {
        gate_ctx g = {uf, i, n_det};
        /* ≤ maxd gates (the grid's test is strict): a hair more reach. */
        st = dac_grid_query(grid, det + 2 * i, maxd * (1 + 1e-12), gate_visit, &g);
    }
    dac_grid_free(grid);
    return st;
}

static void finish_scores(const double *det, size_t n_det, const double *tru, size_t n_truth,
                          const long *match, dac_stem_score_result *out)
{
    double ss = 0;
    for (size_t i = 0; i < n_det; i++)
        if (match[i] >= 0) {
            out->n_matched++;
            double dx = det[2 * i] - tru[2 * match[i]], dy = det[2 * i + 1] - tru[2 * match[i] + 1];
            ss += dx * dx + dy * dy;
            out->mean_dx += dx, out->mean_dy += dy;
        }
    double tp = (double)out->n_matched;
    /* Undefined where the denominator is empty: NaN (null in JSON), never 0 or 1. */
    out->precision = n_det ? tp / (double)n_det : NAN;
    out->recall = n_truth ? tp / (double)n_truth : NAN;
    out->f1 = n_det + n_truth ? 2 * tp / (double)(n_det + n_truth) : NAN;
    out->rms_distance = tp > 0 ? sqrt(ss / tp) : NAN;
    out->mean_dx = tp > 0 ? out->mean_dx / tp : NAN;
    out->mean_dy = tp > 0 ? out->mean_dy / tp : NAN;
}

int dac_stem_score(const double *det, size_t n_det, const double *tru, size_t n_truth,
                   double maxd, dac_stem_score_result *out, long *match_out)
{
    memset(out, 0, sizeof *out);
    out->n_detected = n_det, out->n_truth = n_truth;
    if (!(maxd > 0) || !isfinite(maxd))
        return dac_error(DAC_ERR_USAGE, "stem score: maximum distance must be > 0");
    size_t n = n_det + n_truth;
    long *match = match_out ? match_out : malloc(sizeof *match * (n_det ? n_det : 1));
    size_t *label = malloc(sizeof *label * (n ? n : 1)), *order = malloc(sizeof *order * (n ? n : 1));
    size_t *di = malloc(sizeof *di * (n_det ? n_det : 1)), *ti = malloc(sizeof *ti * (n_truth ? n_truth : 1));
    dac_uf uf = {0};
    int st = match && label && order && di && ti ? gating_components(det, n_det, tru, n_truth, maxd, &uf)
                                                 : dac_error(DAC_ERR_NOMEM, "stem score: out of memory");
    for (size_t i = 0; match && i < n_det; i++)
        match[i] = -1;
    size_t n_comp = st == DAC_OK ? dac_uf_labels(&uf, label) : 0;
    /* Members of each component, in index order: a counting sort by label. */
    size_t *start = st == DAC_OK ? calloc(n_comp + 2, sizeof *start) : NULL;
    if (st == DAC_OK && !start)
        st = dac_error(DAC_ERR_NOMEM, "stem score: out of memory");
    for (size_t i = 0; start && i < n; i++)
        start[label[i] + 2]++;
    for (size_t c = 1; start && c <= n_comp; c++)
        start[c + 1] += start[c];
    for (size_t i = 0; start && i < n; i++) /* start[c+1] runs from c's start to its end */
        order[start[label[i] + 1]++] = i;
    for (size_t c = 0; st == DAC_OK && c < n_comp; c++) {
        int nd = 0, nt = 0;
        for (size_t q = start[c]; q < start[c + 1]; q++) {
            if (order[q] < n_det)
                di[nd++] = order[q];
            else
                ti[nt++] = order[q] - n_det;
        }
        if (nd && nt && solve_component(det, di, nd, tru, ti, nt, maxd, match) != DAC_OK)
            st = dac_error(DAC_ERR_NOMEM, "stem score: out of memory");
    }
    if (st == DAC_OK)
        finish_scores(det, n_det, tru, n_truth, match, out);
    dac_uf_free(&uf);
    free(start), free(label), free(order), free(di), free(ti);
    if (!match_out)
        free(match);
    return st;
}

/* The x/y columns of a points file and whether they are in Å. */
static int point_columns(const dac_csv *csv, long *cx, long *cy, int *in_A)
{
    static const char *names[3][2] = {{"x_px", "y_px"}, {"x_A", "y_A"}, {"X", "Y"}};
    for (int k = 0; k < 3; k++) {
        *cx = dac_csv_column(csv, names[k][0]);
        *cy = dac_csv_column(csv, names[k][1]);
        *in_A = k == 1;
        if (*cx >= 0 && *cy >= 0)
            return DAC_OK;
    }
    return dac_error(DAC_ERR_INPUT, "%s: expected a header with x_px,y_px or x_A,y_A or X,Y "
                     "columns", dac_csv_name(csv));
}

int dac_stem_points_read(const char *path, double pixel_A, double **xy_out, size_t *n_out)
{
    *xy_out = NULL, *n_out = 0;
    dac_csv *csv;
    int st = dac_csv_read(path, &csv);
    if (st != DAC_OK)
        return st;
    long cx, cy;
    int in_A;
    st = point_columns(csv, &cx, &cy, &in_A);
    if (st == DAC_OK && in_A && !(pixel_A > 0))
        st = dac_error(DAC_ERR_INPUT, "%s: positions are in Å (x_A,y_A); give the pixel size with "
                       "--pixel", path);
    size_t n = dac_csv_rows(csv);
    double *xy = st == DAC_OK ? malloc(sizeof *xy * 2 * (n ? n : 1)) : NULL;
    if (st == DAC_OK && !xy)
        st = dac_error(DAC_ERR_NOMEM, "%s: out of memory", path);
    for (size_t r = 0; st == DAC_OK && r < n; r++) {
        double x, y;
        if ((st = dac_csv_double(csv, r, (size_t)cx, &x)) == DAC_OK &&
            (st = dac_csv_double(csv, r, (size_t)cy, &y)) == DAC_OK) {
            /* x_A = (x_px + 0.5)·pixel (atoms.csv and `dac stem simulate`'s truth). */
            xy[2 * r] = in_A ? x / pixel_A - 0.5 : x;
            xy[2 * r + 1] = in_A ? y / pixel_A - 0.5 : y;
        }
    }
    dac_csv_free(csv);
    if (st != DAC_OK) {
        free(xy);
        return st;
    }
    *xy_out = xy, *n_out = n;
    return DAC_OK;
}

double dac_stem_points_pixel_A(const char *path)
{
    dac_csv *csv;
    double px = 0;
    if (dac_csv_read(path, &csv) != DAC_OK) {
        dac_error_clear();
        return 0;
    }
    long ip = dac_csv_column(csv, "x_px"), ia = dac_csv_column(csv, "x_A");
    for (size_t r = 0; ip >= 0 && ia >= 0 && r < dac_csv_rows(csv); r++) {
        double a, b;
        if (dac_csv_double(csv, r, (size_t)ip, &a) != DAC_OK ||
            dac_csv_double(csv, r, (size_t)ia, &b) != DAC_OK)
            break;
        /* x_A = (x_px + 0.5)·pixel: any row away from the origin gives the pixel size. */
        if (fabs(a) > 1) {
            px = b / (a + 0.5);
            break;
        }
    }
    dac_csv_free(csv);
    dac_error_clear();
    return px > 0 && isfinite(px) ? px : 0;
}

/* ------------------------------------------------------------------ writers ------ */

static int has_png_extension(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && !strcasecmp(path + n - 4, ".png");
}

int dac_stem_score_write_overlay(const char *path, const float *img, size_t w, size_t h,
                                 const double *det, size_t n_det, const double *tru,
                                 size_t n_truth, const long *match, double pixel_A)
{
    if (!has_png_extension(path))
        return dac_error(DAC_ERR_USAGE, "%s: the overlay is a PNG image; name it *.png", path);
    count_display disp;
    int st = count_display_image(img, w, h, &disp);
    if (st != DAC_OK)
        return st;
    count_canvas cv;
    st = count_canvas_create(&disp, NULL, pixel_A, &cv);
    free(disp.grey);
    char *hit = calloc(n_truth ? n_truth : 1, 1);
    if (st != DAC_OK || !hit) {
        count_canvas_free(&cv), free(hit);
        return st != DAC_OK ? st : dac_error(DAC_ERR_NOMEM, "%s: out of memory", path);
    }
    double r = count_marker_radius(pixel_A);
    size_t n_tp = 0;
    for (size_t i = 0; i < n_det; i++)
        if (match && match[i] >= 0 && (size_t)match[i] < n_truth)
            hit[match[i]] = 1, n_tp++;
    /* Missed truths as a smaller ring, so a miss next to a false positive shows both. */
    for (int edge = 1; edge >= 0; edge--) {
        for (size_t i = 0; i < n_det; i++) {
            int matched = match && match[i] >= 0 && (size_t)match[i] < n_truth;
            count_draw_ring(&cv, det[2 * i], det[2 * i + 1], r, matched ? COUNT_INK_MATCHED
                                                                        : COUNT_INK_FALSE, edge);
            if (matched && edge)
                count_draw_link(&cv, det[2 * i], det[2 * i + 1], tru[2 * match[i]],
                                tru[2 * match[i] + 1], r, COUNT_INK_MATCHED);
        }
        for (size_t j = 0; j < n_truth; j++)
            if (!hit[j])
                count_draw_ring(&cv, tru[2 * j], tru[2 * j + 1], 0.7 * r, COUNT_INK_MISSED, edge);
    }
    free(hit);
    count_legend_row rows[3] = {{COUNT_INK_MATCHED, ""}, {COUNT_INK_FALSE, ""}, {COUNT_INK_MISSED, ""}};
    snprintf(rows[0].text, sizeof rows[0].text, "matched %zu", n_tp);
    snprintf(rows[1].text, sizeof rows[1].text, "false %zu", n_det - n_tp);
    snprintf(rows[2].text, sizeof rows[2].text, "missed %zu", n_truth - n_tp);
    count_draw_legend(&cv, rows, 3);
    count_draw_scale_bar(&cv);
    dac_outset *set;
    FILE *f;
    st = dac_outset_create_file(path, &set, &f);
    if (st == DAC_OK)
        st = dac_outset_finish(set, count_canvas_write_png(f, path, &cv));
    count_canvas_free(&cv);
    return st;
}

int dac_stem_score_write(FILE *f, const dac_stem_score_result *r, double pixel_A,
                         double max_distance_A, int json, const dac_provenance *prov)
{
    if (!json) {
        fprintf(f, "detected %zu, truth %zu, matched %zu within %g Å: precision %.3f recall %.3f "
                   "F1 %.3f, RMS distance %.3f Å (mean offset %+.3f, %+.3f Å)\n",
                r->n_detected, r->n_truth, r->n_matched, max_distance_A, r->precision, r->recall,
                r->f1, r->rms_distance * pixel_A, r->mean_dx * pixel_A, r->mean_dy * pixel_A);
        return ferror(f) ? dac_error(DAC_ERR_RUNTIME, "write failed") : DAC_OK;
    }
    cJSON *j = dac_json_record("dac stem score", prov);
    if (!j)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    dac_json_count(j, "n_detected", r->n_detected);
    dac_json_count(j, "n_truth", r->n_truth);
    dac_json_count(j, "n_matched", r->n_matched);
    dac_json_number(j, "precision", r->precision, "no detections");
    dac_json_number(j, "recall", r->recall, "no true atoms");
    dac_json_number(j, "f1", r->f1, "no detections and no true atoms");
    dac_json_number(j, "rms_distance_A", r->rms_distance * pixel_A, "no matched atoms");
    double off[2] = {r->mean_dx * pixel_A, r->mean_dy * pixel_A};
    dac_json_numbers(j, "mean_offset_A", off, 2, "no matched atoms");
    dac_json_number(j, "max_distance_A", max_distance_A, NULL);
    dac_json_number(j, "pixel_A", pixel_A, NULL);
    int st = dac_json_write(f, j, "score");
    cJSON_Delete(j);
    return st;
}
