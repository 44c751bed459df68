/*
 * stage_make.c — the study's "make" stage: what each synthesis route leaves on the
 * support (dac synth, docs/synth.md).
 *
 * Every run of the study is its recipe (with the stage's and the run's overrides) run
 * with `seeds` seeds — repeat k with seed + k, the same seeds for every run, so runs
 * that differ only in temperature are compared on the same random numbers — each into
 * make/<run>/seed_<S>/ as `dac synth` writes it (summary.json, timeseries.csv,
 * final.extxyz, final.png). Every loading curve is `dac synth sweep` of its recipe
 * along its `vary` axis, into make/loading_<curve>.csv. The stage's own files: the
 * purity of each run (mean ± standard deviation over seeds) and purity against
 * loading as figures, summary.json listing the outcomes (the final.extxyz of each
 * seed, which the see and explain stages read), and its part of the page.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sweep.h"
#include "core/csv.h"
#include "core/json.h"
#include "dac/core.h"
#include "dac/synth.h"
#include "report/plot.h"
#include "report/study_internal.h"

int report_make_inputs(const dac_report_study *s, const char *outdir, report_list *inputs)
{
    (void)outdir;
    int st = DAC_OK;
    for (size_t i = 0; st == DAC_OK && i < s->make.n_runs; i++)
        st = report_list_add_unique(inputs, s->make.runs[i].recipe);
    for (size_t i = 0; st == DAC_OK && i < s->make.n_curves; i++)
        st = report_list_add_unique(inputs, s->make.curves[i].recipe);
    return st;
}

/* One seed of one run. */
typedef struct {
    uint64_t seed;
    double purity_site, purity_atom, hetero_site, shell_N_pairs;
    size_t count[4], n_metal;
    char top_pair[64];
} seed_result;

/* One run over its seeds. */
typedef struct {
    seed_result *seed;
    const char *route;
    double T_max_C, area_nm2;
    size_t sites_per_side;
    double site_mean, site_sd, atom_mean, atom_sd, hetero_mean, hetero_sd;
    char top_pair[64]; /* commonest over the seeds */
} run_result;

/* One loading curve: metal atoms per nm² and site purity (mean ± sd over repeats). */
typedef struct {
    size_t n;
    double *x, *mean, *sd;
} curve_result;

/* Progress over parts of unequal weight (a sweep is many runs). */
typedef struct {
    report_stage *st;
    double done, weight, total;
} weighted;

static int on_progress(double f, void *user_data)
{
    weighted *w = user_data;
    return report_stage_progress(w->st, 0, 1, (w->done + w->weight * f) / w->total);
}

/* The stage's overrides, then the run's: pointers into the study (not copied). */
static const char **overrides(const report_make *m, const report_list *own, size_t *n)
{
    *n = m->set.n + own->n;
    const char **o = calloc(*n + 1, sizeof *o);
    for (size_t i = 0; o && i < *n; i++)
        o[i] = i < m->set.n ? m->set.item[i] : own->item[i - m->set.n];
    return o;
}

/* Hottest point of the temperature program, °C. */
static double hottest_C(const dac_synth_params *p)
{
    double T = p->start_K;
    for (size_t i = 0; i < p->n_segments; i++)
        if (p->segment[i].ramp_K_per_min > 0)
            T = fmax(T, p->segment[i].to_K);
    return dac_unit_K_to_C(T);
}

