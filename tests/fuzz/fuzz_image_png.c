/* fuzz_image_png.c — libFuzzer target for the PNG reader (body in fuzz_image.h). */
#include "fuzz_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_image(data, size, DAC_IMAGE_FORMAT_PNG);
}
