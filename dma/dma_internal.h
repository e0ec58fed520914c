/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the files of dma/: not a public interface. */
#ifndef TOLLGATE_DMA_INTERNAL_H
#define TOLLGATE_DMA_INTERNAL_H

#include <tollgate/dma.h>
#include <tollgate/error.h>
#include <tollgate/iova.h>

#define DMA_MAX_TRANSLATED	8	/* translated devices at once */
#define DMA_IOVA_RANGES		512	/* live IOVA ranges per device */
#define DMA_GRANULE		4096ull
#define DMA_SG_MAX		256	/* entries per scatterlist */

struct smmu;

/*
 * What each live mapping must be unmapped with, kept as its IOVA
 * allocation's tag (iova_alloc_tag): one hash probe finds the range and
 * this.  Single mappings: the size asked for, the in-page offset of the
 * handed-out address and the direction; a scatterlist: its IOVA length
 * and the direction, flagged DMA_TAG_SG.
 */
#define DMA_TAG_DIR_MASK	0x3u
#define DMA_TAG_SG		0x4u	/* a dma_map_sg allocation (key: its base) */
#define DMA_TAG_COHERENT	0x8u	/* dma_alloc_coherent's: only dma_free_coherent undoes it */
#define DMA_TAG_OFF_SHIFT	4	/* 12 bits of in-page offset */
#define DMA_TAG_OFF_MASK	(0xfffull << DMA_TAG_OFF_SHIFT)
#define DMA_TAG_SIZE_SHIFT	16	/* the rest: bytes (IOVA space is at most 48 bits) */

static inline uint64_t dma_tag(uint64_t size, uint64_t off, unsigned int flags)
{
	return size << DMA_TAG_SIZE_SHIFT | off << DMA_TAG_OFF_SHIFT | flags;
}

struct dma_iommu {
	bool in_use;
	struct smmu *smmu;
	struct smmu_domain *dom;
	uint32_t sid;
	struct iova_domain iovad;
	struct iova_node nodes[IOVA_NODES(DMA_IOVA_RANGES)];
	uint64_t msi_iova;		/* doorbell page mapped 1:1, 0 if none */
};

/*
 * An IOVA range of len bytes below the device's mask (4 GiB first), tagged
 * (dma_tag); TG_ERANGE when none fits.
 */
static inline int dma_iova_alloc(struct dma_dev *dd, uint64_t len, uint64_t tag, uint64_t *iova)
{
	struct dma_iommu *io = dd->iommu;
	int err = TG_ENOSPC;

	/* Below 4 GiB first: 32-bit-only peers of a wider device keep working. */
	if (dd->mask > 0xffffffffull)
		err = iova_alloc_tag(&io->iovad, len, 0xffffffffull, IOVA_ALLOC_NOFLUSH, tag, iova);
	if (err)
		err = iova_alloc_tag(&io->iovad, len, dd->mask, 0, tag, iova);
	return err == TG_ENOSPC ? TG_ERANGE : err;
}

/* dma_map_single / dma_unmap_single with the core lock (platform.h) held by the caller. */
int dma_map_single_locked(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir,
			  dma_addr_t *dma);
int dma_unmap_single_locked(struct dma_dev *dd, dma_addr_t dma, size_t size, enum dma_dir dir);

#endif
