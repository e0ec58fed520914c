/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 stage 1 I/O page tables in the VMSAv8-64 format (Arm ARM DDI
 * 0487 D8; descriptor layout in io_pgtable_desc.h).
 *
 * Geometry (D8.2, the translation table walk).  With a granule of 2^G
 * bytes each table holds 2^(G-3) descriptors, so level L resolves IOVA
 * bits [G + (3-L)(G-3) + G-4 : G + (3-L)(G-3)] and level 3 maps pages.
 * An input size of `ias` bits needs ceil((ias - G) / (G - 3)) levels; the
 * walk starts at level 4 - levels with a root of 2^(ias - shift(start))
 * entries (at least 64 bytes: smaller tables must be 64-byte aligned).
 * Blocks exist at levels 1-2 with 4 KiB granules and at level 2 with 16
 * and 64 KiB granules (larger ones need FEAT_LPA/LPA2, not used here).
 *
 * Map and unmap run in two passes over the same ranges.  The first only
 * reads: it finds conflicts (TG_EBUSY for map, TG_ENOENT for unmap) and
 * counts the tables the second pass will need; those are then allocated
 * up front, so once the second pass starts nothing can fail and no undo
 * is ever needed.
 *
 * Ordering.  A new table is written completely, cleaned when the walk is
 * not coherent, then linked with one 64-bit store (after a DMB OSHST so a
 * coherent walker cannot see the link before the contents).  Splitting
 * a block replaces it by such a table, holding the rest of the block with
 * the same attributes, in one store rather than through an invalid entry
 * (strict break-before-make): DMA to the part that stays mapped never
 * faults.  Until the caller's invalidation of the gathered range (which
 * lies inside the block, so it removes the cached block entry) the SMMU
 * may hold both the old block and new page translations for the same
 * addresses, all with the same output and attributes.  SMMUv3.2's
 * SMMU_IDR3.BBML says whether the SMMU tolerates that; with BBML = 0 it
 * may report a TLB conflict (F_TLB_CONFLICT) for the block, so a caller
 * that cannot accept one must quiesce DMA to the block around the unmap.
 *
 * Every table below the root has its number of valid entries in its
 * parent's descriptor (bits the walker ignores: io_pgtable_desc.h), so
 * map and unmap keep it up to date and an unmap sees in O(1) that a
 * table became empty.  Each call adds up the change for one table and
 * stores the new count into the parent descriptor once, after it.  Such
 * a count-only store changes no bit the SMMU reads, so skipping its clean
 * would still translate correctly; it is cleaned anyway, with the other
 * descriptors of its table, so that memory always holds exactly what the
 * CPU wrote (a stale count in DRAM would be indistinguishable from a
 * missed clean to any checker).  That costs nothing when the walk is
 * coherent, and otherwise one more descriptor in the range a table's
 * changes are cleaned with (or one clean if nothing else changed there).
 *
 * Fast path.  Most DMA maps and unmaps cover a few pages inside one
 * last-level table that already exists.  The table last walked to is
 * remembered (with the descriptor that links it), so such a call checks
 * and writes its leaves and the parent's count and nothing else; the
 * cache is dropped whenever any table is detached.  Everything else (new
 * tables, blocks, splits, a table emptied) takes the two passes.
 *
 * Tables an unmap empties are detached from their parent and chained on
 * the gather through their first descriptor (a table address is 4 KiB
 * aligned, so the chain word still reads as an invalid descriptor to a
 * walker that has not yet been told); io_pgtable_gather_release() frees
 * them after the caller's invalidation.  Pre-allocated tables waiting for
 * the second pass are chained the same way (next pointer in word 0,
 * physical address in word 1) and zeroed again when taken.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/compiler.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>

#include "io_pgtable_desc.h"

#define LAST_LEVEL	3
#define MIN_IAS		25	/* T0SZ <= 39 (no FEAT_TTST; QEMU's limit too) */
#define MAX_IAS		48	/* T0SZ >= 16 */
#define MIN_OAS		32
#define MAX_OAS		48
#define MIN_TABLE	64
#define PROT_ALL	(IOMMU_READ | IOMMU_WRITE | IOMMU_MMIO | IOMMU_NOEXEC | IOMMU_CACHE_NC)

/* --- descriptor stores -------------------------------------------------------- */

/*
 * Every descriptor store is a single-copy-atomic 64-bit store, so the
 * walker never sees half a descriptor: io_pgtable_batch_store() in the
 * header (the batch fast path inlined into callers uses it too).
 */
static inline void desc_store(uint64_t *p, uint64_t v)
{
	io_pgtable_batch_store(p, v);
}

