/* csv.c - see csv.h. */
#include "csv.h"

#include <string.h>

void csv_field(atomic_file *a, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        atomic_write(a, s, strlen(s));
        return;
    }
    atomic_write(a, "\"", 1);
    for (const char *q; (q = strchr(s, '"')); s = q + 1) {
        atomic_write(a, s, (size_t)(q - s) + 1); /* up to and with the quote */
        atomic_write(a, "\"", 1);                /* doubled */
    }
    atomic_write(a, s, strlen(s));
    atomic_write(a, "\"", 1);
}
