/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iommu/io_pgtable.c on the host.
 *
 * Table memory comes from a host allocator (hm_*) that hands out fake
 * physical addresses, counts live tables and cleans, and keeps for every
 * table a "memory" copy that only clean() updates when the walk is
 * non-coherent: it starts as garbage, as DRAM under a write-back cache
 * would.  The SMMU model (sim_*) walks that copy with this file's own
 * reading of the Arm ARM (DDI 0487 D8.3: bits 1:0 type, 4:2 AttrIndx,
 * 7:6 AP[2:1], 9:8 SH, 10 AF, 11 nG, 53 PXN, 54 UXN, output address
 * 47:level shift) and checks every descriptor it meets.  Expected
 * contents come from a reference model (ref_*): sorted extents of
 * IOVA -> physical address + permissions.
 *
 * Table descriptors carry the next table's valid-entry count in bits the
 * walk ignores (D8.3.1: 11:2 and 58:51; io_pgtable_desc.h puts count
 * bits 9:0 in 11:2 and 13:10 in 58:55).  The SMMU model ignores them;
 * tables_check() (after every random operation) decodes them by this
 * file's own reading and compares with the entries it counts.  Count
 * updates are cleaned like every other descriptor store.
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
#include <tollgate/io_pgtable.h>

#include "../../iommu/io_pgtable_desc.h"

#define SZ_4K	0x1000ull
#define SZ_16K	0x4000ull
#define SZ_64K	0x10000ull
#define SZ_2M	0x200000ull
#define SZ_32M	0x2000000ull
#define SZ_512M	0x20000000ull
#define SZ_1G	0x40000000ull

#define RW	(IOMMU_READ | IOMMU_WRITE)

/* ============================ host table memory ============================ */

#define HM_SLOTS	16384
#define HM_SPAN		SZ_64K			/* fake physical space per table */
#define HM_PHYS_BASE	0x10000000ull
#define HM_PHYS_END	(HM_PHYS_BASE + HM_SLOTS * HM_SPAN)

struct hm_slot {
	uint8_t *va;			/* NULL: free */
	uint8_t *mem;			/* what the SMMU reads (non-coherent) */
	size_t size;
};

struct hmem {
	struct hm_slot slot[HM_SLOTS];
	unsigned int free_stack[HM_SLOTS];
	unsigned int nfree;
	unsigned int byva[HM_SLOTS];	/* live slots sorted by va */
	unsigned int nbyva;
	bool coherent;
	bool bad_align;			/* break the alloc contract */
	long fail_countdown;		/* fail the alloc when it reaches 0; <0 never */
	long live, allocs;
	unsigned long cleans, clean_bytes;
	struct io_pgtable_mem mem;
};

static uint64_t hm_phys(const struct hmem *hm, unsigned int s)
{
	(void)hm;
	return HM_PHYS_BASE + (uint64_t)s * HM_SPAN;
}

static size_t hm_find_va(const struct hmem *hm, const void *va)
{
	size_t lo = 0, hi = hm->nbyva;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((const uint8_t *)va < hm->slot[hm->byva[mid]].va)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;		/* first entry above va */
}

static void *hm_alloc(void *ctx, size_t size, uint64_t *phys)
{
	struct hmem *hm = ctx;

	assert_true(size >= 64 && size <= HM_SPAN && !(size & (size - 1)));
	if (hm->fail_countdown >= 0 && hm->fail_countdown-- == 0)
		return NULL;
	assert_true(hm->nfree > 0);
	unsigned int s = hm->free_stack[--hm->nfree];
	struct hm_slot *sl = &hm->slot[s];

	sl->va = aligned_alloc(size, size);
	sl->mem = malloc(size);
	assert_non_null(sl->va);
	assert_non_null(sl->mem);
	memset(sl->va, 0, size);
	memset(sl->mem, hm->coherent ? 0 : 0xa5, size);	/* not yet cleaned */
	sl->size = size;
	size_t at = hm_find_va(hm, sl->va);
	memmove(&hm->byva[at + 1], &hm->byva[at], (hm->nbyva - at) * sizeof(hm->byva[0]));
	hm->byva[at] = s;
	hm->nbyva++;
	hm->live++;
	hm->allocs++;
	*phys = hm_phys(hm, s) + (hm->bad_align ? 8 : 0);
	return sl->va;
}

static unsigned int hm_slot_of_va(const struct hmem *hm, const void *va, size_t *pos)
{
	size_t at = hm_find_va(hm, va);

	assert_true(at > 0);
	unsigned int s = hm->byva[at - 1];
	const struct hm_slot *sl = &hm->slot[s];
	if (!((const uint8_t *)va >= sl->va && (const uint8_t *)va < sl->va + sl->size))
		fail_msg("%p is not inside a live table", va);
	if (pos)
		*pos = at - 1;
	return s;
}

static void hm_free(void *ctx, void *va, size_t size)
{
	struct hmem *hm = ctx;
	size_t pos;
	unsigned int s = hm_slot_of_va(hm, va, &pos);
	struct hm_slot *sl = &hm->slot[s];

	assert_ptr_equal(sl->va, va);
	assert_int_equal(sl->size, size);
	free(sl->va);
	free(sl->mem);
	sl->va = sl->mem = NULL;
	memmove(&hm->byva[pos], &hm->byva[pos + 1], (hm->nbyva - pos - 1) * sizeof(hm->byva[0]));
	hm->nbyva--;
	hm->free_stack[hm->nfree++] = s;
	hm->live--;
}

/* The slot a table descriptor's address names, or -1. */
static long hm_slot_of_phys(const struct hmem *hm, uint64_t phys)
{
	if (phys < HM_PHYS_BASE || phys >= HM_PHYS_END || (phys - HM_PHYS_BASE) % HM_SPAN)
		return -1;
	unsigned int s = (unsigned int)((phys - HM_PHYS_BASE) / HM_SPAN);
	return hm->slot[s].va ? (long)s : -1;
}

static void *hm_phys_to_virt(void *ctx, uint64_t phys)
{
	struct hmem *hm = ctx;
	long s = hm_slot_of_phys(hm, phys);

	if (s < 0)
		fail_msg("phys_to_virt(0x%llx): not a live table", (unsigned long long)phys);
	return hm->slot[s].va;
}

/* Table descriptor bits the walk ignores: 11:2 and 58:51 (D8.3.1). */
#define TD_IGNORED	(0x0000000000000ffcull | 0x07f8000000000000ull)

/* The valid-entry count a table descriptor records (see the top). */
static unsigned int td_count(uint64_t d)
{
	return (unsigned int)((d >> 2) & 0x3ff) | (unsigned int)((d >> 55) & 0xf) << 10;
}

/*
 * clean: the range must be inside one table.  A table descriptor that
 * becomes visible must point at a table whose memory is complete already
 * (written and cleaned before it was linked).
 */
static void hm_clean(void *ctx, const void *va, size_t len)
{
	struct hmem *hm = ctx;
	unsigned int s = hm_slot_of_va(hm, va, NULL);
	struct hm_slot *sl = &hm->slot[s];
	size_t off = (size_t)((const uint8_t *)va - sl->va);

	assert_true(len > 0 && off + len <= sl->size);
	memcpy(sl->mem + off, va, len);
	hm->cleans++;
	hm->clean_bytes += len;
	for (size_t i = off & ~(size_t)7; i < off + len; i += 8) {
		uint64_t d;
		memcpy(&d, sl->mem + i, 8);
		if ((d & 3) != 3)
			continue;
		long c = hm_slot_of_phys(hm, d & 0x0000fffffffff000ull);
		if (c >= 0 && memcmp(hm->slot[c].va, hm->slot[c].mem, hm->slot[c].size))
			fail_msg("table at 0x%llx linked before it was cleaned",
				 (unsigned long long)hm_phys(hm, (unsigned int)c));
	}
}

static struct hmem *hm_new(bool coherent)
{
	struct hmem *hm = calloc(1, sizeof(*hm));

	assert_non_null(hm);
	for (unsigned int i = 0; i < HM_SLOTS; i++)
		hm->free_stack[i] = HM_SLOTS - 1 - i;
	hm->nfree = HM_SLOTS;
	hm->coherent = coherent;
	hm->fail_countdown = -1;
	hm->mem = (struct io_pgtable_mem){
		.alloc = hm_alloc,
		.free = hm_free,
		.phys_to_virt = hm_phys_to_virt,
		.clean = coherent ? NULL : hm_clean,
		.ctx = hm,
	};
	return hm;
}

static void hm_delete(struct hmem *hm)
{
	for (unsigned int i = 0; i < HM_SLOTS; i++) {
		free(hm->slot[i].va);
		free(hm->slot[i].mem);
	}
	free(hm);
}

/* What the SMMU reads at a table's physical address. */
static const uint8_t *hm_view(const struct hmem *hm, uint64_t phys)
{
	long s = hm_slot_of_phys(hm, phys);

	if (s < 0)
		fail_msg("walk reached 0x%llx, not a live table", (unsigned long long)phys);
	return hm->coherent ? hm->slot[s].va : hm->slot[s].mem;
}

/* FNV-1a over every live table (address, contents, memory copy). */
static uint64_t hm_hash(const struct hmem *hm)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned int s = 0; s < HM_SLOTS; s++) {
		const struct hm_slot *sl = &hm->slot[s];
		if (!sl->va)
			continue;
		uint64_t p = hm_phys(hm, s);
		for (size_t i = 0; i < sizeof(p); i++)
			h = (h ^ ((p >> (8 * i)) & 0xff)) * 0x100000001b3ull;
		for (size_t i = 0; i < sl->size; i++)
			h = (h ^ sl->va[i]) * 0x100000001b3ull;
		for (size_t i = 0; i < sl->size; i++)
			h = (h ^ sl->mem[i]) * 0x100000001b3ull;
	}
	return h;
}

/* Every live table's memory equals what the CPU wrote. */
static void hm_assert_all_clean(const struct hmem *hm)
{
	if (hm->coherent)
		return;
	for (unsigned int s = 0; s < HM_SLOTS; s++) {
		const struct hm_slot *sl = &hm->slot[s];
		if (sl->va && memcmp(sl->va, sl->mem, sl->size))
			fail_msg("table at 0x%llx not cleaned", (unsigned long long)hm_phys(hm, s));
	}
}

/* ============================ extents ======================================= */

struct ext {
	uint64_t iova, size, pa;
	unsigned int prot;
};

struct extlist {
	struct ext *e;
	size_t n, cap;
};

static void el_push(struct extlist *l, struct ext x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
		assert_non_null(l->e);
	}
	l->e[l->n++] = x;
}

static void el_free(struct extlist *l)
{
	free(l->e);
	*l = (struct extlist){ 0 };
}

/* Merges neighbours that continue each other (iova, pa and prot). */
static void el_canon(struct extlist *l)
{
	size_t o = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct ext *p = o ? &l->e[o - 1] : NULL;
		if (p && p->iova + p->size == l->e[i].iova && p->pa + p->size == l->e[i].pa &&
		    p->prot == l->e[i].prot)
			p->size += l->e[i].size;
		else
			l->e[o++] = l->e[i];
	}
	l->n = o;
}