/* Orders a table's contents before the store that links it. */
static inline void publish_barrier(void)
{
#if defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("dmb oshst" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}

static void clean(const struct io_pgtable *pgt, const void *va, size_t len)
{
	if (pgt->mem.clean)
		pgt->mem.clean(pgt->mem.ctx, va, len);
}

/* --- geometry ------------------------------------------------------------------ */

static inline unsigned int granule(const struct io_pgtable *pgt)
{
	return pgt->cfg.granule_shift;
}

static inline unsigned int level_shift(const struct io_pgtable *pgt, unsigned int level)
{
	unsigned int g = granule(pgt);

	return g + (LAST_LEVEL - level) * (g - 3);
}

static inline size_t table_index(const struct io_pgtable *pgt, unsigned int level, uint64_t iova)
{
	uint64_t entries = level == pgt->start_level ? pgt->root_entries
						      : 1ull << (granule(pgt) - 3);

	return (size_t)((iova >> level_shift(pgt, level)) & (entries - 1));
}

static inline size_t table_entries(const struct io_pgtable *pgt, unsigned int level)
{
	return level == pgt->start_level ? pgt->root_entries : (size_t)1 << (granule(pgt) - 3);
}

static inline bool is_table(uint64_t d, unsigned int level)
{
	return level < LAST_LEVEL && (d & PTD_TYPE_MASK) == PTD_TYPE_TABLE_BITS;
}

static inline bool block_level(const struct io_pgtable *pgt, unsigned int level)
{
	return level < LAST_LEVEL && level >= (granule(pgt) == 12 ? 1u : 2u);
}

/* Whether [iova, iova+len) -> phys can be one leaf at `level`. */
static inline bool leaf_fits(const struct io_pgtable *pgt, unsigned int level, uint64_t iova,
			     uint64_t phys, uint64_t len)
{
	uint64_t span = 1ull << level_shift(pgt, level);

	if (level == LAST_LEVEL)
		return true;	/* every chunk at level 3 is one granule */
	return block_level(pgt, level) && len == span && !(iova & (span - 1)) &&
	       !(phys & (span - 1));
}

static inline uint64_t *table_va(const struct io_pgtable *pgt, uint64_t d)
{
	return pgt->mem.phys_to_virt(pgt->mem.ctx, d & ptd_oa_mask(granule(pgt)));
}

/* Bytes from iova to the end of its entry at `level`, capped at len. */
static inline uint64_t chunk_len(unsigned int shift, uint64_t iova, uint64_t len)
{
	uint64_t left = (1ull << shift) - (iova & ((1ull << shift) - 1));

	return left < len ? left : len;
}

/* --- table memory ------------------------------------------------------------- */

static uint64_t *table_alloc(struct io_pgtable *pgt, size_t size, uint64_t *phys)
{
	uint64_t *t = pgt->mem.alloc(pgt->mem.ctx, size, phys);

	if (!t)
		return NULL;
	/* The allocator's contract, checked: the walker needs both. */
	if ((*phys & (size - 1)) || ((uintptr_t)t & (size - 1)) ||
	    *phys > (1ull << pgt->cfg.oas) - size) {
		pgt->mem.free(pgt->mem.ctx, t, size);
		return NULL;
	}
	if (++pgt->stats.tables_in_use > pgt->stats.tables_max)
		pgt->stats.tables_max = pgt->stats.tables_in_use;
	return t;
}

static void table_free(struct io_pgtable *pgt, uint64_t *t, size_t size)
{
	pgt->mem.free(pgt->mem.ctx, t, size);
	pgt->stats.tables_in_use--;
}

/* Tables allocated before a second pass (word 0 next, word 1 phys). */
struct table_pool {
	uint64_t *head;
};

static void pool_put(struct table_pool *pool, uint64_t *t, uint64_t phys)
{
	t[0] = (uint64_t)(uintptr_t)pool->head;
	t[1] = phys;
	pool->head = t;
}

static uint64_t *pool_take(struct table_pool *pool, uint64_t *phys)
{
	uint64_t *t = pool->head;

	pool->head = (uint64_t *)(uintptr_t)t[0];
	*phys = t[1];
	t[0] = 0;
	t[1] = 0;
	return t;
}

static void pool_drain(struct io_pgtable *pgt, struct table_pool *pool)
{
	uint64_t phys;

	while (pool->head)
		table_free(pgt, pool_take(pool, &phys), (size_t)1 << granule(pgt));
}

static int pool_fill(struct io_pgtable *pgt, struct table_pool *pool, size_t n)
{
	size_t size = (size_t)1 << granule(pgt);

	pool->head = NULL;
	while (n--) {
		uint64_t phys;
		uint64_t *t = table_alloc(pgt, size, &phys);

		if (!t) {
			pool_drain(pgt, pool);
			return TG_ENOMEM;
		}
		pool_put(pool, t, phys);
	}
	return TG_OK;
}

/* --- init / destroy ----------------------------------------------------------- */

int io_pgtable_init(struct io_pgtable *pgt, const struct io_pgtable_cfg *cfg,
		    const struct io_pgtable_mem *mem)
{
	struct io_pgtable p = { 0 };

	if (!pgt || !mem || !mem->alloc || !mem->free || !mem->phys_to_virt)
		return TG_EINVAL;
	if (cfg)
		p.cfg = *cfg;
	if (!p.cfg.granule_shift)
		p.cfg.granule_shift = 12;
	if (!p.cfg.ias)
		p.cfg.ias = MAX_IAS;
	if (!p.cfg.oas)
		p.cfg.oas = MAX_OAS;
	if ((p.cfg.granule_shift != 12 && p.cfg.granule_shift != 14 &&
	     p.cfg.granule_shift != 16) ||
	    p.cfg.ias < MIN_IAS || p.cfg.ias > MAX_IAS ||
	    p.cfg.oas < MIN_OAS || p.cfg.oas > MAX_OAS)
		return TG_EINVAL;
	p.mem = *mem;

	unsigned int g = p.cfg.granule_shift;
	p.levels = (p.cfg.ias - g + (g - 3) - 1) / (g - 3);
	p.start_level = LAST_LEVEL + 1 - p.levels;
	p.root_entries = 1u << (p.cfg.ias - level_shift(&p, p.start_level));
	p.root_size = (size_t)p.root_entries * sizeof(uint64_t);
	if (p.root_size < MIN_TABLE)
		p.root_size = MIN_TABLE;

	p.leaf_span_shift = level_shift(&p, LAST_LEVEL - 1);
	p.ias_top = 1ull << p.cfg.ias;
	p.oas_top = 1ull << p.cfg.oas;
	p.last_prot = IOMMU_READ;
	p.last_attrs = ptd_prot_attrs(IOMMU_READ);
	p.root = table_alloc(&p, p.root_size, &p.root_phys);
	if (!p.root)
		return TG_ENOMEM;
	clean(&p, p.root, p.root_size);
	*pgt = p;
	return TG_OK;
}

static void free_subtree(struct io_pgtable *pgt, uint64_t *tbl, unsigned int level)
{
	size_t n = table_entries(pgt, level);

	if (level == LAST_LEVEL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!is_table(tbl[i], level))
			continue;
		uint64_t *child = table_va(pgt, tbl[i]);
		free_subtree(pgt, child, level + 1);
		table_free(pgt, child, (size_t)1 << granule(pgt));
	}
}

