/*
 * stage_explain.c — the study's "explain" stage: what the sites do, and what each
 * synthesis outcome predicts (dac kinetics, docs/kinetics.md).
 *
 * CO₂ → CO. The models of explain.co2 (a single Ni site, Ni₂ with indirect or direct
 * synergy …) give the free-energy diagram at 0 V (`dac kinetics fed`), a polarisation
 * sweep each (`dac kinetics sweep --plot polarisation`; read back for one figure of
 * CO Faradaic efficiency and one of CO current against potential), and a steady state
 * at the study's potential: TOF of CO and H₂ per ensemble, which over the metal atoms
 * of the ensemble (one per site type: assumption) is the rate per metal atom.
 * Outcomes. Every seed's structure of every outcome is analysed as `dac struct analyze`
 * does; each site's coordination label is mapped to a model by the study's rules
 * (explain.sites: first matching pattern; no match, no CO: assumption), and the
 * outcome's CO rate per metal atom is Σ_sites TOF(model) / metal atoms — the site mix
 * of step 1 times the TOF per site type of step 3, the model's mass activity. Its ratio
 * to a catalyst of reference sites only (explain.reference: the review's Ni₁) stands
 * beside the review's 2.3×.
 * HER and photocatalysis (stage_explain_more.c): the volcano with its marks, and the
 * TON curves of the molecular complexes.
 */
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"
#include "dac/core.h"
#include "dac/struct.h"
#include "report/explain_internal.h"
#include "report/plot.h"
#include "report/study_internal.h"

int report_explain_inputs(const dac_report_study *s, const char *outdir, report_list *inputs)
{
    const report_explain *e = &s->explain;
    int st = DAC_OK;
    for (size_t i = 0; st == DAC_OK && i < e->n_co2; i++)
        st = report_list_add_unique(inputs, e->co2[i].mechanism);
    if (st == DAC_OK && e->her_mechanism)
        st = report_list_add_unique(inputs, e->her_mechanism);
    if (st == DAC_OK && e->her_overlay)
        st = report_list_add_unique(inputs, e->her_overlay);
    for (size_t i = 0; st == DAC_OK && i < e->n_photo; i++)
        st = report_list_add_unique(inputs, e->photo[i].mechanism);
    if (st != DAC_OK || e->n_rules + e->n_her_rules == 0)
        return st;
    report_outcome *o;
    size_t n;
    st = report_outcomes_read(s, outdir, &o, &n);
    for (size_t i = 0; st == DAC_OK && i < n; i++)
        for (size_t k = 0; st == DAC_OK && k < o[i].n_files; k++)
            st = report_list_add_unique(inputs, o[i].files[k]);
    if (st == DAC_OK)
        report_outcomes_free(o, n);
    return st;
}

int explain_part_progress(explain_ctx *x)
{
    x->part++;
    return report_stage_progress(x->st, x->part, x->n_parts, 0) ? dac_error(DAC_ERR_RUNTIME, "stopped by the caller") : DAC_OK;
}

int explain_load(const char *path, dac_kinetics_model **m)
{
    int rc = dac_kinetics_model_read(path, m);
    if (rc == DAC_OK)
        rc = dac_kinetics_model_validate(*m);
    return rc;
}

long explain_product(const dac_kinetics_model *m, const char *name)
{
    for (size_t p = 0; p < dac_kinetics_model_product_count(m); p++)
        if (!strcmp(dac_kinetics_model_product_name(m, p), name))
            return (long)p;
    return -1;
}

/* ------------------------------------------------------------ CO2 → CO ------------ */

typedef struct {
    dac_kinetics_model *m;
    const report_model *cfg;
    double U_L, eta;           /* free-energy diagram at 0 V */
    char pds[96];
    double tof_co, tof_h2, fe_co; /* steady state at the study's potential */
    int converged;
    double atoms;              /* metal atoms per ensemble: its site types */
    double fe_best, U_best;    /* over the polarisation sweep */
} co2_model;