static void el_assert_equal(struct extlist *got, struct extlist *want, const char *what)
{
	el_canon(got);
	el_canon(want);
	for (size_t i = 0; i < got->n || i < want->n; i++) {
		const struct ext *g = i < got->n ? &got->e[i] : NULL;
		const struct ext *w = i < want->n ? &want->e[i] : NULL;
		if (g && w && g->iova == w->iova && g->size == w->size && g->pa == w->pa &&
		    g->prot == w->prot)
			continue;
		fail_msg("%s: extent %zu: tables have %llx+%llx->%llx/%x, reference %llx+%llx->%llx/%x",
			 what, i, g ? (unsigned long long)g->iova : 0ull,
			 g ? (unsigned long long)g->size : 0ull,
			 g ? (unsigned long long)g->pa : 0ull, g ? g->prot : 0u,
			 w ? (unsigned long long)w->iova : 0ull,
			 w ? (unsigned long long)w->size : 0ull,
			 w ? (unsigned long long)w->pa : 0ull, w ? w->prot : 0u);
	}
}

/* What a mapping made with `prot` grants (see io_pgtable.h). */
static unsigned int norm_prot(unsigned int prot)
{
	unsigned int p = IOMMU_READ | (prot & (IOMMU_WRITE | IOMMU_MMIO | IOMMU_CACHE_NC));

	if (prot & (IOMMU_NOEXEC | IOMMU_MMIO))
		p |= IOMMU_NOEXEC;
	return p;
}

/* ============================ reference model ================================ */

/* Sorted, non-overlapping extents. */
struct ref {
	struct extlist l;
};

static bool ref_overlaps(const struct ref *r, uint64_t iova, uint64_t size)
{
	for (size_t i = 0; i < r->l.n; i++)
		if (r->l.e[i].iova < iova + size && iova < r->l.e[i].iova + r->l.e[i].size)
			return true;
	return false;
}

static bool ref_covers(const struct ref *r, uint64_t iova, uint64_t size)
{
	uint64_t at = iova, end = iova + size;

	for (size_t i = 0; i < r->l.n && at < end; i++) {
		const struct ext *e = &r->l.e[i];
		if (e->iova + e->size <= at)
			continue;
		if (e->iova > at)
			return false;
		at = e->iova + e->size;
	}
	return at >= end;
}

static void ref_add(struct ref *r, uint64_t iova, uint64_t pa, uint64_t size, unsigned int prot)
{
	size_t at = 0;

	while (at < r->l.n && r->l.e[at].iova < iova)
		at++;
	el_push(&r->l, (struct ext){ 0 });
	memmove(&r->l.e[at + 1], &r->l.e[at], (r->l.n - 1 - at) * sizeof(struct ext));
	r->l.e[at] = (struct ext){ iova, size, pa, norm_prot(prot) };
}

static void ref_remove(struct ref *r, uint64_t iova, uint64_t size)
{
	struct extlist out = { 0 };
	uint64_t end = iova + size;

	for (size_t i = 0; i < r->l.n; i++) {
		struct ext e = r->l.e[i];
		uint64_t ee = e.iova + e.size;
		if (ee <= iova || e.iova >= end) {
			el_push(&out, e);
			continue;
		}
		if (e.iova < iova)
			el_push(&out, (struct ext){ e.iova, iova - e.iova, e.pa, e.prot });
		if (ee > end)
			el_push(&out, (struct ext){ end, ee - end, e.pa + (end - e.iova), e.prot });
	}
	el_free(&r->l);
	r->l = out;
}

static bool ref_lookup(const struct ref *r, uint64_t iova, uint64_t *pa, unsigned int *prot)
{
	for (size_t i = 0; i < r->l.n; i++) {
		const struct ext *e = &r->l.e[i];
		if (iova >= e->iova && iova - e->iova < e->size) {
			*pa = e->pa + (iova - e->iova);
			*prot = e->prot;
			return true;
		}
	}
	return false;
}

static void ref_collect(const struct ref *r, uint64_t lo, uint64_t hi, struct extlist *out)
{
	for (size_t i = 0; i < r->l.n; i++) {
		struct ext e = r->l.e[i];
		uint64_t a = e.iova > lo ? e.iova : lo;
		uint64_t b = e.iova + e.size < hi ? e.iova + e.size : hi;
		if (a < b)
			el_push(out, (struct ext){ a, b - a, e.pa + (a - e.iova), e.prot });
	}
}

/* ============================ SMMU model ==================================== */

struct sim {
	const struct hmem *hm;
	unsigned int g, ias, start;
	uint64_t ttb;
	bool keep_leaf_tables;	/* empty level-3 tables may stay linked */
	/* Filled by sim_collect over whole tables. */
	unsigned long leaves[4];
	unsigned int tables;
};

static unsigned int sim_shift(const struct sim *s, unsigned int level)
{
	return s->g + (3 - level) * (s->g - 3);
}

static void sim_init(struct sim *s, const struct hmem *hm, const struct io_pgtable *pgt,
		     unsigned int g, unsigned int ias)
{
	*s = (struct sim){ .hm = hm, .g = g, .ias = ias, .ttb = pgt->root_phys };
	/* Initial lookup level: each level resolves g - 3 bits above the page offset. */
	s->start = 4 - (1 + (ias - g - 1) / (g - 3));
}

static uint64_t bits(uint64_t d, unsigned int hi, unsigned int lo)
{
	return (d >> lo) & ((2ull << (hi - lo)) - 1);
}

/* Checks one valid descriptor by the test's reading of D8.3. */
static void sim_check_desc(const struct sim *s, uint64_t d, unsigned int level)
{
	unsigned int shift = sim_shift(s, level);

	if (level < 3 && bits(d, 1, 0) == 3) {		/* table */
		/* 11:2 and 58:51 IGNORED (the count); 63:59 no restriction. */
		if ((s->g > 12 && bits(d, s->g - 1, 12)) || bits(d, 50, 48) || bits(d, 63, 59))
			fail_msg("table descriptor %016llx: stray bits", (unsigned long long)d);
		if (bits(d, 54, 51))
			fail_msg("table descriptor %016llx: count outside 11:2, 58:55",
				 (unsigned long long)d);
		return;
	}
	if (level == 3 && bits(d, 1, 0) != 3)
		fail_msg("level 3 descriptor %016llx: reserved type", (unsigned long long)d);
	if (level < 3 && !(s->g == 12 ? level >= 1 : level == 2))
		fail_msg("block at level %u with %u-bit granule", level, s->g);
	if (!bits(d, 10, 10))
		fail_msg("%016llx: AF clear", (unsigned long long)d);
	if (!bits(d, 11, 11))
		fail_msg("%016llx: nG clear", (unsigned long long)d);
	if (!bits(d, 6, 6))
		fail_msg("%016llx: AP[1] clear (unprivileged DMA would fault)", (unsigned long long)d);
	if (bits(d, 5, 5) || bits(d, 52, 51) || bits(d, 49, 48) || bits(d, 63, 55))
		fail_msg("%016llx: NS/DBM/Contiguous/reserved bits set", (unsigned long long)d);
	if (shift > 12 && bits(d, shift - 1, 12))
		fail_msg("%016llx: address bits below the level size", (unsigned long long)d);
	if (bits(d, 53, 53) != bits(d, 54, 54))
		fail_msg("%016llx: PXN != UXN", (unsigned long long)d);
	switch (bits(d, 4, 2)) {
	case 0:		/* Device-nGnRE: execute-never */
		if (!bits(d, 54, 54) || bits(d, 9, 8) != 2)
			fail_msg("%016llx: device mapping attributes", (unsigned long long)d);
		break;
	case 1:		/* Normal WB: inner shareable */
		if (bits(d, 9, 8) != 3)
			fail_msg("%016llx: WB not inner shareable", (unsigned long long)d);
		break;
	case 2:		/* Normal NC */
		if (bits(d, 9, 8) != 2)
			fail_msg("%016llx: NC not outer shareable", (unsigned long long)d);
		break;
	default:
		fail_msg("%016llx: AttrIndx %llu", (unsigned long long)d,
			 (unsigned long long)bits(d, 4, 2));
	}
}

static unsigned int sim_prot(uint64_t d)
{
	unsigned int p = IOMMU_READ;

	if (!bits(d, 7, 7))
		p |= IOMMU_WRITE;
	if (bits(d, 4, 2) == 0)
		p |= IOMMU_MMIO;
	if (bits(d, 4, 2) == 2)
		p |= IOMMU_CACHE_NC;
	if (bits(d, 54, 54))
		p |= IOMMU_NOEXEC;
	return p;
}

static size_t sim_entries(const struct sim *s, unsigned int level)
{
	return level == s->start ? (size_t)1 << (s->ias - sim_shift(s, level))
				 : (size_t)1 << (s->g - 3);
}

static uint64_t sim_read(const struct sim *s, uint64_t table, size_t idx)
{
	uint64_t d;

	memcpy(&d, hm_view(s->hm, table) + idx * 8, 8);
	return d;
}

/* Translates like the SMMU; returns the leaf descriptor or 0. */
static uint64_t sim_walk(const struct sim *s, uint64_t iova, uint64_t *pa, unsigned int *level_out)
{
	uint64_t table = s->ttb;

	for (unsigned int level = s->start; level <= 3; level++) {
		unsigned int shift = sim_shift(s, level);
		size_t idx = (size_t)(iova >> shift) & (sim_entries(s, level) - 1);
		uint64_t d = sim_read(s, table, idx);

		if (!(d & 1))
			return 0;
		sim_check_desc(s, d, level);
		if (level < 3 && bits(d, 1, 0) == 3) {
			table = d & 0x0000ffffffffffffull & ~((1ull << s->g) - 1);
			continue;
		}
		*pa = (d & 0x0000ffffffffffffull & ~((1ull << shift) - 1)) |
		      (iova & ((1ull << shift) - 1));
		if (level_out)
			*level_out = level;
		return d;
	}
	return 0;
}

static void sim_collect_table(struct sim *s, uint64_t table, unsigned int level, uint64_t base,
			      uint64_t lo, uint64_t hi, struct extlist *out)
{
	unsigned int shift = sim_shift(s, level);
	size_t n = sim_entries(s, level);
	bool any = false;

	s->tables++;
	for (size_t i = 0; i < n; i++) {
		uint64_t d = sim_read(s, table, i);
		uint64_t a = base + ((uint64_t)i << shift), b = a + (1ull << shift);

		if (d & 1)
			any = true;
		if (!(d & 1) || b <= lo || a >= hi)
			continue;
		sim_check_desc(s, d, level);
		if (level < 3 && bits(d, 1, 0) == 3) {
			sim_collect_table(s, d & 0x0000ffffffffffffull & ~((1ull << s->g) - 1),
					  level + 1, a, lo, hi, out);
			continue;
		}
		s->leaves[level]++;
		uint64_t pa = d & 0x0000ffffffffffffull & ~((1ull << shift) - 1);
		uint64_t ca = a > lo ? a : lo, cb = b < hi ? b : hi;
		el_push(out, (struct ext){ ca, cb - ca, pa + (ca - a), sim_prot(d) });
	}
	if (!any && level != s->start && !(s->keep_leaf_tables && level == 3))
		fail_msg("empty level-%u table left linked", level);
}

/* Leaves over [lo, hi) as the SMMU sees them. */
static void sim_collect(struct sim *s, uint64_t lo, uint64_t hi, struct extlist *out)
{
	memset(s->leaves, 0, sizeof(s->leaves));
	s->tables = 0;
	sim_collect_table(s, s->ttb, s->start, 0, lo, hi, out);
}

