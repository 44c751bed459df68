/*
 * tiff.c — TIFF through libtiff: the reader (first page; 8/16/32/64-bit integers,
 * 32/64-bit floats; strips or tiles; any compression libtiff knows) and the writer of
 * float32/uint16 images with an ImageJ description so Fiji shows the scale.
 *
 * Both sides go through TIFFClientOpenExt: the reader parses a buffer in memory (the
 * same path for files, tests and fuzzers); the writer writes into an output-set stream
 * so the output is atomic. libtiff's messages go to a per-handle handler, never to
 * stderr; the first error becomes the text of our DAC_ERR_INPUT.
 *
 * Pixel size: the ImageJ description (`unit=nm`, X/YResolution in pixels per unit)
 * first, then DigitalMicrograph's private tags, else the TIFF ResolutionUnit (inch, cm)
 * when the file sets it and the pixel it gives is under 1 µm (larger is a display
 * default such as 72 dpi: warned about); otherwise 0 (unknown).
 *
 * Sizes in the header are checked against the bytes present times the codec's largest
 * ratio where the format bounds it (none, PackBits, LZW, Deflate); for the other codecs
 * pixels are allocated only as the data decode.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <tiffio.h>

#include "image/image_internal.h"

typedef struct {
    const unsigned char *d;
    size_t len, pos;
    char error[256];
} tiff_mem;

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t size)
{
    tiff_mem *m = h;
    size_t n = m->pos < m->len ? m->len - m->pos : 0;
    if (size < 0)
        return -1;
    if ((size_t)size < n)
        n = (size_t)size;
    memcpy(buf, m->d + m->pos, n);
    m->pos += n;
    return (tmsize_t)n;
}
static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t size)
{
    (void)h, (void)buf, (void)size;
    return -1;
}
static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
    tiff_mem *m = h;
    uint64_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->len : 0;
    uint64_t pos = base + off; /* toff_t is unsigned: negative offsets wrap as intended */
    if (pos > (uint64_t)SIZE_MAX)
        return (toff_t)-1;
    m->pos = (size_t)pos;
    return pos;
}
static int mem_close(thandle_t h) { (void)h; return 0; }
static toff_t mem_size(thandle_t h) { return ((tiff_mem *)h)->len; }
static int mem_map(thandle_t h, void **base, toff_t *size)
{
    tiff_mem *m = h;
    *base = (void *)m->d; /* read-only mode: libtiff never writes through the map */
    *size = m->len;
    return 1;
}
static void mem_unmap(thandle_t h, void *base, toff_t size) { (void)h, (void)base, (void)size; }

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)module;
    char *error = user;
    if (!error[0])
        vsnprintf(error, 256, fmt, ap);
    return 1; /* handled: keeps libtiff from printing */
}
static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

static TIFF *open_client(const char *name, const char *mode, thandle_t h, char *error,
                         TIFFReadWriteProc rd, TIFFReadWriteProc wr, TIFFSeekProc sk,
                         TIFFCloseProc cl, TIFFSizeProc sz, TIFFMapFileProc mp,
                         TIFFUnmapFileProc um, tmsize_t max_alloc)
{
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, error);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, NULL);
    if (max_alloc > 0)
        TIFFOpenOptionsSetMaxSingleMemAlloc(opts, max_alloc);
    TIFF *tif = TIFFClientOpenExt(name, mode, h, rd, wr, sk, cl, sz, mp, um, opts);
    TIFFOpenOptionsFree(opts);
    return tif;
}

/* ------------------------------------------------------------------ reading ------- */

typedef struct {
    uint16_t bits, format;
} tiff_layout;

/* One loop per sample type, so the compiler can vectorise each (the generic loop with
 * a switch per pixel was 3× slower on a 4096² image). Data are in native byte order:
 * libtiff swaps on read. */
#define CONVERT_LOOP(T)                                                                            \
    for (size_t i = 0; i < n; i++) {                                                               \
        T t;                                                                                       \
        memcpy(&t, src + i * sizeof t, sizeof t);                                                  \
        dst[i] = (float)t;                                                                         \
    }                                                                                              \
    break

