/*
 * image.c — the dac image type (create, copy, metadata), units, format detection and
 * the read dispatcher. The per-format readers live in tiff.c, png.c, dm.c and mrc.c;
 * each parses a whole file held in memory, so the same code path serves files, tests
 * and fuzzers, and every size in a header can be checked against the bytes present.
 */
#define _DEFAULT_SOURCE /* MAP_POPULATE */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/parallel.h"
#include "core/select.h"
#include "image/image_internal.h"

int dac_image_create(size_t width, size_t height, dac_image **out)
{
    *out = NULL;
    if (width == 0 || height == 0 || width > DAC_IMAGE_MAX_SIDE || height > DAC_IMAGE_MAX_SIDE ||
        width * height > DAC_IMAGE_MAX_PIXELS)
        return dac_error(DAC_ERR_USAGE, "image: %zu x %zu pixels is not a size dac handles (1 to "
                         "%zu per side, %zu in all)", width, height, DAC_IMAGE_MAX_SIDE,
                         DAC_IMAGE_MAX_PIXELS);
    dac_image *img = calloc(1, sizeof *img);
    if (img)
        img->pixels = calloc(width * height, sizeof *img->pixels);
    if (!img || !img->pixels) {
        free(img);
        return dac_error(DAC_ERR_NOMEM, "image: out of memory for %zu x %zu pixels", width, height);
    }
    img->width = width;
    img->height = height;
    img->sample_type = DAC_SAMPLE_F32;
    *out = img;
    return DAC_OK;
}

void dac_image_free(dac_image *img)
{
    if (!img)
        return;
    for (size_t i = 0; i < img->n_meta; i++) {
        free(img->meta[i].key);
        free(img->meta[i].value);
    }
    free(img->meta);
    free(img->pixels);
    free(img);
}

/* Everything but the pixels and the range, from img to c; c is freed on failure and
 * handed to *out on success. */
static int take_attributes(dac_image *c, const dac_image *img, dac_image **out)
{
    c->pixel_size_A[0] = img->pixel_size_A[0];
    c->pixel_size_A[1] = img->pixel_size_A[1];
    memcpy(c->unit_original, img->unit_original, sizeof c->unit_original);
    c->sample_type = img->sample_type;
    for (size_t i = 0; i < img->n_meta; i++) {
        int st = dac_image_meta_set(c, img->meta[i].key, img->meta[i].value);
        if (st != DAC_OK) {
            dac_image_free(c);
            return st;
        }
    }
    *out = c;
    return DAC_OK;
}

int dac_image_copy(const dac_image *img, dac_image **out)
{
    dac_image *c;
    *out = NULL;
    int st = dac_image_create(img->width, img->height, &c);
    if (st != DAC_OK)
        return st;
    memcpy(c->pixels, img->pixels, img->width * img->height * sizeof *c->pixels);
    c->original_min = img->original_min;
    c->original_max = img->original_max;
    return take_attributes(c, img, out);
}

int dac_image_meta_set(dac_image *img, const char *key, const char *value)
{
    char *v = strdup(value ? value : "");
    if (!v)
        return dac_error(DAC_ERR_NOMEM, "out of memory storing image metadata '%s'", key);
    for (size_t i = 0; i < img->n_meta; i++)
        if (strcmp(img->meta[i].key, key) == 0) {
            free(img->meta[i].value);
            img->meta[i].value = v;
            return DAC_OK;
        }
    char *k = strdup(key);
    dac_image_meta *m = realloc(img->meta, (img->n_meta + 1) * sizeof *m);
    if (!k || !m) {
        free(k);
        free(v);
        if (m)
            img->meta = m;
        return dac_error(DAC_ERR_NOMEM, "out of memory storing image metadata '%s'", key);
    }
    img->meta = m;
    m[img->n_meta].key = k;
    m[img->n_meta].value = v;
    img->n_meta++;
    return DAC_OK;
}

const char *dac_image_meta_get(const dac_image *img, const char *key)
{
    for (size_t i = 0; i < img->n_meta; i++)
        if (strcmp(img->meta[i].key, key) == 0)
            return img->meta[i].value;
    return NULL;
}

