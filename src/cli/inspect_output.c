/* inspect_output.c - everything `siamese inspect` writes, in order: the
 * text or JSON on standard output (on standard error when the sheet goes
 * to standard output), then the CSV, the sheet and the maps. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "guard.h"
#include "inspect_print.h"

void inspect_print_notes(const inspect_report *r)
{
    static const char *const cmd = "inspect";
    static const char why[] = "compared with itself, which lowers its score and can hide a "
                              "defect";
    size_t n = r->img.n, k = r->also_ref;
    cli_skipped_note(cmd, r->skipped, NULL);
    if (k > 0 && k < n)
        cli_error(cmd, "note: %zu of the %zu images %s (the same file%s): each is %s; keep "
                  "the images to check out of --reference", k, n,
                  k == 1 ? "is also a reference" : "are also references", k == 1 ? "" : "s",
                  why);
    else if (k == 1)
        cli_error(cmd, "note: the image is also a reference (the same file): it is %s (new "
                  "parts belong outside --reference)", why);
    else if (k > 0)
        cli_error(cmd, "note: all %zu images are also references (the same files): each is "
                  "%s (expected when a set is checked against itself; new parts belong "
                  "outside --reference)", n, why);
}

int inspect_print_all(const inspect_report *r, int json, const char *csv, const char *sheet,
                      long top)
{
    static const char *const cmd = "inspect";
    const char *maps = r->cfg.maps;
    sm_err e;
    int saved = -1;
    if (sheet && !strcmp(sheet, "-") && (saved = guard_text_to_stderr()) < 0) {
        cli_error(cmd, "cannot send the text to standard error: %s", strerror(errno));
        return 1;
    }
    if (json)
        inspect_print_json(r, stdout);
    else
        inspect_print_text(r, stdout);
    fflush(stdout);
    guard_text_back(saved);
    if (csv && inspect_write_csv(r, csv, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    if (sheet && inspect_write_sheet(r, top, sheet, &e) != 0) {
        cli_error(cmd, "--report %s: %s", sheet, e.msg);
        return 1;
    }
    const input_file read[] = {{"--reference", r->cfg.reference}, {"--images", r->cfg.images}};
    if (maps && inspect_write_maps(r, read, 2, &e) != 0) {
        cli_error(cmd, "--maps %s: %s", maps, e.msg);
        return 1;
    }
    size_t other = maps ? inspect_other_maps(r) : 0;
    if (other > 0)
        cli_error(cmd, "note: --maps %s holds %zu PNG file%s besides the %zu map%s this run "
                  "wrote (an earlier run's?)", maps, other, other == 1 ? "" : "s", r->img.n,
                  r->img.n == 1 ? "" : "s");
    return 0;
}
