/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DMA-mapping layer with a real device: the edu limited to a 28-bit
 * DMA mask, while all RAM sits at 1 GiB and up, can only reach memory
 * through IOVAs the SMMU remaps below 256 MiB, around the reserved ranges.
 */
#include <string.h>

#include <tollgate/dma.h>
#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/iova.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "../../dma/dma_internal.h"
#include "testcase.h"

#define EDU_MASK	((1ull << 28) - 1)

static struct dma_dev dd;
static struct edu edu;

static bool setup(struct test_ctx *t)
{
	struct pci_dev *pci = pci_find_id(0x1234, 0x11e8, NULL);

	return pci && dma_dev_init(&dd, pci, EDU_MASK) == TG_OK && edu_init(&edu, pci) == TG_OK;
}

TESTCASE(dma_single_round_trip_28bit)
{
	uint64_t src_pa, dst_pa;
	dma_addr_t to, from;

	if (!pci_find_id(0x1234, 0x11e8, NULL))
		SKIP("no edu device in this QEMU configuration");
	CHECK(setup(t));
	CHECK(dd.iommu != NULL);
	uint8_t *src = page_alloc(8192, 0, &src_pa);
	uint8_t *dst = page_alloc(8192, 0, &dst_pa);
	CHECK(src && dst);
	CHECK(src_pa > EDU_MASK && dst_pa > EDU_MASK);	/* out of the device's reach */
	for (unsigned i = 0; i < 3000; i++)
		src[0x321 + i] = (uint8_t)(i * 7 + 3);

	/* Unaligned start and a length crossing a page: offset kept once. */
	CHECK_EQ(dma_map_single(&dd, src_pa + 0x321, 3000, DMA_TO_DEVICE, &to), TG_OK);
	CHECK_EQ(dma_map_single(&dd, dst_pa + 0xabc, 3000, DMA_FROM_DEVICE, &from), TG_OK);
	CHECK(to + 2999 <= EDU_MASK && from + 2999 <= EDU_MASK);
	CHECK_EQ(to & 0xfff, 0x321);
	CHECK_EQ(from & 0xfff, 0xabc);
	/* Never inside a reserved range: PCI windows, IOVA 0, the MSI doorbell. */
	for (unsigned int i = 0; i < dd.pci->host->nwin; i++) {
		const struct pci_window *w = &dd.pci->host->win[i];
		CHECK(to + 3000 <= w->bus_addr || to >= w->bus_addr + w->size);
		CHECK(from + 3000 <= w->bus_addr || from >= w->bus_addr + w->size);
	}
	CHECK(to >= 0x1000 && from >= 0x1000);

	CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, to, 0, 3000), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_FROM_DEVICE, from, 0, 3000), TG_OK);
	CHECK_EQ(dma_unmap_single(&dd, to, 3000, DMA_TO_DEVICE), TG_OK);
	CHECK_EQ(dma_unmap_single(&dd, from, 3000, DMA_FROM_DEVICE), TG_OK);
	CHECK(memcmp(dst + 0xabc, src + 0x321, 3000) == 0);
	CHECK_EQ(dst[0xabb], 0);

	/* Gone: a second unmap is refused and nothing is mapped there any more. */
	CHECK_EQ(dma_unmap_single(&dd, to, 3000, DMA_TO_DEVICE), TG_ENOENT);
	uint64_t pa;
	CHECK(smmu_iova_to_phys(dma_dev_domain(&dd), to & ~0xfffull, &pa) != TG_OK);
	page_free(src, 8192);
	page_free(dst, 8192);
	dma_dev_release(&dd);
	pci_set_master(edu.pci, false);
}

