/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-noreserve: why the DMA layer reserves every PCI window from a
 * device's IOVA space.  An NVMe controller with its CMB enabled treats
 * any data pointer inside [CBA, CBA + size) as CMB and never sends it to
 * the SMMU.
 *  1. Reservation off (dma_debug_reserve_windows(false), for this one
 *     device set-up only): the allocator is steered to the window's top
 *     (the device claims a DMA mask ending there; with the window above
 *     4 GiB the 32-bit space is filled first, since the allocator tries it
 *     first) and hands out an IOVA inside the CMB.  A read into that IOVA
 *     lands in the CMB (CPU reads of the BAR show it) and the memory page
 *     mapped at that IOVA keeps its canary: data silently misrouted.
 *  2. Reservation on (restored): the same steps never give an IOVA in the
 *     window, and the read lands in memory.
 * No SMMU event in either case; everything is unmapped and released.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "nvme_selftest.h"

#define NR_LBA		600
#define NR_BYTES	4096u
#define NR_SEED		0x4d
#define CANARY		0x3c
#define CMB_POISON	0x96
#define MAX_FILLS	128
/* Fill mappings point at RAM's first GiB: 1 GiB-aligned, so big fills
 * use block entries; no device ever accesses them. */
#define FILL_PHYS	0x40000000ull

struct fills {
	dma_addr_t iova[MAX_FILLS];
	uint64_t size[MAX_FILLS];
	unsigned int n;
};

static void unfill(struct dma_dev *dd, struct fills *f)
{
	while (f->n) {
		f->n--;
		dma_unmap_single(dd, f->iova[f->n], (size_t)f->size[f->n], DMA_BIDIRECTIONAL);
	}
}

/* Takes every free IOVA below 4 GiB, largest blocks first. */
static int fill_32bit(struct dma_dev *dd, struct fills *f)
{
	for (unsigned int shift = 31; shift >= 12; shift--) {
		for (;;) {
			dma_addr_t a;
			uint64_t size = 1ull << shift;
			if (f->n == MAX_FILLS)
				return TG_ENOSPC;
			int err = dma_map_single(dd, FILL_PHYS, (size_t)size, DMA_BIDIRECTIONAL, &a);
			if (err)
				break;
			if (a > 0xffffffffull) {	/* the 32-bit pass found nothing */
				dma_unmap_single(dd, a, (size_t)size, DMA_BIDIRECTIONAL);
				break;
			}
			f->iova[f->n] = a;
			f->size[f->n++] = size;
		}
	}
	return TG_OK;
}

struct outcome {
	dma_addr_t iova;
	bool in_window;
	bool to_cmb;		/* data found in the CMB */
	bool to_memory;		/* data found in the page */
	unsigned long events;
	unsigned int fills;
};

