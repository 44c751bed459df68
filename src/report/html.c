/*
 * html.c — the report as one self-contained HTML page (see dac/report.h).
 *
 * The page must read the same from a USB stick years later, in any browser, printed or
 * on a phone: so the CSS is inline, there is no script, nothing is fetched (figures are
 * inlined: gnuplot's SVG as markup, raster images as base64 data), and the layout is a
 * single readable column. Its structure: the title, the time line, a contents list of
 * the level-2 and level-3 headings, the blocks in order (consecutive raster images
 * share a grid, so six count overlays do not take six screens), the review-versus-model
 * table and the assumptions collected from every part, and the provenance of the page.
 *
 * Bytes are a function of the content only, apart from the line that holds the time:
 * headings get ids derived from their text, figures numbered in page order.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/outset.h"
#include "dac/core.h"
#include "report/report_internal.h"

static const char CSS[] =
    ":root{color-scheme:light}\n"
    "body{margin:0;background:#eceae4;color:#1c1c1e;font:16px/1.55 'DejaVu Sans',system-ui,"
    "-apple-system,'Segoe UI',Helvetica,Arial,sans-serif}\n"
    "main{max-width:58rem;margin:0 auto;padding:2.2rem 2rem 3rem;background:#fff;"
    "box-shadow:0 0 12px rgba(0,0,0,.08)}\n"
    "h1{font-size:1.9rem;line-height:1.25;margin:0 0 .5rem}\n"
    "h2{font-size:1.4rem;line-height:1.3;margin:2.6rem 0 .7rem;padding-top:.7rem;"
    "border-top:2px solid #d8d6cf}\n"
    "h3{font-size:1.15rem;margin:1.9rem 0 .5rem}\n"
    "h4{font-size:1rem;margin:1.4rem 0 .4rem}\n"
    "p{margin:.6rem 0}\n"
    ".subtitle{font-size:1.1rem;color:#3a3a3c;margin:0 0 .4rem}\n"
    ".timestamp{font-size:.85rem;color:#6b6b70;margin:0 0 1.4rem}\n"
    "nav.contents{background:#f4f6f9;border:1px solid #dbe1e8;border-radius:4px;"
    "padding:.5rem 1.2rem;margin:1.2rem 0 1.6rem;font-size:.95rem}\n"
    "nav.contents ol{margin:.2rem 0;padding-left:1.4rem}\n"
    "nav.contents > ol > li{margin:.15rem 0}\n"
    "a{color:#1f5fa8}\n"
    "code{font-family:'DejaVu Sans Mono',ui-monospace,Menlo,Consolas,monospace;font-size:.88em;"
    "background:#f2f1ec;padding:0 .2em;border-radius:3px}\n"
    ".reproduce{margin:.8rem 0 1.2rem}\n"
    ".reproduce .label{font-size:.8rem;color:#6b6b70;text-transform:uppercase;"
    "letter-spacing:.05em}\n"
    ".reproduce pre{margin:.2rem 0 0;background:#23272f;color:#eceff4;padding:.55rem .8rem;"
    "border-radius:4px;overflow-x:auto;font-size:.84rem;line-height:1.45}\n"
    ".reproduce pre code{background:none;padding:0;color:inherit;font-size:inherit}\n"
    "figure{margin:1.6rem 0}\n"
    "figure svg{display:block;width:100%;max-width:800px;height:auto;margin:0 auto}\n"
    "figure img{display:block;max-width:100%;height:auto;margin:0 auto;"
    "image-rendering:auto;border:1px solid #d8d6cf}\n"
    "figcaption{font-size:.92rem;color:#2c2c2e;margin:.5rem auto 0;max-width:800px}\n"
    "figcaption .files{display:block;font-size:.8rem;color:#6b6b70;margin-top:.2rem}\n"
    ".gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));"
    "gap:1rem 1.2rem;margin:1.4rem 0}\n"
    ".gallery figure{margin:0}\n"
    ".gallery img{width:100%}\n"
    ".missing{border:1px dashed #b0aea6;background:#faf9f6;padding:1rem;font-size:.92rem}\n"
    ".table{overflow-x:auto;margin:1.2rem 0}\n"
    "table{border-collapse:collapse;font-size:.9rem;min-width:60%}\n"
    "caption{caption-side:top;text-align:left;font-size:.92rem;padding:0 0 .45rem;color:#2c2c2e}\n"
    "th,td{padding:.32rem .6rem;border-bottom:1px solid #dedcd5;text-align:left;vertical-align:top}\n"
    "th{background:#f2f1ec;font-weight:600;border-bottom:2px solid #c9c7bf}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td code{white-space:nowrap}\n"
    "tbody tr:nth-child(even){background:#faf9f6}\n"
    "ul.assumptions li{margin:.3rem 0}\n"
    "details{margin:1rem 0;border:1px solid #dedcd5;border-radius:4px;padding:.4rem .8rem}\n"
    "details summary{cursor:pointer;font-weight:600}\n"
    "details pre{overflow-x:auto;font-size:.82rem;line-height:1.4}\n"
    "footer{margin-top:3rem;padding-top:.8rem;border-top:1px solid #d8d6cf;font-size:.82rem;"
    "color:#6b6b70}\n"
    "@media (max-width:40rem){main{padding:1.2rem 1rem}}\n"
    "@media print{body{background:#fff}main{box-shadow:none;max-width:none}"
    ".reproduce pre{background:#f2f1ec;color:#000}}\n";

/* ------------------------------------------------------------ text ---------------- */

