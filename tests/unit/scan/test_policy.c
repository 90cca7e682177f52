/* SPDX-License-Identifier: MIT */
/* Target policy: the denied table, the allow list, URL checks at create (scheme, literal
 * addresses, a name resolving to loopback) and the connect-time guard refusing a denied address
 * before any connection reaches the listener. Only 127.0.0.1 is ever connected to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "scan/policy.h"

static const char *
denies(const struct scan_policy *p, const char *text)
{
    struct sockaddr_in in4 = {.sin_family = AF_INET};
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};

    if (inet_pton(AF_INET, text, &in4.sin_addr) == 1)
        return scan_policy_denies(p, (struct sockaddr *)&in4);
    assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
    return scan_policy_denies(p, (struct sockaddr *)&in6);
}

static void
denied_table(void **state)
{
    static const struct {
        const char *addr, *why;
    } cases[] = {
        {"127.0.0.1", "loopback"},
        {"127.9.9.9", "loopback"},
        {"::1", "loopback"},
        {"::ffff:127.0.0.1", "loopback"},
        {"64:ff9b::a00:1", "private network"},
        {"169.254.169.254", "cloud metadata"},
        {"fd00:ec2::254", "cloud metadata"},
        {"100.100.100.200", "cloud metadata"},
        {"169.254.1.1", "link-local"},
        {"fe80::1", "link-local"},
        {"10.0.0.1", "private network"},
        {"172.16.0.1", "private network"},
        {"172.31.255.255", "private network"},
        {"192.168.1.1", "private network"},
        {"100.64.0.1", "private network"},
        {"fd12::1", "private network"},
        {"0.0.0.0", "unspecified"},
        {"::", "unspecified"},
        {"224.0.0.1", "multicast"},
        {"ff02::1", "multicast"},
        {"255.255.255.255", "reserved"},
        {"8.8.8.8", NULL},
        {"172.32.0.1", NULL},
        {"2606:4700::1111", NULL},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = denies(NULL, cases[i].addr);

        if (!cases[i].why && got)
            fail_msg("%s denied as %s", cases[i].addr, got);
        if (cases[i].why && (!got || strcmp(got, cases[i].why) != 0))
            fail_msg("%s: got %s, want %s", cases[i].addr, got ? got : "allowed", cases[i].why);
    }
}

static void
allow_list_parses_and_wins(void **state)
{
    struct scan_policy p = {0};
    struct err err = {0};
    char text[256];
    (void)state;

    assert_int_equal(scan_policy_parse(&p, " 127.0.0.1 , 10.1.0.0/16,fd00::/8", "allow", &err), 0);
    assert_int_equal(p.n_allow, 3);
    scan_policy_format(&p, text, sizeof(text));
    assert_string_equal(text, "127.0.0.1/32,10.1.0.0/16,fd00::/8");
    assert_null(denies(&p, "127.0.0.1"));
    assert_string_equal(denies(&p, "127.0.0.2"), "loopback");
    assert_null(denies(&p, "10.1.200.3"));
    assert_string_equal(denies(&p, "10.2.0.1"), "private network");
    assert_null(denies(&p, "fd00:ec2::254")); /* explicitly allowed by the admin */
    assert_string_equal(denies(&p, "::1"), "loopback");

    /* host bits are dropped */
    assert_int_equal(scan_policy_parse(&p, "192.168.7.9/24", "allow", &err), 0);
    scan_policy_format(&p, text, sizeof(text));
    assert_string_equal(text, "192.168.7.0/24");
    assert_int_equal(scan_policy_parse(&p, "", "allow", &err), 0);
    assert_int_equal(p.n_allow, 0);

    static const char *const bad[] = {"10.0.0.0/33", "10.0.0.0/",   "nope",
                                      "::1/129",     "10.0.0.0/-1", "1.2.3.4/8x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err e = {0};

        p.n_allow = 7;
        assert_int_equal(scan_policy_parse(&p, bad[i], "allow", &e), -1);
        assert_int_equal(e.code, ERR_VALIDATION_ERROR);
        assert_string_equal(e.fields[0].field, "allow");
        assert_int_equal(p.n_allow, 7); /* unchanged on error */
    }
}

