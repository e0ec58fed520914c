/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-fault: DMA the SMMU must stop, proven from the SMMU's event log (the
 * controller itself reports success: QEMU's NVMe does not see a faulting
 * device-to-host transfer).
 *  1. A read command into an IOVA nothing is mapped at: F_TRANSLATION
 *     events with the controller's StreamID, addresses inside the target
 *     range starting at its first byte, all writes.
 *  2. A read command into a DMA_TO_DEVICE (read-only) mapping of a page:
 *     F_PERMISSION at that IOVA, and the page keeps its contents.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "nvme_selftest.h"

#define FAULT_LBA	400
#define FAULT_BYTES	512u		/* one block: QEMU logs one event per 4 bytes */
/* Above 4 GiB and below every PCI window: never handed out by the
 * allocator's first (32-bit) pass, so nothing is mapped there. */
#define UNMAPPED_IOVA	0x4deadb000ull
#define EVT_F_TRANSLATION	0x10	/* IHI 0070 7.3.10 */
#define EVT_F_PERMISSION	0x13	/* IHI 0070 7.3.13 */
#define CANARY		0xc3

/*
 * Checks the events after `mark`: at least one, every one of `type` from
 * `sid`, a device write inside [iova, iova + len), the first at iova.
 */
static int check_events(struct selftest_ctx *ctx, const char *name, unsigned long mark,
			unsigned int type, uint32_t sid, uint64_t iova, uint32_t len,
			unsigned long *count)
{
	unsigned long last = smmu_event_mark();
	struct smmu_fault f;

	*count = last - mark;
	if (!*count) {
		selftest_say(ctx, SELFTEST_FAIL, "%s: no SMMU event for DMA to IOVA 0x%llx", name,
			     (unsigned long long)iova);
		return TG_EIO;
	}
	for (unsigned long s = mark + 1; s <= last; s++) {
		int err = smmu_event_get(s, &f);
		if (err == TG_ERANGE)
			continue;	/* overwritten: the newer ones are checked */
		if (err || f.type != type || f.sid != sid || !f.write || f.addr < iova ||
		    f.addr >= iova + len || (s == mark + 1 && f.addr != iova)) {
			selftest_say(ctx, SELFTEST_FAIL,
				     "%s: event %lu: %s sid 0x%x addr 0x%llx %s, want type 0x%x sid 0x%x at 0x%llx",
				     name, s - mark, err ? "?" : f.name, (unsigned int)f.sid,
				     (unsigned long long)f.addr, f.write ? "write" : "read", type,
				     (unsigned int)sid, (unsigned long long)iova);
			return TG_EIO;
		}
	}
	return TG_OK;
}

static enum selftest_result one_controller(struct selftest_ctx *ctx, struct nvme *n,
					   unsigned long *ev_t, unsigned long *ev_p, uint16_t *st)
{
	uint16_t status;
	int err;

	/* 1. Unmapped IOVA. */
	unsigned long mark = smmu_event_mark();
	err = nvme_io_raw(n, false, FAULT_LBA, FAULT_BYTES / n->lba_size, UNMAPPED_IOVA, 0, &status);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: read to unmapped IOVA: %s", n->name,
				    tg_strerror(err));
	*st = status;
	if (check_events(ctx, n->name, mark, EVT_F_TRANSLATION, n->pci->sid, UNMAPPED_IOVA,
			 FAULT_BYTES, ev_t))
		return SELFTEST_FAIL;

	/* 2. Read-only mapping written by the device. */
	uint64_t phys;
	dma_addr_t iova;
	uint8_t *page = page_alloc(TG_PAGE_SIZE, 0, &phys);
	if (!page)
		return selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
	nvst_fill_byte(page, TG_PAGE_SIZE, CANARY);
	err = dma_map_single(n->dd, phys, TG_PAGE_SIZE, DMA_TO_DEVICE, &iova);
	if (err) {
		page_free(page, TG_PAGE_SIZE);
		return selftest_say(ctx, SELFTEST_FAIL, "map: %s", tg_strerror(err));
	}
	mark = smmu_event_mark();
	err = nvme_io_raw(n, false, FAULT_LBA, FAULT_BYTES / n->lba_size, iova, 0, &status);
	int cerr = err ? err : check_events(ctx, n->name, mark, EVT_F_PERMISSION, n->pci->sid, iova,
					    FAULT_BYTES, ev_p);
	dma_unmap_single(n->dd, iova, TG_PAGE_SIZE, DMA_TO_DEVICE);
	long bad = nvst_check_byte(page, TG_PAGE_SIZE, CANARY);
	page_free(page, TG_PAGE_SIZE);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: read into read-only page: %s", n->name,
				    tg_strerror(err));
	if (cerr)
		return SELFTEST_FAIL;
	if (bad >= 0)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: read-only page written at +0x%lx", n->name,
				    (unsigned long)bad);
	return SELFTEST_PASS;
}

static enum selftest_result nvme_fault(struct selftest_ctx *ctx)
{
	static struct nvme n;
	unsigned int done = 0;
	unsigned long ev_t = 0, ev_p = 0;
	uint16_t status = 0;

	for (struct pci_dev *pci = nvst_next(NULL); pci; pci = nvst_next(pci)) {
		if (!pci->has_sid)
			continue;	/* not behind an SMMU: nothing to fault */
		int err = nvme_init(&n, pci, NULL);
		if (err)
			return selftest_say(ctx, SELFTEST_FAIL, "init: %s", tg_strerror(err));
		if (!dma_dev_domain(n.dd)) {
			nvme_shutdown(&n);
			continue;
		}
		enum selftest_result r = one_controller(ctx, &n, &ev_t, &ev_p, &status);
		nvme_shutdown(&n);
		if (r != SELFTEST_PASS)
			return r;
		done++;
	}
	if (!done)
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller behind an SMMU");
	return selftest_say(ctx, SELFTEST_PASS,
			    "%u controller%s: %lu F_TRANSLATION + %lu F_PERMISSION events at the right sid/IOVA; controller status 0x%x (%s)",
			    done, done == 1 ? "" : "s", ev_t, ev_p, status, nvme_status_str(status));
}

SELFTEST(nvme_fault, "nvme-fault", "NVMe DMA faults show in the SMMU event log", nvme_fault);
