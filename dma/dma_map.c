/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single mappings.  Translated: one naturally aligned IOVA range (below
 * 4 GiB first for masks wider than that, so 32-bit-only peers of the
 * device keep working), mapped read-only when the device only reads.
 * Direct: the bus address through the host bridge's dma-ranges.  The
 * in-page offset is carried over once: dma = iova + (phys & 4095).
 */
#include <stdbool.h>

#include <tollgate/compiler.h>
#include <tollgate/barrier.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/pci.h>
#include <tollgate/platform.h>
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
		plat_cache(PLAT_CACHE_INVAL, plat_map(phys, size, PLAT_MEM_RAM), size);
	else
		plat_cache(PLAT_CACHE_CLEAN, plat_map(phys, size, PLAT_MEM_RAM), size);
}

void dma_sync_for_cpu(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir)
{
	if (!dd || dd->coherent || !size || dir == DMA_TO_DEVICE)
		return;
	plat_cache(PLAT_CACHE_INVAL, plat_map(phys, size, PLAT_MEM_RAM), size);
}

/* The direct path: no IOMMU, the bus address through dma-ranges, the mask checked. */
static TG_COLD int map_direct(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir,
			      dma_addr_t *dma)
{
	uint64_t bus;
	int err = direct_bus_addr(dd->pci->host, phys, size, &bus);

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

/* Inlined into dma_map_single too: taking the lock adds no call frame on the hot path. */
TG_HOT_INLINE int dma_map_single_locked(struct dma_dev *dd, uint64_t phys, size_t size,
					enum dma_dir dir, dma_addr_t *dma)
{
	if (!dd || !dma || !size || !dir_ok(dir) || phys + size - 1 < phys)
		return TG_EINVAL;
	struct dma_iommu *io = dd->iommu;
	if (!io)
		return map_direct(dd, phys, size, dir, dma);

	uint64_t off = phys & (DMA_GRANULE - 1);
	uint64_t len = (off + size + DMA_GRANULE - 1) & ~(DMA_GRANULE - 1);
	uint64_t iova;
	int err = dma_iova_alloc(dd, len, dma_tag(size, off, dir), &iova);
	if (err)
		goto fail;
	err = smmu_map_locked(io->dom, iova, phys - off, len, dir_prot(dir));
	if (err) {
		iova_free(&io->iovad, iova, len);
		goto fail;
	}
	if (!dd->coherent)
		dma_sync_for_device(dd, phys, size, dir);
	dd->cnt.maps++;
	*dma = iova + off;
	return TG_OK;
fail:
	dd->cnt.map_failures++;
	return err;
}

TG_HOT_INLINE int dma_unmap_single_locked(struct dma_dev *dd, dma_addr_t dma, size_t size,
					  enum dma_dir dir)
{
	/* No mapping is 2^48 bytes or more: the tag keeps 48 bits of size. */
	if (!dd || !size || !dir_ok(dir) || (uint64_t)size >> (64 - DMA_TAG_SIZE_SHIFT))
		return TG_EINVAL;
	struct dma_iommu *io = dd->iommu;

	if (!io) {
		dd->cnt.unmaps++;
		return TG_OK;	/* nothing to undo; sync below is the caller's */
	}
	uint64_t off = dma & (DMA_GRANULE - 1);
	uint64_t base = dma - off;
	uint64_t len = (off + size + DMA_GRANULE - 1) & ~(DMA_GRANULE - 1);
	uint64_t phys = 0;

	/* Only what dma_map_single handed out, with its exact size and direction. */
	uint64_t *tag = iova_live_tag(&io->iovad, base);
	if (!tag)
		return TG_ENOENT;
	if (*tag != dma_tag(size, off, dir))	/* not handed out like this: which error? */
		return (*tag & (DMA_TAG_SG | DMA_TAG_OFF_MASK)) != off << DMA_TAG_OFF_SHIFT ?
		       TG_ENOENT : TG_EINVAL;
	/* A non-coherent device's buffer is invalidated after the unmap: find it first. */
	if (!dd->coherent && smmu_iova_lookup_locked(io->dom, base, &phys, NULL) != TG_OK)
		return TG_ENOENT;
	int64_t n = smmu_unmap_locked(io->dom, base, len);
	if (n < 0)
		return (int)n;
	iova_free_live(&io->iovad, tag);
	if (!dd->coherent)
		dma_sync_for_cpu(dd, phys + off, size, dir);
	dd->cnt.unmaps++;
	return TG_OK;
}

int dma_map_single(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir, dma_addr_t *dma)
{
	return TG_LOCKED(dma_map_single_locked(dd, phys, size, dir, dma));
}

int dma_unmap_single(struct dma_dev *dd, dma_addr_t dma, size_t size, enum dma_dir dir)
{
	return TG_LOCKED(dma_unmap_single_locked(dd, dma, size, dir));
}
