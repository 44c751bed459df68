/*
 * fuzz_image.h — the body shared by the image readers' libFuzzer targets
 * (fuzz_image_<format>.c): any bytes must give an image or DAC_ERR_INPUT/DAC_ERR_NOMEM,
 * never a crash, a leak or a huge allocation. Seeds in tests/fuzz/corpus/fuzz_image_<format>.
 * Build with CC=clang cmake -DDAC_FUZZ=ON (`make fuzz`).
 */
#ifndef DAC_FUZZ_IMAGE_H
#define DAC_FUZZ_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dac/core.h"
#include "dac/image.h"

static int fuzz_image(const uint8_t *data, size_t size, dac_image_format format)
{
    dac_image *img = NULL;
    int st = dac_image_read_buffer(data, size, "fuzz", format, &img);
    if (st == DAC_OK && (!img || !img->pixels || !img->width || !img->height))
        abort();
    if (st != DAC_OK && img)
        abort();
    dac_image_free(img);
    dac_warnings_clear();
    return 0;
}

#endif
