/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bare-metal firmware's side of include/tollgate/platform.h: each hook
 * on what boot/ and drivers/ already provide (page pool, cache
 * maintenance by VA, generic timer, GIC).  plat_log is lib/log.c's.  The
 * identity MMU map makes physical and virtual addresses of RAM the same.
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

void *plat_ioremap(uint64_t phys, size_t size)
{
	return ioremap(phys, size);
}

void *plat_phys_to_virt(uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

void plat_cache_clean(const void *va, size_t size)
{
	arch_dcache_clean_range((uintptr_t)va, size);
}

void plat_cache_inval(const void *va, size_t size)
{
	arch_dcache_inval_range((uintptr_t)va, size);
}

uint64_t plat_time_ns(void)
{
	return timer_ns();
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