/* ============================ fixture ======================================= */

struct fx {
	struct hmem *hm;
	struct io_pgtable pgt;
	bool live;
	struct ref ref;
	struct sim sim;
	unsigned int g;
};

/* Set around fx_new() by the cases that keep emptied leaf tables. */
static bool fx_keep_leaf_tables;

static struct fx *fx_new(void **state, unsigned int g, unsigned int ias, unsigned int oas,
			 bool coherent)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct io_pgtable_cfg cfg = { .granule_shift = g, .ias = ias, .oas = oas,
				      .keep_leaf_tables = fx_keep_leaf_tables };

	assert_non_null(fx);
	*state = fx;
	fx->hm = hm_new(coherent);
	fx->g = g;
	assert_int_equal(io_pgtable_init(&fx->pgt, &cfg, &fx->hm->mem), TG_OK);
	fx->live = true;
	sim_init(&fx->sim, fx->hm, &fx->pgt, g, ias);
	fx->sim.keep_leaf_tables = fx_keep_leaf_tables;
	return fx;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	if (fx->live)
		io_pgtable_destroy(&fx->pgt);
	if (fx->hm)
		hm_delete(fx->hm);
	el_free(&fx->ref.l);
	free(fx);
	return 0;
}

static int setup_null(void **state)
{
	*state = NULL;
	return 0;
}

/*
 * The CPU's view of the table at `phys` (covering IOVAs from `base`) and
 * of the tables below it that overlap [lo, hi): invalid entries are 0,
 * each table descriptor's count is the number of valid entries of its
 * table, and (non-coherent) memory holds exactly what the CPU wrote.
 * Returns the valid entries.
 */
static unsigned int tables_check_one(const struct fx *fx, uint64_t phys, unsigned int level,
				     uint64_t base, uint64_t lo, uint64_t hi,
				     unsigned long *tables)
{
	unsigned int shift = sim_shift(&fx->sim, level);
	const struct hmem *hm = fx->hm;
	long s = hm_slot_of_phys(hm, phys);
	unsigned int valid = 0;

	if (s < 0)
		fail_msg("table at 0x%llx is not live", (unsigned long long)phys);
	const struct hm_slot *sl = &hm->slot[s];
	const uint64_t *va = (const uint64_t *)sl->va, *mem = (const uint64_t *)sl->mem;
	bool stale = !hm->coherent && memcmp(sl->va, sl->mem, sl->size);

	(*tables)++;
	for (size_t i = 0; i < sl->size / 8; i++) {
		uint64_t d = va[i];
		bool table = level < 3 && (d & 3) == 3;

		if (stale && d != mem[i])
			fail_msg("level-%u table 0x%llx entry %zu: memory %016llx, CPU %016llx",
				 level, (unsigned long long)phys, i, (unsigned long long)mem[i],
				 (unsigned long long)d);
		if (!d)
			continue;
		if (!(d & 1))
			fail_msg("level-%u table 0x%llx entry %zu: invalid but %016llx", level,
				 (unsigned long long)phys, i, (unsigned long long)d);
		valid++;
		uint64_t a = base + ((uint64_t)i << shift);
		if (!table || a >= hi || a + (1ull << shift) <= lo)
			continue;
		uint64_t child = d & 0x0000ffffffffffffull & ~((1ull << fx->g) - 1);
		unsigned int n = tables_check_one(fx, child, level + 1, a, lo, hi, tables);
		if (td_count(d) != n)
			fail_msg("level-%u descriptor %016llx: count %u, table has %u valid entries",
				 level, (unsigned long long)d, td_count(d), n);
	}
	return valid;
}

static void tables_check(const struct fx *fx)
{
	unsigned long tables = 0;

	tables_check_one(fx, fx->pgt.root_phys, fx->pgt.start_level, 0, 0,
			 1ull << fx->pgt.cfg.ias, &tables);
	assert_int_equal(tables, fx->pgt.stats.tables_in_use);
}

/* tables_check() for the tables that hold [lo, hi) (and their parents). */
static void tables_check_range(const struct fx *fx, uint64_t lo, uint64_t hi)
{
	unsigned long tables = 0;

	tables_check_one(fx, fx->pgt.root_phys, fx->pgt.start_level, 0, lo, hi, &tables);
}

/* The CPU's view of the descriptor for `iova` at `level` (tables must exist). */
static uint64_t *cpu_desc(const struct fx *fx, uint64_t iova, unsigned int level)
{
	uint64_t *tbl = fx->pgt.root;

	for (unsigned int l = fx->pgt.start_level;; l++) {
		uint64_t *d = &tbl[(iova >> sim_shift(&fx->sim, l)) & (sim_entries(&fx->sim, l) - 1)];

		if (l == level)
			return d;
		assert_true(l < 3 && (*d & 3) == 3);
		tbl = hm_phys_to_virt(fx->hm, *d & 0x0000ffffffffffffull & ~((1ull << fx->g) - 1));
	}
}

/* Whole-space comparison of tables and reference, plus invariants. */
static void fx_check_all(struct fx *fx)
{
	struct extlist got = { 0 }, want = { 0 };
	uint64_t top = 1ull << fx->pgt.cfg.ias;

	sim_collect(&fx->sim, 0, top, &got);
	ref_collect(&fx->ref, 0, top, &want);
	el_assert_equal(&got, &want, "whole space");
	el_free(&got);
	el_free(&want);
	assert_int_equal(fx->sim.tables, fx->pgt.stats.tables_in_use);
	assert_int_equal(fx->hm->live, fx->pgt.stats.tables_in_use);
	tables_check(fx);
}

static void fx_check_range(struct fx *fx, uint64_t lo, uint64_t hi)
{
	struct extlist got = { 0 }, want = { 0 };

	sim_collect(&fx->sim, lo, hi, &got);
	ref_collect(&fx->ref, lo, hi, &want);
	el_assert_equal(&got, &want, "range");
	el_free(&got);
	el_free(&want);
}

/* iova_to_phys and the SMMU model agree with the reference at `iova`. */
static void fx_check_addr(struct fx *fx, uint64_t iova)
{
	uint64_t pa = 0, rpa, spa = 0;
	unsigned int prot = 0, rprot;
	bool mapped = ref_lookup(&fx->ref, iova, &rpa, &rprot);
	int rc = io_pgtable_iova_to_phys(&fx->pgt, iova, &pa, &prot);

	if (!mapped) {
		if (rc != TG_ENOENT)
			fail_msg("iova 0x%llx: expected unmapped, rc %d pa %llx",
				 (unsigned long long)iova, rc, (unsigned long long)pa);
		assert_int_equal(sim_walk(&fx->sim, iova, &spa, NULL), 0);
		return;
	}
	if (rc != TG_OK || pa != rpa || prot != rprot)
		fail_msg("iova 0x%llx: rc %d pa %llx prot %x, expected %llx prot %x",
			 (unsigned long long)iova, rc, (unsigned long long)pa, prot,
			 (unsigned long long)rpa, rprot);
	uint64_t d = sim_walk(&fx->sim, iova, &spa, NULL);
	assert_true(d != 0);
	assert_int_equal(spa, rpa);
	assert_int_equal(sim_prot(d), rprot);
}

static void fx_map(struct fx *fx, uint64_t iova, uint64_t pa, uint64_t size, unsigned int prot)
{
	int rc = io_pgtable_map(&fx->pgt, iova, pa, size, prot);

	if (rc)
		fail_msg("map %llx+%llx -> %llx: %s", (unsigned long long)iova,
			 (unsigned long long)size, (unsigned long long)pa, tg_strerror(rc));
	ref_add(&fx->ref, iova, pa, size, prot);
}

/* Unmaps, checks the gather's range, "invalidates" and releases. */
static void fx_unmap(struct fx *fx, uint64_t iova, uint64_t size, struct io_tlb_gather *out)
{
	struct io_tlb_gather g;

	io_tlb_gather_init(&g);
	int64_t rc = io_pgtable_unmap(&fx->pgt, iova, size, &g);
	if (rc != (int64_t)size)
		fail_msg("unmap %llx+%llx: %lld", (unsigned long long)iova,
			 (unsigned long long)size, (long long)rc);
	assert_false(g.empty);
	assert_int_equal(g.start, iova);
	assert_int_equal(g.end, iova + size);
	assert_true(g.pages >= 1);
	assert_true(g.min_level_size_shift >= fx->g);
	assert_true(g.min_level_size_shift <= g.max_level_size_shift);
	if (out)
		*out = g;
	io_pgtable_gather_release(&fx->pgt, &g);
	assert_true(g.empty);
	assert_null(g.freelist);
	ref_remove(&fx->ref, iova, size);
}

/* Everything that must not change when a call fails. */
struct snap {
	uint64_t hash;
	long live;
	struct io_pgtable_stats stats;
	struct extlist walk;
};

static void snap_take(struct fx *fx, struct snap *s)
{
	s->hash = hm_hash(fx->hm);
	s->live = fx->hm->live;
	s->stats = fx->pgt.stats;
	s->walk = (struct extlist){ 0 };
	sim_collect(&fx->sim, 0, 1ull << fx->pgt.cfg.ias, &s->walk);
}

static void snap_assert_same(struct fx *fx, struct snap *before, const char *what)
{
	struct snap now;

	snap_take(fx, &now);
	if (now.hash != before->hash || now.live != before->live ||
	    now.stats.tables_in_use != before->stats.tables_in_use ||
	    now.stats.maps != before->stats.maps || now.stats.unmaps != before->stats.unmaps)
		fail_msg("%s changed the tables", what);
	el_assert_equal(&now.walk, &before->walk, what);
	el_free(&now.walk);
	el_free(&before->walk);
}

static void expect_map_fails(struct fx *fx, uint64_t iova, uint64_t pa, uint64_t size,
			     unsigned int prot, int want, const char *what)
{
	struct snap s;

	snap_take(fx, &s);
	int rc = io_pgtable_map(&fx->pgt, iova, pa, size, prot);
	if (rc != want)
		fail_msg("%s: map returned %d (%s), expected %s", what, rc, tg_strerror(rc),
			 tg_strerror(want));
	snap_assert_same(fx, &s, what);
}

static void expect_unmap_fails(struct fx *fx, uint64_t iova, uint64_t size, int want,
			       const char *what)
{
	struct snap s;
	struct io_tlb_gather g;

	io_tlb_gather_init(&g);
	snap_take(fx, &s);
	int64_t rc = io_pgtable_unmap(&fx->pgt, iova, size, &g);
	if (rc != want)
		fail_msg("%s: unmap returned %lld, expected %s", what, (long long)rc,
			 tg_strerror(want));
	assert_true(g.empty);
	assert_null(g.freelist);
	snap_assert_same(fx, &s, what);
}

/* ============================ descriptor encoders ================================ */

