/*
 * sweep.c — grids of steady states on core's shared sweep runner (core/sweep.h): one
 * solver per worker, planned on the worker's first point, every point one CSV row with
 * its checks; then the record OUT.json and the figure OUT-<kind>.* (sweep_plot.c), all
 * as one set beside OUT.csv (written by rank 0 only under MPI).
 *
 * Warm starts, and why the bytes do not depend on threads or MPI ranks: a point starts
 * from the converged solution of its predecessor in a *chain* — up to KIN_CHAIN points
 * along the fastest axis, the first of each chain started cold. A chain is a property
 * of the point indices, not of the workers: a worker whose block begins inside a chain
 * first re-solves the chain's earlier points (without output), so every point is
 * solved from exactly the same start whatever the partition.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"
#include "core/outset.h"
#include "core/sweep.h"
#include "kinetics/kin_output.h"

void dac_kinetics_sweep_options_default(dac_kinetics_sweep_options *o)
{
    memset(o, 0, sizeof *o);
    /* COLD: every chain start and every point that needed the robust path is checked
     * against a CVODE integration; warm neighbours are not (assumption: a warm Newton
     * solve that passes the residual, balance and sign checks next to a verified point
     * is the same branch — `always` checks every point at ~15× the cost). n_threads 0:
     * all cores. No figure. */
    o->verify = DAC_KINETICS_VERIFY_COLD;
    o->plot = DAC_KINETICS_PLOT_NONE;
}


/* Chains of at most 32 points (assumption: a cold start costs about as much as a few
 * tens of warm points, so cold starts stay a small share of the time). */
#define KIN_CHAIN 32
#define KIN_MAX_WORKERS 4096
#define KIN_MAX_AXES 16

typedef struct {
    dac_kinetics_solver *s;
    dac_kinetics_result *r;
    long last; /* the last point this worker solved, −1 */
} worker;

typedef struct {
    const dac_kinetics_model *m;
    const dac_sweep *grid;
    dac_kinetics_verify verify;
    size_t n_axes, n_last, n_fixed;
    dac_kinetics_parameter axis[KIN_MAX_AXES], fixed[64];
    double fixed_value[64];
    worker *w;
} sweep_ctx;

/* Header of a parameter key with its unit: U → potential_V_RHE, G.X → G_X_eV, … */
static void axis_header(const char *key, char *out, size_t size)
{
    const char *dot = strchr(key, '.');
    if (!strcmp(key, "U"))
        snprintf(out, size, "potential_V_RHE");
    else if (!strcmp(key, "T"))
        snprintf(out, size, "temperature_K");
    else if (dot && dot - key == 1 && key[0] == 'G')
        snprintf(out, size, "G_%s_eV", dot + 1);
    else if (dot && dot - key == 1 && key[0] == 'p')
        snprintf(out, size, "p_%s_bar", dot + 1);
    else if (dot && dot - key == 1 && key[0] == 'c')
        snprintf(out, size, "c_%s_mol_L", dot + 1);
    else if (dot && !strncmp(key, "barrier.", 8))
        snprintf(out, size, "barrier_%s_eV", dot + 1);
    else
        snprintf(out, size, "%s", key);
    for (char *p = out; *p; p++)
        if (*p == ' ')
            *p = '_';
}

static void put_name(FILE *f, const char *prefix, const char *name, const char *suffix)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s%s", prefix, name, suffix);
    for (char *p = buf; *p; p++)
        if (*p == ' ')
            *p = '_';
    dac_csv_write_field(f, buf, 0);
}

static int header(const sweep_ctx *c, const char *const *keys, char **text)
{
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    if (!f)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    const dac_kinetics_model *m = c->m;
    const char *u = kin_rate_unit(m);
    char h[256];
    for (size_t k = 0; k < c->n_axes; k++) {
        axis_header(keys[k], h, sizeof h);
        dac_csv_write_field(f, h, 0);
    }
    static const char *checks[] = {"converged", "residual", "site_balance_error", "min_coverage",
                                   "time_integration_passed", "start"};
    for (size_t k = 0; k < 6; k++)
        dac_csv_write_field(f, checks[k], 0);
    for (size_t i = 0; i < m->n_states; i++)
        put_name(f, "theta_", m->species[m->state_species[i]].name, "");
    for (size_t j = 0; j < m->n_steps; j++)
        put_name(f, "rate_", m->steps[j].name, u);
    for (size_t j = 0; j < m->n_steps; j++)
        put_name(f, "rate_forward_", m->steps[j].name, u);
    for (size_t p = 0; p < m->n_products; p++) {
        const char *pn = m->species[m->products[p].species].name;
        put_name(f, "TOF_", pn, "_per_s");
        put_name(f, "selectivity_", pn, "");
        put_name(f, "FE_", pn, "");
        put_name(f, "j_", pn, "_mA_cm2");
    }
    dac_csv_write_field(f, "j_mA_cm2", 1);
    if (fclose(f))
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    (*text)[strlen(*text) - 1] = '\0'; /* the runner adds the newline */
    return DAC_OK;
}

