/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dma/iova*.c on the host: unit cases for every rule of the IOVA
 * allocator's contract, and property tests that run thousands of random
 * alloc / free / reserve / find / flush operations against a reference
 * model (a sorted array of ranges, searched linearly) and check after
 * every step the allocator's own invariant checker (AVL balance, heights,
 * augmented gap orders, cache, pool), that the ranges equal the model's,
 * and that failures happen exactly when the model says there is no room.
 * Errors must leave the domain byte-for-byte as before (counters aside).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/iova.h>

#define SZ_4K		0x1000ull
#define SZ_64K		0x10000ull
#define SZ_1M		0x100000ull
#define SZ_4G		0x100000000ull
#define MASK32		0xffffffffull
#define MASK28		0x0fffffffull
#define ALL		UINT64_MAX

/* ================================ helpers ================================ */

struct fx {
	struct iova_domain d;
	struct iova_node *nodes;
	size_t nnodes;
};

static struct fx *fx_new(uint64_t granule, uint64_t start, uint64_t end, size_t ranges)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->nnodes = IOVA_NODES(ranges);
	f->nodes = calloc(f->nnodes, sizeof(*f->nodes));
	assert_non_null(f->nodes);
	assert_int_equal(iova_domain_init(&f->d, granule, start, end, f->nodes, f->nnodes), TG_OK);
	return f;
}

static void fx_free(struct fx *f)
{
	free(f->nodes);
	free(f);
}

#define CHECK(dom) do {							\
	const char *why_ = NULL;					\
	if (iova_check((dom), &why_) != TG_OK)				\
		fail_msg("iova_check: %s", why_ ? why_ : "?");		\
} while (0)

static uint64_t alloc_ok(struct iova_domain *d, uint64_t size, uint64_t limit)
{
	uint64_t iova = 0xdeadull;
	int r = iova_alloc(d, size, limit, &iova);

	if (r != TG_OK)
		fail_msg("iova_alloc(%#llx, %#llx) = %d", (unsigned long long)size,
			 (unsigned long long)limit, r);
	return iova;
}

/* A full copy of the domain and its nodes, counters and memo left out. */
struct snap {
	struct iova_domain d;
	struct iova_node *nodes;
	size_t nnodes;
};

static void forget_hints(struct iova_domain *d)
{
	memset(&d->stats, 0, sizeof(d->stats));
	d->fail_end = 0;
	d->fail_order = 0;
	d->ndirty = 0;
	memset(d->dirty, 0, sizeof(d->dirty));
}

static void snap_take(struct snap *s, const struct fx *f)
{
	memcpy(&s->d, &f->d, sizeof(s->d));
	forget_hints(&s->d);
	s->nnodes = f->nnodes;
	s->nodes = malloc(f->nnodes * sizeof(*f->nodes));
	assert_non_null(s->nodes);
	memcpy(s->nodes, f->nodes, f->nnodes * sizeof(*f->nodes));
}

static bool snap_same(const struct snap *s, const struct fx *f)
{
	struct iova_domain now;

	memcpy(&now, &f->d, sizeof(now));
	forget_hints(&now);
	return memcmp(&now, &s->d, sizeof(now)) == 0 &&
	       memcmp(s->nodes, f->nodes, f->nnodes * sizeof(*f->nodes)) == 0;
}

static void snap_drop(struct snap *s)
{
	free(s->nodes);
	s->nodes = NULL;
}

/* The ranges as iova_walk reports them. */
struct wrange {
	uint64_t first, last;
	enum iova_kind kind;
};

struct wlist {
	struct wrange *r;
	size_t n, cap;
};

static int walk_collect(void *ctx, uint64_t first, uint64_t last, enum iova_kind kind)
{
	struct wlist *w = ctx;

	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->r = realloc(w->r, w->cap * sizeof(*w->r));
		assert_non_null(w->r);
	}
	w->r[w->n++] = (struct wrange){ first, last, kind };
	return 0;
}

static void walk_get(const struct iova_domain *d, struct wlist *w)
{
	w->n = 0;
	assert_int_equal(iova_walk(d, walk_collect, w), 0);
}

static size_t count_kind(const struct iova_domain *d, enum iova_kind kind)
{
	struct wlist w = { 0 };
	size_t n = 0;

	walk_get(d, &w);
	for (size_t i = 0; i < w.n; i++)
		n += w.r[i].kind == kind;
	free(w.r);
	return n;
}

/* Error call, then: same return code and domain byte-identical. */
#define EXPECT_ERR_UNCHANGED(f, expected, call) do {			\
	struct snap s_;							\
	snap_take(&s_, (f));						\
	assert_int_equal((call), (expected));				\
	assert_true(snap_same(&s_, (f)));				\
	snap_drop(&s_);							\
	CHECK(&(f)->d);							\
} while (0)

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ============================== init ============================== */

static void test_init_errors(void **state)
{
	struct iova_domain d;
	struct iova_node nodes[8];

	(void)state;
	assert_int_equal(iova_domain_init(NULL, SZ_4K, 0, SZ_4G - 1, nodes, 8), TG_EINVAL);
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0, SZ_4G - 1, NULL, 8), TG_EINVAL);
	/* Not a power of two. */
	assert_int_equal(iova_domain_init(&d, 0x3000, 0, SZ_4G - 1, nodes, 8), TG_EINVAL);
	assert_int_equal(iova_domain_init(&d, 0x1001, 0, SZ_4G - 1, nodes, 8), TG_EINVAL);
	/* Powers of two outside 4 KiB .. 1 GiB. */
	assert_int_equal(iova_domain_init(&d, 0x800, 0, SZ_4G - 1, nodes, 8), TG_ENOTSUP);
	assert_int_equal(iova_domain_init(&d, 1, 0, SZ_4G - 1, nodes, 8), TG_ENOTSUP);
	assert_int_equal(iova_domain_init(&d, 1ull << 31, 0, SZ_4G - 1, nodes, 8), TG_ENOTSUP);
	/* Bounds not granule-aligned, or reversed. */
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0x800, SZ_4G - 1, nodes, 8), TG_EINVAL);
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0, SZ_4G, nodes, 8), TG_EINVAL);
	assert_int_equal(iova_domain_init(&d, SZ_64K, 0, SZ_4G - SZ_4K - 1, nodes, 8), TG_EINVAL);
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0x2000, 0x1fff, nodes, 8), TG_EINVAL);
	/* Too few nodes. */
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0, SZ_4G - 1, nodes, IOVA_NODES(0)), TG_EINVAL);
	/* Good ones: default granule, one granule, the whole 64-bit space. */
	assert_int_equal(iova_domain_init(&d, 0, 0, SZ_4G - 1, nodes, IOVA_NODES(1)), TG_OK);
	assert_int_equal(iova_alloc_size(&d, 1), SZ_4K);
	CHECK(&d);
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0x5000, 0x5fff, nodes, 8), TG_OK);
	CHECK(&d);
	assert_int_equal(iova_domain_init(&d, 1ull << 30, 0, ALL, nodes, 8), TG_OK);
	CHECK(&d);
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0, ALL, nodes, 8), TG_OK);
	CHECK(&d);
}

static void test_init_too_many_nodes(void **state)
{
	struct iova_domain d;
	struct iova_node nodes[4];

	(void)state;
	if (sizeof(size_t) <= 4)
		skip();
	/* Only the count is checked; the array is never touched. */
	assert_int_equal(iova_domain_init(&d, SZ_4K, 0, SZ_4G - 1, nodes, (size_t)UINT32_MAX + 1),
			 TG_ERANGE);
}

/* ============================== allocation ============================== */

static void test_alloc_rounding_alignment(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 64);
	static const struct { uint64_t size, rounded; } cases[] = {
		{ 1, SZ_4K }, { SZ_4K, SZ_4K }, { SZ_4K + 1, 2 * SZ_4K },
		{ 3 * SZ_4K, 4 * SZ_4K }, { 5 * SZ_4K - 7, 8 * SZ_4K },
		{ 64 * SZ_4K, 64 * SZ_4K }, { 65 * SZ_4K, 128 * SZ_4K },
		{ 3 * SZ_1M, 4 * SZ_1M }, { (1ull << 35) + 1, 1ull << 36 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t iova, start, size;

		assert_int_equal(iova_alloc_size(&f->d, cases[i].size), cases[i].rounded);
		iova = alloc_ok(&f->d, cases[i].size, ALL);
		assert_int_equal(iova % cases[i].rounded, 0);
		assert_true(iova + cases[i].rounded - 1 <= (1ull << 40) - 1);
		assert_int_equal(iova_find(&f->d, iova + cases[i].size - 1, &start, &size), TG_OK);
		assert_int_equal(start, iova);
		assert_int_equal(size, cases[i].rounded);
		CHECK(&f->d);
	}
	fx_free(f);
}