static void
expect_url(const struct scan_policy *p, const char *url, enum err_code code, const char *needle)
{
    struct err err = {0};
    int rc = scan_policy_check_url(p, url, "url", &err);

    if (code == ERR_OK) {
        if (rc != 0)
            fail_msg("%s refused: %s", url, err.n_fields ? err.fields[0].message : err.detail);
        return;
    }
    if (rc == 0)
        fail_msg("%s accepted", url);
    if (err.code != code)
        fail_msg("%s: %s, want %s", url, err_code_name(err.code), err_code_name(code));
    assert_true(err.n_fields >= 1);
    assert_string_equal(err.fields[0].field, "url");
    if (needle && !strstr(err.fields[0].message, needle))
        fail_msg("%s: message '%s' lacks '%s'", url, err.fields[0].message, needle);
}

static void
urls_at_create(void **state)
{
    struct scan_policy p = {0};
    struct err err = {0};
    (void)state;

    expect_url(NULL, "http://169.254.169.254/latest/meta-data", ERR_TARGET_NOT_ALLOWED,
               "cloud metadata");
    expect_url(NULL, "http://10.0.0.1:8080/", ERR_TARGET_NOT_ALLOWED, "private network");
    expect_url(NULL, "http://[::1]:9/", ERR_TARGET_NOT_ALLOWED, "loopback");
    expect_url(NULL, "http://0.0.0.0/", ERR_TARGET_NOT_ALLOWED, "unspecified");
    expect_url(NULL, "http://localhost:9/", ERR_TARGET_NOT_ALLOWED, "loopback");
    expect_url(NULL, "http://127.1/", ERR_TARGET_NOT_ALLOWED, "loopback");
    expect_url(NULL, "file:///etc/passwd", ERR_TARGET_NOT_ALLOWED, "file://");
    expect_url(NULL, "gopher://127.0.0.1/", ERR_TARGET_NOT_ALLOWED, "gopher://");
    expect_url(NULL, "not a url", ERR_VALIDATION_ERROR, NULL);

    assert_int_equal(scan_policy_parse(&p, "127.0.0.1", "allow", &err), 0);
    expect_url(&p, "http://127.0.0.1:9/", ERR_OK, NULL);
    expect_url(&p, "https://127.0.0.1/", ERR_OK, NULL);
    expect_url(&p, "http://[::1]:9/", ERR_TARGET_NOT_ALLOWED, "loopback");
    expect_url(&p, "ftp://127.0.0.1/", ERR_TARGET_NOT_ALLOWED, "ftp://");
}

/* A listener on 127.0.0.1 whose backlog we can inspect: accept() on the non-blocking socket
 * tells whether any connection arrived. */
static int
listener(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    *port = ntohs(sa.sin_port);
    return fd;
}

static int
pending_connections(int fd)
{
    int n = 0, c;

    while ((c = accept(fd, NULL, NULL)) >= 0) {
        close(c);
        n++;
    }
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
    return n;
}

static CURLcode
fetch(int port, struct scan_policy_guard *guard)
{
    char url[64];
    CURL *e = curl_easy_init();
    CURLcode rc;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 300L); /* the listener never answers */
    scan_policy_apply(e, guard);
    rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    return rc;
}

static void
connect_guard_refuses_before_connecting(void **state)
{
    struct scan_policy deny_all = {0}, allow_lo = {0};
    struct scan_policy_guard g1 = {.policy = &deny_all}, g2 = {.policy = &allow_lo};
    struct err err = {0};
    int port, fd = listener(&port);
    (void)state;

    assert_int_equal(fetch(port, &g1), CURLE_COULDNT_CONNECT);
    assert_int_equal(g1.refused, 1);
    assert_non_null(strstr(g1.reason, "127.0.0.1"));
    assert_non_null(strstr(g1.reason, "loopback"));
    assert_int_equal(pending_connections(fd), 0); /* nothing reached the listener */

    assert_int_equal(scan_policy_parse(&allow_lo, "127.0.0.1/32", "allow", &err), 0);
    assert_int_equal(fetch(port, &g2), CURLE_OPERATION_TIMEDOUT); /* connected, no answer */
    assert_int_equal(g2.refused, 0);
    assert_int_equal(pending_connections(fd), 1);
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(denied_table),
        cmocka_unit_test(allow_list_parses_and_wins),
        cmocka_unit_test(urls_at_create),
        cmocka_unit_test(connect_guard_refuses_before_connecting),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
