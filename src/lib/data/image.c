/* image.c - decoding, grey conversion (or red, green and blue planes),
 * resizing and PNG writing; see image.h. */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include "read_all.h"

int image_name_ok(const char *name)
{
    static const char *const ext[] = {".png", ".jpg", ".jpeg", ".bmp", ".pgm",
                                      ".ppm", ".pnm", ".tga",  ".gif"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && strcasecmp(name + n - k, ext[i]) == 0)
            return 1;
    }
    return 0;
}

void image_free(grey_image *im)
{
    free(im->px);
    memset(im, 0, sizeof *im);
}

/* Checks before stb_image sees the bytes.
 *
 * stb_image 2.27 (libstb-dev) trusts its input in ways that matter here:
 *  - a JPEG Huffman table whose code counts add up to more than 256 is
 *    written past its end: a heap overflow (found by
 *    tests/fuzz/fuzz_image.c; checked upstream since 2.28);
 *  - a number in a PGM/PPM header can overflow an int (undefined);
 *  - a cut-short PGM/PPM or uncompressed TGA leaves the missing pixels
 *    uninitialised (other garbage on every run), and a cut-short BMP, TGA
 *    RLE, JPEG or GIF is filled with zeros: a damaged file loads as an
 *    image, and a 40-byte file can claim millions of pixels (the fuzzer's
 *    timeouts).
 * So each format's header is read here the way stb_image reads it, the
 * size checked against the limits, and the file against the bytes its
 * pixels need. Past the end of the data, reads give 0, as stb_image's do. */

static unsigned at(const unsigned char *b, size_t len, size_t i)
{
    return i < len ? b[i] : 0;
}

static uint32_t le16(const unsigned char *b, size_t len, size_t i)
{
    return at(b, len, i) | at(b, len, i + 1) << 8;
}

static uint32_t le32(const unsigned char *b, size_t len, size_t i)
{
    return le16(b, len, i) | le16(b, len, i + 2) << 16;
}

static uint32_t be32(const unsigned char *b, size_t len, size_t i)
{
    return at(b, len, i) << 24 | at(b, len, i + 1) << 16 | at(b, len, i + 2) << 8 |
           at(b, len, i + 3);
}

/* What a header says: the size (-1 unknown) and the bytes the file must
 * hold for its pixels (0 unknown; computed only within the limits). */
typedef struct {
    const char *format;
    long long w, h;
    size_t need;
    int packets_end; /* TGA RLE: the packets end before the pixels do */
    long long maxval; /* PGM/PPM: the largest sample value */
    size_t data;      /* PGM/PPM: where the samples start */
} header_info;

static int within_limits(long long w, long long h)
{
    return w >= 1 && h >= 1 && w <= IMAGE_MAX_SIDE && h <= IMAGE_MAX_SIDE &&
           w * h <= (long long)IMAGE_MAX_PIXELS;
}

/* 1 when stb_image takes b for a JPEG: 0xff bytes, then the SOI marker. */
static int is_jpeg(const unsigned char *b, size_t len)
{
    size_t i = 0;
    while (i < len && b[i] == 0xff)
        i++;
    return i > 0 && i < len && b[i] == 0xd8;
}

/* JPEG: every DHT segment stb_image could read has tables of at most 256
 * codes, and an EOI marker follows the image data. The walk visits every
 * marker stb_image can reach: it skips nothing but segment bodies, by
 * their length, as stb_image consumes them when it goes on; where
 * stb_image stops (a marker it refuses), the walk goes on, which can only
 * check more. Returns NULL or what is wrong. */
