/*
 * test_hetero.c — does `dac stem count --elements A,B` count what a harder simulation put
 * there: heteronuclear and homonuclear pairs imaged with an aberrated probe that has
 * real tails, scan jitter and drift, vacuum edges, thin to thick supports, low to high
 * doses and coarse to fine pixels (issue 10).
 *
 * Why these images. The first accuracy suite (test_accuracy.c) renders Pt with the
 * default probe — an aberration-free 25 mrad Airy disc blurred by a 0.7 Å source, so
 * nearly a Gaussian, the counter's own model. Here every frame draws its optics and
 * its scan from ranges a user meets:
 *   - probe: 300 kV, 25 mrad, C_s 20–30 µm and Δf −60 … −30 Å (a corrector left with a
 *     residual C_s, the defocus set by eye for the sharpest core), 0.7 Å source. The core
 *     stays 0.82–0.98 Å FWHM, but 8–25 % of the intensity lies beyond 2 Å (a Gaussian of
 *     that FWHM: < 0.01 %) and the profile at 2.5 Å is 0.2–1 % of the peak. Next to Pt
 *     (σ 7.3× Co) that ring is 2–7 % of a Co atom's peak and holds 0.6–1.8 Co atoms'
 *     worth of intensity: the light atom of a PtCo pair sits in the heavy atom's tail.
 *     (Values: dac_stem_probe_intensity on these settings.)
 *   - scan: 0.08 Å rms line jitter and up to ±3 Å of drift across the frame (the
 *     simulator's scan model, dac/stem.h); the truth is moved with its lines.
 *   - half the frames have vacuum: a straight support edge at a random angle, the
 *     support fading over 1.5 Å (a film thinning at its rim; assumption), 15–35 % of the
 *     frame vacuum. No atom lies within 9 Å of the edge (the counter does not search
 *     the 6 Å band along it).
 *   - support 4–40 Å amorphous carbon, dose 2·10⁵–3·10⁶ e⁻/Å² (log-uniform), pixel
 *     0.12–0.30 Å, a 96 Å field.
 *   - sites: 0.25–0.6 per nm², a pair fraction of 0.3–0.7, 5 % three-atom clusters,
 *     the rest singles (A or B at equal odds); pairs are A–B, 2.4–3.2 Å apart, tilted at
 *     random (projected d·√(1−u²), u ∈ U(0,1), docs/science.md §3), so some pairs merge.
 * The image is the simulator's, composed from two noiseless renders of one simulator
 * (same seed, so the same support and the same scan lines): atoms + support, and
 * support alone; image = atoms + edge profile × support, then Poisson shot noise at the
 * dose. Rendering is linear, so this is the simulator's image of a support with an edge.
 *
 * Counted exactly as `dac stem count --elements A,B` (A for homonuclear pairs): the
 * library's dac_stem_counter with set_elements. A blob of n atoms is n detections at
 * the blob, matched within 1.5 Å (the project's convention).
 *
 * Bars (issue 10): pooled atom F1 ≥ 0.97 for every system; median |chance-corrected
 * site purity − truth| ≤ 0.03 over all frames; element assignment ≥ 95 % right where
 * the cross-sections differ ≥ 2× (PtCo 7.3, ZnRu 2.09), counted over the true atoms
 * matched by a single-atom blob (a blank element counts as wrong); and "cannot tell"
 * for CoNi (ratio 1.07): no element given and elements_separable false.
 *
 * DAC_ACCURACY_VERBOSE=1 prints per-frame and per-system figures; DAC_ACCURACY_DUMP=DIR
 * writes each frame as DIR/hetero_SYSTEM_K.tif with DIR/hetero_SYSTEM_K.truth.csv
 * (x_px,y_px,element), so the CLI can be run on the same images. Under sanitizers
 * (10–20× slower) one frame per system: every path runs, the bars are not asserted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dac_test.h"

#include "dac/core.h"
#include "dac/image.h"
#include "dac/stem.h"
#include "dac/stem_count.h"

#define FIELD_A 96.0
#define EDGE_CLEAR_A 9.0   /* atoms at least this far inside a support edge */
#define BORDER_A 3.0       /* site centres at least this far from the frame border */
#define JITTER_A 0.08
#define EDGE_WIDTH_A 1.5

