/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GICv3 back end (Arm IHI 0069): Distributor with affinity routing, this
 * CPU's Redistributor for SGIs/PPIs, and the system-register CPU interface
 * reached through the arch_gicv3_*() hooks.
 *
 * Tollgate runs at Non-secure EL1 and uses Group 1 only.  With
 * GICD_CTLR.DS == 1 (one Security state: QEMU virt without secure=on) we
 * own the group registers and make everything Group 1; with DS == 0 they
 * are RAZ/WI to us and firmware has already done it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/timer.h>

#include "gic_priv.h"
#include "gic_regs.h"

/* Bound on the redistributor walk, whatever a region's size claims. */
#define GICR_MAX_FRAMES		4096U
#define GICR_MAX_REGIONS	64U

static struct {
	volatile uint8_t *dist;
	volatile uint8_t *rd;	/* this CPU's RD_base frame */
	volatile uint8_t *sgi;	/* and its SGI_base frame */
	uint32_t route_lo, route_hi;	/* GICD_IROUTER value for this CPU */
	bool ds;
	bool rwp_warned;
} v3;

/*
 * GICD_CTLR.RWP / GICR_CTLR.RWP cover the effects of clearing enables and
 * of GICD_CTLR writes: until they clear, the interrupt may still be
 * forwarded.  Bounded; a GIC that never finishes is reported once.
 */
static int v3_wait_rwp(volatile uint8_t *ctlr, uint32_t bit)
{
	int rc = tg_poll_until(!(mmio_read32(ctlr) & bit), GIC_POLL_TIMEOUT_US);

	if (rc < 0 && !v3.rwp_warned) {
		v3.rwp_warned = true;
		pr_warn("GICv3: register write still pending after %u us\n",
			GIC_POLL_TIMEOUT_US);
	}
	return rc;
}

static int v3_wait_dist(void)
{
	return v3_wait_rwp(v3.dist + GICD_CTLR, GICD_CTLR_RWP);
}

static int v3_wait_redist(void)
{
	return v3_wait_rwp(v3.rd + GICR_CTLR, GICR_CTLR_RWP);
}

static volatile uint8_t *v3_base(unsigned int intid)
{
	return intid < GIC_NR_PRIVATE ? v3.sgi : v3.dist;
}

static void v3_disable(unsigned int intid)
{
	gic_write_bit(v3_base(intid), GIC_ICENABLER, intid);
	if (intid < GIC_NR_PRIVATE)
		(void)v3_wait_redist();
	else
		(void)v3_wait_dist();
}

static void v3_enable(unsigned int intid)
{
	gic_write_bit(v3_base(intid), GIC_ISENABLER, intid);
}

static void v3_configure(unsigned int intid, enum irq_trigger trigger)
{
	volatile uint8_t *base = v3_base(intid);

	if (v3.ds)
		gic_set_group(base, intid, true);
	gic_set_priority(base, intid, GIC_PRIO_DEFAULT);
	if (intid >= GIC_NR_SGI && !gic_set_trigger(base, intid, trigger))
		pr_warn("GICv3: INTID %u: trigger is fixed, cannot make it %s\n", intid,
			trigger == IRQ_TRIGGER_EDGE ? "edge" : "level");
	if (intid >= GIC_SPI_BASE) {
		/* 64-bit register; the spec allows 32-bit access to each half. */
		mmio_write32(v3.dist + GICD_IROUTER(intid), v3.route_lo);
		mmio_write32(v3.dist + GICD_IROUTER(intid) + 4U, v3.route_hi);
	}
}

static void v3_set_pending(unsigned int intid)
{
	/*
	 * SGIs too go through GICR_ISPENDR0: it pends them on this CPU only,
	 * which is all a self-test needs, without an ICC_SGI1R hook.
	 */
	gic_write_bit(v3_base(intid), GIC_ISPENDR, intid);
}

static uint32_t v3_ack(void)
{
	return arch_gicv3_read_iar1();
}

static void v3_eoi(uint32_t iar)
{
	arch_gicv3_write_eoir1(iar);
}

static const struct gic_ops gicv3_ops = {
	.disable = v3_disable,
	.configure = v3_configure,
	.enable = v3_enable,
	.set_pending = v3_set_pending,
	.ack = v3_ack,
	.eoi = v3_eoi,
	.intid_mask = ICC_IAR_INTID_MASK,
};

/*
 * arch_cpu_affinity() gives Aff3 at bits 39:32 (MPIDR / GICD_IROUTER
 * layout); GICR_TYPER packs Aff3 at 31:24 instead.  Bits 31:24 are RES0 in
 * the IROUTER layout, so accepting Aff3 in either place costs nothing and
 * survives an implementation that already returns the packed form.
 */
