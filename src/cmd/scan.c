/* SPDX-License-Identifier: MIT */
/* `vigil scan URL --spec FILE|URL ...`: one scan from the command line, no server. It loads the
 * spec (file or URL), runs the engine, renders the report through report/ to a file or stdout,
 * and turns the outcome into an exit status a CI job can gate on: 0 clean, 1 a finding at or
 * above --fail-on, 2 a usage, spec or target error (with one clear line on stderr). */
#include "cmd/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/id.h"
#include "core/str.h"
#include "report/report.h"
#include "scan/scan.h"
#include "spec/spec.h"

#define SCAN_EXIT_CLEAN    0
#define SCAN_EXIT_FINDINGS 1
#define SCAN_EXIT_ERROR    2
#define SCAN_REPORT_MAX    (512u * 1024 * 1024)

static volatile int scan_cancelled;

static void
on_signal(int sig)
{
    (void)sig;
    scan_cancelled = 1;
}

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: vigil scan URL --spec FILE|URL [options]\n"
            "\n"
            "Scans the API at URL, described by an OpenAPI 3.x or Swagger 2.0 document (JSON or\n"
            "YAML, a file or an http(s) URL), and writes a report.\n"
            "\n"
            "options (each also read from the environment variable shown):\n"
            "  --spec FILE|URL        the API description (VIGIL_SCAN_SPEC)\n"
            "  --auth AUTH            identity A (VIGIL_SCAN_AUTH)\n"
            "  --auth2 AUTH           identity B, for authorization checks (VIGIL_SCAN_AUTH2)\n"
            "  --concurrency N        requests in flight, 1-1024 (default 5)\n"
            "  --timeout SECONDS      per request (default 30)\n"
            "  --rate-limit N         requests per second over the scan, 0 = none (default 0)\n"
            "  --max-requests N       never send more than N requests (default 100000)\n"
            "  --budget SECONDS       stop after this long, 0 = none (default 0)\n"
            "  --exclude GLOB         skip paths matching GLOB, e.g. '/api/v1/payments/*'\n"
            "                         (repeatable; with or without the spec's base path)\n"
            "  --checks a,b           run only these checks (see --list-checks)\n"
            "  --skip-checks a,b      run all checks but these\n"
            "  --allow-destructive    also exercise DELETE/reset-like operations on data the\n"
            "                         scan did not create (default: only on its own)\n"
            "  --fail-on SEV          exit 1 if a finding is at or above SEV: critical, high,\n"
            "                         medium, low, info, or none to never fail (default high)\n"
            "  --format FMT           json, sarif, markdown, html or junit. Default: taken from\n"
            "                         the -o file's extension (.json .sarif .md .html .xml),\n"
            "                         else markdown on a terminal and json otherwise\n"
            "  -o, --output FILE      write the report to FILE instead of stdout\n"
            "  -q, --quiet            no progress line and no summary on stderr\n"
            "  -v, --verbose          also print the requests each check sent\n"
            "  --list-checks          print the checks and exit\n"
            "  -h, --help             this text\n"
            "(VIGIL_SCAN_CONCURRENCY, _TIMEOUT, _RATE_LIMIT, _MAX_REQUESTS, _BUDGET, _FAIL_ON,\n"
            " _FORMAT, _CHECKS, _SKIP_CHECKS and _EXCLUDE (comma-separated globs) work the same\n"
            " way; a flag wins.)\n"
            "\n"
            "AUTH is one of:\n"
            "  none\n"
            "  bearer:TOKEN                        Authorization: Bearer TOKEN\n"
            "  header:NAME:VALUE                   any header, e.g. header:X-API-Key:abc\n"
            "  basic:USER:PASS                     HTTP basic authentication\n"
            "  oauth2:TOKEN_URL:CLIENT_ID:CLIENT_SECRET[:SCOPE]\n"
            "                                      OAuth2 client credentials (the secret may\n"
            "                                      not contain ':' when a scope follows)\n"
            "  login:URL:JSON_BODY:JSON_POINTER    POST JSON_BODY to URL (absolute, or a path\n"
            "                                      under the target) and use the string at\n"
            "                                      JSON_POINTER of the answer as a bearer token,\n"
            "                                      e.g. login:/auth/login:{\"username\":\"a\",\n"
            "                                      \"password\":\"b\"}:/access_token\n"
            "Credentials never appear in reports: evidence masks them.\n"
            "\n"
            "exit status: 0 no finding at or above --fail-on, 1 at least one, 2 usage error,\n"
            "unloadable spec, unreachable target, failed login or interrupt. A scan cut short\n"
            "by --budget or --max-requests still exits 0 or 1 by its findings, and says it is\n"
            "incomplete on stderr and in the report.\n");
    fprintf(out, "\nchecks:");
    for (size_t i = 0; i < scan_check_count(); i++)
        fprintf(out, "%s%s", i == 0 ? "\n  " : i % 6 == 0 ? ",\n  " : ", ", scan_check_id(i));
    fprintf(out, "\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "vigil scan: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'vigil scan --help' for usage.\n");
    return SCAN_EXIT_ERROR;
}

