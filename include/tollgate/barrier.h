/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Barriers are architectural, not platform hooks: inline per ISA, with a
 * C11 fence for host builds of the core.
 */
#ifndef TOLLGATE_BARRIER_H
#define TOLLGATE_BARRIER_H

/*
 * Full-system data synchronisation barrier: memory writes (tables, queue
 * entries) are complete before a following MMIO write tells a device.
 */
static inline void arch_dsb(void)
{
#if defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("dsb sy" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
