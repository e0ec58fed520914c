/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel-style logging.  Lines look like Linux boot logs:
 *   [    0.001234] pci 0000:00:02.0: [1b36:0010] type 00 class 0x010802
 * so people can read them with the habits they already have.
 */
#ifndef TOLLGATE_LOG_H
#define TOLLGATE_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* TG_LOG_SILENT: only as a threshold (tg_log_set_level), drops every line. */
enum tg_log_level { TG_LOG_SILENT = -1, TG_LOG_ERR, TG_LOG_WARN, TG_LOG_INFO, TG_LOG_DEBUG };

void tg_log(enum tg_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Raw output with no timestamp (shell, test reports). */
void tg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tg_vprintf(const char *fmt, va_list ap);
int tg_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tg_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Messages below this level are dropped (default TG_LOG_INFO). */
void tg_log_set_level(enum tg_log_level level);
enum tg_log_level tg_log_get_level(void);

#if defined(TG_LOG_DISABLE)
/* Logging compiled out (make LOG=0): arguments still type-checked, no code. */
#define pr_err(...)	do { if (0) tg_log(TG_LOG_ERR, __VA_ARGS__); } while (0)
#define pr_warn(...)	do { if (0) tg_log(TG_LOG_WARN, __VA_ARGS__); } while (0)
#define pr_info(...)	do { if (0) tg_log(TG_LOG_INFO, __VA_ARGS__); } while (0)
#define pr_debug(...)	do { if (0) tg_log(TG_LOG_DEBUG, __VA_ARGS__); } while (0)
#else
#define pr_err(...)	tg_log(TG_LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	tg_log(TG_LOG_WARN, __VA_ARGS__)
#define pr_info(...)	tg_log(TG_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	tg_log(TG_LOG_DEBUG, __VA_ARGS__)
#endif

#endif
