/*
 * error.c — the thread-local last-error slot and warning list behind dac_last_error().
 *
 * Library functions record what went wrong here and return a status; only the CLI
 * prints. Thread-local storage makes concurrent callers (a sweep over threads) safe
 * without locks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dac/core.h"

#define DAC_ERROR_SIZE 1024
#define DAC_WARNING_MAX 64

static _Thread_local char error_message[DAC_ERROR_SIZE];
static _Thread_local int error_code;
static _Thread_local char warnings[DAC_WARNING_MAX][256];
static _Thread_local size_t n_warnings;
static _Thread_local size_t n_warnings_dropped;

int dac_verror(int code, const char *fmt, va_list ap)
{
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    error_code = code;
    return code;
}

int dac_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dac_verror(code, fmt, ap);
    va_end(ap);
    return code;
}

int dac_error_at(int code, const char *file, long line, const char *fmt, ...)
{
    char prefix[512];
    size_t n;
    va_list ap;
    if (line > 0)
        snprintf(prefix, sizeof prefix, "%s:%ld: ", file ? file : "(input)", line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", file ? file : "(input)");
    n = strlen(prefix);
    memcpy(error_message, prefix, n + 1);
    va_start(ap, fmt);
    vsnprintf(error_message + n, sizeof error_message - n, fmt, ap);
    va_end(ap);
    error_code = code;
    return code;
}

const char *dac_last_error(void) { return error_message; }
int dac_last_error_code(void) { return error_code; }

void dac_error_clear(void)
{
    error_message[0] = '\0';
    error_code = DAC_OK;
}

void dac_warn(const char *fmt, ...)
{
    va_list ap;
    if (n_warnings >= DAC_WARNING_MAX) {
        n_warnings_dropped++;
        snprintf(warnings[DAC_WARNING_MAX - 1], sizeof warnings[0],
                 "%zu further warnings not shown", n_warnings_dropped + 1);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(warnings[n_warnings++], sizeof warnings[0], fmt, ap);
    va_end(ap);
}

size_t dac_warning_count(void) { return n_warnings; }

const char *dac_warning(size_t i) { return i < n_warnings ? warnings[i] : NULL; }

void dac_warnings_clear(void)
{
    n_warnings = 0;
    n_warnings_dropped = 0;
}

int dac_status_exit_code(int status)
{
    switch (status) {
    case DAC_OK: return 0;
    case DAC_ERR_USAGE: return 2;
    case DAC_ERR_INPUT: return 3;
    default: return 1;
    }
}
