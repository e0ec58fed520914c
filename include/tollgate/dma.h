/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DMA-mapping layer: what a driver calls to give a device access to
 * memory.  The same calls work whether the device is translated by an
 * SMMU (IOVAs from the device's own domain) or not (direct: bus address =
 * CPU physical address through the host bridge's dma-ranges, DMA mask
 * enforced).
 *
 * A translated device's IOVA space never overlaps a PCI bus address: every
 * outbound window of its host bridge, the gaps between dma-ranges, IOVA 0
 * and the MSI doorbell are reserved when the device is set up (the
 * doorbell is mapped, so MSIs work through the SMMU).
 */
#ifndef TOLLGATE_DMA_H
#define TOLLGATE_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pci_dev;
struct smmu_domain;
struct dma_iommu;

typedef uint64_t dma_addr_t;

enum dma_dir {
	DMA_TO_DEVICE = 1,	/* the device reads: mapped read-only */
	DMA_FROM_DEVICE = 2,	/* the device writes */
	DMA_BIDIRECTIONAL = 3,
};

struct dma_counters {
	unsigned long maps, unmaps;
	unsigned long map_failures;
};

struct dma_dev {
	struct pci_dev *pci;
	uint64_t mask;			/* highest address the device can emit */
	uint32_t max_seg_size;		/* for scatterlists */
	uint64_t seg_boundary;		/* 2^n - 1: no segment crosses it */
	bool coherent;			/* no CPU cache maintenance needed */
	struct dma_iommu *iommu;	/* NULL: direct (untranslated) */
	struct dma_counters cnt;
};

/*
 * Sets the device up for DMA with `mask` (e.g. 0xffffffff, or 2^28 - 1 for
 * edu).  A device with a StreamID on an SMMU gets its own domain, its
 * reservations and an attached stream; otherwise the direct path.
 * Errors: TG_EINVAL (mask 0 or < 4 KiB), TG_ENOMEM, TG_EBUSY (stream
 * already attached elsewhere).
 */
int dma_dev_init(struct dma_dev *dd, struct pci_dev *pci, uint64_t mask);
void dma_dev_release(struct dma_dev *dd);
/* The SMMU domain behind a translated device (tests, the shell), or NULL. */
struct smmu_domain *dma_dev_domain(const struct dma_dev *dd);
/*
 * Test-only knob: while off, devices set up afterwards do not reserve their
 * host bridge's windows, so an IOVA may equal a peer's bus address (the
 * scenario that shows why the reservation exists).  Never use it otherwise.
 */
void dma_debug_reserve_windows(bool on);

/*
 * Maps [phys, phys+size) for the device; *dma receives the address the
 * device must use (the in-page offset is kept once).  TG_EINVAL for size 0,
 * a wrapping range or a bad direction; TG_ERANGE when no IOVA (or, direct,
 * no bus address) below the mask fits; nothing is left mapped on error.
 */
int dma_map_single(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir,
		   dma_addr_t *dma);
/* Undoes exactly one dma_map_single: the same address, size and direction
 * (TG_ENOENT when nothing was mapped there, TG_EINVAL when size or
 * direction differ; nothing changes then). */
int dma_unmap_single(struct dma_dev *dd, dma_addr_t dma, size_t size, enum dma_dir dir);

/* ---- scatterlists --------------------------------------------------------
 * Input: phys + length per entry.  Output (the first n entries after a map
 * returning n): dma_address, dma_length and flags of each DMA segment; the
 * dma_length of the entries after them is 0.  A segment whose address is
 * a PCI bus address (peer-to-peer straight to a BAR, no IOVA) carries
 * DMA_SG_BUS_ADDRESS: never a zero length, never merged with a neighbour.
 */
#define DMA_SG_BUS_ADDRESS	(1u << 0)

struct dma_sg {
	uint64_t phys;
	uint32_t length;
	uint32_t flags;
	dma_addr_t dma_address;
	uint32_t dma_length;
};

/*
 * Maps the list with one IOVA allocation: entries aligned to the IOMMU
 * granule, padded so no segment crosses seg_boundary, consecutive entries
 * merged when they meet in IOVA space within max_seg_size.  Entries in a
 * registered P2P provider are classified against this device (see
 * p2p.h).  Returns the number of segments, or TG_EINVAL (bad entry or
 * direction), TG_ERANGE (no IOVA below the mask), TG_EP2P (an entry's peer
 * is not reachable): on error nothing stays mapped and the list's DMA
 * fields are cleared.
 */
int dma_map_sg(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents, enum dma_dir dir);
/* Unmaps what dma_map_sg mapped (one TLB invalidation, one CMD_SYNC) and
 * clears the segments' DMA fields and flags. */
int dma_unmap_sg(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents, enum dma_dir dir);

/*
 * Zeroed memory the CPU (*cpu) and the device (*dma) share without sync
 * calls, size rounded up to whole pages.  TG_EINVAL (bad argument),
 * TG_ENOTSUP (the device is not coherent: no uncached alias exists here),
 * TG_ENOMEM, TG_ERANGE (nothing below the mask).  dma_unmap_single refuses
 * it; dma_free_coherent takes the same size, CPU and DMA addresses
 * (TG_ENOENT: not a live coherent allocation, TG_EINVAL: they disagree).
 */
int dma_alloc_coherent(struct dma_dev *dd, size_t size, void **cpu, dma_addr_t *dma);
int dma_free_coherent(struct dma_dev *dd, size_t size, void *cpu, dma_addr_t dma);

/* Cache maintenance for non-coherent devices around a transfer. */
void dma_sync_for_device(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir);
void dma_sync_for_cpu(struct dma_dev *dd, uint64_t phys, size_t size, enum dma_dir dir);

#endif
