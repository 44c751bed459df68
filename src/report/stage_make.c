/*
 * stage_make.c — the study's "make" stage: synthesis runs and loading sweeps (dac synth).
 */
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"
#include "report/study_internal.h"

static int add_unique(report_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->item[i], path))
            return DAC_OK;
    return report_list_add(l, path);
}

int report_make_inputs(const dac_report_study *s, const char *outdir, report_list *inputs)
{
    (void)outdir;
    int st = DAC_OK;
    for (size_t i = 0; st == DAC_OK && i < s->make.n_runs; i++)
        st = add_unique(inputs, s->make.runs[i].recipe);
    for (size_t i = 0; st == DAC_OK && i < s->make.n_curves; i++)
        st = add_unique(inputs, s->make.curves[i].recipe);
    return st;
}

int report_make_stage(report_stage *st)
{
    (void)st;
    return dac_error(DAC_ERR_RUNTIME, "this build of dac has no synthesis module (dac synth)");
}
