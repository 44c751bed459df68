/*
 * test_conformance.c — every reader against files other programs wrote:
 * $DAC_SHARED_DATA/formats/ (DigitalMicrograph test files of rosettasciio and openNCEM,
 * a Velox MRC, a DigitalMicrograph TIFF) and the six ptnc-dev TIFFs. Every file there
 * must read; the files the data README describes are checked for shape, values, sample
 * type, pixel size and units. Skips (exit 77) when the folder is absent.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dac/core.h"
#include "dac/image.h"

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s: ", path);                                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static int rel_close(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

/* test-<T>.dm3/.dm4: 2×2 [[1,2],[3,4]] of DigitalMicrograph data type T. */
static void check_dm_test(const char *path, const dac_image *img, int T)
{
    static const struct {
        int T;
        dac_sample_type type;
    } types[] = {{1, DAC_SAMPLE_I16},  {2, DAC_SAMPLE_F32},  {3, DAC_SAMPLE_COMPLEX64},
                 {6, DAC_SAMPLE_U8},   {7, DAC_SAMPLE_I32},  {9, DAC_SAMPLE_I8},
                 {10, DAC_SAMPLE_U16}, {11, DAC_SAMPLE_U32}, {12, DAC_SAMPLE_F64},
                 {14, DAC_SAMPLE_BOOL}};
    CHECK(img->width == 2 && img->height == 2, "size %zux%zu, expected 2x2", img->width, img->height);
    if (img->width != 2 || img->height != 2)
        return;
    for (int i = 0; i < 4; i++) {
        double want = T == 14 ? 1.0 : i + 1; /* bool: every non-zero value is true */
        CHECK(img->pixels[i] == want, "pixel %d = %g, expected %g", i, img->pixels[i], want);
    }
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
        if (types[k].T == T)
            CHECK(img->sample_type == types[k].type, "sample type %s",
                  dac_sample_type_name(img->sample_type));
}

static void check_file(const char *path, const char *base)
{
    dac_image *img = NULL;
    dac_warnings_clear();
    int st = dac_image_read(path, DAC_IMAGE_FORMAT_AUTO, &img);
    CHECK(st == DAC_OK, "read failed: %s", dac_last_error());
    if (st)
        return;
    int T;
    char ext[8];
    if (sscanf(base, "test-%d.%3s", &T, ext) == 2) {
        check_dm_test(path, img, T);
    } else if (!strncmp(base, "dmTest_float32_nonSquare_diffPixelSize", 38)) {
        /* 64 rows × 128 columns; columns 1.0 nm = 10 Å, rows 2.0 Å; value = column. */
        CHECK(img->width == 128 && img->height == 64, "size %zux%zu", img->width, img->height);
        CHECK(rel_close(img->pixel_size_A[0], 10.0, 1e-6), "x pixel %g Å", img->pixel_size_A[0]);
        CHECK(rel_close(img->pixel_size_A[1], 2.0, 1e-6), "y pixel %g Å", img->pixel_size_A[1]);
        CHECK(img->sample_type == DAC_SAMPLE_F32, "type");
        if (img->width == 128 && img->height == 64)
            CHECK(img->pixels[63 * 128 + 127] == 127 && img->pixels[5 * 128 + 9] == 9, "values");
    } else if (!strcmp(base, "test_STEM_image.dm3")) {
        CHECK(img->width == 68 && img->height == 68, "size %zux%zu (thumbnail taken?)", img->width,
              img->height);
        CHECK(img->sample_type == DAC_SAMPLE_U32, "type %s", dac_sample_type_name(img->sample_type));
        CHECK(rel_close(img->pixel_size_A[0], 2.4853802, 1e-6), "pixel %g Å", img->pixel_size_A[0]);
        CHECK(rel_close(img->pixel_size_A[1], 2.4853802, 1e-6), "pixel %g Å", img->pixel_size_A[1]);
        CHECK(!strcmp(img->unit_original, "nm"), "unit '%s'", img->unit_original);
        const char *kv = dac_image_meta_get(img, "voltage_V");
        CHECK(kv && atof(kv) == 200000, "voltage %s", kv ? kv : "(none)");
    } else if (!strcmp(base, "HAADFscan.mrc")) {
        /* 16×16 uint16 after a 909,312-byte extended header; cell 908.66 Å / 16. */
        CHECK(img->width == 16 && img->height == 16, "size %zux%zu", img->width, img->height);
        CHECK(img->sample_type == DAC_SAMPLE_U16, "type");
        CHECK(rel_close(img->pixel_size_A[0], 908.6610 / 16, 1e-5), "pixel %g Å", img->pixel_size_A[0]);
        CHECK(img->original_min > 0 && img->original_max < 65536, "range");
        const char *kv = dac_image_meta_get(img, "voltage_V"); /* FEI extended header HT */
        CHECK(kv && atof(kv) == 300000, "voltage %s", kv ? kv : "(none)");
    } else if (!strcmp(base, "test_loading_image_saved_with_DM.tif")) {
        /* DM's private TIFF tags: 0.16867 µm per pixel (rosettasciio's test reads the same). */
        CHECK(img->width == 68 && img->height == 68, "size %zux%zu", img->width, img->height);
        CHECK(img->sample_type == DAC_SAMPLE_I32, "type %s", dac_sample_type_name(img->sample_type));
        CHECK(rel_close(img->pixel_size_A[0], 1686.7469, 1e-6), "pixel %g Å", img->pixel_size_A[0]);
    } else if (strstr(path, "ptnc-dev")) {
        CHECK(img->width == 512 && img->height == 512, "size %zux%zu", img->width, img->height);
        CHECK(img->sample_type == DAC_SAMPLE_U32, "type %s", dac_sample_type_name(img->sample_type));
        CHECK(rel_close(img->pixel_size_A[0], 0.29297, 1e-4), "pixel %g Å", img->pixel_size_A[0]);
        CHECK(rel_close(img->pixel_size_A[1], 0.29297, 1e-4), "pixel %g Å", img->pixel_size_A[1]);
    }
    dac_image_free(img);
}

static int walk(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[2048];
        struct stat st;
        if (e->d_name[0] == '.' || !strncmp(e->d_name, "LICENSE", 7) || strstr(e->d_name, ".md") ||
            strstr(e->d_name, ".csv"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(e->d_name, "labels") != 0)
                walk(path, count);
        } else {
            check_file(path, e->d_name);
            (*count)++;
        }
    }
    closedir(d);
    return 0;
}

int main(void)
{
    const char *root = getenv("DAC_SHARED_DATA");
    char formats[1024], ptnc[1024];
    snprintf(formats, sizeof formats, "%s/formats", root ? root : "../shared/data");
    snprintf(ptnc, sizeof ptnc, "%s/ptnc-dev/images", root ? root : "../shared/data");
    int count = 0;
    if (walk(formats, &count) != 0) {
        printf("skipped: sample files absent (%s)\n", formats);
        return 77;
    }
    int n_formats = count;
    if (walk(ptnc, &count) != 0)
        printf("note: %s absent, only formats/ checked\n", ptnc);
    printf("%d files read (%d in formats/, %d in ptnc-dev), %d failures\n", count, n_formats,
           count - n_formats, failures);
    return failures || n_formats == 0 ? 1 : 0;
}
