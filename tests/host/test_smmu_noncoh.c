/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A non-coherent SMMU: it reads the fake's "DRAM" copy of the page pool,
 * which only arch_dcache_clean_range() updates, and writes event records
 * there, which the CPU sees only after arch_dcache_inval_range().  Every
 * STE, CD, page-table entry and command the driver writes must therefore
 * be cleaned before the SMMU is told about it, or the fake reads stale
 * data (and the tests see it: wrong snapshots, stale flags, counters).
 *
 * Instances: 0 = QEMU's IDRs, made non-coherent with
 * smmu_force_noncoherent() after probe; 1 = IDR0.COHACC = 0 (and MSI = 1,
 * which a non-coherent SMMU must not use for CMD_SYNC), non-coherent from
 * reset with garbage in DRAM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/smmu.h>

#include "smmu_fake.h"

#define SZ_4K		0x1000ull
#define RW		(IOMMU_READ | IOMMU_WRITE)
#define PA		0x80000000ull
#define PCI_SID		0x0008u		/* 00:01.0 */
#define R_CMDQ_BASE	0x90

static struct smmu *s0, *s1;
static struct fake_smmu *f0, *f1;
static size_t probe1_log_end;
static unsigned long probe1_stale;
static struct smmu_domain *doms[4];
static size_t mark0, mark1;

static int group_setup(void **state)
{
	fake_env_init();
	fake_pci_add(0, 1 << 3, PCI_SID, fake_smmu_node());
	f0 = fake_smmu_setup(0);
	s0 = fake_probe(f0);
	f1 = fake_smmu_setup(1);
	f1->idr[0] = (f1->idr[0] & ~FAKE_IDR0_COHACC) | FAKE_IDR0_MSI;
	fake_set_noncoherent(f1, true);		/* DRAM starts as garbage */
	s1 = fake_probe(f1);
	probe1_log_end = fake_log_mark(f1);
	probe1_stale = f1->stale_reads;
	if (!s0 || !s1)
		return -1;
	/* From here on instance 0 cleans too (and DRAM holds what was written). */
	smmu_force_noncoherent(s0, true);
	fake_set_noncoherent(f0, true);
	return 0;
}

static int setup(void **state)
{
	fake_console_reset();
	fake_clean_log_reset();
	memset(doms, 0, sizeof(doms));
	mark0 = fake_log_mark(f0);
	mark1 = fake_log_mark(f1);
	return 0;
}

static int teardown(void **state)
{
	for (unsigned int i = 0; i < 4; i++)
		smmu_domain_destroy(doms[i]);
	return fake_check_violations();
}

/* Nothing the SMMU read since `from` was stale, and each command slot was
 * covered by a clean call since the last clean-log reset. */
static void check_log_clean(struct fake_smmu *f, size_t from, size_t to, bool check_cover)
{
	uint64_t base = fake_reg64(f, R_CMDQ_BASE) & 0x000fffffffffffe0ull;

	for (size_t i = from; i < to; i++) {
		const struct fake_cmd *c = fake_log(f, i);
		if (c->stale || c->ste_stale || c->cd_stale) {
			print_error("log entry %zu (%s): the SMMU read stale memory (command %d, "
				    "STE %d, CD %d)\n", i, fake_op_name(c->op), c->stale,
				    c->ste_stale, c->cd_stale);
			fake_log_dump(f, from);
			fail();
		}
		if (check_cover) {
			uint64_t slot = base + (uint64_t)(c->pos & 0xff) * 16;
			if (!fake_clean_covering(slot, 16)) {
				print_error("command %zu (%s) at 0x%llx was never cleaned\n", i,
					    fake_op_name(c->op), (unsigned long long)slot);
				fail();
			}
		}
	}
}

/* ---- instance 1: non-coherent from reset -------------------------------------------- */

