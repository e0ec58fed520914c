/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A software walk of an io_pgtable that records every descriptor it reads
 * on the way (level, index, value), as the SMMU's table walker would read
 * them (Arm ARM DDI 0487 D8.2 "Translation process"), and a count of what
 * a table maps.  Read-only: for the shell and for tests.
 */
#ifndef TOLLGATE_IO_PGTABLE_WALK_H
#define TOLLGATE_IO_PGTABLE_WALK_H

#include <stdint.h>

struct io_pgtable;

struct io_pgtable_walk_step {
	unsigned int level;		/* 0..3 */
	unsigned int index;		/* entry index in that level's table */
	uint64_t table_phys;		/* the table read */
	uint64_t desc;			/* the descriptor found there */
};

struct io_pgtable_walk {
	unsigned int nsteps;
	struct io_pgtable_walk_step step[4];
	/* Filled when the walk ends on a leaf: */
	uint64_t phys;			/* output address of the IOVA */
	unsigned int prot;		/* IOMMU_* the leaf grants */
	unsigned int leaf_shift;	/* log2 of the leaf's size */
};

/*
 * Walks `iova`: TG_OK on a leaf, TG_ENOENT when an invalid descriptor ends
 * the walk (the steps up to it are recorded), TG_ERANGE beyond the input
 * size, TG_EINVAL for a NULL argument.
 */
int io_pgtable_walk(const struct io_pgtable *pgt, uint64_t iova, struct io_pgtable_walk *w);

/* Leaf descriptors and the bytes they map, over the whole table. */
void io_pgtable_usage(const struct io_pgtable *pgt, uint64_t *leaves, uint64_t *bytes);

#endif
