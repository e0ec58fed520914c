/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edu-permission: a buffer mapped DMA_TO_DEVICE is read-only for the
 * device.  Every edu reads it fine, then its write into the same mapping
 * raises F_PERMISSION (StreamID, IOVA, write) and the buffer keeps its
 * contents.
 */
#include <tollgate/error.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "edu_fixture.h"

#define LEN	128u
#define OFF	0x240u
/* One access: one event line in the log. */
#define BAD_LEN	4u

static enum selftest_result one_edu(struct selftest_ctx *ctx, struct pci_dev *pci,
				    unsigned int seed)
{
	struct edu_fixture *f;
	enum selftest_result r = edu_fixture_open(ctx, 0, pci, &f);
	struct smmu_fault ev;
	uint64_t pa;
	dma_addr_t ro = 0;
	int err;

	if (r != SELFTEST_PASS)
		return r;
	uint8_t *buf = page_alloc(4096, 0, &pa);
	if (!buf) {
		r = selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
		goto out;
	}
	for (uint32_t b = 0; b < 4096; b++)
		buf[b] = edu_fixture_pattern(seed, b);
	err = dma_map_single(&f->dd, pa + OFF, LEN, DMA_TO_DEVICE, &ro);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_map_single: %s", f->name, tg_strerror(err));
		goto out;
	}
	unsigned long mark = smmu_event_mark();
	/* Reading is allowed; load the device buffer with other bytes first,
	 * so a write that got through would show. */
	err = edu_dma(&f->edu, EDU_TO_DEVICE, ro, 0, LEN);
	if (err || edu_fixture_count_events(mark, pci->sid)) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: read of a DMA_TO_DEVICE mapping failed", f->name);
		goto out;
	}
	for (uint32_t b = 0; b < LEN; b++)
		buf[OFF + b] ^= 0xff;	/* what the device holds now differs from memory */
	mark = smmu_event_mark();
	err = edu_dma(&f->edu, EDU_FROM_DEVICE, ro, 0, BAD_LEN);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: faulting DMA did not complete: %s", f->name,
				 tg_strerror(err));
		goto out;
	}
	if (!edu_fixture_find_event(mark, pci->sid, "F_PERMISSION", ro, &ev) || !ev.write) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: no F_PERMISSION write event for SID 0x%x at "
				 "IOVA 0x%llx", f->name, (unsigned)pci->sid, (unsigned long long)ro);
		goto out;
	}
	for (uint32_t b = 0; b < 4096; b++) {
		uint8_t want = edu_fixture_pattern(seed, b) ^ (b >= OFF && b < OFF + LEN ? 0xff : 0);
		if (buf[b] != want) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: byte 0x%x changed by a read-only mapping",
					 f->name, (unsigned)b);
			goto out;
		}
	}
out:
	if (ro)
		dma_unmap_single(&f->dd, ro, LEN, DMA_TO_DEVICE);
	if (buf)
		page_free(buf, 4096);
	edu_fixture_close(f);
	return r;
}

static enum selftest_result edu_permission(struct selftest_ctx *ctx)
{
	unsigned int n = 0;

	for (struct pci_dev *pci; (pci = edu_fixture_find(n)) != NULL; n++) {
		enum selftest_result r = one_edu(ctx, pci, n + 41);
		if (r != SELFTEST_PASS)
			return r;
	}
	if (!n)
		return selftest_say(ctx, SELFTEST_SKIP, "no edu");
	return selftest_say(ctx, SELFTEST_PASS, "%u edu%s: write into a read-only mapping -> F_PERMISSION",
			    n, n > 1 ? "s" : "");
}
SELFTEST(edu_permission, "edu-permission", "device write into a DMA_TO_DEVICE mapping is refused",
	 edu_permission);
