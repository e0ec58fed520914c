/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOVA allocator's range tree: an AVL tree augmented with free-gap
 * block orders (see iova_tree.h for the representation).
 *
 * Updates.  An insertion or removal changes the tree's shape and the gap
 * of the in-order successor (it gains or loses the space of the node).
 * The successor's gap is set first; then one walk, fixup(), goes from the
 * lowest touched node to the root, rebalancing where the two subtree
 * heights differ by two and recomputing height and sub_ord.  The
 * successor lies on that walk: it is an ancestor of a new leaf, takes
 * the place of a removed node with two children, or is the removed
 * node's only (right, leaf) child.  The walk does not stop early: above
 * an unchanged node it changes nothing, and O(log n) either way, with
 * less code (this is the allocator's slow path).
 *
 * Search for the highest aligned block below an exclusive bound E: see
 * search() below.
 */
#include <stdbool.h>
#include <stdint.h>

#include <tollgate/iova.h>

#include "iova_tree.h"

#define NIL	IOVA_NIL

uint8_t iova_gap_ord(uint64_t a, uint64_t e)
{
	uint64_t len, blk, x;
	unsigned int m;

	if (a >= e)
		return 0;
	len = e - a;
	m = 63u - (unsigned int)__builtin_clzll(len);
	blk = 1ull << m;
	x = (a + blk - 1) & ~(blk - 1);
	/*
	 * [a, e) holds 2^m granules, so an aligned block of 2^(m-1) always
	 * fits; one of 2^m only when it starts at a multiple of 2^m.
	 */
	if (x + blk <= e)
		return (uint8_t)(m + 1);
	return (uint8_t)m;
}

static inline uint8_t max8(uint8_t a, uint8_t b)
{
	return a > b ? a : b;
}

/* Height and sub_ord from the children. */
static inline void pull(struct iova_domain *d, uint32_t x)
{
	struct iova_node *n = iova_node(d, x);
	const struct iova_node *l = iova_node(d, n->left), *r = iova_node(d, n->right);

	n->height = (uint8_t)(1 + max8(l->height, r->height));
	n->sub_ord = max8(n->gap_ord, max8(l->sub_ord, r->sub_ord));
}

static inline void set_gap(struct iova_domain *d, uint32_t x, uint64_t gap_lo)
{
	struct iova_node *n = iova_node(d, x);

	n->gap_lo = gap_lo;
	n->gap_ord = iova_gap_ord(gap_lo, n->lo);
}

static void replace_child(struct iova_domain *d, uint32_t parent, uint32_t old,
			  uint32_t new_child)
{
	struct iova_node *p = iova_node(d, parent);

	if (parent == NIL)
		d->root = new_child;
	else
		p->child[p->left != old] = new_child;
}

/*
 * Moves x's child on side `up` (0 left, 1 right) into x's place, x becoming
 * its child on the other side: rotate(x, 1) is a left rotation.  One body
 * for both mirror images.
 */
static uint32_t rotate(struct iova_domain *d, uint32_t x, unsigned int up)
{
	struct iova_node *xn = iova_node(d, x);
	uint32_t y = xn->child[up];
	struct iova_node *yn = iova_node(d, y);
	uint32_t b = yn->child[!up];

	xn->child[up] = b;
	if (b != NIL)
		iova_node(d, b)->parent = x;
	yn->parent = xn->parent;
	replace_child(d, xn->parent, x, y);
	yn->child[!up] = x;
	xn->parent = y;
	pull(d, x);
	pull(d, y);
	return y;
}

/* Restores the AVL property at x; returns the subtree's (new) root. */
static uint32_t rebalance(struct iova_domain *d, uint32_t x)
{
	const struct iova_node *n = iova_node(d, x);
	unsigned int hl = iova_node(d, n->left)->height;
	unsigned int hr = iova_node(d, n->right)->height;

	if (hl > hr + 1 || hr > hl + 1) {
		unsigned int heavy = hr > hl;	/* the taller side */
		const struct iova_node *c = iova_node(d, n->child[heavy]);

		/* Its inner grandchild taller: a double rotation. */
		if (iova_node(d, c->child[heavy])->height < iova_node(d, c->child[!heavy])->height)
			rotate(d, n->child[heavy], !heavy);
		return rotate(d, x, heavy);
	}
	pull(d, x);
	return x;
}

/* Rebalances and recomputes from x up to the root. */
static void fixup(struct iova_domain *d, uint32_t x)
{
	while (x != NIL)
		x = iova_node(d, rebalance(d, x))->parent;
}

void iova_tree_init(struct iova_domain *d)
{
	struct iova_node *nil = iova_node(d, NIL);
	struct iova_node *s = iova_node(d, IOVA_SENTINEL);

	*nil = (struct iova_node){ .state = IOVA_ST_NIL };
	*s = (struct iova_node){
		.lo = d->end_pfn + 1,
		.hi = d->end_pfn + 1,
		.left = NIL, .right = NIL, .parent = NIL,
		.state = IOVA_ST_SENTINEL,
	};
	set_gap(d, IOVA_SENTINEL, d->start_pfn);
	pull(d, IOVA_SENTINEL);
	d->root = IOVA_SENTINEL;
}

uint32_t iova_tree_find(const struct iova_domain *d, uint64_t pfn)
{
	uint32_t x = d->root;

	while (x != NIL) {
		const struct iova_node *n = iova_node(d, x);

		if (pfn < n->lo)
			x = n->left;
		else if (pfn > n->hi)
			x = n->right;
		else
			return x;
	}
	return NIL;
}

uint32_t iova_tree_ceil(const struct iova_domain *d, uint64_t pfn)
{
	uint32_t x = d->root, best = NIL;

	while (x != NIL) {
		const struct iova_node *n = iova_node(d, x);

		if (n->hi >= pfn) {
			best = x;
			x = n->left;
		} else {
			x = n->right;
		}
	}
	return best;
}

uint32_t iova_tree_next(const struct iova_domain *d, uint32_t x)
{
	const struct iova_node *n = iova_node(d, x);
	uint32_t p;

	if (n->right != NIL) {
		x = n->right;
		while (iova_node(d, x)->left != NIL)
			x = iova_node(d, x)->left;
		return x;
	}
	for (p = n->parent; p != NIL && iova_node(d, p)->right == x; p = iova_node(d, p)->parent)
		x = p;
	return p;
}

void iova_tree_insert(struct iova_domain *d, uint32_t x)
{
	struct iova_node *n = iova_node(d, x);
	uint32_t cur = d->root, parent = NIL, succ = NIL;
	unsigned int side = 0;

	while (cur != NIL) {
		const struct iova_node *c = iova_node(d, cur);

		parent = cur;
		side = n->lo >= c->lo;
		if (!side)
			succ = cur;
		cur = c->child[side];
	}
	n->left = NIL;
	n->right = NIL;
	n->parent = parent;
	if (parent == NIL)
		d->root = x;
	else
		iova_node(d, parent)->child[side] = x;

	/* The successor (there is one: the sentinel) splits its gap with x;
	 * it is an ancestor of the new leaf, so the walk from its parent
	 * passes it. */
	set_gap(d, x, iova_node(d, succ)->gap_lo);
	set_gap(d, succ, n->hi + 1);
	n->height = 1;
	n->sub_ord = n->gap_ord;
	fixup(d, parent);
}

void iova_tree_remove(struct iova_domain *d, uint32_t x)
{
	struct iova_node *n = iova_node(d, x);
	uint32_t succ = iova_tree_next(d, x);
	uint32_t start;

	/* The successor's gap takes in x's gap and x's range. */
	set_gap(d, succ, n->gap_lo);
	if (n->left == NIL || n->right == NIL) {
		uint32_t c = n->left != NIL ? n->left : n->right;

		if (c != NIL)
			iova_node(d, c)->parent = n->parent;
		replace_child(d, n->parent, x, c);
		/* A single child is a leaf (AVL), the successor when on the right. */
		start = c != NIL ? c : n->parent;
	} else {
		/* Two children: the successor is the leftmost of the right subtree. */
		struct iova_node *y = iova_node(d, succ);

		if (y->parent == x) {
			start = succ;
		} else {
			start = y->parent;
			iova_node(d, start)->left = y->right;
			if (y->right != NIL)
				iova_node(d, y->right)->parent = start;
			y->right = n->right;
			iova_node(d, n->right)->parent = succ;
		}
		y->left = n->left;
		iova_node(d, n->left)->parent = succ;
		y->parent = n->parent;
		replace_child(d, n->parent, x, succ);
	}
	fixup(d, start);
}

/*
 * The highest block of n = 2^(need - 1) granules ending at or below `end`
 * in the subtree x: right subtree first (higher addresses), then x's own
 * gap, then the left subtree.  The right subtree is entered only when a
 * block could end below `end` there, and a subtree is left at once when
 * sub_ord says no gap in it is big enough, so the search follows the path
 * of `end` plus one descent: O(log n), recursing at most the tree's height.
 */
static bool search(const struct iova_domain *d, uint32_t x, uint8_t need, uint64_t n,
		   uint64_t end, uint64_t *pfn)
{
	for (; x != NIL; x = iova_node(d, x)->left) {
		const struct iova_node *xn = iova_node(d, x);

		if (xn->sub_ord < need)
			return false;
		if (xn->hi + n < end && search(d, xn->right, need, n, end, pfn))
			return true;
		/* The own gap [gap_lo, lo), clipped to end. */
		uint64_t top = xn->lo < end ? xn->lo : end;
		if (top >= xn->gap_lo + n && ((top - n) & ~(n - 1)) >= xn->gap_lo) {
			*pfn = (top - n) & ~(n - 1);
			return true;
		}
	}
	return false;
}

bool iova_tree_search(const struct iova_domain *d, unsigned int order, uint64_t end,
		      uint64_t *pfn)
{
	return search(d, d->root, (uint8_t)(order + 1), 1ull << order, end, pfn);
}
