/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-emulator test registry.  TESTCASE(name) { ... } defines a case; the
 * linker collects them (linker.ld, .testcases) and runner.c runs them in
 * name order, one report line each:
 *   PASS fdt_open_real
 *   FAIL mmu_device_read: tollgate/tests/target/test_mmu.c:42: expected ...
 * ending with "N passed, M failed"; the exit status goes out through
 * semihosting (0 = all passed).
 */
#ifndef TOLLGATE_TESTCASE_H
#define TOLLGATE_TESTCASE_H

#include <stdbool.h>
#include <stdint.h>

#include <tollgate/boot.h>

struct test_ctx {
	const struct tg_system *sys;
	bool failed;
	bool skipped;
	char reason[160];
};

struct testcase {
	const char *name;
	void (*run)(struct test_ctx *t);
};

#define TESTCASE(ident)								\
	static void test_##ident(struct test_ctx *t);				\
	static const struct testcase testcase_##ident				\
	__attribute__((used, section(".testcases." #ident), aligned(sizeof(void *)))) = \
		{ #ident, test_##ident };					\
	static void test_##ident(struct test_ctx *t)

void test_fail(struct test_ctx *t, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void test_skip(struct test_ctx *t, const char *why);

/* Each check ends the case on failure (return from the test function). */
#define CHECK(cond)								\
	do {									\
		if (!(cond)) {							\
			test_fail(t, __FILE__, __LINE__, "check failed: %s", #cond); \
			return;							\
		}								\
	} while (0)

#define CHECK_EQ(a, b)								\
	do {									\
		unsigned long long __a = (unsigned long long)(a);		\
		unsigned long long __b = (unsigned long long)(b);		\
		if (__a != __b) {						\
			test_fail(t, __FILE__, __LINE__, "%s == 0x%llx, expected %s == 0x%llx", \
				  #a, __a, #b, __b);				\
			return;							\
		}								\
	} while (0)

#define SKIP(why)	do { test_skip(t, why); return; } while (0)

#endif