typedef struct {
    const char *a, *b; /* b == a: homonuclear */
} system_def;

static const system_def SYSTEMS[] = {
    {"Pt", "Co"}, {"Zn", "Ru"}, {"Ni", "Ni"}, {"Co", "Co"}, {"Pt", "Pt"}, {"Cu", "Cu"}, {"Co", "Ni"},
};
#define N_SYSTEMS (sizeof SYSTEMS / sizeof SYSTEMS[0])

typedef struct {
    double x, y; /* px, before the scan shift */
    int el;      /* 0: a, 1: b */
    size_t site; /* designed site */
} atom;

/* One frame's drawn conditions. */
typedef struct {
    size_t w;
    double pixel_A, dose, thickness_A, cs_mm, defocus_A, drift_A;
    int vacuum;
    double edge_nx, edge_ny, edge_c; /* support where nx·x + ny·y − c > 0 (Å) */
    double density, p_pair;
} frame;

static double log_uniform(dac_rng *r, double lo, double hi)
{
    return exp(log(lo) + dac_rng_uniform(r) * (log(hi) - log(lo)));
}

/* Signed distance (Å) of pixel point (x, y) into the support; +∞ without vacuum. */
static double edge_distance(const frame *f, double x, double y)
{
    if (!f->vacuum)
        return INFINITY;
    return f->edge_nx * (x + 0.5) * f->pixel_A + f->edge_ny * (y + 0.5) * f->pixel_A - f->edge_c;
}

static void draw_frame(dac_rng *r, frame *f)
{
    memset(f, 0, sizeof *f);
    f->pixel_A = 0.12 + 0.18 * dac_rng_uniform(r);
    f->w = (size_t)lround(FIELD_A / f->pixel_A);
    f->dose = log_uniform(r, 2e5, 3e6);
    f->thickness_A = 4 + 36 * dac_rng_uniform(r);
    f->cs_mm = 0.020 + 0.010 * dac_rng_uniform(r);
    f->defocus_A = -30 - 30 * dac_rng_uniform(r);
    f->drift_A = 6 * dac_rng_uniform(r) - 3;
    f->density = 0.25 + 0.35 * dac_rng_uniform(r);
    f->p_pair = 0.3 + 0.4 * dac_rng_uniform(r);
    f->vacuum = dac_rng_uniform(r) < 0.5;
    if (f->vacuum) {
        /* The edge at a random angle; its offset set so that the wanted fraction of the
         * frame (15–35 %) is vacuum, by bisection on a sample grid. */
        double phi = 2 * DAC_PI * dac_rng_uniform(r), want = 0.15 + 0.2 * dac_rng_uniform(r);
        f->edge_nx = cos(phi), f->edge_ny = sin(phi);
        double lo = -2 * FIELD_A, hi = 2 * FIELD_A;
        for (int it = 0; it < 50; it++) {
            f->edge_c = 0.5 * (lo + hi);
            int vac = 0;
            for (int j = 0; j < 64; j++)
                for (int i = 0; i < 64; i++)
                    vac += edge_distance(f, (i + 0.5) * (double)f->w / 64, (j + 0.5) * (double)f->w / 64) < 0;
            if (vac / 4096.0 > want)
                hi = f->edge_c;
            else
                lo = f->edge_c;
        }
    }
}

