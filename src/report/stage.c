/*
 * stage.c — running one stage of a study: its stamp, its folder, and the rule that a
 * failed stage leaves the previous results as they were.
 *
 * A stage's results are many files in nested folders (dac synth writes a folder per
 * run, dac stem count another), each written by its module as an output set. Core's
 * output sets hold the files of one folder; a stage needs the same promise for a
 * tree. So a stage is written into a fresh folder beside its final place,
 *     OUTDIR/.NAME.dac-run.PID.XXXXXX/
 * and only when everything in it was written (its own files last, through an output
 * set: summary.json, fragment.json, stamp.json, its figures) is it swapped in: the old
 * OUTDIR/NAME is renamed away, the new one renamed to OUTDIR/NAME, the old one
 * removed. A failure removes the fresh folder and nothing else. Folders left by a run
 * that was killed (its PID no longer alive) are removed the next time a stage runs in
 * OUTDIR. An OUTDIR/NAME without a stamp.json was not made by dac run and is never
 * replaced.
 *
 * The stamp is the SHA-256 of what decides a stage's results: the software version,
 * the seed, the stage's part of the study as read (study.c records it), the structures
 * the study names, and the SHA-256 of every input file. Equal stamps: the stage is not
 * run again. Stamps hash content, not times, so touching a file changes nothing and
 * an edit that is undone again is recognised.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/io.h"
#include "core/json.h"
#include "dac/core.h"
#include "report/report_internal.h"
#include "report/study_internal.h"

#define RUN_TAG ".dac-run."
#define OLD_TAG ".dac-old."
#define STAMP_RECORD "dac run stamp"

/* ------------------------------------------------------------ folders ------------- */

