/*
 * test_tiff_png.c — round trips through every written type (TIFF float32 and uint16,
 * PNG 8- and 16-bit: values, size, pixel size), the TIFF reader on files libtiff
 * writes here (every sample type, strips and tiles, compression, ImageJ unit
 * spellings, ResolutionUnit cm/inch/none), the image type and unit helpers, and
 * malformed TIFF/PNG input failing with DAC_ERR_INPUT naming the file.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <tiffio.h>

#include "dac/core.h"
#include "dac/image.h"

static char scratch[512];

static const char *path_in_scratch(const char *name)
{
    static char p[600];
    snprintf(p, sizeof p, "%s/%s", scratch, name);
    return p;
}

/* 7 × 5 (odd sizes catch row/column mix-ups) with distinct values, 0.3 Å × 0.6 Å. */
static dac_image *sample_image(void)
{
    dac_image *img;
    assert_int_equal(dac_image_create(7, 5, &img), DAC_OK);
    for (size_t i = 0; i < 35; i++)
        img->pixels[i] = (float)(i * 1000 + 0.25);
    img->pixel_size_A[0] = 0.3;
    img->pixel_size_A[1] = 0.6;
    return img;
}

static dac_image *read_ok(const char *path)
{
    dac_image *img = NULL;
    int st = dac_image_read(path, DAC_IMAGE_FORMAT_AUTO, &img);
    if (st)
        fail_msg("%s", dac_last_error());
    return img;
}

static void test_tiff_float32_round_trip(void **state)
{
    (void)state;
    dac_image *img = sample_image();
    const char *p = path_in_scratch("rt_f32.tif");
    assert_int_equal(dac_image_write_tiff(p, img, DAC_SAMPLE_F32), DAC_OK);
    dac_image *back = read_ok(p);
    assert_int_equal(back->width, 7);
    assert_int_equal(back->height, 5);
    assert_int_equal(back->sample_type, DAC_SAMPLE_F32);
    assert_memory_equal(back->pixels, img->pixels, 35 * sizeof(float));
    /* Rationals are stored in single precision by libtiff: 1e-6 relative. */
    assert_float_equal(back->pixel_size_A[0], 0.3, 0.3e-6);
    assert_float_equal(back->pixel_size_A[1], 0.6, 0.6e-6);
    assert_string_equal(back->unit_original, "nm");
    dac_image_free(back);
    dac_image_free(img);
}

static void test_tiff_uint16_round_trip(void **state)
{
    (void)state;
    dac_image *img = sample_image();
    img->pixels[0] = -5;     /* clamps to 0 */
    img->pixels[1] = 70000;  /* clamps to 65535 */
    img->pixels[2] = 12.6f;  /* rounds to 13 */
    const char *p = path_in_scratch("rt_u16.tif");
    assert_int_equal(dac_image_write_tiff(p, img, DAC_SAMPLE_U16), DAC_OK);
    dac_image *back = read_ok(p);
    assert_int_equal(back->sample_type, DAC_SAMPLE_U16);
    assert_float_equal(back->pixels[0], 0, 0);
    assert_float_equal(back->pixels[1], 65535, 0);
    assert_float_equal(back->pixels[2], 13, 0);
    for (size_t i = 3; i < 35; i++)
        assert_float_equal(back->pixels[i], floor(img->pixels[i] + 0.5), 0);
    assert_float_equal(back->pixel_size_A[1], 0.6, 0.6e-6);
    dac_image_free(back);
    dac_image_free(img);
}

