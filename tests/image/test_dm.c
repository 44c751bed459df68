/*
 * test_dm.c — the DM3/DM4 reader on files built byte by byte (dm_builder.h): every
 * image data type, axis order and per-axis calibration, thumbnail-first files, and
 * malformed input (every truncation, bad magic, lying counts, deep nesting, unknown
 * types, absurd dimensions) which must fail with DAC_ERR_INPUT and a message naming
 * the file — never crash or allocate more than the file justifies.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dac/core.h"
#include "dac/image.h"
#include "image/dm_builder.h"

/* DM image DataType → encoded element type of the Data array and bytes per pixel. */
static void type_info(int dtype, int *elem, int *bpp)
{
    switch (dtype) {
    case 1: *elem = 2; *bpp = 2; break;
    case 2: *elem = 6; *bpp = 4; break;
    case 3: *elem = 6; *bpp = 8; break; /* complex64: pairs of float */
    case 6: *elem = 10; *bpp = 1; break;
    case 7: *elem = 3; *bpp = 4; break;
    case 9: *elem = 9; *bpp = 1; break;
    case 10: *elem = 4; *bpp = 2; break;
    case 11: *elem = 5; *bpp = 4; break;
    case 12: *elem = 7; *bpp = 8; break;
    case 13: *elem = 7; *bpp = 16; break;
    default: *elem = 8; *bpp = 1; break; /* 14 bool */
    }
}

/* Samples of value v[i] in the layout of DM type dtype (complex: re = v, im = 0). */
static size_t encode(int dtype, const double *v, size_t n, unsigned char *out)
{
    dmb tmp = {0};
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case 1: dmb_scalar_raw(&tmp, 2, v[i]); break;
        case 2: dmb_scalar_raw(&tmp, 6, v[i]); break;
        case 3: dmb_scalar_raw(&tmp, 6, v[i]); dmb_scalar_raw(&tmp, 6, 0); break;
        case 6: dmb_scalar_raw(&tmp, 10, v[i]); break;
        case 7: dmb_scalar_raw(&tmp, 3, v[i]); break;
        case 9: dmb_scalar_raw(&tmp, 9, v[i]); break;
        case 10: dmb_scalar_raw(&tmp, 4, v[i]); break;
        case 11: dmb_scalar_raw(&tmp, 5, v[i]); break;
        case 12: dmb_scalar_raw(&tmp, 7, v[i]); break;
        case 13: dmb_scalar_raw(&tmp, 7, v[i]); dmb_scalar_raw(&tmp, 7, 0); break;
        default: dmb_scalar_raw(&tmp, 8, v[i] != 0); break;
        }
    }
    memcpy(out, tmp.d, tmp.len);
    size_t len = tmp.len;
    free(tmp.d);
    return len;
}

/* Reads from an exactly sized copy, so ASan sees any read past the end (a scalar tag
 * that ends the file caught the reader once). */
static int read_exact(const dmb *b, const char *name, dac_image_format f, dac_image **img)
{
    unsigned char *copy = malloc(b->len);
    memcpy(copy, b->d, b->len);
    int st = dac_image_read_buffer(copy, b->len, name, f, img);
    free(copy);
    return st;
}

/* A one-image file of 3 columns × 2 rows holding 1..6 (bool: 0,1,0,1,0,1). */
static dmb build_simple(int dm4, int dtype)
{
    double v[6];
    for (int i = 0; i < 6; i++)
        v[i] = dtype == 14 ? (i % 2) : (dtype == 9 || dtype == 1 || dtype == 7) ? -(i + 1) : i + 1;
    unsigned char data[96];
    int elem, bpp;
    type_info(dtype, &elem, &bpp);
    size_t nbytes = encode(dtype, v, 6, data);
    dmb b;
    dmb_begin(&b, dm4, 1);
    dmb_group(&b, "ImageList", 1);
    dmb_image(&b, 3, 2, dtype, elem, nbytes / (size_t)dmb_size(elem), data, nbytes, 0.5, "nm", 2.0,
              "\xc5", 300e3);
    dmb_bytes(&b, "\0\0\0\0\0\0\0\0", 8);
    return b;
}

