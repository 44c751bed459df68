/*
 * test_report.c — the report page (src/report/report.c, html.c, inline.c, fragment.c):
 * one self-contained HTML file with text escaped, `code` spans, headings listed with
 * stable ids, tables, gnuplot SVG inlined with its ids made unique per figure, PNG
 * inlined as base64, the closing sections; the same bytes for the same content but for
 * the time line; refusals (a script in an SVG, a non-PNG) leaving no page; and page
 * fragments read back to the same page, with malformed fragments refused naming the
 * file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dac_test.h"

#include "core/io.h"
#include "core/outset.h"
#include "dac/core.h"
#include "dac/report.h"
#include "report/plot.h"
#include "report/report_internal.h"

/* A 3 × 2 grey PNG and its base64 (RFC 4648, from Python's base64 module). */
static const unsigned char tiny_png[73] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0xb8,
    0x1f, 0x39, 0xc6, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x10,
    0x68, 0xf8, 0xcf, 0xa0, 0xe0, 0x90, 0x00, 0x00, 0x09, 0xb3, 0x02, 0x50, 0x52, 0xf4, 0xe8,
    0xfb, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
static const char tiny_png_base64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAAAAAC4HznGAAAAEElEQVR4nGMQaPjPoOCQAAAJswJQUvTo+wAAAABJRU5ErkJggg==";

/* What gnuplot's SVG looks like where it matters: a prolog, a title, ids defined and
 * used in the three ways the inliner rewrites. */