static void test_png16_round_trip(void **state)
{
    (void)state;
    dac_image *img = sample_image();
    for (size_t i = 0; i < 35; i++)
        img->pixels[i] = (float)(i * 1800);
    dac_png_options opt;
    dac_png_options_default(&opt);
    opt.bits = 16;
    opt.range_lo = 0;
    opt.range_hi = 65535; /* identity map: values survive exactly */
    const char *p = path_in_scratch("rt16.png");
    assert_int_equal(dac_image_write_png(p, img, &opt), DAC_OK);
    dac_image *back = read_ok(p);
    assert_int_equal(back->sample_type, DAC_SAMPLE_U16);
    assert_int_equal(back->width, 7);
    assert_int_equal(back->height, 5);
    assert_memory_equal(back->pixels, img->pixels, 35 * sizeof(float));
    assert_float_equal(back->pixel_size_A[0], 0.3, 1e-12);
    assert_float_equal(back->pixel_size_A[1], 0.6, 1e-12);
    dac_image_free(back);
    /* Default 16-bit: min..max → 0..65535. */
    opt.range_lo = opt.range_hi = 0;
    assert_int_equal(dac_image_write_png(p, img, &opt), DAC_OK);
    back = read_ok(p);
    assert_float_equal(back->pixels[0], 0, 0);
    assert_float_equal(back->pixels[34], 65535, 0);
    dac_image_free(back);
    dac_image_free(img);
}

static void test_png8_stretch(void **state)
{
    (void)state;
    /* 200 pixels 0..199: the 0.5/99.5 % stretch maps value 1 → 0 and 198 → 255. */
    dac_image *img;
    assert_int_equal(dac_image_create(20, 10, &img), DAC_OK);
    for (size_t i = 0; i < 200; i++)
        img->pixels[i] = (float)i;
    img->pixel_size_A[0] = img->pixel_size_A[1] = 0.5;
    const char *p = path_in_scratch("rt8.png");
    assert_int_equal(dac_image_write_png(p, img, NULL), DAC_OK);
    dac_image *back = read_ok(p);
    assert_int_equal(back->sample_type, DAC_SAMPLE_U8);
    assert_int_equal(back->width, 20);
    assert_float_equal(back->pixels[0], 0, 0);
    assert_float_equal(back->pixels[1], 0, 0);
    assert_float_equal(back->pixels[198], 255, 0);
    assert_float_equal(back->pixels[199], 255, 0);
    assert_float_equal(back->pixels[100], floor((100.0 - 1) / 197 * 255 + 0.5), 0);
    assert_float_equal(back->pixel_size_A[0], 0.5, 1e-12);
    dac_image_free(back);
    /* Explicit range 0..255: identity. */
    dac_png_options opt;
    dac_png_options_default(&opt);
    opt.range_lo = 0;
    opt.range_hi = 255;
    assert_int_equal(dac_image_write_png(p, img, &opt), DAC_OK);
    back = read_ok(p);
    for (size_t i = 0; i < 200; i++)
        assert_float_equal(back->pixels[i], img->pixels[i], 0);
    dac_image_free(back);
    dac_image_free(img);
}

static void test_png_rgb_luminance(void **state)
{
    (void)state;
    unsigned char rgb[2 * 3] = {255, 0, 0, 0, 0, 255};
    const char *p = path_in_scratch("rgb.png");
    assert_int_equal(dac_image_write_png_rgb(p, 2, 1, rgb), DAC_OK);
    dac_warnings_clear();
    dac_image *back = read_ok(p);
    /* Rec. 709 luma weights: R 0.2126, B 0.0722. */
    assert_float_equal(back->pixels[0], 0.2126 * 255, 1e-3);
    assert_float_equal(back->pixels[1], 0.0722 * 255, 1e-3);
    assert_int_equal(dac_warning_count(), 1);
    dac_warnings_clear();
    dac_image_free(back);
}

/* A TIFF written by libtiff directly, for the reader's sake. */
static void write_test_tiff(const char *p, int bits, int format, int tiled, int compression,
                            const char *desc, double xres, double yres, int resunit)
{
    TIFF *t = TIFFOpen(p, "w");
    assert_non_null(t);
    uint32_t w = 19, h = 17;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, format);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_COMPRESSION, compression);
    if (tiled) {
        TIFFSetField(t, TIFFTAG_TILEWIDTH, 16);
        TIFFSetField(t, TIFFTAG_TILELENGTH, 16);
    }
    if (desc)
        TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, desc);
    if (xres > 0) {
        TIFFSetField(t, TIFFTAG_XRESOLUTION, xres);
        TIFFSetField(t, TIFFTAG_YRESOLUTION, yres);
    }
    if (resunit)
        TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, resunit);
    size_t bps = (size_t)bits / 8;
    unsigned char *buf = calloc(16 * 16, 8);
    /* value(x, y) = y * 19 + x - 100 (fits every type; unsigned types get +100). */
