/*
 * count_output.c — the files `dac stem count` leaves in its output folder: atoms.csv,
 * sites.csv, summary.json, overlay.png and pair_hist.svg. Writers only; every number
 * comes from the computation in the other count_*.c files. All writes are atomic.
 * Å coordinates follow dac stem simulate's truth: measured from the outer corner of
 * pixel (0, 0), so x_A = (x_px + 0.5)·pixel.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/outset.h"
#include "dac/core.h"
#include "dac/image.h"
#include "dac/stem_count.h"

static const char *kind_name(int kind)
{
    return kind == DAC_SITE_SINGLE ? "single" : kind == DAC_SITE_PAIR ? "pair" : "cluster";
}

static int open_out(dac_outset **o, const char *path, FILE **f)
{
    return dac_outset_create_file(path, o, f);
}

static int finish(dac_outset *o, FILE *f, const char *path)
{
    if (ferror(f)) {
        dac_outset_abort(o);
        return dac_error(DAC_ERR_RUNTIME, "%s: write failed", path);
    }
    return dac_outset_commit(o);
}

int dac_stem_count_write_atoms_csv(const char *path, const dac_stem_blob *b, size_t n,
                                   const double *pix, const char *const *names, int n_el)
{
    dac_outset *o;
    FILE *f;
    int st = open_out(&o, path, &f);
    if (st != DAC_OK)
        return st;
    fprintf(f, "x_px,y_px,x_A,y_A,intensity,n_atoms,snr,element,site\n");
    for (size_t i = 0; i < n; i++) {
        double p = pix[b[i].image];
        const char *el = names && b[i].element >= 0 && b[i].element < n_el ? names[b[i].element] : "";
        fprintf(f, "%.3f,%.3f,%.4f,%.4f,%.6g,%d,%.3f,%s,%ld\n", b[i].x_px, b[i].y_px, (b[i].x_px + 0.5) * p,
                (b[i].y_px + 0.5) * p, b[i].intensity, b[i].n_atoms, b[i].snr, el, b[i].site);
    }
    return finish(o, f, path);
}

int dac_stem_count_write_sites_csv(const char *path, const dac_stem_site *s, size_t n, const double *pix)
{
    dac_outset *o;
    FILE *f;
    int st = open_out(&o, path, &f);
    if (st != DAC_OK)
        return st;
    fprintf(f, "site,image,kind,n_blobs,n_atoms,x_px,y_px,x_A,y_A,distance_A\n");
    for (size_t i = 0; i < n; i++) {
        double p = pix[s[i].image];
        fprintf(f, "%zu,%d,%s,%d,%d,%.3f,%.3f,%.4f,%.4f,%.4f\n", i, s[i].image, kind_name(s[i].kind),
                s[i].n_blobs, s[i].n_atoms, s[i].x_px, s[i].y_px, (s[i].x_px + 0.5) * p, (s[i].y_px + 0.5) * p,
                s[i].distance_A);
    }
    return finish(o, f, path);
}

static cJSON *pair_array(const double v[2])
{
    double a[2] = {v[0], v[1]};
    return cJSON_CreateDoubleArray(a, 2);
}

/* The photon-transfer calibration (count_noise.c): with a shot-noise line, the gain
 * in image units per detected electron and the median electrons per pixel — a check
 * of the dose the image was taken with. */
static void add_noise_model(cJSON *o, const dac_stem_detection *d)
{
    static const char *kind[] = {"none", "shot", "constant"};
    const dac_stem_noise_model *m = &d->noise;
    cJSON *n = cJSON_AddObjectToObject(o, "noise_model");
    cJSON_AddStringToObject(n, "kind", kind[m->model >= 0 && m->model <= 2 ? m->model : 0]);
    if (m->model == DAC_STEM_NOISE_SHOT) {
        cJSON_AddNumberToObject(n, "gain_per_electron", m->gain);
        cJSON_AddNumberToObject(n, "offset", m->offset);
        cJSON_AddNumberToObject(n, "electrons_per_pixel_median", m->electrons_median);
    }
    if (d->noise_excess > 0)
        cJSON_AddNumberToObject(n, "excess_over_shot_noise", d->noise_excess);
}