static void convert_samples(const unsigned char *src, float *dst, size_t n, tiff_layout L)
{
    if (L.format == SAMPLEFORMAT_IEEEFP) {
        if (L.bits == 32) {
            if ((const void *)src != (const void *)dst)
                memcpy(dst, src, n * sizeof *dst);
            return;
        }
        switch (0) { default: CONVERT_LOOP(double); }
        return;
    }
    int s = L.format == SAMPLEFORMAT_INT;
    switch (L.bits * 2 + s) {
    case 16: CONVERT_LOOP(uint8_t);
    case 17: CONVERT_LOOP(int8_t);
    case 32: CONVERT_LOOP(uint16_t);
    case 33: CONVERT_LOOP(int16_t);
    case 64: CONVERT_LOOP(uint32_t);
    case 65: CONVERT_LOOP(int32_t);
    case 128: CONVERT_LOOP(uint64_t);
    default: CONVERT_LOOP(int64_t);
    }
}

static dac_sample_type sample_type_of(tiff_layout L)
{
    if (L.format == SAMPLEFORMAT_IEEEFP)
        return L.bits == 32 ? DAC_SAMPLE_F32 : DAC_SAMPLE_F64;
    int s = L.format == SAMPLEFORMAT_INT;
    switch (L.bits) {
    case 8: return s ? DAC_SAMPLE_I8 : DAC_SAMPLE_U8;
    case 16: return s ? DAC_SAMPLE_I16 : DAC_SAMPLE_U16;
    case 32: return s ? DAC_SAMPLE_I32 : DAC_SAMPLE_U32;
    default: return s ? DAC_SAMPLE_I64 : DAC_SAMPLE_U64;
    }
}

static int tiff_fail(const char *name, const tiff_mem *m, const char *what)
{
    return dac_error(DAC_ERR_INPUT, "%s: %s%s%s", name, what, m->error[0] ? ": " : "", m->error);
}

static int read_strips(TIFF *tif, dac_image *img, tiff_layout L, const char *name, tiff_mem *m)
{
    uint32_t rps = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
    if (rps == 0 || rps > img->height)
        rps = (uint32_t)img->height;
    size_t row_bytes = img->width * (L.bits / 8);
    tmsize_t strip_size = TIFFStripSize(tif);
    if (strip_size <= 0 || (uint64_t)strip_size < (uint64_t)rps * row_bytes)
        return tiff_fail(name, m, "invalid strip size");
    /* float32 strips decode straight into the pixels: no buffer, no conversion. */
    int direct = L.format == SAMPLEFORMAT_IEEEFP && L.bits == 32;
    unsigned char *buf = direct ? NULL : malloc((size_t)strip_size);
    if (!direct && !buf)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory for a TIFF strip", name);
    uint32_t nstrips = TIFFNumberOfStrips(tif);
    int st = DAC_OK;
    for (size_t row = 0, s = 0; row < img->height && !st; row += rps, s++) {
        size_t rows = img->height - row < rps ? img->height - row : rps;
        unsigned char *dst = direct ? (unsigned char *)(img->pixels + row * img->width) : buf;
        tmsize_t want = direct ? (tmsize_t)(rows * row_bytes) : strip_size;
        tmsize_t got = s < nstrips ? TIFFReadEncodedStrip(tif, (uint32_t)s, dst, want) : -1;
        if (got < 0 || (size_t)got < rows * row_bytes) {
            char what[64];
            snprintf(what, sizeof what, "cannot read TIFF strip %zu", s);
            st = tiff_fail(name, m, what);
            break;
        }
        if (!direct)
            convert_samples(buf, img->pixels + row * img->width, rows * img->width, L);
    }
    free(buf);
    return st;
}

/* Codecs with no ratio bound (ZSTD, LZMA, JPEG, LERC, …): rows are decoded one at a
 * time and the pixels grow with them (doubling), so a header that lies about the size
 * fails after costing about twice the rows the file really holds. img->pixels is NULL
 * on entry. */