static void test_alloc_highest_first(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 64);
	uint64_t a, b, c;

	(void)state;
	/* The top of the space first, then downwards. */
	a = alloc_ok(&f->d, SZ_4K, ALL);
	assert_int_equal(a, (1ull << 40) - SZ_4K);
	b = alloc_ok(&f->d, SZ_4K, ALL);
	assert_int_equal(b, (1ull << 40) - 2 * SZ_4K);
	/* 8 granules: naturally aligned below b, skipping the hole. */
	c = alloc_ok(&f->d, 8 * SZ_4K, ALL);
	assert_int_equal(c, (1ull << 40) - 16 * SZ_4K);
	/* The hole between c and b is used by a request that fits it. */
	assert_int_equal(alloc_ok(&f->d, 4 * SZ_4K, ALL), (1ull << 40) - 8 * SZ_4K);
	assert_int_equal(alloc_ok(&f->d, 2 * SZ_4K, ALL), (1ull << 40) - 4 * SZ_4K);
	/* Below the 32- and 28-bit limits: the top of each. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, MASK32), SZ_4G - SZ_4K);
	/* 256 granules: the top 1 MiB block holds the granule just taken. */
	assert_int_equal(alloc_ok(&f->d, SZ_1M, MASK32), SZ_4G - 2 * SZ_1M);
	assert_int_equal(alloc_ok(&f->d, SZ_4K, MASK28), 0x10000000 - SZ_4K);
	assert_int_equal(alloc_ok(&f->d, 2 * SZ_4K, MASK28), 0x10000000 - 4 * SZ_4K);
	CHECK(&f->d);
	fx_free(f);
}

static void test_alloc_limits(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0x100000, (1ull << 36) - 1, 64);
	uint64_t iova;

	(void)state;
	/* The whole range must be at or below the limit. */
	assert_int_equal(alloc_ok(&f->d, 4 * SZ_4K, 0x123456fff), 0x123450000);
	/* A limit that does not end a granule: only whole granules below it. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, 0x200000ffe), 0x1ffffffff & ~0xfffull);
	assert_int_equal(alloc_ok(&f->d, SZ_4K, 0x200000fff), 0x200000000);
	/* A limit above the domain is the domain's end. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, ALL), (1ull << 36) - SZ_4K);
	/* Exactly the first granule of the domain. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, 0x100fff), 0x100000);
	/* Nothing whole below the limit inside the domain. */
	EXPECT_ERR_UNCHANGED(f, TG_ERANGE, iova_alloc(&f->d, SZ_4K, 0xfffff, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_ERANGE, iova_alloc(&f->d, SZ_4K, 0x100ffe, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_ERANGE, iova_alloc(&f->d, SZ_4K, 0, &iova));
	/* Room below the limit but not for an aligned block of that size. */
	EXPECT_ERR_UNCHANGED(f, TG_ENOSPC, iova_alloc(&f->d, 2 * SZ_4K, 0x101fff, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_ENOSPC, iova_alloc(&f->d, SZ_1M, 0x1fffff, &iova));
	fx_free(f);
}

static void test_alloc_bad_input(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 16);
	uint64_t iova;

	(void)state;
	alloc_ok(&f->d, SZ_4K, ALL);
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_alloc(&f->d, 0, ALL, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_alloc(&f->d, SZ_4K, ALL, NULL));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_alloc(NULL, SZ_4K, ALL, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_alloc_flags(&f->d, SZ_4K, ALL, 0x80, &iova));
	/* Rounding overflows 64 bits. */
	EXPECT_ERR_UNCHANGED(f, TG_ERANGE, iova_alloc(&f->d, ALL, ALL, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_ERANGE, iova_alloc(&f->d, (1ull << 63) + 1, ALL, &iova));
	/* Larger than the domain. */
	EXPECT_ERR_UNCHANGED(f, TG_ERANGE, iova_alloc(&f->d, (1ull << 40) + 1, ALL, &iova));
	assert_int_equal(iova_alloc_size(&f->d, 0), 0);
	assert_int_equal(iova_alloc_size(&f->d, ALL), 0);
	assert_int_equal(iova_alloc_size(&f->d, 1ull << 63), 1ull << 63);
	fx_free(f);
}

static void test_alloc_whole_space(void **state)
{
	/* The full 64-bit space: sentinel past 2^64 - 1, 2^63-byte blocks. */
	struct fx *f = fx_new(SZ_4K, 0, ALL, 16);
	uint64_t iova;

	(void)state;
	assert_int_equal(alloc_ok(&f->d, 1ull << 63, ALL), 1ull << 63);
	assert_int_equal(alloc_ok(&f->d, SZ_4K, ALL), (1ull << 63) - SZ_4K);
	assert_int_equal(alloc_ok(&f->d, SZ_4K, 0x0fff), 0);
	EXPECT_ERR_UNCHANGED(f, TG_ENOSPC, iova_alloc(&f->d, 1ull << 63, ALL, &iova));
	assert_int_equal(iova_free(&f->d, 1ull << 63, 1ull << 63), TG_OK);
	CHECK(&f->d);
	EXPECT_ERR_UNCHANGED(f, TG_EBUSY, iova_reserve(&f->d, 1ull << 62, ALL));
	assert_int_equal(iova_reserve(&f->d, 1ull << 63, ALL), TG_OK);
	assert_int_equal(iova_find(&f->d, ALL, &iova, NULL), TG_EBUSY);
	assert_int_equal(iova, 1ull << 63);
	/* The top 2^61 block below 2^63 holds 2^63 - 4 KiB: the next one down. */
	assert_int_equal(alloc_ok(&f->d, 1ull << 61, ALL), 1ull << 62);
	CHECK(&f->d);
	fx_free(f);

	/* 64 KiB granules, a space of one granule. */
	f = fx_new(SZ_64K, 0x30000, 0x3ffff, 4);
	assert_int_equal(alloc_ok(&f->d, 1, ALL), 0x30000);
	EXPECT_ERR_UNCHANGED(f, TG_ENOSPC, iova_alloc(&f->d, 1, ALL, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_ERANGE, iova_alloc(&f->d, SZ_64K + 1, ALL, &iova));
	assert_int_equal(iova_free(&f->d, 0x30000, SZ_64K), TG_OK);
	fx_free(f);
}

static void test_alloc_fill_exact(void **state)
{
	/* 256 granules, reservations inside; every free granule handed out once. */
	struct fx *f = fx_new(SZ_4K, 0, 256 * SZ_4K - 1, 300);
	uint8_t seen[256] = { 0 };
	uint64_t iova;
	unsigned int got = 0;

	(void)state;
	assert_int_equal(iova_reserve(&f->d, 0, 0xfff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x10000, 0x1ffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0xff000, 0xfffff), TG_OK);
	while (iova_alloc(&f->d, SZ_4K, ALL, &iova) == TG_OK) {
		unsigned int g = (unsigned int)(iova / SZ_4K);

		assert_true(g < 256);
		assert_int_equal(seen[g], 0);
		seen[g] = 1;
		got++;
	}
	assert_int_equal(got, 256 - 1 - 16 - 1);
	assert_int_equal(seen[0] + seen[255], 0);
	for (unsigned int g = 16; g < 32; g++)
		assert_int_equal(seen[g], 0);
	CHECK(&f->d);
	fx_free(f);
}

/* ============================== reservations ============================== */

static void test_reserve_never_handed_out(void **state)
{
	/* The QEMU-virt-like layout of the property test, 32-bit space. */
	struct fx *f = fx_new(SZ_4K, 0, SZ_4G - 1, 20000);
	uint64_t iova;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(iova_reserve(&f->d, 0, 0xfff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x08000000, 0x080fffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x10000000, 0x3effffff), TG_OK);
	/* Reserving beyond the domain: clipped, or nothing at all. */
	assert_int_equal(iova_reserve(&f->d, 0x8000000000, 0xffffffffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0xfff00000, ALL), TG_OK);
	assert_int_equal(f->d.stats.reserved, 4);
	while (iova_alloc(&f->d, 16 * SZ_1M, MASK32, &iova) == TG_OK) {
		assert_true(iova + 16 * SZ_1M - 1 < 0xfff00000);
		assert_false(iova < 0x3f000000 && iova + 16 * SZ_1M > 0x10000000);
		assert_false(iova < 0x08100000 && iova + 16 * SZ_1M > 0x08000000);
		n++;
	}
	/* 16 MiB blocks 0x1000000..0x7000000, 0x9000000..0xf000000, 0x3f000000..0xfe000000. */
	assert_int_equal(n, 7 + 7 + 192);
	n = 0;
	while (iova_alloc(&f->d, SZ_4K, MASK32, &iova) == TG_OK) {
		n++;
		assert_true(iova >= 0x1000);
		assert_false(iova >= 0x08000000 && iova < 0x08100000);
		assert_false(iova >= 0x10000000 && iova < 0x3f000000);
		assert_true(iova < 0xfff00000);
	}
	/* Every granule left: 0x1000..0xffffff, 0x8100000..0x8ffffff, 0xff000000..0xffefffff. */
	assert_int_equal(n, 0xfff + 0xf00 + 0xf00);
	CHECK(&f->d);
	fx_free(f);
}

static void test_reserve_merge(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 32);
	struct wlist w = { 0 };

	(void)state;
	assert_int_equal(iova_reserve(&f->d, 0x10000, 0x1ffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x30000, 0x3ffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x50000, 0x5ffff), TG_OK);
	assert_int_equal(f->d.stats.reserved, 3);
	/* Twice the same, and one inside another: no change. */
	assert_int_equal(iova_reserve(&f->d, 0x10000, 0x1ffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x12000, 0x12fff), TG_OK);
	assert_int_equal(f->d.stats.reserved, 3);
	/* Adjacent on the left and on the right. */
	assert_int_equal(iova_reserve(&f->d, 0x8000, 0xffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x60000, 0x60fff), TG_OK);
	assert_int_equal(f->d.stats.reserved, 3);
	/* Spanning two and touching the third. */
	assert_int_equal(iova_reserve(&f->d, 0x1f000, 0x4ffff), TG_OK);
	assert_int_equal(f->d.stats.reserved, 1);
	walk_get(&f->d, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.r[0].first, 0x8000);
	assert_int_equal(w.r[0].last, 0x60fff);
	assert_int_equal(w.r[0].kind, IOVA_KIND_RESERVED);
	CHECK(&f->d);
	/* A reservation merged from several uses one node. */
	assert_int_equal(f->d.stats.nodes_free, 32 - 1);
	/* Not adjacent: a separate range. */
	assert_int_equal(iova_reserve(&f->d, 0x62000, 0x62fff), TG_OK);
	assert_int_equal(f->d.stats.reserved, 2);
	/* Next to an allocation: fine, no merge with it. */
	uint64_t a = alloc_ok(&f->d, SZ_4K, 0x70fff);
	assert_int_equal(a, 0x70000);
	assert_int_equal(iova_reserve(&f->d, 0x71000, 0x71fff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x6f000, 0x6ffff), TG_OK);
	assert_int_equal(f->d.stats.reserved, 4);
	CHECK(&f->d);
	free(w.r);
	fx_free(f);
}

static void test_reserve_errors(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0x100000, (1ull << 40) - 1, 8);
	uint64_t a;

	(void)state;
	a = alloc_ok(&f->d, 4 * SZ_4K, MASK32);
	assert_int_equal(iova_reserve(&f->d, 0x200000, 0x2fffff), TG_OK);
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_reserve(&f->d, 0x1001, 0x1fff));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_reserve(&f->d, 0x1000, 0x1ffe));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_reserve(&f->d, 0x1000, 0x2000));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_reserve(&f->d, 0x3000, 0x1fff));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_reserve(NULL, 0x1000, 0x1fff));
	/* Over an allocation, partly or fully, even when it would merge. */
	EXPECT_ERR_UNCHANGED(f, TG_EBUSY, iova_reserve(&f->d, a, a + SZ_4K - 1));
	EXPECT_ERR_UNCHANGED(f, TG_EBUSY, iova_reserve(&f->d, a + 3 * SZ_4K, a + SZ_1M - 1));
	EXPECT_ERR_UNCHANGED(f, TG_EBUSY, iova_reserve(&f->d, 0x200000, ALL));
	EXPECT_ERR_UNCHANGED(f, TG_EBUSY, iova_reserve(&f->d, 0, ALL));
	/* Outside the domain entirely: nothing to do. */
	assert_int_equal(iova_reserve(&f->d, 0, 0xfffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 1ull << 40, ALL), TG_OK);
	assert_int_equal(f->d.stats.reserved, 1);
	/* Adjacent to the allocation is fine. */
	assert_int_equal(iova_reserve(&f->d, a + 4 * SZ_4K, a + 8 * SZ_4K - 1), TG_OK);
	assert_int_equal(iova_reserve(&f->d, a - SZ_4K, a - 1), TG_OK);
	CHECK(&f->d);
	fx_free(f);
}

