/*
 * plot_render.c — running gnuplot on a figure's CSV and script, with no way to hang.
 *
 * The output set's files are temporaries until it is committed, so gnuplot cannot find
 * them by their final names. The figure is drawn instead in a private folder
 * (mkdtemp under /tmp, which POSIX guarantees; TMPDIR is not read, the library reads no
 * environment) holding NAME.csv and NAME.gp under their final names, exactly as the
 * user will have them; the images are then read back and the folder removed.
 *
 * gnuplot is started with posix_spawnp — no shell, so no name is ever re-quoted — as
 *   gnuplot -d -e "cd 'DIR'" NAME.gp
 * "-d" skips ~/.gnuplot and the system gnuplotrc, and the child gets a fixed
 * environment (LC_ALL=C.UTF-8 only, no HOME), so neither a user's init file nor their
 * locale or font configuration changes the bytes. The script is named relative to DIR
 * so that gnuplot's messages ("NAME.gp" line 42: …) point into the script the user
 * keeps. Standard input is /dev/null (a `pause -1` cannot wait for a key), standard
 * output /dev/null, and standard error a pipe whose last bytes become the error
 * message. One deadline bounds reading and waiting; past it gnuplot is killed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/io.h"
#include "dac/core.h"
#include "report/plot_internal.h"

#define STDERR_KEEP 8192  /* last bytes of gnuplot's standard error kept */
#define MESSAGE_KEEP 600  /* of which the error message quotes at most this many */
#define IMAGE_MAX ((size_t)1 << 30)

/* The last STDERR_KEEP bytes of a stream: gnuplot's error comes after its warnings. */
typedef struct {
    char text[STDERR_KEEP + 1];
    size_t len;
} tail;

static void tail_add(tail *t, const char *buf, size_t n)
{
    if (n >= STDERR_KEEP) {
        buf += n - STDERR_KEEP;
        n = STDERR_KEEP;
        t->len = 0;
    } else if (t->len + n > STDERR_KEEP) {
        size_t drop = t->len + n - STDERR_KEEP;
        memmove(t->text, t->text + drop, t->len - drop);
        t->len -= drop;
    }
    memcpy(t->text + t->len, buf, n);
    t->len += n;
    t->text[t->len] = '\0';
}

/* gnuplot's standard error on one line: its lines joined by " | ", leaving out blank
 * lines and the caret lines that point into the echoed command; the last MESSAGE_KEEP
 * bytes, cut at a character boundary. */
static void one_line(const tail *t, char *out, size_t size)
{
    char joined[2 * STDERR_KEEP + 1];
    size_t n = 0;
    for (const char *s = t->text; *s;) {
        size_t len = strcspn(s, "\n");
        size_t skip = strspn(s, " \t^\r");
        if (skip < len) {
            if (n)
                memcpy(joined + n, " | ", 3), n += 3;
            size_t keep = len && s[len - 1] == '\r' ? len - 1 : len;
            memcpy(joined + n, s, keep);
            n += keep;
        }
        s += len + (s[len] == '\n');
    }
    joined[n] = '\0';
    const char *start = joined;
    if (n > MESSAGE_KEEP) {
        start = joined + n - MESSAGE_KEEP;
        while ((*start & 0xC0) == 0x80)
            start++;
    }
    snprintf(out, size, "%s%s", start == joined ? "" : "…", *start ? start : "(no message)");
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Starts gnuplot; *missing when the program does not exist (DAC_OK then). */
static int spawn(const char *program, const char *dir, const char *name, pid_t *pid,
                 int *err_fd, int *missing)
{
    *missing = 0;
    int fds[2];
    if (pipe(fds) != 0)
        return dac_error(DAC_ERR_RUNTIME, "figure %s: cannot make a pipe for gnuplot: %s", name,
                         strerror(errno));
    /* Other children started meanwhile by other threads must not inherit the pipe. */
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    char cd[64], script[256];
    snprintf(cd, sizeof cd, "cd '%s'", dir); /* mkdtemp's name has no quote */
    snprintf(script, sizeof script, "%s.gp", name);
    char *argv[] = {(char *)program, "-d", "-e", cd, script, NULL};
    char *envp[] = {"LC_ALL=C.UTF-8", NULL};
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0) {
        rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (rc == 0)
            rc = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
        if (rc == 0)
            rc = posix_spawnp(pid, program, &fa, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
    }
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        if (rc == ENOENT) {
            *missing = 1;
            return DAC_OK;
        }
        return dac_error(DAC_ERR_RUNTIME, "figure %s: cannot run '%s': %s", name, program, strerror(rc));
    }
    *err_fd = fds[0];
    return DAC_OK;
}

