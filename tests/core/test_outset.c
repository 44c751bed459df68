/*
 * test_outset.c — output sets (src/core/outset.c): the files of one result appear
 * together on commit or not at all; abort and failed writes leave the previous set as
 * it was; stale temporaries of dead runs are cleaned; the manifest removes what an
 * earlier, larger run left and nothing else.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "core_test.h"

#include "core/outset.h"

static FILE *open_ok(dac_outset *set, const char *name)
{
    FILE *f = NULL;
    int st = dac_outset_open(set, name, &f);
    if (st != DAC_OK)
        print_error("open %s: %s\n", name, dac_last_error());
    assert_int_equal(st, DAC_OK);
    assert_non_null(f);
    return f;
}

/* A committed folder set with one file per name, each holding "<name>:<tag>\n". */
static void write_set(const char *dir, const char *const *names, size_t n, const char *tag)
{
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    for (size_t i = 0; i < n; i++)
        fprintf(open_ok(set, names[i]), "%s:%s\n", names[i], tag);
    assert_int_equal(dac_outset_commit(set), DAC_OK);
}

static void assert_file_text(const char *dir, const char *name, const char *expect)
{
    char *p = scratch_path(dir, name);
    char *text = read_text(p);
    if (!text || strcmp(text, expect))
        print_error("%s: '%s', expected '%s'\n", p, text ? text : "(missing)", expect);
    assert_non_null(text);
    assert_string_equal(text, expect);
    free(text);
    free(p);
}

static void assert_listing(const char *dir, const char *expect)
{
    char *got = list_dir(dir);
    if (strcmp(got, expect))
        print_error("folder %s holds:\n%s\nexpected:\n%s\n", dir, got, expect);
    assert_string_equal(got, expect);
    free(got);
}

/* The set's folder is made with its parents; until commit only hidden temporaries are
 * there; commit renames every member to its name, writes the manifest, leaves no
 * temporary. */
static void test_folder_set_commit(void **state)
{
    (void)state;
    char *root = scratch_dir("outset");
    char *dir = scratch_path(root, "results/run1/deeper");
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    assert_string_equal(dac_outset_dir(set), dir);
    fputs("x_A\n1\n", open_ok(set, "atoms.csv"));
    fputs("{}\n", open_ok(set, "summary.json"));

    char *atoms = scratch_path(dir, "atoms.csv"), *summary = scratch_path(dir, "summary.json");
    assert_false(file_exists(atoms));
    assert_false(file_exists(summary));
    char *during = list_dir(dir);
    assert_non_null(strstr(during, ".atoms.csv.dac-tmp."));
    assert_non_null(strstr(during, ".summary.json.dac-tmp."));
    free(during);

    assert_int_equal(dac_outset_commit(set), DAC_OK);
    assert_listing(dir, ".dac-set\natoms.csv\nsummary.json\n");
    assert_file_text(dir, "atoms.csv", "x_A\n1\n");
    assert_file_text(dir, "summary.json", "{}\n");
    assert_file_text(dir, ".dac-set", "atoms.csv\nsummary.json\n");
    free(atoms), free(summary), free(dir);
    scratch_remove(root);
}

/* Results get the usual permissions (0666 less the umask), not mkstemp's 0600. */
static void test_permissions_follow_umask(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    mode_t old = umask(022);
    const char *names[] = {"a.csv"};
    write_set(dir, names, 1, "1");
    umask(old);
    char *p = scratch_path(dir, "a.csv");
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    free(p);
    scratch_remove(dir);
}

/* Abort removes the temporaries; the previous set is untouched, file by file. */
static void test_abort_keeps_previous_set(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    const char *names[] = {"a.csv", "b.csv"};
    write_set(dir, names, 2, "old");
    char *before = list_dir(dir);

    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    fputs("new", open_ok(set, "a.csv"));
    fputs("new", open_ok(set, "c.csv"));
    dac_outset_abort(set);

    assert_listing(dir, before);
    assert_file_text(dir, "a.csv", "a.csv:old\n");
    assert_file_text(dir, "b.csv", "b.csv:old\n");
    dac_outset_abort(NULL); /* allowed */
    free(before);
    scratch_remove(dir);
}

