/*
 * core_test.h — what the core plumbing suites share: a scratch folder per test that is
 * removed afterwards, writing and reading whole files, and listing a folder (to see
 * that a temporary was left behind, or that nothing new appeared), and putting a file
 * on standard input or output for a while.
 */
#ifndef DAC_CORE_TEST_H
#define DAC_CORE_TEST_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dac_test.h"

#include "dac/core.h"

/* A fresh folder under /tmp; remove it with scratch_remove. */
static inline char *scratch_dir(const char *tag)
{
    char tmpl[256];
    snprintf(tmpl, sizeof tmpl, "/tmp/dac_%s_XXXXXX", tag);
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static inline char *scratch_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* rm -r, then frees dir (the scratch folders hold only what the tests made). */
static inline void scratch_remove(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = scratch_path(dir, e->d_name);
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                scratch_remove(p); /* frees p */
            else
                unlink(p), free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* The whole file, NUL-terminated (NULL when it cannot be opened); free it. */
static inline char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t got; (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (cap - n < 2) {
            buf = realloc(buf, cap *= 2);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static inline int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* The entries of a folder other than . and .., sorted, joined by '\n' (each followed
 * by one): a snapshot to compare before and after. Free it. */
static inline char *list_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(names[i]->d_name) + 1;
    char *out = malloc(len), *w = out;
    assert_non_null(out);
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
            w += sprintf(w, "%s\n", names[i]->d_name);
        free(names[i]);
    }
    free(names);
    *w = '\0';
    return out;
}

/* Puts path (opened with flags) on descriptor fd; returns the old descriptor's copy
 * for restore_fd. */
static inline int redirect_fd(int fd, const char *path, int flags)
{
    int saved = dup(fd), opened = open(path, flags, 0644);
    assert_true(saved >= 0 && opened >= 0);
    assert_int_equal(dup2(opened, fd), fd);
    close(opened);
    return saved;
}

static inline void restore_fd(int fd, int saved)
{
    dup2(saved, fd);
    close(saved);
}

#endif
