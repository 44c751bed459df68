/*
 * simulate.c — libdac examples 2 and 3: simulate a HAADF-STEM image of a structure,
 * then count the image as `dac stem count` does.
 *
 *   simulate STRUCTURE IMAGE.tif [SEED]
 *
 * Writes IMAGE.tif, IMAGE.truth.csv (where every metal atom was drawn) and IMAGE.json
 * (the parameters and provenance), all or none, and prints the image size and the sites
 * drawn. The simulator is an engine object: created once for an image size (FFTW plans,
 * probe), then rendered any number of times. Then a counter (the same object behind
 * `dac stem count`) counts the image and writes its result set into IMAGE.count/; the
 * program prints what it found beside the truth. See docs/library.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include <dac/stem.h>
#include <dac/stem_count.h>

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: simulate STRUCTURE IMAGE.tif [SEED]\n");
        return 2;
    }
    uint64_t seed = argc == 4 ? strtoull(argv[3], NULL, 10) : 1;
    dac_structure *s = NULL;
    dac_stem_sim *sim = NULL;
    dac_image *image = NULL;
    dac_stem_truth *truth = NULL;
    dac_stem_options opt;
    dac_stem_options_default(&opt); /* 300 kV, 25 mrad, 0.2 Å pixels, 1e6 e/Å² */
    dac_stem_frame frame;

    int st = dac_struct_read(argv[1], DAC_FORMAT_AUTO, &s);
    if (st == DAC_OK)
        st = dac_stem_frame_compute(&opt, s, &frame);
    if (st == DAC_OK)
        st = dac_stem_sim_create(&opt, frame.width, frame.height, &sim);
    if (st == DAC_OK)
        st = dac_stem_sim_render(sim, s, seed, &image, &truth);
    if (st == DAC_OK) {
        /* What the record says made the image: this command line, the seed, the input
         * (named with its SHA-256). */
        const char *inputs[] = {argv[1]};
        dac_provenance prov = {argc, argv, 1, seed, 1, inputs};
        st = dac_stem_sim_write(sim, image, truth, argv[2], 0, &prov);
    }
    for (size_t i = 0; i < dac_warning_count(); i++)
        fprintf(stderr, "simulate: warning: %s\n", dac_warning(i));
    if (st == DAC_OK)
        printf("%zu x %zu pixels of %.2f A: %zu single, %zu pair, %zu cluster drawn\n",
               image->width, image->height, frame.pixel_A, truth->site_count[DAC_SITE_SINGLE],
               truth->site_count[DAC_SITE_PAIR], truth->site_count[DAC_SITE_CLUSTER]);
    else
        fprintf(stderr, "simulate: %s\n", dac_last_error());

    /* Example 3: count the image just simulated. Parameters from their defaults (the
     * pixel size comes from the image), one image, statistics, the result set. */
    dac_stem_counter *counter = NULL;
    dac_stem_count_params cp;
    dac_stem_count_params_default(&cp);
    if (st == DAC_OK)
        st = dac_stem_counter_create(&cp, &counter);
    if (st == DAC_OK)
        st = dac_stem_counter_add_image(counter, image, NULL, argv[2]);
    if (st == DAC_OK)
        st = dac_stem_counter_finish(counter, seed);
    if (st == DAC_OK) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s.count", argv[2]);
        const char *inputs[] = {argv[2]};
        dac_provenance prov = {argc, argv, 1, seed, 1, inputs};
        st = dac_stem_counter_write(counter, dir, &prov); /* atoms.csv, sites.csv, summary.json, … */
    }
    if (st == DAC_OK) {
        const dac_stem_count_stats *c = dac_stem_counter_stats(counter);
        printf("counted: %zu atoms, %zu single, %zu pair, %zu cluster\n", c->n_atoms, c->n_single,
               c->n_pair, c->n_cluster);
    } else if (counter) {
        fprintf(stderr, "simulate: counting: %s\n", dac_last_error());
    }
    dac_stem_counter_free(counter);

    dac_stem_truth_free(truth);
    dac_image_free(image);
    dac_stem_sim_free(sim);
    dac_structure_free(s);
    return dac_status_exit_code(st);
}
