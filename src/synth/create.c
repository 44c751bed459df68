/*
 * create.c — making the kinetic Monte Carlo engine (engine.c runs it): the event
 * classes and their sets, the lattice storage, the temperature schedule and the
 * starting state; freeing it; snapshots, progress and the accessors. Cold code, apart
 * from the hot loop so that the loop's file reads as the algorithm.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth/ahead.h"

static int init_classes(dac_synth_engine *e)
{
    const dac_synth_params *p = &e->p;
    int z = e->g.z;
    e->n_bond_combos = 0;
    for (int b0 = 0; b0 <= z; b0++)
        for (int b1 = 0; b0 + b1 <= z; b1++) {
            e->combo[b0][b1] = (uint8_t)e->n_bond_combos;
            e->combo_b0[e->n_bond_combos] = (uint8_t)b0;
            e->combo_b1[e->n_bond_combos] = (uint8_t)b1;
            e->n_bond_combos++;
        }
    e->hop_base = 0;
    e->n_hop_classes = p->n_metals * SYNTH_N_CATEGORIES * e->n_bond_combos;
    double width = p->n_loss_activation_width_eV;
    e->n_bins = width > 0 ? (size_t)ceil(width / SYNTH_BIN_WIDTH_EV) : 1;
    if (e->n_bins > 255)
        e->n_bins = 255;
    e->bin_lo_eV = p->n_loss_activation_min_eV;
    e->bin_width_eV = width > 0 ? width / (double)e->n_bins : 1.0;
    e->nloss_base = e->n_hop_classes;
    e->ligand_class = e->nloss_base + e->n_bins;
    e->complex_hop_class = e->ligand_class + 1;
    e->arrival_base = e->complex_hop_class + 1;
    size_t n = e->arrival_base + p->n_metals;
    int st = synth_table_init(&e->table, n);
    e->hop_sets = calloc(e->n_hop_classes, sizeof *e->hop_sets);
    e->nloss_sets = calloc(e->n_bins, sizeof *e->nloss_sets);
    e->hop_bonds = calloc(e->n_hop_classes, 1);
    if (st || !e->hop_sets || !e->nloss_sets || !e->hop_bonds)
        return st ? st : dac_error(DAC_ERR_NOMEM, "synth: out of memory for the event table");
    for (size_t c = 0; c < e->n_hop_classes; c++) {
        e->table.cls[c] = (synth_class){SYNTH_EV_HOP, 0, &e->hop_sets[c], 0, 0};
        size_t combo = c % e->n_bond_combos;
        e->hop_bonds[c] = (uint8_t)(e->combo_b0[combo] + e->combo_b1[combo]);
    }
    for (size_t b = 0; b < e->n_bins; b++)
        e->table.cls[e->nloss_base + b] = (synth_class){SYNTH_EV_NLOSS, (int)b, &e->nloss_sets[b], 0, 0};
    e->table.cls[e->ligand_class] = (synth_class){SYNTH_EV_LIGAND, 0, &e->held, 0, 0};
    e->table.cls[e->complex_hop_class] = (synth_class){SYNTH_EV_COMPLEX_HOP, 0, &e->held, 0, 0};
    for (size_t m = 0; m < p->n_metals; m++)
        e->table.cls[e->arrival_base + m] = (synth_class){SYNTH_EV_ARRIVAL, (int)m, NULL, 0, 0};
    e->bytes += n * (sizeof(synth_class) + 2 * sizeof(double)) + e->n_hop_classes;
    return DAC_OK;
}

static int init_storage(dac_synth_engine *e)
{
    const dac_synth_params *p = &e->p;
    size_t sites = (size_t)e->g.L * (size_t)e->g.L, atoms = 2 * p->complexes;
    for (size_t m = 0; m < p->n_metals; m++)
        atoms += p->metal[m].atoms;
    size_t per = p->pocket_period_sites;
    size_t pockets = (per ? (sites / (per * per)) : p->pockets) + p->complexes;
    e->state = synth_big_alloc(sites, 0);
    e->atoms = synth_big_alloc((atoms ? atoms : 1) * sizeof *e->atoms, 0);
    e->pockets = calloc(pockets ? pockets : 1, sizeof *e->pockets);
    e->cap_atoms = atoms;
    e->cap_pockets = pockets;
    if (!e->state || !e->atoms || !e->pockets)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for a lattice of %zu sites", sites);
    e->site_atom = synth_big_alloc(sites * sizeof *e->site_atom, 0xFF);
    if (!e->site_atom)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for a lattice of %zu sites", sites);
    int st = synth_map_init(&e->pk, 2 * pockets);
    if (st)
        return st;
    if ((st = synth_ahead_create(e)))
        return st;
    e->bytes += sites * (1 + sizeof *e->site_atom) + atoms * sizeof *e->atoms +
                pockets * sizeof *e->pockets + (e->pk.mask + 1) * 2 * sizeof(uint32_t);
    if (p->first_passage) {
        size_t tiles = (size_t)e->g.TL * (size_t)e->g.TL;
        e->tile_atoms = calloc(tiles, sizeof *e->tile_atoms);
        e->tile_pockets = calloc(tiles, sizeof *e->tile_pockets);
        e->tile_owner = calloc(tiles, sizeof *e->tile_owner);
        if (!e->tile_atoms || !e->tile_pockets || !e->tile_owner)
            return dac_error(DAC_ERR_NOMEM, "synth: out of memory for the tile counts");
        e->bytes += tiles * (2 * sizeof(uint16_t) + sizeof(uint32_t));
    }
    return DAC_OK;
}

static int init_schedule(dac_synth_engine *e)
{
    int st = synth_program_build(&e->p, &e->steps, &e->n_steps);
    if (st)
        return st;
    e->t_end_s = e->steps[e->n_steps - 1].t1_s;
    e->kT_eV = DAC_KB_EV_PER_K * e->steps[0].T_K;
    e->cap_samples = e->p.timeseries_points;
    e->samples = calloc(e->cap_samples ? e->cap_samples : 1, sizeof *e->samples);
    if (!e->samples)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory for the time series");
    return DAC_OK;
}

int dac_synth_engine_create(const dac_synth_params *p, uint64_t seed, dac_synth_engine **out)
{
    if (!p || !out)
        return dac_error(DAC_ERR_USAGE, "dac_synth_engine_create: NULL argument");
    *out = NULL;
    int st = dac_synth_params_check(p);
    if (st)
        return st;
    dac_synth_engine *e = calloc(1, sizeof *e);
    if (!e)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory");
    e->p = *p;
    e->seed = seed;
    e->bytes = sizeof *e;
    e->ligand_class = e->complex_hop_class = SIZE_MAX;
    dac_rng_seed(&e->rng, seed);
    e->t_sched = NAN;
    synth_zig_init(&e->zig);
    synth_lattice_init(&e->g, p);
    int Z[DAC_SYNTH_MAX_METALS];
    for (size_t m = 0; m < p->n_metals; m++)
        Z[m] = p->metal[m].Z;
    if ((st = synth_geometry_check(&e->g, Z, p->n_metals)) || (st = init_storage(e)) ||
        (st = init_classes(e)) || (st = init_schedule(e)))
        goto fail;
    synth_update_rates(e);
    if (p->first_passage && (st = synth_fp_create(e, &e->fp)))
        goto fail;
    if ((st = synth_build(e)) || (st = e->failed))
        goto fail;
    synth_update_rates(e);
    *out = e;
    return DAC_OK;
fail:
    dac_synth_engine_free(e);
    return st;
}

void dac_synth_engine_free(dac_synth_engine *e)
{
    if (!e)
        return;
    for (size_t c = 0; c < e->n_hop_classes && e->hop_sets; c++)
        synth_set_free(&e->hop_sets[c]);
    for (size_t b = 0; b < e->n_bins && e->nloss_sets; b++)
        synth_set_free(&e->nloss_sets[b]);
    synth_set_free(&e->held);
    free(e->hop_sets);
    free(e->nloss_sets);
    free(e->hop_bonds);
    synth_table_free(&e->table);
    free(e->site_atom);
    free(e->ahead);
    synth_map_free(&e->pk);
    synth_fp_free(e->fp);
    for (size_t k = 0; k < e->n_snaps; k++)
        dac_structure_free(e->snaps[k]);
    free(e->snaps);
    free(e->snap_t);
    free(e->state);
    free(e->tile_atoms);
    free(e->tile_pockets);
    free(e->tile_owner);
    free(e->atoms);
    free(e->pockets);
    free(e->complexes);
    free(e->disc);
    free(e->steps);
    free(e->samples);
    free(e);
}

void dac_synth_engine_set_progress(dac_synth_engine *e, dac_progress_fn fn, void *user_data)
{
    e->progress = fn;
    e->progress_data = user_data;
}

int dac_synth_engine_set_snapshots(dac_synth_engine *e, size_t k)
{
    if (k > 1000)
        return dac_error(DAC_ERR_USAGE, "synth: at most 1000 snapshots, got %zu", k);
    for (size_t j = 0; j < e->n_snaps; j++)
        dac_structure_free(e->snaps[j]);
    free(e->snaps);
    free(e->snap_t);
    e->snaps = calloc(k ? k : 1, sizeof *e->snaps);
    e->snap_t = calloc(k ? k : 1, sizeof *e->snap_t);
    if (!e->snaps || !e->snap_t)
        return dac_error(DAC_ERR_NOMEM, "synth: out of memory");
    e->n_snaps = k;
    e->next_snap = 0;
    e->t_sched = NAN;
    for (size_t j = 0; j < k; j++)
        e->snap_t[j] = e->t_end_s * (double)j / (double)k;
    return DAC_OK;
}

double dac_synth_engine_time_s(const dac_synth_engine *e) { return synth_dd_value(e->t); }
double dac_synth_engine_end_s(const dac_synth_engine *e) { return e->t_end_s; }
const dac_synth_params *dac_synth_engine_params(const dac_synth_engine *e) { return &e->p; }

size_t dac_synth_engine_bytes(const dac_synth_engine *e)
{
    size_t b = e->bytes + e->n_steps * sizeof *e->steps + e->cap_samples * sizeof *e->samples;
    for (size_t c = 0; c < e->n_hop_classes; c++)
        b += e->hop_sets[c].cap * sizeof(synth_member);
    for (size_t c = 0; c < e->n_bins; c++)
        b += e->nloss_sets[c].cap * sizeof(synth_member);
    b += e->held.cap * sizeof(synth_member);
    return b + (e->fp ? synth_fp_bytes(e->fp) : 0);
}
