/*
 * dm.c — reader for Gatan DigitalMicrograph DM3 and DM4 files, written from the
 * format notes of C. Boothroyd (https://personal.ntu.edu.sg/cbb/info/dmformat/) and a
 * reading of ncempy's fileDM and rosettasciio's digital_micrograph reader.
 *
 * A DM file is a tree of tag groups and data tags. Tag headers are big-endian;
 * counts and sizes are 4 bytes in DM3 and 8 bytes in DM4 (which also stores each tag's
 * byte length after its label); the data values use the byte order named in the file
 * header (1 = little-endian, what every DM since the PC port writes). Images live in
 * ImageList.<k>.ImageData (Data, DataType, Dimensions, Calibrations); the first
 * entry is usually a thumbnail, listed in the root "Thumbnails" group.
 *
 * The tree is parsed once into a flat pre-order node array (labels point into the
 * file, so memory grows with the number of tags, not with label lengths); lookups walk
 * it. Every count and size is checked against the bytes left before use; depth is
 * capped. Nothing is allocated that the file's length does not justify.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image_internal.h"

#define DM_MAX_DEPTH 64  /* real files nest < 15 deep */
#define DM_MAX_INFO 256  /* type descriptors: struct of ≤ 125 fields */
#define DM_MAX_META 256  /* metadata entries kept from ImageTags */

/* Encoded data types of the tag tree (not the image DataType codes). */
enum { DM_SHORT = 2, DM_LONG = 3, DM_USHORT = 4, DM_ULONG = 5, DM_FLOAT = 6, DM_DOUBLE = 7,
       DM_BOOL = 8, DM_CHAR = 9, DM_OCTET = 10, DM_INT64 = 11, DM_UINT64 = 12,
       DM_STRUCT = 15, DM_STRING = 18, DM_ARRAY = 20 };

typedef struct {
    int32_t parent;              /* -1 for children of the root */
    uint32_t index;              /* position within the parent group */
    int32_t end;                 /* groups: one past the last descendant */
    const unsigned char *label;  /* into the file */
    uint16_t label_len;
    uint8_t is_group;
    uint8_t type;                /* data tags: encoded type (simple, string, struct, array) */
    uint8_t elem_type;           /* arrays: element type (simple or struct) */
    uint64_t count;              /* arrays: number of elements; else 1 */
    uint64_t offset, size;       /* data tags: value bytes in the file */
} dm_node;

typedef struct {
    const unsigned char *d;
    size_t len, pos;
    const char *name;
    int dm4, le;
    dm_node *nodes;
    size_t n, cap;
} dm_reader;

static int simple_size(uint64_t t)
{
    switch (t) {
    case DM_BOOL: case DM_CHAR: case DM_OCTET: return 1;
    case DM_SHORT: case DM_USHORT: return 2;
    case DM_LONG: case DM_ULONG: case DM_FLOAT: return 4;
    case DM_DOUBLE: case DM_INT64: case DM_UINT64: return 8;
    default: return 0;
    }
}

static int truncated(dm_reader *r, const char *what)
{
    return dac_error(DAC_ERR_INPUT, "%s: DM file truncated at byte %zu (reading %s)", r->name,
                     r->pos, what);
}

/* A count or size field of the tag tree: 4 bytes (DM3) or 8 (DM4), big-endian. */
static int read_count(dm_reader *r, uint64_t *v, const char *what)
{
    size_t w = r->dm4 ? 8 : 4;
    if (r->len - r->pos < w)
        return truncated(r, what);
    *v = r->dm4 ? image_rd_u64be(r->d + r->pos) : image_rd_u32be(r->d + r->pos);
    r->pos += w;
    return DAC_OK;
}

static int push_node(dm_reader *r, dm_node **node)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        dm_node *p = realloc(r->nodes, cap * sizeof *p);
        if (!p)
            return dac_error(DAC_ERR_NOMEM, "%s: out of memory reading the DM tag tree", r->name);
        r->nodes = p;
        r->cap = cap;
    }
    *node = &r->nodes[r->n++];
    memset(*node, 0, sizeof **node);
    return DAC_OK;
}