static int fed_part(explain_ctx *x, co2_model *c, size_t n)
{
    dac_kinetics_fed **f = calloc(n, sizeof *f);
    int rc = f ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        rc = dac_kinetics_fed_compute(c[i].m, NULL, 0.0, &f[i]);
        if (rc != DAC_OK)
            break;
        c[i].U_L = dac_kinetics_fed_limiting_potential(f[i]);
        c[i].eta = dac_kinetics_fed_overpotential(f[i]);
        long k = dac_kinetics_fed_determining_step(f[i]);
        const char *to = k >= 0 ? dac_kinetics_fed_level_label(f[i], (size_t)k + 1) : NULL;
        snprintf(c[i].pds, sizeof c[i].pds, "%s", to ? to : "");
    }
    char *path = rc == DAC_OK ? report_stage_path(x->st, "fed_co2.svg") : NULL;
    if (rc == DAC_OK)
        rc = path ? dac_kinetics_fed_write((const dac_kinetics_fed *const *)f, n, path, 1, &x->st->prov)
                  : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; f && i < n; i++)
        dac_kinetics_fed_free(f[i]);
    free(f), free(path);
    return rc;
}

/* The best CO Faradaic efficiency of a polarisation sweep and where (column 0 is U). */
static int best_fe(const char *csv_path, double *fe, double *U)
{
    dac_csv *t;
    int rc = dac_csv_read(csv_path, &t);
    if (rc != DAC_OK)
        return rc;
    long col = dac_csv_column(t, "FE_CO");
    *fe = *U = NAN;
    for (size_t r = 0; col >= 0 && r < dac_csv_rows(t); r++) {
        double v, u;
        if (dac_csv_double(t, r, (size_t)col, &v) == DAC_OK && dac_csv_double(t, r, 0, &u) == DAC_OK &&
            (!isfinite(*fe) || v > *fe))
            *fe = v, *U = u;
    }
    dac_error_clear(); /* empty cells: points that did not converge */
    dac_csv_free(t);
    return col >= 0 ? DAC_OK : dac_error(DAC_ERR_INPUT, "%s: no column FE_CO", csv_path);
}

static int sweep_part(explain_ctx *x, co2_model *c, size_t n)
{
    const report_explain *e = &x->st->study->explain;
    int rc = DAC_OK;
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        dac_kinetics_sweep_options o;
        dac_kinetics_sweep_options_default(&o);
        o.plot = DAC_KINETICS_PLOT_POLARISATION;
        const char *axes[1] = {e->co2_sweep};
        char *csv = report_stage_path(x->st, "polarisation_%s.csv", c[i].cfg->name);
        const char *inputs[1] = {c[i].cfg->mechanism};
        dac_provenance prov = x->st->prov;
        prov.n_inputs = 1, prov.inputs = inputs;
        size_t points = 0, converged = 0;
        rc = csv ? dac_kinetics_sweep(c[i].m, axes, 1, &o, csv, &prov, NULL, NULL, &points, &converged)
                 : dac_error(DAC_ERR_NOMEM, "out of memory");
        if (rc == DAC_OK)
            rc = best_fe(csv, &c[i].fe_best, &c[i].U_best);
        if (rc == DAC_OK && converged < points)
            dac_warn("explain: %zu of %zu points of the %s polarisation sweep did not converge "
                     "(empty cells in %s)", points - converged, points, c[i].cfg->name, csv);
        free(csv);
        if (rc == DAC_OK)
            rc = explain_part_progress(x);
    }
    return rc;
}

static int steady_part(explain_ctx *x, co2_model *c, size_t n)
{
    double U = x->st->study->explain.potential_V_RHE;
    int rc = DAC_OK;
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        dac_kinetics_solver *s = NULL;
        dac_kinetics_result *r = NULL;
        long co = explain_product(c[i].m, "CO"), h2 = explain_product(c[i].m, "H2");
        if (co < 0)
            rc = dac_error(DAC_ERR_INPUT, "%s: no product CO (the CO₂ models need one)", c[i].cfg->mechanism);
        if (rc == DAC_OK)
            rc = dac_kinetics_solver_create(c[i].m, &s);
        if (rc == DAC_OK)
            rc = dac_kinetics_solver_set_potential(s, U);
        if (rc == DAC_OK)
            rc = dac_kinetics_result_create(s, &r);
        if (rc == DAC_OK)
            rc = dac_kinetics_solver_steady(s, r);
        if (rc == DAC_OK) {
            c[i].converged = dac_kinetics_result_checks(r)->converged;
            c[i].tof_co = dac_kinetics_result_tof(r, (size_t)co);
            c[i].tof_h2 = h2 >= 0 ? dac_kinetics_result_tof(r, (size_t)h2) : 0;
            c[i].fe_co = dac_kinetics_result_faradaic_efficiency(r, (size_t)co);
            c[i].atoms = (double)dac_kinetics_model_site_type_count(c[i].m);
            if (!c[i].converged)
                dac_warn("explain: the steady state of %s at %g V did not converge; its rates are "
                         "left out", c[i].cfg->name, U);
        }
        dac_kinetics_result_free(r);
        dac_kinetics_solver_free(s);
        if (rc == DAC_OK)
            rc = explain_part_progress(x);
    }
    return rc;
}

