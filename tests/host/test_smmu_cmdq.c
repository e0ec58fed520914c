/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SMMUv3 command queue (IHI 0070 3.5, 4.7.3, 7.1) against the fake:
 * CMD_SYNC completion by polling CONS (wrap bit included) and by the MSI
 * write-back into the SYNC's own slot, a full queue, illegal commands
 * (CERROR_ILL, repair, GERRORN, resume) and a hung SMMU.
 *
 * Instances: 0 = QEMU's IDRs (polling), 1 = QEMU + IDR0.MSI, coherent.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/smmu.h>

#include "smmu_fake.h"

#define R_GERROR	0x60
#define R_GERRORN	0x64
#define R_CMDQ_BASE	0x90
#define R_CMDQ_PROD	0x98
#define R_CMDQ_CONS	0x9c
#define QMASK		0x1ffu		/* 2^8 entries + wrap bit */

static struct smmu *sp, *sm;		/* polling, MSI */
static struct fake_smmu *fp, *fm;
static size_t markp, markm;

/* A harmless command that names a payload we can follow through the queue. */
static uint64_t prefetch(uint32_t sid)
{
	return FOP_PREFETCH_CONFIG | ((uint64_t)sid << 32);
}

static uint64_t qbase(const struct fake_smmu *f)
{
	return fake_reg64(f, R_CMDQ_BASE) & 0x000fffffffffffe0ull;
}

static void assert_all_consumed(const struct fake_smmu *f)
{
	uint32_t prod = fake_reg32(f, R_CMDQ_PROD) & QMASK;
	uint32_t cons = fake_reg32(f, R_CMDQ_CONS) & QMASK;

	if (prod != cons) {
		print_error("returned with PROD 0x%x, CONS 0x%x: not everything consumed\n", prod,
			    cons);
		fail();
	}
}

static int group_setup(void **state)
{
	fake_env_init();
	fp = fake_smmu_setup(0);
	sp = fake_probe(fp);
	fm = fake_smmu_setup(1);
	fm->idr[0] |= FAKE_IDR0_MSI;
	/* Probe must get through whatever the SYNC's CS field says; the CS
	 * field itself is test_sync_msi_signals_completion's business. */
	fm->msi_ignore_cs = true;
	sm = fake_probe(fm);
	return sp && sm ? 0 : -1;
}

static int setup(void **state)
{
	fake_console_reset();
	for (unsigned int i = 0; i < FAKE_SMMU_MAX; i++) {
		fake_smmu[i].cmds_per_step = 0;
		fake_smmu[i].hold_cmdq = false;
	}
	fm->msi_ignore_cs = true;
	markp = fake_log_mark(fp);
	markm = fake_log_mark(fm);
	return 0;
}

static int teardown(void **state)
{
	/* Leave both instances idle and error-free for the next case, even
	 * after a failure (the instances live for the whole process). */
	struct smmu *inst[2] = { sp, sm };
	for (unsigned int i = 0; i < 2; i++) {
		fake_smmu[i].cmds_per_step = 0;
		fake_smmu[i].hold_cmdq = false;
		fake_smmu[i].msi_ignore_cs = i == 1;
		/* A pending command-queue error: the GERROR interrupt repairs it. */
		if ((fake_reg32(&fake_smmu[i], R_GERROR) ^ fake_reg32(&fake_smmu[i], R_GERRORN)) & 1)
			fake_irq_fire(fake_smmu_intid("gerror"));
		for (unsigned int k = 0; k < 3 && smmu_sync(inst[i]) != TG_OK; k++)
			;
	}
	return fake_check_violations();
}

/* ---- CMD_SYNC by polling CONS ----------------------------------------------------- */

