/* SPDX-License-Identifier: MIT */
/* Target policy for server-launched scans: the server must not become a way to reach itself or
 * the networks behind it (SSRF). A target is refused when its scheme is not http(s) or when any
 * address it resolves to is loopback, link-local, a cloud metadata address, a private or
 * shared range, unspecified (0.0.0.0, ::), multicast or reserved, unless it falls in a network
 * an admin allowed. The check runs twice: on the URL when the scan is created
 * (scan_policy_check_url) and on every socket libcurl opens (scan_policy_apply), so DNS
 * rebinding and redirects cannot reach a denied address. The CLI scans with no policy. */
#ifndef VIGIL_SCAN_POLICY_H
#define VIGIL_SCAN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/err.h"

#define SCAN_POLICY_MAX_ALLOW 64

struct scan_cidr {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network address, host bits zero */
    unsigned prefix;  /* 0..32 or 0..128 */
};

struct scan_policy {
    struct scan_cidr allow[SCAN_POLICY_MAX_ALLOW];
    size_t n_allow;
};

/* Parses "cidr,cidr,..." (an address without "/n" is a single host; spaces around items are
 * ignored; "" is an empty list) into p->allow, replacing it. VALIDATION_ERROR on `field` naming
 * the bad item, or when there are more than SCAN_POLICY_MAX_ALLOW. */
int scan_policy_parse(struct scan_policy *p, const char *list, const char *field, struct err *err);

/* Writes the allow list back as "cidr,cidr" into out (size bytes). */
void scan_policy_format(const struct scan_policy *p, char *out, size_t size);

/* NULL if the address may be scanned, else why not ("loopback", "link-local", "cloud
 * metadata", "private network", "unspecified", "multicast", "reserved"). IPv4-mapped and
 * NAT64 IPv6 addresses are judged by their IPv4 address. */
const char *scan_policy_denies(const struct scan_policy *p, const struct sockaddr *sa);

/* Checks a target URL: http or https, a host, and every address the host resolves to allowed.
 * TARGET_NOT_ALLOWED (422) with an error on `field` for a scheme other than http(s) or a denied
 * address ("... resolves to 10.0.0.1, a private network address ..."); VALIDATION_ERROR on
 * `field` for a URL that does not parse, has no host, or whose host does not resolve. */
int scan_policy_check_url(const struct scan_policy *p, const char *url, const char *field,
                          struct err *err);

/* What scan_policy_apply's socket callback saw: the first refusal, for the scan's reason. */
struct scan_policy_guard {
    const struct scan_policy *policy;
    _Atomic int refused; /* sockets refused */
    char reason[160];    /* "connection to 10.0.0.1 refused by the target policy (...)" */
};

/* Makes libcurl handle `curl` (a CURL *) ask the guard before it opens any socket: a denied
 * address gets no socket and the transfer fails with CURLE_COULDNT_CONNECT. */
void scan_policy_apply(void *curl, struct scan_policy_guard *guard);

#endif