/* Decodes the type descriptor of a data tag into node->type/elem_type/count/size. */
static int parse_info(dm_reader *r, const uint64_t *info, uint64_t ninfo, dm_node *node)
{
    uint64_t remain = r->len - r->pos;
    node->type = (uint8_t)info[0];
    node->count = 1;
    int s = simple_size(info[0]);
    if (s && ninfo == 1) {
        node->size = (uint64_t)s;
    } else if (info[0] == DM_STRING && ninfo == 2) {
        node->size = info[1];
    } else if (info[0] == DM_STRUCT && ninfo >= 3 && info[2] <= (DM_MAX_INFO - 3) / 2 &&
               ninfo == 3 + 2 * info[2]) {
        /* info[2] is bounded first: 3 + 2 * info[2] wraps in 64 bits (2^63 + 1 → 5) and
         * the loop below would then index past info[]. */
        for (uint64_t f = 0; f < info[2]; f++) {
            int fs = simple_size(info[4 + 2 * f]);
            if (!fs)
                goto bad;
            node->size += (uint64_t)fs;
        }
    } else if (info[0] == DM_ARRAY && ninfo >= 3) {
        uint64_t elem = 0;
        node->elem_type = (uint8_t)info[1];
        if (simple_size(info[1]) && ninfo == 3) {
            elem = (uint64_t)simple_size(info[1]);
            node->count = info[2];
        } else if (info[1] == DM_STRUCT && ninfo >= 4 && info[3] <= (DM_MAX_INFO - 5) / 2 &&
                   ninfo == 5 + 2 * info[3]) {
            for (uint64_t f = 0; f < info[3]; f++) {
                int fs = simple_size(info[5 + 2 * f]);
                if (!fs)
                    goto bad;
                elem += (uint64_t)fs;
            }
            node->count = info[4 + 2 * info[3]];
        } else {
            goto bad;
        }
        if (elem == 0 || node->count > remain / elem)
            return dac_error(DAC_ERR_INPUT,
                             "%s: DM array at byte %zu claims %llu elements of %llu bytes, more "
                             "than the %llu bytes left in the file",
                             r->name, r->pos, (unsigned long long)node->count,
                             (unsigned long long)elem, (unsigned long long)remain);
        node->size = elem * node->count;
    } else {
        goto bad;
    }
    if (node->size > remain)
        return dac_error(DAC_ERR_INPUT,
                         "%s: DM tag at byte %zu holds %llu bytes, more than the %llu left",
                         r->name, r->pos, (unsigned long long)node->size,
                         (unsigned long long)remain);
    return DAC_OK;
bad:
    return dac_error(DAC_ERR_INPUT, "%s: unknown DM data type %llu (descriptor of %llu entries) "
                     "in tag at byte %zu", r->name, (unsigned long long)info[0],
                     (unsigned long long)ninfo, r->pos);
}

static int parse_data(dm_reader *r, dm_node *node)
{
    uint64_t ninfo, info[DM_MAX_INFO];
    if (r->len - r->pos < 4)
        return truncated(r, "a data tag");
    if (memcmp(r->d + r->pos, "%%%%", 4) != 0)
        return dac_error(DAC_ERR_INPUT, "%s: DM data tag at byte %zu lacks its '%%%%%%%%' marker",
                         r->name, r->pos);
    r->pos += 4;
    int st = read_count(r, &ninfo, "a type descriptor");
    if (st)
        return st;
    if (ninfo == 0 || ninfo > DM_MAX_INFO)
        return dac_error(DAC_ERR_INPUT, "%s: DM type descriptor of %llu entries at byte %zu "
                         "(expected 1 to %d)", r->name, (unsigned long long)ninfo, r->pos,
                         DM_MAX_INFO);
    for (uint64_t i = 0; i < ninfo; i++)
        if ((st = read_count(r, &info[i], "a type descriptor")))
            return st;
    if ((st = parse_info(r, info, ninfo, node)))
        return st;
    node->offset = r->pos;
    r->pos += (size_t)node->size;
    return DAC_OK;
}

static int parse_group(dm_reader *r, int32_t parent, int depth);

