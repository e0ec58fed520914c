/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scatterlists with a real device: scattered pages become one IOVA
 * segment the edu (28-bit mask) reads across page boundaries; segment
 * boundaries are honoured; a P2P entry in ivshmem's BAR 2 is mapped the
 * way the board's policy says (QEMU: through the host bridge) and the
 * device's write lands in the BAR.
 */
#include <string.h>

#include <tollgate/dma.h>
#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/iova.h>
#include <tollgate/mmio.h>
#include <tollgate/p2p.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "../../dma/dma_internal.h"
#include "testcase.h"

#define EDU_MASK	((1ull << 28) - 1)
#define NPAGES		16

static struct dma_dev dd;
static struct edu edu;
static struct dma_sg sg[NPAGES];

static bool setup(void)
{
	struct pci_dev *pci = pci_find_id(0x1234, 0x11e8, NULL);

	dma_dev_release(&dd);	/* a previous case may have stopped half-way */
	return pci && dma_dev_init(&dd, pci, EDU_MASK) == TG_OK && dd.iommu &&
	       edu_init(&edu, pci) == TG_OK;
}

static void teardown(void)
{
	dma_dev_release(&dd);
	pci_set_master(edu.pci, false);
}

TESTCASE(dma_sg_scattered_pages_one_segment)
{
	uint64_t pa, out_pa;
	dma_addr_t out;

	if (!pci_find_id(0x1234, 0x11e8, NULL))
		SKIP("no edu device in this QEMU configuration");
	CHECK(setup());
	uint8_t *buf = page_alloc(2 * NPAGES * 4096, 0, &pa);
	uint8_t *dst = page_alloc(4096, 0, &out_pa);
	CHECK(buf && dst);
	/* Every other page; the first entry starts 0x100 into its page. */
	for (unsigned i = 0; i < NPAGES; i++) {
		sg[i].phys = pa + 2ull * i * 4096 + (i ? 0 : 0x100);
		sg[i].length = i ? 4096 : 0xf00;
		for (unsigned b = 0; b < sg[i].length; b++)
			((uint8_t *)(uintptr_t)sg[i].phys)[b] = (uint8_t)(i * 31 + b * 7);
	}
	struct iova_stats st0, st1;
	iova_get_stats(&dd.iommu->iovad, &st0);
	unsigned long syncs0 = smmu_domain_counters(dma_dev_domain(&dd))->syncs;
	int n = dma_map_sg(&dd, sg, NPAGES, DMA_TO_DEVICE);
	CHECK_EQ(n, 1);
	CHECK_EQ(sg[0].dma_length, 0xf00 + (NPAGES - 1) * 4096);
	CHECK_EQ(sg[0].dma_address & 0xfff, 0x100);	/* the offset, once */
	CHECK_EQ(sg[0].flags, 0);
	CHECK_EQ(sg[1].dma_length, 0);
	CHECK(sg[0].dma_address + sg[0].dma_length - 1 <= EDU_MASK);
	iova_get_stats(&dd.iommu->iovad, &st1);
	CHECK_EQ(st1.allocs, st0.allocs + 1);		/* one IOVA allocation */

	CHECK_EQ(dma_map_single(&dd, out_pa, 4096, DMA_FROM_DEVICE, &out), TG_OK);
	/* Read 2 KiB windows of the segment that straddle page boundaries. */
	static const uint32_t at[] = { 0, 0xe00, 0x2a00, 0x7f00, 0xf700 };	/* last one ends the segment */
	for (unsigned k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, sg[0].dma_address + at[k], 0, 2048), TG_OK);
		CHECK_EQ(edu_dma(&edu, EDU_FROM_DEVICE, out, 0, 2048), TG_OK);
		for (uint32_t b = 0; b < 2048; b++) {
			uint32_t o = at[k] + b;	/* offset in the merged segment */
			unsigned i = o < 0xf00 ? 0 : 1 + (o - 0xf00) / 4096;
			uint32_t in = i ? (o - 0xf00) % 4096 : o;
			CHECK_EQ(dst[b], (uint8_t)(i * 31 + in * 7));
		}
	}
	CHECK_EQ(dma_unmap_single(&dd, out, 4096, DMA_FROM_DEVICE), TG_OK);

	unsigned long syncs1 = smmu_domain_counters(dma_dev_domain(&dd))->syncs;
	CHECK_EQ(dma_unmap_sg(&dd, sg, NPAGES, DMA_TO_DEVICE), TG_OK);
	/* One CMD_SYNC for the whole list. */
	CHECK_EQ(smmu_domain_counters(dma_dev_domain(&dd))->syncs, syncs1 + 1);
	CHECK_EQ(sg[0].dma_length, 0);
	CHECK_EQ(dma_unmap_sg(&dd, sg, NPAGES, DMA_TO_DEVICE), TG_ENOENT);
	iova_get_stats(&dd.iommu->iovad, &st1);
	CHECK_EQ(st1.live, st0.live);
	(void)syncs0;
	page_free(buf, 2 * NPAGES * 4096);
	page_free(dst, 4096);
	teardown();
}

