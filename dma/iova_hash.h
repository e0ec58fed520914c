/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IOVA allocator's table of live allocations, private to dma/iova*.c.
 *
 * An open-addressing hash table with linear probing, in the storage that
 * follows the tree nodes in the caller's array (d->slots: pairs of
 * 64-bit words).  A slot holds one live range as a key, IOVA_KEY_USED |
 * first granule << 6 | order (0 is empty), and the caller's tag for it
 * (iova_alloc_tag: the DMA layer keeps what it must check at unmap time
 * there, so one probe finds both).  It is sized at two slots per range,
 * so it is at most half full and a lookup usually reads one cache line.
 * Removal shifts the following entries of the probe sequence back (no
 * tombstones), so lookups never degrade.
 *
 * Slot i's home for a granule: the granule folded to 32 bits and
 * Fibonacci-hashed (32-bit multiplies: cheap on AArch32 too), then a
 * multiply onto [0, nslots) (no division, any table size).
 */
#ifndef TOLLGATE_DMA_IOVA_HASH_H
#define TOLLGATE_DMA_IOVA_HASH_H

#include <stdbool.h>
#include <stdint.h>

#include <tollgate/iova.h>

#define IOVA_KEY_USED	(1ull << 63)
#define IOVA_SLOT_NONE	UINT32_MAX

static inline uint64_t iova_key(uint64_t pfn, unsigned int order)
{
	return IOVA_KEY_USED | pfn << 6 | order;
}

static inline uint64_t iova_key_pfn(uint64_t key)
{
	return (key & ~IOVA_KEY_USED) >> 6;
}

static inline unsigned int iova_key_order(uint64_t key)
{
	return (unsigned int)(key & 63);
}

/* Slot i's key; its tag is the word after it. */
static inline uint64_t *iova_slot(const struct iova_domain *d, uint32_t i)
{
	return &d->slots[2 * (size_t)i];
}

static inline uint32_t iova_slot_home(const struct iova_domain *d, uint64_t pfn)
{
	uint32_t h = ((uint32_t)pfn ^ (uint32_t)(pfn >> 32)) * 0x9e3779b9u;

	return (uint32_t)(((uint64_t)h * d->nslots) >> 32);
}

static inline uint32_t iova_slot_next(const struct iova_domain *d, uint32_t i)
{
	return i + 1 == d->nslots ? 0 : i + 1;
}

/* The slot holding the live range starting at pfn, or IOVA_SLOT_NONE. */
static inline uint32_t iova_hash_find(const struct iova_domain *d, uint64_t pfn)
{
	uint32_t i = iova_slot_home(d, pfn);
	uint64_t k;

	while ((k = *iova_slot(d, i)) != 0) {
		if (iova_key_pfn(k) == pfn)
			return i;
		i = iova_slot_next(d, i);
	}
	return IOVA_SLOT_NONE;
}

/* Enters a range that is not in the table (the table is never full). */
static inline void iova_hash_add(struct iova_domain *d, uint64_t pfn, unsigned int order,
				 uint64_t tag)
{
	uint32_t i = iova_slot_home(d, pfn);
	uint64_t *s;

	while (*(s = iova_slot(d, i)) != 0)
		i = iova_slot_next(d, i);
	s[0] = iova_key(pfn, order);
	s[1] = tag;
}

/* Empties slot i, moving back entries whose probe sequence crossed it. */
static inline void iova_hash_del(struct iova_domain *d, uint32_t i)
{
	uint32_t j = i;
	uint64_t k;

	*iova_slot(d, i) = 0;
	for (;;) {
		uint32_t home;
		bool stays;

		j = iova_slot_next(d, j);
		k = *iova_slot(d, j);
		if (k == 0)
			return;
		home = iova_slot_home(d, iova_key_pfn(k));
		/* The entry at j stays when its home lies cyclically in (i, j]. */
		stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			uint64_t *to = iova_slot(d, i), *from = iova_slot(d, j);
			to[0] = k;
			to[1] = from[1];
			from[0] = 0;
			i = j;
		}
	}
}

#endif
