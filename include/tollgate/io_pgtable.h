/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O page tables for SMMUv3 stage 1: VMSAv8-64 translation tables (Arm
 * ARM DDI 0487, D8 "The AArch64 Virtual Memory System Architecture") that
 * a context descriptor's TTB0 points at (SMMUv3, IHI 0070, 5.4).
 *
 * One io_pgtable is one address space: a root table plus the tables
 * below it, 4 KiB, 16 KiB or 64 KiB granule, an input (IOVA) size of 25 to
 * 48 bits and an output (physical) size of 32 to 48 bits.  Mappings use
 * the largest leaf that fits: blocks (1 GiB and 2 MiB with 4 KiB
 * granules, 32 MiB with 16 KiB, 512 MiB with 64 KiB) whenever the IOVA,
 * the physical address and the remaining size allow it, pages otherwise.
 *
 * Memory for tables comes only from the io_pgtable_mem seam; this code
 * keeps no state of its own outside struct io_pgtable and is not
 * reentrant: callers serialise map/unmap on one table.
 *
 * Visibility to the SMMU.  Every descriptor is written with one
 * single-copy-atomic 64-bit store.  A new table is filled completely
 * (and cleaned, when mem->clean is set) before the one store that links
 * it, so the walker sees either nothing or a whole subtree.  After map
 * returns, new translations are in memory (cleaned to the PoC when
 * mem->clean is set); nothing needs invalidating, as invalid entries are
 * never cached (the caller still needs a DSB before starting DMA when
 * mem->clean is NULL, which its command-queue write already has).  After
 * unmap, the caller must invalidate what the io_tlb_gather describes
 * (TLBI + CMD_SYNC) and only then call io_pgtable_gather_release(), which
 * frees the tables the unmap detached: until the invalidation completes
 * the SMMU may still walk them.
 */
#ifndef TOLLGATE_IO_PGTABLE_H
#define TOLLGATE_IO_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- mapping permissions and attributes (the prot argument) ----------------- */

#define IOMMU_READ	(1u << 0)
/*
 * Stage 1 cannot express write-only (AP[2:1] has no such encoding): a
 * mapping with WRITE is readable too, and iova_to_phys reports READ|WRITE.
 */
#define IOMMU_WRITE	(1u << 1)
/* Device-nGnRE, execute-never (for peer-to-peer BARs, MSI doorbells). */
#define IOMMU_MMIO	(1u << 2)
/* Execute-never for both privileged and unprivileged fetches. */
#define IOMMU_NOEXEC	(1u << 3)
/* Normal non-cacheable instead of write-back (not with IOMMU_MMIO). */
#define IOMMU_CACHE_NC	(1u << 4)

/*
 * MAIR attribute indexes the descriptors use (AttrIndx), and the MAIR value
 * the context descriptor must hold (CD.MAIR0/1, same layout as MAIR_EL1,
 * D17.2): the same assignment as the CPU's own tables.
 */
#define IO_PGTABLE_MAIR_IDX_DEVICE	0	/* 0x04 Device-nGnRE */
#define IO_PGTABLE_MAIR_IDX_NORMAL	1	/* 0xff Normal WB, R/W-allocate, inner+outer */
#define IO_PGTABLE_MAIR_IDX_NORMAL_NC	2	/* 0x44 Normal non-cacheable */
#define IO_PGTABLE_MAIR			0x000000000044ff04ull

/* --- configuration --------------------------------------------------------- */

/*
 * How table memory is obtained (the platform seam).  alloc returns zeroed
 * memory aligned to `size` (a power of two, 64 bytes to the granule) and
 * its physical address, or NULL.  clean cleans [va, va+len) to the point
 * of coherency and waits for completion (DC CVAC + DSB); it is NULL when
 * the SMMU's table walks are coherent with the CPU caches.
 */
struct io_pgtable_mem {
	void *(*alloc)(void *ctx, size_t size, uint64_t *phys);
	void (*free)(void *ctx, void *va, size_t size);
	void *(*phys_to_virt)(void *ctx, uint64_t phys);
	void (*clean)(void *ctx, const void *va, size_t len);
	void *ctx;
};

