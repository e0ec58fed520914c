/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOVA allocator: domain set-up, the node pool, the per-size cache of
 * freed ranges, and the public calls (see include/tollgate/iova.h for the
 * contract, dma/iova_tree.c for the tree and dma/iova_hash.h for the
 * table of live allocations).
 *
 * Every call validates everything it can before it changes anything,
 * so an error leaves the domain as it was (counters and the fail-fast
 * memo aside).  The one exception: a reservation that finds no node left
 * gives the cached ranges back to the tree before it gives up.
 *
 * A range is in one of three places: live (tree node in the allocated
 * state and a hash-table entry), cached (tree node in the allocated
 * state, no table entry, its end in cache[order]) or reserved (tree node
 * in the reserved state).  Fast paths: a free finds, checks and removes
 * the table entry and pushes the end onto the cache; an allocation the
 * cache can serve pops an end and adds the table entry.  Neither touches
 * the tree or even the node.
 *
 * Node storage is handed out from the caller's array: first the freed
 * nodes (a list through .left), then never-used ones from next_unused,
 * so initialising a domain touches only the hash table at the end of the
 * array.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/compiler.h>
#include <tollgate/error.h>
#include <tollgate/iova.h>

#include "iova_hash.h"
#include "iova_tree.h"

#define MIN_SHIFT	12	/* 4 KiB */
#define MAX_SHIFT	30	/* 1 GiB */

/* --- node pool ---------------------------------------------------------------- */

static inline bool pool_empty(const struct iova_domain *d)
{
	return d->free_head == IOVA_NIL && d->next_unused >= d->nnodes;
}

static uint32_t node_get(struct iova_domain *d)
{
	uint32_t x = d->free_head;

	if (x != IOVA_NIL)
		d->free_head = iova_node(d, x)->left;
	else if (d->next_unused < d->nnodes)
		x = d->next_unused++;
	else
		return IOVA_NIL;
	d->stats.nodes_free--;
	return x;
}

static void node_put(struct iova_domain *d, uint32_t x)
{
	struct iova_node *n = iova_node(d, x);

	n->state = IOVA_ST_POOL;
	n->left = d->free_head;
	d->free_head = x;
	d->stats.nodes_free++;
}

/* Takes node x out of the tree and back to the pool. */
static void tree_drop(struct iova_domain *d, uint32_t x)
{
	iova_tree_remove(d, x);
	d->stats.tree_removes++;
	node_put(d, x);
}

/* Gives the (no longer live) range starting at pfn back to the tree. */
static void tree_drop_at(struct iova_domain *d, uint64_t pfn)
{
	d->stats.tree_lookups++;
	tree_drop(d, iova_tree_find(d, pfn));
}

/* --- sizes and limits ------------------------------------------------------------ */

/*
 * log2 of the granules a request of `size` bytes takes: the granule count
 * rounded up to a power of two.  -1 for size 0, TG_ERANGE beyond 2^63
 * bytes.
 */
static int size_order(const struct iova_domain *d, uint64_t size)
{
	uint64_t g;
	unsigned int order;

	if (size == 0)
		return -1;
	/* ceil(size / granule) - 1: its bit length is the order. */
	g = (size - 1) >> d->shift;
	order = g ? 64u - (unsigned int)__builtin_clzll(g) : 0;
	if (order + d->shift > 63)
		return TG_ERANGE;
	return (int)order;
}

/* Exclusive granule bound for `limit` (last usable byte), within the domain. */
static uint64_t limit_end(const struct iova_domain *d, uint64_t limit)
{
	uint64_t gmask = (1ull << d->shift) - 1;
	uint64_t e = (limit >> d->shift) + ((limit & gmask) == gmask);

	return e > d->end_pfn + 1 ? d->end_pfn + 1 : e;
}

/* --- cache ------------------------------------------------------------------------ */

static bool cache_empty(const struct iova_domain *d)
{
	return d->stats.cached == 0;
}