static void put_escaped(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (c >= 0x20 || c == '\n' || c == '\t')
                fputc(c, f);
            else if (c == '\r')
                fputc(' ', f);
        }
    }
}

void report_put_text(FILE *f, const char *text, int code_spans)
{
    const char *s = text;
    while (*s) {
        const char *tick = code_spans ? strchr(s, '`') : NULL;
        const char *close = tick ? strchr(tick + 1, '`') : NULL;
        if (!close) {
            put_escaped(f, s, strlen(s));
            return;
        }
        put_escaped(f, s, (size_t)(tick - s));
        fputs("<code>", f);
        put_escaped(f, tick + 1, (size_t)(close - tick - 1));
        fputs("</code>", f);
        s = close + 1;
    }
}

/* Code points a number on the page may hold besides ASCII digits and signs: − ± × the
 * superscripts of 10⁻⁵, the thin and narrow spaces of 16 896. */
static int number_symbol(unsigned long cp)
{
    static const unsigned long ok[] = {0x2212, 0xB1, 0xD7, 0x2070, 0xB9, 0xB2, 0xB3, 0x2074,
                                       0x2075, 0x2076, 0x2077, 0x2078, 0x2079, 0x207B, 0x2009,
                                       0x202F, 0xA0};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (cp == ok[i])
            return 1;
    return 0;
}

/* A cell that is a number (or numbers: "0.37 [0.23, 0.53]", "1.2×10⁻⁵", "98.9 %") is
 * right-aligned; one with words in it ("4× (ZnRu over Ru)") is text. */
static int looks_numeric(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s == ' ')
        s++;
    const unsigned char *d = s;
    if (!strncmp((const char *)d, "\xE2\x88\x92", 3))
        d += 3;
    else if (*d == '-' || *d == '+' || *d == '.')
        d++;
    if (!(*d >= '0' && *d <= '9'))
        return 0;
    while (*s) {
        unsigned c = *s;
        if (c < 0x80) {
            if (!strchr("0123456789.,+-e %[]()/", (int)c))
                return 0;
            s++;
            continue;
        }
        size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 0;
        unsigned long cp = len == 2 ? c & 0x1F : c & 0x0F;
        for (size_t k = 1; k < len; k++)
            cp = cp << 6 | (s[k] & 0x3Fu);
        if (!len || !number_symbol(cp))
            return 0;
        s += len;
    }
    return 1;
}

/* ------------------------------------------------------------ headings ------------ */

typedef struct {
    int level;
    const char *text;
    char id[64];
} heading;

/* id from the text: lower-case ASCII letters and digits, runs of anything else as one
 * '-', "-2", "-3" … for repeats, so links survive a re-run. */
static void make_id(heading *h, const heading *before, size_t n_before)
{
    char base[48];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)h->text; *p && n < sizeof base - 1; p++) {
        int c = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;
        int keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (keep)
            base[n++] = (char)c;
        else if (n && base[n - 1] != '-')
            base[n++] = '-';
    }
    while (n && base[n - 1] == '-')
        n--;
    base[n] = '\0';
    if (!n)
        snprintf(base, sizeof base, "section");
    snprintf(h->id, sizeof h->id, "%s", base);
    for (int k = 2;; k++) {
        int taken = 0;
        for (size_t i = 0; i < n_before && !taken; i++)
            taken = !strcmp(before[i].id, h->id);
        if (!taken)
            return;
        snprintf(h->id, sizeof h->id, "%s-%d", base, k);
    }
}

static const char COMPARISONS[] = "The review’s figures beside the model’s";
static const char ASSUMPTIONS[] = "Assumptions";

