/*
 * test_simulate.c — physics and bookkeeping of the HAADF simulator (src/stem/render.c,
 * support.c, noise.c, scene.c): exact sub-pixel placement, contrast ratios, shot noise,
 * the support slab, scan distortion, periodic tiling, the field of view of non-periodic
 * cells, the ground truth's site copies and the dose limit.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dac/stem.h"

static dac_stem_sim *make_sim(const dac_stem_options *o, size_t w, size_t h)
{
    dac_stem_sim *s = NULL;
    int st = dac_stem_sim_create(o, w, h, &s);
    if (st)
        fail_msg("dac_stem_sim_create: %s", dac_last_error());
    return s;
}

static dac_image *render(dac_stem_sim *s, const dac_stem_point *p, size_t n, uint64_t seed)
{
    dac_image *img = NULL;
    assert_int_equal(dac_stem_sim_render_points(s, p, n, seed, &img), DAC_OK);
    return img;
}

static double sum_box(const dac_image *im, size_t x0, size_t x1, size_t y0, size_t y1)
{
    double s = 0;
    for (size_t y = y0; y < y1; y++)
        for (size_t x = x0; x < x1; x++)
            s += im->pixels[y * im->width + x];
    return s;
}

/* Law: a centroid of a symmetric spot is its centre. The atom is deposited with exact
 * phase, so the intensity-weighted mean position over the whole (periodic) image, taken
 * with distances wrapped to [−W/2, W/2) around the true position, must equal it. */
static void test_centroid_subpixel(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    const size_t W = 128;
    dac_stem_sim *s = make_sim(&o, W, W);
    const double pos[][2] = {{64.0, 64.0}, {64.37, 63.81}, {10.5, 100.25}, {0.13, 127.9}};
    for (size_t k = 0; k < 4; k++) {
        dac_stem_point p = {pos[k][0], pos[k][1], 85.7e-4};
        dac_image *im = render(s, &p, 1, 1);
        double sx = 0, sy = 0, sw = 0;
        for (size_t y = 0; y < W; y++)
            for (size_t x = 0; x < W; x++) {
                double v = im->pixels[y * W + x];
                double dx = remainder((double)x - p.x_px, (double)W);
                double dy = remainder((double)y - p.y_px, (double)W);
                sx += v * dx;
                sy += v * dy;
                sw += v;
            }
        assert_true(fabs(sx / sw) < 0.01);
        assert_true(fabs(sy / sw) < 0.01);
        dac_image_free(im);
    }
    dac_stem_sim_free(s);
}

/* The rendered spot equals the probe sampled at the exact offsets: with a Gaussian
 * probe P is known in closed form, so every pixel can be compared. The quintic
 * B-spline deposit measures 1·10⁻⁴ of the peak; a cubic one 1·10⁻³ (fails here). */
static void test_shape_matches_probe(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    o.probe.gaussian_fwhm_A = 0.8;
    const size_t W = 64;
    dac_stem_sim *s = make_sim(&o, W, W);
    dac_stem_point p = {31.37, 30.71, 1.0};
    dac_image *im = render(s, &p, 1, 1);
    double sigma = 0.8 / (2 * sqrt(2 * log(2))), peak = 1 / (2 * DAC_PI * sigma * sigma);
    double worst = 0;
    for (size_t y = 0; y < W; y++)
        for (size_t x = 0; x < W; x++) {
            double dx = (x - p.x_px) * o.pixel_A, dy = (y - p.y_px) * o.pixel_A;
            double expect = peak * exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
            worst = fmax(worst, fabs(im->pixels[y * W + x] - expect));
        }
    assert_true(worst < 3e-4 * peak);
    dac_image_free(im);
    dac_stem_sim_free(s);
}

/* Law: the probe integrates to 1, so a noiseless image sums to Σσ/p² (the detected
 * fraction per pixel) wherever the atoms sit. */
