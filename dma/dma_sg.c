/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scatterlist mapping.  Two passes over the list:
 *  1. check and classify each entry (memory, or P2P by its provider's map
 *     type) and add up the IOVA the memory entries need: each starts at
 *     offset 0 of a granule, and a gap is left before an entry that would
 *     otherwise cross seg_boundary (the gap stays unmapped).  Gaps only
 *     exist when the total outgrows one boundary window; only then is the
 *     layout worked out entry by entry;
 *  2. allocate that space once (naturally aligned, so boundaries fall on
 *     the same offsets), then for each entry: map it where the same
 *     arithmetic places it (a page through the page table's inline fast
 *     path), and write the output segments in place, merging entries that
 *     meet in IOVA space.  Bus-address entries keep their own segment and
 *     flag.  Untranslated, each memory entry is dma_map_single's and
 *     segments merge where the bus addresses meet.
 * The in-page offset of an entry is counted once: its DMA address is the
 * IOVA of its first granule plus (phys & granule-1), or, for a bus-address
 * entry, phys + (bus - cpu) of its provider's window.
 */
#include <string.h>

#include <tollgate/barrier.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>
#include <tollgate/platform.h>
#include <tollgate/smmu.h>

#include "dma_internal.h"

#define SG_MAX_RANGES	64	/* mapped runs unmapped in one call */

enum entry_kind { ENTRY_MEM, ENTRY_BUS, ENTRY_MMIO };

/* Pass 1's verdict per entry, when P2P providers exist. */
static uint8_t sg_kinds[DMA_SG_MAX];

/* What the rare entries need in pass 2 (all 0: memory pages, coherent, no gaps). */
enum { SG_P2P = 1, SG_DIRECT = 2, SG_SYNC = 4, SG_GAPS = 8 };

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

/*
 * Pass 1 for one entry: its kind and, for a peer's BAR, its bus address;
 * or TG_EP2P.  Untranslated, a BAR through the host bridge is reached at
 * its bus address too: a bus-address entry then.
 */
static int classify(struct dma_dev *dd, const struct dma_sg *s, enum entry_kind *kind,
		    uint64_t *bus)
{
	struct p2p_provider *p = p2p_provider_of(s->phys);

	*kind = ENTRY_MEM;
	if (!p)
		return TG_OK;
	if (s->length > p->size - (s->phys - p->cpu_addr))
		return TG_EINVAL;	/* runs off the end of the provider */
	*bus = p->bus_addr + (s->phys - p->cpu_addr);
	switch (p2p_map_type(p, dd->pci)) {
	case P2P_MAP_BUS_ADDR:
		*kind = ENTRY_BUS;
		return TG_OK;
	case P2P_MAP_THRU_HOST_BRIDGE:
		*kind = dd->iommu ? ENTRY_MMIO : ENTRY_BUS;
		return TG_OK;
	default:
		return TG_EP2P;
	}
}

/*
 * Where an entry of `span` IOVA bytes goes once the previous one ended at
 * cur: at cur, or at the next boundary when it would cross one there.
 * Out of line: only lists with gaps get here, and inlined its 64-bit
 * arithmetic costs AArch32 code at each caller.
 */
static __attribute__((noinline)) uint64_t place(uint64_t cur, uint64_t span, uint64_t boundary)
{
	return ((cur ^ (cur + span - 1)) & ~boundary) ? (cur | boundary) + 1 : cur;
}

static inline uint64_t entry_span(const struct dma_sg *s)
{
	return granule_up(granule_off(s->phys) + s->length);
}

/* A segment opened at a may grow up to (exclusive): max_seg_size and seg_boundary. */
static inline uint64_t seg_limit(dma_addr_t a, uint32_t max_seg, uint64_t boundary)
{
	uint64_t lim = a + max_seg, last = a | boundary;

	return last < lim - 1 ? last + 1 : lim;
}

#ifdef __OPTIMIZE_SIZE__
#define SG_FILL_COPY	0
#else
#define SG_FILL_COPY	1
#endif

static inline void fill_get(struct io_pgtable_fill *f, const struct io_pgtable_batch *b)
{
	if (SG_FILL_COPY)
		*f = b->fill;
}

static inline void fill_put(const struct io_pgtable_fill *f, struct io_pgtable_batch *b)
{
	if (SG_FILL_COPY)
		b->fill = *f;
}