/* Sites at uniform random places on the support, clear of the edge. */
static size_t make_atoms(dac_rng *r, const frame *f, int hetero, atom *out, size_t cap,
                         size_t *n_sites, size_t *n_pairs)
{
    double area_nm2 = FIELD_A * FIELD_A / 100.0, p = f->pixel_A, m = BORDER_A / p;
    size_t want = (size_t)dac_rng_poisson(r, f->density * area_nm2 * (f->vacuum ? 0.75 : 1.0));
    size_t n = 0;
    *n_sites = *n_pairs = 0;
    for (size_t s = 0, tries = 0; s < want && tries < 100 * want; tries++) {
        double cx = m + dac_rng_uniform(r) * ((double)f->w - 1 - 2 * m);
        double cy = m + dac_rng_uniform(r) * ((double)f->w - 1 - 2 * m);
        double u = dac_rng_uniform(r), th = 2 * DAC_PI * dac_rng_uniform(r);
        double ox[3] = {0}, oy[3] = {0};
        int el[3] = {0, 0, 0}, na = 1;
        if (u < f->p_pair) {
            double d = (2.4 + 0.8 * dac_rng_uniform(r)) * sqrt(1 - pow(dac_rng_uniform(r), 2)) / p / 2;
            ox[0] = d * cos(th), oy[0] = d * sin(th), ox[1] = -ox[0], oy[1] = -oy[0];
            el[1] = hetero, na = 2;
        } else if (u < f->p_pair + 0.05) {
            double rad = (2.5 + 0.3 * dac_rng_uniform(r)) / sqrt(3.0) / p;
            for (int j = 0; j < 3; j++) {
                ox[j] = rad * cos(th + 2 * DAC_PI * j / 3), oy[j] = rad * sin(th + 2 * DAC_PI * j / 3);
                el[j] = hetero && dac_rng_uniform(r) < 0.5;
            }
            na = 3;
        } else {
            el[0] = hetero && dac_rng_uniform(r) < 0.5;
        }
        int clear = 1;
        for (int j = 0; j < na; j++)
            clear &= edge_distance(f, cx + ox[j], cy + oy[j]) >= EDGE_CLEAR_A;
        if (!clear || n + 3 > cap)
            continue;
        for (int j = 0; j < na; j++)
            out[n++] = (atom){cx + ox[j], cy + oy[j], el[j], *n_sites};
        (*n_sites)++, *n_pairs += na == 2;
        s++;
    }
    return n;
}

/* Where an atom appears: its lines were shifted by jitter and drift; the centroid moves
 * by the shifts of the rows it covers, weighted by the probe core (σ 0.4 Å). */
static double shifted_x(const dac_stem_sim *sim, const atom *a, double pixel_A, size_t h)
{
    double s = 0.4 / pixel_A, sw = 0, sx = 0;
    for (long v = (long)floor(a->y - 3 * s); v <= (long)ceil(a->y + 3 * s); v++) {
        if (v < 0 || v >= (long)h)
            continue;
        double wgt = exp(-0.5 * ((double)v - a->y) * ((double)v - a->y) / (s * s));
        sw += wgt, sx += wgt * dac_stem_sim_line_shift(sim, (size_t)v);
    }
    return a->x + (sw > 0 ? sx / sw : 0);
}

