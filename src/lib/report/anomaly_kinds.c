/* anomaly_kinds.c - the table of anomaly scores (anomaly_kind.h). */
#include "anomaly_kind.h"

const anomaly_kind anomaly_kinds[] = {
    {"knn", 1, anomaly_score_knn, 0},
    {"centroid", 0, anomaly_score_centroid, 0},
    {"patch", 0, NULL, 1}, /* patch.h */
};

const size_t anomaly_n_kinds = sizeof anomaly_kinds / sizeof *anomaly_kinds;