static int run_seed(report_stage *st, const report_make_run *run, const char **ov, size_t n_ov,
                    size_t k, weighted *w, run_result *rr)
{
    const dac_report_study *s = st->study;
    seed_result *out = &rr->seed[k];
    out->seed = s->seed + k;
    dac_synth_params p;
    dac_synth_engine *e = NULL;
    dac_synth_result *r = NULL;
    int rc = dac_synth_recipe_read(run->recipe, ov, n_ov, &p);
    if (rc == DAC_OK)
        rc = dac_synth_engine_create(&p, out->seed, &e);
    if (rc == DAC_OK) {
        dac_synth_engine_set_progress(e, on_progress, w);
        rc = dac_synth_engine_run(e, dac_synth_engine_end_s(e));
    }
    if (rc == DAC_OK)
        rc = dac_synth_engine_result(e, &r);
    char *dir = rc == DAC_OK ? report_stage_path(st, "%s/seed_%llu", run->name,
                                                 (unsigned long long)out->seed) : NULL;
    const char *inputs[1] = {run->recipe};
    dac_provenance prov = st->prov;
    prov.seed = out->seed;
    prov.n_inputs = 1, prov.inputs = inputs;
    if (rc == DAC_OK)
        rc = dir ? dac_synth_write(e, dir, &prov) : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (rc == DAC_OK) {
        rr->route = dac_synth_route_name(p.route);
        rr->T_max_C = hottest_C(&p);
        rr->area_nm2 = dac_synth_params_area_nm2(&p);
        rr->sites_per_side = p.sites_per_side;
        out->purity_site = r->purity_site;
        out->purity_atom = r->purity_atom;
        out->hetero_site = r->hetero_purity_site;
        out->shell_N_pairs = r->mean_shell_N_pairs;
        out->n_metal = r->n_metal_atoms;
        memcpy(out->count, r->count, sizeof out->count);
        const char *top = dac_synth_result_top_label(r, DAC_SITE_PAIR);
        snprintf(out->top_pair, sizeof out->top_pair, "%s", top ? top : "");
    } else {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", dac_last_error());
        rc = dac_error(rc, "run %s, seed %llu (%s): %s", run->name, (unsigned long long)out->seed,
                       run->recipe, msg);
    }
    free(dir);
    dac_synth_result_free(r);
    dac_synth_engine_free(e);
    return rc;
}

/* Mean ± sd over the seeds, and the pair label most seeds had first. */
static void summarise_run(run_result *rr, size_t n)
{
    double *v = malloc(3 * n * sizeof *v);
    if (!v) {
        rr->site_mean = rr->site_sd = rr->atom_mean = rr->atom_sd = NAN;
        rr->hetero_mean = rr->hetero_sd = NAN;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        v[k] = rr->seed[k].purity_site, v[n + k] = rr->seed[k].purity_atom;
        v[2 * n + k] = rr->seed[k].hetero_site;
    }
    report_mean_sd(v, n, &rr->site_mean, &rr->site_sd);
    report_mean_sd(v + n, n, &rr->atom_mean, &rr->atom_sd);
    report_mean_sd(v + 2 * n, n, &rr->hetero_mean, &rr->hetero_sd);
    free(v);
    size_t best = 0, best_votes = 0;
    for (size_t i = 0; i < n; i++) {
        size_t votes = 0;
        for (size_t j = 0; j < n; j++)
            votes += !strcmp(rr->seed[i].top_pair, rr->seed[j].top_pair);
        if (votes > best_votes)
            best = i, best_votes = votes;
    }
    snprintf(rr->top_pair, sizeof rr->top_pair, "%s", n ? rr->seed[best].top_pair : "");
}

/* ------------------------------------------------------------ loading curves ------ */

/* Sweep points of an axis "KEY=a:b:step" (for the progress weight; 1 if unreadable). */
static double axis_points(const char *vary)
{
    dac_sweep_axis ax;
    if (dac_sweep_parse_axis(vary, &ax) != DAC_OK) {
        dac_error_clear(); /* the sweep itself reports it */
        return 1;
    }
    return (double)ax.n;
}

