/*
 * cli.h — what every `dac` command shares: the command entry points, turning a library
 * status into a message and an exit code, and the common -v/-q handling.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage error, 3 bad input.
 */
#ifndef DAC_CLI_H
#define DAC_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "dac/core.h"

/* Command entry points; argv[0] is the command name ("struct", "stem", …). */
int cmd_struct(int argc, char **argv);
int cmd_stem(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_kinetics(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Subcommands of `dac stem` that live in their own files. */
int cmd_stem_simulate(int argc, char **argv);
int cmd_stem_count(int argc, char **argv);
int cmd_stem_score(int argc, char **argv);
int cmd_stem_learn(int argc, char **argv);

/* Prints every pending library warning as "dac: warning: …" (unless quiet) and clears
 * them. */
void cli_print_warnings(void);
/* Prints "dac: error: <last library error>" to stderr and returns the exit code for
 * `status` (see dac_status_exit_code). */
int cli_fail(int status);
/* Prints "dac <cmd>: <message>\nTry 'dac <cmd> --help'." and returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* getopt_long's failure as a usage error naming the option as typed: c is ':' (a
 * missing value: optstrings start with ':') or '?' (unknown). Commands set opterr = 0
 * so that getopt's own message is never printed next to this one. Returns 2. */
int cli_bad_option(const char *cmd, int c, char **argv);
/* Parses a number option strictly; on failure prints a usage error naming the option
 * and returns 2, else 0. */
int cli_parse_double(const char *cmd, const char *option, const char *text, double *value);
int cli_parse_long(const char *cmd, const char *option, const char *text, long *value);
/* Parses a --seed value (decimal, 0 … 2^64−1). */
int cli_parse_seed(const char *cmd, const char *text, uint64_t *seed);

/* Messages on stderr by level; the level is set by -q / -v. */
typedef enum { CLI_LOG_QUIET = 0, CLI_LOG_WARN = 1, CLI_LOG_INFO = 2, CLI_LOG_DEBUG = 3 } cli_log_level;
void cli_log_set_level(int level);
int cli_log_get_level(void);
void cli_log(int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A progress bar on stderr, drawn only when stderr is a terminal and not quiet,
 * redrawn at most ~10 times per second. cli_progress_update matches dac_progress_fn,
 * so a bar can be handed to the library as its progress callback. */
typedef struct cli_progress cli_progress;
cli_progress *cli_progress_create(const char *label, int quiet);
int cli_progress_update(double fraction, void *progress);
void cli_progress_free(cli_progress *p); /* clears the line */

/* The provenance of a command's results: the whole command line as typed (saved by
 * main before getopt reorders it), the seed when has_seed, and the input files. */
dac_provenance cli_provenance(int has_seed, uint64_t seed, size_t n_inputs,
                              const char *const *inputs);

/* Open MPI for the sweep commands: cli_mpi_begin starts it when an MPI launcher started
 * this process (1) and does nothing otherwise (0, also without DAC_HAVE_MPI);
 * cli_mpi_end(that value) finalises what began. dac_sweep_is_root() says which rank
 * speaks. */
int cli_mpi_begin(void);
void cli_mpi_end(int started);

/* Monotonic clock in seconds, for -v timings. */
double cli_seconds(void);

/* Set by -q/--quiet and -v/--verbose before the command runs (global options) or by
 * the command's own options. */
extern int cli_quiet;

#endif
