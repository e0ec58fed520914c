/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scatterlist mapping.  Three passes over the list:
 *  1. classify each entry (memory, or P2P by its provider's map type) and
 *     lay the IOVA entries out in one space: each starts at offset 0 of a
 *     granule, and a gap is left before an entry that would otherwise
 *     cross seg_boundary (the gap stays unmapped);
 *  2. allocate that space once (naturally aligned, so boundaries fall on
 *     the same offsets) and map every IOVA entry into it;
 *  3. write the output segments in place, merging entries that meet in
 *     IOVA space.  Bus-address entries keep their own segment and flag.
 * The in-page offset of an entry is counted once: its DMA address is the
 * IOVA of its first granule plus (phys & granule-1), or, for a bus-address
 * entry, phys + (bus - cpu) of its provider's window.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "dma_internal.h"

#define SG_MAX_RANGES	64	/* mapped runs unmapped in one call */

enum entry_kind { ENTRY_MEM, ENTRY_BUS, ENTRY_MMIO };

static bool dir_valid(enum dma_dir dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

static void clear_dma_fields(struct dma_sg *sg, unsigned int nents)
{
	for (unsigned int i = 0; i < nents; i++) {
		sg[i].dma_address = 0;
		sg[i].dma_length = 0;
		sg[i].flags = 0;
	}
}

static uint64_t granule_off(uint64_t a)
{
	return a & (DMA_GRANULE - 1);
}

static uint64_t granule_up(uint64_t a)
{
	return (a + DMA_GRANULE - 1) & ~(DMA_GRANULE - 1);
}

/* Pass 1 for one entry: its kind, or TG_EP2P. */
static int classify(struct dma_dev *dd, const struct dma_sg *s, enum entry_kind *kind,
		    uint64_t *bus)
{
	struct p2p_provider *p = p2p_provider_of(s->phys);

	*kind = ENTRY_MEM;
	if (!p)
		return TG_OK;
	if (s->length > p->size - (s->phys - p->cpu_addr))
		return TG_EINVAL;	/* runs off the end of the provider */
	switch (p2p_map_type(p, dd->pci)) {
	case P2P_MAP_BUS_ADDR:
		*kind = ENTRY_BUS;
		*bus = p->bus_addr + (s->phys - p->cpu_addr);
		return TG_OK;
	case P2P_MAP_THRU_HOST_BRIDGE:
		*kind = ENTRY_MMIO;
		return TG_OK;
	default:
		return TG_EP2P;
	}
}

static unsigned int entry_prot(enum entry_kind kind, enum dma_dir dir)
{
	unsigned int prot = dir == DMA_TO_DEVICE ? IOMMU_READ : IOMMU_READ | IOMMU_WRITE;

	return kind == ENTRY_MMIO ? prot | IOMMU_MMIO : prot;
}

/* Pass 3: merge into output segments in place. */
static int finalise(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents, const uint8_t *bus)
{
	int out = -1;

	for (unsigned int i = 0; i < nents; i++) {
		dma_addr_t a = sg[i].dma_address;
		uint32_t len = sg[i].dma_length;
		uint32_t flags = bus[i] ? DMA_SG_BUS_ADDRESS : 0;

		if (out >= 0 && !flags && !(sg[out].flags & DMA_SG_BUS_ADDRESS) &&
		    sg[out].dma_address + sg[out].dma_length == a &&
		    (uint64_t)sg[out].dma_length + len <= dd->max_seg_size &&
		    (sg[out].dma_address & ~dd->seg_boundary) == ((a + len - 1) & ~dd->seg_boundary)) {
			sg[out].dma_length += len;
			continue;
		}
		out++;
		sg[out].dma_address = a;
		sg[out].dma_length = len;
		sg[out].flags = flags;
	}
	for (unsigned int i = (unsigned int)(out + 1); i < nents; i++) {
		sg[i].dma_address = 0;
		sg[i].dma_length = 0;
		sg[i].flags = 0;
	}
	return out + 1;
}

static int map_sg_direct(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents,
			 enum dma_dir dir, uint8_t *bus)
{
	for (unsigned int i = 0; i < nents; i++) {
		enum entry_kind kind;
		uint64_t addr = 0;
		int err = classify(dd, &sg[i], &kind, &addr);

		if (!err && kind == ENTRY_MEM) {
			err = dma_map_single(dd, sg[i].phys, sg[i].length, dir, &addr);
		} else if (!err && kind == ENTRY_MMIO) {
			/* Untranslated: the peer's BAR at its bus address, through the root complex. */
			struct p2p_provider *p = p2p_provider_of(sg[i].phys);
			addr = p->bus_addr + (sg[i].phys - p->cpu_addr);
		}
		if (err)
			return err;
		bus[i] = kind != ENTRY_MEM;
		sg[i].dma_address = addr;
		sg[i].dma_length = sg[i].length;
	}
	/* Direct segments merge only when the bus addresses meet. */
	return finalise(dd, sg, nents, bus);
}

int dma_map_sg(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents, enum dma_dir dir)
{
	static uint8_t bus[DMA_SG_MAX];
	static uint8_t kinds[DMA_SG_MAX];
	static uint64_t pos[DMA_SG_MAX];

	/* A count beyond the limit may not match the array: touch nothing. */
	if (!sg || !nents || nents > DMA_SG_MAX)
		return TG_EINVAL;
	/* Whatever happens next, the caller never sees stale DMA fields. */
	clear_dma_fields(sg, nents);
	if (!dd || !dir_valid(dir))
		return TG_EINVAL;
	for (unsigned int i = 0; i < nents; i++)
		if (!sg[i].length || sg[i].phys + sg[i].length - 1 < sg[i].phys ||
		    sg[i].length > dd->max_seg_size)
			return TG_EINVAL;
	if (!dd->iommu) {
		int n = map_sg_direct(dd, sg, nents, dir, bus);
		if (n < 0)
			clear_dma_fields(sg, nents);
		return n;
	}

	struct dma_iommu *io = dd->iommu;
	uint64_t len = 0;
	int err = TG_OK;

	/* Pass 1: classify and lay out. */
	for (unsigned int i = 0; i < nents && !err; i++) {
		enum entry_kind kind;
		uint64_t baddr = 0;
		err = classify(dd, &sg[i], &kind, &baddr);
		if (err)
			break;
		kinds[i] = (uint8_t)kind;
		bus[i] = kind == ENTRY_BUS;
		if (kind == ENTRY_BUS) {
			sg[i].dma_address = baddr;
			sg[i].dma_length = sg[i].length;
			continue;
		}
		uint64_t span = granule_up(granule_off(sg[i].phys) + sg[i].length);
		uint64_t boundary = dd->seg_boundary + 1;
		if (span > boundary) {
			err = TG_EINVAL;	/* can never fit between two boundaries */
			break;
		}
		if ((len & ~dd->seg_boundary) != ((len + span - 1) & ~dd->seg_boundary))
			len = (len + boundary - 1) & ~dd->seg_boundary;
		pos[i] = len;
		len += span;
	}
	if (err) {
		clear_dma_fields(sg, nents);
		return err;
	}
	if (!len)
		return finalise(dd, sg, nents, bus);	/* only bus-address entries */

	/* Pass 2: one allocation, every IOVA entry mapped into it. */
	uint64_t base;
	err = TG_ENOSPC;
	if (dd->mask > 0xffffffffull)
		err = iova_alloc_flags(&io->iovad, len, 0xffffffffull, IOVA_ALLOC_NOFLUSH, &base);
	if (err)
		err = iova_alloc(&io->iovad, len, dd->mask, &base);
	if (err) {
		clear_dma_fields(sg, nents);
		dd->cnt.map_failures++;
		return err == TG_ENOSPC ? TG_ERANGE : err;
	}
	unsigned int mapped = 0;
	for (unsigned int i = 0; i < nents; i++, mapped = i) {
		if (bus[i])
			continue;
		uint64_t off = granule_off(sg[i].phys);
		uint64_t span = granule_up(off + sg[i].length);
		err = smmu_map(io->dom, base + pos[i], sg[i].phys - off, span,
			       entry_prot((enum entry_kind)kinds[i], dir));
		if (err)
			break;
		if (kinds[i] == ENTRY_MEM)
			dma_sync_for_device(dd, sg[i].phys, sg[i].length, dir);
		sg[i].dma_address = base + pos[i] + off;
		sg[i].dma_length = sg[i].length;
	}
	if (err) {
		uint64_t ranges[1][2];
		for (unsigned int i = 0; i < mapped; i++) {
			if (bus[i])
				continue;
			ranges[0][0] = base + pos[i];
			ranges[0][1] = granule_up(granule_off(sg[i].phys) + sg[i].length);
			smmu_unmap_ranges(io->dom, (const uint64_t (*)[2])ranges, 1);
		}
		iova_free(&io->iovad, base, len);
		clear_dma_fields(sg, nents);
		dd->cnt.map_failures++;
		return err;
	}
	dd->cnt.maps++;
	return finalise(dd, sg, nents, bus);
}

int dma_unmap_sg(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents, enum dma_dir dir)
{
	static uint64_t ranges[SG_MAX_RANGES][2];
	unsigned int n = 0, segs = 0;
	uint64_t lo = ~0ull, hi = 0;

	if (!dd || !sg || !nents || !dir_valid(dir))
		return TG_EINVAL;
	for (; segs < nents && sg[segs].dma_length; segs++) {
		if (sg[segs].flags & DMA_SG_BUS_ADDRESS)
			continue;
		uint64_t start = sg[segs].dma_address & ~(DMA_GRANULE - 1);
		uint64_t end = granule_up(sg[segs].dma_address + sg[segs].dma_length);
		if (n == SG_MAX_RANGES)
			return TG_ENOSPC;
		ranges[n][0] = start;
		ranges[n][1] = end - start;
		n++;
		lo = start < lo ? start : lo;
		hi = end > hi ? end : hi;
	}
	if (!segs)
		return TG_ENOENT;
	if (dd->iommu && n) {
		struct dma_iommu *io = dd->iommu;
		uint64_t astart, asize;
		/* Every segment must lie in the one allocation this list got. */
		if (iova_find(&io->iovad, lo, &astart, &asize) != TG_OK || hi - astart > asize)
			return TG_ENOENT;
		int64_t r = smmu_unmap_ranges(io->dom, (const uint64_t (*)[2])ranges, n);
		if (r < 0)
			return (int)r;
		iova_free(&io->iovad, astart, asize);
	} else if (!dd->iommu) {
		for (unsigned int i = 0; i < segs; i++)
			if (!(sg[i].flags & DMA_SG_BUS_ADDRESS))
				dd->cnt.unmaps++;
	}
	for (unsigned int i = 0; i < nents; i++)
		if (!(sg[i].flags & DMA_SG_BUS_ADDRESS) && dir != DMA_TO_DEVICE && !dd->coherent &&
		    !p2p_provider_of(sg[i].phys))
			dma_sync_for_cpu(dd, sg[i].phys, sg[i].length, dir);
	clear_dma_fields(sg, segs);
	dd->cnt.unmaps++;
	return TG_OK;
}