/* The sweep's table as metal atoms per nm² against site purity, repeats pooled. */
static int read_curve(const char *path, double area_nm2, curve_result *c)
{
    dac_csv *csv;
    int rc = dac_csv_read(path, &csv);
    if (rc != DAC_OK)
        return rc;
    long col_m = dac_csv_column(csv, "metal_atoms"), col_p = dac_csv_column(csv, "purity_site");
    size_t n = dac_csv_rows(csv);
    if (col_m < 0 || col_p < 0)
        rc = dac_error(DAC_ERR_INPUT, "%s: no columns metal_atoms and purity_site", path);
    double *x = calloc(n + 1, sizeof *x), *y = calloc(n + 1, sizeof *y);
    c->x = calloc(n + 1, sizeof *c->x), c->mean = calloc(n + 1, sizeof *c->mean);
    c->sd = calloc(n + 1, sizeof *c->sd);
    if (rc == DAC_OK && (!x || !y || !c->x || !c->mean || !c->sd))
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t r = 0; rc == DAC_OK && r < n; r++) {
        const char *cell = dac_csv_field(csv, r, (size_t)col_p);
        rc = dac_csv_double(csv, r, (size_t)col_m, &x[r]);
        y[r] = cell && *cell ? atof(cell) : NAN; /* empty: no sites */
        x[r] /= area_nm2;
    }
    /* rows of one grid point are adjacent (the sweep writes grid order, repeats
     * innermost), but pool by equal loading so any order works */
    c->n = 0;
    double *grp = rc == DAC_OK ? malloc((n + 1) * sizeof *grp) : NULL;
    for (size_t r = 0; grp && r < n; r++) {
        int seen = 0;
        for (size_t q = 0; q < c->n && !seen; q++)
            seen = c->x[q] == x[r];
        if (seen)
            continue;
        size_t m = 0;
        for (size_t q = r; q < n; q++)
            if (x[q] == x[r])
                grp[m++] = y[q];
        c->x[c->n] = x[r];
        report_mean_sd(grp, m, &c->mean[c->n], &c->sd[c->n]);
        c->n++;
    }
    free(grp), free(x), free(y);
    dac_csv_free(csv);
    return rc;
}

static int run_curve(report_stage *st, const report_make_curve *cv, weighted *w, curve_result *c,
                     double *area_nm2)
{
    const report_make *m = &st->study->make;
    size_t n_ov;
    const char **ov = overrides(m, &cv->set, &n_ov);
    dac_synth_params p;
    char *csv = report_stage_path(st, "loading_%s.csv", cv->name);
    int rc = ov && csv ? dac_synth_recipe_read(cv->recipe, ov, n_ov, &p) : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (rc == DAC_OK) {
        *area_nm2 = dac_synth_params_area_nm2(&p);
        const char *vary[1] = {cv->vary};
        dac_synth_sweep_options o = {cv->recipe, ov, n_ov, vary, 1, (size_t)m->repeats,
                                     st->study->seed, 0};
        const char *inputs[1] = {cv->recipe};
        dac_provenance prov = st->prov;
        prov.n_inputs = 1, prov.inputs = inputs;
        size_t runs = 0;
        rc = dac_synth_sweep(&o, csv, &prov, on_progress, w, &runs);
    }
    if (rc == DAC_OK)
        rc = read_curve(csv, *area_nm2, c);
    if (rc != DAC_OK) {
        char msg[800];
        snprintf(msg, sizeof msg, "%s", dac_last_error());
        rc = dac_error(rc, "loading curve %s (%s): %s", cv->name, cv->recipe, msg);
    }
    free(csv);
    free(ov);
    return rc;
}

/* ------------------------------------------------------------ figures ------------- */

static int runs_figure(report_stage *st, const run_result *rr)
{
    const report_make *m = &st->study->make;
    static const char *const head[] = {"run", "purity_site_mean", "purity_site_sd", "x_atom",
                                       "purity_atom_mean", "purity_atom_sd"};
    /* one seed: no spread to draw (error bars would need one) */
    dac_plot_style style = m->seeds > 1 ? DAC_PLOT_ERRORBARS : DAC_PLOT_POINTS;
    double *t = calloc(m->n_runs * 6 + 1, sizeof *t);
    dac_plot *p = NULL;
    int rc = t ? dac_plot_create(NULL, NULL, m->seeds > 1 ? "purity (mean ± sd over seeds)" : "purity", &p)
               : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < m->n_runs; i++) {
        double row[6] = {(double)(i + 1) - 0.1, rr[i].site_mean, rr[i].site_sd,
                         (double)(i + 1) + 0.1, rr[i].atom_mean, rr[i].atom_sd};
        memcpy(t + 6 * i, row, sizeof row);
    }
    if (rc == DAC_OK)
        rc = dac_plot_set_table(p, 6, head, m->n_runs, t);
    if (rc == DAC_OK)
        rc = dac_plot_add_series(p, 0, 1, "per site: pairs / sites", style);
    if (rc == DAC_OK)
        rc = dac_plot_add_series(p, 3, 4, "per atom: 2 pairs / metal atoms", style);
    report_list names = {0};
    for (size_t i = 0; i < m->n_runs; i++)
        report_list_add(&names, m->runs[i].name);
    if (rc == DAC_OK)
        rc = report_write_purity_figure(p, &names, st->set, "purity_runs");
    report_list_free(&names);
    free(t);
    dac_plot_free(p);
    return rc;
}

