/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the zap_json importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_zap_json/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_ZAP_JSON
#include "fuzz_import.h"
