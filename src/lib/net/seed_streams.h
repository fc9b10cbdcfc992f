/* seed_streams.h - the streams one --seed feeds (seeds.h tells how).
 * Each use draws from its own stream of the same seed, so e.g. the pairs
 * do not change when the training draws more or fewer numbers. A header
 * of its own so that model.c can name its stream without seeds.h (which
 * needs model.h). */
#ifndef SIAMESE_SEED_STREAMS_H
#define SIAMESE_SEED_STREAMS_H

#define SEED_DEFAULT 42

enum {
    SEED_STREAM_TRAIN_PAIRS = 1, /* negative partners of the training pairs */
    SEED_STREAM_TEST_PAIRS = 2,  /* negative partners of the test pairs */
    SEED_STREAM_SUBSET = 3,      /* --train-pairs subset */
    SEED_STREAM_SHOW = 4,        /* which pairs show-pairs draws */
    SEED_STREAM_TRAINING = 5,    /* initial weights, shuffling, dropout */
    SEED_STREAM_HOLDOUT = 6,     /* the tenth of a plain folder held out */
    SEED_STREAM_VAL_AUGMENT = 7, /* the key of the validation pairs' augmentations */
};

#endif
