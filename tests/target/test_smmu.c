/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SMMU as the running machine has it: registers agree with the driver,
 * commands complete, an illegal command is reported, skipped and the queue
 * resumes, and a real device's DMA is refused, reported or let through
 * according to its STE.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/mmio.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>
#include <tollgate/timer.h>

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

/* ---- translation through a domain ---------------------------------------- */

struct dma_fixture {
	struct smmu *smmu;
	struct pci_dev *pci;
	struct edu edu;
	struct smmu_domain *dom;
	struct fault_log log;
	uint8_t *a, *b;
	uint64_t a_pa, b_pa;
};

static struct dma_fixture fx;

static bool fixture_up(struct test_ctx *t)
{
	memset(&fx, 0, sizeof(fx));
	fx.smmu = smmu_get(0);
	fx.pci = find_edu();
	if (!fx.smmu || !fx.pci || edu_init(&fx.edu, fx.pci) != TG_OK)
		return false;
	fx.dom = smmu_domain_create(fx.smmu, 0);
	fx.a = page_alloc(4096, 0, &fx.a_pa);
	fx.b = page_alloc(4096, 0, &fx.b_pa);
	if (!fx.dom || !fx.a || !fx.b)
		return false;
	smmu_domain_set_fault_handler(fx.dom, record_fault, &fx.log);
	return smmu_domain_attach(fx.dom, fx.pci->sid) == TG_OK;
}

static void fixture_down(void)
{
	if (fx.dom)
		smmu_domain_destroy(fx.dom);
	if (fx.pci)
		pci_set_master(fx.pci, false);
	page_free(fx.a, 4096);
	page_free(fx.b, 4096);
	fx.dom = NULL;
}

#define IOVA_A	0x00100000ull
#define IOVA_B	0x00200000ull

TESTCASE(smmu_domain_translates_dma)
{
	if (!find_edu())
		SKIP("no edu device in this QEMU configuration");
	CHECK(fixture_up(t));
	for (unsigned i = 0; i < 4096; i++)
		fx.a[i] = (uint8_t)(i * 13 + 1);
	CHECK_EQ(smmu_map(fx.dom, IOVA_A, fx.a_pa, 4096, IOMMU_READ), TG_OK);
	CHECK_EQ(smmu_map(fx.dom, IOVA_B, fx.b_pa, 4096, IOMMU_READ | IOMMU_WRITE), TG_OK);
	uint64_t pa;
	CHECK_EQ(smmu_iova_to_phys(fx.dom, IOVA_A + 0x123, &pa), TG_OK);
	CHECK_EQ(pa, fx.a_pa + 0x123);
	/* In-page offsets on both sides: counted once each. */
	CHECK_EQ(edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_A + 0x100, 0, 512), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, IOVA_B + 0x80, 0, 512), TG_OK);
	CHECK(memcmp(fx.b + 0x80, fx.a + 0x100, 512) == 0);
	CHECK_EQ(fx.b[0x7f], 0);
	smmu_poll_events(fx.smmu);
	CHECK_EQ(fx.log.n, 0);
	fixture_down();
}

TESTCASE(smmu_unmapped_iova_faults)
{
	if (!find_edu())
		SKIP("no edu device in this QEMU configuration");
	CHECK(fixture_up(t));
	CHECK_EQ(smmu_map(fx.dom, IOVA_A, fx.a_pa, 4096, IOMMU_READ | IOMMU_WRITE), TG_OK);
	/* The device writes 8 bytes to an IOVA nothing maps. */
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, 0x00345000, 0, 8), TG_OK);
	smmu_poll_events(fx.smmu);
	CHECK(fx.log.n > 0);
	CHECK_EQ(fx.log.last.type, 0x10);		/* F_TRANSLATION */
	CHECK_EQ(fx.log.last.sid, fx.pci->sid);
	CHECK(fx.log.last.addr >= 0x00345000 && fx.log.last.addr < 0x00345008);
	CHECK(fx.log.last.write);
	CHECK(smmu_domain_counters(fx.dom)->events > 0);
	/* The system carries on: the next transfer through a mapping works. */
	fx.a[0] = 0x77;
	CHECK_EQ(edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_A, 0, 1), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, IOVA_A + 1, 0, 1), TG_OK);
	CHECK_EQ(fx.a[1], 0x77);
	fixture_down();
}

TESTCASE(smmu_readonly_mapping_blocks_device_writes)
{
	if (!find_edu())
		SKIP("no edu device in this QEMU configuration");
	CHECK(fixture_up(t));
	memset(fx.a, 0xee, 64);
	CHECK_EQ(smmu_map(fx.dom, IOVA_A, fx.a_pa, 4096, IOMMU_READ), TG_OK);
	CHECK_EQ(smmu_map(fx.dom, IOVA_B, fx.b_pa, 4096, IOMMU_READ | IOMMU_WRITE), TG_OK);
	memset(fx.b, 0x11, 64);
	CHECK_EQ(edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_B, 0, 64), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, IOVA_A, 0, 64), TG_OK);
	smmu_poll_events(fx.smmu);
	CHECK(fx.log.n > 0);
	CHECK_EQ(fx.log.last.type, 0x13);		/* F_PERMISSION */
	CHECK_EQ(fx.log.last.sid, fx.pci->sid);
	CHECK_EQ(fx.a[0], 0xee);
	CHECK_EQ(fx.a[63], 0xee);
	fixture_down();
}

