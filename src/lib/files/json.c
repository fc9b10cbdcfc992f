/* json.c - see json.h. */
#include "json.h"

#include "utf8.h"

#include <stdio.h>
#include <string.h>

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
