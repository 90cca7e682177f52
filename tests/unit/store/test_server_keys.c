/* SPDX-License-Identifier: MIT */
/* Server keys kept in the database, sealed with a key-encryption key (auth/server_keys.h,
 * store_server_key_*): created once, read by every later start, imported from existing key
 * files, agreed on by concurrent first starts, never opened or replaced under another KEK.
 * Runs on both engines like every store test. */
#include "unit/store/store_fixture.h"

#include <pthread.h>
#include <sys/stat.h>

#include "auth/server_keys.h"

static void
kek_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static struct secretbox_key
kek_from(const char *text)
{
    char path[] = "/tmp/vigil-kek-XXXXXX";
    int fd = mkstemp(path);
    struct secretbox_key kek;

    assert_true(fd >= 0);
    close(fd);
    kek_file(path, text, 0600);
    OK(server_keys_kek_load(&kek, path, err));
    unlink(path);
    return kek;
}

#define KEK_A "kek-a: 0123456789abcdef0123456789abcdef"
#define KEK_B "kek-b: 0123456789abcdef0123456789abcdef"

static void
rings_equal(const struct jwt_keyring *x, const struct jwt_keyring *y)
{
    assert_int_equal(x->count, y->count);
    assert_int_equal(x->current, y->current);
    for (size_t i = 0; i < x->count; i++) {
        assert_string_equal(x->keys[i].kid, y->keys[i].kid);
        assert_int_equal(x->keys[i].len, y->keys[i].len);
        assert_memory_equal(x->keys[i].bytes, y->keys[i].bytes, x->keys[i].len);
    }
}

static void
first_start_creates_the_keys_and_later_starts_read_them(void **state)
{
    struct fixture *fx = *state;
    struct secretbox_key kek = kek_from(KEK_A), scan1, scan2;
    struct jwt_keyring ring1, ring2;
    enum server_key_origin origin;

    OK(server_keys_jwt(fx->store, &kek, NULL, &ring1, &origin, err));
    assert_int_equal(origin, SERVER_KEY_CREATED);
    assert_int_equal(ring1.count, 1);
    OK(server_keys_jwt(fx->store, &kek, NULL, &ring2, &origin, err));
    assert_int_equal(origin, SERVER_KEY_STORED);
    rings_equal(&ring1, &ring2);

    OK(server_keys_scan(fx->store, &kek, NULL, &scan1, &origin, err));
    assert_int_equal(origin, SERVER_KEY_CREATED);
    assert_true(scan1.loaded);
    OK(server_keys_scan(fx->store, &kek, NULL, &scan2, &origin, err));
    assert_int_equal(origin, SERVER_KEY_STORED);
    assert_memory_equal(scan1.bytes, scan2.bytes, SECRETBOX_KEY_BYTES);
    /* Two keys, not one used twice. */
    assert_memory_not_equal(scan1.bytes, ring1.keys[0].bytes, SECRETBOX_KEY_BYTES);
}

static bool
contains(const unsigned char *hay, size_t n, const unsigned char *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    }
    return false;
}

static void
the_database_holds_no_key_in_the_clear(void **state)
{
    struct fixture *fx = *state;
    struct secretbox_key kek = kek_from(KEK_A), scan;
    struct jwt_keyring ring;
    enum server_key_origin origin;
    unsigned char *sealed;
    size_t len;
    bool found;

    OK(server_keys_jwt(fx->store, &kek, NULL, &ring, &origin, err));
    OK(server_keys_scan(fx->store, &kek, NULL, &scan, &origin, err));
    OK(store_server_key_get(fx->store, "jwt", fx->arena, &sealed, &len, &found, err));
    assert_true(found);
    assert_false(contains(sealed, len, ring.keys[0].bytes, 16));
    assert_false(
        contains(sealed, len, (const unsigned char *)ring.keys[0].kid, strlen(ring.keys[0].kid)));
    OK(store_server_key_get(fx->store, "scan-credentials", fx->arena, &sealed, &len, &found, err));
    assert_true(found);
    assert_int_equal(len, SECRETBOX_OVERHEAD + strlen("vigil server key scan-credentials\n") +
                              SECRETBOX_KEY_BYTES);
    assert_false(contains(sealed, len, scan.bytes, 16));
}

