/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stage-1 domains of iommu/smmu_domain.c against the fake SMMU: the
 * context descriptor as the SMMU reads it through the STE (IHI 0070 5.4),
 * per-domain ASIDs, and the commands of detach and unmap (chapter 4):
 * CFGI_STE, CFGI_CD, TLBI_NH_ASID, TLBI_NH_VA with and without range
 * invalidation (IDR3.RIL), one CMD_SYNC per unmap.
 *
 * Instances: 0 = QEMU (RIL = 1), 1 = QEMU without RIL.
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
#define SZ_2M		0x200000ull
#define RW		(IOMMU_READ | IOMMU_WRITE)
#define PA		0x80000000ull

static struct smmu *sr, *sn;		/* RIL, no RIL */
static struct fake_smmu *fr, *fn;
static struct smmu_domain *doms[6];

static int group_setup(void **state)
{
	fake_env_init();
	fr = fake_smmu_setup(0);
	sr = fake_probe(fr);
	fn = fake_smmu_setup(1);
	fn->idr[3] &= ~FAKE_IDR3_RIL;
	sn = fake_probe(fn);
	return sr && sn ? 0 : -1;
}

static int setup(void **state)
{
	fake_console_reset();
	memset(doms, 0, sizeof(doms));
	return 0;
}

static int teardown(void **state)
{
	for (unsigned int i = 0; i < 6; i++)
		smmu_domain_destroy(doms[i]);
	return fake_check_violations();
}

/* The CD the SMMU finds for `sid` (through STE.S1ContextPtr). */
static void read_cd(struct fake_smmu *f, uint32_t sid, uint64_t cd[8])
{
	uint64_t ste[8];

	assert_int_equal(fake_read_ste(f, sid, ste, NULL), FAKE_STE_OK);
	assert_int_equal(F_STE_V(ste[0]), 1);
	assert_int_equal(F_STE_CONFIG(ste[0]), STE_CFG_S1);
	for (unsigned int i = 0; i < 8; i++)
		cd[i] = fake_read64(f, F_STE_S1CTXPTR(ste[0]) + 8 * i);
}

/* Commands logged from `from` on, SYNC included. */
static size_t cmds_since(struct fake_smmu *f, size_t from, const struct fake_cmd **out, size_t max)
{
	size_t n = 0;

	for (size_t i = from; i < fake_log_mark(f); i++)
		if (n < max)
			out[n++] = fake_log(f, i);
	return fake_log_mark(f) - from;
}

static struct smmu_domain *attached_domain(struct smmu *s, unsigned int slot, uint32_t sid,
					   unsigned int ias)
{
	doms[slot] = smmu_domain_create(s, ias);
	assert_non_null(doms[slot]);
	assert_int_equal(smmu_domain_attach(doms[slot], sid), TG_OK);
	return doms[slot];
}

/* ---- context descriptor ------------------------------------------------------------- */

static uint64_t expected_cd0(unsigned int t0sz, uint16_t asid)
{
	/* IHI 0070 5.4: T0SZ 5:0, TG0 7:6 (0 = 4K), IR0 9:8, OR0 11:10 (1 = WB
	 * RA WA), SH0 13:12 (3 = inner), EPD1 30, V 31, IPS 34:32 (4 = 44 bits,
	 * QEMU's OAS), AA64 41, R 45, A 46, ASET 47, ASID 63:48. */
	return (uint64_t)t0sz | 0ull << 6 | 1ull << 8 | 1ull << 10 | 3ull << 12 | 1ull << 30 |
	       1ull << 31 | 4ull << 32 | 1ull << 41 | 1ull << 45 | 1ull << 46 | 1ull << 47 |
	       (uint64_t)asid << 48;
}

