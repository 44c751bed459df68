/*
 * analyze.c — libdac example 1: read a structure and find its metal sites.
 *
 *   analyze STRUCTURE        e.g. analyze ni2_n6_graphene.extxyz
 *
 * Prints one line per site (kind, label, and for a pair its M–M distance and synergy)
 * and the counts. Shows the library's conventions: a status from every call that can
 * fail, the message from dac_last_error(), warnings from dac_warning(), and every
 * object the library created freed by its own _free. See docs/library.md.
 */
#include <stdio.h>

#include <dac/struct.h>

static void print_warnings(void)
{
    for (size_t i = 0; i < dac_warning_count(); i++)
        fprintf(stderr, "analyze: warning: %s\n", dac_warning(i));
    dac_warnings_clear();
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: analyze STRUCTURE\n");
        return 2;
    }
    dac_structure *s = NULL;
    dac_site_analysis *a = NULL;
    dac_site_options opt;
    dac_site_options_default(&opt);

    int st = dac_struct_read(argv[1], DAC_FORMAT_AUTO, &s);
    if (st == DAC_OK)
        st = dac_struct_analyze(s, &opt, &a);
    print_warnings();
    if (st != DAC_OK) {
        fprintf(stderr, "analyze: %s\n", dac_last_error());
        dac_structure_free(s);
        return dac_status_exit_code(st);
    }

    for (size_t i = 0; i < a->n_sites; i++) {
        const dac_site *site = &a->sites[i];
        printf("%s %s", dac_site_kind_name(site->kind), site->label);
        if (site->kind == DAC_SITE_PAIR)
            printf(" %.2f A %s", site->mm_distance_A, dac_synergy_name(site->synergy));
        printf("\n");
    }
    printf("%zu atoms: %zu single, %zu pair, %zu cluster\n", s->n_atoms,
           a->count[DAC_SITE_SINGLE], a->count[DAC_SITE_PAIR], a->count[DAC_SITE_CLUSTER]);

    dac_site_analysis_free(a);
    dac_structure_free(s);
    return 0;
}
