/*
 * stage_explain_more.c — the explain stage's other two parts (see stage_explain.c):
 *   hydrogen evolution: the Nørskov volcano of the study's HER mechanism, swept along
 *     ΔG_H* (`dac kinetics sweep --plot volcano`), with the study's marks (Ru, Zn,
 *     Ru–Zn …) read off the swept curve; the ratio of the first two marks' rates
 *     stands beside the review's measured H₂ ratio;
 *   photocatalysis: TON(t) of each molecular complex (`dac kinetics transient`), its
 *     TON at the end and its peak TOF beside the review's TON and TOF.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"
#include "dac/core.h"
#include "report/explain_internal.h"
#include "report/plot.h"
#include "report/study_internal.h"

/* ------------------------------------------------------------ HER volcano --------- */

typedef struct {
    double x;
    char label[64];
    double rate;
} mark;

/* y of the table at x, between the two rows around it (column 0 is the axis): linear in
 * log y where both are positive (a volcano's flanks are exponential in ΔG), else in y. */
static double read_off(const dac_csv *t, size_t col, double x)
{
    double x0 = NAN, y0 = NAN;
    for (size_t r = 0; r < dac_csv_rows(t); r++) {
        double u, y;
        if (dac_csv_double(t, r, 0, &u) != DAC_OK || dac_csv_double(t, r, col, &y) != DAC_OK)
            continue;
        if (u == x)
            return y;
        double f = (x - x0) / (u - x0);
        if (isfinite(x0) && ((x0 < x && x < u) || (u < x && x < x0)))
            return y0 > 0 && y > 0 ? exp(log(y0) + f * (log(y) - log(y0))) : y0 + f * (y - y0);
        x0 = u, y0 = y;
    }
    return NAN;
}

static int her_marks(explain_ctx *x, const char *csv_path, mark *m, size_t n)
{
    const report_explain *e = &x->st->study->explain;
    dac_csv *t;
    int rc = dac_csv_read(csv_path, &t);
    if (rc != DAC_OK)
        return rc;
    long col = e->her_column ? dac_csv_column(t, e->her_column) : -1;
    if (e->her_column && col < 0)
        rc = dac_error(DAC_ERR_INPUT, "%s: no column '%s' (explain.her.column)", csv_path, e->her_column);
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        const char *eq = strchr(e->her_marks.item[i], '=');
        m[i].x = eq ? atof(e->her_marks.item[i]) : NAN;
        snprintf(m[i].label, sizeof m[i].label, "%s", eq ? eq + 1 : e->her_marks.item[i]);
        m[i].rate = col >= 0 && isfinite(m[i].x) ? read_off(t, (size_t)col, m[i].x) : NAN;
    }
    dac_error_clear(); /* empty cells: points that did not converge */
    dac_csv_free(t);
    return rc;
}

/* Rows of a CSV's two columns as (x, y) pairs, y through f when given; NaN where empty. */
static int read_pairs(const char *path, const char *xcol, const char *ycol, double (*f)(double),
                      double **xy, size_t *n)
{
    dac_csv *t;
    int rc = dac_csv_read(path, &t);
    if (rc != DAC_OK)
        return rc;
    long cx = xcol ? dac_csv_column(t, xcol) : 0, cy = dac_csv_column(t, ycol);
    if (cx < 0 || cy < 0)
        rc = dac_error(DAC_ERR_INPUT, "%s: no column '%s'", path, cx < 0 ? xcol : ycol);
    *n = rc == DAC_OK ? dac_csv_rows(t) : 0;
    *xy = rc == DAC_OK ? malloc((2 * *n + 1) * sizeof **xy) : NULL;
    if (rc == DAC_OK && !*xy)
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t r = 0; rc == DAC_OK && r < *n; r++) {
        double a, b;
        (*xy)[2 * r] = dac_csv_double(t, r, (size_t)cx, &a) == DAC_OK ? a : NAN;
        (*xy)[2 * r + 1] = dac_csv_double(t, r, (size_t)cy, &b) == DAC_OK ? (f ? f(b) : b) : NAN;
    }
    dac_error_clear(); /* empty cells: points that did not converge */
    dac_csv_free(t);
    return rc;
}

