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
 * plat_time_ns, the cache hooks and plat_log are also called from the
 * SMMU interrupt handlers.  No hook may sleep while the core waits for
 * hardware (the core polls with a bounded deadline instead).  The core
 * takes no lock of its own: a port that calls it from several threads
 * serialises those calls (one mutex around the public API is enough).
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
 * The core cleans what it writes (plat_cache_clean) before a device reads
 * it, so cacheable normal memory is fine.
 */
void *plat_dma_alloc(size_t size, size_t align, uint64_t *phys);
/* Returns what plat_dma_alloc gave, with the same size. */
void plat_dma_free(void *va, size_t size);

/* Device registers: an uncached (Device-nGnRE) mapping; NULL on failure. */
void *plat_ioremap(uint64_t phys, size_t size);
/* Normal memory by physical address (DMA buffers handed to dma_map_*). */
void *plat_phys_to_virt(uint64_t phys);

/* Data cache by CPU address, to the point of coherency; any alignment. */
void plat_cache_clean(const void *va, size_t size);
/* Invalidate: the caller owns the whole cache lines of the range. */
void plat_cache_inval(const void *va, size_t size);

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

#endif