static int parse_tag(dm_reader *r, int32_t parent, uint32_t index, int depth)
{
    if (r->len - r->pos < 3)
        return truncated(r, "a tag header");
    unsigned kind = r->d[r->pos];
    uint16_t label_len = image_rd_u16be(r->d + r->pos + 1);
    r->pos += 3;
    if (r->len - r->pos < label_len)
        return truncated(r, "a tag label");
    const unsigned char *label = r->d + r->pos;
    r->pos += label_len;
    if (r->dm4) {
        uint64_t total; /* the tag's byte length; we size tags from their descriptors */
        int st = read_count(r, &total, "a tag length");
        if (st)
            return st;
    }
    if (kind != 20 && kind != 21)
        return dac_error(DAC_ERR_INPUT, "%s: unknown DM tag kind %u at byte %zu (expected 20 "
                         "for a group or 21 for data)", r->name, kind, r->pos);
    dm_node *node = NULL;
    int st = push_node(r, &node);
    if (st)
        return st;
    int32_t self = (int32_t)(r->n - 1);
    node->parent = parent;
    node->index = index;
    node->label = label;
    node->label_len = label_len;
    node->is_group = kind == 20;
    if (kind == 21)
        return parse_data(r, node);
    st = parse_group(r, self, depth + 1);
    r->nodes[self].end = (int32_t)r->n; /* nodes may have moved: index again */
    return st;
}

static int parse_group(dm_reader *r, int32_t parent, int depth)
{
    if (depth > DM_MAX_DEPTH)
        return dac_error(DAC_ERR_INPUT, "%s: DM tag groups nested deeper than %d at byte %zu",
                         r->name, DM_MAX_DEPTH, r->pos);
    if (r->len - r->pos < 2)
        return truncated(r, "a group header");
    r->pos += 2; /* sorted, open flags */
    uint64_t ntags;
    int st = read_count(r, &ntags, "a group's tag count");
    if (st)
        return st;
    /* Each tag needs at least 3 header bytes: a cheap bound on lying counts. */
    if (ntags > (r->len - r->pos) / 3)
        return dac_error(DAC_ERR_INPUT, "%s: DM group at byte %zu claims %llu tags, more than "
                         "the file can hold", r->name, r->pos, (unsigned long long)ntags);
    if (r->n + ntags > INT32_MAX)
        return dac_error(DAC_ERR_INPUT, "%s: too many DM tags", r->name);
    for (uint64_t i = 0; i < ntags; i++)
        if ((st = parse_tag(r, parent, (uint32_t)i, depth)))
            return st;
    return DAC_OK;
}

/* ------------------------------------------------------------------ lookups ------- */

static int label_is(const dm_node *n, const char *name)
{
    size_t len = strlen(name);
    if (n->label_len == 0) {
        char idx[16];
        snprintf(idx, sizeof idx, "%u", n->index);
        return strcmp(idx, name) == 0;
    }
    return n->label_len == len && memcmp(n->label, name, len) == 0;
}

/* Child of `parent` (-1: root) named `name`; an unnamed tag matches its index. */
static int32_t child(const dm_reader *r, int32_t parent, const char *name)
{
    size_t begin = parent < 0 ? 0 : (size_t)parent + 1;
    size_t end = parent < 0 ? r->n : (size_t)r->nodes[parent].end;
    for (size_t i = begin; i < end; i++)
        if (r->nodes[i].parent == parent && label_is(&r->nodes[i], name))
            return (int32_t)i;
    return -1;
}

/* Follows a dotted path of labels (labels here never contain dots). */
static int32_t find(const dm_reader *r, int32_t from, const char *path)
{
    char part[64];
    while (from >= -1 && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof part)
            return -1;
        memcpy(part, path, n);
        part[n] = '\0';
        from = child(r, from, part);
        if (from < 0)
            return -1;
        path += n + (path[n] == '.');
    }
    return from;
}

