/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physically contiguous, naturally aligned, zeroed memory for DMA and for
 * tables the hardware walks (stream tables, queues, page tables).  RAM is
 * identity-mapped, so the CPU address is the physical address.
 */
#ifndef TOLLGATE_PAGE_ALLOC_H
#define TOLLGATE_PAGE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#define TG_PAGE_SIZE	4096u

/* Hands the range [base, base+size) to the allocator (called once at boot). */
int page_alloc_init(uint64_t base, uint64_t size);
/* size rounded up to pages; align a power of two >= 4 KiB (0 = page). */
void *page_alloc(size_t size, size_t align, uint64_t *phys);
void page_free(void *va, size_t size);
/* Pages in use / in the pool, for the shell and leak checks. */
size_t page_alloc_used(void);
size_t page_alloc_total(void);

#endif