/* One figure of the sweeps' column (FE_CO or |j_CO|) against potential, model by model. */
static int sweep_figure(explain_ctx *x, const co2_model *c, size_t n, const char *column,
                        int absolute, const char *ylabel, const char *name)
{
    dac_csv **t = calloc(n, sizeof *t);
    size_t rows = 0;
    int rc = t ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        char *csv = report_stage_path(x->st, "polarisation_%s.csv", c[i].cfg->name);
        rc = csv ? dac_csv_read(csv, &t[i]) : dac_error(DAC_ERR_NOMEM, "out of memory");
        free(csv);
        if (rc == DAC_OK && dac_csv_column(t[i], column) < 0)
            rc = dac_error(DAC_ERR_INPUT, "polarisation sweep of %s: no column %s", c[i].cfg->name, column);
        if (rc == DAC_OK)
            rows = dac_csv_rows(t[i]) > rows ? dac_csv_rows(t[i]) : rows;
    }
    size_t nc = 2 * n;
    char **head = rc == DAC_OK ? calloc(nc, sizeof *head) : NULL;
    double *v = rc == DAC_OK ? malloc((rows * nc + 1) * sizeof *v) : NULL;
    if (rc == DAC_OK && (!head || !v))
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < rows * nc; i++)
        v[i] = NAN;
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        size_t len = strlen(c[i].cfg->name) + strlen(column) + 24;
        head[2 * i] = malloc(len), head[2 * i + 1] = malloc(len);
        if (!head[2 * i] || !head[2 * i + 1]) {
            rc = dac_error(DAC_ERR_NOMEM, "out of memory");
            break;
        }
        snprintf(head[2 * i], len, "%s_potential_V_RHE", c[i].cfg->name);
        snprintf(head[2 * i + 1], len, "%s_%s%s", c[i].cfg->name, absolute ? "abs_" : "", column);
        size_t col = (size_t)dac_csv_column(t[i], column);
        for (size_t r = 0; r < dac_csv_rows(t[i]); r++) {
            double u, y;
            if (dac_csv_double(t[i], r, 0, &u) == DAC_OK && dac_csv_double(t[i], r, col, &y) == DAC_OK)
                v[r * nc + 2 * i] = u, v[r * nc + 2 * i + 1] = absolute ? fabs(y) : y;
        }
        dac_error_clear();
    }
    dac_plot *p = NULL;
    if (rc == DAC_OK)
        rc = dac_plot_create(NULL, "potential (V vs RHE)", ylabel, &p);
    if (rc == DAC_OK)
        rc = dac_plot_set_table(p, nc, (const char *const *)head, rows, v);
    for (size_t i = 0; rc == DAC_OK && i < n; i++)
        rc = dac_plot_add_series(p, 2 * i, 2 * i + 1, c[i].cfg->title ? c[i].cfg->title : c[i].cfg->name,
                                 DAC_PLOT_LINES);
    if (rc == DAC_OK && absolute)
        dac_plot_set_log(p, 0, 1);
    if (rc == DAC_OK && !absolute)
        rc = dac_plot_set_range(p, 'y', 0, 1.05);
    if (rc == DAC_OK)
        rc = dac_plot_add_command(p, absolute ? "set key top right" : "set key bottom left");
    if (rc == DAC_OK)
        rc = dac_plot_write(p, x->st->set, name);
    dac_plot_free(p);
    for (size_t i = 0; head && i < nc; i++)
        free(head[i]);
    for (size_t i = 0; t && i < n; i++)
        dac_csv_free(t[i]);
    free(head), free(v), free(t);
    return rc;
}

