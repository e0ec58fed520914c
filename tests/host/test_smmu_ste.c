/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommu/smmu*.c on the host, against tests/host/smmu_fake.c: probe and
 * reset, the stream table (2-level with lazily allocated level-2 tables
 * on QEMU's IDRs, linear with ST_LEVEL = 0 and a small SIDSIZE) and the
 * STE update order of IHI 0070 3.21.3 as the SMMU observes it: at every
 * CFGI_STE the fake takes a snapshot of the STE through the stream table
 * registers, so each update step is one snapshot.
 *
 * Instances: 0 = QEMU (2-level, 16-bit SIDs), 1 = linear, 64 STEs.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/smmu.h>

#include "smmu_fake.h"

#define V		1ull
#define CFG(c)		((uint64_t)(c) << 1)
#define SHCFG_IN	(1ull << 44)
#define PCI_SID		0x0010u		/* 00:02.0, given its default STE at probe */

static struct smmu *smmu2, *smmul;	/* 2-level, linear */
static struct fake_smmu *f2, *fl;
static size_t mark2, markl;
static struct smmu_domain *doms[4];

/* ---- helpers ---------------------------------------------------------------- */

static void ste_set(uint64_t ste[8], uint64_t w0, uint64_t w1)
{
	memset(ste, 0, 8 * sizeof(uint64_t));
	ste[0] = w0;
	ste[1] = w1;
}

static void assert_ste_eq(const uint64_t got[8], const uint64_t want[8], const char *what,
			  unsigned int step)
{
	for (unsigned int i = 0; i < 8; i++) {
		if (got[i] != want[i]) {
			print_error("%s, step %u: STE word %u is 0x%016llx, expected 0x%016llx\n",
				    what, step, i, (unsigned long long)got[i],
				    (unsigned long long)want[i]);
			fail();
		}
	}
}

/*
 * The update of `sid` from `old` to `new`, as seen by the SMMU since log
 * index `from`: IHI 0070 3.21.3 (and the driver's contract):
 *  - every step is a CFGI_STE of that SID followed by a CMD_SYNC;
 *  - when words 1-7 change on a valid STE, word 0 is first made invalid
 *    (V = 0) with the other words still old, and synced;
 *  - words 1-7 reach their new value while V = 0;
 *  - word 0 is written last, in a step of its own;
 *  - when only word 0 changes, that is the one step.
 * `extra` steps (a new level-2 table) may come first, showing `old`.
 */
static void check_update(struct fake_smmu *f, size_t from, uint32_t sid, const uint64_t old[8],
			 const uint64_t new[8], unsigned int extra, const char *what)
{
	uint64_t steps[8][8];
	unsigned int unsynced;
	size_t n = fake_ste_steps(f, from, sid, steps, 8, &unsynced);
	bool others_change = memcmp(&old[1], &new[1], 7 * sizeof(uint64_t)) != 0;
	size_t want = extra + (others_change ? ((old[0] & V) ? 3 : 2) : 1);

	if (n != want || unsynced) {
		print_error("%s: %zu CFGI_STE steps (%u without CMD_SYNC), expected %zu\n", what, n,
			    unsynced, want);
		fake_log_dump(f, from);
		fail();
	}
	unsigned int s = 0;
	for (; s < extra; s++)
		assert_ste_eq(steps[s], old, what, s);
	if (others_change && (old[0] & V)) {
		uint64_t inv[8];
		memcpy(inv, old, sizeof(inv));
		inv[0] = 0;
		if (steps[s][0] & V) {
			print_error("%s, step %u: word 0 still valid (0x%llx) when the other words "
				    "are about to change\n", what, s, (unsigned long long)steps[s][0]);
			fail();
		}
		inv[0] = steps[s][0];	/* any invalid word 0 */
		assert_ste_eq(steps[s], inv, what, s);
		s++;
	}
	if (others_change) {
		uint64_t mid[8];
		memcpy(mid, new, sizeof(mid));
		mid[0] = steps[s][0];
		if (steps[s][0] & V) {
			print_error("%s, step %u: words 1-7 written while word 0 is valid\n", what, s);
			fail();
		}
		assert_ste_eq(steps[s], mid, what, s);
		s++;
	}
	assert_ste_eq(steps[s], new, what, s);
}

static void read_ste(struct fake_smmu *f, uint32_t sid, uint64_t ste[8])
{
	assert_int_equal(fake_read_ste(f, sid, ste, NULL), FAKE_STE_OK);
}

/* ---- fixture ------------------------------------------------------------------ */

static int group_setup(void **state)
{
	fake_env_init();
	fake_pci_add(0, 2 << 3, PCI_SID, fake_smmu_node());

	f2 = fake_smmu_setup(0);
	smmu2 = fake_probe(f2);
	fl = fake_smmu_setup(1);
	fl->idr[0] &= ~FAKE_IDR0_ST_LEVEL_MASK;			/* linear only */
	fl->idr[1] = (fl->idr[1] & ~FAKE_IDR1_SIDSIZE_MASK) | 6;	/* 64 StreamIDs */
	smmul = fake_probe(fl);
	return smmu2 && smmul ? 0 : -1;
}

static int setup(void **state)
{
	fake_console_reset();
	fake_clean_log_reset();
	mark2 = fake_log_mark(f2);
	markl = fake_log_mark(fl);
	memset(doms, 0, sizeof(doms));
	return 0;
}

static int teardown(void **state)
{
	for (unsigned int i = 0; i < 4; i++)
		smmu_domain_destroy(doms[i]);
	return fake_check_violations();
}

/* ---- probe ----------------------------------------------------------------------- */

static void test_probe_registers(void **state)
{
	const struct smmu_features *ft = smmu_features(smmu2);

	assert_non_null(ft);
	assert_true(ft->s1);
	assert_true(ft->two_level_st);
	assert_true(ft->coherent);	/* COHACC and dma-coherent in QEMU's DT */
	assert_true(ft->ril);
	assert_false(ft->msi);
	assert_int_equal(ft->sid_bits, 16);
	assert_int_equal(ft->oas_bits, 44);
	assert_int_equal(smmu_base(smmu2), 0x9050000);

	/* CR0: CMDQEN, EVENTQEN, SMMUEN; acknowledged. */
	assert_int_equal(fake_reg32(f2, 0x20), 0xd);
	assert_int_equal(fake_reg32(f2, 0x24), 0xd);
	/* IRQ_CTRL: GERROR_IRQEN, EVENTQ_IRQEN. */
	assert_int_equal(fake_reg32(f2, 0x50), 0x5);
	/* CR1: queues and tables inner/outer write-back, inner shareable. */
	assert_int_equal(fake_reg32(f2, 0x28), 0x1u | 1u << 2 | 3u << 4 | 1u << 6 | 1u << 8 | 3u << 10);
	/* CR2: RECINVSID, PTM. */
	assert_int_equal(fake_reg32(f2, 0x2c), 0x6);
	/* STRTAB_BASE_CFG: 2-level, SPLIT 8, LOG2SIZE 16. */
	assert_int_equal(fake_reg32(f2, 0x88), 1u << 16 | 8u << 6 | 16u);
	/* Queues: 2^8 commands, 2^12 events, each base aligned to its size
	 * (4 KiB, 128 KiB); the level-1 table (256 descriptors) to 2 KiB. */
	assert_int_equal(fake_reg64(f2, 0x90) & 0x1f, 8);
	assert_int_equal(fake_reg64(f2, 0xa0) & 0x1f, 12);
	assert_int_equal(fake_reg64(f2, 0x90) & 0x000fffffffffffe0ull & (4096 - 1), 0);
	assert_int_equal(fake_reg64(f2, 0xa0) & 0x000fffffffffffe0ull & (131072 - 1), 0);
	assert_int_equal(fake_reg64(f2, 0x80) & 0x000fffffffffffc0ull & (2048 - 1), 0);
	assert_int_not_equal(fake_reg64(f2, 0x90) & 0x000fffffffffffe0ull, 0);
	assert_int_not_equal(fake_reg64(f2, 0xa0) & 0x000fffffffffffe0ull, 0);

	/* The reset's invalidation ran with the command queue on, before SMMUEN. */
	const struct fake_cmd *c0 = fake_log(f2, 0), *c1 = fake_log(f2, 1), *c2 = fake_log(f2, 2);
	assert_non_null(c2);
	assert_int_equal(c0->op, FOP_CFGI_STE_RANGE);
	assert_int_equal(c0->w[1] & 0x1f, 31);		/* Range 31: every STE */
	assert_int_equal(c1->op, FOP_TLBI_NSNH_ALL);
	assert_int_equal(c2->op, FOP_SYNC);
	assert_int_equal(c0->cr0 & 1, 0);

	/* Interrupts: eventq and gerror, edge-triggered. */
	enum irq_trigger trig;
	assert_true(fake_irq_registered(fake_smmu_intid("eventq"), &trig));
	assert_int_equal(trig, IRQ_TRIGGER_EDGE);
	assert_true(fake_irq_registered(fake_smmu_intid("gerror"), &trig));
	assert_int_equal(trig, IRQ_TRIGGER_EDGE);
	assert_int_equal(fake_smmu_intid("eventq"), 32 + 0x4a);

	/* The PCI function's stream got the default STE: valid, abort. */
	uint64_t ste[8], want[8];
	read_ste(f2, PCI_SID, ste);
	ste_set(want, V | CFG(STE_CFG_ABORT), 0);
	assert_ste_eq(ste, want, "PCI stream after probe", 0);
	/* Counters: at least the reset's three commands, one SYNC each. */
	const struct smmu_counters *cnt = smmu_counters(smmu2);
	assert_true(cnt->commands >= 3);
	assert_true(cnt->syncs >= 1);
	assert_int_equal(cnt->cmd_errors, 0);
}

static void test_probe_linear(void **state)
{
	const struct smmu_features *ft = smmu_features(smmul);
	uint64_t ste[8], want[8], addr, base = fake_reg64(fl, 0x80) & 0x000fffffffffffc0ull;

	assert_false(ft->two_level_st);
	assert_int_equal(ft->sid_bits, 6);
	/* Linear, LOG2SIZE 6: 64 STEs of 64 bytes, the table aligned to 4 KiB. */
	assert_int_equal(fake_reg32(fl, 0x88), 6);
	assert_int_equal(base & 0xfff, 0);
	ste_set(want, V | CFG(STE_CFG_ABORT), 0);
	for (uint32_t sid = 0; sid < 64; sid++) {
		assert_int_equal(fake_read_ste(fl, sid, ste, &addr), FAKE_STE_OK);
		assert_int_equal(addr, base + 64ull * sid);
		assert_ste_eq(ste, want, "linear default STE", sid);
	}
	/* Beyond SIDSIZE: refused, nothing issued. */
	assert_int_equal(smmu_stream_bypass(smmul, 64), TG_ERANGE);
	assert_int_equal(smmu_stream_abort(smmul, 0x10000), TG_ERANGE);
	doms[0] = smmu_domain_create(smmul, 0);
	assert_non_null(doms[0]);
	assert_int_equal(smmu_domain_attach(doms[0], 64), TG_ERANGE);
	assert_int_equal(fake_log_count(fl, markl, -1), 0);
}

/* ---- stream table ---------------------------------------------------------------- */

static void test_l2_tables_lazy(void **state)
{
	const uint32_t sid = 0x2345, sid2 = 0x23f0;
	uint64_t l1base = fake_reg64(f2, 0x80) & 0x000fffffffffffc0ull;
	uint64_t ste[8];

	/* Only buses that have a stream configured have a level-2 table. */
	assert_int_equal(fake_read_ste(f2, sid, ste, NULL), FAKE_STE_NO_L2);
	assert_int_equal(fake_read64(f2, l1base + 0x23 * 8), 0);
	assert_int_equal(smmu_stream_bypass(smmu2, sid), TG_OK);

	uint64_t l1 = fake_read64(f2, l1base + 0x23 * 8);
	uint64_t l2 = l1 & 0x000fffffffffffc0ull;
	assert_int_equal(l1 & 0x1f, 9);			/* SPAN = SPLIT + 1: 256 STEs */
	assert_int_not_equal(l2, 0);
	assert_int_equal(l2 & (256 * 64 - 1), 0);	/* aligned to its 16 KiB */
	assert_int_equal(l1 & ~0x000fffffffffffdfull, 0);	/* nothing else set */
	for (uint32_t lo = 0; lo < 256; lo++) {
		uint64_t want[8], a;
		assert_int_equal(fake_read_ste(f2, 0x2300 | lo, ste, &a), FAKE_STE_OK);
		assert_int_equal(a, l2 + 64ull * lo);
		if ((0x2300 | lo) == sid)
			ste_set(want, V | CFG(STE_CFG_BYPASS), SHCFG_IN);
		else
			ste_set(want, V | CFG(STE_CFG_ABORT), 0);
		assert_ste_eq(ste, want, "new level-2 table", lo);
	}
	/* Neighbouring buses untouched. */
	assert_int_equal(fake_read64(f2, l1base + 0x22 * 8), 0);
	assert_int_equal(fake_read64(f2, l1base + 0x24 * 8), 0);

	/* A second stream on the same bus reuses the table. */
	size_t m = fake_log_mark(f2);
	assert_int_equal(smmu_stream_bypass(smmu2, sid2), TG_OK);
	assert_int_equal(fake_read64(f2, l1base + 0x23 * 8), l1);
	uint64_t old[8], new[8];
	ste_set(old, V | CFG(STE_CFG_ABORT), 0);
	ste_set(new, V | CFG(STE_CFG_BYPASS), SHCFG_IN);
	check_update(f2, m, sid2, old, new, 0, "second stream on the bus");
}

/* ---- STE update order ------------------------------------------------------------ */

static void test_ste_fresh_stream_bypass(void **state)
{
	const uint32_t sid = 0x4101;	/* bus 0x41: no level-2 table yet */
	uint64_t old[8], new[8];

	assert_int_equal(smmu_stream_bypass(smmu2, sid), TG_OK);
	ste_set(old, V | CFG(STE_CFG_ABORT), 0);	/* the default the new L2 starts with */
	ste_set(new, V | CFG(STE_CFG_BYPASS), SHCFG_IN);
	check_update(f2, mark2, sid, old, new, 1, "fresh stream -> bypass");
}

static void test_ste_invalid_to_bypass(void **state)
{
	const uint32_t sid = 0x0021;
	uint64_t old[8], new[8];

	assert_int_equal(smmu_stream_invalidate(smmu2, sid), TG_OK);
	ste_set(old, V | CFG(STE_CFG_ABORT), 0);
	ste_set(new, 0, 0);
	check_update(f2, mark2, sid, old, new, 0, "abort -> invalid");

	size_t m = fake_log_mark(f2);
	assert_int_equal(smmu_stream_bypass(smmu2, sid), TG_OK);
	ste_set(old, 0, 0);
	ste_set(new, V | CFG(STE_CFG_BYPASS), SHCFG_IN);
	check_update(f2, m, sid, old, new, 0, "invalid -> bypass");
}

static void expect_s1_ste(const uint64_t ste[8], uint64_t *cd_phys)
{
	/* V, Config = S1 translate + S2 bypass, S1Fmt linear, S1CDMax 0. */
	assert_int_equal(F_STE_V(ste[0]), 1);
	assert_int_equal(F_STE_CONFIG(ste[0]), STE_CFG_S1);
	assert_int_equal(F_STE_S1FMT(ste[0]), 0);
	assert_int_equal(F_STE_S1CDMAX(ste[0]), 0);
	*cd_phys = F_STE_S1CTXPTR(ste[0]);
	assert_int_not_equal(*cd_phys, 0);
	assert_int_equal(*cd_phys & 63, 0);
	/* Nothing else in word 0 (bits 58:52 and 5:4 reserved/zero). */
	assert_int_equal(ste[0] & ~(0x000fffffffffffc0ull | 0xf), 0);
	/* CD fetches write-back cacheable, inner shareable (coherent SMMU). */
	assert_int_equal(F_STE_S1CIR(ste[1]), 1);
	assert_int_equal(F_STE_S1COR(ste[1]), 1);
	assert_int_equal(F_STE_S1CSH(ste[1]), 3);
	assert_int_equal(ste[1] & ~0xfcull, 0);
	for (unsigned int i = 2; i < 8; i++)
		assert_int_equal(ste[i], 0);
}

static void test_ste_bypass_to_s1_and_back(void **state)
{
	const uint32_t sid = 0x0030;
	uint64_t old[8], new[8], ste[8], cd;

	assert_int_equal(smmu_stream_bypass(smmu2, sid), TG_OK);
	doms[0] = smmu_domain_create(smmu2, 0);
	assert_non_null(doms[0]);

	/* bypass -> S1 (attach) */
	size_t m = fake_log_mark(f2);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	read_ste(f2, sid, ste);
	expect_s1_ste(ste, &cd);
	ste_set(old, V | CFG(STE_CFG_BYPASS), SHCFG_IN);
	check_update(f2, m, sid, old, ste, 0, "bypass -> S1");
	assert_ptr_equal(smmu_domain_of_stream(smmu2, sid), doms[0]);

	/* S1 -> bypass (a live config change) */
	m = fake_log_mark(f2);
	assert_int_equal(smmu_stream_bypass(smmu2, sid), TG_OK);
	ste_set(new, V | CFG(STE_CFG_BYPASS), SHCFG_IN);
	check_update(f2, m, sid, ste, new, 0, "S1 -> bypass");
	/* The destroy in teardown detaches it (-> abort). */
}

static void test_ste_s1_detach_to_abort(void **state)
{
	const uint32_t sid = 0x0031;
	uint64_t ste[8], new[8], cd;

	doms[0] = smmu_domain_create(smmu2, 0);
	assert_non_null(doms[0]);
	size_t m = fake_log_mark(f2);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	read_ste(f2, sid, ste);
	expect_s1_ste(ste, &cd);
	uint64_t old[8];
	ste_set(old, V | CFG(STE_CFG_ABORT), 0);
	check_update(f2, m, sid, old, ste, 0, "abort -> S1");

	m = fake_log_mark(f2);
	assert_int_equal(smmu_domain_detach(doms[0], sid), TG_OK);
	ste_set(new, V | CFG(STE_CFG_ABORT), 0);
	check_update(f2, m, sid, ste, new, 0, "S1 -> abort (detach)");
	assert_null(smmu_domain_of_stream(smmu2, sid));
	assert_int_equal(smmu_domain_detach(doms[0], sid), TG_ENOENT);
}

static void test_ste_same_config_rewrite(void **state)
{
	const uint32_t sid = 0x0040;
	uint64_t ste[8];

	assert_int_equal(smmu_stream_bypass(smmu2, sid), TG_OK);
	read_ste(f2, sid, ste);
	/* Rewriting the same STE: one step, never invalid on the way. */
	size_t m = fake_log_mark(f2);
	assert_int_equal(smmu_stream_bypass(smmu2, sid), TG_OK);
	check_update(f2, m, sid, ste, ste, 0, "bypass -> bypass");

	m = fake_log_mark(f2);
	assert_int_equal(smmu_stream_abort(smmu2, sid), TG_OK);
	uint64_t ab[8];
	ste_set(ab, V | CFG(STE_CFG_ABORT), 0);
	check_update(f2, m, sid, ste, ab, 0, "bypass -> abort");
	m = fake_log_mark(f2);
	assert_int_equal(smmu_stream_abort(smmu2, sid), TG_OK);
	check_update(f2, m, sid, ab, ab, 0, "abort -> abort");

	/* Re-attaching the same domain is refused, the STE untouched. */
	doms[0] = smmu_domain_create(smmu2, 0);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	m = fake_log_mark(f2);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_EBUSY);
	assert_int_equal(fake_log_count(f2, m, -1), 0);
}