/* Zero fields take the defaults: 4 KiB granule, 48-bit input and output. */
struct io_pgtable_cfg {
	unsigned int granule_shift;	/* 12, 14 or 16 */
	unsigned int ias;		/* input (IOVA) bits, 25..48 (T0SZ 39..16) */
	unsigned int oas;		/* output (physical) bits, 32..48 */
	/*
	 * Keep last-level tables linked when an unmap empties them (freed at
	 * destroy).  Streaming DMA maps and unmaps the same few IOVA pages over
	 * and over: keeping their table saves an allocation, a clean and a
	 * walk-cache invalidation per cycle, for at most one table per 2 MiB
	 * (4 KiB granule) of IOVA space ever used.
	 */
	bool keep_leaf_tables;
};

struct io_pgtable_stats {
	unsigned int tables_in_use;	/* including the root */
	unsigned int tables_max;	/* high-water mark of tables_in_use */
	uint64_t maps;			/* successful io_pgtable_map calls */
	uint64_t unmaps;		/* successful io_pgtable_unmap calls */
};

struct io_pgtable {
	struct io_pgtable_cfg cfg;	/* with the defaults filled in */
	struct io_pgtable_mem mem;
	uint64_t *root;			/* start-level table */
	uint64_t root_phys;		/* CD.TTB0 */
	size_t root_size;		/* bytes allocated for the root (>= 64) */
	unsigned int root_entries;
	unsigned int start_level;	/* 0..3 */
	unsigned int levels;		/* 4 - start_level */
	struct io_pgtable_stats stats;
	/* The fast path: geometry worked out once, and the last last-level
	 * table walked to. */
	unsigned int leaf_span_shift;	/* log2 of the IOVA span of a last-level table */
	uint64_t ias_top, oas_top;	/* 2^ias, 2^oas */
	unsigned int last_prot;		/* prot of the last map and its leaf attributes */
	uint64_t last_attrs;
	uint64_t leaf_key;		/* (IOVA >> its span) + 1; 0 = none */
	uint64_t *leaf_tbl;
	uint64_t *leaf_parent;		/* the table descriptor linking it */
};

/*
 * What an unmap changed, for the caller's TLB invalidation.  Initialise
 * with io_tlb_gather_init(); several unmaps may add to one gather.
 * Invalidating by VA every 1 << min_level_size_shift bytes of
 * [start, end) (TLBI without a TTL hint, or with the level of
 * max_level_size_shift when both shifts are equal), or one range TLBI
 * over it, removes every stale entry.  When tables_freed is non-zero
 * the invalidation must include walk-cache entries (SMMU CMD_TLBI_NH_VA
 * with Leaf = 0).  Then io_pgtable_gather_release().  A gather
 * collects the unmaps of one io_pgtable only.
 */
struct io_tlb_gather {
	uint64_t start;			/* first unmapped IOVA */
	uint64_t end;			/* one past the last */
	unsigned int min_level_size_shift;	/* log2 of the smallest leaf cleared */
	unsigned int max_level_size_shift;	/* log2 of the largest leaf cleared or split */
	uint64_t pages;			/* leaf descriptors cleared */
	unsigned int tables_freed;	/* tables detached, awaiting release */
	bool empty;			/* nothing to invalidate */
	void *freelist;			/* detached tables (private) */
};

/* What the context descriptor needs (SMMUv3 5.4 CD; TCR_EL1 D17.2). */
struct io_pgtable_cd_cfg {
	uint64_t ttb0;			/* CD.TTB0: root table physical address */
	uint64_t mair;			/* CD.MAIR: IO_PGTABLE_MAIR */
	unsigned int t0sz;		/* CD.T0SZ = 64 - ias */
	unsigned int tg0;		/* CD.TG0: 0 = 4 KiB, 1 = 64 KiB, 2 = 16 KiB */
	unsigned int ips;		/* CD.IPS: 0..5 for 32, 36, 40, 42, 44, 48 bits */
	unsigned int irgn0, orgn0;	/* CD.IR0/OR0: 1 (WB RA/WA) coherent, 0 (NC) otherwise */
	unsigned int sh0;		/* CD.SH0: 3 (inner) coherent, 2 (outer) otherwise */
	unsigned int start_level;	/* implied by T0SZ and TG0; for logs */
};