/* ---- parsing flag values ------------------------------------------------------------------- */

static int
parse_uint(const char *s, long long min, long long max, long long *out)
{
    return s ? str_to_ll(s, min, max, out) : -1;
}

/* Splits "a,b,c" into a NULL-terminated arena list. */
static const char *const *
split_list(struct arena *a, const char *s, size_t *n)
{
    char **parts = str_split(a, s, ',', n);
    size_t k = 0;

    for (size_t i = 0; i < *n; i++) {
        if (!str_empty(parts[i]))
            parts[k++] = parts[i];
    }
    parts[k] = NULL;
    *n = k;
    return (const char *const *)parts;
}

/* End of a URL inside "URL:rest": the ':' after the URL's path starts (absolute URLs), or the
 * first ':' (paths). NULL when there is no such ':'. */
static char *
url_end(char *s)
{
    char *p = s;

    if (str_has_prefix(s, "http://") || str_has_prefix(s, "https://")) {
        /* Not a URL parse (curl_url cannot tell where a URL ends inside "URL:rest"): the
         * authority ends at the first '/' after the scheme. */
        p = strchr(s + strlen(str_has_prefix(s, "http://") ? "http://" : "https://"), '/');
        if (!p)
            return NULL;
    }
    return strchr(p, ':');
}

/* AUTH syntax (see usage). Strings are arena copies; returns 0, or -1 with a message. */
static int
parse_auth(struct arena *a, const char *flag, const char *text, struct scan_auth *out)
{
    char *s = arena_strdup(a, text);
    char *rest = strchr(s, ':');
    char *p;

    memset(out, 0, sizeof(*out));
    if (str_eq(s, "none")) {
        out->type = SCAN_AUTH_NONE;
        return 0;
    }
    if (!rest)
        goto bad;
    *rest++ = '\0';
    if (str_eq(s, "bearer") && *rest) {
        out->type = SCAN_AUTH_BEARER;
        out->token = rest;
        return 0;
    }
    if (str_eq(s, "header") && (p = strchr(rest, ':')) && p != rest) {
        *p = '\0';
        out->type = SCAN_AUTH_HEADER;
        out->header_name = rest;
        out->header_value = p + 1;
        return 0;
    }
    if (str_eq(s, "basic") && (p = strchr(rest, ':')) && p != rest) {
        *p = '\0';
        out->type = SCAN_AUTH_BASIC;
        out->username = rest;
        out->password = p + 1;
        return 0;
    }
    if (str_eq(s, "oauth2") && (p = url_end(rest))) {
        char *secret;
        char *scope;

        *p++ = '\0';
        out->type = SCAN_AUTH_OAUTH2;
        out->oauth2_token_url = rest;
        secret = strchr(p, ':');
        if (!secret || secret == p)
            goto bad;
        *secret++ = '\0';
        out->oauth2_client_id = p;
        scope = strchr(secret, ':');
        if (scope)
            *scope++ = '\0';
        out->oauth2_client_secret = secret;
        out->oauth2_scope = scope;
        return 0;
    }
    if (str_eq(s, "login") && (p = url_end(rest))) {
        char *ptr;

        *p++ = '\0';
        ptr = strrchr(p, ':');
        if (!ptr || ptr == p)
            goto bad;
        *ptr++ = '\0';
        out->type = SCAN_AUTH_LOGIN;
        out->login_url = rest;
        out->login_body = p;
        out->login_token_pointer = ptr;
        return 0;
    }
bad:
    fprintf(stderr,
            "vigil scan: invalid %s value (expected none, bearer:TOKEN, header:NAME:VALUE, "
            "basic:USER:PASS, oauth2:TOKEN_URL:CLIENT_ID:CLIENT_SECRET[:SCOPE] or "
            "login:URL:JSON_BODY:JSON_POINTER)\nRun 'vigil scan --help' for usage.\n",
            flag);
    return -1;
}

