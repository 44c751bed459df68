/*
 * stage_see.c — the study's "see" stage: would a microscope tell what was made?
 *
 * Each outcome's structure (the first seed's final.extxyz of a synthesis run, or a
 * structure the study names) is imaged as `dac stem simulate` does it, at the study's
 * dose, pixel and support, over a field of at most fov_A (centred), and the image is
 * counted as `dac stem count` does it, with the metal elements the structure holds.
 * Outcome k uses seed + k for both. The table sets three numbers side by side:
 *   true purity   — pairs among the sites wholly inside the field, from the
 *                   simulation's truth (what a perfect count would say);
 *   naive purity  — the counted pairs over the counted sites, with its Wilson interval
 *                   (counting by eye: every two atoms closer than 3.5 Å are a pair);
 *   corrected     — the count with the chance pairs of that atom density in that
 *                   support taken out (dac stem count's correction), with its interval.
 * Folder: see/<outcome>/image.{tif,png,json,truth.csv} and see/<outcome>/count/ (the
 * counter's set), and the stage's own purity figure, summary and page fragment.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "dac/core.h"
#include "dac/stem.h"
#include "dac/stem_count.h"
#include "dac/struct.h"
#include "report/plot.h"
#include "report/study_internal.h"

typedef struct {
    size_t width, height;
    double field_A[2];
    int fov_set;
    char elements[2][4];
    int n_elements;
    size_t true_count[4], lattice_count[4], atoms_true;
    double purity_true, purity_lattice;
    dac_stem_count_stats stats;
} see_row;

/* Pairs among sites; NaN without sites. */
static double purity(const size_t count[4])
{
    size_t n = count[DAC_SITE_SINGLE] + count[DAC_SITE_PAIR] + count[DAC_SITE_CLUSTER];
    return n ? (double)count[DAC_SITE_PAIR] / (double)n : NAN;
}

/* Progress of the simulator and the counter inside outcome k of n. */
typedef struct {
    report_stage *st;
    size_t k, n;
    double lo, span;
} sub_progress;

static int on_progress(double f, void *user_data)
{
    sub_progress *p = user_data;
    return report_stage_progress(p->st, p->k, p->n, p->lo + p->span * f);
}

int report_see_inputs(const dac_report_study *s, const char *outdir, report_list *inputs)
{
    report_outcome *o;
    size_t n;
    int st = report_outcomes_read(s, outdir, &o, &n);
    for (size_t i = 0; st == DAC_OK && i < n; i++)
        st = report_list_add(inputs, o[i].files[0]);
    if (st == DAC_OK)
        report_outcomes_free(o, n);
    return st;
}

/* The simulator's options from the study; the field is the structure's own frame,
 * cut to fov_A where it is larger. */
static int frame_options(const report_see *cfg, const dac_structure *s, dac_stem_options *opt,
                         dac_stem_frame *frame, see_row *row)
{
    dac_stem_options_default(opt);
    opt->pixel_A = cfg->pixel_A;
    opt->dose_e_A2 = cfg->dose_e_A2;
    opt->support_thickness_A = cfg->support_thickness_A;
    int st = dac_stem_frame_compute(opt, s, frame);
    if (st == DAC_OK && (frame->extent_A[0] > cfg->fov_A || frame->extent_A[1] > cfg->fov_A)) {
        opt->fov_A[0] = fmin(frame->extent_A[0], cfg->fov_A);
        opt->fov_A[1] = fmin(frame->extent_A[1], cfg->fov_A);
        row->fov_set = 1;
        st = dac_stem_frame_compute(opt, s, frame);
    }
    row->width = frame->width;
    row->height = frame->height;
    row->field_A[0] = frame->extent_A[0];
    row->field_A[1] = frame->extent_A[1];
    return st;
}

