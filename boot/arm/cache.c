// SPDX-License-Identifier: BSD-3-Clause
/*
 * AArch32 data cache maintenance by virtual address to the point of
 * coherency (what a non-coherent DMA master sees).
 */
#include <stddef.h>
#include <stdint.h>

#include <tollgate/arch.h>

size_t arch_dcache_line_size(void)
{
	uint32_t ctr;

	__asm__ volatile("mrc p15, 0, %0, c0, c0, 1" : "=r"(ctr));
	/* CTR.DminLine: log2 of the number of words in the smallest line. */
	return (size_t)4 << ((ctr >> 16) & 0xf);
}

enum dc_op { DC_CLEAN, DC_INVAL, DC_CLEAN_INVAL };

static void dcache_range(enum dc_op op, uintptr_t start, size_t len)
{
	uintptr_t line, last, p;

	if (len == 0)
		return;
	line = arch_dcache_line_size();
	last = start + len - 1;
	if (last < start)			/* range wraps: stop at the top */
		last = UINTPTR_MAX;
	last &= ~(line - 1);
	for (p = start & ~(line - 1);; p += line) {
		switch (op) {
		case DC_CLEAN:			/* DCCMVAC */
			__asm__ volatile("mcr p15, 0, %0, c7, c10, 1" : : "r"(p) : "memory");
			break;
		case DC_INVAL:			/* DCIMVAC */
			__asm__ volatile("mcr p15, 0, %0, c7, c6, 1" : : "r"(p) : "memory");
			break;
		case DC_CLEAN_INVAL:		/* DCCIMVAC */
			__asm__ volatile("mcr p15, 0, %0, c7, c14, 1" : : "r"(p) : "memory");
			break;
		}
		if (p == last)
			break;
	}
	__asm__ volatile("dsb sy" : : : "memory");
}

void arch_dcache_clean_range(uintptr_t start, size_t len)
{
	dcache_range(DC_CLEAN, start, len);
}

void arch_dcache_inval_range(uintptr_t start, size_t len)
{
	dcache_range(DC_INVAL, start, len);
}

void arch_dcache_clean_inval_range(uintptr_t start, size_t len)
{
	dcache_range(DC_CLEAN_INVAL, start, len);
}