static int loading_figure(report_stage *st, const curve_result *c)
{
    const report_make *m = &st->study->make;
    size_t rows = 0;
    for (size_t i = 0; i < m->n_curves; i++)
        rows += c[i].n;
    /* one block of columns per curve; other curves' cells empty */
    size_t nc = 3 * m->n_curves;
    char **head = calloc(nc, sizeof *head);
    double *t = calloc(rows * nc + 1, sizeof *t);
    dac_plot *p = NULL;
    int rc = head && t ? dac_plot_create(NULL, "metal loading (atoms per nm²)", "site purity (pairs / sites)", &p)
                       : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; t && i < rows * nc; i++)
        t[i] = NAN;
    size_t r = 0;
    for (size_t i = 0; rc == DAC_OK && i < m->n_curves; i++) {
        static const char *const fmt[3] = {"%s_metal_atoms_per_nm2", "%s_purity_site_mean", "%s_purity_site_sd"};
        for (int k = 0; k < 3; k++) {
            size_t len = strlen(m->curves[i].name) + 32;
            if ((head[3 * i + (size_t)k] = malloc(len)))
                snprintf(head[3 * i + (size_t)k], len, fmt[k], m->curves[i].name);
            else
                rc = dac_error(DAC_ERR_NOMEM, "out of memory");
        }
        for (size_t q = 0; q < c[i].n; q++, r++) {
            t[r * nc + 3 * i] = c[i].x[q];
            t[r * nc + 3 * i + 1] = c[i].mean[q];
            t[r * nc + 3 * i + 2] = c[i].sd[q];
        }
    }
    if (rc == DAC_OK)
        rc = dac_plot_set_table(p, nc, (const char *const *)head, rows, t);
    for (size_t i = 0; rc == DAC_OK && i < m->n_curves; i++)
        rc = dac_plot_add_series(p, 3 * i, 3 * i + 1, m->curves[i].title ? m->curves[i].title : m->curves[i].name,
                                 m->repeats > 1 ? DAC_PLOT_ERRORLINES : DAC_PLOT_LINESPOINTS);
    if (rc == DAC_OK)
        rc = dac_plot_set_range(p, 'y', 0, 1.05);
    if (rc == DAC_OK)
        rc = dac_plot_add_command(p, "set key top right");
    if (rc == DAC_OK)
        rc = dac_plot_write(p, st->set, "purity_loading");
    for (size_t i = 0; head && i < nc; i++)
        free(head[i]);
    free(head), free(t);
    dac_plot_free(p);
    return rc;
}

/* ------------------------------------------------------------ the page ------------ */

/* "0.97 ± 0.01", or the mean alone when there is no spread to give. */
static void mean_sd_cell(report_list *cells, double mean, double sd)
{
    char a[48], b[48];
    report_format(a, sizeof a, mean, 3);
    report_format(b, sizeof b, sd, 2);
    report_list_addf(cells, isfinite(sd) ? "%s ± %s" : "%s", a, b);
}