static void test_every_type(void **state)
{
    (void)state;
    static const int types[] = {1, 2, 3, 6, 7, 9, 10, 11, 12, 13, 14};
    static const dac_sample_type expect[] = {DAC_SAMPLE_I16, DAC_SAMPLE_F32, DAC_SAMPLE_COMPLEX64,
                                             DAC_SAMPLE_U8, DAC_SAMPLE_I32, DAC_SAMPLE_I8,
                                             DAC_SAMPLE_U16, DAC_SAMPLE_U32, DAC_SAMPLE_F64,
                                             DAC_SAMPLE_COMPLEX128, DAC_SAMPLE_BOOL};
    for (int dm4 = 0; dm4 <= 1; dm4++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            dmb b = build_simple(dm4, types[t]);
            dac_image *img = NULL;
            int st = read_exact(&b, "fixture.dm", DAC_IMAGE_FORMAT_AUTO, &img);
            assert_int_equal(st, DAC_OK);
            assert_int_equal(img->width, 3);
            assert_int_equal(img->height, 2);
            assert_int_equal(img->sample_type, expect[t]);
            for (int i = 0; i < 6; i++) {
                int signed_type = types[t] == 9 || types[t] == 1 || types[t] == 7;
                double want = types[t] == 14 ? (i % 2) : signed_type ? -(i + 1) : i + 1;
                assert_float_equal(img->pixels[i], want, 0);
            }
            /* Dimension 0 is x (columns): 0.5 nm; Dimension 1 is y (rows): 2 Å. */
            assert_float_equal(img->pixel_size_A[0], 5.0, 1e-6);
            assert_float_equal(img->pixel_size_A[1], 2.0, 1e-6);
            assert_string_equal(dac_image_meta_get(img, "voltage_V"), "300000");
            assert_string_equal(dac_image_meta_get(img, "magnification"), "5000000");
            dac_image_free(img);
            free(b.d);
        }
}

static void test_complex_modulus(void **state)
{
    (void)state;
    float z[2] = {3.0f, -4.0f}; /* |3 - 4i| = 5 */
    dmb b;
    dmb_begin(&b, 0, 1);
    dmb_group(&b, "ImageList", 1);
    dmb_image(&b, 1, 1, 3, 6, 2, z, sizeof z, 1, "nm", 1, "nm", 200e3);
    dac_image *img;
    assert_int_equal(read_exact(&b, "c.dm3", DAC_IMAGE_FORMAT_DM3, &img), DAC_OK);
    assert_float_equal(img->pixels[0], 5.0, 1e-6);
    dac_image_free(img);
    free(b.d);
}

/* Thumbnail first, and bigger than the main image: the Thumbnails group must win
 * over "largest". */
static void test_thumbnail_first(void **state)
{
    (void)state;
    for (int dm4 = 0; dm4 <= 1; dm4++) {
        unsigned char thumb[16] = {0}, main_px[6] = {1, 2, 3, 4, 5, 6};
        dmb b;
        dmb_begin(&b, dm4, 2);
        dmb_group(&b, "ImageList", 2);
        dmb_image(&b, 4, 4, 6, 10, 16, thumb, 16, 1, "", 1, "", 0);
        dmb_image(&b, 3, 2, 6, 10, 6, main_px, 6, 0.1, "nm", 0.1, "nm", 300e3);
        dmb_thumbnails(&b, 0);
        dac_image *img;
        assert_int_equal(read_exact(&b, "t.dm", DAC_IMAGE_FORMAT_AUTO, &img), DAC_OK);
        assert_int_equal(img->width, 3);
        assert_int_equal(img->height, 2);
        assert_float_equal(img->pixels[5], 6, 0);
        assert_float_equal(img->pixel_size_A[0], 1.0, 1e-6);
        dac_image_free(img);
        free(b.d);
    }
}

