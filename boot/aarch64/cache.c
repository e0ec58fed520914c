/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data cache maintenance by VA to the point of coherency (Arm ARM C5.3:
 * DC CVAC, DC IVAC, DC CIVAC).  Lines come from CTR_EL0.DminLine so the
 * same binary is right on any core.
 */
#include <tollgate/arch.h>

size_t arch_dcache_line_size(void)
{
	uint64_t ctr;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	return (size_t)4 << ((ctr >> 16) & 0xf);
}

#define DC_RANGE(op, start, len)						\
	do {									\
		size_t line = arch_dcache_line_size();				\
		uintptr_t a = (start) & ~(uintptr_t)(line - 1);			\
		uintptr_t end = (start) + (len);				\
		for (; a < end; a += line)					\
			__asm__ volatile("dc " op ", %0" :: "r"(a) : "memory");	\
		__asm__ volatile("dsb sy" ::: "memory");			\
	} while (0)

void arch_dcache_clean_range(uintptr_t start, size_t len)
{
	DC_RANGE("cvac", start, len);
}

void arch_dcache_clean_inval_range(uintptr_t start, size_t len)
{
	DC_RANGE("civac", start, len);
}

void arch_dcache_inval_range(uintptr_t start, size_t len)
{
	size_t line = arch_dcache_line_size();
	uintptr_t end = start + len;

	if (!len)
		return;
	/*
	 * Partial lines at either end may hold data of a neighbour: write
	 * them back before discarding instead of losing the neighbour's bytes.
	 */
	if (start & (line - 1))
		__asm__ volatile("dc civac, %0" :: "r"(start & ~(uintptr_t)(line - 1)) : "memory");
	if (end & (line - 1))
		__asm__ volatile("dc civac, %0" :: "r"(end & ~(uintptr_t)(line - 1)) : "memory");
	uintptr_t a = (start + line - 1) & ~(uintptr_t)(line - 1);
	for (; a + line <= end; a += line)
		__asm__ volatile("dc ivac, %0" :: "r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}
