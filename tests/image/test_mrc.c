/*
 * test_mrc.c — the MRC2014 reader on headers built in the test: modes 0, 1, 2, 6 and
 * 12, the extended header skipped, pixel size = CELLA / MX in Å, first section of a
 * stack with a warning, big-endian stamp; malformed headers (truncated, lying NSYMBT,
 * absurd sizes, unknown mode) fail with DAC_ERR_INPUT naming the file.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dac/core.h"
#include "dac/image.h"

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void putf(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(p, u);
}

/* nx × ny × nz of `mode`, values v(i) = i - 3 (int modes) or (i - 3) / 2 (float). */
static unsigned char *build(int nx, int ny, int nz, int mode, int next, size_t *len)
{
    int bytes = mode == 0 ? 1 : mode == 2 ? 4 : 2;
    size_t n = (size_t)nx * ny * nz;
    *len = 1024 + (size_t)next + n * (size_t)bytes;
    unsigned char *m = calloc(1, *len);
    put32(m, (uint32_t)nx);
    put32(m + 4, (uint32_t)ny);
    put32(m + 8, (uint32_t)nz);
    put32(m + 12, (uint32_t)mode);
    put32(m + 28, (uint32_t)nx);
    put32(m + 32, (uint32_t)ny);
    put32(m + 36, (uint32_t)nz);
    putf(m + 40, 1.5f * nx); /* 1.5 Å per pixel in x */
    putf(m + 44, 0.75f * ny); /* 0.75 Å in y */
    putf(m + 48, 1.0f * nz);
    put32(m + 64, 1);
    put32(m + 68, 2);
    put32(m + 72, 3);
    put32(m + 92, (uint32_t)next);
    memcpy(m + 104, "FEI1", 4);
    memcpy(m + 208, "MAP ", 4);
    m[212] = 0x44;
    m[213] = 0x44;
    put32(m + 220, 1);
    memcpy(m + 224, "made by test_mrc", 16);
    memset(m + 1024, 0xab, (size_t)next); /* junk the reader must skip */
    unsigned char *d = m + 1024 + next;
    for (size_t i = 0; i < n; i++) {
        int iv = (int)i - 3;
        switch (mode) {
        case 0: d[i] = (unsigned char)(int8_t)iv; break;
        case 1: d[2 * i] = (unsigned char)(iv & 0xff); d[2 * i + 1] = (unsigned char)((iv >> 8) & 0xff); break;
        case 6: d[2 * i] = (unsigned char)i; d[2 * i + 1] = (unsigned char)(i >> 8); break;
        case 2: putf(d + 4 * i, (float)iv / 2); break;
        default: { /* float16 of (i - 3) / 2 for small i: build from the definition */
            float v = (float)iv / 2;
            uint16_t h = 0;
            if (v != 0) {
                int e;
                float m2 = frexpf(fabsf(v), &e); /* v = m2 * 2^e, m2 in [0.5, 1) */
                h = (uint16_t)(((e - 1 + 15) << 10) | ((int)((m2 * 2 - 1) * 1024) & 0x3ff));
                if (v < 0)
                    h |= 0x8000;
            }
            d[2 * i] = (unsigned char)(h & 0xff);
            d[2 * i + 1] = (unsigned char)(h >> 8);
        }
        }
    }
    return m;
}

static void test_modes(void **state)
{
    (void)state;
    static const int modes[] = {0, 1, 2, 6, 12};
    static const dac_sample_type types[] = {DAC_SAMPLE_I8, DAC_SAMPLE_I16, DAC_SAMPLE_F32,
                                            DAC_SAMPLE_U16, DAC_SAMPLE_F32};
    for (size_t k = 0; k < 5; k++) {
        size_t len;
        unsigned char *m = build(5, 3, 1, modes[k], 96, &len);
        dac_image *img;
        assert_int_equal(dac_image_read_buffer(m, len, "t.mrc", DAC_IMAGE_FORMAT_AUTO, &img), DAC_OK);
        assert_int_equal(img->width, 5);
        assert_int_equal(img->height, 3);
        assert_int_equal(img->sample_type, types[k]);
        for (int i = 0; i < 15; i++) {
            double want = modes[k] == 6 ? i : (modes[k] == 2 || modes[k] == 12) ? (i - 3) / 2.0 : i - 3;
            assert_float_equal(img->pixels[i], want, 0);
        }
        assert_float_equal(img->pixel_size_A[0], 1.5, 1e-6);
        assert_float_equal(img->pixel_size_A[1], 0.75, 1e-6);
        assert_string_equal(dac_image_meta_get(img, "mrc.label.0"), "made by test_mrc");
        dac_image_free(img);
        free(m);
    }
}

