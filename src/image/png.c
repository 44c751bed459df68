/*
 * png.c — PNG through libpng. Reading: 8- and 16-bit greyscale (1/2/4-bit grey is
 * expanded to 8; alpha is dropped). Colour (RGB or palette) images are converted to
 * grey by Rec. 709 luminance Y = 0.2126 R + 0.7152 G + 0.0722 B on the stored values
 * (no gamma decoding) with a warning — PNG is a display format here, never data.
 * Pixel size from our tEXt "pixel_size_A" or else pHYs in pixels per metre.
 *
 * Writing: 8-bit display images (linear map of a percentile or explicit range to
 * 0..255) and 16-bit (min..max or explicit range to 0..65535), plus 8-bit RGB and 8-bit
 * palette images for overlays. pHYs cannot hold pixels below 0.47 Å (2^31 pixels per
 * metre), so the exact pixel size also goes into tEXt.
 *
 * Overlays are palette images (a third of the bytes of RGB) stored without compression
 * (zlib level 0). A noisy micrograph's grey levels hardly compress: the overlay of a
 * 4096² frame is 16.8 MB stored, 11.8 MB with the cheapest useful deflate (level 1, RLE
 * strategy; the default LZ77 search finds almost nothing to match and takes twice as
 * long), and that deflate cost 0.25 s of the 2 s budget of `dac stem count` on such a
 * frame (issue 10). Stored, writing is a copy and two checksums.
 */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_internal.h"

typedef struct {
    const unsigned char *d;
    size_t len, pos;
    char error[256];
} png_mem;

static void on_error(png_structp png, png_const_charp msg)
{
    png_mem *m = png_get_error_ptr(png);
    if (m && !m->error[0])
        snprintf(m->error, sizeof m->error, "%s", msg);
    png_longjmp(png, 1);
}
static void on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

static void mem_read(png_structp png, png_bytep out, size_t n)
{
    png_mem *m = png_get_io_ptr(png);
    if (m->len - m->pos < n)
        png_error(png, "file truncated");
    memcpy(out, m->d + m->pos, n);
    m->pos += n;
}

/* Text chunks become metadata "png.<keyword>" (short ones; keywords are Latin-1 and
 * values may be too, so non-ASCII bytes are replaced). */
static int read_text(png_structp png, png_infop info, dac_image *img)
{
    png_textp text = NULL;
    int ntext = 0;
    png_get_text(png, info, &text, &ntext);
    for (int i = 0; i < ntext && i < 64; i++) {
        char key[96], value[512];
        snprintf(key, sizeof key, "png.%s", text[i].key);
        snprintf(value, sizeof value, "%s", text[i].text ? text[i].text : "");
        for (char *c = key; *c; c++)
            if ((unsigned char)*c < 32 || (unsigned char)*c > 126)
                *c = '?';
        for (char *c = value; *c; c++)
            if ((unsigned char)*c > 126 || ((unsigned char)*c < 32 && *c != '\n'))
                *c = '?';
        int st = dac_image_meta_set(img, key, value);
        if (st)
            return st;
    }
    return DAC_OK;
}

static void read_scale(png_structp png, png_infop info, dac_image *img)
{
    png_textp text = NULL;
    int ntext = 0;
    png_get_text(png, info, &text, &ntext);
    for (int i = 0; i < ntext; i++) {
        double x, y;
        if (!strcmp(text[i].key, "pixel_size_A") && sscanf(text[i].text, "%lf %lf", &x, &y) == 2 &&
            x > 0 && y > 0 && isfinite(x) && isfinite(y)) {
            img->pixel_size_A[0] = x;
            img->pixel_size_A[1] = y;
            snprintf(img->unit_original, sizeof img->unit_original, "\xc3\x85");
            return;
        }
    }
    png_uint_32 rx, ry;
    int unit;
    if (png_get_pHYs(png, info, &rx, &ry, &unit) && unit == PNG_RESOLUTION_METER && rx > 0 && ry > 0) {
        image_set_pixel_size(img, 1.0 / rx, 1.0 / ry, "m");
        return;
    }
    snprintf(img->unit_original, sizeof img->unit_original, "pixel");
}

/* Runs under setjmp: only touches memory reachable through `st` so a longjmp leaks
 * nothing (the caller frees rows and image). */
typedef struct {
    dac_image *img;
    png_bytep row;
} png_state;

