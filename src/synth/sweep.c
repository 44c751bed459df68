/*
 * sweep.c — `dac synth sweep`: one recipe on a grid of --vary axes and repeats,
 * through core's sweep runner (threads, MPI ranks), one CSV row per run.
 *
 * Each point reads the recipe text afresh with its overrides (--set, then the axis
 * values), so points share nothing mutable and may run on any thread. Run i uses seed
 * base + i, printed in its row: `dac synth RECIPE --seed S --set KEY=value` reruns it
 * alone and gives the same numbers. Rows carry no wall time, so the file is the same
 * bytes whatever the number of threads or ranks.
 */
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/io.h"
#include "core/json.h"
#include "core/outset.h"
#include "core/sweep.h"
#include "synth/synth_internal.h"

#define RESULT_COLUMNS "events,sim_time_s,metal_atoms,single,pair,cluster,pairs_homo," \
                       "pairs_hetero,purity_site,purity_atom,hetero_purity_site,mean_shell_N_pairs," \
                       "mean_shell_N_sites,max_cluster_size,top_label,top_pair_label,first_passage_jumps"

typedef struct {
    const char *text, *name;
    size_t len;
    const dac_synth_sweep_options *opt;
    const dac_sweep *sweep;
} sweep_ctx;

/* A growing text line. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} line;

static void add(line *l, const char *text)
{
    size_t k = strlen(text);
    if (l->n + k + 2 > l->cap) {
        size_t cap = 2 * (l->n + k + 2) + 64;
        char *p = realloc(l->s, cap);
        if (!p) {
            l->oom = 1;
            return;
        }
        l->s = p;
        l->cap = cap;
    }
    memcpy(l->s + l->n, text, k + 1);
    l->n += k;
}

static void add_number(line *l, double v, int comma)
{
    char buf[40] = "";
    if (isfinite(v))
        dac_format_double(buf, sizeof buf, v);
    add(l, buf);
    if (comma)
        add(l, ",");
}

static void add_count(line *l, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu,", (unsigned long long)v);
    add(l, buf);
}

/* The --set overrides followed by "KEY=value" for the point's axis values. */
static char **point_overrides(const dac_synth_sweep_options *o, const dac_sweep *s, const double *values)
{
    size_t n_ax = dac_sweep_axes(s);
    char **ov = calloc(o->n_overrides + n_ax + 1, sizeof *ov);
    for (size_t k = 0; ov && k < o->n_overrides; k++)
        ov[k] = (char *)o->overrides[k];
    for (size_t k = 0; ov && k < n_ax; k++) {
        char num[40];
        dac_format_double(num, sizeof num, values[k]);
        size_t len = strlen(dac_sweep_axis_at(s, k)->key) + strlen(num) + 2;
        char *kv = malloc(len);
        if (!kv) {
            while (k-- > 0)
                free(ov[o->n_overrides + k]);
            free(ov);
            return NULL;
        }
        snprintf(kv, len, "%s=%s", dac_sweep_axis_at(s, k)->key, num);
        ov[o->n_overrides + k] = kv;
    }
    return ov;
}

static void free_overrides(const dac_synth_sweep_options *o, const dac_sweep *s, char **ov)
{
    for (size_t k = 0; ov && k < dac_sweep_axes(s); k++)
        free(ov[o->n_overrides + k]);
    free(ov);
}

static int run_point(const sweep_ctx *c, size_t index, const double *values, dac_synth_result **out)
{
    const dac_synth_sweep_options *o = c->opt;
    char **ov = point_overrides(o, c->sweep, values);
    if (!ov)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    dac_synth_params p;
    int st = dac_synth_recipe_parse(c->text, c->len, c->name, (const char *const *)ov,
                                    o->n_overrides + dac_sweep_axes(c->sweep), &p);
    free_overrides(o, c->sweep, ov);
    dac_synth_engine *e = NULL;
    if (st == DAC_OK)
        st = dac_synth_engine_create(&p, o->seed + index, &e);
    if (st == DAC_OK)
        st = dac_synth_engine_run(e, dac_synth_engine_end_s(e));
    if (st == DAC_OK)
        st = dac_synth_engine_result(e, out);
    dac_synth_engine_free(e);
    return st;
}

