/*
 * output.c — the result set of `dac stem count`: atoms.csv, sites.csv, summary.json,
 * the pair-distance histogram (a figure: report/plot.h) and one overlay per image,
 * written as one output set.
 * Writers only; every number comes from the computation in the other files.
 *
 * Å coordinates follow dac stem simulate's truth: measured from the outer corner of
 * pixel (0, 0), so x_A = (x_px + 0.5)·pixel. Undefined numbers (the distance of a
 * pair merged into one blob, a purity with no sites) are empty cells in CSV and null
 * with a reason in JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"
#include "core/outset.h"
#include "core/select.h"
#include "image/image_internal.h"
#include "report/plot.h"
#include "stem/count/count_internal.h"
#include "stem/count/learn_internal.h"

static const char *element_name(const count_results *r, int e)
{
    return e >= 0 && e < r->n_elements ? r->elements[e] : "";
}

static int write_atoms(const count_results *r, FILE *f)
{
    fprintf(f, "image,image_file,x_px,y_px,x_A,y_A,intensity,n_atoms,snr,element,site\n");
    for (size_t i = 0; i < r->n_blobs; i++) {
        const dac_stem_blob *b = &r->blobs[i];
        const count_frame *fr = &r->frames[b->image];
        double p = fr->pixel_A;
        fprintf(f, "%d,", b->image);
        dac_csv_write_field(f, fr->name, 0);
        fprintf(f, "%.3f,%.3f,%.4f,%.4f,%.6g,%d,%.3f,%s,%ld\n", b->x_px, b->y_px,
                (b->x_px + 0.5) * p, (b->y_px + 0.5) * p, b->intensity, b->n_atoms, b->snr,
                element_name(r, b->element), b->site);
    }
    return DAC_OK;
}

static int write_sites(const count_results *r, FILE *f)
{
    fprintf(f, "site,image,kind,n_blobs,n_atoms,x_px,y_px,x_A,y_A,distance_A\n");
    for (size_t i = 0; i < r->n_sites; i++) {
        const dac_stem_site *s = &r->sites[i];
        double p = r->frames[s->image].pixel_A;
        fprintf(f, "%zu,%d,%s,%d,%d,%.3f,%.3f,%.4f,%.4f,", i, s->image, dac_site_kind_name(s->kind),
                s->n_blobs, s->n_atoms, s->x_px, s->y_px, (s->x_px + 0.5) * p, (s->y_px + 0.5) * p);
        /* Only a pair of two resolved blobs has a distance; empty otherwise. */
        if (isfinite(s->distance_A))
            fprintf(f, "%.4f\n", s->distance_A);
        else
            fputc('\n', f);
    }
    return DAC_OK;
}

/* ------------------------------------------------------------------ summary ------ */

static void add_counts(cJSON *o, const char *key, double single, double pair, double cluster)
{
    cJSON *c = cJSON_AddObjectToObject(o, key);
    dac_json_number(c, "single", single, NULL);
    dac_json_number(c, "pair", pair, NULL);
    dac_json_number(c, "cluster", cluster, NULL);
}

static void add_purity(cJSON *j, const dac_stem_count_stats *s)
{
    const char *no_sites = "no sites counted", *no_atoms = "no atoms counted";
    cJSON *pu = cJSON_AddObjectToObject(j, "purity");
    dac_json_number(pu, "site", s->purity_site, no_sites);
    dac_json_number(pu, "atom", s->purity_atom, no_atoms);
    dac_json_numbers(pu, "site_ci95", s->site_ci95, 2, no_sites);
    dac_json_numbers(pu, "atom_ci95", s->atom_ci95, 2, no_atoms);
    cJSON_AddStringToObject(pu, "ci_method", s->ci_method ? "bootstrap over images"
                                             : s->n_images > 1 ? "Wilson on pooled counts "
                                                                 "(fewer than 5 images)"
                                                               : "Wilson");
    cJSON *pc = cJSON_AddObjectToObject(j, "purity_corrected");
    dac_json_number(pc, "site", s->purity_corrected_site, no_sites);
    dac_json_number(pc, "atom", s->purity_corrected_atom, no_atoms);
    dac_json_numbers(pc, "site_ci95", s->corrected_site_ci95, 2, no_sites);
    dac_json_numbers(pc, "atom_ci95", s->corrected_atom_ci95, 2, no_atoms);
    add_counts(pc, "counts", s->est_single, s->est_pair, s->est_cluster);
}