/* The volcano with its marks (and measured points when the study gives them). */
static int her_figure(explain_ctx *x, const char *csv, const mark *m, size_t n_marks)
{
    const report_explain *e = &x->st->study->explain;
    double *curve = NULL, *meas = NULL;
    size_t nc = 0, nm = 0;
    int rc = read_pairs(csv, NULL, e->her_column, log10, &curve, &nc);
    if (rc == DAC_OK && e->her_overlay)
        rc = read_pairs(e->her_overlay, e->her_overlay_x, e->her_overlay_y, NULL, &meas, &nm);
    size_t rows = nc > n_marks ? nc : n_marks;
    rows = rows > nm ? rows : nm;
    double *t = rc == DAC_OK ? malloc((6 * rows + 1) * sizeof *t) : NULL;
    if (rc == DAC_OK && !t)
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t r = 0; t && r < rows; r++) {
        double row[6] = {r < nc ? curve[2 * r] : NAN, r < nc ? curve[2 * r + 1] : NAN,
                         r < n_marks ? m[r].x : NAN, r < n_marks ? log10(m[r].rate) : NAN,
                         r < nm ? meas[2 * r] : NAN, r < nm ? meas[2 * r + 1] : NAN};
        memcpy(t + 6 * r, row, sizeof row);
    }
    static const char *const head[] = {"dG_H_eV", "log10_rate_per_site_per_s", "mark_dG_H_eV",
                                       "mark_log10_rate_per_site_per_s", "measured_dG_H_eV",
                                       "measured_log10_rate_per_site_per_s"};
    dac_plot *p = NULL;
    if (rc == DAC_OK)
        rc = dac_plot_create(NULL, "ΔG_H* (eV)", "log₁₀ (exchange rate per site / s⁻¹)", &p);
    if (rc == DAC_OK)
        rc = dac_plot_set_table(p, 6, head, rows, t);
    if (rc == DAC_OK)
        rc = dac_plot_add_series(p, 0, 1, "Nørskov model", DAC_PLOT_LINES);
    if (rc == DAC_OK && n_marks)
        rc = dac_plot_add_series(p, 2, 3, "the study's sites", DAC_PLOT_POINTS);
    if (rc == DAC_OK && nm)
        rc = dac_plot_add_series(p, 4, 5, "measured", DAC_PLOT_POINTS);
    for (size_t i = 0; rc == DAC_OK && i < n_marks; i++)
        if (isfinite(m[i].x) && m[i].rate > 0)
            rc = dac_plot_add_label(p, m[i].x, log10(m[i].rate) + 0.4, m[i].label);
    if (rc == DAC_OK)
        rc = dac_plot_add_command(p, "set key bottom center");
    if (rc == DAC_OK)
        rc = dac_plot_write(p, x->st->set, "her");
    dac_plot_free(p);
    free(curve), free(meas), free(t);
    return rc;
}

static int her_page(explain_ctx *x, const mark *m, size_t n)
{
    const report_explain *e = &x->st->study->explain;
    dac_report *p = x->st->page;
    int rc = dac_report_add_heading(p, 3, "Hydrogen evolution on Ru, Zn and Ru–Zn");
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(p, "On a site that binds H neither too strongly nor too "
                                      "weakly, hydrogen evolves fastest: at the equilibrium "
                                      "potential the exchange rate is k₀/(1 + exp(|ΔG_H*|/k_BT)) "
                                      "per site (Nørskov et al., J. Electrochem. Soc. 152, J23, "
                                      "2005), the volcano below; the marks are the sites' ΔG_H*.");
    if (rc == DAC_OK)
        rc = dac_report_add_figure(p, "her.svg", "The hydrogen-evolution volcano: the exchange "
                                   "rate per site against the free energy of adsorbed H, with "
                                   "the sites of the study marked.");
    report_list cells = {0};
    for (size_t i = 0; i < n; i++) {
        report_list_add(&cells, m[i].label);
        report_cell_number(&cells, m[i].x, 3);
        report_cell_number(&cells, m[i].rate, 3);
    }
    static const char *const head[] = {"Site", "ΔG_H* (eV)", "Rate per site (s⁻¹)"};
    if (rc == DAC_OK && n)
        rc = report_table(p, "The marked sites, read off the swept volcano.", 3, head, &cells);
    report_list_free(&cells);
    char text[1200], *csv = report_stage_final_path(x->st, "her_volcano.csv");
    snprintf(text, sizeof text, "dac kinetics sweep %s --vary %s -o %s", e->her_mechanism,
             e->her_sweep, csv ? csv : "");
    free(csv);
    if (rc == DAC_OK)
        rc = dac_report_add_command(p, text);
    return rc;
}

