/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the nessus importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_nessus/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_NESSUS
#include "fuzz_import.h"
