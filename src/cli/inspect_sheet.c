/* inspect_sheet.c - inspect's --report: a PNG contact sheet of the most
 * anomalous images, each beside its nearest reference, with the patch score
 * its anomaly map between them (inspect_print.h, drawn by sheet.h). */
#include "inspect_print.h"

#include <stdlib.h>

#include "anomaly_kind.h"
#include "input.h"
#include "sheet.h"

int inspect_write_sheet(const inspect_report *r, long top, const char *path, sm_err *e)
{
    size_t n = r->img.n < (size_t)top ? r->img.n : (size_t)top;
    int channels = input_channels(&r->in);
    size_t P = (size_t)channels * r->in.width * r->in.height;
    size_t hw = (size_t)r->in.width * r->in.height;
    sheet_cell *cells = calloc(n + 1, sizeof *cells);
    float *maps = r->pos ? malloc((n * hw + 1) * sizeof *maps) : NULL;
    if (!cells || (r->pos && !maps)) {
        free(cells);
        free(maps);
        return sm_fail(e, "out of memory for the report");
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = r->rank[k];
        cells[k] = (sheet_cell){r->img.px + i * P, r->ref.px + (size_t)r->nearest[i] * P,
                                r->score[i], r->flagged[i],
                                r->ntypes ? inspect_type_name(r, i) : NULL, NULL, 0};
        if (maps) { /* the map on the scale of --maps: 0 .. the run's largest position score */
            inspect_map(r, i, maps + k * hw);
            cells[k].map = maps + k * hw;
            cells[k].map_top = r->map_top > 0 ? r->map_top : 1.0f;
        }
    }
    char title[256];
    snprintf(title, sizeof title, "the %zu most anomalous of %zu images (score %s, threshold "
             "%.4g)", n, r->img.n, anomaly_kinds[r->cfg.score].name, r->threshold);
    canvas_t c;
    int w = (int)r->in.width, h = (int)r->in.height;
    int rc = sheet_render(&c, cells, n, w, h, channels, 4, sheet_scale_for(w, h, 96), title, e);
    free(cells);
    free(maps);
    if (rc == 0) {
        rc = canvas_save_png(&c, path, e);
        canvas_free(&c);
    }
    return rc;
}
