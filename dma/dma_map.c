/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single mappings.  Translated: one naturally aligned IOVA range (below
 * 4 GiB first for masks wider than that, so 32-bit-only peers of the
 * device keep working), mapped read-only when the device only reads.
 * Direct: the bus address through the host bridge's dma-ranges.  The
 * in-page offset is carried over once: dma = iova + (phys & 4095).
 */
#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "dma_internal.h"

static bool dir_ok(enum dma_dir dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

static unsigned int dir_prot(enum dma_dir dir)
{
	return dir == DMA_TO_DEVICE ? IOMMU_READ : IOMMU_READ | IOMMU_WRITE;
}

/* CPU physical -> bus address as the device sees memory (dma-ranges). */
static int direct_bus_addr(const struct pci_host *host, uint64_t phys, size_t size, uint64_t *bus)
{
	if (!host->ndma) {
		*bus = phys;
		return TG_OK;
	}
	for (unsigned int i = 0; i < host->ndma; i++) {
		const struct pci_dma_range *r = &host->dma[i];
		if (phys >= r->cpu_addr && phys - r->cpu_addr <= r->size - size) {
			*bus = r->bus_addr + (phys - r->cpu_addr);
			return TG_OK;
		}
	}
	return TG_ERANGE;
}

void dma_sync_for_device(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir)
{
	if (!dd || dd->coherent || !size)
		return;
	/* Device reads need our writes in memory; device writes must not meet dirty lines. */
	if (dir == DMA_FROM_DEVICE)
		arch_dcache_inval_range((uintptr_t)phys, size);
	else
		arch_dcache_clean_range((uintptr_t)phys, size);
}

void dma_sync_for_cpu(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir)
{
	if (!dd || dd->coherent || !size || dir == DMA_TO_DEVICE)
		return;
	arch_dcache_inval_range((uintptr_t)phys, size);
}

int dma_map_single(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir, dma_addr_t *dma)
{
	if (!dd || !dma || !size || !dir_ok(dir) || phys + size - 1 < phys)
		return TG_EINVAL;
	struct dma_iommu *io = dd->iommu;
	int err;

	if (!io) {
		uint64_t bus;
		err = direct_bus_addr(dd->pci->host, phys, size, &bus);
		if (!err && (bus > dd->mask || size - 1 > dd->mask - bus))
			err = TG_ERANGE;
		if (err) {
			dd->cnt.map_failures++;
			return err;
		}
		dma_sync_for_device(dd, phys, size, dir);
		dd->cnt.maps++;
		*dma = bus;
		return TG_OK;
	}

	uint64_t off = phys & (DMA_GRANULE - 1);
	uint64_t len = (off + size + DMA_GRANULE - 1) & ~(DMA_GRANULE - 1);
	uint64_t iova;
	err = TG_ENOSPC;
	if (dd->mask > 0xffffffffull)
		err = iova_alloc_flags(&io->iovad, len, 0xffffffffull, IOVA_ALLOC_NOFLUSH, &iova);
	if (err)
		err = iova_alloc(&io->iovad, len, dd->mask, &iova);
	if (err) {
		dd->cnt.map_failures++;
		return err == TG_ENOSPC ? TG_ERANGE : err;
	}
	err = smmu_map(io->dom, iova, phys - off, len, dir_prot(dir));
	if (err) {
		iova_free(&io->iovad, iova, len);
		dd->cnt.map_failures++;
		return err;
	}
	dma_sync_for_device(dd, phys, size, dir);
	dd->cnt.maps++;
	*dma = iova + off;
	return TG_OK;
}

int dma_unmap_single(struct dma_dev *dd, dma_addr_t dma, size_t size, enum dma_dir dir)
{
	if (!dd || !size || !dir_ok(dir))
		return TG_EINVAL;
	struct dma_iommu *io = dd->iommu;

	if (!io) {
		dd->cnt.unmaps++;
		return TG_OK;	/* nothing to undo; sync below is the caller's */
	}
	uint64_t off = dma & (DMA_GRANULE - 1);
	uint64_t base = dma - off;
	uint64_t len = (off + size + DMA_GRANULE - 1) & ~(DMA_GRANULE - 1);
	uint64_t start, rsize, phys;
	unsigned int prot;

	int err = iova_find(&io->iovad, base, &start, &rsize);
	if (err)
		return err == TG_EBUSY ? TG_EINVAL : TG_ENOENT;
	if (start != base || iova_alloc_size(&io->iovad, len) != rsize)
		return TG_EINVAL;
	if (smmu_iova_lookup(io->dom, base, &phys, &prot) != TG_OK)
		return TG_ENOENT;
	/* A mapping's direction shows in its permissions (read-only: TO_DEVICE). */
	if ((prot & IOMMU_WRITE) != (dir_prot(dir) & IOMMU_WRITE))
		return TG_EINVAL;
	int64_t n = smmu_unmap(io->dom, base, len);
	if (n < 0)
		return (int)n;
	iova_free(&io->iovad, base, len);
	dma_sync_for_cpu(dd, phys + off, size, dir);
	dd->cnt.unmaps++;
	return TG_OK;
}
