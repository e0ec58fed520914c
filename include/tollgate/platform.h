/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The platform seam: the only functions the core (pci/, iommu/, dma/,
 * drivers/fdt/ and lib/{format,error,deadline,log_core}.c, i.e.
 * libtollgate-core.a) calls outside itself, besides libc's mem and str
 * functions.  The bare-metal firmware implements them in
 * lib/platform_tollgate.c, the host tests in tests/host/smmu_fake.c and
 * pci_sim.c, an RTOS as in ports/example-rtos/port.c; docs/PORTING.md
 * gives each contract in full.
 *
 * Common rules: every hook may be called from thread context; only
 * plat_time_ns, plat_cache, plat_log and the lock hooks are also called
 * from the SMMU interrupt handlers.  No hook may sleep while the core
 * waits for hardware (the core polls with a bounded deadline instead).
 * The core serialises its shared state itself with the one core lock
 * (plat_lock_irqsave), so a port may call it from several threads.
 */
#ifndef TOLLGATE_PLATFORM_H
#define TOLLGATE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fdt_irq;

/* Granule of plat_dma_alloc and of the SMMU page tables the core builds. */
#define TG_PAGE_SIZE	4096u

/*
 * Physically contiguous memory the SMMU and devices read (tables, queues,
 * pages).  size > 0, rounded up to TG_PAGE_SIZE by the platform; align a
 * power of two (0 or <= TG_PAGE_SIZE means page-aligned).  Returns the CPU
 * pointer, writes the physical address to *phys; NULL when out of memory.
 * The core cleans what it writes (plat_cache) before a device reads it, so
 * cacheable normal memory is fine.  Page-table pages are allocated and
 * freed with the core lock held: neither hook may block.
 */
void *plat_dma_alloc(size_t size, size_t align, uint64_t *phys);
/* Returns what plat_dma_alloc gave, with the same size. */
void plat_dma_free(void *va, size_t size);

/*
 * CPU address of a physical range.  PLAT_MEM_RAM: normal memory the
 * platform already maps (DMA buffers handed to dma_map_*), a translation
 * on the mapping hot path, called with the core lock held.
 * PLAT_MEM_DEVICE: device registers (ECAM, SMMU, BARs), mapped uncached
 * (Device-nGnRE) if need be, never released; only outside the lock.
 * NULL on failure.
 */
enum plat_mem {
	PLAT_MEM_RAM,
	PLAT_MEM_DEVICE,
};
void *plat_map(uint64_t phys, size_t size, enum plat_mem mem);

/*
 * Data cache by CPU address, to the point of coherency; any alignment.
 * PLAT_CACHE_INVAL: the caller owns the whole cache lines of the range.
 */
enum plat_cache_op {
	PLAT_CACHE_CLEAN,	/* before a device reads memory the CPU wrote */
	PLAT_CACHE_INVAL,	/* before the CPU reads memory a device wrote */
	PLAT_CACHE_CLEAN_INVAL,	/* both, for lines shared with a device */
};
void plat_cache(enum plat_cache_op op, const void *va, size_t size);

/* Monotonic nanoseconds; the core's deadlines and polls are built on it. */
uint64_t plat_time_ns(void);

/*
 * Connects handler(intid, ctx) to the interrupt `spec` (a device-tree
 * interrupt specifier of the SMMU's node) and enables it, edge-triggered
 * when `edge`.  *intid receives the platform's interrupt number.  Returns
 * TG_OK or a TG_E* code (the core then polls instead).
 */
typedef void (*plat_irq_handler_t)(unsigned int intid, void *ctx);
int plat_irq_request(const struct fdt_irq *spec, bool edge, plat_irq_handler_t handler,
		     void *ctx, unsigned int *intid);

/*
 * Physical address of the interrupt controller's MSI doorbell page (the
 * register devices write MSIs to); the DMA layer maps it 1:1 for every
 * translated device.  0: no MSI controller.
 */
uint64_t plat_msi_doorbell(void);

/* One formatted line (ends in '\n'); level is enum tg_log_level. */
void plat_log(int level, const char *line);

/*
 * The core lock: one global lock over the core's shared state (SMMU
 * command and event queues, stream tables, domains and their page tables,
 * IOVA allocators and mapping records of the DMA layer).  The SMMU
 * interrupt handlers take it too, so it must mask interrupts: on a single
 * core that is all it does; on several cores it is a spinlock taken with
 * interrupts masked.  Not recursive: the core never takes it twice.  Held
 * only for bounded busy work, never across a sleep.  Returns the state
 * plat_unlock_irqrestore puts back.
 */
unsigned long plat_lock_irqsave(void);
void plat_unlock_irqrestore(unsigned long flags);

/* The core's own use: expr evaluated with the core lock held. */
#define TG_LOCKED(expr) ({						\
	unsigned long tg_lock_flags_ = plat_lock_irqsave();		\
	__typeof__(expr) tg_lock_ret_ = (expr);				\
	plat_unlock_irqrestore(tg_lock_flags_);				\
	tg_lock_ret_;							\
})

#endif
