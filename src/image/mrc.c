/*
 * mrc.c — reader for MRC2014 files (Cheng et al., J. Struct. Biol. 192 (2015) 146;
 * https://www.ccpem.ac.uk/mrc_format/mrc2014.php), the format of cryo-EM and of some
 * STEM software (Velox exports). A 1024-byte header, an optional extended header of
 * NSYMBT bytes, then the sections. We read modes 0 (int8), 1 (int16), 2 (float32),
 * 6 (uint16) and 12 (float16); of a stack we take the first section and warn.
 * Rows are kept in file order (row 0 first), as mrcfile and hyperspy do.
 */
#include <stdio.h>
#include <string.h>

#include "image/image_internal.h"

#define MRC_HEADER 1024

typedef struct {
    const unsigned char *h;
    int big; /* MACHST says big-endian */
} mrc_header;

static uint32_t hdr_u32(const mrc_header *m, size_t off)
{
    return m->big ? image_rd_u32be(m->h + off) : image_rd_u32le(m->h + off);
}
static int32_t hdr_i32(const mrc_header *m, size_t off) { return (int32_t)hdr_u32(m, off); }
static float hdr_f32(const mrc_header *m, size_t off)
{
    uint32_t u = hdr_u32(m, off);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static int mode_bytes(int32_t mode, dac_sample_type *type)
{
    switch (mode) {
    case 0: *type = DAC_SAMPLE_I8; return 1;
    case 1: *type = DAC_SAMPLE_I16; return 2;
    case 2: *type = DAC_SAMPLE_F32; return 4;
    case 6: *type = DAC_SAMPLE_U16; return 2;
    case 12: *type = DAC_SAMPLE_F32; return 2; /* float16, widened */
    default: return 0;
    }
}

static void convert_section(dac_image *img, const unsigned char *p, int32_t mode, int big)
{
    size_t n = img->width * img->height;
    float *out = img->pixels;
    for (size_t i = 0; i < n; i++) {
        switch (mode) {
        case 0: out[i] = (float)(int8_t)p[i]; break;
        case 1: out[i] = (float)(int16_t)(big ? image_rd_u16be(p + 2 * i) : image_rd_u16le(p + 2 * i)); break;
        case 6: out[i] = (float)(big ? image_rd_u16be(p + 2 * i) : image_rd_u16le(p + 2 * i)); break;
        case 12: out[i] = image_half_to_float(big ? image_rd_u16be(p + 2 * i) : image_rd_u16le(p + 2 * i)); break;
        default: {
            uint32_t u = big ? image_rd_u32be(p + 4 * i) : image_rd_u32le(p + 4 * i);
            memcpy(&out[i], &u, sizeof u);
        }
        }
    }
}

/* The labels are 80-character text records; keep the non-empty ones as metadata. */
static int add_labels(dac_image *img, const mrc_header *m)
{
    int32_t nlabl = hdr_i32(m, 220);
    if (nlabl < 0 || nlabl > 10)
        nlabl = 10;
    for (int i = 0; i < nlabl; i++) {
        char text[81], key[32];
        memcpy(text, m->h + 224 + 80 * i, 80);
        text[80] = '\0';
        for (int k = 0; k < 80; k++)
            if ((unsigned char)text[k] < 32 && text[k] != '\0')
                text[k] = ' ';
        size_t len = strlen(text);
        while (len > 0 && text[len - 1] == ' ')
            text[--len] = '\0';
        if (!len)
            continue;
        snprintf(key, sizeof key, "mrc.label.%d", i);
        int st = dac_image_meta_set(img, key, text);
        if (st)
            return st;
    }
    return DAC_OK;
}

/* Thermo Fisher (FEI1/FEI2) extended header, metadata block of the first section:
 * HT in volts is the double at byte 84, the pixel size in metres at 156/164 ("MRC2014
 * extended header FEI", Thermo Fisher Scientific, 2019). Only HT is taken: the cell
 * already gives the pixel size. */
static int fei_metadata(dac_image *img, const unsigned char *ext, size_t len, int big)
{
    if (len < 92 || !(dac_image_meta_get(img, "mrc.exttyp") &&
                      !strncmp(dac_image_meta_get(img, "mrc.exttyp"), "FEI", 3)))
        return DAC_OK;
    uint64_t u = big ? image_rd_u64be(ext + 84) : image_rd_u64le(ext + 84);
    double ht;
    memcpy(&ht, &u, sizeof ht);
    if (!(ht > 0 && ht < 1e7))
        return DAC_OK;
    char buf[40];
    snprintf(buf, sizeof buf, "%.10g", ht);
    return dac_image_meta_set(img, "voltage_V", buf);
}

int image_read_mrc_buffer(const unsigned char *data, size_t len, const char *name,
                              dac_image **out)
{
    *out = NULL;
    if (len < MRC_HEADER)
        return dac_error(DAC_ERR_INPUT, "%s: MRC file is %zu bytes, shorter than its 1024-byte header",
                         name, len);
    /* MACHST (byte 212): 0x44 0x41/0x44 little-endian, 0x11 0x11 big-endian. */
    mrc_header m = {data, data[212] == 0x11 && data[213] == 0x11};
    int32_t nx = hdr_i32(&m, 0), ny = hdr_i32(&m, 4), nz = hdr_i32(&m, 8), mode = hdr_i32(&m, 12);
    int32_t nsymbt = hdr_i32(&m, 92);
    dac_sample_type type;
    int bytes = mode_bytes(mode, &type);
    if (!bytes)
        return dac_error(DAC_ERR_INPUT,
                         "%s: MRC mode %d is not supported (expected 0, 1, 2, 6 or 12)", name, (int)mode);
    if (nx <= 0 || ny <= 0 || nz <= 0)
        return dac_error(DAC_ERR_INPUT, "%s: MRC header gives dimensions %d x %d x %d (expected > 0)",
                         name, (int)nx, (int)ny, (int)nz);
    if (nsymbt < 0 || (uint64_t)nsymbt > len - MRC_HEADER)
        return dac_error(DAC_ERR_INPUT,
                         "%s: MRC extended header size NSYMBT = %d is beyond the file's %zu bytes",
                         name, (int)nsymbt, len);
    size_t offset = MRC_HEADER + (size_t)nsymbt;
    dac_image *img;
    int st = image_alloc_checked(name, (size_t)nx, (size_t)ny, (size_t)bytes, len - offset, &img);
    if (st)
        return st;
    convert_section(img, data + offset, mode, m.big);
    if (nz > 1)
        dac_warn("%s: MRC file holds %d sections; only the first is read", name, (int)nz);
    int32_t mapc = hdr_i32(&m, 64), mapr = hdr_i32(&m, 68);
    if (!(mapc == 1 && mapr == 2) && !(mapc == 0 && mapr == 0))
        dac_warn("%s: MRC axis order MAPC=%d MAPR=%d is not 1,2; columns are taken as x",
                 name, (int)mapc, (int)mapr);

    img->sample_type = mode == 12 ? DAC_SAMPLE_F32 : type;
    /* Pixel size = cell length / sampling (CELLA / MX), in Å by definition of the format. */
    int32_t mx = hdr_i32(&m, 28), my = hdr_i32(&m, 32);
    float ax = hdr_f32(&m, 40), ay = hdr_f32(&m, 44);
    if (mx > 0 && my > 0 && ax > 0 && ay > 0)
        image_set_pixel_size(img, (double)ax / mx, (double)ay / my, "\xc3\x85");
    else
        snprintf(img->unit_original, sizeof img->unit_original, "pixel");
    image_update_range(img);

    char buf[64];
    snprintf(buf, sizeof buf, "%d", (int)mode);
    st = dac_image_meta_set(img, "mrc.mode", buf);
    if (!st && mode == 12)
        st = dac_image_meta_set(img, "mrc.sample", "float16");
    snprintf(buf, sizeof buf, "%d", (int)nz);
    if (!st)
        st = dac_image_meta_set(img, "mrc.nz", buf);
    if (!st && nsymbt > 0) {
        char ext[5];
        memcpy(ext, data + 104, 4);
        ext[4] = '\0';
        for (int i = 0; i < 4; i++)
            if ((unsigned char)ext[i] < 32 || (unsigned char)ext[i] > 126)
                ext[i] = '?';
        st = dac_image_meta_set(img, "mrc.exttyp", ext);
        snprintf(buf, sizeof buf, "%d", (int)nsymbt);
        if (!st)
            st = dac_image_meta_set(img, "mrc.nsymbt", buf);
    }
    if (!st)
        st = fei_metadata(img, data + MRC_HEADER, (size_t)nsymbt, m.big);
    if (!st)
        st = add_labels(img, &m);
    if (st) {
        dac_image_free(img);
        return st;
    }
    *out = img;
    return DAC_OK;
}