/* Reads the child's standard error until it is closed, then waits for the child, both
 * before the deadline; past it, kills the child. */
static int collect(pid_t pid, int fd, double deadline, tail *t, int *status, int *timed_out)
{
    char buf[4096];
    *timed_out = 0;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) {
            *timed_out = 1;
            break;
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, left < 1 ? (int)(left * 1000) + 1 : 1000);
        if (r == 0 || (r < 0 && errno == EINTR))
            continue;
        ssize_t n = r < 0 ? 0 : read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        tail_add(t, buf, (size_t)n);
    }
    close(fd);
    while (!*timed_out) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            return DAC_OK;
        if (w < 0 && errno != EINTR)
            return dac_error(DAC_ERR_RUNTIME, "cannot wait for gnuplot: %s", strerror(errno));
        if (now_s() >= deadline)
            *timed_out = 1;
        else
            nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    return DAC_OK;
}

static int run(const char *program, double timeout_s, const char *dir, const char *name,
               int *missing)
{
    pid_t pid;
    int fd = -1, status = 0, timed_out;
    double deadline = now_s() + timeout_s;
    int st = spawn(program, dir, name, &pid, &fd, missing);
    if (st != DAC_OK || *missing)
        return st;
    tail *t = calloc(1, sizeof *t);
    if (!t) {
        kill(pid, SIGKILL);
        close(fd);
        waitpid(pid, &status, 0);
        return dac_error(DAC_ERR_NOMEM, "out of memory");
    }
    st = collect(pid, fd, deadline, t, &status, &timed_out);
    char msg[MESSAGE_KEEP + 16];
    one_line(t, msg, sizeof msg);
    free(t);
    if (st != DAC_OK)
        return st;
    if (timed_out)
        return dac_error(DAC_ERR_RUNTIME, "figure %s: gnuplot did not finish within %g s and was "
                         "stopped", name, timeout_s);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return DAC_OK;
    if (WIFEXITED(status))
        return dac_error(DAC_ERR_RUNTIME, "figure %s: gnuplot failed (exit status %d): %s", name,
                         WEXITSTATUS(status), msg);
    return dac_error(DAC_ERR_RUNTIME, "figure %s: gnuplot was killed by signal %d: %s", name,
                     WIFSIGNALED(status) ? WTERMSIG(status) : 0, msg);
}

static void path_of(char *path, size_t size, const char *dir, const char *name, const char *ext)
{
    snprintf(path, size, "%s/%s.%s", dir, name, ext);
}

static int put_file(const char *dir, const char *name, const char *ext, const report_buffer *b)
{
    char path[512];
    path_of(path, sizeof path, dir, name, ext);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(b->data, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? DAC_OK : dac_error(DAC_ERR_RUNTIME, "%s: cannot write: %s", path, strerror(errno));
}

static int get_file(const char *dir, const char *name, const char *ext, report_buffer *b)
{
    char path[512];
    struct stat sb;
    path_of(path, sizeof path, dir, name, ext);
    if (stat(path, &sb) != 0 || sb.st_size == 0)
        return dac_error(DAC_ERR_RUNTIME, "figure %s: gnuplot wrote no %s.%s (did a raw command "
                         "change the output?)", name, name, ext);
    return dac_read_file(path, IMAGE_MAX, &b->data, &b->len);
}

/* Empties and removes the private folder (raw commands may have left other files). */
static void remove_folder(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int report_plot_render(const char *program, double timeout_s, const char *name,
                       report_buffer file[4], int *rendered)
{
    *rendered = 0;
    char dir[] = "/tmp/dac-plot-XXXXXX";
    if (!mkdtemp(dir))
        return dac_error(DAC_ERR_RUNTIME, "figure %s: cannot make a temporary folder in /tmp: %s",
                         name, strerror(errno));
    int missing = 0;
    int st = put_file(dir, name, "csv", &file[0]);
    if (st == DAC_OK)
        st = put_file(dir, name, "gp", &file[1]);
    if (st == DAC_OK)
        st = run(program, timeout_s, dir, name, &missing);
    if (st == DAC_OK && !missing)
        st = get_file(dir, name, "svg", &file[2]);
    if (st == DAC_OK && !missing)
        st = get_file(dir, name, "png", &file[3]);
    remove_folder(dir);
    if (st == DAC_OK)
        *rendered = !missing;
    return st;
}