static void test_cd_contents(void **state)
{
	struct smmu_domain *d = attached_domain(sr, 0, 0x0100, 0);
	uint16_t asid = smmu_domain_asid(d);
	uint64_t cd[8];

	read_cd(fr, 0x0100, cd);
	assert_int_not_equal(asid, 0);
	if (cd[0] != expected_cd0(16, asid)) {
		print_error("CD word 0 is 0x%016llx, expected 0x%016llx\n",
			    (unsigned long long)cd[0], (unsigned long long)expected_cd0(16, asid));
		fail();
	}
	/* TTB0 (51:4): the root table, 4 KiB-aligned for 48 bits / 4 KiB granule. */
	uint64_t ttb0 = cd[1] & 0x000ffffffffffff0ull;
	assert_int_equal(cd[1], ttb0);
	assert_int_not_equal(ttb0, 0);
	assert_int_equal(ttb0 & 0xfff, 0);
	assert_true(ttb0 >= FAKE_POOL_BASE && ttb0 < FAKE_POOL_BASE + FAKE_POOL_SIZE);
	assert_int_equal(cd[2], 0);		/* no TTB1 */
	assert_int_equal(cd[3], IO_PGTABLE_MAIR);	/* MAIR0/1 */
	assert_int_equal(IO_PGTABLE_MAIR, 0x000000000044ff04ull);
	for (unsigned int i = 4; i < 8; i++)
		assert_int_equal(cd[i], 0);

	/* The SMMU walks a mapping made afterwards through this CD. */
	uint64_t pa;
	assert_int_equal(fake_translate(fr, cd, 0x123456000ull, &pa), TG_ENOENT);
	assert_int_equal(smmu_map(d, 0x123456000ull, PA, 2 * SZ_4K, RW), TG_OK);
	assert_int_equal(fake_translate(fr, cd, 0x123457abcull, &pa), TG_OK);
	assert_int_equal(pa, PA + 0x1abc);
	assert_int_equal(smmu_domain_counters(d)->maps, 1);

	/* A 32-bit IOVA space: T0SZ 32, same everything else. */
	struct smmu_domain *d32 = attached_domain(sr, 1, 0x0101, 32);
	read_cd(fr, 0x0101, cd);
	assert_int_equal(cd[0], expected_cd0(32, smmu_domain_asid(d32)));
	assert_int_equal(smmu_map(d32, 0xfffff000ull, PA, SZ_4K, RW), TG_OK);
	assert_int_equal(fake_translate(fr, cd, 0xfffff008ull, &pa), TG_OK);
	assert_int_equal(pa, PA + 8);
}

/* The CD is complete and valid before any STE points at it. */
static void test_cd_valid_before_ste(void **state)
{
	size_t m = fake_log_mark(fr);
	attached_domain(sr, 0, 0x0102, 0);
	bool seen = false;

	for (size_t i = m; i < fake_log_mark(fr); i++) {
		const struct fake_cmd *c = fake_log(fr, i);
		if (!c->has_cd)
			continue;
		seen = true;
		assert_int_equal(c->cd[0] >> 31 & 1, 1);
		assert_int_not_equal(c->cd[1], 0);
		assert_int_equal(c->cd[3], IO_PGTABLE_MAIR);
	}
	assert_true(seen);
}

static void test_asids_distinct(void **state)
{
	uint16_t asid[6];

	for (unsigned int i = 0; i < 6; i++) {
		doms[i] = smmu_domain_create(i & 1 ? sn : sr, 0);
		assert_non_null(doms[i]);
		asid[i] = smmu_domain_asid(doms[i]);
		assert_int_not_equal(asid[i], 0);
		for (unsigned int j = 0; j < i; j++)
			assert_int_not_equal(asid[i], asid[j]);
	}
	assert_int_equal(smmu_domain_asid(NULL), 0);
}

/* ---- detach ---------------------------------------------------------------------------- */

static void test_detach_commands(void **state)
{
	const uint32_t sid = 0x0103;
	struct smmu_domain *d = attached_domain(sr, 0, sid, 0);
	uint16_t asid = smmu_domain_asid(d);
	const struct fake_cmd *c[32];
	size_t m = fake_log_mark(fr);

	assert_int_equal(smmu_domain_detach(d, sid), TG_OK);
	size_t n = cmds_since(fr, m, c, 32);
	assert_true(n >= 5 && n <= 32);
	/* Every CFGI_STE: opcode 0x03, SID in 63:32, SSec 0, Leaf. */
	for (size_t i = 0; i < n - 3; i++) {
		if (c[i]->op == FOP_SYNC)
			continue;
		assert_int_equal(c[i]->op, FOP_CFGI_STE);
		assert_int_equal(c[i]->w[0], FOP_CFGI_STE | (uint64_t)sid << 32);
		assert_int_equal(c[i]->w[1], 1);
	}
	/* Then the CD and the ASID's TLB entries, one SYNC. */
	assert_int_equal(c[n - 3]->op, FOP_CFGI_CD);
	assert_int_equal(c[n - 3]->w[0], FOP_CFGI_CD | (uint64_t)sid << 32);	/* SSID 0 */
	assert_int_equal(c[n - 3]->w[1], 1);					/* Leaf */
	assert_int_equal(c[n - 2]->op, FOP_TLBI_NH_ASID);
	assert_int_equal(c[n - 2]->w[0], FOP_TLBI_NH_ASID | (uint64_t)asid << 48);	/* VMID 0 */
	assert_int_equal(c[n - 2]->w[1], 0);
	assert_int_equal(c[n - 1]->op, FOP_SYNC);
	/* The STE was already abort when the CD was invalidated. */
	assert_int_equal(F_STE_CONFIG(c[n - 3]->ste[0]), STE_CFG_ABORT);
	assert_int_equal(F_STE_V(c[n - 3]->ste[0]), 1);
}