void io_pgtable_destroy(struct io_pgtable *pgt)
{
	if (!pgt || !pgt->root)
		return;
	free_subtree(pgt, pgt->root, pgt->start_level);
	table_free(pgt, pgt->root, pgt->root_size);
	pgt->leaf_key = 0;
	pgt->root = NULL;
	pgt->root_phys = 0;
}

/* --- argument checks -------------------------------------------------------------- */

static int check_range(const struct io_pgtable *pgt, uint64_t iova, uint64_t size)
{
	uint64_t top = pgt->ias_top;

	if (!size || ((iova | size) & ((1ull << granule(pgt)) - 1)))
		return TG_EINVAL;
	if (iova >= top || size > top - iova)
		return TG_ERANGE;
	return TG_OK;
}

static bool prot_valid(unsigned int prot)
{
	return !(prot & ~PROT_ALL) && (prot & (IOMMU_READ | IOMMU_WRITE)) &&
	       (prot & (IOMMU_MMIO | IOMMU_CACHE_NC)) != (IOMMU_MMIO | IOMMU_CACHE_NC);
}

/* --- the fast path ------------------------------------------------------------ */

/* Walks to the last-level table holding iova and remembers it; NULL if none. */
static TG_COLD uint64_t *leaf_table_walk(struct io_pgtable *pgt, uint64_t iova)
{
	if (pgt->start_level == LAST_LEVEL)
		return NULL;	/* the root is the only table */
	uint64_t *tbl = pgt->root, *pd = NULL;
	for (unsigned int level = pgt->start_level; level < LAST_LEVEL; level++) {
		pd = &tbl[table_index(pgt, level, iova)];
		if (!is_table(*pd, level))
			return NULL;
		tbl = table_va(pgt, *pd);
	}
	pgt->leaf_key = (iova >> pgt->leaf_span_shift) + 1;
	pgt->leaf_tbl = tbl;
	pgt->leaf_parent = pd;
	return tbl;
}

/* The existing last-level table holding iova (its parent descriptor in
 * pgt->leaf_parent), or NULL. */
static inline uint64_t *leaf_table(struct io_pgtable *pgt, uint64_t iova)
{
	if ((iova >> pgt->leaf_span_shift) + 1 == pgt->leaf_key)
		return pgt->leaf_tbl;
	return leaf_table_walk(pgt, iova);
}

/*
 * The leaf entries of [iova, iova+size) when they all sit in one existing
 * last-level table and do not cover all of it (a whole table's span may
 * become a block, or free the table: the two passes handle that).
 */
static inline uint64_t *fast_target(struct io_pgtable *pgt, uint64_t iova, uint64_t size,
				    uint64_t **parent)
{
	unsigned int span = pgt->leaf_span_shift;

	if (((iova ^ (iova + size - 1)) >> span) || size == 1ull << span)
		return NULL;
	uint64_t *t = leaf_table(pgt, iova);
	if (!t)
		return NULL;
	*parent = pgt->leaf_parent;
	return t + ((iova >> granule(pgt)) & ((1ull << (granule(pgt) - 3)) - 1));
}