TESTCASE(dma_single_rejects_bad_input)
{
	uint64_t pa;
	dma_addr_t d;

	if (!pci_find_id(0x1234, 0x11e8, NULL))
		SKIP("no edu device in this QEMU configuration");
	CHECK(setup(t));
	uint8_t *buf = page_alloc(4096, 0, &pa);
	CHECK(buf != NULL);
	CHECK_EQ(dma_map_single(&dd, pa, 0, DMA_TO_DEVICE, &d), TG_EINVAL);
	CHECK_EQ(dma_map_single(&dd, ~0ull - 10, 100, DMA_TO_DEVICE, &d), TG_EINVAL);
	CHECK_EQ(dma_map_single(&dd, pa, 100, (enum dma_dir)7, &d), TG_EINVAL);
	/* Larger than everything below the mask: a clean failure, nothing left behind. */
	struct iova_stats before, after;
	iova_get_stats(&dd.iommu->iovad, &before);
	CHECK_EQ(dma_map_single(&dd, 0x40000000, 1u << 28, DMA_TO_DEVICE, &d), TG_ERANGE);
	iova_get_stats(&dd.iommu->iovad, &after);
	CHECK_EQ(after.live, before.live);
	CHECK_EQ(after.allocs, before.allocs);
	CHECK_EQ(smmu_domain_counters(dma_dev_domain(&dd))->maps, 1);	/* just the doorbell */
	CHECK_EQ(dma_map_single(&dd, pa, 100, DMA_TO_DEVICE, &d), TG_OK);
	CHECK_EQ(dma_unmap_single(&dd, d, 200, DMA_TO_DEVICE), TG_EINVAL);	/* other size, same pages */
	CHECK_EQ(dma_unmap_single(&dd, d, 100, DMA_FROM_DEVICE), TG_EINVAL);	/* wrong direction */
	CHECK_EQ(dma_unmap_single(&dd, d, 100, DMA_BIDIRECTIONAL), TG_EINVAL);
	CHECK_EQ(dma_unmap_single(&dd, d, 3 * 4096, DMA_TO_DEVICE), TG_EINVAL);	/* wrong size */
	CHECK_EQ(dma_unmap_single(&dd, d + 4096, 100, DMA_TO_DEVICE), TG_ENOENT);
	CHECK_EQ(dma_unmap_single(&dd, d, 100, DMA_TO_DEVICE), TG_OK);
	CHECK_EQ(dma_unmap_single(&dd, d, 100, DMA_TO_DEVICE), TG_ENOENT);	/* double unmap */
	page_free(buf, 4096);
	dma_dev_release(&dd);
	pci_set_master(edu.pci, false);
}

/* Coherent memory: the device writes it while mapped, the CPU reads it with no sync. */
TESTCASE(dma_alloc_coherent_shared_with_device)
{
	void *cpu, *cpu2;
	dma_addr_t dma, dma2, d;
	uint64_t pa;

	if (!pci_find_id(0x1234, 0x11e8, NULL))
		SKIP("no edu device in this QEMU configuration");
	CHECK(setup(t));
	if (!dd.coherent)
		SKIP("host bridge not dma-coherent here");
	CHECK_EQ(dma_alloc_coherent(&dd, 5000, &cpu, &dma), TG_OK);
	CHECK(dma + 8191 <= EDU_MASK && !(dma & 0xfff));
	CHECK(smmu_iova_to_phys(dma_dev_domain(&dd), dma + 4096, &pa) == TG_OK);
	CHECK_EQ(pa, (uint64_t)(uintptr_t)cpu + 4096);
	uint8_t *c = cpu;
	for (unsigned int i = 0; i < 8192; i++)
		CHECK_EQ(c[i], 0);				/* zeroed, both pages */
	for (unsigned int i = 0; i < 2000; i++)
		c[100 + i] = (uint8_t)(i * 13 + 1);
	/* Device reads from it and writes back elsewhere in it: no sync calls. */
	CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, dma + 100, 0, 2000), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_FROM_DEVICE, dma + 4200, 0, 2000), TG_OK);
	CHECK(memcmp(c + 4200, c + 100, 2000) == 0);

	/* Only dma_free_coherent undoes it, with matching arguments. */
	CHECK_EQ(dma_unmap_single(&dd, dma, 8192, DMA_BIDIRECTIONAL), TG_EINVAL);
	CHECK_EQ(dma_alloc_coherent(&dd, 4096, &cpu2, &dma2), TG_OK);
	CHECK_EQ(dma_free_coherent(&dd, 5000, cpu2, dma), TG_EINVAL);	/* CPU of another */
	CHECK_EQ(dma_free_coherent(&dd, 100, cpu, dma), TG_EINVAL);	/* wrong size */
	CHECK_EQ(dma_free_coherent(&dd, 5000, cpu, dma + 4096), TG_ENOENT);
	CHECK_EQ(dma_free_coherent(&dd, 4096, cpu2, dma2), TG_OK);
	CHECK_EQ(dma_free_coherent(&dd, 5000, cpu, dma), TG_OK);
	CHECK_EQ(dma_free_coherent(&dd, 5000, cpu, dma), TG_ENOENT);	/* double free */
	CHECK(smmu_iova_to_phys(dma_dev_domain(&dd), dma, &pa) != TG_OK);
	CHECK_EQ(dma_alloc_coherent(&dd, 0, &cpu, &d), TG_EINVAL);
	CHECK_EQ(dma_alloc_coherent(NULL, 4096, &cpu, &d), TG_EINVAL);
	CHECK_EQ(dma_alloc_coherent(&dd, 1u << 28, &cpu, &d) == TG_OK, 0);	/* too big for 28 bits */
	dma_dev_release(&dd);
	pci_set_master(edu.pci, false);
}
