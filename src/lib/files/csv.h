/* csv.h - CSV fields as RFC 4180 has them, written to an atomic_file. */
#ifndef SIAMESE_CSV_H
#define SIAMESE_CSV_H

#include "atomic_file.h"

/* Writes s as one field: as it is, or quoted when it holds a comma, a
 * quote, CR or LF (a quote inside doubled). */
void csv_field(atomic_file *a, const char *s);

#endif
