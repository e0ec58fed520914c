/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stage-1 EL1 translation tables, VMSAv8-64 with a 4 KiB granule
 * (Arm ARM D8.2-D8.4).  The map is an identity map: RAM normal write-back,
 * MMIO device-nGnRE.  Blocks (1 GiB, 2 MiB) are used whenever size and
 * alignment allow; 4 KiB pages only at unaligned edges.
 *
 * arch_mmu_enable() may be called again with the MMU on (boot first maps
 * only the image and the DTB, then the full DT map).  Each call builds a
 * fresh table set tagged with a new ASID, every entry non-global, so the
 * old and new translations can never meet in the TLB.
 */
#include <stdbool.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/mmio.h>

/* Descriptor fields, Arm ARM D8.3. */
#define DESC_VALID		(1ull << 0)
#define DESC_TABLE		(1ull << 1)	/* levels 0-2: table; level 3: page */
#define DESC_ATTRIDX(n)		((uint64_t)(n) << 2)
#define DESC_SH_INNER		(3ull << 8)
#define DESC_AF			(1ull << 10)
#define DESC_NG			(1ull << 11)
#define DESC_PXN		(1ull << 53)
#define DESC_UXN		(1ull << 54)
#define DESC_ADDR_MASK		0x0000fffffffff000ull

/* MAIR_EL1 attribute indexes (D17.2.97). */
#define MAIR_IDX_DEVICE		0	/* Device-nGnRE */
#define MAIR_IDX_NORMAL		1	/* Normal, inner/outer write-back RW-allocate */
#define MAIR_IDX_NORMAL_NC	2	/* Normal, non-cacheable */
#define MAIR_VALUE		(0x04ull << 0 | 0xffull << 8 | 0x44ull << 16)

#define ATTR_NORMAL	(DESC_ATTRIDX(MAIR_IDX_NORMAL) | DESC_SH_INNER | DESC_AF | DESC_NG | DESC_UXN)
#define ATTR_DEVICE	(DESC_ATTRIDX(MAIR_IDX_DEVICE) | DESC_AF | DESC_NG | DESC_UXN | DESC_PXN)

/* TCR_EL1 (D17.2.131): 48-bit VA in TTBR0, walks cacheable inner-shareable. */
#define TCR_T0SZ(bits)		(64ull - (bits))
#define TCR_IRGN0_WBWA		(1ull << 8)
#define TCR_ORGN0_WBWA		(1ull << 10)
#define TCR_SH0_INNER		(3ull << 12)
#define TCR_TG0_4K		(0ull << 14)
#define TCR_EPD1		(1ull << 23)
#define TCR_IPS_SHIFT		32

#define SCTLR_M			(1ull << 0)
#define SCTLR_A			(1ull << 1)
#define SCTLR_C			(1ull << 2)
#define SCTLR_SA		(1ull << 3)
#define SCTLR_I			(1ull << 12)

#define VA_BITS			48
#define ENTRIES			512
#define PAGE_SIZE		4096ull
#define POOL_PAGES		96

static uint64_t pool[POOL_PAGES][ENTRIES]
	__attribute__((aligned(4096), section(".bss.pgtable")));
static unsigned int pool_used;
static uint64_t *root;		/* level-0 table in use */
static uint16_t asid;
static bool mmu_on;

static uint64_t *table_alloc(void)
{
	/* Pool pages are zero: bss was cleared and pages are used once. */
	if (pool_used >= POOL_PAGES)
		return NULL;
	return pool[pool_used++];
}

/* Gives back pages allocated since `mark`, zeroed again for reuse. */
static void pool_release(unsigned int mark)
{
	for (unsigned int p = mark; p < pool_used; p++) {
		volatile uint64_t *page = pool[p];
		for (unsigned i = 0; i < ENTRIES; i++)
			page[i] = 0;
	}
	pool_used = mark;
}

static unsigned level_shift(int level)
{
	return 39 - 9 * (unsigned)level;
}

