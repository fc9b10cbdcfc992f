/* classes.c - class tables; see classes.h. */
#include "classes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

static const char *const fashion[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

void classes_free(class_table *t)
{
    for (int i = 0; t->names && i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    t->names = NULL;
    t->n = 0;
}

int classes_add(class_table *t, const char *name, sm_err *e)
{
    /* The model file and classes.txt hold names as lines of text. */
    size_t len = strlen(name);
    if (len == 0 || len > CLASS_NAME_MAX)
        return sm_fail(e, "class name of %zu bytes: expected 1..%d", len, CLASS_NAME_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return sm_fail(e, "class name '%s' holds a control character (a tab, a newline...): "
                           "rename the folder", name);
    if (t->n >= CLASSES_MAX)
        return sm_fail(e, "more than %d classes", CLASSES_MAX);
    char **names = realloc(t->names, ((size_t)t->n + 1) * sizeof *names);
    if (!names)
        return sm_fail(e, "out of memory for the class table");
    t->names = names;
    if (!(t->names[t->n] = strdup(name)))
        return sm_fail(e, "out of memory for the class table");
    t->n++;
    return 0;
}

int classes_fashion(class_table *t, sm_err *e)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < 10; i++)
        if (classes_add(t, fashion[i], e) != 0) {
            classes_free(t);
            return -1;
        }
    return 0;
}

int classes_numbered(class_table *t, int n, sm_err *e)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "%d", i);
        if (classes_add(t, name, e) != 0) {
            classes_free(t);
            return -1;
        }
    }
    return 0;
}

int classes_find(const class_table *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    return -1;
}

int classes_equal(const class_table *a, const class_table *b)
{
    if (a->n != b->n)
        return 0;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->names[i], b->names[i]) != 0)
            return 0;
    return 1;
}

int classes_copy(class_table *dst, const class_table *src, sm_err *e)
{
    memset(dst, 0, sizeof *dst);
    for (int i = 0; i < src->n; i++)
        if (classes_add(dst, src->names[i], e) != 0) {
            classes_free(dst);
            return -1;
        }
    return 0;
}

void classes_folder_name(const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s", name);
    for (char *p = out; *p; p++)
        if (*p == '/')
            *p = '-';
}

int classes_read(class_table *t, const char *path, sm_err *e)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm_fail(e, "%s: cannot open: %s", path, strerror(errno));
    char line[CLASS_NAME_MAX + 3];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\n')
            line[--len] = 0;
        else if (!feof(f)) {
            rc = sm_fail(e, "%s: line %d: a class name longer than %d bytes", path, lineno,
                         CLASS_NAME_MAX);
            break;
        }
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        if (len == 0) {
            rc = sm_fail(e, "%s: line %d is empty: expected one class name per line", path,
                         lineno);
            break;
        }
        for (size_t i = 0; i < len && rc == 0; i++)
            if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
                rc = sm_fail(e, "%s: line %d: control character in a class name", path, lineno);
        if (rc == 0 && (strcmp(line, ".") == 0 || strcmp(line, "..") == 0))
            rc = sm_fail(e, "%s: line %d: '%s' cannot be a class name", path, lineno, line);
        if (rc == 0 && classes_find(t, line) >= 0)
            rc = sm_fail(e, "%s: line %d: class '%s' is listed twice", path, lineno, line);
        if (rc == 0 && classes_add(t, line, e) != 0)
            rc = sm_fail(e, "%s: line %d: more than %d classes", path, lineno, CLASSES_MAX);
        if (rc != 0)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = sm_fail(e, "%s: read error", path);
    fclose(f);
    if (rc == 0 && t->n < CLASSES_MIN)
        rc = sm_fail(e, "%s: %d class name%s: expected %d to %d, one per line", path, t->n,
                     t->n == 1 ? "" : "s", CLASSES_MIN, CLASSES_MAX);
    if (rc != 0)
        classes_free(t);
    return rc;
}

int classes_write(const class_table *t, const char *path, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    for (int i = 0; i < t->n; i++) {
        atomic_write(&a, t->names[i], strlen(t->names[i]));
        atomic_write(&a, "\n", 1);
    }
    return atomic_commit(&a, e);
}