static void test_desc_encoders(void **state)
{
	/* Table: bits 1:0 = 0b11, address 47:G, count 0: nothing else. */
	assert_int_equal(ptd_table(0x0000123456789000ull, 12, 0), 0x0000123456789003ull);
	assert_int_equal(ptd_table(0x0000123456780000ull, 16, 0), 0x0000123456780003ull);
	/* Count bits 9:0 in 11:2, 13:10 in 58:55; the address stays. */
	assert_int_equal(ptd_table(0x0000123456789000ull, 12, 1), 0x0000123456789007ull);
	assert_int_equal(ptd_table(0x0000123456789000ull, 12, 512),
			 0x0000123456789803ull);			/* 512 = bit 9 -> 11 */
	assert_int_equal(ptd_table(0x0000123456780000ull, 16, 8192),
			 0x0000123456780003ull | (8ull << 55));		/* bit 13 -> 58 */
	assert_int_equal(ptd_table(0x0000123456780000ull, 16, 0x3fff),
			 0x0000123456780fffull | (0xfull << 55));
	for (unsigned int n = 0; n <= 8192; n++) {
		uint64_t d = ptd_table(0x0000fffffff00000ull, 14, n);
		assert_int_equal(ptd_table_count(d), n);
		assert_int_equal(td_count(d), n);
		assert_int_equal(d & ~TD_IGNORED, 0x0000fffffff00003ull);
		assert_int_equal(ptd_table_set_count(d, 77), ptd_table(0x0000fffffff00000ull, 14, 77));
	}

	/* Normal write-back read/write page: AttrIndx 1 (bits 4:2 = 0b001),
	 * AP[2:1] = 0b01 (bit 6), SH = 0b11 (bits 9:8), AF (10), nG (11). */
	uint64_t rw = (1ull << 0) | (1ull << 1) | (1ull << 2) | (1ull << 6) | (3ull << 8) |
		      (1ull << 10) | (1ull << 11);
	assert_int_equal(ptd_leaf(0x80001000ull, 12, ptd_prot_attrs(RW), 1), rw | 0x80001000ull);
	/* Write alone is read/write. */
	assert_int_equal(ptd_prot_attrs(IOMMU_WRITE), ptd_prot_attrs(RW));
	/* Read-only: AP[2] (bit 7). */
	assert_int_equal(ptd_leaf(0x80001000ull, 12, ptd_prot_attrs(IOMMU_READ), 1),
			 rw | (1ull << 7) | 0x80001000ull);
	/* Block at level 2: bits 1:0 = 0b01; address 47:21 only. */
	assert_int_equal(ptd_leaf(0x40200000ull, 21, ptd_prot_attrs(RW), 0),
			 (rw & ~(1ull << 1)) | 0x40200000ull);
	assert_int_equal(ptd_leaf(0x40200000ull | 0x1000, 21, ptd_prot_attrs(RW), 0) & 0x1ff000, 0);
	/* Output address bits above 47 never leak into the upper attributes. */
	assert_int_equal(ptd_leaf(0xffff000000001000ull, 12, 0, 1) >> 48, 0);
	/* Device: AttrIndx 0, SH = 0b10, PXN (53) and UXN (54). */
	uint64_t dev = ptd_prot_attrs(RW | IOMMU_MMIO);
	assert_int_equal(dev, (1ull << 6) | (2ull << 8) | (1ull << 10) | (1ull << 11) |
				      (1ull << 53) | (1ull << 54));
	/* Non-cacheable: AttrIndx 2 (bits 4:2 = 0b010), SH = 0b10. */
	assert_int_equal(ptd_prot_attrs(RW | IOMMU_CACHE_NC),
			 (2ull << 2) | (1ull << 6) | (2ull << 8) | (1ull << 10) | (1ull << 11));
	/* No-exec on normal memory: PXN and UXN. */
	assert_int_equal(ptd_prot_attrs(RW | IOMMU_NOEXEC), (rw & ~3ull) | (3ull << 53));
	/* Decoding back. */
	assert_int_equal(ptd_leaf_prot(ptd_leaf(0x1000, 12, ptd_prot_attrs(IOMMU_READ), 1)),
			 IOMMU_READ);
	assert_int_equal(ptd_leaf_prot(ptd_leaf(0x1000, 12, dev, 1)),
			 RW | IOMMU_MMIO | IOMMU_NOEXEC);
	/* MAIR: index 0 = 0x04, 1 = 0xff, 2 = 0x44 (one byte per index). */
	assert_int_equal((IO_PGTABLE_MAIR >> (8 * IO_PGTABLE_MAIR_IDX_DEVICE)) & 0xff, 0x04);
	assert_int_equal((IO_PGTABLE_MAIR >> (8 * IO_PGTABLE_MAIR_IDX_NORMAL)) & 0xff, 0xff);
	assert_int_equal((IO_PGTABLE_MAIR >> (8 * IO_PGTABLE_MAIR_IDX_NORMAL_NC)) & 0xff, 0x44);
	assert_int_equal(IO_PGTABLE_MAIR >> 24, 0);
}

/* The descriptors a real map writes, read back by the SMMU model. */
static void test_map_writes_expected_descriptors(void **state)
{
	struct fx *fx = fx_new(state, 12, 48, 48, false);
	uint64_t base = (1ull << 0) | (1ull << 1) | (1ull << 6) | (1ull << 10) | (1ull << 11);
	static const struct {
		unsigned int prot;
		uint64_t attrs;
	} cases[] = {
		{ RW, (1ull << 2) | (3ull << 8) },
		{ IOMMU_READ, (1ull << 2) | (3ull << 8) | (1ull << 7) },
		{ IOMMU_WRITE, (1ull << 2) | (3ull << 8) },
		{ RW | IOMMU_MMIO, (2ull << 8) | (3ull << 53) },
		{ IOMMU_READ | IOMMU_MMIO, (2ull << 8) | (3ull << 53) | (1ull << 7) },
		{ RW | IOMMU_CACHE_NC, (2ull << 2) | (2ull << 8) },
		{ RW | IOMMU_NOEXEC, (1ull << 2) | (3ull << 8) | (3ull << 53) },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t iova = 0x7f0000000000ull + i * SZ_4K, pa = 0x123456000ull + i * SZ_4K;
		uint64_t spa;
		unsigned int level;

		fx_map(fx, iova, pa, SZ_4K, cases[i].prot);
		uint64_t d = sim_walk(&fx->sim, iova, &spa, &level);
		assert_int_equal(level, 3);
		assert_int_equal(d, base | cases[i].attrs | pa);
		fx_check_addr(fx, iova);
	}
	/* A 2 MiB block at level 2 and a 1 GiB block at level 1. */
	uint64_t spa;
	unsigned int level;
	fx_map(fx, 0x40000000ull, 0x80200000ull, SZ_2M, RW);
	assert_int_equal(sim_walk(&fx->sim, 0x40000000ull + 0x1234, &spa, &level),
			 (base & ~2ull) | (1ull << 2) | (3ull << 8) | 0x80200000ull);
	assert_int_equal(level, 2);
	assert_int_equal(spa, 0x80201234ull);
	fx_map(fx, 0x80000000ull, 0x4c0000000ull, SZ_1G, IOMMU_READ);
	assert_int_equal(sim_walk(&fx->sim, 0xbfffffffull, &spa, &level),
			 (base & ~2ull) | (1ull << 2) | (3ull << 8) | (1ull << 7) | 0x4c0000000ull);
	assert_int_equal(level, 1);
	assert_int_equal(spa, 0x4ffffffffull);
	fx_check_all(fx);
}

/* ============================ geometry and CD fields ================================ */

static void test_geometry(void **state)
{
	static const struct {
		unsigned int g, ias, start, root_entries, t0sz, tg0;
	} cases[] = {
		{ 12, 48, 0, 512, 16, 0 },	/* 4K: 4 levels */
		{ 12, 39, 1, 512, 25, 0 },
		{ 12, 36, 1, 64, 28, 0 },
		{ 12, 32, 1, 4, 32, 0 },	/* 32-bit DMA mask: 3 levels, 4-entry root */
		{ 12, 30, 2, 512, 34, 0 },
		{ 12, 25, 2, 16, 39, 0 },
		{ 14, 48, 0, 2, 16, 2 },	/* 16K: level 0 resolves bit 47 only */
		{ 14, 47, 1, 2048, 17, 2 },
		{ 14, 36, 2, 2048, 28, 2 },
		{ 14, 32, 2, 128, 32, 2 },
		{ 14, 25, 3, 2048, 39, 2 },
		{ 16, 48, 1, 64, 16, 1 },	/* 64K: 3 levels */
		{ 16, 42, 2, 8192, 22, 1 },
		{ 16, 32, 2, 8, 32, 1 },
		{ 16, 29, 3, 8192, 35, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hmem *hm = hm_new(true);
		struct io_pgtable pgt;
		struct io_pgtable_cfg cfg = { .granule_shift = cases[i].g, .ias = cases[i].ias, .oas = 40 };
		struct io_pgtable_cd_cfg cd;

		assert_int_equal(io_pgtable_init(&pgt, &cfg, &hm->mem), TG_OK);
		assert_int_equal(pgt.start_level, cases[i].start);
		assert_int_equal(pgt.levels, 4 - cases[i].start);
		assert_int_equal(pgt.root_entries, cases[i].root_entries);
		size_t want = cases[i].root_entries * 8 < 64 ? 64 : cases[i].root_entries * 8;
		assert_int_equal(pgt.root_size, want);
		assert_int_equal(hm->live, 1);
		assert_int_equal(hm->slot[hm->byva[0]].size, want);
		io_pgtable_cd_cfg(&pgt, &cd);
		assert_int_equal(cd.t0sz, cases[i].t0sz);
		assert_int_equal(cd.tg0, cases[i].tg0);
		assert_int_equal(cd.start_level, cases[i].start);
		assert_int_equal(cd.ttb0, pgt.root_phys);
		assert_int_equal(cd.ips, 2);
		assert_int_equal(cd.mair, IO_PGTABLE_MAIR);
		io_pgtable_destroy(&pgt);
		assert_int_equal(hm->live, 0);
		hm_delete(hm);
	}
}

static void test_cd_cfg(void **state)
{
	static const struct {
		unsigned int oas, ips;
	} cases[] = {
		{ 32, 0 }, { 33, 1 }, { 36, 1 }, { 39, 2 }, { 40, 2 }, { 42, 3 },
		{ 44, 4 }, { 46, 5 }, { 48, 5 }, { 0, 5 },
	};
	struct io_pgtable_cd_cfg cd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hmem *hm = hm_new(i & 1);
		struct io_pgtable pgt;
		struct io_pgtable_cfg cfg = { .oas = cases[i].oas };

		assert_int_equal(io_pgtable_init(&pgt, &cfg, &hm->mem), TG_OK);
		io_pgtable_cd_cfg(&pgt, &cd);
		assert_int_equal(cd.ips, cases[i].ips);
		/* Defaults: 4K granule, 48-bit input. */
		assert_int_equal(cd.t0sz, 16);
		assert_int_equal(cd.tg0, 0);
		if (hm->coherent) {
			assert_int_equal(cd.irgn0, 1);
			assert_int_equal(cd.orgn0, 1);
			assert_int_equal(cd.sh0, 3);
		} else {
			assert_int_equal(cd.irgn0, 0);
			assert_int_equal(cd.orgn0, 0);
			assert_int_equal(cd.sh0, 2);
		}
		io_pgtable_destroy(&pgt);
		io_pgtable_destroy(&pgt);	/* twice is harmless */
		assert_int_equal(hm->live, 0);
		hm_delete(hm);
	}
}