/* The metals drawn, lightest first (one or two: the counter classifies two). */
static void metals_of(const dac_stem_truth *t, see_row *row)
{
    int z[2] = {0, 0}, n = 0, more = 0;
    for (size_t i = 0; i < t->n_atoms; i++) {
        int Z = t->atoms[i].Z;
        if (Z == z[0] || Z == z[1])
            continue;
        if (n == 2) {
            more = 1;
            break;
        }
        z[n++] = Z;
    }
    if (n == 2 && z[1] < z[0])
        z[0] ^= z[1], z[1] ^= z[0], z[0] ^= z[1];
    row->n_elements = more ? 0 : n;
    for (int k = 0; k < row->n_elements; k++)
        snprintf(row->elements[k], sizeof row->elements[k], "%s", dac_element_by_Z(z[k])->symbol);
}

static int count_image(report_stage *st, const dac_image *img, const char *name, uint64_t seed,
                       sub_progress *sp, see_row *row)
{
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    p.pixel_A = st->study->see.pixel_A;
    dac_stem_counter *c = NULL;
    char *image_name = report_stage_final_path(st, "%s/image.tif", name);
    char *dir = report_stage_path(st, "%s/count", name);
    int rc = image_name && dir ? dac_stem_counter_create(&p, &c) : dac_error(DAC_ERR_NOMEM, "out of memory");
    const char *el[2] = {row->elements[0], row->elements[1]};
    if (rc == DAC_OK && row->n_elements)
        rc = dac_stem_counter_set_elements(c, el, row->n_elements);
    sp->lo = 0.6, sp->span = 0.4;
    if (rc == DAC_OK) {
        dac_stem_counter_set_progress(c, on_progress, sp);
        rc = dac_stem_counter_add_image(c, img, NULL, image_name);
    }
    if (rc == DAC_OK)
        rc = dac_stem_counter_finish(c, seed);
    const char *inputs[1] = {image_name};
    dac_provenance prov = st->prov;
    prov.n_inputs = 0, prov.inputs = inputs; /* the image is not on disk yet: named only */
    if (rc == DAC_OK)
        rc = dac_stem_counter_write(c, dir, &prov);
    if (rc == DAC_OK)
        row->stats = *dac_stem_counter_stats(c);
    dac_stem_counter_free(c);
    free(image_name), free(dir);
    return rc;
}

/* Drops the simulator's note that atoms outside the field were not drawn: the field is
 * cut from a larger lattice on purpose (the page says so). Other notes stay, in order. */
static void drop_crop_warning(void)
{
    size_t n = dac_warning_count();
    char **keep = calloc(n + 1, sizeof *keep);
    for (size_t i = 0; keep && i < n; i++)
        keep[i] = strstr(dac_warning(i), "outside the field of view") ? NULL : strdup(dac_warning(i));
    if (!keep)
        return;
    dac_warnings_clear();
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            dac_warn("%s", keep[i]);
    for (size_t i = 0; i < n; i++)
        free(keep[i]);
    free(keep);
}

static int image_outcome(report_stage *st, const report_outcome *o, size_t k, size_t n, see_row *row)
{
    const dac_report_study *s = st->study;
    dac_structure *str = NULL;
    dac_stem_sim *sim = NULL;
    dac_image *img = NULL;
    dac_stem_truth *truth = NULL;
    dac_stem_options opt;
    dac_stem_frame frame;
    uint64_t seed = s->seed + k;
    sub_progress sp = {st, k, n, 0, 0.6};
    int rc = dac_struct_read(o->files[0], DAC_FORMAT_AUTO, &str);
    if (rc == DAC_OK)
        rc = frame_options(&s->see, str, &opt, &frame, row);
    if (rc == DAC_OK)
        rc = dac_stem_sim_create(&opt, frame.width, frame.height, &sim);
    if (rc == DAC_OK) {
        dac_stem_sim_set_progress(sim, on_progress, &sp);
        rc = dac_stem_sim_render(sim, str, seed, &img, &truth);
        if (row->fov_set)
            drop_crop_warning();
    }
    char *path = rc == DAC_OK ? report_stage_path(st, "%s/image.tif", o->name) : NULL;
    const char *inputs[1] = {o->files[0]};
    dac_provenance prov = st->prov;
    prov.n_inputs = 1, prov.inputs = inputs;
    if (rc == DAC_OK)
        rc = path ? dac_stem_sim_write(sim, img, truth, path, 1, &prov) : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (rc == DAC_OK) {
        memcpy(row->true_count, truth->site_count, sizeof row->true_count);
        memcpy(row->lattice_count, truth->structure_site_count, sizeof row->lattice_count);
        row->purity_true = purity(truth->site_count);
        row->purity_lattice = purity(truth->structure_site_count);
        row->atoms_true = truth->n_atoms;
        metals_of(truth, row);
        rc = count_image(st, img, o->name, seed, &sp, row);
    }
    if (rc != DAC_OK) {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", dac_last_error());
        rc = dac_error(rc, "outcome %s (%s): %s", o->name, o->files[0], msg);
    }
    free(path);
    dac_stem_truth_free(truth);
    dac_image_free(img);
    dac_stem_sim_free(sim);
    dac_structure_free(str);
    return rc;
}

