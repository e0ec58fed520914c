/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOVA allocator's range tree (dma/iova_tree.c), private to dma/iova*.c.
 *
 * An AVL tree of the domain's occupied ranges (allocated, cached,
 * reserved) in granule units, ordered by address, in the caller's node
 * array and linked by 32-bit indices.  (A cached range is a node in the
 * allocated state that is not in the table of dma/iova_hash.h.)  Node IOVA_NIL is a shared empty
 * leaf (height 0, no gap) that is never written, so child values can be
 * read without tests; node IOVA_SENTINEL is a permanent range just past
 * the end of the space, so every gap, including the topmost, lies below
 * some node.
 *
 * Augmentation.  Each node owns the free gap [gap_lo, lo - 1] between its
 * predecessor (or the start of the space) and itself; gap_ord is one more
 * than the order of the largest naturally aligned block that fits in it
 * (0: empty) and sub_ord the maximum over the subtree.  Since an aligned
 * block of order k splits into aligned blocks of every smaller order,
 * "sub_ord > k" is exactly "some gap in this subtree holds an aligned
 * block of 2^k granules".
 */
#ifndef TOLLGATE_DMA_IOVA_TREE_H
#define TOLLGATE_DMA_IOVA_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include <tollgate/iova.h>

#define IOVA_NIL	0u
#define IOVA_SENTINEL	1u

enum iova_state {
	IOVA_ST_POOL = 0,	/* in the free-node pool */
	IOVA_ST_ALLOC,		/* handed out, or parked in the cache */
	IOVA_ST_RESERVED,
	IOVA_ST_SENTINEL,
	IOVA_ST_NIL,
};

/* Deepest AVL tree of 2^32 nodes is < 1.45 * 33 levels. */
#define IOVA_TREE_MAX_HEIGHT	48

static inline struct iova_node *iova_node(const struct iova_domain *d, uint32_t i)
{
	return &d->nodes[i];
}

/* 1 + order of the largest aligned block inside [a, e) (0 when a >= e). */
uint8_t iova_gap_ord(uint64_t a, uint64_t e);

/* Sets up the nil leaf and the sentinel as the only node of the tree. */
void iova_tree_init(struct iova_domain *d);

/* The node whose range contains pfn, or IOVA_NIL. */
uint32_t iova_tree_find(const struct iova_domain *d, uint64_t pfn);

/* The first node with hi >= pfn (the sentinel when none is lower). */
uint32_t iova_tree_ceil(const struct iova_domain *d, uint64_t pfn);

/* In-order neighbours; IOVA_NIL past either end. */
uint32_t iova_tree_next(const struct iova_domain *d, uint32_t x);

/* Links node x (lo, hi, state set; free of overlap with every node). */
void iova_tree_insert(struct iova_domain *d, uint32_t x);

/* Unlinks node x (never the sentinel); its gap and range join the next gap. */
void iova_tree_remove(struct iova_domain *d, uint32_t x);

/*
 * The highest pfn p, a multiple of 2^order, with [p, p + 2^order) in a
 * free gap and p + 2^order <= end (exclusive bound).  False when none.
 */
bool iova_tree_search(const struct iova_domain *d, unsigned int order, uint64_t end,
		      uint64_t *pfn);

#endif
