/*
 * fed.c — free-energy diagrams along a pathway, by the computational hydrogen
 * electrode (domain.md §4): each step moves the level by ΔG_i(U) = ΔG_i(0) − n_i eU
 * (n_i the electrons it takes), a transition state sits its barrier above the level
 * before it. The limiting potential of a reduction is U_L = min_i(−ΔG_i(0)/n_i) over
 * its electron-transfer steps (every step downhill at U ≤ U_L; Nørskov et al. 2004),
 * the step that sets it is potential-determining, and the thermodynamic overpotential
 * is η = |U_eq − U_L| with U_eq = −ΔG_total(0)/n_total. An oxidation mirrors this.
 * The figure and the JSON record are written together as one set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/outset.h"
#include "kinetics/kin_output.h"
#include "report/plot.h"

#define LABEL_MAX 128

struct dac_kinetics_fed {
    char mechanism[KIN_NAME_MAX], pathway[KIN_NAME_MAX];
    double U, T, pH;
    size_t n_steps;
    int *steps;
    char (*step_names)[KIN_NAME_MAX];
    double *G, *ts;          /* n_steps + 1 levels; TS of step k above level k */
    char (*label)[LABEL_MAX];
    double UL, Ueq, eta;
    long pds;
};

/* The adsorbed states a level holds (or, when none, the species made). */
static void label_side(const dac_kinetics_model *m, const kin_term *t, int n, char *out)
{
    out[0] = '\0';
    for (int pass = 0; pass < 2 && !out[0]; pass++)
        for (int k = 0; k < n; k++) {
            const kin_species *sp = &m->species[t[k].species];
            int adsorbed = sp->phase == DAC_KINETICS_ADSORBATE;
            if ((pass == 0 && !adsorbed) || sp->phase == DAC_KINETICS_PROTON ||
                sp->phase == DAC_KINETICS_ELECTRON || (pass == 1 && sp->phase == DAC_KINETICS_SOLVENT))
                continue;
            size_t len = strlen(out);
            snprintf(out + len, LABEL_MAX - len, "%s%s", len ? " + " : "", sp->name);
        }
}

static void limiting(const dac_kinetics_model *m, const kin_conditions *c0, dac_kinetics_fed *f)
{
    double total = 0, n_total = 0;
    f->UL = f->Ueq = f->eta = NAN;
    f->pds = -1;
    for (size_t k = 0; k < f->n_steps; k++) {
        total += kin_step_dG(m, (size_t)f->steps[k], c0);
        n_total += m->steps[f->steps[k]].electrons;
    }
    if (n_total == 0)
        return;
    for (size_t k = 0; k < f->n_steps; k++) {
        double n = m->steps[f->steps[k]].electrons;
        if (n == 0 || (n > 0) != (n_total > 0))
            continue;
        double u = -kin_step_dG(m, (size_t)f->steps[k], c0) / n;
        if (f->pds < 0 || (n_total > 0 ? u < f->UL : u > f->UL)) {
            f->UL = u;
            f->pds = (long)k;
        }
    }
    f->Ueq = -total / n_total;
    f->eta = fabs(f->Ueq - f->UL);
}

static int fill(const dac_kinetics_model *m, const int *steps, size_t n, double U, dac_kinetics_fed *f)
{
    f->n_steps = n;
    f->steps = malloc(n * sizeof *f->steps);
    f->step_names = malloc(n * sizeof *f->step_names);
    f->G = malloc((n + 1) * sizeof *f->G);
    f->ts = malloc((n + 1) * sizeof *f->ts);
    f->label = malloc((n + 1) * sizeof *f->label);
    double *G = malloc((m->n_species + 1) * sizeof *G);
    if (!f->steps || !f->step_names || !f->G || !f->ts || !f->label || !G) {
        free(G);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->n_species; i++)
        G[i] = m->species[i].G_eV;
    kin_conditions c = {m->temperature_K, U, m->pH, m->distance_MM_A, G, NULL};
    kin_conditions c0 = c;
    c0.U_V_RHE = 0;
    f->G[0] = 0;
    label_side(m, m->steps[steps[0]].reac, m->steps[steps[0]].n_reac, f->label[0]);
    for (size_t k = 0; k < n; k++) {
        size_t j = (size_t)steps[k];
        f->steps[k] = (int)j;
        snprintf(f->step_names[k], KIN_NAME_MAX, "%s", m->steps[j].name);
        f->G[k + 1] = f->G[k] + kin_step_dG(m, j, &c);
        double raw = kin_step_barrier_raw(m, j, &c);
        f->ts[k] = isnan(raw) ? NAN : f->G[k] + kin_step_barrier(m, j, &c);
        label_side(m, m->steps[j].prod, m->steps[j].n_prod, f->label[k + 1]);
    }
    f->ts[n] = NAN;
    limiting(m, &c0, f);
    free(G);
    return DAC_OK;
}