static int runs_table(report_stage *st, const run_result *rr)
{
    const report_make *m = &st->study->make;
    static const char *const head[] = {"Run", "Route", "Hottest (°C)", "Metal atoms",
                                       "Single / pair / cluster", "Site purity", "Atom purity",
                                       "Commonest pair site", "The review"};
    report_list cells = {0};
    for (size_t i = 0; i < m->n_runs; i++) {
        const run_result *r = &rr[i];
        const seed_result *s0 = &r->seed[0];
        report_list_addf(&cells, "`%s`", m->runs[i].name);
        report_list_add(&cells, r->route);
        report_list_addf(&cells, "%.0f", r->T_max_C);
        report_list_addf(&cells, "%zu", s0->n_metal);
        report_list_addf(&cells, "%zu / %zu / %zu", s0->count[DAC_SITE_SINGLE], s0->count[DAC_SITE_PAIR],
                         s0->count[DAC_SITE_CLUSTER]);
        mean_sd_cell(&cells, r->site_mean, r->site_sd);
        mean_sd_cell(&cells, r->atom_mean, r->atom_sd);
        report_list_addf(&cells, r->top_pair[0] ? "`%s`" : "—", r->top_pair);
        report_list_add(&cells, m->runs[i].review ? m->runs[i].review : "");
    }
    char caption[300];
    if (m->seeds > 1)
        snprintf(caption, sizeof caption, "What each synthesis run left on the support: counts of "
                 "the first seed, purities as mean ± standard deviation over %ld seeds.", m->seeds);
    else
        snprintf(caption, sizeof caption, "What each synthesis run left on the support (one seed).");
    return report_table(st->page, caption, 9, head, &cells);
}

static int commands(report_stage *st)
{
    const report_make *m = &st->study->make;
    char *text = malloc(8192);
    int rc = text ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == DAC_OK && i < m->n_runs + m->n_curves; i++) {
        int is_run = i < m->n_runs;
        const report_make_run *run = is_run ? &m->runs[i] : NULL;
        const report_make_curve *cv = is_run ? NULL : &m->curves[i - m->n_runs];
        const report_list *own = is_run ? &run->set : &cv->set;
        char *out = is_run ? report_stage_final_path(st, "%s/seed_%llu", run->name,
                                                     (unsigned long long)st->study->seed)
                           : report_stage_final_path(st, "loading_%s.csv", cv->name);
        if (!out) {
            rc = dac_error(DAC_ERR_NOMEM, "out of memory");
            break;
        }
        size_t w = is_run ? (size_t)snprintf(text, 8192, "dac synth %s -o %s --seed %llu", run->recipe,
                                             out, (unsigned long long)st->study->seed)
                          : (size_t)snprintf(text, 8192, "dac synth sweep %s --vary %s --repeats %ld "
                                             "--seed %llu -o %s", cv->recipe, cv->vary, m->repeats,
                                             (unsigned long long)st->study->seed, out);
        for (size_t k = 0; k < m->set.n + own->n && w < 8000; k++)
            w += (size_t)snprintf(text + w, 8192 - w, " --set %s",
                                  k < m->set.n ? m->set.item[k] : own->item[k - m->set.n]);
        if (is_run && m->seeds > 1 && w < 8000)
            snprintf(text + w, 8192 - w, "\n# the other seeds: --seed %llu … %llu, into seed_<N>/",
                     (unsigned long long)st->study->seed + 1,
                     (unsigned long long)(st->study->seed + (uint64_t)m->seeds - 1));
        free(out);
        rc = dac_report_add_command(st->page, text);
    }
    free(text);
    return rc;
}

