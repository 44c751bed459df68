/*
 * write.c — the output set of one synthesis: summary.json (record "dac synth"),
 * timeseries.csv, final.extxyz, final.png and snapshot_K.extxyz, written all or
 * nothing through core's output set.
 *
 * Reproducibility: every file is the same bytes for the same seed and build, except the
 * two timing fields of summary.json (wall_s, events_per_s), which the record says.
 */
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/json.h"
#include "core/outset.h"
#include "struct/struct_internal.h"
#include "synth/synth_internal.h"

static void add_counts(cJSON *root, const dac_synth_result *r)
{
    cJSON *c = cJSON_AddObjectToObject(root, "counts");
    dac_json_count(c, "single", r->count[DAC_SITE_SINGLE]);
    dac_json_count(c, "pair", r->count[DAC_SITE_PAIR]);
    dac_json_count(c, "cluster", r->count[DAC_SITE_CLUSTER]);
    cJSON *pairs = cJSON_AddObjectToObject(root, "pairs");
    dac_json_count(pairs, "homo", r->pairs_homo);
    dac_json_count(pairs, "hetero", r->pairs_hetero);
    cJSON *pur = cJSON_AddObjectToObject(root, "purity");
    dac_json_number(pur, "site", r->purity_site, "no metal sites");
    dac_json_number(pur, "atom", r->purity_atom, "no metal atoms");
    dac_json_number(pur, "hetero_site", r->hetero_purity_site, "no metal sites");
    cJSON *sh = cJSON_AddObjectToObject(root, "mean_shell_N");
    dac_json_number(sh, "pairs", r->mean_shell_N_pairs, "no pair sites");
    dac_json_number(sh, "sites", r->mean_shell_N_sites, "no metal sites");
    cJSON *top = cJSON_AddObjectToObject(root, "most_frequent_label");
    dac_json_string(top, "any", dac_synth_result_top_label(r, 0));
    dac_json_string(top, "pair", dac_synth_result_top_label(r, DAC_SITE_PAIR));
    cJSON *sizes = cJSON_AddObjectToObject(root, "cluster_sizes");
    for (size_t n = 1; r->cluster_size_count && n <= r->max_cluster_size; n++)
        if (r->cluster_size_count[n]) {
            char key[32];
            snprintf(key, sizeof key, "%zu", n);
            dac_json_count(sizes, key, r->cluster_size_count[n]);
        }
    cJSON *mm = cJSON_AddObjectToObject(root, "mm_distance_A");
    cJSON_AddStringToObject(mm, "what", "each metal's nearest other metal, 3-D, as in final.extxyz");
    dac_json_number(mm, "bin_A", r->mm_bin_A, NULL);
    dac_json_counts(mm, "counts", r->mm_count, r->n_mm_bins);
    dac_json_count(mm, "beyond", r->mm_beyond);
    dac_json_number(mm, "pair_mean_A", r->mm_pair_distance_A, "no pair sites");
    cJSON *coord = cJSON_AddObjectToObject(root, "coordination");
    for (size_t k = 0; k < r->n_labels; k++)
        dac_json_count(coord, r->labels[k].label, r->labels[k].count);
}

static void add_program(cJSON *root, const dac_synth_params *p)
{
    cJSON *t = cJSON_AddObjectToObject(root, "temperature_program");
    dac_json_number(t, "start_K", p->start_K, NULL);
    dac_json_number(t, "step_K", p->step_K, NULL);
    dac_json_number(t, "duration_s", dac_synth_params_duration_s(p), NULL);
    cJSON *segs = cJSON_AddArrayToObject(t, "segments");
    for (size_t i = 0; i < p->n_segments; i++) {
        cJSON *s = cJSON_CreateObject();
        if (p->segment[i].ramp_K_per_min > 0) {
            dac_json_number(s, "ramp_K_per_min", p->segment[i].ramp_K_per_min, NULL);
            dac_json_number(s, "to_K", p->segment[i].to_K, NULL);
        } else {
            dac_json_number(s, "hold_s", p->segment[i].hold_s, NULL);
        }
        cJSON_AddItemToArray(segs, s);
    }
}