static const char *jpeg_check(const unsigned char *b, size_t len)
{
    size_t i = 0;
    int scan = 0, end = 0;
    while (i + 1 < len) {
        if (b[i] != 0xff) { /* entropy-coded data, or junk between segments */
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < len && b[j] == 0xff) /* fill bytes */
            j++;
        if (j >= len)
            break;
        int m = b[j];
        i = j + 1;
        if (m == 0xd9 && scan)
            end = 1;
        if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd9))
            continue; /* stuffed 0xff, TEM, RSTn, SOI, EOI: no segment */
        size_t L = at(b, len, i) << 8 | at(b, len, i + 1);
        if (m == 0xda)
            scan = 1, end = 0;
        if (m == 0xc4) { /* DHT: tables until L is used up */
            long left = (long)L - 2;
            size_t p = i + 2;
            while (left > 0) {
                unsigned q = at(b, len, p);
                if (q >> 4 > 1 || (q & 15) > 3)
                    break; /* stb_image refuses the segment here */
                long n = 0;
                for (size_t k = 1; k <= 16; k++)
                    n += at(b, len, p + k);
                if (n > 256)
                    return "damaged: a Huffman table of more than 256 codes";
                p += 17 + (size_t)n;
                left -= 17 + n;
            }
        }
        if (L >= 2)
            i += L;
    }
    /* without a scan, stb_image refuses the file itself */
    return end || !scan ? NULL : "cut short: no end-of-image marker after the image data";
}

/* PGM/PPM (P5, P6) header as stb_image parses it: whitespace and #
 * comments, width, height, maxval, one byte, then the pixels. Returns -1
 * when a number is too large for stb_image's int. */
static int pnm_header(const unsigned char *b, size_t len, header_info *hi)
{
    size_t pos = 2;
    int c = (int)at(b, len, pos++);
    long long v[3];
    for (int k = 0; k < 3; k++) {
        for (;;) { /* stbi__pnm_skip_whitespace */
            while (pos < len && (c == ' ' || (c >= '\t' && c <= '\r')))
                c = b[pos++];
            if (pos >= len || c != '#')
                break;
            while (pos < len && c != '\n' && c != '\r')
                c = b[pos++];
        }
        v[k] = 0;
        while (pos < len && c >= '0' && c <= '9') { /* stbi__pnm_getinteger */
            v[k] = v[k] * 10 + (c - '0');
            if (v[k] > 100000000)
                return -1;
            c = b[pos++];
        }
    }
    hi->w = v[0];
    hi->h = v[1];
    hi->maxval = v[2];
    hi->data = pos;
    if (within_limits(hi->w, hi->h) && v[2] <= 65535)
        hi->need = pos + (size_t)(hi->w * hi->h) * (b[1] == '6' ? 3 : 1) * (v[2] > 255 ? 2 : 1);
    return 0;
}

/* BMP (uncompressed or bit fields, all stb_image reads): rows of
 * ((w * bpp + 31) / 32) * 4 bytes from the data offset; the last row's
 * padding may be missing. Returns NULL or what is wrong. */
static const char *bmp_header(const unsigned char *b, size_t len, header_info *hi)
{
    uint32_t offset = le32(b, len, 10), hsz = le32(b, len, 14), bpp;
    if (hsz != 12 && hsz != 40 && hsz != 56 && hsz != 108 && hsz != 124)
        return NULL; /* a header stb_image refuses */
    if (hsz == 12) {
        hi->w = le16(b, len, 18);
        hi->h = le16(b, len, 20);
        bpp = le16(b, len, 24);
    } else {
        hi->w = (int32_t)le32(b, len, 18);
        hi->h = (int32_t)le32(b, len, 22);
        bpp = le16(b, len, 28);
        if (le32(b, len, 30) != 0 && le32(b, len, 30) != 3)
            return NULL; /* a compression stb_image refuses */
    }
    hi->h = hi->h < 0 ? -hi->h : hi->h; /* negative: rows top-down */
    /* stb_image would seek backwards and read zeros from the end */
    if (offset < 14 + hsz)
        return "damaged: its pixel data would start inside its header";
    if (within_limits(hi->w, hi->h) && bpp >= 1 && bpp <= 32) {
        size_t row = ((size_t)hi->w * bpp + 7) / 8, stride = ((size_t)hi->w * bpp + 31) / 32 * 4;
        hi->need = offset + stride * (size_t)(hi->h - 1) + row;
    }
    return NULL;
}

/* TGA (no signature; stb_image tries it last, and only a colour map type
 * of 0 or 1 and image type 1-3 or 9-11 can be one): header of 18 bytes,
 * the id, the colour map, then the pixels, plain or run-length coded
 * (packets of 1 + (n & 127) pixels: one pixel repeated, or that many). */
