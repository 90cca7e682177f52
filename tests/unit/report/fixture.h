/* SPDX-License-Identifier: MIT */
/* The report tests' shared fixture: a scan report whose findings carry hostile strings (quotes,
 * markup, newlines, invalid UTF-8, commas, spreadsheet formulas, backtick fences), an empty
 * report, and helpers to render one and to check a file with Debian's python3 (for the XML and
 * HTML parsers the C side does not link). Included by each test_*.c of this folder. */
#ifndef VIGIL_TESTS_REPORT_FIXTURE_H
#define VIGIL_TESTS_REPORT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "report/report.h"

#define FIX_HOSTILE_BODY                                                                           \
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"                                           \
    "</pre><script>alert(\"x\")</script><img src=x onerror='alert(1)'>\n"                          \
    "```\n# not a heading\n| a | b |\n"                                                            \
    "bad bytes: \xff\xfe\xc3 end &amp; &lt;\x01\x1b[31m"

static const char *const fix_refs_bola[] = {
    "https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/",
    "javascript:alert(1)",
};
static const char *const fix_refs_sqli[] = {"https://cwe.mitre.org/data/definitions/89.html"};

static const struct finding fix_findings[] = {
    {
        /* [0] -> report position 3 (high, 78, "GET /users/{id}") */
        .id = "find_bola1",
        .project_id = "proj_1",
        .scan_id = "scan_1",
        .title = "Broken object level authorization",
        .severity = SEVERITY_HIGH,
        .status = FINDING_OPEN,
        .confidence = CONFIDENCE_HIGH,
        .description = "User B can read user A's record.\nThe id is not checked.",
        .remediation = "Check that the caller owns the requested object.",
        .cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
        .cvss_score = 6.5,
        .cwe = "CWE-639",
        .owasp = "API1:2023",
        .endpoint = "GET /users/{id}",
        .risk_score = 78,
        .check_id = "bola",
        .evidence = {.request = "GET /users/42 HTTP/1.1\r\nAuthorization: Bearer ****",
                     .response = FIX_HOSTILE_BODY,
                     .notes = "identity B read identity A's object"},
        .references = (const char **)fix_refs_bola,
        .n_references = 2,
        .fingerprint = "fp-bola-users",
        .first_seen = 1768473000,
        .last_seen = 1768473060,
        .created_at = 1768473000,
        .updated_at = 1768473060,
    },
    {
        /* [1] -> position 1 (critical) */
        .id = "find_sqli",
        .project_id = "proj_1",
        .scan_id = "scan_1",
        .title = "SQL injection in \"name\" <script>alert('x')</script>",
        .severity = SEVERITY_CRITICAL,
        .status = FINDING_CONFIRMED,
        .confidence = CONFIDENCE_MEDIUM,
        .description = "Error-based, boolean, and timing differentials agree, 3 of 3.\n"
                       "1. first\n- second\n> third",
        .remediation = "Use prepared statements, never string concatenation.",
        .cvss_score = -1,
        .cwe = "CWE-89",
        .owasp = "API8:2023",
        .endpoint = "POST /search",
        .risk_score = 95,
        .check_id = "sqli",
        .evidence = {.request = "POST /search HTTP/1.1\r\n\r\n{\"name\":\"' OR 1=1 --\"}",
                     .response = "HTTP/1.1 500\r\n\r\nsyntax error at or near \"OR\""},
        .references = (const char **)fix_refs_sqli,
        .n_references = 1,
        .fingerprint = "fp-sqli",
    },
    {
        /* [2] -> position 4 (medium): the second finding of rule "bola" */
        .id = "find_bola2",
        .title = "Broken object level authorization",
        .severity = SEVERITY_MEDIUM,
        .confidence = CONFIDENCE_LOW,
        .cvss_score = -1,
        .cwe = "CWE-639",
        .owasp = "API1:2023",
        .endpoint = "DELETE /users/{id}",
        .risk_score = 50,
        .check_id = "bola",
        .fingerprint = "fp-bola-delete",
    },
    {
        /* [3] -> position 5 (low): formula injection in text cells */
        .id = "find_hdr",
        .title = "=cmd|' /C calc'!A0",
        .severity = SEVERITY_LOW,
        .confidence = CONFIDENCE_HIGH,
        .description = "-2+3, \"quoted\", comma",
        .cvss_score = -1,
        .cwe = "CWE-693",
        .owasp = "@API8:2023",
        .endpoint = "GET /",
        .risk_score = 20,
        .check_id = "headers",
        .fingerprint = "\x01=HYPERLINK(\"http://127.0.0.1/\")",
    },
    {
        /* [4] -> position 6 (info): manual, triaged, no endpoint */
        .id = "find_manual",
        .title = "+SUM(1,2)",
        .severity = SEVERITY_INFO,
        .status = FINDING_ACCEPTED,
        .cvss_score = -1,
        .risk_score = 5,
        .description = "Entered by hand.",
    },
    {
        /* [5] -> position 2 (high, 78, "GET /aaa" sorts before "GET /users/{id}") */
        .id = "find_jwt",
        .title = "JWT accepted with alg none",
        .severity = SEVERITY_HIGH,
        .confidence = CONFIDENCE_HIGH,
        .cvss_score = -1,
        .cwe = "CWE-347",
        .owasp = "API2:2023",
        .endpoint = "GET /aaa",
        .risk_score = 78,
        .check_id = "jwt_alg_none",
        .evidence = {.request =
                         "GET /aaa HTTP/1.1\r\nAuthorization: Bearer eyJhbGciOiJub25lIn0.e30."},
        .fingerprint = "fp-jwt",
    },
};

#define FIX_N_FINDINGS (sizeof(fix_findings) / sizeof(fix_findings[0]))

/* Report order of fix_findings by id. */
static const char *const fix_order[] = {"find_sqli",  "find_jwt", "find_bola1",
                                        "find_bola2", "find_hdr", "find_manual"};

static const char *const fix_checks[] = {"bola", "sqli", "headers", "jwt_alg_none", "rate_limit"};

/* Requests per check of fix_checks, then planning: 20+100+60+5+36+100 = 321. */
static const size_t fix_check_requests[] = {20, 100, 60, 5, 36, 100};

static const struct report_input fix_input = {
    .title = "vigil scan of http://127.0.0.1:9000 <b>\"&'",
    .scan_id = "scan_1",
    .target = "http://127.0.0.1:9000/",
    .spec_title = "Fixture API",
    .tool_version = "9.9.9",
    .started_at = 1768473000,
    .finished_at = 1768473090,
    .endpoints_discovered = 12,
    .endpoints_tested = 9,
    .requests_sent = 321,
    .incomplete = true,
    .stop_reason = "max_requests reached",
    .checks_run = fix_checks,
    .n_checks_run = 5,
    .check_requests = fix_check_requests,
    .findings = fix_findings,
    .n_findings = FIX_N_FINDINGS,
};

static const struct report_input fix_empty = {
    .title = "vigil scan of http://127.0.0.1:9000",
    .target = "http://127.0.0.1:9000",
    .tool_version = "9.9.9",
    .checks_run = fix_checks,
    .n_checks_run = 2,
};

/* Renders in as f, asserting success; returns the text (free() it). */
static inline char *
fix_render(enum report_format f, const struct report_input *in, size_t *len /* out */)
{
    struct err err = {0};
    struct buf out;

    buf_init(&out, 1 << 22);
    assert_int_equal(report_render(f, in, &out, &err), 0);
    assert_int_equal(err.code, ERR_OK);
    assert_false(out.overflow);
    return buf_take(&out, len);
}

/* Writes text to path (fatal on failure). */
static inline void
fix_write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

#define FIX_PYTHON "/usr/bin/python3"

/* A checker (python3, the SARIF validator) is missing. A developer's plain ctest run skips the
 * test; `make test` sets VIGIL_REQUIRE_CHECKERS=1 after installing the checkers, so there a
 * missing checker is a failure, never a silent skip. */
static inline void
fix_checker_missing(const char *what)
{
    const char *require = getenv("VIGIL_REQUIRE_CHECKERS");

    if (require && strcmp(require, "1") == 0)
        fail_msg("%s is missing and VIGIL_REQUIRE_CHECKERS=1", what);
    skip();
}

/* Runs python3 -c script path; returns its exit status, or -1 if python3 is missing. */
static inline int
fix_python(const char *script, const char *path)
{
    pid_t pid;
    int status;

    if (access(FIX_PYTHON, X_OK) != 0)
        return -1;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(FIX_PYTHON, FIX_PYTHON, "-c", script, path, (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Number of non-overlapping occurrences of needle in hay. */
static inline size_t
fix_count(const char *hay, const char *needle)
{
    size_t n = 0, k = strlen(needle);

    for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle))
        n++;
    return n;
}

#endif