const char *dac_sample_type_name(dac_sample_type t)
{
    static const char *names[] = {"unknown", "uint8",   "int8",    "uint16",    "int16",
                                  "uint32",  "int32",   "uint64",  "int64",     "float32",
                                  "float64", "bool",    "complex64", "complex128"};
    if ((int)t < 0 || (size_t)t >= sizeof names / sizeof names[0])
        return "unknown";
    return names[t];
}

/* Spellings seen in ImageJ descriptions, DM calibrations and MRC/PNG text: ImageJ
 * writes µ either as UTF-8, as Latin-1 or as the literal escape "\u00B5". */
int dac_image_unit_to_A(const char *unit, double *scale)
{
    static const struct {
        const char *name;
        double A;
    } units[] = {
        {"m", 1e10},          {"meter", 1e10},       {"cm", 1e8},           {"mm", 1e7},
        {"um", 1e4},          {"micron", 1e4},       {"microns", 1e4},      {"micrometer", 1e4},
        {"\xc2\xb5m", 1e4},   {"\xb5m", 1e4},        {"\xce\xbcm", 1e4},    {"\\u00B5m", 1e4},
        {"\\u00b5m", 1e4},    {"nm", 10.0},          {"nanometer", 10.0},   {"nanometers", 10.0},
        {"A", 1.0},           {"\xc3\x85", 1.0},     {"\xc5", 1.0},         {"\\u00C5", 1.0},
        {"\\u00c5", 1.0},     {"\xe2\x84\xab", 1.0}, {"angstrom", 1.0},     {"angstroms", 1.0},
        {"pm", 0.01},
    };
    if (!unit)
        return DAC_ERR_INPUT;
    while (*unit == ' ' || *unit == '\t')
        unit++;
    size_t n = strlen(unit);
    while (n > 0 && (unit[n - 1] == ' ' || unit[n - 1] == '\t' || unit[n - 1] == '\r'))
        n--;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == n && strncasecmp(units[i].name, unit, n) == 0) {
            /* "M" would be mega; only lower-case m is a metre. */
            if (n == 1 && unit[0] == 'M')
                continue;
            if (scale)
                *scale = units[i].A;
            return DAC_OK;
        }
    return DAC_ERR_INPUT;
}

void image_unit_label(char *dst, size_t size, const char *unit)
{
    static const struct {
        double A;
        const char *name;
    } canon[] = {{1e10, "m"}, {1e8, "cm"}, {1e7, "mm"}, {1e4, "\xc2\xb5m"}, {10.0, "nm"},
                 {1.0, "\xc3\x85"}, {0.01, "pm"}};
    double scale;
    if (size == 0)
        return;
    if (unit && dac_image_unit_to_A(unit, &scale) == DAC_OK)
        for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++)
            if (canon[i].A == scale) {
                snprintf(dst, size, "%s", canon[i].name);
                return;
            }
    size_t o = 0;
    for (const char *c = unit ? unit : ""; *c && o + 1 < size; c++)
        dst[o++] = (*c >= 32 && *c < 127) ? *c : '?';
    dst[o] = '\0';
}

void image_set_pixel_size(dac_image *img, double size_x, double size_y, const char *unit)
{
    double scale;
    image_unit_label(img->unit_original, sizeof img->unit_original, unit);
    if (!unit || dac_image_unit_to_A(unit, &scale) != DAC_OK)
        return;
    if (isfinite(size_x) && size_x > 0 && isfinite(size_y) && size_y > 0) {
        img->pixel_size_A[0] = size_x * scale;
        img->pixel_size_A[1] = size_y * scale;
    }
}

int dac_image_crop(const dac_image *img, size_t x0, size_t y0, size_t width, size_t height,
                   dac_image **out)
{
    *out = NULL;
    /* Compared as differences so that no sum of the caller's numbers can wrap. */
    if (width == 0 || height == 0 || x0 >= img->width || y0 >= img->height ||
        width > img->width - x0 || height > img->height - y0)
        return dac_error(DAC_ERR_USAGE, "image crop: %zu x %zu pixels from column %zu, row %zu "
                         "is not inside the %zu x %zu image", width, height, x0, y0,
                         img->width, img->height);
    dac_image *c;
    int st = dac_image_create(width, height, &c);
    if (st != DAC_OK)
        return st;
    for (size_t y = 0; y < height; y++)
        memcpy(c->pixels + y * width, img->pixels + (y0 + y) * img->width + x0,
               width * sizeof *c->pixels);
    image_update_range(c);
    return take_attributes(c, img, out);
}