static void test_reserve_over_cached(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 32);
	uint64_t a, b;

	(void)state;
	a = alloc_ok(&f->d, SZ_4K, MASK32);
	b = alloc_ok(&f->d, 2 * SZ_4K, MASK32);
	assert_int_equal(iova_free(&f->d, a, SZ_4K), TG_OK);
	assert_int_equal(iova_free(&f->d, b, 2 * SZ_4K), TG_OK);
	assert_int_equal(f->d.stats.cached, 2);
	/* The cached range under the reservation goes; the other stays. */
	assert_int_equal(iova_reserve(&f->d, a, a + SZ_4K - 1), TG_OK);
	assert_int_equal(f->d.stats.cached, 1);
	assert_int_equal(count_kind(&f->d, IOVA_KIND_CACHED), 1);
	CHECK(&f->d);
	/* And is never handed out again, even for the same size. */
	assert_int_not_equal(alloc_ok(&f->d, SZ_4K, MASK32), a);
	assert_int_equal(alloc_ok(&f->d, 2 * SZ_4K, MASK32), b);
	CHECK(&f->d);
	fx_free(f);
}

/* ============================== free / find ============================== */

static void test_free_errors(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 64);
	uint64_t a, big, cached;

	(void)state;
	assert_int_equal(iova_reserve(&f->d, 0x10000000, 0x3effffff), TG_OK);
	a = alloc_ok(&f->d, 4 * SZ_4K, ALL);
	big = alloc_ok(&f->d, SZ_1M, ALL);	/* 256 granules: never cached */
	cached = alloc_ok(&f->d, SZ_4K, ALL);
	assert_int_equal(iova_free(&f->d, cached, SZ_4K), TG_OK);

	/* Never allocated, inside an allocation, beyond the domain. */
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, 0x5000, SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, a + SZ_4K, SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, big + 0x10000, SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, 1ull << 40, SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, 1ull << 50, SZ_4K));
	/* Double free: the range is in the cache. */
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, cached, SZ_4K));
	/* Wrong size, either way, for cacheable and not. */
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, a, SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, a, 8 * SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, big, SZ_1M / 2));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, big, SZ_1M + 1));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, a, 0));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, a, ALL));
	/* Unaligned, reserved. */
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, a + 1, 4 * SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, 0x10000000, SZ_4K));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(&f->d, 0x10000000, 0x2f000000));
	EXPECT_ERR_UNCHANGED(f, TG_EINVAL, iova_free(NULL, a, SZ_4K));

	/* Any size with the same rounding frees. */
	assert_int_equal(iova_free(&f->d, a, 3 * SZ_4K + 1), TG_OK);
	assert_int_equal(iova_free(&f->d, big, SZ_1M - SZ_4K + 1), TG_OK);
	/* Double free through the tree (the 1 MiB range was not cached). */
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, big, SZ_1M));
	EXPECT_ERR_UNCHANGED(f, TG_ENOENT, iova_free(&f->d, a, 4 * SZ_4K));
	CHECK(&f->d);
	assert_int_equal(f->d.stats.live, 0);
	fx_free(f);
}

static void test_find(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 16);
	uint64_t a, c, start = 1, size = 1;

	(void)state;
	assert_int_equal(iova_reserve(&f->d, 0x08000000, 0x080fffff), TG_OK);
	a = alloc_ok(&f->d, 6 * SZ_4K, MASK32);
	c = alloc_ok(&f->d, SZ_4K, MASK32);
	assert_int_equal(iova_free(&f->d, c, SZ_4K), TG_OK);

	assert_int_equal(iova_find(&f->d, a, &start, &size), TG_OK);
	assert_int_equal(start, a);
	assert_int_equal(size, 8 * SZ_4K);
	assert_int_equal(iova_find(&f->d, a + 8 * SZ_4K - 1, &start, NULL), TG_OK);
	assert_int_equal(start, a);
	assert_int_equal(iova_find(&f->d, a + 8 * SZ_4K - 1, NULL, NULL), TG_OK);
	assert_int_equal(iova_find(&f->d, 0x080abcde, &start, &size), TG_EBUSY);
	assert_int_equal(start, 0x08000000);
	assert_int_equal(size, SZ_1M);
	assert_int_equal(iova_find(&f->d, c, &start, &size), TG_ENOENT);
	assert_int_equal(iova_find(&f->d, 0x5000, &start, &size), TG_ENOENT);
	assert_int_equal(iova_find(&f->d, 1ull << 40, &start, &size), TG_ENOENT);
	assert_int_equal(iova_find(&f->d, ALL, &start, &size), TG_ENOENT);
	assert_int_equal(iova_find(NULL, 0, &start, &size), TG_EINVAL);
	fx_free(f);
}

/* ============================== cache ============================== */

