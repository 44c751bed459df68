/*
 * dm_builder.h — writes small DigitalMicrograph DM3/DM4 files byte by byte, so the DM
 * reader's tests (and the fuzz seeds) need no sample files. The layout follows the
 * format notes cited in src/image/dm.c: big-endian tag headers, 4-byte (DM3) or 8-byte
 * (DM4) counts, DM4's per-tag byte length, little-endian data values.
 */
#ifndef DAC_TEST_DM_BUILDER_H
#define DAC_TEST_DM_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned char *d;
    size_t len, cap;
    int dm4;
} dmb;

static void dmb_bytes(dmb *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->d = realloc(b->d, b->cap);
    }
    memcpy(b->d + b->len, p, n);
    b->len += n;
}
static void dmb_be(dmb *b, uint64_t v, int width)
{
    unsigned char t[8];
    for (int i = 0; i < width; i++)
        t[i] = (unsigned char)(v >> (8 * (width - 1 - i)));
    dmb_bytes(b, t, (size_t)width);
}
static void dmb_le(dmb *b, uint64_t v, int width)
{
    unsigned char t[8];
    for (int i = 0; i < width; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    dmb_bytes(b, t, (size_t)width);
}
static void dmb_count(dmb *b, uint64_t v) { dmb_be(b, v, b->dm4 ? 8 : 4); }

/* File header and root group; ntags is the number of root tags that follow. */
static void dmb_begin(dmb *b, int dm4, uint64_t ntags)
{
    memset(b, 0, sizeof *b);
    b->dm4 = dm4;
    dmb_be(b, dm4 ? 4 : 3, 4);
    dmb_count(b, 0); /* root length: not used by readers */
    dmb_be(b, 1, 4); /* little-endian data */
    dmb_bytes(b, "\0\0", 2);
    dmb_count(b, ntags);
}

static void dmb_label(dmb *b, int kind, const char *label)
{
    unsigned char k = (unsigned char)kind;
    dmb_bytes(b, &k, 1);
    dmb_be(b, strlen(label), 2);
    dmb_bytes(b, label, strlen(label));
    if (b->dm4)
        dmb_be(b, 0, 8); /* tag byte length: the reader sizes tags itself */
}

static void dmb_group(dmb *b, const char *label, uint64_t ntags)
{
    dmb_label(b, 20, label);
    dmb_bytes(b, "\0\0", 2);
    dmb_count(b, ntags);
}

/* Encoded types: 2 i16, 3 i32, 4 u16, 5 u32, 6 f32, 7 f64, 8 bool, 9 i8, 10 u8, 11 i64, 12 u64 */
static int dmb_size(int type)
{
    switch (type) {
    case 2: case 4: return 2;
    case 3: case 5: case 6: return 4;
    case 7: case 11: case 12: return 8;
    default: return 1;
    }
}

static void dmb_scalar_raw(dmb *b, int type, double v)
{
    if (type == 6) {
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        dmb_le(b, u, 4);
    } else if (type == 7) {
        uint64_t u;
        memcpy(&u, &v, 8);
        dmb_le(b, u, 8);
    } else {
        dmb_le(b, (uint64_t)(int64_t)v, dmb_size(type));
    }
}

static void dmb_scalar(dmb *b, const char *label, int type, double v)
{
    dmb_label(b, 21, label);
    dmb_bytes(b, "%%%%", 4);
    dmb_count(b, 1);
    dmb_count(b, (uint64_t)type);
    dmb_scalar_raw(b, type, v);
}

/* Array of `count` elements of `type`, raw little-endian bytes given. */
static void dmb_array(dmb *b, const char *label, int type, uint64_t count, const void *bytes,
                      size_t nbytes)
{
    dmb_label(b, 21, label);
    dmb_bytes(b, "%%%%", 4);
    dmb_count(b, 3);
    dmb_count(b, 20);
    dmb_count(b, (uint64_t)type);
    dmb_count(b, count);
    dmb_bytes(b, bytes, nbytes);
}

static void dmb_text(dmb *b, const char *label, const char *ascii)
{
    size_t n = strlen(ascii);
    unsigned char u[128];
    for (size_t i = 0; i < n && i < 64; i++) {
        u[2 * i] = (unsigned char)ascii[i];
        u[2 * i + 1] = 0;
    }
    dmb_array(b, label, 4, n, u, 2 * n);
}

/* One ImageList entry: ImageData{Calibrations{Dimension{0,1}}, Data, DataType,
 * Dimensions{w,h}} and ImageTags{Microscope Info{Voltage}}. `data` holds w*h samples
 * of DM image type `dtype` as stored (little-endian); `elem` is the encoded element
 * type of the Data array and `count` its element count. */
static void dmb_image(dmb *b, size_t w, size_t h, int dtype, int elem, uint64_t count,
                      const void *data, size_t nbytes, double scale_x, const char *unit_x,
                      double scale_y, const char *unit_y, double voltage)
{
    dmb_group(b, "", 2);
    dmb_group(b, "ImageData", 4);
    dmb_group(b, "Calibrations", 1);
    dmb_group(b, "Dimension", 2);
    dmb_group(b, "", 3);
    dmb_scalar(b, "Origin", 6, 0);
    dmb_scalar(b, "Scale", 6, scale_x);
    dmb_text(b, "Units", unit_x);
    dmb_group(b, "", 3);
    dmb_scalar(b, "Origin", 6, 0);
    dmb_scalar(b, "Scale", 6, scale_y);
    dmb_text(b, "Units", unit_y);
    dmb_array(b, "Data", elem, count, data, nbytes);
    dmb_scalar(b, "DataType", 3, dtype);
    dmb_group(b, "Dimensions", 2);
    dmb_scalar(b, "", 5, (double)w);
    dmb_scalar(b, "", 5, (double)h);
    dmb_group(b, "ImageTags", 1);
    dmb_group(b, "Microscope Info", 2);
    dmb_scalar(b, "Voltage", 7, voltage);
    dmb_scalar(b, "Indicated Magnification", 7, 5e6);
}

/* Root "Thumbnails" group naming ImageList index `index` as a thumbnail. */
static void dmb_thumbnails(dmb *b, uint32_t index)
{
    dmb_group(b, "Thumbnails", 1);
    dmb_group(b, "", 2);
    dmb_array(b, "SourceSize_Pixels", 5, 2, "\x80\0\0\0\x80\0\0\0", 8);
    dmb_scalar(b, "ImageIndex", 5, index);
}

#endif
