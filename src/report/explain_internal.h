/*
 * explain_internal.h — what the two files of the explain stage share (private to
 * src/report): stage_explain.c (CO₂ → CO and the outcomes' activity) and
 * stage_explain_more.c (the HER volcano, the photocatalytic TON curves).
 */
#ifndef DAC_REPORT_EXPLAIN_INTERNAL_H
#define DAC_REPORT_EXPLAIN_INTERNAL_H

#include <stddef.h>

#include "dac/kinetics.h"
#include "dac/struct.h"
#include "report/study_internal.h"

/* A structure file read and analysed once for the whole stage: the CO₂ outcomes and
 * the HER outcomes ask for the same files. */
typedef struct {
    char *path;
    dac_structure *s;
    dac_site_analysis *an;
} explain_analysed;

/* The stage being run and its progress in parts (one per sweep, steady state set,
 * transient …), and the structures analysed so far. */
typedef struct {
    report_stage *st;
    size_t part, n_parts;
    explain_analysed *done;
    size_t n_done, cap_done;
} explain_ctx;

/* One more part done; DAC_ERR_RUNTIME when the caller asked to stop. */
int explain_part_progress(explain_ctx *x);
/* A mechanism file read and validated. */
int explain_load(const char *path, dac_kinetics_model **m);
/* Index of the product named name; −1 if the model has none. */
long explain_product(const dac_kinetics_model *m, const char *name);

/* The first rule whose fnmatch pattern matches a coordination label; −1 if none. */
long explain_match(const report_site_rule *rules, size_t n_rules, const char *label);
/* Calls fn with the label of every site of every seed's structure of an outcome (as
 * `dac struct analyze` finds them); *atoms gets the atoms of those sites, of element Z
 * when Z > 0. Errors name the outcome. */
typedef void (*explain_site_fn)(const char *label, void *user_data);
int explain_outcome_sites(explain_ctx *x, const report_outcome *o, int Z, explain_site_fn fn,
                          void *user_data, size_t *atoms);

int explain_her(explain_ctx *x);
int explain_photo(explain_ctx *x);

#endif