/* ------------------------------------------------------------ HER of the outcomes - */

/* The sites of one outcome on the volcano's marks. */
typedef struct {
    const report_explain *e;
    const mark *m;
    size_t n_marks, sites, unmapped;
    size_t *per_mark;
    double h2;
} her_sites;

static long mark_index(const mark *m, size_t n, const char *label)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(m[k].label, label))
            return (long)k;
    return -1;
}

static void on_her_site(const char *label, void *user_data)
{
    her_sites *h = user_data;
    long r = explain_match(h->e->her_rules, h->e->n_her_rules, label);
    long k = r >= 0 ? mark_index(h->m, h->n_marks, h->e->her_rules[r].model) : -1;
    h->sites++;
    if (k < 0 || !isfinite(h->m[k].rate)) {
        h->unmapped++;
        return;
    }
    h->per_mark[k]++;
    h->h2 += h->m[k].rate;
}

/* H₂ per atom of her.per for each outcome with a site on a mark, over the reference
 * mark's rate (its site holds one such atom: assumption); the table and the
 * comparison with the review. */
static int her_outcomes(explain_ctx *x, const mark *m, size_t n)
{
    const report_explain *e = &x->st->study->explain;
    report_outcome *o = NULL;
    size_t n_o = 0, shown = 0;
    int Z = e->her_per ? dac_element_by_symbol(e->her_per)->Z : 0;
    long ref = e->her_reference ? mark_index(m, n, e->her_reference) : -1;
    const char *per = e->her_per ? e->her_per : "metal";
    int rc = report_outcomes_read(x->st->study, x->st->outdir, &o, &n_o);
    size_t *count = rc == DAC_OK ? calloc(n + 1, sizeof *count) : NULL;
    if (rc == DAC_OK && !count)
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    report_list cells = {0}, ratios = {0};
    cJSON *list = rc == DAC_OK ? cJSON_AddArrayToObject(x->st->summary, "her_outcomes") : NULL;
    for (size_t i = 0; rc == DAC_OK && i < n_o; i++) {
        her_sites h = {e, m, n, 0, 0, count, 0};
        size_t atoms = 0;
        memset(count, 0, (n + 1) * sizeof *count);
        rc = explain_outcome_sites(x, &o[i], Z, on_her_site, &h, &atoms);
        if (rc != DAC_OK || h.unmapped == h.sites)
            continue; /* no site on the volcano: nothing to predict */
        double rate = atoms ? h.h2 / (double)atoms : NAN;
        double ratio = ref >= 0 ? rate / m[ref].rate : NAN;
        char mix[256] = "", v[32];
        size_t w = 0;
        for (size_t k = 0; k < n && w < 200; k++)
            if (count[k])
                w += (size_t)snprintf(mix + w, sizeof mix - w, "%s%s %zu", w ? ", " : "", m[k].label, count[k]);
        if (h.unmapped && w < 200)
            snprintf(mix + w, sizeof mix - w, "%sno mark %zu", w ? ", " : "", h.unmapped);
        report_list_addf(&cells, "`%s`", o[i].name);
        report_list_addf(&cells, "%zu", atoms);
        report_list_add(&cells, mix);
        report_cell_number(&cells, rate, 3);
        report_cell_number(&cells, ratio, 3);
        report_format(v, sizeof v, ratio, 3);
        report_list_addf(&ratios, "`%s` %s×", o[i].name, v);
        shown++;
        cJSON *j = cJSON_CreateObject();
        dac_json_string(j, "name", o[i].name);
        dac_json_count(j, "atoms", atoms);
        dac_json_number(j, "H2_per_atom_per_s", rate, "no atom of the element");
        dac_json_number(j, "over_reference", ratio, "no reference mark");
        cJSON_AddItemToArray(list, j);
    }
    char caption[400], h1[64], h2[64];
    snprintf(caption, sizeof caption, "What each outcome predicts for hydrogen evolution: its sites "
             "(all seeds) on the volcano's marks by their coordination labels, the exchange rate "
             "per %s atom, and that over a catalyst of `%s` sites only.", per,
             e->her_reference ? e->her_reference : "—");
    snprintf(h1, sizeof h1, "%s atoms", per);
    snprintf(h2, sizeof h2, "H₂ per %s atom (s⁻¹)", per);
    const char *head[] = {"Outcome", h1, "Sites by mark", h2, "Over the reference"};
    if (rc == DAC_OK && shown)
        rc = report_table(x->st->page, caption, 5, head, &cells);
    /* the review's measured ratio beside the volcano's and the outcomes' */
    if (rc == DAC_OK && e->her_review && n >= 2 && isfinite(m[0].rate) && isfinite(m[1].rate)) {
        char q[200], model[700], v[32];
        snprintf(q, sizeof q, "H₂ evolution, %s over %s", m[0].label, m[1].label);
        report_format(v, sizeof v, m[0].rate / m[1].rate, 3);
        size_t w = (size_t)snprintf(model, sizeof model, "%s× (the two marks on the volcano)", v);
        for (size_t i = 0; i < ratios.n && w < sizeof model; i++)
            w += (size_t)snprintf(model + w, sizeof model - w, "; %s", ratios.item[i]);
        rc = dac_report_add_comparison(x->st->page, q, e->her_review, model, "explain: the HER volcano");
    }
    for (size_t r = 0; rc == DAC_OK && shown && r < e->n_her_rules; r++) {
        char text[300];
        snprintf(text, sizeof text, "Sites labelled `%s` evolve H₂ at the volcano's rate for %s.",
                 e->her_rules[r].pattern, e->her_rules[r].model);
        rc = dac_report_add_assumption(x->st->page, text);
    }
    report_list_free(&cells), report_list_free(&ratios);
    free(count);
    report_outcomes_free(o, n_o);
    return rc;
}