int dac_kinetics_fed_compute(const dac_kinetics_model *m, const char *pathway, double U,
                             dac_kinetics_fed **out)
{
    *out = NULL;
    if (!m || !m->validated)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_fed_compute: the model must be validated");
    if (!isfinite(U))
        return dac_error(DAC_ERR_USAGE, "potential must be finite");
    const kin_pathway *pw = NULL;
    for (size_t k = 0; k < m->n_pathways && pathway; k++)
        if (!strcmp(m->pathways[k].name, pathway))
            pw = &m->pathways[k];
    if (pathway && !pw)
        return dac_error(DAC_ERR_USAGE, "model '%s': no pathway '%s'", m->name, pathway);
    if (!pw && m->n_pathways)
        pw = &m->pathways[0];
    dac_kinetics_fed *f = calloc(1, sizeof *f);
    int *all = pw ? NULL : malloc(m->n_steps * sizeof *all);
    if (!f || (!pw && !all)) {
        free(f);
        free(all);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    for (size_t j = 0; !pw && j < m->n_steps; j++)
        all[j] = (int)j;
    snprintf(f->mechanism, sizeof f->mechanism, "%s", m->name);
    snprintf(f->pathway, sizeof f->pathway, "%s", pw ? pw->name : "all steps");
    f->U = U;
    f->T = m->temperature_K;
    f->pH = m->pH;
    int st = fill(m, pw ? pw->steps : all, pw ? pw->n_steps : m->n_steps, U, f);
    free(all);
    if (st) {
        dac_kinetics_fed_free(f);
        return st;
    }
    *out = f;
    return DAC_OK;
}

void dac_kinetics_fed_free(dac_kinetics_fed *f)
{
    if (!f)
        return;
    free(f->steps);
    free(f->step_names);
    free(f->G);
    free(f->ts);
    free(f->label);
    free(f);
}

size_t dac_kinetics_fed_level_count(const dac_kinetics_fed *f) { return f->n_steps + 1; }
double dac_kinetics_fed_level(const dac_kinetics_fed *f, size_t k) { return k <= f->n_steps ? f->G[k] : NAN; }
double dac_kinetics_fed_ts_level(const dac_kinetics_fed *f, size_t k) { return k < f->n_steps ? f->ts[k] : NAN; }
const char *dac_kinetics_fed_level_label(const dac_kinetics_fed *f, size_t k)
{
    return k <= f->n_steps ? f->label[k] : NULL;
}
double dac_kinetics_fed_limiting_potential(const dac_kinetics_fed *f) { return f->UL; }
double dac_kinetics_fed_equilibrium_potential(const dac_kinetics_fed *f) { return f->Ueq; }
double dac_kinetics_fed_overpotential(const dac_kinetics_fed *f) { return f->eta; }
long dac_kinetics_fed_determining_step(const dac_kinetics_fed *f) { return f->pds; }

/* ------------------------------------------------------------------ writing --- */

static cJSON *fed_json(const dac_kinetics_fed *f)
{
    cJSON *o = cJSON_CreateObject();
    dac_json_string(o, "mechanism", f->mechanism);
    dac_json_string(o, "pathway", f->pathway);
    dac_json_number(o, "potential_V_RHE", f->U, NULL);
    dac_json_number(o, "temperature_K", f->T, NULL);
    dac_json_number(o, "pH", f->pH, NULL);
    cJSON *lv = cJSON_AddArrayToObject(o, "levels");
    for (size_t k = 0; k <= f->n_steps; k++) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddItemToArray(lv, l);
        dac_json_string(l, "state", f->label[k]);
        dac_json_number(l, "G_eV", f->G[k], NULL);
        if (k < f->n_steps) {
            dac_json_string(l, "next_step", f->step_names[k]);
            dac_json_number(l, "transition_state_G_eV", f->ts[k], "the next step is barrierless");
        }
    }
    const char *why = "the pathway transfers no net electrons";
    dac_json_number(o, "limiting_potential_V_RHE", f->UL, why);
    dac_json_number(o, "equilibrium_potential_V_RHE", f->Ueq, why);
    dac_json_number(o, "thermodynamic_overpotential_V", f->eta, why);
    dac_json_string(o, "potential_determining_step", f->pds >= 0 ? f->step_names[f->pds] : NULL);
    return o;
}

