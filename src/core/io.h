/*
 * io.h — whole-file reading and file digests shared by every reader (private).
 */
#ifndef DAC_CORE_IO_H
#define DAC_CORE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads a whole file (path "-": standard input) into a NUL-terminated buffer. Files
 * larger than max_bytes are refused as not what was asked for (DAC_ERR_INPUT), so
 * /dev/zero or a wrong file cannot take all memory; a folder is named as such. */
int dac_read_file(const char *path, size_t max_bytes, char **text, size_t *len);
int dac_read_stream(FILE *f, const char *name, size_t max_bytes, char **text, size_t *len);

/* mkdir -p: dir and its missing parents; DAC_ERR_RUNTIME naming the folder that cannot
 * be made, or dir when it is not a folder. */
int dac_make_dirs(const char *dir);

/* "dir/name" in a new buffer (free it), NULL when out of memory. */
char *dac_path_join(const char *dir, const char *name);

/* The folder of path ("." when it names none, "/" for a file at the root) and its file
 * name without the last ext_len characters (the caller has checked the extension):
 * "out/a.csv", 4 → "out", "a". DAC_ERR_USAGE naming the path when either part does
 * not fit its buffer. The output files of a command go "beside" path through these. */
int dac_path_split(const char *path, size_t ext_len, char *dir, size_t dir_size, char *base,
                   size_t base_size);

/* SHA-256 (FIPS 180-4). Incremental, or of a whole file as 64 lowercase hex digits. */
typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char block[64];
    size_t fill;
    int accel; /* this CPU has the SHA extensions (set by init) */
} dac_sha256;

void dac_sha256_init(dac_sha256 *s);
void dac_sha256_update(dac_sha256 *s, const void *data, size_t len);
void dac_sha256_final(dac_sha256 *s, unsigned char digest[32]);
void dac_sha256_hex(const unsigned char digest[32], char hex[65]);
/* DAC_ERR_INPUT naming the file when it cannot be read. */
int dac_sha256_file(const char *path, char hex[65]);
/* The compression function over n 64-byte blocks behind dac_sha256_update, exposed so
 * tests can compare the two forms: the portable one, and the x86 SHA-extensions one
 * (returns 0 and does nothing on a CPU without them; dac_sha256_has_accel tells). */
void dac_sha256_blocks_portable(uint32_t h[8], const unsigned char *p, size_t n_blocks);
int dac_sha256_blocks_accel(uint32_t h[8], const unsigned char *p, size_t n_blocks);
int dac_sha256_has_accel(void);

#endif
