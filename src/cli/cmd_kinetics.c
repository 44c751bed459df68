/*
 * cmd_kinetics.c — `dac kinetics fed|steady|sweep|transient MECH.yaml …`: option
 * parsing, one library call, a one-line summary. The science and every writer are in
 * the library (include/dac/kinetics.h); docs/kinetics.md describes the files. A sweep
 * started by mpirun (in a DAC_MPI build) initialises MPI in the CLI (cli_mpi_begin,
 * cli/mpi.c), as `dac synth sweep` does; the library then spreads the points over the ranks and rank 0 writes.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/sweep.h"
#include "dac/kinetics.h"

#define MAX_LIST 64

typedef struct {
    const char *sub, *output, *pathway, *verify, *plot, *overlay;
    const char *mechs[MAX_LIST], *set[MAX_LIST], *vary[MAX_LIST], *marks[MAX_LIST];
    size_t n_mechs, n_set, n_vary, n_marks;
    double U, T, pH, t_end;
    int has_U, has_T, has_pH, json, linear;
    long points, threads;
    unsigned analysis;
} kargs;

static void help(FILE *f)
{
    fprintf(f,
        "usage: dac kinetics <subcommand> MECH.yaml [MECH.yaml …] [options]\n\n"
        "Free-energy diagrams and mean-field microkinetic models (docs/kinetics.md).\n\n"
        "subcommands:\n"
        "  fed        free-energy diagram of a pathway: -o FILE.svg [--U V] [--pathway NAME]\n"
        "             [--json]; several mechanisms share one figure\n"
        "  steady     steady state: coverages, rates, TOF, selectivity, FE, currents and the\n"
        "             checks that passed [--U V] [--T K] [--json | -o FILE.json]\n"
        "  sweep      grids of steady states: --vary KEY=a:b:step … -o OUT.csv [--plot KIND]\n"
        "  transient  time courses, TON(t) and TOF(t): --t-end S -o OUT.csv [--plot ton]\n\n"
        "conditions (steady, sweep, transient):\n"
        "      --U V               potential, V vs RHE (fed too)\n"
        "      --T K               temperature\n"
        "      --pH X              pH\n"
        "      --set KEY=VALUE     any parameter: G.SPECIES (eV), p.GAS (bar), c.SOLUTE\n"
        "                          (mol/L), barrier.STEP (eV), distance_MM_A; repeatable\n"
        "steady:\n"
        "      --rate-control      degrees of rate and selectivity control (Campbell)\n"
        "      --activation        apparent activation energies\n"
        "      --orders            reaction orders in every gas and solute\n"
        "      --tafel             Tafel slope of the total current\n"
        "      --all               all four\n"
        "      --verify MODE       always (default for steady), cold (default for sweep),\n"
        "                          never: when to check against a CVODE time integration\n"
        "      --json              print the JSON record instead of the summary\n"
        "sweep:\n"
        "      --vary KEY=a:b:step axis (U, T, pH, G.X, p.X, c.X, barrier.STEP,\n"
        "                          distance_MM_A); repeatable, the last varies fastest\n"
        "      --threads N         worker threads (default: all cores)\n"
        "      --plot KIND         polarisation, tafel, volcano[:COLUMN] (log10 of a column,\n"
        "                          default every TOF) or curve:COLUMN (a column as it is)\n"
        "      --mark X=LABEL      mark a position on a volcano; repeatable\n"
        "      --overlay F:X:Y     measured points (CSV F, columns X and Y) on a volcano\n"
        "transient:\n"
        "      --t-end S           end time, s (required)\n"
        "      --points N          samples (default 200), log-spaced unless --linear\n"
        "      --plot ton          also the TON figure OUT-ton.{svg,png}\n"
        "common:\n"
        "  -o, --output PATH       output file (see each subcommand)\n"
        "  -q, --quiet             errors only\n"
        "  -h, --help              this help\n\n"
        "Exit: 0 success, 1 a steady state did not converge or a run failed, 2 usage, 3 bad input.\n");
}

enum {
    O_U = 256, O_T, O_PH, O_SET, O_VARY, O_JSON, O_PATHWAY, O_TEND, O_POINTS, O_LINEAR, O_THREADS,
    O_VERIFY, O_PLOT, O_MARK, O_OVERLAY, O_RC, O_ACT, O_ORD, O_TAFEL, O_ALL
};

static const struct option long_opts[] = {
    {"U", required_argument, 0, O_U}, {"T", required_argument, 0, O_T},
    {"pH", required_argument, 0, O_PH}, {"set", required_argument, 0, O_SET},
    {"vary", required_argument, 0, O_VARY}, {"json", no_argument, 0, O_JSON},
    {"pathway", required_argument, 0, O_PATHWAY}, {"t-end", required_argument, 0, O_TEND},
    {"points", required_argument, 0, O_POINTS}, {"linear", no_argument, 0, O_LINEAR},
    {"threads", required_argument, 0, O_THREADS}, {"verify", required_argument, 0, O_VERIFY},
    {"plot", required_argument, 0, O_PLOT}, {"mark", required_argument, 0, O_MARK},
    {"overlay", required_argument, 0, O_OVERLAY}, {"rate-control", no_argument, 0, O_RC},
    {"activation", no_argument, 0, O_ACT}, {"orders", no_argument, 0, O_ORD},
    {"tafel", no_argument, 0, O_TAFEL}, {"all", no_argument, 0, O_ALL},
    {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};

static int push(const char *cmd, const char *opt, const char **list, size_t *n, const char *v)
{
    if (*n == MAX_LIST)
        return cli_usage_error(cmd, "option %s: at most %d", opt, MAX_LIST);
    list[(*n)++] = v;
    return 0;
}

static int parse_option(const char *cmd, int c, const char *arg, kargs *a)
{
    switch (c) {
    case O_U: a->has_U = 1; return cli_parse_double(cmd, "--U", arg, &a->U);
    case O_T: a->has_T = 1; return cli_parse_double(cmd, "--T", arg, &a->T);
    case O_PH: a->has_pH = 1; return cli_parse_double(cmd, "--pH", arg, &a->pH);
    case O_SET: return push(cmd, "--set", a->set, &a->n_set, arg);
    case O_VARY: return push(cmd, "--vary", a->vary, &a->n_vary, arg);
    case O_MARK: return push(cmd, "--mark", a->marks, &a->n_marks, arg);
    case O_JSON: a->json = 1; return 0;
    case O_PATHWAY: a->pathway = arg; return 0;
    case O_TEND: return cli_parse_double(cmd, "--t-end", arg, &a->t_end);
    case O_POINTS: return cli_parse_long(cmd, "--points", arg, &a->points);
    case O_LINEAR: a->linear = 1; return 0;
    case O_THREADS: return cli_parse_long(cmd, "--threads", arg, &a->threads);
    case O_VERIFY: a->verify = arg; return 0;
    case O_PLOT: a->plot = arg; return 0;
    case O_OVERLAY: a->overlay = arg; return 0;
    case O_RC: a->analysis |= DAC_KINETICS_RATE_CONTROL; return 0;
    case O_ACT: a->analysis |= DAC_KINETICS_ACTIVATION; return 0;
    case O_ORD: a->analysis |= DAC_KINETICS_ORDERS; return 0;
    case O_TAFEL: a->analysis |= DAC_KINETICS_TAFEL; return 0;
    case O_ALL: a->analysis = 15; return 0;
    case 'o': a->output = arg; return 0;
    case 'q': cli_quiet = 1; cli_log_set_level(CLI_LOG_QUIET); return 0;
    default: return 0;
    }
}

static int parse(int argc, char **argv, const char *cmd, kargs *a)
{
    memset(a, 0, sizeof *a);
    a->points = 200;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", long_opts, NULL)) != -1) {
        if (c == 'h') {
            help(stdout);
            return -1;
        }
        if (c == ':')
            return cli_usage_error(cmd, "option %s needs a value", argv[optind - 1]);
        if (c == '?')
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        int rc = parse_option(cmd, c, optarg, a);
        if (rc)
            return rc;
    }
    for (; optind < argc; optind++)
        if (push(cmd, "MECH.yaml", a->mechs, &a->n_mechs, argv[optind]))
            return 2;
    if (a->n_mechs == 0)
        return cli_usage_error(cmd, "expected a mechanism file MECH.yaml");
    return 0;
}

static int verify_mode(const char *cmd, const char *text, dac_kinetics_verify *mode)
{
    if (!text)
        return 0;
    if (!strcmp(text, "always")) *mode = DAC_KINETICS_VERIFY_ALWAYS;
    else if (!strcmp(text, "cold")) *mode = DAC_KINETICS_VERIFY_COLD;
    else if (!strcmp(text, "never")) *mode = DAC_KINETICS_VERIFY_NEVER;
    else return cli_usage_error(cmd, "option --verify: expected always, cold or never, got '%s'", text);
    return 0;
}

static int read_models(const kargs *a, dac_kinetics_model **models)
{
    for (size_t i = 0; i < a->n_mechs; i++) {
        int st = dac_kinetics_model_read(a->mechs[i], &models[i]);
        if (st)
            return st;
    }
    return DAC_OK;
}

static void free_models(dac_kinetics_model **models, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dac_kinetics_model_free(models[i]);
}

/* --U, --T, --pH and every --set, on a solver; usage errors name the option. */
static int apply_conditions(const char *cmd, const kargs *a, dac_kinetics_solver *s)
{
    if ((a->has_U && dac_kinetics_solver_set_potential(s, a->U)) ||
        (a->has_T && dac_kinetics_solver_set_temperature(s, a->T)) ||
        (a->has_pH && dac_kinetics_solver_set_pH(s, a->pH)))
        return cli_usage_error(cmd, "%s", dac_last_error());
    for (size_t k = 0; k < a->n_set; k++) {
        const char *eq = strchr(a->set[k], '=');
        char key[256];
        double v;
        if (!eq || (size_t)(eq - a->set[k]) >= sizeof key)
            return cli_usage_error(cmd, "option --set: expected KEY=VALUE, got '%s'", a->set[k]);
        snprintf(key, sizeof key, "%.*s", (int)(eq - a->set[k]), a->set[k]);
        if (cli_parse_double(cmd, "--set", eq + 1, &v))
            return 2;
        if (dac_kinetics_solver_set(s, key, v))
            return cli_usage_error(cmd, "option --set %s: %s", a->set[k], dac_last_error());
    }
    return 0;
}