static int row(const sweep_ctx *c, const double *values, const dac_kinetics_result *r, char **text)
{
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    if (!f)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    const dac_kinetics_model *m = c->m;
    const dac_kinetics_checks *k = dac_kinetics_result_checks(r);
    for (size_t a = 0; a < c->n_axes; a++)
        dac_csv_write_number(f, values[a], 0);
    dac_csv_write_number(f, k->converged, 0);
    dac_csv_write_number(f, k->residual, 0);
    dac_csv_write_number(f, k->site_balance_error, 0);
    dac_csv_write_number(f, k->min_coverage, 0);
    dac_csv_write_number(f, k->time_integration == DAC_KINETICS_CHECK_NOT_RUN ? NAN
                            : k->time_integration == DAC_KINETICS_CHECK_PASSED, 0);
    dac_csv_write_field(f, k->start, 0);
    for (size_t i = 0; i < m->n_states; i++)
        dac_csv_write_number(f, dac_kinetics_result_coverage(r, i), 0);
    for (size_t j = 0; j < m->n_steps; j++)
        dac_csv_write_number(f, dac_kinetics_result_rate(r, j), 0);
    for (size_t j = 0; j < m->n_steps; j++)
        dac_csv_write_number(f, dac_kinetics_result_rate_forward(r, j), 0);
    for (size_t p = 0; p < m->n_products; p++) {
        dac_csv_write_number(f, dac_kinetics_result_tof(r, p), 0);
        dac_csv_write_number(f, dac_kinetics_result_selectivity(r, p), 0);
        dac_csv_write_number(f, dac_kinetics_result_faradaic_efficiency(r, p), 0);
        dac_csv_write_number(f, dac_kinetics_result_partial_current_density(r, p), 0);
    }
    dac_csv_write_number(f, dac_kinetics_result_current_density(r), 1);
    if (fclose(f))
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    (*text)[strlen(*text) - 1] = '\0';
    return DAC_OK;
}

static int set_point(sweep_ctx *c, worker *w, size_t index, double *values)
{
    size_t repeat;
    dac_sweep_point(c->grid, index, values, &repeat);
    for (size_t k = 0; k < c->n_fixed; k++)
        if (dac_kinetics_solver_set_parameter(w->s, &c->fixed[k], c->fixed_value[k]))
            return DAC_ERR_USAGE;
    for (size_t k = 0; k < c->n_axes; k++)
        if (dac_kinetics_solver_set_parameter(w->s, &c->axis[k], values[k]))
            return DAC_ERR_USAGE;
    return DAC_OK;
}

static int plan_worker(sweep_ctx *c, worker *w)
{
    int st = dac_kinetics_solver_create(c->m, &w->s);
    st = st ? st : dac_kinetics_result_create(w->s, &w->r);
    st = st ? st : dac_kinetics_solver_set_verification(w->s, c->verify);
    w->last = -1;
    return st;
}

static int point(size_t index, const double *unused, size_t repeat, int wi, void *ctx, char **out)
{
    (void)unused, (void)repeat;
    sweep_ctx *c = ctx;
    if (wi < 0 || wi >= KIN_MAX_WORKERS)
        return dac_error(DAC_ERR_RUNTIME, "sweep: worker %d out of range", wi);
    worker *w = &c->w[wi];
    int st = w->s ? DAC_OK : plan_worker(c, w);
    if (st)
        return st;
    /* The chain of this point starts at `first`. Warm when this worker has just solved
     * the predecessor; otherwise the chain is re-solved from its cold start. */
    size_t first = index - (index % c->n_last) % KIN_CHAIN, from = index;
    if (index == first || w->last != (long)index - 1) {
        dac_kinetics_solver_reset(w->s);
        from = first;
    }
    double values[KIN_MAX_AXES];
    for (size_t i = from; i <= index; i++) {
        if ((st = set_point(c, w, i, values)) || (st = dac_kinetics_solver_steady(w->s, w->r)))
            return st;
    }
    w->last = (long)index;
    return row(c, values, w->r, out);
}

