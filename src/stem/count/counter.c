/*
 * counter.c — dac_stem_counter: the counting pipeline as one object, the same one the
 * CLI, the accuracy suite, the benchmark and any other program call.
 *
 * Shape (as the simulator's): create with parameters (checked once), optionally name
 * the elements, add images one by one (each is detected, refined, classified and
 * grouped into sites as it comes, so only what the statistics and the outputs need is
 * kept: the blobs, the sites, the support mask and an 8-bit display copy for the
 * overlay), finish (the statistics over all images), write the result set, free.
 *
 * The per-image rules that belong to counting rather than to one step live here: the
 * pixel size (parameter over calibration), the two-element rule for the faint-blob
 * floor, and the plausibility of the measured atom width for the stated pixel size.
 *
 * Threads: images given together (add_images) are counted one per thread, and the
 * statistics run in a thread team whose idle members take Monte Carlo repetitions
 * (stats.c). What one image yields — blobs, warnings, errors — is kept with its frame
 * and joined to the counter's lists in image order, so the results, the warnings and
 * the error reported are those of adding the images one by one, whatever the number
 * of threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/parallel.h"
#include "dac/stem.h"
#include "stem/count/count_internal.h"
#include "stem/count/learn_internal.h"

/* Plausible atom image widths (FWHM, Å): from an aberration-corrected probe (≈ 0.5 Å)
 * to a blurred, drifting frame (≈ 1.5 Å; 2.6 Å measured on one real frame of the
 * development set), with slack either side (assumption). A width
 * outside [0.3, 4] Å almost always means a pixel size off by 10 (nm typed or stored
 * for Å, or the reverse); the detector itself trusts only 0.5–2 Å (detect.c). */
#define PLAUSIBLE_FWHM_MIN_A 0.3
#define PLAUSIBLE_FWHM_MAX_A 4.0
/* Fewer pixels than this across the nominal atom image: undersampled (or the pixel
 * size is wrong); the fits need ~2 px per FWHM (assumption). */
#define MIN_PX_PER_FWHM 1.5

struct dac_stem_counter {
    dac_stem_count_params p;
    char elements[2][4];
    double sigma[2]; /* relative HAADF cross-sections of the elements (1e-4 Å²) */
    int n_elements;
    int overlays;
    int threads; /* 0: OpenMP's default */
    dac_progress_fn progress;
    void *progress_data;
    count_frame *frames;
    size_t m, cap;
    dac_stem_blob *blobs;
    size_t n_blobs, cap_blobs;
    dac_stem_site *sites;
    size_t n_sites, cap_sites;
    dac_stem_count_stats stats;
    int finished;
    dac_stem_model *model; /* the learned detector (learn_internal.h); NULL: statistical */
};

int dac_stem_counter_create(const dac_stem_count_params *p, dac_stem_counter **out)
{
    *out = NULL;
    if (!p)
        return dac_error(DAC_ERR_USAGE, "dac_stem_counter_create: NULL parameters");
    if (!(p->pixel_A >= 0) || !isfinite(p->pixel_A))
        return dac_error(DAC_ERR_USAGE, "stem count: pixel size must be > 0 Å (or 0: from each "
                         "image's calibration), got %g", p->pixel_A);
    if (!(p->pair_max_A > 0) || !isfinite(p->pair_max_A))
        return dac_error(DAC_ERR_USAGE, "stem count: the pair distance must be a finite distance "
                         "> 0 Å, got %g", p->pair_max_A);
    dac_stem_count_params check = *p;
    check.pixel_A = 1.0; /* the pixel size is checked per image */
    int st = count_check_params(&check);
    if (st != DAC_OK)
        return st;
    dac_stem_counter *c = calloc(1, sizeof *c);
    if (!c)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    c->p = *p;
    c->overlays = 1;
    c->sigma[0] = c->sigma[1] = 1;
    *out = c;
    return DAC_OK;
}