static void test_destroy_detaches_all(void **state)
{
	struct smmu_domain *d = smmu_domain_create(sr, 0);
	assert_non_null(d);
	assert_int_equal(smmu_domain_attach(d, 0x0110), TG_OK);
	assert_int_equal(smmu_domain_attach(d, 0x0111), TG_OK);
	uint16_t asid = smmu_domain_asid(d);
	size_t m = fake_log_mark(fr);

	smmu_domain_destroy(d);
	for (uint32_t sid = 0x0110; sid <= 0x0111; sid++) {
		uint64_t ste[8];
		assert_int_equal(fake_read_ste(fr, sid, ste, NULL), FAKE_STE_OK);
		assert_int_equal(ste[0], 1);	/* V, abort */
		assert_null(smmu_domain_of_stream(sr, sid));
	}
	assert_int_equal(fake_log_count(fr, m, FOP_CFGI_CD), 2);
	size_t tlbi = 0;
	for (size_t i = m; i < fake_log_mark(fr); i++) {
		const struct fake_cmd *c = fake_log(fr, i);
		if (c->op == FOP_TLBI_NH_ASID) {
			assert_int_equal(F_ASID(c->w[0]), asid);
			tlbi++;
		}
	}
	assert_true(tlbi >= 1);
	assert_int_equal(fake_reg32(fr, 0x98) & 0x1ff, fake_reg32(fr, 0x9c) & 0x1ff);
}

/* ---- unmap -------------------------------------------------------------------------------- */

/* The TLBIs of one unmap: only TLBI_NH_VA/ASID then exactly one SYNC. */
static size_t unmap_cmds(struct fake_smmu *f, size_t from, const struct fake_cmd **c, size_t max)
{
	size_t n = cmds_since(f, from, c, max);

	assert_true(n >= 2 && n <= max);
	assert_int_equal(fake_log_count(f, from, FOP_SYNC), 1);
	assert_int_equal(c[n - 1]->op, FOP_SYNC);
	return n - 1;
}

/* Range TLBI (RIL): Range = (NUM + 1) * 2^SCALE granules from Address. */
static void check_range_cover(const struct fake_cmd **c, size_t n, uint16_t asid, uint64_t iova,
			      uint64_t size, unsigned int ttl, unsigned int leaf)
{
	uint64_t at = iova;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i]->op, FOP_TLBI_NH_VA);
		assert_int_equal(F_ASID(c[i]->w[0]), asid);
		assert_int_equal(c[i]->w[0] >> 32 & 0xffff, 0);	/* VMID */
		assert_int_equal(F_TG(c[i]->w[1]), 1);		/* 4 KiB */
		assert_int_equal(F_TTL(c[i]->w[1]), ttl);
		assert_int_equal(F_LEAF(c[i]->w[1]), leaf);
		assert_int_equal(c[i]->w[1] & 0xfeull, 0);	/* RES0 bits 7:1 */
		assert_int_equal(F_ADDR(c[i]->w[1]), at);	/* contiguous, ascending */
		at += ((uint64_t)F_NUM(c[i]->w[0]) + 1) << F_SCALE(c[i]->w[0]) << 12;
	}
	assert_int_equal(at, iova + size);
}

