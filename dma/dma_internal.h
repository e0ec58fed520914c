/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the files of dma/: not a public interface. */
#ifndef TOLLGATE_DMA_INTERNAL_H
#define TOLLGATE_DMA_INTERNAL_H

#include <tollgate/dma.h>
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
	uint32_t size;
	uint32_t dir;
};

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

#endif
