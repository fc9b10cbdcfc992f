/* fuzz_model.c - fuzz target for the model-file reader
 * (src/lib/net/model_file.h). See fuzz_idx.c for how it is built and run. */
#define _GNU_SOURCE
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "model_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-model", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        model_t m;
        sm_err e;
        if (model_load(&m, path, &e) == 0) {
            /* What the loader accepts, the rest of the tool can use. */
            if (m.n_params != net_param_count(m.shape) || !m.params || !m.velocity)
                __builtin_trap();
            for (size_t i = 0; i < m.n_params; i++)
                if (!isfinite(m.params[i]))
                    __builtin_trap();
            model_free(&m);
        } else if (m.params || !e.msg[0]) {
            __builtin_trap();
        }
    }
    close(fd);
    return 0;
}
