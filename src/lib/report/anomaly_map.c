/* anomaly_map.c - an anomaly map as a picture; see anomaly_map.h. */
#include "anomaly_map.h"

#include <stdio.h>

static uint8_t ramp(float v)
{
    return (uint8_t)(v <= 0 ? 0 : v >= 1 ? 255 : (int)(v * 255.0f + 0.5f));
}

rgb_t anomaly_map_colour(float t)
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return (rgb_t){ramp(3 * t), ramp(3 * t - 1), ramp(3 * t - 2)};
}

rgb_t anomaly_map_mix(uint8_t g, float v, float top)
{
    rgb_t k = anomaly_map_colour(v / top);
    return (rgb_t){(uint8_t)(0.45f * g + 0.55f * k.r + 0.5f), (uint8_t)(0.45f * g + 0.55f * k.g + 0.5f),
                   (uint8_t)(0.45f * g + 0.55f * k.b + 0.5f)};
}

int anomaly_map_render(canvas_t *c, const uint8_t *grey, const float *map, int h, int w,
                       float top, int scale, sm_err *e)
{
    const int pad = 4, ts = 1, line = canvas_text_height(ts) + 2, bar = 6;
    char hi[32];
    snprintf(hi, sizeof hi, "%.4g", top);
    int W = w * scale, min_w = canvas_text_width("0", ts) + canvas_text_width(hi, ts) + 3 * pad;
    int CW = (W > min_w ? W : min_w) + 2 * pad;
    if (canvas_init(c, CW, h * scale + bar + line + 4 * pad, (rgb_t){255, 255, 255}, e) != 0)
        return -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            canvas_fill(c, pad + x * scale, pad + y * scale, scale, scale,
                        anomaly_map_mix(grey[y * w + x], map[y * w + x], top));
    int by = 2 * pad + h * scale, bw = CW - 2 * pad;
    for (int x = 0; x < bw; x++)
        canvas_fill(c, pad + x, by, 1, bar, anomaly_map_colour((float)x / (float)(bw - 1)));
    canvas_text(c, pad, by + bar + 2, "0", ts, (rgb_t){20, 20, 20});
    canvas_text(c, CW - pad - canvas_text_width(hi, ts), by + bar + 2, hi, ts,
                (rgb_t){20, 20, 20});
    return 0;
}