static int run_half(struct pci_dev *pci, bool reserve, struct outcome *o, char *why, size_t wlen)
{
	static struct dma_dev dd;
	static struct nvme n;
	static struct fills f;
	uint64_t phys;
	uint8_t *page = NULL;

	dma_debug_reserve_windows(reserve);
	int err = dma_dev_init(&dd, pci, ~0ull);
	dma_debug_reserve_windows(true);	/* only this set-up goes without */
	if (err) {
		tg_snprintf(why, wlen, "dma_dev_init: %s", tg_strerror(err));
		return err;
	}
	err = nvme_init(&n, pci, &dd);
	if (err) {
		dma_dev_release(&dd);
		tg_snprintf(why, wlen, "init: %s", tg_strerror(err));
		return err;
	}
	err = nvme_cmb_enable(&n);
	if (!err)
		err = nvst_write_pattern(&n, NR_LBA, NR_BYTES, NR_SEED);
	if (!err && !(page = page_alloc(TG_PAGE_SIZE, 0, &phys)))
		err = TG_ENOMEM;
	if (err) {
		tg_snprintf(why, wlen, "%s: set-up: %s", n.name, tg_strerror(err));
		goto out;
	}
	nvst_fill_byte(page, TG_PAGE_SIZE, CANARY);

	/* Steer the highest-first allocator to the top of the CMB window. */
	uint64_t win_lo = n.cmb_bus, win_hi = n.cmb_bus + n.cmb_size - 1;
	dd.mask = win_hi;
	f.n = 0;
	if (win_hi > 0xffffffffull)
		err = fill_32bit(&dd, &f);
	if (!err)
		err = dma_map_single(&dd, phys, TG_PAGE_SIZE, DMA_FROM_DEVICE, &o->iova);
	dd.mask = ~0ull;
	o->fills = f.n;
	if (err) {
		unfill(&dd, &f);
		tg_snprintf(why, wlen, "%s: map: %s", n.name, tg_strerror(err));
		goto out;
	}
	o->in_window = o->iova >= win_lo && o->iova <= win_hi;
	uint64_t cmb_off = o->in_window ? o->iova - win_lo : 0;
	if (o->in_window)
		nvst_fill_byte(n.cmb_va + cmb_off, NR_BYTES, CMB_POISON);

	uint16_t status = 0;
	unsigned long mark = smmu_event_mark();
	err = nvme_io_raw(&n, false, NR_LBA, NR_BYTES / n.lba_size, o->iova, 0, &status);
	o->events = nvst_events_since(mark, NULL);
	dma_unmap_single(&dd, o->iova, TG_PAGE_SIZE, DMA_FROM_DEVICE);
	unfill(&dd, &f);
	if (err || status) {
		tg_snprintf(why, wlen, "%s: read: %s, status 0x%x", n.name, tg_strerror(err), status);
		err = err ? err : TG_EIO;
		goto out;
	}
	o->to_memory = nvst_check(page, NR_BYTES, NR_SEED, 0) < 0;
	o->to_cmb = o->in_window && nvst_check(n.cmb_va + cmb_off, NR_BYTES, NR_SEED, 0) < 0;
	if (!o->to_memory && nvst_check_byte(page, TG_PAGE_SIZE, CANARY) >= 0) {
		tg_snprintf(why, wlen, "%s: page neither untouched nor holding the data", n.name);
		err = TG_EIO;
	}
out:
	if (page)
		page_free(page, TG_PAGE_SIZE);
	nvme_shutdown(&n);
	dma_dev_release(&dd);
	return err;
}

static enum selftest_result nvme_noreserve(struct selftest_ctx *ctx)
{
	struct pci_dev *pci;
	struct outcome off = { 0 }, on = { 0 };
	char why[120];

	for (pci = nvst_next(NULL); pci; pci = nvst_next(pci))
		if (pci->has_sid && NVME_DEVICE_QEMU == pci->device)
			break;
	if (!pci)
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller behind an SMMU");
	if (!pci->host->coherent)
		return selftest_say(ctx, SELFTEST_SKIP, "non-coherent host bridge: fills would need cache maintenance");

	int err = run_half(pci, false, &off, why, sizeof(why));
	if (err == TG_ENOTSUP)
		return selftest_say(ctx, SELFTEST_SKIP, "controller has no CMB");
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "reservation off: %s", why);
	if (!off.in_window)
		return selftest_say(ctx, SELFTEST_FAIL, "reservation off: IOVA 0x%llx outside the CMB window",
				    (unsigned long long)off.iova);
	if (!off.to_cmb || off.to_memory)
		return selftest_say(ctx, SELFTEST_FAIL,
				    "reservation off: IOVA 0x%llx in the CMB window but data %s CMB, %s memory",
				    (unsigned long long)off.iova, off.to_cmb ? "in" : "not in",
				    off.to_memory ? "in" : "not in");
	err = run_half(pci, true, &on, why, sizeof(why));
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "reservation on: %s", why);
	if (on.in_window || !on.to_memory)
		return selftest_say(ctx, SELFTEST_FAIL, "reservation on: IOVA 0x%llx, data %s memory",
				    (unsigned long long)on.iova, on.to_memory ? "in" : "not in");
	if (off.events || on.events)
		return selftest_say(ctx, SELFTEST_FAIL, "%lu/%lu SMMU events", off.events, on.events);
	return selftest_say(ctx, SELFTEST_PASS,
			    "off: IOVA 0x%llx = CMB, data in CMB, page untouched; on: IOVA 0x%llx, data in memory (%u+%u fill maps)",
			    (unsigned long long)off.iova, (unsigned long long)on.iova, off.fills, on.fills);
}

SELFTEST(nvme_noreserve, "nvme-noreserve", "IOVA = CMB address misroutes NVMe DMA unless reserved",
	 nvme_noreserve);
