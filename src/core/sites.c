/*
 * sites.c — the names of the site kinds every module shares (core.h).
 */
#include "dac/core.h"

const char *dac_site_kind_name(dac_site_kind kind)
{
    switch (kind) {
    case DAC_SITE_SINGLE: return "single";
    case DAC_SITE_PAIR: return "pair";
    case DAC_SITE_CLUSTER: return "cluster";
    }
    return "unknown";
}