/* No Thumbnails group: the largest entry is the image, even when it comes last. */
static void test_largest_without_thumbnail_list(void **state)
{
    (void)state;
    unsigned char small[4] = {9, 9, 9, 9}, big[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    dmb b;
    dmb_begin(&b, 0, 1);
    dmb_group(&b, "ImageList", 2);
    dmb_image(&b, 2, 2, 6, 10, 4, small, 4, 1, "", 1, "", 0);
    dmb_image(&b, 4, 3, 6, 10, 12, big, 12, 1, "nm", 1, "nm", 0);
    dac_image *img;
    assert_int_equal(read_exact(&b, "l.dm3", DAC_IMAGE_FORMAT_AUTO, &img), DAC_OK);
    assert_int_equal(img->width, 4);
    assert_int_equal(img->height, 3);
    assert_float_equal(img->pixels[11], 12, 0);
    dac_image_free(img);
    free(b.d);
}

static void expect_input_error(const unsigned char *d, size_t len, const char *fragment)
{
    /* An exactly sized copy, so ASan sees any read past the end of the input. */
    unsigned char *copy = malloc(len ? len : 1);
    memcpy(copy, d, len);
    dac_image *img = (dac_image *)1;
    int st = dac_image_read_buffer(copy, len, "bad.dm3", DAC_IMAGE_FORMAT_DM3, &img);
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_null(img);
    assert_non_null(strstr(dac_last_error(), "bad.dm3"));
    if (fragment && !strstr(dac_last_error(), fragment))
        fail_msg("message '%s' lacks '%s'", dac_last_error(), fragment);
    free(copy);
}

/* Every prefix of a valid file is an error (the last 8 padding bytes aside). */
static void test_every_truncation(void **state)
{
    (void)state;
    for (int dm4 = 0; dm4 <= 1; dm4++) {
        dmb b = build_simple(dm4, 2);
        for (size_t n = 1; n + 8 < b.len; n++)
            expect_input_error(b.d, n, NULL);
        free(b.d);
    }
}

static void test_bad_magic(void **state)
{
    (void)state;
    dmb b = build_simple(0, 2);
    b.d[3] = 5;
    expect_input_error(b.d, b.len, "not a DM3/DM4");
    free(b.d);
}

static void test_lying_array_count(void **state)
{
    (void)state;
    unsigned char px[4] = {1, 2, 3, 4};
    dmb b;
    dmb_begin(&b, 0, 1);
    dmb_group(&b, "ImageList", 1);
    dmb_image(&b, 2, 2, 6, 10, 0xfffffff0u, px, 4, 1, "nm", 1, "nm", 0);
    expect_input_error(b.d, b.len, "more than");
    free(b.d);
}

static void test_absurd_dimensions(void **state)
{
    (void)state;
    unsigned char px[4] = {1, 2, 3, 4};
    dmb b;
    dmb_begin(&b, 0, 1);
    dmb_group(&b, "ImageList", 1);
    dmb_image(&b, 1000000000, 1000000000, 6, 10, 4, px, 4, 1, "nm", 1, "nm", 0);
    expect_input_error(b.d, b.len, "1000000000 x 1000000000 is beyond");
    free(b.d);
    /* Plausible sides, but more pixels than the Data array holds. */
    dmb_begin(&b, 1, 1);
    dmb_group(&b, "ImageList", 1);
    dmb_image(&b, 4096, 4096, 6, 10, 4, px, 4, 1, "nm", 1, "nm", 0);
    dac_image *img;
    assert_int_equal(read_exact(&b, "bad.dm4", DAC_IMAGE_FORMAT_AUTO, &img), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), "holds only"));
    free(b.d);
}

static void test_unknown_types(void **state)
{
    (void)state;
    dmb b;
    dmb_begin(&b, 0, 1);
    dmb_scalar(&b, "Weird", 99, 0);
    expect_input_error(b.d, b.len, "unknown DM data type 99");
    free(b.d);
    unsigned char px[4] = {1, 2, 3, 4};
    dmb_begin(&b, 0, 1);
    dmb_group(&b, "ImageList", 1);
    dmb_image(&b, 2, 2, 99, 10, 4, px, 4, 1, "nm", 1, "nm", 0);
    expect_input_error(b.d, b.len, "image data type 99 is not supported");
    free(b.d);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    dmb b;
    dmb_begin(&b, 0, 1);
    for (int i = 0; i < 200; i++)
        dmb_group(&b, "g", 1);
    dmb_scalar(&b, "x", 3, 1);
    expect_input_error(b.d, b.len, "nested deeper");
    free(b.d);
}

static void test_lying_group_count(void **state)
{
    (void)state;
    dmb b;
    dmb_begin(&b, 1, 0xffffffffffffull);
    expect_input_error(b.d, b.len, "claims");
    free(b.d);
}

static void test_no_image(void **state)
{
    (void)state;
    dmb b;
    dmb_begin(&b, 0, 1);
    dmb_scalar(&b, "Something", 3, 1);
    expect_input_error(b.d, b.len, "no image");
    free(b.d);
}

/* A DM4 struct descriptor whose field count wraps 3 + 2 * n in 64 bits (n = 2^63 + 1
 * gives 5) must be refused, not walked past the descriptor array. The first tag, a
 * valid struct of 126 int32 fields, leaves the reader's descriptor array full of valid
 * types, so without the bound the loop runs off its end (an ASan stack overflow; the
 * reviewer's evil.dm4). The same wrap is tried on an array of structs. */
