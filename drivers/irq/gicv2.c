/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GICv2 back end (Arm IHI 0048B): memory-mapped Distributor and CPU
 * interface, SPIs targeted at this CPU through GICD_ITARGETSR.
 *
 * Two views of a GICv2 are possible, told apart by writing IGROUPR0 and
 * reading it back:
 *  - "banked" (Non-secure access to a GIC with the Security Extensions):
 *    IGROUPR is RAZ/WI, firmware has made our interrupts Group 1, and the
 *    Non-secure GICC_IAR/EOIR handle them.
 *  - "full" (no Security Extensions, as QEMU virt without secure=on, or a
 *    Secure access): we are the only software, so everything is put in
 *    Group 0, signalled as IRQ (GICC_CTLR.FIQEn = 0).  Group 1 would need
 *    the aliased GICC_AIAR/AEOIR, since GICC_IAR answers 1022 for Group 1
 *    while AckCtl is 0 (4.4.4) -- and QEMU (7.2) does not implement
 *    GICC_AIAR, so Group 0 is the choice that works everywhere.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>

#include "gic_priv.h"
#include "gic_regs.h"

static struct {
	volatile uint8_t *dist;
	volatile uint8_t *cpu;
	uint8_t cpu_mask;	/* this CPU's bit for GICD_ITARGETSR */
	bool full_view;
	bool sec_extn;	/* only for the boot log */
} v2;

static void v2_disable(unsigned int intid)
{
	gic_write_bit(v2.dist, GIC_ICENABLER, intid);
}

static void v2_enable(unsigned int intid)
{
	gic_write_bit(v2.dist, GIC_ISENABLER, intid);
}

static void v2_set_target(unsigned int intid)
{
	volatile uint8_t *reg = v2.dist + GICD_ITARGETSR + (intid & ~3U);
	unsigned int shift = 8U * (intid & 3U);
	uint32_t v = mmio_read32(reg);

	v &= ~(0xFFU << shift);
	v |= (uint32_t)v2.cpu_mask << shift;
	mmio_write32(reg, v);
}

static void v2_configure(unsigned int intid, enum irq_trigger trigger)
{
	if (v2.full_view)
		gic_set_group(v2.dist, intid, false);
	gic_set_priority(v2.dist, intid, GIC_PRIO_DEFAULT);
	/* SGIs are always edge; PPI configuration may be fixed by the design. */
	if (intid >= GIC_NR_SGI && !gic_set_trigger(v2.dist, intid, trigger))
		pr_warn("GICv2: INTID %u: trigger is fixed, cannot make it %s\n", intid,
			trigger == IRQ_TRIGGER_EDGE ? "edge" : "level");
	if (intid >= GIC_SPI_BASE)
		v2_set_target(intid);
}

static void v2_set_pending(unsigned int intid)
{
	if (intid >= GIC_NR_SGI) {
		gic_write_bit(v2.dist, GIC_ISPENDR, intid);
		return;
	}
	/*
	 * SGI pending bits cannot be set through ISPENDR0 (4.3.7).  NSATT
	 * stays 0: in the full view SGIs are Group 0, and a Non-secure write
	 * ignores the field.
	 */
	mmio_write32(v2.dist + GICD_SGIR, GICD_SGIR_TO_SELF | GICD_SGIR_INTID(intid));
}

static uint32_t v2_ack(void)
{
	return mmio_read32(v2.cpu + GICC_IAR);
}

static void v2_eoi(uint32_t iar)
{
	/* The whole IAR value, CPU ID of an SGI included (4.4.5). */
	mmio_write32(v2.cpu + GICC_EOIR, iar);
}

static const struct gic_ops gicv2_ops = {
	.disable = v2_disable,
	.configure = v2_configure,
	.enable = v2_enable,
	.set_pending = v2_set_pending,
	.ack = v2_ack,
	.eoi = v2_eoi,
	.intid_mask = GICC_IAR_INTID_MASK,
};

/*
 * The GICD_ITARGETSR bytes of SGIs and PPIs read as the mask of the CPU
 * doing the read (4.3.12).  A uniprocessor GIC makes them RAZ/WI, and then
 * any non-zero target is correct.
 */