static void print_steady(const dac_kinetics_model *m, const dac_kinetics_result *r)
{
    const dac_kinetics_checks *c = dac_kinetics_result_checks(r);
    printf("%s at U = %g V_RHE, T = %g K: %s (residual %.3g, Σθ error %.3g, min θ %.3g, "
           "time integration %s, start %s)\n", dac_kinetics_model_name(m),
           dac_kinetics_result_potential(r), dac_kinetics_result_temperature(r),
           c->converged ? "converged" : "NOT CONVERGED", c->residual, c->site_balance_error,
           c->min_coverage, c->time_integration == DAC_KINETICS_CHECK_PASSED ? "passed"
           : c->time_integration == DAC_KINETICS_CHECK_FAILED ? "failed" : "not run", c->start);
    if (!c->converged)
        return;
    for (size_t i = 0; i < dac_kinetics_model_state_count(m); i++)
        printf("  θ(%s) = %.6g\n", dac_kinetics_model_state_name(m, i), dac_kinetics_result_coverage(r, i));
    for (size_t p = 0; p < dac_kinetics_model_product_count(m); p++) {
        double fe = dac_kinetics_result_faradaic_efficiency(r, p);
        double jp = dac_kinetics_result_partial_current_density(r, p);
        printf("  %s: TOF %.6g /s, selectivity %.4g", dac_kinetics_model_product_name(m, p),
               dac_kinetics_result_tof(r, p), dac_kinetics_result_selectivity(r, p));
        if (!isnan(fe))
            printf(", FE %.4g", fe);
        if (!isnan(jp))
            printf(", j %.6g mA/cm²", jp);
        printf("\n");
    }
    if (!dac_kinetics_model_is_dissolved(m))
        printf("  current density %.6g mA/cm² (cathodic < 0)\n", dac_kinetics_result_current_density(r));
}

