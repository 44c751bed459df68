/*
 * png.c — final.png: the lattice seen from above, every site drawn by its kind (single,
 * pair, cluster; Okabe–Ito colours, which stay apart for colour-blind readers), empty
 * pockets as grey dots when there is room, and a legend with the counts under the
 * picture, so the route's outcome reads at a glance.
 *
 * The picture is the real geometry (the triangular cell is a rhombus), at most 1200
 * pixels wide, so on a large lattice an atom is less than a pixel. Markers are
 * therefore not to scale below a least radius r (MARKER_PX, shrunk towards CROWDED_PX
 * where the sites are so dense that markers of that size would cover each other): a
 * single is a disc of radius r; a pair is two such discs touching along the pair's
 * axis (a dumbbell, never a blob); a cluster is the union of its atoms' discs, so its
 * shape and size show; every marker has a dark outline, so it stands out from the
 * sheet and from its neighbours. The most numerous kind is drawn first and the rarest
 * last, so the minority a reader looks for is never hidden under the majority.
 */
#include <stdlib.h>
#include <string.h>

#include "image/image_internal.h"
#include "synth/synth_internal.h"

#define MAX_SIDE_PX 1200.0
#define LEGEND_PX 40
#define FONT_SCALE 2
#define MARKER_PX 4.5         /* least radius of a single's disc, of each disc of a pair and
                                 of a cluster atom's disc, where the sites leave room */
#define CROWDED_PX 3.0        /* … and where they do not */
#define OUTLINE_PX 1.25       /* the dark ring around every marker */

static const unsigned char outline_ink[3] = {25, 25, 25};
static const unsigned char colours[4][3] = {
    {120, 120, 120}, /* (empty pocket) */
    {0, 114, 178},   /* single: blue */
    {213, 94, 0},    /* pair: vermillion */
    {0, 158, 115},   /* cluster: bluish green */
};

const unsigned char *synth_png_colour(int kind)
{
    return kind >= 0 && kind <= 3 ? colours[kind] : outline_ink;
}

/* 5×9 glyphs (rows 7–8 hold descenders), one byte per row, bit 4 = leftmost column. */
static const struct {
    char c;
    unsigned char row[9];
} glyphs[] = {
    {'a', {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F}}, {'c', {0x00, 0x00, 0x0F, 0x10, 0x10, 0x10, 0x0F}},
    {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}}, {'g', {0x00, 0x00, 0x0F, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
    {'i', {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E}}, {'l', {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}}, {'p', {0x00, 0x00, 0x1E, 0x11, 0x11, 0x11, 0x1E, 0x10, 0x10}},
    {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}}, {'s', {0x00, 0x00, 0x0F, 0x10, 0x0E, 0x01, 0x1E}},
    {'t', {0x08, 0x08, 0x1E, 0x08, 0x08, 0x09, 0x06}}, {'u', {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D}},
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1E, 0x01, 0x01, 0x0E, 0x01, 0x01, 0x1E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x0E, 0x10, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x01, 0x0E}},
};

static void put(synth_canvas *c, int x, int y, const unsigned char *col)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    memcpy(c->rgb + 3 * ((size_t)y * (size_t)c->w + (size_t)x), col, 3);
}

static void disc(synth_canvas *c, double cx, double cy, double r, const unsigned char *col)
{
    for (int y = (int)floor(cy - r); y <= (int)ceil(cy + r); y++)
        for (int x = (int)floor(cx - r); x <= (int)ceil(cx + r); x++) {
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            if (dx * dx + dy * dy <= r * r)
                put(c, x, y, col);
        }
}

static int text(synth_canvas *c, int x, int y, const char *s, const unsigned char *col)
{
    for (; *s; s++, x += 6 * FONT_SCALE) {
        const unsigned char *row = NULL;
        for (size_t g = 0; g < sizeof glyphs / sizeof glyphs[0]; g++)
            if (glyphs[g].c == *s)
                row = glyphs[g].row;
        for (int j = 0; row && j < 9; j++)
            for (int i = 0; i < 5; i++)
                if (row[j] >> (4 - i) & 1)
                    for (int k = 0; k < FONT_SCALE * FONT_SCALE; k++)
                        put(c, x + i * FONT_SCALE + k % FONT_SCALE, y + j * FONT_SCALE + k / FONT_SCALE, col);
    }
    return x;
}

