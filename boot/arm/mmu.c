// SPDX-License-Identifier: BSD-3-Clause
/*
 * AArch32 MMU: LPAE long-descriptor translation tables.
 *
 * TTBR0 alone covers the whole 4 GiB virtual space (TTBCR.T0SZ = 0), so a
 * walk starts at level 1 with 4 entries of 1 GiB each.  Level-2 tables map
 * 2 MiB blocks and level-3 tables 4 KiB pages; a finer level is created
 * only where a region is not aligned to the coarser one.
 *
 * Memory map regions below 4 GiB are identity mapped: RAM as normal
 * write-back memory (inner shareable), everything else as Device-nGnRE,
 * execute-never.  Page 0 stays unmapped so NULL pointers fault.
 *
 * LPAE gives a 40-bit physical address but only 32 bits of virtual address,
 * so MMIO above 4 GiB (QEMU highmem: the ECAM at 0x40_1000_0000 and the
 * 64-bit PCI window at 0x80_0000_0000) cannot be identity mapped.
 * arch_map_device() maps such ranges on demand into a window of virtual
 * space that no memory map region uses: the highest run of completely free
 * 1 GiB slots (0x80000000-0xffffffff on QEMU virt with up to 1 GiB of RAM),
 * or failing that the largest free 2 MiB-aligned gap.
 *
 * arch_mmu_enable() runs twice during boot: over just the image, the DTB
 * and the early console, then over the DT's full map with the MMU already
 * on.  Each call builds a fresh table set whose entries are all non-global
 * and tagged with a new ASID, then switches TTBR0 (table and ASID in one
 * 64-bit write), so old and new translations never meet in the TLB.
 * Mappings arch_map_device() made meanwhile are carried over.
 *
 * Tables come from a static pool in .bss.pgtable, which head.S cleared.
 * Until the MMU is on, memory is strongly-ordered, so entries are written
 * one at a time with STRD (a single-copy-atomic 64-bit store on LPAE CPUs)
 * and never with memset.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/memmap.h>
#include <tollgate/mmio.h>

#include "arm.h"

#define SZ_4K		0x1000ull
#define SZ_2M		0x200000ull
#define SZ_1G		0x40000000ull
#define VA_TOP		0x100000000ull		/* 4 GiB */
#define PA_TOP		0x10000000000ull	/* LPAE: 40-bit PA */

/* Long-descriptor fields. */
#define PTE_VALID	(1ull << 0)
#define PTE_TABLE	(1ull << 1)	/* levels 1-2: table; level 3: page */
#define PTE_ATTRIDX(n)	((uint64_t)(n) << 2)
#define PTE_SH_INNER	(3ull << 8)
#define PTE_AF		(1ull << 10)
#define PTE_NG		(1ull << 11)	/* not global: tagged with the ASID */
#define PTE_PXN		(1ull << 53)
#define PTE_XN		(1ull << 54)
#define PTE_ADDR	0x000000fffffff000ull	/* output address, bits 39:12 */
#define PTE_TYPE_MASK	(PTE_VALID | PTE_TABLE)

/* MAIR0/MAIR1 attribute indices. */
#define MT_DEVICE_nGnRE	0	/* 0x04 */
#define MT_NORMAL	1	/* 0xff: write-back, read/write-allocate, inner+outer */
#define MT_NORMAL_NC	2	/* 0x44: non-cacheable (not used by the memmap) */
#define MAIR0_VALUE	(0x04u | (0xffu << 8) | (0x44u << 16))
#define MAIR1_VALUE	0u

/* AP[2:1] = 00: read/write at PL1, no access from PL0. */
#define PROT_NORMAL	(PTE_ATTRIDX(MT_NORMAL) | PTE_SH_INNER | PTE_AF | PTE_NG)
#define PROT_DEVICE	(PTE_ATTRIDX(MT_DEVICE_nGnRE) | PTE_AF | PTE_NG | PTE_PXN | PTE_XN)

#define PT_ENTRIES	512
#define PT_POOL_TABLES	32	/* 128 KiB; booting QEMU virt uses 11 */
#define PT_L1_TABLES	4	/* one per arch_mmu_enable() call */