/* The frame's image (see the top of the file) and the truth moved with the scan. */
static dac_image *render(const frame *f, const atom *at, size_t n, const double sigma[2],
                         uint64_t seed, double *truth_xy)
{
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.pixel_A = f->pixel_A;
    o.probe.cs_mm = f->cs_mm;
    o.probe.defocus_A = f->defocus_A;
    o.support_thickness_A = f->thickness_A;
    o.dose_e_A2 = INFINITY;
    o.jitter_px = JITTER_A / f->pixel_A;
    o.drift_px = f->drift_A / f->pixel_A;
    dac_stem_sim *sim;
    assert_int_equal(dac_stem_sim_create(&o, f->w, f->w, &sim), DAC_OK);
    dac_stem_point *pts = malloc(sizeof *pts * (n + 1));
    for (size_t i = 0; i < n; i++)
        pts[i] = (dac_stem_point){at[i].x, at[i].y, sigma[at[i].el]};
    dac_image *full, *supp;
    assert_int_equal(dac_stem_sim_render_points(sim, pts, n, seed, &full), DAC_OK);
    assert_int_equal(dac_stem_sim_render_points(sim, pts, 0, seed, &supp), DAC_OK);
    for (size_t i = 0; i < n; i++) {
        truth_xy[2 * i] = shifted_x(sim, &at[i], f->pixel_A, f->w);
        truth_xy[2 * i + 1] = at[i].y;
    }
    dac_rng rng;
    dac_rng_seed_stream(&rng, seed, 99);
    double e_per = f->dose * f->pixel_A * f->pixel_A; /* noiseless pixel → electrons */
    for (size_t y = 0; y < f->w; y++)
        for (size_t x = 0; x < f->w; x++) {
            size_t i = y * f->w + x;
            double d = edge_distance(f, (double)x, (double)y);
            double m = isinf(d) ? 1.0 : 0.5 * erfc(-d / (sqrt(2.0) * EDGE_WIDTH_A));
            double mean = e_per * (full->pixels[i] - (1 - m) * supp->pixels[i]);
            full->pixels[i] = (float)dac_rng_poisson(&rng, mean > 0 ? mean : 0);
        }
    free(pts);
    dac_image_free(supp);
    dac_stem_sim_free(sim);
    return full;
}

/* One rendered frame and its truth. */
typedef struct {
    frame f;
    atom *at;
    double *xy; /* where the atoms appear, px */
    size_t n, n_sites, n_pairs;
} truth_frame;

/* What the frames of one system gave. */
typedef struct {
    size_t tp, n_det, n_true;   /* pooled matching */
    size_t el_right, el_total;  /* element of single-atom blobs matched to a true atom */
    int element_blank;          /* every blob's element left blank */
    int separable_any;          /* some frame called the elements separable */
    double purity_truth, purity_corrected;
} outcome;

static void dump(const char *sys, int k, const dac_image *img, const truth_frame *t)
{
    const char *dir = getenv("DAC_ACCURACY_DUMP");
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/hetero_%s_%d.tif", dir, sys, k);
    dac_image_write_tiff(path, img, DAC_SAMPLE_F32);
    snprintf(path, sizeof path, "%s/hetero_%s_%d.truth.csv", dir, sys, k);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return;
    fprintf(fp, "x_px,y_px,element,site\n");
    for (size_t i = 0; i < t->n; i++)
        fprintf(fp, "%.3f,%.3f,%d,%zu\n", t->xy[2 * i], t->xy[2 * i + 1], t->at[i].el, t->at[i].site);
    fclose(fp);
}

/* Draws, renders and adds frame k of a system to the counter. */
static void add_frame(dac_stem_counter *c, const system_def *sd, int k, uint64_t seed, truth_frame *t)
{
    int hetero = strcmp(sd->a, sd->b) != 0;
    dac_rng r;
    dac_rng_seed(&r, seed);
    draw_frame(&r, &t->f);
    dac_stem_options so;
    dac_stem_options_default(&so);
    double sigma[2] = {dac_stem_sigma_A2(&so, dac_element_by_symbol(sd->a)->Z),
                       dac_stem_sigma_A2(&so, dac_element_by_symbol(sd->b)->Z)};
    size_t cap = 4096;
    t->at = malloc(sizeof *t->at * cap);
    t->n = make_atoms(&r, &t->f, hetero, t->at, cap, &t->n_sites, &t->n_pairs);
    t->xy = malloc(sizeof *t->xy * 2 * (t->n + 1));
    dac_image *img = render(&t->f, t->at, t->n, sigma, seed, t->xy);
    char name[16];
    snprintf(name, sizeof name, "%s%s", sd->a, sd->b);
    dump(name, k, img, t);
    snprintf(name, sizeof name, "%s%s_%d", sd->a, sd->b, k);
    assert_int_equal(dac_stem_counter_add_image(c, img, NULL, name), DAC_OK);
    dac_image_free(img);
}

