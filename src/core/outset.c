/*
 * outset.c — output sets (see outset.h for the contract).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/io.h"
#include "core/outset.h"
#include "dac/core.h"

#define MANIFEST ".dac-set"
#define TMP_TAG ".dac-tmp."

typedef struct {
    char *name;  /* file name in the folder */
    char *final; /* dir/name */
    char *tmp;   /* dir/.name.dac-tmp.PID.XXXXXX */
    char *backup; /* during commit: the file it replaces, kept to undo a failed commit */
    int moved;    /* backup was moved aside (no hard links here), not linked */
    FILE *stream;
} member;

struct dac_outset {
    char *dir;
    int manifest; /* folder set: keep .dac-set */
    int to_stdout;
    int beside;   /* several files, no manifest */
    member *m;
    size_t n, cap;
};

/* Removes ".NAME.dac-tmp.PID.XXXXXX" files whose process is gone. */
static void clean_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *tag = e->d_name[0] == '.' ? strstr(e->d_name, TMP_TAG) : NULL;
        if (!tag)
            continue;
        char *end;
        long pid = strtol(tag + strlen(TMP_TAG), &end, 10);
        if (pid <= 0 || *end != '.')
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or not ours to ask): leave it */
        char *path = dac_path_join(dir, e->d_name);
        if (path)
            unlink(path);
        free(path);
    }
    closedir(d);
}

static int set_new(const char *dir, int manifest, dac_outset **out)
{
    *out = NULL;
    dac_outset *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    s->manifest = manifest;
    *out = s;
    return DAC_OK;
}

/* A set in folder dir, created with its parents; stale temporaries removed first. */
static int folder_set(const char *dir, int manifest, dac_outset **out)
{
    *out = NULL;
    if (!dir || !*dir)
        return dac_error(DAC_ERR_USAGE, "output folder: empty name");
    int st = dac_make_dirs(dir);
    if (st != DAC_OK)
        return st;
    clean_stale(dir);
    st = set_new(dir, manifest, out);
    if (st == DAC_OK)
        (*out)->beside = !manifest;
    return st;
}

int dac_outset_create(const char *dir, dac_outset **out) { return folder_set(dir, 1, out); }

int dac_outset_create_beside(const char *dir, dac_outset **out) { return folder_set(dir, 0, out); }

static int valid_name(const char *name)
{
    return name && *name && name[0] != '.' && !strchr(name, '/');
}