static int write_page(report_stage *st, const run_result *rr)
{
    const report_make *m = &st->study->make;
    dac_report *p = st->page;
    char text[2000];
    int rc = dac_report_add_heading(p, 2, "Make: what the synthesis leaves on the support");
    snprintf(text, sizeof text,
             "Each recipe was run by lattice kinetic Monte Carlo (`dac synth`, docs/synth.md) "
             "with %ld seed%s: metal atoms arrive (released from their salt, or held in pairs by "
             "a ligand until it decomposes, or drawn by light to the first metal), hop on the "
             "support, are caught by N-rich pockets or by each other, and the pockets lose N to "
             "C as the temperature follows the recipe's programme. A site is a group of metal "
             "atoms closer than 3.5 Å; its label counts the N and C of its first shell, as "
             "`dac struct` names sites.", m->seeds, m->seeds == 1 ? "" : "s");
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(p, text);
    if (rc == DAC_OK && m->n_runs)
        rc = runs_table(st, rr);
    snprintf(text, sizeof text, "Pair purity of each synthesis run, per site (pairs among all "
             "sites) and per atom (metal atoms in pairs)%s.", m->seeds > 1 ? ", mean ± standard "
             "deviation over the seeds" : "");
    if (rc == DAC_OK && m->n_runs)
        rc = dac_report_add_figure(p, "purity_runs.svg", text);
    snprintf(text, sizeof text, "Site purity against metal loading for each route%s: how well "
             "each keeps its pairs as the loading rises — high loading at high purity is the "
             "review's open challenge.", m->repeats > 1 ? " (mean ± standard deviation over "
             "repeats)" : "");
    if (rc == DAC_OK && m->n_curves)
        rc = dac_report_add_figure(p, "purity_loading.svg", text);
    for (size_t i = 0; rc == DAC_OK && i < m->n_runs; i++) {
        char file[200], caption[400];
        snprintf(file, sizeof file, "%s/seed_%llu/final.png", m->runs[i].name,
                 (unsigned long long)st->study->seed);
        snprintf(caption, sizeof caption, "`%s`%s%s%s: the lattice at the end, singles, pairs and "
                 "clusters in three colours (seed %llu).", m->runs[i].name,
                 m->runs[i].title ? " (" : "", m->runs[i].title ? m->runs[i].title : "",
                 m->runs[i].title ? ")" : "", (unsigned long long)st->study->seed);
        rc = dac_report_add_image(p, file, caption);
    }
    if (rc == DAC_OK)
        rc = commands(st);
    for (size_t i = 0; rc == DAC_OK && i < m->n_runs; i++) {
        if (!m->runs[i].review)
            continue;
        char model[400], a[48], b[48], h[120] = "";
        report_format(a, sizeof a, rr[i].site_mean, 3);
        report_format(b, sizeof b, rr[i].site_sd, 2);
        if (rr[i].hetero_mean > 0) { /* two metals: the heteronuclear share is what counts */
            char c[48], d[48];
            report_format(c, sizeof c, rr[i].hetero_mean, 3);
            report_format(d, sizeof d, rr[i].hetero_sd, 2);
            snprintf(h, sizeof h, "; heteronuclear %s%s%s", c, isfinite(rr[i].hetero_sd) ? " ± " : "",
                     isfinite(rr[i].hetero_sd) ? d : "");
        }
        snprintf(model, sizeof model, "site purity %s%s%s%s; commonest pair site %s%s%s", a,
                 isfinite(rr[i].site_sd) ? " ± " : "", isfinite(rr[i].site_sd) ? b : "", h,
                 rr[i].top_pair[0] ? "`" : "", rr[i].top_pair[0] ? rr[i].top_pair : "none",
                 rr[i].top_pair[0] ? "`" : "");
        rc = dac_report_add_comparison(p, m->runs[i].title ? m->runs[i].title : m->runs[i].name,
                                       m->runs[i].review, model, "make");
    }
    if (rc == DAC_OK)
        rc = dac_report_add_assumption(p, "Synthesis: a lattice kinetic Monte Carlo model with bond "
                                       "counting and pocket binding, barriers that depend on the "
                                       "state an atom leaves, and N loss at Arrhenius rates; every "
                                       "energy is in the recipes, with its source or the word "
                                       "assumption (docs/synth.md).");
    return rc;
}