/* Removes entry i of cache[order]; returns the range's first granule. */
static uint64_t cache_remove(struct iova_domain *d, unsigned int order, uint32_t i)
{
	struct iova_cache *c = &d->cache[order];
	uint64_t pfn = c->end[i] - (1ull << order);

	c->count--;
	c->end[i] = c->end[c->count];
	d->stats.cached--;
	return pfn;
}

/*
 * Gives back to the tree the cached ranges that intersect granules
 * [lo, hi]; returns how many.
 */
static uint32_t cache_flush_range(struct iova_domain *d, uint64_t lo, uint64_t hi)
{
	uint32_t flushed = 0;

	for (unsigned int order = 0; order < IOVA_CACHE_ORDERS; order++) {
		struct iova_cache *c = &d->cache[order];
		uint32_t i = c->count;

		while (i-- > 0) {
			uint64_t end = c->end[i];

			if (end - (1ull << order) <= hi && end > lo) {
				tree_drop_at(d, cache_remove(d, order, i));
				flushed++;
			}
		}
	}
	if (flushed)
		d->stats.cache_flushes++;
	return flushed;
}

/* Is every range intersecting granules [lo, hi] a cached one? */
static bool only_cached(struct iova_domain *d, uint64_t lo, uint64_t hi)
{
	d->stats.tree_lookups++;
	/* The sentinel ends every walk: lo <= end_pfn here. */
	for (uint32_t x = iova_tree_ceil(d, lo);; x = iova_tree_next(d, x)) {
		const struct iova_node *n = iova_node(d, x);

		if (n->lo > hi)
			return true;
		if (n->state != IOVA_ST_ALLOC || iova_hash_find(d, n->lo) != IOVA_SLOT_NONE)
			return false;
	}
}

/*
 * The block of 2^order granules that holds the 2^j-granule range at lo, or
 * the first one inside it; false when that block is not below end or
 * holds more than cached ranges.
 */
static bool block_around(struct iova_domain *d, uint64_t lo, unsigned int j, unsigned int order,
			 uint64_t end, uint64_t *blo)
{
	const uint64_t n = 1ull << order;

	*blo = j >= order ? lo : lo & ~(n - 1);
	return *blo >= d->start_pfn && *blo + n <= end && only_cached(d, *blo, *blo + n - 1);
}

static bool room_around(struct iova_domain *d, uint64_t lo, unsigned int j, unsigned int order,
			uint64_t end)
{
	uint64_t blo;

	if (!block_around(d, lo, j, order, end, &blo))
		return false;
	cache_flush_range(d, blo, blo + (1ull << order) - 1);
	return true;
}

/*
 * After a failed search for 2^order granules below `end`: finds an aligned
 * block of that size below end that only cached ranges occupy and gives
 * exactly those back, so that the next search succeeds.  Any such block
 * contains or lies inside a cached range, so looking at the blocks of the
 * cached ranges finds one if there is one.  False when there is none:
 * then even an empty cache would not make room.  One tree lookup per
 * cached range below end at most.
 */
static bool cache_make_room(struct iova_domain *d, unsigned int order, uint64_t end)
{
	for (unsigned int j = 0; j < IOVA_CACHE_ORDERS; j++) {
		const struct iova_cache *c = &d->cache[j];

		for (uint32_t i = 0; i < c->count; i++)
			if (room_around(d, c->end[i] - (1ull << j), j, order, end))
				return true;
	}
	return false;
}

/*
 * The memo says that below fail_end no block of 2^fail_order granules or
 * more would be free with the cache empty, except perhaps around the
 * allocations freed since (dirty[]).  For a request of 2^order granules
 * (order >= fail_order) below end (<= fail_end), look there only:
 * MEMO_ROOM when it made room, MEMO_FULL when there is none (then, if
 * none of them holds a block of this order below fail_end at all, the
 * memo is narrowed to this order and holds without them), MEMO_UNSURE
 * when a freed range is larger than the request: part of it may have
 * been allocated again, so only a search can tell.
 */
enum { MEMO_ROOM, MEMO_FULL, MEMO_UNSURE };