static int run_steady(const char *cmd, const kargs *a, dac_kinetics_model *m)
{
    dac_kinetics_verify mode = DAC_KINETICS_VERIFY_ALWAYS;
    if (verify_mode(cmd, a->verify, &mode))
        return 2;
    dac_kinetics_solver *s = NULL;
    dac_kinetics_result *r = NULL;
    int st = dac_kinetics_solver_create(m, &s);
    if (st)
        return cli_fail(st);
    int rc = apply_conditions(cmd, a, s);
    if (rc == 0) {
        dac_kinetics_solver_set_verification(s, mode);
        dac_kinetics_solver_set_analysis(s, a->analysis);
        st = dac_kinetics_result_create(s, &r);
        st = st ? st : dac_kinetics_solver_steady(s, r);
        dac_provenance prov = cli_provenance(0, 0, 1, (const char *const *)&a->mechs[0]);
        if (st == DAC_OK && (a->json || a->output))
            st = dac_kinetics_result_write_json(s, r, a->output ? a->output : "-", &prov);
        if (st)
            rc = cli_fail(st);
        else if (!a->json)
            print_steady(m, r);
        if (st == DAC_OK && !dac_kinetics_result_checks(r)->converged) {
            fprintf(stderr, "dac: error: the steady state of %s did not converge\n", a->mechs[0]);
            rc = 1;
        }
    }
    dac_kinetics_result_free(r);
    dac_kinetics_solver_free(s);
    cli_print_warnings();
    return rc;
}