static uint64_t pt_l1s[PT_L1_TABLES][4]
	__attribute__((aligned(32), section(".bss.pgtable")));
static uint64_t pt_pool[PT_POOL_TABLES][PT_ENTRIES]
	__attribute__((aligned(4096), section(".bss.pgtable")));
static unsigned int pt_used, pt_l1_used;
static uint64_t *pt_root;	/* level-1 table in TTBR0 */
static uint32_t pt_asid;
static bool mmu_on;
static bool walk_coherent;

/* The virtual window for MMIO that cannot be identity mapped. */
static uint64_t win_base, win_end, win_next;

/* What arch_map_device() added, to find again and to carry over. */
struct dev_map {
	uint64_t pa;
	uint64_t len;
	uint32_t va;
	bool windowed;		/* va is in the window, not pa itself */
};
#define DEV_MAPS_MAX 48
static struct dev_map dev_maps[DEV_MAPS_MAX];
static unsigned int dev_map_count;
static unsigned int pt_leaves_written;	/* tells whether pt_map changed anything */

extern char __image_start[], __image_end[];

/* --- descriptor access ----------------------------------------------------------- */

/* One STRD to a doubleword-aligned address: single-copy atomic with LPAE. */
static inline void pte_store(uint64_t *p, uint64_t v)
{
	__asm__ volatile("strd %1, %H1, [%0]" : : "r"(p), "r"(v) : "memory");
}

static inline uint64_t pte_load(const uint64_t *p)
{
	uint64_t v;

	__asm__ volatile("ldrd %0, %H0, [%1]" : "=&r"(v) : "r"(p) : "memory");
	return v;
}

/* Makes freshly written descriptors visible to the table walker. */
static void pt_sync(const void *p, size_t len)
{
	if (mmu_on && !walk_coherent)
		arch_dcache_clean_range((uintptr_t)p, len);
	else
		__asm__ volatile("dsb" : : : "memory");
}

static void tlb_flush_all(void)
{
	__asm__ volatile("dsb\n\t"
			 "mcr p15, 0, %0, c8, c7, 0\n\t"	/* TLBIALL */
			 "mcr p15, 0, %0, c7, c5, 6\n\t"	/* BPIALL */
			 "dsb\n\t"
			 "isb"
			 : : "r"(0) : "memory");
}

static uint64_t *pt_alloc(void)
{
	uint64_t *t;
	unsigned int i;

	if (pt_used >= PT_POOL_TABLES)
		return NULL;
	t = pt_pool[pt_used++];
	/* Already zero (.bss), but cheap to make sure; asm stores cannot be
	 * turned into a memset call. */
	for (i = 0; i < PT_ENTRIES; i++)
		pte_store(&t[i], 0);
	pt_sync(t, sizeof(pt_pool[0]));
	return t;
}

static inline unsigned int level_shift(unsigned int level)
{
	return 39 - 9 * level;	/* 30, 21, 12 */
}

/*
 * Maps [va, va + size) to pa with the given attributes.  va, pa and size
 * are multiples of 4 KiB and va + size <= 4 GiB.  Uses the largest block
 * that fits; ranges already mapped the same way are accepted as they are;
 * a conflicting mapping gives TG_EBUSY.
 */