void count_frame_clear(count_frame *fr)
{
    free(fr->name);
    count_detection_free(fr->detection);
    free(fr->display.grey);
    memset(fr, 0, sizeof *fr);
}

void dac_stem_counter_free(dac_stem_counter *c)
{
    if (!c)
        return;
    for (size_t k = 0; k < c->m; k++)
        count_frame_clear(&c->frames[k]);
    free(c->frames);
    free(c->blobs);
    free(c->sites);
    dac_stem_model_free(c->model);
    free(c);
}

/* Relative HAADF cross-section of an element: the table's value, or the simulator's
 * c·Z^1.9 fit for elements the table lacks (the same σ dac stem simulate renders with). */
static double element_sigma(const dac_element *e)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    return 1e4 * dac_stem_sigma_A2(&o, e->Z);
}

int dac_stem_counter_set_elements(dac_stem_counter *c, const char *const *symbols, int n)
{
    if (n < 0 || n > 2 || (n && !symbols))
        return dac_error(DAC_ERR_USAGE, "stem count: one or two elements, got %d", n);
    if (c->m)
        return dac_error(DAC_ERR_USAGE, "stem count: set the elements before adding images");
    for (int e = 0; e < n; e++) {
        const dac_element *el = symbols[e] ? dac_element_by_symbol(symbols[e]) : NULL;
        if (!el)
            return dac_error(DAC_ERR_USAGE, "stem count: unknown element '%s' (expected a symbol "
                             "like Ni or Ru)", symbols[e] ? symbols[e] : "");
        snprintf(c->elements[e], sizeof c->elements[e], "%s", el->symbol);
        c->sigma[e] = element_sigma(el);
    }
    c->n_elements = n;
    return DAC_OK;
}

void dac_stem_counter_set_overlays(dac_stem_counter *c, int on) { c->overlays = on != 0; }

void dac_stem_counter_set_threads(dac_stem_counter *c, int n) { c->threads = n > 0 ? n : 0; }

int dac_stem_counter_threads(const dac_stem_counter *c) { return dac_threads(c->threads, 1L << 30); }

int dac_stem_counter_set_model(dac_stem_counter *c, const dac_stem_model *m)
{
    if (c->m)
        return dac_error(DAC_ERR_USAGE, "stem count: set the model before adding images");
    dac_stem_model *copy = NULL;
    int st = m ? count_model_clone(m, &copy) : DAC_OK;
    if (st == DAC_OK) {
        dac_stem_model_free(c->model);
        c->model = copy;
    }
    return st;
}

void dac_stem_counter_set_progress(dac_stem_counter *c, dac_progress_fn fn, void *user_data)
{
    c->progress = fn;
    c->progress_data = user_data;
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return DAC_OK;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*v, n * size);
    if (!p)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    *v = p;
    *cap = n;
    return DAC_OK;
}

/* The pixel size for one image: the parameter, else the file's calibration. */
static int image_pixel(const dac_stem_counter *c, const dac_image *img, const char *name,
                       double *px)
{
    *px = c->p.pixel_A > 0 ? c->p.pixel_A : img->pixel_size_A[0];
    if (!(*px > 0) || !isfinite(*px))
        return dac_error(DAC_ERR_INPUT, "%s: no pixel size in the file; give it with --pixel (Å)",
                         name);
    if (c->p.pixel_A == 0 && img->pixel_size_A[1] > 0 &&
        fabs(img->pixel_size_A[1] - *px) > 1e-3 * *px)
        dac_warn("%s: pixel sizes differ along x (%g Å) and y (%g Å); using x", name, *px,
                 img->pixel_size_A[1]);
    return DAC_OK;
}