/* ------------------------------------------------------------ outcomes ------------ */

typedef struct {
    size_t metal_atoms, sites, unmapped;
    size_t *per_model;      /* sites mapped to each CO₂ model */
    double co_per_atom_s;   /* CO per metal atom per second */
    double fe_co, ratio;    /* FE of the mix; CO per atom over the reference's */
} outcome_activity;

long explain_match(const report_site_rule *rules, size_t n_rules, const char *label)
{
    for (size_t r = 0; r < n_rules; r++)
        if (fnmatch(rules[r].pattern, label, 0) == 0)
            return (long)r;
    return -1;
}

/* The structure at path and its sites, read and analysed on first use. */
static int analysed(explain_ctx *x, const char *path, const explain_analysed **out)
{
    for (size_t k = 0; k < x->n_done; k++)
        if (!strcmp(x->done[k].path, path)) {
            *out = &x->done[k];
            return DAC_OK;
        }
    if (x->n_done == x->cap_done) {
        size_t cap = x->cap_done ? 2 * x->cap_done : 16;
        explain_analysed *d = realloc(x->done, cap * sizeof *d);
        if (!d)
            return dac_error(DAC_ERR_NOMEM, "out of memory");
        x->done = d, x->cap_done = cap;
    }
    explain_analysed a = {strdup(path), NULL, NULL};
    dac_site_options opt;
    dac_site_options_default(&opt);
    int rc = a.path ? dac_struct_read(path, DAC_FORMAT_AUTO, &a.s) : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (rc == DAC_OK)
        rc = dac_struct_analyze(a.s, &opt, &a.an);
    if (rc != DAC_OK) {
        free(a.path);
        dac_structure_free(a.s);
        return rc;
    }
    x->done[x->n_done] = a;
    *out = &x->done[x->n_done++];
    return DAC_OK;
}

static void analysed_free(explain_ctx *x)
{
    for (size_t k = 0; k < x->n_done; k++) {
        free(x->done[k].path);
        dac_site_analysis_free(x->done[k].an);
        dac_structure_free(x->done[k].s);
    }
    free(x->done);
    x->done = NULL, x->n_done = x->cap_done = 0;
}

int explain_outcome_sites(explain_ctx *x, const report_outcome *o, int Z, explain_site_fn fn,
                          void *user_data, size_t *atoms)
{
    int rc = DAC_OK;
    *atoms = 0;
    for (size_t k = 0; rc == DAC_OK && k < o->n_files; k++) {
        const explain_analysed *a = NULL;
        rc = analysed(x, o->files[k], &a);
        for (size_t i = 0; rc == DAC_OK && i < a->an->n_sites; i++) {
            fn(a->an->sites[i].label, user_data);
            for (size_t j = 0; j < a->an->sites[i].n_atoms; j++)
                *atoms += Z <= 0 || a->s->Z[a->an->sites[i].atoms[j]] == Z;
        }
    }
    if (rc != DAC_OK) {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", dac_last_error());
        rc = dac_error(rc, "outcome %s: %s", o->name, msg);
    }
    return rc;
}

/* A site of an outcome on the CO₂ models. */
typedef struct {
    const report_explain *e;
    const co2_model *c;
    outcome_activity *a;
    double co, h2;
} co2_sites;

static long model_of(const report_explain *e, const char *label)
{
    long r = explain_match(e->rules, e->n_rules, label);
    for (size_t m = 0; r >= 0 && m < e->n_co2; m++)
        if (!strcmp(e->co2[m].name, e->rules[r].model))
            return (long)m;
    return -1;
}

static void on_co2_site(const char *label, void *user_data)
{
    co2_sites *x = user_data;
    long m = model_of(x->e, label);
    x->a->sites++;
    if (m < 0 || !x->c[m].converged) {
        x->a->unmapped++;
        return;
    }
    x->a->per_model[m]++;
    x->co += x->c[m].tof_co, x->h2 += x->c[m].tof_h2;
}

