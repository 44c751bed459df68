/*
 * fuzz_image_tiff.c — libFuzzer target for the TIFF reader: any bytes must give an image or
 * DAC_ERR_INPUT/DAC_ERR_NOMEM, never a crash, a leak or a huge allocation. Seeds in
 * tests/fuzz/corpus/fuzz_image_tiff/. Build with CC=clang cmake -DDAC_FUZZ=ON.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dac/core.h"
#include "dac/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dac_image *img = NULL;
    int st = dac_image_read_buffer(data, size, "fuzz", DAC_IMAGE_FORMAT_TIFF, &img);
    if (st == DAC_OK && (!img || !img->pixels || !img->width || !img->height))
        abort();
    if (st != DAC_OK && img)
        abort();
    dac_image_free(img);
    dac_warnings_clear();
    return 0;
}
