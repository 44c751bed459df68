/*
 * kin_output.h — what the writers of src/kinetics share (private): the JSON blocks
 * every record carries (mechanism, checks), rate units, and "OUT.csv" path splitting.
 */
#ifndef DAC_KIN_OUTPUT_H
#define DAC_KIN_OUTPUT_H

#include <cjson/cJSON.h>

#include "core/csv.h"
#include "core/outset.h"

#include "kinetics/kin_solver.h"

/* A sampled time course (transient.c fills it, transient_write.c writes it). */
struct dac_kinetics_transient {
    const dac_kinetics_model *m;
    size_t n_points, n_states, n_products;
    int log_spacing;
    double t_end;
    double *t, *theta, *tof, *ton;
    double balance_error;
};

const char *kin_check_name(dac_kinetics_check c);
/* "_per_s" (surface, per ensemble) or "_mol_per_L_s" (dissolved). */
const char *kin_rate_unit(const dac_kinetics_model *m);
void kin_json_model(cJSON *root, const dac_kinetics_model *m);
cJSON *kin_json_checks(cJSON *root, const dac_kinetics_checks *c, double tol);
/* Splits "dir/OUT.ext" into dir ("." when none) and OUT; DAC_ERR_USAGE unless path
 * ends in ext (".csv", ".svg"). */
int kin_split_path(const char *path, const char *ext, char *dir, size_t dir_size, char *base,
                   size_t base_size);

/* The figure OUT-<kind>.* of a one-axis sweep, drawn from its table (sweep_plot.c). */
int kin_sweep_plot(dac_outset *set, const char *base, const dac_kinetics_model *m, const dac_csv *tab,
                   const dac_kinetics_sweep_options *o);

#endif
