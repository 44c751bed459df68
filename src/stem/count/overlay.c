/*
 * overlay.c — drawing on a counted image: the display copy, markers, the vacuum shade,
 * a legend and a scale bar, for overlay_IMAGE.png of `dac stem count` and the scorer's
 * overlay of `dac stem score`.
 *
 * The canvas is 8-bit palette indices, not RGB: the image in COUNT_GREYS grey levels
 * (192 are indistinguishable from 256 on a noisy micrograph), the same levels tinted
 * for the vacuum, and a few inks. A palette PNG is a third of the bytes of RGB, and
 * compressing those bytes was most of the time of a 4096² run (issue 10).
 *
 * Text is drawn from a built-in 5×8 bitmap font (digits, lower case, Å, ², a little
 * punctuation) scaled by whole pixels, not by gnuplot: an overlay is one image as
 * large as the frame, a legend is a dozen short words, and a font of our own gives the
 * same bytes on every machine without a second program or a composite of two images.
 *
 * Markers scale with the atom, text with the frame: a ring of ≥ 4 px or 1.2 Å radius
 * (inside half the 2.4 Å of the closest pairs of interest, so the two rings of a pair
 * stay apart) drawn 1.5 px or 0.15 r thick with a black edge either side, so it shows
 * on bright support and dark vacuum alike; text of 8 × scale px, scale ≈ side/256.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "core/select.h"
#include "image/image_internal.h"
#include "stem/count/count_internal.h"

/* ---------------------------------------------------------------- palette ------- */

static const unsigned char ink_rgb[COUNT_INK_END - COUNT_INK_SINGLE][3] = {
    [COUNT_INK_SINGLE - COUNT_INK_SINGLE] = {0, 220, 0},
    [COUNT_INK_PAIR - COUNT_INK_SINGLE] = {255, 210, 0},
    [COUNT_INK_CLUSTER - COUNT_INK_SINGLE] = {255, 0, 255},
    [COUNT_INK_MATCHED - COUNT_INK_SINGLE] = {0, 230, 0},
    [COUNT_INK_FALSE - COUNT_INK_SINGLE] = {255, 40, 40},
    [COUNT_INK_MISSED - COUNT_INK_SINGLE] = {60, 120, 255},
    [COUNT_INK_WHITE - COUNT_INK_SINGLE] = {255, 255, 255},
    [COUNT_INK_BLACK - COUNT_INK_SINGLE] = {0, 0, 0},
    [COUNT_INK_PANEL - COUNT_INK_SINGLE] = {28, 28, 28},
};

/* The vacuum tint: grey pulled 45 % of the way to a dark blue, so shaded texture stays
 * readable and no marker colour is near it. */
static void shade_rgb(double v, unsigned char out[3])
{
    static const double tint[3] = {20, 50, 150};
    for (int c = 0; c < 3; c++)
        out[c] = (unsigned char)lround(0.55 * v + 0.45 * tint[c]);
}

void count_palette(unsigned char pal[COUNT_PALETTE_SIZE][3])
{
    memset(pal, 0, sizeof(unsigned char) * COUNT_PALETTE_SIZE * 3);
    for (int i = 0; i < COUNT_GREYS; i++)
        pal[i][0] = pal[i][1] = pal[i][2] = (unsigned char)lround(i * 255.0 / (COUNT_GREYS - 1));
    for (int i = 0; i < COUNT_SHADES; i++)
        shade_rgb(i * 255.0 / (COUNT_SHADES - 1), pal[COUNT_SHADE0 + i]);
    for (int i = COUNT_INK_SINGLE; i < COUNT_INK_END; i++)
        memcpy(pal[i], ink_rgb[i - COUNT_INK_SINGLE], 3);
}

/* ------------------------------------------------------------ display copy ------ */

