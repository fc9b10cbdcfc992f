/* test_npy.c - the .npy writer and reader (npy.h): arrays of several
 * shapes (N = 0 and 1, odd H, headers of different lengths) are written
 * byte for byte as the format specifies (magic, version 1.0, length, the
 * exact dict, padding to 64, '\n', little-endian floats computed here
 * independently) and read back bit-exact, special values included; the
 * reader accepts what numpy writes (version 2.0, Python 2's "3L", other
 * key order and quotes) and refuses each kind of damage with a message
 * naming the file; a failed write leaves the old file. When python3 has
 * numpy, numpy.load reads every file written here to the same bits and
 * numpy.save's file is read back by npy_read_f32 (numpy is a test tool,
 * not a dependency: without it that part is skipped with a message, and
 * fails under CI, where scripts/setup.sh installs python3-numpy). */
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "npy.h"

static char dir[] = "/tmp/siamese-npyXXXXXX";

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static void write_all(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Value (i, j) of the test arrays: varied signs and magnitudes, with the
 * special values a float32 can hold sprinkled in. */
static float value(size_t i, size_t j)
{
    static const float specials[] = {-0.0f, INFINITY, -INFINITY, 1e-45f, 3.4028235e38f,
                                     1.17549435e-38f, 0.1f};
    size_t k = i * 131 + j;
    if (k % 17 == 3)
        return specials[(k / 17) % (sizeof specials / sizeof *specials)];
    if (k % 29 == 5)
        return NAN;
    return (float)((double)k * 0.37 - 11.0) * (k % 2 ? 1.0f : -3.5e-3f);
}

/* Writes an n x h array, checks its bytes and reads it back. */
static void round_trip(size_t n, size_t h, char *paths, size_t *npaths)
{
    char path[256];
    snprintf(path, sizeof path, "%s/a_%zu_%zu.npy", dir, n, h);
    float *x = malloc(n * h * sizeof *x + 1);
    for (size_t i = 0; h && i < n; i++) /* h = 0: nothing, however large n */
        for (size_t j = 0; j < h; j++)
            x[i * h + j] = value(i, j);
    sm_err e = {{0}};
    CHECK(npy_write_f32(path, x, n, h, &e) == 0, "write %zu x %zu: %s", n, h, e.msg);

    size_t len = 0;
    unsigned char *b = read_all(path, &len);
    CHECK(b != NULL, "%s not written", path);
    if (!b) {
        free(x);
        return;
    }
    static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    CHECK(len >= 10 && memcmp(b, magic, 8) == 0, "%s: magic/version wrong", path);
    size_t hl = (size_t)b[8] | (size_t)b[9] << 8;
    CHECK((10 + hl) % 64 == 0, "%s: data starts at %zu, not a multiple of 64", path, 10 + hl);
    CHECK(len == 10 + hl + n * h * 4, "%s: %zu bytes, expected %zu", path, len,
          10 + hl + n * h * 4);
    char dict[160];
    int dl = snprintf(dict, sizeof dict,
                      "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", n, h);
    CHECK(hl > (size_t)dl && memcmp(b + 10, dict, (size_t)dl) == 0, "%s: header is '%.*s'",
          path, (int)(hl < 150 ? hl : 150), (const char *)b + 10);
    int pad_ok = b[10 + hl - 1] == '\n';
    for (size_t k = 10 + (size_t)dl; k + 1 < 10 + hl; k++)
        pad_ok &= b[k] == ' ';
    CHECK(pad_ok, "%s: header not padded with spaces and ended by '\\n'", path);
    /* The data: each float's bits, least significant byte first. */
    int data_ok = 1;
    for (size_t i = 0; i < n * h && 10 + hl + 4 * i + 4 <= len; i++) {
        uint32_t u = bits(x[i]);
        const unsigned char *p = b + 10 + hl + 4 * i;
        data_ok &= p[0] == (u & 0xff) && p[1] == ((u >> 8) & 0xff) &&
                   p[2] == ((u >> 16) & 0xff) && p[3] == u >> 24;
    }
    CHECK(data_ok, "%s: data bytes are not the little-endian floats", path);
    free(b);

    float *y = NULL;
    size_t rn = 99, rh = 99;
    CHECK(npy_read_f32(path, &y, &rn, &rh, &e) == 0, "read %s: %s", path, e.msg);
    CHECK(rn == n && rh == h, "%s: read back as %zu x %zu", path, rn, rh);
    CHECK(y != NULL, "%s: NULL array for %zu x %zu", path, n, h);
    int same = y && rn == n && rh == h;
    for (size_t i = 0; same && i < n * h; i++)
        same = bits(x[i]) == bits(y[i]);
    CHECK(same, "%s: floats differ after the round trip", path);
    free(y);
    free(x);
    *npaths += (size_t)sprintf(paths + *npaths, " '%s'", path);
}

/* Header text with the preamble of version ver, padded to 64, then data. */
static void make_file(const char *path, int ver, const char *dict, const void *data,
                      size_t data_len)
{
    unsigned char buf[512];
    size_t pre = ver == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64, hl = total - pre;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)ver;
    buf[7] = 0;
    buf[8] = (unsigned char)hl;
    buf[9] = (unsigned char)(hl >> 8);
    if (ver != 1)
        buf[10] = buf[11] = 0;
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', total - pre - dl - 1);
    buf[total - 1] = '\n';
    memcpy(buf + total, data, data_len);
    write_all(path, buf, total + data_len);
}

