/*
 * test_count_overlay.c — what overlay_IMAGE.png shows (src/stem/count/overlay.c,
 * output.c): the vacuum shaded and its area stated, a legend with the counts, a scale
 * bar of the stated length, markers that stand out on a 512² frame, the bitmap font;
 * and the scorer's overlay on the same canvas. The PNG is read back as palette indices
 * (libpng), so every check is on the bytes a viewer gets.
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dac_test.h"

#include "stem/count/count_internal.h"

/* A w² frame of Poisson counts: vacuum (4 counts) left of x + 0.3 y = split, support
 * (80) right of it, n Gaussian atoms of FWHM 0.8 Å on the support. */
static dac_image *frame(size_t w, double pixel, double split, int n, uint64_t seed)
{
    dac_image *im;
    assert_int_equal(dac_image_create(w, w, &im), DAC_OK);
    im->pixel_size_A[0] = im->pixel_size_A[1] = pixel;
    dac_rng r;
    dac_rng_seed(&r, seed);
    double s = 0.8 / 2.3548 / pixel;
    double *lam = calloc(w * w, sizeof *lam);
    assert_non_null(lam);
    for (size_t y = 0; y < w; y++)
        for (size_t x = 0; x < w; x++)
            lam[y * w + x] = (double)x + 0.3 * (double)y > split ? 80 : 4;
    for (int k = 0; k < n; k++) {
        double cx = split + 30 + dac_rng_uniform(&r) * ((double)w - split - 40);
        double cy = 10 + dac_rng_uniform(&r) * ((double)w - 20);
        for (long dy = -8; dy <= 8; dy++)
            for (long dx = -8; dx <= 8; dx++) {
                long x = (long)cx + dx, y = (long)cy + dy;
                if (x < 0 || y < 0 || x >= (long)w || y >= (long)w)
                    continue;
                double ex = (double)x - cx, ey = (double)y - cy;
                lam[(size_t)y * w + (size_t)x] +=
                    1500 / (2 * DAC_PI * s * s) * exp(-0.5 * (ex * ex + ey * ey) / (s * s));
            }
    }
    for (size_t i = 0; i < w * w; i++)
        im->pixels[i] = (float)dac_rng_poisson(&r, lam[i]);
    free(lam);
    return im;
}

/* The PNG's palette indices, checking it is an 8-bit palette image of w × h. */
static unsigned char *read_indices(const char *path, size_t *w, size_t *h)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("%s: not a readable PNG", path);
    png_init_io(png, f);
    png_read_info(png, info);
    assert_int_equal(png_get_color_type(png, info), PNG_COLOR_TYPE_PALETTE);
    assert_int_equal(png_get_bit_depth(png, info), 8);
    *w = png_get_image_width(png, info), *h = png_get_image_height(png, info);
    unsigned char *px = malloc(*w * *h);
    assert_non_null(px);
    for (size_t y = 0; y < *h; y++)
        png_read_row(png, px + y * *w, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return px;
}

static size_t pixels_of(const unsigned char *px, size_t w, long x0, long y0, long x1, long y1, int ink)
{
    size_t n = 0;
    for (long y = y0; y < y1; y++)
        for (long x = x0; x < x1; x++)
            n += px[(size_t)y * w + (size_t)x] == ink;
    return n;
}

static int is_shade(unsigned char v) { return v >= COUNT_SHADE0 && v < COUNT_SHADE0 + COUNT_SHADES; }

/* Counted end to end: shaded exactly where the written support is 0 (away from the
 * legend, bar and markers), the vacuum area in summary.json equals the shaded area, the
 * legend panel holds the three kind swatches and white text, and the marker rings are
 * there for every atom. */
