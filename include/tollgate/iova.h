/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOVA allocator: hands out ranges of one IOMMU domain's I/O virtual
 * address space to the DMA-mapping layer.  One struct iova_domain per
 * domain; no heap and no global state.
 *
 * Space and units.  A domain manages the bytes [start, end] (both
 * inclusive, so a space may end at 2^64 - 1) in units of a granule: a
 * power of two from 4 KiB to 1 GiB (0 means 4 KiB).  start and end + 1
 * must be granule-aligned.
 *
 * Allocation.  A request of `size` bytes is rounded up to a power-of-two
 * number of granules and placed naturally aligned: its address is a
 * multiple of the rounded size (the DMA layer's segment-boundary logic
 * relies on this).  The whole range lies at or below `limit` (a DMA mask
 * such as 0xffffffff: the last address the device can emit; any value
 * works, only whole granules at or below it are used).  Policy:
 * highest address first below the limit, so the low space stays free for
 * devices with narrow masks.  The exception is the cache below: a freed
 * range of the same rounded size that satisfies the limit is reused
 * first, wherever it lies.
 *
 * Cache.  Frees of sizes 1 .. 2^(IOVA_CACHE_ORDERS-1) granules go to a
 * per-size LIFO of IOVA_CACHE_DEPTH entries (when it has room) instead of
 * back into the tree; cached ranges stay in the tree as occupied, so an
 * allocation served from the cache and a free into it cost no tree
 * update (nor a look at the tree node).  When the tree search fails,
 * iova_alloc() looks for an aligned block below the limit that only
 * cached ranges occupy, gives exactly those back and searches again; when
 * the node storage runs out it gives back one cached range.  So an
 * allocation never fails while a fitting block would be free with the
 * cache empty, and the cache is not emptied for nothing.
 * iova_alloc_flags(IOVA_ALLOC_NOFLUSH) touches no cached range (for a
 * first, optional attempt below 4 GiB before the device's full mask).
 *
 * Failing fast.  A search that fails even so is remembered (its limit and
 * size); until more than IOVA_FAIL_DIRTY allocations below that limit are
 * freed, a request at most as high and at least as large fails in O(1),
 * after checking only the blocks around those frees: a full 32-bit space
 * costs little per 32-bit request.
 *
 * Tree.  Allocated, cached and reserved ranges are nodes of an AVL tree
 * ordered by address.  Each node also describes the free gap just below
 * it and the largest naturally aligned block that fits in any gap of
 * its subtree, so the highest fitting range below a limit is found in
 * O(log n) without scanning gaps.  (The largest gap in bytes would not
 * do: a gap of s granules need not hold an aligned block of s.)
 *
 * Frees.  Live allocations (not the cached ones) are also entered in an
 * open-addressing hash table by start address and size, so a valid free
 * is checked and removed in O(1), touching one table slot and not the
 * tree; only a free that fails, or one the cache cannot take, looks at
 * the tree.
 *
 * Storage.  The caller provides one array of struct iova_node for
 * everything: one node per allocated, cached or reserved range (adjacent
 * reservations merge into one), IOVA_NODES_EXTRA nodes used internally,
 * and, at the end of the array, the hash table (two 16-byte slots, key
 * and tag, per range).  Size it with IOVA_NODES(ranges): that many
 * ranges fit.  40 bytes per node on both ISAs, 72 bytes per range.
 *
 * Errors.  0 or a negative TG_E* code.  Every failing call leaves the
 * ranges, the tree, the table and the cache exactly as they were (the
 * counters and the fail-fast memo aside), except that a failing
 * iova_reserve() may have emptied the cache (cached ranges are free
 * space, so that changes no allocation).
 *
 * Not reentrant: callers serialise all calls on one domain.
 */
#ifndef TOLLGATE_IOVA_H
#define TOLLGATE_IOVA_H

#include <stddef.h>
#include <stdint.h>

/* Cached sizes: 1, 2, 4 .. 2^(IOVA_CACHE_ORDERS-1) granules (set for the
 * whole build if at all: struct iova_domain depends on both). */
#ifndef IOVA_CACHE_ORDERS
#define IOVA_CACHE_ORDERS	7
#endif
/* Entries per size (each 8 bytes of struct iova_domain). */
#ifndef IOVA_CACHE_DEPTH
#define IOVA_CACHE_DEPTH	64
#endif

/* Allocations freed below a failed search that are checked one by one. */
#define IOVA_FAIL_DIRTY		8

/* Nodes used internally (an empty leaf and the end-of-space sentinel). */
#define IOVA_NODES_EXTRA	2
/* 64-bit words in one node's storage (a hash slot takes two). */
#define IOVA_WORDS_PER_NODE	5
/* Node array length for `ranges` simultaneous ranges (see Storage). */
#define IOVA_NODES(ranges)	((ranges) + IOVA_NODES_EXTRA + (4 * (ranges) + 4) / 5)

/* iova_alloc_flags(): never give cached ranges back to make room. */
#define IOVA_ALLOC_NOFLUSH	(1u << 0)

/*
 * One tree node, or (at the end of the array) hash-table slots.  Private:
 * the fields are for dma/iova*.c only.
 */
struct iova_node {
	union {
		struct {
			uint64_t lo;		/* first granule of the range */
			uint64_t hi;		/* last granule */
			uint64_t gap_lo;	/* first granule of the free gap below lo */
			union {
				struct { uint32_t left, right; };
				uint32_t child[2];	/* [0] left, [1] right */
			};
			uint32_t parent;
			uint8_t height;		/* AVL height, 1 for a leaf */
			uint8_t gap_ord;	/* 1 + order of the largest aligned block
						 * in the own gap; 0 = gap empty */
			uint8_t sub_ord;	/* max gap_ord over the subtree */
			uint8_t state;
		};
		uint64_t words[IOVA_WORDS_PER_NODE];
	};
};

/* Counters; "tree_*" count operations on the tree. */
struct iova_stats {
	uint32_t live;		/* allocated ranges held by callers */
	uint32_t cached;	/* freed ranges waiting in the cache */
	uint32_t reserved;	/* reserved ranges (after merging) */
	uint32_t nodes_free;	/* nodes left in the pool */
	uint64_t allocs;	/* successful allocations */
	uint64_t frees;		/* successful frees */
	uint64_t cache_hits;	/* allocations served from the cache */
	uint64_t cache_misses;	/* cacheable allocations that were not */
	uint64_t cache_frees;	/* frees that went into the cache */
	uint64_t cache_flushes;	/* flushes (explicit or on a failed search) */
	uint64_t tree_inserts;
	uint64_t tree_removes;
	uint64_t tree_searches;	/* free-space searches */
	uint64_t tree_lookups;	/* address lookups (free, find, reserve) */
	uint64_t alloc_failures;	/* TG_ENOSPC / TG_ENOMEM from alloc */
	uint64_t fast_failures;	/* TG_ENOSPC from the fail-fast memo */
};

/* Private. */
struct iova_cache {
	uint32_t count;
	uint64_t end[IOVA_CACHE_DEPTH];	/* granule after each cached range */
};

/* Private apart from reading `stats` (or use iova_get_stats()). */
struct iova_domain {
	struct iova_node *nodes;
	uint64_t *slots;		/* the hash table: after the tree nodes */
	uint32_t nnodes;		/* tree nodes */
	uint32_t nslots;
	uint32_t root;
	uint32_t free_head;		/* freed nodes, linked through .left */
	uint32_t next_unused;		/* nodes from here on never used yet */
	unsigned int shift;		/* log2(granule) */
	uint64_t start_pfn;		/* first granule of the space */
	uint64_t end_pfn;		/* last granule of the space */
	/*
	 * Fail-fast memo: no block of 2^fail_order or more granules below
	 * granule fail_end is free or occupied by cached ranges only, except
	 * perhaps blocks around one of the allocations freed since (dirty[],
	 * as dma/iova_hash.h keys).  fail_end 0: no memo.
	 */
	uint64_t fail_end;
	unsigned int fail_order;
	unsigned int ndirty;
	uint64_t dirty[IOVA_FAIL_DIRTY];
	struct iova_stats stats;
	struct iova_cache cache[IOVA_CACHE_ORDERS];
};

/*
 * Sets up an empty domain over [start, end] with `nnodes` nodes of
 * storage (IOVA_NODES(n) for n ranges; any length from IOVA_NODES(1) on
 * works, split as IOVA_NODES does).  TG_EINVAL for a NULL argument,
 * a granule that is not a power of two, start or end + 1 not aligned to
 * it, start > end, or fewer than IOVA_NODES(1) nodes; TG_ENOTSUP for a
 * power-of-two granule outside 4 KiB .. 1 GiB; TG_ERANGE for more than
 * 2^32 - 1 nodes.
 */
int iova_domain_init(struct iova_domain *d, uint64_t granule, uint64_t start, uint64_t end,
		     struct iova_node *nodes, size_t nnodes);

/*
 * Reserves the bytes [lo, hi] (inclusive; lo and hi + 1 granule-aligned,
 * hi may be 2^64 - 1): they are never handed out.  The part outside the
 * domain is ignored (0 when nothing is inside).  Overlapping or adjacent
 * reservations merge; reserving twice is fine.  Cached ranges in the way
 * are given back first.  TG_EINVAL for misaligned bounds or lo > hi;
 * TG_EBUSY when an allocated range intersects [lo, hi]; TG_ENOMEM when
 * no node is left.
 */
int iova_reserve(struct iova_domain *d, uint64_t lo, uint64_t hi);

/*
 * Allocates size bytes (rounded up as described above) at or below limit
 * and stores the address in *iova.  TG_EINVAL for size 0 or a NULL iova;
 * TG_ERANGE when the rounded size exceeds 2^63 bytes or the domain, or
 * when no whole granule of the domain lies at or below limit; TG_ENOSPC
 * when no naturally aligned free range of that size exists below limit
 * (cached ranges counting as free, except with IOVA_ALLOC_NOFLUSH);
 * TG_ENOMEM when the node storage is exhausted.
 */
int iova_alloc(struct iova_domain *d, uint64_t size, uint64_t limit, uint64_t *iova);
/* The same with IOVA_ALLOC_* flags (unknown flags: TG_EINVAL). */
int iova_alloc_flags(struct iova_domain *d, uint64_t size, uint64_t limit, unsigned int flags,
		     uint64_t *iova);

/*
 * iova_alloc_flags() that also stores `tag` with the live range: any
 * value the caller wants back at free time (the DMA layer keeps the
 * mapping's size and direction there).  Same errors.
 */
int iova_alloc_tag(struct iova_domain *d, uint64_t size, uint64_t limit, unsigned int flags,
		   uint64_t tag, uint64_t *iova);

/*
 * The tag of the live allocation starting at iova (writable), or NULL
 * when none starts there.  Valid until the next call that allocates or
 * frees; iova_free_live() frees that allocation through it without a
 * second lookup.
 */
uint64_t *iova_live_tag(struct iova_domain *d, uint64_t iova);
void iova_free_live(struct iova_domain *d, uint64_t *tag);

/*
 * Frees an allocation: iova is the address iova_alloc() returned and size
 * the size asked for then (or any size with the same rounding).
 * TG_EINVAL for size 0, an iova not granule-aligned, an iova in a
 * reserved range, or a size that does not match the allocation;
 * TG_ENOENT when no allocation starts at iova (never allocated, already
 * freed, or an address inside an allocation).
 */
int iova_free(struct iova_domain *d, uint64_t iova, uint64_t size);

/*
 * The allocation containing iova: *start and *size (either may be NULL)
 * get its address and rounded size, and the call returns 0.  For an
 * address in a reserved range it fills in that range (size saturated at
 * 2^64 - 1) and returns TG_EBUSY; free or cached space gives TG_ENOENT.
 */
int iova_find(const struct iova_domain *d, uint64_t iova, uint64_t *start, uint64_t *size);

/* Bytes iova_alloc() takes for a request of size (0 when it would fail). */
uint64_t iova_alloc_size(const struct iova_domain *d, uint64_t size);

/* Gives every cached range back to the tree. */
void iova_flush_cache(struct iova_domain *d);

void iova_get_stats(const struct iova_domain *d, struct iova_stats *stats);

/* --- debugging (dma/iova_debug.c) -------------------------------------------- */

enum iova_kind {
	IOVA_KIND_ALLOCATED = 1,
	IOVA_KIND_CACHED,
	IOVA_KIND_RESERVED,
};

/*
 * Calls fn for every range in address order with its first and last byte;
 * stops at and returns fn's first non-zero result.
 */
typedef int (*iova_walk_fn)(void *ctx, uint64_t first, uint64_t last, enum iova_kind kind);
int iova_walk(const struct iova_domain *d, iova_walk_fn fn, void *ctx);

/*
 * Verifies every invariant: ordering and disjointness, AVL balance and
 * heights, parent links, gap bounds and the augmented block orders,
 * alignment of allocated and cached ranges, the cache contents, the
 * table of live allocations, counters and the node pool.  0 or TG_EIO
 * with *why (if not NULL) naming the first broken rule.  O(n); for tests.
 */
int iova_check(const struct iova_domain *d, const char **why);

#endif
