/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edu-fault: a write by every edu to an IOVA nothing maps is stopped by
 * the SMMU and reported as F_TRANSLATION with the edu's StreamID and the
 * exact IOVA; the system carries on and the next, good DMA of the same
 * device works and raises no event.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "edu_fixture.h"

#define LEN		64u
/* One access: one event line in the log. */
#define BAD_LEN		4u
/* Below the 28-bit mask, clear of IOVA 0, the MSI doorbell and every PCI
 * window on QEMU virt; checked unmapped before use anyway. */
#define BAD_IOVA	0x00bad123ull

static enum selftest_result one_edu(struct selftest_ctx *ctx, struct pci_dev *pci,
				    unsigned int seed)
{
	struct edu_fixture *f;
	enum selftest_result r = edu_fixture_open(ctx, 0, pci, &f);
	struct smmu_fault ev;
	uint64_t pa, unused;
	dma_addr_t good = 0;
	int err;

	if (r != SELFTEST_PASS)
		return r;
	uint8_t *buf = page_alloc(4096, 0, &pa);
	if (!buf) {
		r = selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
		goto out;
	}
	if (smmu_iova_to_phys(dma_dev_domain(&f->dd), BAD_IOVA, &unused) == TG_OK) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: IOVA 0x%llx is mapped", f->name,
				 (unsigned long long)BAD_IOVA);
		goto out;
	}
	unsigned long mark = smmu_event_mark();
	err = edu_dma(&f->edu, EDU_FROM_DEVICE, BAD_IOVA, 0, BAD_LEN);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: faulting DMA did not complete: %s", f->name,
				 tg_strerror(err));
		goto out;
	}
	if (!edu_fixture_find_event(mark, pci->sid, "F_TRANSLATION", BAD_IOVA, &ev) || !ev.write) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: no F_TRANSLATION write event for SID 0x%x at "
				 "IOVA 0x%llx", f->name, (unsigned)pci->sid,
				 (unsigned long long)BAD_IOVA);
		goto out;
	}

	/* The same device still works. */
	for (uint32_t b = 0; b < LEN; b++)
		buf[b] = edu_fixture_pattern(seed, b);
	memset(buf + 2048, 0, LEN);
	err = dma_map_single(&f->dd, pa, 4096, DMA_BIDIRECTIONAL, &good);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_map_single: %s", f->name, tg_strerror(err));
		goto out;
	}
	mark = smmu_event_mark();
	err = edu_dma(&f->edu, EDU_TO_DEVICE, good, 0, LEN);
	if (!err)
		err = edu_dma(&f->edu, EDU_FROM_DEVICE, good + 2048, 0, LEN);
	if (err || memcmp(buf + 2048, buf, LEN) || edu_fixture_count_events(mark, pci->sid)) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: the DMA after the fault failed (%s)", f->name,
				 err ? tg_strerror(err) : "data or events");
		goto out;
	}
out:
	if (good)
		dma_unmap_single(&f->dd, good, 4096, DMA_BIDIRECTIONAL);
	if (buf)
		page_free(buf, 4096);
	edu_fixture_close(f);
	return r;
}

static enum selftest_result edu_fault(struct selftest_ctx *ctx)
{
	unsigned int n = 0;

	for (struct pci_dev *pci; (pci = edu_fixture_find(n)) != NULL; n++) {
		enum selftest_result r = one_edu(ctx, pci, n + 31);
		if (r != SELFTEST_PASS)
			return r;
	}
	if (!n)
		return selftest_say(ctx, SELFTEST_SKIP, "no edu");
	return selftest_say(ctx, SELFTEST_PASS, "%u edu%s: F_TRANSLATION at IOVA 0x%llx, then a good DMA",
			    n, n > 1 ? "s" : "", (unsigned long long)BAD_IOVA);
}
SELFTEST(edu_fault, "edu-fault", "DMA to an unmapped IOVA is stopped and reported", edu_fault);