TESTCASE(smmu_remap_needs_tlbi)
{
	if (!find_edu())
		SKIP("no edu device in this QEMU configuration");
	CHECK(fixture_up(t));
	memset(fx.a, 0xa1, 64);
	memset(fx.b, 0xb2, 64);
	/* Device reads IOVA_A -> page a: the translation is now cached. */
	CHECK_EQ(smmu_map(fx.dom, IOVA_A, fx.a_pa, 4096, IOMMU_READ), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_A, 0, 64), TG_OK);
	/* Remap to page b without invalidating: the SMMU still uses page a. */
	CHECK_EQ(smmu_test_unmap_no_tlbi(fx.dom, IOVA_A, 4096), 4096);
	CHECK_EQ(smmu_map(fx.dom, IOVA_A, fx.b_pa, 4096, IOMMU_READ), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_A, 64, 64), TG_OK);
	/* Read what the device got back out through a separate mapping. */
	uint8_t *out;
	uint64_t out_pa;
	out = page_alloc(4096, 0, &out_pa);
	CHECK(out != NULL);
	CHECK_EQ(smmu_map(fx.dom, 0x00800000, out_pa, 4096, IOMMU_READ | IOMMU_WRITE), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, 0x00800000, 64, 64), TG_OK);
	bool stale = out[0] == 0xa1;
	/* Now the proper way: unmap with TLBI + SYNC, remap, and the new page is used. */
	CHECK_EQ(smmu_unmap(fx.dom, IOVA_A, 4096), 4096);
	CHECK_EQ(smmu_map(fx.dom, IOVA_A, fx.b_pa, 4096, IOMMU_READ), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_A, 128, 64), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, 0x00800000 + 128, 128, 64), TG_OK);
	CHECK_EQ(out[128], 0xb2);
	CHECK_EQ(out[191], 0xb2);
	page_free(out, 4096);
	fixture_down();
	/* QEMU caches successful walks in its IOTLB: without the TLBI the old page was used. */
	CHECK(stale);
}

TESTCASE(smmu_domain_api_misuse)
{
	struct smmu *smmu = smmu_get(0);

	CHECK(smmu != NULL);
	CHECK(smmu_domain_create(smmu, 20) == NULL);
	CHECK(smmu_domain_create(NULL, 0) == NULL);
	struct smmu_domain *d1 = smmu_domain_create(smmu, 0);
	struct smmu_domain *d2 = smmu_domain_create(smmu, 32);
	CHECK(d1 && d2);
	CHECK(smmu_domain_asid(d1) != smmu_domain_asid(d2));
	CHECK_EQ(smmu_map(d1, 0x1000, 0x40000000, 0x800, IOMMU_READ), TG_EINVAL);
	CHECK_EQ(smmu_map(d1, 0x1001, 0x40000000, 0x1000, IOMMU_READ), TG_EINVAL);
	CHECK_EQ(smmu_map(d1, 0x1000, 0x40000000, 0x2000, IOMMU_READ), TG_OK);
	CHECK_EQ(smmu_map(d1, 0x2000, 0x40010000, 0x1000, IOMMU_READ), TG_EBUSY);
	CHECK_EQ(smmu_map(d2, 1ull << 32, 0x40000000, 0x1000, IOMMU_READ), TG_ERANGE);
	CHECK_EQ(smmu_unmap(d1, 0x10000, 0x1000), TG_ENOENT);
	CHECK_EQ(smmu_unmap(d1, 0x1000, 0x2000), 0x2000);
	CHECK_EQ(smmu_domain_attach(d1, 0xfff0), TG_OK);
	CHECK_EQ(smmu_domain_attach(d2, 0xfff0), TG_EBUSY);
	CHECK_EQ(smmu_domain_detach(d2, 0xfff0), TG_ENOENT);
	CHECK_EQ(smmu_domain_attach(d1, 1u << 20), TG_ERANGE);
	CHECK_EQ(smmu_domain_detach(d1, 0xfff0), TG_OK);
	smmu_domain_destroy(d1);
	smmu_domain_destroy(d2);
}