/* A parent descriptor's count moved by delta (4 KiB tables never carry into the high bits). */
static inline uint64_t count_add(uint64_t d, int delta)
{
	unsigned int lo = (unsigned int)((d & PTD_TCOUNT_LO_MASK) >> PTD_TCOUNT_LO_SHIFT);

	if (lo + delta < (1u << PTD_TCOUNT_LO_BITS))
		return d + ((uint64_t)(int64_t)delta << PTD_TCOUNT_LO_SHIFT);
	return ptd_table_set_count(d, ptd_table_count(d) + delta);
}

/* A non-coherent walker reads n changed leaves at e and their parent's count from memory. */
static TG_COLD void clean_leaves(const struct io_pgtable *pgt, const uint64_t *e, size_t n,
				 const uint64_t *pd)
{
	clean(pgt, e, n * sizeof(uint64_t));
	clean(pgt, pd, sizeof(uint64_t));
}

/*
 * Writes n leaves at e (all invalid, or TG_EBUSY) in the last-level table
 * its parent descriptor pd links, and adds them to pd's count.
 */
static TG_HOT_INLINE int map_leaves(struct io_pgtable *pgt, uint64_t *e, uint64_t *pd,
				    uint64_t phys, size_t n, uint64_t attrs)
{
	unsigned int g = granule(pgt);

	for (size_t k = 0; k < n; k++)
		if (e[k] & PTD_VALID)
			return TG_EBUSY;
	/* phys is granule-aligned below 2^oas and attrs come from ptd_prot_attrs:
	 * ptd_leaf()'s masks would change nothing. */
	uint64_t leaf = phys | attrs | PTD_TYPE_PAGE_BITS;
	for (size_t k = 0; k < n; k++, leaf += 1ull << g)
		desc_store(&e[k], leaf);
	desc_store(pd, count_add(*pd, (int)n));
	if (pgt->mem.clean)
		clean_leaves(pgt, e, n, pd);
	pgt->stats.maps++;
	return TG_OK;
}

/* 1: mapped; 0: needs the two passes; TG_EBUSY: something there already. */
static inline int map_fast(struct io_pgtable *pgt, uint64_t iova, uint64_t phys, uint64_t size,
			   uint64_t attrs)
{
	uint64_t *pd;
	uint64_t *e = fast_target(pgt, iova, size, &pd);

	if (!e)
		return 0;
	int rc = map_leaves(pgt, e, pd, phys, (size_t)(size >> granule(pgt)), attrs);
	return rc ? rc : 1;
}

/* Whether iova lies in the remembered last-level table: then it is in range. */
static inline bool in_cached_table(const struct io_pgtable *pgt, uint64_t iova)
{
	return (iova >> pgt->leaf_span_shift) + 1 == pgt->leaf_key;
}

/* --- map ------------------------------------------------------------------------ */

/*
 * One pass of a map over [iova, iova+size) in tbl at `level`, both passes
 * in one walker.  The first (pool NULL) only reads: TG_EBUSY if anything
 * in the range is mapped, and *need counts the tables the second pass
 * will create (tbl NULL stands for a table that does not exist yet).  The
 * second writes the leaves and links new tables from the pool; `fresh`
 * tables are not visible yet, their parent cleans them whole.  Returns
 * how many entries of tbl the second pass made valid (0 for the first),
 * or TG_EBUSY.
 */
struct map_pass {
	struct table_pool *pool;	/* NULL: the first pass */
	uint64_t attrs;
	size_t need;
};

static int map_level(struct io_pgtable *pgt, uint64_t *tbl, unsigned int level, uint64_t iova,
		     uint64_t phys, uint64_t size, struct map_pass *p, bool fresh)
{
	const unsigned int shift = level_shift(pgt, level);
	size_t first = SIZE_MAX, last = 0;
	int added = 0, n;

	while (size) {
		uint64_t len = chunk_len(shift, iova, size);
		size_t i = table_index(pgt, level, iova);
		uint64_t d = tbl ? tbl[i] : 0;

		if (d & PTD_VALID) {
			if (!is_table(d, level))
				return TG_EBUSY;	/* first pass only: the second finds none */
			n = map_level(pgt, table_va(pgt, d), level + 1, iova, phys, len, p, false);
			if (n <= 0) {
				if (n < 0)
					return n;
				goto next;
			}
			/* Count only: the address and type stay. */
			d = ptd_table_set_count(d, ptd_table_count(d) + (unsigned int)n);
		} else if (leaf_fits(pgt, level, iova, phys, len)) {
			d = ptd_leaf(phys, shift, p->attrs, level == LAST_LEVEL);
			added++;
		} else if (!p->pool) {
			p->need++;
			if (level + 1 < LAST_LEVEL)
				map_level(pgt, NULL, level + 1, iova, phys, len, p, true);
			goto next;
		} else {
			uint64_t tphys;
			uint64_t *t = pool_take(p->pool, &tphys);

			n = map_level(pgt, t, level + 1, iova, phys, len, p, true);
			clean(pgt, t, (size_t)1 << granule(pgt));
			publish_barrier();
			d = ptd_table(tphys, granule(pgt), (unsigned int)n);
			added++;
		}
		if (p->pool) {
			desc_store(&tbl[i], d);
			if (i < first)
				first = i;
			last = i;
		}
next:
		iova += len;
		phys += len;
		size -= len;
	}
	if (!p->pool)
		return 0;
	if (!fresh && first <= last)
		clean(pgt, &tbl[first], (last - first + 1) * sizeof(uint64_t));
	return added;
}

