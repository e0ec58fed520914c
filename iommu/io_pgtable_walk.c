/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only walks of the stage-1 tables io_pgtable.c builds (descriptor
 * layout in io_pgtable_desc.h): the per-level trace the shell's `iommu
 * walk` prints, and the mapped-size count of `smmu`.
 */
#include <stdbool.h>
#include <stddef.h>

#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/io_pgtable_walk.h>

#include "io_pgtable_desc.h"

#define WALK_LAST_LEVEL	3u

/* Bits of IOVA one entry at `level` covers: the granule plus one table
 * index (granule - 3 bits) per level below. */
static unsigned int span_shift(const struct io_pgtable *pgt, unsigned int level)
{
	unsigned int g = pgt->cfg.granule_shift;

	return g + (WALK_LAST_LEVEL - level) * (g - 3);
}

static unsigned int entries(const struct io_pgtable *pgt, unsigned int level)
{
	return level == pgt->start_level ? pgt->root_entries : 1u << (pgt->cfg.granule_shift - 3);
}

static bool is_table(uint64_t d, unsigned int level)
{
	return level < WALK_LAST_LEVEL && (d & PTD_TYPE_MASK) == PTD_TYPE_TABLE_BITS;
}

static uint64_t next_table_phys(const struct io_pgtable *pgt, uint64_t d)
{
	return d & ptd_oa_mask(pgt->cfg.granule_shift);
}

static const uint64_t *table_va(const struct io_pgtable *pgt, uint64_t phys)
{
	return pgt->mem.phys_to_virt(pgt->mem.ctx, phys);
}

int io_pgtable_walk(const struct io_pgtable *pgt, uint64_t iova, struct io_pgtable_walk *w)
{
	if (!pgt || !pgt->root || !w)
		return TG_EINVAL;
	w->nsteps = 0;
	if (iova >> pgt->cfg.ias)
		return TG_ERANGE;

	uint64_t tphys = pgt->root_phys;
	const uint64_t *tbl = pgt->root;
	for (unsigned int level = pgt->start_level; level <= WALK_LAST_LEVEL; level++) {
		unsigned int shift = span_shift(pgt, level);
		unsigned int idx = (unsigned int)((iova >> shift) & (entries(pgt, level) - 1));
		uint64_t d = __atomic_load_n(&tbl[idx], __ATOMIC_RELAXED);

		w->step[w->nsteps++] = (struct io_pgtable_walk_step){ level, idx, tphys, d };
		if (!(d & PTD_VALID))
			return TG_ENOENT;
		if (is_table(d, level)) {
			tphys = next_table_phys(pgt, d);
			tbl = table_va(pgt, tphys);
			continue;
		}
		w->leaf_shift = shift;
		w->phys = (d & ptd_oa_mask(shift)) | (iova & ((1ull << shift) - 1));
		w->prot = ptd_leaf_prot(d);
		return TG_OK;
	}
	return TG_ENOENT;	/* not reached: level 3 holds only pages */
}

static void count(const struct io_pgtable *pgt, const uint64_t *tbl, unsigned int level,
		  uint64_t *leaves, uint64_t *bytes)
{
	for (unsigned int i = 0; i < entries(pgt, level); i++) {
		uint64_t d = tbl[i];

		if (!(d & PTD_VALID))
			continue;
		if (is_table(d, level)) {
			count(pgt, table_va(pgt, next_table_phys(pgt, d)), level + 1, leaves, bytes);
			continue;
		}
		(*leaves)++;
		*bytes += 1ull << span_shift(pgt, level);
	}
}

void io_pgtable_usage(const struct io_pgtable *pgt, uint64_t *leaves, uint64_t *bytes)
{
	*leaves = 0;
	*bytes = 0;
	if (pgt && pgt->root)
		count(pgt, pgt->root, pgt->start_level, leaves, bytes);
}