static uint32_t v3_packed_affinity(uint64_t aff)
{
	uint32_t aff3 = (uint32_t)((aff >> 32) | (aff >> 24)) & 0xFFU;

	return (aff3 << 24) | ((uint32_t)aff & 0xFFFFFFU);
}

struct v3_redist {
	uint64_t region0_phys;
	uint64_t phys;
	unsigned int region;
	unsigned int frame;
	uint64_t stride;
};

static int v3_find_redist(const struct fdt *fdt, int node, uint32_t want, struct v3_redist *out)
{
	uint32_t nregions = 1;
	uint64_t dt_stride = 0;
	unsigned int r;

	if (fdt_getprop(fdt, node, "#redistributor-regions", NULL) &&
	    (fdt_prop_u32(fdt, node, "#redistributor-regions", &nregions) < 0 ||
	     nregions == 0 || nregions > GICR_MAX_REGIONS))
		return TG_EFDT_PROP;
	if (fdt_getprop(fdt, node, "redistributor-stride", NULL) &&
	    (fdt_prop_u64(fdt, node, "redistributor-stride", &dt_stride) < 0 ||
	     dt_stride < GICR_STRIDE_V3 || dt_stride % GICR_FRAME_SIZE))
		return TG_EFDT_PROP;

	for (r = 0; r < nregions; r++) {
		volatile uint8_t *base;
		uint64_t phys, size, off;
		unsigned int n;
		int rc;

		rc = gic_map_reg(fdt, node, 1U + r, GICR_STRIDE_V3, &phys, &size, &base);
		if (rc < 0)
			return rc;
		if (r == 0)
			out->region0_phys = phys;

		for (off = 0, n = 0; off + GICR_STRIDE_V3 <= size && n < GICR_MAX_FRAMES; n++) {
			volatile uint8_t *rd = base + off;
			uint32_t arch = GIC_PIDR2_ARCH(mmio_read32(rd + GICR_PIDR2));
			uint32_t lo, hi;

			if (arch != 3U && arch != 4U)
				break;	/* not a redistributor: the region ends early */
			lo = mmio_read32(rd + GICR_TYPER_LO);
			hi = mmio_read32(rd + GICR_TYPER_HI);
			out->stride = dt_stride ? dt_stride
				    : (lo & GICR_TYPER_VLPIS) ? GICR_STRIDE_V4 : GICR_STRIDE_V3;
			if (hi == want) {
				v3.rd = rd;
				v3.sgi = rd + GICR_SGI_OFFSET;
				out->phys = phys + off;
				out->region = r;
				out->frame = n;
				return TG_OK;
			}
			if (lo & GICR_TYPER_LAST)
				break;
			off += out->stride;
		}
	}
	return TG_ENOENT;
}

static int v3_cpuif_init(void)
{
	arch_gicv3_write_sre(arch_gicv3_read_sre() | ICC_SRE_SRE);
	if (!(arch_gicv3_read_sre() & ICC_SRE_SRE))
		return TG_ENOTSUP;
	arch_gicv3_write_pmr(GIC_PRIO_MASK_ALL);
	arch_gicv3_write_bpr1(0);
	/* EOImode 0: one EOIR write both drops priority and deactivates. */
	arch_gicv3_write_ctlr(0);
	arch_gicv3_write_igrpen1(ICC_IGRPEN1_EN);
	return TG_OK;
}

static int v3_redist_init(void)
{
	int rc;

	/* A sleeping redistributor does not forward interrupts to its CPU. */
	mmio_write32(v3.rd + GICR_WAKER, mmio_read32(v3.rd + GICR_WAKER) & ~GICR_WAKER_PSLEEP);
	rc = tg_poll_until(!(mmio_read32(v3.rd + GICR_WAKER) & GICR_WAKER_CASLEEP),
			   GIC_POLL_TIMEOUT_US);
	if (rc < 0) {
		pr_err("GICv3: redistributor did not wake up\n");
		return rc;
	}

	gic_reset_range(v3.sgi, 0, GIC_NR_PRIVATE, true, v3.ds);
	if (v3.ds)
		mmio_write32(v3.sgi + GIC_IGRPMODR, 0);
	return v3_wait_redist();
}

