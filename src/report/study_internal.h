/*
 * study_internal.h — the study behind `dac run`, shared by its files (private to
 * src/report): what a study file says once read (study.c), how a stage's folder is
 * made and replaced (stage.c), and the three stages (stage_make.c, stage_see.c,
 * stage_explain.c) with the page assembled from their folders (study_report.c).
 *
 * Data flow. A stage reads the study and files (recipes, mechanisms, the structures
 * an earlier stage wrote), writes everything into a fresh folder, and leaves there
 *   summary.json   its numbers, for the stages after it (record "dac run STAGE"),
 *   fragment.json  its part of the page (report_internal.h),
 *   stamp.json     the SHA-256 of its inputs: what a re-run compares;
 * the folder then replaces OUTDIR/STAGE as a whole. Stages talk only through these
 * files, so a stage skipped as unchanged serves the next one exactly as a fresh run.
 */
#ifndef DAC_REPORT_STUDY_INTERNAL_H
#define DAC_REPORT_STUDY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/outset.h"
#include "dac/report.h"
#include "report/plot.h"

enum { REPORT_MAKE = 0, REPORT_SEE = 1, REPORT_EXPLAIN = 2, REPORT_N_STAGES = 3 };

/* A list of texts: overrides "key=value", marks, the resolved "key=value" lines of a
 * stage's part of the study (what its stamp hashes). */
typedef struct {
    char **item;
    size_t n, cap;
    int failed; /* an add ran out of memory: later adds do nothing */
} report_list;

