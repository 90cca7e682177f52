/* SPDX-License-Identifier: MIT */
#include "core/secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
secret_file_read(const char *path, const char *what, bool follow_links, char *buf, size_t max,
                 size_t *len, struct err *err)
{
    struct stat st;
    size_t have = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | (follow_links ? 0 : O_NOFOLLOW));

    *len = 0;
    buf[0] = '\0';
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        return err_internal(err, "%s %s: %s", what, path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_internal(err, "%s %s: not a regular file", what, path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return err_internal(err, "%s %s: group or others may access it (chmod 600)", what, path);
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        return err_internal(err, "%s %s: larger than %zu bytes", what, path, max);
    }
    while (have < max) {
        ssize_t got = read(fd, buf + have, max - have);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;

            close(fd);
            return err_internal(err, "%s %s: %s", what, path, strerror(saved));
        }
        if (got == 0)
            break;
        have += (size_t)got;
    }
    close(fd);
    buf[have] = '\0';
    *len = have;
    return 0;
}