static void test_cache_lifo_and_counters(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 64);
	uint64_t a, b, c;
	struct iova_stats st;

	(void)state;
	a = alloc_ok(&f->d, SZ_4K, ALL);
	b = alloc_ok(&f->d, SZ_4K, ALL);
	c = alloc_ok(&f->d, 64 * SZ_4K, ALL);
	assert_int_equal(iova_free(&f->d, a, SZ_4K), TG_OK);
	assert_int_equal(iova_free(&f->d, b, SZ_4K), TG_OK);
	assert_int_equal(iova_free(&f->d, c, 64 * SZ_4K), TG_OK);
	iova_get_stats(&f->d, &st);
	assert_int_equal(st.cached, 3);
	assert_int_equal(st.cache_frees, 3);
	assert_int_equal(st.live, 0);
	assert_int_equal(count_kind(&f->d, IOVA_KIND_CACHED), 3);
	CHECK(&f->d);
	/* Last in, first out; a different size misses. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, ALL), b);
	assert_int_equal(alloc_ok(&f->d, 1, ALL), a);
	assert_int_equal(alloc_ok(&f->d, 33 * SZ_4K, ALL), c);
	iova_get_stats(&f->d, &st);
	assert_int_equal(st.cache_hits, 3);
	assert_int_equal(st.cache_misses, 3);	/* the first three */
	alloc_ok(&f->d, 2 * SZ_4K, ALL);
	/* 128 granules is beyond the cached sizes: neither hit nor miss. */
	alloc_ok(&f->d, 128 * SZ_4K, ALL);
	iova_get_stats(&f->d, &st);
	assert_int_equal(st.cache_misses, 4);
	assert_int_equal(st.allocs, 8);
	assert_int_equal(st.live, 5);
	assert_int_equal(st.tree_inserts, 5);
	CHECK(&f->d);
	fx_free(f);
}

static void test_cache_respects_limit(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 64);
	uint64_t hi, lo;

	(void)state;
	hi = alloc_ok(&f->d, SZ_4K, ALL);
	lo = alloc_ok(&f->d, SZ_4K, MASK32);
	assert_true(hi > MASK32);
	assert_int_equal(iova_free(&f->d, lo, SZ_4K), TG_OK);
	assert_int_equal(iova_free(&f->d, hi, SZ_4K), TG_OK);
	/* The newest (high) entry does not satisfy a 32-bit limit: skipped. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, MASK32), lo);
	/* A 28-bit request finds nothing usable in the cache. */
	assert_true(alloc_ok(&f->d, SZ_4K, MASK28) <= MASK28 - SZ_4K + 1);
	assert_int_equal(f->d.stats.cached, 1);
	assert_int_equal(alloc_ok(&f->d, SZ_4K, ALL), hi);
	CHECK(&f->d);
	fx_free(f);
}

static void test_cache_bounded_and_flush(void **state)
{
	const unsigned int n = IOVA_CACHE_DEPTH + 10;
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 2 * n + 8);
	uint64_t *a = calloc(n, sizeof(*a));
	struct iova_stats st;

	(void)state;
	assert_non_null(a);
	for (unsigned int i = 0; i < n; i++)
		a[i] = alloc_ok(&f->d, 2 * SZ_4K, ALL);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(iova_free(&f->d, a[i], 2 * SZ_4K), TG_OK);
	iova_get_stats(&f->d, &st);
	assert_int_equal(st.cached, IOVA_CACHE_DEPTH);
	assert_int_equal(st.tree_removes, 10);
	assert_int_equal(count_kind(&f->d, IOVA_KIND_CACHED), IOVA_CACHE_DEPTH);
	CHECK(&f->d);
	iova_flush_cache(&f->d);
	iova_get_stats(&f->d, &st);
	assert_int_equal(st.cached, 0);
	assert_int_equal(st.cache_flushes, 1);
	assert_int_equal(st.nodes_free, 2 * n + 8);
	assert_int_equal(count_kind(&f->d, IOVA_KIND_CACHED), 0);
	CHECK(&f->d);
	/* Flushing an empty cache does nothing. */
	iova_flush_cache(&f->d);
	assert_int_equal(f->d.stats.cache_flushes, 1);
	/* After the flush the tree is empty again: highest-first from the top. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, ALL), (1ull << 40) - SZ_4K);
	free(a);
	fx_free(f);
}

static void test_cache_flush_on_failure(void **state)
{
	/* 16 granules; fill with 1-granule ranges, free them into the cache. */
	struct fx *f = fx_new(SZ_4K, 0, 16 * SZ_4K - 1, 32);
	uint64_t a[16], iova;

	(void)state;
	for (unsigned int i = 0; i < 16; i++)
		a[i] = alloc_ok(&f->d, SZ_4K, ALL);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(iova_free(&f->d, a[i], SZ_4K), TG_OK);
	assert_int_equal(f->d.stats.cached, 16);
	/* NOFLUSH: the tree is full of cached ranges, fails, cache untouched. */
	EXPECT_ERR_UNCHANGED(f, TG_ENOSPC,
			     iova_alloc_flags(&f->d, 16 * SZ_4K, ALL, IOVA_ALLOC_NOFLUSH, &iova));
	/* A 32-bit-style limit only flushes what lies below it. */
	assert_int_equal(alloc_ok(&f->d, 8 * SZ_4K, 8 * SZ_4K - 1), 0);
	assert_int_equal(f->d.stats.cached, 8);
	assert_int_equal(f->d.stats.cache_flushes, 1);
	CHECK(&f->d);
	/* Without the flag the cached ranges are given back and merged. */
	assert_int_equal(iova_free(&f->d, 0, 8 * SZ_4K), TG_OK);
	assert_int_equal(alloc_ok(&f->d, 16 * SZ_4K, ALL), 0);
	assert_int_equal(f->d.stats.cached, 0);
	CHECK(&f->d);
	fx_free(f);
}

static void test_fail_fast_memo(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, 1024 * SZ_4K - 1, 256);
	uint64_t iova, lim129 = 129 * SZ_4K - 1, lim130 = 130 * SZ_4K - 1;
	uint64_t fast;

	(void)state;
	for (unsigned int i = 0; i < 8; i++)
		alloc_ok(&f->d, 128 * SZ_4K, ALL);
	/* A failed search (empty cache) is remembered... */
	assert_int_equal(iova_alloc(&f->d, SZ_4K, lim129, &iova), TG_ENOSPC);
	fast = f->d.stats.fast_failures;
	assert_int_equal(iova_alloc(&f->d, SZ_4K, lim129, &iova), TG_ENOSPC);
	assert_int_equal(iova_alloc(&f->d, 4 * SZ_4K, lim129 - SZ_4K, &iova), TG_ENOSPC);
	assert_int_equal(f->d.stats.fast_failures, fast + 2);
	/* ...until a range below its bound goes back to the tree, even its last granule. */
	assert_int_equal(iova_free(&f->d, 128 * SZ_4K, 128 * SZ_4K), TG_OK);
	assert_int_equal(alloc_ok(&f->d, SZ_4K, lim129), 128 * SZ_4K);
	CHECK(&f->d);

	/* Cached ranges below the bound are looked at one by one. */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, lim130), 129 * SZ_4K);
	assert_int_equal(iova_alloc(&f->d, 2 * SZ_4K, lim130, &iova), TG_ENOSPC);
	fast = f->d.stats.fast_failures;
	assert_int_equal(iova_free(&f->d, 128 * SZ_4K, SZ_4K), TG_OK);	/* cached */
	/* [128, 129]: 129 is live. */
	assert_int_equal(iova_alloc(&f->d, 2 * SZ_4K, lim130, &iova), TG_ENOSPC);
	assert_int_equal(f->d.stats.fast_failures, fast + 1);
	assert_int_equal(f->d.stats.cached, 1);
	assert_int_equal(iova_free(&f->d, 129 * SZ_4K, SZ_4K), TG_OK);	/* cached */
	/* NOFLUSH never gives cached ranges back (it searches the tree). */
	assert_int_equal(iova_alloc_flags(&f->d, 2 * SZ_4K, lim130, IOVA_ALLOC_NOFLUSH, &iova),
			 TG_ENOSPC);
	assert_int_equal(f->d.stats.fast_failures, fast + 1);
	/* Now [128, 129] holds only cached ranges: given back, allocated. */
	assert_int_equal(alloc_ok(&f->d, 2 * SZ_4K, lim130), 128 * SZ_4K);
	assert_int_equal(f->d.stats.cached, 0);
	assert_int_equal(f->d.stats.fast_failures, fast + 1);
	CHECK(&f->d);

	/* More cached ranges below the bound than it tracks: memo dropped. */
	while (iova_alloc(&f->d, SZ_4K, ALL, &iova) == TG_OK)
		;	/* granules 130..255 */
	assert_int_equal(f->d.stats.live, 7 + 1 + 126);
	assert_int_equal(iova_alloc(&f->d, 2 * SZ_4K, ALL, &iova), TG_ENOSPC);
	assert_int_not_equal(f->d.fail_end, 0);
	for (unsigned int i = 0; i < IOVA_FAIL_DIRTY + 1; i++)
		assert_int_equal(iova_free(&f->d, (130 + 2 * i) * SZ_4K, SZ_4K), TG_OK);
	assert_int_equal(f->d.fail_end, 0);
	fast = f->d.stats.fast_failures;
	assert_int_equal(iova_alloc(&f->d, 2 * SZ_4K, ALL, &iova), TG_ENOSPC);
	assert_int_equal(f->d.stats.fast_failures, fast);
	assert_int_equal(f->d.stats.cached, IOVA_FAIL_DIRTY + 1);
	CHECK(&f->d);
	fx_free(f);

	/* A freed range larger than the request, partly allocated again since. */
	f = fx_new(SZ_4K, 0, 1024 * SZ_4K - 1, 64);
	for (unsigned int i = 0; i < 8; i++)
		alloc_ok(&f->d, 128 * SZ_4K, ALL);
	assert_int_equal(iova_alloc(&f->d, 64 * SZ_4K, ALL, &iova), TG_ENOSPC);
	assert_int_equal(iova_free(&f->d, 0, 128 * SZ_4K), TG_OK);	/* to the tree */
	assert_int_equal(alloc_ok(&f->d, 64 * SZ_4K, 64 * SZ_4K - 1), 0);
	assert_int_equal(alloc_ok(&f->d, 64 * SZ_4K, ALL), 64 * SZ_4K);
	assert_int_equal(iova_alloc(&f->d, SZ_4K, ALL, &iova), TG_ENOSPC);
	CHECK(&f->d);
	fx_free(f);
}

