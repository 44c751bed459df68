/*
 * cmd_struct.c — `dac struct analyze` (metal sites of structure files, as a table or as
 * JSON Lines) and `dac struct convert` (between structure formats).
 *
 * No science here: reading, analysis and writing are library calls; this file parses
 * options, formats results and maps statuses to exit codes (0 ok, 1 runtime, 2 usage,
 * 3 bad input). Documentation: docs/struct.md.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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
            "  --format F           input format: xyz, extxyz, poscar, cif\n"
            "                       (default: from each file's name)\n"
            "  --json               JSON Lines: one compact JSON object per input file\n"
            "  -q, --quiet          no warnings on stderr (errors still shown)\n"
            "  -h, --help           this help\n\n"
            "Output goes to standard output: a table per file plus totals, or JSON Lines.\n"
            "exit codes: 0 success, 1 runtime failure, 2 usage error, 3 bad input.\n",
            d.pair_cutoff_A, d.bond_tolerance, d.bridge_min_A);
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
               "  -q, --quiet      no warnings on stderr (errors still shown)\n"
               "  -h, --help       this help\n\n"
               "exit codes: 0 success, 1 runtime failure, 2 usage error, 3 bad input.\n");
}

/* Reports getopt's failure as a usage error: c is ':' (missing value, the optstring
 * starts with ':') or '?' (unknown option). */
static int bad_option(const char *cmd, int c, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    if (optopt > 0 && optopt < 128 && strncmp(arg, "--", 2) != 0)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

static int parse_format(const char *cmd, const char *text, dac_struct_format *fmt)
{
    *fmt = dac_struct_format_from_name(text);
    if (*fmt == DAC_FORMAT_AUTO)
        return cli_usage_error(cmd, "unknown format '%s' (expected xyz, extxyz, poscar or cif)", text);
    return 0;
}

/* Reads one file; on failure makes sure the message names the file. */
static int read_structure(const char *path, dac_struct_format fmt, dac_structure **s)
{
    int rc = dac_struct_read(path, fmt, s);
    if (rc && !strstr(dac_last_error(), strcmp(path, "-") ? path : "stdin")) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", dac_last_error());
        dac_error(rc, "%s: %s", strcmp(path, "-") ? path : "(stdin)", msg);
    }
    return rc;
}

/* ----------------------------------------------------------------- JSON output ---- */

/* Distances are rounded to 1e-6 Å, far below any structural precision, so the JSON
 * shows 2.46 rather than 2.4599999999999999. Non-finite values become null. */
static cJSON *json_distance(double d)
{
    return isfinite(d) ? cJSON_CreateNumber(round(d * 1e6) / 1e6) : cJSON_CreateNull();
}

static cJSON *json_fraction(double x)
{
    return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

/* {"Ni": 2, ...} from counts by Z, keys alphabetical by symbol. */
static cJSON *json_element_counts(const size_t *by_Z)
{
    cJSON *o = cJSON_CreateObject();
    unsigned char done[129] = {0};
    for (;;) {
        int best = 0;
        for (int z = 1; z <= 118; z++)
            if (by_Z[z] && !done[z] &&
                (!best || strcmp(dac_element_by_Z(z)->symbol, dac_element_by_Z(best)->symbol) < 0))
                best = z;
        if (!best)
            return o;
        done[best] = 1;
        cJSON_AddNumberToObject(o, dac_element_by_Z(best)->symbol, (double)by_Z[best]);
    }
}

static void metal_counts(const dac_structure *s, size_t by_Z[129])
{
    memset(by_Z, 0, 129 * sizeof *by_Z);
    for (size_t i = 0; i < s->n_atoms; i++) {
        const dac_element *e = dac_element_by_Z(s->Z[i]);
        if (e && e->is_metal)
            by_Z[e->Z]++;
    }
}

static cJSON *json_site(const dac_site *site)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", dac_site_kind_name(site->kind));
    cJSON *atoms = cJSON_AddArrayToObject(o, "atoms");
    for (size_t k = 0; k < site->n_atoms; k++)
        cJSON_AddItemToArray(atoms, cJSON_CreateNumber((double)site->atoms[k]));
    cJSON_AddStringToObject(o, "elements", site->elements);
    cJSON_AddItemToObject(o, "mm_distance_A", site->kind == DAC_SITE_PAIR
                                                  ? json_distance(site->mm_distance_A)
                                                  : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "nearest_other_site_A", json_distance(site->nearest_other_site_A));
    size_t shell[129] = {0};
    for (int z = 1; z <= 118; z++)
        shell[z] = (size_t)site->coordination[z];
    cJSON_AddItemToObject(o, "coordination", json_element_counts(shell));
    cJSON_AddStringToObject(o, "label", site->label);
    const char *syn = dac_synergy_name(site->synergy);
    cJSON_AddItemToObject(o, "synergy", syn ? cJSON_CreateString(syn) : cJSON_CreateNull());
    return o;
}