static uint8_t v2_this_cpu_mask(void)
{
	unsigned int i;

	for (i = 0; i < GIC_NR_PRIVATE; i += 4U) {
		uint32_t v = mmio_read32(v2.dist + GICD_ITARGETSR + i);
		unsigned int b;

		for (b = 0; b < 4U; b++) {
			uint8_t m = (uint8_t)(v >> (8U * b));

			if (m)
				return m;
		}
	}
	return 1U;
}

int gicv2_probe(const struct fdt *fdt, int node, struct irq_info *info,
		const struct gic_ops **ops)
{
	uint64_t dphys, dsize, cphys, csize;
	unsigned int lines, nr;
	uint32_t typer;
	const char *view, *group;
	int rc;

	/* Distributor registers reach 0xFFF; CPU interface at least 0xFC. */
	rc = gic_map_reg(fdt, node, 0, 0x1000, &dphys, &dsize, &v2.dist);
	if (rc < 0)
		return rc;
	rc = gic_map_reg(fdt, node, 1, 0x100, &cphys, &csize, &v2.cpu);
	if (rc < 0)
		return rc;

	typer = mmio_read32(v2.dist + GICD_TYPER);
	if (typer == ~0U)
		return TG_EIO;	/* nothing decodes the address */
	lines = 32U * (GICD_TYPER_ITLINES(typer) + 1U);
	nr = lines < GIC_MAX_INTID ? lines : GIC_MAX_INTID;
	v2.sec_extn = (typer & GICD_TYPER_SECEXTN) != 0;

	/* Quiesce both halves while they are reprogrammed. */
	mmio_write32(v2.cpu + GICC_CTLR, 0);
	mmio_write32(v2.dist + GICD_CTLR, 0);

	mmio_write32(v2.dist + GIC_IGROUPR, ~0U);
	v2.full_view = mmio_read32(v2.dist + GIC_IGROUPR) != 0;
	v2.cpu_mask = v2_this_cpu_mask();

	gic_reset_range(v2.dist, 0, lines, false, v2.full_view);
	for (unsigned int i = GIC_SPI_BASE; i < lines; i += 4U)
		mmio_write32(v2.dist + GICD_ITARGETSR + i, v2.cpu_mask * 0x01010101U);

	/* Only the group we use is enabled: nothing else can signal. */
	mmio_write32(v2.dist + GICD_CTLR,
		     v2.full_view ? GICD_CTLR_V2_ENGRP0 : GICD_CTLR_V2_NS_ENGRP1);

	mmio_write32(v2.cpu + GICC_PMR, GIC_PRIO_MASK_ALL);
	mmio_write32(v2.cpu + GICC_BPR, 0);
	/* FIQEn and AckCtl stay 0: Group 0 as IRQ, acknowledged by GICC_IAR. */
	mmio_write32(v2.cpu + GICC_CTLR,
		     v2.full_view ? (GICC_CTLR_ENGRP0 | GICC_CTLR_BYPASS_DIS)
				  : (GICC_CTLR_NS_ENGRP1 | GICC_CTLR_NS_BYPASS_DIS));

	info->gic_version = 2;
	info->dist_phys = dphys;
	info->cpuif_or_redist_phys = cphys;
	info->nr_irqs = nr;

	if (!v2.full_view)
		view = "non-secure";
	else if (v2.sec_extn)
		view = "secure";
	else
		view = "single security state";
	group = v2.full_view ? "Group 0 as IRQ" : "Group 1";
	pr_info("GICv2: %u SPIs, dist @0x%llx, cpuif @0x%llx, CPU mask 0x%x, %s, %s\n",
		nr - GIC_SPI_BASE, (unsigned long long)dphys, (unsigned long long)cphys,
		(unsigned int)v2.cpu_mask, view, group);

	/* MSIs are optional: without a usable frame, INTx still works. */
	(void)gicv2m_probe(fdt, node, nr, info);
	*ops = &gicv2_ops;
	return TG_OK;
}