static void test_noncoherent_probe(void **state)
{
	const struct smmu_features *ft = smmu_features(s1);

	assert_false(ft->coherent);
	assert_true(ft->msi);
	/* CR1: tables and queues non-cacheable, non-shareable. */
	assert_int_equal(fake_reg32(f1, 0x28), 0);
	assert_int_equal(probe1_stale, 0);
	check_log_clean(f1, 0, probe1_log_end, false);
	/* The PCI function's default STE reached DRAM before its CFGI_STE. */
	bool seen = false;
	for (size_t i = 0; i < probe1_log_end; i++) {
		const struct fake_cmd *c = fake_log(f1, i);
		if (c->op == FOP_CFGI_STE && F_SID(c->w[0]) == PCI_SID) {
			assert_int_equal(c->ste_status, FAKE_STE_OK);
			assert_int_equal(c->ste[0], 1);		/* V, abort */
			seen = true;
		}
		/* No MSI completion on a non-coherent SMMU: polled SYNCs. */
		if (c->op == FOP_SYNC) {
			assert_int_equal(F_SYNC_CS(c->w[0]), 0);
			assert_int_equal(c->w[1], 0);
		}
	}
	assert_true(seen);
	assert_int_equal(f1->msi_writes, 0);

	/* Asking for coherent mode cannot make a COHACC = 0 SMMU coherent:
	 * still cleaned, still no MSI completion. */
	smmu_force_noncoherent(s1, false);
	size_t m = fake_log_mark(f1);
	assert_int_equal(smmu_sync(s1), TG_OK);
	const struct fake_cmd *c = fake_log(f1, m);
	assert_non_null(c);
	assert_int_equal(c->op, FOP_SYNC);
	assert_int_equal(c->w[1], 0);
	assert_false(c->stale);
}

static void test_noncoherent_attach_map_unmap(void **state)
{
	const uint32_t sid = 0x0205;
	uint64_t ste[8], cd[8], pa;

	doms[0] = smmu_domain_create(s1, 0);
	assert_non_null(doms[0]);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	check_log_clean(f1, mark1, fake_log_mark(f1), true);
	/* The STE and CD as DRAM holds them. */
	assert_int_equal(fake_read_ste(f1, sid, ste, NULL), FAKE_STE_OK);
	assert_int_equal(F_STE_CONFIG(ste[0]), STE_CFG_S1);
	/* Non-coherent: CD fetches non-cacheable (S1CIR/COR/CSH 0). */
	assert_int_equal(ste[1], 0);
	for (unsigned int i = 0; i < 8; i++)
		cd[i] = fake_read64(f1, F_STE_S1CTXPTR(ste[0]) + 8 * i);
	/* Walks non-cacheable: IR0 = OR0 = 0, SH0 = 2 (outer). */
	assert_int_equal(cd[0] >> 8 & 3, 0);
	assert_int_equal(cd[0] >> 10 & 3, 0);
	assert_int_equal(cd[0] >> 12 & 3, 2);
	assert_int_equal(cd[0] >> 31 & 1, 1);
	assert_int_equal(cd[3], IO_PGTABLE_MAIR);

	/* Page tables written by map are in DRAM: the SMMU's walk finds them. */
	unsigned long stale0 = f1->stale_reads;
	assert_int_equal(smmu_map(doms[0], 0x10000000, PA, 4 * SZ_4K, RW), TG_OK);
	assert_int_equal(fake_translate(f1, cd, 0x10002010, &pa), TG_OK);
	assert_int_equal(pa, PA + 0x2010);
	assert_int_equal(f1->stale_reads, stale0);

	size_t m = fake_log_mark(f1);
	assert_int_equal(smmu_unmap(doms[0], 0x10001000, SZ_4K), (int64_t)SZ_4K);
	check_log_clean(f1, m, fake_log_mark(f1), true);
	assert_int_equal(fake_translate(f1, cd, 0x10001000, &pa), TG_ENOENT);
	assert_int_equal(f1->stale_reads, stale0);
}