static int read_scanlines(TIFF *tif, dac_image *img, tiff_layout L, const char *name, tiff_mem *m)
{
    size_t row_bytes = img->width * (L.bits / 8), cap = 0;
    tmsize_t line = TIFFScanlineSize(tif);
    if (line <= 0 || (uint64_t)line < row_bytes)
        return tiff_fail(name, m, "invalid scanline size");
    unsigned char *buf = malloc((size_t)line);
    if (!buf)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory for a TIFF row", name);
    int st = DAC_OK;
    for (size_t y = 0; y < img->height && !st; y++) {
        if (y == cap) {
            /* Start at ~1 Mpixel of rows, then double. */
            size_t want = cap ? 2 * cap : ((size_t)1 << 20) / img->width + 1;
            want = want < img->height ? want : img->height;
            float *p = realloc(img->pixels, want * img->width * sizeof *p);
            if (!p) {
                st = dac_error(DAC_ERR_NOMEM, "%s: out of memory for %zu rows of %zu pixels", name,
                               want, img->width);
                break;
            }
            img->pixels = p;
            cap = want;
        }
        if (TIFFReadScanline(tif, buf, (uint32_t)y, 0) < 0) {
            char what[64];
            snprintf(what, sizeof what, "cannot read TIFF row %zu", y);
            st = tiff_fail(name, m, what);
            break;
        }
        convert_samples(buf, img->pixels + y * img->width, img->width, L);
    }
    free(buf);
    return st;
}

/* Real tiles are at most a few MiB (1024² float64 is 8 MiB); a bigger one is a lying
 * header, refused before its buffer is allocated. An assumption, generous 32×. */
#define TIFF_MAX_TILE_BYTES ((uint64_t)256 << 20)

static int read_tile_at(TIFF *tif, unsigned char *buf, size_t x, size_t y, tmsize_t tile_size,
                        const char *name, tiff_mem *m)
{
    if (TIFFReadTile(tif, buf, (uint32_t)x, (uint32_t)y, 0, 0) < tile_size) {
        char what[80];
        snprintf(what, sizeof what, "cannot read the TIFF tile at x %zu, y %zu", x, y);
        return tiff_fail(name, m, what);
    }
    return DAC_OK;
}

/* img->pixels NULL on entry means the codec has no ratio bound: every tile is decoded
 * once to check the file really holds it, and only then are the pixels allocated (a
 * tile row can span the whole width, so growing as tiles decode would not bound it). */
static int read_tiles(TIFF *tif, dac_image *img, tiff_layout L, const char *name, tiff_mem *m)
{
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    tmsize_t tile_size = TIFFTileSize(tif);
    size_t bps = L.bits / 8;
    if (tw == 0 || th == 0 || tile_size <= 0 || (uint64_t)tile_size / bps / tw < th)
        return tiff_fail(name, m, "invalid tile size");
    if ((uint64_t)tile_size > TIFF_MAX_TILE_BYTES)
        return dac_error(DAC_ERR_INPUT, "%s: TIFF tiles of %u x %u pixels (%lld bytes) are beyond "
                         "the %llu-byte limit", name, tw, th, (long long)tile_size,
                         (unsigned long long)TIFF_MAX_TILE_BYTES);
    unsigned char *buf = malloc((size_t)tile_size);
    if (!buf)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory for a TIFF tile", name);
    int st = DAC_OK;
    for (size_t y = 0; !img->pixels && y < img->height && !st; y += th)
        for (size_t x = 0; x < img->width && !st; x += tw)
            st = read_tile_at(tif, buf, x, y, tile_size, name, m);
    if (!st && !img->pixels && !(img->pixels = calloc(img->width * img->height, sizeof(float))))
        st = dac_error(DAC_ERR_NOMEM, "%s: out of memory for %zu x %zu pixels", name, img->width,
                       img->height);
    for (size_t y = 0; y < img->height && !st; y += th)
        for (size_t x = 0; x < img->width && !st; x += tw) {
            st = read_tile_at(tif, buf, x, y, tile_size, name, m);
            size_t cols = img->width - x < tw ? img->width - x : tw;
            size_t rows = img->height - y < th ? img->height - y : th;
            for (size_t r = 0; r < rows && !st; r++)
                convert_samples(buf + r * tw * bps, img->pixels + (y + r) * img->width + x, cols, L);
        }
    free(buf);
    return st;
}

