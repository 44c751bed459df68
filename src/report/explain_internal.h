/*
 * explain_internal.h — what the two files of the explain stage share (private to
 * src/report): stage_explain.c (CO₂ → CO and the outcomes' activity) and
 * stage_explain_more.c (the HER volcano, the photocatalytic TON curves).
 */
#ifndef DAC_REPORT_EXPLAIN_INTERNAL_H
#define DAC_REPORT_EXPLAIN_INTERNAL_H

#include <stddef.h>

#include "dac/kinetics.h"
#include "report/study_internal.h"

/* The stage being run and its progress in parts (one per sweep, steady state set,
 * transient …). */
typedef struct {
    report_stage *st;
    size_t part, n_parts;
} explain_ctx;

/* One more part done; DAC_ERR_RUNTIME when the caller asked to stop. */
int explain_part_progress(explain_ctx *x);
/* A mechanism file read and validated. */
int explain_load(const char *path, dac_kinetics_model **m);
/* Index of the product named name; −1 if the model has none. */
long explain_product(const dac_kinetics_model *m, const char *name);

int explain_her(explain_ctx *x);
int explain_photo(explain_ctx *x);

#endif