static void test_init_errors(void **state)
{
	static const struct io_pgtable_cfg bad[] = {
		{ .granule_shift = 13, .ias = 48, .oas = 48 }, { .granule_shift = 15, .ias = 48, .oas = 48 },
		{ .granule_shift = 12, .ias = 24, .oas = 48 }, { .granule_shift = 12, .ias = 49, .oas = 48 },
		{ .granule_shift = 16, .ias = 64, .oas = 48 }, { .granule_shift = 12, .ias = 48, .oas = 31 },
		{ .granule_shift = 12, .ias = 48, .oas = 49 }, { .granule_shift = 14, .ias = 20, .oas = 40 },
	};
	struct hmem *hm = hm_new(false);
	struct io_pgtable pgt;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(io_pgtable_init(&pgt, &bad[i], &hm->mem), TG_EINVAL);
	struct io_pgtable_mem m = hm->mem;
	m.alloc = NULL;
	assert_int_equal(io_pgtable_init(&pgt, NULL, &m), TG_EINVAL);
	m = hm->mem;
	m.phys_to_virt = NULL;
	assert_int_equal(io_pgtable_init(&pgt, NULL, &m), TG_EINVAL);
	assert_int_equal(io_pgtable_init(&pgt, NULL, NULL), TG_EINVAL);
	assert_int_equal(hm->allocs, 0);
	/* Root allocation failing, or breaking the alignment contract. */
	hm->fail_countdown = 0;
	assert_int_equal(io_pgtable_init(&pgt, NULL, &hm->mem), TG_ENOMEM);
	hm->bad_align = true;
	assert_int_equal(io_pgtable_init(&pgt, NULL, &hm->mem), TG_ENOMEM);
	assert_int_equal(hm->live, 0);
	hm->bad_align = false;
	/* NULL cfg: the defaults; the root is cleaned for a non-coherent walk. */
	assert_int_equal(io_pgtable_init(&pgt, NULL, &hm->mem), TG_OK);
	assert_int_equal(pgt.cfg.granule_shift, 12);
	assert_int_equal(pgt.cfg.ias, 48);
	assert_int_equal(pgt.cfg.oas, 48);
	assert_int_equal(pgt.stats.tables_in_use, 1);
	hm_assert_all_clean(hm);
	io_pgtable_destroy(&pgt);
	assert_int_equal(hm->live, 0);
	hm_delete(hm);
}

/* ============================ block selection ==================================== */

/* Leaves a greedy largest-first choice makes on empty tables. */
static void predict(unsigned int g, uint64_t iova, uint64_t pa, uint64_t size,
		    unsigned long want[4])
{
	uint64_t l2 = 1ull << (g + (g - 3)), l1 = 1ull << (g + 2 * (g - 3));

	memset(want, 0, 4 * sizeof(want[0]));
	while (size) {
		if (g == 12 && !(iova % l1) && !(pa % l1) && size >= l1) {
			want[1]++;
			iova += l1, pa += l1, size -= l1;
		} else if (!(iova % l2) && !(pa % l2) && size >= l2) {
			want[2]++;
			iova += l2, pa += l2, size -= l2;
		} else {
			want[3]++;
			iova += 1ull << g, pa += 1ull << g, size -= 1ull << g;
		}
	}
}

static void check_blocks(unsigned int g, uint64_t iova, uint64_t pa, uint64_t size)
{
	void *st = NULL;
	struct fx *fx = fx_new(&st, g, 48, 48, (iova >> 20) & 1);
	struct extlist got = { 0 };
	unsigned long want[4];

	fx_map(fx, iova, pa, size, RW);
	predict(g, iova, pa, size, want);
	sim_collect(&fx->sim, 0, 1ull << 48, &got);
	el_free(&got);
	for (unsigned int l = 0; l < 4; l++)
		if (fx->sim.leaves[l] != want[l])
			fail_msg("g %u map %llx->%llx+%llx: %lu leaves at level %u, expected %lu", g,
				 (unsigned long long)iova, (unsigned long long)pa,
				 (unsigned long long)size, fx->sim.leaves[l], l, want[l]);
	fx_check_all(fx);
	fx_unmap(fx, iova, size, NULL);
	assert_int_equal(fx->pgt.stats.tables_in_use, 1);
	fx_check_all(fx);
	teardown(&st);
}

static void test_block_selection(void **state)
{
	/* 4K granule: 1 GiB and 2 MiB blocks. */
	check_blocks(12, 0x40000000ull, 0x80000000ull, SZ_1G);
	check_blocks(12, 0x40000000ull, 0x80000000ull, SZ_2M);
	check_blocks(12, 0x40000000ull, 0x80000000ull, SZ_2M + SZ_4K);
	check_blocks(12, 0x3fe00000ull, 0x7fe00000ull, SZ_1G + 2 * SZ_2M + 3 * SZ_4K);
	check_blocks(12, 0x3ffff000ull, 0x7ffff000ull, SZ_1G + 2 * SZ_4K);
	/* iova aligned, phys not: pages only. */
	check_blocks(12, 0x40000000ull, 0x80001000ull, 4 * SZ_2M);
	/* phys 2M- but not 1G-aligned: 2M blocks. */
	check_blocks(12, 0x40000000ull, 0x80200000ull, SZ_1G);
	check_blocks(12, 0x7fc000000000ull, 0x1000000000ull, 3 * SZ_1G + SZ_2M);
	/* 16K granule: 32 MiB blocks, no 64 GiB ones. */
	check_blocks(14, 0x42000000ull, 0x86000000ull, 3 * SZ_32M + 5 * SZ_16K);
	check_blocks(14, 0x41ffc000ull, 0x85ffc000ull, SZ_32M + 2 * SZ_16K);
	/* 64K granule: 512 MiB blocks. */
	check_blocks(16, 0x20000000ull, 0x80000000ull, 2 * SZ_512M + 3 * SZ_64K);
	check_blocks(16, 0x1fff0000ull, 0x7fff0000ull, SZ_512M + 2 * SZ_64K);
	check_blocks(16, 0x20000000ull, 0x80010000ull, SZ_512M);
	/* Aligned for the next level up, which has no blocks without LPA/LPA2:
	 * 512 GiB at 4K (level 0), 64 GiB at 16K and 4 TiB at 64K (level 1). */
	check_blocks(12, 0x8000000000ull, 0x8000000000ull, 512 * SZ_1G);
	check_blocks(14, 0x1000000000ull, 0x2000000000ull, 64 * SZ_1G);
	check_blocks(16, 0x40000000000ull, 0x40000000000ull, 4096 * SZ_1G);
}

/* ============================ errors without partial state ======================== */

static void test_map_errors(void **state)
{
	struct fx *fx = fx_new(state, 12, 48, 40, false);

	fx_map(fx, 0x100000ull, 0x80000000ull, 16 * SZ_4K, RW);
	fx_map(fx, 0x40000000ull, 0xc0000000ull, SZ_1G, RW);
	fx_map(fx, 0x200000000ull, 0x80200000ull, SZ_2M, IOMMU_READ);

	expect_map_fails(fx, 0x1000, 0x1000, SZ_4K, 0, TG_EINVAL, "prot 0");
	expect_map_fails(fx, 0x1000, 0x1000, SZ_4K, IOMMU_NOEXEC, TG_EINVAL, "prot NOEXEC only");
	expect_map_fails(fx, 0x1000, 0x1000, SZ_4K, RW | 0x100, TG_EINVAL, "unknown prot bit");
	expect_map_fails(fx, 0x1000, 0x1000, SZ_4K, RW | IOMMU_MMIO | IOMMU_CACHE_NC, TG_EINVAL,
			 "MMIO and NC");
	expect_map_fails(fx, 0x1800, 0x1000, SZ_4K, RW, TG_EINVAL, "unaligned iova");
	expect_map_fails(fx, 0x1000, 0x1008, SZ_4K, RW, TG_EINVAL, "unaligned phys");
	expect_map_fails(fx, 0x1000, 0x1000, 0x800, RW, TG_EINVAL, "unaligned size");
	expect_map_fails(fx, 0x1000, 0x1000, 0, RW, TG_EINVAL, "size 0");
	expect_map_fails(fx, 1ull << 48, 0x1000, SZ_4K, RW, TG_ERANGE, "iova past 48 bits");
	expect_map_fails(fx, (1ull << 48) - SZ_4K, 0x1000, 2 * SZ_4K, RW, TG_ERANGE,
			 "range past 48 bits");
	expect_map_fails(fx, SZ_4K, SZ_4K, ~0xfffull, RW, TG_ERANGE, "huge size");
	expect_map_fails(fx, 0x1000, 1ull << 40, SZ_4K, RW, TG_ERANGE, "phys past 40 bits");
	expect_map_fails(fx, 0x1000, (1ull << 40) - SZ_4K, 2 * SZ_4K, RW, TG_ERANGE,
			 "phys range past 40 bits");
	/* Overlaps: the first page, the last, in the middle of a block, around. */
	expect_map_fails(fx, 0x100000ull, 0x1000000ull, SZ_4K, RW, TG_EBUSY, "same page");
	expect_map_fails(fx, 0x10f000ull, 0x1000000ull, SZ_4K, RW, TG_EBUSY, "last page");
	expect_map_fails(fx, 0xf0000ull, 0x1000000ull, 0x11000, RW, TG_EBUSY,
			 "pages up to the first mapped one");
	expect_map_fails(fx, 0x0ull, 0x1000000ull, 0x400000, RW, TG_EBUSY,
			 "blocks and pages over pages");
	expect_map_fails(fx, 0x7fe00000ull, 0x1000000ull, 0x400000, RW, TG_EBUSY,
			 "2 MiB blocks straddling a 1 GiB block");
	expect_map_fails(fx, 0x5a000000ull, 0x1000000ull, SZ_4K, RW, TG_EBUSY,
			 "a page inside a 1 GiB block");
	expect_map_fails(fx, 0x0ull, 0x0ull, 4 * SZ_1G, RW, TG_EBUSY, "1 GiB blocks over all");
	/* Mostly free with one mapped page at the far end: nothing left behind. */
	expect_map_fails(fx, 0x1ff000000ull, 0x1000000ull, SZ_16K * 1024 + SZ_4K, RW, TG_EBUSY,
			 "far end");
	expect_map_fails(fx, 0x7e0000000000ull, 0x1000000ull, SZ_4K, RW | IOMMU_MMIO | 0x40,
			 TG_EINVAL, "bad prot in a fresh region");
	fx_check_all(fx);
}