/* --- API (0 or a negative TG_E* code unless stated) ---------------------------- */

/*
 * Allocates the root table.  TG_EINVAL for an unsupported granule, ias or
 * oas or a mem without alloc/free/phys_to_virt; TG_ENOMEM when the root
 * cannot be allocated.
 */
int io_pgtable_init(struct io_pgtable *pgt, const struct io_pgtable_cfg *cfg,
		    const struct io_pgtable_mem *mem);
/* Frees every table (call gather releases first).  Safe to call twice. */
void io_pgtable_destroy(struct io_pgtable *pgt);

/*
 * Maps [iova, iova+size) to [phys, phys+size) with `prot`.  All or
 * nothing: TG_EINVAL for a bad prot (no READ/WRITE, unknown bits, MMIO
 * with CACHE_NC) or an unaligned iova/phys/size or size 0; TG_ERANGE when
 * the range leaves the input or output address space; TG_EBUSY when any
 * part is already mapped; TG_ENOMEM when the tables it needs cannot all
 * be allocated.  On failure nothing was written.
 */
int io_pgtable_map(struct io_pgtable *pgt, uint64_t iova, uint64_t phys, uint64_t size,
		   unsigned int prot);

/*
 * Unmaps [iova, iova+size), which must be granule-aligned and entirely
 * mapped (TG_ENOENT otherwise, TG_EINVAL/TG_ERANGE as for map).  Blocks
 * partly inside the range are split, the rest keeping its translation
 * and attributes; tables left empty are detached and queued on `gather`.
 * All or nothing (TG_ENOMEM when a split table cannot be allocated).
 * Returns the number of bytes unmapped (size) or a negative TG_E* code.
 */
int64_t io_pgtable_unmap(struct io_pgtable *pgt, uint64_t iova, uint64_t size,
			 struct io_tlb_gather *gather);

/*
 * The streaming-DMA unmap: clears the one granule at iova when it lies in
 * the last-level table walked to last and that table keeps other entries
 * (or is kept anyway).  1 when done: one leaf of one granule cleared, no
 * table freed, so invalidating that page is all the caller owes; 0 when
 * io_pgtable_unmap() must do it (nothing changed); TG_ENOENT when the page
 * is not mapped.
 */
int io_pgtable_unmap_page(struct io_pgtable *pgt, uint64_t iova);

/*
 * Translates one IOVA: *phys (if not NULL) gets the output address,
 * *prot (if not NULL) the permissions the descriptor grants (READ always,
 * WRITE, MMIO, CACHE_NC, NOEXEC; MMIO mappings report NOEXEC).
 * TG_ENOENT when unmapped, TG_ERANGE outside the input range.
 */
int io_pgtable_iova_to_phys(const struct io_pgtable *pgt, uint64_t iova, uint64_t *phys,
			    unsigned int *prot);

/*
 * Batched mapping: many ranges with one prot, as a scatterlist maps them.
 * Pages that fall in the current last-level table are written directly
 * and its count is stored once when the batch leaves the table or ends;
 * anything else (a missing table, a block) goes through io_pgtable_map's
 * two passes.  Between start and finish nothing else may touch the table.
 * On an error the ranges mapped so far stay mapped (finish still needed):
 * the caller unmaps them.
 *
 * io_pgtable_fill_put() is the per-page fast path, inline because a
 * scatterlist calls it once per page: a page inside the window (the
 * current last-level table, while the walk is coherent: a non-coherent
 * one needs the written span tracked for cleaning, which the out-of-line
 * path does) whose descriptor is still 0 (invalid descriptors are always
 * written as 0) gets its output address ORed into the leaf bits.  Anything
 * else, errors included, is io_pgtable_batch_map's.  What it reads and
 * updates is struct io_pgtable_fill, apart from the rest so that a loop
 * can keep a copy in registers: copy it out of the batch after start and
 * after every other io_pgtable_batch_* call, back in before each.
 */
