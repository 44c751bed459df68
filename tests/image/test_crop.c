/*
 * test_crop.c — dac_image_crop: the rectangle's pixels in place (a ramp whose every value
 * names its column and row), the pixel size, unit, sample type and metadata carried over,
 * the range the crop's own, and every rectangle not wholly inside refused without
 * output — including sizes whose sum with the origin would wrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dac/core.h"
#include "dac/image.h"

/* 7 columns × 5 rows, pixel (x, y) = 100·y + x; 0.3 × 0.4 Å pixels, one metadata pair. */
static dac_image *ramp(void)
{
    dac_image *img;
    assert_int_equal(dac_image_create(7, 5, &img), DAC_OK);
    for (size_t y = 0; y < 5; y++)
        for (size_t x = 0; x < 7; x++)
            img->pixels[y * 7 + x] = (float)(100 * y + x);
    img->pixel_size_A[0] = 0.3, img->pixel_size_A[1] = 0.4;
    strcpy(img->unit_original, "nm");
    img->sample_type = DAC_SAMPLE_U32;
    img->original_min = 0, img->original_max = 406;
    assert_int_equal(dac_image_meta_set(img, "microscope.voltage_kV", "300"), DAC_OK);
    return img;
}

static void test_pixels_and_attributes(void **state)
{
    (void)state;
    dac_image *img = ramp(), *c = NULL;
    assert_int_equal(dac_image_crop(img, 2, 1, 4, 3, &c), DAC_OK);
    assert_int_equal(c->width, 4);
    assert_int_equal(c->height, 3);
    for (size_t y = 0; y < 3; y++)
        for (size_t x = 0; x < 4; x++)
            assert_true(c->pixels[y * 4 + x] == (float)(100 * (y + 1) + x + 2));
    assert_true(c->pixel_size_A[0] == 0.3 && c->pixel_size_A[1] == 0.4);
    assert_string_equal(c->unit_original, "nm");
    assert_int_equal(c->sample_type, DAC_SAMPLE_U32);
    assert_true(c->original_min == 102 && c->original_max == 305);
    assert_string_equal(dac_image_meta_get(c, "microscope.voltage_kV"), "300");
    dac_image_free(c);
    dac_image_free(img);
}

static void test_whole_and_corner(void **state)
{
    (void)state;
    dac_image *img = ramp(), *c = NULL;
    assert_int_equal(dac_image_crop(img, 0, 0, 7, 5, &c), DAC_OK);
    assert_memory_equal(c->pixels, img->pixels, 35 * sizeof(float));
    dac_image_free(c);
    assert_int_equal(dac_image_crop(img, 6, 4, 1, 1, &c), DAC_OK);
    assert_true(c->width == 1 && c->height == 1 && c->pixels[0] == 406.0f);
    dac_image_free(c);
    dac_image_free(img);
}

static void test_outside_refused(void **state)
{
    (void)state;
    dac_image *img = ramp(), *c = NULL;
    const size_t bad[][4] = {
        {0, 0, 8, 5}, {0, 0, 7, 6}, {7, 0, 1, 1}, {0, 5, 1, 1}, {6, 0, 2, 1},
        {0, 0, 0, 1}, {0, 0, 1, 0}, {1, 0, SIZE_MAX, 1}, {0, 1, 1, SIZE_MAX},
        {SIZE_MAX, 0, 1, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = img;
        assert_int_equal(dac_image_crop(img, bad[i][0], bad[i][1], bad[i][2], bad[i][3], &c),
                         DAC_ERR_USAGE);
        assert_null(c);
        assert_non_null(strstr(dac_last_error(), "7 x 5 image"));
    }
    dac_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pixels_and_attributes),
        cmocka_unit_test(test_whole_and_corner),
        cmocka_unit_test(test_outside_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
