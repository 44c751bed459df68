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
#include "report/plot.h"
#include "stem/count/count_internal.h"
#include "stem/count/learn_internal.h"

static const char *element_name(const count_results *r, int e)
{
    return e >= 0 && e < r->n_elements ? r->elements[e] : "";
}

static int write_atoms(const count_results *r, FILE *f)
{
    fprintf(f, "image,image_file,x_px,y_px,x_A,y_A,intensity,n_atoms,snr,element,element_p,site\n");
    for (size_t i = 0; i < r->n_blobs; i++) {
        const dac_stem_blob *b = &r->blobs[i];
        const count_frame *fr = &r->frames[b->image];
        double p = fr->pixel_A;
        fprintf(f, "%d,", b->image);
        dac_csv_write_field(f, fr->name, 0);
        fprintf(f, "%.3f,%.3f,%.4f,%.4f,%.6g,%d,%.3f,%s,", b->x_px, b->y_px, (b->x_px + 0.5) * p,
                (b->y_px + 0.5) * p, b->intensity, b->n_atoms, b->snr, element_name(r, b->element));
        /* The element's posterior probability; empty when no element is named (without
         * --elements the mixture still sets element 0, which names nothing). */
        if (*element_name(r, b->element) && isfinite(b->element_p))
            fprintf(f, "%.4f", b->element_p);
        fprintf(f, ",%ld\n", b->site);
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
    dac_json_numbers(h, "edges_A", s->hist_edges_A, s->n_hist_bins + 1, NULL);
    dac_json_counts(h, "counts", s->hist, s->n_hist_bins);
    dac_json_number(h, "bin_width_A", s->hist_bin_width_A, NULL);
    dac_json_number(h, "precision_A", s->hist_precision_A, none);
    cJSON_AddStringToObject(h, "bin_rule",
        "Freedman–Diaconis width 2·IQR·n^(−1/3) (0.25 Å for fewer than 4 distances), at least "
        "precision_A (the median over resolved pairs of the two centres' √2·σ/z errors added "
        "in quadrature), rounded up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k Å; bins from 0 Å");
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

/* The false-alarm rate that holds at a frame's threshold: the fitted tail of the
 * atom-free residual (calibrate.c, texture included); NAN when it could not be fitted. */
static double expected_rate(const count_detection *d)
{
    return d->null.calibrated ? count_null_rate(&d->null, d->threshold_z) : NAN;
}

/* A stated rate counts as honoured when the measured one is within 2× of it (the bar
 * of issue 10, tests/stem/accuracy/test_false_alarms.c). */
#define HONOURED_FACTOR 2.0

/* Per image: the threshold calibrated on the image's own noise, and what holds once the
 * support's texture is counted (calibrate.c). */
static void add_false_alarms(cJSON *o, const count_detection *d, double stated)
{
    const char *no_noise = "no noise model (photon transfer) to draw a null from: the "
                           "Gaussian threshold was kept";
    const char *no_tail = "too few maxima on the frame to fit the tail";
    cJSON *j = cJSON_AddObjectToObject(o, "false_alarms");
    dac_json_number(j, "stated_per_nm2", stated, NULL);
    dac_json_number(j, "threshold_z_noise", d->noise_null.calibrated ? d->noise_null.threshold_z : NAN,
                    no_noise);
    dac_json_count(j, "dropped_below_noise_threshold", d->noise_null.n_dropped);
    double e = expected_rate(d);
    dac_json_number(j, "expected_per_nm2", e, no_tail);
    dac_json_number(j, "threshold_z_for_stated_with_texture",
                    d->null.calibrated ? d->null.threshold_z : NAN, no_tail);
    if (isfinite(e))
        dac_json_bool(j, "honoured", e <= HONOURED_FACTOR * stated);
}

/* Over all images: the area-weighted expected rate and whether every image honours
 * the stated one. */
static void add_false_alarms_total(cJSON *o, const count_results *r)
{
    double area = 0, sum = 0;
    int all = 1, known = 1;
    for (size_t k = 0; k < r->n_frames; k++) {
        const count_detection *d = r->frames[k].detection;
        double e = expected_rate(d);
        known &= isfinite(e);
        if (isfinite(e)) {
            sum += e * d->support_area_nm2, area += d->support_area_nm2;
            all &= e <= HONOURED_FACTOR * r->params->false_alarms_per_nm2;
        }
    }
    cJSON *j = cJSON_AddObjectToObject(o, "false_alarms");
    dac_json_number(j, "stated_per_nm2", r->params->false_alarms_per_nm2, NULL);
    dac_json_number(j, "expected_per_nm2", known && area > 0 ? sum / area : NAN,
                    "the tail could not be fitted on every image (see images[k].false_alarms)");
    if (known && area > 0)
        dac_json_bool(j, "honoured", all);
}

/* The atom image's shape measured on the frame (kernel.c) and whether the fits used it. */
static void add_kernel(cJSON *o, const count_detection *d, double pixel_A)
{
    const count_kernel *k = &d->kernel;
    const char *none = "fewer than 5 isolated bright atoms: not measured";
    cJSON *j = cJSON_AddObjectToObject(o, "atom_kernel");
    dac_json_bool(j, "used", k->used);
    dac_json_count(j, "n_atoms", k->n_atoms);
    dac_json_number(j, "tail_fraction", k->tail_fraction, none);
    dac_json_number(j, "tail_fraction_se", k->tail_fraction_se, none);
    dac_json_number(j, "fwhm_A", k->n ? k->fwhm_px * pixel_A : NAN, none);
    cJSON *g = cJSON_AddArrayToObject(j, "gaussians");
    for (int m = 0; g && m < k->n; m++) {
        cJSON *e = cJSON_CreateObject();
        dac_json_number(e, "weight", k->weight[m], NULL);
        dac_json_number(e, "sigma_A", k->sigma_px[m] * pixel_A, NULL);
        cJSON_AddItemToArray(g, e);
    }
}

/* Area outside the searched support: vacuum, and the band along its edge that the
 * filters cannot search (detect.c). */
static double vacuum_area_nm2(const count_frame *fr)
{
    const count_detection *d = fr->detection;
    double frame = (double)(d->width * d->height) * fr->pixel_A * fr->pixel_A / 100.0;
    return fmax(0, frame - d->support_area_nm2);
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
    dac_json_number(o, "vacuum_area_nm2", vacuum_area_nm2(fr), NULL);
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
    add_kernel(o, d, fr->pixel_A);
    add_false_alarms(o, d, r->params->false_alarms_per_nm2);
    cJSON *m = cJSON_AddObjectToObject(o, "blob_intensity");
    dac_json_number(m, "single_atom", mx->unit_intensity, NULL);
    dac_json_number(m, "spread", mx->spread, NULL);
    dac_json_number(m, "atom_scatter", mx->atom_scatter, NULL);
    dac_json_bool(m, "converged", mx->converged);
    dac_json_bool(m, "atoms_counted_by_intensity", mx->counts_atoms);
    if (r->n_elements == 2) {
        cJSON_AddStringToObject(m, "element_a", r->elements[0]);
        cJSON_AddStringToObject(m, "element_b", r->elements[1]);
        dac_json_number(m, "sigma_ratio", mx->sigma_ratio, NULL);
        dac_json_number(m, "element_d_prime", mx->element_d_prime, "too few blobs to fit the mixture");
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
    add_false_alarms_total(j, r);
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

static void format_area(char *buf, size_t size, const char *what, double nm2)
{
    snprintf(buf, size, nm2 >= 100 ? "%s %.0f nm²" : nm2 >= 10 ? "%s %.1f nm²" : "%s %.2f nm²",
             what, nm2);
}

/* The legend: the image's sites by kind, and the vacuum area when there is one. */
static int legend_rows(const count_results *r, const count_frame *fr, count_legend_row *rows)
{
    size_t n[4] = {0, 0, 0, 0};
    for (size_t j = fr->first_site; j < fr->first_site + fr->n_sites; j++)
        n[r->sites[j].kind]++;
    static const char *names[4] = {"", "single", "pair", "cluster"};
    static const int ink[4] = {0, COUNT_INK_SINGLE, COUNT_INK_PAIR, COUNT_INK_CLUSTER};
    int k = 0;
    for (int kind = DAC_SITE_SINGLE; kind <= DAC_SITE_CLUSTER; kind++, k++) {
        rows[k].ink = ink[kind];
        snprintf(rows[k].text, sizeof rows[k].text, "%s %zu", names[kind], n[kind]);
    }
    double vac = vacuum_area_nm2(fr);
    if (vac > 0.005) {
        rows[k].ink = COUNT_SWATCH_SHADE;
        format_area(rows[k].text, sizeof rows[k].text, "vacuum", vac);
        k++;
    }
    return k;
}

/* Rings: singles green, pairs yellow, clusters magenta, the blobs of a pair or cluster
 * joined ring to ring; the vacuum shaded; legend top-left, scale bar bottom-left. */
static int write_overlay(const count_results *r, size_t k, FILE *f, const char *name)
{
    const count_frame *fr = &r->frames[k];
    count_canvas cv;
    int st = count_canvas_create(&fr->display, fr->detection->support, fr->pixel_A, &cv);
    if (st != DAC_OK)
        return st;
    static const int ink[4] = {COUNT_INK_SINGLE, COUNT_INK_SINGLE, COUNT_INK_PAIR, COUNT_INK_CLUSTER};
    double rad = count_marker_radius(fr->pixel_A);
    const dac_stem_blob *b = r->blobs;
    size_t lo = 0, hi = r->n_blobs; /* the image's blobs are one run of the list */
    while (lo < hi && b[lo].image != (int)k)
        lo++;
    while (hi > lo && b[hi - 1].image != (int)k)
        hi--;
    for (int edge = 1; edge >= 0; edge--)
        for (size_t i = lo; i < hi; i++) {
            int kind = b[i].site >= 0 ? (int)r->sites[b[i].site].kind : DAC_SITE_SINGLE;
            count_draw_ring(&cv, b[i].x_px, b[i].y_px, rad, ink[kind], edge);
            for (size_t j = i + 1; edge && kind != DAC_SITE_SINGLE && j < hi; j++)
                if (b[j].site == b[i].site)
                    count_draw_link(&cv, b[i].x_px, b[i].y_px, b[j].x_px, b[j].y_px, rad, ink[kind]);
        }
    count_legend_row rows[4];
    count_draw_legend(&cv, rows, legend_rows(r, fr, rows));
    count_draw_scale_bar(&cv);
    st = count_canvas_write_png(f, name, &cv);
    count_canvas_free(&cv);
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

/* y-axis ticks for counts up to top: a whole 1, 2 or 5 × 10^k step, at most ~6 ticks. */
static double count_tick_step(size_t top)
{
    static const double m[] = {1, 2, 5, 10};
    return count_nice(fmax(1.0, (double)top / 6.0), m, 4, 1);
}

/* The histogram of resolved pair distances (pair_hist.csv/.gp/.svg/.png), drawn by the
 * figure module from the statistics' bins (the same as summary.json's). */
static int write_pair_hist(dac_outset *set, const dac_stem_count_stats *s)
{
    size_t nb = s->n_hist_bins, top = 0;
    double rows[DAC_STEM_HIST_MAX_BINS * 2];
    for (size_t b = 0; b < nb; b++) {
        rows[2 * b] = 0.5 * (s->hist_edges_A[b] + s->hist_edges_A[b + 1]);
        rows[2 * b + 1] = (double)s->hist[b];
        top = s->hist[b] > top ? s->hist[b] : top;
    }
    char title[96], ylabel[64], ytics[64];
    snprintf(title, sizeof title, "Distances of resolved pairs (%zu pairs)", s->n_pair_distances);
    snprintf(ylabel, sizeof ylabel, "pairs per %.3g Å bin", s->hist_bin_width_A);
    double step = count_tick_step(top), ytop = step * ceil(fmax(1.0, (double)top) / step);
    snprintf(ytics, sizeof ytics, "set ytics 0, %g", step);
    static const char *headers[] = {"distance_A", "pairs_count"};
    dac_plot *p;
    int st = dac_plot_create(title, "pair distance (Å)", ylabel, &p);
    if (st == DAC_OK)
        st = dac_plot_set_table(p, 2, headers, nb, rows);
    if (st == DAC_OK)
        st = dac_plot_add_series(p, 0, 1, "resolved pairs", DAC_PLOT_BOXES);
    if (st == DAC_OK)
        st = dac_plot_set_range(p, 'x', 0, s->hist_edges_A[nb]);
    if (st == DAC_OK)
        st = dac_plot_set_range(p, 'y', 0, ytop);
    if (st == DAC_OK)
        st = dac_plot_add_command(p, ytics);
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

