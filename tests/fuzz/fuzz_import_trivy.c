/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the trivy importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_trivy/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_TRIVY
#include "fuzz_import.h"