int count_display_image(const float *img, size_t w, size_t h, count_display *out)
{
    size_t np = w * h, step = np > 1000000 ? np / 1000000 : 1, ns = 0;
    float *sample = malloc(sizeof *sample * (np / step + 1));
    out->grey = malloc(np ? np : 1);
    if (!sample || !out->grey) {
        free(sample), free(out->grey);
        out->grey = NULL;
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (display image)");
    }
    for (size_t i = 0; i < np; i += step)
        sample[ns++] = img[i];
    float lo = dac_select_float(sample, ns, (size_t)(0.005 * (double)(ns - 1)));
    float hi = dac_select_float(sample, ns, (size_t)(0.995 * (double)(ns - 1)));
    free(sample);
    /* Straight to the grey levels of the palette, rounded: one multiply per pixel, the
     * clamps written as the vector min/max and the conversion through int, so the loop
     * vectorises (16 instructions a pixel before). */
    const float top = COUNT_GREYS - 1;
    float scale = hi > lo ? top / (hi - lo) : 0.0f, mid = hi > lo ? 0.5f : 0.5f * top + 0.5f;
    unsigned char *restrict grey = out->grey;
    DAC_OMP(simd)
    for (size_t i = 0; i < np; i++) {
        float t = (img[i] - lo) * scale + mid;
        t = t > 0 ? t : 0;
        t = t < top ? t : top;
        grey[i] = (unsigned char)(int)t;
    }
    out->width = w, out->height = h;
    return DAC_OK;
}

int count_canvas_create(const count_display *d, const unsigned char *support, double pixel_A,
                        count_canvas *out)
{
    size_t np = d->width * d->height;
    out->width = d->width, out->height = d->height, out->pixel_A = pixel_A;
    out->px = malloc(np ? np : 1);
    if (!out->px)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory (overlay)");
    memcpy(out->px, d->grey, np);
    if (!support)
        return DAC_OK;
    unsigned char shade[COUNT_GREYS];
    for (int v = 0; v < COUNT_GREYS; v++)
        shade[v] = (unsigned char)(COUNT_SHADE0 + (v * (COUNT_SHADES - 1) + (COUNT_GREYS - 1) / 2) /
                                                      (COUNT_GREYS - 1));
    for (size_t i = 0; i < np; i++)
        if (!support[i])
            out->px[i] = shade[out->px[i]];
    return DAC_OK;
}

void count_canvas_free(count_canvas *c)
{
    free(c->px);
    c->px = NULL;
}

int count_canvas_write_png(FILE *f, const char *name, const count_canvas *c)
{
    unsigned char pal[COUNT_PALETTE_SIZE][3];
    count_palette(pal);
    double px[2] = {c->pixel_A, c->pixel_A};
    return image_write_png_palette_stream(f, name, c->width, c->height, c->px,
                                          (const unsigned char (*)[3])pal, COUNT_PALETTE_SIZE,
                                          c->pixel_A > 0 ? px : NULL);
}

/* ---------------------------------------------------------------- drawing ------- */

static void put(count_canvas *c, long x, long y, int ink)
{
    if (x >= 0 && y >= 0 && x < (long)c->width && y < (long)c->height)
        c->px[(size_t)y * c->width + (size_t)x] = (unsigned char)ink;
}

void count_fill_rect(count_canvas *c, long x0, long y0, long x1, long y1, int ink)
{
    for (long y = y0 < 0 ? 0 : y0; y < y1 && y < (long)c->height; y++)
        for (long x = x0 < 0 ? 0 : x0; x < x1 && x < (long)c->width; x++)
            c->px[(size_t)y * c->width + (size_t)x] = (unsigned char)ink;
}

double count_marker_radius(double pixel_A)
{
    return pixel_A > 0 ? fmax(4.0, 1.2 / pixel_A) : 4.0;
}

/* The ring band |d − r| ≤ t/2 in `ink`; with edge, only the 1 px either side of it in
 * black (drawn for every marker first, so an edge never covers a neighbour's colour).
 * Squared distances throughout: no square root per pixel. */
void count_draw_ring(count_canvas *c, double cx, double cy, double r, int ink, int edge)
{
    double t = fmax(1.5, 0.15 * r), in = r - 0.5 * t, out = r + 0.5 * t;
    double band_lo = in > 0 ? in * in : 0, band_hi = out * out;
    if (edge)
        in -= 1, out += 1;
    double lo = in > 0 ? in * in : 0, hi = out * out;
    long x0 = (long)floor(cx - out), x1 = (long)ceil(cx + out);
    long y0 = (long)floor(cy - out), y1 = (long)ceil(cy + out);
    for (long y = y0; y <= y1; y++)
        for (long x = x0; x <= x1; x++) {
            double dx = (double)x - cx, dy = (double)y - cy, d2 = dx * dx + dy * dy;
            if (d2 < lo || d2 > hi)
                continue;
            int band = d2 >= band_lo && d2 <= band_hi;
            if (edge ? !band : band)
                put(c, x, y, edge ? COUNT_INK_BLACK : ink);
        }
}

/* A line of width ≈ 1 px from the edge of one ring to the edge of the other (the atoms
 * themselves stay visible); nothing when the rings touch. */
