/* inspect_maps.c - inspect's --maps DIR: one PNG per image, its anomaly
 * map over the grey image on the colour scale 0 .. the largest position
 * score of the run (inspect_print.h; the picture is anomaly_map.h's, the
 * map and the file names the report's). */
#include "inspect_print.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anomaly_map.h"
#include "input.h"
#include "sheet.h"

/* The folder made if absent, then every map's file checked against what
 * was read (outputs.h, one file a call): no map may replace an input. */
static int check_files(const inspect_report *r, const input_file *read, size_t n_read,
                       sm_err *e)
{
    if (mkdir(r->cfg.maps, 0777) != 0 && errno != EEXIST)
        return sm_fail(e, "cannot create the folder: %s", strerror(errno));
    for (size_t i = 0; i < r->img.n; i++) {
        char name[4608];
        inspect_map_path(r, i, name, sizeof name);
        output_spec out = {"the map", name, 0, 0};
        if (outputs_check(&out, 1, read, n_read, e) != 0)
            return -1;
    }
    return 0;
}

int inspect_write_maps(const inspect_report *r, const input_file *read, size_t n_read,
                       sm_err *e)
{
    if (check_files(r, read, n_read, e) != 0)
        return -1;
    int h = (int)r->in.height, w = (int)r->in.width;
    size_t P = (size_t)h * w, ch = input_channels(&r->in);
    float *map = malloc((P + 1) * sizeof *map);
    uint8_t *grey = malloc(P + 1);
    if (!map || !grey) {
        free(map);
        free(grey);
        return sm_fail(e, "out of memory for the maps");
    }
    float top = r->map_top > 0 ? r->map_top : 1.0f;
    int rc = 0, scale = sheet_scale_for(w, h, 112);
    for (size_t i = 0; i < r->img.n && rc == 0; i++) {
        char path[4608];
        inspect_map_path(r, i, path, sizeof path);
        inspect_map(r, i, map);
        const uint8_t *px = r->img.px + i * ch * P;
        for (size_t q = 0; q < P; q++) /* RGB planes: BT.601 grey, as images are read */
            grey[q] = ch == 3 ? (uint8_t)((299u * px[q] + 587u * px[P + q] + 114u * px[2 * P + q] +
                                           500u) / 1000u) : px[q];
        canvas_t c;
        rc = anomaly_map_render(&c, grey, map, h, w, top, scale, e);
        if (rc == 0) {
            rc = canvas_save_png(&c, path, e);
            canvas_free(&c);
        }
    }
    free(map);
    free(grey);
    return rc;
}

/* Whether name (a file in the maps folder) is the map this run wrote for
 * one of its images: N-NAME.png with N one of 1..n in the run's width. */
static int written_by_run(const inspect_report *r, const char *name)
{
    size_t n = r->img.n, digits = 1, k = 0, i;
    for (size_t m = n; m >= 10; m /= 10)
        digits++;
    for (i = 0; i < digits && name[i] >= '0' && name[i] <= '9'; i++)
        k = 10 * k + (size_t)(name[i] - '0');
    if (i < digits || name[i] != '-' || k < 1 || k > n)
        return 0;
    char path[4608];
    inspect_map_path(r, k - 1, path, sizeof path);
    const char *slash = strrchr(path, '/');
    return strcmp(slash ? slash + 1 : path, name) == 0;
}

size_t inspect_other_maps(const inspect_report *r)
{
    DIR *d = opendir(r->cfg.maps);
    if (!d)
        return 0;
    size_t other = 0;
    for (struct dirent *f; (f = readdir(d)) != NULL;) {
        size_t len = strlen(f->d_name);
        if (len > 4 && strcmp(f->d_name + len - 4, ".png") == 0 && !written_by_run(r, f->d_name))
            other++;
    }
    closedir(d);
    return other;
}
