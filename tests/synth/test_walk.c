/*
 * test_walk.c — a lone walker, with and without the first-passage acceleration.
 *
 * Law (docs/science.md §2): a continuous-time random walk on a 2-D lattice with z neighbours
 * at distance a and hop rate Γ per direction has ⟨r²(t)⟩ = zΓa² t = 4Dt, D = zΓa²/4,
 * at every t (each hop adds a² on average and hops are Poisson at rate zΓ). Checked
 * within 3 % on the triangular and the square lattice; with first-passage jumps the
 * law must hold just as well, since the jumps are exact in distribution (src/synth/fp.c).
 * Successive windows of one long walk are independent increments.
 */
#include "synth_test.h"

/* Mean squared displacement over n windows of length t_w; also the mean |Δr|⁴ for the
 * statistical error. */
static void msd(dac_synth_engine *e, double t_w, size_t n, double *mean, double *sem)
{
    const synth_lattice *g = &e->g;
    double sum = 0, sum2 = 0;
    int x0 = e->atoms[0].x, y0 = e->atoms[0].y;
    for (size_t k = 1; k <= n; k++) {
        synth_test_run(e, t_w * (double)k);
        int du = synth_wrap(e->atoms[0].x - x0 + g->L / 2, g->L) - g->L / 2;
        int dv = synth_wrap(e->atoms[0].y - y0 + g->L / 2, g->L) - g->L / 2;
        double r[2];
        synth_site_position(g, du, dv, r);
        double r2 = r[0] * r[0] + r[1] * r[1];
        sum += r2;
        sum2 += r2 * r2;
        x0 = e->atoms[0].x;
        y0 = e->atoms[0].y;
    }
    *mean = sum / (double)n;
    *sem = sqrt((sum2 / (double)n - *mean * *mean) / (double)n);
}

static void check_walk(dac_synth_lattice type, double spacing, int first_passage, double hops)
{
    dac_synth_params p;
    size_t windows = SYNTH_TEST_SANITIZED ? 4000 : 20000;
    /* the lattice is much wider than a window's displacement, so the minimum image is it */
    synth_test_gas(&p, hops > 5000 ? 2048 : 256, 1173.15, 1.0, 1);
    p.lattice = type;
    p.spacing_A = spacing;
    p.first_passage = first_passage;
    int z = type == DAC_SYNTH_SQUARE ? 4 : 6;
    double G = synth_test_gamma(&p, 0), t_w = hops / (z * G);
    p.segment[0].hold_s = t_w * (double)windows * 1.01;
    dac_synth_engine *e = synth_test_engine(&p, 11 + (uint64_t)first_passage);
    double mean, sem, expect = z * G * spacing * spacing * t_w;
    msd(e, t_w, windows, &mean, &sem);
    if (first_passage) /* the acceleration did most of the work */
        assert_true((double)e->by_kind[SYNTH_EV_HOP] < 0.1 * hops * (double)windows);
    else
        assert_int_equal(e->fp_jumps + e->fp_bursts, 0);
    if (fabs(mean / expect - 1) > 0.03 || fabs(mean - expect) > 4 * sem)
        print_error("⟨r²⟩ = %g ± %g Å², expected 4Dt = %g Å²\n", mean, sem, expect);
    assert_true(fabs(mean / expect - 1) <= 0.03);
    assert_true(fabs(mean - expect) <= 4 * sem);
    dac_synth_engine_free(e);
}

static void test_triangular(void **state)
{
    (void)state;
    check_walk(DAC_SYNTH_TRIANGULAR, 2.46, 0, 50);
}

static void test_square(void **state)
{
    (void)state;
    check_walk(DAC_SYNTH_SQUARE, 2.6, 0, 50);
}

/* Windows of 2000 hops end inside a domain (the walker's place is drawn when it is
 * burst); windows of 20000 hops are mostly domain exits. */
static void test_triangular_first_passage(void **state)
{
    (void)state;
    check_walk(DAC_SYNTH_TRIANGULAR, 2.46, 1, 2000);
    check_walk(DAC_SYNTH_TRIANGULAR, 2.46, 1, 20000);
}

static void test_square_first_passage(void **state)
{
    (void)state;
    check_walk(DAC_SYNTH_SQUARE, 2.6, 1, 2000);
    check_walk(DAC_SYNTH_SQUARE, 2.6, 1, 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_triangular), cmocka_unit_test(test_square),
        cmocka_unit_test(test_triangular_first_passage), cmocka_unit_test(test_square_first_passage)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