static void test_total_intensity(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    dac_stem_sim *s = make_sim(&o, 96, 80);
    dac_stem_point p[3] = {{3.3, 4.9, 85.7e-4}, {50.5, 40.25, 12.5e-4}, {95.9, 79.1, 1e-4}};
    dac_image *im = render(s, p, 3, 1);
    double total = sum_box(im, 0, 96, 0, 80) * o.pixel_A * o.pixel_A;
    assert_true(fabs(total / (99.2e-4) - 1) < 1e-4);
    assert_true(im->pixel_size_A[0] == o.pixel_A && im->pixel_size_A[1] == o.pixel_A);
    dac_image_free(im);
    dac_stem_sim_free(s);
}

/* Law: incoherent imaging — each atom's integrated intensity is σ × dose (docs/science.md
 * §3), so a Pt and a Ni atom far apart integrate in the ratio σ_Pt/σ_Ni = 85.7/12.5.
 * Airy tails fall as r⁻³ and carry ~1 % of the energy beyond 10 Å, so with the real
 * probe the atoms are 51 Å apart and the windows are the two halves of the image. */
static void pt_ni_ratio(const dac_stem_options *o, size_t W, double expect)
{
    dac_stem_sim *s = make_sim(o, W, W / 2);
    dac_stem_point p[2] = {{W / 4.0 + 0.3, W / 4.0 + 0.7, dac_stem_sigma_A2(o, 78)},
                           {3 * W / 4.0 - 0.4, W / 4.0 - 0.2, dac_stem_sigma_A2(o, 28)}};
    dac_image *im = render(s, p, 2, 1);
    double pt = sum_box(im, 0, W / 2, 0, W / 2), ni = sum_box(im, W / 2, W, 0, W / 2);
    assert_true(fabs(pt / ni / expect - 1) < 0.01);
    dac_image_free(im);
    dac_stem_sim_free(s);
}

static void test_pt_ni_table_ratio(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    assert_true(fabs(dac_stem_sigma_A2(&o, 78) - 85.7e-4) < 1e-12);
    assert_true(fabs(dac_stem_sigma_A2(&o, 28) - 12.5e-4) < 1e-12);
    pt_ni_ratio(&o, 512, 85.7 / 12.5);
    o.probe.gaussian_fwhm_A = 0.8; /* no tails: the same law, tighter */
    pt_ni_ratio(&o, 128, 85.7 / 12.5);
}

/* Law: σ ∝ Zⁿ (docs/science.md §3) — with n = 1.7 the Pt/Ni ratio is (78/28)^1.7; the scale
 * is fixed so carbon keeps its table value. */
static void test_pt_ni_zpower_ratio(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    o.zpower = 1.7;
    assert_true(fabs(dac_stem_sigma_A2(&o, 6) - 0.65e-4) < 1e-12);
    pt_ni_ratio(&o, 512, pow(78.0 / 28.0, 1.7));
}

/* Elements without a tabulated σ fall back to c·Z^1.9 fitted to the table: between its
 * neighbours for a metal in the middle of a row. */
static void test_sigma_fallback(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    double s_au = dac_stem_sigma_A2(&o, 79); /* Au: not in the domain table */
    assert_true(s_au > dac_stem_sigma_A2(&o, 78) * 0.8 && s_au < dac_stem_sigma_A2(&o, 78) * 1.3);
    assert_true(dac_stem_sigma_A2(&o, 0) == 0);
}

/* Law: shot noise — the detected electrons are Poisson, so the total over the image has
 * mean dose × Σσ and the pixels of a uniform region have variance = mean (gain 1) and
 * variance = gain × mean in counts for gain g. */
static void test_shot_noise(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = 1e6;
    dac_stem_sim *s = make_sim(&o, 128, 128);
    dac_stem_point p[2] = {{40.2, 50.6, 85.7e-4}, {90.7, 70.1, 12.5e-4}};
    dac_image *im = render(s, p, 2, 7);
    double mean = 1e6 * 98.2e-4, total = sum_box(im, 0, 128, 0, 128);
    assert_true(fabs(total - mean) < 4 * sqrt(mean));
    dac_image_free(im);
    dac_stem_sim_free(s);

    /* A flat carbon slab: every pixel has the same expectation λ = dose p² σ_C n_C t. */
    o.support_thickness_A = 20;
    o.support_roughness = 0;
    const double n_C = 2.0 * DAC_NA_PER_MOL / 12.011 * 1e-24;
    const double lambda = 1e6 * 0.04 * 0.65e-4 * n_C * 20;
    for (int gain = 1; gain <= 3; gain += 2) {
        o.gain = gain;
        s = make_sim(&o, 128, 128);
        im = render(s, NULL, 0, 11);
        double m = 0, v = 0, N = 128.0 * 128.0;
        for (size_t i = 0; i < 128 * 128; i++)
            m += im->pixels[i];
        m /= N;
        for (size_t i = 0; i < 128 * 128; i++)
            v += (im->pixels[i] - m) * (im->pixels[i] - m);
        v /= N - 1;
        assert_true(fabs(m / gain - lambda) < 5 * sqrt(lambda / N));
        /* var of the sample variance of Poisson(λ): (λ + 2λ²)/N per unit gain². */
        assert_true(fabs(v / (gain * gain) - lambda) < 5 * sqrt((lambda + 2 * lambda * lambda) / N));
        dac_image_free(im);
        dac_stem_sim_free(s);
    }
}

