/* SPDX-License-Identifier: MIT */
/* The table of built-in checks, in the order the engine runs them and --help lists them. A new
 * check is one file in this folder plus one line here. */
#include "scan/checks/checks_int.h"

#include "scan/scan.h"

static const struct scan_check *const checks[] = {
    &check_bola,
    &check_auth_bypass,
    &check_jwt,
    &check_mass_assignment,
    &check_data_exposure,
    &check_user_enum,
    &check_rate_limit,
    &check_bfla,
    &check_ssrf,
    &check_injection,
    &check_redos,
    &check_misconfig,
    &check_undocumented,
    &check_server_error,
    &check_default_credentials,
    &check_password_policy,
    &check_dangerous_ops,
};

#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

size_t
scan_check_count(void)
{
    return N_CHECKS;
}

const struct scan_check *
scan_check_at(size_t i)
{
    return i < N_CHECKS ? checks[i] : NULL;
}

const char *
scan_check_id(size_t i)
{
    return i < N_CHECKS ? checks[i]->id : NULL;
}

const char *
scan_check_title(size_t i)
{
    return i < N_CHECKS ? checks[i]->title : NULL;
}