/* One marker: `n` discs of radius r at (x[k], y[k]), outlined together, then filled. */
static void marker(synth_canvas *c, size_t n, const double *x, const double *y, double r,
                   const unsigned char *col)
{
    for (size_t k = 0; k < n; k++)
        disc(c, x[k], y[k], r + OUTLINE_PX, outline_ink);
    for (size_t k = 0; k < n; k++)
        disc(c, x[k], y[k], r, col);
}

/* The two discs of a pair, touching along the axis from (x0, y0) to (x1, y1) (pixels). */
static void pair_marker(synth_canvas *c, double x0, double y0, double x1, double y1, double r)
{
    double dx = x1 - x0, dy = y1 - y0, d = sqrt(dx * dx + dy * dy);
    double h = fmax(r, 0.5 * d) / (d > 0 ? d : 1), mx = 0.5 * (x0 + x1), my = 0.5 * (y0 + y1);
    double x[2] = {mx - h * dx, mx + h * dx}, y[2] = {my - h * dy, my + h * dy};
    marker(c, 2, x, y, r, colours[DAC_SITE_PAIR]);
}

static void legend(synth_canvas *c, const size_t *count, double r)
{
    static const char *names[4] = {NULL, "single", "pair", "cluster"};
    static const unsigned char ink[3] = {30, 30, 30};
    int x = 12, y = c->h - LEGEND_PX + 11;
    double cy = y + 7;
    for (int k = 1; k <= 3; k++) {
        if (k == DAC_SITE_SINGLE) {
            double px = x + r, py = cy;
            marker(c, 1, &px, &py, r, colours[k]);
            x += (int)(2 * r) + 2;
        } else if (k == DAC_SITE_PAIR) {
            pair_marker(c, x + r, cy, x + 3 * r, cy, r);
            x += (int)(4 * r) + 2;
        } else {
            double px[3] = {x + r, x + 2.6 * r, x + 1.8 * r}, py[3] = {cy + 0.6 * r, cy + 0.6 * r, cy - 0.7 * r};
            marker(c, 3, px, py, 0.8 * r, colours[k]);
            x += (int)(3.6 * r) + 2;
        }
        x = text(c, x + 8, y, names[k], ink);
        char num[32];
        snprintf(num, sizeof num, "%zu", count[k]);
        x = text(c, x + 8, y, num, ink) + 24;
    }
}

/* The pixel position of site (x, y). */
static void to_px(const synth_canvas *c, const synth_lattice *g, double x, double y, double *px, double *py)
{
    double r[2];
    synth_site_position(g, x, y, r);
    *px = r[0] * c->scale;
    *py = (c->h - LEGEND_PX) - r[1] * c->scale;
}

/* The occupied neighbour of a pair's atom (its partner): its direction. */
static int partner_direction(const dac_synth_engine *e, const synth_atom *a)
{
    const synth_lattice *g = &e->g;
    for (int d = 0; d < g->z; d++)
        if (e->state[synth_index(g, synth_wrap(a->x + g->dx[d], g->L), synth_wrap(a->y + g->dy[d], g->L))] & SYNTH_OCC)
            return d;
    return 0;
}

static void draw_sheet(synth_canvas *c, const double cell[2][2])
{
    static const unsigned char sheet[3] = {236, 236, 236};
    for (int y = 0; y < c->h - LEGEND_PX; y++) /* the cell, light grey */
        for (int x = 0; x < c->w; x++) {
            double X = (x + 0.5) / c->scale, Y = ((c->h - LEGEND_PX) - y - 0.5) / c->scale;
            double fy = Y / cell[1][1], fx = (X - fy * cell[1][0]) / cell[0][0];
            if (fx >= 0 && fx < 1 && fy >= 0 && fy < 1)
                put(c, x, y, sheet);
        }
}

