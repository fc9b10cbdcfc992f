/* test_err.c - error messages are one printable line (err.h).
 *
 * sm_line and sm_fail: control bytes, invalid UTF-8 and C1 controls become
 * \xNN while valid UTF-8 passes; a message too long for sm_err keeps its
 * reason whole and loses the middle of its path(s), never splitting a
 * character or an escape; sm_fail with e->msg as an argument and with
 * e == NULL.
 *
 *   usage: test_err        exit: 0 pass, 1 a failure
 */
#include "check.h"
#include "err.h"

/* 1 when s is one line of printable ASCII and valid UTF-8, and every
 * backslash starts a whole \xNN (the tests put no backslash of their own
 * in the texts), checked independently of err.c's decoder. */
static int printable_line(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p == '\\') {
            if (p[1] != 'x' || !strchr("0123456789abcdef", p[2]) || !p[2] ||
                !strchr("0123456789abcdef", p[3]) || !p[3])
                return 0;
            p += 4;
        } else if (*p >= 0x20 && *p < 0x7f) {
            p++;
        } else if (*p >= 0xc2 && *p <= 0xf4) {
            int n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
            for (int i = 1; i < n; i++)
                if ((p[i] & 0xc0) != 0x80)
                    return 0;
            if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) /* a C1 control */
                return 0;
            p += n;
        } else {
            return 0;
        }
    }
    return 1;
}

static void expect_line(const char *in, const char *want)
{
    char out[256];
    size_t n = sm_line(out, sizeof out, in);
    CHECK(strcmp(out, want) == 0, "sm_line(\"%s\") gave \"%s\", expected \"%s\"", in, out, want);
    CHECK(n == strlen(out), "returned length %zu for \"%s\"", n, out);
}