/* Same seed, same bytes; another seed, other bytes. */
static void test_seed_reproducible(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.support_thickness_A = 30;
    o.read_noise = 2;
    o.jitter_px = 0.3;
    dac_stem_sim *s = make_sim(&o, 64, 48);
    dac_stem_point p = {20.2, 20.9, 85.7e-4};
    dac_image *a = render(s, &p, 1, 42), *b = render(s, &p, 1, 42), *c = render(s, &p, 1, 43);
    assert_memory_equal(a->pixels, b->pixels, 64 * 48 * sizeof(float));
    assert_true(memcmp(a->pixels, c->pixels, 64 * 48 * sizeof(float)) != 0);
    dac_image_free(a);
    dac_image_free(b);
    dac_image_free(c);
    dac_stem_sim_free(s);
}

/* The slab: noiseless mean = σ_C n_C t0 per pixel (detected fraction); relative rms ≈
 * the roughness (slightly less: the probe smooths it), and neighbouring pixels closer
 * than the correlation length are strongly correlated. */
static void test_support_slab(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    o.pixel_A = 0.5;
    o.support_thickness_A = 30;
    o.support_roughness = 0.2;
    const size_t W = 256;
    dac_stem_sim *s = make_sim(&o, W, W);
    dac_image *im = render(s, NULL, 0, 3);
    double n_C = 2.0 * DAC_NA_PER_MOL / 12.011 * 1e-24, expect = 0.65e-4 * n_C * 30;
    double m = 0, v = 0, c1 = 0, N = (double)W * W;
    for (size_t i = 0; i < W * W; i++)
        m += im->pixels[i];
    m /= N;
    for (size_t i = 0; i < W * W; i++) {
        double d = im->pixels[i] - m, dn = im->pixels[(i + 1) % (W * W)] - m;
        v += d * d;
        c1 += d * dn;
    }
    assert_true(fabs(m / expect - 1) < 1e-3); /* the mean is set exactly (k = 0) */
    double rel = sqrt(v / N) / m;
    assert_true(rel > 0.15 && rel < 0.23);
    /* one pixel (0.5 Å) at ℓ = 5 Å: correlation exp(−0.5²/(2·25)) ≈ 0.995 */
    assert_true(c1 / v > 0.98);
    dac_image_free(im);
    dac_stem_sim_free(s);
}

/* Drift shears the image: line y is shifted right by drift·y/H. An atom near the
 * bottom of a frame with 10 px drift appears ~9 px to the right. */
static void test_drift_shift(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    o.drift_px = 10;
    const size_t W = 96;
    dac_stem_sim *s = make_sim(&o, W, W);
    dac_stem_point p = {30.0, 86.4, 85.7e-4};
    dac_image *im = render(s, &p, 1, 1);
    double shift = dac_stem_sim_line_shift(s, 86);
    assert_true(fabs(shift - 10.0 * 86 / 96) < 1e-12);
    /* Peak of line 86: near x = 30 + shift, not near 30. */
    size_t best = 0;
    for (size_t x = 1; x < W; x++)
        if (im->pixels[86 * W + x] > im->pixels[86 * W + best])
            best = x;
    assert_true(fabs((double)best - (30.0 + shift)) <= 1.0);
    dac_image_free(im);
    dac_stem_sim_free(s);
}

