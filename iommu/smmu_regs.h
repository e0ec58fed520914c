/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 programming interface, Arm IHI 0070 (SMMUv3 architecture
 * specification) chapter 6.3: register offsets and fields, described once.
 */
#ifndef TOLLGATE_SMMU_REGS_H
#define TOLLGATE_SMMU_REGS_H

#define SMMU_FIELD(v, hi, lo)	(((v) >> (lo)) & ((1ull << ((hi) - (lo) + 1)) - 1))

/* 6.3.1 SMMU_IDR0 */
#define SMMU_IDR0		0x00
#define  IDR0_S2P		(1u << 0)
#define  IDR0_S1P		(1u << 1)
#define  IDR0_TTF(v)		SMMU_FIELD(v, 3, 2)	/* 2 = AArch64 tables */
#define  IDR0_COHACC		(1u << 4)
#define  IDR0_HTTU(v)		SMMU_FIELD(v, 7, 6)
#define  IDR0_ATS		(1u << 10)
#define  IDR0_ASID16		(1u << 12)
#define  IDR0_MSI		(1u << 13)
#define  IDR0_SEV		(1u << 14)
#define  IDR0_PRI		(1u << 16)
#define  IDR0_VMID16		(1u << 18)
#define  IDR0_CD2L		(1u << 19)
#define  IDR0_TTENDIAN(v)	SMMU_FIELD(v, 22, 21)
#define  IDR0_STALL_MODEL(v)	SMMU_FIELD(v, 25, 24)
#define  IDR0_ST_LEVEL(v)	SMMU_FIELD(v, 28, 27)	/* 1 = 2-level supported */
/* 6.3.2 SMMU_IDR1 */
#define SMMU_IDR1		0x04
#define  IDR1_SIDSIZE(v)	SMMU_FIELD(v, 5, 0)
#define  IDR1_SSIDSIZE(v)	SMMU_FIELD(v, 10, 6)
#define  IDR1_PRIQS(v)		SMMU_FIELD(v, 15, 11)
#define  IDR1_EVENTQS(v)	SMMU_FIELD(v, 20, 16)
#define  IDR1_CMDQS(v)		SMMU_FIELD(v, 25, 21)
#define  IDR1_REL		(1u << 28)
#define  IDR1_QUEUES_PRESET	(1u << 29)
#define  IDR1_TABLES_PRESET	(1u << 30)
#define SMMU_IDR2		0x08
/* 6.3.4 SMMU_IDR3 */
#define SMMU_IDR3		0x0c
#define  IDR3_HAD		(1u << 2)
#define  IDR3_RIL		(1u << 10)
#define  IDR3_BBML(v)		SMMU_FIELD(v, 12, 11)
#define SMMU_IDR4		0x10
/* 6.3.6 SMMU_IDR5 */
#define SMMU_IDR5		0x14
#define  IDR5_OAS(v)		SMMU_FIELD(v, 2, 0)
#define  IDR5_GRAN4K		(1u << 4)
#define  IDR5_GRAN16K		(1u << 5)
#define  IDR5_GRAN64K		(1u << 6)
#define  IDR5_VAX(v)		SMMU_FIELD(v, 11, 10)
#define SMMU_IIDR		0x18
#define SMMU_AIDR		0x1c
/* 6.3.9 SMMU_CR0 / CR0ACK */
#define SMMU_CR0		0x20
#define  CR0_SMMUEN		(1u << 0)
#define  CR0_PRIQEN		(1u << 1)
#define  CR0_EVENTQEN		(1u << 2)
#define  CR0_CMDQEN		(1u << 3)
#define SMMU_CR0ACK		0x24
/* 6.3.11 SMMU_CR1: cacheability/shareability of table and queue accesses */
#define SMMU_CR1		0x28
#define  CR1_QUEUE_IC(v)	((uint32_t)(v) << 0)
#define  CR1_QUEUE_OC(v)	((uint32_t)(v) << 2)
#define  CR1_QUEUE_SH(v)	((uint32_t)(v) << 4)
#define  CR1_TABLE_IC(v)	((uint32_t)(v) << 6)
#define  CR1_TABLE_OC(v)	((uint32_t)(v) << 8)
#define  CR1_TABLE_SH(v)	((uint32_t)(v) << 10)
#define  CR1_CACHE_WB		1u
#define  CR1_SH_ISH		3u
/* 6.3.12 SMMU_CR2 */
#define SMMU_CR2		0x2c
#define  CR2_RECINVSID		(1u << 1)	/* record C_BAD_STREAMID events */
#define  CR2_PTM		(1u << 2)
#define SMMU_STATUSR		0x40
/* 6.3.14 SMMU_GBPA */
#define SMMU_GBPA		0x44
#define  GBPA_ABORT		(1u << 20)
#define  GBPA_UPDATE		(1u << 31)
/* 6.3.16 SMMU_IRQ_CTRL */
#define SMMU_IRQ_CTRL		0x50
#define  IRQ_CTRL_GERROR_IRQEN	(1u << 0)
#define  IRQ_CTRL_EVENTQ_IRQEN	(1u << 2)
#define SMMU_IRQ_CTRLACK	0x54
/* CR0 and IRQ_CTRL each have their ACK register in the next word. */
#define SMMU_ACK(reg)		((reg) + 4)
_Static_assert(SMMU_ACK(SMMU_CR0) == SMMU_CR0ACK && SMMU_ACK(SMMU_IRQ_CTRL) == SMMU_IRQ_CTRLACK,
	       "ACK follows its register");