/* Moving a stream between two domains changes word 0 only. */
static void test_ste_switch_domain(void **state)
{
	const uint32_t sid = 0x0050;
	uint64_t a[8], b[8], cda, cdb;

	doms[0] = smmu_domain_create(smmu2, 0);
	doms[1] = smmu_domain_create(smmu2, 0);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	read_ste(f2, sid, a);
	expect_s1_ste(a, &cda);
	assert_int_equal(smmu_domain_detach(doms[0], sid), TG_OK);
	assert_int_equal(smmu_domain_attach(doms[1], sid), TG_OK);
	read_ste(f2, sid, b);
	expect_s1_ste(b, &cdb);
	assert_int_not_equal(cda, cdb);
}

static void test_ste_linear_table_order(void **state)
{
	const uint32_t sid = 5;
	uint64_t old[8], new[8], ste[8], cd;

	doms[0] = smmu_domain_create(smmul, 0);
	assert_non_null(doms[0]);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	read_ste(fl, sid, ste);
	expect_s1_ste(ste, &cd);
	ste_set(old, V | CFG(STE_CFG_ABORT), 0);
	check_update(fl, markl, sid, old, ste, 0, "linear: abort -> S1");

	size_t m = fake_log_mark(fl);
	assert_int_equal(smmu_domain_detach(doms[0], sid), TG_OK);
	ste_set(new, V | CFG(STE_CFG_ABORT), 0);
	check_update(fl, m, sid, ste, new, 0, "linear: S1 -> abort");
	/* No other STE of the table was invalidated. */
	for (size_t i = markl; i < fake_log_mark(fl); i++) {
		const struct fake_cmd *c = fake_log(fl, i);
		if (c->op == FOP_CFGI_STE)
			assert_int_equal(F_SID(c->w[0]), sid);
	}
}

