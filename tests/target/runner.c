/* SPDX-License-Identifier: BSD-3-Clause */
/* The test image's main: run every registered case, report, exit. */
#include <stdarg.h>
#include <string.h>

#include <tollgate/log.h>

#include "semihost.h"
#include "testcase.h"

extern const struct testcase __testcases_start[], __testcases_end[];

void test_fail(struct test_ctx *t, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n = tg_snprintf(t->reason, sizeof(t->reason), "%s:%d: ", file, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(t->reason))
		tg_vsnprintf(t->reason + n, sizeof(t->reason) - (size_t)n, fmt, ap);
	va_end(ap);
	t->failed = true;
}

void test_skip(struct test_ctx *t, const char *why)
{
	tg_snprintf(t->reason, sizeof(t->reason), "%s", why);
	t->skipped = true;
}

void tg_main(const struct tg_system *sys)
{
	unsigned passed = 0, failed = 0, skipped = 0;

	tg_printf("tollgate-test: %u cases\n",
		  (unsigned)(__testcases_end - __testcases_start));
	for (const struct testcase *tc = __testcases_start; tc < __testcases_end; tc++) {
		struct test_ctx t = { .sys = sys };

		tc->run(&t);
		if (t.failed) {
			failed++;
			tg_printf("FAIL %s: %s\n", tc->name, t.reason);
		} else if (t.skipped) {
			skipped++;
			tg_printf("SKIP %s: %s\n", tc->name, t.reason);
		} else {
			passed++;
			tg_printf("PASS %s\n", tc->name);
		}
	}
	if (skipped)
		tg_printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	else
		tg_printf("%u passed, %u failed\n", passed, failed);
	semihost_exit(failed ? 1 : 0);
}