static void test_unmap_ril_one_page(void **state)
{
	struct smmu_domain *d = attached_domain(sr, 0, 0x0120, 0);
	const struct fake_cmd *c[8];

	assert_int_equal(smmu_map(d, 0x200000, PA, 128 * SZ_4K, RW), TG_OK);
	size_t m = fake_log_mark(fr);
	assert_int_equal(smmu_unmap(d, 0x210000, SZ_4K), (int64_t)SZ_4K);
	size_t n = unmap_cmds(fr, m, c, 8);
	assert_int_equal(n, 1);
	assert_int_equal(c[0]->w[0], FOP_TLBI_NH_VA | (uint64_t)smmu_domain_asid(d) << 48);
	assert_int_equal(c[0]->w[1], 0x210000 | 1u << 10 | 3u << 8 | 1);	/* TG 4K, TTL 3, Leaf */
	check_range_cover(c, n, smmu_domain_asid(d), 0x210000, SZ_4K, 3, 1);

	uint64_t cd[8], pa;
	read_cd(fr, 0x0120, cd);
	assert_int_equal(fake_translate(fr, cd, 0x210000, &pa), TG_ENOENT);
	assert_int_equal(fake_translate(fr, cd, 0x211000, &pa), TG_OK);
	assert_int_equal(pa, PA + 0x11000);
	const struct smmu_domain_counters *dc = smmu_domain_counters(d);
	assert_int_equal(dc->unmaps, 1);
}

static void test_unmap_ril_64_pages(void **state)
{
	struct smmu_domain *d = attached_domain(sr, 0, 0x0121, 0);
	const struct fake_cmd *c[8];

	assert_int_equal(smmu_map(d, 0x200000, PA, 256 * SZ_4K, RW), TG_OK);
	size_t m = fake_log_mark(fr);
	unsigned long syncs0 = smmu_domain_counters(d)->syncs;
	assert_int_equal(smmu_unmap(d, 0x240000, 64 * SZ_4K), (int64_t)(64 * SZ_4K));
	size_t n = unmap_cmds(fr, m, c, 8);
	/* One command: NUM 0, SCALE 6 = 64 pages. */
	assert_int_equal(n, 1);
	assert_int_equal(F_NUM(c[0]->w[0]), 0);
	assert_int_equal(F_SCALE(c[0]->w[0]), 6);
	check_range_cover(c, n, smmu_domain_asid(d), 0x240000, 64 * SZ_4K, 3, 1);
	assert_int_equal(smmu_domain_counters(d)->syncs, syncs0 + 1);
}

static void test_unmap_ril_odd_sizes(void **state)
{
	struct smmu_domain *d = attached_domain(sr, 0, 0x0122, 0);
	const struct fake_cmd *c[16];
	static const unsigned int pages[] = { 3, 37, 63, 100, 31, 33 };
	uint64_t iova = 0x40000000;

	assert_int_equal(smmu_map(d, iova, PA, 400 * SZ_4K, RW), TG_OK);
	for (unsigned int k = 0; k < sizeof(pages) / sizeof(pages[0]); k++) {
		size_t m = fake_log_mark(fr);
		uint64_t size = pages[k] * SZ_4K;
		assert_int_equal(smmu_unmap(d, iova, size), (int64_t)size);
		size_t n = unmap_cmds(fr, m, c, 16);
		assert_true(n <= 5);
		check_range_cover(c, n, smmu_domain_asid(d), iova, size, 3, 1);
		iova += size;
	}
}

/* Unmapping the last pages of a table frees it: the walk caches must go too. */
static void test_unmap_ril_table_freed(void **state)
{
	struct smmu_domain *d = attached_domain(sr, 0, 0x0123, 0);
	const struct fake_cmd *c[8];

	assert_int_equal(smmu_map(d, 0x600000, PA, 16 * SZ_4K, RW), TG_OK);
	size_t m = fake_log_mark(fr);
	assert_int_equal(smmu_unmap(d, 0x600000, 16 * SZ_4K), (int64_t)(16 * SZ_4K));
	size_t n = unmap_cmds(fr, m, c, 8);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(F_LEAF(c[i]->w[1]), 0);
}

static void test_unmap_ril_block(void **state)
{
	struct smmu_domain *d = attached_domain(sr, 0, 0x0124, 0);
	const struct fake_cmd *c[8];

	assert_int_equal(smmu_map(d, 0x40000000, PA, 2 * SZ_2M, RW), TG_OK);
	size_t m = fake_log_mark(fr);
	assert_int_equal(smmu_unmap(d, 0x40200000, SZ_2M), (int64_t)SZ_2M);
	size_t n = unmap_cmds(fr, m, c, 8);
	/* A 2 MiB block is a level-2 leaf: TTL 2, 512 granules. */
	check_range_cover(c, n, smmu_domain_asid(d), 0x40200000, SZ_2M, 2, 1);
	assert_int_equal(n, 1);
}

