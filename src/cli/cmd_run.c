/*
 * cmd_run.c — `dac run [STUDY.yaml] -o OUTDIR [--quick] [--seed N]`: the study, from
 * synthesis to image to activity, and its report (docs/report.md).
 *
 * Reads the study (or takes the built-in one and writes it to OUTDIR/study.yaml), runs
 * each stage with a progress bar of its own, and assembles OUTDIR/report.html. The
 * stages, their stamps and the page are the library's (dac/report.h); here: options,
 * the bars, the time of the page and the messages. The time is the only thing that
 * differs between two runs; SOURCE_DATE_EPOCH (the reproducible-builds convention)
 * fixes it too.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "dac/report.h"

static const char *CMD = "run";

static void help(FILE *f)
{
    fprintf(f,
        "usage: dac run [STUDY.yaml] -o OUTDIR [--quick] [--seed N]\n\n"
        "Runs a study — make (dac synth), see (dac stem simulate + count), explain (dac\n"
        "kinetics) — and writes OUTDIR/report.html, one self-contained page with every\n"
        "figure, table and the command that reproduces each part (docs/report.md).\n"
        "Without STUDY.yaml the built-in default study runs; it is written to\n"
        "OUTDIR/study.yaml to be edited and run again. Each stage writes OUTDIR/STAGE/;\n"
        "a stage whose inputs did not change since the last run is kept, not run again.\n\n"
        "options:\n"
        "  -o, --output DIR   output folder (required)\n"
        "      --quick        the study's quick form (its `quick:` block; about a minute)\n"
        "      --seed N       seed of every stochastic part (default: the study's)\n"
        "  -q, --quiet        errors only; no progress bars\n"
        "  -h, --help         this help\n\n"
        "exit codes: 0 success, 1 a stage failed (the stages before it are kept),\n"
        "2 usage error, 3 bad study file (the message names the file, line and key).\n");
}

typedef struct {
    const char *study, *out;
    char outdir[4096]; /* out without trailing '/' */
    int quick, has_seed;
    uint64_t seed;
} run_args;

static int parse_args(int argc, char **argv, run_args *a, int *done)
{
    enum { O_QUICK = 256, O_SEED };
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"quick", no_argument, 0, O_QUICK},
        {"seed", required_argument, 0, O_SEED}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        int st = 0;
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': help(stdout); *done = 1; return 0;
        case O_QUICK: a->quick = 1; break;
        case O_SEED:
            st = cli_parse_seed(CMD, optarg, &a->seed);
            a->has_seed = 1;
            break;
        default: return cli_bad_option(CMD, c, argv);
        }
        if (st)
            return st;
    }
    if (argc - optind > 1)
        return cli_usage_error(CMD, "expected at most one STUDY.yaml, got %d files", argc - optind);
    a->study = optind < argc ? argv[optind] : NULL;
    if (!a->out || !*a->out)
        return cli_usage_error(CMD, "-o OUTDIR is required");
    /* "out/" and "out" are one folder; the page's commands read better without "//"
     * (a copy: the command line as typed stays as typed in the provenance) */
    size_t n = strlen(a->out);
    while (n > 1 && a->out[n - 1] == '/')
        n--;
    snprintf(a->outdir, sizeof a->outdir, "%.*s", (int)n, a->out);
    if (n >= sizeof a->outdir)
        return cli_usage_error(CMD, "option -o: a folder name of at most %zu bytes, please",
                               sizeof a->outdir - 1);
    a->out = a->outdir;
    return 0;
}

/* The page's time: SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
static int64_t page_time(void)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (e && *e) {
        char *end;
        errno = 0;
        long long t = strtoll(e, &end, 10);
        if (!errno && !*end && t >= 0)
            return (int64_t)t;
        cli_log(CLI_LOG_WARN, "SOURCE_DATE_EPOCH='%s' is not a number of seconds; using the clock", e);
    }
    return (int64_t)time(NULL);
}

static int run_stages(dac_report_study *s, const run_args *a, const dac_provenance *prov)
{
    size_t n = dac_report_study_stage_count(s), ran = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = dac_report_study_stage_name(s, i);
        int skipped = 0;
        double t0 = cli_seconds();
        cli_progress *bar = cli_progress_create(name, cli_quiet);
        int st = dac_report_study_run_stage(s, i, a->out, prov, cli_progress_update, bar, &skipped);
        cli_progress_free(bar);
        cli_print_warnings();
        if (st != DAC_OK) {
            int rc = cli_fail(st);
            if (i > 0 && !cli_quiet)
                fprintf(stderr, "dac run: the stages before '%s' are complete in %s/\n", name, a->out);
            return rc;
        }
        ran += !skipped;
        if (skipped)
            cli_log(CLI_LOG_INFO, "stage %s: inputs unchanged, kept %s/%s/", name, a->out, name);
        else
            cli_log(CLI_LOG_INFO, "stage %s: done in %.1f s", name, cli_seconds() - t0);
    }
    if (!cli_quiet)
        fprintf(stderr, "dac run: %zu stage%s (%zu run, %zu kept as unchanged) → %s/report.html\n",
                n, n == 1 ? "" : "s", ran, n - ran, a->out);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    run_args a = {0};
    int done = 0, rc = parse_args(argc, argv, &a, &done);
    if (rc || done)
        return rc;
    dac_report_study *s = NULL;
    size_t len;
    const char *text = dac_report_study_default_text(&len);
    int st = a.study ? dac_report_study_read(a.study, a.quick, &s)
                     : dac_report_study_parse(text, len, "(built-in default study)", a.quick, &s);
    if (st != DAC_OK)
        return cli_fail(st);
    if (a.has_seed)
        dac_report_study_set_seed(s, a.seed);
    int kept = 0;
    if (!a.study)
        st = dac_report_study_write_text(s, a.out, &kept);
    if (st == DAC_OK && kept && !cli_quiet)
        fprintf(stderr, "dac run: warning: %s/study.yaml differs from the built-in study and was "
                "kept; the built-in study runs now (to run yours: dac run %s/study.yaml -o %s)\n",
                a.out, a.out, a.out);
    const char *inputs[1] = {a.study};
    dac_provenance prov = cli_provenance(1, dac_report_study_seed(s), a.study ? 1 : 0, inputs);
    if (st == DAC_OK)
        rc = run_stages(s, &a, &prov);
    if (st == DAC_OK && rc == 0) {
        st = dac_report_study_write_report(s, a.out, page_time(), &prov);
        cli_print_warnings();
    }
    if (st != DAC_OK)
        rc = cli_fail(st);
    dac_report_study_free(s);
    return rc;
}