static int add_member(dac_outset *s, const char *name, FILE **stream)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->m[i].name, name))
            return dac_error(DAC_ERR_USAGE, "%s/%s: written twice in one output set", s->dir, name);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        member *m = realloc(s->m, cap * sizeof *m);
        if (!m)
            return dac_error(DAC_ERR_NOMEM, "out of memory");
        s->m = m;
        s->cap = cap;
    }
    member *m = &s->m[s->n];
    memset(m, 0, sizeof *m);
    /* The name is cut to 200 bytes in the temporary's name so that, with its tag (and
     * ".old" during commit), it stays within the 255 bytes a file name may have; the
     * name is there for people, mkstemp makes the temporary unique. */
    char tmpname[512];
    snprintf(tmpname, sizeof tmpname, ".%.200s" TMP_TAG "%ld.XXXXXX", name, (long)getpid());
    m->name = strdup(name);
    m->final = dac_path_join(s->dir, name);
    m->tmp = dac_path_join(s->dir, tmpname);
    if (!m->name || !m->final || !m->tmp) {
        free(m->name), free(m->final), free(m->tmp);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    struct stat sb;
    int fd = -1;
    if (stat(m->final, &sb) == 0 && S_ISDIR(sb.st_mode))
        errno = EISDIR;
    else
        fd = mkstemp(m->tmp);
    if (fd < 0 || !(m->stream = fdopen(fd, "wb"))) {
        int err = errno;
        if (fd >= 0)
            close(fd), unlink(m->tmp);
        int st = dac_error(DAC_ERR_RUNTIME, "%s: cannot write: %s", m->final,
                           err == EISDIR ? "a folder is in the way" : strerror(err));
        free(m->name), free(m->final), free(m->tmp);
        return st;
    }
    /* mkstemp creates 0600; results should have the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    s->n++;
    *stream = m->stream;
    return DAC_OK;
}

int dac_outset_open(dac_outset *s, const char *name, FILE **stream)
{
    *stream = NULL;
    if (s->to_stdout || (!s->manifest && !s->beside && s->n))
        return dac_error(DAC_ERR_USAGE, "a single-file output holds one file");
    if (!valid_name(name))
        return dac_error(DAC_ERR_USAGE, "output set: '%s' is not a plain file name", name ? name : "");
    return add_member(s, name, stream);
}

int dac_outset_create_file(const char *path, dac_outset **out, FILE **stream)
{
    *out = NULL;
    *stream = NULL;
    if (!path || !*path)
        return dac_error(DAC_ERR_USAGE, "output path is empty");
    if (!strcmp(path, "-")) {
        int st = set_new(".", 0, out);
        if (st == DAC_OK) {
            (*out)->to_stdout = 1;
            *stream = stdout;
        }
        return st;
    }
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (dir && !*dir) { /* "/name" */
        free(dir);
        dir = strdup("/");
    }
    const char *name = slash ? slash + 1 : path;
    if (!dir)
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    int st = *name ? set_new(dir, 0, out)
                   : dac_error(DAC_ERR_USAGE, "%s: a file name is needed, not a folder", path);
    free(dir);
    if (st != DAC_OK)
        return st;
    clean_stale((*out)->dir);
    st = add_member(*out, name, stream);
    if (st != DAC_OK) {
        dac_outset_abort(*out);
        *out = NULL;
    }
    return st;
}

/* Closes every member's stream; a write error in any fails the set. */
static int close_members(dac_outset *s)
{
    int st = DAC_OK;
    for (size_t i = 0; i < s->n; i++) {
        member *m = &s->m[i];
        int bad = ferror(m->stream);
        if (fclose(m->stream) != 0)
            bad = 1;
        m->stream = NULL;
        if (bad && st == DAC_OK)
            st = dac_error(DAC_ERR_RUNTIME, "%s: write failed (disk full?)", m->final);
    }
    return st;
}

/* The manifest is one more member, so it is replaced together with the files it names
 * (a manifest written after them could be lost, and the next run would then not know
 * which files were dac's). */
static int add_manifest(dac_outset *s)
{
    size_t n = s->n;
    FILE *f;
    int st = add_member(s, MANIFEST, &f);
    for (size_t i = 0; st == DAC_OK && i < n; i++)
        fprintf(f, "%s\n", s->m[i].name);
    return st;
}

/* The previous manifest's text (NULL when there is none), read before it is replaced. */
static char *previous_manifest(const dac_outset *s)
{
    char *path = dac_path_join(s->dir, MANIFEST), *text = NULL;
    size_t len;
    if (path && dac_read_file(path, (size_t)64 << 20, &text, &len) != DAC_OK) {
        dac_error_clear(); /* no previous set: nothing to remove */
        text = NULL;
    }
    free(path);
    return text;
}

/* Files the previous manifest names that this set does not write. unlink, not
 * remove: a folder the user made under an old name is theirs, never deleted. */
static void remove_previous(const dac_outset *s, char *manifest)
{
    for (char *line = manifest, *next; line && *line; line = next) {
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        line[strcspn(line, "\r")] = '\0';
        if (!valid_name(line))
            continue;
        int kept = 0;
        for (size_t i = 0; i < s->n && !kept; i++)
            kept = !strcmp(s->m[i].name, line);
        char *old = kept ? NULL : dac_path_join(s->dir, line);
        if (old)
            unlink(old);
        free(old);
    }
}

/* Keeps the file a member replaces under a second name (its temporary's name plus
 * ".old", which clean_stale also recognises), so a failed commit can put it back. A
 * hard link keeps the old file at its path until the rename replaces it; where links
 * are not supported the old file is moved aside instead. */