static int decode(png_structp png, png_infop info, png_mem *m, const char *name, png_state *s)
{
    if (setjmp(png_jmpbuf(png)))
        return dac_error(DAC_ERR_INPUT, "%s: bad PNG: %s", name, m->error[0] ? m->error : "decode error");
    png_set_read_fn(png, m, mem_read);
    /* Same caps as every reader; libpng checks them before allocating rows. */
    png_set_user_limits(png, (png_uint_32)DAC_IMAGE_MAX_SIDE, (png_uint_32)DAC_IMAGE_MAX_SIDE);
    /* Caps what libpng allocates for one ancillary chunk, including decompressed zTXt/
     * iTXt/iCCP; 8 MB is far above any real one. Image data (IDAT) is streamed. Chunk
     * lengths themselves were checked by check_chunks. */
    png_set_chunk_malloc_max(png, (png_alloc_size_t)8 << 20);
    png_set_chunk_cache_max(png, 1000);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info), ctype = png_get_color_type(png, info);
    if (ctype == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    int bytes = png_get_bit_depth(png, info) == 16 ? 2 : 1;
    /* Deflate expands at most ~1032:1; a header claiming more than that is lying. */
    int st = image_alloc_checked(name, w, h, (size_t)(channels * bytes),
                                     (uint64_t)m->len * 1032 + 65536, &s->img);
    if (st)
        return st;
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes < (size_t)w * channels * bytes)
        return dac_error(DAC_ERR_INPUT, "%s: bad PNG row size", name);
    if (png_get_interlace_type(png, info) != PNG_INTERLACE_NONE)
        return dac_error(DAC_ERR_INPUT, "%s: interlaced PNG is not supported", name);
    s->row = malloc(rowbytes);
    if (!s->row)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", name);
    for (png_uint_32 y = 0; y < h; y++) {
        png_read_row(png, s->row, NULL);
        float *dst = s->img->pixels + (size_t)y * w;
        for (png_uint_32 x = 0; x < w; x++) {
            double c[3];
            for (int k = 0; k < channels && k < 3; k++) {
                const png_byte *p = s->row + ((size_t)x * channels + k) * bytes;
                c[k] = bytes == 2 ? (p[0] << 8 | p[1]) : p[0];
            }
            dst[x] = (float)(channels >= 3 ? 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] : c[0]);
        }
    }
    png_read_end(png, info);
    s->img->sample_type = channels >= 3 ? DAC_SAMPLE_F32 : bytes == 2 ? DAC_SAMPLE_U16 : DAC_SAMPLE_U8;
    if (channels >= 3)
        dac_warn("%s: colour PNG converted to grey by luminance (Rec. 709)", name);
    read_scale(png, info, s->img);
    image_update_range(s->img);
    return read_text(png, info, s->img);
}

/* Walks the chunk list before libpng does: libpng allocates an ancillary chunk's
 * claimed length before reading it (png_set_chunk_malloc_max is not applied to
 * tEXt and friends in 1.6.39), so a lying length would ask for up to 2 GB — found by
 * fuzzing. A chunk that claims more bytes than the file holds is an error here. */
static int check_chunks(const unsigned char *data, size_t len, const char *name)
{
    size_t pos = 8;
    while (len - pos >= 12) {
        uint32_t n = image_rd_u32be(data + pos);
        if (n > len - pos - 12)
            return dac_error(DAC_ERR_INPUT, "%s: PNG chunk '%.4s' at byte %zu claims %u bytes, more "
                             "than the file holds", name, (const char *)data + pos + 4, pos, n);
        if (!memcmp(data + pos + 4, "IEND", 4))
            return DAC_OK;
        pos += 12 + (size_t)n;
    }
    return dac_error(DAC_ERR_INPUT, "%s: PNG file truncated (no IEND chunk)", name);
}

int image_read_png_buffer(const unsigned char *data, size_t len, const char *name,
                              dac_image **out)
{
    *out = NULL;
    if (len < 8 || png_sig_cmp(data, 0, 8))
        return dac_error(DAC_ERR_INPUT, "%s: not a PNG file (bad signature)", name);
    int chunks = check_chunks(data, len, name);
    if (chunks)
        return chunks;
    png_mem m = {data, len, 0, ""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &m, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", name);
    }
    png_state s = {NULL, NULL};
    int st = decode(png, info, &m, name, &s);
    png_destroy_read_struct(&png, &info, NULL);
    free(s.row);
    if (st) {
        dac_image_free(s.img);
        return st;
    }
    *out = s.img;
    return DAC_OK;
}

/* ------------------------------------------------------------------ writing ------- */

typedef struct {
    png_structp png;
    png_infop info;
    png_bytep row;
    char error[256];
} png_writer;

