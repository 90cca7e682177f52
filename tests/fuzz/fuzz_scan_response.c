/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the response parsing the scanner's checks do on hostile answers: JWT
 * splitting and base64url decoding (tokens come back from login answers), the evidence
 * signatures (SQL errors, `id` output, passwd lines, stack traces), echo stripping and the JSON
 * comparisons used to judge two answers alike, and the reading of login answers (a token, or a
 * 2xx that says it failed). The first byte picks a token value or a body;
 * the rest is the input. Invariants: decoding never overruns, stripping never grows the text,
 * a value always compares alike with itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "scan/checks/checks_int.h"
#include "scan/scan_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scan scan;
    struct check_jwt jwt;
    char *text;
    json_t *j;
    size_t n;

    if (size < 1 || size > 64 * 1024)
        return 0;
    memset(&scan, 0, sizeof(scan));
    scan.arena = arena_new();
    text = arena_strndup(scan.arena, (const char *)data + 1, size - 1);

    if (check_jwt_parse(&scan, text, &jwt) == 0) {
        CHECK(json_is_object(jwt.header) && json_is_object(jwt.claims));
        CHECK(jwt.signature != NULL);
    }
    if (check_b64url_decode(&scan, text, &n)) {
        char *again = check_b64url_encode(&scan, check_b64url_decode(&scan, text, &n), n);

        CHECK(again != NULL && strlen(again) <= strlen(text) + 3);
    }

    (void)check_sql_error_in(text);
    (void)check_has_id_output(text);
    (void)check_has_passwd_line(text);
    (void)check_stack_trace_in(text);

    if (data[0] & 1) {
        /* Strip a needle taken from the input's own first bytes. */
        size_t cut = size > 9 ? 8 : size - 1;
        const char *needles[2] = {arena_strndup(scan.arena, text, cut), "' OR '1'='1' -- "};
        char *stripped = check_strip_echo(&scan, text, needles, 2);

        CHECK(strlen(stripped) <= strlen(text));
    }

    j = json_loadb(text, strlen(text), JSON_DECODE_ANY, NULL);
    if (j) {
        CHECK(check_json_shape_similarity(j, j) >= 0.999);
        if (json_is_string(j))
            CHECK(check_json_has_value(j, json_string_value(j)));
        (void)check_json_has_value(j, "alice");
        (void)check_json_text(&scan, j);
        (void)check_answer_is_failure(j);
        json_decref(j);
    }
    /* A login answer: the token it grants, if any (no identity logs in, so by member name). */
    {
        struct probe_response r = {.status = 200, .body = text, .body_len = strlen(text)};
        const char *token = check_login_token(&scan, &r);

        CHECK(!token || strlen(token) >= 16);
    }
    for (size_t i = 0; i < scan.n_json_refs; i++)
        json_decref(scan.json_refs[i]);
    free(scan.json_refs);
    arena_free(scan.arena);
    return 0;
}