/* Every heading of the page in order, with its id: the blocks', then the closing ones. */
static heading *collect_headings(const dac_report *r, size_t *n)
{
    heading *h = calloc(r->n_blocks + 2, sizeof *h);
    *n = 0;
    if (!h)
        return NULL;
    int placed = 0;
    for (size_t i = 0; i <= r->n_blocks; i++) {
        int collected = i < r->n_blocks ? r->blocks[i].type == REPORT_COLLECTED : !placed;
        if (i < r->n_blocks && r->blocks[i].type == REPORT_HEADING)
            h[(*n)++] = (heading){r->blocks[i].level, r->blocks[i].text, ""};
        if (collected && r->comparisons.n)
            h[(*n)++] = (heading){2, COMPARISONS, ""};
        if (collected && r->assumptions.n)
            h[(*n)++] = (heading){2, ASSUMPTIONS, ""};
        placed |= collected;
    }
    for (size_t i = 0; i < *n; i++)
        make_id(&h[i], h, i);
    return h;
}

static void write_contents(FILE *f, const heading *h, size_t n)
{
    size_t n2 = 0;
    for (size_t i = 0; i < n; i++)
        n2 += h[i].level == 2;
    if (n2 < 2)
        return;
    fputs("<nav class=\"contents\" aria-label=\"Contents\">\n<ol>\n", f);
    int open3 = 0, open2 = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i].level > 3 || (h[i].level == 3 && !open2))
            continue;
        if (h[i].level == 2) {
            fputs(open3 ? "</ol></li>\n" : open2 ? "</li>\n" : "", f);
            open3 = 0;
            open2 = 1;
        } else if (!open3) {
            fputs("\n<ol>\n", f);
            open3 = 1;
        }
        fprintf(f, "<li><a href=\"#%s\">", h[i].id);
        report_put_text(f, h[i].text, 0);
        fputs(h[i].level == 3 ? "</a></li>\n" : "</a>", f);
    }
    fputs(open3 ? "</ol></li>\n" : open2 ? "</li>\n" : "", f);
    fputs("</ol>\n</nav>\n", f);
}

static void write_heading(FILE *f, const heading *h)
{
    fprintf(f, "<h%d id=\"%s\">", h->level, h->id);
    report_put_text(f, h->text, 1);
    fprintf(f, "</h%d>\n", h->level);
}

/* ------------------------------------------------------------ blocks -------------- */

static void write_table(FILE *f, const report_block *b, int number)
{
    fputs("<div class=\"table\"><table>\n", f);
    fprintf(f, "<caption><strong>Table %d.</strong> ", number);
    report_put_text(f, b->text, 1);
    fputs("</caption>\n<thead><tr>", f);
    for (size_t c = 0; c < b->n_cols; c++) {
        fputs("<th scope=\"col\">", f);
        report_put_text(f, b->cells[c], 1);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t r = 0; r < b->n_rows; r++) {
        fputs("<tr>", f);
        for (size_t c = 0; c < b->n_cols; c++) {
            const char *cell = b->cells[(r + 1) * b->n_cols + c];
            fputs(looks_numeric(cell) ? "<td class=\"num\">" : "<td>", f);
            report_put_text(f, cell, 1);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table></div>\n", f);
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* "Files: NAME.svg · NAME.png · data NAME.csv · script NAME.gp", those that exist. */
static void write_figure_files(FILE *f, const report_block *b)
{
    static const char *const ext[] = {"svg", "png", "csv", "gp"};
    static const char *const what[] = {"SVG", "PNG", "data (CSV)", "gnuplot script"};
    size_t np = strlen(b->path) - 3, nl = strlen(b->link) - 3;
    char path[4096], link[4096];
    int any = 0;
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%.*s%s", (int)np, b->path, ext[k]);
        snprintf(link, sizeof link, "%.*s%s", (int)nl, b->link, ext[k]);
        if (!file_exists(path))
            continue;
        fputs(any ? " · " : "<span class=\"files\">Files: ", f);
        fputs("<a href=\"", f);
        report_put_text(f, link, 0);
        fprintf(f, "\">%s</a>", what[k]);
        any = 1;
    }
    if (any)
        fputs("</span>", f);
}

static void write_caption(FILE *f, const report_block *b, int number, int files)
{
    fprintf(f, "<figcaption><strong>Figure %d.</strong> ", number);
    report_put_text(f, b->text, 1);
    if (files)
        write_figure_files(f, b);
    fputs("</figcaption>\n", f);
}

static int write_figure(FILE *f, const report_block *b, int number)
{
    fprintf(f, "<figure id=\"figure-%d\">\n", number);
    int st = DAC_OK;
    if (file_exists(b->path)) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "f%d", number);
        st = report_inline_svg(f, b->path, prefix, b->text);
    } else {
        dac_warn("report: figure %s is missing (gnuplot not installed when it was made?); "
                 "the page says how to draw it", b->path);
        const char *slash = strrchr(b->link, '/');
        const char *name = slash ? slash + 1 : b->link;
        fputs("<div class=\"missing\">This figure was not drawn: gnuplot was not installed when "
              "it was made. Its data and script are kept; to draw it, run <code>gnuplot ", f);
        put_escaped(f, name, strlen(name) - 4);
        fputs(".gp</code> in the folder <code>", f);
        if (slash)
            put_escaped(f, b->link, (size_t)(slash - b->link));
        else
            fputs(".", f);
        fputs("</code> beside this page.</div>\n", f);
    }
    write_caption(f, b, number, 1);
    fputs("</figure>\n", f);
    return st;
}