static const char gnuplot_like_svg[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"  standalone=\"no\"?>\n"
    "<svg \n width=\"800\" height=\"560\"\n viewBox=\"0 0 800 560\"\n"
    " xmlns=\"http://www.w3.org/2000/svg\"\n xmlns:xlink=\"http://www.w3.org/1999/xlink\"\n>\n"
    "<title>Gnuplot</title>\n<g id=\"gnuplot_canvas\">\n<defs>\n"
    "\t<path id='gpPt0' d='M-1,0 h2'/>\n\t<use xlink:href='#gpPt0' id='gpPt1'/>\n"
    "\t<clipPath id=\"clip\"><rect width=\"1\" height=\"1\"/></clipPath>\n</defs>\n"
    "<g clip-path=\"url(#clip)\" class=\"gridline\"><use href=\"#gpPt0\" x=\"3\"/></g>\n"
    "<text>valid=\"x\" grid='1'</text>\n</g>\n</svg>\n\n";

static char *scratch(void)
{
    char tmpl[] = "report-test-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return strdup(tmpl);
}

static void put(const char *dir, const char *name, const void *data, size_t n)
{
    char path[512];
    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

__attribute__((noinline)) static char *slurp(const char *dir, const char *name)
{
    char path[512];
    char *text;
    size_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(dac_read_file(path, (size_t)1 << 26, &text, &n), DAC_OK);
    return text;
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *s = strstr(text, what); s; s = strstr(s + 1, what))
        n++;
    return n;
}

static void remove_dir(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* A page with one of everything; figures read from dir. */
static dac_report *full_report(const char *dir)
{
    char svg[512], png[512];
    snprintf(svg, sizeof svg, "%s/fig.svg", dir);
    snprintf(png, sizeof png, "%s/lattice.png", dir);
    dac_report *r;
    assert_int_equal(dac_report_create("Ni₂ & friends <test>", &r), DAC_OK);
    assert_int_equal(dac_report_set_subtitle(r, "a subtitle"), DAC_OK);
    assert_int_equal(dac_report_add_heading(r, 2, "Make"), DAC_OK);
    assert_int_equal(dac_report_add_paragraph(r, "Ran `dac synth` at 800 °C; 1 < 2 & \"q\" 'a'."), DAC_OK);
    assert_int_equal(dac_report_add_heading(r, 3, "Details"), DAC_OK);
    static const char *const head[] = {"Run", "Purity"};
    static const char *const cells[] = {"`a`", "0.91", "b", "−0.5", "c", NULL};
    assert_int_equal(dac_report_add_table(r, "Purity by run.", 2, head, 3, cells), DAC_OK);
    assert_int_equal(dac_report_add_figure(r, svg, "Purity against temperature."), DAC_OK);
    assert_int_equal(dac_report_add_figure(r, svg, "The same figure again."), DAC_OK);
    assert_int_equal(dac_report_add_image(r, png, "The lattice."), DAC_OK);
    assert_int_equal(dac_report_add_command(r, "dac synth r.yaml -o out --seed 1"), DAC_OK);
    assert_int_equal(dac_report_add_collected(r), DAC_OK); /* the closing sections go here */
    assert_int_equal(dac_report_add_collected(r), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_heading(r, 2, "Make"), DAC_OK); /* same text: new id */
    assert_int_equal(dac_report_add_listing(r, "study.yaml", "a: <1>\n"), DAC_OK);
    assert_int_equal(dac_report_add_assumption(r, "Bonds are pairwise."), DAC_OK);
    assert_int_equal(dac_report_add_assumption(r, "Bonds are pairwise."), DAC_OK);
    assert_int_equal(dac_report_add_comparison(r, "purity", "90.1 %", "0.88", "template"), DAC_OK);
    return r;
}

static void fixtures(const char *dir)
{
    put(dir, "fig.svg", gnuplot_like_svg, strlen(gnuplot_like_svg));
    put(dir, "lattice.png", tiny_png, sizeof tiny_png);
}

static void test_page(void **state)
{
    (void)state;
    char *dir = scratch();
    fixtures(dir);
    dac_report *r = full_report(dir);
    char path[512];
    snprintf(path, sizeof path, "%s/report.html", dir);
    assert_int_equal(dac_report_write(r, path, NULL), DAC_OK);
    char *html = slurp(dir, "report.html");
    assert_true(!strncmp(html, "<!DOCTYPE html>\n", 16));
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    /* self-contained: no script, nothing fetched (the SVG namespaces are names, not URLs
     * the browser loads) */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src=\"http"));
    assert_null(strstr(html, "href=\"http"));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "url(http"));
    /* escaping and code spans */
    assert_non_null(strstr(html, "<h1>Ni₂ &amp; friends &lt;test&gt;</h1>"));
    assert_non_null(strstr(html, "Ran <code>dac synth</code> at 800 °C; 1 &lt; 2 &amp; &quot;q&quot; &#39;a&#39;."));
    assert_non_null(strstr(html, "<pre>a: &lt;1&gt;\n</pre>"));
    /* headings: ids from the text, repeats numbered, listed in the contents */
    assert_non_null(strstr(html, "<h2 id=\"make\">Make</h2>"));
    assert_non_null(strstr(html, "<h2 id=\"make-2\">Make</h2>"));
    assert_non_null(strstr(html, "<h3 id=\"details\">"));
    assert_non_null(strstr(html, "<a href=\"#make-2\">"));
    assert_non_null(strstr(html, "<a href=\"#assumptions\">"));
    /* the table: numbers right-aligned (U+2212 minus too), text left, empty cell */
    assert_non_null(strstr(html, "<td class=\"num\">0.91</td>"));
    assert_non_null(strstr(html, "<td class=\"num\">−0.5</td>"));
    assert_non_null(strstr(html, "<td><code>a</code></td>"));
    assert_non_null(strstr(html, "<td></td>"));
    /* SVG inlined twice, each with its own ids; prolog and gnuplot's title gone; text that
     * only looks like an attribute untouched */
    assert_null(strstr(html, "<?xml"));
    assert_null(strstr(html, "<title>Gnuplot"));
    assert_int_equal(count(html, "<svg role=\"img\""), 2);
    assert_non_null(strstr(html, "id='f1-gpPt0'"));
    assert_non_null(strstr(html, "xlink:href='#f1-gpPt0' id='f1-gpPt1'"));
    assert_non_null(strstr(html, "url(#f2-clip)"));
    assert_non_null(strstr(html, "<use href=\"#f2-gpPt0\""));
    assert_non_null(strstr(html, "<text>valid=\"x\" grid='1'</text>"));
    assert_null(strstr(html, "id='gpPt0'"));
    /* the PNG as base64 with its size */
    assert_non_null(strstr(html, tiny_png_base64));
    assert_non_null(strstr(html, "width=\"3\" height=\"2\""));
    /* numbering, collections at the end, the assumption once */
    assert_non_null(strstr(html, "<strong>Figure 3.</strong> The lattice."));
    assert_non_null(strstr(html, "<strong>Table 2.</strong>"));
    assert_int_equal(count(html, "Bonds are pairwise."), 1);
    assert_non_null(strstr(html, "<td class=\"num\">90.1 %</td>"));
    assert_null(strstr(html, "class=\"timestamp\""));
    /* the collected sections where they were placed: before the second "Make", in the
     * contents too */
    const char *review = strstr(html, "<h2 id=\"the-review-s-figures-beside-the-model-s\">");
    assert_non_null(review);
    assert_true(review < strstr(html, "<h2 id=\"assumptions\">"));
    assert_true(strstr(html, "<h2 id=\"assumptions\">") < strstr(html, "<h2 id=\"make-2\">"));
    assert_true(strstr(html, "href=\"#assumptions\"") < strstr(html, "href=\"#make-2\""));
    free(html);
    dac_report_free(r);
    remove_dir(dir);
}