/* A closed segment; lim 0 marks a bus-address one. */
static inline void seg_store(struct dma_sg *d, dma_addr_t addr, dma_addr_t end, uint64_t lim)
{
	d->dma_address = addr;
	d->dma_length = (uint32_t)(end - addr);
	d->flags = lim ? 0 : DMA_SG_BUS_ADDRESS;
}

/*
 * What a failed map leaves behind, undone: every granule mapped in the
 * list's allocation (nothing else maps there) is unmapped with one
 * invalidation, the IOVA and its record freed, the list cleared.
 */
static int map_sg_undo(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents,
		       uint64_t base, uint64_t len, int err)
{
	static uint64_t spans[DMA_SG_MAX][2];
	struct dma_iommu *io = dd->iommu;
	unsigned int n = 0;
	uint64_t pa;

	for (uint64_t a = base; a < base + len; a += DMA_GRANULE) {
		if (smmu_iova_lookup_locked(io->dom, a, &pa, NULL) != TG_OK)
			continue;
		if (n && spans[n - 1][0] + spans[n - 1][1] == a)
			spans[n - 1][1] += DMA_GRANULE;
		else if (n < DMA_SG_MAX)	/* runs are split by gaps only: fewer than entries */
			spans[n][0] = a, spans[n++][1] = DMA_GRANULE;
	}
	if (n)
		smmu_unmap_ranges_locked(io->dom, (const uint64_t (*)[2])spans, n);
	iova_free(&io->iovad, base, len);
	clear_dma_fields(sg, nents);
	dd->cnt.map_failures++;
	return err;
}

/*
 * Pass 1: check and classify every entry, add up the granules of the
 * memory entries (less one each, gaps aside) and count the bus-address ones.
 */
static inline __attribute__((always_inline)) int
map_sg_pass1(struct dma_dev *dd, struct dma_sg *restrict sg, struct dma_sg *sg_end,
	     uint32_t max_seg, bool maybe_p2p, size_t *pages_out, unsigned int *nbus_out)
{
	size_t pages = 0;	/* < 2^29 */
	unsigned int nbus = 0;
	int err = TG_OK;

	for (struct dma_sg *s = sg; s < sg_end; s++) {
		const uint64_t phys = s->phys;
		const uint32_t lm1 = s->length - 1;
		const uint64_t last = phys + lm1;

		if (lm1 >= max_seg || last < phys) {
			err = TG_EINVAL;	/* empty, too long, or wrapping */
			break;
		}
		if (maybe_p2p) {
			enum entry_kind kind;
			uint64_t baddr = 0;
			err = classify(dd, s, &kind, &baddr);
			if (err)
				break;
			sg_kinds[s - sg] = (uint8_t)kind;
			if (kind == ENTRY_BUS) {
				s->dma_address = baddr;	/* read back by pass 2 */
				nbus++;
				continue;
			}
		}
		pages += (size_t)(last / DMA_GRANULE) - (size_t)(phys / DMA_GRANULE);
	}
	*pages_out = pages;
	*nbus_out = nbus;
	return err;
}

/*
 * Pass 2: map each entry where pass 1 laid it out and write the output
 * segments in place (slot out is never past the entry read), merged where
 * they meet.  The open segment lives in locals, [seg_addr, seg_end) growing
 * up to seg_lim, which is 0 for a bus-address segment: it never grows.
 * Entries needing more than a page mapped go the checked way.  Few
 * locals live through the loop, so that they all stay in registers.
 */
