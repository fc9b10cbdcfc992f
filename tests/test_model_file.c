/* test_model_file.c - the model file: a save/load/save round trip is
 * bit-identical, every field comes back, and each kind of damage gets its
 * own message (magic, version, architecture, sizes, truncation, trailing
 * bytes, CRC, non-finite parameters); a failed save leaves the old file. */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "model_file.h"

static char dir[] = "/tmp/siamese-modelXXXXXX";

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static void write_all(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

static void fix_crc(unsigned char *b, size_t n)
{
    put_u32(b + n - 4, (uint32_t)crc32(crc32(0, Z_NULL, 0), b, (uInt)(n - 4)));
}

/* Loads a damaged copy and expects failure with `want` in the message. */
static void expect_bad(const char *name, const unsigned char *b, size_t n, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.siam", dir, name);
    write_all(path, b, n);
    model_t m;
    sm_err e = {{0}};
    int rc = model_load(&m, path, &e);
    CHECK(rc == -1, "%s: damaged file was accepted", name);
    CHECK(strstr(e.msg, want) != NULL, "%s: message '%s' lacks '%s'", name, e.msg, want);
    CHECK(strstr(e.msg, path) != NULL, "%s: message '%s' does not name the file", name, e.msg);
    CHECK(m.params == NULL, "%s: model not left empty", name);
    printf("%-10s -> %s\n", name, e.msg);
    unlink(path);
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/a.siam", dir);
    snprintf(b, sizeof b, "%s/b.siam", dir);

    train_config cfg = train_config_default();
    cfg.seed = 77;
    cfg.epochs = 9;
    cfg.train_pairs = 1234;
    cfg.threads = 3;
    model_t m, l;
    sm_err e;
    CHECK(model_init(&m, (net_shape){784, 128}, cfg, &e) == 0, "init: %s", e.msg);
    CHECK(m.n_params == 133504, "parameter count %zu, want 133504", m.n_params);
    for (size_t i = 0; i < m.n_params; i++)
        m.velocity[i] = (float)i * 1e-6f;
    rng_next(&m.rng);
    m.step = 17;
    m.epoch_seed = 0x0123456789abcdefULL;
    m.loss_sum = 3.25;
    CHECK(model_add_epoch(&m, 0.11f, 0.086f, &e) == 0, "history");
    CHECK(model_add_epoch(&m, 0.08f, 0.074f, &e) == 0, "history");
    CHECK(model_save(&m, a, &e) == 0, "save: %s", e.msg);
    CHECK(model_load(&l, a, &e) == 0, "load: %s", e.msg);
    CHECK(l.epoch == 2 && l.cfg.seed == 77 && l.cfg.epochs == 9 && l.cfg.train_pairs == 1234 &&
              l.cfg.batch == 128 && l.cfg.lr == cfg.lr && l.cfg.rho == cfg.rho &&
              l.cfg.eps == cfg.eps && l.cfg.margin == cfg.margin &&
              l.cfg.dropout == cfg.dropout && l.cfg.threads == 3,
          "fields differ after load");
    CHECK(memcmp(&l.rng, &m.rng, sizeof m.rng) == 0, "rng state differs");
    CHECK(l.step == 17 && l.epoch_seed == m.epoch_seed && l.loss_sum == 3.25,
          "mid-epoch position differs: step %u seed %llx sum %g", l.step,
          (unsigned long long)l.epoch_seed, l.loss_sum);
    CHECK(memcmp(l.params, m.params, m.n_params * 4) == 0, "params differ");
    CHECK(memcmp(l.velocity, m.velocity, m.n_params * 4) == 0, "velocity differs");
    CHECK(l.history[1].loss == 0.08f && l.history[0].val_loss == 0.086f, "history differs");
    CHECK(model_save(&l, b, &e) == 0, "save 2: %s", e.msg);
    size_t na, nb;
    unsigned char *ba = read_all(a, &na), *bb = read_all(b, &nb);
    CHECK(na == nb && memcmp(ba, bb, na) == 0, "save/load/save is not bit-identical");
    CHECK(na == 136 + 2 * 8 + 2 * 133504 * 4 + 4, "file size %zu", na);
    model_free(&l);
    free(bb);

    unsigned char *d = malloc(na + 16);
#define DAMAGE(name, want, edit, len)                                                          \
    do {                                                                                       \
        memcpy(d, ba, na);                                                                     \
        edit;                                                                                  \
        expect_bad(name, d, len, want);                                                        \
    } while (0)
    DAMAGE("magic", "not a siamese model file", memcpy(d, "GIF89a..", 8), na);
    DAMAGE("version", "format version 2", put_u32(d + 8, 2), na);
    DAMAGE("layers", "unsupported architecture", put_u32(d + 12, 4), na);
    DAMAGE("hidden", "unsupported architecture", put_u32(d + 20, 0), na);
    DAMAGE("nparams", "parameter count", put_u32(d + 128, 5), na);
    DAMAGE("truncated", "truncated", (void)0, na - 100);
    DAMAGE("header", "truncated", (void)0, 60);
    DAMAGE("tiny", "shorter than the header", (void)0, 5);
    DAMAGE("trailing", "trailing bytes", memset(d + na, 0, 16), na + 16);
    DAMAGE("crc", "CRC-32 mismatch", d[5000] ^= 0x40, na);
    DAMAGE("epochs", "truncated", put_u32(d + 72, 3), na);
    float nan = NAN, inf = INFINITY;
    DAMAGE("nan", "NaN", (memcpy(d + 152 + 40, &nan, 4), fix_crc(d, na)), na);
    DAMAGE("inf", "infinite", (memcpy(d + 152 + 400, &inf, 4), fix_crc(d, na)), na);
    double bad_sum = -1.0;
    DAMAGE("losssum", "running loss", (memcpy(d + 120, &bad_sum, 8), fix_crc(d, na)), na);
    float big_lr = -1.0f;
    DAMAGE("lr", "learning rate", (memcpy(d + 24, &big_lr, 4), fix_crc(d, na)), na);
    DAMAGE("batch", "batch size", (put_u32(d + 44, 0), fix_crc(d, na)), na);
    /* The epoch target once sized an allocation: 2^32-1 must be refused. */
    DAMAGE("target", "bad epoch target", (put_u32(d + 48, 0xffffffffu), fix_crc(d, na)), na);
    DAMAGE("threads", "bad thread count", (put_u32(d + 52, 0), fix_crc(d, na)), na);

    /* Missing file. */
    model_t x;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.siam", dir);
    CHECK(model_load(&x, missing, &e) == -1 && strstr(e.msg, "cannot open"), "missing: %s",
          e.msg);

    /* A save that cannot happen leaves the old file as it was and no
     * temporary file behind. */
    chmod(dir, 0500);
    int root = access(dir, W_OK) == 0; /* root ignores permissions */
    if (!root) {
        CHECK(model_save(&m, a, &e) == -1, "save into a read-only folder succeeded");
        size_t n2;
        unsigned char *again = read_all(a, &n2);
        CHECK(n2 == na && memcmp(again, ba, na) == 0, "old model file changed");
        free(again);
    }
    chmod(dir, 0700);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c tmp", dir);
    FILE *p = popen(cmd, "r");
    int tmps = -1;
    if (p) {
        if (fscanf(p, "%d", &tmps) != 1)
            tmps = -1;
        pclose(p);
    }
    CHECK(tmps == 0, "temporary files left behind: %d", tmps);

    unlink(a);
    unlink(b);
    rmdir(dir);
    free(ba);
    free(d);
    model_free(&m);
    return check_done("model_file");
}
