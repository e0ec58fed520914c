/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Console logging with Linux-style "[seconds.micros] " stamps taken from
 * the generic timer, so boot logs can be read and diffed like a kernel's.
 */
#include <tollgate/arch.h>
#include <tollgate/console.h>
#include <tollgate/log.h>
#include <tollgate/platform.h>
#include <tollgate/timer.h>

#define LOG_LINE_MAX 256

static enum tg_log_level log_level = TG_LOG_INFO;

enum tg_log_level tg_log_get_level(void)
{
	return log_level;
}

void tg_log_set_level(enum tg_log_level level)
{
	log_level = level;
}

void tg_vprintf(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int n = tg_vsnprintf(line, sizeof(line), fmt, ap);

	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	console_write(line, (unsigned long)n);
}

void tg_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tg_vprintf(fmt, ap);
	va_end(ap);
}

/*
 * The platform's half of pr_*(): lib/log_core.c (in the core) formats the
 * line, this stamps it with the generic timer and prints it.
 */
void plat_log(int level, const char *line)
{
	if (level > (int)log_level)
		return;

	/* timer_ns() is 0 until the timer is up: early lines read [0.000000]. */
	uint64_t ns = timer_ns();
	char stamp[32];
	int n = tg_snprintf(stamp, sizeof(stamp), "[%5lu.%06lu] ",
			    (unsigned long)(ns / 1000000000u),
			    (unsigned long)((ns / 1000u) % 1000000u));
	console_write(stamp, (unsigned long)n);
	size_t len = 0;
	while (line[len])
		len++;
	console_write(line, (unsigned long)len);
}