static inline __attribute__((always_inline)) int
map_sg_pass2(struct dma_dev *dd, struct dma_sg *restrict sg, struct dma_sg *sg_end, enum dma_dir dir,
	     unsigned int special, struct io_pgtable_batch *b, struct io_pgtable_fill *f,
	     uint64_t base, uint64_t len, unsigned int prot)
{
	const uint8_t *const kinds = sg_kinds;
	const unsigned int nents = (unsigned int)(sg_end - sg);
	int err;
	enum entry_kind batch_kind = ENTRY_MEM;
	uint64_t cur = base;
	dma_addr_t seg_addr = 0, seg_end = 0, seg_lim = 0;
	struct dma_sg *out = sg;	/* the next segment's slot */
	for (struct dma_sg *s = sg; s < sg_end; s++) {
		const uint64_t phys = s->phys;
		const uint32_t length = s->length;
		const uint64_t off = granule_off(phys);
		dma_addr_t a, end, lim = 0;

		if (special) {
			const enum entry_kind kind = special & SG_P2P ? (enum entry_kind)kinds[s - sg]
								   : ENTRY_MEM;
			if (kind == ENTRY_BUS) {
				/* Its own segment, flagged, never merged (lim 0). */
				a = s->dma_address;	/* pass 1's bus address */
				end = a + length;
				s->flags = 0;
				s->dma_address = 0;
				s->dma_length = 0;
				goto open;
			}
			if (special & SG_DIRECT) {
				/* Merged below only where the bus addresses meet. */
				dma_addr_t da;
				err = dma_map_single(dd, phys, length, dir, &da);
				if (err) {
					clear_dma_fields(sg, nents);
					return err;
				}
				a = da;	/* not a itself: its address would keep it out of registers */
				goto mapped;
			}
			if (kind != batch_kind) {
				/* Peer BARs through the host bridge: device memory. */
				fill_put(f, b);
				io_pgtable_batch_set_prot(b, kind == ENTRY_MMIO ? prot | IOMMU_MMIO
									: prot);
				fill_get(f, b);
				batch_kind = kind;
			}
			if (special & SG_SYNC && kind == ENTRY_MEM)
				dma_sync_for_device(dd, phys, length, dir);
			if (special & SG_GAPS)
				cur = place(cur, granule_up(off + length), dd->seg_boundary);
		}
		a = cur + off;
		if (off + length <= DMA_GRANULE && io_pgtable_fill_put(f, cur, phys - off)) {
			cur += DMA_GRANULE;
		} else {
			const uint64_t span = granule_up(off + length);
			fill_put(f, b);
			err = io_pgtable_batch_map(b, cur, phys - off, span);
			fill_get(f, b);
			if (err) {
				io_pgtable_batch_finish(b);
				return map_sg_undo(dd, sg, nents, base, len, err);
			}
			cur += span;
		}
mapped:
		end = a + length;
		s->flags = 0;
		s->dma_address = 0;
		s->dma_length = 0;
		if (a == seg_end && end <= seg_lim) {
			seg_end = end;
			continue;
		}
		lim = seg_limit(a, dd->max_seg_size, dd->seg_boundary);
open:
		if (seg_end)	/* 0 before the first entry: every segment ends above 0 */
			seg_store(out++, seg_addr, seg_end, seg_lim);
		seg_addr = a;
		seg_end = end;
		seg_lim = lim;
	}
	if (len) {
		fill_put(f, b);
		io_pgtable_batch_finish(b);
	}
	seg_store(out++, seg_addr, seg_end, seg_lim);
	return (int)(out - sg);
}

static int map_sg_locked(struct dma_dev *dd, struct dma_sg *restrict sg, unsigned int nents,
			 enum dma_dir dir)
{
	uint8_t *const kinds = sg_kinds;

	/* A count beyond the limit may not match the array: touch nothing. */
	if (!sg || !nents || nents > DMA_SG_MAX)
		return TG_EINVAL;
	if (!dd || !dir_valid(dir)) {
		clear_dma_fields(sg, nents);
		return TG_EINVAL;
	}

	struct dma_iommu *io = dd->iommu;	/* NULL: direct, dma_map_single per entry */
	/* Locals: the list's own stores could alias *dd as far as the compiler knows. */
	const uint64_t boundary = dd->seg_boundary;
	const uint32_t max_seg = dd->max_seg_size;
	const bool coherent = dd->coherent;
	const bool maybe_p2p = p2p_provider_count() != 0;
	struct dma_sg *const sg_end = sg + nents;
	size_t pages;	/* granules of the IOVA entries, less one each */
	unsigned int nbus;
	int err;

	/* Pass 1 (two copies at -O2, as pass 2). */
#ifdef __OPTIMIZE_SIZE__
	err = map_sg_pass1(dd, sg, sg_end, max_seg, maybe_p2p, &pages, &nbus);
#else
	err = maybe_p2p ? map_sg_pass1(dd, sg, sg_end, max_seg, true, &pages, &nbus)
			: map_sg_pass1(dd, sg, sg_end, max_seg, false, &pages, &nbus);
#endif
	uint64_t len = (uint64_t)(pages + nents - nbus) * DMA_GRANULE;
	/* Gaps only when the list outgrows one boundary window: lay it out. */
	const bool gaps = io && len && len - 1 > boundary;
	if (!err && gaps) {
		uint64_t cur = 0;
		for (unsigned int i = 0; i < nents && !err; i++) {
			if (maybe_p2p && kinds[i] == ENTRY_BUS)
				continue;
			uint64_t span = entry_span(&sg[i]);
			if (span - 1 > boundary)
				err = TG_EINVAL;	/* can never fit between two boundaries */
			cur = place(cur, span, boundary) + span;
		}
		len = cur;
	}
	if (err) {
		clear_dma_fields(sg, nents);
		return err;
	}