static int run_fed(const char *cmd, const kargs *a, dac_kinetics_model **models)
{
    if (!a->output)
        return cli_usage_error(cmd, "option -o FILE.svg is required");
    dac_kinetics_fed *f[MAX_LIST] = {0};
    int st = DAC_OK;
    for (size_t i = 0; i < a->n_mechs && st == DAC_OK; i++) {
        double U = a->has_U ? a->U : dac_kinetics_model_condition(models[i], "potential_V_RHE");
        st = dac_kinetics_fed_compute(models[i], a->pathway, U, &f[i]);
    }
    dac_provenance prov = cli_provenance(0, 0, a->n_mechs, (const char *const *)a->mechs);
    if (st == DAC_OK)
        st = dac_kinetics_fed_write((const dac_kinetics_fed *const *)f, a->n_mechs, a->output, a->json, &prov);
    for (size_t i = 0; st == DAC_OK && i < a->n_mechs && !cli_quiet; i++) {
        long k = dac_kinetics_fed_determining_step(f[i]);
        printf("%s: U_L = %.3f V_RHE, U_eq = %.3f V_RHE, η = %.3f V, potential-determining step %ld\n",
               dac_kinetics_model_name(models[i]), dac_kinetics_fed_limiting_potential(f[i]),
               dac_kinetics_fed_equilibrium_potential(f[i]), dac_kinetics_fed_overpotential(f[i]),
               k >= 0 ? k + 1 : k);
    }
    for (size_t i = 0; i < a->n_mechs; i++)
        dac_kinetics_fed_free(f[i]);
    cli_print_warnings();
    return st ? cli_fail(st) : 0;
}

