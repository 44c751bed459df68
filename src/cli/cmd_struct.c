/*
 * cmd_struct.c — `dac struct analyze` (metal sites of structure files, as a table or as
 * JSON Lines) and `dac struct convert` (between structure formats).
 *
 * No science and no result writer here: reading, analysis and the writers of the
 * table and the JSON records are library calls; this file parses options, names the
 * file and the option as typed in messages, and maps statuses to exit codes (0 ok,
 * 1 runtime, 2 usage, 3 bad input). Documentation: docs/struct.md.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "dac/struct.h"

static void print_struct_help(FILE *f)
{
    fprintf(f, "usage: dac struct <subcommand> [options] [files]\n\n"
               "subcommands:\n"
               "  analyze FILE...   find metal sites (single, pair, cluster), their first shell,\n"
               "                    label and synergy mode; totals and purity\n"
               "  convert IN OUT    convert between XYZ, extended XYZ, POSCAR and CIF\n\n"
               "`dac struct <subcommand> --help` lists a subcommand's options. See docs/struct.md.\n");
}

static void print_analyze_help(FILE *f)
{
    dac_site_options d;
    dac_site_options_default(&d);
    fprintf(f,
            "usage: dac struct analyze FILE... [options]\n\n"
            "Groups metal atoms into sites (connected components of the metal-metal graph\n"
            "within the pair cutoff, periodic images included): single, pair, cluster (>= 3).\n"
            "FILE '-' reads standard input (then --format is required).\n\n"
            "options:\n"
            "  --pair-cutoff Å      metal-metal distance that joins a site (default %g Å)\n"
            "  --bond-tolerance F   first shell: non-metal atoms closer than\n"
            "                       F × (r_cov,metal + r_cov,atom) (default %g; Cordero radii)\n"
            "  --bridge-min Å       pairs with M···M >= this are 'direct' synergy, else\n"
            "                       'indirect' (default %g Å). Pairs are only found up to the\n"
            "                       pair cutoff: use e.g. --pair-cutoff 6 for 5.8 Å pairs.\n"
            "  --min-distance Å     two atoms closer than this are bad input: one atom listed\n"
            "                       twice or a disordered site (default %g Å; no bond is\n"
            "                       shorter: H2 is 0.74 Å)\n"
            "  --format F           input format: xyz, extxyz, poscar, cif\n"
            "                       (default: from each file's name)\n"
            "  --json               JSON Lines: one JSON record per input file, one per line\n"
            "  -q, --quiet          no warnings on stderr (errors still shown)\n"
            "  -h, --help           this help\n\n"
            "Output goes to standard output: a table per file plus totals, or JSON Lines.\n"
            "exit codes: 0 success, 1 runtime failure, 2 usage error, 3 bad input.\n",
            d.pair_cutoff_A, d.bond_tolerance, d.bridge_min_A, d.min_distance_A);
}

static void print_convert_help(FILE *f)
{
    fprintf(f, "usage: dac struct convert IN OUT [options]\n\n"
               "Reads the first structure of IN and writes it to OUT (written atomically).\n"
               "'-' is standard input / output (then the matching format option is required).\n\n"
               "options:\n"
               "  --format F       input format: xyz, extxyz, poscar, cif (default: from IN's name)\n"
               "  --out-format F   output format: extxyz, poscar, cif (xyz is written as extended\n"
               "                   XYZ) (default: from OUT's name)\n"
               "  --force-periodic POSCAR and CIF are periodic along a, b and c: write a slab\n"
               "                   or a molecule in a box anyway (refused without it; a\n"
               "                   warning says which lattice vectors became periods)\n"
               "  -q, --quiet      no warnings on stderr (errors still shown)\n"
               "  -h, --help       this help\n\n"
               "exit codes: 0 success, 1 runtime failure, 2 usage error, 3 bad input.\n");
}

static int parse_format(const char *cmd, const char *text, dac_struct_format *fmt)
{
    *fmt = dac_struct_format_from_name(text);
    if (*fmt == DAC_FORMAT_AUTO)
        return cli_usage_error(cmd, "unknown format '%s' (expected xyz, extxyz, poscar or cif)", text);
    return 0;
}

/* The library names options by their field (pair_cutoff_A); the user typed the
 * option (--pair-cutoff). */
static const struct {
    const char *field, *option;
} option_names[] = {
    {"pair_cutoff_A", "--pair-cutoff"},
    {"bond_tolerance", "--bond-tolerance"},
    {"bridge_min_A", "--bridge-min"},
    {"min_distance_A", "--min-distance"},
};

/* Copies msg to out with every field name replaced by its option ("pair_cutoff_A = 9"
 * becomes "--pair-cutoff 9"). */