static int outcome_part(explain_ctx *x, const co2_model *c, const report_outcome *o, outcome_activity *a)
{
    const report_explain *e = &x->st->study->explain;
    co2_sites cs = {e, c, a, 0, 0};
    int rc = explain_outcome_sites(x, o, 0, on_co2_site, &cs, &a->metal_atoms);
    double co = cs.co, h2 = cs.h2;
    const co2_model *ref = NULL;
    for (size_t m = 0; e->reference && m < e->n_co2; m++)
        if (!strcmp(e->co2[m].name, e->reference))
            ref = &c[m];
    /* no site with a model: nothing to predict (not an activity of zero) */
    a->co_per_atom_s = a->metal_atoms && a->unmapped < a->sites ? co / (double)a->metal_atoms : NAN;
    a->fe_co = co + h2 > 0 ? co / (co + h2) : NAN; /* both 2-electron products */
    a->ratio = ref && ref->converged ? a->co_per_atom_s / (ref->tof_co / ref->atoms) : NAN;
    return rc;
}

/* ------------------------------------------------------------ the page ------------ */

static int models_table(explain_ctx *x, const co2_model *c, size_t n)
{
    static const char *const head[] = {"Model", "U_L (V)", "η (V)", "Potential-determining step",
                                       "TOF CO (s⁻¹)", "TOF H₂ (s⁻¹)", "FE CO", "CO per metal atom (s⁻¹)",
                                       "Best FE CO"};
    report_list cells = {0};
    for (size_t i = 0; i < n; i++) {
        double ok = c[i].converged ? 1 : NAN; /* an unconverged point shows as — */
        char a[48], b[48];
        report_list_add(&cells, c[i].cfg->title ? c[i].cfg->title : c[i].cfg->name);
        report_cell_number(&cells, c[i].U_L, 3);
        report_cell_number(&cells, c[i].eta, 3);
        report_list_addf(&cells, c[i].pds[0] ? "→ `%s`" : "—", c[i].pds);
        report_cell_number(&cells, ok * c[i].tof_co, 3);
        report_cell_number(&cells, ok * c[i].tof_h2, 3);
        report_cell_percent(&cells, ok * c[i].fe_co, 3);
        report_cell_number(&cells, ok * c[i].tof_co / c[i].atoms, 3);
        report_format_percent(a, sizeof a, c[i].fe_best, 4);
        report_format(b, sizeof b, c[i].U_best, 3);
        report_list_addf(&cells, isfinite(c[i].fe_best) ? "%s at %s V" : "%s", a, b);
    }
    char caption[300], U[32];
    report_format(U, sizeof U, x->st->study->explain.potential_V_RHE, 3);
    snprintf(caption, sizeof caption, "The CO₂ → CO models: limiting potential and thermodynamic "
             "overpotential at 0 V (computational hydrogen electrode), and the steady state at "
             "%s V vs RHE (rates per site ensemble; per metal atom over its site types).", U);
    return report_table(x->st->page, caption, 9, head, &cells);
}

static int outcomes_table(explain_ctx *x, const co2_model *c, size_t n, const report_outcome *o,
                          const outcome_activity *a, size_t n_o)
{
    static const char *const head[] = {"Outcome", "Metal atoms", "Sites by model", "CO per metal "
                                       "atom (s⁻¹)", "FE CO", "Mass activity / reference"};
    report_list cells = {0};
    for (size_t i = 0; i < n_o; i++) {
        if (a[i].unmapped == a[i].sites)
            continue; /* no site with a model: nothing to predict */
        char mix[256] = "";
        size_t w = 0;
        for (size_t m = 0; m < n && w < 200; m++)
            if (a[i].per_model[m])
                w += (size_t)snprintf(mix + w, sizeof mix - w, "%s%s %zu", w ? ", " : "", c[m].cfg->name,
                                      a[i].per_model[m]);
        if (a[i].unmapped && w < 200)
            snprintf(mix + w, sizeof mix - w, "%sno model %zu", w ? ", " : "", a[i].unmapped);
        report_list_addf(&cells, "`%s`", o[i].name);
        report_list_addf(&cells, "%zu", a[i].metal_atoms);
        report_list_add(&cells, mix);
        report_cell_number(&cells, a[i].co_per_atom_s, 3);
        report_cell_percent(&cells, a[i].fe_co, 3);
        report_cell_number(&cells, a[i].ratio, 3);
    }
    char caption[400], U[32];
    report_format(U, sizeof U, x->st->study->explain.potential_V_RHE, 3);
    snprintf(caption, sizeof caption, "What each outcome predicts at %s V vs RHE: its sites (all "
             "seeds) mapped to models by their coordination labels, times each model's TOF; "
             "the last column over a catalyst of `%s` sites only, at the same metal loading.",
             U, x->st->study->explain.reference);
    return report_table(x->st->page, caption, 6, head, &cells);
}