/* The two passes (see the top of the file). */
static TG_COLD int map_slow(struct io_pgtable *pgt, uint64_t iova, uint64_t phys, uint64_t size,
			    uint64_t attrs)
{
	struct table_pool pool;
	struct map_pass p = { .attrs = attrs };
	int rc = map_level(pgt, pgt->root, pgt->start_level, iova, phys, size, &p, false);

	if (rc)
		return rc;
	rc = pool_fill(pgt, &pool, p.need);
	if (rc)
		return rc;
	p.pool = &pool;
	map_level(pgt, pgt->root, pgt->start_level, iova, phys, size, &p, false);
	pool_drain(pgt, &pool);		/* empty unless the passes disagree */
	pgt->stats.maps++;
	return TG_OK;
}

/* Everything but the one-granule fast case: a call of its own, so that
 * case needs no stack frame. */
static TG_COLD int map_checked(struct io_pgtable *pgt, uint64_t iova, uint64_t phys, uint64_t size,
			       unsigned int prot)
{
	if (!pgt || !pgt->root || !prot_valid(prot) || !size ||
	    ((iova | phys | size) & ((1ull << granule(pgt)) - 1)))
		return TG_EINVAL;
	if (iova >= pgt->ias_top || size > pgt->ias_top - iova || phys >= pgt->oas_top ||
	    size > pgt->oas_top - phys)
		return TG_ERANGE;
	if (prot != pgt->last_prot) {
		pgt->last_prot = prot;
		pgt->last_attrs = ptd_prot_attrs(prot);
	}
	int rc = map_fast(pgt, iova, phys, size, pgt->last_attrs);
	if (!rc)
		return map_slow(pgt, iova, phys, size, pgt->last_attrs);
	return rc > 0 ? TG_OK : rc;
}

int io_pgtable_map(struct io_pgtable *pgt, uint64_t iova, uint64_t phys, uint64_t size,
		   unsigned int prot)
{
	/* The streaming-DMA case first, checked by what was checked before: one
	 * granule with the prot validated last time, into the table walked to
	 * last (so iova is in range). */
	if (pgt && prot == pgt->last_prot && in_cached_table(pgt, iova)) {
		unsigned int g = granule(pgt);
		if (size == 1ull << g && !((iova | phys) & (size - 1)) && phys < pgt->oas_top)
			return map_leaves(pgt, &pgt->leaf_tbl[(iova >> g) & ((1u << (g - 3)) - 1)],
					  pgt->leaf_parent, phys, 1, pgt->last_attrs);
	}
	return map_checked(pgt, iova, phys, size, prot);
}

/* --- batched map ------------------------------------------------------------------ */

int io_pgtable_batch_start(struct io_pgtable *pgt, unsigned int prot, struct io_pgtable_batch *b)
{
	if (!pgt || !pgt->root || !b || !prot_valid(prot))
		return TG_EINVAL;
	unsigned int g = granule(pgt);
	*b = (struct io_pgtable_batch){
		.fill = { .shift = g, .reject = ((1ull << g) - 1) | ~(pgt->oas_top - 1) },
		.pgt = pgt, .attrs = ptd_prot_attrs(prot),
	};
	b->fill.leaf = ptd_leaf(0, g, b->attrs, 1);
	return TG_OK;
}

/* Stores the current table's count and cleans what the batch wrote there. */
static void batch_flush(struct io_pgtable_batch *b)
{
	struct io_pgtable *pgt = b->pgt;

	if (b->fill.added) {
		desc_store(b->pd, count_add(*b->pd, (int)b->fill.added));
		if (pgt->mem.clean) {
			clean(pgt, &b->fill.tbl[b->lo], (b->hi - b->lo) * sizeof(uint64_t));
			clean(pgt, b->pd, sizeof(uint64_t));
		}
		pgt->stats.maps++;
	}
	b->fill.added = 0;
	b->key = 0;
	b->fill.win_size = 0;
}

/* Makes t (holding iova) the current table; put may fill it unless it needs cleaning. */
static void batch_enter(struct io_pgtable_batch *b, uint64_t *t, uint64_t iova)
{
	struct io_pgtable *pgt = b->pgt;
	unsigned int span = pgt->leaf_span_shift;

	b->key = (iova >> span) + 1;
	b->fill.tbl = t;
	b->pd = pgt->leaf_parent;
	b->lo = SIZE_MAX;
	b->hi = 0;
	b->fill.win = iova & ~((1ull << span) - 1);
	b->fill.win_size = pgt->mem.clean ? 0 : 1ull << span;
}

