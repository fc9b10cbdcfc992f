/* test_blas.c - the OpenBLAS kernel trap: which cores count as generic,
 * which replacement is chosen for which CPU, and (argv[1] = the siamese
 * binary) that the tool restarts itself with OPENBLAS_CORETYPE set when
 * OpenBLAS reports a generic core on an AVX2 CPU, and respects a value the
 * user set. Each command sets the environment it needs (env -u), so a
 * machine that presets OPENBLAS_CORETYPE runs the same test. */
#include "blas_kernels.h"
#include "check.h"

/* Runs a shell command, returns its stderr+stdout (static buffer). */
static const char *run(const char *cmd)
{
    static char out[8192];
    out[0] = 0;
    FILE *p = popen(cmd, "r");
    if (!p)
        return out;
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    pclose(p);
    return out;
}

int main(int argc, char **argv)
{
    cpu_features none = {0, 0, 0}, avx2 = {1, 0, 0}, avx512 = {1, 1, 1};
    CHECK(blas_core_is_generic("Prescott") && blas_core_is_generic("Core2") &&
              blas_core_is_generic("Nehalem") && blas_core_is_generic("unknown"),
          "old cores must count as generic");
    CHECK(!blas_core_is_generic("Haswell") && !blas_core_is_generic("Zen") &&
              !blas_core_is_generic("SkylakeX") && !blas_core_is_generic("COOPERLAKE"),
          "AVX2/AVX-512 cores are not generic");
    const char *c = blas_better_core("Prescott", avx2);
    CHECK(c && strcmp(c, "Haswell") == 0, "Prescott on AVX2 -> %s", c ? c : "NULL");
    c = blas_better_core("Prescott", avx512);
    CHECK(c && strcmp(c, "SkylakeX") == 0, "Prescott on AVX-512 -> %s", c ? c : "NULL");
    CHECK(blas_better_core("Prescott", none) == NULL, "no AVX2: nothing better to pick");
    CHECK(blas_better_core("Zen", avx2) == NULL && blas_better_core("SkylakeX", avx512) == NULL,
          "a modern core is left alone");
    /* SkylakeX kernels on a CPU without AVX-512 would die of SIGILL. */
    CHECK(blas_better_core("Haswell", avx2) == NULL, "Haswell on AVX2 is right");

    if (argc > 1 && cpu_detect().avx2_fma) {
        /* --verbose reports the kernels first; the unwritable model path
         * then ends the run at once. */
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "env -u OPENBLAS_CORETYPE -u " "SIAMESE_BLAS_REPLACED "
                 "SIAMESE_TEST_BLAS_CORE=Prescott %s train --verbose --model /sys/x.siam 2>&1",
                 argv[1]);
        const char *want = cpu_detect().avx512 ? "SkylakeX" : "Haswell";
        char line[256];
        snprintf(line, sizeof line, "restarted with OPENBLAS_CORETYPE=%s, now using '%s' kernels",
                 want, want);
        const char *out = run(cmd);
        printf("restart: %s", out);
        CHECK(strstr(out, "OpenBLAS picked its generic 'Prescott' kernels") && strstr(out, line),
              "no restart with %s in: %s", want, out);
        snprintf(cmd, sizeof cmd,
                 "env -u SIAMESE_BLAS_REPLACED -u SIAMESE_TEST_BLAS_CORE "
                 "OPENBLAS_CORETYPE=Prescott %s train --verbose --model /sys/x.siam 2>&1",
                 argv[1]);
        out = run(cmd);
        printf("user value: %s", out);
        CHECK(strstr(out, "'Prescott' (OPENBLAS_CORETYPE=Prescott set by the user, respected)"),
              "a user's OPENBLAS_CORETYPE must be respected: %s", out);
        CHECK(strstr(out, "WARNING"), "generic kernels chosen by the user need a warning: %s",
              out);
    }
    return check_done("blas");
}