/* Scores the blobs of image k against its truth; adds to o. */
static void score_frame(const dac_stem_counter *c, size_t k, const truth_frame *t, const char *sys,
                        outcome *o)
{
    size_t nb, nd = 0;
    const dac_stem_blob *b = dac_stem_counter_blobs(c, &nb);
    for (size_t i = 0; i < nb; i++)
        nd += b[i].image == (int)k ? (size_t)b[i].n_atoms : 0;
    double *det = malloc(sizeof *det * 2 * (nd + 1));
    size_t *owner = malloc(sizeof *owner * (nd + 1));
    long *match = malloc(sizeof *match * (nd + 1));
    nd = 0;
    for (size_t i = 0; i < nb; i++) {
        if (b[i].image != (int)k)
            continue;
        o->element_blank &= b[i].element < 0;
        for (int j = 0; j < b[i].n_atoms; j++, nd++)
            det[2 * nd] = b[i].x_px, det[2 * nd + 1] = b[i].y_px, owner[nd] = i;
    }
    dac_stem_score_result sc;
    assert_int_equal(dac_stem_score(det, nd, t->xy, t->n, 1.5 / t->f.pixel_A, &sc, match), DAC_OK);
    size_t right = 0, total = 0;
    for (size_t i = 0; i < nd; i++) {
        const dac_stem_blob *bl = &b[owner[i]];
        if (match[i] < 0 || bl->n_atoms != 1)
            continue;
        total++;
        right += bl->element == t->at[match[i]].el;
    }
    int sep = dac_stem_counter_image(c, k)->elements_separable;
    o->separable_any |= sep;
    o->tp += sc.n_matched, o->n_det += sc.n_detected, o->n_true += sc.n_truth;
    o->el_right += right, o->el_total += total;
    const frame *f = &t->f;
    if (getenv("DAC_ACCURACY_VERBOSE"))
        fprintf(stderr, "%-4s %zu: px %.3f Å dose %.1e t %4.1f Å Cs %.0f µm df %.0f Å drift %+.1f Å%s | "
                        "atoms %3zu det %3zu F1 %.3f el %zu/%zu%s\n",
                sys, k, f->pixel_A, f->dose, f->thickness_A, 1e3 * f->cs_mm, f->defocus_A, f->drift_A,
                f->vacuum ? " vac" : "    ", t->n, nd, sc.f1, right, total, sep ? "" : " (cannot tell)");
    free(det), free(owner), free(match);
}

/* All frames of one system counted together, as `dac stem count F1 … F6 --elements
 * A,B` would: the statistics (and so the chance-corrected purity) are pooled over the
 * frames, as for one sample imaged several times. */