/* 6.3.18 SMMU_GERROR / GERRORN: a bit differing between them is active */
#define SMMU_GERROR		0x60
#define SMMU_GERRORN		0x64
#define  GERROR_CMDQ_ERR	(1u << 0)
#define  GERROR_EVTQ_ABT_ERR	(1u << 2)
#define  GERROR_PRIQ_ABT_ERR	(1u << 3)
#define  GERROR_MSI_CMDQ_ABT	(1u << 4)
#define  GERROR_MSI_EVTQ_ABT	(1u << 5)
#define  GERROR_MSI_PRIQ_ABT	(1u << 6)
#define  GERROR_MSI_GERROR_ABT	(1u << 7)
#define  GERROR_SFM_ERR		(1u << 8)
#define SMMU_GERROR_IRQ_CFG0	0x68
/* 6.3.24 SMMU_STRTAB_BASE / 6.3.25 SMMU_STRTAB_BASE_CFG */
#define SMMU_STRTAB_BASE	0x80
#define  STRTAB_BASE_RA		(1ull << 62)
#define  STRTAB_BASE_ADDR_MASK	0x000fffffffffffc0ull	/* bits 51:6 */
#define SMMU_STRTAB_BASE_CFG	0x88
#define  STRTAB_CFG_LOG2SIZE(v)	((uint32_t)(v) << 0)
#define  STRTAB_CFG_SPLIT(v)	((uint32_t)(v) << 6)
#define  STRTAB_CFG_FMT_LINEAR	(0u << 16)
#define  STRTAB_CFG_FMT_2LVL	(1u << 16)
/* 6.3.26-28 command queue */
#define SMMU_CMDQ_BASE		0x90
#define  Q_BASE_RA_WA		(1ull << 62)
#define  Q_BASE_ADDR_MASK	0x000fffffffffffe0ull	/* bits 51:5 */
#define SMMU_CMDQ_PROD		0x98
#define SMMU_CMDQ_CONS		0x9c
#define  CMDQ_CONS_ERR(v)	SMMU_FIELD(v, 30, 24)
#define  CMDQ_ERR_NONE		0
#define  CMDQ_ERR_ILL		1
#define  CMDQ_ERR_ABT		2
#define  CMDQ_ERR_ATC_INV_SYNC	3
/* 6.3.29-31 event queue; PROD/CONS are in register page 1 */
#define SMMU_EVENTQ_BASE	0xa0
#define SMMU_EVENTQ_PROD_P1	0x100a8
#define SMMU_EVENTQ_CONS_P1	0x100ac
#define SMMU_EVENTQ_PROD_P0	0xa8	/* page-0-only implementations */
#define SMMU_EVENTQ_CONS_P0	0xac
#define SMMU_EVENTQ_IRQ_CFG0	0xb0
/* Each queue's CONS register is the word after its PROD register. */
#define SMMU_Q_CONS(prod_reg)	((prod_reg) + 4)
_Static_assert(SMMU_Q_CONS(SMMU_CMDQ_PROD) == SMMU_CMDQ_CONS &&
	       SMMU_Q_CONS(SMMU_EVENTQ_PROD_P1) == SMMU_EVENTQ_CONS_P1 &&
	       SMMU_Q_CONS(SMMU_EVENTQ_PROD_P0) == SMMU_EVENTQ_CONS_P0, "CONS follows PROD");
/* PROD/CONS layout: index in the low LOG2SIZE bits, wrap bit above it. */
#define Q_OVERFLOW_FLAG		(1u << 31)

#define SMMU_REG_SPACE		0x20000	/* two 64 KiB pages */

#endif