static int map_level(uint64_t *table, int level, uint64_t va, uint64_t pa,
		     uint64_t size, uint64_t attrs)
{
	unsigned shift = level_shift(level);
	uint64_t span = 1ull << shift;

	while (size) {
		unsigned idx = (unsigned)(va >> shift) & (ENTRIES - 1);
		uint64_t chunk = span - (va & (span - 1));
		if (chunk > size)
			chunk = size;
		uint64_t old = table[idx];

		if (level == 3) {
			table[idx] = pa | attrs | DESC_VALID | DESC_TABLE;
		} else if (level >= 1 && chunk == span && !(pa & (span - 1)) &&
			   !((old & DESC_VALID) && (old & DESC_TABLE))) {
			table[idx] = pa | attrs | DESC_VALID;
		} else {
			uint64_t *next;
			if ((old & DESC_VALID) && (old & DESC_TABLE)) {
				next = (uint64_t *)(uintptr_t)(old & DESC_ADDR_MASK);
			} else {
				next = table_alloc();
				if (!next)
					return TG_ENOMEM;
				if (old & DESC_VALID) {
					/* Split a block so its other parts keep their mapping. */
					uint64_t sub = span / ENTRIES;
					uint64_t base = old & DESC_ADDR_MASK & ~(span - 1);
					uint64_t keep = old & ~DESC_ADDR_MASK & ~(DESC_VALID | DESC_TABLE);
					uint64_t type = level + 1 == 3 ? DESC_TABLE : 0;
					for (unsigned i = 0; i < ENTRIES; i++)
						next[i] = (base + i * sub) | keep | DESC_VALID | type;
				}
				table[idx] = (uint64_t)(uintptr_t)next | DESC_VALID | DESC_TABLE;
			}
			int err = map_level(next, level + 1, va, pa, chunk, attrs);
			if (err)
				return err;
		}
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return TG_OK;
}

static unsigned pa_bits(void)
{
	static const unsigned char bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	uint64_t mmfr0;

	__asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
	unsigned range = mmfr0 & 0xf;
	return range < sizeof(bits) ? bits[range] : 48;
}

static int map_region(uint64_t *top, uint64_t base, uint64_t size, uint64_t attrs)
{
	uint64_t start = base & ~(PAGE_SIZE - 1);
	uint64_t end = (base + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	unsigned bits = pa_bits() < VA_BITS ? pa_bits() : VA_BITS;

	if (end <= start || end > (1ull << bits))
		return TG_ERANGE;
	return map_level(top, 0, start, start, end - start, attrs);
}

int arch_mmu_enable(const struct tg_memmap *map)
{
	if (!map || map->count > TG_MEMMAP_MAX)
		return TG_EINVAL;

	unsigned int mark = pool_used;
	uint64_t *top = table_alloc();
	if (!top)
		return TG_ENOMEM;
	for (unsigned i = 0; i < map->count; i++) {
		const struct tg_mem_region *r = &map->region[i];
		int err = map_region(top, r->base, r->size,
				     r->type == TG_MEM_NORMAL ? ATTR_NORMAL : ATTR_DEVICE);
		if (err) {
			pool_release(mark);
			return err;
		}
	}

	asid = (uint16_t)(asid + 1) & 0xff;
	if (!asid)
		asid = 1;
	uint64_t ttbr = (uint64_t)(uintptr_t)top | (uint64_t)asid << 48;

	__asm__ volatile("dsb ishst" ::: "memory");
	if (!mmu_on) {
		uint64_t pa = pa_bits();
		uint64_t ips = pa >= 52 ? 6 : pa >= 48 ? 5 : pa >= 44 ? 4 : pa >= 42 ? 3 :
			       pa >= 40 ? 2 : pa >= 36 ? 1 : 0;
		uint64_t tcr = TCR_T0SZ(VA_BITS) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA |
			       TCR_SH0_INNER | TCR_TG0_4K | TCR_EPD1 | ips << TCR_IPS_SHIFT;

		/*
		 * The tables were written with the MMU (and so the D-cache) off:
		 * drop any stale lines covering them before walks may hit the cache.
		 */
		arch_dcache_inval_range((uintptr_t)pool, sizeof(pool));
		__asm__ volatile("msr mair_el1, %0" :: "r"(MAIR_VALUE));
		__asm__ volatile("msr tcr_el1, %0" :: "r"(tcr));
		__asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr));
		__asm__ volatile("tlbi vmalle1; dsb nsh; ic iallu; dsb nsh; isb" ::: "memory");

		uint64_t sctlr;
		__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
		sctlr |= SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA;
		sctlr &= ~SCTLR_A;	/* unaligned access allowed on normal memory */
		__asm__ volatile("msr sctlr_el1, %0; isb" :: "r"(sctlr) : "memory");
		mmu_on = true;
	} else {
		__asm__ volatile("msr ttbr0_el1, %0; isb" :: "r"(ttbr) : "memory");
		__asm__ volatile("tlbi vmalle1; dsb nsh; isb" ::: "memory");
	}
	root = top;
	return TG_OK;
}

/* Descriptor that maps va, or 0. */
static uint64_t lookup(uint64_t va)
{
	uint64_t *table = root;

	for (int level = 0; level <= 3; level++) {
		uint64_t d = table[(va >> level_shift(level)) & (ENTRIES - 1)];
		if (!(d & DESC_VALID))
			return 0;
		if (level == 3 || !(d & DESC_TABLE))
			return d;
		table = (uint64_t *)(uintptr_t)(d & DESC_ADDR_MASK);
	}
	return 0;
}

void *arch_map_device(uint64_t phys, size_t size)
{
	if (!size || phys + size < phys || phys + size > (1ull << VA_BITS))
		return NULL;
	if (!mmu_on)
		return (void *)(uintptr_t)phys;

	/* Already device-mapped (DT regions are): nothing to change. */
	bool mapped = true;
	for (uint64_t a = phys & ~(PAGE_SIZE - 1); a < phys + size; a += PAGE_SIZE) {
		uint64_t d = lookup(a);
		if (!d || ((d >> 2) & 7) != MAIR_IDX_DEVICE) {
			mapped = false;
			break;
		}
	}
	if (mapped)
		return (void *)(uintptr_t)phys;

	/*
	 * Only unmapped addresses may be added with the MMU on: turning a
	 * live block or normal mapping into device would need break-before-make.
	 */
	for (uint64_t a = phys & ~(PAGE_SIZE - 1); a < phys + size; a += PAGE_SIZE)
		if (lookup(a))
			return NULL;
	if (map_region(root, phys, size, ATTR_DEVICE))
		return NULL;
	__asm__ volatile("dsb ishst; isb" ::: "memory");
	return (void *)(uintptr_t)phys;
}

void *ioremap(uint64_t phys, size_t size)
{
	return arch_map_device(phys, size);
}