/* ------------------------------------------------------------ outputs ------------- */

static void summary_row(cJSON *list, const report_outcome *o, const see_row *r)
{
    cJSON *e = cJSON_CreateObject();
    if (!e)
        return;
    dac_json_string(e, "name", o->name);
    dac_json_string(e, "structure", o->files[0]);
    cJSON *px = cJSON_AddArrayToObject(e, "image_px");
    cJSON_AddItemToArray(px, cJSON_CreateNumber((double)r->width));
    cJSON_AddItemToArray(px, cJSON_CreateNumber((double)r->height));
    dac_json_numbers(e, "field_A", r->field_A, 2, NULL);
    dac_json_count(e, "metal_atoms_in_field", r->atoms_true);
    dac_json_counts(e, "true_sites_single_pair_cluster", r->true_count + 1, 3);
    dac_json_number(e, "purity_true_site", r->purity_true, "no complete site in the field");
    dac_json_number(e, "purity_structure_site", r->purity_lattice, "no site in the structure");
    const dac_stem_count_stats *c = &r->stats;
    size_t counted[3] = {c->n_single, c->n_pair, c->n_cluster};
    dac_json_counts(e, "counted_sites_single_pair_cluster", counted, 3);
    dac_json_number(e, "purity_naive_site", c->purity_site, "no site counted");
    dac_json_numbers(e, "purity_naive_site_ci95", c->site_ci95, 2, "no site counted");
    dac_json_number(e, "chance_pairs_expected", c->chance_pairs_expected, "no atom counted");
    dac_json_number(e, "purity_corrected_site", c->purity_corrected_site, "no site counted");
    dac_json_numbers(e, "purity_corrected_site_ci95", c->corrected_site_ci95, 2, "no site counted");
    cJSON_AddItemToArray(list, e);
}

static int purity_figure(report_stage *st, const report_outcome *o, const see_row *rows, size_t n)
{
    static const char *const head[] = {"outcome", "purity_true_site", "x_naive",
                                       "purity_naive_site", "naive_ci95_low", "naive_ci95_high",
                                       "x_corrected", "purity_corrected_site",
                                       "corrected_ci95_low", "corrected_ci95_high"};
    double *t = malloc(n * 10 * sizeof *t);
    dac_plot *p = NULL;
    int rc = t ? dac_plot_create(NULL, NULL, "site purity (pairs / sites)", &p)
               : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t k = 0; rc == DAC_OK && k < n; k++) {
        const dac_stem_count_stats *c = &rows[k].stats;
        double row[10] = {(double)(k + 1), rows[k].purity_true, k + 1 - 0.15, c->purity_site,
                          c->site_ci95[0], c->site_ci95[1], k + 1 + 0.15,
                          c->purity_corrected_site, c->corrected_site_ci95[0],
                          c->corrected_site_ci95[1]};
        memcpy(t + 10 * k, row, sizeof row);
    }
    if (rc == DAC_OK)
        rc = dac_plot_set_table(p, 10, head, n, t);
    if (rc == DAC_OK)
        rc = dac_plot_add_series(p, 0, 1, "true (simulation)", DAC_PLOT_POINTS);
    if (rc == DAC_OK)
        rc = dac_plot_add_series(p, 2, 3, "naive count, 95 % interval", DAC_PLOT_INTERVALS);
    if (rc == DAC_OK)
        rc = dac_plot_add_series(p, 6, 7, "chance-corrected, 95 % interval", DAC_PLOT_INTERVALS);
    if (rc == DAC_OK)
        rc = dac_plot_set_series_options(p, 0, "pt 5 ps 1.6 lc rgb '#222222'");
    report_list names = {0}; /* outcome names under their positions */
    for (size_t k = 0; k < n; k++)
        report_list_add(&names, o[k].name);
    if (rc == DAC_OK)
        rc = report_write_purity_figure(p, &names, st->set, "purity");
    report_list_free(&names);
    free(t);
    dac_plot_free(p);
    return rc;
}