/* The width (px) of the finest structure in an image, without any pixel size: the
 * half-width of the autocorrelation of the image minus a 15 px box mean (so thickness
 * changes drop out), normalised at lag 1 (lag 0 holds the white shot noise), times
 * 2/√2 — the FWHM of a Gaussian whose autocorrelation that is. Used to check the pixel
 * size when too few atoms were found to measure their width (a pixel size off by 10
 * usually finds none). NAN when the image is too small or flat. */
static double apparent_width_px(const float *img, size_t w, size_t h)
{
    enum { BOX = 15, MAXLAG = 40 };
    if (w < 4 * MAXLAG || h < 4 * MAXLAG)
        return NAN;
    double c[MAXLAG + 1] = {0};
    /* Rows only, every 4th: plenty of pairs, and scan distortions stay along rows. */
    for (size_t y = 0; y < h; y += 4) {
        const float *row = img + y * w;
        double s = 0;
        for (size_t x = 0; x < BOX; x++)
            s += row[x];
        for (size_t x = BOX / 2 + 1; x + BOX / 2 + 1 + MAXLAG < w; x++) {
            s += row[x + BOX / 2] - row[x - BOX / 2 - 1];
            double v = row[x] - s / BOX;
            for (int k = 1; k <= MAXLAG; k++)
                c[k] += v * (row[x + (size_t)k] - s / BOX);
        }
    }
    if (!(c[1] > 0))
        return NAN;
    for (int k = 2; k <= MAXLAG; k++)
        if (c[k] < 0.5 * c[1]) {
            double t = (c[k - 1] - 0.5 * c[1]) / (c[k - 1] - c[k]); /* linear between lags */
            return 2.0 * (k - 1 + t) / sqrt(2.0);
        }
    return NAN;
}

/* Warnings a user must see: elements that cannot be told apart, blobs too noisy to
 * count atoms, and an atom width that does not fit the stated pixel size. */
static void warn_image(const dac_stem_counter *c, const count_frame *fr, const char *name,
                       const dac_image *img)
{
    const count_mixture *mx = &fr->mixture;
    const count_detection *d = fr->detection;
    if (c->n_elements == 2 && !mx->elements_separable)
        dac_warn("%s: %s and %s cannot be told apart by intensity here (cross-section ratio %.2f "
                 "against a blob-intensity scatter of %.0f %%); elements left blank", name,
                 c->elements[0], c->elements[1], mx->sigma_ratio,
                 100 * mx->spread / (mx->unit_intensity > 0 ? mx->unit_intensity : 1));
    if (d->n_blobs >= 8 && !mx->counts_atoms)
        dac_warn("%s: blob intensities scatter by %.0f %% of one atom: too noisy to count atoms "
                 "per blob, every blob counted as one atom (unresolved pairs are missed)", name,
                 100 * mx->spread / mx->unit_intensity);
    double w = d->atom_fwhm_measured_A;
    const char *what = "the atoms measure";
    if (!isfinite(w)) {
        w = apparent_width_px(img->pixels, img->width, img->height) * d->pixel_A;
        what = "the finest structure (few atoms found) measures";
    }
    if (c->p.probe_fwhm_A / d->pixel_A < MIN_PX_PER_FWHM)
        dac_warn("%s: at %.4g Å per pixel an atom image (%.2g Å) spans only %.2f px: "
                 "undersampled, or THE PIXEL SIZE IS WRONG (nm given as Å?)", name, d->pixel_A,
                 c->p.probe_fwhm_A, c->p.probe_fwhm_A / d->pixel_A);
    else if (isfinite(w) && (w < PLAUSIBLE_FWHM_MIN_A || w > PLAUSIBLE_FWHM_MAX_A))
        dac_warn("%s: %s %.2f px = %.3g Å FWHM at the stated %.4g Å per pixel; "
                 "HAADF atom images are 0.5-1.5 Å wide. THE PIXEL SIZE IS PROBABLY WRONG (nm "
                 "given as Å, or the reverse?): check --pixel or the file's calibration; the "
                 "counts below are not to be trusted", name, what, w / d->pixel_A, w, d->pixel_A);
}

