/*
 * stage_explain.c — the study's "explain" stage (dac kinetics).
 */
#include "dac/core.h"
#include "report/study_internal.h"

int report_explain_inputs(const dac_report_study *s, const char *outdir, report_list *inputs)
{
    (void)s, (void)outdir, (void)inputs;
    return DAC_OK;
}

int report_explain_stage(report_stage *st)
{
    (void)st;
    return dac_error(DAC_ERR_RUNTIME, "this build of dac has no kinetics module (dac kinetics)");
}