static int co2_page(explain_ctx *x, const co2_model *c, size_t n)
{
    const report_explain *e = &x->st->study->explain;
    dac_report *p = x->st->page;
    char text[1600];
    int rc = dac_report_add_heading(p, 3, "CO₂ → CO on one metal and on two");
    snprintf(text, sizeof text, "Each model is a mean-field microkinetic model (`dac kinetics`, "
             "docs/kinetics.md): free energies of every intermediate relative to reference "
             "molecules, barriers from transition-state theory, the potential on every proton–"
             "electron transfer (computational hydrogen electrode), hydrogen evolution "
             "competing for the same sites; steady states checked for convergence before use.");
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(p, text);
    if (rc == DAC_OK)
        rc = dac_report_add_figure(p, "fed_co2.svg", "Free-energy diagrams of CO₂ → CO at 0 V vs "
                                   "RHE, one line per model: each proton–electron transfer moves "
                                   "down by eU at potential U; the highest step sets the "
                                   "limiting potential.");
    if (rc == DAC_OK)
        rc = models_table(x, c, n);
    if (rc == DAC_OK)
        rc = dac_report_add_figure(p, "fe_co.svg", "CO Faradaic efficiency against potential for "
                                   "each model (the rest is H₂).");
    if (rc == DAC_OK)
        rc = dac_report_add_figure(p, "j_co.svg", "Partial current density of CO against "
                                   "potential, each model at its site density (the same metal "
                                   "loading for all), so the ratio of two curves is the ratio "
                                   "of mass activities.");
    char *fed = report_stage_final_path(x->st, "fed_co2.svg");
    size_t w = (size_t)snprintf(text, sizeof text, "dac kinetics fed");
    for (size_t i = 0; i < n && w < sizeof text; i++)
        w += (size_t)snprintf(text + w, sizeof text - w, " %s", e->co2[i].mechanism);
    if (w < sizeof text)
        w += (size_t)snprintf(text + w, sizeof text - w, " --U 0 -o %s --json", fed ? fed : "fed_co2.svg");
    for (size_t i = 0; i < n && w < sizeof text; i++) {
        char *csv = report_stage_final_path(x->st, "polarisation_%s.csv", e->co2[i].name);
        w += (size_t)snprintf(text + w, sizeof text - w, "\ndac kinetics sweep %s --vary %s -o %s "
                              "--plot polarisation", e->co2[i].mechanism, e->co2_sweep, csv ? csv : "");
        free(csv);
    }
    free(fed);
    if (rc == DAC_OK)
        rc = dac_report_add_command(p, text);
    return rc;
}