int explain_her(explain_ctx *x)
{
    const report_explain *e = &x->st->study->explain;
    dac_kinetics_model *m = NULL;
    size_t n = e->her_marks.n;
    mark *marks = calloc(n + 1, sizeof *marks);
    char *csv = report_stage_path(x->st, "her_volcano.csv");
    int rc = marks && csv ? explain_load(e->her_mechanism, &m) : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (rc == DAC_OK) {
        dac_kinetics_sweep_options o;
        dac_kinetics_sweep_options_default(&o);
        o.plot = DAC_KINETICS_PLOT_NONE; /* her.svg is drawn here, with the marks labelled */
        const char *axes[1] = {e->her_sweep};
        const char *inputs[2] = {e->her_mechanism, e->her_overlay};
        dac_provenance prov = x->st->prov;
        prov.n_inputs = e->her_overlay ? 2 : 1, prov.inputs = inputs;
        rc = dac_kinetics_sweep(m, axes, 1, &o, csv, &prov, NULL, NULL, NULL, NULL);
    }
    if (rc == DAC_OK)
        rc = her_marks(x, csv, marks, n);
    if (rc == DAC_OK)
        rc = her_figure(x, csv, marks, n);
    if (rc == DAC_OK)
        rc = her_page(x, marks, n);
    if (rc == DAC_OK)
        rc = her_outcomes(x, marks, n);
    cJSON *list = rc == DAC_OK ? cJSON_AddArrayToObject(x->st->summary, "her_marks") : NULL;
    for (size_t i = 0; list && i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        dac_json_string(j, "site", marks[i].label);
        dac_json_number(j, "dG_H_eV", marks[i].x, "not a number");
        dac_json_number(j, "rate_per_site_per_s", marks[i].rate, "outside the sweep, or not converged");
        cJSON_AddItemToArray(list, j);
    }
    if (rc == DAC_OK)
        rc = explain_part_progress(x);
    dac_kinetics_model_free(m);
    free(marks), free(csv);
    return rc;
}

/* ------------------------------------------------------------ photocatalysis ------ */

typedef struct {
    double ton_end, tof_peak;
} photo_result;

/* TON against time, one curve per complex, titled as the study titles them (the k-th
 * TON column of the transients' table is the k-th complex). */