int report_list_add(report_list *l, const char *text);
/* Adds text unless the list has it already. */
int report_list_add_unique(report_list *l, const char *text);
int report_list_addf(report_list *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void report_list_free(report_list *l);

/* A structure to image and explain, given as a file (`structures:` in the study). */
typedef struct {
    char *name, *title, *path;
} report_structure;

/* make: one synthesis recipe run with several seeds, or a loading sweep. */
typedef struct {
    char *name, *title, *recipe;
    char *review;      /* what the review reports for this outcome (NULL: nothing) */
    report_list set;   /* this run's recipe overrides, after the stage's */
} report_make_run;

typedef struct {
    char *name, *title, *recipe, *vary;
    report_list set;
} report_make_curve;

typedef struct {
    long seeds;
    report_list set;
    report_make_run *runs;
    size_t n_runs;
    report_make_curve *curves;
    size_t n_curves;
    long repeats;
} report_make;

typedef struct {
    double pixel_A, fov_A, dose_e_A2, support_thickness_A;
} report_see;

typedef struct {
    char *name, *title, *mechanism;
    char *review; /* what the review measured for it (NULL: nothing) */
} report_model;

typedef struct {
    char *pattern, *model; /* fnmatch pattern of a coordination label → model (or mark) name */
} report_site_rule;

typedef struct {
    double potential_V_RHE;   /* where activities are compared */
    char *co2_sweep;          /* "U=a:b:step" */
    char *review_fe, *review_mass_activity; /* the review's figures (NULL: none) */
    report_model *co2;
    size_t n_co2;
    report_site_rule *rules;
    size_t n_rules;
    char *reference;          /* model of the all-single-site reference catalyst */
    char *her_mechanism, *her_sweep, *her_column, *her_overlay, *her_overlay_x, *her_overlay_y;
    char *her_review;         /* the review's measured H₂ ratio (first two marks, outcomes) */
    report_site_rule *her_rules; /* coordination label → mark, for the outcomes' H₂ */
    size_t n_her_rules;
    char *her_per;            /* element the outcomes' H₂ is counted per (NULL: all metal) */
    char *her_reference;      /* the mark of the reference catalyst's sites */
    report_list her_marks;
    report_model *photo;
    size_t n_photo;
    double photo_t_end_s;
    long photo_points;
} report_explain;

struct dac_report_study {
    char *name;             /* file name, or "(built-in default study)" */
    char *text;             /* the YAML as read */
    size_t len;
    int quick;
    uint64_t seed;
    char *title, *subtitle;
    report_structure *structures;
    size_t n_structures;
    int has[REPORT_N_STAGES];
    report_make make;
    report_see see;
    report_explain explain;
    report_list resolved[REPORT_N_STAGES]; /* key=value as each stage read them */
};

extern const char *const report_stage_names[REPORT_N_STAGES];
/* The stage id (REPORT_MAKE …) of the i-th stage the study has; −1 past the end. */
int report_study_stage_id(const dac_report_study *s, size_t i);
/* The name of the built-in study ("(built-in default study)"). */
const char *report_study_default_name(void);


/* ---- a stage being run (stage.c) */
typedef struct {
    const dac_report_study *study;
    int stage;
    const char *outdir;        /* OUTDIR as the user gave it */
    char *dir;                 /* the fresh folder being filled (a temporary name) */
    dac_outset *set;           /* the stage's own files in dir: figures, summary, … */
    dac_report *page;          /* the stage's part of the page */
    cJSON *summary;            /* numbers for later stages (content of summary.json) */
    dac_provenance prov;       /* the command line and seed, with this stage's inputs */
    dac_progress_fn progress;
    void *user_data;
    report_list inputs;        /* files the stage reads (hashed into its stamp) */
} report_stage;

/* Progress of part k of n, at fraction f within it; non-zero: stop. */
int report_stage_progress(report_stage *st, size_t k, size_t n, double f);
/* A path inside the stage's fresh folder ("template_700C/seed_1"); malloc'd. */
char *report_stage_path(const report_stage *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The path a file of this stage will have once committed, as the user names it
 * ("out/see/a/image.tif"), for the commands the page shows. */
char *report_stage_final_path(const report_stage *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- outcomes: what was made (OUTDIR/make/summary.json) plus the study's structures;
 * each with the structure files of its seeds (the first is the one imaged). */
typedef struct {
    char *name, *title;
    char **files;
    size_t n_files;
} report_outcome;

int report_outcomes_read(const dac_report_study *s, const char *outdir, report_outcome **out,
                         size_t *n);
void report_outcomes_free(report_outcome *o, size_t n);

/* ---- the stages: inputs (files hashed into the stamp) and the work itself */
int report_make_inputs(const dac_report_study *s, const char *outdir, report_list *inputs);
int report_make_stage(report_stage *st);
int report_see_inputs(const dac_report_study *s, const char *outdir, report_list *inputs);
int report_see_stage(report_stage *st);
int report_explain_inputs(const dac_report_study *s, const char *outdir, report_list *inputs);
int report_explain_stage(report_stage *st);

/* ---- small shared helpers (study_util.c) */
/* A number for the page: %.3g-like with a real minus sign; NaN → "—". */
void report_format(char *buf, size_t size, double v, int digits);
/* A fraction as "98.9 %" (NaN → "—"). */
void report_format_percent(char *buf, size_t size, double fraction, int digits);
/* "0.37 [0.23, 0.53]". */
void report_format_interval(char *buf, size_t size, double v, const double ci[2]);
/* A table of the page, built as a list of cells row by row: a number, a fraction as a
 * percentage, a value with its interval, or any text (report_list_addf). */
void report_cell_number(report_list *cells, double v, int digits);
void report_cell_percent(report_list *cells, double fraction, int digits);
void report_cell_interval(report_list *cells, double v, const double ci[2]);
/* Adds the table to the page and empties the list (DAC_ERR_NOMEM if a cell was lost). */
int report_table(dac_report *page, const char *caption, size_t n_cols, const char *const *head,
                 report_list *cells);
/* Writes a figure of purities (0 … 1) of categories: x positions 1, 2, … labelled with
 * names (plain names: no quotes in them), the key top left. */
int report_write_purity_figure(dac_plot *p, const report_list *names, dac_outset *set,
                               const char *name);
/* Mean and sample standard deviation of finite values (NaN when undefined). */
void report_mean_sd(const double *v, size_t n, double *mean, double *sd);
/* cJSON number or null with reason (dac_json_number). */
double report_json_number(const cJSON *o, const char *key);

#endif