static int pt_map(uint64_t *root, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
	while (size) {
		uint64_t *table = root;
		unsigned int level = 1;
		uint64_t chunk;

		for (;;) {
			unsigned int shift = level_shift(level);
			uint64_t blk = 1ull << shift;
			unsigned int idx = (unsigned int)(va >> shift) &
					   (level == 1 ? 3u : PT_ENTRIES - 1);
			uint64_t *e = &table[idx];
			uint64_t old = pte_load(e);
			bool leaf_ok = level == 3 ||
				       (((va | pa) & (blk - 1)) == 0 && size >= blk);
			uint64_t *next;

			if (leaf_ok && !(old & PTE_VALID)) {
				pte_store(e, pa | prot |
					     (level == 3 ? PTE_VALID | PTE_TABLE : PTE_VALID));
				pt_sync(e, sizeof(*e));
				pt_leaves_written++;
				chunk = blk;
				break;
			}
			if (level < 3 && (old & PTE_TYPE_MASK) == PTE_TYPE_MASK) {
				table = (uint64_t *)(uintptr_t)(old & PTE_ADDR);
				level++;
				continue;
			}
			if (old & PTE_VALID) {
				/* A block or page already covers va. */
				uint64_t off = va & (blk - 1);
				uint64_t base = old & PTE_ADDR & ~(blk - 1);

				if (base + off != pa || (old & ~PTE_ADDR & ~PTE_TYPE_MASK) != prot)
					return TG_EBUSY;
				chunk = blk - off;
				break;
			}
			next = pt_alloc();
			if (!next)
				return TG_ENOMEM;
			pte_store(e, (uint64_t)(uintptr_t)next | PTE_VALID | PTE_TABLE);
			pt_sync(e, sizeof(*e));
			table = next;
			level++;
		}
		if (chunk > size)
			chunk = size;
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return 0;
}

/* --- the high-MMIO window -------------------------------------------------------- */

static uint64_t round_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static bool overlaps(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo, uint64_t b_hi)
{
	return a_lo < b_hi && b_lo < a_hi;
}

/* Is any part of [lo, hi) (2 MiB granular) used by the map, the image or
 * the NULL guard? */
static bool va_used(const struct tg_memmap *map, uint64_t lo, uint64_t hi)
{
	unsigned int i;

	if (lo < SZ_2M)
		return true;
	if (overlaps(lo, hi, round_down((uintptr_t)__image_start, SZ_2M),
		     round_up((uintptr_t)__image_end, SZ_2M)))
		return true;
	for (i = 0; i < map->count; i++) {
		const struct tg_mem_region *r = &map->region[i];

		if (r->size == 0 || r->base >= VA_TOP)
			continue;
		if (overlaps(lo, hi, round_down(r->base, SZ_2M),
			     round_up(r->base + r->size, SZ_2M)))
			return true;
	}
	return false;
}

/*
 * The highest run of entirely free 1 GiB slots, or failing that the
 * largest free 2 MiB-aligned gap (the highest on a tie).  Empty if the
 * map leaves no 2 MiB of virtual space free.
 */
static void choose_window(const struct tg_memmap *map, uint64_t *base, uint64_t *end)
{
	uint64_t best_lo = 0, best_len = 0, run_lo = 0, a;
	int hi, lo;

	for (hi = 3; hi >= 0; hi--)
		if (!va_used(map, (uint64_t)hi * SZ_1G, (uint64_t)(hi + 1) * SZ_1G))
			break;
	if (hi >= 0) {
		lo = hi;
		while (lo > 0 && !va_used(map, (uint64_t)(lo - 1) * SZ_1G, (uint64_t)lo * SZ_1G))
			lo--;
		*base = (uint64_t)lo * SZ_1G;
		*end = (uint64_t)(hi + 1) * SZ_1G;
		return;
	}
	for (a = 0; a < VA_TOP; a += SZ_2M) {
		if (va_used(map, a, a + SZ_2M)) {
			run_lo = a + SZ_2M;
			continue;
		}
		if (a + SZ_2M - run_lo >= best_len) {
			best_lo = run_lo;
			best_len = a + SZ_2M - run_lo;
		}
	}
	*base = best_lo;
	*end = best_lo + best_len;
}

static void dev_map_record(uint64_t pa, uint64_t len, uint64_t va, bool windowed)
{
	if (dev_map_count < DEV_MAPS_MAX) {
		dev_maps[dev_map_count].pa = pa;
		dev_maps[dev_map_count].len = len;
		dev_maps[dev_map_count].va = (uint32_t)va;
		dev_maps[dev_map_count].windowed = windowed;
		dev_map_count++;
	}
}

/* Maps page-aligned [lo, hi) into the window; phys is inside it. */
static void *window_map(uint64_t lo, uint64_t hi, uint64_t phys)
{
	uint64_t len = hi - lo, align, va;
	unsigned int i;
	int rc;

	for (i = 0; i < dev_map_count; i++) {
		const struct dev_map *m = &dev_maps[i];

		if (m->windowed && lo >= m->pa && hi <= m->pa + m->len)
			return (void *)(uintptr_t)(m->va + (phys - m->pa));
	}
	if (win_end <= win_base)
		return NULL;
	/* Large ranges keep va == pa modulo 2 MiB so they can use blocks. */
	align = len >= SZ_2M ? SZ_2M : SZ_4K;
	va = win_next + ((lo - win_next) & (align - 1));
	if (va >= win_end || len > win_end - va)
		return NULL;
	rc = pt_map(pt_root, va, lo, len, PROT_DEVICE);
	win_next = va + len;	/* never hand out a partly mapped range again */
	tlb_flush_all();
	if (rc)
		return NULL;
	dev_map_record(lo, len, va, true);
	return (void *)(uintptr_t)(va + (phys - lo));
}

void *arch_map_device(uint64_t phys, size_t size)
{
	uint64_t end = phys + size, lo, hi;
	unsigned long flags;
	void *ret = NULL;

	if (size == 0 || end < phys || end > PA_TOP)
		return NULL;
	lo = round_down(phys, SZ_4K);
	hi = round_up(end, SZ_4K);
	if (!mmu_on)
		return hi <= VA_TOP ? (void *)(uintptr_t)phys : NULL;

	flags = arch_irq_save();
	if (hi <= VA_TOP && lo >= SZ_4K && !overlaps(lo, hi, win_base, win_end)) {
		/*
		 * Identity.  A no-op when the map already has the range as
		 * device memory; only unmapped pages are added (never a change
		 * of a live mapping), and RAM is refused.
		 */
		unsigned int written = pt_leaves_written;
		int rc = pt_map(pt_root, lo, lo, hi - lo, PROT_DEVICE);

		tlb_flush_all();
		if (rc == 0) {
			if (pt_leaves_written != written)
				dev_map_record(lo, hi - lo, lo, false);
			ret = (void *)(uintptr_t)phys;
		}
	} else {
		ret = window_map(lo, hi, phys);
	}
	arch_irq_restore(flags);
	return ret;
}

void *ioremap(uint64_t phys, size_t size)
{
	return arch_map_device(phys, size);
}

/* --- turning it on ---------------------------------------------------------------- */

static inline uint32_t read_sctlr(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(v));
	return v;
}

