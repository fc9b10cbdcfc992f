/* clock.h - the one monotonic clock of the library, for the times it
 * reports (epoch seconds in the training history, bench's timings). */
#ifndef SIAMESE_CLOCK_H
#define SIAMESE_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double sm_now(void);

#endif