static const char *
env_or(const char *flag_value, const char *env)
{
    const char *v;

    if (flag_value)
        return flag_value;
    v = getenv(env);
    return v && *v ? v : NULL;
}

/* The format when --format is absent: the output file's extension, else the terminal decides. */
static enum report_format
default_format(const char *output)
{
    static const struct {
        const char *ext;
        enum report_format f;
    } by_ext[] = {{".json", REPORT_JSON},   {".sarif", REPORT_SARIF},
                  {".md", REPORT_MARKDOWN}, {".markdown", REPORT_MARKDOWN},
                  {".html", REPORT_HTML},   {".htm", REPORT_HTML},
                  {".xml", REPORT_JUNIT}};

    if (output) {
        for (size_t i = 0; i < sizeof(by_ext) / sizeof(by_ext[0]); i++) {
            if (str_has_suffix(output, by_ext[i].ext))
                return by_ext[i].f;
        }
        return REPORT_JSON;
    }
    return isatty(STDOUT_FILENO) ? REPORT_MARKDOWN : REPORT_JSON;
}

/* ---- progress and summary ---------------------------------------------------------------------
 */

static void
on_progress(const struct scan_progress *p, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "\r\033[K  scanning: %zu/%zu endpoints, %zu requests, %zu findings",
            p->endpoints_tested, p->endpoints_discovered, p->requests_sent, p->findings);
    fflush(stderr);
}

/* --verbose: what each check cost, so a slow or noisy check is visible. */
static void
print_check_requests(const struct scan_result *r)
{
    if (!r->check_requests)
        return;
    fprintf(stderr, "vigil scan: requests by check: planning %zu",
            r->check_requests[r->n_checks_run]);
    for (size_t i = 0; i < r->n_checks_run; i++)
        fprintf(stderr, ", %s %zu", r->checks_run[i], r->check_requests[i]);
    fprintf(stderr, "\n");
}

static void
summary(const struct scan_result *r, double seconds, const char *output)
{
    size_t counts[SEVERITY_COUNT] = {0};
    bool first = true;

    for (size_t i = 0; i < r->n_findings; i++)
        counts[r->findings[i].severity]++;
    fprintf(stderr, "vigil scan: %zu endpoints, %zu requests, %zu findings",
            r->progress.endpoints_tested, r->progress.requests_sent, r->n_findings);
    for (int s = SEVERITY_CRITICAL; s >= SEVERITY_INFO; s--) {
        if (!counts[s])
            continue;
        fprintf(stderr, "%s%zu %s", first ? " (" : ", ", counts[s], severity_name(s));
        first = false;
    }
    fprintf(stderr, "%s in %.1f s%s%s\n", first ? "" : ")", seconds,
            output ? "; report written to " : "", output ? output : "");
    if (r->n_created_resources) {
        /* The target now holds data the scan made: say what, so it can be cleaned up. */
        fprintf(stderr, "vigil scan: created %zu resource%s on the target:", r->n_created_resources,
                r->n_created_resources == 1 ? "" : "s");
        for (size_t i = 0; i < r->n_created_resources && i < 5; i++)
            fprintf(stderr, "%s %s", i ? "," : "", r->created_resources[i]);
        fprintf(stderr, "%s\n", r->n_created_resources > 5 ? ", ..." : "");
    }
    if (r->incomplete)
        fprintf(stderr, "vigil scan: warning: the scan is incomplete (%s)\n",
                r->stop_reason ? r->stop_reason : "stopped early");
}