static void test_unmap_errors(void **state)
{
	struct fx *fx = fx_new(state, 12, 39, 48, false);
	struct io_tlb_gather g;

	fx_map(fx, 0x100000ull, 0x80000000ull, 16 * SZ_4K, RW);
	fx_map(fx, 0x40000000ull, 0xc0000000ull, SZ_1G, RW);
	fx_map(fx, 0x80000000ull, 0x100000000ull, SZ_2M, RW);

	expect_unmap_fails(fx, 0x101800ull, SZ_4K, TG_EINVAL, "unaligned iova");
	expect_unmap_fails(fx, 0x100000ull, 0x1800, TG_EINVAL, "unaligned size");
	expect_unmap_fails(fx, 0x100000ull, 0, TG_EINVAL, "size 0");
	expect_unmap_fails(fx, 1ull << 39, SZ_4K, TG_ERANGE, "past 39 bits");
	expect_unmap_fails(fx, (1ull << 39) - SZ_4K, 2 * SZ_4K, TG_ERANGE, "range past 39 bits");
	expect_unmap_fails(fx, 0x0ull, SZ_4K, TG_ENOENT, "nothing there");
	expect_unmap_fails(fx, 0xff000ull, 2 * SZ_4K, TG_ENOENT, "starts before");
	expect_unmap_fails(fx, 0x10f000ull, 2 * SZ_4K, TG_ENOENT, "runs past");
	expect_unmap_fails(fx, 0x100000ull, SZ_2M, TG_ENOENT, "2 MiB over 64 KiB");
	/* Block then hole: would split the 1 GiB block, then finds the gap. */
	expect_unmap_fails(fx, 0x7ffff000ull, 2 * SZ_2M, TG_ENOENT, "block into the block after");
	expect_unmap_fails(fx, 0x7ffff000ull, SZ_4K + SZ_2M + SZ_4K, TG_ENOENT,
			   "past the 2 MiB block");
	/* Contiguous across different mappings is fine (next test). */
	io_tlb_gather_init(&g);
	assert_int_equal(io_pgtable_unmap(&fx->pgt, 0x100000ull, SZ_4K, NULL), TG_EINVAL);
	fx_check_all(fx);
	/* Out of memory while splitting: every allocation point, nothing changed. */
	for (long k = 0; k < 2; k++) {
		fx->hm->fail_countdown = k;
		expect_unmap_fails(fx, 0x40001000ull, SZ_4K, TG_ENOMEM, "split without memory");
	}
	fx->hm->fail_countdown = -1;
	fx_unmap(fx, 0x7ffff000ull, SZ_4K + SZ_2M, NULL);	/* across two mappings */
	fx_check_all(fx);
}

static void test_map_enomem(void **state)
{
	struct fx *fx = fx_new(state, 12, 48, 48, false);
	/* A range needing tables at every level, in two top-level slots. */
	uint64_t iova = 0x7fffffe00000ull - 8 * SZ_4K, size = SZ_2M + 16 * SZ_4K;
	long base = fx->hm->allocs, need;

	fx_map(fx, iova, 0x100000000ull + 0xff8000ull, size, RW);
	need = fx->hm->allocs - base;
	assert_int_equal(need, 6);	/* L1 L2 L3 + L1 L2 L3 */
	fx_unmap(fx, iova, size, NULL);
	assert_int_equal(fx->pgt.stats.tables_in_use, 1);
	for (long k = 0; k < need; k++) {
		fx->hm->fail_countdown = k;
		expect_map_fails(fx, iova, 0x100000000ull + 0xff8000ull, size, RW, TG_ENOMEM,
				 "map without memory");
		assert_int_equal(fx->hm->live, 1);
	}
	fx->hm->fail_countdown = -1;
	fx_map(fx, iova, 0x100000000ull + 0xff8000ull, size, RW);
	fx_check_all(fx);
	assert_int_equal(fx->pgt.stats.tables_max, 7);
	assert_int_equal(fx->pgt.stats.maps, 2);
	assert_int_equal(fx->pgt.stats.unmaps, 1);
}

/* ============================ unmap: splits, freeing, gather ===================== */

static void test_split_1g_block(void **state)
{
	struct fx *fx = fx_new(state, 12, 48, 48, false);
	struct io_tlb_gather g;
	struct extlist got = { 0 };

	fx_map(fx, 0x40000000ull, 0x80000000ull, SZ_1G, IOMMU_READ | IOMMU_NOEXEC);
	assert_int_equal(fx->pgt.stats.tables_in_use, 2);	/* root, L1 */
	fx_unmap(fx, 0x40000000ull + 0x12345000ull, SZ_4K, &g);
	/* The rest keeps its translation and attributes. */
	fx_check_all(fx);
	fx_check_addr(fx, 0x40000000ull);
	fx_check_addr(fx, 0x40000000ull + 0x12344000ull);
	fx_check_addr(fx, 0x40000000ull + 0x12345000ull);
	fx_check_addr(fx, 0x40000000ull + 0x12346000ull);
	fx_check_addr(fx, 0x7fffffffull);
	sim_collect(&fx->sim, 0, 1ull << 48, &got);
	assert_int_equal(fx->sim.leaves[1], 0);
	assert_int_equal(fx->sim.leaves[2], 511);
	assert_int_equal(fx->sim.leaves[3], 511);
	el_free(&got);
	assert_int_equal(fx->pgt.stats.tables_in_use, 4);	/* + L2 and L3 from the split */
	/* Gather: one page cleared inside a 1 GiB block. */
	assert_int_equal(g.start, 0x40000000ull + 0x12345000ull);
	assert_int_equal(g.end, 0x40000000ull + 0x12346000ull);
	assert_int_equal(g.pages, 1);
	assert_int_equal(g.min_level_size_shift, 12);
	assert_int_equal(g.max_level_size_shift, 30);
	assert_int_equal(g.tables_freed, 0);

	/* Unmapping the rest frees every table again. */
	fx_unmap(fx, 0x40000000ull, 0x12345000ull, &g);
	assert_int_equal(g.min_level_size_shift, 12);
	assert_int_equal(g.max_level_size_shift, 21);
	assert_int_equal(g.pages, 0x12345000ull / SZ_2M + (0x12345000ull % SZ_2M) / SZ_4K);
	fx_unmap(fx, 0x40000000ull + 0x12346000ull, SZ_1G - 0x12346000ull, &g);
	assert_int_equal(g.tables_freed, 3);	/* L3, L2, L1 */
	assert_int_equal(fx->pgt.stats.tables_in_use, 1);
	assert_int_equal(fx->hm->live, 1);
	fx_check_all(fx);
}

static void test_split_2m_block_edges(void **state)
{
	struct fx *fx = fx_new(state, 12, 48, 48, true);
	struct io_tlb_gather g;

	fx_map(fx, 0x200000ull, 0xc0200000ull, 4 * SZ_2M, RW | IOMMU_MMIO);
	/* Across a block boundary: the tail of one block and the head of the next. */
	fx_unmap(fx, 0x3fe000ull, 4 * SZ_4K, &g);
	assert_int_equal(g.pages, 4);
	assert_int_equal(g.min_level_size_shift, 12);
	assert_int_equal(g.max_level_size_shift, 21);
	fx_check_all(fx);
	for (uint64_t a = 0x3f0000ull; a < 0x410000ull; a += SZ_4K)
		fx_check_addr(fx, a);
	/* A whole block next to a split one: one leaf, no split. */
	fx_unmap(fx, 0x600000ull, SZ_2M, &g);
	assert_int_equal(g.pages, 1);
	assert_int_equal(g.min_level_size_shift, 21);
	assert_int_equal(g.max_level_size_shift, 21);
	assert_int_equal(g.tables_freed, 0);
	fx_check_all(fx);
}

static void test_gather(void **state)
{
	struct fx *fx = fx_new(state, 12, 48, 48, false);
	struct io_tlb_gather g;

	fx_map(fx, 0x10000000ull, 0x90000000ull, 64 * SZ_4K, RW);
	fx_map(fx, 0x80000000ull, 0xa0000000ull, SZ_2M, RW);	/* alone in its L2 table */
	/* Single page. */
	fx_unmap(fx, 0x10003000ull, SZ_4K, &g);
	assert_int_equal(g.start, 0x10003000ull);
	assert_int_equal(g.end, 0x10004000ull);
	assert_int_equal(g.pages, 1);
	assert_int_equal(g.min_level_size_shift, 12);
	assert_int_equal(g.max_level_size_shift, 12);
	assert_int_equal(g.tables_freed, 0);
	/* Several pages. */
	fx_unmap(fx, 0x10010000ull, 8 * SZ_4K, &g);
	assert_int_equal(g.start, 0x10010000ull);
	assert_int_equal(g.end, 0x10018000ull);
	assert_int_equal(g.pages, 8);
	assert_int_equal(g.min_level_size_shift, 12);
	/* Two unmaps into one gather: the union's range, detached tables kept
	 * (still reachable through the freelist) until release. */
	io_tlb_gather_init(&g);
	assert_true(g.empty);
	long live = fx->hm->live;
	assert_int_equal(io_pgtable_unmap(&fx->pgt, 0x80000000ull, SZ_2M, &g), (int64_t)SZ_2M);
	assert_int_equal(io_pgtable_unmap(&fx->pgt, 0x10000000ull, 3 * SZ_4K, &g),
			 (int64_t)(3 * SZ_4K));
	ref_remove(&fx->ref, 0x80000000ull, SZ_2M);
	ref_remove(&fx->ref, 0x10000000ull, 3 * SZ_4K);
	assert_false(g.empty);
	assert_int_equal(g.start, 0x10000000ull);
	assert_int_equal(g.end, 0x80200000ull);
	assert_int_equal(g.pages, 4);
	assert_int_equal(g.min_level_size_shift, 12);
	assert_int_equal(g.max_level_size_shift, 21);
	assert_int_equal(g.tables_freed, 1);	/* the L2 table of 0x80000000 */
	assert_int_equal(fx->hm->live, live);
	assert_int_equal(fx->pgt.stats.tables_in_use, live);
	assert_non_null(g.freelist);
	io_pgtable_gather_release(&fx->pgt, &g);
	assert_int_equal(fx->hm->live, live - 1);
	assert_true(g.empty);
	fx_check_all(fx);
	/* Emptying the last table of a subtree frees it and its parents. */
	fx_unmap(fx, 0x10004000ull, 12 * SZ_4K, &g);
	fx_unmap(fx, 0x10018000ull, 40 * SZ_4K, &g);
	assert_int_equal(g.tables_freed, 3);
	assert_int_equal(fx->pgt.stats.tables_in_use, 1);
	fx_check_all(fx);
}

/* Cleans: whole new tables, then one link; with the tables there, the
 * changed entries and the one count that changed. */
static void test_clean_counts(void **state)
{
	struct fx *fx = fx_new(state, 12, 48, 48, false);
	unsigned long c = fx->hm->cleans, b = fx->hm->clean_bytes;

	fx_map(fx, 0x1000ull, 0x80001000ull, SZ_4K, RW);
	assert_int_equal(fx->hm->cleans - c, 4);	/* L3, L2, L1 whole, root entry */
	assert_int_equal(fx->hm->clean_bytes - b, 3 * 4096 + 8);
	c = fx->hm->cleans, b = fx->hm->clean_bytes;
	fx_map(fx, 0x3000ull, 0x80003000ull, 2 * SZ_4K, RW);
	assert_int_equal(fx->hm->cleans - c, 2);	/* L3 entries, L2 entry's count */
	assert_int_equal(fx->hm->clean_bytes - b, 16 + 8);
	c = fx->hm->cleans, b = fx->hm->clean_bytes;
	fx_unmap(fx, 0x4000ull, SZ_4K, NULL);
	assert_int_equal(fx->hm->cleans - c, 2);
	assert_int_equal(fx->hm->clean_bytes - b, 8 + 8);
	fx_check_all(fx);
}

/*
 * A single-page map/unmap next to an existing mapping changes the count
 * of the last-level table only (two descriptors cleaned: the leaf and
 * that count), and the "now empty" decision reads the table's count,
 * not its entries: with every other entry of the non-root tables
 * on the path poisoned (non-zero but invalid, which a scan would take as
 * in use), the last unmap still detaches them all.  (The host cannot
 * count the loads io_pgtable.c makes; the poison shows that no entry but
 * the one unmapped is looked at.)
 */
