/* SPDX-License-Identifier: MIT */
/* Excessive data exposure: each successful baseline answer is searched for values that should
 * never leave the server: password hashes (bcrypt, argon2, scrypt, PBKDF2, crypt, hex digests in
 * password-like fields), plaintext passwords, API keys and client secrets, private keys. To keep
 * false positives low a value must match a shape, not only a field name; the tokens an
 * authentication answer is meant to return (access_token...) are never reported. */
#include "scan/checks/checks_int.h"

#include <ctype.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

enum leak {
    LEAK_NONE,
    LEAK_HASH,
    LEAK_PASSWORD,
    LEAK_SECRET,
    LEAK_PRIVATE_KEY,
};

static const char *const leak_names[] = {"", "password hash", "plaintext password", "secret",
                                         "private key"};

static bool
all_in(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

static bool
is_hex_digest(const char *s)
{
    size_t n = strlen(s);

    return (n == 32 || n == 40 || n == 56 || n == 64 || n == 96 || n == 128) &&
           all_in(s, "0123456789abcdefABCDEF");
}

/* Modular-crypt and friends: $2b$12$..., $argon2id$..., $scrypt$, pbkdf2_sha256$..., $6$... */
static bool
is_password_hash(const char *s)
{
    size_t n = strlen(s);

    if ((strncmp(s, "$2a$", 4) == 0 || strncmp(s, "$2b$", 4) == 0 || strncmp(s, "$2y$", 4) == 0 ||
         strncmp(s, "$2x$", 4) == 0) &&
        n == 60)
        return true;
    if (strncmp(s, "$argon2i$", 9) == 0 || strncmp(s, "$argon2d$", 9) == 0 ||
        strncmp(s, "$argon2id$", 10) == 0 || strncmp(s, "$scrypt$", 8) == 0 ||
        strncmp(s, "$7$", 3) == 0)
        return n > 20;
    if (strncmp(s, "pbkdf2_sha256$", 14) == 0 || strncmp(s, "pbkdf2:sha256:", 14) == 0 ||
        strncmp(s, "$pbkdf2", 7) == 0)
        return n > 30;
    if ((strncmp(s, "$6$", 3) == 0 || strncmp(s, "$5$", 3) == 0 || strncmp(s, "$1$", 3) == 0) &&
        n > 20)
        return true;
    return false;
}

static bool
key_is(const char *key, const char *const *names)
{
    char lower[64];
    size_t n = 0;

    /* Compare without case, '_' and '-': passwordHash == password_hash. */
    for (const char *c = key; *c && n < sizeof(lower) - 1; c++) {
        if (*c != '_' && *c != '-')
            lower[n++] = (char)tolower((unsigned char)*c);
    }
    lower[n] = '\0';
    for (size_t i = 0; names[i]; i++) {
        if (strcmp(lower, names[i]) == 0)
            return true;
    }
    return false;
}

static bool
masked(const char *s)
{
    static const char *const words[] = {"redacted", "hidden", "masked", "secret", "none",
                                        "null",     "n/a",    "******", NULL};

    return all_in(s, "*x•.#-") || check_contains_any_ci(s, words);
}

static enum leak
classify(const char *key, const char *value)
{
    static const char *const password_keys[] = {"password",     "passwd",        "pwd", "pass",
                                                "userpassword", "plainpassword", NULL};
    static const char *const hash_keys[] = {"passwordhash",
                                            "hashedpassword",
                                            "passwordhashed",
                                            "pwdhash",
                                            "passhash",
                                            "passworddigest",
                                            "encryptedpassword",
                                            "cryptedpassword",
                                            "hash",
                                            "passwordsalt",
                                            NULL};
    static const char *const secret_keys[] = {"apikey",
                                              "apisecret",
                                              "clientsecret",
                                              "secretkey",
                                              "secret",
                                              "privatekey",
                                              "accesskeysecret",
                                              "awssecretaccesskey",
                                              "secretaccesskey",
                                              "signingkey",
                                              "mfasecret",
                                              "totpsecret",
                                              "otpsecret",
                                              "passwordresettoken",
                                              "resettoken",
                                              "webhooksecret",
                                              NULL};
    size_t n = strlen(value);

    if (strstr(value, "-----BEGIN") && strstr(value, "PRIVATE KEY"))
        return LEAK_PRIVATE_KEY;
    if (is_password_hash(value))
        return LEAK_HASH;
    if (key_is(key, hash_keys) && (is_hex_digest(value) || n >= 20) && !masked(value))
        return LEAK_HASH;
    if (key_is(key, password_keys) && n >= 4 && !masked(value))
        return is_hex_digest(value) ? LEAK_HASH : LEAK_PASSWORD;
    if (key_is(key, secret_keys) && n >= 12 && !masked(value) && !strchr(value, ' '))
        return LEAK_SECRET;
    return LEAK_NONE;
}

struct found {
    struct buf fields; /* "users[0].password_hash (password hash), ..." */
    enum leak worst;
    size_t count;
};

static void
walk(json_t *j, const char *path, struct found *f, struct arena *arena, int depth)
{
    const char *key;
    json_t *v;
    size_t i;

    if (depth > 8 || f->count >= 8)
        return;
    if (json_is_object(j)) {
        json_object_foreach(j, key, v)
        {
            const char *child = arena_printf(arena, "%s%s%s", path, *path ? "." : "", key);

            if (json_is_string(v)) {
                enum leak l = classify(key, json_string_value(v));

                if (l != LEAK_NONE && f->count < 8) {
                    buf_printf(&f->fields, "%s%s (%s)", f->count ? ", " : "", child, leak_names[l]);
                    f->count++;
                    if (l == LEAK_PRIVATE_KEY || (l != LEAK_SECRET && f->worst == LEAK_NONE) ||
                        (l == LEAK_HASH && f->worst == LEAK_PASSWORD))
                        f->worst = l;
                    else if (f->worst == LEAK_NONE)
                        f->worst = l;
                }
            } else {
                walk(v, child, f, arena, depth + 1);
            }
        }
    } else if (json_is_array(j)) {
        /* The first few items show the shape; every item would repeat the same finding. */
        json_array_foreach(j, i, v)
        {
            if (i >= 3)
                break;
            walk(v, arena_printf(arena, "%s[%zu]", path, i), f, arena, depth + 1);
        }
    }
}

struct resend {
    const struct scan_check *check;
    const struct scan_op *op;
    struct found *found;
};

static void
emit(struct scan *scan, const struct scan_check *check, const struct scan_op *op, struct found *f,
     const struct probe *probe, const struct probe_response *resp)
{
    struct check_finding cf = {
        .severity = SEVERITY_HIGH,
        .confidence = f->worst == LEAK_PASSWORD ? CONFIDENCE_MEDIUM : CONFIDENCE_HIGH,
        .notes = arena_printf(scan_arena(scan), "Sensitive fields in the answer: %s.",
                              buf_str(&f->fields)),
    };

    switch (f->worst) {
    case LEAK_HASH:
        cf.title = "Password hashes exposed in responses";
        cf.cwe = "CWE-213";
        break;
    case LEAK_PASSWORD:
        cf.title = "Plaintext passwords exposed in responses";
        cf.cwe = "CWE-213";
        break;
    case LEAK_PRIVATE_KEY:
        cf.title = "Private key exposed in responses";
        break;
    default:
        cf.title = "Secrets exposed in responses";
        break;
    }
    cf.description = "The answer carries data the client never needs and must not see. Return "
                     "only the fields the client's use case requires.";
    check_emit(scan, check, op, &cf, probe, resp);
    buf_cleanup(&f->fields);
}

static void
resend_done(struct scan *scan, const struct probe *probe, const struct probe_response *resp,
            void *userdata)
{
    struct resend *r = userdata;

    /* Report with fresh evidence when the repeat answered, with the baseline otherwise. */
    emit(scan, r->check, r->op, r->found, probe, resp->status ? resp : NULL);
}

static void
on_operation(struct scan *scan, const struct scan_check *check, const struct scan_op *op)
{
    struct arena *arena = scan_arena(scan);
    struct found *f;
    struct resend *r;
    struct probe p;

    if (!check_status_ok(op->baseline_status) || !op->baseline_json)
        return;
    f = arena_alloc(arena, sizeof(*f));
    buf_init(&f->fields, 4096);
    walk(op->baseline_json, "", f, arena, 0);
    if (f->count == 0) {
        buf_cleanup(&f->fields);
        return;
    }
    if (!check_method_is(op, "GET")) {
        emit(scan, check, op, f, &op->baseline, NULL);
        return;
    }
    r = arena_alloc(arena, sizeof(*r));
    r->check = check;
    r->op = op;
    r->found = f;
    scan_probe_as(scan, op, SCAN_ID_A, &p);
    p.label = "data_exposure: evidence";
    if (scan_send(scan, &p, resend_done, r) != 0)
        emit(scan, check, op, f, &op->baseline, NULL);
}

const struct scan_check check_data_exposure = {
    .id = "data_exposure",
    .title = "Excessive data exposure",
    .owasp = "API3:2023",
    .cwe = "CWE-200",
    .severity = SEVERITY_HIGH,
    .remediation = "Serialize responses from an explicit allowlist of fields per use case; "
                   "never return password hashes, secrets, API keys or private keys, and do not "
                   "rely on the client to filter data.",
    .references = "https://owasp.org/API-Security/editions/2023/en/"
                  "0xa3-broken-object-property-level-authorization/ "
                  "https://cwe.mitre.org/data/definitions/200.html",
    .on_operation = on_operation,
};