static int memo_make_room(struct iova_domain *d, unsigned int order, uint64_t end)
{
	bool any = false;

	for (unsigned int i = 0; i < d->ndirty; i++)
		if (iova_key_order(d->dirty[i]) > order)
			return MEMO_UNSURE;
	for (unsigned int i = 0; i < d->ndirty; i++) {
		uint64_t k = d->dirty[i], blo;

		/* The block holds the whole freed range: exact. */
		if (!block_around(d, iova_key_pfn(k), iova_key_order(k), order, d->fail_end, &blo))
			continue;
		if (blo + (1ull << order) <= end) {
			cache_flush_range(d, blo, blo + (1ull << order) - 1);
			return MEMO_ROOM;
		}
		any = true;	/* room, but above this request's limit */
	}
	if (!any) {
		d->fail_order = order;
		d->ndirty = 0;
	}
	return MEMO_FULL;
}

/* A range below the memo's bound became free or cached: note it. */
static void memo_note(struct iova_domain *d, uint64_t pfn, unsigned int order)
{
	if (pfn >= d->fail_end)
		return;
	if (d->ndirty < IOVA_FAIL_DIRTY)
		d->dirty[d->ndirty++] = iova_key(pfn, order);
	else
		d->fail_end = 0;	/* too many: forget the memo */
}

/* Gives one cached range back to the tree (for its node). */
static void cache_drop_one(struct iova_domain *d)
{
	for (unsigned int order = 0; order < IOVA_CACHE_ORDERS; order++) {
		if (d->cache[order].count) {
			tree_drop_at(d, cache_remove(d, order, 0));
			d->stats.cache_flushes++;
			return;
		}
	}
}

void iova_flush_cache(struct iova_domain *d)
{
	if (!cache_empty(d))
		cache_flush_range(d, 0, UINT64_MAX);
}

/*
 * Takes a cached range of 2^order granules whose last byte is at or below
 * `limit`, most recently freed first (the entries are contiguous, so a
 * scan is cheap; the last one freed usually fits).  (A range ending at
 * 2^64 has end << shift == 0: its last byte, 2^64 - 1, compares right.)
 */
static inline bool cache_take(struct iova_domain *d, unsigned int order, uint64_t limit,
			      uint64_t *pfn)
{
	struct iova_cache *c = &d->cache[order];
	uint32_t i = c->count;

	if (i && (c->end[i - 1] << d->shift) - 1 <= limit) {
		c->count = i - 1;
		d->stats.cached--;
		*pfn = c->end[i - 1] - (1ull << order);
		return true;
	}
	while (i-- > 0) {
		if ((c->end[i] << d->shift) - 1 <= limit) {
			*pfn = cache_remove(d, order, i);
			return true;
		}
	}
	return false;
}

/* --- API ---------------------------------------------------------------------------- */

int iova_domain_init(struct iova_domain *d, uint64_t granule, uint64_t start, uint64_t end,
		     struct iova_node *nodes, size_t nnodes)
{
	uint64_t gmask, m, ranges, nslots;

	if (d == NULL || nodes == NULL)
		return TG_EINVAL;
	if (granule == 0)
		granule = 1ull << MIN_SHIFT;
	if (granule & (granule - 1))
		return TG_EINVAL;
	if (granule < (1ull << MIN_SHIFT) || granule > (1ull << MAX_SHIFT))
		return TG_ENOTSUP;
	gmask = granule - 1;
	if ((start & gmask) != 0 || (end & gmask) != gmask || start > end)
		return TG_EINVAL;
	if (nnodes < IOVA_NODES(1))
		return TG_EINVAL;
	if (nnodes > UINT32_MAX)
		return TG_ERANGE;

	/* The most ranges r with IOVA_NODES(r) <= nnodes; the rest is table. */
	m = nnodes - IOVA_NODES_EXTRA;
	ranges = m * 5 / 9;
	while (ranges + (4 * ranges + 4) / 5 > m)
		ranges--;
	nslots = (m - ranges) * IOVA_WORDS_PER_NODE / 2;

