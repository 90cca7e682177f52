/* SPDX-License-Identifier: MIT */
/* Target policy (see policy.h). Addresses are compared as bytes against a fixed table of
 * denied networks; the allow list, when it covers an address, wins over the table. */
#include "scan/policy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct denied {
    int family;
    uint8_t addr[16];
    unsigned prefix;
    const char *reason;
};

/* Most specific first: the first match names the reason. */
static const struct denied denied_nets[] = {
    {AF_INET, {169, 254, 169, 254}, 32, "cloud metadata"},
    {AF_INET, {100, 100, 100, 200}, 32, "cloud metadata"}, /* Alibaba */
    {AF_INET, {192, 0, 0, 192}, 32, "cloud metadata"},     /* Oracle */
    {AF_INET6, {0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54}, 128, "cloud metadata"}, /* AWS */
    {AF_INET, {0}, 8, "unspecified"},
    {AF_INET, {127}, 8, "loopback"},
    {AF_INET, {10}, 8, "private network"},
    {AF_INET, {172, 16}, 12, "private network"},
    {AF_INET, {192, 168}, 16, "private network"},
    {AF_INET, {100, 64}, 10, "private network"}, /* shared address space (CGNAT) */
    {AF_INET, {169, 254}, 16, "link-local"},
    {AF_INET, {192, 0, 0}, 24, "reserved"},
    {AF_INET, {198, 18}, 15, "reserved"},
    {AF_INET, {224}, 4, "multicast"},
    {AF_INET, {240}, 4, "reserved"}, /* and 255.255.255.255 */
    {AF_INET6, {0}, 128, "unspecified"},
    {AF_INET6, {[15] = 1}, 128, "loopback"},
    {AF_INET6, {0xfe, 0x80}, 10, "link-local"},
    {AF_INET6, {0xfc}, 7, "private network"},
    {AF_INET6, {0xfe, 0xc0}, 10, "reserved"}, /* site-local */
    {AF_INET6, {0xff}, 8, "multicast"},
    {AF_INET6, {0x01, 0x00}, 64, "reserved"},             /* discard */
    {AF_INET6, {0x20, 0x01, 0x0d, 0xb8}, 32, "reserved"}, /* documentation */
};

static bool
prefix_match(const uint8_t *a, const uint8_t *net, unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;

    if (memcmp(a, net, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a[full] & mask) == (net[full] & mask);
}

/* Normalises sa to (family, bytes); IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d)
 * become IPv4. Returns false for another family. */
static bool
addr_bytes(const struct sockaddr *sa, int *family, uint8_t out[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};

    memset(out, 0, 16);
    if (sa->sa_family == AF_INET) {
        *family = AF_INET;
        memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const uint8_t *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;

        if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0) {
            *family = AF_INET;
            memcpy(out, b + 12, 4);
        } else {
            *family = AF_INET6;
            memcpy(out, b, 16);
        }
        return true;
    }
    return false;
}

static bool
allowed(const struct scan_policy *p, int family, const uint8_t *b)
{
    for (size_t i = 0; p && i < p->n_allow; i++)
        if (p->allow[i].family == family && prefix_match(b, p->allow[i].addr, p->allow[i].prefix))
            return true;
    return false;
}

const char *
scan_policy_denies(const struct scan_policy *p, const struct sockaddr *sa)
{
    uint8_t b[16];
    int family;

    if (!addr_bytes(sa, &family, b))
        return "reserved";
    if (allowed(p, family, b))
        return NULL;
    for (size_t i = 0; i < sizeof(denied_nets) / sizeof(denied_nets[0]); i++)
        if (denied_nets[i].family == family &&
            prefix_match(b, denied_nets[i].addr, denied_nets[i].prefix))
            return denied_nets[i].reason;
    return NULL;
}

static int
parse_cidr(const char *text, struct scan_cidr *out)
{
    char buf[64];
    char *slash, *end;
    unsigned max;
    long prefix;

    if (strlen(text) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", text);
    slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        return -1;
    }
    out->prefix = max;
    if (slash) {
        if (!slash[1] || slash[1] < '0' || slash[1] > '9')
            return -1;
        prefix = strtol(slash + 1, &end, 10);
        if (*end || prefix < 0 || prefix > (long)max)
            return -1;
        out->prefix = (unsigned)prefix;
    }
    /* zero the host bits */
    for (unsigned bit = out->prefix; bit < max; bit++)
        out->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return 0;
}