static cJSON *summary_json(const dac_stem_count_stats *s, const dac_stem_count_params *p,
                           const dac_stem_detection *const *det, const char *const *names, size_t m,
                           const dac_stem_mixture *mix, const char *const *el, int n_el, uint64_t seed)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "n_images", (double)s->n_images);
    cJSON_AddNumberToObject(j, "n_atoms", (double)s->n_atoms);
    cJSON_AddNumberToObject(j, "n_sites", (double)s->n_sites);
    cJSON *c = cJSON_AddObjectToObject(j, "counts");
    cJSON_AddNumberToObject(c, "single", (double)s->n_single);
    cJSON_AddNumberToObject(c, "pair", (double)s->n_pair);
    cJSON_AddNumberToObject(c, "cluster", (double)s->n_cluster);
    cJSON_AddNumberToObject(j, "support_area_nm2", s->support_area_nm2);
    cJSON_AddNumberToObject(j, "density_per_nm2", s->density_per_nm2);
    cJSON_AddNumberToObject(j, "atom_density_per_nm2", s->atom_density_per_nm2);
    cJSON *pu = cJSON_AddObjectToObject(j, "purity");
    cJSON_AddNumberToObject(pu, "site", s->purity_site);
    cJSON_AddNumberToObject(pu, "atom", s->purity_atom);
    cJSON_AddItemToObject(pu, "site_ci95", pair_array(s->site_ci95));
    cJSON_AddItemToObject(pu, "atom_ci95", pair_array(s->atom_ci95));
    cJSON_AddStringToObject(pu, "ci_method",
                            s->ci_method ? "bootstrap over images"
                            : s->n_images > 1 ? "Wilson on pooled counts (fewer than 5 images)"
                                              : "Wilson");
    cJSON_AddNumberToObject(j, "chance_pairs_expected", s->chance_pairs_expected);
    cJSON_AddNumberToObject(j, "chance_pairs_csr_analytic", s->chance_pairs_csr);
    cJSON *pc = cJSON_AddObjectToObject(j, "purity_corrected");
    cJSON_AddNumberToObject(pc, "site", s->purity_corrected_site);
    cJSON_AddNumberToObject(pc, "atom", s->purity_corrected_atom);
    cJSON_AddItemToObject(pc, "site_ci95", pair_array(s->corrected_site_ci95));
    cJSON_AddItemToObject(pc, "atom_ci95", pair_array(s->corrected_atom_ci95));
    cJSON *ec = cJSON_AddObjectToObject(pc, "counts");
    cJSON_AddNumberToObject(ec, "single", s->est_single);
    cJSON_AddNumberToObject(ec, "pair", s->est_pair);
    cJSON_AddNumberToObject(ec, "cluster", s->est_cluster);
    cJSON *pd = cJSON_AddObjectToObject(j, "pair_distance_A");
    cJSON_AddNumberToObject(pd, "n", (double)s->n_pair_distances);
    cJSON_AddNumberToObject(pd, "mean", s->pair_distance_mean_A);
    cJSON_AddNumberToObject(pd, "sd", s->pair_distance_sd_A);
    cJSON *h = cJSON_AddObjectToObject(pd, "hist");
    cJSON_AddItemToObject(h, "edges_A", cJSON_CreateDoubleArray(s->hist_edges_A, DAC_STEM_HIST_BINS + 1));
    cJSON *cnt = cJSON_AddArrayToObject(h, "counts");
    for (int b = 0; b < DAC_STEM_HIST_BINS; b++)
        cJSON_AddItemToArray(cnt, cJSON_CreateNumber((double)s->hist[b]));
    cJSON_AddNumberToObject(j, "clark_evans", s->clark_evans);
    cJSON *par = cJSON_AddObjectToObject(j, "parameters");
    cJSON_AddNumberToObject(par, "probe_fwhm_A", p->probe_fwhm_A);
    cJSON_AddNumberToObject(par, "filter_factor", p->filter_factor);
    cJSON_AddNumberToObject(par, "background_sigma_A", p->background_sigma_A);
    cJSON_AddNumberToObject(par, "noise_block_A", p->noise_block_A);
    cJSON_AddNumberToObject(par, "false_alarms_per_nm2", p->false_alarms_per_nm2);
    cJSON_AddNumberToObject(par, "min_separation_A", p->min_separation_A);
    cJSON_AddNumberToObject(par, "min_atom_fraction", p->min_atom_fraction);
    cJSON_AddNumberToObject(par, "pair_max_A", p->pair_max_A);
    char seedbuf[32];
    snprintf(seedbuf, sizeof seedbuf, "%llu", (unsigned long long)seed);
    cJSON_AddStringToObject(par, "seed", seedbuf);
    cJSON *imgs = cJSON_AddArrayToObject(j, "images");
    for (size_t k = 0; k < m; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", names ? names[k] : "");
        cJSON_AddNumberToObject(o, "width", (double)det[k]->width);
        cJSON_AddNumberToObject(o, "height", (double)det[k]->height);
        cJSON_AddNumberToObject(o, "pixel_A", det[k]->pixel_A);
        cJSON_AddNumberToObject(o, "support_area_nm2", det[k]->support_area_nm2);
        cJSON_AddNumberToObject(o, "n_blobs", (double)det[k]->n_blobs);
        cJSON_AddNumberToObject(o, "threshold_z", det[k]->threshold_z);
        cJSON_AddNumberToObject(o, "threshold_z_gaussian", det[k]->threshold_z_gauss);
        cJSON_AddNumberToObject(o, "decoys_above_threshold", (double)det[k]->n_decoys);
        cJSON_AddNumberToObject(o, "rejected_faint", (double)det[k]->n_rejected_faint);
        cJSON_AddNumberToObject(o, "atom_fwhm_A", det[k]->atom_fwhm_A);
        cJSON_AddNumberToObject(o, "residual_added", (double)det[k]->n_residual);
        cJSON_AddNumberToObject(o, "residual_decoys", (double)det[k]->n_residual_decoys);
        add_noise_model(o, det[k]);
        if (mix) {
            cJSON *mx = cJSON_AddObjectToObject(o, "blob_intensity");
            cJSON_AddNumberToObject(mx, "single_atom", mix[k].unit_intensity);
            cJSON_AddNumberToObject(mx, "spread", mix[k].spread);
            cJSON_AddBoolToObject(mx, "converged", mix[k].converged);
            cJSON_AddBoolToObject(mx, "atoms_counted_by_intensity", mix[k].counts_atoms);
            if (n_el == 2) {
                cJSON_AddStringToObject(mx, "element_a", el[0]);
                cJSON_AddStringToObject(mx, "element_b", el[1]);
                cJSON_AddNumberToObject(mx, "sigma_ratio", mix[k].sigma_ratio);
                cJSON_AddBoolToObject(mx, "elements_separable", mix[k].elements_separable);
            }
        }
        cJSON_AddItemToArray(imgs, o);
    }
    return j;
}