static void test_escapes(void)
{
    expect_line("plain text: no change", "plain text: no change");
    expect_line("", "");
    /* A PNG's first bytes, as a bad data or model file shows them. */
    expect_line("found \"\x89PNG\r\n\x1a\n\"", "found \"\\x89PNG\\x0d\\x0a\\x1a\\x0a\"");
    expect_line("a\tb\x1b[2Jc\x7f", "a\\x09b\\x1b[2Jc\\x7f");
    expect_line("dir\nname/m.siam: cannot create", "dir\\x0aname/m.siam: cannot create");
    /* Valid UTF-8 passes: 2, 3 and 4 bytes, the first above the C1 block. */
    expect_line("caf\xc3\xa9 \xc2\xa0 \xe6\x97\xa5 \xf0\x9f\x98\x80",
                "caf\xc3\xa9 \xc2\xa0 \xe6\x97\xa5 \xf0\x9f\x98\x80");
    /* Not valid UTF-8: a lone continuation, a lead without continuation,
     * an overlong '/', a surrogate, above U+10FFFF, 0xff. */
    expect_line("\x80", "\\x80");
    expect_line("\xc3x", "\\xc3x");
    expect_line("\xc0\xaf", "\\xc0\\xaf");
    expect_line("\xed\xa0\x80", "\\xed\\xa0\\x80");
    expect_line("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
    expect_line("\xff", "\\xff");
    expect_line("\xe6\x97", "\\xe6\\x97"); /* cut short by the end */
    /* C1 control U+009B (CSI) in UTF-8 form: escaped too. */
    expect_line("\xc2\x9b" "31m", "\\xc2\\x9b" "31m");
}

/* A path of n bytes: dir/dir/.../file-name.gz made of `piece`. */
static char *long_path(size_t n, const char *piece)
{
    char *p = malloc(n + 1);
    size_t k = strlen(piece), i = 0;
    while (i + k <= n) {
        memcpy(p + i, piece, k);
        i += k;
    }
    while (i < n)
        p[i++] = 'z';
    p[n] = 0;
    return p;
}

static void test_long(void)
{
    const char *reason = ": cannot open: No such file or directory (is the folder mounted?)";
    char *path = long_path(3000, "/folder");
    memcpy(path + 3000 - 12, "/last-name.x", 12);
    sm_err e;
    memset(&e, 'Q', sizeof e);
    CHECK(sm_fail(&e, "%s%s", path, reason) == -1, "sm_fail returns -1");
    size_t len = strlen(e.msg);
    CHECK(len <= sizeof e.msg - 1, "length %zu", len);
    CHECK(len >= sizeof e.msg - 1 - 8, "shortened far more than needed: %zu", len);
    CHECK(len >= strlen(reason) && strcmp(e.msg + len - strlen(reason), reason) == 0,
          "the reason is not whole at the end: ...%s", e.msg + (len > 80 ? len - 80 : 0));
    CHECK(strncmp(e.msg, "/folder/folder", 14) == 0, "the path's start is gone: %.40s", e.msg);
    CHECK(strstr(e.msg, "...") != NULL, "no ... where the path was shortened");
    CHECK(strstr(e.msg, "last-name.x: cannot open") != NULL, "the file name is gone: %s",
          e.msg);
    CHECK(printable_line(e.msg), "not one printable line");

    /* Two long paths (a rename): both shortened, the reason whole. */
    char *p2 = long_path(2000, "/other");
    sm_err e2;
    sm_fail(&e2, "cannot rename %s to %s: Permission denied", path, p2);
    len = strlen(e2.msg);
    CHECK(len <= 1023, "two paths: length %zu", len);
    CHECK(strstr(e2.msg, "cannot rename /folder") == e2.msg, "two paths: start: %.40s", e2.msg);
    CHECK(strstr(e2.msg, "last-name.x to /other") != NULL, "two paths: middle lost: %s",
          e2.msg);
    CHECK(len > 19 && strcmp(e2.msg + len - 19, ": Permission denied") == 0,
          "two paths: end: %s", e2.msg + (len > 60 ? len - 60 : 0));

    /* A path of newlines and of two-byte characters: escapes and
     * characters are cut whole, and the reason stays. */
    char *nl = long_path(2000, "\n");
    sm_fail(&e, "%s%s", nl, reason);
    len = strlen(e.msg);
    CHECK(printable_line(e.msg), "newline path: not one printable line");
    CHECK(strstr(e.msg, "\\x0a...\\x0a") != NULL, "newline path: no ... between escapes");
    CHECK(strcmp(e.msg + len - strlen(reason), reason) == 0, "newline path: reason lost");
    char *utf = long_path(2001, "\xc3\xa9");
    for (int shift = 0; shift < 4; shift++) { /* each alignment of the cut */
        char fmt[16];
        snprintf(fmt, sizeof fmt, "%%.%ds%%s%%s", 1 + shift);
        sm_fail(&e, fmt, "abcd", utf, reason);
        CHECK(printable_line(e.msg), "UTF-8 path, shift %d: a character was split", shift);
        len = strlen(e.msg);
        CHECK(strcmp(e.msg + len - strlen(reason), reason) == 0, "UTF-8 path: reason lost");
    }

    /* Nothing long to shorten (many short words): the end goes, marked. */
    char words[4000];
    for (size_t i = 0; i < sizeof words - 1; i++)
        words[i] = i % 5 == 4 ? ' ' : 'w';
    words[sizeof words - 1] = 0;
    sm_fail(&e, "%s", words);
    len = strlen(e.msg);
    CHECK(len <= 1023 && len >= 1000, "words: length %zu", len);
    CHECK(strcmp(e.msg + len - 3, "...") == 0, "words: the cut end is not marked");

    /* Small buffers. */
    char small[8];
    sm_line(small, sizeof small, "abcdefghijklmnop");
    CHECK(strlen(small) <= 7 && strcmp(small + strlen(small) - 3, "...") == 0, "cap 8: %s",
          small);
    sm_line(small, 4, "\n\n\n");
    CHECK(strlen(small) <= 3 && printable_line(small), "cap 4: %s", small);
    small[0] = 'x';
    sm_line(small, 1, "abc");
    CHECK(small[0] == 0, "cap 1 must give the empty string");
    free(path);
    free(p2);
    free(nl);
    free(utf);
}

static void test_fail(void)
{
    CHECK(sm_fail(NULL, "no %s", "buffer") == -1, "sm_fail(NULL) returns -1");
    sm_err e;
    sm_fail(&e, "inner \x01 reason");
    sm_fail(&e, "outer: %s; %s", e.msg, "more");
    CHECK(strcmp(e.msg, "outer: inner \\x01 reason; more") == 0, "e->msg as an argument: %s",
          e.msg);
    /* Escaping twice changes nothing. */
    char again[1024];
    sm_line(again, sizeof again, e.msg);
    CHECK(strcmp(again, e.msg) == 0, "sm_line is not idempotent: %s", again);
}

int main(void)
{
    test_escapes();
    test_long();
    test_fail();
    return check_done("test_err");
}