int
scan_policy_parse(struct scan_policy *p, const char *list, const char *field, struct err *err)
{
    struct scan_policy next = {0};
    const char *s = list ? list : "";

    while (*s) {
        char item[64];
        size_t len;
        const char *comma = strchr(s, ',');
        const char *stop = comma ? comma : s + strlen(s);

        while (s < stop && (*s == ' ' || *s == '\t'))
            s++;
        len = (size_t)(stop - s);
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len) {
            if (len >= sizeof(item))
                return err_field(err, field, "item %.40s... is not a network", s);
            memcpy(item, s, len);
            item[len] = '\0';
            if (next.n_allow == SCAN_POLICY_MAX_ALLOW)
                return err_field(err, field, "at most %d networks", SCAN_POLICY_MAX_ALLOW);
            if (parse_cidr(item, &next.allow[next.n_allow]))
                return err_field(err, field, "%s is not an address or CIDR network", item);
            next.n_allow++;
        }
        s = comma ? comma + 1 : stop;
    }
    *p = next;
    return 0;
}

void
scan_policy_format(const struct scan_policy *p, char *out, size_t size)
{
    size_t used = 0;

    if (size)
        out[0] = '\0';
    for (size_t i = 0; i < p->n_allow && used < size; i++) {
        char addr[INET6_ADDRSTRLEN];
        int n;

        inet_ntop(p->allow[i].family, p->allow[i].addr, addr, sizeof(addr));
        n = snprintf(out + used, size - used, "%s%s/%u", i ? "," : "", addr, p->allow[i].prefix);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* A refusal by policy (as opposed to a malformed URL): 422 TARGET_NOT_ALLOWED, fields kept. */
static void
not_allowed(struct err *err)
{
    if (err)
        err->code = ERR_TARGET_NOT_ALLOWED;
}

static void
describe(const struct sockaddr *sa, char *out, size_t size)
{
    if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
    else if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else
        snprintf(out, size, "(address family %d)", sa->sa_family);
}

int
scan_policy_check_url(const struct scan_policy *p, const char *url, const char *field,
                      struct err *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = -1, gai;
    size_t hlen;

    if (!u)
        return err_internal(err, "curl_url failed");
    if (!url || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        err_field(err, field, "is not an absolute URL");
        goto done;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        err_field(err, field, "%s:// is not allowed: only http and https targets are scanned",
                  scheme ? scheme : "this scheme");
        not_allowed(err);
        goto done;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        err_field(err, field, "has no host");
        goto done;
    }
    hlen = strlen(host);
    if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') { /* IPv6 literal */
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = '\0';
    }
    gai = getaddrinfo(host, NULL, &hints, &res);
    if (gai != 0) {
        err_field(err, field, "host %s does not resolve", host);
        goto done;
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        const char *why = scan_policy_denies(p, ai->ai_addr);
        char addr[INET6_ADDRSTRLEN + 16];

        if (!why)
            continue;
        describe(ai->ai_addr, addr, sizeof(addr));
        err_field(err, field,
                  "%s resolves to %s, a %s address, which the target policy denies (an admin "
                  "can allow the network)",
                  host, addr, why);
        not_allowed(err);
        goto done;
    }
    rc = 0;
done:
    if (res)
        freeaddrinfo(res);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

static curl_socket_t
guarded_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    struct scan_policy_guard *g = clientp;
    const char *why;

    (void)purpose;
    why = scan_policy_denies(g->policy, &address->addr);
    if (why) {
        if (g->refused++ == 0) {
            char addr[INET6_ADDRSTRLEN + 16];

            describe(&address->addr, addr, sizeof(addr));
            snprintf(g->reason, sizeof(g->reason),
                     "connection to %s refused by the target policy (%s address)", addr, why);
        }
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

void
scan_policy_apply(void *curl, struct scan_policy_guard *guard)
{
    if (!guard)
        return;
    curl_easy_setopt((CURL *)curl, CURLOPT_OPENSOCKETFUNCTION, guarded_socket);
    curl_easy_setopt((CURL *)curl, CURLOPT_OPENSOCKETDATA, guard);
}