/* The review's figures for CO₂ → CO beside the model's. */
static int co2_comparisons(explain_ctx *x, const co2_model *c, size_t n, const outcome_activity *a,
                           const report_outcome *o, size_t n_o)
{
    const report_explain *e = &x->st->study->explain;
    char model[600], v[32], u[32];
    int rc = DAC_OK;
    size_t w = 0;
    for (size_t i = 0; i < n && w < 500; i++) {
        report_format_percent(v, sizeof v, c[i].fe_best, 4);
        report_format(u, sizeof u, c[i].U_best, 3);
        w += (size_t)snprintf(model + w, sizeof model - w, "%s%s %s at %s V", w ? "; " : "",
                              c[i].cfg->name, v, u);
    }
    if (n && e->review_fe)
        rc = dac_report_add_comparison(x->st->page, "Best CO Faradaic efficiency", e->review_fe,
                                       model, "explain: the polarisation sweeps");
    const co2_model *ref = NULL;
    for (size_t m = 0; e->reference && m < n; m++)
        if (!strcmp(e->co2[m].name, e->reference))
            ref = &c[m];
    w = 0;
    for (size_t i = 0; ref && ref->converged && i < n && w < 500; i++) {
        if (&c[i] == ref || !c[i].converged)
            continue;
        report_format(v, sizeof v, (c[i].tof_co / c[i].atoms) / (ref->tof_co / ref->atoms), 3);
        w += (size_t)snprintf(model + w, sizeof model - w, "%spure %s %s×", w ? "; " : "", c[i].cfg->name, v);
    }
    for (size_t i = 0; i < n_o && w < 500; i++) {
        if (!isfinite(a[i].ratio))
            continue;
        report_format(v, sizeof v, a[i].ratio, 3);
        w += (size_t)snprintf(model + w, sizeof model - w, "%s`%s` %s×", w ? "; " : "", o[i].name, v);
    }
    char q[200];
    report_format(u, sizeof u, e->potential_V_RHE, 3);
    snprintf(q, sizeof q, "CO mass activity over the single-site catalyst (%s V)", u);
    if (rc == DAC_OK && w && e->review_mass_activity)
        rc = dac_report_add_comparison(x->st->page, q, e->review_mass_activity, model,
                                       "explain: per metal atom, same loading");
    return rc;
}

static int outcomes_part(explain_ctx *x, const co2_model *c, size_t n)
{
    const report_explain *e = &x->st->study->explain;
    report_outcome *o = NULL;
    size_t n_o = 0;
    outcome_activity *a = NULL;
    int rc = e->n_rules ? report_outcomes_read(x->st->study, x->st->outdir, &o, &n_o) : DAC_OK;
    if (rc == DAC_OK && !(a = calloc(n_o + 1, sizeof *a)))
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < n_o; i++) {
        if (!(a[i].per_model = calloc(n + 1, sizeof *a[i].per_model)))
            rc = dac_error(DAC_ERR_NOMEM, "out of memory");
        if (rc == DAC_OK)
            rc = outcome_part(x, c, &o[i], &a[i]);
    }
    dac_report *p = x->st->page;
    if (rc == DAC_OK && n_o) {
        rc = dac_report_add_heading(p, 3, "What each synthesis outcome predicts");
        if (rc == DAC_OK)
            rc = dac_report_add_paragraph(p, "Purity tied to activity: the sites each outcome holds "
                                          "(from the make stage, or the structures the study names), "
                                          "each mapped by its coordination label to the model that "
                                          "describes it, times that model's turnover frequency.");
        if (rc == DAC_OK)
            rc = outcomes_table(x, c, n, o, a, n_o);
        for (size_t r = 0; rc == DAC_OK && r < e->n_rules; r++) {
            char text[300];
            snprintf(text, sizeof text, "Sites labelled `%s` run on the `%s` model.", e->rules[r].pattern,
                     e->rules[r].model);
            rc = dac_report_add_assumption(p, text);
        }
        if (rc == DAC_OK)
            rc = dac_report_add_assumption(p, "Sites whose label matches no rule (clusters above all) "
                                           "make no CO; metal particles make mostly H₂.");
        if (rc == DAC_OK)
            rc = dac_report_add_assumption(p, "Each site type of a kinetic model is one metal atom: "
                                           "a dual-site model's TOF is shared by two atoms.");
    }
    if (rc == DAC_OK)
        rc = co2_comparisons(x, c, n, a, o, n_o);
    cJSON *list = rc == DAC_OK ? cJSON_AddArrayToObject(x->st->summary, "outcomes") : NULL;
    for (size_t i = 0; list && i < n_o; i++) {
        cJSON *j = cJSON_CreateObject();
        dac_json_string(j, "name", o[i].name);
        dac_json_count(j, "metal_atoms", a[i].metal_atoms);
        dac_json_count(j, "sites", a[i].sites);
        dac_json_count(j, "sites_without_model", a[i].unmapped);
        dac_json_number(j, "CO_per_metal_atom_per_s", a[i].co_per_atom_s, "no site with a model");
        dac_json_number(j, "FE_CO", a[i].fe_co, "no site with a model");
        dac_json_number(j, "mass_activity_over_reference", a[i].ratio, "no reference model, or it did not converge");
        cJSON_AddItemToArray(list, j);
    }
    for (size_t i = 0; a && i < n_o; i++)
        free(a[i].per_model);
    free(a);
    report_outcomes_free(o, n_o);
    return rc;
}