static void tga_header(const unsigned char *b, size_t len, header_info *hi)
{
    unsigned indexed = b[1], rle = b[2] >= 8;
    unsigned bits = indexed ? at(b, len, 7) : at(b, len, 16);
    unsigned pal_len = le16(b, len, 5);
    /* bytes per pixel as stb_image reads them (stbi__tga_get_comp) */
    unsigned comp = bits == 8 ? 1 : bits == 15 || bits == 16 ? 2 : bits == 24 ? 3 : bits == 32 ? 4 : 0;
    hi->format = "TGA";
    hi->w = le16(b, len, 12);
    hi->h = le16(b, len, 14);
    if (!comp || !within_limits(hi->w, hi->h))
        return;
    size_t pos = 18 + at(b, len, 0);
    size_t px = indexed ? (at(b, len, 16) == 8 ? 1 : 2) : comp;
    if (indexed)
        pos += le16(b, len, 3) + (size_t)pal_len * comp;
    size_t n = (size_t)(hi->w * hi->h);
    if (!rle) {
        hi->need = pos + n * px;
        return;
    }
    for (size_t done = 0; done < n;) {
        if (pos >= len) {
            hi->packets_end = 1;
            return;
        }
        size_t count = 1 + (b[pos] & 127);
        if (count > n - done)
            count = n - done;
        pos += 1 + ((b[pos] & 128) ? px : count * px);
        done += count;
    }
    hi->need = pos;
}

/* GIF: the blocks up to the end of the first image (all that is decoded)
 * are all there: extensions and the image's data as sub-blocks of
 * 1 + n bytes ending with an empty one. (The trailer byte after them is
 * not required: some writers leave it out.) Returns NULL or what is
 * wrong. */
static const char *gif_check(const unsigned char *b, size_t len)
{
    unsigned flags = at(b, len, 10);
    size_t pos = 13 + ((flags & 0x80) ? 3 * ((size_t)2 << (flags & 7)) : 0);
    for (;;) {
        if (pos >= len)
            return "cut short: its blocks end before the first image";
        unsigned tag = b[pos++];
        if (tag == 0x2c) { /* image descriptor, local colour table, LZW code size */
            flags = at(b, len, pos + 8);
            pos += 9 + ((flags & 0x80) ? 3 * ((size_t)2 << (flags & 7)) : 0) + 1;
        } else if (tag == 0x21) { /* extension label */
            pos++;
        } else {
            return NULL; /* the trailer, or a block stb_image refuses */
        }
        for (;;) { /* sub-blocks up to the empty one */
            if (pos >= len)
                return "cut short: its data ends inside a block";
            size_t n = b[pos++];
            if (n == 0)
                break;
            pos += n;
        }
        if (tag == 0x2c)
            return NULL;
    }
}

/* Every PNG chunk must fit in the file (stb_image 2.27 grows its buffer to
 * an IDAT chunk's declared length before it reads the chunk, so a length
 * of 2^31 in a 400-byte file costs 2 GB: found by fuzzing), and every
 * chunk up to IEND must carry the CRC-32 of its type and data: stb_image
 * skips the CRCs, so a damaged IDAT whose data still inflates would load
 * as an image with whatever pixels the damage made. Writes what is wrong
 * ("damaged: ..." or "cut short: ...") into fault and returns it, or
 * returns NULL. */
static const char *png_check(const unsigned char *b, size_t len, char *fault, size_t cap)
{
    /* Pass 0: every chunk fits (a cut-short file is named as one, whatever
     * its CRCs); pass 1: every CRC. */
    for (int pass = 0; pass < 2; pass++) {
        size_t pos = 8;
        while (pos + 12 <= len) {
            uint32_t n = be32(b, len, pos);
            if ((size_t)n > len - pos - 12) {
                snprintf(fault, cap, "cut short: a chunk is longer than the rest of the file");
                return fault;
            }
            uint32_t want = be32(b, len, pos + 8 + n);
            uint32_t crc = pass ? (uint32_t)crc32(0, b + pos + 4, (uInt)n + 4) : want;
            if (crc != want) {
                char type[5];
                for (int k = 0; k < 4; k++) { /* a damaged type is shown as '?'s */
                    unsigned char c = b[pos + 4 + (size_t)k];
                    type[k] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? (char)c : '?';
                }
                type[4] = 0;
                snprintf(fault, cap, "damaged: the CRC of its %s chunk at byte %zu is %08x, its "
                         "bytes give %08x", type, pos, want, crc);
                return fault;
            }
            if (memcmp(b + pos + 4, "IEND", 4) == 0)
                break;
            pos += 12 + (size_t)n;
        }
    }
    return NULL; /* what is left, stb_image judges */
}

