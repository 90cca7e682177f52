/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the zap_xml importer (src/import/), over arbitrary bytes; seeds in
 * tests/fuzz/corpus/import_zap_xml/ are the sample reports of tests/import/samples/. */
#define FUZZ_IMPORT_FORMAT IMPORT_ZAP_XML
#include "fuzz_import.h"
