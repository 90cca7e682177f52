/* SPDX-License-Identifier: MIT */
/* Structured logging: one JSON object a line on stderr, written with a single write(2) so lines
 * from different threads never interleave. A line is built with the jsonw writer between
 * log_begin and log_end; log_msg covers the common one-message case. */
#ifndef VIGIL_CORE_LOG_H
#define VIGIL_CORE_LOG_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/jsonw.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct log_line {
    struct buf buf;
    struct jsonw w; /* add fields with jsonw_k* between begin and end */
    bool enabled;
};

void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);
/* Redirect log output to a file descriptor (tests); default 2. */
void log_set_fd(int fd);

void log_begin(struct log_line *line, enum log_level level, const char *msg);
void log_end(struct log_line *line);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