/* Invalidates (without cleaning) every data/unified cache up to the point
 * of coherency, by set/way.  Only valid while the D-cache is off. */
static void dcache_inval_all(void)
{
	uint32_t clidr, loc, level;

	__asm__ volatile("mrc p15, 1, %0, c0, c0, 1" : "=r"(clidr));	/* CLIDR */
	loc = (clidr >> 24) & 7;
	for (level = 0; level < loc; level++) {
		uint32_t ctype = (clidr >> (3 * level)) & 7;
		uint32_t ccsidr, line_shift, ways, sets, way_shift, way, set;

		if (ctype < 2)		/* no cache, or instruction only */
			continue;
		__asm__ volatile("mcr p15, 2, %0, c0, c0, 0\n\tisb"	/* CSSELR */
				 : : "r"(level << 1) : "memory");
		__asm__ volatile("mrc p15, 1, %0, c0, c0, 0" : "=r"(ccsidr));	/* CCSIDR */
		line_shift = (ccsidr & 7) + 4;
		ways = ((ccsidr >> 3) & 0x3ff) + 1;
		sets = ((ccsidr >> 13) & 0x7fff) + 1;
		way_shift = ways > 1 ? (uint32_t)__builtin_clz(ways - 1) : 0;
		for (way = 0; way < ways; way++)
			for (set = 0; set < sets; set++) {
				uint32_t sw = (way_shift ? way << way_shift : 0) |
					      (set << line_shift) | (level << 1);

				__asm__ volatile("mcr p15, 0, %0, c7, c6, 2"	/* DCISW */
						 : : "r"(sw) : "memory");
			}
	}
	__asm__ volatile("dsb" : : : "memory");
}

