/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe register, command and completion layouts, NVM Express Base
 * Specification 1.4 (section numbers in the comments).
 */
#ifndef TOLLGATE_NVME_REGS_H
#define TOLLGATE_NVME_REGS_H

#include <stdint.h>

/* 3.1 Controller registers (BAR0). */
#define NVME_REG_CAP		0x00	/* 3.1.1, 64-bit */
#define NVME_REG_VS		0x08	/* 3.1.2 */
#define NVME_REG_INTMS		0x0c	/* 3.1.3: pin-based/MSI masks, bit per vector */
#define NVME_REG_INTMC		0x10	/* 3.1.4 */
#define NVME_REG_CC		0x14	/* 3.1.5 */
#define NVME_REG_CSTS		0x1c	/* 3.1.6 */
#define NVME_REG_AQA		0x24	/* 3.1.8 */
#define NVME_REG_ASQ		0x28	/* 3.1.9, 64-bit */
#define NVME_REG_ACQ		0x30	/* 3.1.10, 64-bit */
#define NVME_REG_CMBLOC		0x38	/* 3.1.11 */
#define NVME_REG_CMBSZ		0x3c	/* 3.1.12 */
#define NVME_REG_CMBMSC		0x50	/* 3.1.16, 64-bit */
#define NVME_REG_CMBSTS		0x58	/* 3.1.17 */
#define NVME_REG_DBS		0x1000	/* 3.1.24/25: SQ y tail, then CQ y head */

/* 3.1.1 CAP */
#define NVME_CAP_MQES(c)	((uint32_t)((c) & 0xffff))	/* 0's based */
#define NVME_CAP_TO(c)		((uint32_t)(((c) >> 24) & 0xff))	/* 500 ms units */
#define NVME_CAP_DSTRD(c)	((uint32_t)(((c) >> 32) & 0xf))
#define NVME_CAP_CSS_NVM(c)	(((c) >> 37) & 1)
#define NVME_CAP_MPSMIN(c)	((uint32_t)(((c) >> 48) & 0xf))	/* 2^(12+n) */
#define NVME_CAP_CMBS(c)	(((c) >> 57) & 1)

/* 3.1.5 CC */
#define NVME_CC_EN		(1u << 0)
#define NVME_CC_CSS_NVM		(0u << 4)
#define NVME_CC_MPS(shift)	((uint32_t)((shift) - 12) << 7)
#define NVME_CC_AMS_RR		(0u << 11)
#define NVME_CC_SHN_NORMAL	(1u << 14)
#define NVME_CC_IOSQES(l2)	((uint32_t)(l2) << 16)
#define NVME_CC_IOCQES(l2)	((uint32_t)(l2) << 20)

/* 3.1.6 CSTS */
#define NVME_CSTS_RDY		(1u << 0)
#define NVME_CSTS_CFS		(1u << 1)

/* 3.1.11 CMBLOC, 3.1.12 CMBSZ */
#define NVME_CMBLOC_BIR(v)	((v) & 7)
#define NVME_CMBLOC_OFST(v)	((v) >> 12)
#define NVME_CMBSZ_SQS		(1u << 0)
#define NVME_CMBSZ_RDS		(1u << 3)
#define NVME_CMBSZ_WDS		(1u << 4)
#define NVME_CMBSZ_SZU(v)	(((v) >> 8) & 0xf)	/* 4 KiB << (4 * SZU) */
#define NVME_CMBSZ_SZ(v)	((v) >> 12)

/* 3.1.16 CMBMSC, 3.1.17 CMBSTS */
#define NVME_CMBMSC_CRE		(1ull << 0)	/* CMBLOC/CMBSZ become readable */
#define NVME_CMBMSC_CMSE	(1ull << 1)	/* controller memory space on at CBA */
#define NVME_CMBMSC_CBA_MASK	(~0xfffull)
#define NVME_CMBSTS_CBAI	(1u << 0)	/* CBA invalid */

/* 4.2 Submission queue entry (64 bytes). */
struct nvme_sqe {
	uint8_t opcode;
	uint8_t flags;		/* FUSE 1:0, PSDT 7:6 (0 = PRPs) */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQE is 64 bytes");
#define NVME_SQES_LOG2		6

/* 4.6 Completion queue entry (16 bytes). */
struct nvme_cqe {
	uint32_t result;
	uint32_t rsvd;
	uint16_t sq_head;
	uint16_t sq_id;
	uint16_t cid;
	uint16_t status;	/* bit 0 phase, 15:1 status field */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQE is 16 bytes");
#define NVME_CQES_LOG2		4

/* 4.6.1 Status field (after dropping the phase bit). */
#define NVME_STATUS_SC(s)	((s) & 0xff)
#define NVME_STATUS_SCT(s)	(((s) >> 8) & 7)
#define NVME_STATUS_DNR		(1u << 14)

/* 5 Admin commands. */
#define NVME_ADMIN_DELETE_SQ	0x00
#define NVME_ADMIN_CREATE_SQ	0x01
#define NVME_ADMIN_DELETE_CQ	0x04
#define NVME_ADMIN_CREATE_CQ	0x05
#define NVME_ADMIN_IDENTIFY	0x06
/* 5.3/5.4 Create CQ/SQ, CDW11 */
#define NVME_QUEUE_PC		(1u << 0)	/* physically contiguous */
#define NVME_CQ_IEN		(1u << 1)	/* interrupts enabled; IV in 31:16 */
/* 5.15 Identify, CDW10.CNS */
#define NVME_CNS_NAMESPACE	0x00
#define NVME_CNS_CONTROLLER	0x01
#define NVME_CNS_ACTIVE_NS	0x02	/* active namespace IDs, ascending */

/* 6 NVM command set. */
#define NVME_CMD_WRITE		0x01
#define NVME_CMD_READ		0x02

/* 5.15.2.1 Identify Controller data structure (byte offsets). */
#define NVME_IDC_SN		4	/* 20 ASCII */
#define NVME_IDC_MN		24	/* 40 ASCII */
#define NVME_IDC_FR		64	/* 8 ASCII */
#define NVME_IDC_MDTS		77	/* 2^n x MPSMIN pages, 0 = no limit */
#define NVME_IDC_NN		516	/* number of namespaces, 32-bit */

/* 6.1.5 (Identify Namespace) data structure. */
#define NVME_IDNS_NSZE		0	/* 64-bit, in LBAs */
#define NVME_IDNS_NLBAF		25
#define NVME_IDNS_FLBAS		26	/* 3:0 format in use */
#define NVME_IDNS_LBAF		128	/* 4 bytes each: LBADS in 23:16 */

#endif
