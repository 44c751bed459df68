/*
 * test_io.c — whole-file reads (src/core/io.c: the size limit, folders, missing files,
 * standard input) and SHA-256 against the FIPS 180-4 / NIST example vectors.
 */
#include "core_test.h"

#include "core/io.h"

static void sha256_of(const void *data, size_t len, char hex[65])
{
    dac_sha256 s;
    unsigned char digest[32];
    dac_sha256_init(&s);
    dac_sha256_update(&s, data, len);
    dac_sha256_final(&s, digest);
    dac_sha256_hex(digest, hex);
}

/* The example vectors of FIPS 180-4 (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"):
 * the empty message, "abc" (one block), the 448-bit message (56 bytes: the length no
 * longer fits the first block, padding spills into a second) and the 896-bit one. */
static void test_sha256_nist_vectors(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnop"
         "qrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char hex[65];
        sha256_of(cases[i][0], strlen(cases[i][0]), hex);
        assert_string_equal(hex, cases[i][1]);
    }
}

/* One million 'a' (FIPS 180-4 example), fed in uneven chunks (1, 2, 3, … 127 bytes,
 * then again) so every fill level of the block buffer meets every chunk size. */
static void test_sha256_million_a_in_chunks(void **state)
{
    (void)state;
    enum { N = 1000000 };
    char *a = malloc(N);
    assert_non_null(a);
    memset(a, 'a', N);
    dac_sha256 s;
    dac_sha256_init(&s);
    size_t done = 0;
    for (size_t k = 1; done < N; k = k % 127 + 1) {
        size_t take = N - done < k ? N - done : k;
        dac_sha256_update(&s, a + done, take);
        done += take;
    }
    unsigned char digest[32];
    char hex[65];
    dac_sha256_final(&s, digest);
    dac_sha256_hex(digest, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* The same bytes in one call give the same digest. */
    char once[65];
    sha256_of(a, N, once);
    assert_string_equal(once, hex);
    free(a);
}

/* The SHA-extensions compression (x86) and the portable one give the same state on
 * random blocks, one block at a time and many per call, and a digest through
 * dac_sha256 (which picks the fast one where it can) matches the portable chain. On a
 * CPU without the extensions the accelerated call must say so and leave h alone. */
static void test_sha256_accel_matches_portable(void **state)
{
    (void)state;
    enum { NB = 257 };
    unsigned char *p = malloc(64 * NB);
    assert_non_null(p);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < 64 * NB; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        p[i] = (unsigned char)(x >> 24);
    }
    uint32_t a[8], b[8];
    for (int i = 0; i < 8; i++)
        a[i] = b[i] = 0x01234567u * (uint32_t)(i + 1);
    dac_sha256_blocks_portable(a, p, NB);
    int accel = dac_sha256_blocks_accel(b, p, NB);
    assert_int_equal(accel, dac_sha256_has_accel());
    if (accel) {
        assert_memory_equal(a, b, sizeof a);
        uint32_t c[8];
        memcpy(c, a, sizeof c);
        for (size_t k = 0; k < NB; k++) {
            dac_sha256_blocks_portable(a, p + 64 * k, 1);
            dac_sha256_blocks_accel(c, p + 64 * k, 1);
        }
        assert_memory_equal(a, c, sizeof a);
    } else {
        for (int i = 0; i < 8; i++)
            assert_int_equal(b[i], 0x01234567u * (uint32_t)(i + 1));
        print_message("(no SHA extensions on this CPU: only the portable form tested)\n");
    }
    free(p);
}

/* Every length around the block boundaries (55, 56, 63, 64, 65, … bytes) hashed in one
 * call and byte by byte agree: the padding is right whatever the fill level. */
static void test_sha256_split_points(void **state)
{
    (void)state;
    unsigned char msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof msg; len++) {
        char whole[65], bytewise[65];
        sha256_of(msg, len, whole);
        dac_sha256 s;
        unsigned char digest[32];
        dac_sha256_init(&s);
        for (size_t i = 0; i < len; i++)
            dac_sha256_update(&s, msg + i, 1);
        dac_sha256_final(&s, digest);
        dac_sha256_hex(digest, bytewise);
        assert_string_equal(whole, bytewise);
    }
}

/* dac_sha256_file reads the file through (a file bigger than its 64 KiB buffer, with
 * the "abc" vector at its start so the digest is not just compared with itself), and
 * names a file it cannot open. */
static void test_sha256_file(void **state)
{
    (void)state;
    char *dir = scratch_dir("io");
    char *small = scratch_path(dir, "abc.txt"), *big = scratch_path(dir, "big.bin");
    write_text(small, "abc");
    char hex[65];
    assert_int_equal(dac_sha256_file(small, hex), DAC_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    enum { BIG = 200003 };
    unsigned char *data = malloc(BIG);
    assert_non_null(data);
    dac_rng rng;
    dac_rng_seed(&rng, 5);
    for (size_t i = 0; i < BIG; i++)
        data[i] = (unsigned char)dac_rng_next(&rng);
    FILE *f = fopen(big, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, BIG, f), BIG);
    fclose(f);
    char expect[65];
    sha256_of(data, BIG, expect);
    assert_int_equal(dac_sha256_file(big, hex), DAC_OK);
    assert_string_equal(hex, expect);
    free(data);

    char *missing = scratch_path(dir, "missing.txt");
    assert_int_equal(dac_sha256_file(missing, hex), DAC_ERR_INPUT);
    assert_non_null(strstr(dac_last_error(), missing));
    assert_int_equal(dac_sha256_file(dir, hex), DAC_ERR_INPUT); /* a folder */
    assert_non_null(strstr(dac_last_error(), dir));
    free(small), free(big), free(missing);
    scratch_remove(dir);
}

