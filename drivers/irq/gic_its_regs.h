/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GICv3 LPIs and the ITS: register and table layouts, described once.
 *
 * Reference: Arm IHI 0069H, "Arm Generic Interrupt Controller Architecture
 * Specification, GIC architecture version 3 and version 4":
 *   5.1   LPIs: the LPI Configuration and Pending tables
 *   5.1.1 LPI Configuration table entry format
 *   5.2   The ITS: Device, Collection and Interrupt Translation tables
 *   5.3   ITS commands (the command queue, 32-byte commands)
 *   12.11 Redistributor: GICR_CTLR.EnableLPIs, GICR_PROPBASER,
 *         GICR_PENDBASER
 *   12.19 ITS registers: GITS_CTLR, GITS_TYPER, GITS_CBASER, GITS_CWRITER,
 *         GITS_CREADR, GITS_BASER<n>, GITS_TRANSLATER
 */
#ifndef TOLLGATE_GIC_ITS_REGS_H
#define TOLLGATE_GIC_ITS_REGS_H

/* --- LPI INTID space (2.2.1) ------------------------------------------------- */
#define GIC_LPI_BASE		8192U

/* --- Redistributor, RD_base frame (12.11) ------------------------------------ */
#define GICR_CTLR_ENABLE_LPIS	(1U << 0)
#define GICR_PROPBASER		0x0070U	/* 64-bit */
#define GICR_PENDBASER		0x0078U	/* 64-bit */
/* GICR_PROPBASER: IDbits [4:0] (INTID bits - 1), InnerCache [9:7],
 * Shareability [11:10], PA [51:12], OuterCache [58:56]. */
#define GICR_PROPBASER_IDBITS(n)	((uint64_t)((n) - 1U) & 0x1FU)
/* GICR_PENDBASER: InnerCache [9:7], Shareability [11:10], PA [51:16],
 * OuterCache [58:56], PTZ [62] (table is zero: nothing pending). */
#define GICR_PENDBASER_PTZ	(1ULL << 62)
/* Shared cacheability / shareability encodings of both registers. */
#define GICR_BASER_INNER_WAWB	(7ULL << 7)	/* Normal Inner Write-back RaWa */
#define GICR_BASER_SH_INNER	(1ULL << 10)
#define GICR_BASER_SH_MASK	(3ULL << 10)
#define GICR_BASER_PA_MASK	0x000FFFFFFFFFF000ULL

/* LPI Configuration table entry, one byte per LPI from INTID 8192 (5.1.1):
 * Priority [7:2], bit 1 RES1, Enable [0]. */
#define LPI_PROP_ENABLE		0x01U
#define LPI_PROP_RES1		0x02U
#define LPI_PROP_PRIO(p)	((p) & 0xFCU)
/* The Pending table covers every INTID, 1 bit each; 64 KiB aligned. */
#define LPI_PENDTAB_ALIGN	0x10000U

/* --- ITS control frame (12.19) ------------------------------------------------ */
#define GITS_CTLR		0x0000U
#define GITS_CTLR_ENABLED	(1U << 0)
#define GITS_CTLR_QUIESCENT	(1U << 31)
#define GITS_IIDR		0x0004U
#define GITS_TYPER		0x0008U	/* 64-bit, read as two halves */
#define GITS_TYPER_PHYSICAL	(1ULL << 0)
#define GITS_TYPER_ITT_ESZ(t)	((unsigned int)(((t) >> 4) & 0xFU) + 1U)	/* bytes */
#define GITS_TYPER_IDBITS(t)	((unsigned int)(((t) >> 8) & 0x1FU) + 1U)	/* EventID bits */
#define GITS_TYPER_DEVBITS(t)	((unsigned int)(((t) >> 13) & 0x1FU) + 1U)
#define GITS_TYPER_PTA		(1ULL << 19)	/* RDbase = PA, else processor number */
#define GITS_TYPER_HCC(t)	((unsigned int)(((t) >> 24) & 0xFFU))
#define GITS_CBASER		0x0080U	/* 64-bit */
#define GITS_CWRITER		0x0088U	/* 64-bit: Offset [19:5] */
#define GITS_CREADR		0x0090U	/* 64-bit: Offset [19:5], Stalled [0] */
#define GITS_CREADR_STALLED	(1U << 0)
#define GITS_CQ_OFFSET_MASK	0x000FFFE0U
#define GITS_BASER(n)		(0x0100U + 8U * (n))
#define GITS_BASER_NR		8U
#define GITS_PIDR2		0xFFE8U