	/* One allocation (tagged for the exact unmap check), naturally
	 * aligned: the boundaries fall where pass 1 assumed. */
	uint64_t base = 0;
	struct io_pgtable_batch b;
	/*
	 * The loop's copy of b.fill (see io_pgtable.h), in registers; synced
	 * around the batch's other calls.  Optimising for size, the loop works
	 * on b.fill itself: the copies would cost more code than they save.
	 */
	struct io_pgtable_fill fill = { 0 }, *f = SG_FILL_COPY ? &fill : &b.fill;
	unsigned int prot = dir == DMA_TO_DEVICE ? IOMMU_READ : IOMMU_READ | IOMMU_WRITE;
	if (!io)
		len = 0;
	if (len) {
		err = dma_iova_alloc(dd, len, dma_tag(len, 0, dir | DMA_TAG_SG), &base);
		if (err) {
			clear_dma_fields(sg, nents);
			dd->cnt.map_failures++;
			return err;
		}
		smmu_map_batch_start(io->dom, prot, &b);
		io_pgtable_batch_seek(&b, base);
		fill_get(f, &b);
	}

	const unsigned int special = (maybe_p2p ? SG_P2P : 0) | (io ? 0 : SG_DIRECT) |
				     (coherent || !io ? 0 : SG_SYNC) | (gaps ? SG_GAPS : 0);
#ifdef __OPTIMIZE_SIZE__
	int n = map_sg_pass2(dd, sg, sg_end, dir, special, &b, f, base, len, prot);
#else
	/* Two copies: the common one without the rare kinds' code and locals. */
	int n = special ? map_sg_pass2(dd, sg, sg_end, dir, special, &b, f, base, len, prot)
			: map_sg_pass2(dd, sg, sg_end, dir, 0, &b, f, base, len, prot);
#endif
	if (n > 0 && io)
		dd->cnt.maps++;	/* direct: dma_map_single counted each entry */
	return n;
}

static int unmap_sg_locked(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents,
			   enum dma_dir dir)
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
		/* Every segment must lie in the one allocation this list got ... */
		if (iova_find(&io->iovad, lo, &astart, &asize) != TG_OK || hi - astart > asize)
			return TG_ENOENT;
		/* ... which dma_map_sg made, for this direction. */
		uint64_t *tag = iova_live_tag(&io->iovad, astart);
		if (!tag || !(*tag & DMA_TAG_SG))
			return TG_ENOENT;
		if ((*tag & DMA_TAG_DIR_MASK) != (unsigned int)dir)
			return TG_EINVAL;
		int64_t r = smmu_unmap_ranges_locked(io->dom, (const uint64_t (*)[2])ranges, n);
		if (r < 0)
			return (int)r;
		iova_free_live(&io->iovad, tag);
	} else if (!dd->iommu) {
		for (unsigned int i = 0; i < segs; i++)
			if (!(sg[i].flags & DMA_SG_BUS_ADDRESS))
				dd->cnt.unmaps++;
	}
	if (dir != DMA_TO_DEVICE && !dd->coherent)
		for (unsigned int i = 0; i < nents; i++)
			if (!p2p_provider_of(sg[i].phys))	/* BAR memory is not cached */
				dma_sync_for_cpu(dd, sg[i].phys, sg[i].length, dir);
	clear_dma_fields(sg, segs);
	dd->cnt.unmaps++;
	return TG_OK;
}

int dma_map_sg(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents, enum dma_dir dir)
{
	return TG_LOCKED(map_sg_locked(dd, sg, nents, dir));
}

int dma_unmap_sg(struct dma_dev *dd, struct dma_sg *sg, unsigned int nents, enum dma_dir dir)
{
	return TG_LOCKED(unmap_sg_locked(dd, sg, nents, dir));
}