TESTCASE(dma_sg_respects_boundary_and_bad_input)
{
	uint64_t pa;

	if (!pci_find_id(0x1234, 0x11e8, NULL))
		SKIP("no edu device in this QEMU configuration");
	CHECK(setup());
	uint8_t *buf = page_alloc(2 * NPAGES * 4096, 0, &pa);
	CHECK(buf != NULL);
	dd.seg_boundary = 0x1fff;	/* 8 KiB */
	for (unsigned i = 0; i < NPAGES; i++) {
		sg[i].phys = pa + 2ull * i * 4096 + 0x800;	/* each entry straddles a page */
		sg[i].length = 4096;
	}
	int n = dma_map_sg(&dd, sg, NPAGES, DMA_BIDIRECTIONAL);
	CHECK(n >= NPAGES / 2);
	for (int s = 0; s < n; s++) {
		CHECK_EQ(sg[s].dma_address & ~0x1fffull,
			 (sg[s].dma_address + sg[s].dma_length - 1) & ~0x1fffull);
		CHECK(sg[s].dma_length >= 4096);
	}
	CHECK_EQ(dma_unmap_sg(&dd, sg, NPAGES, DMA_BIDIRECTIONAL), TG_OK);

	struct iova_stats st0, st1;
	iova_get_stats(&dd.iommu->iovad, &st0);
	sg[3].length = 0;
	CHECK_EQ(dma_map_sg(&dd, sg, NPAGES, DMA_TO_DEVICE), TG_EINVAL);
	sg[3].length = 4096;
	sg[5].phys = ~0ull - 100;
	CHECK_EQ(dma_map_sg(&dd, sg, NPAGES, DMA_TO_DEVICE), TG_EINVAL);
	CHECK_EQ(dma_map_sg(&dd, sg, 0, DMA_TO_DEVICE), TG_EINVAL);
	CHECK_EQ(dma_map_sg(&dd, sg, DMA_SG_MAX + 1, DMA_TO_DEVICE), TG_EINVAL);
	iova_get_stats(&dd.iommu->iovad, &st1);
	CHECK_EQ(st1.live, st0.live);
	CHECK_EQ(st1.allocs, st0.allocs);
	page_free(buf, 2 * NPAGES * 4096);
	teardown();
}

TESTCASE(dma_sg_p2p_into_ivshmem)
{
	struct pci_dev *shm = pci_find_id(0x1af4, 0x1110, NULL);
	struct p2p_provider *prov;
	uint64_t chunk, pa;

	if (!pci_find_id(0x1234, 0x11e8, NULL) || !shm)
		SKIP("needs an edu and an ivshmem-plain");
	CHECK(setup());
	p2p_reset();
	CHECK_EQ(p2p_provider_register(shm, 2, 0, 1u << 20, &prov), TG_OK);
	CHECK_EQ(p2p_provider_register(shm, 0, 0, 1u << 20, NULL), TG_EINVAL);	/* past BAR 0 */
	/* The board's policy: QEMU's fabric sends every DMA through the root complex. */
	CHECK_EQ(p2p_map_type(prov, edu.pci), P2P_MAP_THRU_HOST_BRIDGE);
	CHECK(p2p_alloc(prov, 4096, &chunk) != NULL);
	CHECK(page_alloc(4096, 0, &pa) != NULL);
	volatile uint8_t *bar = ioremap(chunk, 4096);
	CHECK(bar != NULL);
	for (unsigned b = 0; b < 256; b++)
		mmio_write8(bar + 0x80 + b, 0);
	for (unsigned b = 0; b < 256; b++)
		((uint8_t *)(uintptr_t)pa)[b] = (uint8_t)(0xa0 ^ b);

	/* A mixed list: a P2P entry at a non-zero offset, then host memory. */
	struct dma_sg list[2] = {
		{ .phys = chunk + 0x80, .length = 256 },
		{ .phys = pa, .length = 256 },
	};
	int n = dma_map_sg(&dd, list, 2, DMA_BIDIRECTIONAL);
	CHECK_EQ(n, 2);
	CHECK_EQ(list[0].flags, 0);			/* through an IOVA, not a bus address */
	CHECK_EQ(list[0].dma_address & 0xfff, 0x80);
	CHECK(list[0].dma_address <= EDU_MASK);
	/* The device copies host memory into the peer's BAR. */
	CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, list[1].dma_address, 0, 256), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_FROM_DEVICE, list[0].dma_address, 0, 256), TG_OK);
	for (unsigned b = 0; b < 256; b++)
		CHECK_EQ(mmio_read8(bar + 0x80 + b), (uint8_t)(0xa0 ^ b));
	CHECK_EQ(dma_unmap_sg(&dd, list, 2, DMA_BIDIRECTIONAL), TG_OK);
	p2p_reset();
	page_free((void *)(uintptr_t)pa, 4096);
	teardown();
}