/* Each STE word written is cleaned before the CFGI_STE that publishes it. */
static void test_noncoherent_ste_clean_counts(void **state)
{
	const uint32_t sid = 0x0206;
	uint64_t addr, ste[8];

	assert_int_equal(smmu_stream_bypass(s1, sid), TG_OK);	/* L2 exists: bus 2 */
	assert_int_equal(fake_read_ste(f1, sid, ste, &addr), FAKE_STE_OK);
	fake_clean_log_reset();
	size_t m = fake_log_mark(f1);
	doms[0] = smmu_domain_create(s1, 0);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	/* bypass -> S1: word 0 invalidated, words 1-7, word 0: three cleans of
	 * word 0's line (two of word 0 itself), one of words 1-7. */
	assert_true(fake_clean_covering(addr, 8) >= 2);
	assert_true(fake_clean_covering(addr + 8, 56) >= 1);
	/* Every step's CFGI_STE + SYNC was cleaned as well. */
	check_log_clean(f1, m, fake_log_mark(f1), true);
	assert_int_equal(fake_log_count(f1, m, FOP_CFGI_STE), 3);
}

static void test_noncoherent_events_invalidated(void **state)
{
	uint64_t rec[4];
	unsigned long inval0 = fake_inval_calls;
	const struct smmu_counters *cnt = smmu_counters(s1);
	unsigned long ev0 = cnt->events;

	/* The SMMU writes the record to DRAM; the CPU must invalidate to see it. */
	fake_event_record(rec, 0x10, 0x0207, 0xabc000, true, 1);
	assert_true(fake_event_push(f1, rec));
	fake_event_record(rec, 0x13, 0x0208, 0xdef000, false, 1);
	assert_true(fake_event_push(f1, rec));
	assert_int_equal(smmu_poll_events(s1), 2);
	assert_int_equal(cnt->events, ev0 + 2);
	assert_true(fake_inval_calls >= inval0 + 2);
	assert_int_equal(fake_console_count("F_TRANSLATION (0x10) sid 0x0207"), 1);
	assert_int_equal(fake_console_count("F_PERMISSION (0x13) sid 0x0208"), 1);
}

static void test_noncoherent_illegal_repair(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(s1);
	unsigned long errs0 = cnt->cmd_errors;

	assert_int_equal(smmu_test_issue_raw(s1, 0xfe, 0), TG_OK);
	assert_int_equal(smmu_sync(s1), TG_OK);
	assert_int_equal(cnt->cmd_errors, errs0 + 1);
	/* The repaired entry was cleaned: the SMMU read a SYNC, not the old bytes. */
	const struct fake_cmd *bad = fake_log(f1, mark1), *rep = fake_log(f1, mark1 + 1);
	assert_non_null(rep);
	assert_int_equal(bad->op, 0xfe);
	assert_int_equal(rep->pos, bad->pos);
	assert_int_equal(rep->op, FOP_SYNC);
	check_log_clean(f1, mark1, fake_log_mark(f1), true);
}

/*
 * Tables freed by an unmap and used again by a later map (the domain keeps
 * emptied table pages): the SMMU's walk through DRAM must see the new
 * entries, and nothing of the old ones.
 */
