/* SPDX-License-Identifier: MIT */
/* Engine throughput probe for bench/scan/run.sh: runs the real engine (scan_run_checks) with one
 * check that keeps N GET requests of URL flowing, so the figure is the engine's own rate with its
 * concurrency, copying, header building and callbacks, and its peak memory for N requests.
 * Usage: flood URL N CONCURRENCY. Prints "requests=N seconds=S rate=R errors=E". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "scan/scan_int.h"

static const char *flood_url;
static long flood_total, flood_started, flood_done, flood_errors;

static void send_next(struct scan *scan);

static void
on_done(struct scan *scan, const struct probe *p, const struct probe_response *r, void *ud)
{
    (void)p;
    (void)ud;
    flood_done++;
    if (r->status != 200)
        flood_errors++;
    send_next(scan);
}

static void
send_next(struct scan *scan)
{
    struct probe p = {.method = "GET", .url = flood_url};

    if (flood_started >= flood_total)
        return;
    if (scan_send(scan, &p, on_done, NULL) == 0)
        flood_started++;
}

static void
flood_scan(struct scan *scan, const struct scan_check *check)
{
    (void)check;
    for (unsigned i = 0; i < 2 * scan_options_of(scan)->concurrency; i++)
        send_next(scan);
}

static const struct scan_check flood = {.id = "flood", .title = "Flood", .on_scan = flood_scan};

int
main(int argc, char **argv)
{
    struct spec spec = {.major = 3, .base_path = ""};
    struct scan_options o = {0};
    struct scan_result res;
    struct err err = {0};
    const struct scan_check *checks[] = {&flood};
    int64_t start;
    double seconds;
    const char *slash;

    if (argc != 4) {
        fprintf(stderr, "usage: flood URL N CONCURRENCY\n");
        return 2;
    }
    flood_url = argv[1];
    flood_total = strtol(argv[2], NULL, 10);
    slash = strchr(strstr(flood_url, "://") + 3, '/');
    o.target = slash ? strndup(flood_url, (size_t)(slash - flood_url)) : flood_url;
    o.spec = &spec;
    o.concurrency = (unsigned)strtoul(argv[3], NULL, 10);
    o.max_requests = (size_t)flood_total + 10;
    start = clock_mono_ns();
    if (scan_run_checks(&o, checks, 1, &res, &err)) {
        fprintf(stderr, "flood: %s\n", err.detail);
        return 1;
    }
    seconds = (double)(clock_mono_ns() - start) / 1e9;
    printf("requests=%ld seconds=%.3f rate=%.0f errors=%ld\n", flood_done, seconds,
           (double)flood_done / seconds, flood_errors);
    scan_result_cleanup(&res);
    return 0;
}
