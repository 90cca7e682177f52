/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the csv importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_csv/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_CSV
#include "fuzz_import.h"