static int ton_figure(explain_ctx *x, const char *csv)
{
    const report_explain *e = &x->st->study->explain;
    dac_csv *t;
    int rc = dac_csv_read(csv, &t);
    if (rc != DAC_OK)
        return rc;
    size_t n = e->n_photo, rows = dac_csv_rows(t), k = 0;
    size_t *col = calloc(n + 1, sizeof *col);
    double *v = malloc(((n + 1) * rows + 1) * sizeof *v);
    char **head = calloc(n + 1, sizeof *head);
    if (!col || !v || !head)
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t c = 0; rc == DAC_OK && c < dac_csv_columns(t) && k < n; c++)
        if (!strncmp(dac_csv_header(t, c), "TON_CO", 6))
            col[k++] = c;
    if (rc == DAC_OK && k != n)
        rc = dac_error(DAC_ERR_INPUT, "%s: %zu TON_CO columns for %zu complexes", csv, k, n);
    for (size_t r = 0; rc == DAC_OK && r < rows; r++)
        for (size_t j = 0; j <= n; j++) {
            double y;
            v[r * (n + 1) + j] = dac_csv_double(t, r, j ? col[j - 1] : 0, &y) == DAC_OK ? y : NAN;
        }
    dac_error_clear();
    head[0] = "time_s";
    for (size_t j = 0; rc == DAC_OK && j < n; j++)
        head[j + 1] = (char *)dac_csv_header(t, col[j]);
    dac_plot *p = NULL;
    if (rc == DAC_OK)
        rc = dac_plot_create(NULL, "time (s)", "turnover number of CO", &p);
    if (rc == DAC_OK)
        rc = dac_plot_set_table(p, n + 1, (const char *const *)head, rows, v);
    for (size_t j = 0; rc == DAC_OK && j < n; j++)
        rc = dac_plot_add_series(p, 0, j + 1, e->photo[j].title ? e->photo[j].title : e->photo[j].name,
                                 DAC_PLOT_LINES);
    if (rc == DAC_OK) {
        dac_plot_set_log(p, 1, 0);
        rc = dac_plot_set_range(p, 'x', fmin(1, e->photo_t_end_s / 10), e->photo_t_end_s);
    }
    if (rc == DAC_OK)
        rc = dac_plot_add_command(p, "set key top left");
    if (rc == DAC_OK)
        rc = dac_plot_write(p, x->st->set, "ton");
    dac_plot_free(p);
    free(col), free(v), free(head);
    dac_csv_free(t);
    return rc;
}

static int photo_page(explain_ctx *x, const photo_result *r)
{
    const report_explain *e = &x->st->study->explain;
    dac_report *p = x->st->page;
    char t_end[32];
    report_format(t_end, sizeof t_end, e->photo_t_end_s / 3600, 3);
    int rc = dac_report_add_heading(p, 3, "Photocatalytic CO₂ → CO by molecular complexes");
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(p, "The review's molecular dual-metal catalysts in solution: "
                                      "a photosensitiser excited by light and quenched by a "
                                      "sacrificial donor passes electrons to the complex, which "
                                      "binds CO₂, is protonated, breaks the C–OH bond and releases "
                                      "CO, and slowly dies; the turnover number grows until it does.");
    char caption[300];
    snprintf(caption, sizeof caption, "Turnover number of CO per catalyst molecule over %s h of light, "
             "one curve per complex.", t_end);
    if (rc == DAC_OK)
        rc = dac_report_add_figure(p, "ton.svg", caption);
    static const char *const head[] = {"Complex", "TON at the end", "Peak TOF (s⁻¹)", "The review"};
    report_list cells = {0};
    for (size_t i = 0; rc == DAC_OK && i < e->n_photo; i++) {
        const report_model *m = &e->photo[i];
        report_list_add(&cells, m->title ? m->title : m->name);
        report_cell_number(&cells, r[i].ton_end, 4);
        report_cell_number(&cells, r[i].tof_peak, 3);
        report_list_add(&cells, m->review ? m->review : "");
        if (m->review) {
            char model[200], a[32], b[32];
            report_format(a, sizeof a, r[i].ton_end, 4);
            report_format(b, sizeof b, r[i].tof_peak, 3);
            snprintf(model, sizeof model, "TON %s, peak TOF %s s⁻¹", a, b);
            rc = dac_report_add_comparison(p, m->title ? m->title : m->name, m->review, model,
                                           "explain: photocatalysis");
        }
    }
    if (rc == DAC_OK)
        rc = report_table(p, "Turnover of each complex: TON at the end of the run, and the "
                          "highest TOF on the way.", 4, head, &cells);
    report_list_free(&cells);
    char text[1600], *csv = report_stage_final_path(x->st, "photo.csv");
    size_t w = (size_t)snprintf(text, sizeof text, "dac kinetics transient");
    for (size_t i = 0; i < e->n_photo && w < sizeof text; i++)
        w += (size_t)snprintf(text + w, sizeof text - w, " %s", e->photo[i].mechanism);
    if (w < sizeof text)
        snprintf(text + w, sizeof text - w, " --t-end %.10g --points %ld -o %s",
                 e->photo_t_end_s, e->photo_points, csv ? csv : "");
    free(csv);
    if (rc == DAC_OK)
        rc = dac_report_add_command(p, text);
    return rc;
}