#define VALUE(x, y) ((double)((y) * 19 + (x)) - (format == SAMPLEFORMAT_UINT ? 0 : 100))
    for (uint32_t ty = 0; ty < h; ty += tiled ? 16 : h)
        for (uint32_t tx = 0; tx < w; tx += tiled ? 16 : w) {
            uint32_t bw = tiled ? 16 : w, bh = tiled ? 16 : 1;
            for (uint32_t r = 0; r < (tiled ? bh : h); r++) {
                for (uint32_t c = 0; c < bw; c++) {
                    double v = (tx + c < w && ty + r < h) ? VALUE(tx + c, ty + r) : 0;
                    unsigned char *q = buf + (r % bh * bw + c) * bps;
                    if (format == SAMPLEFORMAT_IEEEFP && bits == 32) { float f = (float)v; memcpy(q, &f, 4); }
                    else if (format == SAMPLEFORMAT_IEEEFP) memcpy(q, &v, 8);
                    else if (bits == 8) { int8_t i8 = (int8_t)v; memcpy(q, &i8, 1); }
                    else if (bits == 16) { int16_t i16 = (int16_t)v; memcpy(q, &i16, 2); }
                    else { int32_t i32 = (int32_t)v; memcpy(q, &i32, 4); }
                }
                if (!tiled)
                    assert_true(TIFFWriteScanline(t, buf, r, 0) >= 0);
            }
            if (tiled)
                assert_true(TIFFWriteTile(t, buf, tx, ty, 0, 0) >= 0);
        }
    free(buf);
    TIFFClose(t);
}

static void test_tiff_every_type(void **state)
{
    (void)state;
    static const struct {
        int bits, format;
        dac_sample_type type;
    } cases[] = {{8, SAMPLEFORMAT_UINT, DAC_SAMPLE_U8},     {8, SAMPLEFORMAT_INT, DAC_SAMPLE_I8},
                 {16, SAMPLEFORMAT_UINT, DAC_SAMPLE_U16},   {16, SAMPLEFORMAT_INT, DAC_SAMPLE_I16},
                 {32, SAMPLEFORMAT_UINT, DAC_SAMPLE_U32},   {32, SAMPLEFORMAT_INT, DAC_SAMPLE_I32},
                 {32, SAMPLEFORMAT_IEEEFP, DAC_SAMPLE_F32}, {64, SAMPLEFORMAT_IEEEFP, DAC_SAMPLE_F64}};
    const char *p = path_in_scratch("types.tif");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int tiled = 0; tiled <= 1; tiled++) {
            int format = cases[k].format;
            if (cases[k].bits == 8 && format == SAMPLEFORMAT_UINT)
                continue; /* 8-bit uint cannot hold 0..322: covered by PNG and DM */
            write_test_tiff(p, cases[k].bits, format, tiled,
                            tiled ? COMPRESSION_ADOBE_DEFLATE : COMPRESSION_LZW, NULL, 0, 0, 0);
            dac_image *img = read_ok(p);
            assert_int_equal(img->width, 19);
            assert_int_equal(img->height, 17);
            assert_int_equal(img->sample_type, cases[k].type);
            for (size_t y = 0; y < 17; y++)
                for (size_t x = 0; x < 19; x++) {
                    double want = VALUE(x, y);
                    if (cases[k].bits == 8)
                        want = (double)(int8_t)want;
                    assert_float_equal(img->pixels[y * 19 + x], want, 0);
                }
            assert_float_equal(img->pixel_size_A[0], 0, 0); /* no resolution: unknown */
            dac_image_free(img);
        }
}