/* ============================== node pool ============================== */

static void test_nodes_exhausted(void **state)
{
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, 4);
	uint64_t a[4], iova;

	(void)state;
	for (unsigned int i = 0; i < 4; i++)
		a[i] = alloc_ok(&f->d, 128 * SZ_4K, ALL);
	assert_int_equal(f->d.stats.nodes_free, 0);
	EXPECT_ERR_UNCHANGED(f, TG_ENOMEM, iova_alloc(&f->d, SZ_4K, ALL, &iova));
	EXPECT_ERR_UNCHANGED(f, TG_ENOMEM, iova_reserve(&f->d, 0, 0xfff));
	/* A reservation that merges into an existing one needs no node... */
	assert_int_equal(iova_free(&f->d, a[3], 128 * SZ_4K), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0, 0xfff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x1000, 0x1fff), TG_OK);
	EXPECT_ERR_UNCHANGED(f, TG_ENOMEM, iova_reserve(&f->d, 0x3000, 0x3fff));
	/* ...and cached ranges give their nodes back when needed. */
	assert_int_equal(iova_free(&f->d, a[2], 128 * SZ_4K), TG_OK);	/* tree */
	assert_int_equal(alloc_ok(&f->d, SZ_4K, ALL), a[1] - SZ_4K);
	assert_int_equal(iova_free(&f->d, a[1] - SZ_4K, SZ_4K), TG_OK);	/* cache */
	EXPECT_ERR_UNCHANGED(f, TG_ENOMEM,
			     iova_alloc_flags(&f->d, 2 * SZ_4K, ALL, IOVA_ALLOC_NOFLUSH, &iova));
	assert_int_equal(alloc_ok(&f->d, 2 * SZ_4K, ALL), a[1] - 2 * SZ_4K);
	assert_int_equal(f->d.stats.cached, 0);
	CHECK(&f->d);
	/* Same for a reservation when the pool is empty. */
	assert_int_equal(iova_free(&f->d, a[1] - 2 * SZ_4K, 2 * SZ_4K), TG_OK);
	assert_int_equal(f->d.stats.cached, 1);
	assert_int_equal(iova_reserve(&f->d, 0x5000, 0x5fff), TG_OK);
	assert_int_equal(f->d.stats.cached, 0);
	CHECK(&f->d);
	fx_free(f);
}

/* ============================== scale ============================== */

static void test_300k_live(void **state)
{
	const uint32_t n = 300000;
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 48) - 1, n + 8);
	uint64_t *a = malloc(n * sizeof(*a));
	uint8_t *ord = malloc(n);
	uint64_t iova;

	(void)state;
	assert_non_null(a);
	assert_non_null(ord);
	rng_state = 0x300000;
	assert_int_equal(iova_reserve(&f->d, 0, 0xfff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x08000000, 0x080fffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x10000000, 0x3effffff), TG_OK);
	assert_int_equal(iova_reserve(&f->d, 0x8000000000, 0xffffffffff), TG_OK);
	for (uint32_t i = 0; i < n; i++) {
		/* One in four below 4 GiB, smaller so that they all fit there. */
		ord[i] = (uint8_t)rnd_below((i & 3) ? 7 : 3);
		a[i] = alloc_ok(&f->d, SZ_4K << ord[i], (i & 3) ? ALL : MASK32);
	}
	assert_int_equal(f->d.stats.live, n);
	CHECK(&f->d);
	/* Free in random order (Fisher-Yates), with some re-allocation. */
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)rnd_below(i + 1);
		uint64_t t = a[i];
		uint8_t o = ord[i];

		a[i] = a[j];
		a[j] = t;
		ord[i] = ord[j];
		ord[j] = o;
	}
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(iova_free(&f->d, a[i], SZ_4K << ord[i]), TG_OK);
		if (i % 1000 == 0) {
			assert_int_equal(iova_alloc(&f->d, SZ_4K, MASK32, &iova), TG_OK);
			assert_int_equal(iova_free(&f->d, iova, SZ_4K), TG_OK);
		}
	}
	CHECK(&f->d);
	iova_flush_cache(&f->d);
	assert_int_equal(f->d.stats.live, 0);
	assert_int_equal(f->d.stats.nodes_free, n + 8 - 4);
	assert_int_equal(count_kind(&f->d, IOVA_KIND_RESERVED), 4);
	CHECK(&f->d);
	free(a);
	free(ord);
	fx_free(f);
}

static void test_sequential_patterns(void **state)
{
	/* Ascending and descending inserts/removes stress every rotation. */
	const uint32_t n = 20000;
	struct fx *f = fx_new(SZ_4K, 0, (1ull << 40) - 1, n + 4);

	(void)state;
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(iova_reserve(&f->d, (uint64_t)i * 2 * SZ_4K,
					      (uint64_t)i * 2 * SZ_4K + SZ_4K - 1), TG_OK);
	CHECK(&f->d);
	assert_int_equal(f->d.stats.reserved, n);
	/* Filling the holes merges everything into one reservation. */
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(iova_reserve(&f->d, (uint64_t)i * 2 * SZ_4K + SZ_4K,
					      (uint64_t)i * 2 * SZ_4K + 2 * SZ_4K - 1), TG_OK);
	assert_int_equal(f->d.stats.reserved, 1);
	CHECK(&f->d);
	/* Descending allocations (highest first), freed ascending. */
	for (uint32_t i = 0; i < n; i++)
		alloc_ok(&f->d, 128 * SZ_4K, ALL);
	CHECK(&f->d);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(iova_free(&f->d, (1ull << 40) - (uint64_t)(n - i) * 128 * SZ_4K,
					   128 * SZ_4K), TG_OK);
	CHECK(&f->d);
	assert_int_equal(f->d.stats.nodes_free, n + 4 - 1);
	fx_free(f);
}

/* ============================== property test ============================== */

/* Reference model: sorted, disjoint ranges in granules. */
struct mrange {
	uint64_t lo, hi;
	enum iova_kind kind;
	uint64_t end;		/* ALLOC: exclusive granule bound it was given */
};

struct model {
	struct mrange *r;
	size_t n, cap;
	unsigned int shift;
	uint64_t start, last;	/* granules of the space */
	size_t capacity;	/* usable nodes */
};

#define OCC_ALL		((1u << IOVA_KIND_ALLOCATED) | (1u << IOVA_KIND_CACHED) | \
			 (1u << IOVA_KIND_RESERVED))
#define OCC_NOCACHE	((1u << IOVA_KIND_ALLOCATED) | (1u << IOVA_KIND_RESERVED))

static size_t m_lower(const struct model *m, uint64_t pfn)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {	/* first range with hi >= pfn */
		size_t mid = (lo + hi) / 2;

		if (m->r[mid].hi < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static long m_find(const struct model *m, uint64_t pfn)
{
	size_t i = m_lower(m, pfn);

	return i < m->n && m->r[i].lo <= pfn ? (long)i : -1;
}

static void m_insert(struct model *m, struct mrange r)
{
	size_t i = m_lower(m, r.lo);

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->r = realloc(m->r, m->cap * sizeof(*m->r));
		assert_non_null(m->r);
	}
	assert_true(i == m->n || m->r[i].lo > r.hi);
	assert_true(i == 0 || m->r[i - 1].hi < r.lo);
	memmove(&m->r[i + 1], &m->r[i], (m->n - i) * sizeof(*m->r));
	m->r[i] = r;
	m->n++;
}

static void m_remove(struct model *m, size_t i)
{
	memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof(*m->r));
	m->n--;
}

static size_t m_count(const struct model *m, enum iova_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->r[i].kind == kind;
	return n;
}

/*
 * Highest granule p, a multiple of 2^order, with [p, p + 2^order) inside
 * the space, below `end` and clear of the ranges whose kind is in occ.
 */