	d->nodes = nodes;
	d->nnodes = (uint32_t)(IOVA_NODES_EXTRA + ranges);
	d->slots = nodes[d->nnodes].words;
	d->nslots = nslots > UINT32_MAX ? UINT32_MAX : (uint32_t)nslots;
	d->free_head = IOVA_NIL;
	d->next_unused = IOVA_NODES_EXTRA;
	d->shift = (unsigned int)__builtin_ctzll(granule);
	d->start_pfn = start >> d->shift;
	d->end_pfn = end >> d->shift;
	d->fail_end = 0;
	d->fail_order = 0;
	d->ndirty = 0;
	d->stats = (struct iova_stats){ .nodes_free = (uint32_t)ranges };
	for (unsigned int i = 0; i < IOVA_CACHE_ORDERS; i++)
		d->cache[i].count = 0;
	for (uint32_t i = 0; i < d->nslots; i++)
		*iova_slot(d, i) = 0;
	iova_tree_init(d);
	return TG_OK;
}

int iova_reserve(struct iova_domain *d, uint64_t lo, uint64_t hi)
{
	uint64_t gmask, l, h, from, nl, nh;
	bool merge = false, cached = false;
	uint32_t x;

	if (d == NULL)
		return TG_EINVAL;
	gmask = (1ull << d->shift) - 1;
	if ((lo & gmask) != 0 || (hi & gmask) != gmask || lo > hi)
		return TG_EINVAL;
	l = lo >> d->shift;
	h = hi >> d->shift;
	if (h < d->start_pfn || l > d->end_pfn)
		return TG_OK;
	if (l < d->start_pfn)
		l = d->start_pfn;
	if (h > d->end_pfn)
		h = d->end_pfn;
	/* Neighbours ending at l - 1 or starting at h + 1 merge too. */
	from = l > 0 ? l - 1 : 0;

	/* Pass 1, no change yet: what is in [l - 1, h + 1]? */
	d->stats.tree_lookups++;
	for (x = iova_tree_ceil(d, from); x != IOVA_NIL; x = iova_tree_next(d, x)) {
		const struct iova_node *n = iova_node(d, x);
		bool overlap = n->lo <= h && n->hi >= l;

		if (n->lo > h + 1 || n->state == IOVA_ST_SENTINEL)
			break;
		if (n->state == IOVA_ST_ALLOC && overlap) {
			if (iova_hash_find(d, n->lo) != IOVA_SLOT_NONE)
				return TG_EBUSY;
			cached = true;
		}
		if (n->state == IOVA_ST_RESERVED)
			merge = true;
	}
	if (!merge && pool_empty(d)) {
		iova_flush_cache(d);
		if (pool_empty(d))
			return TG_ENOMEM;
	}

	/* Pass 2: nothing can fail any more. */
	if (cached)
		cache_flush_range(d, l, h);
	nl = l;
	nh = h;
	for (;;) {
		for (x = iova_tree_ceil(d, from); x != IOVA_NIL; x = iova_tree_next(d, x)) {
			const struct iova_node *n = iova_node(d, x);

			if (n->lo > h + 1 || n->state == IOVA_ST_SENTINEL) {
				x = IOVA_NIL;
				break;
			}
			if (n->state == IOVA_ST_RESERVED)
				break;
		}
		if (x == IOVA_NIL)
			break;
		if (iova_node(d, x)->lo < nl)
			nl = iova_node(d, x)->lo;
		if (iova_node(d, x)->hi > nh)
			nh = iova_node(d, x)->hi;
		tree_drop(d, x);
		d->stats.reserved--;
	}
	x = node_get(d);
	iova_node(d, x)->lo = nl;
	iova_node(d, x)->hi = nh;
	iova_node(d, x)->state = IOVA_ST_RESERVED;
	iova_tree_insert(d, x);
	d->stats.tree_inserts++;
	d->stats.reserved++;
	return TG_OK;
}