int dac_stem_count_write_summary(const char *path, const dac_stem_count_stats *s,
                                 const dac_stem_count_params *p, const dac_stem_detection *const *det,
                                 const char *const *names, size_t m, const dac_stem_mixture *mix,
                                 const char *const *el, int n_el, uint64_t seed)
{
    cJSON *j = summary_json(s, p, det, names, m, mix, el, n_el, seed);
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!text)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory building JSON", path);
    dac_outset *o;
    FILE *f;
    int st = open_out(&o, path, &f);
    if (st == DAC_OK) {
        fprintf(f, "%s\n", text);
        st = finish(o, f, path);
    }
    free(text);
    return st;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static void put(unsigned char *rgb, size_t w, size_t h, long x, long y, const unsigned char c[3])
{
    if (x < 0 || y < 0 || x >= (long)w || y >= (long)h)
        return;
    memcpy(rgb + 3 * ((size_t)y * w + (size_t)x), c, 3);
}

static void circle(unsigned char *rgb, size_t w, size_t h, double cx, double cy, double r,
                   const unsigned char c[3])
{
    int steps = (int)(2 * DAC_PI * r) * 2 + 8;
    for (int i = 0; i < steps; i++) {
        double t = 2 * DAC_PI * i / steps;
        put(rgb, w, h, lround(cx + r * cos(t)), lround(cy + r * sin(t)), c);
    }
}

static void line(unsigned char *rgb, size_t w, size_t h, double x0, double y0, double x1, double y1,
                 const unsigned char c[3])
{
    double len = hypot(x1 - x0, y1 - y0);
    int steps = (int)(2 * len) + 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        put(rgb, w, h, lround(x0 + t * (x1 - x0)), lround(y0 + t * (y1 - y0)), c);
    }
}

/* Grey RGB rendering of img with a 0.5–99.5 % stretch (bright atoms do not wash out
 * the support); NULL when out of memory. */
static unsigned char *stretch_rgb(const float *img, size_t w, size_t h)
{
    size_t np = w * h, step = np > 1000000 ? np / 1000000 : 1, ns = 0;
    float *sample = malloc(sizeof *sample * (np / step + 1));
    unsigned char *rgb = malloc(np * 3);
    if (!sample || !rgb || np == 0) {
        free(sample), free(rgb);
        return NULL;
    }
    for (size_t i = 0; i < np; i += step)
        sample[ns++] = img[i];
    qsort(sample, ns, sizeof *sample, cmp_float);
    float lo = sample[(size_t)(0.005 * (double)(ns - 1))], hi = sample[(size_t)(0.995 * (double)(ns - 1))];
    free(sample);
    for (size_t i = 0; i < np; i++) {
        double t = hi > lo ? (img[i] - lo) / (hi - lo) : 0.5;
        unsigned char v = (unsigned char)(255 * (t < 0 ? 0 : t > 1 ? 1 : t));
        rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
    }
    return rgb;
}

