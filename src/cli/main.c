/*
 * main.c — `dac <command> [<subcommand>] [options] [files]`: global options, then
 * dispatch to cmd_<command>. No science here; each command lives in its own file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <getopt.h>
#include <time.h>

#include "cli/cli.h"
#include "core/parse.h"

int cli_quiet = 0;

/* The command line as typed: getopt_long permutes argv in place, so main keeps a copy
 * of the pointers for the results' provenance. */
static int command_argc;
static char **command_argv;

dac_provenance cli_provenance(int has_seed, uint64_t seed, size_t n_inputs,
                              const char *const *inputs)
{
    dac_provenance p = {command_argc, command_argv, has_seed, seed, n_inputs, inputs};
    return p;
}

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"struct", cmd_struct, "read structures, find and name metal sites (single, pair, cluster)"},
    {"image", cmd_image, "inspect and convert microscope images (TIFF, PNG, DM3/DM4, MRC)"},
    {"stem", cmd_stem, "simulate HAADF-STEM images; count singles, pairs and clusters"},
    {"synth", cmd_synth, "kinetic Monte Carlo of DAC synthesis routes (and sweeps of it)"},
    {"kinetics", cmd_kinetics, "free-energy diagrams and microkinetic models, single and dual sites"},
    {"run", cmd_run, "run a study (synthesis, images, activity) and write its report.html"},
};

static void print_help(FILE *f)
{
    fprintf(f, "usage: dac [-v|-q] <command> [<subcommand>] [options] [files]\n\n"
               "dac — a toolkit for research on dual-atom catalysts.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nglobal options:\n"
               "  -h, --help     this help; `dac <command> --help` for a command's options\n"
               "  -V, --version  print the version\n"
               "  -v, --verbose  more messages on stderr\n"
               "  -q, --quiet    errors only; no progress bar\n\n"
               "exit codes: 0 success, 1 runtime failure, 2 usage error, 3 bad input.\n"
               "Documentation: docs/ in the source tree.\n");
}

double cli_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_print_warnings(void)
{
    for (size_t i = 0; i < dac_warning_count(); i++)
        if (!cli_quiet)
            fprintf(stderr, "dac: warning: %s\n", dac_warning(i));
    dac_warnings_clear();
}

int cli_fail(int status)
{
    cli_print_warnings();
    const char *msg = dac_last_error();
    fprintf(stderr, "dac: error: %s\n", msg[0] ? msg : "unknown failure");
    return dac_status_exit_code(status);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "dac %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'dac %s --help'.\n", cmd);
    return 2;
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    if (optopt > 0 && optopt < 128 && strncmp(arg, "--", 2) != 0)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_parse_double(const char *cmd, const char *option, const char *text, double *value)
{
    if (dac_parse_double(text, value) != DAC_OK)
        return cli_usage_error(cmd, "option %s: expected a number, got '%s'", option, text);
    return 0;
}

int cli_parse_long(const char *cmd, const char *option, const char *text, long *value)
{
    if (dac_parse_long(text, value) != DAC_OK)
        return cli_usage_error(cmd, "option %s: expected an integer, got '%s'", option, text);
    return 0;
}

int cli_parse_seed(const char *cmd, const char *text, uint64_t *seed)
{
    char *end;
    errno = 0;
    if (text[0] == '-' || text[0] == '\0')
        return cli_usage_error(cmd, "option --seed: expected a non-negative integer, got '%s'", text);
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end)
        return cli_usage_error(cmd, "option --seed: expected a non-negative integer, got '%s'", text);
    *seed = (uint64_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    command_argv = malloc(sizeof *command_argv * ((size_t)argc + 1));
    if (command_argv) {
        memcpy(command_argv, argv, sizeof *command_argv * ((size_t)argc + 1));
        command_argc = argc;
    }
    int i = 1;
    int level = CLI_LOG_WARN;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help(stdout);
            return 0;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
            printf("dac %s\n", DAC_VERSION);
            return 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            level = CLI_LOG_INFO + (level >= CLI_LOG_INFO);
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            level = CLI_LOG_QUIET;
            cli_quiet = 1;
        } else {
            fprintf(stderr, "dac: unknown option '%s'\nTry 'dac --help'.\n", a);
            return 2;
        }
    }
    /* -q and -v are global options wherever they stand, after the command too
     * (`dac stem count a.tif -o out -q`): take them out of the command's arguments
     * before its own parser sees them. Nothing after "--" is touched. */
    int n = i + 1 < argc ? i + 1 : argc;
    for (int k = n; k < argc; k++) {
        const char *a = argv[k];
        if (!strcmp(a, "--")) {
            while (k < argc)
                argv[n++] = argv[k++];
            break;
        }
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            level = level == CLI_LOG_QUIET ? level : CLI_LOG_INFO + (level >= CLI_LOG_INFO);
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            level = CLI_LOG_QUIET;
            cli_quiet = 1;
        } else {
            argv[n++] = argv[k];
        }
    }
    argc = n;
    argv[argc] = NULL;
    cli_log_set_level(level);
    if (i >= argc) {
        print_help(stderr);
        return 2;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (!strcmp(argv[i], commands[c].name))
            return commands[c].run(argc - i, argv + i);
    fprintf(stderr, "dac: unknown command '%s'\nTry 'dac --help'.\n", argv[i]);
    return 2;
}