static double value_at(const dm_reader *r, uint8_t type, const unsigned char *p)
{
    /* Read only the value's own width: it may end the file. */
    int w = simple_size(type);
    uint16_t u16 = w == 2 ? (r->le ? image_rd_u16le(p) : image_rd_u16be(p)) : 0;
    uint32_t u32 = w == 4 ? (r->le ? image_rd_u32le(p) : image_rd_u32be(p)) : 0;
    uint64_t u64 = w == 8 ? (r->le ? image_rd_u64le(p) : image_rd_u64be(p)) : 0;
    float f;
    double d;
    switch (type) {
    case DM_SHORT: return (int16_t)u16;
    case DM_USHORT: return u16;
    case DM_LONG: return (int32_t)u32;
    case DM_ULONG: return u32;
    case DM_FLOAT: memcpy(&f, &u32, 4); return f;
    case DM_DOUBLE: memcpy(&d, &u64, 8); return d;
    case DM_BOOL: case DM_OCTET: return p[0];
    case DM_CHAR: return (int8_t)p[0];
    case DM_INT64: return (double)(int64_t)u64;
    case DM_UINT64: return (double)u64;
    default: return NAN;
    }
}

/* A scalar data tag as a number; 0 when the tag is absent or not a simple scalar. */
static int scalar(const dm_reader *r, int32_t node, double *v)
{
    if (node < 0 || r->nodes[node].is_group || !simple_size(r->nodes[node].type))
        return 0;
    *v = value_at(r, r->nodes[node].type, r->d + r->nodes[node].offset);
    return 1;
}