/* The page's table: one row per outcome. */
static int purity_table(report_stage *st, const report_outcome *o, const see_row *rows, size_t n)
{
    static const char *const head[] = {"Outcome", "Field (Å)", "Metal atoms", "True purity",
                                       "Counted single / pair / cluster", "Naive purity [95 % CI]",
                                       "Chance pairs expected", "Corrected purity [95 % CI]"};
    report_list cells = {0};
    for (size_t k = 0; k < n; k++) {
        const see_row *r = &rows[k];
        const dac_stem_count_stats *c = &r->stats;
        report_list_addf(&cells, "`%s`", o[k].name);
        report_list_addf(&cells, "%.0f × %.0f", r->field_A[0], r->field_A[1]);
        report_list_addf(&cells, "%zu", r->atoms_true);
        report_cell_number(&cells, r->purity_true, 3);
        report_list_addf(&cells, "%zu / %zu / %zu", c->n_single, c->n_pair, c->n_cluster);
        report_cell_interval(&cells, c->purity_site, c->site_ci95);
        report_cell_number(&cells, c->chance_pairs_expected, 2);
        report_cell_interval(&cells, c->purity_corrected_site, c->corrected_site_ci95);
    }
    return report_table(st->page, "Pair purity of each outcome: the truth of the simulated field, "
                        "the naive count, and the count with chance pairs removed (intervals: "
                        "95 %).", 8, head, &cells);
}

static int inside(double v, const double ci[2]) { return v >= ci[0] && v <= ci[1]; }

