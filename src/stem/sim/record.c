/*
 * record.c — the files of one simulated image, written as a set: IMAGE.tif, its
 * ground truth IMAGE.truth.csv, the record IMAGE.json and optionally IMAGE.png.
 *
 * The record holds every parameter, the frame (which way is up, where pixel 0,0 is),
 * the counts of what was drawn and the provenance (command line, seed, the structure's
 * SHA-256), enough to rerun the image and to score a counter against it. Writers only:
 * every number comes from the simulator, the frame or the truth.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/io.h"
#include "core/json.h"
#include "core/outset.h"
#include "image/image_internal.h"
#include "stem/sim/sim_internal.h"

static void add_counts(cJSON *root, const char *key, const size_t *count)
{
    cJSON *o = cJSON_AddObjectToObject(root, key);
    dac_json_count(o, "single", count[DAC_SITE_SINGLE]);
    dac_json_count(o, "pair", count[DAC_SITE_PAIR]);
    dac_json_count(o, "cluster", count[DAC_SITE_CLUSTER]);
}

static void add_frame(cJSON *root, const dac_stem_options *o, const dac_stem_frame *f,
                      const dac_image *img)
{
    dac_json_count(root, "width_px", img->width);
    dac_json_count(root, "height_px", img->height);
    dac_json_number(root, "pixel_A", o->pixel_A, NULL);
    cJSON_AddStringToObject(root, "pixel_coordinates",
                            "pixel centres at integers, origin at the centre of the top-left "
                            "pixel, x = column (right), y = row (down)");
    dac_json_numbers(root, "view", f->view, 3, NULL);
    dac_json_numbers(root, "image_x_axis", f->e1, 3, NULL);
    dac_json_numbers(root, "image_y_axis", f->e2, 3, NULL);
    double fov[2] = {img->width * o->pixel_A, img->height * o->pixel_A};
    dac_json_numbers(root, "fov_A", fov, 2, NULL);
    dac_json_numbers(root, "origin_A", f->origin_A, 2, NULL);
    dac_json_number(root, "margin_A", o->margin_A, NULL);
}

static void add_physics(cJSON *root, const dac_stem_sim *sim, const dac_stem_options *o)
{
    cJSON *probe = cJSON_AddObjectToObject(root, "probe");
    const dac_stem_probe *pr = dac_stem_sim_probe(sim);
    double fwhm = NAN;
    if (dac_stem_probe_fwhm(pr, &fwhm) != DAC_OK)
        dac_error_clear();
    dac_json_number(probe, "voltage_kV", o->probe.voltage_kV, NULL);
    dac_json_number(probe, "wavelength_A", dac_stem_probe_wavelength_A(pr), NULL);
    dac_json_number(probe, "alpha_mrad", o->probe.alpha_mrad, NULL);
    dac_json_number(probe, "defocus_A", o->probe.defocus_A, NULL);
    dac_json_number(probe, "cs_mm", o->probe.cs_mm, NULL);
    dac_json_number(probe, "source_fwhm_A", o->probe.source_fwhm_A, NULL);
    dac_json_number(probe, "gaussian_fwhm_A", o->probe.gaussian_fwhm_A, NULL);
    dac_json_number(probe, "fwhm_A", fwhm, "the probe's half maximum was not found");

    cJSON *contrast = cJSON_AddObjectToObject(root, "contrast");
    cJSON_AddStringToObject(contrast, "model", o->zpower > 0 ? "zpower" : "table");
    dac_json_number(contrast, "zpower", o->zpower, NULL);

    cJSON *support = cJSON_AddObjectToObject(root, "support");
    dac_json_number(support, "thickness_A", o->support_thickness_A, NULL);
    dac_json_number(support, "roughness", o->support_roughness, NULL);
    dac_json_number(support, "correlation_A", o->support_correlation_A, NULL);
    dac_json_number(support, "density_g_cm3", o->support_density_g_cm3, NULL);

    cJSON *noise = cJSON_AddObjectToObject(root, "noise");
    int noiseless = isinf(o->dose_e_A2);
    dac_json_number(noise, "dose_e_A2", o->dose_e_A2, "infinite dose: a noiseless image");
    dac_json_bool(noise, "noiseless", noiseless);
    dac_json_number(noise, "gain_counts_per_e", o->gain, NULL);
    dac_json_number(noise, "offset_counts", o->offset, NULL);
    dac_json_number(noise, "read_noise_counts_rms", o->read_noise, NULL);
    dac_json_number(noise, "jitter_px", o->jitter_px, NULL);
    dac_json_number(noise, "drift_px", o->drift_px, NULL);
    if (noiseless)
        cJSON_AddStringToObject(noise, "note", "infinite dose: noiseless image; shot noise, "
                                "gain, offset and read noise were not applied (jitter and "
                                "drift were)");
}

/* Every parameter, the frame and the counts: enough to rerun and to score. */
static cJSON *sim_record(const dac_stem_sim *sim, const dac_image *img, const dac_stem_truth *t,
                         const char *image_file, const dac_provenance *prov)
{
    const dac_stem_options *o = sim_options(sim);
    cJSON *root = dac_json_record("dac stem simulate", prov);
    if (!root)
        return NULL;
    dac_json_string(root, "image", image_file);
    cJSON_AddStringToObject(root, "intensity_unit",
                            isinf(o->dose_e_A2) ? "detected fraction of the incident beam"
                                                : "counts (gain × detected electrons + offset)");
    add_frame(root, o, &t->frame, img);
    add_physics(root, sim, o);
    /* Counts describe what was drawn: each periodic copy of a site in the image counts. */
    add_counts(root, "sites", t->site_count);
    add_counts(root, "sites_incomplete", t->site_count_incomplete);
    add_counts(root, "structure_sites", t->structure_site_count);
    cJSON_AddStringToObject(root, "sites_note",
                            "sites: site copies wholly inside the image, by kind; "
                            "sites_incomplete: copies cut by the image edge (or extended "
                            "networks); structure_sites: sites of the structure file itself");
    dac_json_count(root, "metal_atoms_drawn", t->n_atoms);
    dac_json_count(root, "atoms_drawn", t->n_atoms_total);
    dac_json_count(root, "atoms_not_drawn", t->n_atoms_not_drawn);
    dac_json_number(root, "expected_electrons", t->expected_electrons,
                    "noiseless image: no dose");
    return root;
}

