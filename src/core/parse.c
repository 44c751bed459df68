/*
 * parse.c — strict number parsing shared by every reader: the whole token must be a
 * finite number, so "1.5x" or "nan" in an input file is an error, not a silent value.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/parse.h"
#include "dac/core.h"

int dac_parse_double(const char *text, double *value)
{
    char *end;
    if (!text || !*text)
        return DAC_ERR_INPUT;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return DAC_ERR_INPUT;
    *value = v;
    return DAC_OK;
}

int dac_parse_long(const char *text, long *value)
{
    char *end;
    if (!text || !*text)
        return DAC_ERR_INPUT;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return DAC_ERR_INPUT;
    *value = v;
    return DAC_OK;
}