/* dac_outset_finish commits on DAC_OK and aborts (returning the status) otherwise. */
static void test_finish(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    fputs("kept", open_ok(set, "a.txt"));
    assert_int_equal(dac_outset_finish(set, DAC_ERR_INPUT), DAC_ERR_INPUT);
    assert_listing(dir, "");
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    fputs("kept", open_ok(set, "a.txt"));
    assert_int_equal(dac_outset_finish(set, DAC_OK), DAC_OK);
    assert_listing(dir, ".dac-set\na.txt\n");
    scratch_remove(dir);
}

/* Makes every later write to f fail (EBADF) without closing it: its descriptor now
 * refers to /dev/null opened read-only, so fclose still closes a valid descriptor. */
static void break_stream(FILE *f)
{
    int ro = open("/dev/null", O_RDONLY);
    assert_true(ro >= 0);
    assert_true(dup2(ro, fileno(f)) >= 0);
    close(ro);
}

/* A member whose writes fail makes commit fail with a message naming it; nothing of
 * the new set appears and the previous set stays. Both ways a write error shows up:
 * data still buffered when the set is committed (fclose fails), and an fwrite that
 * already failed (ferror). */
static void test_write_error_fails_commit(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    const char *names[] = {"a.csv", "b.csv"};
    write_set(dir, names, 2, "old");
    char *before = list_dir(dir);
    static char big[1 << 16];
    memset(big, 'y', sizeof big);

    for (int buffered = 0; buffered < 2; buffered++) {
        dac_outset *set;
        assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
        fputs("new\n", open_ok(set, "a.csv"));
        FILE *b = open_ok(set, "b.csv");
        fputs("new\n", open_ok(set, "c.csv"));
        break_stream(b);
        if (buffered)
            fputs("short, still in the buffer", b);
        else
            fwrite(big, 1, sizeof big, b);
        assert_int_equal(dac_outset_commit(set), DAC_ERR_RUNTIME);
        char *bpath = scratch_path(dir, "b.csv");
        assert_non_null(strstr(dac_last_error(), bpath));
        assert_non_null(strstr(dac_last_error(), "write failed"));
        free(bpath);
        assert_listing(dir, before);
        assert_file_text(dir, "a.csv", "a.csv:old\n");
        assert_file_text(dir, "b.csv", "b.csv:old\n");
    }
    free(before);
    scratch_remove(dir);
}

/* A file that cannot grow (the file-size limit stands in for a full disk: writes past
 * it fail with EFBIG, reliably and without privileges) fails the commit the same way. */
static void test_full_disk_fails_commit(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    const char *names[] = {"a.csv"};
    write_set(dir, names, 1, "old");
    char *before = list_dir(dir);

    struct rlimit saved, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small = saved;
    small.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    FILE *a = open_ok(set, "a.csv");
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    for (int i = 0; i < 2000; i++)
        fputs("0123456789\n", a);
    int st = dac_outset_commit(set);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old_handler);

    assert_int_equal(st, DAC_ERR_RUNTIME);
    assert_non_null(strstr(dac_last_error(), "a.csv"));
    assert_listing(dir, before);
    assert_file_text(dir, "a.csv", "a.csv:old\n");
    free(before);
    scratch_remove(dir);
}

/* A folder that appears where a member goes after the member was opened (another
 * program, a user) makes commit fail; the members renamed before it must not stay
 * either, or the folder would hold a mixture of two runs. */
static void test_rename_failure_leaves_previous(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    const char *names[] = {"a.csv", "b.csv"};
    write_set(dir, names, 2, "old");

    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    fputs("new\n", open_ok(set, "a.csv"));
    fputs("new\n", open_ok(set, "z.csv"));
    char *z = scratch_path(dir, "z.csv");
    assert_int_equal(mkdir(z, 0777), 0);
    assert_int_equal(dac_outset_commit(set), DAC_ERR_RUNTIME);
    assert_non_null(strstr(dac_last_error(), z));
    assert_listing(dir, ".dac-set\na.csv\nb.csv\nz.csv\n");
    assert_file_text(dir, "a.csv", "a.csv:old\n");
    free(z);
    scratch_remove(dir);
}

