/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tollgate's core on an RTOS: the whole port, one function per hook of
 * include/tollgate/platform.h, each on the RTOS service that does the job
 * (rtos.h, an imaginary kernel shaped like FreeRTOS / Zephyr / ThreadX).
 * Link it with libtollgate-core.a; docs/PORTING.md has the contracts.
 */
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/platform.h>

#include "rtos.h"

/* DMA heap: tables and queues of the SMMU, pages of the DMA layer. */
void *plat_dma_alloc(size_t size, size_t align, uint64_t *phys)
{
	size = (size + TG_PAGE_SIZE - 1) & ~(size_t)(TG_PAGE_SIZE - 1);
	void *va = rtos_dma_heap_alloc(size, align > TG_PAGE_SIZE ? align : TG_PAGE_SIZE);

	if (va)
		*phys = rtos_virt_to_phys(va);
	return va;
}

void plat_dma_free(void *va, size_t size)
{
	rtos_dma_heap_free(va);
}

/* MMU: RAM by physical address, device registers (ECAM, SMMU, BARs) mapped uncached. */
void *plat_map(uint64_t phys, size_t size, enum plat_mem mem)
{
	return mem == PLAT_MEM_DEVICE ? rtos_map_device(phys, size) : rtos_phys_to_virt(phys);
}

/* Caches: the core asks only for a non-coherent SMMU or device. */
void plat_cache(enum plat_cache_op op, const void *va, size_t size)
{
	if (op != PLAT_CACHE_INVAL)
		rtos_dcache_clean(va, size);
	if (op != PLAT_CACHE_CLEAN)
		rtos_dcache_invalidate(va, size);
}

/* Clock: a tick counter of 1 ms would make every poll wait a whole tick; use the cycle counter. */
uint64_t plat_time_ns(void)
{
	return rtos_uptime_ns();
}

/*
 * Interrupts: the core passes the SMMU node's DT specifier; the RTOS's
 * interrupt controller driver knows its cells.  The RTOS calls isr(arg),
 * the core wants handler(intid, ctx): a small trampoline table.
 */
#define PORT_MAX_IRQS 8

static struct port_irq {
	plat_irq_handler_t handler;
	void *ctx;
	unsigned int intid;
} port_irqs[PORT_MAX_IRQS];

static void port_isr(void *arg)
{
	struct port_irq *p = arg;

	p->handler(p->intid, p->ctx);
}

int plat_irq_request(const struct fdt_irq *spec, bool edge, plat_irq_handler_t handler,
		     void *ctx, unsigned int *intid)
{
	struct port_irq *slot = NULL;
	unsigned int irq;

	if (!spec || !handler || !intid)
		return TG_EINVAL;
	for (unsigned int i = 0; i < PORT_MAX_IRQS && !slot; i++)
		if (!port_irqs[i].handler)
			slot = &port_irqs[i];
	if (!slot)
		return TG_ENOSPC;
	if (rtos_irq_from_dt(spec->cells, spec->ncells, &irq) != 0)
		return TG_EINVAL;
	*slot = (struct port_irq){ .handler = handler, .ctx = ctx, .intid = irq };
	if (rtos_irq_connect(irq, edge, port_isr, slot) != 0) {
		slot->handler = NULL;
		return TG_EIO;
	}
	*intid = irq;
	return TG_OK;
}

/* The GIC's MSI frame (GICv2m) or ITS translater page; 0 without MSIs. */
uint64_t plat_msi_doorbell(void)
{
	return rtos_msi_doorbell_phys();
}

/* Log: level is enum tg_log_level (0 error .. 3 debug). */
void plat_log(int level, const char *line)
{
	rtos_log_write(level, line);
}

/*
 * The core lock: the SMMU handlers take it in interrupt context, so a
 * spinlock with interrupts masked (a mutex could sleep there), never a
 * recursive one.
 */
static rtos_spinlock_t core_lock;

unsigned long plat_lock_irqsave(void)
{
	return rtos_spin_lock_irqsave(&core_lock);
}

void plat_unlock_irqrestore(unsigned long flags)
{
	rtos_spin_unlock_irqrestore(&core_lock, flags);
}
