/* SPDX-License-Identifier: MIT */
/* Unit tests for scan/fetch.c: the spec fetch asks the target policy on every connect, so a
 * redirect from an allowed address to a denied one fails with TARGET_NOT_ALLOWED before any
 * connection to it is opened. A small libmicrohttpd server on 127.0.0.1 serves the spec and the
 * redirect; the denied address (::1) is refused by the socket guard, never connected to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "scan/policy.h"
#include "scan/scan.h"
#include "spec/spec.h"

static const char SPEC[] = "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
                           "\"paths\":{\"/ping\":{\"get\":{\"responses\":{\"200\":"
                           "{\"description\":\"ok\"}}}}}}";
static unsigned port;
static int served;

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *data, size_t *size, void **ptr)
{
    struct MHD_Response *r;
    enum MHD_Result rc;

    (void)cls, (void)method, (void)version, (void)data, (void)size, (void)ptr;
    served++;
    if (strcmp(url, "/redirect") == 0) {
        char to[96];

        snprintf(to, sizeof(to), "http://[::1]:%u/openapi.json", port);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", to);
        rc = MHD_queue_response(c, 302, r);
    } else {
        r = MHD_create_response_from_buffer(strlen(SPEC), (void *)SPEC, MHD_RESPMEM_PERSISTENT);
        rc = MHD_queue_response(c, 200, r);
    }
    MHD_destroy_response(r);
    return rc;
}

static int
setup(void **state)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    struct MHD_Daemon *d;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, NULL,
                         MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    if (!d)
        return -1;
    port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    *state = d;
    return 0;
}

static int
teardown(void **state)
{
    MHD_stop_daemon(*state);
    return 0;
}

static void
allowed_fetch_succeeds(void **state)
{
    struct scan_policy policy = {0};
    struct scan_policy_guard guard = {.policy = &policy};
    struct err err = {0};
    struct spec *spec;
    char url[96];

    (void)state;
    assert_int_equal(scan_policy_parse(&policy, "127.0.0.1/32", "allow", &err), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/openapi.json", port);
    spec = scan_spec_fetch(url, 5000, &guard, &err);
    assert_non_null(spec);
    assert_int_equal(guard.refused, 0);
    spec_free(spec);
}

static void
redirect_to_a_denied_address_fails(void **state)
{
    struct scan_policy policy = {0};
    struct scan_policy_guard guard = {.policy = &policy};
    struct err err = {0};
    char url[96];
    int before = served;

    (void)state;
    assert_int_equal(scan_policy_parse(&policy, "127.0.0.1/32", "allow", &err), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/redirect", port);
    assert_null(scan_spec_fetch(url, 5000, &guard, &err));
    assert_int_equal(err.code, ERR_TARGET_NOT_ALLOWED);
    assert_int_equal(guard.refused, 1);
    assert_non_null(strstr(err.detail, "connection to ::1 refused by the target policy"));
    assert_int_equal(served - before, 1); /* the redirect only: ::1 got no connection */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allowed_fetch_succeeds),
        cmocka_unit_test(redirect_to_a_denied_address_fails),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