static int print_json(const char *path, const dac_structure *s, const dac_site_options *opt,
                      const dac_site_analysis *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddNumberToObject(o, "n_atoms", (double)s->n_atoms);
    if (s->has_cell) {
        cJSON *cell = cJSON_AddArrayToObject(o, "cell_A");
        for (int r = 0; r < 3; r++)
            cJSON_AddItemToArray(cell, cJSON_CreateDoubleArray(s->cell_A[r], 3));
    } else {
        cJSON_AddNullToObject(o, "cell_A");
    }
    cJSON *pbc = cJSON_AddArrayToObject(o, "pbc");
    for (int k = 0; k < 3; k++)
        cJSON_AddItemToArray(pbc, cJSON_CreateBool(s->has_cell && s->pbc[k]));
    size_t metals[129];
    metal_counts(s, metals);
    cJSON_AddItemToObject(o, "metals", json_element_counts(metals));
    cJSON_AddNumberToObject(o, "pair_cutoff_A", opt->pair_cutoff_A);
    cJSON *sites = cJSON_AddArrayToObject(o, "sites");
    for (size_t k = 0; k < a->n_sites; k++)
        cJSON_AddItemToArray(sites, json_site(&a->sites[k]));
    cJSON *counts = cJSON_AddObjectToObject(o, "counts");
    cJSON_AddNumberToObject(counts, "single", (double)a->count[DAC_SITE_SINGLE]);
    cJSON_AddNumberToObject(counts, "pair", (double)a->count[DAC_SITE_PAIR]);
    cJSON_AddNumberToObject(counts, "cluster", (double)a->count[DAC_SITE_CLUSTER]);
    cJSON *purity = cJSON_AddObjectToObject(o, "purity");
    cJSON_AddItemToObject(purity, "site", json_fraction(a->purity_site));
    cJSON_AddItemToObject(purity, "atom", json_fraction(a->purity_atom));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return dac_error(DAC_ERR_NOMEM, "out of memory formatting JSON for %s", path);
    int ok = printf("%s\n", text) >= 0;
    cJSON_free(text);
    return ok ? DAC_OK : dac_error(DAC_ERR_RUNTIME, "cannot write to standard output");
}

/* ----------------------------------------------------------------- table output --- */

static void format_atoms(const dac_site *site, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < site->n_atoms; k++) {
        char item[32];
        snprintf(item, sizeof item, "%s%zu", k ? "," : "", site->atoms[k]);
        if (len + strlen(item) + 12 > size) {
            snprintf(buf + len, size - len, ",…(+%zu)", site->n_atoms - k);
            return;
        }
        len += (size_t)snprintf(buf + len, size - len, "%s", item);
    }
}

static void format_distance(double d, char *buf, size_t size)
{
    if (isfinite(d))
        snprintf(buf, size, "%.3f", d);
    else
        snprintf(buf, size, "-");
}

