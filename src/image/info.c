/*
 * info.c — the summary of one image that `dac image info` prints, as text or as JSON
 * (include/dac/image.h). Here rather than in the CLI so that a script or another C
 * program gets the same fields under the same keys.
 */
#include <math.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "core/json.h"
#include "dac/core.h"
#include "dac/image.h"

static double image_mean(const dac_image *img)
{
    double sum = 0;
    size_t n = img->width * img->height;
    for (size_t i = 0; i < n; i++)
        sum += img->pixels[i];
    return n ? sum / (double)n : 0.0;
}

static int pixel_known(const dac_image *img, int axis)
{
    return img->pixel_size_A[axis] > 0 && isfinite(img->pixel_size_A[axis]);
}

int dac_image_info_write_json(FILE *f, const char *name, const dac_image *img)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return dac_error(DAC_ERR_NOMEM, "%s: out of memory", name);
    cJSON_AddItemToObject(o, "file", dac_json_create_string(name));
    cJSON_AddNumberToObject(o, "width", (double)img->width);
    cJSON_AddNumberToObject(o, "height", (double)img->height);
    cJSON_AddStringToObject(o, "sample_type", dac_sample_type_name(img->sample_type));
    /* An unknown pixel size (0 in the library) is null, so no script mistakes it for
     * a length. */
    static const char *axis_key[2] = {"pixel_size_x_A", "pixel_size_y_A"};
    for (int a = 0; a < 2; a++) {
        if (pixel_known(img, a))
            cJSON_AddNumberToObject(o, axis_key[a], img->pixel_size_A[a]);
        else
            cJSON_AddNullToObject(o, axis_key[a]);
    }
    cJSON_AddItemToObject(o, "unit_original", dac_json_create_string(img->unit_original));
    cJSON_AddNumberToObject(o, "min", img->original_min);
    cJSON_AddNumberToObject(o, "max", img->original_max);
    cJSON_AddNumberToObject(o, "mean", image_mean(img));
    cJSON *meta = cJSON_AddObjectToObject(o, "metadata");
    for (size_t i = 0; i < img->n_meta; i++) /* file metadata need not be UTF-8 */
        cJSON_AddItemToObject(meta, img->meta[i].key, dac_json_create_string(img->meta[i].value));
    int st = dac_json_write(f, o, name);
    cJSON_Delete(o);
    return st;
}

int dac_image_info_write_text(FILE *f, const char *name, const dac_image *img)
{
    fprintf(f, "file:          %s\n", name);
    fprintf(f, "size:          %zu x %zu (width x height)\n", img->width, img->height);
    fprintf(f, "sample type:   %s\n", dac_sample_type_name(img->sample_type));
    if (!pixel_known(img, 0) && !pixel_known(img, 1)) {
        fprintf(f, "pixel size:    unknown\n");
    } else {
        fprintf(f, "pixel size:    ");
        for (int a = 0; a < 2; a++) {
            if (pixel_known(img, a))
                fprintf(f, "%.6g Å", img->pixel_size_A[a]);
            else
                fprintf(f, "unknown");
            fprintf(f, a ? " (y)\n" : " (x) x ");
        }
    }
    fprintf(f, "unit in file:  %s\n", img->unit_original[0] ? img->unit_original : "-");
    fprintf(f, "min/max/mean:  %.9g / %.9g / %.9g\n", img->original_min, img->original_max,
            image_mean(img));
    if (img->n_meta)
        fprintf(f, "metadata:\n");
    for (size_t i = 0; i < img->n_meta; i++) {
        fprintf(f, "  %s = ", img->meta[i].key);
        for (const char *c = img->meta[i].value; *c; c++) /* one line per entry */
            fputs(*c == '\n' ? "\\n" : (char[]){*c, 0}, f);
        fputc('\n', f);
    }
    return ferror(f) ? dac_error(DAC_ERR_RUNTIME, "%s: writing the summary failed", name) : DAC_OK;
}