/* Formats stb_image decodes that the README does not list: refused by
 * name, whatever the file is called. (stb_image reads them without any
 * check: a PSD cut to one plane or an HDR cut to a third loads with zeros,
 * and a 51-byte HDR header claiming 8192 x 8192 costs a gigabyte.) */
static const char *unread_format(const unsigned char *b, size_t len)
{
    if (len >= 4 && memcmp(b, "8BPS", 4) == 0)
        return "PSD";
    if ((len >= 11 && memcmp(b, "#?RADIANCE\n", 11) == 0) ||
        (len >= 7 && memcmp(b, "#?RGBE\n", 7) == 0))
        return "HDR (Radiance)";
    if (len >= 4 && memcmp(b, "\x53\x80\xf6\x34", 4) == 0)
        return "Softimage PIC";
    return NULL;
}

/* The formats read, as listed in the README and image.h; anything else is
 * refused before stb_image sees it. */
#define FORMATS_READ "PNG, JPEG, BMP, GIF, PGM/PPM or TGA"

/* Identifies the format by its content and checks the bytes; fills *hi.
 * Returns 0 when stb_image (or pnm_decode) may decode them, else -1 with
 * e naming the file and the fault. */
static int check_bytes(const unsigned char *b, size_t len, const char *path, header_info *out,
                       sm_err *e)
{
    header_info hi = {NULL, -1, -1, 0, 0, 0, 0};
    const char *fault = NULL, *other;
    char why[160];
    if ((other = unread_format(b, len)) != NULL)
        return sm_fail(e, "%s: a %s file: %s files are not read (expected %s data)", path,
                       other, other, FORMATS_READ);
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) {
        hi.format = "PNG";
        fault = png_check(b, len, why, sizeof why);
        if (len >= 24 && memcmp(b + 12, "IHDR", 4) == 0) {
            hi.w = be32(b, len, 16);
            hi.h = be32(b, len, 20);
        }
    } else if (is_jpeg(b, len)) {
        hi.format = "JPEG";
        fault = jpeg_check(b, len);
    } else if (len >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0)) {
        hi.format = "GIF";
        hi.w = le16(b, len, 6);
        hi.h = le16(b, len, 8);
        fault = gif_check(b, len);
    } else if (len >= 2 && b[0] == 'B' && b[1] == 'M') {
        hi.format = "BMP";
        fault = bmp_header(b, len, &hi);
    } else if (len >= 2 && b[0] == 'P' && (b[1] == '5' || b[1] == '6')) {
        hi.format = "PGM/PPM";
        if (pnm_header(b, len, &hi) != 0)
            fault = "damaged: a number in its header is too large";
        else if (hi.maxval < 1 || hi.maxval > 65535) {
            snprintf(why, sizeof why, "damaged: its maxval is %lld, expected 1 to 65535",
                     hi.maxval);
            fault = why;
        }
    } else if (len >= 3 && b[1] <= 1 && ((b[2] & ~8u) >= 1 && (b[2] & ~8u) <= 3)) {
        tga_header(b, len, &hi);
    }
    if (fault) /* "damaged: why" or "cut short: why" */
        return sm_fail(e, "%s: a %s %s file:%s", path,
                       fault[0] == 'c' ? "cut-short" : "damaged", hi.format, strchr(fault, ':') + 1);
    if (hi.w >= 0 && !within_limits(hi.w, hi.h))
        return sm_fail(e, "%s: image of %lld x %lld pixels: expected 1 to %d on a side and at "
                       "most %zu pixels", path, hi.w, hi.h, IMAGE_MAX_SIDE,
                       (size_t)IMAGE_MAX_PIXELS);
    if (hi.packets_end)
        return sm_fail(e, "%s: a cut-short TGA file: its run-length data ends before its %lld x "
                       "%lld pixels do", path, hi.w, hi.h);
    if (hi.need > len)
        return sm_fail(e, "%s: a cut-short %s file: its %lld x %lld pixels need %zu bytes, the "
                       "file has %zu", path, hi.format, hi.w, hi.h, hi.need, len);
    *out = hi;
    return 0;
}

