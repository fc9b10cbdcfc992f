/* read_all.h - a whole file into memory, up to a limit: the one reader
 * of the model file and of image files (each words its own messages). */
#ifndef SIAMESE_READ_ALL_H
#define SIAMESE_READ_ALL_H

#include <stddef.h>
#include <stdio.h>

typedef enum { READ_OK, READ_TOO_LARGE, READ_NO_MEMORY, READ_ERROR } read_status;

/* Reads f to its end into *buf (malloc'd, *len bytes). The buffer starts
 * at 64 KiB and doubles; a file that fills a buffer of limit bytes or
 * more is refused (READ_TOO_LARGE) before more is read. On READ_ERROR
 * errno is the failed read's. *buf is NULL unless READ_OK. */
read_status read_all(FILE *f, size_t limit, unsigned char **buf, size_t *len);

#endif