void image_update_range(dac_image *img)
{
    size_t n = img->width * img->height;
    float lo = INFINITY, hi = -INFINITY;
    /* Ternaries (minss/maxss semantics; NaN never wins) let the compiler vectorise; a
     * min/max reduction is exact in any order, so the simd pragma may split it into
     * lanes (without it GCC keeps this loop scalar: 9 instructions a pixel). */
    const float *restrict px = img->pixels;
    DAC_OMP(simd reduction(min : lo) reduction(max : hi))
    for (size_t i = 0; i < n; i++) {
        float v = px[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    img->original_min = n && lo <= hi ? lo : 0.0;
    img->original_max = n && lo <= hi ? hi : 0.0;
}

int image_check_size(const char *name, size_t width, size_t height, size_t bytes_per_pixel,
                         uint64_t available)
{
    if (width == 0 || height == 0)
        return dac_error(DAC_ERR_INPUT, "%s: image size %zu x %zu is empty", name, width, height);
    if (width > DAC_IMAGE_MAX_SIDE || height > DAC_IMAGE_MAX_SIDE ||
        (uint64_t)width * height > DAC_IMAGE_MAX_PIXELS)
        return dac_error(DAC_ERR_INPUT, "%s: image size %zu x %zu is beyond the %zu-pixel limit",
                         name, width, height, (size_t)DAC_IMAGE_MAX_PIXELS);
    uint64_t need = (uint64_t)width * height * bytes_per_pixel;
    if (bytes_per_pixel && need > available)
        return dac_error(DAC_ERR_INPUT,
                         "%s: header says %zu x %zu pixels (%llu bytes) but the file holds only "
                         "%llu bytes of image data",
                         name, width, height, (unsigned long long)need,
                         (unsigned long long)available);
    return DAC_OK;
}

int image_alloc_checked(const char *name, size_t width, size_t height,
                            size_t bytes_per_pixel, uint64_t available, dac_image **out)
{
    *out = NULL;
    int st = image_check_size(name, width, height, bytes_per_pixel, available);
    if (st)
        return st;
    if (dac_image_create(width, height, out) != DAC_OK)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory for %zu x %zu pixels", name, width,
                         height);
    return DAC_OK;
}

float image_half_to_float(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)mant, -24); /* subnormal */
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexpf((float)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

int dac_image_percentiles(const dac_image *img, double p_lo, double p_hi, double *lo, double *hi)
{
    if (!(p_lo >= 0 && p_lo <= p_hi && p_hi <= 100))
        return dac_error(DAC_ERR_USAGE, "percentiles %g, %g: expected 0 <= lo <= hi <= 100", p_lo, p_hi);
    size_t n = img->width * img->height, m = 0;
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return dac_error(DAC_ERR_NOMEM, "out of memory for percentiles of %zu pixels", n);
    for (size_t i = 0; i < n; i++)
        if (isfinite(img->pixels[i]))
            v[m++] = img->pixels[i];
    if (m == 0) {
        *lo = *hi = 0;
    } else {
        /* Nearest rank on the sorted finite values. */
        size_t a = (size_t)llround(p_lo / 100.0 * (double)(m - 1));
        size_t b = (size_t)llround(p_hi / 100.0 * (double)(m - 1));
        *lo = dac_select_float(v, m, a);
        *hi = dac_select_float(v, m, b);
    }
    free(v);
    return DAC_OK;
}

void dac_png_options_default(dac_png_options *opt)
{
    opt->bits = 8;
    /* 0.5–99.5 %: a common display stretch (ImageJ's "Auto" saturates 0.35 % per end;
     * we keep a little more headroom). An assumption, not a standard. */
    opt->percentile_lo = 0.5;
    opt->percentile_hi = 99.5;
    opt->range_lo = opt->range_hi = 0.0;
}

/* ------------------------------------------------------------ format detection ---- */

dac_image_format dac_image_format_from_path(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return DAC_IMAGE_FORMAT_AUTO;
    dot++;
    if (!strcasecmp(dot, "tif") || !strcasecmp(dot, "tiff"))
        return DAC_IMAGE_FORMAT_TIFF;
    if (!strcasecmp(dot, "png"))
        return DAC_IMAGE_FORMAT_PNG;
    if (!strcasecmp(dot, "dm3"))
        return DAC_IMAGE_FORMAT_DM3;
    if (!strcasecmp(dot, "dm4"))
        return DAC_IMAGE_FORMAT_DM4;
    if (!strcasecmp(dot, "mrc") || !strcasecmp(dot, "mrcs") || !strcasecmp(dot, "map") ||
        !strcasecmp(dot, "st") || !strcasecmp(dot, "ali"))
        return DAC_IMAGE_FORMAT_MRC;
    return DAC_IMAGE_FORMAT_AUTO;
}

static dac_image_format format_from_magic(const unsigned char *d, size_t len)
{
    if (len >= 4 && ((d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && d[3] == 0) ||
                     (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 42 || d[3] == 43))))
        return DAC_IMAGE_FORMAT_TIFF;
    if (len >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
        return DAC_IMAGE_FORMAT_PNG;
    if (len >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 3)
        return DAC_IMAGE_FORMAT_DM3;
    if (len >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 4)
        return DAC_IMAGE_FORMAT_DM4;
    if (len >= 212 && !memcmp(d + 208, "MAP", 3))
        return DAC_IMAGE_FORMAT_MRC;
    return DAC_IMAGE_FORMAT_AUTO;
}

int dac_image_read_buffer(const unsigned char *data, size_t len, const char *name,
                          dac_image_format format, dac_image **out)
{
    *out = NULL;
    if (!name)
        name = "(buffer)";
    if (!data || len == 0)
        return dac_error(DAC_ERR_INPUT, "%s: file is empty", name);
    /* The magic bytes win over the caller's hint: a .tif that is really a PNG still
     * reads. MRC has no reliable magic in older files, so the hint decides there. */
    dac_image_format magic = format_from_magic(data, len);
    if (magic != DAC_IMAGE_FORMAT_AUTO && magic != DAC_IMAGE_FORMAT_MRC)
        format = magic;
    else if (format == DAC_IMAGE_FORMAT_AUTO)
        format = magic;
    switch (format) {
    case DAC_IMAGE_FORMAT_TIFF:
        return image_read_tiff_buffer(data, len, name, out);
    case DAC_IMAGE_FORMAT_PNG:
        return image_read_png_buffer(data, len, name, out);
    case DAC_IMAGE_FORMAT_DM3:
    case DAC_IMAGE_FORMAT_DM4:
        return image_read_dm_buffer(data, len, name, out);
    case DAC_IMAGE_FORMAT_MRC:
        return image_read_mrc_buffer(data, len, name, out);
    default:
        return dac_error(DAC_ERR_INPUT,
                         "%s: unknown image format (expected TIFF, PNG, DM3, DM4 or MRC)", name);
    }
}

int dac_image_read(const char *path, dac_image_format format, dac_image **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return dac_error(DAC_ERR_INPUT, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return dac_error(DAC_ERR_INPUT, "%s: not a regular file", path);
    }
    size_t len = (size_t)st.st_size;
    if (format == DAC_IMAGE_FORMAT_AUTO)
        format = dac_image_format_from_path(path);
    /* Map the file: a 64 MB TIFF is then read without a copy into a buffer first. Fall
     * back to read() where mapping fails (pipes are excluded above; some file systems). */
#ifdef MAP_POPULATE
    int flags = MAP_PRIVATE | MAP_POPULATE; /* fault the pages in at once: ~2× faster */
#else
    int flags = MAP_PRIVATE;
#endif
    void *map = len ? mmap(NULL, len, PROT_READ, flags, fd, 0) : MAP_FAILED;
    if (map != MAP_FAILED) {
        close(fd);
        int status = dac_image_read_buffer(map, len, path, format, out);
        munmap(map, len);
        return status;
    }
    unsigned char *data = malloc(len ? len : 1);
    if (!data) {
        close(fd);
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, len);
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, data + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != len) {
        free(data);
        return dac_error(DAC_ERR_INPUT, "%s: read error", path);
    }
    int status = dac_image_read_buffer(data, len, path, format, out);
    free(data);
    return status;
}
