/* SPDX-License-Identifier: MIT */
/* Reading the files that hold keys (jwt.keys, scan-credentials.key, the key-encryption key):
 * one set of checks for all of them, so none is read when group or others could read it too. */
#ifndef VIGIL_CORE_SECRET_FILE_H
#define VIGIL_CORE_SECRET_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Reads the whole file at path into buf (max bytes at most, then a NUL: buf has max + 1
 * bytes), *len its length. The file must be a regular file without group or other permission
 * bits, of at most max bytes; a symbolic link is followed only with follow_links (mounted
 * secrets are links; a key file the server creates never is). Returns 0, 1 when the file does
 * not exist, or -1 with INTERNAL whose cause reads "<what> <path>: <problem>". The caller
 * wipes buf (str_wipe) once done with it. */
int secret_file_read(const char *path, const char *what, bool follow_links, char *buf, size_t max,
                     size_t *len, struct err *err);

#endif