static int point_fn(size_t index, const double *values, size_t repeat, int worker, void *vctx, char **row)
{
    (void)worker;
    const sweep_ctx *c = vctx;
    size_t n_ax = dac_sweep_axes(c->sweep);
    dac_synth_result *r = NULL;
    int st = run_point(c, index, values, &r);
    if (st)
        return st;
    line l = {0};
    add_count(&l, index);
    add_count(&l, repeat);
    add_count(&l, c->opt->seed + index);
    for (size_t k = 0; k < n_ax; k++)
        add_number(&l, values[k], 1);
    add_count(&l, r->events);
    add_number(&l, r->sim_time_s, 1);
    add_count(&l, r->n_metal_atoms);
    add_count(&l, r->count[DAC_SITE_SINGLE]);
    add_count(&l, r->count[DAC_SITE_PAIR]);
    add_count(&l, r->count[DAC_SITE_CLUSTER]);
    add_count(&l, r->pairs_homo);
    add_count(&l, r->pairs_hetero);
    add_number(&l, r->purity_site, 1);
    add_number(&l, r->purity_atom, 1);
    add_number(&l, r->hetero_purity_site, 1);
    add_number(&l, r->mean_shell_N_pairs, 1);
    add_number(&l, r->mean_shell_N_sites, 1);
    add_count(&l, r->max_cluster_size);
    const char *top = dac_synth_result_top_label(r, 0), *top_pair = dac_synth_result_top_label(r, DAC_SITE_PAIR);
    add(&l, top ? top : "");
    add(&l, ",");
    add(&l, top_pair ? top_pair : "");
    add(&l, ",");
    char jumps[32];
    snprintf(jumps, sizeof jumps, "%llu", (unsigned long long)r->fp_jumps);
    add(&l, jumps);
    dac_synth_result_free(r);
    if (l.oom) {
        free(l.s);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    *row = l.s;
    return DAC_OK;
}

static char *make_header(const dac_sweep *s)
{
    line l = {0};
    add(&l, "index,repeat,seed,");
    for (size_t k = 0; k < dac_sweep_axes(s); k++) {
        add(&l, dac_sweep_axis_at(s, k)->key);
        add(&l, ",");
    }
    add(&l, RESULT_COLUMNS);
    if (l.oom) {
        free(l.s);
        return NULL;
    }
    return l.s;
}

static cJSON *sweep_record(const dac_synth_sweep_options *o, const dac_sweep *s, size_t runs,
                           const dac_provenance *prov)
{
    cJSON *root = dac_json_record("dac synth sweep", prov);
    if (!root)
        return NULL;
    dac_json_string(root, "recipe", o->recipe);
    cJSON *ov = cJSON_AddArrayToObject(root, "overrides");
    for (size_t k = 0; k < o->n_overrides; k++)
        cJSON_AddItemToArray(ov, dac_json_create_string(o->overrides[k]));
    cJSON *axes = cJSON_AddArrayToObject(root, "axes");
    for (size_t k = 0; k < dac_sweep_axes(s); k++) {
        const dac_sweep_axis *a = dac_sweep_axis_at(s, k);
        cJSON *j = cJSON_CreateObject();
        dac_json_string(j, "key", a->key);
        dac_json_number(j, "from", a->lo, NULL);
        dac_json_number(j, "to", a->hi, NULL);
        dac_json_number(j, "step", a->step, NULL);
        dac_json_count(j, "points", a->n);
        cJSON_AddItemToArray(axes, j);
    }
    dac_json_count(root, "repeats", o->repeats);
    dac_json_uint64(root, "seed", o->seed);
    dac_json_count(root, "runs", runs);
    dac_json_count(root, "mpi_ranks", (size_t)dac_sweep_ranks()); /* how it ran; not the result */
    cJSON_AddStringToObject(root, "seeds", "run i (column index) used seed + i (column seed)");
    cJSON_AddStringToObject(root, "nulls", "an empty cell is an undefined statistic (no sites, no pairs)");
    return root;
}

/* OUT.csv, OUT.json and the figure OUT_figure.* beside it, as one set (rank 0). */
static int write_outputs(const char *out_csv, const char *csv, size_t len, const cJSON *rec,
                         const dac_sweep *s, const char *recipe)
{
    const char *slash = strrchr(out_csv, '/');
    const char *file = slash ? slash + 1 : out_csv;
    char dir[4096], base[4096 - 16], json_name[4096], fig[4096];
    dac_outset *set = NULL;
    int st = dac_path_split(out_csv, 4, dir, sizeof dir, base, sizeof base);
    if (st == DAC_OK) { /* OUT.csv → OUT.json, OUT_figure.* */
        snprintf(json_name, sizeof json_name, "%s.json", base);
        snprintf(fig, sizeof fig, "%s_figure", base);
        st = dac_outset_create_beside(dir, &set);
    }
    FILE *f;
    if (st == DAC_OK && (st = dac_outset_open(set, file, &f)) == DAC_OK && fwrite(csv, 1, len, f) != len)
        st = dac_error(DAC_ERR_RUNTIME, "%s: write error", out_csv);
    if (st == DAC_OK)
        st = dac_outset_json(set, json_name, rec);
    if (st == DAC_OK) {
        const char *base = strrchr(recipe, '/');
        char title[512];
        snprintf(title, sizeof title, "dac synth sweep of %s", base ? base + 1 : recipe);
        st = synth_sweep_figure(csv, len, s, set, fig, title);
    }
    if (set)
        st = dac_outset_finish(set, st);
    return st;
}

static int parse_axes(const dac_synth_sweep_options *o, dac_sweep **out)
{
    dac_sweep_axis *axes = calloc(o->n_vary ? o->n_vary : 1, sizeof *axes);
    if (!axes)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    int st = DAC_OK;
    for (size_t k = 0; st == DAC_OK && k < o->n_vary; k++)
        st = dac_sweep_parse_axis(o->vary[k], &axes[k]);
    if (st == DAC_OK)
        st = dac_sweep_create(axes, o->n_vary, o->repeats, out);
    free(axes);
    return st;
}

int dac_synth_sweep(const dac_synth_sweep_options *o, const char *out_csv,
                    const dac_provenance *prov, dac_progress_fn progress, void *user_data,
                    size_t *runs)
{
    if (!o || !o->recipe || !out_csv)
        return dac_error(DAC_ERR_USAGE, "dac_synth_sweep: NULL argument");
    size_t n = strlen(out_csv);
    if (n < 5 || strcmp(out_csv + n - 4, ".csv"))
        return dac_error(DAC_ERR_USAGE, "%s: the sweep output must end in .csv", out_csv);
    dac_sweep *s = NULL;
    char *text = NULL, *header = NULL, *csv = NULL;
    size_t len = 0, csv_len = 0;
    int st = parse_axes(o, &s);
    if (st == DAC_OK)
        st = dac_read_file(o->recipe, (size_t)64 << 20, &text, &len);
    /* every point must read: try the corners of the grid before the long run */
    sweep_ctx c = {text, o->recipe, len, o, s};
    if (st == DAC_OK && !(header = make_header(s)))
        st = dac_error(DAC_ERR_NOMEM, "out of memory");
    for (size_t corner = 0; st == DAC_OK && corner < 2; corner++) {
        double v[64];
        if (dac_sweep_axes(s) > 64) {
            st = dac_error(DAC_ERR_USAGE, "sweep: at most 64 --vary axes");
            break;
        }
        dac_sweep_point(s, corner ? dac_sweep_size(s) - 1 : 0, v, NULL);
        char **ov = point_overrides(o, s, v);
        dac_synth_params p;
        st = ov ? dac_synth_recipe_parse(text, len, o->recipe, (const char *const *)ov,
                                         o->n_overrides + dac_sweep_axes(s), &p)
                : dac_error(DAC_ERR_NOMEM, "out of memory");
        free_overrides(o, s, ov);
    }
    FILE *mem = NULL;
    if (st == DAC_OK && dac_sweep_is_root() && !(mem = open_memstream(&csv, &csv_len)))
        st = dac_error(DAC_ERR_NOMEM, "out of memory for the sweep table");
    /* all ranks enter the runner (it holds collective calls), whatever went wrong above
     * on one of them; the checks above depend only on the inputs, which all ranks read */
    if (st == DAC_OK)
        st = dac_sweep_run(s, point_fn, &c, o->n_threads, header, mem, progress, user_data);
    if (mem)
        fclose(mem);
    if (st == DAC_OK && dac_sweep_is_root()) {
        cJSON *rec = sweep_record(o, s, dac_sweep_size(s), prov);
        st = rec ? write_outputs(out_csv, csv, csv_len, rec, s, o->recipe) : dac_error(DAC_ERR_NOMEM, "out of memory");
        cJSON_Delete(rec);
    }
    if (st == DAC_OK && runs)
        *runs = dac_sweep_size(s);
    free(csv);
    free(header);
    free(text);
    dac_sweep_free(s);
    return st;
}