/* A text tag (array of UTF-16 units, of bytes, or a string) as UTF-8; 0 if not text. */
static int text(const dm_reader *r, int32_t node, char *buf, size_t size)
{
    if (node < 0 || size == 0)
        return 0;
    const dm_node *n = &r->nodes[node];
    const unsigned char *p = r->d + n->offset;
    size_t o = 0;
    if (n->is_group)
        return 0;
    if (n->type == DM_ARRAY && n->elem_type == DM_USHORT) {
        for (uint64_t i = 0; i < n->count; i++) {
            unsigned c = r->le ? image_rd_u16le(p + 2 * i) : image_rd_u16be(p + 2 * i);
            if (c == 0)
                break;
            if (c < 0x80 && o + 1 < size) {
                buf[o++] = (char)(c < 32 ? ' ' : c);
            } else if (c < 0x800 && o + 2 < size) {
                buf[o++] = (char)(0xc0 | c >> 6);
                buf[o++] = (char)(0x80 | (c & 0x3f));
            } else if (c >= 0x800 && (c < 0xd800 || c > 0xdfff) && o + 3 < size) {
                buf[o++] = (char)(0xe0 | c >> 12);
                buf[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
                buf[o++] = (char)(0x80 | (c & 0x3f));
            }
        }
    } else if ((n->type == DM_ARRAY && (n->elem_type == DM_CHAR || n->elem_type == DM_OCTET)) ||
               n->type == DM_STRING) {
        /* 8-bit text in DM files is Latin-1 (µ as 0xB5): widen to UTF-8. */
        for (uint64_t i = 0; i < n->size && o + 2 < size && p[i]; i++) {
            if (p[i] >= 0x80) {
                buf[o++] = (char)(0xc0 | p[i] >> 6);
                buf[o++] = (char)(0x80 | (p[i] & 0x3f));
            } else {
                buf[o++] = (char)(p[i] < 32 ? ' ' : p[i]);
            }
        }
    } else {
        return 0;
    }
    buf[o] = '\0';
    return 1;
}

/* --------------------------------------------------------------- image choice ----- */

typedef struct {
    int32_t entry; /* ImageList.<k> group */
    int32_t data;  /* ImageData.Data tag */
    size_t dims[3];
    int ndims;
    int dtype;
} dm_candidate;

/* Marks which ImageList entries the root "Thumbnails" group names: thumb[k] = 1 for
 * entry k < n. One pass over that group, so choosing among many entries stays linear
 * (a lookup per entry made a crafted 30 000-entry file take seconds). */
static void mark_thumbnails(const dm_reader *r, unsigned char *thumb, size_t n)
{
    int32_t th = find(r, -1, "Thumbnails");
    if (th < 0)
        return;
    for (size_t i = (size_t)th + 1; i < (size_t)r->nodes[th].end; i++) {
        double v;
        if (r->nodes[i].parent >= 0 && r->nodes[r->nodes[i].parent].parent == th &&
            label_is(&r->nodes[i], "ImageIndex") && scalar(r, (int32_t)i, &v) && v >= 0 &&
            v < (double)n && v == floor(v))
            thumb[(size_t)v] = 1;
    }
}

static int describe(const dm_reader *r, int32_t entry, dm_candidate *c)
{
    double v;
    c->entry = entry;
    c->data = find(r, entry, "ImageData.Data");
    if (c->data < 0 || r->nodes[c->data].type != DM_ARRAY)
        return 0;
    if (!scalar(r, find(r, entry, "ImageData.DataType"), &v))
        return 0;
    c->dtype = (int)v;
    c->ndims = 0;
    int32_t dims = find(r, entry, "ImageData.Dimensions");
    for (int i = 0; i < 3 && dims >= 0; i++) {
        char idx[4];
        snprintf(idx, sizeof idx, "%d", i);
        if (!scalar(r, child(r, dims, idx), &v))
            break;
        if (!(v >= 0 && v < 1e15))
            v = 0; /* nonsense: rejected later as empty; big sizes are refused by
                    * image_alloc_checked with their value in the message */
        c->dims[c->ndims++] = (size_t)v;
    }
    return c->ndims > 0;
}

/* The main image: the largest ImageList entry not listed as a thumbnail, the last on
 * ties; if every entry is a thumbnail, the largest of all. Returns 1 when one was
 * found, 0 when none, -1 when out of memory. */
static int choose_image(const dm_reader *r, dm_candidate *best)
{
    int32_t list = find(r, -1, "ImageList");
    int found = 0, found_thumb = 0;
    dm_candidate thumb = {0};
    if (list < 0)
        return 0;
    size_t entries = 0; /* entry indices are positions in the group: all below this */
    for (size_t i = (size_t)list + 1; i < (size_t)r->nodes[list].end; i++)
        entries += r->nodes[i].parent == list;
    unsigned char *is_thumb = calloc(entries ? entries : 1, 1);
    if (!is_thumb)
        return -1;
    mark_thumbnails(r, is_thumb, entries);
    for (size_t i = (size_t)list + 1; i < (size_t)r->nodes[list].end; i++) {
        dm_candidate c = {0};
        if (r->nodes[i].parent != list || !r->nodes[i].is_group || !describe(r, (int32_t)i, &c))
            continue;
        double px = (double)c.dims[0] * (double)(c.ndims > 1 ? c.dims[1] : 1);
        int th = r->nodes[i].index < entries && is_thumb[r->nodes[i].index];
        dm_candidate *slot = th ? &thumb : best;
        int *have = th ? &found_thumb : &found;
        if (!*have || px >= (double)slot->dims[0] * (double)(slot->ndims > 1 ? slot->dims[1] : 1)) {
            *slot = c;
            *have = 1;
        }
    }
    free(is_thumb);
    if (!found && found_thumb)
        *best = thumb;
    return found || found_thumb;
}

/* ImageData.DataType → bytes per pixel and our sample type (DM's own numbering). */
static int image_type(int dtype, dac_sample_type *t)
{
    switch (dtype) {
    case 1: *t = DAC_SAMPLE_I16; return 2;
    case 2: *t = DAC_SAMPLE_F32; return 4;
    case 3: *t = DAC_SAMPLE_COMPLEX64; return 8;
    case 6: *t = DAC_SAMPLE_U8; return 1;
    case 7: *t = DAC_SAMPLE_I32; return 4;
    case 9: *t = DAC_SAMPLE_I8; return 1;
    case 10: *t = DAC_SAMPLE_U16; return 2;
    case 11: *t = DAC_SAMPLE_U32; return 4;
    case 12: *t = DAC_SAMPLE_F64; return 8;
    case 13: *t = DAC_SAMPLE_COMPLEX128; return 16;
    case 14: *t = DAC_SAMPLE_BOOL; return 1;
    default: return 0;
    }
}

static void convert_pixels(const dm_reader *r, dac_image *img, const unsigned char *p, int dtype)
{
    size_t n = img->width * img->height;
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (dtype) {
        case 1: v = value_at(r, DM_SHORT, p + 2 * i); break;
        case 2: v = value_at(r, DM_FLOAT, p + 4 * i); break;
        case 3: v = hypot(value_at(r, DM_FLOAT, p + 8 * i), value_at(r, DM_FLOAT, p + 8 * i + 4)); break;
        case 6: v = p[i]; break;
        case 7: v = value_at(r, DM_LONG, p + 4 * i); break;
        case 9: v = (int8_t)p[i]; break;
        case 10: v = value_at(r, DM_USHORT, p + 2 * i); break;
        case 11: v = value_at(r, DM_ULONG, p + 4 * i); break;
        case 12: v = value_at(r, DM_DOUBLE, p + 8 * i); break;
        case 13: v = hypot(value_at(r, DM_DOUBLE, p + 16 * i), value_at(r, DM_DOUBLE, p + 16 * i + 8)); break;
        default: v = p[i] != 0; break;
        }
        img->pixels[i] = (float)v;
    }
}