/* PGM/PPM (P5 grey, P6 RGB; binary, one sample in 1 byte when maxval <
 * 256, else 2 bytes big-endian), decoded here rather than by stb_image,
 * which ignores maxval (a 12-bit PGM came out nearly black). Each sample
 * v in 0..maxval becomes round(v * 255 / maxval), in integers
 * (v * 255 + maxval / 2) / maxval: exact for any maxval, v itself for
 * maxval 255, and the 8-bit value p again for a sample written as
 * round(p * maxval / 255). RGB then becomes grey by BT.601, as for the
 * other formats (or, for 3 channels, stays planes; grey is replicated).
 * A sample above maxval is refused. hi is check_bytes' (size within the
 * limits, the file long enough). */
static int pnm_decode(const unsigned char *b, size_t len, const char *path,
                      const header_info *hi, int channels, grey_image *out, sm_err *e)
{
    (void)len;
    size_t n = (size_t)hi->w * (size_t)hi->h, ch = b[1] == '6' ? 3 : 1;
    size_t bytes = hi->maxval > 255 ? 2 : 1;
    unsigned maxval = (unsigned)hi->maxval;
    out->px = malloc(n * (size_t)channels);
    if (!out->px)
        return sm_fail(e, "%s: out of memory for %lld x %lld pixels", path, hi->w, hi->h);
    const unsigned char *p = b + hi->data;
    for (size_t i = 0; i < n; i++) {
        unsigned v8[3];
        for (size_t c = 0; c < ch; c++, p += bytes) {
            unsigned v = bytes == 2 ? (unsigned)p[0] << 8 | p[1] : p[0];
            if (v > maxval) {
                free(out->px);
                out->px = NULL;
                return sm_fail(e, "%s: a damaged PGM/PPM file: sample %u at byte %zu is above "
                               "its maxval %u", path, v, (size_t)(p - b), maxval);
            }
            v8[c] = (v * 255u + maxval / 2) / maxval;
        }
        if (channels == 3)
            for (size_t c = 0; c < 3; c++)
                out->px[c * n + i] = (uint8_t)v8[ch == 3 ? c : 0];
        else
            out->px[i] = ch == 1 ? (uint8_t)v8[0]
                                 : (uint8_t)((299u * v8[0] + 587u * v8[1] + 114u * v8[2] + 500u) /
                                             1000u);
    }
    out->w = (int)hi->w;
    out->h = (int)hi->h;
    out->channels = channels;
    return 0;
}

/* The format the first bytes announce, for messages (TGA has no
 * signature); NULL when none. */
static const char *format_name(const unsigned char *b, size_t len)
{
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "PNG";
    if (is_jpeg(b, len))
        return "JPEG";
    if (len >= 4 && memcmp(b, "GIF8", 4) == 0)
        return "GIF";
    if (len >= 2 && b[0] == 'B' && b[1] == 'M')
        return "BMP";
    if (len >= 2 && b[0] == 'P' && (b[1] == '5' || b[1] == '6'))
        return "PGM/PPM";
    return NULL;
}

int image_decode_grey(const unsigned char *buf, size_t len, const char *path, grey_image *out,
                      sm_err *e)
{
    return image_decode(buf, len, path, 1, out, e);
}

