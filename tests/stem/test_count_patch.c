/*
 * test_count_patch.c — the learned detector's pixel patch (patch.c): on a noise-free
 * image of Gaussian blobs on a flat background, the centre sample is the blurred
 * atom's peak over the typical atom's amplitude, and the patch of a blob with
 * neighbours is the same whichever way the scene is turned or mirrored (the canonical
 * orientation, its mirror included).
 */
#include <stdlib.h>
#include <string.h>

#include "dac_test.h"

#include "stem/count/learn_internal.h"

#define W 96
#define H 96
#define PX_A 0.25
#define SIGMA_A 0.45 /* the atom image, ≈ 1.06 Å FWHM */
#define N_PATCH (COUNT_PATCH_SIDE * COUNT_PATCH_SIDE)
#define N_COLS COUNT_PATCH_COLUMNS
#define CENTRE (N_PATCH / 2)

/* Gaussians of σ SIGMA_A with amplitudes amp at (x, y) px on a background of 5. */
static float *render(const double *xy, const double *amp, size_t n)
{
    float *img = malloc(sizeof *img * W * H);
    double s = SIGMA_A / PX_A;
    for (size_t y = 0; y < H; y++)
        for (size_t x = 0; x < W; x++) {
            double v = 5.0;
            for (size_t k = 0; k < n; k++) {
                double dx = (double)x - xy[2 * k], dy = (double)y - xy[2 * k + 1];
                v += amp[k] * exp(-(dx * dx + dy * dy) / (2 * s * s));
            }
            img[y * W + x] = (float)v;
        }
    return img;
}

/* The patch of blob 0 of the scene (every blob's is computed). */
static void patch(const double *xy, const double *amp, size_t n, float *out)
{
    float *img = render(xy, amp, n), *bg = malloc(sizeof *bg * W * H);
    float *all = malloc(sizeof *all * N_COLS * n);
    for (size_t i = 0; i < W * H; i++)
        bg[i] = 5.0f;
    dac_stem_blob b[3];
    memset(b, 0, sizeof b);
    for (size_t k = 0; k < n; k++)
        b[k].x_px = xy[2 * k], b[k].y_px = xy[2 * k + 1];
    count_detection d;
    memset(&d, 0, sizeof d);
    d.width = W, d.height = H, d.pixel_A = PX_A, d.background = bg, d.blobs = b, d.n_blobs = n;
    assert_int_equal(count_patch_features(img, W, H, &d, PX_A, 10.0, all, N_COLS, 0), DAC_OK);
    memcpy(out, all, sizeof *out * N_PATCH);
    free(img), free(bg), free(all);
}

static void test_centre_is_the_blurred_peak(void **state)
{
    (void)state;
    double xy[2] = {47.0, 48.0}, amp[1] = {10.0};
    float p[N_PATCH];
    patch(xy, amp, 1, p);
    /* A Gaussian of σ blurred by one of σ_b peaks at σ²/(σ² + σ_b²) of its height;
     * the blur is 0.4 Å. The centre is on a pixel, so no interpolation enters. */
    double expect = SIGMA_A * SIGMA_A / (SIGMA_A * SIGMA_A + 0.4 * 0.4);
    assert_near(p[CENTRE], expect, 0.01);
    /* A lone round blob: on the patch's border, 2 Å and more away, it is below 1 % of
     * its peak (the blurred σ is 0.6 Å). */
    for (int j = 0; j < COUNT_PATCH_SIDE; j++)
        for (int i = 0; i < COUNT_PATCH_SIDE; i++)
            if (i == 0 || j == 0 || i == COUNT_PATCH_SIDE - 1 || j == COUNT_PATCH_SIDE - 1)
                assert_true(fabs(p[j * COUNT_PATCH_SIDE + i]) < 0.01);
}

/* Blob 0 at the centre, a bright neighbour 1.5 Å away at angle theta, a faint one
 * 2 Å away at theta + side·100°; side −1 is the mirror image. */
static void scene(double theta, double side, float *out)
{
    double r1 = 1.5 / PX_A, r2 = 2.0 / PX_A, t2 = theta + side * 100.0 * DAC_PI / 180.0;
    double xy[6] = {48.2, 47.7, 48.2 + r1 * cos(theta), 47.7 + r1 * sin(theta),
                    48.2 + r2 * cos(t2), 47.7 + r2 * sin(t2)};
    double amp[3] = {10.0, 6.0, 3.0};
    patch(xy, amp, 3, out);
}

static void test_patch_is_turned_and_mirrored_to_one_frame(void **state)
{
    (void)state;
    float ref[N_PATCH], p[N_PATCH];
    scene(0.3, 1, ref);
    /* The bright neighbour on the +u side (columns right of the centre column), the
     * faint one off the u axis: the patch is not symmetric in v, so the mirrored
     * scenes below match only if the mirror is undone. */
    double plus_u = 0, minus_u = 0, plus_v = 0, minus_v = 0;
    for (int j = 0; j < COUNT_PATCH_SIDE; j++)
        for (int i = 0; i < COUNT_PATCH_SIDE; i++) {
            double v = ref[j * COUNT_PATCH_SIDE + i];
            plus_u += i > COUNT_PATCH_SIDE / 2 ? v : 0, minus_u += i < COUNT_PATCH_SIDE / 2 ? v : 0;
            plus_v += j > COUNT_PATCH_SIDE / 2 ? v : 0, minus_v += j < COUNT_PATCH_SIDE / 2 ? v : 0;
        }
    assert_true(plus_u > minus_u + 1.0);
    assert_true(fabs(plus_v - minus_v) > 0.3);
    const double turns[][2] = {{2.1, 1}, {-1.4, 1}, {0.3, -1}, {4.0, -1}};
    for (size_t t = 0; t < sizeof turns / sizeof *turns; t++) {
        scene(turns[t][0], turns[t][1], p);
        for (int k = 0; k < N_PATCH; k++)
            assert_near(p[k], ref[k], 0.03);
    }
}

static void test_outside_the_image_is_missing(void **state)
{
    (void)state;
    double xy[2] = {1.0, 50.0}, amp[1] = {10.0};
    float p[N_PATCH];
    patch(xy, amp, 1, p);
    size_t missing = 0;
    for (int k = 0; k < N_PATCH; k++)
        missing += isnan(p[k]);
    /* 2 Å = 8 px reach beyond a centre 1 px from the edge: some samples fall outside. */
    assert_true(missing > 0 && missing < N_PATCH);
    assert_false(isnan(p[CENTRE]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_centre_is_the_blurred_peak),
        cmocka_unit_test(test_patch_is_turned_and_mirrored_to_one_frame),
        cmocka_unit_test(test_outside_the_image_is_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
