/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the nuclei importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_nuclei/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_NUCLEI
#include "fuzz_import.h"
