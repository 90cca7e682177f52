/* SPDX-License-Identifier: MIT */
/* Injection: SQL, NoSQL operators, OS commands and path traversal, parameter by parameter.
 * Phase 1 sends a benign control and one probe per technique at once and looks for evidence the
 * control does not show: database error messages, `id` output, /etc/passwd lines, or a login
 * that an operator object ({"$ne": null}) passes while the control fails and a plain object,
 * sent only then, fails too. Phase 2 is a boolean differential: an always-true and an
 * always-false condition (`' AND 'x'='x' -- `, `' AND 'x'='y' -- `; ` AND 1=1` for numbers) next
 * to a control pair of the same text made meaningless (`_ AND _x_=_x_ -- `, ` XND 1=1`). The
 * answers are compared with every payload echo removed, as JSON member by member; a member that
 * the control pair changes too is noise (an echo, a hash of the input, a new id, a clock). A
 * finding needs the true answer to carry the baseline's status and to differ from the false one
 * at a quiet member, then the same on a second round, whose repeats count as control pairs too.
 * Phase 3 times a delay (a shell `sleep`, SQL SLEEP() or pg_sleep()) and confirms it by
 * repetition, with a zero delay in between that must be fast. */
#include "scan/checks/checks_int.h"

#include <string.h>

#include "core/arena.h"
#include "scan/scan.h"

enum slot {
    S_CONTROL,
    S_SQL_ERROR,
    S_CMD_SEMI,
    S_CMD_PIPE,
    S_CMD_SUBST,
    S_TRAVERSAL,
    S_TRAVERSAL_ABS,
    S_NOSQL_NE,
    S_NOSQL_GT,
    S_NOSQL_PLAIN,
    /* Phase 2: four probes, then the same four again when the first round points to SQL. */
    S_TRUE,
    S_FALSE,
    S_CONTROL_TRUE,
    S_CONTROL_FALSE,
    S_TRUE_AGAIN,
    S_FALSE_AGAIN,
    S_CONTROL_TRUE_AGAIN,
    S_CONTROL_FALSE_AGAIN,
    S_SLEEP,
    S_SLEEP0,
    S_SLEEP_AGAIN,
    S_COUNT,
};

#define SLEEP_S 2

struct task {
    const struct scan_check *check;
    const struct scan_op *op;
    struct check_param param;
    const char *base; /* the baseline value, prefix of the payloads */
    bool numeric;
    const char *values[S_COUNT]; /* payloads as sent (for echo stripping) */
    struct probe *probes[S_COUNT];
    struct probe_response *resps[S_COUNT];
    int pending;
    int phase;
    size_t family;       /* phase 3: index into families */
    bool family_retried; /* its confirmation was retried once */
    bool phase1_rest;    /* phase 1's other probes wait for the operators */
    bool sql_found, cmd_found;
};

static const char *
body_of(const struct task *t, enum slot s)
{
    return t->resps[s] && t->resps[s]->body ? t->resps[s]->body : "";
}

static long
status_of(const struct task *t, enum slot s)
{
    return t->resps[s] ? t->resps[s]->status : 0;
}

/* Text the scan already saw without any payload: control answer and baseline. */
static bool
seen_before(struct scan *scan, const struct task *t, bool (*test)(const char *))
{
    const char *baseline = t->op->baseline_json ? check_json_text(scan, t->op->baseline_json) : "";

    return test(body_of(t, S_CONTROL)) || test(baseline);
}

static bool
has_sql_error(const char *s)
{
    return check_sql_error_in(s) != NULL;
}

static void
report(struct scan *scan, struct task *t, enum slot s, const char *title, const char *cwe,
       const char *description, enum confidence confidence, const char *notes)
{
    struct check_finding cf = {
        .title = title,
        .description = description,
        .severity = SEVERITY_HIGH,
        .confidence = confidence,
        .cwe = cwe,
        .notes = arena_printf(scan_arena(scan), "Parameter \"%s\": %s", t->param.name, notes),
    };

    if (strcmp(cwe, "CWE-78") == 0 || strcmp(cwe, "CWE-89") == 0)
        cf.severity = SEVERITY_CRITICAL;
    check_emit(scan, t->check, t->op, &cf, t->probes[s], t->resps[s]);
}

/* ---- sending ------------------------------------------------------------------------------- */

static void probe_done(struct scan *scan, const struct probe *probe,
                       const struct probe_response *resp, void *userdata);

struct slot_ref {
    struct task *task;
    enum slot slot;
};

