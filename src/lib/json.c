/* json.c - see json.h. */
#include "json.h"

#include <stdio.h>
#include <string.h>

int utf8_sequence_length(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int len;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

size_t json_quote(char *out, size_t n, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len = strlen(str), k = 0;
    if (n < 3) {
        if (n)
            out[0] = 0;
        return 0;
    }
    out[k++] = '"';
    for (size_t i = 0; i < len;) {
        char piece[8];
        size_t plen;
        int q = utf8_sequence_length(s + i, len - i);
        if (q == 0) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\\\x%02x", s[i]);
            q = 1;
        } else if (s[i] == '"' || s[i] == '\\') {
            piece[0] = '\\';
            piece[1] = (char)s[i];
            plen = 2;
        } else if (s[i] < 0x20 || s[i] == 0x7f) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\u%04x", s[i]);
        } else {
            memcpy(piece, s + i, (size_t)q);
            plen = (size_t)q;
        }
        if (k + plen + 2 > n)
            break;
        memcpy(out + k, piece, plen);
        k += plen;
        i += (size_t)q;
    }
    out[k++] = '"';
    out[k] = 0;
    return k;
}
