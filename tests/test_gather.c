/* test_gather.c - the batch gather turns image bytes into exactly the
 * notebook's float32 x / 255 for every byte value, copies the right images
 * in the right order, and leaves nothing else touched. */
#include "check.h"
#include "embed.h"

int main(void)
{
    enum { P = 256, N = 3 };
    uint8_t images[N * P];
    for (int i = 0; i < N; i++)
        for (int v = 0; v < P; v++)
            images[i * P + v] = (uint8_t)(i == 1 ? v : 255 - v);
    float x[2 * P + 1];
    x[2 * P] = -7.0f; /* sentinel after the last row */
    const uint32_t idx[2] = {1, 2};
    gather_images(x, images, P, idx, 2);
    int exact = 1, order = 1;
    for (int v = 0; v < P; v++) {
        exact &= x[v] == (float)v / 255.0f;                 /* image 1: bytes 0..255 */
        order &= x[P + v] == (float)(255 - v) / 255.0f;     /* image 2, second row */
    }
    CHECK(exact, "some byte value does not become exactly (float)v / 255.0f");
    CHECK(order, "the second row is not image 2");
    CHECK(x[0] == 0.0f && x[255] == 1.0f, "0 -> %g, 255 -> %g", x[0], x[255]);
    CHECK(x[2 * P] == -7.0f, "gather wrote past its rows");
    return check_done("gather");
}
