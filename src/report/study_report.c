/*
 * study_report.c — OUTDIR/report.html assembled from what the stage folders hold.
 *
 * The page opens with what the study asks and how to run it again, then each stage's
 * fragment (its part of the page, written when the stage ran: see fragment.c) in the
 * order the stages run, then the closing sections the fragments fed (the review's
 * figures beside the model's, the assumptions) and the study file itself, folded.
 * Nothing is computed here: a stage kept from an earlier run contributes the fragment
 * it wrote then, which is what it would write now (same stamp, same bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/io.h"
#include "dac/core.h"
#include "report/report_internal.h"
#include "report/study_internal.h"

static const char *const stage_what[REPORT_N_STAGES] = {
    "make — how the route and the temperature decide what sits on the support "
    "(`dac synth`: kinetic Monte Carlo of the synthesis)",
    "see — whether a HAADF-STEM count would tell (`dac stem simulate`, `dac stem count`)",
    "explain — what the sites do, and the activity each outcome predicts (`dac kinetics`)"};

/* "make — …; see — …; and explain — …" for the stages the study has. */
static void stage_list(const dac_report_study *s, char *buf, size_t size)
{
    size_t n = dac_report_study_stage_count(s), w = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && w < size; i++)
        w += (size_t)snprintf(buf + w, size - w, "%s%s", i == 0 ? "" : i + 1 == n ? "; and " : "; ",
                              stage_what[report_study_stage_id(s, i)]);
}

static int intro(dac_report *r, const dac_report_study *s, const char *outdir)
{
    char text[2400], list[1600];
    stage_list(s, list, sizeof list);
    int rc = dac_report_add_heading(r, 2, "What this study asks");
    snprintf(text, sizeof text,
             "Dual-atom catalysts hold two metal atoms a few ångström apart; the review that "
             "started dac (Zhong et al., Acc. Chem. Res. 2025, 58, 1379) argues that how they "
             "are made decides whether a sample holds pairs or a mixture of single atoms, pairs "
             "and particles, that microscope images are the evidence, and that pairs are what "
             "makes them active. This page puts numbers on each link of that chain, in %zu "
             "stage%s: %s.", dac_report_study_stage_count(s),
             dac_report_study_stage_count(s) == 1 ? "" : "s", list);
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(r, text);
    const char *study = !strcmp(s->name, report_study_default_name()) ? NULL : s->name;
    char which[1200];
    if (study)
        snprintf(which, sizeof which, "the study `%s`", study);
    else
        snprintf(which, sizeof which, "the built-in default study (its text is `%s/study.yaml`, "
                 "and at the end of this page)", outdir);
    snprintf(text, sizeof text,
             "Everything here was computed by dac from %s%s; every figure's data, its gnuplot "
             "script and every intermediate file are in the folders beside this page. Each part "
             "ends with the command that reproduces it. The whole page, with the same seed, "
             "comes back byte for byte (but for the time line) from:", which,
             s->quick ? ", in its quick form (`--quick`: the values of the study's `quick:` "
             "block, fewer seeds and sweep points)" : "");
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(r, text);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "dac run%s%s -o %s --seed %llu%s", study ? " " : "", study ? study : "",
             outdir, (unsigned long long)s->seed, s->quick ? " --quick" : "");
    if (rc == DAC_OK)
        rc = dac_report_add_command(r, cmd);
    return rc;
}

static int add_stage(dac_report *r, const dac_report_study *s, int k, const char *outdir)
{
    const char *name = report_stage_names[k];
    char *dir = dac_path_join(outdir, name), *path = dir ? dac_path_join(dir, "fragment.json") : NULL;
    char prefix[32];
    if (!dir || !path) {
        free(dir), free(path);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    snprintf(prefix, sizeof prefix, "%s/", name);
    int rc;
    if (access(path, F_OK) == 0) {
        rc = report_fragment_read(r, path, dir, prefix);
    } else {
        char text[400];
        snprintf(text, sizeof text, "Stage %s has no results in `%s` yet: it has not run, or it "
                 "failed (the error said why). Run the study again to fill this part.", name, dir);
        rc = dac_report_add_heading(r, 2, name);
        if (rc == DAC_OK)
            rc = dac_report_add_paragraph(r, text);
    }
    (void)s;
    free(dir), free(path);
    return rc;
}

int dac_report_study_write_report(const dac_report_study *s, const char *outdir, int64_t unix_s,
                                  const dac_provenance *prov)
{
    dac_report *r;
    int rc = dac_report_create(s->title, &r);
    if (rc != DAC_OK)
        return rc;
    dac_report_set_time(r, unix_s);
    if (s->subtitle)
        rc = dac_report_set_subtitle(r, s->subtitle);
    if (rc == DAC_OK)
        rc = intro(r, s, outdir);
    for (size_t i = 0; rc == DAC_OK && i < dac_report_study_stage_count(s); i++)
        rc = add_stage(r, s, report_study_stage_id(s, i), outdir);
    if (rc == DAC_OK) /* the review beside the model, and the assumptions, before the appendix */
        rc = dac_report_add_collected(r);
    if (rc == DAC_OK)
        rc = dac_report_add_heading(r, 2, "The study file");
    if (rc == DAC_OK)
        rc = dac_report_add_paragraph(r, "Every parameter above comes from this file or from the "
                                      "recipes and mechanisms it names; `docs/report.md` explains "
                                      "each key. Edit a copy and run it with `dac run`.");
    char summary[600];
    snprintf(summary, sizeof summary, "%s (%zu bytes)", s->name, s->len);
    if (rc == DAC_OK)
        rc = dac_report_add_listing(r, summary, s->text);
    char *path = dac_path_join(outdir, "report.html");
    if (path) {
        if (rc == DAC_OK)
            rc = dac_report_write(r, path, prov);
        free(path);
    } else if (rc == DAC_OK) {
        rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    dac_report_free(r);
    return rc;
}
