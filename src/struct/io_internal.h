/*
 * io_internal.h — what the structure readers and writers share (not public API).
 *
 * Every reader works on one NUL-terminated text buffer that holds the whole file
 * (io.c reads the file, or copies the caller's buffer, exactly once). Lines are never
 * copied: a cursor hands out (pointer, length) views into the buffer and knows the file
 * name and the 1-based line number, so every error can say "FILE:LINE: what was
 * expected". Numbers are parsed in place with strtod; that is safe because the buffer
 * ends in NUL and a number never spans whitespace, so strtod cannot run past a line.
 */
#ifndef DAC_STRUCT_IO_INTERNAL_H
#define DAC_STRUCT_IO_INTERNAL_H

#include <stddef.h>

#include "dac/core.h"
#include "dac/struct.h"

/* The largest atom count any reader accepts: far beyond any real input, and small
 * enough that the arrays for it (≈ 3 GB) cannot overflow size_t arithmetic. */
#define DAC_IO_MAX_ATOMS 100000000L

/* A read position in a text buffer. `line` and `cur`/`cur_len` describe the line
 * returned by the last dac_io_cursor_next() (line 0: none read yet). */
typedef struct {
    const char *text; /* the whole buffer; text[len] == '\0' */
    size_t len;
    size_t pos;       /* offset of the next unread line */
    const char *name; /* file name for messages */
    long line;
    const char *cur;  /* current line, without its '\n' and any trailing '\r' */
    size_t cur_len;
} dac_io_cursor;

void dac_io_cursor_init(dac_io_cursor *c, const char *text, size_t len, const char *name);
/* Advances to the next line; returns 1, or 0 at the end of the buffer. */
int dac_io_cursor_next(dac_io_cursor *c);
/* Number of lines after the current one, counting at most up to `limit` (a cheap
 * bound check before allocating for a count read from the file). */
size_t dac_io_cursor_lines_left(const dac_io_cursor *c, size_t limit);
/* Records DAC_ERR_INPUT as "NAME:LINE: message" for the current line; returns it. */
int dac_io_error(const dac_io_cursor *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Whitespace-separated tokens of [*p, end): returns 1 and the token, advancing *p, or
 * 0 when only blanks remain. */
int dac_io_next_token(const char **p, const char *end, const char **tok, size_t *len);
/* 1 when [p, end) holds only blanks. */
int dac_io_is_blank(const char *p, const char *end);
/* The whole token must be a finite number / an integer. Returns 0 on success. */
int dac_io_parse_double(const char *tok, size_t len, double *value);
int dac_io_parse_long(const char *tok, size_t len, long *value);
/* An element from a symbol in any letter case ("Ni", "NI", "ni") or an atomic number
 * ("28"). Returns 0 and Z, or -1 when unknown. */
int dac_io_element(const char *tok, size_t len, int *Z);
/* Copies a token into buf for messages, shortened with "…" when long. */
const char *dac_io_quote(char *buf, size_t size, const char *tok, size_t len);

/* Cell helpers (cell rows are lattice vectors). */
double dac_io_cell_volume(const double cell[3][3]);
/* 1 when the cell is too flat to invert (|det| tiny relative to the edge lengths). */
int dac_io_cell_is_singular(const double cell[3][3]);
/* Lengths a, b, c (Å) and angles alpha, beta, gamma (degrees). */
void dac_io_cell_parameters(const double cell[3][3], double length_A[3], double angle_deg[3]);
/* Cell in the crystallographic standard orientation (a along x, b in the xy plane).
 * Returns 0, or -1 when the angles cannot form a cell. */
int dac_io_cell_from_parameters(const double length_A[3], const double angle_deg[3],
                                double cell[3][3]);

/* Format readers: text[len] == '\0'. On success *out owns a new structure. */
int dac_io_read_xyz(const char *text, size_t len, const char *name, int extended,
                    dac_structure **out);
int dac_io_read_poscar(const char *text, size_t len, const char *name, dac_structure **out);
int dac_io_read_cif(const char *text, size_t len, const char *name, dac_structure **out);

/* Format writers: write to an open stream; return DAC_OK or an error status. */
int dac_io_write_extxyz(FILE *f, const dac_structure *s);
int dac_io_write_poscar(FILE *f, const dac_structure *s);
int dac_io_write_cif(FILE *f, const dac_structure *s);

#endif
