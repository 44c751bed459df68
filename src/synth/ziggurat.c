/*
 * ziggurat.c — exponential waiting times by the ziggurat method (Marsaglia & Tsang,
 * J. Stat. Softw. 5(8), 2000), which is exact: the density is covered by 256 layers of
 * equal area; a random layer and a random point in it are accepted outright 99 % of the
 * time (no logarithm), the rest is decided against e^{−x} or, in the base layer's tail,
 * by the memoryless tail x = r − ln u. One waiting time per event, so the logarithm it
 * replaces was a tenth of the cost of a hop.
 *
 * The layer comes from the low 8 bits of a 64-bit word and the point from its top 53
 * (separate bits: the correlation Leong et al., J. Stat. Softw. 12(7), 2005, found came
 * from reusing the same bits of a weak 32-bit generator).
 */
#include "synth/synth_internal.h"

#define ZIG_R 7.69711747013104972 /* start of the tail */
#define ZIG_V 3.949659822581572e-3 /* area of each layer */
#define TWO53 9007199254740992.0

void synth_zig_init(synth_zig *z)
{
    double de = ZIG_R, te = de, q = ZIG_V / exp(-de);
    z->k[0] = (uint64_t)((de / q) * TWO53);
    z->k[1] = 0;
    z->w[0] = q / TWO53;
    z->w[255] = de / TWO53;
    z->f[0] = 1.0;
    z->f[255] = exp(-de);
    for (int i = 254; i >= 1; i--) {
        de = -log(ZIG_V / de + exp(-de));
        z->k[i + 1] = (uint64_t)((de / te) * TWO53);
        te = de;
        z->f[i] = exp(-de);
        z->w[i] = de / TWO53;
    }
}

/* The rest of synth_zig_exponential (synth_internal.h, which takes the 99 % of words
 * that fall inside a layer itself): the same word again, then rejection. */
double synth_zig_exponential_slow(const synth_zig *z, uint64_t word, dac_rng *rng)
{
    for (;;) {
        unsigned i = (unsigned)(word & 255);
        uint64_t j = word >> 11;
        if (j < z->k[i])
            return (double)j * z->w[i];
        if (i == 0) /* the tail beyond r: r plus an exponential (memoryless) */
            return ZIG_R - log(dac_rng_uniform_open(rng));
        double x = (double)j * z->w[i];
        if (z->f[i] + dac_rng_uniform(rng) * (z->f[i - 1] - z->f[i]) < exp(-x))
            return x;
        word = dac_rng_next(rng);
    }
}
