/* SPDX-License-Identifier: BSD-3-Clause */
/* The scenario registry's runner: one line per scenario, then the totals. */
#include <stdarg.h>
#include <string.h>

#include <tollgate/log.h>
#include <tollgate/selftest.h>
#include <tollgate/smmu.h>

extern const struct selftest __selftests_start[], __selftests_end[];

enum selftest_result selftest_say(struct selftest_ctx *ctx, enum selftest_result res,
				  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tg_vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
	va_end(ap);
	return res;
}

unsigned int selftest_run_all(const char *filter, bool verbose)
{
	static const char *const label[] = { "PASS", "FAIL", "SKIP" };
	unsigned int n[3] = { 0, 0, 0 };
	/* One line per scenario: the drivers' own lines (expected faults
	 * included) only with -v. */
	enum tg_log_level level = tg_log_get_level();
	if (!verbose)
		tg_log_set_level(TG_LOG_SILENT);

	for (const struct selftest *st = __selftests_start; st < __selftests_end; st++) {
		struct selftest_ctx ctx = { .verbose = verbose };
		enum selftest_result res;

		if (filter && !strstr(st->name, filter))
			continue;
		res = st->run(&ctx);
		/* Events a scenario provoked are drained (and logged) under its own level. */
		smmu_event_mark();
		if ((unsigned int)res > SELFTEST_SKIP)
			res = SELFTEST_FAIL;
		n[res]++;
		tg_printf("selftest: %-4s %-20s %s%s%s\n", label[res], st->name, st->what,
			  ctx.reason[0] ? ": " : "", ctx.reason);
	}
	tg_log_set_level(level);
	if (!verbose)
		tg_printf("selftest: driver messages hidden; 'selftest -v' shows them\n");
	tg_printf("%u passed, %u failed (%u skipped)\n",
		  n[SELFTEST_PASS], n[SELFTEST_FAIL], n[SELFTEST_SKIP]);
	return n[SELFTEST_FAIL];
}
