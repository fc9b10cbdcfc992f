/* fuzz_idx.c - fuzz target for the IDX reader (src/lib/data/idx.h), gzipped
 * and plain: the bytes are written to an in-memory file and read back as
 * labels and as images. Any crash, leak, hang or sanitizer report fails.
 *
 * Built two ways (tests/fuzz/CMakeLists.txt): with libFuzzer
 * (SIAMESE_FUZZ=ON, clang) to explore, and with fuzz_main.c as a plain
 * program that replays the committed corpus in every ctest run. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-idx", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        const uint32_t magics[] = {IDX_MAGIC_LABELS, IDX_MAGIC_IMAGES};
        for (int i = 0; i < 2; i++) {
            idx_array a;
            sm_err e;
            if (idx_read(path, magics[i], &a, &e) == 0) {
                /* A success must be self-consistent. */
                size_t n = 1;
                for (uint32_t d = 0; d < a.ndim; d++)
                    n *= a.dims[d];
                if (n != a.size || !a.data)
                    __builtin_trap();
                idx_free(&a);
            } else if (a.data || !e.msg[0]) {
                __builtin_trap(); /* failures leave nothing and say why */
            }
        }
    }
    close(fd);
    return 0;
}