int dac_stem_count_write_overlay(const char *path, const float *img, size_t w, size_t h,
                                 const dac_stem_blob *b, size_t n, const dac_stem_site *sites,
                                 int image, double pixel_A)
{
    unsigned char *rgb = stretch_rgb(img, w, h);
    if (!rgb)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", path);
    static const unsigned char col[4][3] = {{0, 0, 0}, {0, 220, 0}, {255, 210, 0}, {255, 0, 255}};
    double r = fmax(3.0, 1.0 / pixel_A);
    for (size_t i = 0; i < n; i++) {
        if (b[i].image != image)
            continue;
        int kind = sites && b[i].site >= 0 ? sites[b[i].site].kind : DAC_SITE_SINGLE;
        circle(rgb, w, h, b[i].x_px, b[i].y_px, r, col[kind]);
        if (kind == DAC_SITE_PAIR || kind == DAC_SITE_CLUSTER)
            for (size_t j = i + 1; j < n; j++)
                if (b[j].image == image && b[j].site == b[i].site)
                    line(rgb, w, h, b[i].x_px, b[i].y_px, b[j].x_px, b[j].y_px, col[kind]);
    }
    int st = dac_image_write_png_rgb(path, w, h, rgb);
    free(rgb);
    return st;
}

int dac_stem_score_write_overlay(const char *path, const float *img, size_t w, size_t h,
                                 const double *det, size_t n_det, const double *tru,
                                 size_t n_truth, const long *match, double pixel_A)
{
    unsigned char *rgb = stretch_rgb(img, w, h);
    char *hit = calloc(n_truth ? n_truth : 1, 1);
    if (!rgb || !hit) {
        free(rgb), free(hit);
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", path);
    }
    static const unsigned char tp[3] = {0, 230, 0}, fp[3] = {255, 40, 40}, fn[3] = {60, 120, 255};
    double r = fmax(3.0, 1.0 / pixel_A);
    for (size_t i = 0; i < n_det; i++) {
        if (match && match[i] >= 0 && (size_t)match[i] < n_truth) {
            hit[match[i]] = 1;
            line(rgb, w, h, det[2 * i], det[2 * i + 1], tru[2 * match[i]], tru[2 * match[i] + 1], tp);
        }
        circle(rgb, w, h, det[2 * i], det[2 * i + 1], r,
               match && match[i] >= 0 ? tp : fp);
    }
    /* Missed truths as a smaller circle, so a miss next to a false positive shows both. */
    for (size_t j = 0; j < n_truth; j++)
        if (!hit[j])
            circle(rgb, w, h, tru[2 * j], tru[2 * j + 1], 0.7 * r, fn);
    free(hit);
    int st = dac_image_write_png_rgb(path, w, h, rgb);
    free(rgb);
    return st;
}

int dac_stem_count_write_pair_hist_svg(const char *path, const dac_stem_count_stats *s)
{
    dac_outset *o;
    FILE *f;
    int st = open_out(&o, path, &f);
    if (st != DAC_OK)
        return st;
    const double W = 480, H = 300, L = 50, B = 40, T = 20, R = 20;
    size_t maxc = 1;
    for (int b = 0; b < DAC_STEM_HIST_BINS; b++)
        maxc = s->hist[b] > maxc ? s->hist[b] : maxc;
    double xmax = s->hist_edges_A[DAC_STEM_HIST_BINS] > 0 ? s->hist_edges_A[DAC_STEM_HIST_BINS] : 1;
    double pw = W - L - R, ph = H - T - B;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
    fprintf(f, "<title>Pair distances (%zu resolved pairs)</title>\n", s->n_pair_distances);
    for (int b = 0; b < DAC_STEM_HIST_BINS; b++) {
        double x0 = L + pw * s->hist_edges_A[b] / xmax, x1 = L + pw * s->hist_edges_A[b + 1] / xmax;
        double hh = ph * (double)s->hist[b] / (double)maxc;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#d9a400\" "
                   "stroke=\"#555\"/>\n", x0, T + ph - hh, x1 - x0, hh);
    }
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, T + ph, L + pw, T + ph);
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, T, L, T + ph);
    /* Ticks at 1, 2 or 5 × 10^k Å, at most ~10 of them whatever the range. */
    double step = pow(10, floor(log10(xmax / 10)));
    if (xmax / step > 10)
        step *= 2;
    if (xmax / step > 10)
        step *= 2.5;
    for (int t = 0; t * step <= xmax * (1 + 1e-9) && t <= 20; t++)
        fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g</text>\n",
                L + pw * t * step / xmax, T + ph + 15, t * step);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">pair distance (Å)</text>\n", L + pw / 2, H - 5);
    fprintf(f, "<text x=\"15\" y=\"%.0f\" transform=\"rotate(-90 15 %.0f)\" text-anchor=\"middle\">pairs</text>\n",
            T + ph / 2, T + ph / 2);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">max %zu</text>\n", L + pw, T + 12, maxc);
    fprintf(f, "</svg>\n");
    return finish(o, f, path);
}