/* Same content, same bytes; another time changes the one time line only. */
static void test_bytes(void **state)
{
    (void)state;
    char *dir = scratch();
    fixtures(dir);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a.html", dir);
    snprintf(b, sizeof b, "%s/b.html", dir);
    dac_report *r = full_report(dir);
    dac_report_set_time(r, 1700000000);
    assert_int_equal(dac_report_write(r, a, NULL), DAC_OK);
    dac_report_set_time(r, 1800000000);
    assert_int_equal(dac_report_write(r, b, NULL), DAC_OK);
    char *ta = slurp(dir, "a.html"), *tb = slurp(dir, "b.html");
    assert_non_null(strstr(ta, "<p class=\"timestamp\">Written 2023-11-14 22:13:20 UTC.</p>\n"));
    const char *la = strstr(ta, "<p class=\"timestamp\">"), *lb = strstr(tb, "<p class=\"timestamp\">");
    assert_non_null(lb);
    assert_int_equal(la - ta, lb - tb);
    assert_memory_equal(ta, tb, (size_t)(la - ta));
    const char *ea = strchr(la, '\n'), *eb = strchr(lb, '\n');
    assert_string_equal(ea, eb);
    free(ta), free(tb);
    dac_report_free(r);
    remove_dir(dir);
}

/* A script in an SVG (a hand-restyled figure), a non-PNG image: refused, no page. */
static void test_refusals(void **state)
{
    (void)state;
    char *dir = scratch();
    static const char evil[] = "<svg><script>alert(1)</script></svg>";
    put(dir, "evil.svg", evil, strlen(evil));
    put(dir, "notsvg.svg", "hello", 5);
    put(dir, "fake.png", "GIF89a...................................", 40);
    static const char *const cases[][2] = {{"evil.svg", "script"}, {"notsvg.svg", "not an SVG"},
                                           {"fake.png", "not a PNG"}};
    for (size_t i = 0; i < 3; i++) {
        char file[512], out[512];
        snprintf(file, sizeof file, "%s/%s", dir, cases[i][0]);
        snprintf(out, sizeof out, "%s/page.html", dir);
        dac_report *r;
        assert_int_equal(dac_report_create("t", &r), DAC_OK);
        if (i < 2)
            assert_int_equal(dac_report_add_figure(r, file, "c"), DAC_OK);
        else
            assert_int_equal(dac_report_add_image(r, file, "c"), DAC_OK);
        assert_int_equal(dac_report_write(r, out, NULL), DAC_ERR_INPUT);
        assert_non_null(strstr(dac_last_error(), cases[i][0]));
        assert_non_null(strstr(dac_last_error(), cases[i][1]));
        assert_int_equal(access(out, F_OK), -1);
        dac_report_free(r);
    }
    remove_dir(dir);
}