/* Calibrations.Dimension.<axis>: Scale (units per pixel) and Units, per axis. */
static void calibrate(const dm_reader *r, const dm_candidate *c, dac_image *img)
{
    char units[2][32] = {"", ""};
    for (int axis = 0; axis < 2 && axis < c->ndims; axis++) {
        char path[64];
        double scale, to_A;
        snprintf(path, sizeof path, "ImageData.Calibrations.Dimension.%d", axis);
        int32_t dim = find(r, c->entry, path);
        if (dim < 0)
            continue;
        text(r, child(r, dim, "Units"), units[axis], sizeof units[axis]);
        if (scalar(r, child(r, dim, "Scale"), &scale) && isfinite(scale) && scale > 0 &&
            dac_image_unit_to_A(units[axis], &to_A) == DAC_OK)
            img->pixel_size_A[axis] = scale * to_A;
    }
    if (c->ndims < 2) /* a line: give the row the column's size */
        img->pixel_size_A[1] = img->pixel_size_A[0];
    char lx[16], ly[16];
    image_unit_label(lx, sizeof lx, units[0]);
    image_unit_label(ly, sizeof ly, units[1]);
    if (c->ndims < 2 || strcmp(lx, ly) == 0)
        snprintf(img->unit_original, sizeof img->unit_original, "%s", lx);
    else
        snprintf(img->unit_original, sizeof img->unit_original, "%.7s/%.7s", lx, ly);
    if (!img->unit_original[0])
        snprintf(img->unit_original, sizeof img->unit_original, "pixel");
}

/* Simple metadata from ImageList.<k>.ImageTags, keyed by the dotted path below it,
 * plus normalised keys for the fields counting and simulation care about. */
static int collect_meta(const dm_reader *r, const dm_candidate *c, dac_image *img)
{
    int32_t tags = find(r, c->entry, "ImageTags");
    size_t kept = 0;
    for (size_t i = tags < 0 ? 0 : (size_t)tags + 1; tags >= 0 && i < (size_t)r->nodes[tags].end &&
                                                     kept < DM_MAX_META; i++) {
        const dm_node *n = &r->nodes[i];
        char value[256], key[256], num[40];
        double v;
        if (n->is_group)
            continue;
        if (scalar(r, (int32_t)i, &v)) {
            snprintf(num, sizeof num, "%.10g", v);
            snprintf(value, sizeof value, "%s", num);
        } else if (!(n->count <= 256 && text(r, (int32_t)i, value, sizeof value))) {
            continue;
        }
        /* Build the key from the leaf up to (not including) ImageTags. */
        size_t o = sizeof key - 1;
        key[o] = '\0';
        int ok = 1;
        for (int32_t a = (int32_t)i; a != tags && ok; a = r->nodes[a].parent) {
            char part[64];
            const dm_node *an = &r->nodes[a];
            int len = 0;
            if (!an->label_len)
                len = snprintf(part, sizeof part, "%u", an->index);
            for (size_t k = 0; k < an->label_len && len >= 0; k++) {
                unsigned char ch = an->label[k]; /* Latin-1 → UTF-8 */
                if ((size_t)len + 3 > sizeof part) {
                    len = -1;
                } else if (ch >= 0x80) {
                    part[len++] = (char)(0xc0 | ch >> 6);
                    part[len++] = (char)(0x80 | (ch & 0x3f));
                } else {
                    part[len++] = (char)(ch < 32 ? '?' : ch);
                }
            }
            if (len < 0 || (size_t)len >= sizeof part || (size_t)len + 1 > o) {
                ok = 0;
                break;
            }
            if (o < sizeof key - 1)
                key[--o] = '.';
            o -= (size_t)len;
            memcpy(key + o, part, (size_t)len);
        }
        if (!ok)
            continue;
        int st = dac_image_meta_set(img, key + o, value);
        if (st)
            return st;
        kept++;
    }
    static const struct {
        const char *dm, *key;
    } known[] = {
        {"Microscope Info.Voltage", "voltage_V"},                 /* DM stores volts */
        {"Microscope Info.Indicated Magnification", "magnification"},
        {"DigiScan.Sample Time", "dwell_time_us"},                /* DigiScan: µs per pixel */
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        const char *v = dac_image_meta_get(img, known[k].dm);
        int st = v ? dac_image_meta_set(img, known[k].key, v) : 0;
        if (st)
            return st;
    }
    return DAC_OK;
}

