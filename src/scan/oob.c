/* SPDX-License-Identifier: MIT */
/* Out-of-band detection: a small HTTP listener on 127.0.0.1 (an ephemeral port, started on the
 * first scan_oob_url) that records which unique URLs were requested. A check hands such a URL to
 * the target (an SSRF candidate parameter); if the target fetches it, the hit proves the flaw
 * without relying on the answer. The listener runs in libmicrohttpd's own thread, so the set of
 * tokens is guarded by a mutex; the scan thread only asks questions. */
#include "scan/scan_int.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/id.h"
#include "core/str.h"
#include "core/xalloc.h"

#define OOB_TOKEN_CHARS 24

struct oob_entry {
    char *tag;
    char token[OOB_TOKEN_CHARS + 1];
    bool hit;
};

struct scan_oob {
    struct MHD_Daemon *daemon;
    unsigned port;
    pthread_mutex_t lock;
    struct oob_entry *entries;
    size_t n_entries, cap_entries;
};

static enum MHD_Result
oob_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size, void **state)
{
    struct scan_oob *oob = cls;
    static const char reply[] = "ok\n";
    struct MHD_Response *resp;
    enum MHD_Result ret;

    (void)method;
    (void)version;
    (void)upload_data;
    if (!*state) {
        /* Count the hit on the first call, before any body arrives. */
        *state = oob;
        if (str_has_prefix(url, "/oob/")) {
            const char *token = url + 5;

            pthread_mutex_lock(&oob->lock);
            for (size_t i = 0; i < oob->n_entries; i++) {
                if (strncmp(oob->entries[i].token, token, OOB_TOKEN_CHARS) == 0)
                    oob->entries[i].hit = true;
            }
            pthread_mutex_unlock(&oob->lock);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* bodies are ignored */
        return MHD_YES;
    }
    resp =
        MHD_create_response_from_buffer(sizeof(reply) - 1, (void *)reply, MHD_RESPMEM_PERSISTENT);
    ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static struct scan_oob *
oob_start(void)
{
    struct scan_oob *oob = xcalloc(1, sizeof(*oob));
    struct sockaddr_in addr = {0};
    const union MHD_DaemonInfo *info;

    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    pthread_mutex_init(&oob->lock, NULL);
    oob->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
                                   NULL, oob_handler, oob, MHD_OPTION_SOCK_ADDR, &addr,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
    if (!oob->daemon) {
        pthread_mutex_destroy(&oob->lock);
        free(oob);
        return NULL;
    }
    info = MHD_get_daemon_info(oob->daemon, MHD_DAEMON_INFO_BIND_PORT);
    oob->port = info ? info->port : 0;
    return oob;
}

void
scan_oob_free(struct scan_oob *oob)
{
    if (!oob)
        return;
    MHD_stop_daemon(oob->daemon);
    for (size_t i = 0; i < oob->n_entries; i++)
        free(oob->entries[i].tag);
    free(oob->entries);
    pthread_mutex_destroy(&oob->lock);
    free(oob);
}

static struct oob_entry *
find_tag(struct scan_oob *oob, const char *tag)
{
    for (size_t i = 0; i < oob->n_entries; i++) {
        if (str_eq(oob->entries[i].tag, tag))
            return &oob->entries[i];
    }
    return NULL;
}

const char *
scan_oob_url(struct scan *scan, const char *tag)
{
    struct oob_entry *e;
    const char *token;

    if (!tag)
        return NULL;
    if (!scan->oob) {
        scan->oob = oob_start();
        if (!scan->oob)
            return NULL;
    }
    pthread_mutex_lock(&scan->oob->lock);
    e = find_tag(scan->oob, tag);
    if (!e) {
        scan_grow((void **)&scan->oob->entries, &scan->oob->cap_entries, scan->oob->n_entries + 1,
                  sizeof(*scan->oob->entries));
        e = &scan->oob->entries[scan->oob->n_entries++];
        e->tag = xstrdup(tag);
        random_base62(e->token, OOB_TOKEN_CHARS);
        e->hit = false;
    }
    token = arena_strdup(scan->arena, e->token);
    pthread_mutex_unlock(&scan->oob->lock);
    return arena_printf(scan->arena, "http://127.0.0.1:%u/oob/%s", scan->oob->port, token);
}

bool
scan_oob_hit(struct scan *scan, const char *tag)
{
    struct oob_entry *e;
    bool hit = false;

    if (!scan->oob || !tag)
        return false;
    pthread_mutex_lock(&scan->oob->lock);
    e = find_tag(scan->oob, tag);
    if (e)
        hit = e->hit;
    pthread_mutex_unlock(&scan->oob->lock);
    return hit;
}

size_t
scan_oob_issued(const struct scan *scan)
{
    return scan->oob ? scan->oob->n_entries : 0;
}

bool
scan_oob_all_hit(struct scan *scan)
{
    bool all = true;

    if (!scan->oob)
        return true;
    pthread_mutex_lock(&scan->oob->lock);
    for (size_t i = 0; i < scan->oob->n_entries; i++)
        all = all && scan->oob->entries[i].hit;
    pthread_mutex_unlock(&scan->oob->lock);
    return all;
}