static int keep_previous(member *m)
{
    size_t n = strlen(m->tmp) + 5;
    if (!(m->backup = malloc(n)))
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    snprintf(m->backup, n, "%s.old", m->tmp);
    if (link(m->final, m->backup) == 0)
        return DAC_OK;
    int err = errno;
    if (err != ENOENT && rename(m->final, m->backup) == 0) {
        m->moved = 1;
        return DAC_OK;
    }
    if (err != ENOENT)
        err = errno;
    free(m->backup);
    m->backup = NULL;
    return err == ENOENT ? DAC_OK : dac_error(DAC_ERR_RUNTIME, "%s: cannot replace: %s", m->final,
                                              strerror(err));
}

/* Puts every temporary in place, or none. A rename can fail for one member and not the
 * others (a folder put where a file goes, a sticky folder in which another user owns
 * the old file), so members already renamed are undone: their previous file comes
 * back, or, when they had none, the new file goes. */
static int rename_members(dac_outset *s)
{
    int st = DAC_OK;
    struct stat sb;
    for (size_t i = 0; i < s->n && st == DAC_OK; i++)
        if (stat(s->m[i].final, &sb) == 0 && S_ISDIR(sb.st_mode))
            st = dac_error(DAC_ERR_RUNTIME, "%s: cannot create: a folder is in the way", s->m[i].final);
    size_t done = 0; /* members renamed */
    while (st == DAC_OK && done < s->n) {
        member *m = &s->m[done];
        st = keep_previous(m);
        if (st == DAC_OK && rename(m->tmp, m->final) != 0) {
            st = dac_error(DAC_ERR_RUNTIME, "%s: cannot create: %s", m->final, strerror(errno));
            if (m->moved)
                (void)rename(m->backup, m->final);
        }
        if (st == DAC_OK)
            done++;
    }
    for (size_t i = 0; st != DAC_OK && i < done; i++) {
        member *m = &s->m[i];
        if (m->backup ? rename(m->backup, m->final) != 0 : unlink(m->final) != 0)
            st = dac_error(DAC_ERR_RUNTIME, "%s: cannot restore the previous file after a failed "
                           "commit: %s", m->final, strerror(errno));
    }
    for (size_t i = 0; i < s->n; i++)
        if (s->m[i].backup)
            unlink(s->m[i].backup); /* already renamed back: fails harmlessly */
    return st;
}

static void set_free(dac_outset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->m[i].name), free(s->m[i].final), free(s->m[i].tmp), free(s->m[i].backup);
    free(s->m);
    free(s->dir);
    free(s);
}

int dac_outset_commit(dac_outset *s)
{
    int st = DAC_OK;
    if (s->to_stdout) {
        if (fflush(stdout) != 0 || ferror(stdout))
            st = dac_error(DAC_ERR_RUNTIME, "error writing standard output");
        set_free(s);
        return st;
    }
    char *previous = NULL;
    if (s->manifest) {
        st = add_manifest(s);
        previous = previous_manifest(s);
    }
    int closed = close_members(s);
    if (st == DAC_OK)
        st = closed;
    if (st == DAC_OK)
        st = rename_members(s);
    for (size_t i = 0; i < s->n; i++)
        unlink(s->m[i].tmp); /* already renamed: fails harmlessly */
    if (st == DAC_OK)
        remove_previous(s, previous);
    free(previous);
    set_free(s);
    return st;
}

void dac_outset_abort(dac_outset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n && !s->to_stdout; i++) {
        if (s->m[i].stream)
            fclose(s->m[i].stream);
        unlink(s->m[i].tmp);
    }
    set_free(s);
}

int dac_outset_finish(dac_outset *s, int status)
{
    if (status != DAC_OK) {
        dac_outset_abort(s);
        return status;
    }
    return dac_outset_commit(s);
}

const char *dac_outset_dir(const dac_outset *s) { return s->dir; }