static void name_options(const char *msg, char *out, size_t size)
{
    size_t len = 0;
    while (*msg && len + 1 < size) {
        size_t k, n = sizeof option_names / sizeof option_names[0];
        for (k = 0; k < n; k++)
            if (!strncmp(msg, option_names[k].field, strlen(option_names[k].field)))
                break;
        if (k == n) {
            out[len++] = *msg++;
            continue;
        }
        msg += strlen(option_names[k].field);
        if (!strncmp(msg, " = ", 3))
            msg += 2; /* keep one blank: "--pair-cutoff 9" */
        len += (size_t)snprintf(out + len, size - len, "%s", option_names[k].option);
    }
    out[len < size ? len : size - 1] = '\0';
}

/* Reports a failure on one file with the file's name and the options as typed;
 * returns the exit code (a usage error: 2, with the usage hint). */
static int file_failure(const char *cmd, const char *path, int rc)
{
    const char *shown = strcmp(path, "-") ? path : "(stdin)";
    char msg[1024], named[1200];
    name_options(dac_last_error(), msg, sizeof msg);
    if (strstr(msg, shown))
        snprintf(named, sizeof named, "%s", msg);
    else
        snprintf(named, sizeof named, "%s: %s", shown, msg);
    fflush(stdout);
    if (rc == DAC_ERR_USAGE) {
        cli_print_warnings();
        return cli_usage_error(cmd, "%s", named);
    }
    dac_error(rc, "%s", named);
    return cli_fail(rc);
}

/* ----------------------------------------------------------------- analyze -------- */

enum { OPT_PAIR = 256, OPT_TOL, OPT_BRIDGE, OPT_MIN_DISTANCE, OPT_FORMAT, OPT_JSON, OPT_OUT_FORMAT,
       OPT_FORCE_PERIODIC };

/* Reads, analyses and writes one file (JSON record or table); totals are added. */
static int analyze_file(const char *path, dac_struct_format fmt, const dac_site_options *opt,
                        int json, dac_site_totals *totals)
{
    dac_structure *s = NULL;
    dac_site_analysis *a = NULL;
    double t0 = cli_seconds();
    int rc = dac_struct_read(path, fmt, &s);
    double t1 = cli_seconds();
    if (rc == DAC_OK) {
        cli_print_warnings();
        rc = dac_struct_analyze(s, opt, &a);
    }
    if (rc == DAC_OK) {
        cli_log(CLI_LOG_INFO, "%s: read %zu atoms in %.3f s, analysed in %.3f s", path,
                s->n_atoms, t1 - t0, cli_seconds() - t1);
        const char *inputs[1] = {path};
        dac_provenance prov = cli_provenance(0, 0, 1, inputs);
        rc = json ? dac_site_analysis_write_json(stdout, path, s, a, &prov)
                  : dac_site_analysis_write_table(stdout, path, s, a);
    }
    if (rc == DAC_OK)
        dac_site_totals_add(totals, a);
    dac_site_analysis_free(a);
    dac_structure_free(s);
    return rc;
}

static int analyze_files(const char *cmd, char **files, int n, dac_struct_format fmt,
                         const dac_site_options *opt, int json)
{
    dac_site_totals totals = {0};
    int worst = 0;
    for (int f = 0; f < n; f++) {
        int rc = analyze_file(files[f], fmt, opt, json, &totals);
        int code = rc == DAC_OK ? 0 : file_failure(cmd, files[f], rc);
        if (!worst)
            worst = code;
    }
    if (!json && totals.n_analyses > 1 && dac_site_totals_write_table(stdout, &totals) != DAC_OK &&
        !worst)
        worst = cli_fail(DAC_ERR_RUNTIME);
    if (fflush(stdout) != 0 && !worst)
        worst = cli_fail(dac_error(DAC_ERR_RUNTIME, "cannot write to standard output"));
    return worst;
}

/* A positive (or, with allow_zero, non-negative) length or factor. */
static int parse_positive(const char *cmd, const char *option, const char *text, int allow_zero,
                          double *value)
{
    if (cli_parse_double(cmd, option, text, value))
        return 2;
    if (allow_zero ? !(*value >= 0) : !(*value > 0))
        return cli_usage_error(cmd, "%s must be %s, got %s", option, allow_zero ? ">= 0" : "> 0",
                               text);
    return 0;
}

