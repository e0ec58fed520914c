/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GIC register layout, described once for both drivers.
 *
 * References:
 *   [v2]  Arm IHI 0048B.b, "ARM Generic Interrupt Controller Architecture
 *         Specification, GIC architecture version 2.0".
 *         Chapter 4 "Programmers' Model": Table 4-1 (Distributor register
 *         map), Table 4-2 (CPU interface register map), 4.3 (Distributor
 *         register descriptions), 4.4 (CPU interface register descriptions).
 *   [v3]  Arm IHI 0069H, "Arm Generic Interrupt Controller Architecture
 *         Specification, GIC architecture version 3 and version 4".
 *         12.8/12.9 (Distributor register map and descriptions),
 *         12.10/12.11 (Redistributor register map and descriptions),
 *         2.2 (INTID ranges).
 *   [v2m] Arm DEN 0029, "Server Base System Architecture", the GICv2m
 *         appendix: MSI frame registers.
 *
 * The Distributor's per-interrupt register arrays (IGROUPR, ISENABLER...
 * ICFGR) sit at the same offsets in GICv2 and GICv3, and GICv3 repeats the
 * SGI/PPI copies at those same offsets in the Redistributor's SGI_base
 * frame ([v3] 12.10), so one set of GIC_*R offsets serves all three.
 */
#ifndef TOLLGATE_GIC_REGS_H
#define TOLLGATE_GIC_REGS_H

/* --- INTID space ([v2] 2.2.1 "Interrupt IDs", [v3] 2.2 "INTIDs") ------- */
#define GIC_NR_SGI		16U
#define GIC_PPI_BASE		16U
#define GIC_SPI_BASE		32U
#define GIC_NR_PRIVATE		32U	/* SGIs + PPIs, banked per CPU */
#define GIC_INTID_SPURIOUS_MIN	1020U	/* 1020-1023 are special, never acked */
#define GIC_MAX_INTID		1020U	/* SPIs end at 1019 */

/* --- per-interrupt register arrays: Distributor, and GICv3 SGI_base ------ */
/* 1 bit per INTID: word n covers INTIDs 32n..32n+31. */
#define GIC_IGROUPR		0x0080U	/* [v2] 4.3.4, [v3] GICD_IGROUPR / GICR_IGROUPR0 */
#define GIC_ISENABLER		0x0100U	/* [v2] 4.3.5 */
#define GIC_ICENABLER		0x0180U	/* [v2] 4.3.6 */
#define GIC_ISPENDR		0x0200U	/* [v2] 4.3.7 */
#define GIC_ICPENDR		0x0280U	/* [v2] 4.3.8 */
#define GIC_ISACTIVER		0x0300U	/* [v2] 4.3.9 */
#define GIC_ICACTIVER		0x0380U	/* [v2] 4.3.10 */
/* 8 bits per INTID, four to a word; byte n of the array is INTID n. */
#define GIC_IPRIORITYR		0x0400U	/* [v2] 4.3.11 */
/* 2 bits per INTID: bit 2F+1 set = edge-triggered, clear = level-sensitive. */
#define GIC_ICFGR		0x0C00U	/* [v2] 4.3.13, [v3] GICD_ICFGR / GICR_ICFGR0,1 */
#define GIC_ICFGR_EDGE		0x2U
/* [v3] only: with IGROUPR selects Secure/Non-secure Group 1 when DS == 0. */
#define GIC_IGRPMODR		0x0D00U

/* --- common Distributor registers ----------------------------------------- */
#define GICD_CTLR		0x0000U	/* [v2] 4.3.1, [v3] 12.9 GICD_CTLR */
#define GICD_TYPER		0x0004U	/* [v2] 4.3.2, [v3] 12.9 GICD_TYPER */
#define GICD_IIDR		0x0008U	/* [v2] 4.3.3 */
#define GICD_TYPER_ITLINES(t)	((t) & 0x1FU)	/* max INTID = 32 * (N + 1) - 1 */
#define GICD_TYPER_CPUS(t)	((((t) >> 5) & 0x7U) + 1U)	/* [v2] only */
#define GICD_TYPER_SECEXTN	(1U << 10)

/* --- GICv2 Distributor ------------------------------------------------------ */
/*
 * GICD_CTLR: with the Security Extensions, a Non-secure access sees one
 * enable bit (bit 0, for Group 1); a Secure access, or any access to a GIC
 * without them, sees both group enables ([v2] 4.3.1).
 */
#define GICD_CTLR_V2_ENGRP0	(1U << 0)
#define GICD_CTLR_V2_ENGRP1	(1U << 1)
#define GICD_CTLR_V2_NS_ENGRP1	(1U << 0)
#define GICD_ITARGETSR		0x0800U	/* [v2] 4.3.12: 8-bit CPU mask per INTID */
#define GICD_SGIR		0x0F00U	/* [v2] 4.3.15 */
#define GICD_SGIR_TO_SELF	(2U << 24)	/* TargetListFilter 0b10: requester only */
#define GICD_SGIR_INTID(n)	((n) & 0xFU)
#define GICD_V2_PIDR2		0x0FE8U	/* IMPLEMENTATION DEFINED ID block */

