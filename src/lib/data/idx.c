/* idx.c - IDX reader; see idx.h. A file that starts with the gzip magic
 * (1f 8b) is inflated with zlib, member after member; any other file is
 * read as it is. After the last member only the end of the file may
 * follow: zlib's gzread skips trailing garbage without a word (gzip(1)
 * warns), so the members are walked here. */
#include "idx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The bytes of one file: plain, or gzip inflated. */
typedef struct {
    FILE *f;
    const char *path;
    int gzip;         /* the file starts with 1f 8b */
    int member_done;  /* inflate reached the end of a member */
    z_stream z;
    size_t offset;    /* compressed bytes read from the file so far */
    size_t out;       /* bytes delivered so far */
    unsigned char in[1 << 16];
} source;

/* Reads more of the file into s->in behind the avail_in bytes left;
 * returns the count read, 0 at the end, -1 with e set on an error. */
static long fill(source *s, sm_err *e)
{
    if (s->z.avail_in && s->z.next_in != s->in)
        memmove(s->in, s->z.next_in, s->z.avail_in);
    s->z.next_in = s->in;
    size_t r = fread(s->in + s->z.avail_in, 1, sizeof s->in - s->z.avail_in, s->f);
    if (r == 0 && ferror(s->f))
        return sm_fail(e, "%s: read error: %s", s->path, strerror(errno));
    s->z.avail_in += (uInt)r;
    s->offset += r;
    return (long)r;
}

/* At the end of a gzip member: returns 1 when another member follows
 * (inflate is reset for it), 0 at the end of the file, -1 with e set when
 * anything else follows. */
static int next_member(source *s, sm_err *e)
{
    while (s->z.avail_in < 2) {
        long r = fill(s, e);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
    }
    if (s->z.avail_in == 0)
        return 0;
    if (s->z.avail_in < 2 || s->z.next_in[0] != 0x1f || s->z.next_in[1] != 0x8b)
        return sm_fail(e, "%s: trailing garbage after the gzip data, which end at byte %zu of "
                       "the file (a damaged download, or something appended?)", s->path,
                       s->offset - s->z.avail_in);
    inflateReset(&s->z);
    s->member_done = 0;
    return 1;
}

/* Reads exactly n bytes; returns the count read (< n at the end of the
 * data) or -1 with e filled (a read error, a damaged or cut gzip stream,
 * garbage after it). */
static long read_full(source *s, void *buf, size_t n, sm_err *e)
{
    size_t got = 0;
    if (!s->gzip) { /* first what the gzip check read, then the file */
        got = n < s->z.avail_in ? n : s->z.avail_in;
        memcpy(buf, s->z.next_in, got);
        s->z.next_in += got;
        s->z.avail_in -= (uInt)got;
        if (got < n) {
            got += fread((char *)buf + got, 1, n - got, s->f);
            if (got < n && ferror(s->f))
                return sm_fail(e, "%s: read error: %s", s->path, strerror(errno));
        }
        s->out += got;
        return (long)got;
    }
    while (got < n) {
        if (s->member_done) {
            int more = next_member(s, e);
            if (more < 0)
                return -1;
            if (more == 0)
                break;
        }
        if (s->z.avail_in == 0 && fill(s, e) < 0)
            return -1;
        size_t want = n - got < (1u << 30) ? n - got : (1u << 30);
        int at_end = s->z.avail_in == 0; /* fill found nothing more */
        s->z.next_out = (unsigned char *)buf + got;
        s->z.avail_out = (uInt)want;
        int rc = inflate(&s->z, Z_NO_FLUSH);
        size_t made = want - s->z.avail_out;
        got += made;
        s->out += made;
        if (rc == Z_STREAM_END) {
            s->member_done = 1;
        } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            return sm_fail(e, "%s: read error: %s (is it a damaged gzip file?)", s->path,
                           s->z.msg ? s->z.msg : "invalid data");
        } else if (rc == Z_MEM_ERROR) {
            return sm_fail(e, "%s: out of memory inflating the gzip data", s->path);
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            return sm_fail(e, "%s: read error: zlib error %d", s->path, rc);
        } else if (at_end && made == 0) {
            /* Out of input inside a member (even if only its CRC-32 and
             * length trailer are missing). */
            return sm_fail(e, "%s: truncated gzip stream: unexpected end of file after %zu "
                           "bytes of data (an interrupted download?)", s->path, s->out);
        }
    }
    return (long)got;
}

static const char *kind(uint32_t magic)
{
    return magic == IDX_MAGIC_LABELS ? "labels" : magic == IDX_MAGIC_IMAGES ? "images" : "IDX";
}

static int parse(source *f, const char *path, uint32_t magic, idx_array *out, sm_err *e)
{
    unsigned char hdr[4 * (1 + IDX_MAX_DIMS)];
    long r = read_full(f, hdr, 4, e);
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
    r = read_full(f, hdr + 4, 4 * (size_t)ndim, e);
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
        r = read_full(f, data + got, cap - got, e);
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
    r = read_full(f, &extra, 1, e);
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
    source *s = calloc(1, sizeof *s);
    if (!s)
        return sm_fail(e, "%s: out of memory", path);
    s->path = path;
    errno = 0;
    if (!(s->f = fopen(path, "rb"))) {
        int err = errno;
        free(s);
        return sm_fail(e, "%s: cannot open: %s", path, err ? strerror(err) : "out of memory");
    }
    int rc = 0;
    long r = fill(s, e);
    if (r < 0)
        rc = -1;
    else if (s->z.avail_in >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
        s->gzip = 1;
        if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) /* 16: gzip wrapper only */
            rc = sm_fail(e, "%s: out of memory for the gzip reader", path);
    }
    if (rc == 0)
        rc = parse(s, path, magic, out, e);
    if (s->gzip)
        inflateEnd(&s->z);
    fclose(s->f);
    free(s);
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