static void test_unmap_noril_one_page(void **state)
{
	struct smmu_domain *d = attached_domain(sn, 0, 0x0020, 0);
	const struct fake_cmd *c[8];

	assert_int_equal(smmu_map(d, 0x200000, PA, 128 * SZ_4K, RW), TG_OK);
	size_t m = fake_log_mark(fn);
	assert_int_equal(smmu_unmap(d, 0x210000, SZ_4K), (int64_t)SZ_4K);
	size_t n = unmap_cmds(fn, m, c, 8);
	assert_int_equal(n, 1);
	assert_int_equal(c[0]->op, FOP_TLBI_NH_VA);
	/* No range fields without RIL. */
	assert_int_equal(c[0]->w[0], FOP_TLBI_NH_VA | (uint64_t)smmu_domain_asid(d) << 48);
	assert_int_equal(F_ADDR(c[0]->w[1]), 0x210000);
	assert_int_equal(F_LEAF(c[0]->w[1]), 1);
}

static void test_unmap_noril_64_pages(void **state)
{
	struct smmu_domain *d = attached_domain(sn, 0, 0x0021, 0);
	const struct fake_cmd *c[80];

	assert_int_equal(smmu_map(d, 0x200000, PA, 256 * SZ_4K, RW), TG_OK);
	size_t m = fake_log_mark(fn);
	assert_int_equal(smmu_unmap(d, 0x240000, 64 * SZ_4K), (int64_t)(64 * SZ_4K));
	size_t n = unmap_cmds(fn, m, c, 80);
	/* One TLBI_NH_VA per page, in order, then one SYNC. */
	assert_int_equal(n, 64);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i]->op, FOP_TLBI_NH_VA);
		assert_int_equal(F_ASID(c[i]->w[0]), smmu_domain_asid(d));
		assert_int_equal(F_NUM(c[i]->w[0]), 0);
		assert_int_equal(F_SCALE(c[i]->w[0]), 0);
		assert_int_equal(F_ADDR(c[i]->w[1]), 0x240000 + i * SZ_4K);
		assert_int_equal(F_LEAF(c[i]->w[1]), 1);
	}
	const struct smmu_domain_counters *dc = smmu_domain_counters(d);
	assert_int_equal(dc->unmaps, 1);
}

static void test_unmap_noril_above_threshold(void **state)
{
	struct smmu_domain *d = attached_domain(sn, 0, 0x0022, 0);
	const struct fake_cmd *c[80];

	assert_int_equal(smmu_map(d, 0x200000, PA, 256 * SZ_4K, RW), TG_OK);
	size_t m = fake_log_mark(fn);
	assert_int_equal(smmu_unmap(d, 0x240000, 65 * SZ_4K), (int64_t)(65 * SZ_4K));
	size_t n = unmap_cmds(fn, m, c, 80);
	/* More than the driver's 64: the whole ASID instead. */
	assert_int_equal(n, 1);
	assert_int_equal(c[0]->w[0], FOP_TLBI_NH_ASID | (uint64_t)smmu_domain_asid(d) << 48);
	assert_int_equal(c[0]->w[1], 0);
}

static void test_unmap_errors_issue_nothing(void **state)
{
	struct smmu_domain *d = attached_domain(sr, 0, 0x0125, 0);
	size_t m = fake_log_mark(fr);

	assert_int_equal(smmu_unmap(d, 0x300000, SZ_4K), TG_ENOENT);
	assert_int_equal(smmu_unmap(d, 0x300001, SZ_4K), TG_EINVAL);
	assert_int_equal(smmu_unmap(NULL, 0, SZ_4K), TG_EINVAL);
	assert_int_equal(smmu_map(NULL, 0, PA, SZ_4K, RW), TG_EINVAL);
	assert_int_equal(fake_log_count(fr, m, -1), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cd_contents),
		T(test_cd_valid_before_ste),
		T(test_asids_distinct),
		T(test_detach_commands),
		T(test_destroy_detaches_all),
		T(test_unmap_ril_one_page),
		T(test_unmap_ril_64_pages),
		T(test_unmap_ril_odd_sizes),
		T(test_unmap_ril_table_freed),
		T(test_unmap_ril_block),
		T(test_unmap_noril_one_page),
		T(test_unmap_noril_64_pages),
		T(test_unmap_noril_above_threshold),
		T(test_unmap_errors_issue_nothing),
	};

	return cmocka_run_group_tests_name("smmu_domain", tests, group_setup, NULL);
}