static void test_sync_poll_wraps(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(sp);
	unsigned long syncs0 = cnt->syncs, cmds0 = cnt->commands, wraps0 = fp->wraps;
	unsigned int issued = 0, n = 0;

	/* The fake consumes two commands per poll, so the driver has to wait,
	 * and CONS is often in the previous lap while the SYNC is in the next. */
	fp->cmds_per_step = 2;
	for (unsigned int round = 0; round < 300; round++) {
		unsigned int k = round % 7;
		for (unsigned int i = 0; i < k; i++) {
			assert_int_equal(smmu_test_issue_raw(sp, prefetch(issued), 0), TG_OK);
			issued++;
		}
		assert_int_equal(smmu_sync(sp), TG_OK);
		assert_all_consumed(fp);
		n++;
	}
	assert_true(fp->wraps - wraps0 >= 4);
	assert_int_equal(cnt->syncs - syncs0, n);
	assert_int_equal(cnt->commands - cmds0, n + issued);
	assert_int_equal(fake_log_count(fp, markp, FOP_SYNC), n);
	assert_int_equal(fake_log_count(fp, markp, FOP_PREFETCH_CONFIG), issued);

	/* Order preserved, and the polled SYNCs carry no completion signal. */
	uint32_t next = 0;
	for (size_t i = markp; i < fake_log_mark(fp); i++) {
		const struct fake_cmd *c = fake_log(fp, i);
		if (c->op == FOP_PREFETCH_CONFIG) {
			assert_int_equal(F_SID(c->w[0]), next);
			next++;
		} else {
			assert_int_equal(c->op, FOP_SYNC);
			assert_int_equal(F_SYNC_CS(c->w[0]), 0);
			assert_int_equal(c->w[1], 0);
		}
	}
	assert_int_equal(cnt->cmd_errors, 0);
}

/* More commands than the queue holds before one SYNC: the driver must
 * publish PROD and wait for room, never run PROD a lap past CONS. */
static void test_queue_full_waits_for_room(void **state)
{
	fp->cmds_per_step = 3;
	for (uint32_t i = 0; i < 700; i++)
		assert_int_equal(smmu_test_issue_raw(sp, prefetch(0x1000 + i), 0), TG_OK);
	assert_int_equal(smmu_sync(sp), TG_OK);
	assert_all_consumed(fp);
	assert_int_equal(fake_log_count(fp, markp, FOP_PREFETCH_CONFIG), 700);
	assert_int_equal(fake_log_count(fp, markp, FOP_SYNC), 1);
	uint32_t next = 0x1000;
	for (size_t i = markp; i < fake_log_mark(fp); i++) {
		const struct fake_cmd *c = fake_log(fp, i);
		if (c->op == FOP_PREFETCH_CONFIG)
			assert_int_equal(F_SID(c->w[0]), next++);
	}
	assert_true(fp->max_pending <= 256);
	assert_int_equal(fp->max_pending, 256);	/* it did fill the queue */
}

/* ---- illegal commands ------------------------------------------------------------------ */

static void check_illegal_recovered(struct fake_smmu *f, struct smmu *s, size_t from,
				    uint64_t bad_w0, unsigned long errs0, unsigned long gerr0)
{
	const struct smmu_counters *cnt = smmu_counters(s);
	size_t bad = (size_t)-1;

	for (size_t i = from; i < fake_log_mark(f); i++) {
		if (fake_log(f, i)->w[0] == bad_w0) {
			bad = i;
			break;
		}
	}
	assert_true(bad != (size_t)-1);
	const struct fake_cmd *b = fake_log(f, bad), *r = fake_log(f, bad + 1);
	assert_non_null(r);
	/* The SMMU stopped there; the same slot was read again, repaired. */
	assert_int_equal(r->pos, b->pos);
	assert_int_not_equal(r->w[0], bad_w0);
	assert_true(r->op == FOP_SYNC || r->op == FOP_PREFETCH_CONFIG);
	/* CONS.ERR said CERROR_ILL; GERRORN acknowledges GERROR. */
	assert_int_equal((fake_reg32(f, R_CMDQ_CONS) >> 24) & 0x7f, 1);
	assert_int_equal(fake_reg32(f, R_GERROR), fake_reg32(f, R_GERRORN));
	assert_int_equal(cnt->cmd_errors, errs0 + 1);
	assert_int_equal(cnt->gerrors, gerr0 + 1);
	assert_int_equal(fake_console_count("CERROR_ILL"), 1);
	assert_all_consumed(f);
}