/* A file is read whole with its length (NUL bytes included) and a terminating NUL; an
 * empty file is an empty text, not an error. */
static void test_read_file(void **state)
{
    (void)state;
    char *dir = scratch_dir("io");
    char *path = scratch_path(dir, "x.bin");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite("a\0b\nc", 1, 5, f), 5);
    fclose(f);
    char *text;
    size_t len;
    assert_int_equal(dac_read_file(path, 1 << 20, &text, &len), DAC_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(text, "a\0b\nc", 6);
    free(text);

    write_text(path, "");
    assert_int_equal(dac_read_file(path, 1 << 20, &text, &len), DAC_OK);
    assert_int_equal(len, 0);
    assert_string_equal(text, "");
    free(text);
    free(path);
    scratch_remove(dir);
}

/* The size limit holds exactly: a file of max_bytes is read, one byte more is refused
 * as DAC_ERR_INPUT naming the file, whatever the size (below and above the reader's
 * first 64 KiB buffer). */
static void test_read_file_limit(void **state)
{
    (void)state;
    char *dir = scratch_dir("io");
    char *path = scratch_path(dir, "limit.txt");
    const size_t sizes[] = {10, 1000, 70000, 200000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *body = malloc(sizes[i] + 1);
        assert_non_null(body);
        memset(body, 'x', sizes[i]);
        body[sizes[i]] = '\0';
        write_text(path, body);
        free(body);
        char *text = (char *)1;
        size_t len = 7;
        assert_int_equal(dac_read_file(path, sizes[i], &text, &len), DAC_OK);
        assert_int_equal(len, sizes[i]);
        free(text);
        assert_int_equal(dac_read_file(path, sizes[i] - 1, &text, &len), DAC_ERR_INPUT);
        assert_null(text);
        assert_int_equal(len, 0);
        assert_non_null(strstr(dac_last_error(), path));
        assert_non_null(strstr(dac_last_error(), "larger than"));
    }
    free(path);
    scratch_remove(dir);
}

/* A missing file and a folder are DAC_ERR_INPUT messages naming the path. */
static void test_read_file_errors(void **state)
{
    (void)state;
    char *dir = scratch_dir("io");
    char *missing = scratch_path(dir, "nope.csv");
    char *text = (char *)1;
    size_t len;
    assert_int_equal(dac_read_file(missing, 100, &text, &len), DAC_ERR_INPUT);
    assert_null(text);
    assert_non_null(strstr(dac_last_error(), missing));
    assert_non_null(strstr(dac_last_error(), "cannot open"));
    assert_int_equal(dac_read_file(dir, 100, &text, &len), DAC_ERR_INPUT);
    assert_null(text);
    assert_non_null(strstr(dac_last_error(), dir));
    assert_non_null(strstr(dac_last_error(), "directory"));
    free(missing);
    scratch_remove(dir);
}

/* "-" reads standard input (here a file put on descriptor 0 for the test). */
static void test_read_stdin(void **state)
{
    (void)state;
    char *dir = scratch_dir("io");
    char *path = scratch_path(dir, "in.txt");
    write_text(path, "from stdin\n");
    int saved = redirect_fd(0, path, O_RDONLY);
    char *text;
    size_t len;
    int st = dac_read_file("-", 100, &text, &len);
    restore_fd(0, saved);
    clearerr(stdin);
    assert_int_equal(st, DAC_OK);
    assert_string_equal(text, "from stdin\n");
    assert_int_equal(len, 11);
    free(text);
    free(path);
    scratch_remove(dir);
}

/* The folder and the base name that output sets "beside" a path are made from: no
 * folder is ".", the root is "/", and a part too long for its buffer is refused. */
static void test_path_split(void **state)
{
    (void)state;
    char dir[16], base[16];
    assert_int_equal(dac_path_split("out/run/a.csv", 4, dir, sizeof dir, base, sizeof base), DAC_OK);
    assert_string_equal(dir, "out/run");
    assert_string_equal(base, "a");
    assert_int_equal(dac_path_split("a.csv", 4, dir, sizeof dir, base, sizeof base), DAC_OK);
    assert_string_equal(dir, ".");
    assert_int_equal(dac_path_split("/a.tif", 4, dir, sizeof dir, base, sizeof base), DAC_OK);
    assert_string_equal(dir, "/");
    assert_string_equal(base, "a");
    assert_int_equal(dac_path_split("a-very-long-folder-name/a.csv", 4, dir, sizeof dir, base, sizeof base),
                     DAC_ERR_USAGE);
    assert_int_equal(dac_path_split("x/a-very-long-file-name.csv", 4, dir, sizeof dir, base, sizeof base),
                     DAC_ERR_USAGE);
    char *joined = dac_path_join("out", "a.json");
    assert_string_equal(joined, "out/a.json");
    free(joined);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_nist_vectors), cmocka_unit_test(test_sha256_million_a_in_chunks),
        cmocka_unit_test(test_sha256_split_points),
        cmocka_unit_test(test_sha256_accel_matches_portable), cmocka_unit_test(test_sha256_file),
        cmocka_unit_test(test_read_file),           cmocka_unit_test(test_read_file_limit),
        cmocka_unit_test(test_read_file_errors),    cmocka_unit_test(test_read_stdin),
        cmocka_unit_test(test_path_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
