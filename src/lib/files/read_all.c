/* read_all.c - see read_all.h. */
#include "read_all.h"

#include <errno.h>
#include <stdlib.h>

read_status read_all(FILE *f, size_t limit, unsigned char **out, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    *out = NULL;
    if (!buf)
        return READ_NO_MEMORY;
    for (;;) {
        if (n == cap) {
            if (cap >= limit) {
                free(buf);
                return READ_TOO_LARGE;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return READ_NO_MEMORY;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        int saved = errno;
        free(buf);
        errno = saved;
        return READ_ERROR;
    }
    *out = buf;
    *len = n;
    return READ_OK;
}