static cJSON *summary(const dac_synth_engine *e, const dac_synth_result *r, const dac_provenance *prov)
{
    cJSON *root = dac_json_record("dac synth", prov);
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "route", dac_synth_route_name(r->route));
    dac_json_uint64(root, "seed", r->seed);
    dac_json_uint64(root, "events", r->events);
    dac_json_number(root, "sim_time_s", r->sim_time_s, NULL);
    dac_json_number(root, "wall_s", r->wall_s, NULL);
    dac_json_number(root, "events_per_s", r->events_per_s, "no time measured");
    cJSON_AddStringToObject(root, "reproducibility", "same seed, same bytes in every file "
                            "except wall_s and events_per_s");
    size_t sites = e->p.sites_per_side * e->p.sites_per_side;
    dac_json_number(root, "engine_bytes_per_site", (double)dac_synth_engine_bytes(e) / (double)sites, NULL);
    cJSON *ev = cJSON_AddObjectToObject(root, "events_by_kind");
    static const char *kinds[6] = {"hop", "arrival", "n_loss", "ligand", "complex_hop", "first_passage_jump"};
    for (int k = 0; k < 6; k++)
        dac_json_uint64(ev, kinds[k], r->events_by_kind[k]);
    dac_json_uint64(ev, "null", r->null_events);
    cJSON *fp = cJSON_AddObjectToObject(root, "first_passage");
    dac_json_bool(fp, "enabled", e->p.first_passage);
    dac_json_uint64(fp, "jumps", r->fp_jumps);
    dac_json_uint64(fp, "bursts", r->fp_bursts);
    dac_json_number(root, "temperature_end_K", r->temperature_K, NULL);
    cJSON *at = cJSON_AddObjectToObject(root, "atoms");
    dac_json_count(at, "on_lattice", r->n_metal_atoms);
    dac_json_count(at, "not_arrived", r->atoms_waiting);
    dac_json_count(at, "in_intact_complexes", r->complexes_held);
    add_counts(root, r);
    add_program(root, &e->p);
    cJSON *par = cJSON_AddObjectToObject(root, "parameters");
    synth_params_json(&e->p, par);
    cJSON_AddStringToObject(root, "calibration",
                            "denitrogenation.activation_min_eV and activation_width_eV are "
                            "calibrated to the review's Ni2-N7 / Ni2-N5C2 / Ni2-N3C4 at 700 / "
                            "800 / 900 °C (docs/synth.md); every other default carries a source "
                            "or is an assumption");
    return root;
}

static int write_timeseries(const dac_synth_engine *e, FILE *f)
{
    fputs("time_s,temperature_K,single,pair,cluster,pairs_hetero,purity_site,purity_atom,"
          "mean_shell_N_pairs,mean_shell_N_sites,metal_atoms,walkers_in_domains,events\n", f);
    for (size_t i = 0; i < e->n_samples; i++) {
        const synth_sample *s = &e->samples[i];
        double v[13] = {s->t_s, s->T_K, (double)s->count[1], (double)s->count[2],
                        (double)s->count[3], (double)s->pairs_hetero, s->purity_site,
                        s->purity_atom, s->mean_shell_N_pairs, s->mean_shell_N_sites,
                        (double)s->atoms, (double)s->protected_atoms, (double)s->events};
        for (int k = 0; k < 13; k++)
            dac_csv_write_number(f, v[k], k == 12);
    }
    return ferror(f) ? dac_error(DAC_ERR_RUNTIME, "timeseries.csv: write error") : DAC_OK;
}

static int write_structure(dac_outset *set, const char *name, const dac_structure *s)
{
    FILE *f;
    int st = dac_outset_open(set, name, &f);
    return st ? st : struct_write_extxyz(f, s);
}

static int write_members(const dac_synth_engine *e, dac_outset *set, const dac_provenance *prov)
{
    dac_synth_result *r = NULL;
    dac_structure *s = NULL;
    FILE *f;
    int st = dac_synth_engine_result(e, &r);
    cJSON *rec = st == DAC_OK ? summary(e, r, prov) : NULL;
    if (st == DAC_OK)
        st = rec ? dac_outset_json(set, "summary.json", rec) : dac_error(DAC_ERR_NOMEM, "out of memory");
    if (st == DAC_OK && (st = dac_outset_open(set, "timeseries.csv", &f)) == DAC_OK)
        st = write_timeseries(e, f);
    if (st == DAC_OK && (st = synth_snapshot(e, &s)) == DAC_OK)
        st = write_structure(set, "final.extxyz", s);
    if (st == DAC_OK && (st = dac_outset_open(set, "final.png", &f)) == DAC_OK)
        st = synth_write_png(e, f, "final.png");
    for (size_t k = 0; st == DAC_OK && k < e->n_snaps; k++) {
        char name[64];
        snprintf(name, sizeof name, "snapshot_%03zu.extxyz", k);
        if (e->snaps[k])
            st = write_structure(set, name, e->snaps[k]);
    }
    cJSON_Delete(rec);
    dac_synth_result_free(r);
    dac_structure_free(s);
    return st;
}

int dac_synth_write(const dac_synth_engine *e, const char *outdir, const dac_provenance *prov)
{
    if (!e || !outdir)
        return dac_error(DAC_ERR_USAGE, "dac_synth_write: NULL argument");
    dac_outset *set;
    int st = dac_outset_create(outdir, &set);
    if (st)
        return st;
    return dac_outset_finish(set, write_members(e, set, prov));
}