static void write_summary(report_stage *st, const run_result *rr, const curve_result *c)
{
    const report_make *m = &st->study->make;
    cJSON *outcomes = cJSON_AddArrayToObject(st->summary, "outcomes");
    for (size_t i = 0; outcomes && i < m->n_runs; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return;
        dac_json_string(o, "name", m->runs[i].name);
        dac_json_string(o, "title", m->runs[i].title ? m->runs[i].title : m->runs[i].name);
        dac_json_string(o, "route", rr[i].route);
        dac_json_string(o, "recipe", m->runs[i].recipe);
        dac_json_number(o, "hottest_C", rr[i].T_max_C, NULL);
        dac_json_number(o, "purity_site_mean", rr[i].site_mean, "no sites");
        dac_json_number(o, "purity_site_sd", rr[i].site_sd, "fewer than two seeds with sites");
        dac_json_number(o, "purity_atom_mean", rr[i].atom_mean, "no metal");
        dac_json_number(o, "purity_atom_sd", rr[i].atom_sd, "fewer than two seeds with metal");
        dac_json_number(o, "hetero_purity_site_mean", rr[i].hetero_mean, "no sites");
        dac_json_string(o, "top_pair_label", rr[i].top_pair[0] ? rr[i].top_pair : NULL);
        cJSON *files = cJSON_AddArrayToObject(o, "structures");
        cJSON *seeds = cJSON_AddArrayToObject(o, "seeds");
        for (long k = 0; files && seeds && k < m->seeds; k++) {
            char f[200];
            snprintf(f, sizeof f, "%s/seed_%llu/final.extxyz", m->runs[i].name,
                     (unsigned long long)rr[i].seed[k].seed);
            cJSON_AddItemToArray(files, dac_json_create_string(f));
            cJSON_AddItemToArray(seeds, cJSON_CreateNumber((double)rr[i].seed[k].seed));
        }
        cJSON_AddItemToArray(outcomes, o);
    }
    cJSON *curves = cJSON_AddArrayToObject(st->summary, "loading");
    for (size_t i = 0; curves && i < m->n_curves; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return;
        dac_json_string(o, "name", m->curves[i].name);
        dac_json_string(o, "vary", m->curves[i].vary);
        dac_json_numbers(o, "metal_atoms_per_nm2", c[i].x, c[i].n, NULL);
        dac_json_numbers(o, "purity_site_mean", c[i].mean, c[i].n, "no sites");
        dac_json_numbers(o, "purity_site_sd", c[i].sd, c[i].n, "fewer than two repeats with sites");
        cJSON_AddItemToArray(curves, o);
    }
}

int report_make_stage(report_stage *st)
{
    const report_make *m = &st->study->make;
    run_result *rr = calloc(m->n_runs + 1, sizeof *rr);
    curve_result *c = calloc(m->n_curves + 1, sizeof *c);
    int rc = rr && c ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    weighted w = {st, 0, 1, (double)(m->n_runs * (size_t)m->seeds)};
    for (size_t i = 0; i < m->n_curves; i++)
        w.total += axis_points(m->curves[i].vary) * (double)m->repeats;
    for (size_t i = 0; rc == DAC_OK && i < m->n_runs; i++) {
        size_t n_ov;
        const char **ov = overrides(m, &m->runs[i].set, &n_ov);
        rr[i].seed = calloc((size_t)m->seeds, sizeof *rr[i].seed);
        if (!ov || !rr[i].seed)
            rc = dac_error(DAC_ERR_NOMEM, "out of memory");
        for (long k = 0; rc == DAC_OK && k < m->seeds; k++, w.done += 1)
            rc = run_seed(st, &m->runs[i], ov, n_ov, (size_t)k, &w, &rr[i]);
        if (rc == DAC_OK)
            summarise_run(&rr[i], (size_t)m->seeds);
        free(ov);
    }
    for (size_t i = 0; rc == DAC_OK && i < m->n_curves; i++) {
        double area;
        w.weight = axis_points(m->curves[i].vary) * (double)m->repeats;
        rc = run_curve(st, &m->curves[i], &w, &c[i], &area);
        w.done += w.weight;
        w.weight = 1;
    }
    if (rc == DAC_OK && m->n_runs)
        rc = runs_figure(st, rr);
    if (rc == DAC_OK && m->n_curves)
        rc = loading_figure(st, c);
    if (rc == DAC_OK)
        rc = write_page(st, rr);
    if (rc == DAC_OK)
        write_summary(st, rr, c);
    for (size_t i = 0; rr && i < m->n_runs; i++)
        free(rr[i].seed);
    for (size_t i = 0; c && i < m->n_curves; i++)
        free(c[i].x), free(c[i].mean), free(c[i].sd);
    free(rr), free(c);
    return rc;
}
