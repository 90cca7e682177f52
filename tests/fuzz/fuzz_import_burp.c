/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the burp importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_burp/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_BURP
#include "fuzz_import.h"