static dac_structure *two_atom_cell(void)
{
    dac_structure *st = NULL;
    assert_int_equal(dac_structure_create(0, &st), DAC_OK);
    const double ni[3] = {2.0, 3.0, 10.0}, c[3] = {6.0, 6.0, 10.0};
    assert_int_equal(dac_structure_append(st, 28, ni), DAC_OK);
    assert_int_equal(dac_structure_append(st, 6, c), DAC_OK);
    st->has_cell = 1;
    st->cell_A[0][0] = 10;
    st->cell_A[1][1] = 10;
    st->cell_A[2][2] = 20;
    st->pbc[0] = st->pbc[1] = st->pbc[2] = 1;
    return st;
}

/* A 10×10 Å periodic cell in a 20×20 Å field of view: four images of the Ni atom, at
 * the projected positions; c (along the beam) is not repeated. */
static void test_structure_tiling_and_truth(void **state)
{
    (void)state;
    dac_structure *st = two_atom_cell();
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    o.fov_A[0] = o.fov_A[1] = 20;
    dac_stem_frame f;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    assert_int_equal(f.width, 100);
    assert_int_equal(f.height, 100);
    dac_stem_sim *s = make_sim(&o, f.width, f.height);
    dac_image *im = NULL;
    dac_stem_truth *t = NULL;
    assert_int_equal(dac_stem_sim_render(s, st, 5, &im, &t), DAC_OK);
    assert_int_equal(t->n_atoms, 4);
    assert_int_equal(t->n_atoms_total, 8);
    /* Counts describe the image: four complete copies of the structure's one single. */
    assert_int_equal(t->structure_site_count[DAC_SITE_SINGLE], 1);
    assert_int_equal(t->site_count[DAC_SITE_SINGLE], 4);
    assert_int_equal(t->site_count_incomplete[DAC_SITE_SINGLE], 0);
    assert_int_equal(t->n_site_copies, 4);
    for (size_t i = 0; i < t->n_atoms; i++) {
        const dac_stem_truth_atom *a = &t->atoms[i];
        assert_int_equal(a->Z, 28);
        assert_int_equal(a->kind, DAC_SITE_SINGLE);
        assert_int_equal(a->site, i); /* one id per drawn copy, in order */
        assert_int_equal(a->structure_site, 0);
        assert_int_equal(a->complete, 1);
        /* FOV centred on the cell (0…10) → origin −5 Å; Ni at 2 (+10) → 7 or 17 Å. */
        assert_true(fabs(fmod(a->x_A, 10.0) - 7.0) < 1e-9);
        assert_true(fabs(fmod(a->y_A, 10.0) - 8.0) < 1e-9);
        assert_true(fabs(a->x_px - (a->x_A / 0.2 - 0.5)) < 1e-9);
        /* the image is bright there */
        size_t x = (size_t)lround(a->x_px), y = (size_t)lround(a->y_px);
        assert_true(im->pixels[y * f.width + x] > 1e-3);
        assert_true(im->pixels[y * f.width + x] > 20 * im->pixels[y * f.width + (x + 25) % 100]);
    }
    /* Total: 4 Ni + 4 C of intensity. */
    double total = sum_box(im, 0, 100, 0, 100) * 0.04;
    assert_true(fabs(total / (4 * (12.5e-4 + 0.65e-4)) - 1) < 1e-4);
    dac_stem_truth_free(t);
    dac_image_free(im);
    dac_stem_sim_free(s);
    dac_structure_free(st);
}

/* A cell that is not a whole number of pixels: the image is rounded up to 51 px, but
 * each atom is drawn once (no copy at the seam). Drift moves the truth with the line. */
static void test_seam_and_truth_shift(void **state)
{
    (void)state;
    dac_structure *st = two_atom_cell();
    st->cell_A[0][0] = 10.03;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    o.drift_px = 4;
    dac_stem_frame f;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    assert_int_equal(f.width, 51);
    assert_int_equal(f.height, 50);
    dac_stem_sim *s = make_sim(&o, f.width, f.height);
    dac_image *im = NULL;
    dac_stem_truth *t = NULL;
    assert_int_equal(dac_stem_sim_render(s, st, 1, &im, &t), DAC_OK);
    assert_int_equal(t->n_atoms_total, 2);
    assert_int_equal(t->n_atoms, 1);
    const dac_stem_truth_atom *a = &t->atoms[0];
    double row_shift = dac_stem_sim_line_shift(s, (size_t)lround(a->y_px));
    assert_true(row_shift > 0.5);
    assert_true(fabs(a->x_px - (a->x_A / o.pixel_A - 0.5) - row_shift) < 1e-9);
    dac_stem_truth_free(t);
    dac_image_free(im);
    dac_stem_sim_free(s);
    dac_structure_free(st);
}

