/* guard.c - outputs checked before the work, the one signal regime,
 * standard output's errors; see guard.h. */
#include "guard.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "dataset.h"
#include "folders.h"

/* Appends to in[] / *n_in, named what, every file and folder the names
 * paths[] lead to: names and in grow together. */
static int add_inputs(char ***names, size_t *n_names, input_file **in, size_t *n_in,
                      const char *what, size_t from, sm_err *e)
{
    input_file *v = realloc(*in, (*n_in + *n_names - from + 1) * sizeof *v);
    if (!v)
        return sm_fail(e, "out of memory");
    *in = v;
    for (size_t i = from; i < *n_names; i++)
        v[(*n_in)++] = (input_file){what, (*names)[i]};
    return 0;
}

int guard_outputs(const char *cmd, const output_spec *out, size_t n, const char *model_in,
                  const char *data_opt, const input_file *read, size_t n_read)
{
    char **names = NULL; /* [n_names] what the data source and PATHs read */
    size_t n_names = 0, n_in = 0;
    input_file *in = NULL;
    char dir[ATOMIC_PATH_MAX];
    sm_err e;
    int rc = 0;
    if (model_in) {
        if (!(in = malloc(sizeof *in)))
            rc = sm_fail(&e, "out of memory");
        else
            in[n_in++] = (input_file){"--model", model_in};
    }
    /* An unfound or unreadable data set: its loader says why. */
    if (rc == 0 && data_opt != GUARD_NO_DATA && dataset_find_dir(data_opt, dir, sizeof dir, &e) == 0) {
        rc = dataset_inputs(dir, &names, &n_names, &e);
        if (rc == 0)
            rc = add_inputs(&names, &n_names, &in, &n_in, "the data set", 0, &e);
    }
    for (size_t i = 0; rc == 0 && i < n_read; i++) {
        size_t from = n_names;
        if (read[i].path)
            rc = folders_inputs(read[i].path, &names, &n_names, &e);
        if (rc == 0)
            rc = add_inputs(&names, &n_names, &in, &n_in, read[i].what, from, &e);
    }
    if (rc == 0)
        rc = outputs_check(out, n, in, n_in, &e);
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    free(in);
    if (rc == 0)
        return 0;
    cli_error(cmd, "%s", e.msg);
    return rc == OUTPUTS_USAGE ? EXIT_USAGE : 1;
}

/* ---- signals: one regime for every command ---------------------------------
 * deferred 0: a signal removes the temporary files being written and ends
 * the process by that signal. deferred 1: the first signal is noted in
 * stop_sig; a later one writes again_msg and ends at once (exit 130), or,
 * with no message, is noted too. Lock-free atomics: safe in a handler, seen
 * by every thread. */
static atomic_int deferred, stop_sig;
static const char *again_msg;
static size_t again_len;

static void on_signal(int sig)
{
    if (atomic_load(&deferred)) {
        int none = 0;
        if (atomic_compare_exchange_strong(&stop_sig, &none, sig) || !again_msg)
            return;
        ssize_t ignored = write(STDERR_FILENO, again_msg, again_len);
        (void)ignored;
        atomic_remove_pending(); /* the save it stops in the middle of */
        _exit(130);
    }
    atomic_remove_pending();
    signal(sig, SIG_DFL); /* async-signal-safe; the signal is blocked until we return */
    raise(sig);
}

void guard_catch_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&sa.sa_mask, sigs[i]); /* one handler at a time */
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        if (sigs[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* nohup */
        sigaction(sigs[i], &sa, NULL);
    }
}

void guard_defer_signals(const char *again)
{
    again_msg = again;
    again_len = again ? strlen(again) : 0;
    atomic_store(&deferred, 1);
}

int guard_stop_signal(void)
{
    return atomic_load(&stop_sig);
}

const char *guard_stdout_failure(void)
{
    int failed_before = ferror(stdout);
    errno = 0;
    if (fflush(stdout) != 0)
        return strerror(errno ? errno : EIO);
    if (!failed_before)
        return NULL;
    /* An earlier flush failed, and stdio dropped its errno with the data.
     * An empty write repeats most failures (closed, device full); a file
     * at the size limit (ulimit -f) is recognised by its size. */
    if (write(STDOUT_FILENO, "", 0) < 0)
        return strerror(errno);
    struct stat st;
    struct rlimit rl;
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
        getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)st.st_size >= rl.rlim_cur)
        return strerror(EFBIG);
    return "an earlier write failed";
}

int guard_text_to_stderr(void)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    if (saved >= 0 && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        close(saved);
        return -1;
    }
    return saved;
}

void guard_text_back(int saved)
{
    if (saved < 0)
        return;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}