static void print_table(const char *path, const dac_structure *s, const dac_site_analysis *a)
{
    printf("%s: %zu atoms", path, s->n_atoms);
    if (s->has_cell) {
        double l[3];
        for (int r = 0; r < 3; r++)
            l[r] = sqrt(s->cell_A[r][0] * s->cell_A[r][0] + s->cell_A[r][1] * s->cell_A[r][1] +
                        s->cell_A[r][2] * s->cell_A[r][2]);
        printf(", cell %.3f × %.3f × %.3f Å, pbc %c %c %c\n", l[0], l[1], l[2], s->pbc[0] ? 'T' : 'F',
               s->pbc[1] ? 'T' : 'F', s->pbc[2] ? 'T' : 'F');
    } else {
        printf(", no cell (molecule)\n");
    }
    size_t metals[129];
    metal_counts(s, metals);
    printf("  metals:");
    int any = 0;
    for (int z = 1; z <= 118; z++)
        if (metals[z]) {
            printf(" %s %zu", dac_element_by_Z(z)->symbol, metals[z]);
            any = 1;
        }
    printf("%s\n", any ? "" : " none");
    if (a->n_sites) {
        printf("  %4s  %-7s  %-16s  %-24s  %8s  %10s  %s\n", "site", "kind", "label", "atoms",
               "M-M/Å", "nearest/Å", "synergy");
        for (size_t k = 0; k < a->n_sites; k++) {
            const dac_site *site = &a->sites[k];
            char atoms[40], mm[32], near[32];
            format_atoms(site, atoms, sizeof atoms);
            format_distance(site->kind == DAC_SITE_PAIR ? site->mm_distance_A : NAN, mm, sizeof mm);
            format_distance(site->nearest_other_site_A, near, sizeof near);
            const char *syn = dac_synergy_name(site->synergy);
            printf("  %4zu  %-7s  %-16s  %-24s  %8s  %10s  %s\n", k + 1, dac_site_kind_name(site->kind),
                   site->label, atoms, mm, near, syn ? syn : "-");
        }
    }
    printf("  sites: single %zu, pair %zu, cluster %zu", a->count[1], a->count[2], a->count[3]);
    if (a->n_sites)
        printf("; purity: site %.3f, atom %.3f", a->purity_site, a->purity_atom);
    printf("\n\n");
}

/* ----------------------------------------------------------------- analyze -------- */

enum { OPT_PAIR = 256, OPT_TOL, OPT_BRIDGE, OPT_FORMAT, OPT_JSON, OPT_OUT_FORMAT };

static int analyze_files(char **files, int n, dac_struct_format fmt, const dac_site_options *opt, int json)
{
    size_t total[4] = {0}, total_metals = 0;
    int worst = 0, done = 0;
    for (int f = 0; f < n; f++) {
        dac_structure *s = NULL;
        dac_site_analysis *a = NULL;
        double t0 = cli_seconds();
        int rc = read_structure(files[f], fmt, &s);
        double t1 = cli_seconds();
        if (rc == DAC_OK) {
            cli_print_warnings();
            rc = dac_struct_analyze(s, opt, &a);
        }
        if (rc == DAC_OK)
            cli_log(CLI_LOG_INFO, "%s: read %zu atoms in %.3f s, analysed in %.3f s", files[f],
                    s->n_atoms, t1 - t0, cli_seconds() - t1);
        if (rc == DAC_OK && json)
            rc = print_json(files[f], s, opt, a);
        else if (rc == DAC_OK)
            print_table(files[f], s, a);
        if (rc == DAC_OK) {
            for (int k = 1; k <= 3; k++)
                total[k] += a->count[k];
            total_metals += a->n_metal_atoms;
            done++;
        } else {
            fflush(stdout);
            int code = cli_fail(rc);
            if (!worst)
                worst = code;
        }
        dac_site_analysis_free(a);
        dac_structure_free(s);
    }
    if (!json && done > 1) {
        size_t sites = total[1] + total[2] + total[3];
        printf("total over %d files: single %zu, pair %zu, cluster %zu", done, total[1], total[2], total[3]);
        if (sites)
            printf("; purity: site %.3f, atom %.3f", (double)total[2] / (double)sites,
                   2.0 * (double)total[2] / (double)total_metals);
        printf("\n");
    }
    if (fflush(stdout) != 0 && !worst)
        worst = cli_fail(dac_error(DAC_ERR_RUNTIME, "cannot write to standard output"));
    return worst;
}