/* Two estimates of the chance pairs, and which one the correction uses. */
static void add_chance_pairs(cJSON *j, const dac_stem_count_stats *s)
{
    cJSON *c = cJSON_AddObjectToObject(j, "chance_pairs");
    dac_json_number(c, "expected_monte_carlo", s->chance_pairs_expected, NULL);
    dac_json_number(c, "expected_analytic_csr", s->chance_pairs_csr, NULL);
    cJSON_AddStringToObject(c, "used_by_correction", "expected_monte_carlo");
    cJSON_AddStringToObject(c, "why",
        "The correction places the estimated true population (singles, pairs, clusters, "
        "atom total held at the count) at random inside each image's real support mask and "
        "groups it with the same rule as the data, so vacuum, frame edges and the other "
        "sites' exclusion are all counted; expected_monte_carlo is the number of observed "
        "pairs made of two true singles in those placements. expected_analytic_csr is the "
        "closed form for a Poisson process of all counted atoms with a mean edge correction: "
        "a check, larger when real pairs and clusters are present (it treats their atoms "
        "as singles) and when the support is irregular.");
}

static void add_pair_distances(cJSON *j, const dac_stem_count_stats *s)
{
    const char *none = "no resolved pairs";
    cJSON *pd = cJSON_AddObjectToObject(j, "pair_distance_A");
    dac_json_count(pd, "n", s->n_pair_distances);
    dac_json_number(pd, "mean", s->pair_distance_mean_A, none);
    dac_json_number(pd, "sd", s->pair_distance_sd_A, "fewer than two resolved pairs");
    cJSON *h = cJSON_AddObjectToObject(pd, "hist");
    dac_json_numbers(h, "edges_A", s->hist_edges_A, DAC_STEM_HIST_BINS + 1, NULL);
    dac_json_counts(h, "counts", s->hist, DAC_STEM_HIST_BINS);
}

static void add_parameters(cJSON *j, const dac_stem_count_params *p)
{
    cJSON *par = cJSON_AddObjectToObject(j, "parameters");
    dac_json_number(par, "probe_fwhm_A", p->probe_fwhm_A, NULL);
    dac_json_number(par, "filter_factor", p->filter_factor, NULL);
    dac_json_number(par, "background_sigma_A", p->background_sigma_A, NULL);
    dac_json_number(par, "noise_block_A", p->noise_block_A, NULL);
    dac_json_number(par, "false_alarms_per_nm2", p->false_alarms_per_nm2, NULL);
    dac_json_number(par, "min_separation_A", p->min_separation_A, NULL);
    dac_json_number(par, "min_atom_fraction", p->min_atom_fraction, NULL);
    dac_json_number(par, "pair_max_A", p->pair_max_A, NULL);
    dac_json_number(par, "pixel_A", p->pixel_A > 0 ? p->pixel_A : NAN,
                    "from each image's calibration");
}

/* The photon-transfer calibration: with a shot-noise line, the gain in image units per
 * detected electron and the median electrons per pixel — a check of the dose. */
static void add_noise_model(cJSON *o, const count_detection *d)
{
    static const char *kind[] = {"none", "shot", "constant"};
    const count_noise_model *m = &d->noise;
    cJSON *n = cJSON_AddObjectToObject(o, "noise_model");
    cJSON_AddStringToObject(n, "kind", kind[m->model >= 0 && m->model <= 2 ? m->model : 0]);
    if (m->model == COUNT_NOISE_SHOT) {
        dac_json_number(n, "gain_per_electron", m->gain, NULL);
        dac_json_number(n, "offset", m->offset, NULL);
        dac_json_number(n, "electrons_per_pixel_median", m->electrons_median, NULL);
    }
    if (d->noise_excess > 0)
        dac_json_number(n, "excess_over_shot_noise", d->noise_excess, NULL);
}

