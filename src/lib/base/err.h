/* err.h - error messages passed out of library modules.
 *
 * Library code never prints and never exits: a failing function fills an
 * sm_err with one line (file, what was expected, what was found) and
 * returns -1. The CLI decides what to print and which status to exit with.
 *
 * A message is always one printable line (sm_line): bytes of a bad file or
 * of a file name that would break the line or drive the terminal become
 * \xNN, and a message too long for msg loses the middle of its longest
 * space-free run (a path, usually) rather than its end (the reason).
 */
#ifndef SIAMESE_ERR_H
#define SIAMESE_ERR_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
    char msg[1024];
} sm_err;

/* Formats the message, made one line by sm_line, into e (when e is not
 * NULL); always returns -1 so a caller can write
 * `return sm_fail(e, "...", ...);`. An argument may be e->msg itself. */
int sm_fail(sm_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes text into out (cap >= 4 bytes, NUL-terminated) as one printable
 * line and returns its length:
 *   - bytes below 0x20, 0x7f, bytes that are not part of valid UTF-8 and
 *     the UTF-8 forms of the C1 controls U+0080..U+009F are written as
 *     \xNN (lowercase hex); valid UTF-8 text passes unchanged;
 *   - when the result would not fit in cap - 1 bytes, the middle of the
 *     longest run without a space is replaced by "..." (then of the next
 *     longest, and so on), never splitting a UTF-8 character or an \xNN;
 *     only a line with no long run left loses its end, marked "...". */
size_t sm_line(char *out, size_t cap, const char *text);

/* vsnprintf into a buffer of the right size: a string to free(), or NULL
 * when out of memory or fmt is malformed. */
char *sm_vformat(const char *fmt, va_list ap);

#endif
