/* SPDX-License-Identifier: MIT */
/* The housekeeping sweep: one thread in `vigil serve` and in `vigil worker` that, at start and
 * then every JOBS_SWEEP_SECONDS, reopens the findings whose risk acceptance has expired
 * (store_acceptances_expire, every organization). Several processes may sweep one database:
 * each expiry is one conditional UPDATE, so a finding reopens once whoever gets there first.
 * The store also expires acceptances on read, so the sweep decides only how soon webhooks and
 * history learn of an expiry, never what an API answer shows. */
#include "jobs/jobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "store/store.h"

struct jobs_sweep {
    struct store *store; /* borrowed */
    int interval_seconds;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

static void
sweep_once(struct jobs_sweep *s)
{
    struct err err = {0};
    size_t expired = 0;

    if (store_acceptances_expire(s->store, clock_now(), &expired, &err))
        log_msg(LOG_WARN, "sweep: acceptance expiry failed: %s %s", err.detail, err.cause);
    else if (expired)
        log_msg(LOG_INFO, "sweep: %zu risk acceptances expired, findings reopened", expired);
}

static void *
sweep_main(void *arg)
{
    struct jobs_sweep *s = arg;

    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        struct timespec until;

        pthread_mutex_unlock(&s->lock);
        sweep_once(s);
        pthread_mutex_lock(&s->lock);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->interval_seconds;
        while (!s->stop && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0)
            ; /* woken without stop: wait out the interval */
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

struct jobs_sweep *
jobs_sweep_start(struct store *store, int interval_seconds, struct err *err)
{
    struct jobs_sweep *s = calloc(1, sizeof(*s));

    if (!s)
        return err_internal(err, "out of memory"), NULL;
    s->store = store;
    s->interval_seconds = interval_seconds > 0 ? interval_seconds : JOBS_SWEEP_SECONDS;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, sweep_main, s)) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake);
        free(s);
        return err_internal(err, "cannot start the sweep thread"), NULL;
    }
    return s;
}

void
jobs_sweep_stop(struct jobs_sweep *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