/* Frames: the projected cell's bounding box; a view along x maps (y, z) to the image. */
static void test_frame_views(void **state)
{
    (void)state;
    dac_structure *st = two_atom_cell();
    dac_stem_options o;
    dac_stem_options_default(&o);
    dac_stem_frame f;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    assert_int_equal(f.width, 50);
    assert_true(f.e1[0] == 1 && f.e2[1] == 1);
    o.view[0] = 1;
    o.view[2] = 0;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    assert_true(fabs(f.e1[1] - 1) < 1e-12 && fabs(f.e2[2] - 1) < 1e-12);
    assert_int_equal(f.width, 50);  /* b: 10 Å */
    assert_int_equal(f.height, 100); /* c: 20 Å */
    o.view[0] = 0;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_ERR_USAGE);
    dac_structure_free(st);
}

static dac_structure *three_metals_in_box(int pbc_x)
{
    dac_structure *st = NULL;
    assert_int_equal(dac_structure_create(0, &st), DAC_OK);
    const double ni[3] = {5, 5, 5}, ni2[3] = {-3, 5, 5}, pt[3] = {15, 5, 5};
    assert_int_equal(dac_structure_append(st, 28, ni), DAC_OK);
    assert_int_equal(dac_structure_append(st, 28, ni2), DAC_OK);
    assert_int_equal(dac_structure_append(st, 78, pt), DAC_OK);
    st->has_cell = 1;
    for (int i = 0; i < 3; i++)
        st->cell_A[i][i] = 10;
    st->pbc[0] = pbc_x;
    return st;
}

static int warned(const char *text)
{
    for (size_t i = 0; i < dac_warning_count(); i++)
        if (strstr(dac_warning(i), text))
            return 1;
    return 0;
}

/* Regression: atoms outside a non-periodic cell (10 Å box, pbc F F F; Ni at x = 5 and
 * −3, Pt at 15) were silently not drawn and the truth listed one atom. The view now
 * spans cell ∪ atoms ± margin on non-periodic axes: x from −8 to 20 Å (140 px), y the
 * cell's 10 Å. A --fov that cuts atoms off warns and the counts follow what is drawn. */