/* A rename that fails for one member only — in a sticky folder (like /tmp) a user may
 * not replace another user's file, though they may create their own — must undo the
 * members already renamed: the folder ends as it was. Needs root, to run the set as
 * another user over a file root owns. */
static void test_partial_rename_is_undone(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    char *dir = scratch_dir("outset");
    assert_int_equal(chmod(dir, 01777), 0);
    char *theirs = scratch_path(dir, "b.csv");
    write_text(theirs, "root's file");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        dac_outset *set;
        FILE *f;
        if (dac_outset_create(dir, &set) != DAC_OK || dac_outset_open(set, "a.csv", &f) != DAC_OK)
            _exit(3);
        fputs("new", f);
        if (dac_outset_open(set, "b.csv", &f) != DAC_OK)
            _exit(4);
        fputs("new", f);
        int st = dac_outset_commit(set);
        _exit(st == DAC_ERR_RUNTIME && strstr(dac_last_error(), theirs) ? 0 : 5);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_listing(dir, "b.csv\n");
    assert_file_text(dir, "b.csv", "root's file");
    free(theirs);
    scratch_remove(dir);
}

/* A name as long as a file name may be (255 bytes) still gets a temporary (whose
 * name, with its tag, would otherwise be too long). */
static void test_long_member_name(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    char name[256];
    memset(name, 'n', 251);
    strcpy(name + 251, ".csv");
    const char *names[] = {name};
    write_set(dir, names, 1, "long");
    char expect[300];
    snprintf(expect, sizeof expect, "%s:long\n", name);
    assert_file_text(dir, name, expect);
    scratch_remove(dir);
}

/* The pid of a process that has exited (and been reaped). */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return pid;
}

static void make_temp(const char *dir, const char *name, long pid)
{
    char file[256];
    snprintf(file, sizeof file, ".%s.dac-tmp.%ld.AbC123", name, pid);
    char *p = scratch_path(dir, file);
    write_text(p, "half-written");
    free(p);
}

/* Temporaries of a process that no longer exists are removed when a set is made in
 * their folder (any kind of set); those of a live process (our parent, which is
 * running us) are kept, as are files that only look similar. */
static void test_stale_temporaries(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    long dead = (long)dead_pid(), live = (long)getppid();
    char live_name[256], dead_name[256];
    snprintf(live_name, sizeof live_name, ".a.csv.dac-tmp.%ld.AbC123", live);
    snprintf(dead_name, sizeof dead_name, "x.dac-tmp.%ld.AbC123", dead); /* not hidden */
    for (int kind = 0; kind < 3; kind++) {
        make_temp(dir, "a.csv", dead);
        make_temp(dir, "b.json", dead);
        make_temp(dir, "a.csv", live);
        char *lookalike = scratch_path(dir, dead_name);
        write_text(lookalike, "user file");
        free(lookalike);
        char *user = scratch_path(dir, ".dac-tmp.notes"); /* no pid */
        write_text(user, "user file");
        free(user);

        dac_outset *set;
        FILE *f;
        if (kind == 0)
            assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
        else if (kind == 1)
            assert_int_equal(dac_outset_create_beside(dir, &set), DAC_OK);
        else {
            char *single = scratch_path(dir, "single.txt");
            assert_int_equal(dac_outset_create_file(single, &set, &f), DAC_OK);
            free(single);
        }
        dac_outset_abort(set);
        char expect[1024];
        snprintf(expect, sizeof expect, "%s\n.dac-tmp.notes\n%s\n", live_name, dead_name);
        assert_listing(dir, expect);
    }
    scratch_remove(dir);
}

/* A folder set removes the files an earlier, larger set wrote and this one does not,
 * and nothing else: not the user's own files, not names in a damaged manifest that
 * point elsewhere or at hidden files, not a folder the user put where a file was. */