/* ImageJ writes "key=value" lines; unit spellings are handled by dac_image_unit_to_A. */
static int imagej_value(const char *desc, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (const char *line = desc; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            const char *v = line + klen + 1;
            size_t n = strcspn(v, "\r\n");
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

/* A private tag libtiff does not know: it reads it as an "anonymous" field whose
 * value comes with a count (uint32 for TIFF_VARIABLE2, else uint16). */
static const void *anon_tag(TIFF *tif, uint32_t tag, TIFFDataType type, uint32_t *count)
{
    const TIFFField *f = TIFFFindField(tif, tag, TIFF_ANY);
    void *p = NULL;
    *count = 0;
    if (!f || TIFFFieldDataType(f) != type || !TIFFFieldPassCount(f))
        return NULL;
    if (TIFFFieldReadCount(f) == TIFF_VARIABLE2) {
        if (!TIFFGetField(tif, tag, count, &p))
            return NULL;
    } else {
        uint16_t c16 = 0;
        if (!TIFFGetField(tif, tag, &c16, &p))
            return NULL;
        *count = c16;
    }
    return *count ? p : NULL;
}

/* DigitalMicrograph's TIFF export (also written by hyperspy) keeps the calibration in
 * private tags: 65003/65004 x/y unit (ASCII), 65009/65010 x/y scale (double), per
 * rosettasciio's tiff reader. */
static int read_dm_scale(TIFF *tif, dac_image *img)
{
    uint32_t nux, nuy, nsx, nsy;
    const char *ux = anon_tag(tif, 65003, TIFF_ASCII, &nux), *uy = anon_tag(tif, 65004, TIFF_ASCII, &nuy);
    const double *sx = anon_tag(tif, 65009, TIFF_DOUBLE, &nsx), *sy = anon_tag(tif, 65010, TIFF_DOUBLE, &nsy);
    char unit_x[32], unit_y[32];
    double ax, ay;
    if (!ux || !uy || !sx || !sy)
        return 0;
    snprintf(unit_x, sizeof unit_x, "%.*s", (int)(nux < 31 ? nux : 31), ux);
    snprintf(unit_y, sizeof unit_y, "%.*s", (int)(nuy < 31 ? nuy : 31), uy);
    if (dac_image_unit_to_A(unit_x, &ax) != DAC_OK || dac_image_unit_to_A(unit_y, &ay) != DAC_OK ||
        !(isfinite(sx[0]) && sx[0] > 0 && isfinite(sy[0]) && sy[0] > 0))
        return 0;
    img->pixel_size_A[0] = sx[0] * ax;
    img->pixel_size_A[1] = sy[0] * ay;
    image_unit_label(img->unit_original, sizeof img->unit_original, unit_x);
    return 1;
}

/* Microscope pixels are far below 1 µm (10^4 Å); a TIFF whose only calibration is
 * ResolutionUnit inch/cm giving more than that carries a display default (72 or 96
 * dpi: 3.5e6 Å), not a calibration. */
#define TIFF_MAX_CALIBRATED_PIXEL_A 1e4

static void read_scale(TIFF *tif, dac_image *img, const char *name)
{
    float xres = 0, yres = 0;
    uint16_t resunit = 0;
    char *desc = NULL;
    char unit[32] = "", yunit[32] = "";
    int has_x = TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && isfinite(xres) && xres > 0;
    if (!(TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres) && isfinite(yres) && yres > 0))
        yres = xres;
    if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &desc) && desc && !strncmp(desc, "ImageJ=", 7) &&
        imagej_value(desc, "unit", unit, sizeof unit)) {
        if (!imagej_value(desc, "yunit", yunit, sizeof yunit))
            snprintf(yunit, sizeof yunit, "%s", unit);
        double sx, sy;
        image_unit_label(img->unit_original, sizeof img->unit_original, unit);
        if (has_x && dac_image_unit_to_A(unit, &sx) == DAC_OK &&
            dac_image_unit_to_A(yunit, &sy) == DAC_OK) {
            img->pixel_size_A[0] = sx / xres;
            img->pixel_size_A[1] = sy / yres;
            return;
        }
    }
    if (read_dm_scale(tif, img))
        return;
    if (has_x && TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &resunit) &&
        (resunit == RESUNIT_INCH || resunit == RESUNIT_CENTIMETER)) {
        const char *u = resunit == RESUNIT_INCH ? "inch" : "cm";
        double per_unit_A = resunit == RESUNIT_INCH ? 2.54e8 : 1e8; /* 1 inch = 2.54 cm */
        double px = per_unit_A / xres, py = per_unit_A / yres;
        snprintf(img->unit_original, sizeof img->unit_original, "%s", u);
        if (px > TIFF_MAX_CALIBRATED_PIXEL_A || py > TIFF_MAX_CALIBRATED_PIXEL_A) {
            dac_warn("%s: TIFF resolution %g x %g pixels per %s (%.4g x %.4g \xc2\xb5m per "
                     "pixel) looks like a display default, not a calibration (microscope pixels "
                     "are under 1 \xc2\xb5m); pixel size unknown", name, xres, yres, u,
                     px / 1e4, py / 1e4);
            return;
        }
        img->pixel_size_A[0] = px;
        img->pixel_size_A[1] = py;
        return;
    }
    if (!img->unit_original[0])
        snprintf(img->unit_original, sizeof img->unit_original, "pixel");
}