int io_pgtable_batch_map(struct io_pgtable_batch *b, uint64_t iova, uint64_t phys, uint64_t size)
{
	if (!b || !b->pgt)
		return TG_EINVAL;
	struct io_pgtable *pgt = b->pgt;
	unsigned int g = granule(pgt), span = pgt->leaf_span_shift;

	if (!size || ((iova | phys | size) & ((1ull << g) - 1)))
		return TG_EINVAL;
	if (iova >= pgt->ias_top || size > pgt->ias_top - iova || phys >= pgt->oas_top ||
	    size > pgt->oas_top - phys)
		return TG_ERANGE;
	while (size) {
		uint64_t key = (iova >> span) + 1;
		uint64_t chunk = chunk_len(span, iova, size);

		if (key != b->key) {
			batch_flush(b);
			uint64_t *t = chunk == 1ull << span ? NULL : leaf_table(pgt, iova);
			if (!t) {
				/* No table yet, or a whole table's span: the two passes. */
				int rc = map_slow(pgt, iova, phys, chunk, b->attrs);
				if (rc)
					return rc;
				/* The table it made: the next pages there take the fast path. */
				if (chunk != 1ull << span && (t = leaf_table(pgt, iova)))
					batch_enter(b, t, iova);
				goto next;
			}
			batch_enter(b, t, iova);
		}
		size_t i = (size_t)(iova >> g) & (((size_t)1 << (g - 3)) - 1);
		size_t n = (size_t)(chunk >> g);
		uint64_t *e = &b->fill.tbl[i];
		for (size_t k = 0; k < n; k++)
			if (e[k] & PTD_VALID)
				return TG_EBUSY;
		uint64_t leaf = ptd_leaf(phys, g, b->attrs, 1);
		for (size_t k = 0; k < n; k++, leaf += 1ull << g)
			desc_store(&e[k], leaf);
		b->fill.added += (unsigned int)n;
		if (i < b->lo)
			b->lo = i;
		if (i + n > b->hi)
			b->hi = i + n;
next:
		iova += chunk;
		phys += chunk;
		size -= chunk;
	}
	return TG_OK;
}

void io_pgtable_batch_seek(struct io_pgtable_batch *b, uint64_t iova)
{
	if (!b || !b->pgt || iova >= b->pgt->ias_top)
		return;
	struct io_pgtable *pgt = b->pgt;
	if ((iova >> pgt->leaf_span_shift) + 1 == b->key)
		return;
	batch_flush(b);
	uint64_t *t = leaf_table(pgt, iova);
	if (t)
		batch_enter(b, t, iova);
}

void io_pgtable_batch_finish(struct io_pgtable_batch *b)
{
	if (b && b->pgt)
		batch_flush(b);
}

int io_pgtable_batch_set_prot(struct io_pgtable_batch *b, unsigned int prot)
{
	if (!b || !b->pgt || !prot_valid(prot))
		return TG_EINVAL;
	b->attrs = ptd_prot_attrs(prot);
	b->fill.leaf = ptd_leaf(0, b->fill.shift, b->attrs, 1);
	return TG_OK;
}


/* --- unmap ------------------------------------------------------------------------ */

static void gather_leaf(struct io_tlb_gather *g, unsigned int shift)
{
	if (shift < g->min_level_size_shift)
		g->min_level_size_shift = shift;
	if (shift > g->max_level_size_shift)
		g->max_level_size_shift = shift;
}

/*
 * One pass of an unmap over [iova, iova+size) in tbl at `level`, both
 * passes in one walker.  The first (pool NULL) only reads: TG_ENOENT
 * unless all of the range is mapped, and *need counts the tables that
 * splitting blocks will take (tbl NULL stands for a block being split:
 * every entry a leaf).  The second clears leaves, splits blocks, detaches
 * emptied tables onto the gather; `fresh` tables are not visible yet.
 * Returns how many entries of tbl the second pass made invalid (0 for
 * the first), or TG_ENOENT.
 */
struct unmap_pass {
	struct table_pool *pool;	/* NULL: the first pass */
	struct io_tlb_gather *g;
	size_t need;
};