static int build_image(dm_reader *r, dac_image **out)
{
    dm_candidate c = {0};
    int chosen = choose_image(r, &c);
    if (chosen < 0)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory choosing the DM image", r->name);
    if (!chosen)
        return dac_error(DAC_ERR_INPUT, "%s: DM file has no image (no ImageList entry with "
                         "ImageData.Data, DataType and Dimensions)", r->name);
    dac_sample_type type;
    int bpp = image_type(c.dtype, &type);
    if (!bpp)
        return dac_error(DAC_ERR_INPUT, "%s: DM image data type %d is not supported", r->name,
                         c.dtype);
    size_t w = c.dims[0], h = c.ndims > 1 ? c.dims[1] : 1;
    dac_image *img;
    int st = image_alloc_checked(r->name, w, h, (size_t)bpp, r->nodes[c.data].size, &img);
    if (st)
        return st;
    if (c.ndims > 2 && c.dims[2] > 1)
        dac_warn("%s: DM image is a stack of %zu planes; only the first is read", r->name, c.dims[2]);
    convert_pixels(r, img, r->d + r->nodes[c.data].offset, c.dtype);
    img->sample_type = type;
    image_update_range(img);
    calibrate(r, &c, img);
    char name[256];
    if (text(r, child(r, c.entry, "Name"), name, sizeof name) && name[0])
        st = dac_image_meta_set(img, "name", name);
    if (!st)
        st = collect_meta(r, &c, img);
    if (st) {
        dac_image_free(img);
        return st;
    }
    *out = img;
    return DAC_OK;
}

int image_read_dm_buffer(const unsigned char *data, size_t len, const char *name,
                             dac_image **out)
{
    *out = NULL;
    dm_reader r = {data, len, 0, name, 0, 1, NULL, 0, 0};
    if (len < 4)
        return dac_error(DAC_ERR_INPUT, "%s: DM file truncated (%zu bytes)", name, len);
    uint32_t version = image_rd_u32be(data);
    if (version != 3 && version != 4)
        return dac_error(DAC_ERR_INPUT, "%s: not a DM3/DM4 file (version field %u, expected 3 or 4)",
                         name, version);
    r.dm4 = version == 4;
    r.pos = 4;
    uint64_t root_len;
    int st = read_count(&r, &root_len, "the file header");
    if (st)
        return st;
    if (len - r.pos < 4)
        return truncated(&r, "the file header");
    uint32_t order = image_rd_u32be(data + r.pos);
    if (order > 1)
        return dac_error(DAC_ERR_INPUT, "%s: DM byte-order field is %u (expected 0 or 1)", name, order);
    r.le = order == 1;
    r.pos += 4;
    st = parse_group(&r, -1, 0);
    if (!st)
        st = build_image(&r, out);
    free(r.nodes);
    return st;
}
