/* SPDX-License-Identifier: MIT */
/* Fault injection for tests: arm it with N and the N-th counted call from then on (a transaction
 * begun, a statement stepped) fails with INTERNAL before it touches the database. Sweeping N
 * over an operation proves that every store failure becomes a clean error and leaves nothing
 * half-written (tests/unit/store/test_fault_sweep.c). Disarmed, it costs one relaxed load. */
#include "store/store_int.h"

#include <stdatomic.h>

static atomic_bool fault_counting; /* armed, possibly with 0: calls are counted */
static atomic_long fault_target;   /* the call that fails; 0 = none */
static atomic_long fault_count;

void
store_fault_arm(long n)
{
    atomic_store(&fault_count, 0);
    atomic_store(&fault_target, n);
    atomic_store(&fault_counting, true);
}

void
store_fault_disarm(void)
{
    atomic_store(&fault_counting, false);
    atomic_store(&fault_target, 0);
}

long
store_fault_calls(void)
{
    return atomic_load(&fault_count);
}

int
store_fault_check(struct err *err)
{
    long n, target;

    if (!atomic_load_explicit(&fault_counting, memory_order_relaxed))
        return 0;
    n = atomic_fetch_add(&fault_count, 1) + 1;
    target = atomic_load(&fault_target);

    if (target > 0 && n == target) {
        atomic_store(&fault_target, 0);
        return err_internal(err, "injected store fault at call %ld", n);
    }
    return 0;
}

/* The commit fault is per thread: the request that asked for it is the one whose write fails,
 * whatever the server's other threads (webhook workers, scans) commit meanwhile. */
static _Thread_local bool fail_next_commit;

void
store_fault_fail_next_commit(void)
{
    fail_next_commit = true;
}

bool
store_fault_commit_check(void)
{
    if (!fail_next_commit)
        return false;
    fail_next_commit = false;
    return true;
}