/* A figure gnuplot did not draw: the page says how to draw it, with a warning. */
static void test_missing_figure(void **state)
{
    (void)state;
    char *dir = scratch();
    char out[512];
    snprintf(out, sizeof out, "%s/page.html", dir);
    dac_report *r;
    assert_int_equal(dac_report_create("t", &r), DAC_OK);
    assert_int_equal(dac_report_add_figure(r, "nowhere/purity.svg", "c"), DAC_OK);
    dac_warnings_clear();
    assert_int_equal(dac_report_write(r, out, NULL), DAC_OK);
    assert_int_equal(dac_warning_count(), 1);
    dac_warnings_clear();
    char *html = slurp(dir, "page.html");
    assert_non_null(strstr(html, "<code>gnuplot purity.gp</code> in the folder <code>nowhere</code>"));
    free(html);
    dac_report_free(r);
    remove_dir(dir);
}

static void test_usage_errors(void **state)
{
    (void)state;
    dac_report *r;
    assert_int_equal(dac_report_create("", &r), DAC_ERR_USAGE);
    assert_int_equal(dac_report_create("t", &r), DAC_OK);
    assert_int_equal(dac_report_add_heading(r, 1, "x"), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_heading(r, 5, "x"), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_paragraph(r, ""), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_figure(r, "a.svg", ""), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_figure(r, "a.png", "c"), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_image(r, "a.svg", "c"), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_table(r, "c", 0, NULL, 0, NULL), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_comparison(r, "", "a", "b", "c"), DAC_ERR_USAGE);
    assert_int_equal(dac_report_add_assumption(r, NULL), DAC_ERR_USAGE);
    assert_int_equal(r->n_blocks, 0);
    dac_report_free(r);
}

/* ------------------------------------------------------------ fragments ---------- */

/* A fragment written from a stage folder and read back gives the same page as the
 * report it came from, with file links prefixed by the stage folder. */
static void test_fragment_round_trip(void **state)
{
    (void)state;
    char *dir = scratch();
    char stage[512];
    snprintf(stage, sizeof stage, "%s/make", dir);
    dac_outset *set;
    assert_int_equal(dac_outset_create(stage, &set), DAC_OK);
    assert_int_equal(dac_outset_finish(set, DAC_OK), DAC_OK);
    fixtures(stage);
    /* the stage names its files relative to its folder */
    dac_report *frag;
    assert_int_equal(dac_report_create("make", &frag), DAC_OK);
    assert_int_equal(dac_report_add_heading(frag, 2, "Make"), DAC_OK);
    static const char *const head[] = {"a", "b"};
    static const char *const cells[] = {"1", "2"};
    assert_int_equal(dac_report_add_table(frag, "t", 2, head, 1, cells), DAC_OK);
    assert_int_equal(dac_report_add_figure(frag, "fig.svg", "A figure."), DAC_OK);
    assert_int_equal(dac_report_add_image(frag, "lattice.png", "An image."), DAC_OK);
    assert_int_equal(dac_report_add_listing(frag, "s", "text"), DAC_OK);
    assert_int_equal(dac_report_add_assumption(frag, "An assumption."), DAC_OK);
    assert_int_equal(dac_report_add_comparison(frag, "q", "r", "m", "n"), DAC_OK);
    assert_int_equal(dac_outset_create(stage, &set), DAC_OK);
    assert_int_equal(dac_outset_finish(set, report_fragment_write(frag, set, "fragment.json", NULL)), DAC_OK);
    /* read back into a page beside the stage folder */
    char path[600];
    snprintf(path, sizeof path, "%s/fragment.json", stage);
    dac_report *page;
    assert_int_equal(dac_report_create("page", &page), DAC_OK);
    assert_int_equal(report_fragment_read(page, path, stage, "make/"), DAC_OK);
    assert_int_equal(page->n_blocks, frag->n_blocks);
    assert_int_equal(page->assumptions.n, 1);
    assert_int_equal(page->comparisons.n, 4);
    snprintf(path, sizeof path, "%s/page.html", dir);
    assert_int_equal(dac_report_write(page, path, NULL), DAC_OK);
    char *html = slurp(dir, "page.html");
    assert_non_null(strstr(html, "<a href=\"make/fig.svg\">SVG</a>"));
    assert_null(strstr(html, "make/fig.csv")); /* absent: not linked */
    assert_non_null(strstr(html, "<a href=\"make/lattice.png\"><img alt=\"An image.\""));
    assert_non_null(strstr(html, "id='f1-gpPt0'"));
    free(html);
    dac_report_free(frag);
    dac_report_free(page);
    remove_dir(dir);
}

