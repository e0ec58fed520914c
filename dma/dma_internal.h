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
 * What each dma_map_single mapped, so an unmap with another size or
 * direction is refused exactly (open addressing on the IOVA page).
 */
#define DMA_REC_SLOTS		1024	/* power of two, > 2 x DMA_IOVA_RANGES */

struct dma_map_rec {
	uint64_t iova;		/* DMA address handed out; 0 = empty slot */
	uint64_t size;		/* bytes asked for (a list: the IOVA allocation) */
	unsigned int dir;	/* enum dma_dir, | DMA_REC_SG for a scatterlist */
};

#define DMA_REC_SG	0x100u	/* record of a dma_map_sg allocation (key: its base) */
#define DMA_REC_COHERENT 0x200u	/* dma_alloc_coherent's: only dma_free_coherent undoes it */

struct dma_iommu {
	bool in_use;
	struct smmu *smmu;
	struct smmu_domain *dom;
	uint32_t sid;
	struct iova_domain iovad;
	struct iova_node nodes[IOVA_NODES(DMA_IOVA_RANGES)];
	uint64_t msi_iova;		/* doorbell page mapped 1:1, 0 if none */
	struct dma_map_rec recs[DMA_REC_SLOTS];
	unsigned int nrecs;
};

/* An IOVA range of len bytes below the device's mask (4 GiB first); TG_ERANGE when none fits. */
static inline int dma_iova_alloc(struct dma_dev *dd, uint64_t len, uint64_t *iova)
{
	struct dma_iommu *io = dd->iommu;
	int err = TG_ENOSPC;

	/* Below 4 GiB first: 32-bit-only peers of a wider device keep working. */
	if (dd->mask > 0xffffffffull)
		err = iova_alloc_flags(&io->iovad, len, 0xffffffffull, IOVA_ALLOC_NOFLUSH, iova);
	if (err)
		err = iova_alloc(&io->iovad, len, dd->mask, iova);
	return err == TG_ENOSPC ? TG_ERANGE : err;
}

/* dma_map_single / dma_unmap_single with the core lock (platform.h) held by the caller. */
int dma_map_single_locked(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir,
			  dma_addr_t *dma);
int dma_unmap_single_locked(struct dma_dev *dd, dma_addr_t dma, size_t size, enum dma_dir dir);

/* Records of live mappings (dma_map.c): TG_ENOMEM when the table is full. */
int dma_rec_add(struct dma_iommu *io, uint64_t iova, uint64_t size, unsigned int dir);
struct dma_map_rec *dma_rec_find(struct dma_iommu *io, uint64_t iova);
void dma_rec_del(struct dma_iommu *io, struct dma_map_rec *r);

#endif