static void test_stack_warns(void **state)
{
    (void)state;
    size_t len;
    unsigned char *m = build(4, 4, 3, 6, 0, &len);
    dac_warnings_clear();
    dac_image *img;
    assert_int_equal(dac_image_read_buffer(m, len, "stack.mrc", DAC_IMAGE_FORMAT_MRC, &img), DAC_OK);
    assert_int_equal(dac_warning_count(), 1);
    assert_non_null(strstr(dac_warning(0), "first"));
    assert_float_equal(img->pixels[15], 15, 0);
    dac_warnings_clear();
    dac_image_free(img);
    free(m);
}

static void test_half_float(void **state)
{
    (void)state;
    /* IEEE 754 binary16: 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504, 0x0001 = 2^-24. */
    unsigned char m[1024 + 8] = {0};
    put32(m, 4);
    put32(m + 4, 1);
    put32(m + 8, 1);
    put32(m + 12, 12);
    memcpy(m + 208, "MAP ", 4);
    uint16_t h[4] = {0x3c00, 0xc000, 0x7bff, 0x0001};
    for (int i = 0; i < 4; i++) {
        m[1024 + 2 * i] = (unsigned char)(h[i] & 0xff);
        m[1024 + 2 * i + 1] = (unsigned char)(h[i] >> 8);
    }
    dac_image *img;
    assert_int_equal(dac_image_read_buffer(m, sizeof m, "h.mrc", DAC_IMAGE_FORMAT_MRC, &img), DAC_OK);
    assert_float_equal(img->pixels[0], 1.0, 0);
    assert_float_equal(img->pixels[1], -2.0, 0);
    assert_float_equal(img->pixels[2], 65504.0, 0);
    assert_float_equal(img->pixels[3], ldexp(1.0, -24), 0);
    assert_float_equal(img->pixel_size_A[0], 0, 0); /* no cell: unknown */
    dac_image_free(img);
}

static void expect_bad(const unsigned char *m, size_t len, const char *fragment)
{
    /* An exactly sized copy, so ASan sees any read past the end of the input. */
    unsigned char *copy = malloc(len ? len : 1);
    memcpy(copy, m, len);
    dac_image *img = (dac_image *)1;
    assert_int_equal(dac_image_read_buffer(copy, len, "bad.mrc", DAC_IMAGE_FORMAT_MRC, &img), DAC_ERR_INPUT);
    assert_null(img);
    assert_non_null(strstr(dac_last_error(), "bad.mrc"));
    if (fragment && !strstr(dac_last_error(), fragment))
        fail_msg("message '%s' lacks '%s'", dac_last_error(), fragment);
    free(copy);
}

static void test_malformed(void **state)
{
    (void)state;
    size_t len;
    unsigned char *m = build(8, 8, 1, 2, 32, &len);
    for (size_t n = 0; n < len; n += 7) /* every truncation short of the data */
        expect_bad(m, n, NULL);
    put32(m + 92, 0x7fffffff); /* NSYMBT beyond the file */
    expect_bad(m, len, "NSYMBT");
    put32(m + 92, 32);
    put32(m + 12, 4); /* complex mode */
    expect_bad(m, len, "mode 4");
    put32(m + 12, 2);
    put32(m, 1000000000); /* 10^9 × 10^9 */
    put32(m + 4, 1000000000);
    expect_bad(m, len, "limit");
    put32(m, 4096);
    put32(m + 4, 4096);
    expect_bad(m, len, "holds only");
    put32(m, (uint32_t)-5);
    expect_bad(m, len, "dimensions");
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_stack_warns),
        cmocka_unit_test(test_half_float),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