/* raw: value is JSON text for a body parameter (operator objects), else a plain string. */
static void
send_slot(struct scan *scan, struct task *t, enum slot s, const char *value, bool raw,
          unsigned timeout_ms)
{
    struct slot_ref *ref = arena_alloc(scan_arena(scan), sizeof(*ref));
    const char *sent = value;
    struct probe p;

    if (t->param.in == PROBE_IN_BODY && !raw)
        sent = check_json_quote(scan, value);
    if (scan_probe_variant(scan, t->op, SCAN_ID_A, t->param.in, t->param.name, sent, &p) != 0)
        return;
    p.label = "injection";
    p.timeout_ms = timeout_ms;
    ref->task = t;
    ref->slot = s;
    t->values[s] = value;
    if (scan_send(scan, &p, probe_done, ref) == 0)
        t->pending++;
}

static void start_phase2(struct scan *scan, struct task *t);
static void send_phase1_rest(struct scan *scan, struct task *t);
static void start_phase3(struct scan *scan, struct task *t);

static void
evaluate_phase1(struct scan *scan, struct task *t)
{
    if (has_sql_error(body_of(t, S_SQL_ERROR)) && !seen_before(scan, t, has_sql_error)) {
        t->sql_found = true;
        report(scan, t, S_SQL_ERROR, "SQL injection", "CWE-89",
               "A quote in the parameter produced a database syntax error: the value is "
               "spliced into an SQL statement.",
               CONFIDENCE_HIGH,
               arena_printf(scan_arena(scan), "a quote produced the database error \"%s\".",
                            check_sql_error_in(body_of(t, S_SQL_ERROR))));
    }
    for (enum slot s = S_CMD_SEMI; s <= S_CMD_SUBST && !t->numeric; s++) {
        if (check_has_id_output(body_of(t, s)) && !seen_before(scan, t, check_has_id_output)) {
            t->cmd_found = true;
            report(scan, t, s, "OS command injection", "CWE-78",
                   "A shell metacharacter followed by `id` in the parameter returned the "
                   "output of `id`: the value reaches a shell.",
                   CONFIDENCE_HIGH, "an appended `id` command ran and its output came back.");
            break;
        }
    }
    for (enum slot s = S_TRAVERSAL; s <= S_TRAVERSAL_ABS && !t->numeric; s++) {
        if (check_has_passwd_line(body_of(t, s)) && !seen_before(scan, t, check_has_passwd_line)) {
            report(scan, t, s, "Path traversal", "CWE-22",
                   "A relative or absolute path in the parameter returned the contents of "
                   "/etc/passwd: the value is used as a file path without confinement.",
                   CONFIDENCE_HIGH, "the answer contains a line of /etc/passwd.");
            break;
        }
    }
    if (t->param.in == PROBE_IN_BODY && check_status_ok(t->op->baseline_status) &&
        t->resps[S_NOSQL_NE] && t->resps[S_NOSQL_GT]) {
        long control = status_of(t, S_CONTROL);

        if (control >= 400 && control < 500 && control != 429 &&
            status_of(t, S_NOSQL_NE) == t->op->baseline_status &&
            status_of(t, S_NOSQL_GT) == t->op->baseline_status) {
            /* Only now, so that on a login its failure cannot lock the operators out. */
            send_slot(scan, t, S_NOSQL_PLAIN, "{\"vigil_ne\": null}", true, 0);
            if (t->pending)
                return;
        }
    }
    start_phase2(scan, t);
}

/* The operators passed where a wrong value failed: an object without operators must fail too,
 * else the target ignores objects (a dropped optional field) rather than querying with them. A
 * 429 here (a lockout) keeps the verdict of the operators. */
static void
evaluate_nosql_plain(struct scan *scan, struct task *t)
{
    if (t->resps[S_NOSQL_PLAIN] && status_of(t, S_NOSQL_PLAIN) != 0 &&
        status_of(t, S_NOSQL_PLAIN) != t->op->baseline_status)
        report(scan, t, S_NOSQL_NE, "NoSQL operator injection", "CWE-943",
               "An operator object ({\"$ne\": null}, {\"$gt\": \"\"}) in place of the value "
               "succeeded where a wrong plain value and an object without operators failed: "
               "the object reaches a query unchanged and bypasses the check.",
               CONFIDENCE_HIGH,
               arena_printf(scan_arena(scan),
                            "a wrong value got HTTP %ld, {\"vigil_ne\": null} HTTP %ld, "
                            "{\"$ne\": null} HTTP %ld.",
                            status_of(t, S_CONTROL), status_of(t, S_NOSQL_PLAIN),
                            status_of(t, S_NOSQL_NE)));
    start_phase2(scan, t);
}

static bool
inconclusive(long status)
{
    return status == 0 || status == 429 || status == 503;
}