static void single_page_cycle(void **state, unsigned int g, unsigned int ias)
{
	struct fx *fx = fx_new(state, g, ias, 48, false);
	uint64_t page = 1ull << g, iova = (1ull << ias) - 16 * page, pa = 0x123400000ull;
	unsigned int start = fx->pgt.start_level, levels = fx->pgt.levels;
	struct io_tlb_gather gt;

	fx_map(fx, iova, pa, page, RW);
	for (unsigned int l = start; l < 3; l++)
		assert_int_equal(td_count(*cpu_desc(fx, iova, l)), 1);
	assert_int_equal(fx->pgt.stats.tables_in_use, levels);

	for (int round = 0; round < 3; round++) {
		unsigned long c = fx->hm->cleans, b = fx->hm->clean_bytes;
		fx_map(fx, iova + page, pa + page, page, RW);
		assert_int_equal(fx->hm->cleans - c, 2);
		assert_int_equal(fx->hm->clean_bytes - b, 16);
		assert_int_equal(td_count(*cpu_desc(fx, iova, 2)), 2);
		for (unsigned int l = start; l < 2; l++)
			assert_int_equal(td_count(*cpu_desc(fx, iova, l)), 1);
		tables_check(fx);
		c = fx->hm->cleans, b = fx->hm->clean_bytes;
		fx_unmap(fx, iova + page, page, &gt);
		assert_int_equal(fx->hm->cleans - c, 2);
		assert_int_equal(fx->hm->clean_bytes - b, 16);
		assert_int_equal(gt.tables_freed, 0);
		assert_int_equal(td_count(*cpu_desc(fx, iova, 2)), 1);
		tables_check(fx);
	}
	fx_check_all(fx);

	/* Poison every other entry of the non-root tables on the path. */
	const uint64_t poison = 0x5a5a5a5a5a5a5a5aull;		/* bit 0 clear: invalid */
	for (unsigned int l = start + 1; l <= 3; l++) {
		uint64_t *d = cpu_desc(fx, iova, l);
		uint64_t *tbl = d - ((iova >> sim_shift(&fx->sim, l)) & ((page / 8) - 1));
		long s = hm_slot_of_phys(fx->hm, *cpu_desc(fx, iova, l - 1) &
						     0x0000ffffffffffffull & ~(page - 1));
		assert_true(s >= 0);
		for (size_t i = 0; i < page / 8; i++) {
			if (&tbl[i] == d)
				continue;
			tbl[i] = poison;
			memcpy(fx->hm->slot[s].mem + i * 8, &poison, 8);
		}
	}
	/* Mapping into a poisoned (invalid) slot counts up from the count. */
	fx_map(fx, iova + 2 * page, pa + 2 * page, page, RW);
	assert_int_equal(td_count(*cpu_desc(fx, iova, 2)), 2);
	fx_unmap(fx, iova + 2 * page, page, &gt);
	assert_int_equal(gt.tables_freed, 0);
	fx_unmap(fx, iova, page, &gt);
	assert_int_equal(gt.tables_freed, levels - 1);
	assert_int_equal(fx->pgt.stats.tables_in_use, 1);
	fx_check_all(fx);
}

static void test_single_page_o1(void **state)
{
	static const unsigned int cfg[][2] = { { 12, 48 }, { 12, 39 }, { 14, 48 }, { 16, 48 },
					       { 16, 36 } };

	for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		single_page_cycle(state, cfg[i][0], cfg[i][1]);
		teardown(state);
		*state = NULL;
	}
}

static void test_iova_to_phys(void **state)
{
	struct fx *fx = fx_new(state, 16, 42, 48, true);
	uint64_t pa;
	unsigned int prot;

	fx_map(fx, 0x20000000ull, 0x3c0000000ull, SZ_512M, IOMMU_READ | IOMMU_CACHE_NC);
	assert_int_equal(io_pgtable_iova_to_phys(&fx->pgt, 0x2abcdef1ull, &pa, &prot), TG_OK);
	assert_int_equal(pa, 0x3cabcdef1ull);
	assert_int_equal(prot, IOMMU_READ | IOMMU_CACHE_NC);
	assert_int_equal(io_pgtable_iova_to_phys(&fx->pgt, 0x2abcdef1ull, NULL, NULL), TG_OK);
	assert_int_equal(io_pgtable_iova_to_phys(&fx->pgt, 0x1fffffffull, &pa, &prot), TG_ENOENT);
	assert_int_equal(io_pgtable_iova_to_phys(&fx->pgt, 0x40000000ull, &pa, &prot), TG_ENOENT);
	assert_int_equal(io_pgtable_iova_to_phys(&fx->pgt, 1ull << 42, &pa, &prot), TG_ERANGE);
	fx_check_all(fx);
}

/* ============================ random operations ================================== */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

struct rcfg {
	unsigned int g, ias, oas;
	bool coherent;
	unsigned int steps;
	uint64_t seed;
	bool keep_leaf_tables;
};

struct rctx {
	struct fx *fx;
	uint64_t page, l2, l1;		/* l1 = 0 when there are no level-1 blocks */
	uint64_t win[2][2];
	uint64_t plo, phi;
	unsigned long maps_ok, maps_busy, unmaps_ok, unmaps_noent;
};

static uint64_t pick_pa(struct rctx *r, uint64_t iova, uint64_t size, uint64_t align)
{
	uint64_t span = r->phi - r->plo;
	uint64_t pa = r->plo + rnd_below(span - size) / align * align;

	/* Half the time congruent with the iova modulo 2 MiB-class blocks,
	 * so large page maps contain blocks. */
	if (align < r->l2 && (rnd() & 1)) {
		pa = pa / r->l2 * r->l2 + (iova & (r->l2 - 1));
		if (pa + size > r->phi)
			pa -= r->l2;
	}
	if (pa < r->plo || pa + size > r->phi)
		pa = r->plo + rnd_below(span - size) / align * align;
	return pa;
}

static void rand_map(struct rctx *r)
{
	struct fx *fx = r->fx;
	unsigned int kind = (unsigned int)rnd_below(100);
	uint64_t size, align;

	if (kind < 40) {
		size = (1 + rnd_below(16)) * r->page;
		align = r->page;
	} else if (kind < 70) {
		size = (1 + rnd_below((4ull << 20) / r->page)) * r->page;
		align = r->page;
	} else if (kind < 93 || !r->l1) {
		size = (1 + rnd_below(3)) * r->l2;
		align = r->l2;
	} else {
		size = r->l1;
		align = r->l1;
	}
	const uint64_t *w = r->win[rnd() & 1];
	if (w[1] - w[0] < size)
		return;
	uint64_t iova = w[0] + rnd_below(w[1] - w[0] - size + 1) / align * align;
	uint64_t pa = pick_pa(r, iova, size, rnd_below(5) ? align : r->page);
	unsigned int prot = (unsigned int[]){ RW, IOMMU_READ, IOMMU_WRITE, RW | IOMMU_NOEXEC,
					      RW | IOMMU_MMIO, IOMMU_READ | IOMMU_CACHE_NC }
		[rnd_below(6)];
	bool busy = ref_overlaps(&fx->ref, iova, size);

	if (busy) {
		int rc = io_pgtable_map(&fx->pgt, iova, pa, size, prot);
		if (rc != TG_EBUSY)
			fail_msg("map over a mapping %llx+%llx: %d", (unsigned long long)iova,
				 (unsigned long long)size, rc);
		r->maps_busy++;
	} else {
		fx_map(fx, iova, pa, size, prot);
		r->maps_ok++;
	}
	uint64_t margin = r->l2;
	fx_check_range(fx, iova > margin ? iova - margin : 0, iova + size + margin);
	fx_check_addr(fx, iova);
	fx_check_addr(fx, iova + size - r->page);
	fx_check_addr(fx, iova + rnd_below(size / r->page) * r->page);
	if (iova)
		fx_check_addr(fx, iova - r->page);
	if (iova + size < 1ull << fx->pgt.cfg.ias)
		fx_check_addr(fx, iova + size);
	tables_check_range(fx, iova > margin ? iova - margin : 0, iova + size + margin);
}

static void rand_unmap(struct rctx *r)
{
	struct fx *fx = r->fx;
	unsigned int kind = (unsigned int)rnd_below(100);
	uint64_t iova, size;

	if (fx->ref.l.n && kind < 70) {
		const struct ext *e = &fx->ref.l.e[rnd_below(fx->ref.l.n)];
		if (kind < 35) {
			iova = e->iova;
			size = e->size;
		} else {
			uint64_t pages = e->size / r->page;
			uint64_t first = rnd_below(pages);
			iova = e->iova + first * r->page;
			size = (1 + rnd_below(pages - first)) * r->page;
		}
	} else if (fx->ref.l.n >= 2 && kind < 85) {
		/* From inside one extent to inside the next. */
		size_t i = rnd_below(fx->ref.l.n - 1);
		const struct ext *a = &fx->ref.l.e[i], *b = &fx->ref.l.e[i + 1];
		iova = a->iova + rnd_below(a->size / r->page) * r->page;
		size = b->iova + (1 + rnd_below(b->size / r->page)) * r->page - iova;
	} else {
		const uint64_t *w = r->win[rnd() & 1];
		size = (1 + rnd_below(64)) * r->page;
		iova = w[0] + rnd_below(w[1] - w[0] - size) / r->page * r->page;
	}
	if (ref_covers(&fx->ref, iova, size)) {
		fx_unmap(fx, iova, size, NULL);
		r->unmaps_ok++;
	} else {
		struct io_tlb_gather g;
		io_tlb_gather_init(&g);
		int64_t rc = io_pgtable_unmap(&fx->pgt, iova, size, &g);
		if (rc != TG_ENOENT)
			fail_msg("unmap of a hole %llx+%llx: %lld", (unsigned long long)iova,
				 (unsigned long long)size, (long long)rc);
		assert_true(g.empty);
		r->unmaps_noent++;
	}
	uint64_t margin = r->l2;
	fx_check_range(fx, iova > margin ? iova - margin : 0, iova + size + margin);
	fx_check_addr(fx, iova);
	fx_check_addr(fx, iova + size - r->page);
	if (iova)
		fx_check_addr(fx, iova - r->page);
	tables_check_range(fx, iova > margin ? iova - margin : 0, iova + size + margin);
}