void count_draw_link(count_canvas *c, double x0, double y0, double x1, double y1, double r,
                     int ink)
{
    double len = hypot(x1 - x0, y1 - y0);
    if (len <= 2 * r)
        return;
    double ux = (x1 - x0) / len, uy = (y1 - y0) / len;
    int steps = (int)(2 * (len - 2 * r)) + 1;
    for (int i = 0; i <= steps; i++) {
        double s = r + (len - 2 * r) * i / steps;
        put(c, lround(x0 + s * ux), lround(y0 + s * uy), ink);
    }
}

/* ------------------------------------------------------------------- text ------- */

/* 5×8 glyphs, one byte per row, bit 4 the leftmost column; rows 0–6 hold capitals and
 * digits, rows 2–6 the lower case, row 7 the descenders. Designed for this file. */
typedef struct {
    unsigned code; /* Unicode */
    unsigned char row[8];
} glyph;

static const glyph font[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E, 0}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E, 0}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F, 0}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E, 0}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02, 0}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E, 0}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E, 0}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08, 0}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E, 0}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C, 0}},
    {'a', {0, 0, 0x0E, 0x01, 0x0F, 0x11, 0x0F, 0}},
    {'b', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E, 0}},
    {'c', {0, 0, 0x0E, 0x10, 0x10, 0x11, 0x0E, 0}},
    {'d', {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F, 0}},
    {'e', {0, 0, 0x0E, 0x11, 0x1F, 0x10, 0x0E, 0}},
    {'f', {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08, 0}},
    {'g', {0, 0, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
    {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11, 0}},
    {'i', {0x04, 0, 0x0C, 0x04, 0x04, 0x04, 0x0E, 0}},
    {'j', {0x02, 0, 0x06, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'k', {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12, 0}},
    {'l', {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E, 0}},
    {'m', {0, 0, 0x1A, 0x15, 0x15, 0x15, 0x15, 0}},
    {'n', {0, 0, 0x16, 0x19, 0x11, 0x11, 0x11, 0}},
    {'o', {0, 0, 0x0E, 0x11, 0x11, 0x11, 0x0E, 0}},
    {'p', {0, 0, 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10}},
    {'q', {0, 0, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x01}},
    {'r', {0, 0, 0x16, 0x19, 0x10, 0x10, 0x10, 0}},
    {'s', {0, 0, 0x0F, 0x10, 0x0E, 0x01, 0x1E, 0}},
    {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06, 0}},
    {'u', {0, 0, 0x11, 0x11, 0x11, 0x13, 0x0D, 0}},
    {'v', {0, 0, 0x11, 0x11, 0x11, 0x0A, 0x04, 0}},
    {'w', {0, 0, 0x11, 0x11, 0x15, 0x15, 0x0A, 0}},
    {'x', {0, 0, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0}},
    {'y', {0, 0, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
    {'z', {0, 0, 0x1F, 0x02, 0x04, 0x08, 0x1F, 0}},
    {'.', {0, 0, 0, 0, 0, 0x0C, 0x0C, 0}},
    {',', {0, 0, 0, 0, 0, 0x0C, 0x04, 0x08}},
    {':', {0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0, 0}},
    {'-', {0, 0, 0, 0x0E, 0, 0, 0, 0}},
    {'/', {0, 0x01, 0x02, 0x04, 0x08, 0x10, 0, 0}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02, 0}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08, 0}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03, 0}},
    {'=', {0, 0, 0x1F, 0, 0x1F, 0, 0, 0}},
    {0x00C5, {0x04, 0x0A, 0x0E, 0x11, 0x1F, 0x11, 0x11, 0}}, /* Å */
    {0x00B2, {0x0C, 0x12, 0x04, 0x08, 0x1E, 0, 0, 0}},       /* ² */
};

static const glyph *find_glyph(unsigned code)
{
    for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
        if (font[i].code == code)
            return &font[i];
    return NULL;
}

/* The next code point of UTF-8 text (invalid bytes as themselves). */
static unsigned next_code(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    unsigned c = *p++;
    if (c >= 0xC0 && c < 0xE0 && (*p & 0xC0) == 0x80)
        c = ((c & 0x1F) << 6) | (*p++ & 0x3F);
    *s = (const char *)p;
    return c;
}

size_t count_text_width(const char *text, int scale)
{
    size_t n = 0;
    for (const char *s = text; *s;) {
        next_code(&s);
        n++;
    }
    return n ? (6 * n - 1) * (size_t)scale : 0;
}

