/* err.h - error messages passed out of library modules.
 *
 * Library code never prints and never exits: a failing function fills an
 * sm_err with one line (file, what was expected, what was found) and
 * returns -1. The CLI decides what to print and which status to exit with.
 */
#ifndef SIAMESE_ERR_H
#define SIAMESE_ERR_H

#include <stddef.h>

typedef struct {
    char msg[1024];
} sm_err;

/* Formats the message into e (when e is not NULL); always returns -1 so a
 * caller can write `return sm_fail(e, "...", ...);`. */
int sm_fail(sm_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