static int write_image(FILE *f, const report_block *b, int number)
{
    fprintf(f, "<figure id=\"figure-%d\">\n", number);
    int w = 0, h = 0;
    fputs("<a href=\"", f);
    report_put_text(f, b->link, 0);
    fputs("\"><img alt=\"", f);
    report_put_text(f, b->text, 0);
    fputs("\" src=\"", f);
    int st = report_inline_png(f, b->path, &w, &h);
    fprintf(f, "\" width=\"%d\" height=\"%d\"></a>\n", w, h);
    write_caption(f, b, number, 0);
    fputs("</figure>\n", f);
    return st;
}

static void write_listing(FILE *f, const report_block *b)
{
    fputs("<details>\n<summary>", f);
    report_put_text(f, b->summary, 1);
    fputs("</summary>\n<pre>", f);
    report_put_text(f, b->text, 0);
    fputs("</pre>\n</details>\n", f);
}

/* ------------------------------------------------------------ closing sections ---- */

static void write_comparisons(FILE *f, const dac_report *r, const heading *h, int table)
{
    static const char *const head[4] = {"Quantity", "Review (measured)", "Model (this study)", "Note"};
    write_heading(f, h);
    report_block b = {.type = REPORT_TABLE, .n_cols = 4, .n_rows = r->comparisons.n / 4};
    b.text = "What Zhong et al. (Acc. Chem. Res. 2025, 58, 1379) report, beside what this "
             "study's models give for the same quantity.";
    char **cells = malloc((b.n_rows + 1) * 4 * sizeof *cells);
    if (!cells)
        return;
    for (int k = 0; k < 4; k++)
        cells[k] = (char *)head[k];
    memcpy(cells + 4, r->comparisons.items, r->comparisons.n * sizeof *cells);
    b.cells = cells;
    write_table(f, &b, table);
    free(cells);
}