static void test_noncoherent_table_reuse(void **state)
{
	const uint32_t sid = 0x0209;
	uint64_t ste[8], cd[8], pa;

	doms[0] = smmu_domain_create(s1, 0);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	assert_int_equal(fake_read_ste(f1, sid, ste, NULL), FAKE_STE_OK);
	for (unsigned int i = 0; i < 8; i++)
		cd[i] = fake_read64(f1, F_STE_S1CTXPTR(ste[0]) + 8 * i);
	unsigned long stale0 = f1->stale_reads;

	for (unsigned int round = 0; round < 6; round++) {
		/* A new 512 GiB / 1 GiB / 2 MiB region each time: fresh tables at
		 * every level, freed again by the unmap. */
		uint64_t iova = ((uint64_t)(round + 1) << 39) | ((uint64_t)round << 30) |
				((uint64_t)round << 21);
		uint64_t phys = PA + round * 0x100000ull;
		assert_int_equal(smmu_map(doms[0], iova, phys, 8 * SZ_4K, RW), TG_OK);
		for (unsigned int p = 0; p < 8; p++) {
			assert_int_equal(fake_translate(f1, cd, iova + p * SZ_4K + 0x18, &pa), TG_OK);
			assert_int_equal(pa, phys + p * SZ_4K + 0x18);
		}
		if (round) {
			/* The previous round's region is gone for the SMMU too. */
			uint64_t prev = ((uint64_t)round << 39) | ((uint64_t)(round - 1) << 30) |
					((uint64_t)(round - 1) << 21);
			assert_int_equal(fake_translate(f1, cd, prev, &pa), TG_ENOENT);
		}
		size_t m = fake_log_mark(f1);
		assert_int_equal(smmu_unmap(doms[0], iova, 8 * SZ_4K), (int64_t)(8 * SZ_4K));
		check_log_clean(f1, m, fake_log_mark(f1), true);
		assert_int_equal(fake_translate(f1, cd, iova, &pa), TG_ENOENT);
	}
	assert_int_equal(f1->stale_reads, stale0);
}

/* ---- instance 0: forced non-coherent after probe ------------------------------------------ */

static void test_forced_noncoherent(void **state)
{
	const uint32_t sid = 0x0301;	/* a new level-2 table, written after the switch */
	uint64_t ste[8], addr, cd[8], pa;

	assert_true(smmu_features(s0)->coherent);
	doms[0] = smmu_domain_create(s0, 0);
	assert_non_null(doms[0]);
	assert_int_equal(smmu_domain_attach(doms[0], sid), TG_OK);
	check_log_clean(f0, mark0, fake_log_mark(f0), true);
	assert_int_equal(fake_read_ste(f0, sid, ste, &addr), FAKE_STE_OK);
	assert_int_equal(F_STE_CONFIG(ste[0]), STE_CFG_S1);
	assert_int_equal(ste[1], 0);
	for (unsigned int i = 0; i < 8; i++)
		cd[i] = fake_read64(f0, F_STE_S1CTXPTR(ste[0]) + 8 * i);
	/* The CD was cleaned whole, then its word 0 again after setting V. */
	assert_true(fake_clean_covering(F_STE_S1CTXPTR(ste[0]), 64) >= 1);
	assert_true(fake_clean_covering(F_STE_S1CTXPTR(ste[0]), 8) >= 2);
	/* The new level-2 table was cleaned whole before its L1 descriptor. */
	assert_true(fake_clean_covering(addr & ~(uint64_t)(256 * 64 - 1), 256 * 64) >= 1);

	assert_int_equal(smmu_map(doms[0], 0x20000000, PA, SZ_4K, RW), TG_OK);
	assert_int_equal(fake_translate(f0, cd, 0x20000004, &pa), TG_OK);
	assert_int_equal(pa, PA + 4);
	size_t m = fake_log_mark(f0);
	assert_int_equal(smmu_unmap(doms[0], 0x20000000, SZ_4K), (int64_t)SZ_4K);
	check_log_clean(f0, m, fake_log_mark(f0), true);
	assert_int_equal(f0->stale_reads, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_noncoherent_probe),
		T(test_noncoherent_attach_map_unmap),
		T(test_noncoherent_ste_clean_counts),
		T(test_noncoherent_events_invalidated),
		T(test_noncoherent_illegal_repair),
		T(test_noncoherent_table_reuse),
		T(test_forced_noncoherent),
	};

	return cmocka_run_group_tests_name("smmu_noncoh", tests, group_setup, NULL);
}