static cJSON *image_json(const count_results *r, const count_frame *fr)
{
    const count_detection *d = fr->detection;
    const count_mixture *mx = &fr->mixture;
    cJSON *o = cJSON_CreateObject();
    dac_json_string(o, "file", fr->name);
    dac_json_count(o, "width_px", d->width);
    dac_json_count(o, "height_px", d->height);
    dac_json_number(o, "pixel_A", fr->pixel_A, NULL);
    dac_json_number(o, "support_area_nm2", d->support_area_nm2, NULL);
    dac_json_count(o, "n_blobs", d->n_blobs);
    dac_json_count(o, "n_atoms", fr->info.n_atoms);
    dac_json_number(o, "threshold_z", d->threshold_z, NULL);
    dac_json_number(o, "threshold_z_gaussian", d->threshold_z_gauss, NULL);
    dac_json_count(o, "decoys_above_threshold", d->n_decoys);
    dac_json_count(o, "rejected_faint", d->n_rejected_faint);
    dac_json_number(o, "atom_fwhm_A", d->atom_fwhm_A, NULL);
    dac_json_number(o, "atom_fwhm_measured_A", d->atom_fwhm_measured_A,
                    "fewer than 5 isolated bright atoms: the nominal probe width was used");
    dac_json_count(o, "residual_added", d->n_residual);
    dac_json_count(o, "residual_decoys", d->n_residual_decoys);
    if (r->model)
        dac_json_count(o, "candidates", fr->n_candidates);
    add_noise_model(o, d);
    cJSON *m = cJSON_AddObjectToObject(o, "blob_intensity");
    dac_json_number(m, "single_atom", mx->unit_intensity, NULL);
    dac_json_number(m, "spread", mx->spread, NULL);
    dac_json_bool(m, "converged", mx->converged);
    dac_json_bool(m, "atoms_counted_by_intensity", mx->counts_atoms);
    if (r->n_elements == 2) {
        cJSON_AddStringToObject(m, "element_a", r->elements[0]);
        cJSON_AddStringToObject(m, "element_b", r->elements[1]);
        dac_json_number(m, "sigma_ratio", mx->sigma_ratio, NULL);
        dac_json_bool(m, "elements_separable", mx->elements_separable);
    }
    return o;
}

static cJSON *summary_json(const count_results *r, const dac_provenance *prov)
{
    const dac_stem_count_stats *s = r->stats;
    cJSON *j = dac_json_record("dac stem count summary", prov);
    if (!j)
        return NULL;
    dac_json_count(j, "n_images", s->n_images);
    dac_json_count(j, "n_atoms", s->n_atoms);
    dac_json_count(j, "n_sites", s->n_sites);
    add_counts(j, "counts", (double)s->n_single, (double)s->n_pair, (double)s->n_cluster);
    dac_json_number(j, "support_area_nm2", s->support_area_nm2, NULL);
    dac_json_number(j, "density_per_nm2", s->density_per_nm2, "no support area");
    dac_json_number(j, "atom_density_per_nm2", s->atom_density_per_nm2, "no support area");
    add_purity(j, s);
    add_chance_pairs(j, s);
    add_pair_distances(j, s);
    dac_json_number(j, "clark_evans", s->clark_evans, "fewer than two atoms in every image");
    add_parameters(j, r->params);
    count_model_json(j, r->model);
    cJSON *el = cJSON_AddArrayToObject(j, "elements");
    for (int e = 0; e < r->n_elements; e++)
        cJSON_AddItemToArray(el, cJSON_CreateString(r->elements[e]));
    cJSON *imgs = cJSON_AddArrayToObject(j, "images");
    for (size_t k = 0; k < r->n_frames; k++)
        cJSON_AddItemToArray(imgs, image_json(r, &r->frames[k]));
    return j;
}