/* Length of a .tif/.tiff extension (any case), 0 if none. */
static size_t tiff_extension(const char *path)
{
    size_t n = strlen(path);
    const char *exts[] = {".tif", ".tiff"};
    for (size_t i = 0; i < 2; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && path[n - m - 1] != '/' && !strcasecmp(path + n - m, exts[i]))
            return m;
    }
    return 0;
}

static int write_members(dac_outset *set, const dac_stem_sim *sim, const dac_image *img,
                         const dac_stem_truth *t, const char *image_path, const char *file,
                         const char *base, int png, const dac_provenance *prov)
{
    char name[4200];
    FILE *f;
    int st = dac_outset_open(set, file, &f);
    if (st == DAC_OK)
        st = image_write_tiff_stream(f, image_path, img, DAC_SAMPLE_F32);
    snprintf(name, sizeof name, "%s.truth.csv", base);
    if (st == DAC_OK && (st = dac_outset_open(set, name, &f)) == DAC_OK)
        st = dac_stem_truth_write(f, t);
    snprintf(name, sizeof name, "%s.json", base);
    /* The record names the image by its file name: the set is written together and moves
     * together, and a caller writing through a temporary folder (dac run's stages) would
     * otherwise record a path that no longer exists once the folder is renamed. */
    cJSON *rec = st == DAC_OK ? sim_record(sim, img, t, file, prov) : NULL;
    if (st == DAC_OK)
        st = rec ? dac_outset_json(set, name, rec) : dac_error(DAC_ERR_NOMEM, "out of memory");
    cJSON_Delete(rec);
    if (st == DAC_OK && png) {
        dac_png_options po;
        dac_png_options_default(&po);
        snprintf(name, sizeof name, "%s.png", base);
        if ((st = dac_outset_open(set, name, &f)) == DAC_OK)
            st = image_write_png_stream(f, name, img, &po);
    }
    return st;
}

int dac_stem_sim_write(const dac_stem_sim *sim, const dac_image *img, const dac_stem_truth *t,
                       const char *image_path, int png, const dac_provenance *prov)
{
    if (!sim || !img || !t || !image_path)
        return dac_error(DAC_ERR_USAGE, "dac_stem_sim_write: NULL argument");
    size_t ext = tiff_extension(image_path);
    if (!ext)
        return dac_error(DAC_ERR_USAGE, "%s: the image path must end in .tif or .tiff", image_path);
    const char *slash = strrchr(image_path, '/');
    const char *file = slash ? slash + 1 : image_path;
    char dir[4096], base[4096];
    int st = dac_path_split(image_path, ext, dir, sizeof dir, base, sizeof base);
    if (st != DAC_OK)
        return st;
    dac_outset *set;
    st = dac_outset_create_beside(dir, &set);
    if (st != DAC_OK)
        return st;
    st = write_members(set, sim, img, t, image_path, file, base, png, prov);
    return dac_outset_finish(set, st);
}