static void test_illegal_command_recovered(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(sp);
	unsigned long errs0 = cnt->cmd_errors, gerr0 = cnt->gerrors, cerr0 = fp->cerrors;
	const uint64_t bad = 0x00000000deadbe47ull;	/* opcode 0x47: reserved */

	assert_int_equal(smmu_test_issue_raw(sp, prefetch(1), 0), TG_OK);
	assert_int_equal(smmu_test_issue_raw(sp, bad, 0x1234), TG_OK);
	assert_int_equal(smmu_test_issue_raw(sp, prefetch(2), 0), TG_OK);
	assert_int_equal(smmu_sync(sp), TG_OK);
	assert_int_equal(fp->cerrors, cerr0 + 1);
	check_illegal_recovered(fp, sp, markp, bad, errs0, gerr0);
	/* Everything around it ran, in order. */
	assert_int_equal(fake_log_count(fp, markp, FOP_PREFETCH_CONFIG), 2);

	/* The queue keeps working afterwards. */
	size_t m = fake_log_mark(fp);
	assert_int_equal(smmu_stream_bypass(sp, 0x77), TG_OK);
	assert_int_equal(fake_log_count(fp, m, FOP_SYNC), fake_log_count(fp, m, FOP_CFGI_STE));
	assert_int_equal(cnt->cmd_errors, errs0 + 1);
}

/* CMD_SYNC with CS = 0b11 (reserved) is illegal too. */
static void test_illegal_sync_cs(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(sp);
	unsigned long errs0 = cnt->cmd_errors, gerr0 = cnt->gerrors;
	const uint64_t bad = FOP_SYNC | (3ull << 12);

	assert_int_equal(smmu_test_issue_raw(sp, bad, 0), TG_OK);
	assert_int_equal(smmu_sync(sp), TG_OK);
	check_illegal_recovered(fp, sp, markp, bad, errs0, gerr0);
}

/* An error while the driver waits for room in a full queue. */
static void test_illegal_command_then_full_queue(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(sp);
	unsigned long errs0 = cnt->cmd_errors, gerr0 = cnt->gerrors;
	const uint64_t bad = 0x00000000000000ffull;
	int err = TG_OK;

	assert_int_equal(smmu_test_issue_raw(sp, bad, 0), TG_OK);
	for (uint32_t i = 0; i < 300 && err == TG_OK; i++)
		err = smmu_test_issue_raw(sp, prefetch(0x2000 + i), 0);
	if (err != TG_OK) {
		print_error("issuing after an illegal command failed with %d once the queue "
			    "filled: the wait for room does not handle GERROR.CMDQ_ERR\n", err);
		fail();
	}
	assert_int_equal(smmu_sync(sp), TG_OK);
	check_illegal_recovered(fp, sp, markp, bad, errs0, gerr0);
	assert_int_equal(fake_log_count(fp, markp, FOP_PREFETCH_CONFIG), 300);
}

/* ---- a hung SMMU ---------------------------------------------------------------------- */

static void test_sync_timeout_bounded(void **state)
{
	fp->hold_cmdq = true;
	uint64_t t0 = fake_now_ns();
	assert_int_equal(smmu_sync(sp), TG_ETIMEDOUT);
	uint64_t waited = fake_now_ns() - t0;
	assert_true(waited >= 1000000000ull);	/* SYNC_TIMEOUT_US */
	assert_true(waited < 5000000000ull);
	assert_int_equal(fake_console_count("CMD_SYNC timed out"), 1);
	/* The SMMU comes back: the next SYNC completes (and the old one). */
	fp->hold_cmdq = false;
	assert_int_equal(smmu_sync(sp), TG_OK);
	assert_int_equal(fake_log_count(fp, markp, FOP_SYNC), 2);
	assert_all_consumed(fp);
}

/* ---- CMD_SYNC completion by MSI write-back --------------------------------------------- */

