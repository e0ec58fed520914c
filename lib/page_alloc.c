/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A bitmap page allocator over one RAM range.  First fit at the requested
 * alignment: allocations are few and long-lived (tables, queues, DMA
 * buffers), so simplicity and exact accounting beat speed here.
 */
#include <stdbool.h>
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/page_alloc.h>

#define MAX_PAGES	(64u * 1024 * 1024 / TG_PAGE_SIZE)	/* 64 MiB pool at most */

static uint32_t bitmap[MAX_PAGES / 32];
static uint64_t pool_base;
static size_t pool_pages;
static size_t used_pages;

static bool page_busy(size_t i)
{
	return bitmap[i / 32] & (1u << (i % 32));
}

static void mark(size_t first, size_t n, bool busy)
{
	for (size_t i = first; i < first + n; i++) {
		if (busy)
			bitmap[i / 32] |= 1u << (i % 32);
		else
			bitmap[i / 32] &= ~(1u << (i % 32));
	}
}

int page_alloc_init(uint64_t base, uint64_t size)
{
	if (base & (TG_PAGE_SIZE - 1) || size < TG_PAGE_SIZE || pool_pages)
		return TG_EINVAL;
	pool_base = base;
	pool_pages = size / TG_PAGE_SIZE;
	if (pool_pages > MAX_PAGES)
		pool_pages = MAX_PAGES;
	used_pages = 0;
	return TG_OK;
}

void *page_alloc(size_t size, size_t align, uint64_t *phys)
{
	size_t n = (size + TG_PAGE_SIZE - 1) / TG_PAGE_SIZE;

	if (!size || !pool_pages)
		return NULL;
	if (align < TG_PAGE_SIZE)
		align = TG_PAGE_SIZE;
	if (align & (align - 1))
		return NULL;
	size_t step = align / TG_PAGE_SIZE;
	/* First page index whose address is aligned. */
	uint64_t first_aligned = ((pool_base + align - 1) & ~((uint64_t)align - 1));
	for (size_t i = (size_t)((first_aligned - pool_base) / TG_PAGE_SIZE);
	     i + n <= pool_pages; i += step) {
		size_t j = 0;
		while (j < n && !page_busy(i + j))
			j++;
		if (j < n)
			continue;
		mark(i, n, true);
		used_pages += n;
		uint64_t pa = pool_base + (uint64_t)i * TG_PAGE_SIZE;
		void *va = (void *)(uintptr_t)pa;
		memset(va, 0, n * TG_PAGE_SIZE);
		if (phys)
			*phys = pa;
		return va;
	}
	return NULL;
}

void page_free(void *va, size_t size)
{
	uint64_t pa = (uint64_t)(uintptr_t)va;
	size_t n = (size + TG_PAGE_SIZE - 1) / TG_PAGE_SIZE;

	if (!va || pa < pool_base || (pa - pool_base) % TG_PAGE_SIZE)
		return;
	size_t first = (size_t)((pa - pool_base) / TG_PAGE_SIZE);
	if (first + n > pool_pages)
		return;
	for (size_t i = first; i < first + n; i++)
		if (page_busy(i))
			used_pages--;
	mark(first, n, false);
}

size_t page_alloc_used(void)
{
	return used_pages;
}

size_t page_alloc_total(void)
{
	return pool_pages;
}