static int parse_fixed(sweep_ctx *c, const dac_kinetics_sweep_options *o)
{
    if (o->n_fixed > 64)
        return dac_error(DAC_ERR_USAGE, "at most 64 fixed parameters");
    for (size_t k = 0; k < o->n_fixed; k++) {
        const char *eq = strchr(o->fixed[k], '=');
        char key[256];
        if (!eq || (size_t)(eq - o->fixed[k]) >= sizeof key)
            return dac_error(DAC_ERR_USAGE, "expected KEY=VALUE, got '%s'", o->fixed[k]);
        snprintf(key, sizeof key, "%.*s", (int)(eq - o->fixed[k]), o->fixed[k]);
        char *end;
        c->fixed_value[k] = strtod(eq + 1, &end);
        if (*end || end == eq + 1 || !isfinite(c->fixed_value[k]))
            return dac_error(DAC_ERR_USAGE, "'%s': expected a number after '='", o->fixed[k]);
        int st = dac_kinetics_model_find_parameter(c->m, key, &c->fixed[k]);
        if (st)
            return st;
    }
    c->n_fixed = o->n_fixed;
    return DAC_OK;
}

static cJSON *record(const sweep_ctx *c, const char *const *keys, const dac_sweep_axis *ax,
                     const dac_kinetics_sweep_options *o, const char *text, size_t *n_conv,
                     const dac_provenance *prov)
{
    cJSON *rec = dac_json_record("dac kinetics sweep", prov);
    if (!rec)
        return NULL;
    kin_json_model(rec, c->m);
    cJSON *axes = cJSON_AddArrayToObject(rec, "axes");
    for (size_t k = 0; k < c->n_axes; k++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddItemToArray(axes, a);
        dac_json_string(a, "key", keys[k]);
        dac_json_number(a, "from", ax[k].lo, NULL);
        dac_json_number(a, "to", ax[k].hi, NULL);
        dac_json_number(a, "step", ax[k].step, NULL);
        dac_json_count(a, "points", ax[k].n);
    }
    cJSON *fx = cJSON_AddArrayToObject(rec, "fixed");
    for (size_t k = 0; k < o->n_fixed; k++)
        cJSON_AddItemToArray(fx, dac_json_create_string(o->fixed[k]));
    dac_json_string(rec, "verification", o->verify == DAC_KINETICS_VERIFY_ALWAYS ? "always"
                    : o->verify == DAC_KINETICS_VERIFY_COLD ? "cold" : "never");
    dac_json_count(rec, "warm_start_chain_points", KIN_CHAIN);
    /* the converged column is the first after the axes, and no field before it is
     * quoted, so counting commas finds it (rows of 10⁶ points need no CSV parse) */
    size_t n = 0, ok = 0;
    cJSON *bad = cJSON_AddArrayToObject(rec, "unconverged_points");
    const char *line = strchr(text, '\n');
    while (line && line[1]) {
        const char *f = line + 1;
        for (size_t k = 0; k < c->n_axes && f; k++) {
            const char *comma = strchr(f, ',');
            f = comma ? comma + 1 : NULL;
        }
        if (f && f[0] == '1' && f[1] == ',')
            ok++;
        else if (cJSON_GetArraySize(bad) < 1000)
            cJSON_AddItemToArray(bad, cJSON_CreateNumber((double)n));
        n++;
        line = strchr(line + 1, '\n');
    }
    dac_json_count(rec, "points", n);
    dac_json_count(rec, "converged", ok);
    *n_conv = ok;
    return rec;
}

