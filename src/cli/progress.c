/*
 * progress.c — leveled messages and the terminal progress bar of the `dac` tool (the
 * library reports progress through a dac_progress_fn callback and never prints).
 *
 * The bar is drawn only when stderr is a terminal (so logs and CI output stay clean)
 * and redrawn at most every 0.1 s (so a tight loop calling it costs nothing).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

static int log_level = CLI_LOG_WARN;

void cli_log_set_level(int level) { log_level = level; }
int cli_log_get_level(void) { return log_level; }

void cli_log(int level, const char *fmt, ...)
{
    static const char *names[] = {"", "warning", "info", "debug"};
    va_list ap;
    if (level > log_level || level <= CLI_LOG_QUIET)
        return;
    fprintf(stderr, "dac: %s: ", names[level > 3 ? 3 : level]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

struct cli_progress {
    char label[48];
    int active;       /* stderr is a terminal and not quiet */
    double last_draw; /* seconds, monotonic */
    int drawn;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

cli_progress *cli_progress_create(const char *label, int quiet)
{
    cli_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    p->active = !quiet && log_level > CLI_LOG_QUIET && isatty(STDERR_FILENO);
    p->last_draw = -1.0;
    return p;
}

int cli_progress_update(double fraction, void *progress)
{
    cli_progress *p = progress;
    if (!p || !p->active)
        return 0;
    double t = now_s();
    if (p->drawn && t - p->last_draw < 0.1 && fraction < 1.0)
        return 0;
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int filled = (int)(fraction * WIDTH + 0.5);
    memset(bar, '#', filled);
    memset(bar + filled, '-', WIDTH - filled);
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %3.0f%%", p->label, bar, 100.0 * fraction);
    fflush(stderr);
    p->last_draw = t;
    p->drawn = 1;
    return 0;
}

void cli_progress_free(cli_progress *p)
{
    if (!p)
        return;
    if (p->active && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    free(p);
}