#define N_BOOLEAN 4 /* probes in a phase 2 round */

/* The phase 2 answers of round `round` (0 or 1) as JSON, echoes of every payload removed. */
static void
boolean_answers(struct scan *scan, const struct task *t, int round, json_t *out[N_BOOLEAN])
{
    const char *needles[N_BOOLEAN];

    for (int i = 0; i < N_BOOLEAN; i++)
        needles[i] = t->values[S_TRUE + i] ? t->values[S_TRUE + i] : "";
    for (int i = 0; i < N_BOOLEAN; i++)
        out[i] =
            check_answer_json(scan, t->resps[S_TRUE + round * N_BOOLEAN + i], needles, N_BOOLEAN);
}

static bool
round_conclusive(const struct task *t, int round)
{
    for (int i = 0; i < N_BOOLEAN; i++) {
        enum slot s = S_TRUE + round * N_BOOLEAN + i;

        if (!t->resps[s] || inconclusive(status_of(t, s)))
            return false;
    }
    return true;
}

static void send_boolean_round(struct scan *scan, struct task *t, int round);

/* Round 0: the true and false answers differ where the control pair agrees, and the true one
 * has the baseline's status (the condition kept the statement's meaning). Round 1 repeats it
 * and also treats every member that changed between the rounds as noise. */
static void
evaluate_phase2(struct scan *scan, struct task *t, int round)
{
    json_t *a[N_BOOLEAN], *b[N_BOOLEAN];
    enum { T, F, CT, CF };

    if (!round_conclusive(t, round))
        goto next;
    if (status_of(t, S_TRUE + round * N_BOOLEAN) != t->op->baseline_status ||
        !check_status_ok(status_of(t, S_TRUE + round * N_BOOLEAN)))
        goto next;
    boolean_answers(scan, t, 0, a);
    if (round == 0) {
        json_t *controls[] = {a[CT], a[CF]};

        if (check_json_differs_beyond(a[T], a[F], controls, 1)) {
            send_boolean_round(scan, t, 1);
            if (t->pending)
                return;
        }
        goto next;
    }
    boolean_answers(scan, t, 1, b);
    {
        json_t *controls[] = {a[CT], a[CF], b[CT], b[CF], a[T],  b[T],
                              a[F],  b[F],  a[CT], b[CT], a[CF], b[CF]};

        if (!check_json_differs_beyond(a[T], a[F], controls, 6) ||
            !check_json_differs_beyond(b[T], b[F], controls, 6))
            goto next;
    }
    t->sql_found = true;
    report(scan, t, S_TRUE_AGAIN, "SQL injection", "CWE-89",
           "Appending an always-true and an always-false SQL condition to the parameter gives "
           "two different, repeatable answers, while the same text made meaningless (quotes "
           "or keyword defused) "
           "does not: the condition is evaluated by the database.",
           CONFIDENCE_HIGH,
           arena_printf(scan_arena(scan),
                        "true conditions answered HTTP %ld (%zu bytes), false conditions HTTP "
                        "%ld (%zu bytes), twice; the defused control pair answered alike "
                        "(HTTP %ld).",
                        status_of(t, S_TRUE), strlen(body_of(t, S_TRUE)), status_of(t, S_FALSE),
                        strlen(body_of(t, S_FALSE)), status_of(t, S_CONTROL_TRUE)));
next:
    start_phase3(scan, t);
}

static double
elapsed(const struct task *t, enum slot s)
{
    return t->resps[s] ? t->resps[s]->elapsed_ms : 0;
}

static bool
slow(const struct task *t, enum slot s)
{
    const struct probe_response *r = t->resps[s];

    return r && (r->status != 0 || r->error) &&
           elapsed(t, s) >= SLEEP_S * 1000 * 0.9 + elapsed(t, S_CONTROL);
}

/* Delays that only run if the value reaches a shell or an SQL expression. */
struct timing_family {
    const char *before, *after; /* around the number of seconds */
    bool sql;
    const char *what;
};

static const struct timing_family families[] = {
    {";sleep ", "", false, "An appended `sleep` command"},
    {"'||SLEEP(", ")||'", true, "A concatenated SLEEP() call"},
    {"'||pg_sleep(", ")||'", true, "A concatenated pg_sleep() call"},
};

#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

static const char *
delay_value(struct scan *scan, const struct task *t, int seconds)
{
    const struct timing_family *f = &families[t->family];

    return arena_printf(scan_arena(scan), "%s%s%d%s", t->base, f->before, seconds, f->after);
}