static void
print_error(const char *what, const struct err *err)
{
    fprintf(stderr, "vigil scan: %s%s\n", what, err->detail);
    for (int i = 0; i < err->n_fields; i++)
        fprintf(stderr, "  %s: %s\n", err->fields[i].field, err->fields[i].message);
}

/* ---- the command ---------------------------------------------------------------------------- */

enum {
    OPT_SPEC = 256,
    OPT_AUTH,
    OPT_AUTH2,
    OPT_CONCURRENCY,
    OPT_TIMEOUT,
    OPT_RATE,
    OPT_MAX_REQUESTS,
    OPT_BUDGET,
    OPT_EXCLUDE,
    OPT_CHECKS,
    OPT_SKIP_CHECKS,
    OPT_DESTRUCTIVE,
    OPT_FAIL_ON,
    OPT_FORMAT,
    OPT_LIST_CHECKS,
};

struct scan_flags {
    const char *target, *spec, *auth, *auth2, *concurrency, *timeout, *rate, *max_requests, *budget,
        *checks, *skip_checks, *fail_on, *format, *output;
    const char **exclude;
    size_t n_exclude;
    bool destructive, quiet, verbose, list_checks, help;
};

static int
parse_flags(struct arena *a, int argc, char **argv, struct scan_flags *f)
{
    static const struct option longopts[] = {
        {"spec", required_argument, NULL, OPT_SPEC},
        {"auth", required_argument, NULL, OPT_AUTH},
        {"auth2", required_argument, NULL, OPT_AUTH2},
        {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"rate-limit", required_argument, NULL, OPT_RATE},
        {"max-requests", required_argument, NULL, OPT_MAX_REQUESTS},
        {"budget", required_argument, NULL, OPT_BUDGET},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"checks", required_argument, NULL, OPT_CHECKS},
        {"skip-checks", required_argument, NULL, OPT_SKIP_CHECKS},
        {"allow-destructive", no_argument, NULL, OPT_DESTRUCTIVE},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"list-checks", no_argument, NULL, OPT_LIST_CHECKS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    memset(f, 0, sizeof(*f));
    f->exclude = arena_calloc(a, (size_t)argc + 1, sizeof(char *));
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qvh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SPEC:
            f->spec = optarg;
            break;
        case OPT_AUTH:
            f->auth = optarg;
            break;
        case OPT_AUTH2:
            f->auth2 = optarg;
            break;
        case OPT_CONCURRENCY:
            f->concurrency = optarg;
            break;
        case OPT_TIMEOUT:
            f->timeout = optarg;
            break;
        case OPT_RATE:
            f->rate = optarg;
            break;
        case OPT_MAX_REQUESTS:
            f->max_requests = optarg;
            break;
        case OPT_BUDGET:
            f->budget = optarg;
            break;
        case OPT_EXCLUDE:
            f->exclude[f->n_exclude++] = optarg;
            break;
        case OPT_CHECKS:
            f->checks = optarg;
            break;
        case OPT_SKIP_CHECKS:
            f->skip_checks = optarg;
            break;
        case OPT_DESTRUCTIVE:
            f->destructive = true;
            break;
        case OPT_FAIL_ON:
            f->fail_on = optarg;
            break;
        case OPT_FORMAT:
            f->format = optarg;
            break;
        case 'o':
            f->output = optarg;
            break;
        case 'q':
            f->quiet = true;
            break;
        case 'v':
            f->verbose = true;
            break;
        case OPT_LIST_CHECKS:
            f->list_checks = true;
            break;
        case 'h':
            f->help = true;
            break;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt && optopt < 256) {
                char flag[3] = {'-', (char)optopt, '\0'};

                return usage_error("unknown option '%s'", flag);
            }
            return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    for (; optind < argc; optind++) {
        if (f->target)
            return usage_error("unexpected argument '%s'", argv[optind]);
        f->target = argv[optind];
    }
    return 0;
}