static int read_meta(TIFF *tif, dac_image *img)
{
    static const struct {
        uint32_t tag;
        const char *key;
    } text_tags[] = {{TIFFTAG_SOFTWARE, "tiff.software"}, {TIFFTAG_DATETIME, "tiff.datetime"},
                     {TIFFTAG_ARTIST, "tiff.artist"}, {TIFFTAG_MAKE, "tiff.make"},
                     {TIFFTAG_MODEL, "tiff.model"}, {TIFFTAG_IMAGEDESCRIPTION, "tiff.description"}};
    for (size_t i = 0; i < sizeof text_tags / sizeof text_tags[0]; i++) {
        char *v = NULL, buf[1024];
        if (!TIFFGetField(tif, text_tags[i].tag, &v) || !v)
            continue;
        snprintf(buf, sizeof buf, "%s", v);
        for (char *c = buf; *c; c++)
            if ((unsigned char)*c < 32 && *c != '\n')
                *c = ' ';
        int st = dac_image_meta_set(img, text_tags[i].key, buf);
        if (st)
            return st;
    }
    return DAC_OK;
}

/* The largest ratio of decoded to stored bytes that a codec's format allows, or 0 when
 * there is no useful bound. PackBits: a 2-byte run code gives at most 128 bytes (TIFF
 * 6.0 §9). LZW: ≥ 9-bit codes for strings under 4096 bytes (TIFF 6.0 §13). Deflate:
 * 258 bytes per 2-bit length/distance pair at best, 1032:1 (RFC 1951; zlib's FAQ).
 * ZSTD (an RLE block: 128 KiB from 4 bytes), LZMA (~7000:1 on zeros), JPEG, LERC
 * (a constant tile in a few bytes) and the rest get no ratio: a blank 4096² ZSTD
 * image is 652 bytes. */
static uint64_t codec_ratio(uint16_t compression)
{
    switch (compression) {
    case COMPRESSION_NONE: return 1;
    case COMPRESSION_PACKBITS: return 64;
    case COMPRESSION_LZW: return 4096;
    case COMPRESSION_ADOBE_DEFLATE: case COMPRESSION_DEFLATE: return 1032;
    default: return 0;
    }
}

/* Bytes of sample data the file can yield: the stored strip/tile bytes (the sum
 * saturates at the file's length: byte counts are 64-bit and may lie), times the
 * codec's ratio, plus slack for codec headers. Stops a lying header before allocation. */
static uint64_t available_bytes(TIFF *tif, size_t file_len, uint64_t ratio)
{
    uint64_t *counts = NULL, total = 0;
    int tiled = TIFFIsTiled(tif);
    uint32_t n = tiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif);
    if (TIFFGetField(tif, tiled ? TIFFTAG_TILEBYTECOUNTS : TIFFTAG_STRIPBYTECOUNTS, &counts) && counts)
        for (uint32_t i = 0; i < n && total < file_len; i++)
            total += counts[i] < file_len - total ? counts[i] : file_len - total;
    return ratio == 1 ? total : total * ratio + 65536;
}