uint64_t iova_alloc_size(const struct iova_domain *d, uint64_t size)
{
	int order = size_order(d, size);

	if (order < 0)
		return 0;
	return 1ull << (order + (int)d->shift);
}

/*
 * A range of 2^order granules below `end` that the cache could not give:
 * the tree search, the fail-fast memo, making room from the cache.
 */
static TG_COLD int alloc_slow(struct iova_domain *d, unsigned int order, uint64_t limit,
			      unsigned int flags, uint64_t *pfn_out)
{
	if (order + d->shift > 63)
		return TG_ERANGE;	/* more than 2^63 bytes */
	const uint64_t n = 1ull << order, end = limit_end(d, limit);
	uint64_t pfn;
	uint32_t x;

	if (n > d->end_pfn - d->start_pfn + 1 || end <= d->start_pfn)
		return TG_ERANGE;
	if (order < IOVA_CACHE_ORDERS)
		d->stats.cache_misses++;
	/* Could [start, end) hold an aligned block at all? */
	if (iova_gap_ord(d->start_pfn, end) <= order)
		goto nospace;
	/* Or did a search like this one fail, with little freed below since? */
	if (end <= d->fail_end && order >= d->fail_order) {
		int m = d->ndirty == 0 ? MEMO_FULL : MEMO_UNSURE;

		if (m == MEMO_UNSURE && !(flags & IOVA_ALLOC_NOFLUSH))
			m = memo_make_room(d, order, end);
		if (m == MEMO_FULL) {
			d->stats.fast_failures++;
			goto nospace;
		}
	}
	d->stats.tree_searches++;
	if (!iova_tree_search(d, order, end, &pfn)) {
		/* Cached ranges below end may free a block. */
		if (flags & IOVA_ALLOC_NOFLUSH)
			goto nospace;
		if (cache_empty(d) || !cache_make_room(d, order, end)) {
			d->fail_end = end;
			d->fail_order = order;
			d->ndirty = 0;
			goto nospace;
		}
		d->stats.tree_searches++;
		if (!iova_tree_search(d, order, end, &pfn))
			goto nospace;
	}
	x = node_get(d);
	if (x == IOVA_NIL) {
		if ((flags & IOVA_ALLOC_NOFLUSH) || cache_empty(d)) {
			d->stats.alloc_failures++;
			return TG_ENOMEM;
		}
		/* The cache holds nodes: give one back and search again. */
		cache_drop_one(d);
		x = node_get(d);
		d->stats.tree_searches++;
		if (!iova_tree_search(d, order, end, &pfn)) {
			/* Cannot happen: freeing only adds room. */
			node_put(d, x);
			goto nospace;
		}
	}
	iova_node(d, x)->lo = pfn;
	iova_node(d, x)->hi = pfn + n - 1;
	iova_node(d, x)->state = IOVA_ST_ALLOC;
	iova_tree_insert(d, x);
	d->stats.tree_inserts++;
	*pfn_out = pfn;
	return TG_OK;

nospace:
	d->stats.alloc_failures++;
	return TG_ENOSPC;
}

int iova_alloc_tag(struct iova_domain *d, uint64_t size, uint64_t limit, unsigned int flags,
		   uint64_t tag, uint64_t *iova)
{
	uint64_t pfn, g;
	unsigned int order;

	if (d == NULL || iova == NULL || size == 0 || (flags & ~IOVA_ALLOC_NOFLUSH) != 0)
		return TG_EINVAL;
	/* ceil(size / granule) - 1: its bit length is the order (range checks: alloc_slow). */
	g = (size - 1) >> d->shift;
	order = g ? 64u - (unsigned int)__builtin_clzll(g) : 0;
	if (order < IOVA_CACHE_ORDERS && cache_take(d, order, limit, &pfn)) {
		d->stats.cache_hits++;
	} else {
		int r = alloc_slow(d, order, limit, flags, &pfn);
		if (r)
			return r;
	}
	iova_hash_add(d, pfn, order, tag);
	d->stats.live++;
	d->stats.allocs++;
	*iova = pfn << d->shift;
	return TG_OK;
}

