/*
 * plot_internal.h — what plot.c and plot_render.c share (private to src/report).
 */
#ifndef DAC_REPORT_PLOT_INTERNAL_H
#define DAC_REPORT_PLOT_INTERNAL_H

#include <stddef.h>

/* A file's bytes in memory (malloc'd data). */
typedef struct {
    char *data;
    size_t len;
} report_buffer;

/* Runs gnuplot on file[0] (NAME.csv) and file[1] (NAME.gp) in a private temporary
 * folder and fills file[2] (NAME.svg) and file[3] (NAME.png). *rendered = 0 with DAC_OK
 * when the program does not exist. Errors carry gnuplot's own message. */
int report_plot_render(const char *program, double timeout_s, const char *name,
                       report_buffer file[4], int *rendered);

#endif
