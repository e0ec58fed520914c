/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Coherent allocations: memory the CPU and the device use at the same time
 * (queues, descriptor rings, completion words), so no sync call can bracket
 * the accesses.  It comes zeroed from the DMA page pool, mapped for the
 * device in both directions.
 *
 * Only for a coherent device: the pool is write-back cacheable memory and
 * this firmware keeps no non-cacheable alias of RAM (two aliases of one page
 * with different cacheability would need break-before-make of the CPU's own
 * tables, and mismatched attributes are unpredictable on Armv8).  A non-
 * coherent device gets TG_ENOTSUP and must use dma_map_single with syncs.
 */
#include <string.h>

#include <tollgate/dma.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/platform.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "dma_internal.h"

static size_t pages_of(size_t size)
{
	return (size + DMA_GRANULE - 1) & ~(size_t)(DMA_GRANULE - 1);
}

int dma_alloc_coherent(struct dma_dev *dd, size_t size, void **cpu, dma_addr_t *dma)
{
	if (!dd || !cpu || !dma || !size || size > SIZE_MAX - DMA_GRANULE)
		return TG_EINVAL;
	if (!dd->coherent) {
		char name[16];
		pci_dev_name(dd->pci, name, sizeof(name));
		pr_err("dma %s: coherent memory needs a coherent device (use map_single + sync)\n",
		       name);
		return TG_ENOTSUP;
	}
	size_t bytes = pages_of(size);
	uint64_t phys;
	void *va = plat_dma_alloc(bytes, 0, &phys);
	if (!va)
		return TG_ENOMEM;
	memset(va, 0, bytes);
	/* Mapped and marked in one hold of the lock: no dma_unmap_single in between. */
	unsigned long flags = plat_lock_irqsave();
	int err = dma_map_single_locked(dd, phys, bytes, DMA_BIDIRECTIONAL, dma);
	/* Marked, so dma_unmap_single cannot take it away under the CPU's feet. */
	if (!err && dd->iommu)
		*iova_live_tag(&dd->iommu->iovad, *dma & ~(DMA_GRANULE - 1)) |= DMA_TAG_COHERENT;
	plat_unlock_irqrestore(flags);
	if (err) {
		plat_dma_free(va, bytes);
		return err;
	}
	*cpu = va;
	return TG_OK;
}

static int unmap_coherent_locked(struct dma_dev *dd, size_t bytes, void *cpu, dma_addr_t dma)
{
	if (dd->iommu) {
		uint64_t *tag = iova_live_tag(&dd->iommu->iovad, dma);
		if (!tag || !(*tag & DMA_TAG_COHERENT))
			return TG_ENOENT;
		if (*tag >> DMA_TAG_SIZE_SHIFT != bytes)
			return TG_EINVAL;
		uint64_t phys;
		/* The CPU address must be the one handed out with this DMA address. */
		if (smmu_iova_lookup_locked(dma_dev_domain(dd), dma, &phys, NULL) != TG_OK ||
		    plat_map(phys, bytes, PLAT_MEM_RAM) != cpu)
			return TG_EINVAL;
		*tag &= ~(uint64_t)DMA_TAG_COHERENT;
	}
	return dma_unmap_single_locked(dd, dma, bytes, DMA_BIDIRECTIONAL);
}

int dma_free_coherent(struct dma_dev *dd, size_t size, void *cpu, dma_addr_t dma)
{
	if (!dd || !cpu || !size || size > SIZE_MAX - DMA_GRANULE)
		return TG_EINVAL;
	size_t bytes = pages_of(size);
	int err = TG_LOCKED(unmap_coherent_locked(dd, bytes, cpu, dma));
	if (err)
		return err;
	plat_dma_free(cpu, bytes);	/* outside the lock: unmapped, ours alone */
	return TG_OK;
}
