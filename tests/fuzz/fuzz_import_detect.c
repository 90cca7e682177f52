/* SPDX-License-Identifier: MIT */
/* libFuzzer target for format detection, then the detected parser (src/import/), over arbitrary
 * bytes; seeds in tests/fuzz/corpus/import_detect/ are the sample reports of tests/import/samples/.
 */
#define FUZZ_IMPORT_DETECT 1
#include "fuzz_import.h"