static int unmap_level(struct io_pgtable *pgt, uint64_t *tbl, unsigned int level, uint64_t iova,
		       uint64_t size, struct unmap_pass *p, bool fresh)
{
	const unsigned int shift = level_shift(pgt, level);
	size_t first = SIZE_MAX, last = 0;
	int removed = 0, n;

	if (!p->pool && level == LAST_LEVEL) {
		/* Pages: a split block's are all there; a table's, checked in a tight loop. */
		const uint64_t *e = tbl ? &tbl[table_index(pgt, level, iova)] : NULL;
		for (size_t k = 0; e && k < (size_t)(size >> granule(pgt)); k++)
			if (!(e[k] & PTD_VALID))
				return TG_ENOENT;
		return 0;
	}
	while (size) {
		uint64_t len = chunk_len(shift, iova, size);
		size_t i = table_index(pgt, level, iova);
		uint64_t d = tbl ? tbl[i] : PTD_TYPE_BLOCK_BITS;

		if (!(d & PTD_VALID))
			return TG_ENOENT;	/* first pass only: the second finds none */
		if (is_table(d, level)) {
			uint64_t *child = table_va(pgt, d);
			n = unmap_level(pgt, child, level + 1, iova, len, p, false);
			if (n <= 0) {
				if (n < 0)
					return n;
				goto next;
			}
			unsigned int left = ptd_table_count(d) - (unsigned int)n;
			if (left || (pgt->cfg.keep_leaf_tables && level + 1 == LAST_LEVEL)) {
				/* Count only: the address and type stay. */
				d = ptd_table_set_count(d, left);
			} else {
				d = 0;
				removed++;
				/* Chained through word 0; still all-invalid to a walker. */
				desc_store(&child[0], (uint64_t)(uintptr_t)p->g->freelist);
				p->g->freelist = child;
				pgt->leaf_key = 0;
				p->g->tables_freed++;
			}
		} else if (!p->pool) {
			if (len != 1ull << shift) {
				p->need++;
				unmap_level(pgt, NULL, level + 1, iova, len, p, true);
			}
			goto next;
		} else if (len == 1ull << shift) {
			d = 0;
			removed++;
			p->g->pages++;
			gather_leaf(p->g, shift);
		} else {
			/* Split: the block's translation, one level down. */
			unsigned int cshift = shift - (granule(pgt) - 3);
			size_t entries = (size_t)1 << (granule(pgt) - 3);
			uint64_t oa = d & ptd_oa_mask(shift), tphys;
			uint64_t *t = pool_take(p->pool, &tphys);

			for (size_t j = 0; j < entries; j++)
				desc_store(&t[j], ptd_leaf(oa + ((uint64_t)j << cshift), cshift, d,
							   level + 1 == LAST_LEVEL));
			gather_leaf(p->g, shift);
			/* Never empties t: len is less than the block. */
			n = unmap_level(pgt, t, level + 1, iova, len, p, true);
			clean(pgt, t, (size_t)1 << granule(pgt));
			publish_barrier();
			d = ptd_table(tphys, granule(pgt), (unsigned int)(entries - (size_t)n));
		}
		desc_store(&tbl[i], d);
		if (i < first)
			first = i;
		last = i;
next:
		iova += len;
		size -= len;
	}
	if (p->pool && !fresh && first <= last)
		clean(pgt, &tbl[first], (last - first + 1) * sizeof(uint64_t));
	return removed;
}

int io_pgtable_range_mapped(struct io_pgtable *pgt, uint64_t iova, uint64_t size)
{
	if (!pgt || !pgt->root)
		return TG_EINVAL;
	int rc = check_range(pgt, iova, size);
	if (rc)
		return rc;
	/* Inside one existing last-level table (the usual list segment): its entries. */
	uint64_t *pd;
	const uint64_t *e = fast_target(pgt, iova, size, &pd);
	if (e) {
		for (size_t k = 0; k < (size_t)(size >> granule(pgt)); k++)
			if (!(e[k] & PTD_VALID))
				return TG_ENOENT;
		return TG_OK;
	}
	struct unmap_pass first = { 0 };	/* else an unmap's first pass, its verdict only */
	return unmap_level(pgt, pgt->root, pgt->start_level, iova, size, &first, false);
}


static void gather_range(struct io_tlb_gather *gather, uint64_t iova, uint64_t size)
{
	if (gather->empty) {
		gather->start = iova;
		gather->end = iova + size;
		gather->min_level_size_shift = 64;
		gather->max_level_size_shift = 0;
		gather->empty = false;
	} else {
		if (iova < gather->start)
			gather->start = iova;
		if (iova + size > gather->end)
			gather->end = iova + size;
	}
}

/*
 * Clears n leaves at e (all valid, or TG_ENOENT) in the last-level table
 * pd links, which keeps at least one or stays anyway (else 0: detaching
 * it is the two passes' job); 1 when done.
 */
static TG_HOT_INLINE int unmap_leaves(struct io_pgtable *pgt, uint64_t *e, uint64_t *pd, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!(e[k] & PTD_VALID))
			return TG_ENOENT;
	if (!pgt->cfg.keep_leaf_tables && ptd_table_count(*pd) == n)
		return 0;
	for (size_t k = 0; k < n; k++)
		desc_store(&e[k], 0);
	desc_store(pd, count_add(*pd, -(int)n));
	if (pgt->mem.clean)
		clean_leaves(pgt, e, n, pd);
	pgt->stats.unmaps++;
	return 1;
}