static void co2_summary(explain_ctx *x, const co2_model *c, size_t n)
{
    cJSON *list = cJSON_AddArrayToObject(x->st->summary, "co2_models");
    for (size_t i = 0; list && i < n; i++) {
        cJSON *j = cJSON_CreateObject();
        dac_json_string(j, "name", c[i].cfg->name);
        dac_json_string(j, "mechanism", c[i].cfg->mechanism);
        dac_json_number(j, "limiting_potential_V_RHE", c[i].U_L, "no electrochemical step");
        dac_json_number(j, "overpotential_V", c[i].eta, "no equilibrium potential");
        dac_json_bool(j, "converged", c[i].converged);
        dac_json_number(j, "TOF_CO_per_s", c[i].converged ? c[i].tof_co : NAN, "did not converge");
        dac_json_number(j, "TOF_H2_per_s", c[i].converged ? c[i].tof_h2 : NAN, "did not converge");
        dac_json_number(j, "FE_CO", c[i].converged ? c[i].fe_co : NAN, "did not converge");
        dac_json_number(j, "best_FE_CO", c[i].fe_best, "no converged point");
        dac_json_number(j, "best_FE_CO_potential_V_RHE", c[i].U_best, "no converged point");
        cJSON_AddItemToArray(list, j);
    }
    dac_json_number(x->st->summary, "potential_V_RHE", x->st->study->explain.potential_V_RHE, NULL);
}

static int co2_part(explain_ctx *x)
{
    const report_explain *e = &x->st->study->explain;
    size_t n = e->n_co2;
    co2_model *c = calloc(n + 1, sizeof *c);
    int rc = c ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < n; i++) {
        c[i].cfg = &e->co2[i];
        rc = explain_load(e->co2[i].mechanism, &c[i].m);
    }
    if (rc == DAC_OK)
        rc = fed_part(x, c, n);
    if (rc == DAC_OK)
        rc = sweep_part(x, c, n);
    if (rc == DAC_OK)
        rc = steady_part(x, c, n);
    if (rc == DAC_OK)
        rc = sweep_figure(x, c, n, "FE_CO", 0, "Faradaic efficiency of CO", "fe_co");
    if (rc == DAC_OK)
        rc = sweep_figure(x, c, n, "j_CO_mA_cm2", 1, "|j(CO)| (mA/cm²)", "j_co");
    if (rc == DAC_OK)
        rc = co2_page(x, c, n);
    if (rc == DAC_OK)
        rc = outcomes_part(x, c, n);
    if (rc == DAC_OK)
        co2_summary(x, c, n);
    for (size_t i = 0; c && i < n; i++)
        dac_kinetics_model_free(c[i].m);
    free(c);
    return rc;
}

int report_explain_stage(report_stage *st)
{
    const report_explain *e = &st->study->explain;
    explain_ctx x = {st, 0, 2 * e->n_co2 + (e->her_mechanism != NULL) + e->n_photo + 1, NULL, 0, 0};
    int rc = dac_report_add_heading(st->page, 2, "Explain: what the sites do");
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(st->page, "Why two metal atoms beside each other should be "
                                      "more active than one, in numbers: the same chemistry on one "
                                      "site and on two, from free-energy diagrams to currents, "
                                      "then the activity of what the synthesis made.");
    if (rc == DAC_OK && e->n_co2)
        rc = co2_part(&x);
    if (rc == DAC_OK && e->her_mechanism)
        rc = explain_her(&x);
    if (rc == DAC_OK && e->n_photo)
        rc = explain_photo(&x);
    if (rc == DAC_OK)
        rc = dac_report_add_assumption(st->page, "Kinetics: mean-field rate equations (no lateral "
                                       "interactions, no transport limits); energies as the "
                                       "mechanism files give them, each with its source, "
                                       "`calibrated` or `illustrative` (docs/kinetics.md).");
    analysed_free(&x);
    return rc;
}