static int write_set(const sweep_ctx *c, const char *csv_path, const char *text, size_t len,
                     const char *const *keys, const dac_sweep_axis *ax,
                     const dac_kinetics_sweep_options *o, const dac_provenance *prov, size_t *n_conv)
{
    char dir[4096], base[1024], name[1100];
    int st = kin_split_path(csv_path, ".csv", dir, sizeof dir, base, sizeof base);
    if (st)
        return st;
    dac_outset *set = NULL;
    FILE *f;
    st = dac_outset_create_beside(dir, &set);
    snprintf(name, sizeof name, "%s.csv", base);
    if (st == DAC_OK && (st = dac_outset_open(set, name, &f)) == DAC_OK)
        fwrite(text, 1, len, f);
    cJSON *rec = st ? NULL : record(c, keys, ax, o, text, n_conv, prov);
    snprintf(name, sizeof name, "%s.json", base);
    if (st == DAC_OK)
        st = rec ? dac_outset_json(set, name, rec) : dac_error(DAC_ERR_NOMEM, "out of memory");
    cJSON_Delete(rec);
    if (st == DAC_OK && o->plot != DAC_KINETICS_PLOT_NONE) {
        dac_csv *tab = NULL; /* the figure is drawn from the table as written */
        if ((st = dac_csv_parse(text, len, csv_path, &tab)) == DAC_OK)
            st = kin_sweep_plot(set, base, c->m, tab, o);
        dac_csv_free(tab);
    }
    return set ? dac_outset_finish(set, st) : st;
}

static void free_workers(worker *w)
{
    for (size_t i = 0; w && i < KIN_MAX_WORKERS; i++) {
        dac_kinetics_result_free(w[i].r);
        dac_kinetics_solver_free(w[i].s);
    }
    free(w);
}

int dac_kinetics_sweep(const dac_kinetics_model *m, const char *const *keys, size_t n_axes,
                       const dac_kinetics_sweep_options *o, const char *csv_path,
                       const dac_provenance *prov, dac_progress_fn progress, void *user_data,
                       size_t *n_points, size_t *n_converged)
{
    size_t dummy;
    n_points = n_points ? n_points : &dummy;
    n_converged = n_converged ? n_converged : &dummy;
    *n_points = *n_converged = 0;
    if (!m || !o || !csv_path || n_axes == 0 || n_axes > KIN_MAX_AXES)
        return dac_error(DAC_ERR_USAGE, "sweep: a model, 1 to %d axes and an output are needed", KIN_MAX_AXES);
    int st = dac_kinetics_model_validate((dac_kinetics_model *)m);
    if (st)
        return st;
    if (o->plot != DAC_KINETICS_PLOT_NONE && n_axes != 1)
        return dac_error(DAC_ERR_USAGE, "a sweep figure needs exactly one --vary axis");
    sweep_ctx c = {.m = m, .verify = o->verify, .n_axes = n_axes};
    dac_sweep_axis ax[KIN_MAX_AXES];
    for (size_t k = 0; k < n_axes; k++) {
        if ((st = dac_sweep_parse_axis(keys[k], &ax[k])))
            return st;
        if ((st = dac_kinetics_model_find_parameter(m, ax[k].key, &c.axis[k]))) {
            char why[512];
            snprintf(why, sizeof why, "%s", dac_last_error());
            return dac_error(DAC_ERR_USAGE, "--vary %s: %s", keys[k], why);
        }
    }
    const char *names[KIN_MAX_AXES];
    for (size_t k = 0; k < n_axes; k++)
        names[k] = ax[k].key;
    if ((st = parse_fixed(&c, o)))
        return st;
    c.n_last = ax[n_axes - 1].n;
    char *head = NULL, *text = NULL;
    size_t len = 0;
    FILE *mem = NULL;
    dac_sweep *grid = NULL;
    c.w = calloc(KIN_MAX_WORKERS, sizeof *c.w);
    st = c.w ? dac_sweep_create(ax, n_axes, 1, &grid) : dac_error(DAC_ERR_NOMEM, "out of memory");
    c.grid = grid;
    st = st ? st : header(&c, names, &head);
    if (st == DAC_OK && !(mem = open_memstream(&text, &len)))
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    if (st == DAC_OK) {
        *n_points = dac_sweep_size(grid);
        st = dac_sweep_run(grid, point, &c, o->n_threads, head, mem, progress, user_data);
    }
    if (mem && fclose(mem) && st == DAC_OK)
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    free_workers(c.w);
    if (st == DAC_OK && dac_sweep_is_root())
        st = write_set(&c, csv_path, text, len, names, ax, o, prov, n_converged);
    free(head);
    free(text);
    dac_sweep_free(grid);
    return st;
}
