/*
 * cmd_stem_learn.c — `dac stem learn IMAGE… --labels CSV… -o MODEL.json`: trains the
 * learned detector (dac_stem_learner) on hand-labelled images and writes its model.
 * Options, reading inputs and messages only; the science is in src/stem/count/learn.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "dac/image.h"
#include "dac/stem_count.h"

static void learn_help(FILE *f)
{
    fprintf(f,
        "usage: dac stem learn IMAGE... --labels CSV... -o MODEL.json [options]\n\n"
        "Trains a classifier that rescores the candidates of `dac stem count` (its statistical\n"
        "detector at a lower threshold) from their features, on images whose atoms were all\n"
        "labelled by hand. Use it with `dac stem count --model MODEL.json`.\n\n"
        "options:\n"
        "  -o, --output FILE           the model (a JSON record; '-': standard output)\n"
        "      --labels CSV...         one label file per image, in the same order: hand\n"
        "                              labels ,X,Y (pixels), atoms.csv or truth.csv\n"
        "      --name NAME             the model's name (default: FILE without .json)\n"
        "      --pixel Å               pixel size (overrides the files' calibration)\n"
        "      --probe-fwhm Å          nominal atom image FWHM of the detector (1.0)\n"
        "      --background-sigma Å    the detector's smooth background σ (2.0)\n"
        "      --candidate-false-alarms R  the detector's rate for candidates, per nm² (0.8)\n"
        "      --candidate-min-fraction F  the faint-blob floor for candidates (0.25)\n"
        "      --match-distance Å      a candidate within this of a label is an atom (1.5)\n"
        "      --max-trees N           most trees; chosen among N/8, N/4, N/2, N (400)\n"
        "      --max-depth N           depth of each tree (3)\n"
        "      --learning-rate η       shrinkage of each tree (0.1)\n"
        "  -q, --quiet                 errors only\n"
        "  -h, --help                  this help\n\n"
        "Every default and how to read the model: docs/stem-count.md.\n");
}

enum {
    O_LABELS = 256, O_NAME, O_PIXEL, O_FWHM, O_BG, O_CFA, O_CFRAC, O_MATCH, O_TREES, O_DEPTH,
    O_ETA
};

typedef struct {
    dac_stem_count_params p;
    dac_stem_learn_options o;
    const char *out, *name;
    const char **labels;
    size_t n_labels;
} learn_args;

/* --labels takes every following argument up to the next option. */
static int take_labels(int argc, char **argv, learn_args *a)
{
    const char **v = realloc(a->labels, sizeof *v * (a->n_labels + (size_t)argc));
    if (!v)
        return cli_usage_error("stem learn", "out of memory");
    a->labels = v;
    a->labels[a->n_labels++] = optarg;
    while (optind < argc && argv[optind][0] != '-')
        a->labels[a->n_labels++] = argv[optind++];
    return 0;
}

static int parse_int(const char *opt, const char *text, int lo, int hi, int *v)
{
    long x;
    if (cli_parse_long("stem learn", opt, text, &x))
        return 2;
    if (x < lo || x > hi)
        return cli_usage_error("stem learn", "option %s: expected %d-%d, got %ld", opt, lo, hi, x);
    *v = (int)x;
    return 0;
}

static int parse_learn_args(int argc, char **argv, learn_args *a, int *done)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"labels", required_argument, 0, O_LABELS},
        {"name", required_argument, 0, O_NAME}, {"pixel", required_argument, 0, O_PIXEL},
        {"probe-fwhm", required_argument, 0, O_FWHM},
        {"background-sigma", required_argument, 0, O_BG},
        {"candidate-false-alarms", required_argument, 0, O_CFA},
        {"candidate-min-fraction", required_argument, 0, O_CFRAC},
        {"match-distance", required_argument, 0, O_MATCH},
        {"max-trees", required_argument, 0, O_TREES}, {"max-depth", required_argument, 0, O_DEPTH},
        {"learning-rate", required_argument, 0, O_ETA},
        {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *C = "stem learn";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qvh", opts, NULL)) != -1) {
        int st = 0;
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'v': break;
        case 'h': learn_help(stdout); *done = 1; return 0;
        case O_LABELS: st = take_labels(argc, argv, a); break;
        case O_NAME: a->name = optarg; break;
        case O_PIXEL: st = cli_parse_double(C, "--pixel", optarg, &a->p.pixel_A); break;
        case O_FWHM: st = cli_parse_double(C, "--probe-fwhm", optarg, &a->p.probe_fwhm_A); break;
        case O_BG: st = cli_parse_double(C, "--background-sigma", optarg, &a->p.background_sigma_A); break;
        case O_CFA:
            st = cli_parse_double(C, "--candidate-false-alarms", optarg,
                                  &a->o.candidate_false_alarms_per_nm2);
            break;
        case O_CFRAC:
            st = cli_parse_double(C, "--candidate-min-fraction", optarg,
                                  &a->o.candidate_min_atom_fraction);
            break;
        case O_MATCH: st = cli_parse_double(C, "--match-distance", optarg, &a->o.match_distance_A); break;
        case O_TREES: st = parse_int("--max-trees", optarg, 8, 100000, &a->o.max_trees); break;
        case O_DEPTH: st = parse_int("--max-depth", optarg, 1, 12, &a->o.max_depth); break;
        case O_ETA: st = cli_parse_double(C, "--learning-rate", optarg, &a->o.learning_rate); break;
        default: return cli_bad_option(C, c, argv);
        }
        if (st)
            return st;
    }
    size_t n_images = (size_t)(argc - optind);
    if (n_images == 0)
        return cli_usage_error(C, "expected IMAGE files");
    if (!a->out)
        return cli_usage_error(C, "-o MODEL.json is required");
    if (a->n_labels != n_images)
        return cli_usage_error(C, "--labels: expected one label file per image (%zu images), got %zu",
                               n_images, a->n_labels);
    if (!(a->p.pixel_A >= 0))
        return cli_usage_error(C, "option --pixel: expected a pixel size > 0 in Å");
    return 0;
}