/* Starts the next timing family that can still tell something. */
static void
next_family(struct scan *scan, struct task *t)
{
    for (; t->family < N_FAMILIES; t->family++) {
        const struct timing_family *f = &families[t->family];

        if ((f->sql && t->sql_found) || (!f->sql && t->cmd_found))
            continue;
        send_slot(scan, t, S_SLEEP, delay_value(scan, t, SLEEP_S), false, (SLEEP_S + 8) * 1000);
        if (t->pending)
            return;
    }
}

static void
evaluate_sleep(struct scan *scan, struct task *t, enum slot s)
{
    const struct timing_family *f = &families[t->family];

    if (s == S_SLEEP && slow(t, S_SLEEP)) {
        send_slot(scan, t, S_SLEEP0, delay_value(scan, t, 0), false, 0);
        if (t->pending)
            return;
    } else if (s == S_SLEEP0 && elapsed(t, S_SLEEP0) < 1000 + elapsed(t, S_CONTROL) &&
               t->resps[S_SLEEP0]->status != 0) {
        send_slot(scan, t, S_SLEEP_AGAIN, delay_value(scan, t, SLEEP_S), false,
                  (SLEEP_S + 8) * 1000);
        if (t->pending)
            return;
    } else if (s == S_SLEEP_AGAIN && slow(t, S_SLEEP_AGAIN)) {
        const char *notes = arena_printf(
            scan_arena(scan),
            "a delay of %d s took %.0f ms and %.0f ms, a delay of 0 s %.0f ms, the control "
            "%.0f ms.",
            SLEEP_S, elapsed(t, S_SLEEP), elapsed(t, S_SLEEP_AGAIN), elapsed(t, S_SLEEP0),
            elapsed(t, S_CONTROL));

        if (f->sql) {
            t->sql_found = true;
            report(scan, t, S_SLEEP_AGAIN, "SQL injection", "CWE-89",
                   arena_printf(scan_arena(scan),
                                "%s in the parameter delayed the answer by its duration, twice, "
                                "while a zero delay did not: the value is evaluated by the "
                                "database.",
                                f->what),
                   CONFIDENCE_MEDIUM, notes);
        } else {
            t->cmd_found = true;
            report(scan, t, S_SLEEP_AGAIN, "OS command injection", "CWE-78",
                   "An appended `sleep` command delayed the answer by its duration, twice, "
                   "while `sleep 0` did not: the value reaches a shell.",
                   CONFIDENCE_MEDIUM, notes);
        }
    } else if (s != S_SLEEP && !t->family_retried) {
        /* The first delay was slow but the confirmation failed: one more try from the start
         * tells a noisy moment from a value that never reached a shell or a database. */
        t->family_retried = true;
        send_slot(scan, t, S_SLEEP, delay_value(scan, t, SLEEP_S), false, (SLEEP_S + 8) * 1000);
        if (t->pending)
            return;
    }
    t->family++;
    t->family_retried = false;
    next_family(scan, t);
}

static void
probe_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
           void *userdata)
{
    struct slot_ref *ref = userdata;
    struct task *t = ref->task;

    t->probes[ref->slot] = check_probe_copy(scan, probe);
    t->resps[ref->slot] = check_response_copy(scan, resp);
    if (--t->pending > 0)
        return;
    if (t->phase == 1 && t->phase1_rest)
        send_phase1_rest(scan, t);
    else if (t->phase == 1 && ref->slot == S_NOSQL_PLAIN)
        evaluate_nosql_plain(scan, t);
    else if (t->phase == 1)
        evaluate_phase1(scan, t);
    else if (t->phase == 2)
        evaluate_phase2(scan, t, ref->slot >= S_TRUE_AGAIN);
    else
        evaluate_sleep(scan, t, ref->slot);
}

/* Sends phase 2 round `round`: true, false, then the control pair (quotes defused, so the
 * text keeps its length, its words and its one differing character, but no SQL meaning). */
static void
send_boolean_round(struct scan *scan, struct task *t, int round)
{
    static const char *const str_suffix[N_BOOLEAN] = {"' AND 'x'='x' -- ", "' AND 'x'='y' -- ",
                                                      "_ AND _x_=_x_ -- ", "_ AND _x_=_y_ -- "};
    static const char *const num_suffix[N_BOOLEAN] = {" AND 1=1", " AND 1=2", " XND 1=1",
                                                      " XND 1=2"};

    for (int i = 0; i < N_BOOLEAN; i++)
        send_slot(scan, t, S_TRUE + round * N_BOOLEAN + i,
                  arena_printf(scan_arena(scan), "%s%s", t->base,
                               t->numeric ? num_suffix[i] : str_suffix[i]),
                  false, 0);
}

