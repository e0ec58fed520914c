/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `dma test <bdf>`: the DMA layer with one device.  An edu moves data
 * through dma_map_single and dma_map_sg round trips, read back and
 * compared; for other devices the mapping itself is checked (the SMMU
 * translates the IOVA to the buffer, nothing is left after the unmap),
 * and the command says why no device transfer is tried.
 */
#include <string.h>

#include <tollgate/dma.h>
#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/shell.h>
#include <tollgate/smmu.h>

#include "shell_dev.h"

#define SINGLE_LEN	3000u
#define SG_PAGES	4u
#define EDU_CHUNK	2048u

static struct edu edu;	/* static: the edu's interrupt handler keeps a pointer */

static bool is_edu(const struct pci_dev *p)
{
	return p->vendor == 0x1234 && p->device == 0x11e8;
}

static const char *why_not(const struct pci_dev *p)
{
	if (p->vendor == 0x1b36 && p->device == 0x0010)
		return "an NVMe controller: its DMA is driven by the nvme driver (see `selftest nvme`)";
	if (p->vendor == 0x1af4 && p->device == 0x1110)
		return "ivshmem never masters DMA: it is a P2P target (see `p2p`)";
	if (pci_is_bridge(p) || (p->class >> 16) == 0x06)
		return "a bridge forwards DMA, it does not master any";
	return "Tollgate has no driver that starts its DMA";
}

static int fail(const char *what, int err)
{
	tg_printf("dma test: %s: %s\n", what, tg_strerror(err));
	return 1;
}

/* Host memory -> edu -> host memory, through two single mappings. */
static int edu_single(struct dma_dev *dd)
{
	uint64_t src_pa, dst_pa;
	dma_addr_t to = 0, from = 0;
	int err, rc = 1;
	uint8_t *src = page_alloc(8192, 0, &src_pa), *dst = page_alloc(8192, 0, &dst_pa);

	if (!src || !dst) {
		fail("page_alloc", TG_ENOMEM);
		goto out;
	}
	for (uint32_t i = 0; i < SINGLE_LEN; i++)
		src[0x123 + i] = (uint8_t)(i * 13 + 7);
	memset(dst, 0, 8192);
	if ((err = dma_map_single(dd, src_pa + 0x123, SINGLE_LEN, DMA_TO_DEVICE, &to)) ||
	    (err = dma_map_single(dd, dst_pa + 0x456, SINGLE_LEN, DMA_FROM_DEVICE, &from))) {
		fail("dma_map_single", err);
		goto out;
	}
	if ((err = edu_dma(&edu, EDU_TO_DEVICE, to, 0, SINGLE_LEN)) ||
	    (err = edu_dma(&edu, EDU_FROM_DEVICE, from, 0, SINGLE_LEN))) {
		fail("edu DMA", err);
		goto out;
	}
	bool same = !memcmp(dst + 0x456, src + 0x123, SINGLE_LEN);
	tg_printf("map_single: RAM 0x%llx -> IOVA 0x%llx -> edu -> IOVA 0x%llx -> RAM 0x%llx, "
		  "%u bytes %s\n", (unsigned long long)(src_pa + 0x123), (unsigned long long)to,
		  (unsigned long long)from, (unsigned long long)(dst_pa + 0x456), SINGLE_LEN,
		  same ? "identical" : "DIFFER");
	rc = same ? 0 : 1;
out:
	if (to)
		dma_unmap_single(dd, to, SINGLE_LEN, DMA_TO_DEVICE);
	if (from)
		dma_unmap_single(dd, from, SINGLE_LEN, DMA_FROM_DEVICE);
	if (src)
		page_free(src, 8192);
	if (dst)
		page_free(dst, 8192);
	return rc;
}

