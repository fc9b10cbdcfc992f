/* npy.c - .npy files of 2-D float32 arrays; see npy.h.
 * reference: numpy.lib.format (the format's specification, NEP 1).
 * N = rows, H = columns. */
#include "npy.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atomic_file.h"

static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* Longest header the reader accepts: numpy's own are under 200 bytes, a
 * version-2 length field could claim 4 GB. */
#define NPY_MAX_HEADER (1u << 20)

static void put_f32le(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    p[0] = (unsigned char)u;
    p[1] = (unsigned char)(u >> 8);
    p[2] = (unsigned char)(u >> 16);
    p[3] = (unsigned char)(u >> 24);
}

static float get_f32le(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

int npy_write_f32(const char *path, const float *x, size_t n, size_t h, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    if (npy_put_f32(&a, x, n, h, e) != 0) {
        atomic_abort(&a);
        return -1;
    }
    return atomic_commit(&a, e);
}

int npy_put_f32(atomic_file *a, const float *x, size_t n, size_t h, sm_err *e)
{
    if (h != 0 && n > SIZE_MAX / 4 / h)
        return sm_fail(e, "%s: %zu x %zu floats: too large to write", a->path, n, h);
    /* preamble [10] + dict + spaces + '\n', a multiple of NPY_ALIGN. The
     * dict of two 20-digit sizes is under 100 bytes: one block of 128. */
    unsigned char head[128];
    memcpy(head, magic, sizeof magic);
    head[6] = 1;
    head[7] = 0;
    int len = snprintf((char *)head + 10, sizeof head - 10,
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", n, h);
    size_t total = ((size_t)10 + (size_t)len + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    memset(head + 10 + len, ' ', total - 10 - (size_t)len - 1);
    head[total - 1] = '\n';
    size_t hl = total - 10;
    head[8] = (unsigned char)hl;
    head[9] = (unsigned char)(hl >> 8);

    atomic_write(a, head, total);
    /* The floats as little-endian bytes whatever this machine's order,
     * 4,096 at a time. */
    unsigned char buf[4096 * 4];
    size_t count = n * h, k = 0;
    for (size_t i = 0; i < count; i++) {
        put_f32le(buf + 4 * k, x[i]);
        if (++k == 4096) {
            atomic_write(a, buf, sizeof buf);
            k = 0;
        }
    }
    atomic_write(a, buf, 4 * k);
    return 0;
}

/* A cursor over the header dict, for the parser below. */
typedef struct {
    const char *s, *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t'))
        c->s++;
}

static int take(cursor *c, char ch)
{
    skip_space(c);
    if (c->s < c->end && *c->s == ch) {
        c->s++;
        return 1;
    }
    return 0;
}

/* A quoted Python string ('...' or "...", printable ASCII, no escapes)
 * into out [n]. */
static int take_string(cursor *c, char *out, size_t n)
{
    skip_space(c);
    if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
        return 0;
    char q = *c->s++;
    size_t k = 0;
    while (c->s < c->end && *c->s != q) {
        if (k + 1 >= n || *c->s == '\\' || *c->s < 0x20 || *c->s >= 0x7f)
            return 0;
        out[k++] = *c->s++;
    }
    if (c->s >= c->end)
        return 0;
    c->s++;
    out[k] = 0;
    return 1;
}

/* A non-negative integer (Python 2 wrote "3L"). */
static int take_size(cursor *c, size_t *v)
{
    skip_space(c);
    if (c->s >= c->end || *c->s < '0' || *c->s > '9')
        return 0;
    size_t x = 0;
    while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
        size_t d = (size_t)(*c->s++ - '0');
        if (x > (SIZE_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
    }
    if (c->s < c->end && *c->s == 'L')
        c->s++;
    *v = x;
    return 1;
}

static int take_word(cursor *c, const char *w)
{
    skip_space(c);
    size_t k = strlen(w);
    if ((size_t)(c->end - c->s) >= k && memcmp(c->s, w, k) == 0) {
        c->s += k;
        return 1;
    }
    return 0;
}

/* Up to 40 bytes of the header at c, printable (for messages). */
static const char *snippet(const cursor *c, char out[44])
{
    size_t k = 0;
    for (const char *p = c->s; p < c->end && k < 40; p++)
        out[k++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
    out[k] = 0;
    return out;
}

/* Parses the dict of header text [len] into the shape; everything else
 * must be '<f4' and C order. */
static int parse_header(const char *path, const char *text, size_t len, size_t *n, size_t *h,
                        sm_err *e)
{
    if (len == 0 || text[len - 1] != '\n')
        return sm_fail(e, "%s: .npy header does not end with a newline: damaged file", path);
    for (size_t i = 0; i < len; i++)
        if (text[i] == 0)
            return sm_fail(e, "%s: .npy header holds a NUL byte: damaged file", path);
    cursor c = {text, text + len - 1};
    char sn[44];
    int have_descr = 0, have_order = 0, have_shape = 0;
    if (!take(&c, '{'))
        return sm_fail(e, "%s: .npy header: expected a dict '{...}', found '%s'", path,
                       snippet(&c, sn));
    while (!take(&c, '}')) {
        char key[32], val[32];
        if (!take_string(&c, key, sizeof key) || !take(&c, ':'))
            return sm_fail(e, "%s: .npy header: expected 'key': value, found '%s'", path,
                           snippet(&c, sn));
        if (strcmp(key, "descr") == 0 && !have_descr) {
            if (!take_string(&c, val, sizeof val))
                return sm_fail(e, "%s: .npy header: descr is not a string", path);
            if (strcmp(val, "<f4") != 0)
                return sm_fail(e, "%s: .npy data type '%s': expected '<f4' (little-endian "
                               "float32; numpy: a.astype('<f4'))", path, val);
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && !have_order) {
            if (take_word(&c, "True"))
                return sm_fail(e, "%s: .npy array in Fortran order: expected C order "
                               "(numpy: np.ascontiguousarray(a))", path);
            if (!take_word(&c, "False"))
                return sm_fail(e, "%s: .npy header: fortran_order is not True or False", path);
            have_order = 1;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            size_t dims[2], k = 0, v;
            if (!take(&c, '('))
                return sm_fail(e, "%s: .npy header: shape is not a tuple", path);
            while (!take(&c, ')')) {
                if (!take_size(&c, &v))
                    return sm_fail(e, "%s: .npy header: shape holds something other than "
                                   "sizes: '%s'", path, snippet(&c, sn));
                if (k < 2)
                    dims[k] = v;
                k++;
                if (!take(&c, ',')) {
                    if (!take(&c, ')'))
                        return sm_fail(e, "%s: .npy header: shape tuple not closed", path);
                    break;
                }
            }
            if (k != 2)
                return sm_fail(e, "%s: .npy array of %zu dimension(s): expected 2 (rows, "
                               "columns)", path, k);
            *n = dims[0];
            *h = dims[1];
            have_shape = 1;
        } else {
            return sm_fail(e, "%s: .npy header: unexpected or repeated key '%s'", path, key);
        }
        if (!take(&c, ',')) {
            if (!take(&c, '}'))
                return sm_fail(e, "%s: .npy header: expected ',' or '}', found '%s'", path,
                               snippet(&c, sn));
            break;
        }
    }
    skip_space(&c);
    if (c.s != c.end)
        return sm_fail(e, "%s: .npy header: bytes after the dict: '%s'", path,
                       snippet(&c, sn));
    if (!have_descr || !have_order || !have_shape)
        return sm_fail(e, "%s: .npy header lacks '%s'", path,
                       !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
    return 0;
}

int npy_read_f32(const char *path, float **x, size_t *n, size_t *h, sm_err *e)
{
    *x = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm_fail(e, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    unsigned char pre[12];
    char *text = NULL;
    unsigned char *raw = NULL;
    int rc = 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sm_fail(e, "%s: not a regular file", path);
        goto done;
    }
    size_t size = (size_t)st.st_size;
    if (size < 10 || fread(pre, 1, 10, f) != 10 || memcmp(pre, magic, sizeof magic) != 0) {
        rc = sm_fail(e, "%s: not a .npy file (expected the magic \\x93NUMPY at the start)", path);
        goto done;
    }
    size_t hl, at;
    if (pre[6] == 1 && pre[7] == 0) {
        hl = (size_t)pre[8] | (size_t)pre[9] << 8;
        at = 10;
    } else if ((pre[6] == 2 || pre[6] == 3) && pre[7] == 0) {
        if (size < 12 || fread(pre + 10, 1, 2, f) != 2) {
            rc = sm_fail(e, "%s: .npy file cut short in its preamble", path);
            goto done;
        }
        hl = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
             (size_t)pre[11] << 24;
        at = 12;
    } else {
        rc = sm_fail(e, "%s: .npy format version %u.%u: expected 1.0, 2.0 or 3.0", path, pre[6],
                     pre[7]);
        goto done;
    }
    if (hl > NPY_MAX_HEADER || hl > size - at) {
        rc = sm_fail(e, "%s: .npy header of %zu bytes in a file of %zu: damaged file", path, hl,
                     size);
        goto done;
    }
    if (!(text = malloc(hl + 1))) {
        rc = sm_fail(e, "%s: out of memory for the .npy header", path);
        goto done;
    }
    if (fread(text, 1, hl, f) != hl) {
        rc = sm_fail(e, "%s: read error in the .npy header", path);
        goto done;
    }
    text[hl] = 0;
    if (parse_header(path, text, hl, n, h, e) != 0) {
        rc = -1;
        goto done;
    }
    if (*h != 0 && *n > SIZE_MAX / 4 / *h) {
        rc = sm_fail(e, "%s: .npy shape (%zu, %zu): too large", path, *n, *h);
        goto done;
    }
    size_t count = *n * *h, want = count * 4;
    if (size - at - hl != want) {
        rc = sm_fail(e, "%s: .npy shape (%zu, %zu) needs %zu data bytes, found %zu", path, *n,
                     *h, want, size - at - hl);
        goto done;
    }
    raw = malloc(want + 1);
    *x = malloc(count * sizeof **x + 1);
    if (!raw || !*x) {
        rc = sm_fail(e, "%s: out of memory for %zu x %zu floats", path, *n, *h);
        goto done;
    }
    if (fread(raw, 1, want, f) != want) {
        rc = sm_fail(e, "%s: read error in the .npy data", path);
        goto done;
    }
    for (size_t i = 0; i < count; i++)
        (*x)[i] = get_f32le(raw + 4 * i);
done:
    if (rc != 0) {
        free(*x);
        *x = NULL;
    }
    free(raw);
    free(text);
    fclose(f);
    return rc;
}