static void gather_leaves(struct io_tlb_gather *gather, uint64_t iova, size_t n, unsigned int g)
{
	gather_range(gather, iova, (uint64_t)n << g);
	gather->pages += n;
	gather_leaf(gather, g);
}

/* 1: unmapped; 0: needs the two passes; TG_ENOENT: a page is not mapped. */
static inline int unmap_fast(struct io_pgtable *pgt, uint64_t iova, uint64_t size,
			     struct io_tlb_gather *gather)
{
	uint64_t *pd;
	uint64_t *e = fast_target(pgt, iova, size, &pd);
	size_t n = (size_t)(size >> granule(pgt));
	int rc = e ? unmap_leaves(pgt, e, pd, n) : 0;

	if (rc > 0)
		gather_leaves(gather, iova, n, granule(pgt));
	return rc;
}

int io_pgtable_unmap_page(struct io_pgtable *pgt, uint64_t iova)
{
	/* In the remembered table means in range. */
	if (!pgt || !in_cached_table(pgt, iova))
		return 0;
	unsigned int g = granule(pgt);
	if (iova & ((1ull << g) - 1))
		return 0;
	return unmap_leaves(pgt, &pgt->leaf_tbl[(iova >> g) & ((1u << (g - 3)) - 1)],
			    pgt->leaf_parent, 1);
}

static TG_COLD int64_t unmap_slow(struct io_pgtable *pgt, uint64_t iova, uint64_t size,
				  struct io_tlb_gather *gather)
{
	struct table_pool pool;
	struct unmap_pass p = { .g = gather };
	int rc = unmap_level(pgt, pgt->root, pgt->start_level, iova, size, &p, false);

	if (rc)
		return rc;
	rc = pool_fill(pgt, &pool, p.need);
	if (rc)
		return rc;
	gather_range(gather, iova, size);
	p.pool = &pool;
	unmap_level(pgt, pgt->root, pgt->start_level, iova, size, &p, false);
	pool_drain(pgt, &pool);
	pgt->stats.unmaps++;
	return (int64_t)size;
}

int64_t io_pgtable_unmap(struct io_pgtable *pgt, uint64_t iova, uint64_t size,
			 struct io_tlb_gather *gather)
{
	if (!pgt || !pgt->root || !gather)
		return TG_EINVAL;
	int rc = check_range(pgt, iova, size);
	if (rc)
		return rc;
	rc = unmap_fast(pgt, iova, size, gather);
	if (!rc)
		return unmap_slow(pgt, iova, size, gather);
	return rc > 0 ? (int64_t)size : rc;
}

void io_tlb_gather_init(struct io_tlb_gather *gather)
{
	*gather = (struct io_tlb_gather){ .empty = true };
}

void io_pgtable_gather_release(struct io_pgtable *pgt, struct io_tlb_gather *gather)
{
	uint64_t *t = gather->freelist;

	while (t) {
		uint64_t *next = (uint64_t *)(uintptr_t)t[0];

		t[0] = 0;
		table_free(pgt, t, (size_t)1 << granule(pgt));
		t = next;
	}
	io_tlb_gather_init(gather);
}

/* --- lookup and CD fields ------------------------------------------------------- */

int io_pgtable_iova_to_phys(const struct io_pgtable *pgt, uint64_t iova, uint64_t *phys,
			    unsigned int *prot)
{
	if (!pgt || !pgt->root)
		return TG_EINVAL;
	if (iova >= 1ull << pgt->cfg.ias)
		return TG_ERANGE;

	const uint64_t *tbl = pgt->root;
	for (unsigned int level = pgt->start_level;; level++) {
		uint64_t d = tbl[table_index(pgt, level, iova)];
		unsigned int shift = level_shift(pgt, level);

		if (!(d & PTD_VALID))
			return TG_ENOENT;
		if (is_table(d, level)) {
			tbl = table_va(pgt, d);
			continue;
		}
		if (phys)
			*phys = (d & ptd_oa_mask(shift)) | (iova & ((1ull << shift) - 1));
		if (prot)
			*prot = ptd_leaf_prot(d);
		return TG_OK;
	}
}

void io_pgtable_cd_cfg(const struct io_pgtable *pgt, struct io_pgtable_cd_cfg *cd)
{
	static const unsigned char ips_bits[] = { 32, 36, 40, 42, 44, 48 };
	bool coherent = !pgt->mem.clean;
	unsigned int ips = 0;

	while (ips_bits[ips] < pgt->cfg.oas)
		ips++;
	*cd = (struct io_pgtable_cd_cfg){
		.ttb0 = pgt->root_phys,
		.mair = IO_PGTABLE_MAIR,
		.t0sz = 64 - pgt->cfg.ias,
		.tg0 = granule(pgt) == 12 ? 0 : granule(pgt) == 16 ? 1 : 2,
		.ips = ips,
		.irgn0 = coherent ? 1 : 0,
		.orgn0 = coherent ? 1 : 0,
		.sh0 = coherent ? 3 : 2,
		.start_level = pgt->start_level,
	};
}
