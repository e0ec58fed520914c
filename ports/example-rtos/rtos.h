/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The API of an imaginary small RTOS, shaped like the usual ones
 * (FreeRTOS, Zephyr, ThreadX): what port.c is written against.  On the
 * host, rtos_host.c implements it so the port builds and runs in make test.
 */
#ifndef EXAMPLE_RTOS_H
#define EXAMPLE_RTOS_H

#include <stddef.h>
#include <stdint.h>

/* Physically contiguous, cacheable memory from the kernel's DMA heap. */
void *rtos_dma_heap_alloc(size_t size, size_t align);
void rtos_dma_heap_free(void *p);
uint64_t rtos_virt_to_phys(const void *va);
void *rtos_phys_to_virt(uint64_t pa);
/* Device memory (nGnRE) from the kernel's MMU layer. */
void *rtos_map_device(uint64_t pa, size_t size);
/* Cache maintenance by virtual address range. */
void rtos_dcache_clean(const void *va, size_t size);
void rtos_dcache_invalidate(const void *va, size_t size);
/* Monotonic clock. */
uint64_t rtos_uptime_ns(void);
/* Interrupt controller: from a DT specifier to a number, then connect. */
int rtos_irq_from_dt(const uint32_t *cells, unsigned int ncells, unsigned int *irq);
int rtos_irq_connect(unsigned int irq, int edge, void (*isr)(void *arg), void *arg);
uint64_t rtos_msi_doorbell_phys(void);
/* The kernel's log, one line at a time. */
void rtos_log_write(int severity, const char *line);
/* Spinlock taken with this CPU's interrupts masked; returns the state to restore. */
typedef struct {
	volatile int owner;	/* 0: free */
} rtos_spinlock_t;
unsigned long rtos_spin_lock_irqsave(rtos_spinlock_t *lock);
void rtos_spin_unlock_irqrestore(rtos_spinlock_t *lock, unsigned long flags);

#endif