static int v3_dist_init(unsigned int lines)
{
	unsigned int i;
	int rc;

	/* ARE may only change with the groups disabled. */
	mmio_write32(v3.dist + GICD_CTLR, mmio_read32(v3.dist + GICD_CTLR) & GICD_CTLR_ARE);
	rc = v3_wait_dist();
	if (rc < 0)
		return rc;
	mmio_write32(v3.dist + GICD_CTLR, GICD_CTLR_ARE);
	rc = v3_wait_dist();
	if (rc < 0)
		return rc;
	if (!(mmio_read32(v3.dist + GICD_CTLR) & GICD_CTLR_ARE)) {
		/* Tollgate routes by affinity only; legacy mode is not supported. */
		pr_err("GICv3: affinity routing cannot be enabled\n");
		return TG_ENOTSUP;
	}

	gic_reset_range(v3.dist, GIC_SPI_BASE, lines - GIC_SPI_BASE, true, v3.ds);
	for (i = GIC_SPI_BASE; i < lines; i += 32U) {
		if (v3.ds)
			mmio_write32(v3.dist + GIC_IGRPMODR + i / 8U, 0);
	}
	for (i = GIC_SPI_BASE; i < lines && i < GIC_MAX_INTID; i++) {
		mmio_write32(v3.dist + GICD_IROUTER(i), v3.route_lo);
		mmio_write32(v3.dist + GICD_IROUTER(i) + 4U, v3.route_hi);
	}
	rc = v3_wait_dist();
	if (rc < 0)
		return rc;

	mmio_write32(v3.dist + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_ENGRP1);
	return v3_wait_dist();
}

int gicv3_probe(const struct fdt *fdt, int node, struct irq_info *info,
		const struct gic_ops **ops)
{
	struct v3_redist rd = { 0 };
	uint64_t dphys, dsize, aff;
	unsigned int lines, nr;
	uint32_t typer, want, rd_typer;
	int rc;

	rc = gic_map_reg(fdt, node, 0, 0x10000, &dphys, &dsize, &v3.dist);
	if (rc < 0)
		return rc;
	if (GIC_PIDR2_ARCH(mmio_read32(v3.dist + GICD_PIDR2)) < 3U) {
		pr_err("GICv3: distributor @0x%llx is not a GICv3/v4\n",
		       (unsigned long long)dphys);
		return TG_EIO;
	}

	/*
	 * First, so a CPU whose EL2/EL3 left ICC_SRE_EL2/EL3.Enable clear
	 * fails before any GIC state has been touched.
	 */
	rc = v3_cpuif_init();
	if (rc < 0) {
		pr_err("GICv3: ICC_SRE.SRE stays 0: a higher exception level has not enabled the system register interface\n");
		return rc;
	}

	aff = arch_cpu_affinity();
	want = v3_packed_affinity(aff);
	rc = v3_find_redist(fdt, node, want, &rd);
	if (rc < 0) {
		pr_err("GICv3: no redistributor for affinity 0x%x\n", (unsigned int)want);
		return rc;
	}

	/* IROUTER: Aff3 at 39:32, Aff2..0 at 23:0, Interrupt_Routing_Mode 0. */
	v3.route_lo = want & 0xFFFFFFU;
	v3.route_hi = want >> 24;

	typer = mmio_read32(v3.dist + GICD_TYPER);
	lines = 32U * (GICD_TYPER_ITLINES(typer) + 1U);
	nr = lines < GIC_MAX_INTID ? lines : GIC_MAX_INTID;
	v3.ds = (mmio_read32(v3.dist + GICD_CTLR) & GICD_CTLR_DS) != 0;

	rc = v3_dist_init(lines);
	if (rc < 0)
		return rc;
	rc = v3_redist_init();
	if (rc < 0)
		return rc;

	info->gic_version = 3;
	info->dist_phys = dphys;
	info->cpuif_or_redist_phys = rd.region0_phys;
	info->nr_irqs = nr;

	rd_typer = mmio_read32(v3.rd + GICR_TYPER_LO);
	pr_info("GICv3: %u SPIs, dist @0x%llx, redist @0x%llx (CPU%u: region %u frame %u @0x%llx, stride 0x%llx%s), %s\n",
		nr - GIC_SPI_BASE, (unsigned long long)dphys,
		(unsigned long long)rd.region0_phys, (unsigned int)GICR_TYPER_PROCNUM(rd_typer),
		rd.region, rd.frame, (unsigned long long)rd.phys,
		(unsigned long long)rd.stride,
		(rd_typer & GICR_TYPER_PLPIS) ? ", LPIs" : "",
		v3.ds ? "single security state (DS=1)" : "non-secure (DS=0)");

	/* MSIs are optional: without a working ITS, INTx still works. */
	rc = gicv3_its_probe(fdt, node, v3.dist, v3.rd, rd.phys, info);
	if (rc < 0 && rc != TG_ENOENT)
		pr_err("GICv3: ITS unusable (%s): no MSIs\n", tg_strerror(rc));
	*ops = &gicv3_ops;
	return TG_OK;
}
