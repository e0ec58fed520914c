/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pr_*() for the core: formats one line and hands it to plat_log(), which
 * stamps, filters and prints it the way the platform does.
 */
#include <stdarg.h>

#include <tollgate/log.h>
#include <tollgate/platform.h>

#define LOG_LINE_MAX 256

void tg_log(enum tg_log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = tg_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* A truncated line still ends the way the caller meant: with a newline. */
	if (n >= (int)sizeof(line))
		line[sizeof(line) - 2] = '\n';
	plat_log((int)level, line);
}