static void mmu_hw_enable(uint64_t ttbr0)
{
	uint32_t ttbcr = TTBCR_EAE | TTBCR_EPD1 | TTBCR_SH0_INNER |
			 TTBCR_ORGN0_WBWA | TTBCR_IRGN0_WBWA;	/* T0SZ = 0, A1 = 0 */
	uint32_t sctlr;

	/* Nothing stale may survive in the caches, TLBs or predictors. */
	dcache_inval_all();
	__asm__ volatile("mcr p15, 0, %0, c7, c5, 0\n\t"	/* ICIALLU */
			 "mcr p15, 0, %0, c7, c5, 6\n\t"	/* BPIALL */
			 "mcr p15, 0, %0, c8, c7, 0\n\t"	/* TLBIALL */
			 "dsb\n\t"
			 "isb"
			 : : "r"(0) : "memory");

	__asm__ volatile("mcr p15, 0, %0, c10, c2, 0" : : "r"(MAIR0_VALUE));
	__asm__ volatile("mcr p15, 0, %0, c10, c2, 1" : : "r"(MAIR1_VALUE));
	__asm__ volatile("mcr p15, 0, %0, c2, c0, 2\n\tisb" : : "r"(ttbcr) : "memory");
	__asm__ volatile("mcrr p15, 0, %0, %H0, c2" : : "r"(ttbr0));	/* TTBR0 */
	__asm__ volatile("mcrr p15, 1, %0, %H0, c2" : : "r"(0ull));	/* TTBR1 */
	__asm__ volatile("mcr p15, 0, %0, c3, c0, 0" : : "r"(0x55555555u)); /* DACR */
	tlb_flush_all();

	sctlr = read_sctlr();
	sctlr |= SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_Z;
	sctlr &= ~(uint32_t)(SCTLR_A | SCTLR_WXN | SCTLR_UWXN);
	__asm__ volatile("mcr p15, 0, %0, c1, c0, 0\n\t"
			 "isb\n\t"
			 "mcr p15, 0, %1, c7, c5, 6\n\t"		/* BPIALL */
			 "dsb\n\t"
			 "isb"
			 : : "r"(sctlr), "r"(0) : "memory");
}

/* MMU already on: move TTBR0 (table + new ASID in one write) to new tables. */
static void mmu_switch(uint64_t ttbr0)
{
	__asm__ volatile("dsb\n\t"
			 "mcrr p15, 0, %0, %H0, c2\n\t"
			 "isb"
			 : : "r"(ttbr0) : "memory");
	tlb_flush_all();	/* drop the old ASID's entries */
}

static int build_tables(uint64_t *root, const struct tg_memmap *map)
{
	uint64_t img_lo = round_down((uintptr_t)__image_start, SZ_4K);
	uint64_t img_hi = round_up((uintptr_t)__image_end, SZ_4K);
	unsigned int i;
	int rc;

	for (i = 0; i < map->count; i++) {
		const struct tg_mem_region *r = &map->region[i];
		uint64_t lo, hi;

		if (r->size == 0 || r->base >= VA_TOP)
			continue;	/* above 4 GiB: arch_map_device() on demand */
		lo = round_down(r->base, SZ_4K);
		hi = round_up(r->base + r->size, SZ_4K);
		if (hi > VA_TOP)
			hi = VA_TOP;
		if (lo < SZ_4K)
			lo = SZ_4K;	/* page 0 stays unmapped: NULL faults */
		if (lo >= hi)
			continue;
		rc = pt_map(root, lo, lo, hi - lo,
			    r->type == TG_MEM_NORMAL ? PROT_NORMAL : PROT_DEVICE);
		if (rc == TG_EBUSY) {
			pr_err("mmu: %s [0x%llx-0x%llx] overlaps a region of another type\n",
			       r->name ? r->name : "region", (unsigned long long)r->base,
			       (unsigned long long)(r->base + r->size - 1));
			return TG_EINVAL;
		}
		if (rc)
			return rc;
	}
	/* The running image, whatever the map says about RAM. */
	rc = pt_map(root, img_lo, img_lo, img_hi - img_lo, PROT_NORMAL);
	if (rc)
		return rc == TG_EBUSY ? TG_EINVAL : rc;
	/* Device mappings handed out so far stay valid. */
	for (i = 0; i < dev_map_count; i++) {
		rc = pt_map(root, dev_maps[i].va, dev_maps[i].pa, dev_maps[i].len, PROT_DEVICE);
		if (rc == TG_ENOMEM)
			return rc;
		if (rc)
			pr_warn("mmu: device mapping 0x%llx (+0x%llx) clashes with the new map\n",
				(unsigned long long)dev_maps[i].pa,
				(unsigned long long)dev_maps[i].len);
	}
	return 0;
}