static void run_random(void **state, const struct rcfg *c)
{
	fx_keep_leaf_tables = c->keep_leaf_tables;
	struct fx *fx = fx_new(state, c->g, c->ias, c->oas, c->coherent);
	fx_keep_leaf_tables = false;
	struct rctx r = { .fx = fx };
	uint64_t top = 1ull << c->ias;
	uint64_t w0 = top / 2 < (16ull << 30) ? top / 2 : (16ull << 30);
	uint64_t w1 = top / 2 < (8ull << 30) ? top / 2 : (8ull << 30);

	rng_state = c->seed;
	r.page = 1ull << c->g;
	r.l2 = 1ull << (c->g + (c->g - 3));
	r.l1 = c->g == 12 ? SZ_1G : 0;
	r.win[0][0] = 0;
	r.win[0][1] = w0;
	r.win[1][0] = top - w1;
	r.win[1][1] = top;
	if (c->oas > 32) {
		r.plo = 1ull << 32;
		r.phi = 1ull << (c->oas < 40 ? c->oas : 40);
	} else {
		r.plo = 0x80000000ull;
		r.phi = 1ull << 32;
	}

	for (unsigned int step = 0; step < c->steps; step++) {
		bool crowded = fx->ref.l.n > 150;
		if (rnd_below(100) < (crowded ? 80u : 45u))
			rand_unmap(&r);
		else
			rand_map(&r);
		if (step % 64 == 63)
			fx_check_all(fx);
	}
	fx_check_all(fx);
	assert_true(r.maps_ok > c->steps / 8);
	assert_true(r.maps_busy > 0);
	assert_true(r.unmaps_ok > c->steps / 8);
	assert_true(r.unmaps_noent > 0);
	assert_true(fx->pgt.stats.tables_max > 4);

	/* Unmap everything, in random order: only the root is left. */
	while (fx->ref.l.n) {
		const struct ext *e = &fx->ref.l.e[rnd_below(fx->ref.l.n)];
		uint64_t lo = e->iova, hi = e->iova + e->size;
		fx_unmap(fx, lo, hi - lo, NULL);
		tables_check_range(fx, lo, hi);
	}
	fx_check_all(fx);
	if (c->keep_leaf_tables) {
		/* Empty leaf tables (and their parents) stay until destroy. */
		assert_true(fx->pgt.stats.tables_in_use > 1);
	} else {
		assert_int_equal(fx->pgt.stats.tables_in_use, 1);
		assert_int_equal(fx->hm->live, 1);
	}
	io_pgtable_destroy(&fx->pgt);
	fx->live = false;
	assert_int_equal(fx->hm->live, 0);
}

static void test_random_4k_48(void **state)
{
	run_random(state, &(struct rcfg){ 12, 48, 48, false, 2500, 0x9e3779b97f4a7c15ull, false });
}

static void test_random_4k_48_coherent(void **state)
{
	run_random(state, &(struct rcfg){ 12, 48, 44, true, 1500, 0x0123456789abcdefull, false });
}

static void test_random_4k_39(void **state)
{
	run_random(state, &(struct rcfg){ 12, 39, 40, false, 1500, 0xfeedfacecafebeefull, false });
}

static void test_random_4k_32(void **state)
{
	run_random(state, &(struct rcfg){ 12, 32, 32, false, 1500, 0x5151515151515151ull, false });
}

static void test_random_4k_keep_leaf_tables(void **state)
{
	run_random(state, &(struct rcfg){ 12, 48, 48, false, 2000, 0x2545f4914f6cdd1dull, true });
}

static void test_random_16k_keep_leaf_tables(void **state)
{
	run_random(state, &(struct rcfg){ 14, 36, 40, true, 1000, 0x7f4a7c159e3779b9ull, true });
}

/*
 * Streaming DMA with kept leaf tables: after the first map of a 2 MiB
 * region, map/unmap cycles inside it allocate and free nothing, and the
 * table stays linked (count 0) when its last page goes.
 */
static void test_keep_leaf_tables_cycle(void **state)
{
	fx_keep_leaf_tables = true;
	struct fx *fx = fx_new(state, 12, 40, 40, false);
	fx_keep_leaf_tables = false;

	fx_map(fx, 0x40000000ull, 0x80000000ull, SZ_4K, RW);
	unsigned int tables = fx->pgt.stats.tables_in_use;
	long live = fx->hm->live;
	for (unsigned int i = 0; i < 100; i++) {
		uint64_t iova = 0x40000000ull + (uint64_t)(1 + i % 500) * SZ_4K;
		fx_map(fx, iova, 0x90000000ull + (uint64_t)i * SZ_4K, (1 + i % 3) * SZ_4K, RW);
		fx_unmap(fx, iova, (1 + i % 3) * SZ_4K, NULL);
	}
	fx_unmap(fx, 0x40000000ull, SZ_4K, NULL);
	fx_check_all(fx);
	assert_int_equal(fx->pgt.stats.tables_in_use, tables);
	assert_int_equal(fx->hm->live, live);
	/* A hole is still a hole, and a kept empty table maps again. */
	struct io_tlb_gather g;
	io_tlb_gather_init(&g);
	assert_int_equal(io_pgtable_unmap(&fx->pgt, 0x40000000ull, SZ_4K, &g), TG_ENOENT);
	assert_true(g.empty);
	fx_map(fx, 0x40001000ull, 0xa0000000ull, 2 * SZ_4K, RW);
	fx_check_all(fx);
}

static void test_random_16k(void **state)
{
	run_random(state, &(struct rcfg){ 14, 48, 48, false, 1500, 0x1234567887654321ull, false });
}

static void test_random_64k(void **state)
{
	run_random(state, &(struct rcfg){ 16, 48, 48, false, 1200, 0xdeadbeef0badf00dull, false });
}

static void test_random_64k_32(void **state)
{
	run_random(state, &(struct rcfg){ 16, 32, 40, true, 800, 0x600dcafe600dcafeull, false });
}

/* Destroy with mappings everywhere frees every table. */
static void test_destroy_frees_all(void **state)
{
	struct fx *fx = fx_new(state, 14, 48, 48, false);

	for (uint64_t i = 0; i < 64; i++)
		fx_map(fx, i * 0x10000000000ull + i * SZ_16K, 0x100000000ull + i * SZ_32M,
		       SZ_32M + 3 * SZ_16K, RW);
	fx_check_all(fx);
	assert_true(fx->hm->live > 64);
	io_pgtable_destroy(&fx->pgt);
	fx->live = false;
	assert_int_equal(fx->hm->live, 0);
	assert_null(fx->pgt.root);
}

/*
 * The batch API as dma_map_sg drives it: seek, then page after page
 * through the inline io_pgtable_fill_put (fast only inside an existing
 * table while the walk is coherent), a table crossing that needs a new
 * table, multi-granule and block-sized ranges, a prot change, and the
 * errors; the result walked by the SMMU model, counts and cleans checked.
 */
static void batch_case(void **state, bool coherent)
{
	struct fx *fx = fx_new(state, 12, 48, 40, coherent);
	struct io_pgtable_batch b;
	const uint64_t base = 0x40000000ull - 8 * SZ_4K;	/* 8 pages before a table edge */
	unsigned int fast = 0;

	fx_map(fx, base - SZ_4K, 0x7000000ull, SZ_4K, RW);	/* the table exists */
	assert_int_equal(io_pgtable_batch_start(&fx->pgt, RW, &b), TG_OK);
	io_pgtable_batch_seek(&b, base);
	for (unsigned int i = 0; i < 12; i++) {
		uint64_t iova = base + i * SZ_4K, pa = 0x8000000ull + 2 * i * SZ_4K;
		if (io_pgtable_fill_put(&b.fill, iova, pa))
			fast++;
		else
			assert_int_equal(io_pgtable_batch_put(&b, iova, pa), TG_OK);
		ref_add(&fx->ref, iova, pa, SZ_4K, RW);
	}
	/* Coherent: all but the page that made the new table were fast. */
	assert_int_equal(fast, coherent ? 11 : 0);
	/* Already mapped, unaligned, beyond oas: refused, nothing written. */
	assert_false(io_pgtable_fill_put(&b.fill, base, 0x9000000ull));
	assert_int_equal(io_pgtable_batch_put(&b, base, 0x9000000ull), TG_EBUSY);
	assert_false(io_pgtable_fill_put(&b.fill, base + 12 * SZ_4K, 0x9000010ull));
	assert_int_equal(io_pgtable_batch_put(&b, base + 12 * SZ_4K, 0x9000010ull), TG_EINVAL);
	assert_false(io_pgtable_fill_put(&b.fill, base + 12 * SZ_4K + 8, 0x9000000ull));
	assert_false(io_pgtable_fill_put(&b.fill, base + 12 * SZ_4K, 1ull << 40));
	assert_int_equal(io_pgtable_batch_put(&b, base + 12 * SZ_4K, 1ull << 40), TG_ERANGE);
	/* Device memory from here on, three pages at once, then a whole 2 MiB block. */
	assert_int_equal(io_pgtable_batch_set_prot(&b, RW | IOMMU_MMIO), TG_OK);
	assert_int_equal(io_pgtable_batch_map(&b, base + 13 * SZ_4K, 0xa000000ull, 3 * SZ_4K),
			 TG_OK);
	ref_add(&fx->ref, base + 13 * SZ_4K, 0xa000000ull, 3 * SZ_4K, RW | IOMMU_MMIO);
	assert_true(io_pgtable_fill_put(&b.fill, base + 16 * SZ_4K, 0xb000000ull) == coherent);
	if (!coherent)
		assert_int_equal(io_pgtable_batch_put(&b, base + 16 * SZ_4K, 0xb000000ull), TG_OK);
	ref_add(&fx->ref, base + 16 * SZ_4K, 0xb000000ull, SZ_4K, RW | IOMMU_MMIO);
	assert_int_equal(io_pgtable_batch_map(&b, base + 8 * SZ_4K + SZ_2M, 0xa200000ull, SZ_2M),
			 TG_OK);
	ref_add(&fx->ref, base + 8 * SZ_4K + SZ_2M, 0xa200000ull, SZ_2M, RW | IOMMU_MMIO);
	assert_int_equal(io_pgtable_batch_set_prot(&b, IOMMU_MMIO | IOMMU_CACHE_NC | RW),
			 TG_EINVAL);
	io_pgtable_batch_finish(&b);
	fx_check_all(fx);
	for (uint64_t a = base - SZ_4K; a < base + 18 * SZ_4K; a += SZ_4K)
		fx_check_addr(fx, a);
	hm_assert_all_clean(fx->hm);
	/* Counts are right: unmapping its pages empties and frees the new table. */
	long live = fx->hm->live;
	fx_unmap(fx, base + 8 * SZ_4K, 4 * SZ_4K, NULL);
	assert_int_equal(fx->hm->live, live);
	fx_unmap(fx, base + 13 * SZ_4K, 4 * SZ_4K, NULL);
	assert_int_equal(fx->hm->live, live - 1);
	fx_check_all(fx);
	hm_assert_all_clean(fx->hm);
}

static void test_batch_coherent(void **state)
{
	batch_case(state, true);
}

static void test_batch_noncoherent(void **state)
{
	batch_case(state, false);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_null, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_desc_encoders),
		T(test_map_writes_expected_descriptors),
		T(test_geometry),
		T(test_cd_cfg),
		T(test_init_errors),
		T(test_block_selection),
		T(test_map_errors),
		T(test_unmap_errors),
		T(test_map_enomem),
		T(test_split_1g_block),
		T(test_split_2m_block_edges),
		T(test_gather),
		T(test_clean_counts),
		T(test_single_page_o1),
		T(test_iova_to_phys),
		T(test_destroy_frees_all),
		T(test_batch_coherent),
		T(test_batch_noncoherent),
		T(test_random_4k_48),
		T(test_random_4k_48_coherent),
		T(test_random_4k_39),
		T(test_random_4k_32),
		T(test_random_16k),
		T(test_random_4k_keep_leaf_tables),
		T(test_random_16k_keep_leaf_tables),
		T(test_keep_leaf_tables_cycle),
	T(test_random_4k_keep_leaf_tables),
	T(test_random_16k_keep_leaf_tables),
	T(test_keep_leaf_tables_cycle),
		T(test_random_64k),
		T(test_random_64k_32),
	};

	return cmocka_run_group_tests_name("io_pgtable", tests, NULL, NULL);
}