/* Text with its top-left corner at (x, y); a space or an unknown character is blank. */
void count_draw_text(count_canvas *c, long x, long y, int scale, int ink, const char *text)
{
    for (const char *s = text; *s; x += 6 * scale) {
        const glyph *g = find_glyph(next_code(&s));
        for (int r = 0; g && r < 8; r++)
            for (int col = 0; col < 5; col++)
                if (g->row[r] & (0x10 >> col))
                    count_fill_rect(c, x + col * scale, y + r * scale, x + (col + 1) * scale,
                                    y + (r + 1) * scale, ink);
    }
}

int count_text_scale(const count_canvas *c)
{
    size_t side = c->width < c->height ? c->width : c->height;
    return side >= 384 ? (int)((side + 128) / 256) : 1;
}

/* --------------------------------------------------------- legend, scale bar ---- */

/* Rows of swatch + text in a dark panel at the top-left corner. A ring swatch shows
 * the marker; COUNT_SWATCH_SHADE a square of the vacuum tint. Left out when the panel
 * would cover more than half the frame's width or a third of its height. */
void count_draw_legend(count_canvas *c, const count_legend_row *rows, int n)
{
    int s = count_text_scale(c);
    long line = 11 * s, pad = 3 * s, sw = 10 * s;
    size_t tw = 0;
    for (int i = 0; i < n; i++) {
        size_t t = count_text_width(rows[i].text, s);
        tw = t > tw ? t : tw;
    }
    long w = 2 * pad + sw + 3 * s + (long)tw, h = 2 * pad + n * line - 3 * s;
    if (n == 0 || w > (long)c->width / 2 || h > (long)c->height / 3)
        return;
    long x0 = pad, y0 = pad;
    count_fill_rect(c, x0, y0, x0 + w, y0 + h, COUNT_INK_PANEL);
    for (int i = 0; i < n; i++) {
        long y = y0 + pad + i * line, cx = x0 + pad + sw / 2, cy = y + 4 * s;
        if (rows[i].ink == COUNT_SWATCH_SHADE) {
            for (long yy = cy - 3 * s; yy < cy + 4 * s; yy++)
                for (long xx = cx - 4 * s; xx < cx + 4 * s; xx++)
                    put(c, xx, yy, COUNT_SHADE0 + COUNT_SHADES / 2);
        } else {
            count_draw_ring(c, (double)cx, (double)cy, 3.2 * s, rows[i].ink, 1);
            count_draw_ring(c, (double)cx, (double)cy, 3.2 * s, rows[i].ink, 0);
        }
        count_draw_text(c, x0 + pad + sw + 3 * s, y, s, COUNT_INK_WHITE, rows[i].text);
    }
}

/* The scale bar's length: the largest 1, 2 or 5 × 10^k Å not longer than a fifth of
 * the frame's width. */
double count_scale_bar_A(double width_A)
{
    static const double m[] = {1, 2, 5};
    return count_nice(width_A / 5, m, 3, 0);
}

/* A white bar with its length ("5 Å", "2 nm") above it, bottom-left, on a dark panel. */
void count_draw_scale_bar(count_canvas *c)
{
    if (!(c->pixel_A > 0))
        return;
    double len_A = count_scale_bar_A((double)c->width * c->pixel_A);
    long len = lround(len_A / c->pixel_A);
    char label[32];
    if (len_A >= 10)
        snprintf(label, sizeof label, "%g nm", len_A / 10);
    else
        snprintf(label, sizeof label, "%g Å", len_A);
    int s = count_text_scale(c);
    long pad = 3 * s, tw = (long)count_text_width(label, s), bar = 2 * s;
    long w = 2 * pad + (len > tw ? len : tw), h = 2 * pad + 8 * s + 2 * s + bar;
    if (len < 2 || w > (long)c->width / 2 || h > (long)c->height / 4)
        return;
    long x0 = pad, y0 = (long)c->height - pad - h;
    count_fill_rect(c, x0, y0, x0 + w, y0 + h, COUNT_INK_PANEL);
    count_draw_text(c, x0 + pad + (len > tw ? (len - tw) / 2 : 0), y0 + pad, s, COUNT_INK_WHITE,
                    label);
    long by = y0 + pad + 10 * s;
    count_fill_rect(c, x0 + pad, by, x0 + pad + len, by + bar, COUNT_INK_WHITE);
}
