/* data_note.c - what a command says about the data it just loaded, beyond
 * errors: files in the image folders that were skipped because their names
 * are not those of images (README, notes.txt, ...), so a misnamed image
 * does not vanish silently. */
#include "cli.h"

void cli_data_note(const char *cmd, const char *dir, const dataset_t *ds)
{
    if (ds->skipped > 0)
        cli_error(cmd, "note: skipped %zu file%s that %s not images by name (in %s; images "
                  "end in .png .jpg .jpeg .bmp .pgm .ppm .pnm .tga or .gif)", ds->skipped,
                  ds->skipped == 1 ? "" : "s", ds->skipped == 1 ? "is" : "are", dir);
}