static void test_manifest_removes_previous_only(void **state)
{
    (void)state;
    char *root = scratch_dir("outset");
    char *dir = scratch_path(root, "out");
    const char *first[] = {"overlay_1.png", "overlay_2.png", "overlay_3.png", "summary.json"};
    write_set(dir, first, 4, "run1");

    char *notes = scratch_path(dir, "notes.txt");
    write_text(notes, "my notes");
    char *victim = scratch_path(root, "victim.txt"), *hidden = scratch_path(dir, ".hidden");
    write_text(victim, "outside the set's folder");
    write_text(hidden, "hidden");
    char *overlay3 = scratch_path(dir, "overlay_3.png");
    assert_int_equal(unlink(overlay3), 0);
    assert_int_equal(mkdir(overlay3, 0777), 0); /* now the user's (empty) folder */
    char *manifest = scratch_path(dir, ".dac-set");
    FILE *m = fopen(manifest, "a");
    assert_non_null(m);
    fprintf(m, "../victim.txt\n%s\n.hidden\n\nnotes.txt/\n", victim);
    fclose(m);

    const char *second[] = {"overlay_1.png", "summary.json"};
    write_set(dir, second, 2, "run2");
    assert_listing(dir, ".dac-set\n.hidden\nnotes.txt\noverlay_1.png\noverlay_3.png\nsummary.json\n");
    assert_file_text(dir, "overlay_1.png", "overlay_1.png:run2\n");
    assert_file_text(dir, ".dac-set", "overlay_1.png\nsummary.json\n");
    assert_file_text(root, "victim.txt", "outside the set's folder");
    assert_file_text(dir, "notes.txt", "my notes");

    /* The next, even smaller run removes what the second one wrote. */
    const char *third[] = {"summary.json"};
    write_set(dir, third, 1, "run3");
    assert_listing(dir, ".dac-set\n.hidden\nnotes.txt\noverlay_3.png\nsummary.json\n");
    free(notes), free(victim), free(hidden), free(overlay3), free(manifest), free(dir);
    scratch_remove(root);
}

/* A "beside" set writes its files among the user's (an image and its JSON) without a
 * manifest: nothing else in the folder changes, not even files a folder set of the
 * same folder listed in its manifest. */
static void test_beside_set(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    const char *owned[] = {"old.csv"};
    write_set(dir, owned, 1, "set");
    char *tif = scratch_path(dir, "IMAGE.tif");
    write_text(tif, "pixels");

    for (int round = 0; round < 2; round++) {
        dac_outset *set;
        assert_int_equal(dac_outset_create_beside(dir, &set), DAC_OK);
        fputs("{}\n", open_ok(set, round ? "IMAGE.csv" : "IMAGE.json"));
        assert_int_equal(dac_outset_commit(set), DAC_OK);
    }
    assert_listing(dir, ".dac-set\nIMAGE.csv\nIMAGE.json\nIMAGE.tif\nold.csv\n");
    assert_file_text(dir, ".dac-set", "old.csv\n");
    assert_file_text(dir, "IMAGE.tif", "pixels");
    free(tif);
    scratch_remove(dir);
}

/* A one-file set holds exactly one file, touches nothing else (no manifest), and
 * refuses a path that names no file. */
static void test_single_file_set(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    char *path = scratch_path(dir, "one.csv");
    dac_outset *set;
    FILE *f, *g;
    assert_int_equal(dac_outset_create_file(path, &set, &f), DAC_OK);
    fputs("a\n", f);
    assert_int_equal(dac_outset_open(set, "two.csv", &g), DAC_ERR_USAGE);
    assert_null(g);
    assert_false(file_exists(path));
    assert_int_equal(dac_outset_commit(set), DAC_OK);
    assert_listing(dir, "one.csv\n");
    assert_file_text(dir, "one.csv", "a\n");

    char *slash = scratch_path(dir, "");
    set = (dac_outset *)1;
    assert_int_equal(dac_outset_create_file(slash, &set, &f), DAC_ERR_USAGE);
    assert_null(set);
    assert_null(f);
    assert_int_equal(dac_outset_create_file("", &set, &f), DAC_ERR_USAGE);
    free(slash);
    free(path);
    scratch_remove(dir);
}

/* "-" is standard output: the text goes there on commit (here a file put on
 * descriptor 1 for the test), and the set holds nothing else. */