/* Flags and environment into scan options. 0, or SCAN_EXIT_ERROR after printing why. */
static int
build_options(struct arena *a, const struct scan_flags *f, struct scan_options *o,
              enum severity *fail_on, bool *never_fail)
{
    const char *v;
    long long n;

    o->target = f->target;
    if ((v = env_or(f->auth, "VIGIL_SCAN_AUTH")) && parse_auth(a, "--auth", v, &o->auth))
        return SCAN_EXIT_ERROR;
    if ((v = env_or(f->auth2, "VIGIL_SCAN_AUTH2")) && parse_auth(a, "--auth2", v, &o->auth2))
        return SCAN_EXIT_ERROR;
    if ((v = env_or(f->concurrency, "VIGIL_SCAN_CONCURRENCY"))) {
        if (parse_uint(v, 1, 1024, &n))
            return usage_error("--concurrency must be an integer from 1 to 1024, not '%s'", v);
        o->concurrency = (unsigned)n;
    }
    if ((v = env_or(f->timeout, "VIGIL_SCAN_TIMEOUT"))) {
        if (parse_uint(v, 1, 3600, &n))
            return usage_error("--timeout must be a number of seconds from 1 to 3600, not '%s'", v);
        o->timeout_ms = (unsigned)(n * 1000);
    }
    if ((v = env_or(f->rate, "VIGIL_SCAN_RATE_LIMIT"))) {
        char *end;
        double r;

        errno = 0;
        r = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(r) || r < 0 || r > 1e6)
            return usage_error("--rate-limit must be a number of requests per second >= 0, "
                               "not '%s'",
                               v);
        o->rate_limit = r;
    }
    if ((v = env_or(f->max_requests, "VIGIL_SCAN_MAX_REQUESTS"))) {
        if (parse_uint(v, 1, 1000000000, &n))
            return usage_error("--max-requests must be a positive integer, not '%s'", v);
        o->max_requests = (size_t)n;
    }
    if ((v = env_or(f->budget, "VIGIL_SCAN_BUDGET"))) {
        if (parse_uint(v, 0, 7 * 24 * 3600, &n))
            return usage_error("--budget must be a number of seconds, not '%s'", v);
        o->budget_seconds = (unsigned)n;
    }
    o->exclude = f->exclude;
    o->n_exclude = f->n_exclude;
    if (!f->n_exclude && (v = env_or(NULL, "VIGIL_SCAN_EXCLUDE")))
        o->exclude = split_list(a, v, &o->n_exclude);
    if ((v = env_or(f->checks, "VIGIL_SCAN_CHECKS")))
        o->checks = split_list(a, v, &o->n_checks);
    if ((v = env_or(f->skip_checks, "VIGIL_SCAN_SKIP_CHECKS")))
        o->skip_checks = split_list(a, v, &o->n_skip_checks);
    o->allow_destructive = f->destructive;
    *fail_on = SEVERITY_HIGH;
    *never_fail = false;
    if ((v = env_or(f->fail_on, "VIGIL_SCAN_FAIL_ON"))) {
        if (str_eq_ci(v, "none"))
            *never_fail = true;
        else if (severity_parse(v, fail_on))
            return usage_error("--fail-on must be critical, high, medium, low, info or none, "
                               "not '%s'",
                               v);
    }
    return 0;
}

static int
write_report(const char *path, const struct buf *b)
{
    FILE *out = path ? fopen(path, "wb") : stdout;
    bool ok;

    if (!out) {
        fprintf(stderr, "vigil scan: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    ok = fwrite(b->data ? b->data : "", 1, b->len, out) == b->len;
    if (path)
        ok = fclose(out) == 0 && ok;
    else
        ok = fflush(out) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "vigil scan: cannot write %s: %s\n", path ? path : "the report",
                strerror(errno));
        return -1;
    }
    return 0;
}

static void
list_checks(void)
{
    for (size_t i = 0; i < scan_check_count(); i++)
        printf("%-20s %s\n", scan_check_id(i), scan_check_title(i));
}