static bool m_fit(const struct model *m, unsigned int order, uint64_t end, unsigned int occ,
		  uint64_t *pfn)
{
	uint64_t n = 1ull << order, top = m->last + 1;

	for (size_t k = m->n + 1; k-- > 0;) {
		uint64_t glo;

		if (k > 0 && !(occ & (1u << m->r[k - 1].kind)))
			continue;
		glo = k > 0 ? m->r[k - 1].hi + 1 : m->start;
		if (glo < top) {
			uint64_t t = top < end ? top : end;

			if (t >= n && t > glo) {
				uint64_t p = (t - n) & ~(n - 1);

				if (p >= glo) {
					*pfn = p;
					return true;
				}
			}
		}
		if (k > 0)
			top = m->r[k - 1].lo;
	}
	return false;
}

static int m_order(const struct model *m, uint64_t size)
{
	uint64_t g;
	int o = 0;

	if (size == 0)
		return -1;
	g = (size >> m->shift) + ((size & ((1ull << m->shift) - 1)) != 0);
	while ((1ull << o) < g)
		o++;
	return o + (int)m->shift > 63 ? -2 : o;
}

static uint64_t m_end(const struct model *m, uint64_t limit)
{
	uint64_t gm = (1ull << m->shift) - 1;
	uint64_t e = (limit >> m->shift) + ((limit & gm) == gm);

	return e > m->last + 1 ? m->last + 1 : e;
}


/*
 * Takes the allocator's word for which cached ranges remain (it may give
 * any of them back to the tree), after checking it invented none.
 */
static void m_sync_cached(struct model *m, const struct wlist *w)
{
	for (size_t i = 0; i < w->n; i++) {
		long k;

		if (w->r[i].kind != IOVA_KIND_CACHED)
			continue;
		k = m_find(m, w->r[i].first >> m->shift);
		if (k < 0 || m->r[k].kind != IOVA_KIND_CACHED ||
		    m->r[k].lo << m->shift != w->r[i].first ||
		    ((m->r[k].hi + 1) << m->shift) - 1 != w->r[i].last)
			fail_msg("cached range %#llx not in the model",
				 (unsigned long long)w->r[i].first);
	}
	for (size_t i = 0; i < m->n;) {
		bool found = false;

		if (m->r[i].kind != IOVA_KIND_CACHED) {
			i++;
			continue;
		}
		for (size_t k = 0; k < w->n && !found; k++)
			found = w->r[k].kind == IOVA_KIND_CACHED &&
				w->r[k].first == m->r[i].lo << m->shift;
		if (found)
			i++;
		else
			m_remove(m, i);
	}
}

/* Every range of the allocator equals the model's, in order. */
static void m_compare(const struct model *m, const struct wlist *w)
{
	if (w->n != m->n)
		fail_msg("allocator has %zu ranges, model %zu", w->n, m->n);
	for (size_t j = 0; j < m->n; j++) {
		const struct mrange *r = &m->r[j];

		if (w->r[j].first != r->lo << m->shift ||
		    w->r[j].last != ((r->hi + 1) << m->shift) - 1 || w->r[j].kind != r->kind)
			fail_msg("range %zu: allocator [%#llx, %#llx] kind %d, model [%#llx, %#llx] kind %d",
				 j, (unsigned long long)w->r[j].first,
				 (unsigned long long)w->r[j].last, w->r[j].kind,
				 (unsigned long long)(r->lo << m->shift),
				 (unsigned long long)(((r->hi + 1) << m->shift) - 1), r->kind);
	}
}

/* The invariants the allocator promises, on the model (equal to it). */
static void m_invariants(const struct model *m, const struct fx *f)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mrange *r = &m->r[i];

		assert_true(r->lo <= r->hi);
		assert_true(r->lo >= m->start && r->hi <= m->last);
		if (i > 0)
			assert_true(m->r[i - 1].hi < r->lo);	/* disjoint */
		if (r->kind == IOVA_KIND_RESERVED && i > 0 &&
		    m->r[i - 1].kind == IOVA_KIND_RESERVED)
			assert_true(m->r[i - 1].hi + 1 < r->lo);	/* merged */
		if (r->kind != IOVA_KIND_RESERVED) {
			uint64_t n = r->hi - r->lo + 1;

			assert_int_equal(n & (n - 1), 0);
			assert_int_equal(r->lo & (n - 1), 0);	/* naturally aligned */
		}
		if (r->kind == IOVA_KIND_ALLOCATED)
			assert_true(r->hi < r->end);		/* under its limit */
	}
	assert_int_equal(f->d.stats.live, m_count(m, IOVA_KIND_ALLOCATED));
	assert_int_equal(f->d.stats.cached, m_count(m, IOVA_KIND_CACHED));
	assert_int_equal(f->d.stats.reserved, m_count(m, IOVA_KIND_RESERVED));
	assert_int_equal(f->d.stats.nodes_free, m->capacity - m->n);
}

struct prop_cfg {
	uint64_t granule, start, end;
	size_t ranges;
	unsigned int steps;
	unsigned int max_order;		/* largest order of random sizes */
	unsigned int resv_permille;	/* share of steps that reserve */
	unsigned int resv_max_order;	/* random reservations: up to 2^this granules */
	const uint64_t (*resv)[2];	/* interesting reservations, {0,0}-terminated */
};

static const uint64_t resv_virt[][2] = {
	{ 0x0, 0xfff }, { 0x08000000, 0x080fffff }, { 0x10000000, 0x3effffff },
	{ 0x8000000000, 0xffffffffff }, { 0, 0 },
};

static const uint64_t resv_tiny[][2] = {
	{ 0x40000, 0x40fff }, { 0x48000, 0x4bfff }, { 0x7f000, 0x7ffff }, { 0, 0 },
};

static const uint64_t resv_wide[][2] = {
	{ 0x0, 0xffff }, { 0x08000000, 0x080fffff }, { 0x10000000, 0x3effffff },
	{ 0x8000000000, 0xffffffffff }, { 0xffff000000000000, ALL }, { 0, 0 },
};

static uint64_t rnd_in(uint64_t lo, uint64_t hi)
{
	return hi - lo == ALL ? rnd() : lo + rnd_below(hi - lo + 1);
}

static uint64_t pick_limit(const struct prop_cfg *c)
{
	switch (rnd_below(8)) {
	case 0: return ALL;
	case 1: case 2: return MASK32;
	case 3: return MASK28;
	case 4: return (1ull << (12 + rnd_below(52))) - 1;
	case 5: return rnd_in(c->start, c->end);			/* arbitrary */
	case 6: return c->start + rnd_below((c->end - c->start) / 64 + 1);
	default: return c->end;
	}
}

static unsigned int pick_order(const struct prop_cfg *c)
{
	uint64_t p = rnd_below(100);
	unsigned int o;

	if (p < 70)
		o = (unsigned int)rnd_below(7);
	else if (p < 95)
		o = 7 + (unsigned int)rnd_below(10);
	else
		o = 17 + (unsigned int)rnd_below(24);
	return o > c->max_order ? (unsigned int)rnd_below(c->max_order + 1) : o;
}

/* A byte size that rounds to 2^order granules. */
static uint64_t size_for(const struct model *m, unsigned int order)
{
	uint64_t hi = (1ull << order) << m->shift;
	uint64_t lo = order ? hi / 2 : 0;	/* sizes in (lo, hi] */

	return lo + 1 + rnd_below(hi - lo);
}

static bool m_cached_fit(const struct model *m, unsigned int order, uint64_t end)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->r[i].kind == IOVA_KIND_CACHED && m->r[i].hi - m->r[i].lo + 1 == 1ull << order &&
		    m->r[i].hi < end)
			return true;
	return false;
}

static size_t m_cached_of(const struct model *m, unsigned int order)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->r[i].kind == IOVA_KIND_CACHED &&
		     m->r[i].hi - m->r[i].lo + 1 == 1ull << order;
	return n;
}

/* Outcomes of prop_alloc: cache hit, tree, ENOSPC, ENOMEM, ERANGE, EINVAL. */
static unsigned int alloc_res[6];

