/*
 * grid.h — a cell grid for radius queries among points in 2-D or 3-D, in any triclinic
 * cell, periodic or not along each axis, or with no cell at all (private to libdac).
 *
 * One implementation serves every "who is within r of whom" question in dac: the
 * neighbour list of a structure (3-D, triclinic, mixed boundaries), atoms within the
 * pair distance in a STEM image (2-D, open), the chance-pair Monte Carlo (2-D), the
 * kMC lattice analysis. Build once (O(n), memory O(n): bins are capped at about two per
 * point, so a dense pile of points cannot make a huge allocation), then query from any
 * number of threads (queries do not modify the grid).
 *
 * Coordinates are Cartesian (Å, or pixels: the grid does not care). A hit reports the
 * periodic image it was found in: r_j + image·cell − r_query = delta, so the caller
 * gets the neighbour vector without re-deriving the minimum image.
 */
#ifndef DAC_CORE_GRID_H
#define DAC_CORE_GRID_H

#include <stddef.h>

#include "core/uf.h"

typedef struct dac_grid dac_grid;

typedef struct {
    size_t index;     /* the point found */
    double d2;        /* squared distance */
    double delta[3];  /* vector from the query to the point's image (z = 0 in 2-D) */
    int image[3];     /* lattice translation of that image, in cell vectors */
} dac_grid_hit;

/* Called for every hit; a non-zero return stops the query and is returned by it. */
typedef int (*dac_grid_visit_fn)(const dac_grid_hit *hit, void *user_data);

/* Points: n × dim doubles (x y [z] per point), copied. cell: dim × dim doubles, row i
 * is lattice vector i, or NULL (no cell: the points' bounding box, nothing periodic).
 * pbc: dim flags (NULL: all periodic when a cell is given). cutoff > 0: the largest
 * radius a query may ask for.
 * Errors: DAC_ERR_USAGE for a bad dim or cutoff, or a cutoff that would reach more
 * than 100 periodic images of the cell along an axis (the message names the axis);
 * DAC_ERR_INPUT for a singular cell or a non-finite position (naming the point,
 * 1-based); DAC_ERR_NOMEM. */
int dac_grid_create(int dim, const double *points, size_t n, const double *cell, const int *pbc,
                    double cutoff, dac_grid **out);
void dac_grid_free(dac_grid *g);

/* Every point within radius (≤ the cutoff) of point i, other than i itself (its own
 * periodic images are reported). */
int dac_grid_neighbors(const dac_grid *g, size_t i, double radius, dac_grid_visit_fn fn,
                       void *user_data);
/* Every point within radius (≤ the cutoff) of the position q (dim doubles), which may
 * lie anywhere (outside the cell or the points' box) but, like the points, less than
 * 10^9 cells away along a periodic axis (DAC_ERR_USAGE). */
int dac_grid_query(const dac_grid *g, const double *q, double radius, dac_grid_visit_fn fn,
                   void *user_data);

size_t dac_grid_size(const dac_grid *g);

/* Single-linkage clustering: joins in uf (initialised for the grid's n points) every
 * pair of points closer than radius (≤ the cutoff), periodic images included. The
 * groups of "atoms within the pair distance" (sites), "blobs whose fit windows
 * overlap" and the chance-pair Monte Carlo are all this. */
int dac_grid_link(const dac_grid *g, double radius, dac_uf *uf);

#endif