static void draw_kind(synth_canvas *c, const dac_synth_engine *e, const uint8_t *kind, int k, double r)
{
    const synth_lattice *g = &e->g;
    /* clusters: every atom's outline first, then every fill, so a cluster is one shape */
    for (int pass = 0; k == DAC_SITE_CLUSTER && pass < 2; pass++)
        for (size_t i = 0; i < e->n_atoms; i++) {
            if (kind[i] != DAC_SITE_CLUSTER)
                continue;
            double x, y;
            to_px(c, g, e->atoms[i].x, e->atoms[i].y, &x, &y);
            disc(c, x, y, pass ? r : r + OUTLINE_PX, pass ? colours[DAC_SITE_CLUSTER] : outline_ink);
        }
    for (size_t i = 0; k == DAC_SITE_SINGLE && i < e->n_atoms; i++)
        if (kind[i] == DAC_SITE_SINGLE) {
            double x, y;
            to_px(c, g, e->atoms[i].x, e->atoms[i].y, &x, &y);
            marker(c, 1, &x, &y, r, colours[DAC_SITE_SINGLE]);
        }
    for (size_t i = 0; k == DAC_SITE_PAIR && i < e->n_atoms; i++) {
        const synth_atom *a = &e->atoms[i];
        if (kind[i] != DAC_SITE_PAIR)
            continue;
        int d = partner_direction(e, a);
        uint32_t j = e->site_atom[synth_index(g, synth_wrap(a->x + g->dx[d], g->L), synth_wrap(a->y + g->dy[d], g->L))];
        if (j < i)
            continue; /* drawn with its partner */
        double x0, y0, x1, y1; /* the partner unwrapped: one step along d */
        to_px(c, g, a->x, a->y, &x0, &y0);
        to_px(c, g, a->x + g->dx[d], a->y + g->dy[d], &x1, &y1);
        pair_marker(c, x0, y0, x1, y1, r);
    }
}

/* The least marker radius: MARKER_PX, or less where a site has less than ~(4.5 r)² of
 * the picture to itself (CROWDED_PX at the least); never below the atom's own size. */
static double marker_radius(const synth_canvas *c, const double cell[2][2], const size_t *count)
{
    double area_px = fabs(cell[0][0] * cell[1][1] - cell[0][1] * cell[1][0]) * c->scale * c->scale;
    size_t sites = count[1] + count[2] + count[3];
    double spacing = sqrt(area_px / (double)(sites ? sites : 1));
    return fmax(0.9 * c->scale, fmin(MARKER_PX, fmax(CROWDED_PX, spacing / 4.5)));
}

static void draw_sites(synth_canvas *c, const dac_synth_engine *e, const uint8_t *kind,
                       const size_t *count, double r)
{
    const synth_lattice *g = &e->g;
    for (size_t p = 0; c->scale >= 1.0 && p < e->n_pockets; p++)
        for (int pos = 0; pos <= e->pockets[p].dual; pos++) {
            double x, y;
            to_px(c, g, e->pockets[p].x[pos], e->pockets[p].y[pos], &x, &y);
            disc(c, x, y, 0.5 * c->scale, colours[0]);
        }
    int order[3] = {DAC_SITE_CLUSTER, DAC_SITE_SINGLE, DAC_SITE_PAIR}; /* ties: this order */
    for (int i = 1; i < 3; i++) /* most numerous first */
        for (int j = i; j > 0 && count[order[j]] > count[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int k = 0; k < 3; k++)
        draw_kind(c, e, kind, order[k], r);
}

int synth_render(const dac_synth_engine *e, synth_canvas *out)
{
    const synth_lattice *g = &e->g;
    double cell[2][2];
    synth_lattice_cell(g, cell);
    double xmax = cell[0][0] + cell[1][0], ymax = cell[1][1];
    synth_canvas c = {NULL, 0, 0, fmin(4.0, MAX_SIDE_PX / fmax(xmax, ymax)), 0}; /* px per Å */
    c.w = (int)ceil(xmax * c.scale) + 1;
    c.h = (int)ceil(ymax * c.scale) + 1 + LEGEND_PX;
    memset(out, 0, sizeof *out);
    uint8_t *kind = malloc(e->n_atoms ? e->n_atoms : 1);
    c.rgb = malloc((size_t)c.w * (size_t)c.h * 3);
    size_t count[4];
    int st = kind && c.rgb ? synth_atom_kinds(e, kind, count)
                           : dac_error(DAC_ERR_NOMEM, "synth: out of memory for final.png");
    if (st == DAC_OK) {
        double r = c.marker_px = marker_radius(&c, cell, count);
        memset(c.rgb, 255, (size_t)c.w * (size_t)c.h * 3);
        draw_sheet(&c, cell);
        draw_sites(&c, e, kind, count, r);
        legend(&c, count, r);
    }
    free(kind);
    if (st) {
        free(c.rgb);
        return st;
    }
    *out = c;
    return DAC_OK;
}

int synth_write_png(const dac_synth_engine *e, FILE *f, const char *name)
{
    synth_canvas c;
    int st = synth_render(e, &c);
    if (st == DAC_OK)
        st = image_write_png_rgb_stream(f, name, (size_t)c.w, (size_t)c.h, c.rgb);
    free(c.rgb);
    return st;
}