static int cmd_analyze(int argc, char **argv)
{
    static const char *const cmd = "struct analyze";
    static const struct option longs[] = {
        {"pair-cutoff", required_argument, NULL, OPT_PAIR},
        {"bond-tolerance", required_argument, NULL, OPT_TOL},
        {"bridge-min", required_argument, NULL, OPT_BRIDGE},
        {"min-distance", required_argument, NULL, OPT_MIN_DISTANCE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    dac_site_options opt;
    dac_site_options_default(&opt);
    dac_struct_format fmt = DAC_FORMAT_AUTO;
    int json = 0, c, bad = 0;
    optind = 1;
    opterr = 0;
    while (!bad && (c = getopt_long(argc, argv, ":hq", longs, NULL)) != -1) {
        switch (c) {
        case OPT_PAIR: bad = parse_positive(cmd, "--pair-cutoff", optarg, 0, &opt.pair_cutoff_A); break;
        case OPT_TOL: bad = parse_positive(cmd, "--bond-tolerance", optarg, 0, &opt.bond_tolerance); break;
        case OPT_BRIDGE: bad = parse_positive(cmd, "--bridge-min", optarg, 1, &opt.bridge_min_A); break;
        case OPT_MIN_DISTANCE:
            bad = parse_positive(cmd, "--min-distance", optarg, 0, &opt.min_distance_A);
            break;
        case OPT_FORMAT: bad = parse_format(cmd, optarg, &fmt); break;
        case OPT_JSON: json = 1; break;
        case 'h': print_analyze_help(stdout); return 0;
        case 'q': cli_quiet = 1; cli_log_set_level(CLI_LOG_QUIET); break;
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    if (bad)
        return bad;
    if (optind >= argc)
        return cli_usage_error(cmd, "no input file");
    for (int f = optind; f < argc; f++)
        if (!strcmp(argv[f], "-") && fmt == DAC_FORMAT_AUTO)
            return cli_usage_error(cmd, "reading standard input needs --format");
    return analyze_files(cmd, argv + optind, argc - optind, fmt, &opt, json);
}

/* ----------------------------------------------------------------- convert -------- */

/* Reads IN, writes OUT. A refusal to make a structure periodic names the option that
 * allows it. */
static int convert(const char *cmd, const char *in, dac_struct_format in_fmt, const char *out,
                   dac_struct_format out_fmt, int force_periodic)
{
    dac_structure *s = NULL;
    int rc = dac_struct_read(in, in_fmt, &s);
    if (rc)
        return file_failure(cmd, in, rc);
    cli_print_warnings();
    rc = dac_struct_write(out, out_fmt, s, force_periodic ? DAC_STRUCT_WRITE_FORCE_PERIODIC : 0);
    int partly_periodic = s->has_cell && !(s->pbc[0] && s->pbc[1] && s->pbc[2]);
    dac_structure_free(s);
    if (rc == DAC_ERR_USAGE && partly_periodic && !force_periodic)
        return cli_usage_error(cmd, "%s; give --force-periodic to write it so anyway",
                               dac_last_error());
    if (rc)
        return cli_fail(rc);
    cli_print_warnings();
    return 0;
}

static int cmd_convert(int argc, char **argv)
{
    static const char *const cmd = "struct convert";
    static const struct option longs[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"out-format", required_argument, NULL, OPT_OUT_FORMAT},
        {"force-periodic", no_argument, NULL, OPT_FORCE_PERIODIC},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    dac_struct_format in_fmt = DAC_FORMAT_AUTO, out_fmt = DAC_FORMAT_AUTO;
    int c, force_periodic = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hq", longs, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (parse_format(cmd, optarg, &in_fmt))
                return 2;
            break;
        case OPT_OUT_FORMAT:
            if (parse_format(cmd, optarg, &out_fmt))
                return 2;
            break;
        case OPT_FORCE_PERIODIC: force_periodic = 1; break;
        case 'h': print_convert_help(stdout); return 0;
        case 'q': cli_quiet = 1; cli_log_set_level(CLI_LOG_QUIET); break;
        default: return cli_bad_option(cmd, c, argv);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(cmd, "expected IN and OUT, got %d file argument(s)", argc - optind);
    const char *in = argv[optind], *out = argv[optind + 1];
    if (!strcmp(in, "-") && in_fmt == DAC_FORMAT_AUTO)
        return cli_usage_error(cmd, "reading standard input needs --format");
    if (out_fmt == DAC_FORMAT_AUTO && (!strcmp(out, "-") || dac_struct_format_from_path(out) == DAC_FORMAT_AUTO))
        return cli_usage_error(cmd, "cannot tell the output format of '%s'; give --out-format", out);
    return convert(cmd, in, in_fmt, out, out_fmt, force_periodic);
}

int cmd_struct(int argc, char **argv)
{
    if (argc < 2) {
        print_struct_help(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        print_struct_help(stdout);
        return 0;
    }
    if (!strcmp(sub, "analyze"))
        return cmd_analyze(argc - 1, argv + 1);
    if (!strcmp(sub, "convert"))
        return cmd_convert(argc - 1, argv + 1);
    return cli_usage_error("struct", "unknown subcommand '%s' (expected analyze or convert)", sub);
}
