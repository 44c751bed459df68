/*
 * cmd_image.c — `dac image info FILE [--json]` and `dac image convert IN OUT [...]`:
 * look at what a microscope file holds (size, sample type, pixel size in Å, metadata)
 * and turn it into a TIFF (float32/uint16 with ImageJ scale) or a PNG (8-bit display
 * stretch or 16-bit), optionally cropped to a rectangle first. No image logic here; the
 * library reads, crops and writes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#include "cli/cli.h"
#include "dac/image.h"

static void print_help(FILE *f)
{
    fprintf(f,
            "usage: dac image info FILE [--json]\n"
            "       dac image convert IN OUT [--type float32|uint16] [--bits 8|16]\n"
            "                         [--range LO HI | --percentiles LO HI] [--crop X Y W H]\n\n"
            "Reads TIFF, PNG, Gatan DM3/DM4 and MRC2014 images (see docs/image.md).\n\n"
            "info: size, sample type, pixel size in Å per axis, the file's unit,\n"
            "      min/max/mean and the metadata the file holds.\n"
            "  --json               print one JSON object instead of text\n\n"
            "convert: OUT ending in .tif/.tiff or .png picks the format.\n"
            "  --type float32|uint16  TIFF sample type (default float32); uint16 rounds and\n"
            "                         clamps to 0..65535 unless --range/--percentiles map\n"
            "                         LO..HI to 0..65535\n"
            "  --bits 8|16            PNG depth (default 8: display image)\n"
            "  --range LO HI          map pixel values LO..HI to black..white\n"
            "  --percentiles LO HI    map these percentiles (%%) to black..white\n"
            "                         (PNG 8-bit default 0.5 99.5; PNG 16-bit default min..max)\n"
            "  --crop X Y W H         keep W x H pixels from column X, row Y (0-based, top\n"
            "                         left); the pixel size and metadata are kept\n"
            "  -h, --help             this help\n\n"
            "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 bad input file.\n");
}

static int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'h') {
            print_help(stdout);
            return 0;
        } else
            return cli_bad_option("image info", c, argv);
    }
    if (argc - optind != 1)
        return cli_usage_error("image info", "expected one FILE");
    const char *path = argv[optind];
    dac_image *img;
    int st = dac_image_read(path, DAC_IMAGE_FORMAT_AUTO, &img);
    if (st)
        return cli_fail(st);
    cli_print_warnings();
    st = json ? dac_image_info_write_json(stdout, path, img) : dac_image_info_write_text(stdout, path, img);
    dac_image_free(img);
    return st ? cli_fail(st) : 0;
}

/* Two-value options (--range LO HI): getopt hands us LO, HI is the next argument. */
static int two_values(int argc, char **argv, const char *option, double v[2])
{
    if (optind >= argc)
        return cli_usage_error("image convert", "option %s needs two numbers", option);
    if (cli_parse_double("image convert", option, optarg, &v[0]) ||
        cli_parse_double("image convert", option, argv[optind], &v[1]))
        return 2;
    optind++;
    if (!(v[0] < v[1]))
        return cli_usage_error("image convert", "option %s: expected LO < HI", option);
    return 0;
}

/* --crop X Y W H: getopt hands us X, the next three arguments are Y, W and H. */
static int crop_values(int argc, char **argv, long v[4])
{
    static const char *what[4] = {"X", "Y", "W", "H"};
    if (optind + 3 > argc)
        return cli_usage_error("image convert", "option --crop needs four numbers: X Y W H");
    for (int i = 0; i < 4; i++) {
        const char *text = i == 0 ? optarg : argv[optind + i - 1];
        char option[16];
        snprintf(option, sizeof option, "--crop %s", what[i]);
        if (cli_parse_long("image convert", option, text, &v[i]))
            return 2;
        if (v[i] < (i < 2 ? 0 : 1))
            return cli_usage_error("image convert", "option %s: expected %s, got %ld", option,
                                   i < 2 ? "a pixel index >= 0" : "a size >= 1", v[i]);
    }
    optind += 3;
    return 0;
}

/* uint16 TIFF with a range: values LO..HI become 0..65535 (a copy is changed). */
static int write_tiff_mapped(const char *out, const dac_image *img, double lo, double hi)
{
    dac_image *copy;
    int st = dac_image_copy(img, &copy);
    if (st != DAC_OK)
        return st;
    size_t n = copy->width * copy->height;
    for (size_t i = 0; i < n; i++)
        copy->pixels[i] = (float)((copy->pixels[i] - lo) / (hi - lo) * 65535.0);
    st = dac_image_write_tiff(out, copy, DAC_SAMPLE_U16);
    dac_image_free(copy);
    return st;
}

static int percentile_range(const dac_image *img, const double p[2], double r[2])
{
    return dac_image_percentiles(img, p[0], p[1], &r[0], &r[1]);
}