/* --- GICv2 CPU interface ([v2] Table 4-2, 4.4) ----------------------------- */
#define GICC_CTLR		0x0000U	/* 4.4.1 */
#define GICC_PMR		0x0004U	/* 4.4.2 */
#define GICC_BPR		0x0008U	/* 4.4.3 */
#define GICC_IAR		0x000CU	/* 4.4.4 */
#define GICC_EOIR		0x0010U	/* 4.4.5 */
#define GICC_IIDR		0x00FCU
#define GICC_IIDR_ARCH(v)	(((v) >> 16) & 0xFU)
/* Secure view, or no Security Extensions. */
#define GICC_CTLR_ENGRP0	(1U << 0)
#define GICC_CTLR_ENGRP1	(1U << 1)
#define GICC_CTLR_BYPASS_DIS	(0xFU << 5)	/* FIQ/IRQBypDisGrp0/1: no legacy bypass */
/* Non-secure view. */
#define GICC_CTLR_NS_ENGRP1	(1U << 0)
#define GICC_CTLR_NS_BYPASS_DIS	(0x3U << 5)
#define GICC_IAR_INTID_MASK	0x3FFU	/* bits [12:10] are the SGI source CPU */

/* --- GICv3 Distributor ([v3] 12.8, 12.9) ------------------------------------ */
/*
 * GICD_CTLR ([v3] 12.9).  With DS == 1 (one Security state, what QEMU
 * virt gives without secure=on) bit 1 is EnableGrp1 and bit 4 ARE; a
 * Non-secure access with DS == 0 sees EnableGrp1A at bit 1 and ARE_NS at
 * bit 4.  Either way the same two bits select Group 1 with affinity routing.
 */
#define GICD_CTLR_ENGRP1	(1U << 1)
#define GICD_CTLR_ARE		(1U << 4)
#define GICD_CTLR_DS		(1U << 6)
#define GICD_CTLR_RWP		(1U << 31)
#define GICD_IROUTER(n)		(0x6000U + 8U * (n))	/* [v3] 12.9, 64-bit, SPIs only */
#define GICD_PIDR2		0xFFE8U
#define GIC_PIDR2_ARCH(v)	(((v) >> 4) & 0xFU)	/* 3 = GICv3, 4 = GICv4 */

/* --- GICv3 Redistributor ([v3] 12.10, 12.11) -------------------------------- */
/*
 * Each PE has an RD_base frame and an SGI_base frame, 64 KiB each; GICv4
 * adds two more (VLPI_base and a reserved frame) when GICR_TYPER.VLPIS.
 */
#define GICR_FRAME_SIZE		0x10000U
#define GICR_SGI_OFFSET		0x10000U
#define GICR_STRIDE_V3		0x20000U
#define GICR_STRIDE_V4		0x40000U
#define GICR_CTLR		0x0000U
#define GICR_CTLR_RWP		(1U << 3)
#define GICR_IIDR		0x0004U
#define GICR_TYPER_LO		0x0008U	/* 64-bit: read as two 32-bit halves */
#define GICR_TYPER_HI		0x000CU	/* Affinity_Value: Aff3:Aff2:Aff1:Aff0 */
#define GICR_TYPER_PLPIS	(1U << 0)
#define GICR_TYPER_VLPIS	(1U << 1)
#define GICR_TYPER_LAST		(1U << 4)
#define GICR_TYPER_PROCNUM(lo)	(((lo) >> 8) & 0xFFFFU)
#define GICR_WAKER		0x0014U
#define GICR_WAKER_PSLEEP	(1U << 1)	/* ProcessorSleep */
#define GICR_WAKER_CASLEEP	(1U << 2)	/* ChildrenAsleep */
#define GICR_PIDR2		0xFFE8U
/* SGI_base frame: GIC_* arrays above at the same offsets, word 0 only
 * (ICFGR0 = SGIs, read-only; ICFGR1 = PPIs). */

/* --- GICv3 CPU interface system registers ([v3] 12.2) -------------------------
 * Reached through arch_gicv3_*() in include/tollgate/arch.h. */
#define ICC_SRE_SRE		(1U << 0)	/* ICC_SRE_EL1: use system registers */
#define ICC_SRE_DFB		(1U << 1)
#define ICC_SRE_DIB		(1U << 2)
#define ICC_IAR_INTID_MASK	0xFFFFFFU	/* ICC_IAR1_EL1: 24 bits with LPIs */
#define ICC_IGRPEN1_EN		(1U << 0)

/* --- GICv2m MSI frame ([v2m]) ----------------------------------------------- */
#define V2M_MSI_TYPER		0x0008U
#define V2M_MSI_TYPER_BASE(t)	(((t) >> 16) & 0x3FFU)	/* first SPI (INTID) */
#define V2M_MSI_TYPER_NUM(t)	((t) & 0x3FFU)
#define V2M_MSI_SETSPI_NS	0x0040U
#define V2M_FRAME_SIZE		0x1000U

/* --- values Tollgate programs -------------------------------------------------- */
/* Mid-range, so a Non-secure write (shifted into the lower half by the
 * GIC when DS == 0) still lands well below the 0xFF mask. */
#define GIC_PRIO_DEFAULT	0xA0U
#define GIC_PRIO_MASK_ALL	0xFFU	/* PMR: let every priority through */

#endif