/* Appends the image's blobs and sites to the counter's lists (image index k). */
static int append_results(dac_stem_counter *c, count_frame *fr, size_t k)
{
    count_detection *d = fr->detection;
    for (size_t i = 0; i < d->n_blobs; i++)
        d->blobs[i].image = (int)k;
    dac_stem_site *s = NULL;
    size_t ns = 0;
    int st = count_sites(d->blobs, d->n_blobs, fr->pixel_A, c->p.pair_max_A, (long)c->n_sites, &s,
                         &ns);
    for (size_t j = 0; j < ns; j++)
        s[j].image = (int)k;
    if (st == DAC_OK)
        st = grow((void **)&c->blobs, &c->cap_blobs, c->n_blobs + d->n_blobs, sizeof *c->blobs);
    if (st == DAC_OK)
        st = grow((void **)&c->sites, &c->cap_sites, c->n_sites + ns, sizeof *c->sites);
    if (st == DAC_OK) {
        if (d->n_blobs)
            memcpy(c->blobs + c->n_blobs, d->blobs, sizeof *d->blobs * d->n_blobs);
        if (ns)
            memcpy(c->sites + c->n_sites, s, sizeof *s * ns);
        fr->first_site = c->n_sites;
        fr->n_sites = ns;
        c->n_blobs += d->n_blobs;
        c->n_sites += ns;
    }
    free(s);
    return st;
}

/* Only what the statistics and the writers need stays: the mask and a display copy. */
static int keep_display(const dac_stem_counter *c, count_frame *fr, const dac_image *img)
{
    free(fr->detection->background);
    fr->detection->background = NULL;
    if (!c->overlays)
        return DAC_OK;
    return count_display_image(img->pixels, img->width, img->height, &fr->display);
}

static void fill_info(count_frame *fr)
{
    const count_detection *d = fr->detection;
    dac_stem_count_image_info *in = &fr->info;
    in->name = fr->name;
    in->width = d->width;
    in->height = d->height;
    in->pixel_A = fr->pixel_A;
    in->support_area_nm2 = d->support_area_nm2;
    in->n_blobs = d->n_blobs;
    in->n_atoms = 0;
    for (size_t i = 0; i < d->n_blobs; i++)
        in->n_atoms += (size_t)(d->blobs[i].n_atoms > 0 ? d->blobs[i].n_atoms : 1);
    in->threshold_z = d->threshold_z;
    in->atom_fwhm_A = d->atom_fwhm_measured_A;
    in->elements_separable = fr->mixture.elements_separable;
}

static int process(const dac_stem_counter *c, count_frame *fr, const dac_image *img,
                   const unsigned char *support)
{
    int st = image_pixel(c, img, fr->name, &fr->pixel_A);
    if (st != DAC_OK)
        return st;
    dac_stem_count_params p = c->p;
    p.pixel_A = fr->pixel_A;
    /* The amplitude test compares candidates with the frame's typical atom; in a
     * heteronuclear sample that may be the heavy one, so the floor is scaled to the
     * lighter element, or every light atom (Zn beside Ru) would be rejected. */
    double floor_scale = 1.0;
    if (c->n_elements == 2)
        floor_scale = fmin(c->sigma[0], c->sigma[1]) / fmax(c->sigma[0], c->sigma[1]);
    p.min_atom_fraction *= floor_scale;
    if (c->model)
        st = count_model_detect(c->model, img->pixels, img->width, img->height, support, &p,
                                floor_scale, &fr->detection, &fr->n_candidates);
    else
        st = count_detect_blobs(img->pixels, img->width, img->height, support, &p, &fr->detection);
    if (st == DAC_OK)
        st = count_classify(fr->detection->blobs, fr->detection->n_blobs, p.max_atoms_per_blob,
                            c->sigma, c->n_elements ? c->n_elements : 1, &fr->mixture);
    if (st == DAC_OK)
        warn_image(c, fr, fr->name, img);
    if (st == DAC_OK)
        st = keep_display(c, fr, img);
    if (st == DAC_OK)
        fill_info(fr);
    return st;
}

