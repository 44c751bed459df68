/*
 * inline.c — files made part of the page: gnuplot SVG as inline markup, PNG as base64.
 *
 * SVG. Inline markup (rather than an <img> of the file) keeps the figure's text
 * selectable and searchable on the page. Two things must change for that. The XML
 * prolog and DOCTYPE have no place inside HTML, so everything before <svg is dropped,
 * and gnuplot's <title>Gnuplot</title> (which browsers show as a tooltip) too. And
 * every gnuplot SVG defines the same ids (gpDot, gpPt0 …, gnuplot_canvas, textbox):
 * on one page, a reference to "#gpPt3" would reach the first figure's definition, so
 * each figure's ids get a prefix of their own ("f3-gpPt3"), in id="…", href="#…" and
 * url(#…) alike. The rewrite is textual, which is enough for the SVG gnuplot writes
 * (attributes separated by blanks, no CDATA with ids in it).
 * A file with a script, a foreign object or a javascript: URL is refused: the page must
 * need no script and run none (a user may have restyled the figure by hand).
 *
 * PNG. Checked by its signature and IHDR (for the width and height attributes that
 * let the browser lay the page out before decoding), then base64 (RFC 4648) in one
 * data: URI.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/io.h"
#include "dac/core.h"
#include "report/report_internal.h"

#define INLINE_MAX ((size_t)256 << 20) /* larger than any figure dac writes */

/* Case-insensitive search for needle in text[0..n). */
static const char *find_nocase(const char *text, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (!strncasecmp(text + i, needle, m))
            return text + i;
    return NULL;
}

static int check_svg(const char *path, const char *text, size_t n, const char **start,
                     const char **end)
{
    static const char *const banned[] = {"<script", "<foreignobject", "javascript:"};
    for (size_t k = 0; k < sizeof banned / sizeof banned[0]; k++)
        if (find_nocase(text, n, banned[k]))
            return dac_error(DAC_ERR_INPUT, "%s: has '%s'; the report inlines only static SVG "
                             "(no scripts)", path, banned[k]);
    *start = find_nocase(text, n, "<svg");
    *end = NULL;
    const char *e = NULL;
    for (const char *p = *start; p && (p = find_nocase(p, n - (size_t)(p - text), "</svg>")); p++)
        e = p;
    if (!*start || !e)
        return dac_error(DAC_ERR_INPUT, "%s: not an SVG image (no <svg> … </svg>)", path);
    *end = e + strlen("</svg>");
    return DAC_OK;
}

/* Length of the attribute opening at p that takes an id ("id='", "href=\"#"), 0 if
 * none. An attribute name must follow a blank (or ':' in xlink:href). */
static size_t id_reference(const char *p, const char *text)
{
    char before = p > text ? p[-1] : ' ';
    if (before != ' ' && before != '\t' && before != '\n' && before != '\r' && before != ':')
        return 0;
    if (!strncmp(p, "id=", 3) && (p[3] == '\'' || p[3] == '"') && before != ':')
        return 4;
    if (!strncmp(p, "href=", 5) && (p[5] == '\'' || p[5] == '"') && p[6] == '#')
        return 7;
    return 0;
}

int report_inline_svg(FILE *f, const char *path, const char *prefix, const char *label)
{
    char *text;
    size_t n;
    int st = dac_read_file(path, INLINE_MAX, &text, &n);
    if (st != DAC_OK)
        return st;
    const char *p = NULL, *end = NULL;
    st = check_svg(path, text, n, &p, &end);
    if (st != DAC_OK) {
        free(text);
        return st;
    }
    fputs("<svg role=\"img\" aria-label=\"", f);
    report_put_text(f, label, 0);
    fputc('"', f);
    p += 4;
    const char *title = find_nocase(p, (size_t)(end - p), "<title>");
    const char *title_end = title ? find_nocase(title, (size_t)(end - title), "</title>") : NULL;
    while (p < end) {
        size_t k;
        if (p == title && title_end) {
            p = title_end + strlen("</title>");
        } else if ((k = id_reference(p, text)) > 0) {
            fwrite(p, 1, k, f);
            fprintf(f, "%s-", prefix);
            p += k;
        } else if (!strncmp(p, "url(#", 5)) {
            fprintf(f, "url(#%s-", prefix);
            p += 5;
        } else {
            fputc(*p++, f);
        }
    }
    fputc('\n', f);
    free(text);
    return DAC_OK;
}

static unsigned long be32(const unsigned char *b)
{
    return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | b[3];
}

static void put_base64(FILE *f, const unsigned char *data, size_t n)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)data[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)data[i + 1] << 8;
        if (i + 2 < n)
            v |= data[i + 2];
        char out[4] = {digits[v >> 18 & 63], digits[v >> 12 & 63],
                       i + 1 < n ? digits[v >> 6 & 63] : '=', i + 2 < n ? digits[v & 63] : '='};
        fwrite(out, 1, 4, f);
    }
}

int report_inline_png(FILE *f, const char *path, int *width, int *height)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    char *data;
    size_t n;
    int st = dac_read_file(path, INLINE_MAX, &data, &n);
    if (st != DAC_OK)
        return st;
    const unsigned char *b = (const unsigned char *)data;
    if (n < 33 || memcmp(b, signature, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0) {
        free(data);
        return dac_error(DAC_ERR_INPUT, "%s: not a PNG image", path);
    }
    unsigned long w = be32(b + 16), h = be32(b + 20);
    if (w == 0 || h == 0 || w > 1000000 || h > 1000000) {
        free(data);
        return dac_error(DAC_ERR_INPUT, "%s: PNG of %lu × %lu pixels", path, w, h);
    }
    *width = (int)w;
    *height = (int)h;
    fputs("data:image/png;base64,", f);
    put_base64(f, b, n);
    free(data);
    return DAC_OK;
}
