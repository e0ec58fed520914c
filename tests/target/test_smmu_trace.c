/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The commands an unmap issues, made visible in QEMU's own trace.
 *
 * smmu_trace_unmap_commands maps 64 contiguous 4 KiB pages in a fresh
 * domain, then unmaps one page and then the other 63, and checks what the
 * API says (bytes unmapped, translations gone, one CMD_SYNC per unmap in
 * the domain's counters).  Each unmap is bracketed by a marker command the
 * driver itself never issues: CMD_CFGI_STE_RANGE (Range = 0, two STEs) on
 * a StreamID no device has, followed by a CMD_SYNC.  QEMU traces it as
 *   smmuv3_cmdq_cfgi_ste_range start=0x74a0 - end=0x74a1
 * so tests/scenarios/smmu-trace.scn can cut the trace at the markers and
 * tools/check-smmu-trace can count the TLBIs and CMD_SYNCs of each unmap.
 * Without tracing (selftest*.scn) the case checks the API only.
 *
 * Why not CMD_PREFETCH_CONFIG: QEMU 7.2 traces it only as its opcode
 * name (`smmuv3_cmdq_opcode <--- SMMU_CMD_PREFETCH_CONFIG`), without the
 * StreamID, so it cannot carry a distinctive value.  An STE invalidation
 * of StreamIDs no device has is just as harmless (architecturally it only
 * drops cached configuration) and QEMU prints its StreamID range.
 */
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/page_alloc.h>
#include <tollgate/smmu.h>

#include "testcase.h"

/* Marker StreamIDs (even: Range = 0 covers sid and sid + 1); bus 0x74 has
 * no device in any scenario.  tools/check-smmu-trace knows these values. */
#define TRACE_MARK_BEGIN	0x74a0u	/* before the single-page unmap */
#define TRACE_MARK_MID		0x74a2u	/* between the two unmaps */
#define TRACE_MARK_END		0x74a4u	/* after the multi-page unmap */

#define TRACE_PAGES		64u
#define TRACE_IOVA		0x00400000ull	/* 4 MiB: one level-3 table holds all */

/* CMD_CFGI_STE_RANGE (IHI 0070 4.3.2): opcode 0x04, StreamID in bits
 * [63:32] of the first word, Range in bits [4:0] of the second. */
static int trace_mark(struct smmu *smmu, uint32_t sid)
{
	int err = smmu_test_issue_raw(smmu, 0x04 | ((uint64_t)sid << 32), 0);

	return err ? err : smmu_sync(smmu);
}

/*
 * Fewest range TLBIs that cover `pages` granules: each covers
 * (NUM + 1) << SCALE with NUM + 1 in 1..32 (IHI 0070 4.4.1.1).
 */
static unsigned int ril_min_commands(unsigned int pages)
{
	unsigned char best[TRACE_PAGES + 1];

	best[0] = 0;
	for (unsigned int n = 1; n <= pages && n <= TRACE_PAGES; n++) {
		best[n] = 0xff;
		for (unsigned int scale = 0; (1u << scale) <= n; scale++)
			for (unsigned int num = 1; num <= 32 && (num << scale) <= n; num++) {
				unsigned int c = best[n - (num << scale)] + 1u;
				if (c < best[n])
					best[n] = (unsigned char)c;
			}
	}
	return best[pages];
}

TESTCASE(smmu_trace_unmap_commands)
{
	struct smmu *smmu = smmu_get(0);
	uint64_t pa, phys;

	CHECK(smmu != NULL);
	struct smmu_domain *dom = smmu_domain_create(smmu, 0);
	CHECK(dom != NULL);
	uint8_t *buf = page_alloc(TRACE_PAGES * TG_PAGE_SIZE, 0, &pa);
	if (!buf) {
		smmu_domain_destroy(dom);
		CHECK(buf != NULL);
	}
	int err = smmu_map(dom, TRACE_IOVA, pa, TRACE_PAGES * TG_PAGE_SIZE,
			   IOMMU_READ | IOMMU_WRITE);
	const struct smmu_domain_counters *c = smmu_domain_counters(dom);
	unsigned long syncs0 = c->syncs, cmds0 = c->commands, unmaps0 = c->unmaps;

	/* Marker, one page, marker, the other 63, marker. */
	int m1 = err ? err : trace_mark(smmu, TRACE_MARK_BEGIN);
	int64_t one = smmu_unmap(dom, TRACE_IOVA, TG_PAGE_SIZE);
	unsigned long syncs1 = c->syncs, cmds1 = c->commands;
	int m2 = trace_mark(smmu, TRACE_MARK_MID);
	int still = smmu_iova_to_phys(dom, TRACE_IOVA + TG_PAGE_SIZE, &phys);
	int64_t rest = smmu_unmap(dom, TRACE_IOVA + TG_PAGE_SIZE,
				  (TRACE_PAGES - 1) * TG_PAGE_SIZE);
	unsigned long syncs2 = c->syncs, cmds2 = c->commands;
	int m3 = trace_mark(smmu, TRACE_MARK_END);
	unsigned int mapped_after = 0;
	for (unsigned int i = 0; i < TRACE_PAGES; i++)
		if (smmu_iova_to_phys(dom, TRACE_IOVA + (uint64_t)i * TG_PAGE_SIZE, &phys) != TG_ENOENT)
			mapped_after++;
	unsigned long unmaps = c->unmaps - unmaps0;
	bool ril = smmu_features(smmu)->ril;
	smmu_domain_destroy(dom);
	page_free(buf, TRACE_PAGES * TG_PAGE_SIZE);

	CHECK_EQ(err, TG_OK);
	CHECK_EQ(m1, TG_OK);
	CHECK_EQ(one, TG_PAGE_SIZE);
	CHECK_EQ(m2, TG_OK);
	/* The first unmap left the rest alone. */
	CHECK_EQ(still, TG_OK);
	CHECK_EQ(phys, pa + TG_PAGE_SIZE);
	CHECK_EQ(rest, (TRACE_PAGES - 1) * TG_PAGE_SIZE);
	CHECK_EQ(m3, TG_OK);
	CHECK_EQ(mapped_after, 0);
	CHECK_EQ(unmaps, 2);
	/* Exactly one CMD_SYNC per unmap (the markers are not the domain's). */
	CHECK_EQ(syncs1 - syncs0, 1);
	CHECK_EQ(syncs2 - syncs1, 1);
	/* One page: one TLBI. */
	CHECK_EQ(cmds1 - cmds0, 1);
	/* 63 pages: with RIL the fewest range TLBIs the encoding allows
	 * (31 + 32 = 2); without, at most one per page. */
	if (ril)
		CHECK_EQ(cmds2 - cmds1, ril_min_commands(TRACE_PAGES - 1));
	else
		CHECK(cmds2 - cmds1 >= 1 && cmds2 - cmds1 <= TRACE_PAGES - 1);
}
