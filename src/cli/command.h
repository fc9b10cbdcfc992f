/* command.h - the command table's row and its typed option specs. A
 * command declares its options once, as a table of opt_spec; from it come
 * getopt_long's tables, the checked parsing of each value (opts.c's
 * opt_* functions, so every message names the option the same way) and
 * the options part of `--help`. cli_run is the one skeleton around every
 * command: defaults, parsing, --help, usage errors (exit 2), then the
 * command's body with the arguments that are not options.
 *
 * Shared options (--threads, --model, --kernels, --data, --json) are
 * defined once as the OPT_* macros below; each command gives only the
 * help text, which says what the option does there. */
#ifndef SIAMESE_COMMAND_H
#define SIAMESE_COMMAND_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

typedef enum {
    OPT_FLAG,   /* int, set to 1 */
    OPT_STR,    /* const char *, the argument itself */
    OPT_LONG,   /* long in [min, max] (opt_long) */
    OPT_U64,    /* uint64_t (opt_u64) */
    OPT_FLOAT,  /* float in (min, max] with bounds (opt_float) */
    OPT_CHOICE, /* int: index into choices (opt_choice) */
    OPT_PARSE,  /* parse(cmd, name, arg, &value): any other kind (--size, --layers) */
    OPT_HELP,   /* -h, --help: prints the help on stdout, exit 0 */
} opt_kind;

typedef int (*opt_parse_fn)(const char *cmd, const char *opt, const char *arg, void *value);

typedef struct {
    const char *name; /* long name, without "--" */
    int key;          /* the short letter, or 0 */
    const char *arg;  /* what the help calls the value ("N", "FILE"); NULL: a flag */
    opt_kind kind;
    size_t at;        /* offsetof the value in the command's options struct */
    size_t given;     /* offsetof + 1 of an int set to 1 when the option is given; 0: none */
    double min, max;  /* OPT_LONG, OPT_FLOAT */
    int bounds;       /* OPT_FLOAT: OPT_FROM_MIN, OPT_BELOW_MAX (cli.h) */
    const char *const *choices; /* OPT_CHOICE, NULL-terminated */
    opt_parse_fn parse;         /* OPT_PARSE */
    /* The help after the option's name: lines separated by '\n', each
     * indented to the command's help column; "{cores}" reads as the CPU
     * count and "{model}" as the default model file. */
    const char *help;
} opt_spec;

/* Where a field is, and where its "given" flag is (0 = none). */
#define OPT_AT(type, field) offsetof(type, field)
#define OPT_GIVEN(type, field) (offsetof(type, field) + 1)

/* The options every command that has them shares: one definition of the
 * name, letter, kind and limits; the help says what they do here. */
#define OPT_THREADS(type, field, help)                                                         \
    {"threads", 'j', "N", OPT_LONG, OPT_AT(type, field), 0, 1, MODEL_MAX_THREADS, 0, NULL,     \
     NULL, help}
#define OPT_MODEL(type, field, help)                                                           \
    {"model", 'm', "FILE", OPT_STR, OPT_AT(type, field), 0, 0, 0, 0, NULL, NULL, help}
#define OPT_KERNELS(type, field, given_field, help)                                            \
    {"kernels", 0, "K", OPT_CHOICE, OPT_AT(type, field), OPT_GIVEN(type, given_field), 0, 0, \
     0, kernels_names, NULL, help}
#define OPT_DATA(type, field, arg, help)                                                       \
    {"data", 0, arg, OPT_STR, OPT_AT(type, field), 0, 0, 0, 0, NULL, NULL, help}
#define OPT_JSON(type, field, help)                                                            \
    {"json", 0, NULL, OPT_FLAG, OPT_AT(type, field), 0, 0, 0, 0, NULL, NULL, help}
/* --threshold X: a distance in (0, 1e6]; given_field records that it was
 * given (model_threshold's rule for the default). */
#define OPT_THRESHOLD(type, field, given_field, help)                                          \
    {"threshold", 't', "X", OPT_FLOAT, OPT_AT(type, field), OPT_GIVEN(type, given_field), 0,  \
     1e6, 0, NULL, NULL, help}
#define OPT_VERBOSE(type, field, help)                                                         \
    {"verbose", 'v', NULL, OPT_FLAG, OPT_AT(type, field), 0, 0, 0, 0, NULL, NULL, help}
/* A number macro as help text: "1.." CLI_STR(MODEL_MAX_THREADS). */
#define CLI_STR_(x) #x
#define CLI_STR(x) CLI_STR_(x)
/* --split S, train or test, into an int: the index in CLI_SPLIT_NAMES. */
#define CLI_SPLIT_NAMES ((const char *const[]){"train", "test", NULL})
#define OPT_SPLIT(type, field, help)                                                           \
    {"split", 0, "S", OPT_CHOICE, OPT_AT(type, field), 0, 0, 0, 0, CLI_SPLIT_NAMES, NULL, help}
#define OPT_HELP_ROW {"help", 'h', NULL, OPT_HELP, 0, 0, 0, 0, 0, NULL, NULL, "show this help"}
/* The --data help every command that reads a data set by default shows. */
#define OPT_DATA_HELP                                                                          \
    "the data set: IDX files or image folders (default:\n$SIAMESE_DATA, "                     \
    "./data/fashion-mnist,\n/usr/share/datasets/fashion-mnist)"

/* One row of the command table (main.c). */
typedef struct command {
    const char *name;
    const char *summary; /* one line for `siamese --help` */
    /* The help before "options:" ("usage: ..." to the blank line before
     * it); "{cores}" and "{model}" expand as in opt_spec.help. */
    const char *about;
    int help_col; /* the column where each option's help starts */
    const opt_spec *opts;
    size_t n_opts;
    size_t opts_size;           /* sizeof the command's options struct */
    void (*defaults)(void *o);  /* fills it before parsing (may be NULL: all zero) */
    /* The body: o parsed, argv[0..argc) the arguments that are not
     * options. Returns the exit status (CLI_USAGE_ERROR for a usage
     * error: the skeleton then shows the help on stderr). */
    int (*run)(void *o, int argc, char **argv);
} command;

/* A body's usage error: cli_run prints a blank line and the help on
 * stderr, then exits 2. The body has printed why (cli_error). */
#define CLI_USAGE_ERROR (-2)

/* The rows, one per command file (main.c holds the table). */
extern const command cmd_compare;
extern const command cmd_eval;
extern const command cmd_train;
extern const command cmd_bench;
extern const command cmd_export;
extern const command cmd_embed;
extern const command cmd_show_pairs;
extern const command cmd_inspect;

/* The skeleton: argv[0] is the command's name. Returns the exit status. */
int cli_run(const command *c, int argc, char **argv);

/* The command's full help (about, "options:", each option). */
void cli_help(const command *c, FILE *out);

#endif