static void write_fn(png_structp png, png_bytep data, size_t n)
{
    FILE *f = png_get_io_ptr(png);
    if (fwrite(data, 1, n, f) != n)
        png_error(png, "write error");
}
static void flush_fn(png_structp png) { fflush((FILE *)png_get_io_ptr(png)); }
static void on_write_error(png_structp png, png_const_charp msg)
{
    png_writer *w = png_get_error_ptr(png);
    if (!w->error[0])
        snprintf(w->error, sizeof w->error, "%s", msg);
    png_longjmp(png, 1);
}

/* A palette for PNG_COLOR_TYPE_PALETTE (NULL otherwise). */
typedef struct {
    const unsigned char (*rgb)[3];
    int n;
} png_palette;

/* Writes `height` rows produced by `fill(y, row, user)`; color PNG_COLOR_TYPE_GRAY, RGB
 * or PALETTE (then pal gives the colours). */
static int encode(FILE *out, const char *path, size_t width, size_t height, int depth, int color,
                  const double *pixel_size_A, void (*fill)(size_t y, png_bytep row, const void *user),
                  const void *user, const char *range_text, const png_palette *pal)
{
    if (width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff)
        return dac_error(DAC_ERR_USAGE, "%s: no image to write", path);
    png_writer w = {NULL, NULL, NULL, ""};
    w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, on_write_error, on_warning);
    w.info = w.png ? png_create_info_struct(w.png) : NULL;
    int channels = color == PNG_COLOR_TYPE_RGB ? 3 : 1;
    w.row = malloc(width * (size_t)channels * (depth / 8));
    if (!w.info || !w.row) {
        png_destroy_write_struct(&w.png, &w.info);
        free(w.row);
        return dac_error(DAC_ERR_NOMEM, "out of memory writing %s", path);
    }
    if (setjmp(png_jmpbuf(w.png))) {
        png_destroy_write_struct(&w.png, &w.info);
        free(w.row);
        return dac_error(DAC_ERR_RUNTIME, "cannot write %s: %s", path, w.error);
    }
    png_set_write_fn(w.png, out, write_fn, flush_fn);
    /* Display images, not archives: zlib level 1 without row filters is ~8× faster
     * than the default and, on noisy micrographs and overlays, barely larger. */
    png_set_compression_level(w.png, 1);
    png_set_filter(w.png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_IHDR(w.png, w.info, (png_uint_32)width, (png_uint_32)height, depth, color,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal) {
        png_color c[256];
        for (int i = 0; i < pal->n; i++)
            c[i] = (png_color){pal->rgb[i][0], pal->rgb[i][1], pal->rgb[i][2]};
        png_set_PLTE(w.png, w.info, c, pal->n);
        png_set_compression_level(w.png, 0);
    }
    png_text text[3];
    char size_text[80];
    int ntext = 0;
    text[ntext++] = (png_text){.compression = PNG_TEXT_COMPRESSION_NONE, .key = "Software",
                               .text = "dac " DAC_VERSION};
    if (pixel_size_A && pixel_size_A[0] > 0 && pixel_size_A[1] > 0) {
        snprintf(size_text, sizeof size_text, "%.17g %.17g", pixel_size_A[0], pixel_size_A[1]);
        text[ntext++] = (png_text){.compression = PNG_TEXT_COMPRESSION_NONE, .key = "pixel_size_A",
                                   .text = size_text};
        double rx = 1e10 / pixel_size_A[0], ry = 1e10 / pixel_size_A[1];
        if (rx < 2147483647.0 && ry < 2147483647.0)
            png_set_pHYs(w.png, w.info, (png_uint_32)llround(rx), (png_uint_32)llround(ry),
                         PNG_RESOLUTION_METER);
    }
    if (range_text)
        text[ntext++] = (png_text){.compression = PNG_TEXT_COMPRESSION_NONE, .key = "display_range",
                                   .text = (char *)range_text};
    png_set_text(w.png, w.info, text, ntext);
    png_write_info(w.png, w.info);
    for (size_t y = 0; y < height; y++) {
        fill(y, w.row, user);
        png_write_row(w.png, w.row);
    }
    png_write_end(w.png, w.info);
    png_destroy_write_struct(&w.png, &w.info);
    free(w.row);
    return ferror(out) ? dac_error(DAC_ERR_RUNTIME, "%s: write failed", path) : DAC_OK;
}

typedef struct {
    const dac_image *img;
    double lo, hi;
    int bits;
} grey_fill;

