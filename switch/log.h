/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging for kvnetd: leveled messages to stderr (journald picks them up
 * under systemd), with a syslog-style <N> prefix when not on a terminal. */
#ifndef KVNET_LOG_H
#define KVNET_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Parse "err|warn|info|debug"; -1 if unknown. */
int log_level_parse(const char *s);
void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* KVNET_LOG_H */
