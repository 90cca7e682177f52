/* SPDX-License-Identifier: MIT */
/* JSON-lines logger. The level and fd are process-wide and set once at start. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"

static enum log_level log_min_level = LOG_INFO;
static int log_fd = 2;

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};

void
log_set_level(enum log_level level)
{
    log_min_level = level;
}

bool
log_enabled(enum log_level level)
{
    return level >= log_min_level;
}

void
log_set_fd(int fd)
{
    log_fd = fd;
}

void
log_begin(struct log_line *line, enum log_level level, const char *msg)
{
    char ts[40];

    line->enabled = log_enabled(level);
    buf_init(&line->buf, 64 * 1024);
    jsonw_init(&line->w, &line->buf);
    if (!line->enabled)
        return;
    clock_format_rfc3339_ms(clock_now_ms(), ts, sizeof(ts));
    jsonw_obj_open(&line->w);
    jsonw_kstr(&line->w, "ts", ts);
    jsonw_kstr(&line->w, "level", log_level_names[level]);
    jsonw_kstr(&line->w, "msg", msg);
}

void
log_end(struct log_line *line)
{
    if (line->enabled) {
        ssize_t off = 0, n;

        jsonw_obj_close(&line->w);
        buf_putc(&line->buf, '\n');
        while ((size_t)off < line->buf.len) {
            n = write(log_fd, line->buf.data + off, line->buf.len - (size_t)off);
            if (n <= 0)
                break;
            off += n;
        }
    }
    buf_cleanup(&line->buf);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
    struct log_line line;
    char msg[1024];
    va_list ap;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_begin(&line, level, msg);
    log_end(&line);
}