static void test_atoms_outside_nonperiodic_cell(void **state)
{
    (void)state;
    dac_structure *st = three_metals_in_box(0);
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    dac_stem_frame f;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    assert_int_equal(f.width, 140);
    assert_int_equal(f.height, 50);
    dac_stem_sim *s = make_sim(&o, f.width, f.height);
    dac_image *im = NULL;
    dac_stem_truth *t = NULL;
    dac_warnings_clear();
    assert_int_equal(dac_stem_sim_render(s, st, 1, &im, &t), DAC_OK);
    assert_int_equal(t->n_atoms, 3);
    assert_int_equal(t->n_atoms_not_drawn, 0);
    assert_int_equal(t->site_count[DAC_SITE_SINGLE], 3);
    assert_false(warned("not drawn"));
    /* Pt (x = 15 Å) is where the truth says and is brightest there. */
    const dac_stem_truth_atom *pt = &t->atoms[2];
    assert_int_equal(pt->Z, 78);
    assert_true(fabs(pt->x_A - 23.0) < 1e-9);
    size_t x = (size_t)lround(pt->x_px), y = (size_t)lround(pt->y_px);
    assert_true(im->pixels[y * f.width + x] > 0.5 * im->pixels[y * f.width + x + 1] &&
                im->pixels[y * f.width + x] > 1e-3);
    dac_stem_truth_free(t);
    dac_image_free(im);
    dac_stem_sim_free(s);

    /* --fov 10 centred on the same box keeps only the Ni at x = 5. */
    o.fov_A[0] = o.fov_A[1] = 10;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    s = make_sim(&o, f.width, f.height);
    dac_warnings_clear();
    assert_int_equal(dac_stem_sim_render(s, st, 1, &im, &t), DAC_OK);
    assert_int_equal(t->n_atoms, 1);
    assert_int_equal(t->n_atoms_not_drawn, 2);
    assert_int_equal(t->site_count[DAC_SITE_SINGLE], 1);
    assert_int_equal(t->structure_site_count[DAC_SITE_SINGLE], 3);
    assert_true(warned("2 atoms outside the field of view not drawn"));
    dac_warnings_clear();
    dac_stem_truth_free(t);
    dac_image_free(im);
    dac_stem_sim_free(s);

    /* Periodic along x only: x stays one period (10 Å, the atoms wrap into it); y is
     * not periodic and would widen for atoms outside, here none. */
    dac_structure_free(st);
    st = three_metals_in_box(1);
    o.fov_A[0] = o.fov_A[1] = 0;
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    assert_int_equal(f.width, 50);
    assert_int_equal(f.height, 50);
    st->position_A[3 * 1 + 1] = -4; /* second Ni to y = −4: y spans −9 … 10 */
    st->position_A[3 * 2 + 2] = 7;  /* Pt off the first Ni's periodic image (x 15 ≡ 5) */
    assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
    assert_int_equal(f.width, 50);
    assert_int_equal(f.height, 95);
    s = make_sim(&o, f.width, f.height);
    assert_int_equal(dac_stem_sim_render(s, st, 1, &im, &t), DAC_OK);
    assert_int_equal(t->n_atoms, 3);
    assert_int_equal(t->n_atoms_not_drawn, 0);
    dac_stem_truth_free(t);
    dac_image_free(im);
    dac_stem_sim_free(s);
    dac_structure_free(st);
}

/* Regression: with periodic tiling every drawn copy shared one site id, and a pair cut
 * by the image edge still counted as a pair. Here a Ni pair straddles the boundary of a
 * periodic 10 Å cell (x = 1 and 9: 2 Å apart through the boundary). One period shows
 * two halves: two copies, both cut. A 30 Å view shows x = −9, −1, 1, 9, 11, 19 on each
 * of 3 rows of copies: pairs (−1, 1) and (9, 11) whole, −9 and 19 cut, so 6 complete and
 * 6 cut copies; each id belongs to exactly the atoms of one copy. */
static void test_site_copies(void **state)
{
    (void)state;
    dac_structure *st = NULL;
    assert_int_equal(dac_structure_create(0, &st), DAC_OK);
    const double a[3] = {1, 5, 10}, b[3] = {9, 5, 10};
    assert_int_equal(dac_structure_append(st, 28, a), DAC_OK);
    assert_int_equal(dac_structure_append(st, 28, b), DAC_OK);
    st->has_cell = 1;
    st->cell_A[0][0] = st->cell_A[1][1] = 10;
    st->cell_A[2][2] = 20;
    st->pbc[0] = st->pbc[1] = st->pbc[2] = 1;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = INFINITY;
    for (int pass = 0; pass < 2; pass++) {
        o.fov_A[0] = o.fov_A[1] = pass ? 30 : 0;
        dac_stem_frame f;
        assert_int_equal(dac_stem_frame_compute(&o, st, &f), DAC_OK);
        dac_stem_sim *s = make_sim(&o, f.width, f.height);
        dac_image *im = NULL;
        dac_stem_truth *t = NULL;
        assert_int_equal(dac_stem_sim_render(s, st, 1, &im, &t), DAC_OK);
        assert_int_equal(t->structure_site_count[DAC_SITE_PAIR], 1);
        size_t want_complete = pass ? 6 : 0, want_cut = pass ? 6 : 2;
        assert_int_equal(t->n_atoms, 2 * want_complete + want_cut);
        assert_int_equal(t->site_count[DAC_SITE_PAIR], want_complete);
        assert_int_equal(t->site_count_incomplete[DAC_SITE_PAIR], want_cut);
        assert_int_equal(t->n_site_copies, want_complete + want_cut);
        size_t next = 0;
        for (size_t i = 0; i < t->n_atoms; i++) {
            const dac_stem_truth_atom *ai = &t->atoms[i];
            assert_int_equal(ai->kind, DAC_SITE_PAIR);
            /* ids are dense and in order of first appearance */
            assert_true(ai->site <= next);
            if (ai->site == next)
                next++;
            size_t mates = 0;
            for (size_t j = 0; j < t->n_atoms; j++) {
                const dac_stem_truth_atom *aj = &t->atoms[j];
                if (j == i || aj->site != ai->site)
                    continue;
                mates++;
                /* the partner is the Ni 2 Å away on the same row */
                assert_true(fabs(fabs(aj->x_A - ai->x_A) - 2.0) < 1e-9);
                assert_true(fabs(aj->y_A - ai->y_A) < 1e-9);
            }
            assert_int_equal(mates, ai->complete ? 1 : 0);
        }
        assert_int_equal(next, t->n_site_copies);
        dac_stem_truth_free(t);
        dac_image_free(im);
        dac_stem_sim_free(s);
    }
    dac_structure_free(st);
}