static void test_struct_field_count_wraps(void **state)
{
    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        dmb b;
        dmb_begin(&b, 1, 2);
        dmb_label(&b, 21, "full");
        dmb_bytes(&b, "%%%%", 4);
        dmb_count(&b, 3 + 2 * 126);
        dmb_count(&b, 15);
        dmb_count(&b, 0);
        dmb_count(&b, 126);
        for (int f = 0; f < 126; f++) {
            dmb_count(&b, 0);
            dmb_count(&b, 3);
        }
        for (int f = 0; f < 126; f++)
            dmb_le(&b, (uint64_t)f, 4);
        dmb_label(&b, 21, "evil");
        dmb_bytes(&b, "%%%%", 4);
        dmb_count(&b, 5);
        if (variant == 0) { /* struct: 15, name length, n = 2^63 + 1, name, type */
            dmb_count(&b, 15);
            dmb_count(&b, 0);
            dmb_count(&b, (1ull << 63) + 1);
            dmb_count(&b, 0);
            dmb_count(&b, 3);
        } else { /* array of structs: 20, 15, name length, n = 2^63 (5 + 2n wraps to 5), count */
            dmb_count(&b, 20);
            dmb_count(&b, 15);
            dmb_count(&b, 0);
            dmb_count(&b, 1ull << 63);
            dmb_count(&b, 1);
        }
        dmb_bytes(&b, "\0\0\0\0\0\0\0\0", 8);
        dac_image *img = (dac_image *)1;
        assert_int_equal(read_exact(&b, "evil.dm4", DAC_IMAGE_FORMAT_AUTO, &img), DAC_ERR_INPUT);
        assert_null(img);
        if (!strstr(dac_last_error(), "unknown DM data type") || !strstr(dac_last_error(), "evil.dm4"))
            fail_msg("variant %d: unexpected message '%s'", variant, dac_last_error());
        free(b.d);
    }
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Smallest ImageList entry: ImageData{Data (uint8), DataType 6, Dimensions{w, h}}. */
static void minimal_entry(dmb *b, uint32_t w, uint32_t h, unsigned char value)
{
    unsigned char px[4] = {value, value, value, value};
    dmb_group(b, "", 1);
    dmb_group(b, "ImageData", 3);
    dmb_array(b, "Data", 10, (uint64_t)w * h, px, (size_t)w * h);
    dmb_scalar(b, "DataType", 3, 6);
    dmb_group(b, "Dimensions", 2);
    dmb_scalar(b, "", 5, w);
    dmb_scalar(b, "", 5, h);
}

/* 30 000 ImageList entries, all but one named in Thumbnails (and larger than the one
 * that is not): choosing the image must take one pass over each group. It took
 * seconds when every entry looked Thumbnails up again (the reviewer's slow.dm3, 3.6
 * MB, 5.3 s); the time is printed, not asserted. */
static void test_many_entries_linear(void **state)
{
    (void)state;
    enum { N = 30000, MAIN = 12345 };
    for (int dm4 = 0; dm4 <= 1; dm4++) {
        dmb b;
        dmb_begin(&b, dm4, 2);
        dmb_group(&b, "ImageList", N);
        for (uint32_t k = 0; k < N; k++)
            minimal_entry(&b, k == MAIN ? 1 : 2, k == MAIN ? 1 : 2, k == MAIN ? 7 : 1);
        dmb_group(&b, "Thumbnails", N - 1);
        for (uint32_t k = 0; k < N; k++)
            if (k != MAIN) {
                dmb_group(&b, "", 1);
                dmb_scalar(&b, "ImageIndex", 5, k);
            }
        dmb_bytes(&b, "\0\0\0\0\0\0\0\0", 8);
        double t0 = now_s();
        dac_image *img = NULL;
        assert_int_equal(read_exact(&b, "many.dm", DAC_IMAGE_FORMAT_AUTO, &img), DAC_OK);
        printf("# %s file of %d entries (%.1f MB) read in %.3f s\n", dm4 ? "DM4" : "DM3", N,
               (double)b.len / 1e6, now_s() - t0);
        assert_int_equal(img->width, 1);
        assert_int_equal(img->height, 1);
        assert_float_equal(img->pixels[0], 7, 0);
        dac_image_free(img);
        free(b.d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_complex_modulus),
        cmocka_unit_test(test_thumbnail_first),
        cmocka_unit_test(test_largest_without_thumbnail_list),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_lying_array_count),
        cmocka_unit_test(test_absurd_dimensions),
        cmocka_unit_test(test_unknown_types),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_lying_group_count),
        cmocka_unit_test(test_no_image),
        cmocka_unit_test(test_struct_field_count_wraps),
        cmocka_unit_test(test_many_entries_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