static void prop_alloc(struct model *m, struct fx *f, struct wlist *w, const struct prop_cfg *c)
{
	unsigned int flags = rnd_below(5) == 0 ? IOVA_ALLOC_NOFLUSH : 0;
	struct iova_stats before = f->d.stats;
	uint64_t size, limit, end, n, iova = 0, pfn, want;
	bool cache_could, flushed;
	struct snap s;
	int order, r;

	switch (rnd_below(40)) {
	case 0: size = 0; break;
	case 1: size = ALL - rnd_below(1ull << 40); break;
	case 2: size = (c->end - c->start) + 1 + rnd_below(1ull << 20); break;
	default: size = size_for(m, pick_order(c)); break;
	}
	limit = pick_limit(c);
	order = m_order(m, size);
	end = m_end(m, limit);
	n = order >= 0 ? 1ull << order : 0;
	cache_could = order >= 0 && order < IOVA_CACHE_ORDERS && m_cached_fit(m, (unsigned)order, end);

	snap_take(&s, f);
	r = iova_alloc_flags(&f->d, size, limit, flags, &iova);
	walk_get(&f->d, w);
	flushed = f->d.stats.cache_flushes != before.cache_flushes;

	alloc_res[r == TG_OK ? (f->d.stats.cache_hits != before.cache_hits ? 0 : 1) :
		  r == TG_ENOSPC ? 2 : r == TG_ENOMEM ? 3 : r == TG_ERANGE ? 4 : 5]++;
	if (order == -1) {
		assert_int_equal(r, TG_EINVAL);
		assert_true(snap_same(&s, f));
	} else if (order == -2 || n > m->last - m->start + 1 || end <= m->start) {
		assert_int_equal(r, TG_ERANGE);
		assert_true(snap_same(&s, f));
	} else if (r == TG_OK) {
		pfn = iova >> m->shift;
		assert_int_equal(iova & ((1ull << m->shift) - 1), 0);
		assert_int_equal(pfn & (n - 1), 0);
		assert_true(pfn + n <= end);
		assert_true(iova + ((n << m->shift) - 1) <= limit);
		if (f->d.stats.cache_hits == before.cache_hits + 1) {
			long k = m_find(m, pfn);

			assert_true(cache_could);
			assert_false(flushed);
			assert_true(k >= 0);
			assert_int_equal(m->r[k].kind, IOVA_KIND_CACHED);
			assert_int_equal(m->r[k].lo, pfn);
			assert_int_equal(m->r[k].hi, pfn + n - 1);
			m->r[k].kind = IOVA_KIND_ALLOCATED;
			m->r[k].end = end;
		} else {
			size_t i;

			assert_int_equal(f->d.stats.cache_hits, before.cache_hits);
			assert_false(cache_could);
			/* The ranges flushed on the way are free space now. */
			m_sync_cached(m, w);
			/* Exactly the highest aligned free block below the limit. */
			assert_true(m_fit(m, (unsigned)order, end, OCC_ALL, &want));
			if (want != pfn)
				fail_msg("tree gave %#llx, model's highest fit is %#llx (order %d, end %#llx)",
					 (unsigned long long)pfn, (unsigned long long)want, order,
					 (unsigned long long)end);
			i = m_lower(m, pfn);
			assert_true(i == m->n || m->r[i].lo > pfn + n - 1);
			m_insert(m, (struct mrange){ pfn, pfn + n - 1, IOVA_KIND_ALLOCATED, end });
		}
	} else if (r == TG_ENOSPC) {
		assert_false(cache_could);
		if (flags & IOVA_ALLOC_NOFLUSH) {
			assert_false(flushed);
			assert_false(m_fit(m, (unsigned)order, end, OCC_ALL, &want));
		} else {
			/* No room even counting every cached range as free. */
			assert_false(m_fit(m, (unsigned)order, end, OCC_NOCACHE, &want));
		}
		/* A failed allocation gives nothing back. */
		assert_false(flushed);
		assert_true(snap_same(&s, f));
		m_sync_cached(m, w);
	} else if (r == TG_ENOMEM) {
		assert_false(cache_could);
		m_sync_cached(m, w);
		assert_int_equal(m->n, m->capacity);
		assert_true(m_fit(m, (unsigned)order, end, OCC_ALL, &want));
		if (!(flags & IOVA_ALLOC_NOFLUSH))
			assert_int_equal(m_count(m, IOVA_KIND_CACHED), 0);
		assert_false(flushed);
		assert_true(snap_same(&s, f));
	} else {
		fail_msg("iova_alloc returned %d", r);
	}
	snap_drop(&s);
	m_compare(m, w);
}

static void prop_free(struct model *m, struct fx *f, struct wlist *w)
{
	const uint64_t gmask = (1ull << m->shift) - 1;
	uint64_t iova, size;
	size_t nalloc = m_count(m, IOVA_KIND_ALLOCATED);
	int expect, order, r;
	struct snap s;
	long k;

	if (nalloc > 0 && rnd_below(10) < 7) {
		/* A valid free of a random live range. */
		size_t pick = rnd_below(nalloc);

		for (k = 0; m->r[k].kind != IOVA_KIND_ALLOCATED || pick--; k++)
			;
		iova = m->r[k].lo << m->shift;
		size = size_for(m, (unsigned)__builtin_ctzll(m->r[k].hi - m->r[k].lo + 1));
	} else {
		k = m->n ? (long)rnd_below(m->n) : -1;
		iova = k >= 0 ? m->r[k].lo << m->shift : rnd_in(m->start, m->last) << m->shift;
		size = k >= 0 ? ((m->r[k].hi - m->r[k].lo + 1) << m->shift) : SZ_4K;
		switch (rnd_below(8)) {
		case 0: size *= 2; break;			/* wrong size */
		case 1: size = size > (1ull << m->shift) ? size / 2 : size; break;
		case 2: iova += 1ull << m->shift; break;	/* inside or after */
		case 3: iova |= 1; break;			/* unaligned */
		case 4: size = 0; break;
		case 5: iova = rnd_in(m->start, m->last + 1) << m->shift; break;
		default: break;		/* double free of cached, reserved, ... */
		}
	}

	/* What the contract says. */
	order = m_order(m, size);
	if ((iova & gmask) || order < 0) {
		expect = TG_EINVAL;
	} else {
		k = m_find(m, iova >> m->shift);
		if (k < 0)
			expect = TG_ENOENT;
		else if (m->r[k].kind == IOVA_KIND_RESERVED)
			expect = TG_EINVAL;
		else if (m->r[k].kind != IOVA_KIND_ALLOCATED || m->r[k].lo != iova >> m->shift)
			expect = TG_ENOENT;
		else if (m->r[k].hi - m->r[k].lo + 1 != 1ull << order)
			expect = TG_EINVAL;
		else
			expect = TG_OK;
	}

	snap_take(&s, f);
	r = iova_free(&f->d, iova, size);
	if (r != expect)
		fail_msg("iova_free(%#llx, %#llx) = %d, expected %d", (unsigned long long)iova,
			 (unsigned long long)size, r, expect);
	if (r != TG_OK) {
		assert_true(snap_same(&s, f));
	} else if (order < IOVA_CACHE_ORDERS && m_cached_of(m, (unsigned)order) < IOVA_CACHE_DEPTH) {
		m->r[k].kind = IOVA_KIND_CACHED;
	} else {
		m_remove(m, (size_t)k);
	}
	snap_drop(&s);
	walk_get(&f->d, w);
	m_compare(m, w);
}

static void prop_reserve(struct model *m, struct fx *f, struct wlist *w, const struct prop_cfg *c)
{
	const uint64_t gmask = (1ull << m->shift) - 1;
	uint64_t lo, hi, l = 0, h = 0, nl, nh;
	bool merge = false, busy = false;
	size_t nresv = 0;
	int expect, r;
	struct snap s;

	while (c->resv[nresv][1] != 0)
		nresv++;
	if (rnd_below(3) == 0) {
		lo = c->resv[rnd_below(nresv)][0];
		hi = c->resv[rnd_below(nresv)][1];
		if (lo > hi) {
			uint64_t t = lo;

			lo = hi + 1 - (1ull << m->shift);
			hi = t + gmask;
		}
	} else {
		uint64_t g = rnd_in(m->start, m->last);
		uint64_t len = 1 + rnd_below(1ull << rnd_below(c->resv_max_order + 1));

		lo = g << m->shift;
		hi = g + len - 1 > m->last || g + len - 1 < g ? ALL : ((g + len) << m->shift) - 1;
		if (rnd_below(10) == 0)
			lo += 0x800;		/* unaligned */
		else if (rnd_below(10) == 0)
			hi -= 1;
	}

	if ((lo & gmask) || (hi & gmask) != gmask || lo > hi) {
		expect = TG_EINVAL;
	} else if ((hi >> m->shift) < m->start || (lo >> m->shift) > m->last) {
		expect = TG_OK;
	} else {
		l = lo >> m->shift < m->start ? m->start : lo >> m->shift;
		h = hi >> m->shift > m->last ? m->last : hi >> m->shift;
		for (size_t i = 0; i < m->n; i++) {
			const struct mrange *q = &m->r[i];

			if (q->kind == IOVA_KIND_ALLOCATED && q->lo <= h && q->hi >= l)
				busy = true;
			if (q->kind == IOVA_KIND_RESERVED && q->lo <= h + 1 && q->hi + 1 >= l)
				merge = true;
		}
		if (busy)
			expect = TG_EBUSY;
		else if (!merge && m->n == m->capacity && m_count(m, IOVA_KIND_CACHED) == 0)
			expect = TG_ENOMEM;
		else
			expect = TG_OK;
	}

	snap_take(&s, f);
	r = iova_reserve(&f->d, lo, hi);
	if (r != expect)
		fail_msg("iova_reserve(%#llx, %#llx) = %d, expected %d", (unsigned long long)lo,
			 (unsigned long long)hi, r, expect);
	if (r != TG_OK || (hi >> m->shift) < m->start || (lo >> m->shift) > m->last) {
		assert_true(snap_same(&s, f));
	} else {
		/* Cached ranges underneath are dropped, reservations merged. */
		nl = l;
		nh = h;
		for (size_t i = 0; i < m->n;) {
			const struct mrange *q = &m->r[i];

			if ((q->kind == IOVA_KIND_CACHED && q->lo <= h && q->hi >= l) ||
			    (q->kind == IOVA_KIND_RESERVED && q->lo <= h + 1 && q->hi + 1 >= l)) {
				if (q->kind == IOVA_KIND_RESERVED) {
					nl = q->lo < nl ? q->lo : nl;
					nh = q->hi > nh ? q->hi : nh;
				}
				m_remove(m, i);
			} else {
				i++;
			}
		}
		m_insert(m, (struct mrange){ nl, nh, IOVA_KIND_RESERVED, 0 });
	}
	snap_drop(&s);
	walk_get(&f->d, w);
	m_sync_cached(m, w);
	m_compare(m, w);
}