static void test_tiff_units(void **state)
{
    (void)state;
    static const struct {
        const char *desc;
        int resunit;
        double xres, want_x, want_y;
    } cases[] = {
        {"ImageJ=1.53t\nunit=nm\n", 0, 4.0, 2.5, 1.25},
        {"ImageJ=1.53t\nunit=micron\n", 1, 100.0, 100.0, 50.0},
        {"ImageJ=1.53t\nunit=\\u00B5m\n", 0, 100.0, 100.0, 50.0},
        {"ImageJ=1.53t\nunit=\xc2\xb5m\n", 0, 100.0, 100.0, 50.0},
        {"ImageJ=1.53t\nunit=A\n", 0, 2.0, 0.5, 0.25},
        {"ImageJ=1.53t\nunit=\xc3\x85\n", 0, 2.0, 0.5, 0.25},
        {"ImageJ=1.53t\nunit=pixel\n", 0, 1.0, 0, 0},          /* not a length */
        {NULL, RESUNIT_CENTIMETER, 1e7, 10.0, 5.0},             /* 10^7 px/cm = 10 Å */
        {NULL, RESUNIT_INCH, 2.54e7, 10.0, 5.0},
        {NULL, RESUNIT_NONE, 4.0, 0, 0},
        {NULL, 0, 72.0, 0, 0}, /* no ResolutionUnit tag: no physical unit */
    };
    const char *p = path_in_scratch("units.tif");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        write_test_tiff(p, 16, SAMPLEFORMAT_UINT, 0, COMPRESSION_NONE, cases[k].desc, cases[k].xres,
                        cases[k].xres * 2, cases[k].resunit);
        dac_image *img = read_ok(p);
        if (fabs(img->pixel_size_A[0] - cases[k].want_x) > 1e-6 * cases[k].want_x + 1e-12 ||
            fabs(img->pixel_size_A[1] - cases[k].want_y) > 1e-6 * cases[k].want_y + 1e-12)
            fail_msg("case %zu: got %g x %g Å, want %g x %g", k, img->pixel_size_A[0],
                     img->pixel_size_A[1], cases[k].want_x, cases[k].want_y);
        dac_image_free(img);
    }
}

static unsigned char *slurp(const char *p, size_t *len);

/* A blank 8-bit image of w × h written by libtiff with `compression`, in one strip or
 * in 256² tiles; only the first `rows_written` rows (strips) or the first tile (tiled,
 * when rows_written < h) hold data, so the header can claim more than the file has. */
static void write_blank_tiff(const char *p, int compression, int tiled, uint32_t w, uint32_t h,
                             uint32_t rows_written)
{
    TIFF *t = TIFFOpen(p, "w");
    assert_non_null(t);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_COMPRESSION, compression);
    unsigned char *buf = calloc(tiled ? 256 * 256 : w, 1);
    if (tiled) {
        TIFFSetField(t, TIFFTAG_TILEWIDTH, 256);
        TIFFSetField(t, TIFFTAG_TILELENGTH, 256);
        for (uint32_t y = 0; y < h; y += 256)
            for (uint32_t x = 0; x < w && (rows_written >= h || (x == 0 && y == 0)); x += 256)
                assert_true(TIFFWriteTile(t, buf, x, y, 0, 0) >= 0);
    } else {
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, h);
        for (uint32_t y = 0; y < rows_written; y++)
            assert_true(TIFFWriteScanline(t, buf, y, 0) >= 0);
    }
    free(buf);
    TIFFClose(t);
}

/* ZSTD and LZMA have no compression ratio worth bounding by (a ZSTD RLE block holds
 * 128 KiB in 4 bytes; LZMA reaches ~7000:1 on zeros), so the 4096:1 bound the reader
 * once applied to every codec rejected valid files: a blank 2048² image is a few
 * hundred bytes. They must read; a header that claims rows the file does not hold
 * must still fail with DAC_ERR_INPUT (pixels are allocated only as rows decode, so
 * claiming 2^31 pixels costs nothing). Skipped for a codec this libtiff lacks. */
