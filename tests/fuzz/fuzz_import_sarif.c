/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the sarif importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_sarif/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_SARIF
#include "fuzz_import.h"
