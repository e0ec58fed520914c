/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SMMU as the running machine has it: registers agree with the driver,
 * commands complete, an illegal command is reported, skipped and the queue
 * resumes, and a real device's DMA is refused, reported or let through
 * according to its STE.
 */
#include <string.h>

#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/mmio.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "../../iommu/smmu_regs.h"
#include "testcase.h"

static struct smmu *the_smmu(struct test_ctx *t)
{
	(void)t;
	return smmu_get(0);
}

TESTCASE(smmu_enabled_and_decoded)
{
	struct smmu *smmu = the_smmu(t);

	CHECK(smmu != NULL);
	volatile uint8_t *regs = ioremap(smmu_base(smmu), SMMU_REG_SPACE);
	CHECK(regs != NULL);
	uint32_t ack = mmio_read32(regs + SMMU_CR0ACK);
	CHECK_EQ(ack & (CR0_SMMUEN | CR0_CMDQEN | CR0_EVENTQEN), CR0_SMMUEN | CR0_CMDQEN | CR0_EVENTQEN);
	const struct smmu_features *f = smmu_features(smmu);
	uint32_t idr1 = mmio_read32(regs + SMMU_IDR1);
	uint32_t idr0 = mmio_read32(regs + SMMU_IDR0);
	CHECK_EQ(f->sid_bits, idr1 & 0x3f);
	CHECK_EQ(f->two_level_st, ((idr0 >> 27) & 3) == 1);
	CHECK_EQ(f->asid16, (idr0 >> 12) & 1);
	/* The stream table format register matches the choice made. */
	uint32_t cfg = mmio_read32(regs + SMMU_STRTAB_BASE_CFG);
	CHECK_EQ((cfg >> 16) & 3, f->two_level_st && f->sid_bits > 10 ? 1 : 0);
}

TESTCASE(smmu_sync_completes)
{
	struct smmu *smmu = the_smmu(t);

	CHECK(smmu != NULL);
	unsigned long syncs = smmu_counters(smmu)->syncs;
	CHECK_EQ(smmu_sync(smmu), TG_OK);
	CHECK_EQ(smmu_counters(smmu)->syncs, syncs + 1);
	volatile uint8_t *regs = ioremap(smmu_base(smmu), SMMU_REG_SPACE);
	uint32_t prod = mmio_read32(regs + SMMU_CMDQ_PROD), cons = mmio_read32(regs + SMMU_CMDQ_CONS);
	CHECK_EQ(prod & 0xfffff, cons & 0xfffff);
}

TESTCASE(smmu_illegal_command_skipped)
{
	struct smmu *smmu = the_smmu(t);

	CHECK(smmu != NULL);
	unsigned long errors = smmu_counters(smmu)->cmd_errors;
	/* Opcode 0x07 is not a command (IHI 0070 4.1): CERROR_ILL. */
	CHECK_EQ(smmu_test_issue_raw(smmu, 0x07, 0), TG_OK);
	CHECK_EQ(smmu_sync(smmu), TG_OK);
	CHECK_EQ(smmu_counters(smmu)->cmd_errors, errors + 1);
	/* The queue works afterwards. */
	CHECK_EQ(smmu_sync(smmu), TG_OK);
	volatile uint8_t *regs = ioremap(smmu_base(smmu), SMMU_REG_SPACE);
	CHECK_EQ(mmio_read32(regs + SMMU_GERROR) & GERROR_CMDQ_ERR,
		 mmio_read32(regs + SMMU_GERRORN) & GERROR_CMDQ_ERR);
}

struct fault_log {
	unsigned int n;
	struct smmu_fault last;
};

static void record_fault(const struct smmu_fault *f, void *ctx)
{
	struct fault_log *log = ctx;

	log->n++;
	log->last = *f;
}

static struct pci_dev *find_edu(void)
{
	return pci_find_id(0x1234, 0x11e8, NULL);
}

/* The edu behind the SMMU: abort, invalid and bypass STEs with real DMA. */
TESTCASE(smmu_ste_controls_device_dma)
{
	struct smmu *smmu = the_smmu(t);
	struct pci_dev *pci = find_edu();
	static struct edu edu;
	struct fault_log log = { 0 };
	uint64_t src_pa, dst_pa;

	CHECK(smmu != NULL);
	if (!pci)
		SKIP("no edu device in this QEMU configuration");
	CHECK(pci->has_sid);
	CHECK_EQ(edu_init(&edu, pci), TG_OK);
	uint8_t *src = page_alloc(4096, 0, &src_pa);
	uint8_t *dst = page_alloc(4096, 0, &dst_pa);
	CHECK(src && dst);
	for (unsigned i = 0; i < 256; i++)
		src[i] = (uint8_t)(i ^ 0x5a);
	CHECK_EQ(smmu_set_fault_handler(smmu, record_fault, &log), TG_OK);

	/* Default (deny): the transfer is aborted without an event. */
	CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, src_pa, 0, 256), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_FROM_DEVICE, dst_pa, 0, 256), TG_OK);
	smmu_poll_events(smmu);
	CHECK_EQ(log.n, 0);
	CHECK(memcmp(src, dst, 256) != 0);

	/* Invalid STE: the SMMU reports C_BAD_STE with the device's StreamID. */
	CHECK_EQ(smmu_stream_invalidate(smmu, pci->sid), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, src_pa, 0, 16), TG_OK);
	smmu_poll_events(smmu);
	CHECK(log.n > 0);
	CHECK_EQ(log.last.type, 0x04);
	CHECK_EQ(log.last.sid, pci->sid);

	/* Bypass: the data makes the round trip through the device. */
	CHECK_EQ(smmu_stream_bypass(smmu, pci->sid), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, src_pa, 0, 256), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_FROM_DEVICE, dst_pa, 0, 256), TG_OK);
	CHECK(memcmp(src, dst, 256) == 0);

	CHECK_EQ(smmu_stream_abort(smmu, pci->sid), TG_OK);
	smmu_set_fault_handler(smmu, NULL, NULL);
	pci_set_master(pci, false);
	page_free(src, 4096);
	page_free(dst, 4096);
}

TESTCASE(smmu_stream_rejects_bad_sid)
{
	struct smmu *smmu = the_smmu(t);

	CHECK(smmu != NULL);
	CHECK_EQ(smmu_stream_bypass(smmu, 1u << 20), TG_ERANGE);
	CHECK_EQ(smmu_stream_bypass(NULL, 0), TG_EINVAL);
}