static void test_tiff_unbounded_codecs(void **state)
{
    (void)state;
    static const struct {
        int codec;
        const char *name;
    } codecs[] = {{COMPRESSION_ZSTD, "ZSTD"}, {COMPRESSION_LZMA, "LZMA"}};
    const char *p = path_in_scratch("codec.tif");
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        if (!TIFFIsCODECConfigured((uint16_t)codecs[c].codec)) {
            printf("# %s: not configured in this libtiff, skipped\n", codecs[c].name);
            continue;
        }
        for (int tiled = 0; tiled <= 1; tiled++) {
            write_blank_tiff(p, codecs[c].codec, tiled, 2048, 2048, 2048);
            size_t len;
            free(slurp(p, &len));
            printf("# %s %s: blank 2048^2 in %zu bytes (%.0f:1)\n", codecs[c].name,
                   tiled ? "tiles" : "strip", len, 4194304.0 / (double)len);
            dac_image *img = read_ok(p);
            assert_int_equal(img->width, 2048);
            assert_int_equal(img->height, 2048);
            assert_int_equal(img->sample_type, DAC_SAMPLE_U8);
            assert_float_equal(img->original_min, 0, 0);
            assert_float_equal(img->original_max, 0, 0);
            dac_image_free(img);
            /* 2^20 × 2048 claimed (the pixel cap), one row or one tile present. */
            write_blank_tiff(p, codecs[c].codec, tiled, 1u << 20, 2048, 1);
            img = (dac_image *)1;
            assert_int_equal(dac_image_read(p, DAC_IMAGE_FORMAT_AUTO, &img), DAC_ERR_INPUT);
            assert_null(img);
            assert_non_null(strstr(dac_last_error(), "codec.tif"));
        }
    }
}

/* Many programs write 72 (or 96) pixels per inch as a display default. As a pixel
 * size that is 353 µm; microscope pixels are under 1 µm, so such a resolution is not a
 * calibration: the pixel size stays unknown (0) and a warning says why. */
static void test_tiff_display_resolution(void **state)
{
    (void)state;
    static const struct {
        int resunit;
        double xres, want_A; /* want 0: unknown, with a warning */
    } cases[] = {
        {RESUNIT_INCH, 72.0, 0},          /* 353 µm */
        {RESUNIT_INCH, 96.0, 0},          /* 265 µm */
        {RESUNIT_CENTIMETER, 9999.0, 0},  /* just over 1 µm */
        {RESUNIT_CENTIMETER, 1e4, 1e4},   /* exactly 1 µm: kept */
        {RESUNIT_INCH, 2.54e6, 100.0},    /* 10 nm: a calibration */
    };
    const char *p = path_in_scratch("dpi.tif");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        /* y resolution = x: write_test_tiff takes both */
        write_test_tiff(p, 16, SAMPLEFORMAT_UINT, 0, COMPRESSION_NONE, NULL, cases[k].xres,
                        cases[k].xres, cases[k].resunit);
        dac_warnings_clear();
        dac_image *img = read_ok(p);
        if (fabs(img->pixel_size_A[0] - cases[k].want_A) > 1e-6 * cases[k].want_A ||
            fabs(img->pixel_size_A[1] - cases[k].want_A) > 1e-6 * cases[k].want_A)
            fail_msg("case %zu: got %g x %g Å, want %g", k, img->pixel_size_A[0],
                     img->pixel_size_A[1], cases[k].want_A);
        if (cases[k].want_A == 0) {
            assert_int_equal(dac_warning_count(), 1);
            assert_non_null(strstr(dac_warning(0), "display default"));
            assert_non_null(strstr(dac_warning(0), "dpi.tif"));
        } else {
            assert_int_equal(dac_warning_count(), 0);
        }
        dac_warnings_clear();
        dac_image_free(img);
    }
}