static int run_transient(const char *cmd, const kargs *a, dac_kinetics_model **models)
{
    if (!a->output)
        return cli_usage_error(cmd, "option -o OUT.csv is required");
    if (!(a->t_end > 0))
        return cli_usage_error(cmd, "option --t-end S (> 0) is required");
    if (a->plot && strcmp(a->plot, "ton"))
        return cli_usage_error(cmd, "option --plot: expected ton, got '%s'", a->plot);
    if (a->points < 1 || a->points > 1000000)
        return cli_usage_error(cmd, "option --points: expected 1 to 1000000, got %ld", a->points);
    dac_kinetics_transient *t[MAX_LIST] = {0};
    int st = DAC_OK, rc = 0;
    cli_progress *bar = cli_progress_create("transient", cli_quiet);
    for (size_t i = 0; i < a->n_mechs && st == DAC_OK && rc == 0; i++) {
        dac_kinetics_solver *s = NULL;
        st = dac_kinetics_solver_create(models[i], &s);
        if (st == DAC_OK && (rc = apply_conditions(cmd, a, s)) == 0) {
            dac_kinetics_solver_set_progress(s, cli_progress_update, bar);
            st = dac_kinetics_solver_transient(s, a->t_end, (size_t)a->points, !a->linear, &t[i]);
        }
        dac_kinetics_solver_free(s);
    }
    cli_progress_free(bar);
    dac_provenance prov = cli_provenance(0, 0, a->n_mechs, (const char *const *)a->mechs);
    if (st == DAC_OK && rc == 0)
        st = dac_kinetics_transient_write((const dac_kinetics_transient *const *)t, a->n_mechs,
                                          a->output, a->plot != NULL, &prov);
    for (size_t i = 0; st == DAC_OK && rc == 0 && i < a->n_mechs && !cli_quiet; i++) {
        size_t last = dac_kinetics_transient_count(t[i]) - 1;
        for (size_t p = 0; p < dac_kinetics_model_product_count(models[i]); p++)
            printf("%s: TON(%s) = %.6g at t = %g s (TOF %.4g /s)\n", dac_kinetics_model_name(models[i]),
                   dac_kinetics_model_product_name(models[i], p), dac_kinetics_transient_ton(t[i], last, p),
                   a->t_end, dac_kinetics_transient_tof(t[i], last, p));
    }
    for (size_t i = 0; i < a->n_mechs; i++)
        dac_kinetics_transient_free(t[i]);
    cli_print_warnings();
    return rc ? rc : st ? cli_fail(st) : 0;
}

static int plot_kind(const char *cmd, const char *text, dac_kinetics_sweep_options *o)
{
    if (!text)
        return 0;
    if (!strcmp(text, "polarisation") || !strcmp(text, "polarization"))
        o->plot = DAC_KINETICS_PLOT_POLARISATION;
    else if (!strcmp(text, "tafel"))
        o->plot = DAC_KINETICS_PLOT_TAFEL;
    else if (!strncmp(text, "volcano", 7) && (text[7] == '\0' || text[7] == ':')) {
        o->plot = DAC_KINETICS_PLOT_VOLCANO;
        o->volcano_column = text[7] ? text + 8 : NULL;
    } else if (!strncmp(text, "curve:", 6) && text[6]) {
        o->plot = DAC_KINETICS_PLOT_CURVE;
        o->volcano_column = text + 6;
    } else
        return cli_usage_error(cmd, "option --plot: expected polarisation, tafel, volcano, "
                               "volcano:COLUMN or curve:COLUMN, got '%s'", text);
    return 0;
}

