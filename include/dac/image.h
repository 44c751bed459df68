/*
 * dac/image.h — 2D images as microscopes write them, and as dac writes them back.
 *
 * One image type: float pixels in row-major order (row 0 at the top), the pixel size
 * per axis normalised to Å, the original sample type and range, and a key/value list of
 * metadata (voltage, dwell time, … where the file has them). Readers: TIFF (libtiff),
 * PNG (libpng), Gatan DM3/DM4 and MRC2014 (small readers of our own). Writers: TIFF
 * float32/uint16 with ImageJ-compatible scale, PNG 8-bit (display stretch) and 16-bit.
 */
#ifndef DAC_IMAGE_H
#define DAC_IMAGE_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default) /* the API; the rest of libdac is hidden */

/* Sample type of the source file (kept for metadata and round trips). */
typedef enum {
    DAC_SAMPLE_UNKNOWN = 0,
    DAC_SAMPLE_U8, DAC_SAMPLE_I8,
    DAC_SAMPLE_U16, DAC_SAMPLE_I16,
    DAC_SAMPLE_U32, DAC_SAMPLE_I32,
    DAC_SAMPLE_U64, DAC_SAMPLE_I64,
    DAC_SAMPLE_F32, DAC_SAMPLE_F64,
    DAC_SAMPLE_BOOL,
    DAC_SAMPLE_COMPLEX64, /* read as modulus */
    DAC_SAMPLE_COMPLEX128
} dac_sample_type;

typedef struct {
    char *key;
    char *value;
} dac_image_meta;

typedef struct dac_image {
    size_t width;          /* columns (x) */
    size_t height;         /* rows (y) */
    float *pixels;         /* width*height, row-major, pixels[y*width + x] */
    double pixel_size_A[2]; /* [0]: x (columns), [1]: y (rows); 0 when unknown */
    char unit_original[16]; /* unit the file used, canonical spelling ("nm", "µm", "Å",
                             * "pixel"; "nm/Å" when the axes differ) */
    dac_sample_type sample_type;
    double original_min, original_max;
    size_t n_meta;
    dac_image_meta *meta;
} dac_image;

int dac_image_create(size_t width, size_t height, dac_image **out); /* zeroed pixels */
void dac_image_free(dac_image *img);
int dac_image_copy(const dac_image *img, dac_image **out);
/* The rectangle of `width` × `height` pixels whose top-left pixel is column x0, row y0,
 * as a new image with the same pixel size, unit, sample type and metadata (the range is
 * the crop's own). A rectangle not wholly inside the image is DAC_ERR_USAGE. */
int dac_image_crop(const dac_image *img, size_t x0, size_t y0, size_t width, size_t height,
                   dac_image **out);
int dac_image_meta_set(dac_image *img, const char *key, const char *value);
const char *dac_image_meta_get(const dac_image *img, const char *key);
const char *dac_sample_type_name(dac_sample_type t); /* "uint16", "float32", … */

/* Converts a length in `unit` ("m", "cm", "mm", "um"/"µm"/"micron", "nm", "A"/"Å"/
 * "angstrom", "pm") to Å. Returns 0 and sets *scale when known. */
int dac_image_unit_to_A(const char *unit, double *scale);

/* Values at two percentiles (0..100, nearest rank over the finite pixels), e.g. 0.5
 * and 99.5 for a display stretch. An image with no finite pixel gives 0, 0. */
int dac_image_percentiles(const dac_image *img, double p_lo, double p_hi, double *lo, double *hi);

typedef enum {
    DAC_IMAGE_FORMAT_AUTO = 0,
    DAC_IMAGE_FORMAT_TIFF,
    DAC_IMAGE_FORMAT_PNG,
    DAC_IMAGE_FORMAT_DM3,
    DAC_IMAGE_FORMAT_DM4,
    DAC_IMAGE_FORMAT_MRC
} dac_image_format;

dac_image_format dac_image_format_from_path(const char *path);

/* Reads an image; the format comes from the extension or, failing that, the file's
 * magic bytes. Errors name the file and what was wrong; sizes in headers are checked
 * against the file size before anything is allocated. */
int dac_image_read(const char *path, dac_image_format format, dac_image **out);
/* From memory (used by tests and fuzzers); `name` is used in messages. */
int dac_image_read_buffer(const unsigned char *data, size_t len, const char *name,
                          dac_image_format format, dac_image **out);

/* TIFF writer: sample type DAC_SAMPLE_F32 or DAC_SAMPLE_U16 (values clamped and
 * rounded). Writes the ImageJ description with unit=nm and X/YResolution in pixels
 * per nm, so Fiji shows the pixel size. Atomic (temporary + rename). */
int dac_image_write_tiff(const char *path, const dac_image *img, dac_sample_type type);

/* PNG writer. bits = 8: display image, linear map of [lo, hi] to 0..255 where lo/hi
 * are the given percentiles (e.g. 0.5 and 99.5) unless range_lo < range_hi are given
 * (pass range_lo = range_hi = 0 to use percentiles). bits = 16: full range min..max
 * mapped to 0..65535 unless a range is given. */
typedef struct {
    int bits;                  /* 8 or 16 */
    double percentile_lo;      /* default 0.5 */
    double percentile_hi;      /* default 99.5 */
    double range_lo, range_hi; /* explicit range when range_lo < range_hi */
} dac_png_options;
void dac_png_options_default(dac_png_options *opt);
int dac_image_write_png(const char *path, const dac_image *img, const dac_png_options *opt);

/* 8-bit RGB PNG (for overlays): rgb is width*height*3 bytes. */
int dac_image_write_png_rgb(const char *path, size_t width, size_t height,
                            const unsigned char *rgb);

/* What `dac image info` prints: size, sample type, pixel size (unknown: null in JSON),
 * the file's unit, min/max of the original samples, the mean, and the metadata. name is
 * the file as the user gave it. JSON: one pretty-printed object; text: one line per
 * field (metadata values with their newlines escaped). DAC_ERR_RUNTIME when f fails. */
int dac_image_info_write_json(FILE *f, const char *name, const dac_image *img);
int dac_image_info_write_text(FILE *f, const char *name, const dac_image *img);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