/* An image whose pixels are allocated as the codec proves they exist (img->pixels
 * NULL): see read_scanlines and read_tiles. The caller has checked the size caps. */
static dac_image *image_shell(size_t width, size_t height)
{
    dac_image *img = NULL;
    if (dac_image_create(width, 1, &img) == DAC_OK) {
        free(img->pixels);
        img->pixels = NULL;
        img->height = height;
    }
    return img;
}

int image_read_tiff_buffer(const unsigned char *data, size_t len, const char *name,
                               dac_image **out)
{
    *out = NULL;
    tiff_mem m = {data, len, 0, ""};
    /* The "map" callbacks hand libtiff our buffer, so uncompressed strips are copied
     * once, from the file bytes to the pixels. */
    TIFF *tif = open_client(name, "r", &m, m.error, mem_read, mem_write, mem_seek, mem_close,
                            mem_size, mem_map, mem_unmap, 0);
    if (!tif)
        return tiff_fail(name, &m, "not a readable TIFF file");
    uint32_t w = 0, h = 0;
    uint16_t spp = 1, planar = PLANARCONFIG_CONTIG, compression = COMPRESSION_NONE;
    tiff_layout L = {0, SAMPLEFORMAT_UINT};
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &L.bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &L.format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    uint64_t ratio = codec_ratio(compression);
    if (L.format == SAMPLEFORMAT_VOID)
        L.format = SAMPLEFORMAT_UINT;
    int st = DAC_OK;
    dac_image *img = NULL;
    if (spp != 1)
        st = dac_error(DAC_ERR_INPUT, "%s: TIFF has %u samples per pixel; only greyscale (1) is "
                       "read — convert colour images to grey first", name, spp);
    else if (!((L.format == SAMPLEFORMAT_UINT || L.format == SAMPLEFORMAT_INT) &&
               (L.bits == 8 || L.bits == 16 || L.bits == 32 || L.bits == 64)) &&
             !(L.format == SAMPLEFORMAT_IEEEFP && (L.bits == 32 || L.bits == 64)))
        st = dac_error(DAC_ERR_INPUT, "%s: TIFF sample format %u with %u bits is not supported "
                       "(expected 8/16/32-bit integers or 32/64-bit floats)", name, L.format, L.bits);
    else if (ratio)
        st = image_alloc_checked(name, w, h, L.bits / 8, available_bytes(tif, len, ratio), &img);
    else if (!(st = image_check_size(name, w, h, 0, 0)) && !(img = image_shell(w, h)))
        st = dac_error(DAC_ERR_NOMEM, "%s: out of memory", name);
    if (!st)
        st = TIFFIsTiled(tif) ? read_tiles(tif, img, L, name, &m)
             : ratio          ? read_strips(tif, img, L, name, &m)
                              : read_scanlines(tif, img, L, name, &m);
    if (!st) {
        img->sample_type = sample_type_of(L);
        image_update_range(img);
        read_scale(tif, img, name);
        st = read_meta(tif, img);
    }
    if (!st && TIFFReadDirectory(tif))
        dac_warn("%s: TIFF has more than one page; only the first is read", name);
    TIFFClose(tif);
    if (st) {
        dac_image_free(img);
        return st;
    }
    *out = img;
    return DAC_OK;
}

/* ------------------------------------------------------------------ writing ------- */

static tmsize_t file_read(thandle_t h, void *buf, tmsize_t size)
{
    return (tmsize_t)fread(buf, 1, (size_t)size, (FILE *)h);
}
static tmsize_t file_write(thandle_t h, void *buf, tmsize_t size)
{
    return (tmsize_t)fwrite(buf, 1, (size_t)size, (FILE *)h);
}
static toff_t file_seek(thandle_t h, toff_t off, int whence)
{
    FILE *f = h;
    if (fseeko(f, (off_t)off, whence) != 0)
        return (toff_t)-1;
    return (toff_t)ftello(f);
}
static int file_close(thandle_t h) { (void)h; return 0; } /* the output set closes */
static toff_t file_size(thandle_t h)
{
    FILE *f = h;
    struct stat st;
    fflush(f);
    return fstat(fileno(f), &st) == 0 ? (toff_t)st.st_size : 0;
}
static int file_map(thandle_t h, void **base, toff_t *size) { (void)h, (void)base, (void)size; return 0; }

