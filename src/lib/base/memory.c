/* memory.c - see memory.h. */
#include "memory.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The first number after `key` in file `path`, times `unit`; 0 when the
 * file, the key or the number is missing ("max" in a cgroup file). */
static unsigned long long read_number(const char *path, const char *key, unsigned long long unit)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long v = 0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0) {
            if (sscanf(line + kl, " %llu", &v) != 1)
                v = 0;
            break;
        }
    fclose(f);
    return v * unit;
}

static void take(size_t *best, const char **which, unsigned long long v, const char *name)
{
    if (v < *best) {
        *best = (size_t)v;
        if (which)
            *which = name;
    }
}

size_t mem_available(const char **which)
{
    size_t best = SIZE_MAX;
    if (which)
        *which = "none known";
    unsigned long long avail = read_number("/proc/meminfo", "MemAvailable:", 1024);
    if (avail)
        take(&best, which, avail, "the machine's available memory (MemAvailable)");
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long mapped = read_number("/proc/self/statm", "", page > 0 ? (unsigned long long)page : 4096);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        take(&best, which, rl.rlim_cur > mapped ? rl.rlim_cur - mapped : 0,
             "the address-space limit (ulimit -v)");
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        take(&best, which, rl.rlim_cur > mapped ? rl.rlim_cur - mapped : 0,
             "the data-segment limit (ulimit -d)");
    unsigned long long max = read_number("/sys/fs/cgroup/memory.max", "", 1);
    if (max) {
        unsigned long long cur = read_number("/sys/fs/cgroup/memory.current", "", 1);
        take(&best, which, max > cur ? max - cur : 0, "the cgroup's memory.max");
    }
    return best;
}