static int write_page(report_stage *st, const report_outcome *o, const see_row *rows, size_t n)
{
    const report_see *v = &st->study->see;
    dac_report *p = st->page;
    char text[1600], dose[32];
    report_format(dose, sizeof dose, v->dose_e_A2, 3);
    int rc = dac_report_add_heading(p, 2, "See: would a microscope tell?");
    snprintf(text, sizeof text,
             "Each outcome was imaged as HAADF-STEM at %s e⁻/Å² (300 kV, 25 mrad, %.2g Å pixels, "
             "on %.0f Å of amorphous carbon, over at most %.0f × %.0f Å: larger lattices are "
             "imaged in a window at their centre), and the image was "
             "counted as a microscopist would: atoms found by a matched filter and a statistical "
             "test, every two atoms closer than 3.5 Å called a pair. Atoms that land near each "
             "other by chance are counted as pairs too; the corrected purity takes out the pairs "
             "expected by chance at the density counted, in the same support.",
             dose, v->pixel_A, v->support_thickness_A, v->fov_A, v->fov_A);
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(p, text);
    if (rc == DAC_OK)
        rc = purity_table(st, o, rows, n);
    size_t naive_ok = 0, corr_ok = 0, defined = 0;
    for (size_t k = 0; k < n; k++) {
        const dac_stem_count_stats *c = &rows[k].stats;
        if (!isfinite(rows[k].purity_true) || !isfinite(c->purity_site))
            continue;
        defined++;
        naive_ok += inside(rows[k].purity_true, c->site_ci95);
        corr_ok += inside(rows[k].purity_true, c->corrected_site_ci95);
    }
    /* the outcome where chance explains the largest share of the pairs counted */
    size_t worst = n;
    for (size_t k = 0; k < n; k++) {
        const dac_stem_count_stats *c = &rows[k].stats;
        if (c->n_pair && c->chance_pairs_expected >= 0.5 &&
            (worst == n || c->chance_pairs_expected / (double)c->n_pair >
                               rows[worst].stats.chance_pairs_expected / (double)rows[worst].stats.n_pair))
            worst = k;
    }
    char chance[400] = "";
    if (worst < n)
        snprintf(chance, sizeof chance, " Chance pairs weigh most in `%s`: %.1f of the %zu pairs "
                 "counted there are expected from atoms that land near each other at random.",
                 o[worst].name, rows[worst].stats.chance_pairs_expected, rows[worst].stats.n_pair);
    snprintf(text, sizeof text,
             "The true purity lies inside the naive count's 95 %% interval for %zu of %zu outcomes, "
             "and inside the chance-corrected interval for %zu of %zu.%s Pairs closer than the "
             "resolution merge into one blob, which only its intensity tells apart from a single "
             "atom.", naive_ok, defined, corr_ok, defined, chance);
    if (rc == DAC_OK && defined)
        rc = dac_report_add_paragraph(p, text);
    if (rc == DAC_OK)
        rc = dac_report_add_figure(p, "purity.svg", "Site purity (pairs among all sites) of each "
                                   "outcome: the simulation's truth for the sites wholly in the "
                                   "field (black squares), the naive count and the "
                                   "chance-corrected count with their 95 % intervals.");
    for (size_t k = 0; rc == DAC_OK && k < n; k++) {
        char file[160], caption[400];
        snprintf(file, sizeof file, "%s/count/overlay_image.png", o[k].name);
        snprintf(caption, sizeof caption, "`%s` (%s): the simulated image with the count drawn on "
                 "it — singles green, pairs yellow, clusters magenta.", o[k].name, o[k].title);
        rc = dac_report_add_image(p, file, caption);
    }
    for (size_t k = 0; rc == DAC_OK && k < n; k++) {
        const see_row *r = &rows[k];
        char fov[64] = "", elements[32] = "";
        if (r->fov_set)
            snprintf(fov, sizeof fov, " --fov %.10g,%.10g", r->field_A[0], r->field_A[1]);
        if (r->n_elements)
            snprintf(elements, sizeof elements, " --elements %s%s%s", r->elements[0],
                     r->n_elements > 1 ? "," : "", r->n_elements > 1 ? r->elements[1] : "");
        char *img = report_stage_final_path(st, "%s/image.tif", o[k].name);
        char *cnt = report_stage_final_path(st, "%s/count", o[k].name);
        if (!img || !cnt)
            rc = dac_error(DAC_ERR_NOMEM, "out of memory");
        snprintf(text, sizeof text, "dac stem simulate %s -o %s --png --pixel %.10g --dose %.10g "
                 "--support-thickness %.10g%s --seed %llu\ndac stem count %s -o %s%s --seed %llu",
                 o[k].files[0], img, v->pixel_A, v->dose_e_A2, v->support_thickness_A, fov,
                 (unsigned long long)(st->study->seed + k), img, cnt, elements,
                 (unsigned long long)(st->study->seed + k));
        if (rc == DAC_OK)
            rc = dac_report_add_command(p, text);
        free(img), free(cnt);
    }
    if (rc == DAC_OK)
        rc = dac_report_add_assumption(p, "Imaging: an incoherent HAADF model (intensity = Σ σ(Z) × "
                                       "probe) with shot noise only; no channelling, no beam damage "
                                       "or atom motion under the beam (docs/science.md §3).");
    return rc;
}

int report_see_stage(report_stage *st)
{
    report_outcome *o;
    size_t n;
    int rc = report_outcomes_read(st->study, st->outdir, &o, &n);
    if (rc != DAC_OK)
        return rc;
    see_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t k = 0; rc == DAC_OK && k < n; k++)
        rc = image_outcome(st, &o[k], k, n, &rows[k]);
    cJSON *list = rc == DAC_OK ? cJSON_AddArrayToObject(st->summary, "outcomes") : NULL;
    for (size_t k = 0; list && k < n; k++)
        summary_row(list, &o[k], &rows[k]);
    if (rc == DAC_OK && n)
        rc = purity_figure(st, o, rows, n);
    if (rc == DAC_OK)
        rc = write_page(st, o, rows, n);
    free(rows);
    report_outcomes_free(o, n);
    return rc;
}