static void write_assumptions(FILE *f, const dac_report *r, const heading *h)
{
    write_heading(f, h);
    fputs("<p>Every number above rests on these; change them in the study file or in the "
          "recipes and mechanisms it names.</p>\n<ul class=\"assumptions\">\n", f);
    for (size_t i = 0; i < r->assumptions.n; i++) {
        fputs("<li>", f);
        report_put_text(f, r->assumptions.items[i], 1);
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

/* The two collected sections, where the report placed them (else at the end). */
static void write_collected(FILE *f, const dac_report *r, const heading *h, size_t *k, int *table)
{
    if (r->comparisons.n)
        write_comparisons(f, r, &h[(*k)++], ++*table);
    if (r->assumptions.n)
        write_assumptions(f, r, &h[(*k)++]);
}

/* Commands, one per line, each wrapped before an option once past COMMAND_WIDTH
 * characters (" \\" continues it, so it still pastes into a shell as it is). */
#define COMMAND_WIDTH 88
static void put_command(FILE *f, const char *text)
{
    for (const char *line = text; *line;) {
        size_t len = strcspn(line, "\n"), col = 0;
        const char *p = line, *end = line + len;
        while (p < end) {
            const char *sp = memchr(p + 1, ' ', (size_t)(end - p - 1));
            while (sp && sp + 1 < end && sp[1] != '-')
                sp = memchr(sp + 1, ' ', (size_t)(end - sp - 1));
            const char *word_end = sp ? sp : end;
            size_t w = (size_t)(word_end - p);
            if (col > 0 && col + w > COMMAND_WIDTH) {
                fputs(" \\\n   ", f);
                col = 3;
            }
            put_escaped(f, p, w);
            col += w;
            p = word_end;
        }
        line = *end ? end + 1 : end;
        if (*end)
            fputc('\n', f);
    }
}

static int write_blocks(FILE *f, const dac_report *r, const heading *h)
{
    int figure = 0, table = 0, st = DAC_OK, placed = 0;
    size_t k = 0;
    for (size_t i = 0; i < r->n_blocks && st == DAC_OK; i++) {
        const report_block *b = &r->blocks[i];
        int prev_image = i > 0 && r->blocks[i - 1].type == REPORT_IMAGE;
        int next_image = i + 1 < r->n_blocks && r->blocks[i + 1].type == REPORT_IMAGE;
        switch (b->type) {
        case REPORT_HEADING: write_heading(f, &h[k++]); break;
        case REPORT_PARAGRAPH:
            fputs("<p>", f);
            report_put_text(f, b->text, 1);
            fputs("</p>\n", f);
            break;
        case REPORT_COMMAND:
            fputs("<div class=\"reproduce\"><span class=\"label\">Reproduce</span>\n<pre><code>", f);
            put_command(f, b->text);
            fputs("</code></pre></div>\n", f);
            break;
        case REPORT_TABLE: write_table(f, b, ++table); break;
        case REPORT_FIGURE: st = write_figure(f, b, ++figure); break;
        case REPORT_IMAGE:
            if (!prev_image && next_image)
                fputs("<div class=\"gallery\">\n", f);
            st = write_image(f, b, ++figure);
            if (prev_image && !next_image)
                fputs("</div>\n", f);
            break;
        case REPORT_LISTING: write_listing(f, b); break;
        case REPORT_COLLECTED:
            write_collected(f, r, h, &k, &table);
            placed = 1;
            break;
        }
    }
    if (st == DAC_OK && !placed)
        write_collected(f, r, h, &k, &table);
    return st;
}

/* An argument as a shell would need it typed (single quotes when needed). */
static void put_shell_word(FILE *f, const char *a)
{
    int plain = *a != '\0';
    for (const char *p = a; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", *p) != NULL;
    if (plain) {
        report_put_text(f, a, 0);
        return;
    }
    fputc('\'', f);
    for (const char *p = a; *p; p++) {
        if (*p == '\'')
            fputs("'\\'", f);
        char c[2] = {*p, 0};
        report_put_text(f, c, 0);
    }
    fputc('\'', f);
}

static void write_footer(FILE *f, const dac_provenance *prov)
{
    fputs("<footer>\n<p>Written by dac " DAC_VERSION, f);
    if (prov && prov->argc > 0) {
        fputs(" with <code>", f);
        for (int i = 0; i < prov->argc; i++) {
            if (i)
                fputc(' ', f);
            put_shell_word(f, prov->argv[i]);
        }
        fputs("</code>", f);
    }
    if (prov && prov->has_seed)
        fprintf(f, ", seed %llu", (unsigned long long)prov->seed);
    fputs(". Self-contained: no scripts, nothing fetched; the files it links are in the "
          "folders beside it.</p>\n</footer>\n", f);
}

static void write_time(FILE *f, int64_t t)
{
    if (t < 0)
        return;
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[64];
    if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm))
        return;
    fprintf(f, "<p class=\"timestamp\">Written %s.</p>\n", buf); /* the one varying line */
}

static int write_page(FILE *f, const dac_report *r, const dac_provenance *prov)
{
    size_t nh;
    heading *h = collect_headings(r, &nh);
    if (!h)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"dac " DAC_VERSION "\">\n<title>", f);
    report_put_text(f, r->title, 0);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header>\n<h1>", CSS);
    report_put_text(f, r->title, 1);
    fputs("</h1>\n", f);
    if (r->subtitle) {
        fputs("<p class=\"subtitle\">", f);
        report_put_text(f, r->subtitle, 1);
        fputs("</p>\n", f);
    }
    write_time(f, r->time_s);
    fputs("</header>\n", f);
    write_contents(f, h, nh);
    int st = write_blocks(f, r, h);
    if (st == DAC_OK) {
        write_footer(f, prov);
        fputs("</main>\n</body>\n</html>\n", f);
    }
    free(h);
    return st;
}

int dac_report_write(const dac_report *r, const char *path, const dac_provenance *prov)
{
    dac_outset *set;
    FILE *f;
    int st = dac_outset_create_file(path, &set, &f);
    if (st != DAC_OK)
        return st;
    return dac_outset_finish(set, write_page(f, r, prov));
}