static void test_file_set_stdout(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    char *path = scratch_path(dir, "stdout.txt");
    fflush(stdout);
    int saved = redirect_fd(1, path, O_WRONLY | O_CREAT | O_TRUNC);
    dac_outset *set;
    FILE *f, *g;
    int st = dac_outset_create_file("-", &set, &f);
    int second = DAC_OK, is_stdout = 0;
    if (st == DAC_OK) {
        is_stdout = f == stdout;
        fputs("x_A,y_A\n1,2\n", f);
        second = dac_outset_open(set, "more.csv", &g);
        st = dac_outset_commit(set);
    }
    restore_fd(1, saved);
    assert_int_equal(st, DAC_OK);
    assert_true(is_stdout);
    assert_int_equal(second, DAC_ERR_USAGE);
    assert_file_text(dir, "stdout.txt", "x_A,y_A\n1,2\n");
    free(path);
    scratch_remove(dir);
}

/* A folder where a file should go, or a file where the folder should be, is an error
 * naming the path. */
static void test_folder_in_the_way(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    char *sub = scratch_path(dir, "sub");
    assert_int_equal(mkdir(sub, 0777), 0);
    dac_outset *set = (dac_outset *)1;
    FILE *f = (FILE *)1;
    assert_int_equal(dac_outset_create_file(sub, &set, &f), DAC_ERR_RUNTIME);
    assert_null(set);
    assert_null(f);
    assert_non_null(strstr(dac_last_error(), sub));
    assert_non_null(strstr(dac_last_error(), "folder is in the way"));

    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    assert_int_equal(dac_outset_open(set, "sub", &f), DAC_ERR_RUNTIME);
    assert_null(f);
    assert_non_null(strstr(dac_last_error(), sub));
    dac_outset_abort(set);

    char *file = scratch_path(dir, "plain.txt");
    write_text(file, "x");
    assert_int_equal(dac_outset_create(file, &set), DAC_ERR_RUNTIME);
    assert_null(set);
    assert_non_null(strstr(dac_last_error(), file));
    char *below = scratch_path(file, "out");
    assert_int_equal(dac_outset_create(below, &set), DAC_ERR_RUNTIME);
    assert_non_null(strstr(dac_last_error(), file));
    assert_int_equal(dac_outset_create("", &set), DAC_ERR_USAGE);
    assert_listing(dir, "plain.txt\nsub\n");
    free(sub), free(file), free(below);
    scratch_remove(dir);
}

/* Member names are plain, visible file names, each once; a refused name leaves the set
 * usable. */
static void test_member_names(void **state)
{
    (void)state;
    char *dir = scratch_dir("outset");
    dac_outset *set;
    assert_int_equal(dac_outset_create(dir, &set), DAC_OK);
    const char *bad[] = {"a/b.csv", "../up.csv", ".hidden", ".dac-set", ".", "..", "", "/abs"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *f = (FILE *)1;
        assert_int_equal(dac_outset_open(set, bad[i], &f), DAC_ERR_USAGE);
        assert_null(f);
        assert_non_null(strstr(dac_last_error(), "plain file name"));
    }
    FILE *f;
    fputs("first", open_ok(set, "a.csv"));
    assert_int_equal(dac_outset_open(set, "a.csv", &f), DAC_ERR_USAGE);
    assert_non_null(strstr(dac_last_error(), "a.csv"));
    assert_non_null(strstr(dac_last_error(), "twice"));
    assert_int_equal(dac_outset_commit(set), DAC_OK);
    assert_listing(dir, ".dac-set\na.csv\n");
    assert_file_text(dir, "a.csv", "first");
    scratch_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folder_set_commit),
        cmocka_unit_test(test_permissions_follow_umask),
        cmocka_unit_test(test_abort_keeps_previous_set),
        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_write_error_fails_commit),
        cmocka_unit_test(test_full_disk_fails_commit),
        cmocka_unit_test(test_rename_failure_leaves_previous),
        cmocka_unit_test(test_partial_rename_is_undone),
        cmocka_unit_test(test_long_member_name),
        cmocka_unit_test(test_stale_temporaries),
        cmocka_unit_test(test_manifest_removes_previous_only),
        cmocka_unit_test(test_beside_set),
        cmocka_unit_test(test_single_file_set),
        cmocka_unit_test(test_file_set_stdout),
        cmocka_unit_test(test_folder_in_the_way),
        cmocka_unit_test(test_member_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