int image_decode(const unsigned char *buf, size_t len, const char *path, int channels,
                 grey_image *out, sm_err *e)
{
    memset(out, 0, sizeof *out);
    if (channels != 1 && channels != 3)
        return sm_fail(e, "%s: %d channels asked for: expected 1 (grey) or 3 (RGB)", path,
                       channels);
    if (len == 0)
        return sm_fail(e, "%s: empty file: expected an image", path);
    if (len > (size_t)0x7fffffff)
        return sm_fail(e, "%s: %zu bytes: too large for an image", path, len);
    header_info hi = {NULL, -1, -1, 0, 0, 0, 0};
    if (check_bytes(buf, len, path, &hi, e) != 0)
        return -1;
    if (hi.format && strcmp(hi.format, "PGM/PPM") == 0)
        return pnm_decode(buf, len, path, &hi, channels, out, e);
    int w, h, ch;
    const char *fmt = format_name(buf, len);
    /* Only what check_bytes identified reaches stb_image, which would
     * otherwise try every format it knows. */
    if (!hi.format || !stbi_info_from_memory(buf, (int)len, &w, &h, &ch)) {
        /* stb_image's reason is its last format's, so it is not given. */
        if (fmt)
            return sm_fail(e, "%s: a damaged %s file: its header cannot be read", path, fmt);
        return sm_fail(e, "%s: not an image: expected " FORMATS_READ " data, found bytes %02x "
                       "%02x %02x %02x...", path, buf[0], len > 1 ? buf[1] : 0,
                       len > 2 ? buf[2] : 0, len > 3 ? buf[3] : 0);
    }
    if (w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE ||
        (size_t)w * (size_t)h > IMAGE_MAX_PIXELS)
        return sm_fail(e, "%s: image of %d x %d pixels: expected 1 to %d on a side and at "
                       "most %zu pixels", path, w, h, IMAGE_MAX_SIDE, (size_t)IMAGE_MAX_PIXELS);
    unsigned char *px = stbi_load_from_memory(buf, (int)len, &w, &h, &ch, 0);
    if (!px)
        return sm_fail(e, "%s: a damaged or cut-short %s file: cannot decode it (%s)", path,
                       fmt ? fmt : "image", stbi_failure_reason());
    size_t n = (size_t)w * (size_t)h;
    out->px = malloc(n ? n * (size_t)channels : 1);
    if (!out->px) {
        stbi_image_free(px);
        return sm_fail(e, "%s: out of memory for %d x %d pixels", path, w, h);
    }
    out->w = w;
    out->h = h;
    out->channels = channels;
    if (channels == 3) {
        /* Planes, channels first; grey (and grey+alpha) replicated, alpha
         * dropped as the grey path ignores it. */
        for (size_t c = 0; c < 3; c++)
            for (size_t i = 0; i < n; i++)
                out->px[c * n + i] = px[i * (size_t)ch + (ch <= 2 ? 0 : c)];
    } else if (ch <= 2) {
        for (size_t i = 0; i < n; i++)
            out->px[i] = px[i * (size_t)ch];
    } else {
        for (size_t i = 0; i < n; i++) {
            const unsigned char *p = px + i * (size_t)ch;
            out->px[i] = (uint8_t)((299u * p[0] + 587u * p[1] + 114u * p[2] + 500u) / 1000u);
        }
    }
    stbi_image_free(px);
    return 0;
}

/* The bytes of the image file at path into *buf [*len] (free()), at most
 * IMAGE_MAX_FILE_BYTES. Returns 0 or -1 with e naming the file. */
