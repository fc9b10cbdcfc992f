/* test_pairs.c - the notebook's pair builder on the real data: counts,
 * alternation, same/different classes, the exact positive structure,
 * seeding; and its errors on degenerate label sets. */
#include "check.h"
#include "dataset.h"
#include "pairs.h"
#include "seeds.h"

static void check_structure(const char *name, const split_t *s, const pairs_t *p, size_t want)
{
    CHECK(p->n == want, "%s: %zu pairs, want %zu", name, p->n, want);
    size_t bad_alt = 0, bad_pos = 0, bad_neg = 0, bad_next = 0;
    for (size_t i = 0; i < p->n; i++) {
        int same = s->labels[p->left[i]] == s->labels[p->right[i]];
        if (p->same[i] != (i % 2 == 0))
            bad_alt++;
        if (p->same[i] && !same)
            bad_pos++;
        if (!p->same[i] && same)
            bad_neg++;
        /* A positive pairs an image with the next image of its class; the
         * following negative starts from the same left image. */
        if (p->same[i]) {
            for (uint32_t j = p->left[i] + 1; j < p->right[i]; j++)
                if (s->labels[j] == s->labels[p->left[i]])
                    bad_next++;
            if (p->right[i] <= p->left[i] || p->left[i + 1] != p->left[i])
                bad_next++;
        }
    }
    CHECK(bad_alt == 0, "%s: %zu pairs break the positive/negative alternation", name, bad_alt);
    CHECK(bad_pos == 0, "%s: %zu positives across classes", name, bad_pos);
    CHECK(bad_neg == 0, "%s: %zu negatives within a class", name, bad_neg);
    CHECK(bad_next == 0, "%s: %zu positives not (idx[c][i], idx[c][i+1])", name, bad_next);
}

int main(void)
{
    const char *dir = check_data_dir();
    dataset_t ds;
    sm_err e;
    if (dataset_load(dir, &ds, &e) != 0) {
        fprintf(stderr, "FAIL: %s\n", e.msg);
        return 1;
    }
    pairs_t tr, te, tr2, te2, tr3, te3;
    CHECK(seeds_build_pairs(&ds, 42, &tr, &te, &e) == 0, "%s", e.msg);
    check_structure("train", &ds.train, &tr, 119980);
    check_structure("test", &ds.test, &te, 19980);

    CHECK(seeds_build_pairs(&ds, 42, &tr2, &te2, &e) == 0, "%s", e.msg);
    CHECK(memcmp(tr.right, tr2.right, tr.n * 4) == 0 && memcmp(te.right, te2.right, te.n * 4) == 0,
          "same seed must give the same pairs");
    CHECK(seeds_build_pairs(&ds, 43, &tr3, &te3, &e) == 0, "%s", e.msg);
    size_t pos_diff = 0, neg_diff = 0;
    for (size_t i = 0; i < tr.n; i++) {
        if (tr.right[i] != tr3.right[i] && tr.same[i])
            pos_diff++;
        else if (tr.right[i] != tr3.right[i])
            neg_diff++;
    }
    CHECK(pos_diff == 0, "positives must not depend on the seed (%zu differ)", pos_diff);
    /* k is uniform over 9 values: about 8/9 of negatives change partner. */
    CHECK(neg_diff > tr.n / 2 * 8 / 10, "another seed changed only %zu of %zu negatives",
          neg_diff, tr.n / 2);
    /* Partner classes are spread over all 9 offsets. */
    size_t offs[10] = {0};
    for (size_t i = 1; i < tr.n; i += 2)
        offs[(ds.train.labels[tr.right[i]] + 10 - ds.train.labels[tr.left[i]]) % 10]++;
    for (int k = 1; k < 10; k++)
        CHECK(offs[k] > tr.n / 2 / 9 * 9 / 10 && offs[k] < tr.n / 2 / 9 * 11 / 10,
              "offset %d drawn %zu times", k, offs[k]);

    /* Subset: the requested size, seeded, in the original order. */
    rng_t r1, r2;
    rng_seed(&r1, 9, SEED_STREAM_SUBSET);
    rng_seed(&r2, 9, SEED_STREAM_SUBSET);
    pairs_subset(&tr2, 1000, &r1);
    pairs_t tr4, te4;
    pairs_free(&te3);
    CHECK(seeds_build_pairs(&ds, 42, &tr4, &te4, &e) == 0, "%s", e.msg);
    pairs_free(&te4);
    pairs_subset(&tr4, 1000, &r2);
    CHECK(tr2.n == 1000 && tr4.n == 1000, "subset sizes %zu %zu", tr2.n, tr4.n);
    CHECK(memcmp(tr2.left, tr4.left, 4000) == 0, "subset is not reproducible");
    int ordered = 1;
    for (size_t i = 1; i < tr2.n; i++)
        ordered &= tr2.left[i] >= tr2.left[i - 1] || ds.train.labels[tr2.left[i]] !=
                                                         ds.train.labels[tr2.left[i - 1]];
    CHECK(ordered, "subset must keep the original order");

    /* Degenerate labels. */
    pairs_t bad;
    const uint16_t one_class[] = {0, 0, 0, 0};
    CHECK(pairs_build(one_class, 4, 1, &r1, &bad, &e) == -1 && strstr(e.msg, "two classes"),
          "one class: %s", e.msg);
    const uint16_t lonely[] = {0, 0, 1, 0};
    CHECK(pairs_build(lonely, 4, 2, &r1, &bad, &e) == -1 && strstr(e.msg, "class 1 has 1"),
          "class with one image: %s", e.msg);
    const uint16_t missing[] = {0, 0, 0, 0};
    CHECK(pairs_build(missing, 4, 2, &r1, &bad, &e) == -1 && strstr(e.msg, "class 1 has 0"),
          "class with no image: %s", e.msg);
    const uint16_t out_of_range[] = {0, 5, 1, 0};
    CHECK(pairs_build(out_of_range, 4, 2, &r1, &bad, &e) == -1 && strstr(e.msg, "label 5"),
          "label out of range: %s", e.msg);
    const uint16_t tiny[] = {1, 0, 0, 1, 1};
    CHECK(pairs_build(tiny, 5, 2, &r1, &bad, &e) == 0 && bad.n == 4, "tiny set");
    if (bad.n == 4)
        CHECK(bad.left[0] == 1 && bad.right[0] == 2 && bad.right[1] == 0 && bad.left[2] == 0 &&
                  bad.right[2] == 3,
              "tiny set pairs wrong");
    pairs_free(&bad);

    pairs_free(&tr);
    pairs_free(&te);
    pairs_free(&tr2);
    pairs_free(&te2);
    pairs_free(&tr3);
    pairs_free(&tr4);
    dataset_free(&ds);
    return check_done("pairs");
}