/* GITS_CBASER: Size [7:0] (4 KiB pages - 1), InnerCache [61:59],
 * Shareability [11:10], PA [51:12], Valid [63]. */
#define GITS_CBASER_VALID	(1ULL << 63)
#define GITS_CBASER_INNER_WAWB	(7ULL << 59)
#define GITS_CBASER_SH_INNER	(1ULL << 10)
#define GITS_CBASER_SH_MASK	(3ULL << 10)

/* GITS_BASER<n>: Size [7:0] (pages - 1), Page_Size [9:8], Shareability
 * [11:10], PA [47:12], Entry_Size [52:48] (bytes - 1), Type [58:56],
 * InnerCache [61:59], Indirect [62], Valid [63]. */
#define GITS_BASER_SIZE(n)	((uint64_t)((n) - 1U) & 0xFFU)
#define GITS_BASER_PAGESZ_SHIFT	8
#define GITS_BASER_PAGESZ_MASK	(3ULL << 8)	/* 0: 4K, 1: 16K, 2/3: 64K */
#define GITS_BASER_SH_INNER	(1ULL << 10)
#define GITS_BASER_SH_MASK	(3ULL << 10)
#define GITS_BASER_PA_MASK	0x0000FFFFFFFFF000ULL
#define GITS_BASER_ESZ(b)	((unsigned int)(((b) >> 48) & 0x1FU) + 1U)
#define GITS_BASER_TYPE(b)	((unsigned int)(((b) >> 56) & 0x7U))
#define GITS_BASER_TYPE_NONE	0U
#define GITS_BASER_TYPE_DEVICE	1U
#define GITS_BASER_TYPE_COLL	4U
#define GITS_BASER_INNER_WAWB	(7ULL << 59)
#define GITS_BASER_INDIRECT	(1ULL << 62)
#define GITS_BASER_VALID	(1ULL << 63)
/* Bits software writes; Type and Entry_Size are read-only. */
#define GITS_BASER_RO_MASK	((7ULL << 56) | (0x1FULL << 48))

/* --- ITS translation frame (the second 64 KiB page, 12.19) ------------------ */
#define GITS_TRANSLATER		0x10040U	/* 32-bit EventID write: the doorbell */

/* --- Command queue (5.3): 32-byte commands, queue in 4 KiB pages ------------ */
#define ITS_CMD_SIZE		32U
#define ITS_CMD_MOVI		0x01U
#define ITS_CMD_INT		0x03U
#define ITS_CMD_CLEAR		0x04U
#define ITS_CMD_SYNC		0x05U
#define ITS_CMD_MAPD		0x08U
#define ITS_CMD_MAPC		0x09U
#define ITS_CMD_MAPTI		0x0AU
#define ITS_CMD_INV		0x0CU
#define ITS_CMD_INVALL		0x0DU
#define ITS_CMD_DISCARD		0x0FU
/*
 * Field positions (5.3.x per command):
 *  DW0: CommandType [7:0], DeviceID [63:32]
 *  DW1: EventID [31:0], pINTID [63:32] (MAPTI); Size [4:0] (MAPD, EventID
 *       bits - 1)
 *  DW2: ICID [15:0] (MAPC, MAPTI, INVALL); RDbase [51:16] (MAPC, SYNC);
 *       ITT_addr [51:8] (MAPD); Valid [63] (MAPC, MAPD)
 */
#define ITS_CMD_DEVID(id)	((uint64_t)(id) << 32)
#define ITS_CMD_PINTID(id)	((uint64_t)(id) << 32)
#define ITS_CMD_RDBASE(r)	(((uint64_t)(r) << 16) & 0x000FFFFFFFFF0000ULL)
#define ITS_CMD_ITT_ADDR(a)	((uint64_t)(a) & 0x000FFFFFFFFFFF00ULL)
#define ITS_CMD_VALID		(1ULL << 63)
#define ITS_ITT_ALIGN		256U

#endif