static void test_overlay_vacuum_legend_markers(void **state)
{
    (void)state;
    size_t w = 512;
    double pixel = 0.25;
    dac_image *im = frame(w, pixel, 220, 40, 5);
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    assert_int_equal(dac_stem_counter_add_image(c, im, NULL, "vac.tif"), DAC_OK);
    assert_int_equal(dac_stem_counter_finish(c, 1), DAC_OK);
    char dir[] = "/tmp/dac_test_overlayXXXXXX", path[128];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(dac_stem_counter_write(c, dir, NULL), DAC_OK);
    snprintf(path, sizeof path, "%s/overlay_vac.png", dir);
    size_t pw, ph;
    unsigned char *px = read_indices(path, &pw, &ph);
    assert_int_equal(pw, w);
    assert_int_equal(ph, w);
    const dac_stem_count_image_info *info = dac_stem_counter_image(c, 0);
    double frame_nm2 = (double)(w * w) * pixel * pixel / 100;
    double vacuum_nm2 = frame_nm2 - info->support_area_nm2;
    /* The frame's left part is vacuum: at least the 220 px · 512 px triangle-ish area
     * left of the edge, minus what the legend covers, is shaded. */
    size_t shaded = 0, covered = 0;
    for (size_t i = 0; i < w * w; i++)
        shaded += is_shade(px[i]);
    /* The legend and the scale bar sit in panels: their bounding boxes (top and bottom
     * half) are all that may hide shaded pixels. */
    for (int half = 0; half < 2; half++) {
        long x0 = (long)w, y0 = (long)w, x1 = -1, y1 = -1;
        for (long y = half * (long)w / 2; y < (half + 1) * (long)w / 2; y++)
            for (long x = 0; x < (long)w; x++)
                if (px[(size_t)y * w + (size_t)x] == COUNT_INK_PANEL) {
                    x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
                    y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
                }
        assert_true(x1 > x0 && y1 > y0); /* both panels are drawn */
        covered += (size_t)((x1 - x0 + 1) * (y1 - y0 + 1));
    }
    assert_true(vacuum_nm2 > 0.3 * frame_nm2);
    double px_nm2 = pixel * pixel / 100;
    assert_true((double)shaded * px_nm2 <= vacuum_nm2 + 1e-9);
    assert_true((double)(shaded + covered) * px_nm2 >= 0.99 * vacuum_nm2);
    /* Far right is support: no shade; far left (below the legend) is vacuum: all shade. */
    for (long y = 150; y < 400; y++)
        for (long x = 480; x < 512; x++)
            assert_false(is_shade(px[(size_t)y * w + (size_t)x]));
    for (long y = 150; y < 300; y++)
        for (long x = 0; x < 40; x++)
            assert_true(is_shade(px[(size_t)y * w + (size_t)x]) ||
                        px[(size_t)y * w + (size_t)x] >= COUNT_INK_SINGLE);
    /* The legend: a dark panel top-left with white text and the three kind swatches. */
    size_t panel = pixels_of(px, w, 0, 0, 256, 170, COUNT_INK_PANEL);
    size_t white = pixels_of(px, w, 0, 0, 256, 170, COUNT_INK_WHITE);
    assert_true(panel > 2000);
    assert_true(white > 300);
    for (int ink = COUNT_INK_SINGLE; ink <= COUNT_INK_CLUSTER; ink++)
        assert_true(pixels_of(px, w, 0, 0, 40, 120, ink) > 10);
    /* Rings: every blob has ink around it at the marker radius. */
    size_t nb;
    const dac_stem_blob *b = dac_stem_counter_blobs(c, &nb);
    assert_true(nb >= 30);
    double r = count_marker_radius(pixel);
    for (size_t i = 0; i < nb; i++) {
        long x0 = lround(b[i].x_px - r - 2), y0 = lround(b[i].y_px - r - 2);
        long x1 = lround(b[i].x_px + r + 3), y1 = lround(b[i].y_px + r + 3);
        if (x0 < 0 || y0 < 0 || x1 > (long)w || y1 > (long)w || (x0 < 260 && y0 < 170))
            continue;
        size_t ring = 0, edge = pixels_of(px, w, x0, y0, x1, y1, COUNT_INK_BLACK);
        for (int ink = COUNT_INK_SINGLE; ink <= COUNT_INK_CLUSTER; ink++)
            ring += pixels_of(px, w, x0, y0, x1, y1, ink);
        assert_true(ring >= 20); /* a ring of radius ≥ 4 px, ≥ 1.5 px wide */
        assert_true(edge >= 20); /* with its black edge */
    }
    /* summary.json states the same vacuum area. */
    snprintf(path, sizeof path, "%s/summary.json", dir);
    size_t len;
    char *json = dac_test_slurp(path, &len);
    assert_non_null(json);
    const char *v = strstr(json, "\"vacuum_area_nm2\":");
    assert_non_null(v);
    assert_near(strtod(v + strlen("\"vacuum_area_nm2\":"), NULL), vacuum_nm2, 1e-6 * frame_nm2);
    free(json), free(px);
    dac_stem_counter_free(c);
    dac_image_free(im);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* The scale bar: 1, 2 or 5 × 10^k Å, the longest not over a fifth of the width, drawn as
 * a white bar of that many pixels bottom-left with its label above. */
static void test_scale_bar(void **state)
{
    (void)state;
    assert_near(count_scale_bar_A(102.4), 20, 0);  /* 512 px of 0.2 Å: 20.48 → 2 nm */
    assert_near(count_scale_bar_A(150), 20, 0);    /* 30 → 20 */
    assert_near(count_scale_bar_A(300), 50, 0);    /* 60 → 50 */
    assert_near(count_scale_bar_A(40), 5, 0);      /* 8 → 5 */
    assert_near(count_scale_bar_A(10), 2, 0);      /* 2 → 2 */
    assert_near(count_scale_bar_A(4096 * 0.2), 100, 0);
    count_display d = {512, 512, calloc(512 * 512, 1)};
    assert_non_null(d.grey);
    count_canvas cv;
    assert_int_equal(count_canvas_create(&d, NULL, 0.2, &cv), DAC_OK);
    count_draw_scale_bar(&cv);
    /* The longest white run in the bottom quarter is the bar: 20 Å / 0.2 Å = 100 px. */
    size_t best = 0;
    for (size_t y = 384; y < 512; y++)
        for (size_t x = 0, run = 0; x < 256; x++) {
            run = cv.px[y * 512 + x] == COUNT_INK_WHITE ? run + 1 : 0;
            best = run > best ? run : best;
        }
    assert_int_equal(best, 100);
    /* The label "2 nm" is white text above the bar: glyph pixels in several rows. */
    size_t rows_with_text = 0;
    for (size_t y = 384; y < 512; y++) {
        size_t n = 0;
        for (size_t x = 0; x < 256; x++)
            n += cv.px[y * 512 + x] == COUNT_INK_WHITE;
        rows_with_text += n > 0 && n < 100;
    }
    assert_true(rows_with_text >= 10);
    /* No pixel size: no bar. */
    count_canvas none;
    assert_int_equal(count_canvas_create(&d, NULL, 0, &none), DAC_OK);
    count_draw_scale_bar(&none);
    for (size_t i = 0; i < 512 * 512; i++)
        assert_true(none.px[i] < COUNT_GREYS);
    count_canvas_free(&cv), count_canvas_free(&none);
    free(d.grey);
}

/* The font: widths follow 6 px per character at scale 1 less the last gap; the two
 * non-ASCII glyphs are drawn; an unknown character leaves a blank. */
static void test_font(void **state)
{
    (void)state;
    assert_int_equal(count_text_width("single 12", 1), 6 * 9 - 1);
    assert_int_equal(count_text_width("2 nm", 3), 3 * (6 * 4 - 1));
    assert_int_equal(count_text_width("5 Å", 1), 6 * 3 - 1); /* Å is one character */
    assert_int_equal(count_text_width("", 2), 0);
    count_display d = {64, 16, calloc(64 * 16, 1)};
    count_canvas cv;
    assert_int_equal(count_canvas_create(&d, NULL, 1, &cv), DAC_OK);
    const char *texts[] = {"Å", "²", "0", "m", "Q"};
    size_t expect_ink[] = {1, 1, 1, 1, 0}; /* Q: no capital in the font */
    for (size_t t = 0; t < 5; t++) {
        memset(cv.px, 0, 64 * 16);
        count_draw_text(&cv, 2, 2, 1, COUNT_INK_WHITE, texts[t]);
        size_t n = 0;
        for (size_t i = 0; i < 64 * 16; i++)
            n += cv.px[i] == COUNT_INK_WHITE;
        assert_int_equal(n > 0, expect_ink[t]);
    }
    count_canvas_free(&cv);
    free(d.grey);
}

/* The palette: greys from black to white, the vacuum shades darker and bluer than the
 * grey they stand for, inks distinct from every grey. */
static void test_palette(void **state)
{
    (void)state;
    unsigned char pal[COUNT_PALETTE_SIZE][3];
    count_palette(pal);
    assert_int_equal(pal[0][0], 0);
    assert_int_equal(pal[COUNT_GREYS - 1][1], 255);
    for (int i = 0; i < COUNT_SHADES; i++) {
        const unsigned char *c = pal[COUNT_SHADE0 + i];
        assert_true(c[2] > c[0]); /* blue */
    }
    assert_true(pal[COUNT_SHADE0 + COUNT_SHADES - 1][0] < 200); /* white vacuum is dimmed */
    for (int k = COUNT_INK_SINGLE; k <= COUNT_INK_CLUSTER; k++) {
        const unsigned char *c = pal[k];
        assert_false(c[0] == c[1] && c[1] == c[2]);
    }
}

/* Shading follows the mask pixel by pixel, and keeps the grey level's order. */
static void test_canvas_shades_outside_support(void **state)
{
    (void)state;
    count_display d = {16, 16, malloc(256)};
    unsigned char mask[256];
    for (int i = 0; i < 256; i++) /* every grey level of the display, in order */
        d.grey[i] = (unsigned char)(i * (COUNT_GREYS - 1) / 255), mask[i] = (unsigned char)((i / 7) % 2);
    count_canvas cv;
    assert_int_equal(count_canvas_create(&d, mask, 0.5, &cv), DAC_OK);
    for (int i = 0; i < 256; i++) {
        assert_int_equal(is_shade(cv.px[i]), !mask[i]);
        if (i > 0 && mask[i] == mask[i - 1])
            assert_true(cv.px[i] >= cv.px[i - 1]); /* brighter grey, same or brighter index */
    }
    assert_int_equal(cv.px[0], COUNT_SHADE0); /* black vacuum: the darkest shade */
    assert_int_equal(cv.px[255], COUNT_SHADE0 + COUNT_SHADES - 1);
    count_canvas_free(&cv);
    free(d.grey);
}

/* The display copy: the 0.5–99.5 % stretch onto the palette's grey levels, rounded;
 * a flat image is mid-grey. */
static void test_display_levels(void **state)
{
    (void)state;
    enum { N = 1000 };
    float img[N];
    for (int i = 0; i < N; i++)
        img[i] = (float)i; /* percentiles 0.5 % and 99.5 %: 4 and 994 (of 0 … 999) */
    count_display d;
    assert_int_equal(count_display_image(img, N, 1, &d), DAC_OK);
    assert_int_equal(d.grey[0], 0);
    assert_int_equal(d.grey[4], 0);
    assert_int_equal(d.grey[999], COUNT_GREYS - 1);
    assert_int_equal(d.grey[499], lround((499.0 - 4) / 990 * (COUNT_GREYS - 1)));
    for (int i = 1; i < N; i++)
        assert_true(d.grey[i] >= d.grey[i - 1]);
    free(d.grey);
    for (int i = 0; i < N; i++)
        img[i] = 7;
    assert_int_equal(count_display_image(img, N, 1, &d), DAC_OK);
    assert_int_equal(d.grey[0], (COUNT_GREYS - 1) / 2 + 1);
    free(d.grey);
}

/* The scorer's overlay is the same kind of picture: palette PNG, rings in the matched,
 * false and missed inks, and its legend. */
static void test_score_overlay(void **state)
{
    (void)state;
    size_t w = 128;
    float *img = calloc(w * w, sizeof *img);
    assert_non_null(img);
    for (size_t i = 0; i < w * w; i++)
        img[i] = (float)(i % 7);
    double det[4] = {30, 30, 90, 90}, tru[4] = {31, 30, 60, 100};
    long match[2] = {0, -1};
    char dir[] = "/tmp/dac_test_score_overlayXXXXXX", path[100];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/score.png", dir);
    assert_int_equal(dac_stem_score_write_overlay(path, img, w, w, det, 2, tru, 2, match, 0.25),
                     DAC_OK);
    size_t pw, ph;
    unsigned char *px = read_indices(path, &pw, &ph);
    assert_true(pixels_of(px, w, 20, 20, 42, 42, COUNT_INK_MATCHED) > 10);
    assert_true(pixels_of(px, w, 80, 80, 101, 101, COUNT_INK_FALSE) > 10);
    assert_true(pixels_of(px, w, 50, 90, 71, 111, COUNT_INK_MISSED) > 5);
    free(px), free(img);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlay_vacuum_legend_markers),
        cmocka_unit_test(test_scale_bar),
        cmocka_unit_test(test_font),
        cmocka_unit_test(test_palette),
        cmocka_unit_test(test_canvas_shades_outside_support),
        cmocka_unit_test(test_display_levels),
        cmocka_unit_test(test_score_overlay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