static int cmd_analyze(int argc, char **argv)
{
    static const char *cmd = "struct analyze";
    static const struct option longs[] = {
        {"pair-cutoff", required_argument, NULL, OPT_PAIR},
        {"bond-tolerance", required_argument, NULL, OPT_TOL},
        {"bridge-min", required_argument, NULL, OPT_BRIDGE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    dac_site_options opt;
    dac_site_options_default(&opt);
    dac_struct_format fmt = DAC_FORMAT_AUTO;
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hq", longs, NULL)) != -1) {
        switch (c) {
        case OPT_PAIR:
            if (cli_parse_double(cmd, "--pair-cutoff", optarg, &opt.pair_cutoff_A))
                return 2;
            if (!(opt.pair_cutoff_A > 0))
                return cli_usage_error(cmd, "--pair-cutoff must be > 0 Å, got %s", optarg);
            break;
        case OPT_TOL:
            if (cli_parse_double(cmd, "--bond-tolerance", optarg, &opt.bond_tolerance))
                return 2;
            if (!(opt.bond_tolerance > 0))
                return cli_usage_error(cmd, "--bond-tolerance must be > 0, got %s", optarg);
            break;
        case OPT_BRIDGE:
            if (cli_parse_double(cmd, "--bridge-min", optarg, &opt.bridge_min_A))
                return 2;
            if (!(opt.bridge_min_A >= 0))
                return cli_usage_error(cmd, "--bridge-min must be >= 0 Å, got %s", optarg);
            break;
        case OPT_FORMAT:
            if (parse_format(cmd, optarg, &fmt))
                return 2;
            break;
        case OPT_JSON: json = 1; break;
        case 'h': print_analyze_help(stdout); return 0;
        case 'q': cli_quiet = 1; cli_log_set_level(CLI_LOG_QUIET); break;
        default: return bad_option(cmd, c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(cmd, "no input file");
    for (int f = optind; f < argc; f++)
        if (!strcmp(argv[f], "-") && fmt == DAC_FORMAT_AUTO)
            return cli_usage_error(cmd, "reading standard input needs --format");
    return analyze_files(argv + optind, argc - optind, fmt, &opt, json);
}

/* ----------------------------------------------------------------- convert -------- */

static int cmd_convert(int argc, char **argv)
{
    static const char *cmd = "struct convert";
    static const struct option longs[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"out-format", required_argument, NULL, OPT_OUT_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    dac_struct_format in_fmt = DAC_FORMAT_AUTO, out_fmt = DAC_FORMAT_AUTO;
    int c;
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
        case 'h': print_convert_help(stdout); return 0;
        case 'q': cli_quiet = 1; cli_log_set_level(CLI_LOG_QUIET); break;
        default: return bad_option(cmd, c, argv);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error(cmd, "expected IN and OUT, got %d file argument(s)", argc - optind);
    const char *in = argv[optind], *out = argv[optind + 1];
    if (!strcmp(in, "-") && in_fmt == DAC_FORMAT_AUTO)
        return cli_usage_error(cmd, "reading standard input needs --format");
    if (out_fmt == DAC_FORMAT_AUTO && (!strcmp(out, "-") || dac_struct_format_from_path(out) == DAC_FORMAT_AUTO))
        return cli_usage_error(cmd, "cannot tell the output format of '%s'; give --out-format", out);
    dac_structure *s = NULL;
    int rc = read_structure(in, in_fmt, &s);
    if (rc)
        return cli_fail(rc);
    cli_print_warnings();
    rc = dac_struct_write(out, out_fmt, s);
    dac_structure_free(s);
    if (rc)
        return cli_fail(rc);
    cli_print_warnings();
    return 0;
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