int iova_alloc_flags(struct iova_domain *d, uint64_t size, uint64_t limit, unsigned int flags,
		     uint64_t *iova)
{
	return iova_alloc_tag(d, size, limit, flags, 0, iova);
}

int iova_alloc(struct iova_domain *d, uint64_t size, uint64_t limit, uint64_t *iova)
{
	return iova_alloc_tag(d, size, limit, 0, 0, iova);
}

/* Frees the live range in hash slot `slot`: to the cache if it has room, else to the tree. */
static void free_slot(struct iova_domain *d, uint32_t slot)
{
	uint64_t key = *iova_slot(d, slot), pfn = iova_key_pfn(key);
	unsigned int order = iova_key_order(key);
	struct iova_cache *c;

	iova_hash_del(d, slot);
	d->stats.live--;
	d->stats.frees++;
	memo_note(d, pfn, order);
	if (order < IOVA_CACHE_ORDERS && (c = &d->cache[order])->count < IOVA_CACHE_DEPTH) {
		c->end[c->count++] = pfn + (1ull << order);
		d->stats.cached++;
		d->stats.cache_frees++;
		return;
	}
	tree_drop_at(d, pfn);
}

uint64_t *iova_live_tag(struct iova_domain *d, uint64_t iova)
{
	uint32_t slot;

	if (d == NULL || (iova & ((1ull << d->shift) - 1)) != 0)
		return NULL;
	slot = iova_hash_find(d, iova >> d->shift);
	return slot == IOVA_SLOT_NONE ? NULL : iova_slot(d, slot) + 1;
}

void iova_free_live(struct iova_domain *d, uint64_t *tag)
{
	free_slot(d, (uint32_t)((tag - 1 - d->slots) / 2));
}

int iova_free(struct iova_domain *d, uint64_t iova, uint64_t size)
{
	uint64_t pfn;
	uint32_t slot, x;
	int order;

	if (d == NULL || (iova & ((1ull << d->shift) - 1)) != 0)
		return TG_EINVAL;
	order = size_order(d, size);
	if (order < 0)
		return TG_EINVAL;
	pfn = iova >> d->shift;
	slot = iova_hash_find(d, pfn);
	if (slot == IOVA_SLOT_NONE) {
		/*
		 * Not the start of a live allocation (never allocated, freed
		 * already, inside one): reserved, or unknown?
		 */
		d->stats.tree_lookups++;
		x = iova_tree_find(d, pfn);
		if (x != IOVA_NIL && iova_node(d, x)->state == IOVA_ST_RESERVED)
			return TG_EINVAL;
		return TG_ENOENT;
	}
	if (iova_key_order(*iova_slot(d, slot)) != (unsigned int)order)
		return TG_EINVAL;

	free_slot(d, slot);
	return TG_OK;
}

int iova_find(const struct iova_domain *d, uint64_t iova, uint64_t *start, uint64_t *size)
{
	const struct iova_node *n;
	uint64_t granules;
	uint32_t x;

	if (d == NULL)
		return TG_EINVAL;
	x = iova_tree_find(d, iova >> d->shift);
	if (x == IOVA_NIL)
		return TG_ENOENT;
	n = iova_node(d, x);
	if (n->state == IOVA_ST_ALLOC ? iova_hash_find(d, n->lo) == IOVA_SLOT_NONE
				      : n->state != IOVA_ST_RESERVED)
		return TG_ENOENT;	/* cached, or the sentinel */
	granules = n->hi - n->lo + 1;
	if (start)
		*start = n->lo << d->shift;
	if (size)
		*size = granules >> (64 - d->shift) ? UINT64_MAX : granules << d->shift;
	return n->state == IOVA_ST_ALLOC ? TG_OK : TG_EBUSY;
}

void iova_get_stats(const struct iova_domain *d, struct iova_stats *stats)
{
	*stats = d->stats;
}