/* ----------------------------------------------------------------- overlays ------ */

static void put(unsigned char *rgb, size_t w, size_t h, long x, long y, const unsigned char c[3])
{
    if (x < 0 || y < 0 || x >= (long)w || y >= (long)h)
        return;
    memcpy(rgb + 3 * ((size_t)y * w + (size_t)x), c, 3);
}

void count_draw_circle(unsigned char *rgb, size_t w, size_t h, double cx, double cy, double r,
                       const unsigned char c[3])
{
    int steps = (int)(2 * DAC_PI * r) * 2 + 8;
    for (int i = 0; i < steps; i++) {
        double t = 2 * DAC_PI * i / steps;
        put(rgb, w, h, lround(cx + r * cos(t)), lround(cy + r * sin(t)), c);
    }
}

void count_draw_line(unsigned char *rgb, size_t w, size_t h, double x0, double y0, double x1,
                     double y1, const unsigned char c[3])
{
    double len = hypot(x1 - x0, y1 - y0);
    int steps = (int)(2 * len) + 1;
    for (int i = 0; i <= steps; i++) {
        double t = (double)i / steps;
        put(rgb, w, h, lround(x0 + t * (x1 - x0)), lround(y0 + t * (y1 - y0)), c);
    }
}

int count_display_image(const float *img, size_t w, size_t h, count_display *out)
{
    size_t np = w * h, step = np > 1000000 ? np / 1000000 : 1, ns = 0;
    float *sample = malloc(sizeof *sample * (np / step + 1));
    out->grey = malloc(np ? np : 1);
    if (!sample || !out->grey) {
        free(sample), free(out->grey);
        out->grey = NULL;
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (display image)");
    }
    for (size_t i = 0; i < np; i += step)
        sample[ns++] = img[i];
    float lo = dac_select_float(sample, ns, (size_t)(0.005 * (double)(ns - 1)));
    float hi = dac_select_float(sample, ns, (size_t)(0.995 * (double)(ns - 1)));
    free(sample);
    for (size_t i = 0; i < np; i++) {
        double t = hi > lo ? (img[i] - lo) / (hi - lo) : 0.5;
        out->grey[i] = (unsigned char)(255 * (t < 0 ? 0 : t > 1 ? 1 : t));
    }
    out->width = w, out->height = h;
    return DAC_OK;
}

unsigned char *count_display_rgb(const count_display *d)
{
    size_t np = d->width * d->height;
    unsigned char *rgb = malloc(np * 3 + 1);
    for (size_t i = 0; rgb && i < np; i++)
        rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = d->grey[i];
    return rgb;
}

/* Singles green, pairs yellow joined by a line, clusters magenta. */
static int write_overlay(const count_results *r, size_t k, FILE *f, const char *name)
{
    const count_frame *fr = &r->frames[k];
    size_t w = fr->display.width, h = fr->display.height;
    unsigned char *rgb = count_display_rgb(&fr->display);
    if (!rgb)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", name);
    static const unsigned char col[4][3] = {{0, 0, 0}, {0, 220, 0}, {255, 210, 0}, {255, 0, 255}};
    double rad = fmax(3.0, 1.0 / fr->pixel_A);
    const dac_stem_blob *b = r->blobs;
    for (size_t i = 0; i < r->n_blobs; i++) {
        if (b[i].image != (int)k)
            continue;
        int kind = b[i].site >= 0 ? r->sites[b[i].site].kind : DAC_SITE_SINGLE;
        count_draw_circle(rgb, w, h, b[i].x_px, b[i].y_px, rad, col[kind]);
        for (size_t j = i + 1; kind != DAC_SITE_SINGLE && j < r->n_blobs; j++)
            if (b[j].image == (int)k && b[j].site == b[i].site)
                count_draw_line(rgb, w, h, b[i].x_px, b[i].y_px, b[j].x_px, b[j].y_px, col[kind]);
    }
    int st = image_write_png_rgb_stream(f, name, w, h, rgb);
    free(rgb);
    return st;
}