int arch_mmu_enable(const struct tg_memmap *map)
{
	unsigned int i, mark = pt_used;
	uint64_t wbase, wend, *root;
	bool moved;
	int rc;

	if (!map || map->count > TG_MEMMAP_MAX)
		return TG_EINVAL;
	if (!mmu_on && (read_sctlr() & SCTLR_M))
		return TG_EBUSY;	/* someone else's MMU setup: do not touch */
	for (i = 0; i < map->count; i++) {
		const struct tg_mem_region *r = &map->region[i];

		if (r->size && (r->base + r->size < r->base || r->base + r->size > PA_TOP))
			return TG_ERANGE;
	}

	/* Keep the current window if windowed mappings exist and it is still
	 * free: their virtual addresses are in use. */
	choose_window(map, &wbase, &wend);
	if (win_next != win_base && !va_used(map, win_base, win_end)) {
		wbase = win_base;
		wend = win_end;
	}
	for (i = 0; i < dev_map_count; i++)
		if (dev_maps[i].windowed &&
		    (dev_maps[i].va < wbase || dev_maps[i].va + dev_maps[i].len > wend)) {
			pr_warn("mmu: MMIO window moved: mapping of 0x%llx dropped\n",
				(unsigned long long)dev_maps[i].pa);
			dev_maps[i] = dev_maps[--dev_map_count];
			i--;
		}

	if (pt_l1_used >= PT_L1_TABLES)
		return TG_ENOMEM;
	root = pt_l1s[pt_l1_used];
	for (i = 0; i < 4; i++)
		pte_store(&root[i], 0);
	rc = build_tables(root, map);
	if (rc) {
		pt_used = mark;		/* pt_alloc() zeroes tables it hands out */
		return rc;
	}
	pt_l1_used++;
	pt_sync(root, 4 * sizeof(*root));

	moved = wbase != win_base || wend != win_end;
	if (moved) {
		win_base = wbase;
		win_end = wend;
		win_next = wbase;
	}
	pt_asid = (pt_asid + 1) & 0xff;
	if (pt_asid == 0)
		pt_asid = 1;
	pt_root = root;
	if (mmu_on) {
		mmu_switch((uint64_t)(uintptr_t)root | (uint64_t)pt_asid << 48);
	} else {
		uint32_t mmfr3;

		__asm__ volatile("mrc p15, 0, %0, c0, c1, 7" : "=r"(mmfr3));	/* ID_MMFR3 */
		walk_coherent = ((mmfr3 >> 20) & 0xf) != 0;	/* CohWalk */
		mmu_hw_enable((uint64_t)(uintptr_t)root | (uint64_t)pt_asid << 48);
		mmu_on = true;
	}

	pr_debug("mmu: LPAE tables for %u regions, ASID %u, %u of %u tables used\n",
		 map->count, (unsigned int)pt_asid, pt_used, (unsigned int)PT_POOL_TABLES);
	if (moved && win_end > win_base)
		pr_debug("mmu: MMIO above 4 GiB is mapped on demand at 0x%08x-0x%08x\n",
			 (unsigned int)win_base, (unsigned int)(win_end - 1));
	else if (moved)
		pr_warn("mmu: no free virtual space left for MMIO above 4 GiB\n");
	return 0;
}
