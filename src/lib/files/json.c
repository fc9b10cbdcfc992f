/* json.c - see json.h. */
#include "json.h"

#include "utf8.h"

#include <math.h>
#include <string.h>

/* The JSON text of the character at s (left bytes remain) into piece
 * [8]; returns its length and sets *used to the bytes it stands for. */
static size_t piece_of(const unsigned char *s, size_t left, char *piece, int *used)
{
    int q = utf8_sequence_length(s, left);
    *used = q ? q : 1;
    if (q == 0)
        return (size_t)snprintf(piece, 8, "\\\\x%02x", s[0]);
    if (s[0] == '"' || s[0] == '\\') {
        piece[0] = '\\';
        piece[1] = (char)s[0];
        return 2;
    }
    if (s[0] < 0x20 || s[0] == 0x7f)
        return (size_t)snprintf(piece, 8, "\\u%04x", s[0]);
    memcpy(piece, s, (size_t)q);
    return (size_t)q;
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
        int q;
        size_t plen = piece_of(s + i, len - i, piece, &q);
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

void json_string(FILE *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len = strlen(str);
    fputc('"', out);
    for (size_t i = 0; i < len;) {
        char piece[8];
        int q;
        fwrite(piece, 1, piece_of(s + i, len - i, piece, &q), out);
        i += (size_t)q;
    }
    fputc('"', out);
}

void json_number(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.9g", v);
    else
        fputs("null", out);
}