/* Library errors may name only a field: make sure the message names the image. */
void count_name_image_in_error(const char *name, int st)
{
    const char *msg = dac_last_error();
    if (strstr(msg, name))
        return;
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", msg);
    dac_error(st, "%s: %s", name, buf);
}

/* What one image left on its worker thread: its status and error message, and the
 * warnings it raised (warnings and errors are kept per thread, dac/core.h). */
typedef struct {
    int st;
    char error[1024];
    char (*warnings)[256];
    size_t n_warnings;
} image_outcome;

/* Moves this thread's warnings into *w (cleared first) and clears them. */
static void take_warnings(char (**w)[256], size_t *n)
{
    *n = dac_warning_count();
    *w = *n ? malloc(sizeof **w * *n) : NULL;
    if (!*w)
        *n = 0;
    for (size_t i = 0; i < *n; i++)
        snprintf((*w)[i], sizeof **w, "%s", dac_warning(i));
    dac_warnings_clear();
}

static void give_warnings(char (*w)[256], size_t n)
{
    for (size_t i = 0; i < n; i++)
        dac_warn("%s", w[i]);
    free(w);
}

/* Counts one image into fr on whichever thread runs it, leaving that thread's
 * warnings as they were and what the image raised in *o. */
static void count_one(const dac_stem_counter *c, count_frame *fr, const dac_image *img,
                      const unsigned char *support, const char *name, image_outcome *o)
{
    char (*before)[256];
    size_t n_before;
    take_warnings(&before, &n_before);
    memset(fr, 0, sizeof *fr);
    fr->name = strdup(name ? name : "(image)");
    o->st = fr->name ? DAC_OK : dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    if (o->st == DAC_OK && (!img || !img->pixels))
        o->st = dac_error(DAC_ERR_USAGE, "dac_stem_counter_add_images: NULL image");
    if (o->st == DAC_OK)
        o->st = process(c, fr, img, support);
    if (o->st != DAC_OK) {
        if (fr->name)
            count_name_image_in_error(fr->name, o->st);
        snprintf(o->error, sizeof o->error, "%s", dac_last_error());
        count_frame_clear(fr);
    }
    take_warnings(&o->warnings, &o->n_warnings);
    give_warnings(before, n_before);
}

int dac_stem_counter_add_images(dac_stem_counter *c, size_t n, const dac_image *const *images,
                                const unsigned char *const *supports, const char *const *names)
{
    if (!c || (n && !images))
        return dac_error(DAC_ERR_USAGE, "dac_stem_counter_add_images: NULL argument");
    if (c->finished)
        return dac_error(DAC_ERR_USAGE, "stem count: images must be added before finish");
    if (n == 0)
        return DAC_OK;
    int st = grow((void **)&c->frames, &c->cap, c->m + n, sizeof *c->frames);
    image_outcome *out = st == DAC_OK ? calloc(n, sizeof *out) : NULL;
    if (st == DAC_OK && !out)
        st = dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    if (st != DAC_OK)
        return st;
    count_frame *fr = c->frames + c->m;
    const dac_stem_counter *cc = c;
    DAC_OMP(parallel for num_threads(dac_threads(cc->threads, (long)n)) schedule(dynamic, 1))
    for (size_t k = 0; k < n; k++)
        count_one(cc, &fr[k], images[k], supports ? supports[k] : NULL, names ? names[k] : NULL,
                  &out[k]);
    /* In image order, as one by one: results up to the first failure, its error. */
    size_t k = 0;
    for (; k < n; k++) {
        give_warnings(out[k].warnings, out[k].n_warnings);
        out[k].warnings = NULL;
        st = out[k].st;
        if (st != DAC_OK) {
            dac_error(st, "%s", out[k].error);
            break;
        }
        size_t blobs0 = c->n_blobs, sites0 = c->n_sites;
        st = append_results(c, &fr[k], c->m);
        if (st != DAC_OK) {
            count_name_image_in_error(fr[k].name, st);
            c->n_blobs = blobs0, c->n_sites = sites0;
            break;
        }
        c->m++;
        if (c->progress && c->progress((double)c->m / (double)(c->m + 1), c->progress_data)) {
            st = dac_error(DAC_ERR_RUNTIME, "stem count: stopped by the caller");
            k++;
            break;
        }
    }
    /* Frames not joined (after a failure or a stop) are freed; a failed one already is. */
    for (size_t j = k; j < n; j++) {
        if (out[j].st == DAC_OK)
            count_frame_clear(&fr[j]);
        free(out[j].warnings);
    }
    free(out);
    return st;
}

