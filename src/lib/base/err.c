/* err.c - see err.h. A message is formatted in full first, then made one
 * line and fitted into sm_err.msg by sm_line, so a long path costs its
 * middle, not the reason that follows it.
 *
 * The text is read as units: one printable ASCII byte (width 1), one
 * valid UTF-8 character (width = its 2..4 bytes) or one byte written as
 * \xNN (width 4). Runs are the stretches between spaces. */
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Runs shortened at most in one line; past that the line loses its end. */
#define MAX_CUTS 8
/* Width a shortened run keeps around its "...": half before, half after
 * (enough for a file name's last characters). */
#define KEEP 24

/* Bytes of the valid UTF-8 character at s (2..4), or 0 when s does not
 * start one (malformed, overlong, a surrogate, above U+10FFFF) or it is a
 * C1 control U+0080..U+009F, which some terminals obey (U+009B = CSI). */
static size_t utf8_len(const unsigned char *s)
{
    /* The NUL ends the text: strnlen keeps the check inside it. */
    int n = utf8_sequence_length(s, strnlen((const char *)s, 4));
    if (n < 2)
        return 0;
    if (s[0] == 0xc2 && s[1] < 0xa0) /* U+0080..U+009F: C1 controls */
        return 0;
    return (size_t)n;
}

/* The unit at s: returns the bytes it takes from the text, sets *width. */
static size_t unit(const unsigned char *s, size_t *width)
{
    size_t n = s[0] >= 0x80 ? utf8_len(s) : 0;
    if (n) {
        *width = n;
        return n;
    }
    *width = s[0] < 0x20 || s[0] >= 0x7f ? 4 : 1;
    return 1;
}

/* Writes the unit of n bytes at s (width w) to out; returns w. */
static size_t emit(char *out, const unsigned char *s, size_t n, size_t w)
{
    static const char hex[] = "0123456789abcdef";
    if (n == 1 && w == 4) {
        out[0] = '\\';
        out[1] = 'x';
        out[2] = hex[s[0] >> 4];
        out[3] = hex[s[0] & 15];
    } else {
        memcpy(out, s, n);
    }
    return w;
}

/* A run to shorten: bytes [start, end) of the text, `width` once written,
 * of which `head` before the "..." and `tail` after it are kept. */
typedef struct {
    size_t start, end, width, head, tail;
} cut_t;

/* The widest run not in cuts[0..n); returns 0 when there is none. */
static int widest_run(const unsigned char *t, const cut_t *cuts, int n, cut_t *best)
{
    best->width = 0;
    size_t i = 0, w;
    while (t[i]) {
        if (t[i] == ' ') {
            i++;
            continue;
        }
        size_t start = i, width = 0;
        while (t[i] && t[i] != ' ') {
            i += unit(t + i, &w);
            width += w;
        }
        int taken = 0;
        for (int k = 0; k < n; k++)
            taken |= cuts[k].start == start;
        if (!taken && width > best->width) {
            best->start = start;
            best->end = i;
            best->width = width;
        }
    }
    return best->width > 0;
}

size_t sm_line(char *out, size_t cap, const char *text)
{
    if (cap < 4) {
        if (cap)
            out[0] = 0;
        return 0;
    }
    const unsigned char *t = (const unsigned char *)text;
    size_t limit = cap - 1, total = 0, w, n;
    for (size_t i = 0; t[i]; total += w)
        i += unit(t + i, &w);

    /* Plan: shorten the widest runs until the line fits. `total` stays an
     * upper bound of the written width (a cut keeps at most head + tail). */
    cut_t cuts[MAX_CUTS];
    int ncuts = 0;
    while (total > limit && ncuts < MAX_CUTS) {
        cut_t c;
        if (!widest_run(t, cuts, ncuts, &c) || c.width <= KEEP + 3)
            break;
        size_t over = total - limit;
        size_t keep = c.width - 3 > over ? c.width - 3 - over : 0;
        if (keep < KEEP)
            keep = KEEP;
        c.head = keep / 2;
        c.tail = keep - c.head;
        cuts[ncuts++] = c;
        total -= c.width - (keep + 3);
    }
    int truncate = total > limit;
    size_t room = truncate ? limit - 3 : limit, o = 0, i = 0;

    while (t[i]) {
        const cut_t *c = NULL;
        for (int k = 0; k < ncuts; k++)
            if (cuts[k].start == i)
                c = &cuts[k];
        if (c) {
            size_t done = 0;
            while (i < c->end) {
                n = unit(t + i, &w);
                if (done + w > c->head)
                    break;
                if (o + w > room)
                    goto full;
                o += emit(out + o, t + i, n, w);
                i += n;
                done += w;
            }
            if (o + 3 > room)
                goto full;
            memcpy(out + o, "...", 3);
            o += 3;
            while (i < c->end && c->width - done > c->tail) {
                i += unit(t + i, &w);
                done += w;
            }
            continue; /* the tail is written as ordinary text */
        }
        n = unit(t + i, &w);
        if (o + w > room)
            goto full;
        o += emit(out + o, t + i, n, w);
        i += n;
    }
    out[o] = 0;
    return o;
full:
    if (truncate) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = 0;
    return o;
}

char *sm_vformat(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

int sm_fail(sm_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *text = sm_vformat(fmt, ap);
    va_end(ap);
    if (text) {
        sm_line(e->msg, sizeof e->msg, text);
        free(text);
    } else {
        /* Out of memory: as much as fits, still one line. A separate
         * buffer, since an argument may be e->msg. */
        char buf[sizeof e->msg];
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        sm_line(e->msg, sizeof e->msg, buf);
    }
    return -1;
}