/* IHI 0070 4.7.3: an MSI is written on completion only when CS = SIG_IRQ. */
static void test_sync_msi_signals_completion(void **state)
{
	fm->msi_ignore_cs = false;
	unsigned long w0 = fm->msi_writes;
	int err = smmu_sync(sm);
	const struct fake_cmd *c = fake_log(fm, markm);

	assert_non_null(c);
	assert_int_equal(c->op, FOP_SYNC);
	if (F_SYNC_CS(c->w[0]) != 1) {
		print_error("CMD_SYNC with an MSI address has CS = %u, not SIG_IRQ (1): the SMMU "
			    "writes no MSI and the driver waits for nothing (smmu_sync -> %d)\n",
			    F_SYNC_CS(c->w[0]), err);
		fail();
	}
	assert_int_equal(err, TG_OK);
	assert_int_equal(fm->msi_writes, w0 + 1);
}

static void test_sync_msi_writeback(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(sm);
	uint64_t base = qbase(fm);

	for (unsigned int round = 0; round < 40; round++) {
		unsigned long msi0 = fm->msi_writes, syncs0 = cnt->syncs;
		size_t m = fake_log_mark(fm);
		fm->cmds_per_step = 1 + round % 3;
		for (unsigned int i = 0; i < round % 5; i++)
			assert_int_equal(smmu_test_issue_raw(sm, prefetch(round), 0), TG_OK);
		assert_int_equal(smmu_sync(sm), TG_OK);
		/* The SMMU wrote the MSI before the driver returned. */
		assert_int_equal(fm->msi_writes, msi0 + 1);
		assert_int_equal(cnt->syncs, syncs0 + 1);

		const struct fake_cmd *c = NULL;
		for (size_t i = m; i < fake_log_mark(fm); i++)
			if (fake_log(fm, i)->op == FOP_SYNC)
				c = fake_log(fm, i);
		assert_non_null(c);
		uint64_t slot = base + (uint64_t)(c->pos & 0xff) * 16;
		/* MSIAddress = its own slot, MSIData = 0, inner shareable write-back. */
		assert_int_equal(F_SYNC_MSIADDR(c->w[1]), slot);
		assert_int_equal(c->w[1] & ~0x000ffffffffffffcull, 0);
		assert_int_equal(F_SYNC_MSIDATA(c->w[0]), 0);
		assert_int_equal(F_SYNC_MSH(c->w[0]), 3);
		assert_int_equal(F_SYNC_MSIATTR(c->w[0]), 0xf);
		/* And the write landed there: the opcode word reads 0 now. */
		assert_int_equal(*(volatile uint32_t *)(uintptr_t)slot, 0);
	}
}

static void test_sync_msi_wraps(void **state)
{
	unsigned long wraps0 = fm->wraps, msi0 = fm->msi_writes;

	fm->cmds_per_step = 5;
	for (unsigned int i = 0; i < 700; i++) {
		if (i % 3 == 0)
			assert_int_equal(smmu_test_issue_raw(sm, prefetch(i), 0), TG_OK);
		assert_int_equal(smmu_sync(sm), TG_OK);
	}
	assert_int_equal(fm->msi_writes - msi0, 700);
	assert_true(fm->wraps - wraps0 >= 3);
	assert_true(fm->max_pending <= 256);
}

static void test_illegal_command_msi(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(sm);
	unsigned long errs0 = cnt->cmd_errors, gerr0 = cnt->gerrors;
	const uint64_t bad = 0x00000000000000eeull;

	assert_int_equal(smmu_test_issue_raw(sm, bad, 0), TG_OK);
	assert_int_equal(smmu_sync(sm), TG_OK);
	check_illegal_recovered(fm, sm, markm, bad, errs0, gerr0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sync_poll_wraps),
		T(test_queue_full_waits_for_room),
		T(test_illegal_command_recovered),
		T(test_illegal_sync_cs),
		T(test_illegal_command_then_full_queue),
		T(test_sync_timeout_bounded),
		T(test_sync_msi_signals_completion),
		T(test_sync_msi_writeback),
		T(test_sync_msi_wraps),
		T(test_illegal_command_msi),
	};

	return cmocka_run_group_tests_name("smmu_cmdq", tests, group_setup, NULL);
}
