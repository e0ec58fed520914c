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
#define PROT_NORMAL	(PTE_ATTRIDX(MT_NORMAL) | PTE_SH_INNER | PTE_AF)
#define PROT_DEVICE	(PTE_ATTRIDX(MT_DEVICE_nGnRE) | PTE_AF | PTE_PXN | PTE_XN)

#define PT_ENTRIES	512
#define PT_POOL_TABLES	32	/* 128 KiB; QEMU virt uses about 10 */

static uint64_t pt_l1[4]
	__attribute__((aligned(32), section(".bss.pgtable")));
static uint64_t pt_pool[PT_POOL_TABLES][PT_ENTRIES]
	__attribute__((aligned(4096), section(".bss.pgtable")));
static unsigned int pt_used;
static bool mmu_on;
static bool walk_coherent;

/* The virtual window for MMIO that cannot be identity mapped. */
static uint64_t win_base, win_end, win_next;

struct high_map {
	uint64_t pa;
	uint64_t len;
	uint32_t va;
};
#define HIGH_MAPS_MAX 32
static struct high_map high_maps[HIGH_MAPS_MAX];
static unsigned int high_map_count;

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
static int pt_map(uint64_t va, uint64_t pa, uint64_t size, uint64_t prot)
{
	while (size) {
		uint64_t *table = pt_l1;
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

static void choose_window(const struct tg_memmap *map)
{
	uint64_t best_lo = 0, best_len = 0, run_lo = 0, a;
	int hi, lo;

	win_base = win_end = win_next = 0;

	/* The highest run of entirely free 1 GiB slots. */
	for (hi = 3; hi >= 0; hi--)
		if (!va_used(map, (uint64_t)hi * SZ_1G, (uint64_t)(hi + 1) * SZ_1G))
			break;
	if (hi >= 0) {
		lo = hi;
		while (lo > 0 && !va_used(map, (uint64_t)(lo - 1) * SZ_1G, (uint64_t)lo * SZ_1G))
			lo--;
		win_base = (uint64_t)lo * SZ_1G;
		win_end = (uint64_t)(hi + 1) * SZ_1G;
		win_next = win_base;
		return;
	}

	/* Otherwise the largest free 2 MiB-aligned gap (the highest on a tie). */
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
	win_base = best_lo;
	win_end = best_lo + best_len;
	win_next = win_base;
}

/* Maps page-aligned [lo, hi) into the window; phys is inside it. */
static void *window_map(uint64_t lo, uint64_t hi, uint64_t phys)
{
	uint64_t len = hi - lo, align, va;
	unsigned int i;
	int rc;

	for (i = 0; i < high_map_count; i++) {
		const struct high_map *m = &high_maps[i];

		if (lo >= m->pa && hi <= m->pa + m->len)
			return (void *)(uintptr_t)(m->va + (phys - m->pa));
	}
	if (win_end <= win_base)
		return NULL;
	/* Large ranges keep va == pa modulo 2 MiB so they can use blocks. */
	align = len >= SZ_2M ? SZ_2M : SZ_4K;
	va = win_next + ((lo - win_next) & (align - 1));
	if (va >= win_end || len > win_end - va)
		return NULL;
	rc = pt_map(va, lo, len, PROT_DEVICE);
	win_next = va + len;	/* never hand out a partly mapped range again */
	tlb_flush_all();
	if (rc)
		return NULL;
	if (high_map_count < HIGH_MAPS_MAX) {
		high_maps[high_map_count].pa = lo;
		high_maps[high_map_count].len = len;
		high_maps[high_map_count].va = (uint32_t)va;
		high_map_count++;
	}
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
		/* Identity: a no-op when the memmap already has it as device. */
		int rc = pt_map(lo, lo, hi - lo, PROT_DEVICE);

		tlb_flush_all();
		if (rc == 0)
			ret = (void *)(uintptr_t)phys;
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

static void mmu_hw_enable(void)
{
	uint64_t ttbr0 = (uint64_t)(uintptr_t)pt_l1;	/* ASID 0 */
	uint32_t ttbcr = TTBCR_EAE | TTBCR_EPD1 | TTBCR_SH0_INNER |
			 TTBCR_ORGN0_WBWA | TTBCR_IRGN0_WBWA;	/* T0SZ = 0 */
	uint32_t mmfr3, sctlr;

	__asm__ volatile("mrc p15, 0, %0, c0, c1, 7" : "=r"(mmfr3));	/* ID_MMFR3 */
	walk_coherent = ((mmfr3 >> 20) & 0xf) != 0;		/* CohWalk */

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

int arch_mmu_enable(const struct tg_memmap *map)
{
	uint64_t img_lo = round_down((uintptr_t)__image_start, SZ_4K);
	uint64_t img_hi = round_up((uintptr_t)__image_end, SZ_4K);
	unsigned int i;
	int rc;

	if (!map || map->count > TG_MEMMAP_MAX)
		return TG_EINVAL;
	if (mmu_on || (read_sctlr() & SCTLR_M))
		return TG_EBUSY;
	for (i = 0; i < map->count; i++) {
		const struct tg_mem_region *r = &map->region[i];

		if (r->size && (r->base + r->size < r->base || r->base + r->size > PA_TOP))
			return TG_ERANGE;
	}

	choose_window(map);

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
		rc = pt_map(lo, lo, hi - lo,
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
	rc = pt_map(img_lo, img_lo, img_hi - img_lo, PROT_NORMAL);
	if (rc)
		return rc == TG_EBUSY ? TG_EINVAL : rc;

	mmu_hw_enable();
	mmu_on = true;

	if (win_end > win_base)
		pr_info("mmu: LPAE on, %u of %u tables used, MMIO above 4 GiB mapped at "
			"0x%08llx-0x%08llx\n", pt_used, (unsigned int)PT_POOL_TABLES,
			(unsigned long long)win_base, (unsigned long long)(win_end - 1));
	else
		pr_info("mmu: LPAE on, %u of %u tables used, no free virtual window for "
			"MMIO above 4 GiB\n", pt_used, (unsigned int)PT_POOL_TABLES);
	return 0;
}