/* Levels as flat bars (width 0.6) joined by slanted connectors through the TS. */
static int fed_plot(const dac_kinetics_fed *const *f, size_t n, dac_plot **out)
{
    size_t rows = 0;
    for (size_t d = 0; d < n; d++)
        rows = f[d]->n_steps * 3 + 2 > rows ? f[d]->n_steps * 3 + 2 : rows;
    double *tab = malloc(rows * 2 * n * sizeof *tab);
    char (*heads)[2 * KIN_NAME_MAX + 32] = malloc(2 * n * sizeof *heads);
    const char **hp = malloc(2 * n * sizeof *hp);
    int st = tab && heads && hp ? DAC_OK : dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == DAC_OK && i < rows * 2 * n; i++)
        tab[i] = NAN;
    for (size_t d = 0; st == DAC_OK && d < n; d++) {
        snprintf(heads[2 * d], sizeof heads[0], "position_%s_%s", f[d]->mechanism, f[d]->pathway);
        snprintf(heads[2 * d + 1], sizeof heads[0], "G_eV_%s_%s", f[d]->mechanism, f[d]->pathway);
        hp[2 * d] = heads[2 * d];
        hp[2 * d + 1] = heads[2 * d + 1];
        size_t r = 0;
        for (size_t k = 0; k <= f[d]->n_steps; k++) {
            double xy[3][2] = {{k, f[d]->G[k]}, {k + 0.6, f[d]->G[k]}, {k + 0.8, f[d]->ts[k]}};
            int np = k < f[d]->n_steps && isfinite(f[d]->ts[k]) ? 3 : 2;
            for (int q = 0; q < np; q++, r++) {
                tab[r * 2 * n + 2 * d] = xy[q][0];
                tab[r * 2 * n + 2 * d + 1] = xy[q][1];
            }
        }
    }
    char title[128];
    snprintf(title, sizeof title, "Free-energy diagram at U = %g V vs RHE", f[0]->U);
    dac_plot *p = NULL;
    if (st == DAC_OK)
        st = dac_plot_create(title, "reaction coordinate (states labelled above their level)",
                             "ΔG (eV)", &p);
    if (st == DAC_OK)
        st = dac_plot_set_table(p, 2 * n, hp, rows, tab);
    /* The abscissa only orders the states: numbers there would suggest a scale. */
    if (st == DAC_OK)
        st = dac_plot_add_command(p, "unset xtics");
    for (size_t d = 0; st == DAC_OK && d < n; d++) {
        char t[2 * KIN_NAME_MAX + 4];
        snprintf(t, sizeof t, "%s (%s)", f[d]->mechanism, f[d]->pathway);
        st = dac_plot_add_series(p, 2 * d, 2 * d + 1, t, DAC_PLOT_LINES);
    }
    for (size_t k = 0; st == DAC_OK && k <= f[0]->n_steps; k++)
        st = dac_plot_add_label(p, k, f[0]->G[k] + 0.08, f[0]->label[k]);
    free(tab);
    free(heads);
    free(hp);
    if (st) {
        dac_plot_free(p);
        return st;
    }
    *out = p;
    return DAC_OK;
}

int dac_kinetics_fed_write(const dac_kinetics_fed *const *f, size_t n, const char *svg_path,
                           int json, const dac_provenance *prov)
{
    char dir[4096], base[1024], name[1100];
    if (!f || n == 0 || !svg_path)
        return dac_error(DAC_ERR_USAGE, "dac_kinetics_fed_write: nothing to write");
    int st = kin_split_path(svg_path, ".svg", dir, sizeof dir, base, sizeof base);
    if (st)
        return st;
    dac_plot *p = NULL;
    if ((st = fed_plot(f, n, &p)))
        return st;
    dac_outset *set = NULL;
    st = dac_outset_create_beside(dir, &set);
    if (st == DAC_OK)
        st = dac_plot_write(p, set, base);
    if (st == DAC_OK && json) {
        cJSON *rec = dac_json_record("dac kinetics fed", prov);
        cJSON *arr = rec ? cJSON_AddArrayToObject(rec, "diagrams") : NULL;
        for (size_t d = 0; arr && d < n; d++)
            cJSON_AddItemToArray(arr, fed_json(f[d]));
        snprintf(name, sizeof name, "%s.json", base);
        st = rec ? dac_outset_json(set, name, rec) : dac_error(DAC_ERR_NOMEM, "out of memory");
        cJSON_Delete(rec);
    }
    dac_plot_free(p);
    return set ? dac_outset_finish(set, st) : st;
}
