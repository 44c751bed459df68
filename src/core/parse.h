/*
 * parse.h — strict number parsing shared by every reader (private): the whole token
 * must be a finite number, so "1.5x" or "nan" in an input file is an error, not a
 * silent value.
 */
#ifndef DAC_CORE_PARSE_H
#define DAC_CORE_PARSE_H

int dac_parse_double(const char *text, double *value);
int dac_parse_long(const char *text, long *value);

#endif
