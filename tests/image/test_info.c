/*
 * test_info.c — the image summary writers (dac_image_info_write_json / _text): an
 * unknown pixel size is null in JSON and "unknown" in text, a known one its value in Å;
 * the mean is that of the pixels; metadata that is not UTF-8 still gives valid JSON.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "dac/core.h"
#include "dac/image.h"

static dac_image *small(double pixel_x_A)
{
    dac_image *img;
    assert_int_equal(dac_image_create(2, 2, &img), DAC_OK);
    for (int i = 0; i < 4; i++)
        img->pixels[i] = (float)(i + 1); /* mean 2.5 */
    img->pixel_size_A[0] = pixel_x_A;
    return img;
}

static char *written(int json, const dac_image *img)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    int st = json ? dac_image_info_write_json(f, "x.tif", img) : dac_image_info_write_text(f, "x.tif", img);
    assert_int_equal(st, DAC_OK);
    fclose(f);
    return text;
}

static void test_json_fields(void **state)
{
    (void)state;
    dac_image *img = small(0.25);
    assert_int_equal(dac_image_meta_set(img, "note", "caf\xe9"), DAC_OK); /* Latin-1 */
    char *text = written(1, img);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j); /* valid JSON despite the byte that is not UTF-8 */
    assert_string_equal(cJSON_GetObjectItem(j, "file")->valuestring, "x.tif");
    assert_true(fabs(cJSON_GetObjectItem(j, "pixel_size_x_A")->valuedouble - 0.25) < 1e-12);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "pixel_size_y_A")));
    assert_true(fabs(cJSON_GetObjectItem(j, "mean")->valuedouble - 2.5) < 1e-12);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metadata"), "note"));
    cJSON_Delete(j);
    free(text);
    dac_image_free(img);
}

static void test_text_unknown_pixel(void **state)
{
    (void)state;
    dac_image *img = small(0);
    char *text = written(0, img);
    assert_non_null(strstr(text, "pixel size:    unknown\n"));
    assert_non_null(strstr(text, "size:          2 x 2"));
    free(text);
    dac_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_fields),
        cmocka_unit_test(test_text_unknown_pixel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
