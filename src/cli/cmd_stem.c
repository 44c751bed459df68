/*
 * cmd_stem.c — `dac stem <subcommand>`: dispatch to simulate, count and score, each in
 * its own file (cmd_stem_simulate.c, cmd_stem_count.c).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void stem_help(FILE *f)
{
    fprintf(f, "usage: dac stem <subcommand> [options]\n\n"
               "HAADF-STEM images of dual-atom catalysts.\n\nsubcommands:\n"
               "  simulate  render an incoherent HAADF image of a structure, with ground truth\n"
               "  count     find atoms in an image; count singles, pairs and clusters\n"
               "  learn     train a detector on hand-labelled images (for count --model)\n"
               "  score     compare a count with the ground truth of a simulated image\n\n"
               "`dac stem <subcommand> --help` lists a subcommand's options.\n");
}

int cmd_stem(int argc, char **argv)
{
    if (argc < 2) {
        stem_help(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        stem_help(stdout);
        return 0;
    }
    if (!strcmp(sub, "simulate"))
        return cmd_stem_simulate(argc - 1, argv + 1);
    if (!strcmp(sub, "count"))
        return cmd_stem_count(argc - 1, argv + 1);
    if (!strcmp(sub, "learn"))
        return cmd_stem_learn(argc - 1, argv + 1);
    if (!strcmp(sub, "score"))
        return cmd_stem_score(argc - 1, argv + 1);
    return cli_usage_error("stem", "unknown subcommand '%s'", sub);
}
