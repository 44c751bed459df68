/*
 * struct_internal.h — what the files of the struct module share (not public API; the
 * prefix is struct_): the line cursor and token helpers of the readers, cell helpers,
 * the format readers and writers, and the cell grid over a structure's atoms that the
 * neighbour list, the close-contact check and the site analysis query.
 *
 * Every reader works on one NUL-terminated text buffer that holds the whole file
 * (io.c reads the file, or copies the caller's buffer, exactly once). Lines are never
 * copied: a cursor hands out (pointer, length) views into the buffer and knows the file
 * name and the 1-based line number, so every error can say "FILE:LINE: what was
 * expected". Numbers are parsed in place with strtod; that is safe because the buffer
 * ends in NUL and a number never spans whitespace, so strtod cannot run past a line.
 */
#ifndef DAC_STRUCT_INTERNAL_H
#define DAC_STRUCT_INTERNAL_H

#include <stddef.h>

#include "core/grid.h"
#include "dac/core.h"
#include "dac/struct.h"

/* The largest atom count any reader accepts: far beyond any real input, and small
 * enough that the arrays for it (≈ 3 GB) cannot overflow size_t arithmetic. */
#define STRUCT_MAX_ATOMS 100000000L

/* A read position in a text buffer. `line` and `cur`/`cur_len` describe the line
 * returned by the last struct_cursor_next() (line 0: none read yet). */
typedef struct {
    const char *text; /* the whole buffer; text[len] == '\0' */
    size_t len;
    size_t pos;       /* offset of the next unread line */
    const char *name; /* file name for messages */
    long line;
    const char *cur;  /* current line, without its '\n' and any trailing '\r' */
    size_t cur_len;
} struct_cursor;

void struct_cursor_init(struct_cursor *c, const char *text, size_t len, const char *name);
/* Advances to the next line; returns 1, or 0 at the end of the buffer. */
int struct_cursor_next(struct_cursor *c);
/* Number of lines after the current one, counting at most up to `limit` (a cheap
 * bound check before allocating for a count read from the file). */
size_t struct_cursor_lines_left(const struct_cursor *c, size_t limit);
/* Records DAC_ERR_INPUT as "NAME:LINE: message" for the current line; returns it. */
int struct_line_error(const struct_cursor *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Whitespace-separated tokens of [*p, end): returns 1 and the token, advancing *p, or
 * 0 when only blanks remain. */
int struct_next_token(const char **p, const char *end, const char **tok, size_t *len);
/* 1 when [p, end) holds only blanks. */
int struct_is_blank(const char *p, const char *end);
/* The whole token must be a finite number / an integer. Returns 0 on success. */
int struct_parse_double(const char *tok, size_t len, double *value);
int struct_parse_long(const char *tok, size_t len, long *value);
/* An element from a symbol in any letter case ("Ni", "NI", "ni") or an atomic number
 * ("28"). Returns 0 and Z, or -1 when unknown. */
int struct_parse_element(const char *tok, size_t len, int *Z);
/* Copies a token into buf for messages, shortened with "…" when long. */
const char *struct_quote(char *buf, size_t size, const char *tok, size_t len);

/* Cell helpers (cell rows are lattice vectors). */
double struct_cell_volume(const double cell[3][3]);
/* 1 when the cell is too flat to invert (|det| tiny relative to the edge lengths). */
int struct_cell_is_singular(const double cell[3][3]);
/* Lengths a, b, c (Å) and angles alpha, beta, gamma (degrees). */
void struct_cell_parameters(const double cell[3][3], double length_A[3], double angle_deg[3]);
/* Cell in the crystallographic standard orientation (a along x, b in the xy plane).
 * Returns 0, or -1 when the angles cannot form a cell. */
int struct_cell_from_parameters(const double length_A[3], const double angle_deg[3],
                                double cell[3][3]);

/* Format readers: text[len] == '\0'. On success *out owns a new structure. */
int struct_read_xyz(const char *text, size_t len, const char *name, int extended,
                    dac_structure **out);
int struct_read_poscar(const char *text, size_t len, const char *name, dac_structure **out);
int struct_read_cif(const char *text, size_t len, const char *name, dac_structure **out);

/* Format writers: write to an open stream; return DAC_OK or an error status. */
int struct_write_extxyz(FILE *f, const dac_structure *s);
int struct_write_poscar(FILE *f, const dac_structure *s);
int struct_write_cif(FILE *f, const dac_structure *s);

/* ------------------------------------------------------------ neighbours ------- */

/* A cell grid (core/grid.h) over the atoms of s, with its cell and periodic flags;
 * cutoff_A is the largest radius a query may ask for. Messages name atoms 1-based;
 * DAC_ERR_USAGE when the cutoff reaches more than 100 periodic images. */
int struct_grid_create(const dac_structure *s, double cutoff_A, dac_grid **out);
/* The neighbour list (dac_struct_neighbors) of the centres in mask, from a grid built
 * by struct_grid_create with a cutoff of at least cutoff_A. */
int struct_neighbors_from_grid(const dac_grid *g, double cutoff_A, const unsigned char *mask,
                               dac_neighbor_list **out);
/* DAC_ERR_INPUT naming the first atom (1-based) that has another atom, or its own
 * periodic image, closer than min_distance_A (≤ the grid's cutoff), and that partner. */
int struct_check_contacts(const dac_structure *s, const dac_grid *g, double min_distance_A);

/* The largest atomic number of the element table. */
#define STRUCT_MAX_Z 118

/* The atomic numbers of the element table ordered by symbol (Ag, Al, Ar, …); *n of them.
 * DAC_ERR_NOMEM only. */
int struct_elements_alphabetical(int order[STRUCT_MAX_Z], size_t *n);

/* Re-records the last error as prefix + message, with `status`; returns status. */
int struct_prefix_error(int status, const char *prefix);

#endif