/* *img replaced by its crop; on failure *img is freed and NULL. */
static int crop_image(dac_image **img, const long v[4])
{
    dac_image *part;
    int st = dac_image_crop(*img, (size_t)v[0], (size_t)v[1], (size_t)v[2], (size_t)v[3], &part);
    dac_image_free(*img);
    *img = part;
    return st;
}

static int cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {
        {"type", required_argument, NULL, 't'},     {"bits", required_argument, NULL, 'b'},
        {"range", required_argument, NULL, 'r'},    {"percentiles", required_argument, NULL, 'p'},
        {"crop", required_argument, NULL, 'c'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    dac_sample_type type = DAC_SAMPLE_F32;
    long bits = 8;
    double range[2] = {0, 0}, pct[2] = {0, 0};
    long crop[4] = {0, 0, 0, 0};
    int has_range = 0, has_pct = 0, has_type = 0, has_bits = 0, has_crop = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            has_type = 1;
            if (!strcmp(optarg, "float32"))
                type = DAC_SAMPLE_F32;
            else if (!strcmp(optarg, "uint16"))
                type = DAC_SAMPLE_U16;
            else
                return cli_usage_error("image convert", "option --type: expected float32 or uint16, got '%s'", optarg);
            break;
        case 'b':
            has_bits = 1;
            if (cli_parse_long("image convert", "--bits", optarg, &bits))
                return 2;
            if (bits != 8 && bits != 16)
                return cli_usage_error("image convert", "option --bits: expected 8 or 16, got %ld", bits);
            break;
        case 'r':
            if (two_values(argc, argv, "--range", range))
                return 2;
            has_range = 1;
            break;
        case 'p':
            if (two_values(argc, argv, "--percentiles", pct))
                return 2;
            if (pct[0] < 0 || pct[1] > 100)
                return cli_usage_error("image convert", "option --percentiles: expected 0 <= LO < HI <= 100");
            has_pct = 1;
            break;
        case 'c':
            if (crop_values(argc, argv, crop))
                return 2;
            has_crop = 1;
            break;
        case 'h':
            print_help(stdout);
            return 0;
        default:
            return cli_bad_option("image convert", c, argv);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("image convert", "expected IN and OUT");
    if (has_range && has_pct)
        return cli_usage_error("image convert", "give --range or --percentiles, not both");
    const char *in = argv[optind], *out = argv[optind + 1];
    dac_image_format fmt = dac_image_format_from_path(out);
    if (fmt != DAC_IMAGE_FORMAT_TIFF && fmt != DAC_IMAGE_FORMAT_PNG)
        return cli_usage_error("image convert", "OUT must end in .tif, .tiff or .png: '%s'", out);
    if (fmt == DAC_IMAGE_FORMAT_TIFF && has_bits)
        return cli_usage_error("image convert", "--bits applies to PNG output");
    if (fmt == DAC_IMAGE_FORMAT_PNG && has_type)
        return cli_usage_error("image convert", "--type applies to TIFF output (use --bits for PNG)");
    if (fmt == DAC_IMAGE_FORMAT_TIFF && type == DAC_SAMPLE_F32 && (has_range || has_pct))
        return cli_usage_error("image convert", "--range/--percentiles apply to PNG or uint16 TIFF output");

    dac_image *img;
    int st = dac_image_read(in, DAC_IMAGE_FORMAT_AUTO, &img);
    if (st)
        return cli_fail(st);
    if (has_crop && (st = crop_image(&img, crop)) != DAC_OK)
        return st == DAC_ERR_USAGE ? cli_usage_error("image convert", "option --crop: %s",
                                                     dac_last_error())
                                   : cli_fail(st);
    if (fmt == DAC_IMAGE_FORMAT_TIFF) {
        if (has_pct)
            st = percentile_range(img, pct, range);
        if (!st)
            st = (has_range || has_pct) && range[0] < range[1]
                     ? write_tiff_mapped(out, img, range[0], range[1])
                     : dac_image_write_tiff(out, img, type);
    } else {
        dac_png_options opt;
        dac_png_options_default(&opt);
        opt.bits = (int)bits;
        if (has_pct) {
            opt.percentile_lo = pct[0];
            opt.percentile_hi = pct[1];
            if (bits == 16) /* 16-bit ignores percentiles in the library: give a range */
                st = percentile_range(img, pct, range), has_range = 1;
        }
        if (has_range) {
            opt.range_lo = range[0];
            opt.range_hi = range[1];
        }
        if (!st)
            st = dac_image_write_png(out, img, &opt);
    }
    dac_image_free(img);
    if (st)
        return cli_fail(st);
    cli_print_warnings();
    return 0;
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        print_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "info"))
        return cmd_info(argc - 1, argv + 1);
    if (!strcmp(argv[1], "convert"))
        return cmd_convert(argc - 1, argv + 1);
    return cli_usage_error("image", "unknown subcommand '%s' (expected info or convert)", argv[1]);
}
