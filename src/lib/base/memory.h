/* memory.h - how much more memory this process may allocate, so that a
 * large job can be refused with a message before an allocation the kernel
 * would answer with the OOM killer (or malloc with NULL halfway through). */
#ifndef SIAMESE_MEMORY_H
#define SIAMESE_MEMORY_H

#include <stddef.h>

/* Bytes this process may still allocate: the least of the machine's
 * MemAvailable (/proc/meminfo), the address-space and data limits
 * (ulimit -v: RLIMIT_AS, RLIMIT_DATA) less what is mapped now
 * (/proc/self/statm), and the cgroup's memory.max less its
 * memory.current (cgroup v2). SIZE_MAX when none of them is known.
 * `which` (unless NULL) is set to a name of the limit that decides. */
size_t mem_available(const char **which);

#endif