static int write_rows(TIFF *tif, const dac_image *img, dac_sample_type type)
{
    size_t w = img->width;
    void *row = malloc(w * 4);
    if (!row)
        return -1;
    for (size_t y = 0; y < img->height; y++) {
        const float *src = img->pixels + y * w;
        if (type == DAC_SAMPLE_F32) {
            memcpy(row, src, w * 4);
        } else {
            uint16_t *dst = row;
            for (size_t x = 0; x < w; x++) {
                float v = src[x];
                dst[x] = !(v > 0) ? 0 : v >= 65535.0f ? 65535 : (uint16_t)(v + 0.5f);
            }
        }
        if (TIFFWriteScanline(tif, row, (uint32_t)y, 0) < 0) {
            free(row);
            return -1;
        }
    }
    free(row);
    return 0;
}

int image_write_tiff_stream(FILE *out, const char *path, const dac_image *img, dac_sample_type type)
{
    if (type != DAC_SAMPLE_F32 && type != DAC_SAMPLE_U16)
        return dac_error(DAC_ERR_USAGE, "%s: TIFF output type must be float32 or uint16, not %s",
                         path, dac_sample_type_name(type));
    if (!img || !img->pixels || img->width == 0 || img->height == 0 || img->width > UINT32_MAX ||
        img->height > UINT32_MAX)
        return dac_error(DAC_ERR_USAGE, "%s: no image to write", path);
    if (out == stdout)
        return dac_error(DAC_ERR_USAGE, "TIFF cannot be written to standard output (it needs seeks)");
    char error[256] = "";
    TIFF *tif = open_client(path, "w", out, error, file_read, file_write,
                            file_seek, file_close, file_size, file_map, mem_unmap, 0);
    if (!tif) {
        return dac_error(DAC_ERR_RUNTIME, "cannot write %s: %s", path, error);
    }
    uint16_t bits = type == DAC_SAMPLE_F32 ? 32 : 16;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, (uint32_t)img->width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, (uint32_t)img->height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)1);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, type == DAC_SAMPLE_F32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    size_t rps = (size_t)65536 / (img->width * bits / 8);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)(rps ? rps : 1));
    TIFFSetField(tif, TIFFTAG_SOFTWARE, "dac " DAC_VERSION);
    /* ImageJ reads unit= from the description and takes X/YResolution as pixels per
     * unit; ResolutionUnit "none" is what ImageJ itself writes for units other than
     * inch and cm. min/max set its display range. */
    char desc[256];
    int n = snprintf(desc, sizeof desc, "ImageJ=1.11a\n");
    double px = img->pixel_size_A[0], py = img->pixel_size_A[1] > 0 ? img->pixel_size_A[1] : px;
    if (px > 0 && isfinite(px) && isfinite(py)) {
        n += snprintf(desc + n, sizeof desc - (size_t)n, "unit=nm\n");
        TIFFSetField(tif, TIFFTAG_XRESOLUTION, 10.0 / px); /* pixels per nm */
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, 10.0 / py);
        TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_NONE);
    }
    if (type == DAC_SAMPLE_F32) {
        dac_image tmp = *img;
        image_update_range(&tmp);
        snprintf(desc + n, sizeof desc - (size_t)n, "min=%.9g\nmax=%.9g\n", tmp.original_min,
                 tmp.original_max);
    }
    TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, desc);
    int bad = write_rows(tif, img, type) != 0 || !TIFFFlush(tif);
    TIFFClose(tif);
    if (bad)
        return dac_error(DAC_ERR_RUNTIME, "cannot write %s: %s", path, error[0] ? error : "TIFF write failed");
    return DAC_OK;
}

int dac_image_write_tiff(const char *path, const dac_image *img, dac_sample_type type)
{
    if (path && !strcmp(path, "-"))
        return dac_error(DAC_ERR_USAGE, "TIFF cannot be written to standard output (it needs seeks)");
    dac_outset *set;
    FILE *f;
    int st = dac_outset_create_file(path, &set, &f);
    if (st != DAC_OK)
        return st;
    return dac_outset_finish(set, image_write_tiff_stream(f, path, img, type));
}
