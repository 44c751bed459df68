/*
 * png.c — final.png: the lattice seen from above, every metal a disc coloured by the
 * kind of its site (single, pair, cluster; Okabe–Ito colours, which stay apart for
 * colour-blind readers), empty pockets as grey dots when there is room, and a legend
 * with the counts under the picture, so the route's outcome reads at a glance.
 *
 * The picture is the real geometry (the triangular cell is a rhombus), at most 1200
 * pixels wide; on large lattices a disc keeps a radius of 2.5 px so that no atom
 * vanishes, and clusters are drawn last, on top.
 */
#include <stdlib.h>
#include <string.h>

#include "image/image_internal.h"
#include "synth/synth_internal.h"

#define MAX_SIDE_PX 1200.0
#define LEGEND_PX 40
#define FONT_SCALE 2

static const unsigned char colours[4][3] = {
    {120, 120, 120}, /* (empty pocket) */
    {0, 114, 178},   /* single: blue */
    {213, 94, 0},    /* pair: vermillion */
    {0, 158, 115},   /* cluster: bluish green */
};

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

typedef struct {
    unsigned char *rgb;
    int w, h;
} canvas;

static void put(canvas *c, int x, int y, const unsigned char *col)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    memcpy(c->rgb + 3 * ((size_t)y * (size_t)c->w + (size_t)x), col, 3);
}

static void disc(canvas *c, double cx, double cy, double r, const unsigned char *col)
{
    for (int y = (int)floor(cy - r); y <= (int)ceil(cy + r); y++)
        for (int x = (int)floor(cx - r); x <= (int)ceil(cx + r); x++) {
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            if (dx * dx + dy * dy <= r * r)
                put(c, x, y, col);
        }
}

static int text(canvas *c, int x, int y, const char *s, const unsigned char *col)
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

static void legend(canvas *c, const size_t *count)
{
    static const char *names[4] = {NULL, "single", "pair", "cluster"};
    static const unsigned char ink[3] = {30, 30, 30};
    int x = 10, y = c->h - LEGEND_PX + 11;
    for (int k = 1; k <= 3; k++) {
        for (int j = 0; j < 14; j++)
            for (int i = 0; i < 14; i++)
                put(c, x + i, y + j, colours[k]);
        x = text(c, x + 20, y, names[k], ink);
        char num[32];
        snprintf(num, sizeof num, "%zu", count[k]);
        x = text(c, x + 8, y, num, ink) + 24;
    }
}

int synth_write_png(const dac_synth_engine *e, FILE *f, const char *name)
{
    const synth_lattice *g = &e->g;
    double cell[2][2];
    synth_lattice_cell(g, cell);
    double xmax = cell[0][0] + cell[1][0], ymax = cell[1][1];
    double scale = fmin(4.0, MAX_SIDE_PX / fmax(xmax, ymax)); /* px per Å */
    canvas c = {NULL, (int)ceil(xmax * scale) + 1, (int)ceil(ymax * scale) + 1 + LEGEND_PX};
    uint8_t *kind = malloc(e->n_atoms ? e->n_atoms : 1);
    c.rgb = malloc((size_t)c.w * (size_t)c.h * 3);
    int st = kind && c.rgb ? synth_atom_kinds(e, kind) : dac_error(DAC_ERR_NOMEM, "synth: out of memory for final.png");
    if (st == DAC_OK) {
        memset(c.rgb, 255, (size_t)c.w * (size_t)c.h * 3);
        static const unsigned char sheet[3] = {236, 236, 236};
        for (int y = 0; y < c.h - LEGEND_PX; y++) /* the cell, light grey */
            for (int x = 0; x < c.w; x++) {
                double X = (x + 0.5) / scale, Y = ((c.h - LEGEND_PX) - y - 0.5) / scale;
                double fy = Y / cell[1][1], fx = (X - fy * cell[1][0]) / cell[0][0];
                if (fx >= 0 && fx < 1 && fy >= 0 && fy < 1)
                    put(&c, x, y, sheet);
            }
        double r_atom = fmax(2.5, 0.9 * scale), r_pocket = 0.5 * scale;
        for (size_t p = 0; scale >= 1.0 && p < e->n_pockets; p++)
            for (int pos = 0; pos <= e->pockets[p].dual; pos++) {
                double r[2];
                synth_site_position(g, e->pockets[p].x[pos], e->pockets[p].y[pos], r);
                disc(&c, r[0] * scale, (c.h - LEGEND_PX) - r[1] * scale, r_pocket, colours[0]);
            }
        for (int k = 1; k <= 3; k++)
            for (size_t i = 0; i < e->n_atoms; i++) {
                if (kind[i] != k)
                    continue;
                double r[2];
                synth_site_position(g, e->atoms[i].x, e->atoms[i].y, r);
                disc(&c, r[0] * scale, (c.h - LEGEND_PX) - r[1] * scale, r_atom, colours[k]);
            }
        synth_analysis a;
        st = synth_analyze(e, 0, &a);
        if (st == DAC_OK)
            legend(&c, a.count);
        synth_analysis_free(&a);
    }
    if (st == DAC_OK)
        st = image_write_png_rgb_stream(f, name, (size_t)c.w, (size_t)c.h, c.rgb);
    free(kind);
    free(c.rgb);
    return st;
}