static void test_units_and_helpers(void **state)
{
    (void)state;
    double s;
    assert_int_equal(dac_image_unit_to_A("nm", &s), 0);
    assert_float_equal(s, 10, 0);
    assert_int_equal(dac_image_unit_to_A(" micron ", &s), 0);
    assert_float_equal(s, 1e4, 0);
    assert_int_equal(dac_image_unit_to_A("\xc3\x85", &s), 0);
    assert_float_equal(s, 1, 0);
    assert_int_equal(dac_image_unit_to_A("pm", &s), 0);
    assert_float_equal(s, 0.01, 0);
    assert_int_not_equal(dac_image_unit_to_A("M", &s), 0);
    assert_int_not_equal(dac_image_unit_to_A("1/nm", &s), 0);
    assert_int_equal(dac_image_format_from_path("a/b.TIF"), DAC_IMAGE_FORMAT_TIFF);
    assert_int_equal(dac_image_format_from_path("x.dm4"), DAC_IMAGE_FORMAT_DM4);
    assert_int_equal(dac_image_format_from_path("x.mrcs"), DAC_IMAGE_FORMAT_MRC);
    assert_int_equal(dac_image_format_from_path("dir.v2/x"), DAC_IMAGE_FORMAT_AUTO);
    assert_string_equal(dac_sample_type_name(DAC_SAMPLE_U16), "uint16");
    dac_image *img = sample_image();
    assert_int_equal(dac_image_meta_set(img, "k", "1"), 0);
    assert_int_equal(dac_image_meta_set(img, "k", "2"), 0);
    assert_int_equal(img->n_meta, 1);
    dac_image *c;
    assert_int_equal(dac_image_copy(img, &c), DAC_OK);
    assert_string_equal(dac_image_meta_get(c, "k"), "2");
    assert_null(dac_image_meta_get(c, "nope"));
    assert_memory_equal(c->pixels, img->pixels, 35 * sizeof(float));
    dac_image_free(c);
    dac_image_free(img);
    dac_image *none = (dac_image *)1;
    assert_int_equal(dac_image_create(0, 5, &none), DAC_ERR_USAGE);
    assert_null(none);
}

static void expect_bad(const unsigned char *d, size_t len, dac_image_format f, const char *fragment)
{
    /* An exactly sized copy, so ASan sees any read past the end of the input. */
    unsigned char *copy = malloc(len ? len : 1);
    memcpy(copy, d, len);
    dac_image *img = (dac_image *)1;
    assert_int_equal(dac_image_read_buffer(copy, len, "bad.img", f, &img), DAC_ERR_INPUT);
    assert_null(img);
    assert_non_null(strstr(dac_last_error(), "bad.img"));
    if (fragment && !strstr(dac_last_error(), fragment))
        fail_msg("message '%s' lacks '%s'", dac_last_error(), fragment);
    free(copy);
}

static unsigned char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = malloc(*len);
    assert_int_equal(fread(d, 1, *len, f), *len);
    fclose(f);
    return d;
}

