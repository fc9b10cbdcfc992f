/* idx.c - IDX reader; see idx.h. zlib's gzread reads gzip and, transparently,
 * plain files, so one path serves both. */
#include "idx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads exactly n bytes; returns the count read (< n at end of data) or -1
 * on a gzip/IO error with e filled. */
static long read_full(gzFile f, const char *path, void *buf, size_t n, sm_err *e)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got;
        if (want > (1u << 30))
            want = 1u << 30;
        int r = gzread(f, (char *)buf + got, (unsigned)want);
        if (r < 0) {
            int code;
            const char *msg = gzerror(f, &code);
            if (code == Z_ERRNO)
                msg = strerror(errno);
            return sm_fail(e, "%s: read error: %s (is it a damaged gzip file?)", path, msg);
        }
        if (r == 0) {
            /* zlib reports a gzip stream cut short (even just its CRC and
             * length trailer) as end of data plus Z_BUF_ERROR. */
            int code;
            gzerror(f, &code);
            if (code == Z_BUF_ERROR)
                return sm_fail(e, "%s: truncated gzip stream: unexpected end of file after %zu "
                               "bytes (an interrupted download?)", path, got);
            break;
        }
        got += (size_t)r;
    }
    return (long)got;
}

static const char *kind(uint32_t magic)
{
    return magic == IDX_MAGIC_LABELS ? "labels" : magic == IDX_MAGIC_IMAGES ? "images" : "IDX";
}

static int parse(gzFile f, const char *path, uint32_t magic, idx_array *out, sm_err *e)
{
    unsigned char hdr[4 * (1 + IDX_MAX_DIMS)];
    long r = read_full(f, path, hdr, 4, e);
    if (r < 0)
        return -1;
    if (r == 0)
        return sm_fail(e, "%s: empty file: expected an IDX %s file", path, kind(magic));
    if (r < 4)
        return sm_fail(e, "%s: truncated header: expected 4 magic bytes, found %ld", path, r);
    uint32_t found = be32(hdr);
    if (hdr[0] == '<' || (hdr[0] == 0x1f && hdr[1] == 0x8b))
        return sm_fail(e, "%s: not an IDX file: starts with \"%.4s\" (an HTML page or a doubly "
                       "compressed file?); expected magic 0x%08x", path, (const char *)hdr, magic);
    if ((found >> 16) != 0)
        return sm_fail(e, "%s: not an IDX file: expected magic 0x%08x (%s), found 0x%08x", path,
                       magic, kind(magic), found);
    if (((found >> 8) & 0xff) != 0x08)
        return sm_fail(e, "%s: unsupported element type 0x%02x: expected 0x08 (unsigned byte)",
                       path, (found >> 8) & 0xff);
    if (found != magic)
        return sm_fail(e, "%s: wrong IDX magic: expected 0x%08x (%s, %u dimensions), found "
                       "0x%08x (%u dimensions)", path, magic, kind(magic), magic & 0xff, found,
                       found & 0xff);

    uint32_t ndim = magic & 0xff;
    r = read_full(f, path, hdr + 4, 4 * (size_t)ndim, e);
    if (r < 0)
        return -1;
    if ((size_t)r < 4 * (size_t)ndim)
        return sm_fail(e, "%s: truncated header: expected %u dimension sizes, file ends after %ld "
                       "bytes of them", path, ndim, r);
    size_t size = 1;
    for (uint32_t i = 0; i < ndim; i++) {
        uint32_t d = be32(hdr + 4 + 4 * i);
        if (d == 0)
            return sm_fail(e, "%s: dimension %u is 0: expected a non-empty %s array", path, i,
                           kind(magic));
        if (size > IDX_MAX_BYTES / d)
            return sm_fail(e, "%s: absurd size: dimension %u is %u, the array would exceed the "
                           "%zu-byte limit", path, i, d, IDX_MAX_BYTES);
        size *= d;
        out->dims[i] = d;
    }
    out->ndim = ndim;

    /* The buffer grows with the data actually read (doubling from 1 MB),
     * so a header that promises a gigabyte over a short file never gets
     * its gigabyte. */
    size_t cap = size < ((size_t)1 << 20) ? size : ((size_t)1 << 20), got = 0;
    uint8_t *data = malloc(cap);
    while (data) {
        r = read_full(f, path, data + got, cap - got, e);
        if (r < 0) {
            free(data);
            return -1;
        }
        got += (size_t)r;
        if (got < cap || cap == size)
            break;
        size_t grown = cap * 2 < size ? cap * 2 : size;
        uint8_t *more = realloc(data, grown);
        if (!more)
            free(data);
        data = more;
        cap = grown;
    }
    if (!data)
        return sm_fail(e, "%s: out of memory reading %zu bytes", path, cap);
    if (got < size) {
        free(data);
        return sm_fail(e, "%s: truncated: header promises %zu data bytes, file holds %zu", path,
                       size, got);
    }
    unsigned char extra;
    r = read_full(f, path, &extra, 1, e);
    if (r != 0) {
        free(data);
        if (r < 0)
            return -1;
        return sm_fail(e, "%s: trailing bytes: header promises %zu data bytes, file holds more",
                       path, size);
    }
    out->size = size;
    out->data = data;
    return 0;
}

int idx_read(const char *path, uint32_t magic, idx_array *out, sm_err *e)
{
    memset(out, 0, sizeof *out);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return sm_fail(e, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    int rc = parse(f, path, magic, out, e);
    gzclose(f);
    if (rc != 0)
        memset(out, 0, sizeof *out);
    return rc;
}

void idx_free(idx_array *a)
{
    free(a->data);
    a->data = NULL;
    a->size = 0;
}