static void prop_find(struct model *m, struct fx *f)
{
	uint64_t iova, start = 0, size = 0;
	long k;
	int r;

	if (m->n && rnd_below(2)) {
		const struct mrange *q = &m->r[rnd_below(m->n)];

		iova = (q->lo << m->shift) + rnd_below((q->hi - q->lo + 1) << m->shift);
	} else {
		iova = rnd_in(m->start, m->last) << m->shift | rnd_below(1ull << m->shift);
	}
	r = iova_find(&f->d, iova, &start, &size);
	k = m_find(m, iova >> m->shift);
	if (k < 0 || m->r[k].kind == IOVA_KIND_CACHED) {
		assert_int_equal(r, TG_ENOENT);
	} else {
		assert_int_equal(r, m->r[k].kind == IOVA_KIND_ALLOCATED ? TG_OK : TG_EBUSY);
		assert_int_equal(start, m->r[k].lo << m->shift);
		if (m->r[k].hi - m->r[k].lo + 1 < 1ull << (64 - m->shift))
			assert_int_equal(size, (m->r[k].hi - m->r[k].lo + 1) << m->shift);
	}
}

static void prop_run(const struct prop_cfg *c, uint64_t seed)
{
	struct fx *f = fx_new(c->granule, c->start, c->end, c->ranges);
	struct model m = {
		.shift = (unsigned int)__builtin_ctzll(c->granule),
		.capacity = c->ranges,
	};
	struct wlist w = { 0 };
	unsigned int counts[5] = { 0 };

	m.start = c->start >> m.shift;
	m.last = c->end >> m.shift;
	rng_state = seed;

	/* Start from the interesting reservations, most of the time. */
	if (seed & 1)
		for (size_t i = 0; c->resv[i][1] != 0; i++) {
			uint64_t lo = c->resv[i][0], hi = c->resv[i][1];

			if ((hi >> m.shift) < m.start || (lo >> m.shift) > m.last)
				continue;
			assert_int_equal(iova_reserve(&f->d, lo, hi), TG_OK);
		}
	walk_get(&f->d, &w);
	for (size_t i = 0; i < w.n; i++)
		m_insert(&m, (struct mrange){ w.r[i].first >> m.shift, w.r[i].last >> m.shift,
					      w.r[i].kind, 0 });

	for (unsigned int step = 0; step < c->steps; step++) {
		uint64_t p = rnd_below(1000);

		if (p < c->resv_permille) {
			prop_reserve(&m, f, &w, c);
			counts[2]++;
		} else if (p < 500) {
			prop_alloc(&m, f, &w, c);
			counts[0]++;
		} else if (p < 900) {
			prop_free(&m, f, &w);
			counts[1]++;
		} else if (p < 980) {
			prop_find(&m, f);
			counts[3]++;
		} else {
			iova_flush_cache(&f->d);
			for (size_t i = 0; i < m.n;)
				if (m.r[i].kind == IOVA_KIND_CACHED)
					m_remove(&m, i);
				else
					i++;
			walk_get(&f->d, &w);
			m_compare(&m, &w);
			counts[4]++;
		}
		CHECK(&f->d);
		m_invariants(&m, f);
	}

	/* Give everything back: only the reservations remain. */
	for (size_t i = 0; i < m.n; i++) {
		const struct mrange *q = &m.r[i];

		if (q->kind == IOVA_KIND_ALLOCATED)
			assert_int_equal(iova_free(&f->d, q->lo << m.shift,
						   (q->hi - q->lo + 1) << m.shift), TG_OK);
	}
	iova_flush_cache(&f->d);
	CHECK(&f->d);
	walk_get(&f->d, &w);
	for (size_t i = 0; i < w.n; i++)
		assert_int_equal(w.r[i].kind, IOVA_KIND_RESERVED);
	assert_int_equal(w.n, m_count(&m, IOVA_KIND_RESERVED));
	assert_int_equal(f->d.stats.live, 0);
	assert_int_equal(f->d.stats.cached, 0);
	assert_int_equal(f->d.stats.nodes_free, c->ranges - w.n);
	print_message("seed %#llx: %u allocs (%u cache, %u tree, %u ENOSPC, %u ENOMEM, %u ERANGE, "
		      "%u EINVAL; %llu failed fast), %u frees, %u reserves, %u finds, %u flushes; "
		      "%zu of %zu nodes at the end\n",
		      (unsigned long long)seed, counts[0], alloc_res[0], alloc_res[1], alloc_res[2],
		      alloc_res[3], alloc_res[4], alloc_res[5],
		      (unsigned long long)f->d.stats.fast_failures, counts[1], counts[2], counts[3],
		      counts[4], m.n, c->ranges);
	memset(alloc_res, 0, sizeof(alloc_res));
	free(w.r);
	free(m.r);
	fx_free(f);
}

/* QEMU virt-like: 42-bit space, PCI windows, 28/32-bit and full limits. */
static void test_prop_virt(void **state)
{
	static const struct prop_cfg c = {
		.granule = SZ_4K, .start = 0, .end = (1ull << 42) - 1, .ranges = 600,
		.steps = 6000, .max_order = 30, .resv_permille = 20, .resv_max_order = 16,
		.resv = resv_virt,
	};

	(void)state;
	for (uint64_t seed = 1; seed <= 4; seed++)
		prop_run(&c, seed * 0x9e3779b97f4a7c15ull | seed);
}

/* A few nodes: the pool runs out all the time. */
static void test_prop_small_pool(void **state)
{
	static const struct prop_cfg c = {
		.granule = SZ_4K, .start = 0, .end = (1ull << 42) - 1, .ranges = 24,
		.steps = 5000, .max_order = 30, .resv_permille = 10, .resv_max_order = 16,
		.resv = resv_virt,
	};

	(void)state;
	for (uint64_t seed = 11; seed <= 13; seed++)
		prop_run(&c, seed * 0x9e3779b97f4a7c15ull | seed);
}

/* 64 granules: fragmentation, exhaustion, limits inside the space. */
static void test_prop_tiny(void **state)
{
	static const struct prop_cfg c = {
		.granule = SZ_4K, .start = 0x40000, .end = 0x7ffff, .ranges = 80,
		.steps = 6000, .max_order = 6, .resv_permille = 1, .resv_max_order = 1,
		.resv = resv_tiny,
	};

	(void)state;
	for (uint64_t seed = 21; seed <= 26; seed++)
		prop_run(&c, seed * 0x9e3779b97f4a7c15ull | seed);
}

/* 64 KiB granules over the whole 64-bit space, huge blocks. */
static void test_prop_wide64k(void **state)
{
	static const struct prop_cfg c = {
		.granule = SZ_64K, .start = 0, .end = ALL, .ranges = 300,
		.steps = 5000, .max_order = 47, .resv_permille = 15, .resv_max_order = 30,
		.resv = resv_wide,
	};

	(void)state;
	for (uint64_t seed = 31; seed <= 33; seed++)
		prop_run(&c, seed * 0x9e3779b97f4a7c15ull | seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_init_too_many_nodes),
		cmocka_unit_test(test_alloc_rounding_alignment),
		cmocka_unit_test(test_alloc_highest_first),
		cmocka_unit_test(test_alloc_limits),
		cmocka_unit_test(test_alloc_bad_input),
		cmocka_unit_test(test_alloc_whole_space),
		cmocka_unit_test(test_alloc_fill_exact),
		cmocka_unit_test(test_reserve_never_handed_out),
		cmocka_unit_test(test_reserve_merge),
		cmocka_unit_test(test_reserve_errors),
		cmocka_unit_test(test_reserve_over_cached),
		cmocka_unit_test(test_free_errors),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_cache_lifo_and_counters),
		cmocka_unit_test(test_cache_respects_limit),
		cmocka_unit_test(test_cache_bounded_and_flush),
		cmocka_unit_test(test_cache_flush_on_failure),
		cmocka_unit_test(test_fail_fast_memo),
		cmocka_unit_test(test_nodes_exhausted),
		cmocka_unit_test(test_300k_live),
		cmocka_unit_test(test_sequential_patterns),
		cmocka_unit_test(test_prop_virt),
		cmocka_unit_test(test_prop_small_pool),
		cmocka_unit_test(test_prop_tiny),
		cmocka_unit_test(test_prop_wide64k),
	};

	return cmocka_run_group_tests_name("iova", tests, NULL, NULL);
}
