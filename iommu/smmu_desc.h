/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-memory structures the SMMU reads and writes, Arm IHI 0070:
 * commands (chapter 4), stream table entries (5.2), context descriptors
 * (5.4) and event records (7.3).  Each is a typed array of 64-bit words.
 */
#ifndef TOLLGATE_SMMU_DESC_H
#define TOLLGATE_SMMU_DESC_H

#include <stdint.h>

struct smmu_cmd { uint64_t w[2]; };
struct smmu_ste { uint64_t w[8]; };
struct smmu_cd { uint64_t w[8]; };
struct smmu_event { uint64_t w[4]; };

/* Commands (4.1-4.7): opcode in bits 7:0 of word 0. */
#define CMD_PREFETCH_CONFIG	0x01
#define CMD_CFGI_STE		0x03
#define CMD_CFGI_STE_RANGE	0x04	/* Range 31 = all: CMD_CFGI_ALL */
#define CMD_CFGI_CD		0x05
#define CMD_CFGI_CD_ALL		0x06
#define CMD_TLBI_NH_ALL		0x10
#define CMD_TLBI_NH_ASID	0x11
#define CMD_TLBI_NH_VA		0x12
#define CMD_TLBI_NSNH_ALL	0x30
#define CMD_SYNC		0x46
#define  CMD_SYNC_CS_NONE	0
#define  CMD_SYNC_CS_IRQ	1
#define  CMD_SYNC_CS_SEV	2
#define CMD_SYNC_CS(v)		((uint64_t)(v) << 12)
#define CMD_SYNC_MSH_ISH	(3ull << 22)
#define CMD_SYNC_MSIATTR_WB	(0xfull << 24)	/* inner+outer write-back */
#define CMD_SYNC_MSIDATA(v)	((uint64_t)(v) << 32)
#define CMD_SYNC_MSIADDR_MASK	0x000ffffffffffffcull	/* bits 51:2 */
#define CMD_SID(sid)		((uint64_t)(sid) << 32)
#define CMD_ASID(asid)		((uint64_t)(asid) << 48)
#define CMD_LEAF		1ull
#define CMD_TLBI_NUM(n)		((uint64_t)(n) << 12)
#define CMD_TLBI_SCALE(s)	((uint64_t)(s) << 20)
#define CMD_TLBI_TTL(l)		((uint64_t)(l) << 8)
#define CMD_TLBI_TG(g)		((uint64_t)(g) << 10)
#define CMD_TLBI_ADDR_MASK	0xfffffffffffff000ull

/* Stream table entry (5.2). */
#define STE_V			(1ull << 0)
#define STE_CONFIG_ABORT	(0ull << 1)
#define STE_CONFIG_BYPASS	(4ull << 1)
#define STE_CONFIG_S1		(5ull << 1)
#define STE_S1FMT_LINEAR	(0ull << 4)
#define STE_S1CTXPTR_MASK	0x000fffffffffffc0ull
#define STE1_S1CIR_WB		(1ull << 2)
#define STE1_S1COR_WB		(1ull << 4)
#define STE1_S1CSH_ISH		(3ull << 6)
#define STE1_SHCFG_INCOMING	(1ull << 44)

/* Level-1 stream table descriptor (5.1.2): SPAN and L2Ptr. */
#define STRTAB_L1_SPAN(s)	((uint64_t)(s) << 0)
#define STRTAB_L1_L2PTR_MASK	0x000fffffffffffc0ull

/* Context descriptor (5.4). */
#define CD0_T0SZ(v)		((uint64_t)(v) << 0)
#define CD0_TG0(v)		((uint64_t)(v) << 6)	/* 0 = 4K, 1 = 64K, 2 = 16K */
#define CD0_IR0_WBWA		(1ull << 8)
#define CD0_OR0_WBWA		(1ull << 10)
#define CD0_SH0_ISH		(3ull << 12)
#define CD0_EPD1		(1ull << 30)
#define CD0_V			(1ull << 31)
#define CD0_IPS(v)		((uint64_t)(v) << 32)
#define CD0_AA64		(1ull << 41)
#define CD0_R			(1ull << 45)	/* record faults */
#define CD0_A			(1ull << 46)	/* abort (not stall) on fault */
#define CD0_ASET		(1ull << 47)
#define CD0_ASID(v)		((uint64_t)(v) << 48)
#define CD1_TTB0_MASK		0x000ffffffffffff0ull

/* Event records (7.3). */
#define EVT_ID(e)		((unsigned)((e)->w[0] & 0xff))
#define EVT_SID(e)		((uint32_t)((e)->w[0] >> 32))
#define EVT_RNW(e)		((unsigned)(((e)->w[1] >> 35) & 1))
#define EVT_CLASS(e)		((unsigned)(((e)->w[1] >> 40) & 3))
#define EVT_ADDR(e)		((e)->w[2])
#define EVT_F_UUT		0x01
#define EVT_C_BAD_STREAMID	0x02
#define EVT_F_STE_FETCH		0x03
#define EVT_C_BAD_STE		0x04
#define EVT_F_BAD_ATS_TREQ	0x05
#define EVT_F_STREAM_DISABLED	0x06
#define EVT_F_TRANSL_FORBIDDEN	0x07
#define EVT_C_BAD_SUBSTREAMID	0x08
#define EVT_F_CD_FETCH		0x09
#define EVT_C_BAD_CD		0x0a
#define EVT_F_WALK_EABT		0x0b
#define EVT_F_TRANSLATION	0x10
#define EVT_F_ADDR_SIZE		0x11
#define EVT_F_ACCESS		0x12
#define EVT_F_PERMISSION	0x13
#define EVT_F_TLB_CONFLICT	0x20
#define EVT_F_CFG_CONFLICT	0x21

#endif