static void test_malformed_tiff_png(void **state)
{
    (void)state;
    dac_image *img = sample_image();
    const char *tp = path_in_scratch("m.tif"), *pp = path_in_scratch("m.png");
    assert_int_equal(dac_image_write_tiff(tp, img, DAC_SAMPLE_F32), 0);
    assert_int_equal(dac_image_write_png(pp, img, NULL), 0);
    dac_image_free(img);
    size_t tl, pl;
    unsigned char *t = slurp(tp, &tl), *p = slurp(pp, &pl);
    for (size_t n = 0; n < tl; n += 13)
        expect_bad(t, n, DAC_IMAGE_FORMAT_TIFF, NULL);
    for (size_t n = 0; n < pl; n += 5)
        expect_bad(p, n, DAC_IMAGE_FORMAT_PNG, NULL);
    /* The chunk after IHDR claims 1 GB: refused before libpng allocates it. */
    unsigned char saved = p[33];
    p[33] = 0x40;
    expect_bad(p, pl, DAC_IMAGE_FORMAT_PNG, "claims");
    p[33] = saved;
    p[1] = 'X'; /* corrupt signature */
    expect_bad(p, pl, DAC_IMAGE_FORMAT_PNG, "not a PNG");
    expect_bad((const unsigned char *)"hello world", 11, DAC_IMAGE_FORMAT_AUTO, "unknown image format");
    free(t);
    free(p);
    /* A TIFF header claiming 10^9 × 10^9 pixels in a tiny file. */
    const char *hp = path_in_scratch("huge.tif");
    TIFF *h = TIFFOpen(hp, "w");
    TIFFSetField(h, TIFFTAG_IMAGEWIDTH, 1000000000u);
    TIFFSetField(h, TIFFTAG_IMAGELENGTH, 1000000000u);
    TIFFSetField(h, TIFFTAG_BITSPERSAMPLE, 16);
    TIFFSetField(h, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(h, TIFFTAG_ROWSPERSTRIP, 1000000000u);
    TIFFSetField(h, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    unsigned char row[16] = {0};
    TIFFWriteRawStrip(h, 0, row, sizeof row);
    TIFFClose(h);
    size_t hl;
    unsigned char *hd = slurp(hp, &hl);
    expect_bad(hd, hl, DAC_IMAGE_FORMAT_TIFF, NULL);
    free(hd);
    /* Missing file: DAC_ERR_INPUT naming it. */
    assert_int_equal(dac_image_read(path_in_scratch("absent.tif"), 0, &img), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "absent.tif"));
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Quickselect percentiles agree with sorting, on data with many ties and on a NaN. */
static void test_percentiles(void **state)
{
    (void)state;
    dac_rng rng;
    dac_rng_seed(&rng, 7);
    for (int trial = 0; trial < 20; trial++) {
        size_t w = 1 + dac_rng_below(&rng, 60), h = 1 + dac_rng_below(&rng, 40);
        dac_image *img;
    assert_int_equal(dac_image_create(w, h, &img), DAC_OK);
        for (size_t i = 0; i < w * h; i++)
            img->pixels[i] = (float)(trial % 2 ? dac_rng_below(&rng, 5) : dac_rng_normal(&rng));
        float *sorted = malloc(w * h * sizeof *sorted);
        memcpy(sorted, img->pixels, w * h * sizeof *sorted);
        qsort(sorted, w * h, sizeof *sorted, cmp_float);
        static const double ps[][2] = {{0, 100}, {0.5, 99.5}, {25, 75}, {50, 50}};
        for (size_t k = 0; k < 4; k++) {
            double lo, hi;
            assert_int_equal(dac_image_percentiles(img, ps[k][0], ps[k][1], &lo, &hi), 0);
            assert_float_equal(lo, sorted[(size_t)llround(ps[k][0] / 100 * (double)(w * h - 1))], 0);
            assert_float_equal(hi, sorted[(size_t)llround(ps[k][1] / 100 * (double)(w * h - 1))], 0);
        }
        free(sorted);
        dac_image_free(img);
    }
    dac_image *img;
    assert_int_equal(dac_image_create(3, 1, &img), DAC_OK);
    img->pixels[0] = NAN;
    img->pixels[1] = 2;
    img->pixels[2] = 1;
    double lo, hi;
    assert_int_equal(dac_image_percentiles(img, 0, 100, &lo, &hi), 0);
    assert_float_equal(lo, 1, 0);
    assert_float_equal(hi, 2, 0);
    assert_int_equal(dac_image_percentiles(img, 60, 50, &lo, &hi), DAC_ERR_USAGE);
    dac_image_free(img);
}

static void test_write_errors(void **state)
{
    (void)state;
    dac_image *img = sample_image();
    assert_int_equal(dac_image_write_tiff(path_in_scratch("x.tif"), img, DAC_SAMPLE_U8), DAC_ERR_USAGE);
    assert_int_not_equal(dac_image_write_tiff("/nonexistent-dir/x.tif", img, DAC_SAMPLE_F32), 0);
    assert_int_not_equal(access("/nonexistent-dir/x.tif", F_OK), 0);
    dac_image_free(img);
}

int main(void)
{
    snprintf(scratch, sizeof scratch, "image_test_scratch_%ld", (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", scratch);
    if (system(cmd) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiff_float32_round_trip),
        cmocka_unit_test(test_tiff_uint16_round_trip),
        cmocka_unit_test(test_png16_round_trip),
        cmocka_unit_test(test_png8_stretch),
        cmocka_unit_test(test_png_rgb_luminance),
        cmocka_unit_test(test_tiff_every_type),
        cmocka_unit_test(test_tiff_units),
        cmocka_unit_test(test_tiff_unbounded_codecs),
        cmocka_unit_test(test_tiff_display_resolution),
        cmocka_unit_test(test_units_and_helpers),
        cmocka_unit_test(test_malformed_tiff_png),
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_write_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    snprintf(cmd, sizeof cmd, "rm -rf %s", scratch);
    if (system(cmd) != 0)
        return 1;
    return rc;
}
