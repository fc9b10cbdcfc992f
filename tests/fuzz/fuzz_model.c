/* fuzz_model.c - fuzz target for the model-file reader
 * (src/lib/net/model_file.h). See fuzz_idx.c for how it is built and run.
 * Seeds: tests/fuzz/corpus/model/ (tiny.siam, a version-1 file;
 * conv-v4.siam, a version-4 conv model: conv2,pool,conv2,gap,4 on 28 x 28,
 * so the fuzzer starts inside the layer-kind table) and a dense model
 * trained by scripts/fuzz.sh. */
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
            sm_err shape_err;
            if (m.n_params != model_param_count(m.shape, m.head) || !m.params ||
                !m.velocity || model_check_shape(m.shape, &shape_err) != 0 ||
                m.shape.in != (int)(m.input.channels * m.input.width * m.input.height))
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