static int add_image(dac_stem_learner *l, const char *image, const char *labels, double pixel_A)
{
    dac_image *im = NULL;
    double *xy = NULL;
    size_t n = 0;
    int st = dac_image_read(image, DAC_IMAGE_FORMAT_AUTO, &im);
    if (st == DAC_OK)
        st = dac_stem_points_read(labels, pixel_A > 0 ? pixel_A : im->pixel_size_A[0], &xy, &n);
    if (st == DAC_OK)
        st = dac_stem_learner_add_image(l, im, NULL, image, xy, n);
    free(xy);
    dac_image_free(im);
    return st;
}

/* The model's name: --name, else the output file's name without folder and .json. */
static void model_name(const learn_args *a, char *buf, size_t size)
{
    const char *base = strrchr(a->out, '/');
    base = base ? base + 1 : a->out;
    if (a->name)
        snprintf(buf, size, "%s", a->name);
    else if (!strcmp(a->out, "-") || !*base)
        snprintf(buf, size, "model");
    else
        snprintf(buf, size, "%.*s", (int)(strstr(base, ".json") ? strstr(base, ".json") - base
                                                                 : (ptrdiff_t)strlen(base)), base);
}

static void print_summary(FILE *f, const dac_stem_model *m)
{
    const dac_stem_model_info *in = dac_stem_model_get_info(m);
    fprintf(f, "model %s: %zu trees, threshold %.2f; leave-one-image-out F1 %.3f on %zu "
            "images (%zu labels, %zu candidates, %.0f %% of the labels among them)\n", in->name,
            in->n_trees, in->decision_threshold, in->cv_f1, in->n_images, in->n_labels,
            in->n_candidates, 100 * in->label_coverage);
    size_t order[64], n = in->n_features < 64 ? in->n_features : 64;
    for (size_t k = 0; k < n; k++)
        order[k] = k;
    for (size_t k = 1; k < n; k++) /* insertion sort by importance, largest first */
        for (size_t j = k; j > 0 && dac_stem_model_feature_importance(m, order[j]) >
                                        dac_stem_model_feature_importance(m, order[j - 1]); j--) {
            size_t t = order[j];
            order[j] = order[j - 1], order[j - 1] = t;
        }
    fprintf(f, "most important:");
    for (size_t k = 0; k < n && k < 5; k++)
        fprintf(f, " %s %.2f", dac_stem_model_feature_name(m, order[k]),
                dac_stem_model_feature_importance(m, order[k]));
    fprintf(f, "\n");
}

int cmd_stem_learn(int argc, char **argv)
{
    learn_args a;
    memset(&a, 0, sizeof a);
    dac_stem_count_params_default(&a.p);
    dac_stem_learn_options_default(&a.o);
    int done = 0, rc = parse_learn_args(argc, argv, &a, &done);
    if (rc || done) {
        free(a.labels);
        return rc;
    }
    size_t m = (size_t)(argc - optind);
    char **images = argv + optind;
    dac_stem_learner *l = NULL;
    dac_stem_model *model = NULL;
    int st = dac_stem_learner_create(&a.p, &a.o, &l);
    cli_progress *bar = cli_progress_create("learn", cli_quiet);
    for (size_t k = 0; st == DAC_OK && k < m; k++) {
        cli_progress_update(0.5 * (double)k / (double)m, bar);
        st = add_image(l, images[k], a.labels[k], a.p.pixel_A);
    }
    cli_progress_update(0.5, bar);
    char name[256];
    model_name(&a, name, sizeof name);
    if (st == DAC_OK)
        st = dac_stem_learner_train(l, name, &model);
    cli_progress_update(1.0, bar);
    cli_progress_free(bar);
    /* Provenance: the images, then their label files. */
    const char **inputs = malloc(sizeof *inputs * 2 * m);
    if (st == DAC_OK && !inputs)
        st = dac_error(DAC_ERR_NOMEM, "stem learn: out of memory");
    for (size_t k = 0; st == DAC_OK && k < m; k++)
        inputs[k] = images[k], inputs[m + k] = a.labels[k];
    dac_provenance prov = cli_provenance(0, 0, 2 * m, inputs);
    if (st == DAC_OK)
        st = dac_stem_model_write(model, a.out, &prov);
    if (st == DAC_OK && !cli_quiet)
        print_summary(strcmp(a.out, "-") ? stdout : stderr, model); /* '-': the model is on stdout */
    free(inputs), free(a.labels);
    dac_stem_model_free(model);
    dac_stem_learner_free(l);
    if (st != DAC_OK)
        return cli_fail(st);
    cli_print_warnings();
    return 0;
}