static void test_stream_api_errors(void **state)
{
	assert_int_equal(smmu_stream_bypass(NULL, 1), TG_EINVAL);
	assert_int_equal(smmu_stream_abort(NULL, 1), TG_EINVAL);
	assert_int_equal(smmu_stream_invalidate(NULL, 1), TG_EINVAL);
	assert_int_equal(smmu_sync(NULL), TG_EINVAL);
	assert_int_equal(smmu_poll_events(NULL), 0);
	assert_int_equal(smmu_set_fault_handler(NULL, NULL, NULL), TG_EINVAL);
	assert_null(smmu_features(NULL));
	assert_null(smmu_counters(NULL));
	assert_null(smmu_domain_create(NULL, 0));
	assert_null(smmu_domain_create(smmu2, 31));
	assert_null(smmu_domain_create(smmu2, 49));
	assert_int_equal(smmu_domain_attach(NULL, 0), TG_EINVAL);
	assert_int_equal(smmu_domain_detach(NULL, 0), TG_EINVAL);
	assert_int_equal(smmu_stream_bypass(smmu2, 0x10000), TG_ERANGE);
	assert_int_equal(fake_log_count(f2, mark2, -1), 0);
}

/*
 * The raw-command hook checks its argument like the rest of the API, and
 * without undefined behaviour (UBSan aborts on a member access through
 * NULL): run in a child so an abort fails this case only.
 */
static void test_issue_raw_null(void **state)
{
	fflush(stdout);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(smmu_test_issue_raw(NULL, 0x46, 0) == TG_EINVAL ? 0 : 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_error("smmu_test_issue_raw(NULL, ...) did not return TG_EINVAL cleanly "
			    "(status 0x%x; see the sanitizer report above)\n", status);
		fail();
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_registers),
		T(test_probe_linear),
		T(test_l2_tables_lazy),
		T(test_ste_fresh_stream_bypass),
		T(test_ste_invalid_to_bypass),
		T(test_ste_bypass_to_s1_and_back),
		T(test_ste_s1_detach_to_abort),
		T(test_ste_same_config_rewrite),
		T(test_ste_switch_domain),
		T(test_ste_linear_table_order),
		T(test_stream_api_errors),
		T(test_issue_raw_null),
	};

	return cmocka_run_group_tests_name("smmu_ste", tests, group_setup, NULL);
}
