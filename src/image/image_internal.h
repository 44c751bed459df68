/*
 * image_internal.h — what the per-format readers and writers of src/image/ share:
 * the format entry points the dispatcher in image.c calls, checked allocation of an
 * image whose size came from a header, and little helpers for byte order and units.
 * Not installed; private names of the image module start with image_.
 */
#ifndef DAC_IMAGE_INTERNAL_H
#define DAC_IMAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dac/core.h"
#include "dac/image.h"
#include "core/outset.h"

/* Writers into a stream (a member of an output set); path names the file in messages.
 * The public dac_image_write_* wrap these in a single-file output set. */
int image_write_tiff_stream(FILE *out, const char *path, const dac_image *img,
                            dac_sample_type type);
int image_write_png_stream(FILE *out, const char *path, const dac_image *img,
                           const dac_png_options *opt);
int image_write_png_rgb_stream(FILE *out, const char *path, size_t width, size_t height,
                               const unsigned char *rgb);
/* 8-bit indices into a palette of n_palette (≤ 256) RGB colours; pixel_size_A (x, y)
 * may be NULL. Every index must be < n_palette (DAC_ERR_USAGE). */
int image_write_png_palette_stream(FILE *out, const char *path, size_t width, size_t height,
                                   const unsigned char *index, const unsigned char (*palette)[3],
                                   int n_palette, const double *pixel_size_A);

/* Readers: data/len is the whole file, name is used in messages. */
int image_read_tiff_buffer(const unsigned char *data, size_t len, const char *name,
                               dac_image **out);
int image_read_png_buffer(const unsigned char *data, size_t len, const char *name,
                              dac_image **out);
int image_read_dm_buffer(const unsigned char *data, size_t len, const char *name,
                             dac_image **out);
int image_read_mrc_buffer(const unsigned char *data, size_t len, const char *name,
                              dac_image **out);

/* Largest width or height any reader accepts, and the largest pixel count. Real
 * detectors are at most ~16k × 16k; the caps stop a lying header from asking for
 * terabytes before the finer "does the file hold that many bytes" check. */
#define DAC_IMAGE_MAX_SIDE ((size_t)1 << 20)
#define DAC_IMAGE_MAX_PIXELS ((size_t)1 << 31)

/* Allocates an image of width × height after checking the sizes against the caps and
 * against `available` bytes of sample data the file can hold at `bytes_per_pixel`
 * (pass bytes_per_pixel = 0 to skip that check, e.g. for compressed data whose bound
 * the caller checked). Errors are DAC_ERR_INPUT naming `name`. */
int image_alloc_checked(const char *name, size_t width, size_t height,
                            size_t bytes_per_pixel, uint64_t available, dac_image **out);
/* The checks of image_alloc_checked alone, for readers that allocate as they
 * decode (codecs with no bound on their compression ratio). */
int image_check_size(const char *name, size_t width, size_t height, size_t bytes_per_pixel,
                         uint64_t available);

/* Sets original_min/original_max from the pixels. */
void image_update_range(dac_image *img);

/* Sets the pixel size from a length per pixel in `unit` on each axis; leaves 0 (unknown)
 * when the unit is not a length. Records the unit text in unit_original. */
void image_set_pixel_size(dac_image *img, double size_x, double size_y, const char *unit);

/* Writes a printable name for a unit from a file: the canonical UTF-8 spelling of a
 * known length ("µm" for "micron", "\u00B5m" or Latin-1 µm; "Å" for "A"), otherwise
 * the text with non-ASCII bytes replaced by '?'. */
void image_unit_label(char *dst, size_t size, const char *unit);

/* Half-precision (IEEE 754 binary16) to float, for MRC mode 12. */
float image_half_to_float(uint16_t h);

static inline uint16_t image_rd_u16le(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint16_t image_rd_u16be(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t image_rd_u32le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint32_t image_rd_u32be(const unsigned char *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline uint64_t image_rd_u64le(const unsigned char *p)
{
    return (uint64_t)image_rd_u32le(p) | (uint64_t)image_rd_u32le(p + 4) << 32;
}
static inline uint64_t image_rd_u64be(const unsigned char *p)
{
    return (uint64_t)image_rd_u32be(p) << 32 | (uint64_t)image_rd_u32be(p + 4);
}

#endif
