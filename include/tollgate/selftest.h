/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End-to-end self-test scenarios against the devices QEMU (or a board)
 * actually presents.  Each scenario registers itself with SELFTEST() from
 * any file under selftest/; the linker gathers them (linker.ld, .selftests),
 * and the `selftest` shell command and the main job run every one, one
 * line each, then "N passed, N failed".
 *
 * A scenario looks for the devices it needs (pci_find_id ...) and returns
 * SELFTEST_SKIP when they are absent, so the same image adapts to any
 * topology.  Data moved by a device is always read back and compared.
 */
#ifndef TOLLGATE_SELFTEST_H
#define TOLLGATE_SELFTEST_H

#include <stdbool.h>

enum selftest_result {
	SELFTEST_PASS = 0,
	SELFTEST_FAIL = 1,
	SELFTEST_SKIP = 2,
};

struct selftest_ctx {
	char reason[160];	/* why it failed or was skipped; detail on pass */
	bool verbose;
};

struct selftest {
	const char *name;	/* short, e.g. "nvme-sg-rw" */
	const char *what;	/* one line: what it proves */
	enum selftest_result (*run)(struct selftest_ctx *ctx);
};

#define SELFTEST(ident, name_, what_, fn_)					\
	static const struct selftest selftest_##ident				\
	__attribute__((used, section(".selftests." #ident), aligned(sizeof(void *)))) = \
		{ name_, what_, fn_ }

/* Records a formatted reason and returns `res` (for `return selftest_say(...)`). */
enum selftest_result selftest_say(struct selftest_ctx *ctx, enum selftest_result res,
				  const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Runs every scenario whose name contains `filter` (NULL: all); prints one
 * line each and the summary; returns the number of failures. */
unsigned int selftest_run_all(const char *filter, bool verbose);

#endif
