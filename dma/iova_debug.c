/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IOVA allocator debugging: walking the ranges in address order and a
 * full invariant check of the tree, the table of live allocations, the
 * cache and the node pool.  Only the host tests and debug commands link
 * this in.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/error.h>
#include <tollgate/iova.h>

#include "iova_hash.h"
#include "iova_tree.h"

int iova_walk(const struct iova_domain *d, iova_walk_fn fn, void *ctx)
{
	uint32_t x = d->root;

	if (x == IOVA_NIL)
		return 0;
	while (iova_node(d, x)->left != IOVA_NIL)
		x = iova_node(d, x)->left;
	for (; x != IOVA_NIL; x = iova_tree_next(d, x)) {
		const struct iova_node *n = iova_node(d, x);
		enum iova_kind kind;
		int r;

		if (n->state == IOVA_ST_ALLOC)
			kind = iova_hash_find(d, n->lo) != IOVA_SLOT_NONE ? IOVA_KIND_ALLOCATED
									 : IOVA_KIND_CACHED;
		else if (n->state == IOVA_ST_RESERVED)
			kind = IOVA_KIND_RESERVED;
		else
			continue;	/* the sentinel */
		r = fn(ctx, n->lo << d->shift, ((n->hi + 1) << d->shift) - 1, kind);
		if (r != 0)
			return r;
	}
	return 0;
}

struct check {
	const struct iova_domain *d;
	uint64_t next_lo;	/* lowest granule the next node may start at */
	bool first;
	bool prev_reserved;
	uint32_t nodes, alloc, cached, reserved, sentinels;
	uint32_t last;		/* last node in address order */
	const char *why;
};

static bool fail(struct check *c, const char *why)
{
	if (c->why == NULL)
		c->why = why;
	return false;
}

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* In-order check of subtree x; *height gets its height. */
static bool check_subtree(struct check *c, uint32_t x, uint32_t parent, unsigned int depth,
			  unsigned int *height)
{
	const struct iova_domain *d = c->d;
	const struct iova_node *n;
	unsigned int hl, hr;
	uint8_t sub;

	if (x == IOVA_NIL) {
		*height = 0;
		return true;
	}
	if (depth > IOVA_TREE_MAX_HEIGHT)
		return fail(c, "tree deeper than an AVL tree can be (loop?)");
	if (x >= d->next_unused || (x < IOVA_NODES_EXTRA && x != IOVA_SENTINEL))
		return fail(c, "link to a node index never handed out");
	n = iova_node(d, x);
	if (n->parent != parent)
		return fail(c, "parent link does not match");
	if (n->left != IOVA_NIL && n->left == n->right)
		return fail(c, "left and right child are the same node");
	if (!check_subtree(c, n->left, x, depth + 1, &hl))
		return false;

	/* The node itself, in address order. */
	c->nodes++;
	if (n->lo > n->hi)
		return fail(c, "range with lo > hi");
	if (n->lo < c->next_lo)
		return fail(c, "ranges overlap or are out of order");
	if (n->gap_lo != (c->first ? d->start_pfn : c->next_lo))
		return fail(c, "gap_lo is not the end of the previous range");
	if (n->gap_ord != iova_gap_ord(n->gap_lo, n->lo))
		return fail(c, "gap_ord does not match the gap");
	switch (n->state) {
	case IOVA_ST_ALLOC: {
		uint32_t slot;

		if (!is_pow2(n->hi - n->lo + 1) || (n->lo & (n->hi - n->lo)) != 0)
			return fail(c, "allocated range not a naturally aligned power of two");
		if (n->hi > d->end_pfn || n->lo < d->start_pfn)
			return fail(c, "allocated range outside the domain");
		slot = iova_hash_find(d, n->lo);
		if (slot == IOVA_SLOT_NONE) {
			c->cached++;
		} else {
			if (1ull << iova_key_order(*iova_slot(d, slot)) != n->hi - n->lo + 1)
				return fail(c, "hash entry's order does not match the range");
			c->alloc++;
		}
		c->prev_reserved = false;
		break;
	}
	case IOVA_ST_RESERVED:
		if (n->hi > d->end_pfn || n->lo < d->start_pfn)
			return fail(c, "reserved range outside the domain");
		if (c->prev_reserved && n->gap_lo == n->lo)
			return fail(c, "adjacent reserved ranges not merged");
		c->reserved++;
		c->prev_reserved = true;
		break;
	case IOVA_ST_SENTINEL:
		if (x != IOVA_SENTINEL || n->lo != d->end_pfn + 1 || n->hi != n->lo)
			return fail(c, "sentinel misplaced");
		c->sentinels++;
		break;
	default:
		return fail(c, "node in the tree with a pool/nil state");
	}
	c->first = false;
	c->next_lo = n->hi + 1;
	c->last = x;

	if (!check_subtree(c, n->right, x, depth + 1, &hr))
		return false;
	if (hl > hr + 1 || hr > hl + 1)
		return fail(c, "AVL balance violated");
	if (n->height != 1 + (hl > hr ? hl : hr))
		return fail(c, "stored height wrong");
	sub = n->gap_ord;
	if (iova_node(d, n->left)->sub_ord > sub)
		sub = iova_node(d, n->left)->sub_ord;
	if (iova_node(d, n->right)->sub_ord > sub)
		sub = iova_node(d, n->right)->sub_ord;
	if (n->sub_ord != sub)
		return fail(c, "sub_ord (augmented max) wrong");
	*height = n->height;
	return true;
}