/* overlay_<file name without folder and extension>.png; a name seen before gets _2, _3… */
static void overlay_name(const count_results *r, size_t k, char *buf, size_t size)
{
    const char *base = strrchr(r->frames[k].name, '/');
    base = base ? base + 1 : r->frames[k].name;
    size_t len = strcspn(base, ".");
    int twin = 1;
    for (size_t j = 0; j < k; j++) {
        const char *b2 = strrchr(r->frames[j].name, '/');
        b2 = b2 ? b2 + 1 : r->frames[j].name;
        twin += strcspn(b2, ".") == len && !strncmp(b2, base, len);
    }
    char clean[200];
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof clean; i++)
        clean[n++] = (char)((base[i] == ' ' || base[i] == ',' || (unsigned char)base[i] < 32) ? '_' : base[i]);
    clean[n] = '\0';
    if (twin > 1)
        snprintf(buf, size, "overlay_%s_%d.png", n ? clean : "image", twin);
    else
        snprintf(buf, size, "overlay_%s.png", n ? clean : "image");
}

/* The histogram of resolved pair distances (pair_hist.csv/.gp/.svg/.png), drawn by the
 * figure module from the statistics' bins. */
static int write_pair_hist(dac_outset *set, const dac_stem_count_stats *s)
{
    double rows[DAC_STEM_HIST_BINS * 2];
    for (int b = 0; b < DAC_STEM_HIST_BINS; b++) {
        rows[2 * b] = 0.5 * (s->hist_edges_A[b] + s->hist_edges_A[b + 1]);
        rows[2 * b + 1] = (double)s->hist[b];
    }
    char title[96], ylabel[64];
    snprintf(title, sizeof title, "Distances of resolved pairs (%zu pairs)", s->n_pair_distances);
    snprintf(ylabel, sizeof ylabel, "pairs per %.3g Å bin", s->hist_edges_A[1] - s->hist_edges_A[0]);
    static const char *headers[] = {"distance_A", "pairs_count"};
    dac_plot *p;
    int st = dac_plot_create(title, "pair distance (Å)", ylabel, &p);
    if (st == DAC_OK)
        st = dac_plot_set_table(p, 2, headers, DAC_STEM_HIST_BINS, rows);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "resolved pairs", DAC_PLOT_BOXES);
    if (st == DAC_OK)
        st = dac_plot_set_range(p, 'x', 0, s->hist_edges_A[DAC_STEM_HIST_BINS]);
    if (st == DAC_OK)
        st = dac_plot_set_range(p, 'y', 0, NAN);
    if (st == DAC_OK)
        st = dac_plot_write(p, set, "pair_hist");
    dac_plot_free(p);
    return st;
}

/* ------------------------------------------------------------------ the set ------- */

int count_write_results(const count_results *r, const char *dir, const dac_provenance *prov)
{
    dac_outset *set;
    FILE *f;
    int st = dac_outset_create(dir, &set);
    if (st != DAC_OK)
        return st;
    if ((st = dac_outset_open(set, "atoms.csv", &f)) == DAC_OK)
        st = write_atoms(r, f);
    if (st == DAC_OK && (st = dac_outset_open(set, "sites.csv", &f)) == DAC_OK)
        st = write_sites(r, f);
    cJSON *j = st == DAC_OK ? summary_json(r, prov) : NULL;
    if (st == DAC_OK)
        st = j ? dac_outset_json(set, "summary.json", j) : dac_error(DAC_ERR_NOMEM, "out of memory");
    cJSON_Delete(j);
    if (st == DAC_OK)
        st = write_pair_hist(set, r->stats);
    for (size_t k = 0; st == DAC_OK && r->overlays && k < r->n_frames; k++) {
        char name[256];
        overlay_name(r, k, name, sizeof name);
        if ((st = dac_outset_open(set, name, &f)) == DAC_OK)
            st = write_overlay(r, k, f, name);
    }
    return dac_outset_finish(set, st);
}