int
cmd_scan(int argc, char **argv)
{
    struct arena *a = arena_new();
    struct scan_flags f;
    struct scan_options o = {0};
    struct scan_result r = {0};
    struct report_input in = {0};
    struct err err = {0};
    struct spec *spec = NULL;
    enum report_format format;
    enum severity fail_on;
    bool never_fail;
    bool progress;
    struct buf report;
    int64_t start;
    int rc = SCAN_EXIT_ERROR;
    const char *v;

    if (parse_flags(a, argc, argv, &f))
        goto out;
    if (f.help) {
        usage(stdout);
        rc = SCAN_EXIT_CLEAN;
        goto out;
    }
    if (f.list_checks) {
        list_checks();
        rc = SCAN_EXIT_CLEAN;
        goto out;
    }
    if (!f.target) {
        usage_error("missing the target URL");
        goto out;
    }
    if (!str_has_prefix(f.target, "http://") && !str_has_prefix(f.target, "https://")) {
        usage_error("the target must be an http:// or https:// URL, not '%s'", f.target);
        goto out;
    }
    f.spec = env_or(f.spec, "VIGIL_SCAN_SPEC");
    if (!f.spec) {
        usage_error("missing --spec FILE|URL");
        goto out;
    }
    if ((v = env_or(f.format, "VIGIL_SCAN_FORMAT"))) {
        if (report_format_parse(v, &format) || format == REPORT_CSV) {
            usage_error("--format must be json, sarif, markdown, html or junit, not '%s'", v);
            goto out;
        }
    } else {
        format = default_format(f.output);
    }
    if (build_options(a, &f, &o, &fail_on, &never_fail))
        goto out;

    if (str_has_prefix(f.spec, "http://") || str_has_prefix(f.spec, "https://"))
        spec = scan_spec_fetch(f.spec, o.timeout_ms, NULL, &err);
    else
        spec = spec_load_file(f.spec, &err);
    if (!spec) {
        print_error("cannot load the spec: ", &err);
        goto out;
    }
    o.spec = spec;
    progress = !f.quiet && isatty(STDERR_FILENO);
    if (progress) {
        o.progress = on_progress;
        o.progress_userdata = NULL;
    }
    scan_cancelled = 0;
    o.cancel = &scan_cancelled;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    start = clock_mono_ns();
    if (scan_run(&o, &r, &err)) {
        if (progress)
            fprintf(stderr, "\r\033[K");
        print_error("", &err);
        goto out;
    }
    if (progress)
        fprintf(stderr, "\r\033[K");

    in.title = arena_printf(a, "vigil scan of %s", f.target);
    in.scan_id = id_new(a, "scan_");
    in.target = r.target ? r.target : f.target;
    in.spec_title = spec->title;
    in.tool_version = VIGIL_VERSION;
    in.started_at = r.started_at;
    in.finished_at = r.finished_at;
    in.endpoints_discovered = r.progress.endpoints_discovered;
    in.endpoints_tested = r.progress.endpoints_tested;
    in.requests_sent = r.progress.requests_sent;
    in.incomplete = r.incomplete;
    in.stop_reason = r.stop_reason;
    in.checks_run = r.checks_run;
    in.n_checks_run = r.n_checks_run;
    in.check_requests = r.check_requests;
    in.findings = r.findings;
    in.n_findings = r.n_findings;
    buf_init(&report, SCAN_REPORT_MAX);
    if (report_render(format, &in, &report, &err)) {
        print_error("cannot render the report: ", &err);
        buf_cleanup(&report);
        goto out;
    }
    if (write_report(f.output, &report)) {
        buf_cleanup(&report);
        goto out;
    }
    buf_cleanup(&report);
    if (!f.quiet)
        summary(&r, (double)(clock_mono_ns() - start) / 1e9, f.output);
    if (f.verbose && !f.quiet)
        print_check_requests(&r);
    rc = SCAN_EXIT_CLEAN;
    for (size_t i = 0; i < r.n_findings && !never_fail; i++) {
        if (r.findings[i].severity >= fail_on)
            rc = SCAN_EXIT_FINDINGS;
    }
    if (scan_cancelled) {
        fprintf(stderr, "vigil scan: interrupted\n");
        rc = SCAN_EXIT_ERROR;
    }
out:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    scan_result_cleanup(&r);
    spec_free(spec);
    arena_free(a);
    return rc;
}