/* rm -r that never follows a symbolic link out of the tree. */
static void remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *child = dac_path_join(path, e->d_name);
            if (child)
                remove_tree(child);
            free(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Removes ".NAME.dac-run.PID.X" and ".NAME.dac-old.PID.X" of processes gone. */
static void clean_stale(const char *outdir)
{
    DIR *d = opendir(outdir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            continue;
        const char *tag = strstr(e->d_name, RUN_TAG);
        if (!tag)
            tag = strstr(e->d_name, OLD_TAG);
        if (!tag)
            continue;
        char *end;
        long pid = strtol(tag + strlen(RUN_TAG), &end, 10);
        if (pid <= 0 || *end != '.')
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to ask */
        char *p = dac_path_join(outdir, e->d_name);
        if (p)
            remove_tree(p);
        free(p);
    }
    if (d)
        closedir(d);
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* OUTDIR/NAME may be replaced: absent, empty, or holding a stamp. */
static int check_replaceable(const char *final)
{
    struct stat sb;
    if (lstat(final, &sb) != 0)
        return DAC_OK;
    if (!S_ISDIR(sb.st_mode))
        return dac_error(DAC_ERR_RUNTIME, "%s: exists and is not a folder; move it or choose "
                         "another output folder", final);
    char *stamp = dac_path_join(final, "stamp.json");
    int ours = stamp && access(stamp, F_OK) == 0;
    free(stamp);
    DIR *d = ours ? NULL : opendir(final);
    int empty = 1;
    struct dirent *e;
    while (d && empty && (e = readdir(d)) != NULL)
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    if (!ours && !empty)
        return dac_error(DAC_ERR_RUNTIME, "%s: exists and was not written by dac run (no "
                         "stamp.json); move it or choose another output folder", final);
    return DAC_OK;
}

static char *tagged_name(const char *outdir, const char *name, const char *tag)
{
    char buf[256];
    snprintf(buf, sizeof buf, ".%s%s%ld.XXXXXX", name, tag, (long)getpid());
    return dac_path_join(outdir, buf);
}

static int begin(report_stage *st, char **final)
{
    const char *name = report_stage_names[st->stage];
    int rc = dac_make_dirs(st->outdir);
    if (rc != DAC_OK)
        return rc;
    clean_stale(st->outdir);
    *final = dac_path_join(st->outdir, name);
    st->dir = tagged_name(st->outdir, name, RUN_TAG);
    if (!*final || !st->dir)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    rc = check_replaceable(*final);
    if (rc == DAC_OK && !mkdtemp(st->dir))
        rc = dac_error(DAC_ERR_RUNTIME, "%s: cannot create a folder for stage %s: %s", st->outdir,
                       name, strerror(errno));
    if (rc == DAC_OK) { /* mkdtemp makes it 0700; results get the usual permissions */
        mode_t mask = umask(0);
        umask(mask);
        (void)chmod(st->dir, 0777 & ~mask);
    }
    if (rc != DAC_OK) {
        free(st->dir);
        st->dir = NULL;
    }
    return rc;
}

/* Swaps the fresh folder in; the old one goes only once the new one is in place. */
static int swap_in(const char *dir, const char *final, const char *outdir, const char *name)
{
    char *old = NULL;
    if (is_dir(final)) {
        old = tagged_name(outdir, name, OLD_TAG);
        if (!old || !mkdtemp(old) || rmdir(old) != 0 || rename(final, old) != 0) {
            int st = dac_error(DAC_ERR_RUNTIME, "%s: cannot move the previous results aside: %s",
                               final, strerror(errno));
            free(old);
            return st;
        }
    }
    if (rename(dir, final) != 0) {
        int st = dac_error(DAC_ERR_RUNTIME, "%s: cannot put the new results in place: %s", final,
                           strerror(errno));
        if (old)
            rename(old, final);
        free(old);
        return st;
    }
    if (old)
        remove_tree(old);
    free(old);
    return DAC_OK;
}

/* ------------------------------------------------------------ helpers for stages -- */

int report_stage_progress(report_stage *st, size_t k, size_t n, double f)
{
    if (!st->progress || n == 0)
        return 0;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return st->progress(((double)k + f) / (double)n, st->user_data);
}

static char *vjoin(const char *a, const char *b, const char *fmt, va_list ap)
{
    char tail[1024];
    vsnprintf(tail, sizeof tail, fmt, ap);
    size_t n = strlen(a) + (b ? strlen(b) + 1 : 0) + strlen(tail) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s%s", a, b ? b : "", b ? "/" : "", tail);
    return p;
}

char *report_stage_path(const report_stage *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vjoin(st->dir, NULL, fmt, ap);
    va_end(ap);
    return p;
}

char *report_stage_final_path(const report_stage *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vjoin(st->outdir, report_stage_names[st->stage], fmt, ap);
    va_end(ap);
    return p;
}

/* ------------------------------------------------------------ stamps -------------- */

static void hash_line(dac_sha256 *h, const char *a, const char *b)
{
    dac_sha256_update(h, a, strlen(a));
    dac_sha256_update(h, " ", 1);
    dac_sha256_update(h, b ? b : "", b ? strlen(b) : 0);
    dac_sha256_update(h, "\n", 1);
}

static int stamp_hash(const dac_report_study *s, int stage, const report_list *inputs, char hex[65])
{
    dac_sha256 h;
    char buf[64];
    unsigned char digest[32];
    dac_sha256_init(&h);
    hash_line(&h, "dac run stamp", "1");
    hash_line(&h, "software", "dac " DAC_VERSION);
    hash_line(&h, "stage", report_stage_names[stage]);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)s->seed);
    hash_line(&h, "seed", buf);
    for (size_t i = 0; i < s->resolved[stage].n; i++)
        hash_line(&h, "study", s->resolved[stage].item[i]);
    for (size_t i = 0; stage != REPORT_MAKE && i < s->n_structures; i++) {
        hash_line(&h, "structure", s->structures[i].name);
        hash_line(&h, "title", s->structures[i].title);
        hash_line(&h, "path", s->structures[i].path);
    }
    for (size_t i = 0; i < inputs->n; i++) {
        char file_hex[65];
        int st = dac_sha256_file(inputs->item[i], file_hex);
        if (st != DAC_OK)
            return st;
        hash_line(&h, inputs->item[i], file_hex);
    }
    dac_sha256_final(&h, digest);
    dac_sha256_hex(digest, hex);
    return DAC_OK;
}

/* Whether OUTDIR/NAME/stamp.json holds this hash (anything unreadable: no). */
static int stamp_matches(const char *outdir, const char *name, const char hex[65])
{
    char *dir = dac_path_join(outdir, name), *path = dir ? dac_path_join(dir, "stamp.json") : NULL;
    char *text = NULL;
    size_t len;
    int match = 0;
    if (path && access(path, R_OK) == 0 && dac_read_file(path, (size_t)1 << 20, &text, &len) == DAC_OK) {
        cJSON *j = cJSON_ParseWithLength(text, len);
        const cJSON *rec = cJSON_GetObjectItemCaseSensitive(j, "record");
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "inputs_sha256");
        match = cJSON_IsString(rec) && !strcmp(rec->valuestring, STAMP_RECORD) && cJSON_IsString(h) &&
                !strcmp(h->valuestring, hex);
        cJSON_Delete(j);
    }
    dac_error_clear();
    free(text), free(path), free(dir);
    return match;
}