/* Regression: a dose of 1e30 e⁻/Å² overflowed the Poisson counts into an all-zero
 * image; the options now refuse doses above 1e15 (infinity stays: noiseless). */
static void test_dose_cap(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    o.dose_e_A2 = 1e30;
    assert_int_equal(dac_stem_options_check(&o), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "dose_e_A2"));
    o.dose_e_A2 = 1.0000001e15;
    assert_int_equal(dac_stem_options_check(&o), DAC_ERR_USAGE);
    o.dose_e_A2 = 1e15;
    assert_int_equal(dac_stem_options_check(&o), DAC_OK);
    o.dose_e_A2 = INFINITY;
    assert_int_equal(dac_stem_options_check(&o), DAC_OK);
    /* At the cap the image is not zero: counts ≈ dose × pixel² × detected fraction. */
    o.dose_e_A2 = 1e15;
    dac_stem_sim *s = make_sim(&o, 32, 32);
    dac_stem_point p = {16, 16, 12.5e-4};
    dac_image *im = render(s, &p, 1, 3);
    double total = sum_box(im, 0, 32, 0, 32);
    assert_true(fabs(total / (1e15 * 12.5e-4) - 1) < 1e-3);
    dac_image_free(im);
    dac_stem_sim_free(s);
}

static void test_bad_input(void **state)
{
    (void)state;
    dac_stem_options o;
    dac_stem_options_default(&o);
    dac_stem_sim *s = NULL;
    assert_int_equal(dac_stem_sim_create(&o, 2, 64, &s), DAC_ERR_USAGE);
    assert_null(s);
    o.pixel_A = -1;
    assert_int_equal(dac_stem_sim_create(&o, 64, 64, &s), DAC_ERR_USAGE);
    dac_stem_options_default(&o);
    o.dose_e_A2 = 0;
    assert_int_equal(dac_stem_options_check(&o), DAC_ERR_USAGE);
    dac_stem_options_default(&o);
    s = make_sim(&o, 16, 16);
    dac_stem_point p = {NAN, 1, 1e-4};
    dac_image *im = (dac_image *)&p;
    assert_int_equal(dac_stem_sim_render_points(s, &p, 1, 1, &im), DAC_ERR_USAGE);
    assert_null(im);
    dac_stem_sim_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_centroid_subpixel),
        cmocka_unit_test(test_shape_matches_probe),
        cmocka_unit_test(test_total_intensity),
        cmocka_unit_test(test_pt_ni_table_ratio),
        cmocka_unit_test(test_pt_ni_zpower_ratio),
        cmocka_unit_test(test_sigma_fallback),
        cmocka_unit_test(test_shot_noise),
        cmocka_unit_test(test_seed_reproducible),
        cmocka_unit_test(test_support_slab),
        cmocka_unit_test(test_drift_shift),
        cmocka_unit_test(test_structure_tiling_and_truth),
        cmocka_unit_test(test_seam_and_truth_shift),
        cmocka_unit_test(test_frame_views),
        cmocka_unit_test(test_atoms_outside_nonperiodic_cell),
        cmocka_unit_test(test_site_copies),
        cmocka_unit_test(test_dose_cap),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