struct io_pgtable_fill {
	uint64_t win, win_size;		/* IOVA window put may fill: [win, win + win_size) */
	uint64_t reject;		/* address bits a page cannot have: in-granule, >= 2^oas */
	uint64_t *tbl;			/* current last-level table, its entry 0 at win */
	uint64_t leaf;			/* a page descriptor but its output address */
	unsigned int shift;		/* granule shift */
	unsigned int added;		/* leaves written in tbl, not yet counted */
};
struct io_pgtable_batch {
	struct io_pgtable_fill fill;
	struct io_pgtable *pgt;
	uint64_t attrs;
	uint64_t key;			/* (IOVA >> span) + 1 of tbl; 0 = none */
	uint64_t *pd;			/* the descriptor linking tbl */
	size_t lo, hi;			/* entries of tbl written since the last clean */
};
int io_pgtable_batch_start(struct io_pgtable *pgt, unsigned int prot, struct io_pgtable_batch *b);
/* As io_pgtable_map (TG_EINVAL, TG_ERANGE, TG_EBUSY, TG_ENOMEM). */
int io_pgtable_batch_map(struct io_pgtable_batch *b, uint64_t iova, uint64_t phys, uint64_t size);
/* Makes the existing last-level table holding iova the current one, so
 * that the first put there takes the fast path too (no table: nothing). */
void io_pgtable_batch_seek(struct io_pgtable_batch *b, uint64_t iova);
void io_pgtable_batch_finish(struct io_pgtable_batch *b);
/* Changes the prot for the ranges mapped next (TG_EINVAL for a bad prot). */
int io_pgtable_batch_set_prot(struct io_pgtable_batch *b, unsigned int prot);

/*
 * One descriptor, single-copy atomic.  AArch32 has no 64-bit STR; STRD to
 * a doubleword-aligned address is single-copy atomic on LPAE
 * implementations (Arm ARM E2.2.1 "Single-copy atomicity").
 */
static inline void io_pgtable_batch_store(uint64_t *p, uint64_t v)
{
#if defined(__arm__)
	__asm__ volatile("strd %1, %H1, [%2]" : "=m"(*p) : "r"(v), "r"(p));
#else
	*(volatile uint64_t *)p = v;
#endif
}

/*
 * The fast path: true when the one granule at iova is now mapped to phys,
 * false when io_pgtable_batch_map must map it (or say why it cannot).
 * Changes nothing then.
 */
static inline bool io_pgtable_fill_put(struct io_pgtable_fill *f, uint64_t iova, uint64_t phys)
{
	const uint64_t off = iova - f->win;

	/* Outside the window, or an unaligned or too high address: the checked path. */
	if (off >= f->win_size || ((off | phys) & f->reject))
		return false;
	uint64_t *e = &f->tbl[(size_t)off >> f->shift];
	if (*e)
		return false;
	io_pgtable_batch_store(e, phys | f->leaf);
	f->added++;
	return true;
}

/* Maps the one granule at iova to phys: io_pgtable_batch_map(b, iova, phys, granule). */
static inline int io_pgtable_batch_put(struct io_pgtable_batch *b, uint64_t iova, uint64_t phys)
{
	if (io_pgtable_fill_put(&b->fill, iova, phys))
		return 0;
	return io_pgtable_batch_map(b, iova, phys, 1ull << b->fill.shift);
}

/* TG_OK when every granule of [iova, iova+size) is mapped, else TG_ENOENT
 * (TG_EINVAL/TG_ERANGE for a bad range); changes nothing. */
int io_pgtable_range_mapped(struct io_pgtable *pgt, uint64_t iova, uint64_t size);

void io_tlb_gather_init(struct io_tlb_gather *gather);
/*
 * Frees the tables detached by the unmaps gathered in `gather`, once
 * their invalidation has completed, and empties the gather.
 */
void io_pgtable_gather_release(struct io_pgtable *pgt, struct io_tlb_gather *gather);

/* The context-descriptor fields for this table (EPD1 = 1: no TTB1). */
void io_pgtable_cd_cfg(const struct io_pgtable *pgt, struct io_pgtable_cd_cfg *cd);

#endif