static const float six[6] = {1.5f, -2.0f, 0.25f, 1e-3f, -0.0f, 65504.0f};

static void expect_good(const char *name, int ver, const char *dict, size_t n, size_t h)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    make_file(path, ver, dict, six, sizeof six); /* this machine is little-endian */
    float *y = NULL;
    size_t rn = 0, rh = 0;
    sm_err e = {{0}};
    CHECK(npy_read_f32(path, &y, &rn, &rh, &e) == 0, "%s refused: %s", name, e.msg);
    CHECK(rn == n && rh == h && y && memcmp(y, six, sizeof six) == 0,
          "%s: read as %zu x %zu or other values", name, rn, rh);
    free(y);
}

/* Writes bytes [len] as a file and expects the reader to refuse it with
 * `want` and the path in the message. */
static void expect_bad_bytes(const char *name, const void *bytes, size_t len, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    write_all(path, bytes, len);
    float *y = (float *)1;
    size_t rn, rh;
    sm_err e = {{0}};
    CHECK(npy_read_f32(path, &y, &rn, &rh, &e) == -1, "%s: accepted", name);
    CHECK(y == NULL, "%s: array not NULL after a failure", name);
    CHECK(strstr(e.msg, want) != NULL, "%s: message '%s' lacks '%s'", name, e.msg, want);
    CHECK(strstr(e.msg, path) != NULL, "%s: message '%s' does not name the file", name, e.msg);
    CHECK(strchr(e.msg, '\n') == NULL, "%s: message spans lines", name);
    printf("%-14s -> %s\n", name, e.msg);
    unlink(path);
}

static void expect_bad(const char *name, int ver, const char *dict, size_t data_len,
                       const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    float data[16] = {0}; /* up to 64 bytes of data */
    make_file(path, ver, dict, data, data_len);
    size_t len;
    unsigned char *b = read_all(path, &len);
    expect_bad_bytes(name, b, len, want);
    free(b);
}

/* numpy.load of every file in paths gives the bits this test wrote, and
 * numpy.save's own file reads back here. */