/* The non-coherent SMMU path (tables and queues cleaned to PoC) forced on. */
TESTCASE(smmu_noncoherent_path_translates)
{
	struct smmu *smmu = smmu_get(0);

	if (!find_edu())
		SKIP("no edu device in this QEMU configuration");
	CHECK(smmu != NULL);
	smmu_force_noncoherent(smmu, true);
	bool up = fixture_up(t);
	if (up) {
		for (unsigned i = 0; i < 200; i++)
			fx.a[i] = (uint8_t)(0xc3 ^ i);
		up = smmu_map(fx.dom, IOVA_A, fx.a_pa, 4096, IOMMU_READ) == TG_OK &&
		     smmu_map(fx.dom, IOVA_B, fx.b_pa, 4096, IOMMU_READ | IOMMU_WRITE) == TG_OK &&
		     edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_A, 0, 200) == TG_OK &&
		     edu_dma(&fx.edu, EDU_FROM_DEVICE, IOVA_B, 0, 200) == TG_OK;
	}
	/* A device write lands in memory behind the cache: invalidate before reading. */
	arch_dcache_inval_range((uintptr_t)fx.b, 4096);
	bool same = up && memcmp(fx.a, fx.b, 200) == 0;
	fixture_down();
	smmu_force_noncoherent(smmu, false);
	CHECK(up);
	CHECK(same);
}

/*
 * Event-queue overflow: a 4095-byte faulting write makes ~1024 events (QEMU
 * splits faulting DMA into 4-byte accesses) against a 256-entry queue.
 * QEMU reports the loss as GERROR.EVENTQ_ABT_ERR; the driver counts it and
 * the next transfer still works.
 */
TESTCASE(smmu_event_overflow_survived)
{
	if (!find_edu())
		SKIP("no edu device in this QEMU configuration");
	CHECK(fixture_up(t));
	unsigned long lost = smmu_counters(fx.smmu)->events_lost;
	CHECK_EQ(smmu_test_resize_evtq(fx.smmu, 8), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, 0x00700000, 0, EDU_DMA_MAX), TG_OK);
	smmu_poll_events(fx.smmu);
	/* The GERROR interrupt may already have run; make sure it has. */
	CHECK(tg_poll_until(smmu_counters(fx.smmu)->events_lost > lost, 100000) == TG_OK);
	CHECK_EQ(smmu_test_resize_evtq(fx.smmu, 0), TG_OK);
	CHECK_EQ(smmu_map(fx.dom, IOVA_A, fx.a_pa, 4096, IOMMU_READ | IOMMU_WRITE), TG_OK);
	fx.a[0] = 0x5c;
	CHECK_EQ(edu_dma(&fx.edu, EDU_TO_DEVICE, IOVA_A, 0, 1), TG_OK);
	CHECK_EQ(edu_dma(&fx.edu, EDU_FROM_DEVICE, IOVA_A + 9, 0, 1), TG_OK);
	CHECK_EQ(fx.a[9], 0x5c);
	fixture_down();
}

/* 16 KiB and 64 KiB granules, when SMMU_IDR5 offers them: real DMA through each. */
TESTCASE(smmu_large_granules_translate)
{
	struct smmu *smmu = smmu_get(0);
	struct pci_dev *pci = find_edu();
	static struct edu e;

	if (!pci)
		SKIP("no edu device in this QEMU configuration");
	CHECK(smmu != NULL);
	CHECK_EQ(edu_init(&e, pci), TG_OK);
	static const unsigned int shifts[] = { 14, 16 };
	for (unsigned int k = 0; k < 2; k++) {
		unsigned int gs = shifts[k];
		bool have = gs == 14 ? smmu_features(smmu)->gran16k : smmu_features(smmu)->gran64k;
		struct smmu_domain *dom = smmu_domain_create_granule(smmu, 0, gs);
		if (!have) {
			CHECK(dom == NULL);
			continue;
		}
		CHECK(dom != NULL);
		uint64_t pa;
		uint8_t *buf = page_alloc(1u << gs, 1u << gs, &pa);
		CHECK(buf != NULL);
		for (unsigned i = 0; i < 100; i++)
			buf[i] = (uint8_t)(i + gs);
		uint64_t iova = 0x00400000;
		CHECK_EQ(smmu_map(dom, iova, pa, 1u << gs, IOMMU_READ | IOMMU_WRITE), TG_OK);
		CHECK_EQ(smmu_map(dom, iova, pa, 4096, IOMMU_READ), TG_EINVAL);	/* below the granule */
		CHECK_EQ(smmu_domain_attach(dom, pci->sid), TG_OK);
		CHECK_EQ(edu_dma(&e, EDU_TO_DEVICE, iova, 0, 100), TG_OK);
		CHECK_EQ(edu_dma(&e, EDU_FROM_DEVICE, iova + (1u << gs) - 200, 0, 100), TG_OK);
		CHECK(memcmp(buf + (1u << gs) - 200, buf, 100) == 0);
		CHECK_EQ(smmu_unmap(dom, iova, 1u << gs), (int64_t)(1u << gs));
		smmu_domain_destroy(dom);
		page_free(buf, 1u << gs);
	}
	CHECK(smmu_domain_create_granule(smmu, 0, 13) == NULL);
	pci_set_master(pci, false);
}
