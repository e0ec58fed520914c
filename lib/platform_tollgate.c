/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bare-metal firmware's side of include/tollgate/platform.h: each hook
 * on what boot/ and drivers/ already provide (page pool, cache
 * maintenance by VA, generic timer, GIC, interrupt masking).  plat_log is
 * lib/log.c's.  The identity MMU map makes physical and virtual addresses
 * of RAM the same.
 */
#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/irq.h>
#include <tollgate/mmio.h>
#include <tollgate/page_alloc.h>
#include <tollgate/platform.h>
#include <tollgate/timer.h>

void *plat_dma_alloc(size_t size, size_t align, uint64_t *phys)
{
	return page_alloc(size, align, phys);
}

void plat_dma_free(void *va, size_t size)
{
	page_free(va, size);
}

void *plat_map(uint64_t phys, size_t size, enum plat_mem mem)
{
	if (mem == PLAT_MEM_DEVICE)
		return ioremap(phys, size);
	return (void *)(uintptr_t)phys;
}

void plat_cache(enum plat_cache_op op, const void *va, size_t size)
{
	if (op == PLAT_CACHE_CLEAN)
		arch_dcache_clean_range((uintptr_t)va, size);
	else if (op == PLAT_CACHE_INVAL)
		arch_dcache_inval_range((uintptr_t)va, size);
	else
		arch_dcache_clean_inval_range((uintptr_t)va, size);
}

/* One core, so masking interrupts is the whole lock: the SMMU handlers cannot run. */
unsigned long plat_lock_irqsave(void)
{
	return arch_irq_save();
}

void plat_unlock_irqrestore(unsigned long flags)
{
	arch_irq_restore(flags);
}

/*
 * Every core poll reads the clock twice, so no 64-bit division here (a
 * library call on AArch32): nanoseconds per tick in 32.32 fixed point,
 * recomputed only when the timer's frequency changes (DT override).
 */
uint64_t plat_time_ns(void)
{
	static uint32_t freq;
	static uint32_t ns_int, ns_frac;
	uint32_t f = timer_freq();

	if (f != freq) {
		uint64_t q32 = ((uint64_t)1000000000u << 32) / f;

		ns_int = (uint32_t)(q32 >> 32);
		ns_frac = (uint32_t)q32;
		freq = f;
	}
	uint64_t t = arch_counter_read();
	if (!ns_frac)		/* whole nanoseconds per tick (QEMU: 62.5 MHz, 16 ns) */
		return t * ns_int;
	return t * ns_int + (t >> 32) * ns_frac + (((t & 0xffffffffu) * ns_frac) >> 32);
}

int plat_irq_request(const struct fdt_irq *spec, bool edge, plat_irq_handler_t handler,
		     void *ctx, unsigned int *intid)
{
	enum irq_trigger trig;
	unsigned int n;

	if (!spec || !handler || !intid)
		return TG_EINVAL;
	int err = irq_decode_fdt(spec, &n, &trig);
	if (err != TG_OK)
		return err;
	err = irq_request(n, edge ? IRQ_TRIGGER_EDGE : trig, handler, ctx);
	if (err == TG_OK)
		*intid = n;
	return err;
}

/* GICv2m: MSI_SETSPI_NS in the frame's first page; ITS: the GITS_TRANSLATER page. */
uint64_t plat_msi_doorbell(void)
{
	const struct irq_info *info = irq_controller_info();

	if (!info)
		return 0;
	if (info->v2m_phys)
		return info->v2m_phys;
	if (info->its_phys)
		return info->its_phys + 0x10000;
	return 0;
}