int dac_stem_counter_add_image(dac_stem_counter *c, const dac_image *img,
                               const unsigned char *support, const char *name)
{
    if (!c || !img || !img->pixels)
        return dac_error(DAC_ERR_USAGE, "dac_stem_counter_add_image: NULL argument");
    const dac_image *images[1] = {img};
    const unsigned char *supports[1] = {support};
    const char *names[1] = {name};
    return dac_stem_counter_add_images(c, 1, images, supports, names);
}

int dac_stem_counter_finish(dac_stem_counter *c, uint64_t seed)
{
    if (c->m == 0)
        return dac_error(DAC_ERR_USAGE, "stem count: no image added");
    count_image *in = calloc(c->m, sizeof *in);
    if (!in)
        return dac_error(DAC_ERR_NOMEM, "stem count: out of memory");
    for (size_t k = 0; k < c->m; k++) {
        const count_frame *fr = &c->frames[k];
        const count_detection *d = fr->detection;
        in[k] = (count_image){c->sites + fr->first_site, fr->n_sites, d->blobs, d->n_blobs,
                              d->support, d->width, d->height, fr->pixel_A};
    }
    /* The statistics run on this thread; the team's other threads wait in the region's
     * closing barrier and take the Monte Carlo repetitions stats.c hands out as tasks. */
    int st = DAC_OK;
    DAC_OMP(parallel num_threads(dac_threads(c->threads, 1L << 30)))
    {
        DAC_OMP(masked)
        st = count_statistics(in, c->m, c->p.pair_max_A, seed, 0, &c->stats);
    }
    free(in);
    c->finished = st == DAC_OK;
    if (st == DAC_OK && c->progress)
        c->progress(1.0, c->progress_data);
    return st;
}

int dac_stem_counter_write(const dac_stem_counter *c, const char *dir, const dac_provenance *prov)
{
    if (!c->finished)
        return dac_error(DAC_ERR_USAGE, "stem count: write after finish");
    count_results r = {&c->p, c->frames, c->m, c->blobs, c->n_blobs, c->sites, c->n_sites,
                       &c->stats, {c->elements[0], c->elements[1]}, c->n_elements, c->overlays,
                       c->model};
    return count_write_results(&r, dir, prov);
}

size_t dac_stem_counter_n_images(const dac_stem_counter *c) { return c->m; }

const dac_stem_count_image_info *dac_stem_counter_image(const dac_stem_counter *c, size_t k)
{
    return k < c->m ? &c->frames[k].info : NULL;
}

const dac_stem_blob *dac_stem_counter_blobs(const dac_stem_counter *c, size_t *n)
{
    *n = c->n_blobs;
    return c->blobs;
}

const dac_stem_site *dac_stem_counter_sites(const dac_stem_counter *c, size_t *n)
{
    *n = c->n_sites;
    return c->sites;
}

const dac_stem_count_stats *dac_stem_counter_stats(const dac_stem_counter *c)
{
    return c->finished ? &c->stats : NULL;
}
