/* command.c - the skeleton every command runs in: getopt_long's tables
 * built from the command's opt_spec rows, each value parsed and checked
 * by its kind, the help generated from the same rows. See command.h. */
#include "command.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Writes text with "{cores}" and "{model}" expanded; every line but the
 * first indented by indent spaces. */
static void put_text(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        if (strncmp(p, "{cores}", 7) == 0) {
            fprintf(out, "%d", cli_cpu_count());
            p += 6;
        } else if (strncmp(p, "{model}", 7) == 0) {
            fputs(CLI_DEFAULT_MODEL, out);
            p += 6;
        } else {
            fputc(*p, out);
            if (*p == '\n' && p[1])
                fprintf(out, "%*s", indent, "");
        }
    }
}

void cli_help(const command *c, FILE *out)
{
    put_text(out, c->about, 0);
    fputs("\noptions:\n", out);
    for (size_t i = 0; i < c->n_opts; i++) {
        const opt_spec *s = &c->opts[i];
        char left[64];
        int n = s->key ? snprintf(left, sizeof left, "  -%c, --%s", s->key, s->name)
                       : snprintf(left, sizeof left, "      --%s", s->name);
        if (s->arg)
            snprintf(left + n, sizeof left - (size_t)n, " %s", s->arg);
        fprintf(out, "%-*s", c->help_col, left);
        put_text(out, s->help, c->help_col);
        fputc('\n', out);
    }
}

/* One value into o at s->at; 0, or -1 after the option's message. */
static int store(const char *cmd, const opt_spec *s, const char *arg, char *o)
{
    void *v = o + s->at;
    switch (s->kind) {
    case OPT_FLAG: *(int *)v = 1; return 0;
    case OPT_STR: *(const char **)v = arg; return 0;
    case OPT_LONG: return opt_long(cmd, s->name, arg, (long)s->min, (long)s->max, (long *)v);
    case OPT_U64: return opt_u64(cmd, s->name, arg, (uint64_t *)v);
    case OPT_FLOAT:
        return opt_float(cmd, s->name, arg, s->min, s->max, s->bounds, (float *)v);
    case OPT_CHOICE: return opt_choice(cmd, s->name, arg, s->choices, (int *)v);
    case OPT_PARSE: return s->parse(cmd, s->name, arg, v);
    case OPT_HELP: return 0;
    }
    return 0;
}

/* getopt_long's tables from the rows: longs[i].val is i + 256 (so no
 * letter is needed), shorts maps each letter to the same. */
static struct option *long_table(const command *c, char *shorts, size_t cap)
{
    struct option *longs = calloc(c->n_opts + 1, sizeof *longs);
    if (!longs)
        return NULL;
    size_t k = 0;
    shorts[k++] = ':';
    for (size_t i = 0; i < c->n_opts; i++) {
        const opt_spec *s = &c->opts[i];
        int has_arg = s->arg ? required_argument : no_argument;
        longs[i] = (struct option){s->name, has_arg, NULL, (int)i + 256};
        if (s->key && k + 3 < cap) {
            shorts[k++] = (char)s->key;
            if (has_arg)
                shorts[k++] = ':';
        }
    }
    shorts[k] = 0;
    return longs;
}

/* The row of getopt's answer: a long option's i + 256 or a letter. */
static const opt_spec *row_of(const command *c, int got)
{
    if (got >= 256 && (size_t)(got - 256) < c->n_opts)
        return &c->opts[got - 256];
    for (size_t i = 0; i < c->n_opts; i++)
        if (c->opts[i].key && c->opts[i].key == got)
            return &c->opts[i];
    return NULL;
}

/* 0 parsed, 1 --help shown, -1 a usage error (said). */
static int parse(const command *c, int argc, char **argv, char *o)
{
    char shorts[128];
    struct option *longs = long_table(c, shorts, sizeof shorts);
    if (!longs) {
        cli_error(c->name, "out of memory");
        return -1;
    }
    opterr = 0;
    optind = 1;
    int got, rc = 0;
    while (rc == 0 && (got = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const opt_spec *s = row_of(c, got);
        if (!s) {
            opt_report(c->name, got, optopt, argv);
            rc = -1;
        } else if (s->kind == OPT_HELP) {
            cli_help(c, stdout);
            rc = 1;
        } else {
            rc = store(c->name, s, optarg, o);
            if (s->given)
                *(int *)(o + s->given - 1) = 1;
        }
    }
    free(longs);
    return rc;
}

int cli_run(const command *c, int argc, char **argv)
{
    char *o = calloc(1, c->opts_size ? c->opts_size : 1);
    if (!o) {
        cli_error(c->name, "out of memory");
        return 1;
    }
    if (c->defaults)
        c->defaults(o);
    int rc = parse(c, argc, argv, o);
    if (rc == 0)
        rc = c->run(o, argc - optind, argv + optind);
    else if (rc == 1)
        rc = 0;
    else
        rc = CLI_USAGE_ERROR;
    if (rc == CLI_USAGE_ERROR) {
        fputc('\n', stderr);
        cli_help(c, stderr);
        rc = EXIT_USAGE;
    }
    free(o);
    return rc;
}
