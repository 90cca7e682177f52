/* SPDX-License-Identifier: MIT */
/* Regular-expression denial of service, by timing: a string parameter gets "aaa...a!" of
 * growing length (the classic trigger for nested quantifiers such as (a+)+$). When one length
 * takes far longer than the short one and the baseline, that length is sent again and must be
 * slow again, and the short one fast again, before anything is reported. Parameters are tested
 * one at a time across the whole scan, so this check's own probes never slow each other down. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"
#include "scan/scan.h"

static const size_t lengths[] = {8, 16, 20, 22, 24, 26};
#define N_LENGTHS        (sizeof(lengths) / sizeof(lengths[0]))
#define SLOW_MS          700.0
#define PROBE_TIMEOUT_MS 8000

enum step { STEP_SERIES, STEP_CONFIRM_SLOW, STEP_CONFIRM_FAST };

struct job {
    struct job *next;
    const struct scan_op *op;
    struct check_param param;
};

struct redos {
    const struct scan_check *check;
    struct job *head, *tail;
    struct job *current;
    size_t index;    /* into lengths */
    double short_ms; /* time of the shortest input */
    double slow_ms;
    size_t slow_len;
    enum step step;
    bool retried; /* the final fast confirmation was repeated once */
    struct probe *evidence_probe;
    struct probe_response *evidence_resp;
};

static void run_next(struct scan *scan, struct redos *st);

static void probe_done(struct scan *scan, const struct probe *probe,
                       const struct probe_response *resp, void *userdata);

static bool
send_length(struct scan *scan, struct redos *st, size_t n)
{
    char payload[64];
    struct probe p;
    const struct job *j = st->current;

    memset(payload, 'a', n);
    payload[n] = '!';
    payload[n + 1] = '\0';
    if (scan_probe_variant(scan, j->op, SCAN_ID_A, j->param.in, j->param.name,
                           j->param.in == PROBE_IN_BODY ? check_json_quote(scan, payload) : payload,
                           &p) != 0)
        return false;
    p.timeout_ms = PROBE_TIMEOUT_MS;
    p.label = "redos: growing input";
    return scan_send(scan, &p, probe_done, st) == 0;
}

static double
took(const struct probe_response *resp)
{
    /* A timeout counts as at least the timeout. */
    if (resp->status == 0 && resp->elapsed_ms < PROBE_TIMEOUT_MS && !resp->error)
        return 0;
    return resp->elapsed_ms;
}

static bool
is_slow(const struct redos *st, double ms)
{
    double base = st->short_ms;

    if (st->current->op->baseline_status && base < 1)
        base = 1;
    return ms >= base + SLOW_MS && ms >= 5 * base;
}

static void
finish_job(struct scan *scan, struct redos *st)
{
    st->current = NULL;
    run_next(scan, st);
}

static void
probe_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct redos *st = userdata;
    double ms = took(resp);

    switch (st->step) {
    case STEP_SERIES:
        if (st->index == 0) {
            if (resp->status == 0) {
                finish_job(scan, st);
                return;
            }
            st->short_ms = ms;
        } else if (is_slow(st, ms)) {
            st->slow_ms = ms;
            st->slow_len = lengths[st->index];
            st->evidence_probe = check_probe_copy(scan, probe);
            st->evidence_resp = check_response_copy(scan, resp);
            st->step = STEP_CONFIRM_SLOW;
            if (!send_length(scan, st, st->slow_len))
                finish_job(scan, st);
            return;
        }
        if (++st->index >= N_LENGTHS || !send_length(scan, st, lengths[st->index]))
            finish_job(scan, st);
        return;
    case STEP_CONFIRM_SLOW:
        if (!is_slow(st, ms)) {
            /* Noise, or growth only just past the threshold: go on with longer inputs. */
            st->step = STEP_SERIES;
            if (++st->index >= N_LENGTHS || !send_length(scan, st, lengths[st->index]))
                finish_job(scan, st);
            return;
        }
        st->step = STEP_CONFIRM_FAST;
        if (!send_length(scan, st, lengths[0]))
            finish_job(scan, st);
        st->slow_ms = ms < st->slow_ms ? ms : st->slow_ms;
        return;
    case STEP_CONFIRM_FAST:
        if (!(resp->status != 0 && ms < st->short_ms + SLOW_MS / 2) && !st->retried) {
            /* The short input was slow this time: the target may have been busy. Once more. */
            st->retried = true;
            if (!send_length(scan, st, lengths[0]))
                finish_job(scan, st);
            return;
        }
        if (resp->status != 0 && ms < st->short_ms + SLOW_MS / 2) {
            struct check_finding cf = {
                .title = "Regular expression denial of service (ReDoS)",
                .description = "The time to answer grows steeply with the length of a simple "
                               "input: the value is matched by a regular expression with "
                               "catastrophic backtracking, so a few requests can tie up the "
                               "server.",
                .severity = SEVERITY_MEDIUM,
                .confidence = CONFIDENCE_HIGH,
                .notes = arena_printf(scan_arena(scan),
                                      "Parameter \"%s\": %zu characters took %.0f ms (twice), "
                                      "%zu characters %.0f ms.",
                                      st->current->param.name, st->slow_len + 1, st->slow_ms,
                                      lengths[0] + 1, ms),
            };
            check_emit(scan, st->check, st->current->op, &cf, st->evidence_probe,
                       st->evidence_resp);
        }
        finish_job(scan, st);
        return;
    }
}

static void
run_next(struct scan *scan, struct redos *st)
{
    while (!st->current && st->head) {
        st->current = st->head;
        st->head = st->head->next;
        if (!st->head)
            st->tail = NULL;
        st->index = 0;
        st->step = STEP_SERIES;
        st->short_ms = st->slow_ms = 0;
        st->retried = false;
        if (!send_length(scan, st, lengths[0]))
            st->current = NULL;
    }
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct redos *st = check_state(scan, check, sizeof(*st));
    struct check_param *params;
    size_t n;

    st->check = check;
    if (op->baseline_status == 0 || op->baseline_status >= 500)
        return;
    if (op->destructive && !op->created_resource && !scan_options_of(scan)->allow_destructive)
        return;
    n = check_params(scan, op, &params);
    for (size_t i = 0; i < n; i++) {
        struct job *j;

        if (params[i].in != PROBE_IN_QUERY && params[i].in != PROBE_IN_BODY)
            continue;
        if (params[i].type && strcmp(params[i].type, "string") != 0)
            continue;
        if (params[i].format && strcmp(params[i].format, "password") == 0)
            continue;
        if (json_is_object(params[i].schema) && json_object_get(params[i].schema, "enum"))
            continue;
        j = arena_alloc(scan_arena(scan), sizeof(*j));
        j->op = op;
        j->param = params[i];
        if (st->tail)
            st->tail->next = j;
        else
            st->head = j;
        st->tail = j;
    }
    run_next(scan, st);
}

const struct scan_check check_redos = {
    .id = "redos",
    .title = "Regular expression denial of service",
    .owasp = "API4:2023",
    .cwe = "CWE-1333",
    .severity = SEVERITY_MEDIUM,
    .remediation = "Use regular expressions without nested or overlapping quantifiers, or a "
                   "linear-time engine (RE2); cap input length before matching and bound the "
                   "time a match may take.",
    .references = "https://owasp.org/www-community/attacks/"
                  "Regular_expression_Denial_of_Service_-_ReDoS "
                  "https://cwe.mitre.org/data/definitions/1333.html",
    .on_operation = on_operation,
};