static void
another_kek_is_refused_and_replaces_nothing(void **state)
{
    struct fixture *fx = *state;
    struct secretbox_key a = kek_from(KEK_A), b = kek_from(KEK_B), scan;
    struct jwt_keyring ring, again;
    enum server_key_origin origin;
    struct err why = {0};

    OK(server_keys_jwt(fx->store, &a, NULL, &ring, &origin, err));
    OK(server_keys_scan(fx->store, &a, NULL, &scan, &origin, err));
    assert_int_equal(server_keys_jwt(fx->store, &b, NULL, &again, &origin, &why), -1);
    assert_int_equal(why.code, ERR_INTERNAL);
    assert_non_null(strstr(why.cause, "does not open the \"jwt\" key"));
    memset(&why, 0, sizeof(why));
    assert_int_equal(server_keys_scan(fx->store, &b, NULL, &scan, &origin, &why), -1);
    assert_non_null(strstr(why.cause, "does not open the \"scan-credentials\" key"));
    /* The right KEK still opens the keys first stored. */
    OK(server_keys_jwt(fx->store, &a, NULL, &again, &origin, err));
    assert_int_equal(origin, SERVER_KEY_STORED);
    rings_equal(&ring, &again);
}

static void
existing_key_files_are_imported_once(void **state)
{
    struct fixture *fx = *state;
    struct secretbox_key kek = kek_from(KEK_A), file_key, scan;
    struct jwt_keyring file_ring, other_ring, ring;
    enum server_key_origin origin;
    char dir[] = "/tmp/vigil-keys-XXXXXX", jwt_path[64], other_path[64], scan_path[64];

    assert_non_null(mkdtemp(dir));
    snprintf(jwt_path, sizeof(jwt_path), "%s/jwt.keys", dir);
    snprintf(other_path, sizeof(other_path), "%s/other.keys", dir);
    snprintf(scan_path, sizeof(scan_path), "%s/scan-credentials.key", dir);
    jwt_keyring_init(&file_ring);
    jwt_keyring_generate(&file_ring);
    jwt_keyring_rotate(&file_ring); /* two keys: the whole ring is imported, current first */
    OK(jwt_keyring_save_file(&file_ring, jwt_path, err));
    OK(secretbox_key_load_or_create(&file_key, scan_path, err));

    OK(server_keys_jwt(fx->store, &kek, jwt_path, &ring, &origin, err));
    assert_int_equal(origin, SERVER_KEY_IMPORTED);
    assert_int_equal(ring.count, 2);
    assert_string_equal(ring.keys[ring.current].kid, file_ring.keys[file_ring.current].kid);
    OK(server_keys_scan(fx->store, &kek, scan_path, &scan, &origin, err));
    assert_int_equal(origin, SERVER_KEY_IMPORTED);
    assert_memory_equal(scan.bytes, file_key.bytes, SECRETBOX_KEY_BYTES);

    /* Once stored, the database wins over any file a later start names. */
    jwt_keyring_init(&other_ring);
    jwt_keyring_generate(&other_ring);
    OK(jwt_keyring_save_file(&other_ring, other_path, err));
    OK(server_keys_jwt(fx->store, &kek, other_path, &ring, &origin, err));
    assert_int_equal(origin, SERVER_KEY_STORED);
    assert_string_equal(ring.keys[ring.current].kid, file_ring.keys[file_ring.current].kid);

    unlink(jwt_path);
    unlink(other_path);
    unlink(scan_path);
    rmdir(dir);
}

static void
a_missing_import_file_means_fresh_keys_and_a_broken_one_is_an_error(void **state)
{
    struct fixture *fx = *state;
    struct secretbox_key kek = kek_from(KEK_A), scan;
    struct jwt_keyring ring;
    enum server_key_origin origin;
    char dir[] = "/tmp/vigil-keys-XXXXXX", path[64];
    struct err why = {0};

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/jwt.keys", dir);
    kek_file(path, "not a key line\n", 0600);
    assert_int_equal(server_keys_jwt(fx->store, &kek, path, &ring, &origin, &why), -1);
    assert_non_null(strstr(why.cause, "expected kid:base64key"));
    unlink(path);
    OK(server_keys_jwt(fx->store, &kek, path, &ring, &origin, err));
    assert_int_equal(origin, SERVER_KEY_CREATED);
    OK(server_keys_scan(fx->store, &kek, path, &scan, &origin, err)); /* path is gone */
    assert_int_equal(origin, SERVER_KEY_CREATED);
    rmdir(dir);
}