static void
start_phase2(struct scan *scan, struct task *t)
{
    t->phase = 2;
    if (t->sql_found) {
        start_phase3(scan, t);
        return;
    }
    send_boolean_round(scan, t, 0);
    if (t->pending == 0)
        start_phase3(scan, t);
}

static void
start_phase3(struct scan *scan, struct task *t)
{
    t->phase = 3;
    t->family = 0;
    if (t->numeric || t->param.in == PROBE_IN_PATH)
        return;
    next_family(scan, t);
}

static void
start_phase1(struct scan *scan, struct task *t)
{
    struct arena *arena = scan_arena(scan);
    const char *b = t->base;

    t->phase = 1;
    send_slot(scan, t, S_CONTROL,
              t->numeric ? b : arena_printf(arena, "vigil%s", check_random_token(scan, 6)), false,
              0);
    /* Operators go first, and the other probes only once they answered: on a login, the
     * failures those cause may trip the target's lockout, and operators need a target that
     * still answers. */
    if (t->param.in == PROBE_IN_BODY) {
        send_slot(scan, t, S_NOSQL_NE, "{\"$ne\": null}", true, 0);
        send_slot(scan, t, S_NOSQL_GT, "{\"$gt\": \"\"}", true, 0);
        t->phase1_rest = true;
        if (t->pending)
            return;
    }
    send_phase1_rest(scan, t);
}

/* The phase 1 probes after the operators. */
static void
send_phase1_rest(struct scan *scan, struct task *t)
{
    struct arena *arena = scan_arena(scan);
    const char *b = t->base;

    t->phase1_rest = false;
    send_slot(scan, t, S_SQL_ERROR, arena_printf(arena, "%s'\")", b), false, 0);
    if (!t->numeric) {
        send_slot(scan, t, S_CMD_SEMI, arena_printf(arena, "%s;id", b), false, 0);
        send_slot(scan, t, S_CMD_PIPE, arena_printf(arena, "%s|id", b), false, 0);
        send_slot(scan, t, S_CMD_SUBST, arena_printf(arena, "%s$(id)", b), false, 0);
        send_slot(scan, t, S_TRAVERSAL, "../../../../../../../../../../etc/passwd", false, 0);
        send_slot(scan, t, S_TRAVERSAL_ABS, "/etc/passwd", false, 0);
    }
    if (t->pending == 0)
        evaluate_phase1(scan, t);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct check_param *params;
    size_t n;

    if (op->baseline_status == 0 || op->baseline_status >= 500)
        return;
    if (op->destructive && !op->created_resource && !scan_options_of(scan)->allow_destructive)
        return;
    n = check_params(scan, op, &params);
    for (size_t i = 0; i < n; i++) {
        const struct check_param *p = &params[i];
        struct task *t;
        const char *base;

        if (p->in == PROBE_IN_HEADER || p->in == PROBE_IN_COOKIE)
            continue;
        if (p->type && strcmp(p->type, "string") != 0 && strcmp(p->type, "integer") != 0 &&
            strcmp(p->type, "number") != 0)
            continue;
        if (p->format && (strcmp(p->format, "password") == 0 || strcmp(p->format, "binary") == 0))
            continue; /* hashed or stored as bytes: not spliced into queries */
        base = check_param_value(scan, op, p);
        if (!base && p->in == PROBE_IN_PATH)
            continue;
        t = arena_alloc(scan_arena(scan), sizeof(*t));
        t->check = check;
        t->op = op;
        t->param = *p;
        t->numeric = p->type && strcmp(p->type, "string") != 0;
        t->base = base && strlen(base) < 200 ? base : (t->numeric ? "1" : "vigil");
        start_phase1(scan, t);
    }
}

const struct scan_check check_injection = {
    .id = "injection",
    .title = "Injection (SQL, NoSQL, OS command, path traversal)",
    .owasp = "API8:2023",
    .cwe = "CWE-74",
    .severity = SEVERITY_CRITICAL,
    .remediation = "Never build queries, commands or paths by string concatenation: use bound "
                   "parameters for SQL, typed values (reject objects) for document stores, "
                   "argument vectors without a shell for commands, and resolve file names "
                   "against a fixed directory, refusing anything that leaves it.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa8-security-misconfiguration/ "
                  "https://cheatsheetseries.owasp.org/cheatsheets/"
                  "Injection_Prevention_Cheat_Sheet.html "
                  "https://cwe.mitre.org/data/definitions/89.html "
                  "https://cwe.mitre.org/data/definitions/78.html "
                  "https://cwe.mitre.org/data/definitions/22.html",
    .on_operation = on_operation,
};
