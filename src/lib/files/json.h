/* json.h - JSON strings that are valid UTF-8 whatever bytes they come from
 * (file names are bytes, not text).
 *
 * Quote and backslash are escaped, control characters as \u00XX, and every
 * byte that is not part of a valid UTF-8 sequence as the six characters
 * \\xNN (a literal backslash, 'x', two hex digits), the way error messages
 * show such bytes.
 *
 * Numbers: as many digits as a double's measurements need, and null for
 * what JSON cannot say (NaN, infinities).
 */
#ifndef SIAMESE_JSON_H
#define SIAMESE_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as a quoted JSON string into out [n] (always NUL-terminated;
 * cut short, still quoted, when out is too small). Returns the length. */
size_t json_quote(char *out, size_t n, const char *s);

/* Writes s as a quoted JSON string to out, whole (no length limit). */
void json_string(FILE *out, const char *s);

/* Writes v to out with 9 significant digits (%.9g: 0.000230042, 504.401233,
 * 1.2e-10), or null when v is not finite. */
void json_number(FILE *out, double v);

#endif
