/* SPDX-License-Identifier: MIT */
/* The secretbox key file and sealing with libsodium. The key file holds one line: the key in
 * base64. It is created by writing a private temporary file and linking it to its name, which
 * fails if the name exists, so concurrent first starts of `vigil serve` and `vigil worker` end
 * up with the same key. */
#include "auth/secretbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/secret_file.h"
#include "core/str.h"
#include "core/xalloc.h"

#define KEY_FILE_MAX 256

static int
sodium_ready(struct err *err)
{
    if (sodium_init() < 0)
        return err_internal(err, "libsodium cannot initialise");
    return 0;
}

int
secretbox_key_read(struct secretbox_key *key, const char *path, struct err *err)
{
    char text[KEY_FILE_MAX + 1];
    size_t have = 0, got_len = 0;
    int rc =
        secret_file_read(path, "scan credentials key file", false, text, KEY_FILE_MAX, &have, err);

    if (rc != 0)
        return rc;
    while (have > 0 && (text[have - 1] == '\n' || text[have - 1] == '\r'))
        text[--have] = '\0';
    rc = -1;
    if (sodium_base642bin(key->bytes, sizeof(key->bytes), text, have, NULL, &got_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got_len != SECRETBOX_KEY_BYTES)
        err_internal(err, "scan credentials key file %s does not hold one base64 %d-byte key", path,
                     SECRETBOX_KEY_BYTES);
    else
        rc = 0;
    key->loaded = rc == 0;
    str_wipe(text, sizeof(text));
    return rc;
}

static int
write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t put = write(fd, data, len);

        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return -1;
        data += put;
        len -= (size_t)put;
    }
    return 0;
}

/* 0 when this process created the file, 1 when another one already had, -1 on error. */
static int
key_create(const char *path, struct err *err)
{
    unsigned char fresh[SECRETBOX_KEY_BYTES];
    char text[sodium_base64_ENCODED_LEN(SECRETBOX_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL) + 1];
    char tmp[4096];
    size_t len;
    int fd, rc = 0;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= sizeof(tmp))
        return err_internal(err, "scan credentials key file path too long");
    randombytes_buf(fresh, sizeof(fresh));
    sodium_bin2base64(text, sizeof(text) - 1, fresh, sizeof(fresh), sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(fresh, sizeof(fresh));
    len = strlen(text); /* the buffer has one byte more than the encoding, for the newline */
    text[len] = '\n';
    text[len + 1] = '\0';
    (void)unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        sodium_memzero(text, sizeof(text));
        return err_internal(err, "scan credentials key file %s: %s", tmp, strerror(errno));
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0)
        rc = err_internal(err, "scan credentials key file %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = err_internal(err, "scan credentials key file %s: %s", tmp, strerror(errno));
    sodium_memzero(text, sizeof(text));
    if (rc == 0 && link(tmp, path) != 0) {
        if (errno == EEXIST)
            rc = 1;
        else
            rc = err_internal(err, "scan credentials key file %s: %s", path, strerror(errno));
    }
    (void)unlink(tmp);
    return rc;
}

int
secretbox_key_load_or_create(struct secretbox_key *key, const char *path, struct err *err)
{
    int rc;

    memset(key, 0, sizeof(*key));
    if (sodium_ready(err))
        return -1;
    rc = secretbox_key_read(key, path, err);
    if (rc <= 0)
        return rc;
    if (key_create(path, err) < 0)
        return -1;
    rc = secretbox_key_read(key, path, err);
    return rc == 1 ? err_internal(err, "scan credentials key file %s vanished", path) : rc;
}

void
secretbox_key_cleanup(struct secretbox_key *key)
{
    if (key)
        sodium_memzero(key, sizeof(*key));
}

int
secretbox_seal(const struct secretbox_key *key, const void *plain, size_t n, unsigned char **out,
               size_t *out_len, struct err *err)
{
    unsigned char *box;

    *out = NULL;
    *out_len = 0;
    if (!key || !key->loaded)
        return err_internal(err, "no key to seal secrets with");
    box = xmalloc(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n);
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    if (crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, plain, n, box, key->bytes) != 0) {
        free(box);
        return err_internal(err, "crypto_secretbox_easy failed");
    }
    *out = box;
    *out_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
    return 0;
}

int
secretbox_open(const struct secretbox_key *key, const unsigned char *sealed, size_t n, char **out,
               size_t *out_len, struct err *err)
{
    size_t plain_len;
    char *plain;

    *out = NULL;
    *out_len = 0;
    if (!key || !key->loaded)
        return err_internal(err, "no key to open secrets with");
    if (n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
        return err_internal(err, "sealed value too short");
    plain_len = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
    plain = xmalloc(plain_len + 1);
    if (crypto_secretbox_open_easy((unsigned char *)plain, sealed + crypto_secretbox_NONCEBYTES,
                                   n - crypto_secretbox_NONCEBYTES, sealed, key->bytes) != 0) {
        free(plain);
        return err_internal(err, "sealed value does not open with this key (altered, or "
                                 "another key file)");
    }
    plain[plain_len] = '\0';
    *out = plain;
    *out_len = plain_len;
    return 0;
}