static int write_stamp(report_stage *st, const char hex[65])
{
    cJSON *j = dac_json_record(STAMP_RECORD, &st->prov);
    if (!j)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    dac_json_string(j, "stage", report_stage_names[st->stage]);
    dac_json_string(j, "inputs_sha256", hex);
    dac_json_string(j, "why", "The SHA-256 of the software version, the seed, this stage's part "
                    "of the study (below, as read) and every input file (provenance.inputs). "
                    "dac run skips the stage while it stays the same.");
    cJSON *cfg = cJSON_AddArrayToObject(j, "study");
    const report_list *l = &st->study->resolved[st->stage];
    for (size_t i = 0; cfg && i < l->n; i++)
        cJSON_AddItemToArray(cfg, dac_json_create_string(l->item[i]));
    int rc = dac_outset_json(st->set, "stamp.json", j);
    cJSON_Delete(j);
    return rc;
}

/* ------------------------------------------------------------ running ------------- */

typedef int (*inputs_fn)(const dac_report_study *, const char *, report_list *);
typedef int (*run_fn)(report_stage *);

static const inputs_fn stage_inputs[REPORT_N_STAGES] = {report_make_inputs, report_see_inputs,
                                                        report_explain_inputs};
static const run_fn stage_run[REPORT_N_STAGES] = {report_make_stage, report_see_stage,
                                                  report_explain_stage};

/* Fills the fresh folder: the stage's work, then its own files as one set. */
static int fill(report_stage *st, const char hex[65])
{
    int rc = dac_outset_create(st->dir, &st->set);
    if (rc == DAC_OK)
        rc = dac_report_create(report_stage_names[st->stage], &st->page);
    if (rc == DAC_OK) {
        char record[64];
        snprintf(record, sizeof record, "dac run %s", report_stage_names[st->stage]);
        if (!(st->summary = dac_json_record(record, &st->prov)))
            rc = dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    if (rc == DAC_OK)
        rc = stage_run[st->stage](st);
    if (rc == DAC_OK)
        rc = dac_outset_json(st->set, "summary.json", st->summary);
    if (rc == DAC_OK)
        rc = report_fragment_write(st->page, st->set, "fragment.json", &st->prov);
    if (rc == DAC_OK)
        rc = write_stamp(st, hex);
    rc = st->set ? dac_outset_finish(st->set, rc) : rc;
    st->set = NULL;
    return rc;
}

/* "stage 'see' failed: <what went wrong>" with the code of the failure. */
static int stage_failed(int rc, const char *name)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", dac_last_error());
    return dac_error(rc, "stage '%s' failed: %s", name, msg[0] ? msg : "(no message)");
}

int dac_report_study_run_stage(dac_report_study *s, size_t i, const char *outdir,
                               const dac_provenance *prov, dac_progress_fn progress,
                               void *user_data, int *skipped)
{
    *skipped = 0;
    int k = report_study_stage_id(s, i);
    if (k < 0)
        return dac_error(DAC_ERR_USAGE, "study: no stage %zu (it has %zu)", i,
                         dac_report_study_stage_count(s));
    if (!outdir || !*outdir)
        return dac_error(DAC_ERR_USAGE, "study: no output folder");
    const char *name = report_stage_names[k];
    report_stage st = {.study = s, .stage = k, .outdir = outdir, .progress = progress,
                       .user_data = user_data};
    char hex[65], *final = NULL;
    int rc = stage_inputs[k](s, outdir, &st.inputs);
    if (rc == DAC_OK)
        rc = stamp_hash(s, k, &st.inputs, hex);
    if (rc == DAC_OK && stamp_matches(outdir, name, hex)) {
        *skipped = 1;
        report_list_free(&st.inputs);
        return DAC_OK;
    }
    if (prov)
        st.prov = *prov;
    st.prov.has_seed = 1;
    st.prov.seed = s->seed;
    st.prov.n_inputs = st.inputs.n;
    st.prov.inputs = (const char *const *)st.inputs.item;
    if (rc == DAC_OK)
        rc = begin(&st, &final);
    if (rc == DAC_OK)
        rc = fill(&st, hex);
    if (rc == DAC_OK)
        rc = swap_in(st.dir, final, outdir, name);
    if (rc != DAC_OK && st.dir)
        remove_tree(st.dir);
    if (rc != DAC_OK)
        rc = stage_failed(rc, name);
    dac_report_free(st.page);
    cJSON_Delete(st.summary);
    report_list_free(&st.inputs);
    free(st.dir);
    free(final);
    return rc;
}