static void fill_grey(size_t y, png_bytep row, const void *user)
{
    const grey_fill *g = user;
    const float *src = g->img->pixels + y * g->img->width;
    double top = g->bits == 16 ? 65535.0 : 255.0, scale = top / (g->hi - g->lo);
    for (size_t x = 0; x < g->img->width; x++) {
        double v = (src[x] - g->lo) * scale;
        unsigned q = !(v > 0) ? 0 : v >= top ? (unsigned)top : (unsigned)(v + 0.5);
        if (g->bits == 16) {
            row[2 * x] = (png_byte)(q >> 8);
            row[2 * x + 1] = (png_byte)(q & 0xff);
        } else {
            row[x] = (png_byte)q;
        }
    }
}

int image_write_png_stream(FILE *out, const char *path, const dac_image *img,
                           const dac_png_options *opt)
{
    dac_png_options def;
    if (!opt) {
        dac_png_options_default(&def);
        opt = &def;
    }
    if (opt->bits != 8 && opt->bits != 16)
        return dac_error(DAC_ERR_USAGE, "%s: PNG bits must be 8 or 16, not %d", path, opt->bits);
    if (!img || !img->pixels)
        return dac_error(DAC_ERR_USAGE, "%s: no image to write", path);
    grey_fill g = {img, opt->range_lo, opt->range_hi, opt->bits};
    if (!(opt->range_lo < opt->range_hi)) {
        double plo = opt->bits == 8 ? opt->percentile_lo : 0.0;
        double phi = opt->bits == 8 ? opt->percentile_hi : 100.0;
        if (!(plo >= 0 && plo < phi && phi <= 100))
            return dac_error(DAC_ERR_USAGE, "%s: percentiles %g..%g: expected 0 <= lo < hi <= 100",
                             path, plo, phi);
        int st = dac_image_percentiles(img, plo, phi, &g.lo, &g.hi);
        if (st)
            return st;
        if (!(g.hi > g.lo))
            g.hi = g.lo + 1; /* flat image: everything maps to 0 */
    }
    char range[80];
    snprintf(range, sizeof range, "%.9g %.9g", g.lo, g.hi);
    return encode(out, path, img->width, img->height, opt->bits, PNG_COLOR_TYPE_GRAY,
                  img->pixel_size_A, fill_grey, &g, range, NULL);
}

int dac_image_write_png(const char *path, const dac_image *img, const dac_png_options *opt)
{
    dac_outset *set;
    FILE *f;
    int st = dac_outset_create_file(path, &set, &f);
    if (st != DAC_OK)
        return st;
    return dac_outset_finish(set, image_write_png_stream(f, path, img, opt));
}

typedef struct {
    const unsigned char *rgb;
    size_t width;
} rgb_fill;

static void fill_rgb(size_t y, png_bytep row, const void *user)
{
    const rgb_fill *r = user;
    memcpy(row, r->rgb + y * r->width * 3, r->width * 3);
}

int image_write_png_rgb_stream(FILE *out, const char *path, size_t width, size_t height,
                               const unsigned char *rgb)
{
    if (!rgb)
        return dac_error(DAC_ERR_USAGE, "%s: no image to write", path);
    rgb_fill r = {rgb, width};
    return encode(out, path, width, height, 8, PNG_COLOR_TYPE_RGB, NULL, fill_rgb, &r, NULL, NULL);
}

int dac_image_write_png_rgb(const char *path, size_t width, size_t height, const unsigned char *rgb)
{
    dac_outset *set;
    FILE *f;
    int st = dac_outset_create_file(path, &set, &f);
    if (st != DAC_OK)
        return st;
    return dac_outset_finish(set, image_write_png_rgb_stream(f, path, width, height, rgb));
}

static void fill_index(size_t y, png_bytep row, const void *user)
{
    const rgb_fill *r = user;
    memcpy(row, r->rgb + y * r->width, r->width);
}

int image_write_png_palette_stream(FILE *out, const char *path, size_t width, size_t height,
                                   const unsigned char *index, const unsigned char (*palette)[3],
                                   int n_palette, const double *pixel_size_A)
{
    if (!index || !palette || n_palette < 1 || n_palette > 256)
        return dac_error(DAC_ERR_USAGE, "%s: no image or no palette (1-256 colours) to write", path);
    for (size_t i = 0; n_palette < 256 && i < width * height; i++) /* 256: every byte fits */
        if (index[i] >= n_palette)
            return dac_error(DAC_ERR_USAGE, "%s: pixel %zu uses colour %d of a %d-colour palette",
                             path, i, index[i], n_palette);
    rgb_fill r = {index, width};
    png_palette pal = {palette, n_palette};
    return encode(out, path, width, height, 8, PNG_COLOR_TYPE_PALETTE, pixel_size_A, fill_index, &r,
                  NULL, &pal);
}