/* Every other page of an area, through one scatterlist each way. */
static int edu_sg(struct dma_dev *dd)
{
	struct dma_sg in[SG_PAGES], out[SG_PAGES];
	uint64_t pa;
	int ni = 0, no = 0, err, rc = 1;
	uint8_t *area = page_alloc(4 * SG_PAGES * 4096, 0, &pa);

	if (!area)
		return fail("page_alloc", TG_ENOMEM);
	memset(area, 0, 4 * SG_PAGES * 4096);
	for (unsigned int i = 0; i < SG_PAGES; i++) {
		in[i] = (struct dma_sg){ .phys = pa + 2ull * i * 4096, .length = 4096 };
		out[i] = (struct dma_sg){ .phys = pa + (2ull * (SG_PAGES + i) + 1) * 4096, .length = 4096 };
		for (uint32_t b = 0; b < 4096; b++)
			area[2 * i * 4096 + b] = (uint8_t)(b * 3 + i * 101);
	}
	ni = dma_map_sg(dd, in, SG_PAGES, DMA_TO_DEVICE);
	no = ni > 0 ? dma_map_sg(dd, out, SG_PAGES, DMA_FROM_DEVICE) : 0;
	if (ni <= 0 || no <= 0) {
		fail("dma_map_sg", ni <= 0 ? ni : no);
		goto done;
	}
	/* Walk both segment lists in step, EDU_CHUNK bytes at a time. */
	unsigned int si = 0, so = 0;
	uint32_t oi = 0, oo = 0, moved = 0;
	while (moved < SG_PAGES * 4096u && si < (unsigned)ni && so < (unsigned)no) {
		uint32_t n = EDU_CHUNK;
		n = n < in[si].dma_length - oi ? n : in[si].dma_length - oi;
		n = n < out[so].dma_length - oo ? n : out[so].dma_length - oo;
		if ((err = edu_dma(&edu, EDU_TO_DEVICE, in[si].dma_address + oi, 0, n)) ||
		    (err = edu_dma(&edu, EDU_FROM_DEVICE, out[so].dma_address + oo, 0, n))) {
			fail("edu DMA", err);
			goto done;
		}
		moved += n;
		if ((oi += n) == in[si].dma_length) {
			si++;
			oi = 0;
		}
		if ((oo += n) == out[so].dma_length) {
			so++;
			oo = 0;
		}
	}
	bool same = moved == SG_PAGES * 4096u;
	for (unsigned int i = 0; i < SG_PAGES && same; i++)
		same = !memcmp(area + (out[i].phys - pa), area + (in[i].phys - pa), 4096);
	tg_printf("map_sg: %u scattered pages -> %d segment%s at IOVA 0x%llx, into %u pages via %d "
		  "segment%s at 0x%llx, %u bytes %s\n", SG_PAGES, ni, ni == 1 ? "" : "s",
		  (unsigned long long)in[0].dma_address, SG_PAGES, no, no == 1 ? "" : "s",
		  (unsigned long long)out[0].dma_address, (unsigned)moved, same ? "identical" : "DIFFER");
	rc = same ? 0 : 1;
done:
	if (ni > 0)
		dma_unmap_sg(dd, in, SG_PAGES, DMA_TO_DEVICE);
	if (no > 0)
		dma_unmap_sg(dd, out, SG_PAGES, DMA_FROM_DEVICE);
	page_free(area, 4 * SG_PAGES * 4096);
	return rc;
}

/* No transfer: the mapping must translate to the buffer and vanish after. */
static int mapping_only(struct dma_dev *dd)
{
	uint64_t pa, got = 0;
	dma_addr_t a;
	int err;
	void *buf = page_alloc(4096, 0, &pa);

	if (!buf)
		return fail("page_alloc", TG_ENOMEM);
	err = dma_map_single(dd, pa + 0x80, 256, DMA_BIDIRECTIONAL, &a);
	if (err) {
		page_free(buf, 4096);
		return fail("dma_map_single", err);
	}
	struct smmu_domain *dom = dma_dev_domain(dd);
	bool ok = dom ? smmu_iova_to_phys(dom, a, &got) == TG_OK && got == pa + 0x80 : a == pa + 0x80;
	dma_unmap_single(dd, a, 256, DMA_BIDIRECTIONAL);
	bool gone = !dom || smmu_iova_to_phys(dom, a, &got) != TG_OK;
	page_free(buf, 4096);
	tg_printf("map_single: RAM 0x%llx -> %s 0x%llx %s; after unmap %s\n",
		  (unsigned long long)(pa + 0x80), dom ? "IOVA" : "bus address", (unsigned long long)a,
		  ok ? "translates back to it" : "DOES NOT translate back",
		  gone ? "unmapped" : "STILL MAPPED");
	return ok && gone ? 0 : 1;
}

static int dma_cmd(int argc, char **argv)
{
	struct dma_dev own, *dd;
	char name[16];
	int rc;

	if (argc != 3 || strcmp(argv[1], "test")) {
		tg_printf("usage: dma test <bdf>\n");
		return 1;
	}
	struct pci_dev *pci = shell_parse_bdf("dma test", argv[2]);
	if (!pci)
		return 1;
	pci_dev_name(pci, name, sizeof(name));
	dd = shell_dev_held(pci);
	if (!dd) {
		int err = dma_dev_init(&own, pci, shell_dev_mask(pci));
		if (err) {
			tg_printf("dma test: %s: dma_dev_init: %s%s\n", name, tg_strerror(err),
				  err == TG_EBUSY ? " (a driver holds its stream)" : "");
			return 1;
		}
		dd = &own;
	}
	tg_printf("%s [%04x:%04x]: %s, DMA mask 0x%llx\n", name, pci->vendor, pci->device,
		  dd->iommu ? "translated by the SMMU" : "direct (no IOMMU)", (unsigned long long)dd->mask);
	if (is_edu(pci) && edu_init(&edu, pci) == TG_OK) {
		edu.use_irq = false;	/* polled: INTx may be shared with another edu */
		unsigned long mark = smmu_event_mark();
		rc = edu_single(dd) | edu_sg(dd);
		pci_set_master(pci, false);
		unsigned long events = smmu_event_mark() - mark;
		tg_printf("SMMU events during the transfers: %lu\n", events);
		rc |= events != 0;
	} else {
		tg_printf("no device transfer: %s; checking the mapping only\n", why_not(pci));
		rc = mapping_only(dd);
	}
	if (dd == &own)
		dma_dev_release(&own);
	tg_printf("dma test %s: %s\n", name, rc ? "FAILED" : "ok");
	return rc;
}
SHELL_COMMAND(dma, "dma", "dma test <bdf>", "round-trip data through the DMA layer with one device",
	      dma_cmd);