static void count_system(const system_def *sd, size_t s, int frames, outcome *o)
{
    int hetero = strcmp(sd->a, sd->b) != 0;
    dac_stem_count_params p;
    dac_stem_count_params_default(&p);
    dac_stem_counter *c;
    const char *els[2] = {sd->a, sd->b};
    assert_int_equal(dac_stem_counter_create(&p, &c), DAC_OK);
    assert_int_equal(dac_stem_counter_set_elements(c, els, hetero ? 2 : 1), DAC_OK);
    dac_stem_counter_set_overlays(c, 0);
    truth_frame t[8];
    char sys[8];
    snprintf(sys, sizeof sys, "%s%s", sd->a, sd->b);
    size_t pairs = 0, sites = 0;
    for (int k = 0; k < frames; k++) {
        add_frame(c, sd, k, 5000 + 100 * (uint64_t)s + (uint64_t)k, &t[k]);
        pairs += t[k].n_pairs, sites += t[k].n_sites;
    }
    assert_int_equal(dac_stem_counter_finish(c, 5000 + s), DAC_OK);
    memset(o, 0, sizeof *o);
    o->element_blank = 1;
    for (int k = 0; k < frames; k++) {
        score_frame(c, (size_t)k, &t[k], sys, o);
        free(t[k].at), free(t[k].xy);
    }
    const dac_stem_count_stats *st = dac_stem_counter_stats(c);
    o->purity_truth = sites ? (double)pairs / (double)sites : NAN;
    o->purity_corrected = st->purity_corrected_site;
    if (getenv("DAC_ACCURACY_VERBOSE"))
        fprintf(stderr, "%-4s site purity: truth %.3f, observed %.3f, chance-corrected %.3f (%+.3f) "
                        "[%.3f, %.3f]\n", sys, o->purity_truth, st->purity_site, o->purity_corrected,
                o->purity_corrected - o->purity_truth, st->corrected_site_ci95[0],
                st->corrected_site_ci95[1]);
    dac_stem_counter_free(c);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The bars of issue 10 on every system (all systems are counted before any bar is
 * asserted, so one run prints every figure). The purity bar is the median over the
 * systems of |pooled chance-corrected − true site purity|: one 96 Å frame holds 20–60
 * sites, and the chance grouping actually realised in it moves its purity by ±0.05
 * whatever the counter does (the correction applied to the true positions of these
 * frames: mean |error| 0.058 per frame, 0.009–0.026 pooled over a system's six). */
static void test_hetero_suite(void **state)
{
    (void)state;
    int frames = DAC_TEST_SANITIZED ? 1 : 6, failed = 0;
    double err[N_SYSTEMS];
    dac_stem_options so;
    dac_stem_options_default(&so);
    for (size_t s = 0; s < N_SYSTEMS; s++) {
        const system_def *sd = &SYSTEMS[s];
        int hetero = strcmp(sd->a, sd->b) != 0;
        outcome o;
        count_system(sd, s, frames, &o);
        err[s] = fabs(o.purity_corrected - o.purity_truth);
        double f1 = 2.0 * (double)o.tp / (double)(o.n_det + o.n_true);
        double el = o.el_total ? (double)o.el_right / (double)o.el_total : NAN;
        double sa = dac_stem_sigma_A2(&so, dac_element_by_symbol(sd->a)->Z);
        double sb = dac_stem_sigma_A2(&so, dac_element_by_symbol(sd->b)->Z);
        int tell = fmax(sa, sb) / fmin(sa, sb) >= 2;
        int ok = f1 >= 0.97;
        if (hetero && tell)
            ok &= el >= 0.95;
        else if (hetero)
            ok &= !o.separable_any && o.element_blank; /* Co/Ni: cannot tell, and says so */
        failed += !ok;
        if (getenv("DAC_ACCURACY_VERBOSE"))
            fprintf(stderr, "== %s%s: pooled F1 %.4f (%zu matched, %zu detected, %zu true); %s%s\n",
                    sd->a, hetero ? sd->b : sd->a, f1, o.tp, o.n_det, o.n_true,
                    !hetero ? "one element" : tell ? "elements right" : "cannot tell:",
                    ok ? "" : "  ** FAILS A BAR **");
        if (getenv("DAC_ACCURACY_VERBOSE") && hetero)
            fprintf(stderr, "   elements: %zu/%zu = %.3f right; flagged cannot-tell %d, all blank %d\n",
                    o.el_right, o.el_total, el, !o.separable_any, o.element_blank);
    }
    qsort(err, N_SYSTEMS, sizeof *err, cmp_double);
    double median = err[N_SYSTEMS / 2];
    if (getenv("DAC_ACCURACY_VERBOSE"))
        fprintf(stderr, "median over %zu systems of |corrected - true site purity|: %.4f (largest %.4f)\n",
                (size_t)N_SYSTEMS, median, err[N_SYSTEMS - 1]);
    if (DAC_TEST_SANITIZED)
        return;
    assert_int_equal(failed, 0);
    assert_true(median <= 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hetero_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
