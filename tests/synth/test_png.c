/*
 * test_png.c — final.png reads at a glance (issue 8): on a lattice so large that an atom
 * is less than a pixel, every single is still a disc several pixels across, every pair
 * two touching discs along its axis, every cluster its atoms' discs, each with a dark
 * outline; markers shrink where sites crowd, but never below a readable size; the
 * kinds keep their three colours.
 */
#include "synth_test.h"

static const unsigned char *pixel(const synth_canvas *c, double x, double y)
{
    int i = (int)floor(x), j = (int)floor(y);
    assert_true(i >= 0 && j >= 0 && i < c->w && j < c->h);
    return c->rgb + 3 * ((size_t)j * (size_t)c->w + (size_t)i);
}

static int is(const unsigned char *px, int kind) { return !memcmp(px, synth_png_colour(kind), 3); }

static void to_px(const synth_canvas *c, const dac_synth_engine *e, double x, double y, double *px, double *py)
{
    double r[2];
    synth_site_position(&e->g, x, y, r);
    *px = r[0] * c->scale;
    *py = c->h - 40 - r[1] * c->scale; /* the legend strip below the picture */
}

/* A disc of `kind` of radius ≥ r at (x, y), with the outline just outside it
 * (looked for along the directions that are not `skip`, where a partner may sit). */
static void assert_disc(const synth_canvas *c, double x, double y, double r, int kind, double skip_dx, double skip_dy)
{
    for (int k = 0; k < 16; k++) {
        double ux = cos(k * DAC_PI / 8), uy = sin(k * DAC_PI / 8);
        assert_true(is(pixel(c, x + (r - 0.8) * ux, y + (r - 0.8) * uy), kind));
        if (ux * skip_dx + uy * skip_dy > 0.2)
            continue;
        int ring = 0;
        for (double t = r - 0.5; t <= r + 2.0; t += 0.25)
            ring |= is(pixel(c, x + t * ux, y + t * uy), 4);
        assert_true(ring);
    }
}

/* `atoms` Ni at random sites, never moving. */
static dac_synth_engine *still_engine(size_t L, size_t atoms)
{
    dac_synth_params p;
    synth_test_gas(&p, L, 300, 1, atoms);
    p.first_passage = 0;
    return synth_test_engine(&p, 1);
}

/* Atom `next` (lifted from its random site) to (x, y). */
static void put_atom(dac_synth_engine *e, uint32_t *next, int x, int y)
{
    synth_place(e, (*next)++, synth_wrap(x, e->g.L), synth_wrap(y, e->g.L));
}

static void test_sparse_markers(void **state)
{
    (void)state;
    size_t L = 400; /* 1476 Å wide in a 1200 px picture: 0.8 px per Å */
    /* 12 singles, 6 pairs (one along each direction), 3 clusters (3, 5, 7 atoms), on a
     * coarse grid of slots */
    dac_synth_engine *e = still_engine(L, 12 + 12 + 15);
    const synth_lattice *g = &e->g;
    for (uint32_t i = 0; i < e->n_atoms; i++)
        synth_lift(e, i);
    uint32_t next = 0;
    int slot = 0;
    for (int k = 0; k < 12; k++, slot++)
        put_atom(e, &next, 30 + 40 * (slot % 9), 30 + 40 * (slot / 9));
    for (int d = 0; d < 6; d++, slot++) {
        int x = 30 + 40 * (slot % 9), y = 30 + 40 * (slot / 9);
        put_atom(e, &next, x, y);
        put_atom(e, &next, x + g->dx[d], y + g->dy[d]);
    }
    for (int k = 0; k < 3; k++, slot++) {
        int x = 30 + 40 * (slot % 9), y = 30 + 40 * (slot / 9);
        for (int d = 0; d < 2 * k + 2; d++)
            put_atom(e, &next, x + g->dx[d], y + g->dy[d]);
        put_atom(e, &next, x, y);
    }
    assert_int_equal(next, e->n_atoms);
    synth_analysis a;
    assert_int_equal(synth_analyze(e, 0, &a), DAC_OK);
    assert_int_equal(a.count[DAC_SITE_SINGLE], 12);
    assert_int_equal(a.count[DAC_SITE_PAIR], 6);
    assert_int_equal(a.count[DAC_SITE_CLUSTER], 3);
    synth_analysis_free(&a);
    synth_canvas c;
    assert_int_equal(synth_render(e, &c), DAC_OK);
    assert_true(c.scale < 1.0);                       /* an atom is under a pixel … */
    assert_true(c.marker_px >= 4.0);                  /* … its marker ≥ 8 px across */
    double r = c.marker_px;
    for (size_t i = 0; i < 12; i++) {
        double x, y;
        to_px(&c, e, e->atoms[i].x, e->atoms[i].y, &x, &y);
        assert_disc(&c, x, y, r, DAC_SITE_SINGLE, 0, 0);
    }
    for (size_t i = 12; i < 24; i += 2) {
        double x0, y0, x1, y1;
        to_px(&c, e, e->atoms[i].x, e->atoms[i].y, &x0, &y0);
        to_px(&c, e, e->atoms[i + 1].x, e->atoms[i + 1].y, &x1, &y1);
        double ux = x1 - x0, uy = y1 - y0, d = sqrt(ux * ux + uy * uy);
        ux /= d;
        uy /= d;
        double mx = 0.5 * (x0 + x1), my = 0.5 * (y0 + y1);
        /* two touching discs of radius r, centred r either side of the middle */
        assert_disc(&c, mx - r * ux, my - r * uy, r, DAC_SITE_PAIR, ux, uy);
        assert_disc(&c, mx + r * ux, my + r * uy, r, DAC_SITE_PAIR, -ux, -uy);
        assert_true(!is(pixel(&c, mx + (2 * r + 3) * ux, my + (2 * r + 3) * uy), DAC_SITE_PAIR));
        assert_true(!is(pixel(&c, mx - (2 * r + 3) * uy, my + (2 * r + 3) * ux), DAC_SITE_PAIR));
    }
    for (size_t i = 24; i < e->n_atoms; i++) {
        double x, y;
        to_px(&c, e, e->atoms[i].x, e->atoms[i].y, &x, &y);
        assert_true(is(pixel(&c, x, y), DAC_SITE_CLUSTER));
    }
    free(c.rgb);
    dac_synth_engine_free(e);
}

/* Where sites crowd, markers shrink (so they do not cover each other) but stay readable. */
static void test_crowded_markers(void **state)
{
    (void)state;
    size_t L = 640, n = 6000;
    dac_synth_engine *e = still_engine(L, n);
    synth_canvas c;
    assert_int_equal(synth_render(e, &c), DAC_OK);
    print_message("%zu atoms: marker radius %.2f px\n", n, c.marker_px);
    assert_true(c.marker_px >= 3.0 && c.marker_px < 4.0);
    size_t drawn[5] = {0};
    for (size_t k = 0; k < (size_t)c.w * (size_t)c.h; k++)
        for (int kind = 1; kind <= 3; kind++)
            drawn[kind] += !memcmp(c.rgb + 3 * k, synth_png_colour(kind), 3);
    assert_true(drawn[DAC_SITE_SINGLE] > 0 && drawn[DAC_SITE_PAIR] > 0 && drawn[DAC_SITE_CLUSTER] > 0);
    free(c.rgb);
    dac_synth_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sparse_markers), cmocka_unit_test(test_crowded_markers)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