static void
a_sealed_key_under_another_name_does_not_open(void **state)
{
    struct fixture *fx = *state;
    struct secretbox_key kek = kek_from(KEK_A), scan;
    struct jwt_keyring ring;
    enum server_key_origin origin;
    unsigned char *sealed;
    size_t len;
    bool found, added;
    struct err why = {0};

    OK(server_keys_jwt(fx->store, &kek, NULL, &ring, &origin, err));
    OK(store_server_key_get(fx->store, "jwt", fx->arena, &sealed, &len, &found, err));
    OK(store_server_key_add(fx->store, "scan-credentials", sealed, len, &added, err));
    assert_true(added);
    assert_int_equal(server_keys_scan(fx->store, &kek, NULL, &scan, &origin, &why), -1);
    assert_non_null(strstr(why.cause, "not labelled"));
}

#define STARTERS 4

struct starter {
    struct store *store;
    const struct secretbox_key *kek;
    struct jwt_keyring ring;
    struct secretbox_key scan;
    enum server_key_origin jwt_origin, scan_origin;
    pthread_barrier_t *barrier;
    int rc;
};

static void *
start_one(void *arg)
{
    struct starter *s = arg;
    struct err why = {0};

    pthread_barrier_wait(s->barrier);
    s->rc = server_keys_jwt(s->store, s->kek, NULL, &s->ring, &s->jwt_origin, &why) ||
            server_keys_scan(s->store, s->kek, NULL, &s->scan, &s->scan_origin, &why);
    if (s->rc)
        fprintf(stderr, "starter: %s (%s)\n", why.detail, why.cause);
    return NULL;
}

static void
concurrent_first_starts_agree_on_one_set_of_keys(void **state)
{
    struct fixture *fx = *state;
    struct secretbox_key kek = kek_from(KEK_A);
    struct starter starters[STARTERS];
    pthread_t threads[STARTERS];
    pthread_barrier_t barrier;
    int jwt_created = 0, scan_created = 0;

    pthread_barrier_init(&barrier, NULL, STARTERS);
    for (int i = 0; i < STARTERS; i++) {
        starters[i] = (struct starter){.store = fx->store, .kek = &kek, .barrier = &barrier};
        assert_int_equal(pthread_create(&threads[i], NULL, start_one, &starters[i]), 0);
    }
    for (int i = 0; i < STARTERS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < STARTERS; i++) {
        assert_int_equal(starters[i].rc, 0);
        rings_equal(&starters[0].ring, &starters[i].ring);
        assert_memory_equal(starters[0].scan.bytes, starters[i].scan.bytes, SECRETBOX_KEY_BYTES);
        jwt_created += starters[i].jwt_origin == SERVER_KEY_CREATED;
        scan_created += starters[i].scan_origin == SERVER_KEY_CREATED;
    }
    /* Each may have made a fresh key, but exactly one stored it; the others read it. */
    assert_int_equal(jwt_created, 1);
    assert_int_equal(scan_created, 1);
}

static void
kek_files_are_checked(void **state)
{
    char dir[] = "/tmp/vigil-kek-XXXXXX", path[64];
    struct secretbox_key kek, same;
    struct err why = {0};

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/kek", dir);

    assert_int_equal(server_keys_kek_load(&kek, path, &why), -1); /* missing */
    assert_non_null(strstr(why.cause, "No such file"));

    kek_file(path, "0123456789abcdef0123456789abcde\n", 0600); /* 31 bytes + newline */
    memset(&why, 0, sizeof(why));
    assert_int_equal(server_keys_kek_load(&kek, path, &why), -1);
    assert_non_null(strstr(why.cause, "at least 32 bytes"));

    kek_file(path, KEK_A, 0644);
    memset(&why, 0, sizeof(why));
    assert_int_equal(server_keys_kek_load(&kek, path, &why), -1);
    assert_non_null(strstr(why.cause, "chmod 600"));

    /* A trailing newline (echo, base64) is not part of the secret. */
    kek_file(path, KEK_A "\n", 0600);
    OK(server_keys_kek_load(&kek, path, err));
    kek_file(path, KEK_A, 0600);
    OK(server_keys_kek_load(&same, path, err));
    assert_memory_equal(kek.bytes, same.bytes, SECRETBOX_KEY_BYTES);
    /* And the key is derived, not the file's bytes themselves. */
    assert_memory_not_equal(kek.bytes, KEK_A, SECRETBOX_KEY_BYTES);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(first_start_creates_the_keys_and_later_starts_read_them),
        T(the_database_holds_no_key_in_the_clear),
        T(another_kek_is_refused_and_replaces_nothing),
        T(existing_key_files_are_imported_once),
        T(a_missing_import_file_means_fresh_keys_and_a_broken_one_is_an_error),
        T(a_sealed_key_under_another_name_does_not_open),
        T(concurrent_first_starts_agree_on_one_set_of_keys),
        cmocka_unit_test(kek_files_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