static void numpy_check(const char *paths)
{
    /* Debian's python3-numpy is for /usr/bin/python3; a python3 first on
     * PATH (pyenv, a venv) may lack it. */
    const char *py = NULL;
    if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0)
        py = "/usr/bin/python3";
    else if (system("python3 -c 'import numpy' >/dev/null 2>&1") == 0)
        py = "python3";
    if (!py) {
        CHECK_TOOL_MISSING("no python3 with numpy (/usr/bin/python3 or python3); numpy.load "
                           "not checked");
        return;
    }
    char saved[256];
    static char cmd[16384 + 1024];
    snprintf(saved, sizeof saved, "%s/numpy_saved.npy", dir);
    /* For each file: shape, dtype and the data bytes in hex; then saves
     * arange(15)/7 as 3 x 5 float32. */
    snprintf(cmd, sizeof cmd,
             "%s -c 'import sys, numpy as np\n"
             "for p in sys.argv[2:]:\n"
             "    a = np.load(p)\n"
             "    print(a.shape[0], a.shape[1], a.dtype.str, a.flags.c_contiguous, "
             "a.astype(\"<f4\").tobytes().hex() or \"-\")\n"
             "np.save(sys.argv[1], (np.arange(15, dtype=np.float32) / np.float32(7)).reshape(3, 5))\n"
             "' '%s' %s",
             py, saved, paths);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL, "cannot run python3");
    if (!p)
        return;
    static char line[1 << 20];
    const char *s = paths;
    int files = 0;
    while (fgets(line, sizeof line, p)) {
        char path[256];
        if (sscanf(s, " '%255[^']'", path) != 1)
            break;
        s = strchr(strchr(s, '\'') + 1, '\'') + 1;
        size_t n, h;
        char dtype[16], contig[16];
        int off = 0;
        CHECK(sscanf(line, "%zu %zu %15s %15s %n", &n, &h, dtype, contig, &off) == 4,
              "numpy output '%.80s'", line);
        CHECK(strcmp(dtype, "<f4") == 0 && strcmp(contig, "True") == 0,
              "numpy.load(%s): dtype %s, C-contiguous %s", path, dtype, contig);
        float *y = NULL;
        size_t rn, rh;
        sm_err e;
        if (npy_read_f32(path, &y, &rn, &rh, &e) == 0) {
            CHECK(rn == n && rh == h, "numpy.load(%s): shape (%zu, %zu), ours (%zu, %zu)", path,
                  n, h, rn, rh);
            int same = rn == n && rh == h;
            const char *hex = line + off;
            for (size_t i = 0; same && i < n * h; i++) {
                unsigned b0, b1, b2, b3;
                same = sscanf(hex + 8 * i, "%2x%2x%2x%2x", &b0, &b1, &b2, &b3) == 4 &&
                       bits(y[i]) == (b0 | b1 << 8 | b2 << 16 | (uint32_t)b3 << 24);
            }
            CHECK(same, "numpy.load(%s) gives other floats", path);
            free(y);
        }
        files++;
    }
    CHECK(pclose(p) == 0, "python3 with numpy failed");
    printf("numpy.load read %d files to the same bits\n", files);

    float *y = NULL;
    size_t rn = 0, rh = 0;
    sm_err e = {{0}};
    CHECK(npy_read_f32(saved, &y, &rn, &rh, &e) == 0, "numpy.save's file refused: %s", e.msg);
    int same = rn == 3 && rh == 5 && y;
    for (size_t i = 0; same && i < 15; i++)
        same = y[i] == (float)i / 7.0f;
    CHECK(same, "numpy.save's 3 x 5 array read back as %zu x %zu or other values", rn, rh);
    free(y);
    unlink(saved);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        fprintf(stderr, "FAIL: mkdtemp\n");
        return 1;
    }
    /* Shapes: empty, one row, odd widths, the embedding width, and sizes
     * long enough in digits to push the header into a second 64-byte
     * block (n * h stays 0 there: no data to allocate). */
    static const size_t shapes[][2] = {{0, 128}, {1, 1},  {1, 7},   {3, 5},        {10, 128},
                                       {257, 3}, {2, 0},  {0, 0},   {123456789012, 0},
                                       {0, 98765432109876543}};
    static char paths[16384];
    size_t np = 0;
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++)
        round_trip(shapes[k][0], shapes[k][1], paths, &np);

    /* What other writers (numpy itself) produce. */
    expect_good("v2", 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 3);
    expect_good("py2_long", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 2L), }",
                3, 2);
    expect_good("order_quotes", 1, "{\"shape\": (6, 1), \"fortran_order\": False, "
                "\"descr\": \"<f4\"}", 6, 1);

    /* Damage, each with its message. */
    expect_bad_bytes("empty", "", 0, "not a .npy file");
    expect_bad_bytes("magic", "\x93NUMPZ\x01\x00\x00\x00", 10, "not a .npy file");
    expect_bad("version", 9, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24,
               "version 9.0");
    expect_bad("f8", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48,
               "'<f8'");
    expect_bad("big_endian", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }",
               24, "'>f4'");
    expect_bad("fortran", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24,
               "Fortran order");
    expect_bad("one_dim", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 24,
               "1 dimension(s)");
    expect_bad("three_dim", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }",
               24, "3 dimension(s)");
    expect_bad("no_shape", 1, "{'descr': '<f4', 'fortran_order': False, }", 24, "'shape'");
    expect_bad("extra_key", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), "
               "'x': 1}", 24, "key 'x'");
    expect_bad("short_data", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               20, "needs 24 data bytes, found 20");
    expect_bad("long_data", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               28, "needs 24 data bytes, found 28");
    expect_bad("huge_shape", 1, "{'descr': '<f4', 'fortran_order': False, "
               "'shape': (4611686018427387904, 4611686018427387904), }", 0, "too large");
    expect_bad("not_a_size", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }",
               24, "other than sizes");
    {
        /* A header length past the end of the file, and no newline. */
        unsigned char b[128] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xff, 0x7f};
        expect_bad_bytes("header_len", b, sizeof b, "header of 32767 bytes");
        const char *d = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }";
        b[8] = 118; /* 10 + 118 = 128: the whole file, spaces to the end */
        b[9] = 0;
        memset(b + 10, ' ', 118);
        memcpy(b + 10, d, strlen(d));
        expect_bad_bytes("no_newline", b, sizeof b, "does not end with a newline");
    }
    {
        char path[256];
        snprintf(path, sizeof path, "%s/missing.npy", dir);
        float *y;
        size_t rn, rh;
        sm_err e = {{0}};
        CHECK(npy_read_f32(path, &y, &rn, &rh, &e) == -1 && strstr(e.msg, path) &&
                  strstr(e.msg, "No such file"),
              "missing file: '%s'", e.msg);
    }

    /* A write that fails (the folder is gone) says so and leaves nothing;
     * an existing file survives a failed write. */
    {
        char path[256], kept[256];
        snprintf(path, sizeof path, "%s/no/such/folder/x.npy", dir);
        sm_err e = {{0}};
        CHECK(npy_write_f32(path, six, 2, 3, &e) == -1 && strstr(e.msg, path),
              "write into a missing folder: '%s'", e.msg);
        snprintf(kept, sizeof kept, "%s/kept.npy", dir);
        write_all(kept, "old", 3);
        CHECK(npy_write_f32(kept, six, SIZE_MAX / 2, 3, &e) == -1 && strstr(e.msg, "too large"),
              "oversized write accepted: '%s'", e.msg);
        size_t len;
        unsigned char *b = read_all(kept, &len);
        CHECK(b && len == 3 && memcmp(b, "old", 3) == 0, "failed write clobbered the old file");
        free(b);
        unlink(kept);
    }

    numpy_check(paths);

    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        char path[256];
        snprintf(path, sizeof path, "%s/a_%zu_%zu.npy", dir, shapes[k][0], shapes[k][1]);
        unlink(path);
    }
    for (const char *const *g = (const char *const[]){"v2", "py2_long", "order_quotes", NULL};
         *g; g++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s.npy", dir, *g);
        unlink(path);
    }
    CHECK(rmdir(dir) == 0, "%s not empty at the end", dir);
    return check_done("npy");
}
