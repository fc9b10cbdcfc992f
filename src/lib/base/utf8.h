/* utf8.h - is this valid UTF-8? File names are bytes, not text: error
 * messages and JSON show the bytes that are not valid UTF-8 as \xNN. */
#ifndef SIAMESE_UTF8_H
#define SIAMESE_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence starting at s (1..4; s holds n > 0
 * bytes), or 0 when the bytes there are not valid UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
int utf8_sequence_length(const unsigned char *s, size_t n);

#endif