static int image_read_file(const char *path, unsigned char **buf, size_t *len, sm_err *e)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm_fail(e, "%s: cannot open: %s", path, strerror(errno));
    int rc = 0;
    read_status st = read_all(f, IMAGE_MAX_FILE_BYTES, buf, len);
    if (st == READ_TOO_LARGE)
        rc = sm_fail(e, "%s: larger than %zu bytes: too large for an image", path,
                     (size_t)IMAGE_MAX_FILE_BYTES);
    else if (st == READ_NO_MEMORY)
        rc = sm_fail(e, "%s: out of memory reading the file", path);
    else if (st == READ_ERROR)
        rc = sm_fail(e, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (rc != 0) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

int image_load_grey(const char *path, grey_image *out, sm_err *e)
{
    return image_load(path, 1, out, e);
}

int image_load(const char *path, int channels, grey_image *out, sm_err *e)
{
    memset(out, 0, sizeof *out);
    unsigned char *buf;
    size_t len;
    if (image_read_file(path, &buf, &len, e) != 0)
        return -1;
    int rc = image_decode(buf, len, path, channels, out, e);
    free(buf);
    return rc;
}

int image_size(const char *path, int *w, int *h, sm_err *e)
{
    *w = *h = 0;
    unsigned char *buf;
    size_t len;
    if (image_read_file(path, &buf, &len, e) != 0)
        return -1;
    header_info hi = {NULL, -1, -1, 0, 0, 0, 0};
    int rc = 0, sw, sh, ch;
    if (len == 0)
        rc = sm_fail(e, "%s: empty file: expected an image", path);
    else if (len > (size_t)0x7fffffff)
        rc = sm_fail(e, "%s: %zu bytes: too large for an image", path, len);
    else if (check_bytes(buf, len, path, &hi, e) != 0)
        rc = -1;
    else if (hi.format && strcmp(hi.format, "PGM/PPM") == 0)
        *w = (int)hi.w, *h = (int)hi.h;
    else if (hi.format && stbi_info_from_memory(buf, (int)len, &sw, &sh, &ch))
        *w = sw, *h = sh;
    else
        rc = sm_fail(e, "%s: not an image, or its header cannot be read: expected " FORMATS_READ
                     " data", path);
    free(buf);
    return rc;
}

int image_resize(const uint8_t *in, int w, int h, uint8_t *out, int W, int H, sm_err *e)
{
    if (w == W && h == H) {
        memcpy(out, in, (size_t)w * (size_t)h);
        return 0;
    }
    if (!stbir_resize_uint8_generic(in, w, h, w, out, W, H, W, 1, STBIR_ALPHA_CHANNEL_NONE, 0,
                                    STBIR_EDGE_CLAMP, STBIR_FILTER_BOX, STBIR_COLORSPACE_LINEAR,
                                    NULL))
        return sm_fail(e, "resizing %d x %d to %d x %d failed (out of memory?)", w, h, W, H);
    return 0;
}

int image_resize_planes(const uint8_t *in, int channels, int w, int h, uint8_t *out, int W,
                        int H, sm_err *e)
{
    size_t p = (size_t)w * (size_t)h, P = (size_t)W * (size_t)H;
    for (size_t c = 0; c < (size_t)channels; c++)
        if (image_resize(in + c * p, w, h, out + c * P, W, H, e) != 0)
            return -1;
    return 0;
}

typedef struct {
    FILE *f;
    int failed;
} png_out;

static void png_sink(void *ctx, void *data, int size)
{
    png_out *o = ctx;
    if (!o->failed && fwrite(data, 1, (size_t)size, o->f) != (size_t)size)
        o->failed = errno ? errno : EIO;
}

int image_write_png(const char *path, const uint8_t *px, int w, int h, sm_err *e)
{
    return image_write_png_planes(path, px, 1, w, h, e);
}

int image_write_png_planes(const char *path, const uint8_t *px, int channels, int w, int h,
                           sm_err *e)
{
    size_t n = (size_t)w * (size_t)h;
    uint8_t *rgb = NULL; /* [h, w, 3]: the PNG's interleaved order */
    if (channels == 3) {
        if (!(rgb = malloc(3 * n)))
            return sm_fail(e, "%s: out of memory for %d x %d pixels", path, w, h);
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < 3; c++)
                rgb[3 * i + c] = px[c * n + i];
    }
    png_out o = {fopen(path, "wb"), 0};
    if (!o.f) {
        free(rgb);
        return sm_fail(e, "%s: cannot create: %s", path, strerror(errno));
    }
    int ok = rgb ? stbi_write_png_to_func(png_sink, &o, w, h, 3, rgb, 3 * w)
                 : stbi_write_png_to_func(png_sink, &o, w, h, 1, px, w);
    free(rgb);
    if (fflush(o.f) != 0 && !o.failed)
        o.failed = errno;
    if (fclose(o.f) != 0 && !o.failed)
        o.failed = errno;
    if (!ok || o.failed) {
        remove(path);
        return sm_fail(e, "%s: write failed: %s", path, ok ? strerror(o.failed) : "PNG encoding");
    }
    return 0;
}