/* Runs one complex's transient; NULL on failure. */
static dac_kinetics_transient *run_photo(const report_model *cfg, const report_explain *e,
                                         dac_kinetics_model **m, photo_result *r, int *rc)
{
    dac_kinetics_solver *s = NULL;
    dac_kinetics_transient *t = NULL;
    *rc = explain_load(cfg->mechanism, m);
    long co = *rc == DAC_OK ? explain_product(*m, "CO") : -1;
    if (*rc == DAC_OK && co < 0)
        *rc = dac_error(DAC_ERR_INPUT, "%s: no product CO", cfg->mechanism);
    if (*rc == DAC_OK)
        *rc = dac_kinetics_solver_create(*m, &s);
    if (*rc == DAC_OK)
        *rc = dac_kinetics_solver_transient(s, e->photo_t_end_s, (size_t)e->photo_points, 1, &t);
    if (*rc == DAC_OK) {
        size_t n = dac_kinetics_transient_count(t);
        r->ton_end = n ? dac_kinetics_transient_ton(t, n - 1, (size_t)co) : NAN;
        r->tof_peak = NAN;
        for (size_t i = 0; i < n; i++) {
            double v = dac_kinetics_transient_tof(t, i, (size_t)co);
            if (isfinite(v) && !(v <= r->tof_peak))
                r->tof_peak = v;
        }
    }
    dac_kinetics_solver_free(s);
    return t;
}

int explain_photo(explain_ctx *x)
{
    const report_explain *e = &x->st->study->explain;
    size_t n = e->n_photo;
    dac_kinetics_model **m = calloc(n, sizeof *m);
    dac_kinetics_transient **t = calloc(n, sizeof *t);
    photo_result *r = calloc(n, sizeof *r);
    int rc = m && t && r ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        t[i] = run_photo(&e->photo[i], e, &m[i], &r[i], &rc);
        if (rc == DAC_OK)
            rc = explain_part_progress(x);
    }
    char *csv = rc == DAC_OK ? report_stage_path(x->st, "photo.csv") : NULL;
    const char **inputs = rc == DAC_OK ? calloc(n, sizeof *inputs) : NULL;
    for (size_t i = 0; inputs && i < n; i++)
        inputs[i] = e->photo[i].mechanism;
    dac_provenance prov = x->st->prov;
    prov.n_inputs = n, prov.inputs = inputs;
    if (rc == DAC_OK)
        rc = csv && inputs ? dac_kinetics_transient_write((const dac_kinetics_transient *const *)t, n, csv, 0, &prov)
                           : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (rc == DAC_OK)
        rc = ton_figure(x, csv);
    if (rc == DAC_OK)
        rc = photo_page(x, r);
    cJSON *list = rc == DAC_OK ? cJSON_AddArrayToObject(x->st->summary, "photocatalysis") : NULL;
    for (size_t i = 0; list && i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        dac_json_string(j, "name", e->photo[i].name);
        dac_json_number(j, "TON_end", r[i].ton_end, "no samples");
        dac_json_number(j, "TOF_peak_per_s", r[i].tof_peak, "no samples");
        cJSON_AddItemToArray(list, j);
    }
    for (size_t i = 0; i < n && t && m; i++)
        dac_kinetics_transient_free(t[i]), dac_kinetics_model_free(m[i]);
    free(m), free(t), free(r), free(csv), free(inputs);
    return rc;
}
