/*
 * outfile.c — atomic output files and the CSV/number formatting every writer shares.
 *
 * A failed run must leave no partial output: writers write to "PATH.tmp.XXXXXX" in the
 * same directory (so rename is atomic on one file system) and rename over PATH only on
 * success. "-" is standard output, where atomicity is not possible.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dac/core.h"

struct dac_outfile {
    FILE *stream;
    char *path;
    char *tmp_path; /* NULL for stdout */
};

int dac_outfile_open(dac_outfile **out, const char *path)
{
    *out = NULL;
    if (!path || !*path)
        return dac_error(DAC_ERR_USAGE, "output path is empty");
    dac_outfile *o = calloc(1, sizeof *o);
    if (!o)
        return dac_error(DAC_ERR_NOMEM, "out of memory opening %s", path);
    if (strcmp(path, "-") == 0) {
        o->stream = stdout;
        *out = o;
        return DAC_OK;
    }
    size_t n = strlen(path);
    o->path = malloc(n + 1);
    o->tmp_path = malloc(n + 16);
    if (!o->path || !o->tmp_path) {
        dac_outfile_abort(o);
        return dac_error(DAC_ERR_NOMEM, "out of memory opening %s", path);
    }
    memcpy(o->path, path, n + 1);
    snprintf(o->tmp_path, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        int err = errno;
        free(o->tmp_path);
        o->tmp_path = NULL;
        dac_outfile_abort(o);
        return dac_error(DAC_ERR_RUNTIME, "cannot write %s: %s", path, strerror(err));
    }
    /* mkstemp creates 0600; output files should have the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    o->stream = fdopen(fd, "wb");
    if (!o->stream) {
        close(fd);
        dac_outfile_abort(o);
        return dac_error(DAC_ERR_RUNTIME, "cannot write %s", path);
    }
    *out = o;
    return DAC_OK;
}

FILE *dac_outfile_stream(dac_outfile *out) { return out->stream; }

int dac_outfile_commit(dac_outfile *out)
{
    int status = DAC_OK;
    if (!out->tmp_path) {
        if (fflush(out->stream) != 0 || ferror(out->stream))
            status = dac_error(DAC_ERR_RUNTIME, "error writing standard output");
        free(out);
        return status;
    }
    int bad = ferror(out->stream);
    if (fclose(out->stream) != 0)
        bad = 1;
    out->stream = NULL;
    if (bad) {
        status = dac_error(DAC_ERR_RUNTIME, "error writing %s (disk full?)", out->path);
    } else if (rename(out->tmp_path, out->path) != 0) {
        status = dac_error(DAC_ERR_RUNTIME, "cannot create %s: %s", out->path, strerror(errno));
    }
    if (status != DAC_OK)
        remove(out->tmp_path);
    free(out->tmp_path);
    free(out->path);
    free(out);
    return status;
}

void dac_outfile_abort(dac_outfile *out)
{
    if (!out)
        return;
    if (out->tmp_path) {
        if (out->stream)
            fclose(out->stream);
        remove(out->tmp_path);
    }
    free(out->tmp_path);
    free(out->path);
    free(out);
}

void dac_csv_write_field(FILE *f, const char *field, int last)
{
    const char *s = field ? field : "";
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

void dac_format_double(char *buf, size_t size, double value)
{
    if (isnan(value)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(value)) {
        snprintf(buf, size, value > 0 ? "inf" : "-inf");
        return;
    }
    /* Shortest of %.15g / %.17g that reads back exactly: readable and lossless. */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, value);
        if (strtod(buf, NULL) == value)
            return;
    }
}

void dac_csv_write_number(FILE *f, double value, int last)
{
    char buf[40];
    if (isnan(value))
        buf[0] = '\0'; /* empty cell: pandas reads it as NaN */
    else
        dac_format_double(buf, sizeof buf, value);
    fputs(buf, f);
    fputc(last ? '\n' : ',', f);
}