static bool check_cache(struct check *c)
{
	const struct iova_domain *d = c->d;
	uint32_t total = 0;

	for (unsigned int order = 0; order < IOVA_CACHE_ORDERS; order++) {
		const struct iova_cache *ca = &d->cache[order];

		if (ca->count > IOVA_CACHE_DEPTH)
			return fail(c, "cache count above its depth");
		for (uint32_t i = 0; i < ca->count; i++) {
			uint64_t end = ca->end[i], pfn = end - (1ull << order);
			uint32_t x = iova_tree_find(d, pfn);
			const struct iova_node *n = iova_node(d, x);

			if (x == IOVA_NIL || n->state != IOVA_ST_ALLOC || n->lo != pfn ||
			    n->hi + 1 != end)
				return fail(c, "cache entry is not an allocated node of its size");
			if (iova_hash_find(d, pfn) != IOVA_SLOT_NONE)
				return fail(c, "cached range still live in the hash");
			for (uint32_t j = 0; j < i; j++)
				if (ca->end[j] == end)
					return fail(c, "range cached twice");
		}
		total += ca->count;
	}
	if (total != c->cached)
		return fail(c, "cached nodes in the tree missing from the cache");
	return true;
}

/*
 * Every table entry is a live range, reachable from its home slot (the
 * lookup finds this very slot, so no key is there twice), and there are
 * as many as live nodes.
 */
static bool check_hash(struct check *c)
{
	const struct iova_domain *d = c->d;
	uint32_t used = 0;

	for (uint32_t i = 0; i < d->nslots; i++) {
		uint64_t k = *iova_slot(d, i), pfn;
		uint32_t x;

		if (k == 0)
			continue;
		if (!(k & IOVA_KEY_USED))
			return fail(c, "table slot neither empty nor used");
		pfn = iova_key_pfn(k);
		if (iova_hash_find(d, pfn) != i)
			return fail(c, "table entry unreachable or duplicated");
		x = iova_tree_find(d, pfn);
		if (x == IOVA_NIL || iova_node(d, x)->state != IOVA_ST_ALLOC ||
		    iova_node(d, x)->lo != pfn)
			return fail(c, "table entry without its allocated node");
		used++;
	}
	if (used != c->alloc)
		return fail(c, "table entries and live nodes differ in number");
	if (used >= d->nslots)
		return fail(c, "table full");
	return true;
}

static bool check_pool(struct check *c)
{
	const struct iova_domain *d = c->d;
	uint32_t x, len = 0;

	if (d->next_unused < IOVA_NODES_EXTRA || d->next_unused > d->nnodes)
		return fail(c, "next_unused out of bounds");
	for (x = d->free_head; x != IOVA_NIL; x = iova_node(d, x)->left) {
		if (x < IOVA_NODES_EXTRA || x >= d->next_unused)
			return fail(c, "pool link to a node never handed out");
		if (iova_node(d, x)->state != IOVA_ST_POOL)
			return fail(c, "pool node not in the pool state");
		if (++len > d->nnodes)
			return fail(c, "pool list loops");
	}
	if (len + (d->nnodes - d->next_unused) != d->stats.nodes_free)
		return fail(c, "nodes_free counter wrong");
	/* Every handed-out node is in the tree or in the pool (leak check). */
	if (c->nodes - 1 + len != d->next_unused - IOVA_NODES_EXTRA)
		return fail(c, "nodes leaked: neither in the tree nor in the pool");
	return true;
}

int iova_check(const struct iova_domain *d, const char **why)
{
	struct check c = { .d = d, .first = true, .last = IOVA_NIL };
	const struct iova_node *nil;
	unsigned int h;
	bool ok;

	nil = iova_node(d, IOVA_NIL);
	if (nil->state != IOVA_ST_NIL || nil->height != 0 || nil->gap_ord != 0 ||
	    nil->sub_ord != 0 || nil->left != 0 || nil->right != 0 || nil->parent != 0)
		ok = fail(&c, "nil node written");
	else
		ok = check_subtree(&c, d->root, IOVA_NIL, 1, &h);
	if (ok && (c.sentinels != 1 || c.last != IOVA_SENTINEL))
		ok = fail(&c, "sentinel missing or not last");
	if (ok && (c.alloc != d->stats.live || c.cached != d->stats.cached ||
		   c.reserved != d->stats.reserved))
		ok = fail(&c, "live/cached/reserved counters wrong");
	if (ok)
		ok = check_cache(&c);
	if (ok)
		ok = check_hash(&c);
	if (ok && d->ndirty > IOVA_FAIL_DIRTY)
		ok = fail(&c, "fail-fast memo overflowed");
	if (ok)
		ok = check_pool(&c);
	if (why)
		*why = ok ? NULL : c.why;
	return ok ? TG_OK : TG_EIO;
}