static void fragment_fails(const char *text, const char *why)
{
    dac_report *r;
    assert_int_equal(dac_report_create("t", &r), DAC_OK);
    int st = report_fragment_parse(r, text, strlen(text), "frag.json", ".", "");
    if (st != DAC_ERR_INPUT || !strstr(dac_last_error(), "frag.json") || !strstr(dac_last_error(), why))
        print_error("fragment %s\n  gave %d: %s\n  expected DAC_ERR_INPUT with '%s'\n", text, st,
                    dac_last_error(), why);
    assert_int_equal(st, DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), why));
    dac_report_free(r);
}

#define REC "{\"record\": \"dac report fragment\", "
static void test_fragment_malformed(void **state)
{
    (void)state;
    fragment_fails("", "not valid JSON");
    fragment_fails("{\"record\": 1", "not valid JSON");
    fragment_fails("[]", "not a report fragment");
    fragment_fails("{\"record\": \"dac stem count summary\", \"blocks\": []}", "not a report fragment");
    fragment_fails(REC "\"blocks\": {}}", "no list 'blocks'");
    fragment_fails(REC "\"blocks\": [3]}", "not an object");
    fragment_fails(REC "\"blocks\": [{\"type\": \"video\"}]}", "unknown block type video");
    fragment_fails(REC "\"blocks\": [{\"text\": \"x\"}]}", "'type'");
    fragment_fails(REC "\"blocks\": [{\"type\": \"heading\", \"text\": \"x\"}]}", "no level");
    fragment_fails(REC "\"blocks\": [{\"type\": \"paragraph\", \"text\": \"\"}]}", "an empty paragraph");
    fragment_fails(REC "\"blocks\": [{\"type\": \"figure\", \"file\": \"../../etc/x.svg\", "
                   "\"caption\": \"c\"}]}", "outside the fragment's folder");
    fragment_fails(REC "\"blocks\": [{\"type\": \"figure\", \"file\": \"/etc/x.svg\", "
                   "\"caption\": \"c\"}]}", "outside the fragment's folder");
    fragment_fails(REC "\"blocks\": [{\"type\": \"figure\", \"file\": \"a.png\", \"caption\": \"c\"}]}",
                   "ending in .svg");
    fragment_fails(REC "\"blocks\": [{\"type\": \"table\", \"caption\": \"c\", \"headers\": [\"a\", \"b\"], "
                   "\"rows\": [[\"1\"]]}]}", "wrong number of cells");
    fragment_fails(REC "\"blocks\": [{\"type\": \"table\", \"caption\": \"c\", \"headers\": [\"a\"], "
                   "\"rows\": [[1]]}]}", "not text");
    fragment_fails(REC "\"blocks\": [{\"type\": \"table\", \"caption\": \"c\", \"headers\": []}]}",
                   "wrong number of cells");
    fragment_fails(REC "\"blocks\": [], \"assumptions\": [\"\"]}", "not text");
    fragment_fails(REC "\"blocks\": [], \"assumptions\": {}}", "must be lists");
    fragment_fails(REC "\"blocks\": [], \"comparisons\": [{\"quantity\": \"q\"}]}", "'review'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_missing_figure),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_fragment_round_trip),
        cmocka_unit_test(test_fragment_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