static int run_sweep(const char *cmd, const kargs *a, dac_kinetics_model *m)
{
    if (!a->output)
        return cli_usage_error(cmd, "option -o OUT.csv is required");
    if (a->n_vary == 0)
        return cli_usage_error(cmd, "option --vary KEY=a:b:step is required");
    dac_kinetics_sweep_options o;
    dac_kinetics_sweep_options_default(&o);
    if (verify_mode(cmd, a->verify, &o.verify) || plot_kind(cmd, a->plot, &o))
        return 2;
    if (a->threads < 0 || a->threads > 4096)
        return cli_usage_error(cmd, "option --threads: expected 0 to 4096, got %ld", a->threads);
    o.n_threads = (int)a->threads;
    char cond[3][64];
    const char *fixed[MAX_LIST + 3];
    size_t nf = 0;
    if (a->has_U)
        snprintf(cond[nf], sizeof cond[0], "U=%.17g", a->U), fixed[nf] = cond[nf], nf++;
    if (a->has_T)
        snprintf(cond[nf], sizeof cond[0], "T=%.17g", a->T), fixed[nf] = cond[nf], nf++;
    if (a->has_pH)
        snprintf(cond[nf], sizeof cond[0], "pH=%.17g", a->pH), fixed[nf] = cond[nf], nf++;
    for (size_t k = 0; k < a->n_set; k++)
        fixed[nf++] = a->set[k];
    o.fixed = fixed;
    o.n_fixed = nf;
    o.marks = a->marks;
    o.n_marks = a->n_marks;
    char overlay[3][1024];
    if (a->overlay) {
        const char *c2 = strrchr(a->overlay, ':');
        const char *c1 = c2 ? c2 - 1 : NULL;
        while (c1 && c1 > a->overlay && *c1 != ':')
            c1--;
        if (!c2 || !c1 || c1 == a->overlay || (size_t)(c1 - a->overlay) >= sizeof overlay[0])
            return cli_usage_error(cmd, "option --overlay: expected FILE.csv:XCOL:YCOL, got '%s'", a->overlay);
        snprintf(overlay[0], sizeof overlay[0], "%.*s", (int)(c1 - a->overlay), a->overlay);
        snprintf(overlay[1], sizeof overlay[1], "%.*s", (int)(c2 - c1 - 1), c1 + 1);
        snprintf(overlay[2], sizeof overlay[2], "%s", c2 + 1);
        o.overlay_csv = overlay[0];
        o.overlay_x = overlay[1];
        o.overlay_y = overlay[2];
    }
    const char *inputs[2] = {a->mechs[0], o.overlay_csv};
    dac_provenance prov = cli_provenance(0, 0, o.overlay_csv ? 2 : 1, inputs);
    int mpi = cli_mpi_begin();
    int root = dac_sweep_is_root();
    cli_progress *bar = cli_progress_create("sweep", cli_quiet || !root);
    size_t n = 0, ok = 0;
    double t0 = cli_seconds();
    int st = dac_kinetics_sweep(m, a->vary, a->n_vary, &o, a->output, &prov, cli_progress_update,
                                bar, &n, &ok);
    cli_progress_free(bar);
    int rc = 0;
    if (!root)
        rc = dac_status_exit_code(st);
    else if (st)
        rc = st == DAC_ERR_USAGE ? cli_usage_error(cmd, "%s", dac_last_error()) : cli_fail(st);
    else if (!cli_quiet)
        printf("%s: %zu points, %zu converged, %.3g s -> %s\n", dac_kinetics_model_name(m), n, ok,
               cli_seconds() - t0, a->output);
    if (root)
        cli_print_warnings();
    cli_mpi_end(mpi);
    return rc;
}

int cmd_kinetics(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    char cmd[64];
    snprintf(cmd, sizeof cmd, "kinetics %s", sub);
    int is_fed = !strcmp(sub, "fed"), is_steady = !strcmp(sub, "steady");
    int is_sweep = !strcmp(sub, "sweep"), is_transient = !strcmp(sub, "transient");
    if (!is_fed && !is_steady && !is_sweep && !is_transient)
        return cli_usage_error("kinetics", "unknown subcommand '%s' (fed, steady, sweep, transient)", sub);
    kargs a;
    int rc = parse(argc - 1, argv + 1, cmd, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((is_steady || is_sweep) && a.n_mechs != 1)
        return cli_usage_error(cmd, "expected one mechanism file, got %zu", a.n_mechs);
    dac_kinetics_model *models[MAX_LIST] = {0};
    int st = read_models(&a, models);
    if (st) {
        free_models(models, a.n_mechs);
        return cli_fail(st);
    }
    rc = is_fed ? run_fed(cmd, &a, models)
       : is_steady ? run_steady(cmd, &a, models[0])
       : is_sweep ? run_sweep(cmd, &a, models[0])
       : run_transient(cmd, &a, models);
    free_models(models, a.n_mechs);
    return rc;
}
