/* SPDX-License-Identifier: MIT */
/* scan_run: the registry's checks, filtered by the options' `checks` and `skip_checks`, handed to
 * the engine. Kept apart from engine.c so tests can drive the engine with checks of their own
 * without linking the built-in ones. */
#include "scan/scan_int.h"

#include <stdlib.h>

#include "core/str.h"
#include "core/xalloc.h"

static bool
listed(const char *id, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (str_eq(list[i], id))
            return true;
    }
    return false;
}

static bool
known(const char *id)
{
    for (size_t i = 0; i < scan_check_count(); i++) {
        if (str_eq(scan_check_id(i), id))
            return true;
    }
    return false;
}

int
scan_run(const struct scan_options *opts, struct scan_result *result, struct err *err)
{
    size_t total = scan_check_count();
    const struct scan_check **active = xcalloc(total + 1, sizeof(*active));
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < opts->n_checks; i++) {
        if (!known(opts->checks[i]))
            err_field(err, "checks", "unknown check '%s'", opts->checks[i]);
    }
    for (size_t i = 0; i < opts->n_skip_checks; i++) {
        if (!known(opts->skip_checks[i]))
            err_field(err, "skip_checks", "unknown check '%s'", opts->skip_checks[i]);
    }
    if (err_is_set(err)) {
        free(active);
        return -1;
    }
    for (size_t i = 0; i < total; i++) {
        const struct scan_check *c = scan_check_at(i);

        if (opts->checks && !listed(c->id, opts->checks, opts->n_checks))
            continue;
        if (listed(c->id, opts->skip_checks, opts->n_skip_checks))
            continue;
        active[n++] = c;
    }
    rc = scan_run_checks(opts, active, n, result, err);
    free(active);
    return rc;
}
