/*
 * cmd_synth.c — `dac synth RECIPE -o OUTDIR` and `dac synth sweep RECIPE --vary … -o
 * OUT.csv` (docs/synth.md). Option parsing, the library call, a one-line summary; the
 * science and the writers are in src/synth. Under `mpirun` (built with DAC_MPI) the
 * sweep initialises MPI in the CLI (cli_mpi_begin, cli/mpi.c), since the library never does.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/sweep.h"
#include "dac/synth.h"

#define MAX_LIST 256

static void help_run(FILE *f)
{
    fprintf(f,
        "usage: dac synth RECIPE.yaml -o OUTDIR [options]\n"
        "       dac synth sweep RECIPE.yaml --vary KEY=a:b:step [...] -o OUT.csv [options]\n\n"
        "Kinetic Monte Carlo of the synthesis of dual-atom catalysts (co-pyrolysis, template\n"
        "pyrolysis of dinuclear complexes, navigation and positioning); docs/synth.md.\n"
        "Writes OUTDIR/summary.json, timeseries.csv, final.extxyz (read by `dac struct\n"
        "analyze`, imaged by `dac stem simulate`) and final.png.\n\n"
        "options:\n"
        "  -o, --output DIR       output folder (required)\n"
        "      --seed N           random seed (default 0); same seed, same bytes\n"
        "      --set KEY=VALUE    override a recipe key (dotted: metals.0.hop_barrier_eV=0.4)\n"
        "      --snapshots K      also write K structures at evenly spaced times\n"
        "  -q, --quiet            no progress bar, errors only\n"
        "  -h, --help             this help\n");
}

static void help_sweep(FILE *f)
{
    fprintf(f,
        "usage: dac synth sweep RECIPE.yaml --vary KEY=a:b:step [--vary ...] -o OUT.csv [options]\n\n"
        "Runs the recipe on every point of the grid (and --repeats seeds per point) in\n"
        "parallel: threads, and MPI ranks when started under mpirun. One CSV row per run,\n"
        "in grid order, with its seed (run i uses seed + i); OUT.json beside it records\n"
        "the axes and the provenance. The bytes do not depend on threads or ranks.\n\n"
        "options:\n"
        "      --vary KEY=a:b:step  an axis: KEY = a, a+step, … ≤ b (repeatable)\n"
        "      --repeats N          runs per grid point (default 1)\n"
        "  -o, --output OUT.csv     the table (required)\n"
        "      --seed N             base seed (default 0)\n"
        "      --set KEY=VALUE      override a recipe key for every run\n"
        "      --threads N          threads (default: all cores)\n"
        "  -q, --quiet              no progress bar\n"
        "  -h, --help               this help\n");
}

enum { O_SEED = 256, O_SET, O_SNAPSHOTS, O_VARY, O_REPEATS, O_THREADS };

static const struct option run_opts[] = {
    {"output", required_argument, 0, 'o'}, {"seed", required_argument, 0, O_SEED},
    {"set", required_argument, 0, O_SET}, {"snapshots", required_argument, 0, O_SNAPSHOTS},
    {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};

static const struct option sweep_opts[] = {
    {"output", required_argument, 0, 'o'}, {"seed", required_argument, 0, O_SEED},
    {"set", required_argument, 0, O_SET}, {"vary", required_argument, 0, O_VARY},
    {"repeats", required_argument, 0, O_REPEATS}, {"threads", required_argument, 0, O_THREADS},
    {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};

typedef struct {
    const char *recipe, *output;
    uint64_t seed;
    const char *set[MAX_LIST], *vary[MAX_LIST];
    size_t n_set, n_vary;
    long snapshots, repeats, threads;
} synth_args;

static int push(const char *cmd, const char *opt, const char **list, size_t *n, const char *v)
{
    if (*n == MAX_LIST)
        return cli_usage_error(cmd, "option %s: at most %d", opt, MAX_LIST);
    list[(*n)++] = v;
    return 0;
}

static int parse(const char *cmd, int argc, char **argv, const struct option *opts, synth_args *a,
                 int *done)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        int st = 0;
        switch (c) {
        case 'o': a->output = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h':
            (opts == run_opts ? help_run : help_sweep)(stdout);
            *done = 1;
            return 0;
        case O_SEED: st = cli_parse_seed(cmd, optarg, &a->seed); break;
        case O_SET: st = push(cmd, "--set", a->set, &a->n_set, optarg); break;
        case O_VARY: st = push(cmd, "--vary", a->vary, &a->n_vary, optarg); break;
        case O_SNAPSHOTS:
            st = cli_parse_long(cmd, "--snapshots", optarg, &a->snapshots);
            if (!st && (a->snapshots < 0 || a->snapshots > 1000))
                st = cli_usage_error(cmd, "option --snapshots: expected 0 … 1000, got '%s'", optarg);
            break;
        case O_REPEATS:
            st = cli_parse_long(cmd, "--repeats", optarg, &a->repeats);
            if (!st && (a->repeats < 1 || a->repeats > 1000000))
                st = cli_usage_error(cmd, "option --repeats: expected 1 … 1000000, got '%s'", optarg);
            break;
        case O_THREADS:
            st = cli_parse_long(cmd, "--threads", optarg, &a->threads);
            if (!st && (a->threads < 0 || a->threads > 4096))
                st = cli_usage_error(cmd, "option --threads: expected 0 (all) … 4096, got '%s'", optarg);
            break;
        default: return cli_bad_option(cmd, c, argv);
        }
        if (st)
            return st;
    }
    if (optind != argc - 1)
        return cli_usage_error(cmd, optind >= argc ? "expected one RECIPE file" : "expected one RECIPE file, got more");
    a->recipe = argv[optind];
    if (!a->output)
        return cli_usage_error(cmd, "-o %s is required", opts == run_opts ? "OUTDIR" : "OUT.csv");
    for (size_t k = 0; k < a->n_set; k++)
        if (!strchr(a->set[k], '=') || a->set[k][0] == '=')
            return cli_usage_error(cmd, "option --set: expected KEY=VALUE, got '%s'", a->set[k]);
    return 0;
}

static void summary_line(const dac_synth_result *r, const char *out)
{
    const char *top = dac_synth_result_top_label(r, 0);
    fprintf(stderr, "dac synth: %s, %llu events in %.3g s (%.3g events/s), %.6g s simulated; "
            "sites %zu single, %zu pair, %zu cluster; pair purity %.3f (site), most frequent %s → %s\n",
            dac_synth_route_name(r->route), (unsigned long long)r->events, r->wall_s, r->events_per_s,
            r->sim_time_s, r->count[DAC_SITE_SINGLE], r->count[DAC_SITE_PAIR],
            r->count[DAC_SITE_CLUSTER], r->purity_site, top ? top : "(none)", out);
}

static int run(const synth_args *a)
{
    dac_synth_params p;
    dac_synth_engine *e = NULL;
    dac_synth_result *r = NULL;
    int st = dac_synth_recipe_read(a->recipe, a->set, a->n_set, &p);
    if (!st)
        st = dac_synth_engine_create(&p, a->seed, &e);
    if (!st && a->snapshots)
        st = dac_synth_engine_set_snapshots(e, (size_t)a->snapshots);
    if (!st) {
        cli_progress *bar = cli_progress_create("synth", cli_quiet);
        dac_synth_engine_set_progress(e, cli_progress_update, bar);
        st = dac_synth_engine_run(e, dac_synth_engine_end_s(e));
        cli_progress_free(bar);
    }
    const char *inputs[1] = {a->recipe};
    dac_provenance prov = cli_provenance(1, a->seed, 1, inputs);
    if (!st)
        st = dac_synth_write(e, a->output, &prov);
    if (!st)
        st = dac_synth_engine_result(e, &r);
    if (!st && !cli_quiet)
        summary_line(r, a->output);
    int rc = st ? cli_fail(st) : 0;
    if (!st)
        cli_print_warnings();
    dac_synth_result_free(r);
    dac_synth_engine_free(e);
    return rc;
}

/* MPI only when a launcher started us (a plain run stays a plain program). */
static int sweep(const synth_args *a)
{
    int mpi = cli_mpi_begin();
    dac_synth_sweep_options o = {a->recipe, a->set, a->n_set, a->vary, a->n_vary,
                                 a->repeats ? (size_t)a->repeats : 1, a->seed, (int)a->threads};
    const char *inputs[1] = {a->recipe};
    dac_provenance prov = cli_provenance(1, a->seed, 1, inputs);
    size_t runs = 0;
    cli_progress *bar = cli_progress_create("sweep", cli_quiet);
    int st = dac_synth_sweep(&o, a->output, &prov, cli_progress_update, bar, &runs);
    cli_progress_free(bar);
    int root = dac_sweep_is_root();
    if (!st && !cli_quiet && root)
        fprintf(stderr, "dac synth sweep: %zu runs → %s\n", runs, a->output);
    int rc = st ? (root ? cli_fail(st) : dac_status_exit_code(st)) : 0;
    cli_mpi_end(mpi);
    return rc;
}

int cmd_synth(int argc, char **argv)
{
    synth_args a;
    memset(&a, 0, sizeof a);
    int done = 0, st;
    if (argc > 1 && !strcmp(argv[1], "sweep")) {
        st = parse("synth sweep", argc - 1, argv + 1, sweep_opts, &a, &done);
        if (!st && !done && a.n_vary == 0)
            st = cli_usage_error("synth sweep", "at least one --vary KEY=a:b:step is needed");
        return st || done ? st : sweep(&a);
    }
    st = parse("synth", argc, argv, run_opts, &a, &done);
    return st || done ? st : run(&a);
}
