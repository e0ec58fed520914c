/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSIs through the SMMU: the edu, translated by its own domain (the DMA
 * layer maps the doorbell page 1:1), signals by MSI to the GICv2m frame or
 * the GICv3 ITS; with the doorbell unmapped the message write faults in
 * the SMMU instead (F_TRANSLATION at the doorbell address) and no
 * interrupt arrives.  MSI-X: QEMU's NVMe, table programmed and read back,
 * a vector fired by a real admin command, held pending while masked.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/dma.h>
#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/msi.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>
#include <tollgate/smmu.h>
#include <tollgate/timer.h>

#include "testcase.h"

#define EDU_MASK	((1ull << 28) - 1)
#define LPI_BASE	8192u
/* Architectural doorbell offsets: GICv2m MSI_SETSPI_NS, GITS_TRANSLATER. */
#define V2M_SETSPI	0x40u
#define ITS_TRANSLATER	0x10040u
#define EVT_F_TRANSLATION	0x10u

static struct dma_dev dd;
static struct edu edu;

/* The address a device must write, from what the GIC node says. */
static uint64_t expected_doorbell(void)
{
	const struct irq_info *info = irq_controller_info();

	if (!info)
		return 0;
	if (info->v2m_phys)
		return info->v2m_phys + V2M_SETSPI;
	if (info->its_phys)
		return info->its_phys + ITS_TRANSLATER;
	return 0;
}

/* Waits (bounded, in WFI) until edu.irqs reaches `want`. */
static int wait_irqs(unsigned long want, uint32_t timeout_us)
{
	struct tg_deadline d;

	tg_deadline_start(&d, timeout_us);
	while (edu.irqs < want) {
		if (tg_deadline_expired(&d))
			return edu.irqs >= want ? TG_OK : TG_ETIMEDOUT;
		timer_wfi_bounded(1000);
	}
	return TG_OK;
}

static struct pci_dev *edu_translated(struct test_ctx *t)
{
	struct pci_dev *pci = pci_find_id(0x1234, 0x11e8, NULL);

	if (!pci || !msi_controller_name() || !pci->cap_msi)
		return NULL;
	if (dma_dev_init(&dd, pci, EDU_MASK) != TG_OK || !dma_dev_domain(&dd))
		return NULL;
	if (edu_init(&edu, pci) != TG_OK)
		return NULL;
	(void)t;
	return pci;
}

static void edu_down(void)
{
	dma_dev_release(&dd);
	pci_set_master(edu.pci, false);
}

TESTCASE(msi_edu_through_smmu)
{
	struct pci_dev *pci = pci_find_id(0x1234, 0x11e8, NULL);

	if (!pci)
		SKIP("no edu device in this QEMU configuration");
	if (!msi_controller_name())
		SKIP("no MSI controller (GICv2m frame or ITS) in this configuration");
	CHECK(edu_translated(t) == pci);
	CHECK(edu.msi);
	CHECK(edu.use_irq);

	/* The vector is of the controller's kind, and INTx is off. */
	const struct irq_info *info = irq_controller_info();
	if (info->its_phys && !info->v2m_phys)
		CHECK(edu.intid >= LPI_BASE);
	else
		CHECK(edu.intid >= 32 && edu.intid < 1020);
	uint16_t cmd;
	CHECK_EQ(pci_cfg_read16(pci, PCI_COMMAND, &cmd), TG_OK);
	CHECK(cmd & PCI_COMMAND_INTX_DISABLE);

	/* The capability holds exactly the doorbell QEMU's DT names (64-bit MSI). */
	uint32_t lo, hi;
	uint16_t ctrl, data;
	CHECK_EQ(pci_cfg_read16(pci, pci->cap_msi + 2, &ctrl), TG_OK);
	CHECK(ctrl & 1u);			/* MSI Enable */
	CHECK(ctrl & 0x80u);			/* edu: 64-bit address */
	CHECK_EQ((ctrl >> 4) & 7u, 0);		/* one message */
	CHECK_EQ(pci_cfg_read32(pci, pci->cap_msi + 4, &lo), TG_OK);
	CHECK_EQ(pci_cfg_read32(pci, pci->cap_msi + 8, &hi), TG_OK);
	CHECK_EQ(pci_cfg_read16(pci, pci->cap_msi + 12, &data), TG_OK);
	CHECK_EQ(((uint64_t)hi << 32) | lo, expected_doorbell());
	if (edu.intid < LPI_BASE)
		CHECK_EQ(data, edu.intid);	/* GICv2m: the SPI number itself */

	unsigned long mark = smmu_event_mark();
	unsigned long base_count = irq_count(edu.intid);

	/* "Raise interrupt" three times: three MSIs, one handler run each. */
	for (unsigned int i = 1; i <= 3; i++) {
		uint64_t t0 = timer_ticks();

		CHECK_EQ(edu_raise_irq(&edu, 1u << i), TG_OK);
		CHECK_EQ(wait_irqs(i, 100000), TG_OK);
		CHECK_EQ(edu.last_status, 1u << i);
		if (i == 1)
			pr_info("msi: edu %s %u: raise -> handler %llu ns\n",
				edu.intid >= LPI_BASE ? "LPI" : "SPI", edu.intid,
				(unsigned long long)timer_ticks_to_ns(edu.last_irq_ticks - t0));
	}
	udelay(2000);
	CHECK_EQ(edu.irqs, 3);
	CHECK_EQ(irq_count(edu.intid) - base_count, 3);

	/* DMA completion by MSI, data compared byte for byte. */
	uint64_t pa;
	dma_addr_t iova;
	uint8_t *buf = page_alloc(4096, 0, &pa);
	CHECK(buf != NULL);
	for (unsigned int i = 0; i < 256; i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	CHECK_EQ(dma_map_single(&dd, pa, 4096, DMA_BIDIRECTIONAL, &iova), TG_OK);
	CHECK_EQ(edu_dma(&edu, EDU_TO_DEVICE, iova, 0, 256), TG_OK);
	CHECK_EQ(wait_irqs(4, 100000), TG_OK);
	CHECK_EQ(edu.last_status, 0x100);
	CHECK_EQ(edu_dma(&edu, EDU_FROM_DEVICE, iova + 1024, 0, 256), TG_OK);
	CHECK_EQ(wait_irqs(5, 100000), TG_OK);
	CHECK(memcmp(buf + 1024, buf, 256) == 0);
	CHECK_EQ(dma_unmap_single(&dd, iova, 4096, DMA_BIDIRECTIONAL), TG_OK);
	page_free(buf, 4096);
	udelay(2000);
	CHECK_EQ(edu.irqs, 5);
	CHECK_EQ(irq_count(edu.intid) - base_count, 5);
	/* No message faulted on the way. */
	CHECK_EQ(smmu_event_mark(), mark);
	edu_down();
}

TESTCASE(msi_doorbell_unmapped_faults)
{
	struct pci_dev *pci = pci_find_id(0x1234, 0x11e8, NULL);

	if (!pci)
		SKIP("no edu device in this QEMU configuration");
	if (!msi_controller_name())
		SKIP("no MSI controller (GICv2m frame or ITS) in this configuration");
	CHECK(edu_translated(t) == pci);
	CHECK(edu.msi);
	uint64_t db = expected_doorbell();
	uint64_t page = db & ~0xfffull;
	struct smmu_domain *dom = dma_dev_domain(&dd);

	/* Mapped: the message arrives. */
	CHECK_EQ(edu_raise_irq(&edu, 1), TG_OK);
	CHECK_EQ(wait_irqs(1, 100000), TG_OK);

	/* Unmapped: the write faults at the doorbell, nothing arrives. */
	CHECK_EQ(smmu_unmap(dom, page, 4096), 4096);
	unsigned long mark = smmu_event_mark();
	unsigned long before = irq_count(edu.intid);
	CHECK_EQ(edu_raise_irq(&edu, 2), TG_OK);
	CHECK(wait_irqs(2, 20000) == TG_ETIMEDOUT);
	CHECK_EQ(edu.irqs, 1);
	CHECK_EQ(irq_count(edu.intid), before);
	unsigned long now = smmu_event_mark();
	bool found = false;
	for (unsigned long s = mark + 1; s <= now; s++) {
		struct smmu_fault f;

		CHECK_EQ(smmu_event_get(s, &f), TG_OK);
		if (f.type == EVT_F_TRANSLATION && f.sid == pci->sid && f.addr == db && f.write)
			found = true;
	}
	CHECK(found);
	/* The handler never ran for it; acknowledge by hand. */
	mmio_write32(edu.regs + 0x64, 2);

	/* Mapped again: messages flow. */
	CHECK_EQ(smmu_map(dom, page, page, 4096, IOMMU_WRITE | IOMMU_MMIO), TG_OK);
	mark = smmu_event_mark();
	CHECK_EQ(edu_raise_irq(&edu, 4), TG_OK);
	CHECK_EQ(wait_irqs(2, 100000), TG_OK);
	CHECK_EQ(edu.last_status, 4);
	CHECK_EQ(smmu_event_mark(), mark);
	edu_down();
}

/* Any function with an MSI DeviceID will do as an owner: the host bridge. */
static struct pci_dev *some_owner(void)
{
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);

		if (d->has_msi_id && !(d->vendor == 0x1234 && d->device == 0x11e8))
			return d;
	}
	return NULL;
}

static volatile unsigned int hits[MSI_MAX_VECTORS];

static void count_hit(unsigned int intid, void *ctx)
{
	hits[(uintptr_t)ctx]++;
	(void)intid;
}

TESTCASE(msi_alloc_free_and_bad_input)
{
	struct pci_dev *dev = some_owner();
	unsigned int ids[MSI_MAX_VECTORS];
	struct msi_msg msgs[MSI_MAX_VECTORS];

	if (!msi_controller_name())
		SKIP("no MSI controller in this configuration");
	CHECK(dev != NULL);
	unsigned int free0 = msi_free_count();
	CHECK(free0 >= 4);
	CHECK_EQ(msi_alloc(NULL, 1, ids, msgs), TG_EINVAL);
	CHECK_EQ(msi_alloc(dev, 0, ids, msgs), TG_EINVAL);
	CHECK_EQ(msi_alloc(dev, MSI_MAX_VECTORS + 1, ids, msgs), TG_EINVAL);
	CHECK_EQ(msi_alloc(dev, 1, NULL, msgs), TG_EINVAL);
	CHECK_EQ(msi_free_count(), free0);

	CHECK_EQ(msi_alloc(dev, 4, ids, msgs), TG_OK);
	CHECK_EQ(msi_free_count(), free0 - 4);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(msgs[i].address, expected_doorbell());
		for (unsigned int j = 0; j < i; j++) {
			CHECK(ids[i] != ids[j]);
			CHECK(msgs[i].data != msgs[j].data);
		}
	}
	/* Not the owner / not allocated / twice in one call: refused, nothing freed. */
	struct pci_dev *other = pci_find_id(0x1234, 0x11e8, NULL);
	if (other)
		CHECK_EQ(msi_free(other, 4, ids), TG_EINVAL);
	unsigned int dup[2] = { ids[0], ids[0] };
	CHECK_EQ(msi_free(dev, 2, dup), TG_EINVAL);
	/* A vector with a live handler cannot be freed. */
	CHECK_EQ(irq_request(ids[0], IRQ_TRIGGER_EDGE, count_hit, (void *)0), TG_OK);
	CHECK_EQ(msi_free(dev, 4, ids), TG_EBUSY);
	CHECK_EQ(irq_release(ids[0]), TG_OK);
	CHECK_EQ(msi_free_count(), free0 - 4);
	CHECK_EQ(msi_free(dev, 4, ids), TG_OK);
	CHECK_EQ(msi_free_count(), free0);
	CHECK_EQ(msi_free(dev, 1, ids), TG_EINVAL);	/* double free */
	if (ids[0] >= LPI_BASE) {
		/* A freed LPI cannot be requested; LPIs are edge only. */
		CHECK_EQ(irq_request(ids[0], IRQ_TRIGGER_EDGE, count_hit, NULL), TG_ERANGE);
		CHECK_EQ(msi_alloc(dev, 1, ids, msgs), TG_OK);
		CHECK_EQ(irq_request(ids[0], IRQ_TRIGGER_LEVEL, count_hit, NULL), TG_EINVAL);
		CHECK_EQ(msi_free(dev, 1, ids), TG_OK);
	}

	/* Exhaustion is all or nothing: a request bigger than what is left fails
	 * cleanly, everything taken comes back. */
	static unsigned int all[16][8];
	unsigned int rounds = 0;
	int rc = TG_OK;
	while (rounds < 16) {
		unsigned int left = msi_free_count();

		rc = msi_alloc(dev, 8, all[rounds], msgs);
		if (rc) {
			CHECK_EQ(msi_free_count(), left);
			break;
		}
		rounds++;
	}
	CHECK_EQ(rc, TG_ENOSPC);
	CHECK(rounds > 0);
	for (unsigned int r = 0; r < rounds; r++)
		CHECK_EQ(msi_free(dev, 8, all[r]), TG_OK);
	CHECK_EQ(msi_free_count(), free0);
}

/* GICv3: the ITS INT command pends an LPI through the same DeviceID/EventID
 * translation a device write uses; disabled LPIs stay pending until enabled. */
TESTCASE(msi_its_int_command)
{
	const struct irq_info *info = irq_controller_info();
	struct pci_dev *dev = some_owner();
	unsigned int ids[2];
	struct msi_msg msgs[2];

	if (!info || !info->its_phys || !msi_controller_name())
		SKIP("no ITS in this configuration");
	CHECK(dev != NULL);
	CHECK_EQ(msi_alloc(dev, 2, ids, msgs), TG_OK);
	CHECK(ids[0] >= LPI_BASE && ids[1] >= LPI_BASE);
	hits[0] = hits[1] = 0;
	CHECK_EQ(irq_request(ids[0], IRQ_TRIGGER_EDGE, count_hit, (void *)0), TG_OK);
	CHECK_EQ(irq_request(ids[1], IRQ_TRIGGER_EDGE, count_hit, (void *)1), TG_OK);
	CHECK_EQ(irq_raise(ids[1]), TG_OK);
	CHECK_EQ(tg_poll_until(hits[1] == 1, 100000), TG_OK);
	udelay(1000);
	CHECK_EQ(hits[0], 0);
	CHECK_EQ(hits[1], 1);
	/* Disabled: pended, not delivered; enabled again: delivered once. */
	CHECK_EQ(irq_release(ids[0]), TG_OK);
	CHECK_EQ(irq_raise(ids[0]), TG_OK);
	udelay(2000);
	CHECK_EQ(hits[0], 0);
	CHECK_EQ(irq_request(ids[0], IRQ_TRIGGER_EDGE, count_hit, (void *)0), TG_OK);
	CHECK_EQ(tg_poll_until(hits[0] == 1, 100000), TG_OK);
	udelay(1000);
	CHECK_EQ(hits[0], 1);
	CHECK_EQ(irq_release(ids[0]), TG_OK);
	CHECK_EQ(irq_release(ids[1]), TG_OK);
	CHECK_EQ(msi_free(dev, 2, ids), TG_OK);
}

/*
 * MSI-X with QEMU's NVMe (1b36:0010, table and PBA in BAR0).  The least an
 * NVMe controller needs to raise its admin completion vector: admin queues
 * and one Get Features command (NVMe 1.4: 3.1 registers CAP/CC/CSTS/AQA/
 * ASQ/ACQ, 4.2/4.6 SQ and CQ entries, 5.21 Get Features, FID 07h).  Vector 0
 * is masked while the command completes: the completion lands in memory,
 * the PBA shows the message held back, no interrupt; unmasking delivers it.
 */
#define NVME_CC		0x14
#define NVME_CSTS	0x1c
#define NVME_AQA	0x24
#define NVME_ASQ	0x28
#define NVME_ACQ	0x30
#define NVME_SQ0TDBL	0x1000
#define NVME_CQ0HDBL	0x1004
#define NVME_CC_EN	1u
#define NVME_CC_IOSQES	(6u << 16)
#define NVME_CC_IOCQES	(4u << 20)
#define NVME_CSTS_RDY	1u
#define NVME_CSTS_CFS	2u
#define NVME_OPC_GET_FEATURES	0x0a
#define NVME_FID_NUM_QUEUES	0x07
#define NVME_QDEPTH	4u

static struct dma_dev nd;

static int nvme_wait_ready(volatile uint8_t *regs, bool ready)
{
	struct tg_deadline d;

	tg_deadline_start(&d, 2000000);
	for (;;) {
		uint32_t csts = mmio_read32(regs + NVME_CSTS);

		if (csts == ~0u || (csts & NVME_CSTS_CFS))
			return TG_EIO;
		if (!!(csts & NVME_CSTS_RDY) == ready)
			return TG_OK;
		if (tg_deadline_expired(&d))
			return TG_ETIMEDOUT;
		timer_wfi_bounded(1000);
	}
}

/* Submits Get Features (Number of Queues) in admin SQ slot `slot`, waits
 * for its completion entry (phase 1: the queue's first pass). */
static int nvme_get_features(volatile uint8_t *regs, volatile uint32_t *sq,
			     volatile uint32_t *cq, unsigned int slot, uint16_t cid)
{
	volatile uint32_t *sqe = sq + slot * 16u;
	volatile uint32_t *cqe = cq + slot * 4u;
	struct tg_deadline d;

	for (unsigned int i = 0; i < 16; i++)
		sqe[i] = 0;
	sqe[0] = NVME_OPC_GET_FEATURES | ((uint32_t)cid << 16);
	sqe[10] = NVME_FID_NUM_QUEUES;
	arch_dsb();
	mmio_write32(regs + NVME_SQ0TDBL, slot + 1u);
	tg_deadline_start(&d, 1000000);
	while (!(cqe[3] & (1u << 16))) {
		if (tg_deadline_expired(&d))
			return TG_ETIMEDOUT;
		timer_wfi_bounded(1000);
	}
	/* Status field (bits 31:17) zero, our command identifier. */
	if ((cqe[3] >> 17) != 0 || (cqe[3] & 0xffffu) != cid)
		return TG_EIO;
	mmio_write32(regs + NVME_CQ0HDBL, slot + 1u);
	return TG_OK;
}

TESTCASE(msix_nvme_table_and_vector)
{
	struct pci_dev *pci = pci_find_id(0x1b36, 0x0010, NULL);
	unsigned int ids[4];
	enum pci_irq_type type;

	if (!pci)
		SKIP("no NVMe controller in this QEMU configuration");
	if (!msi_controller_name())
		SKIP("no MSI controller in this configuration");
	CHECK(pci->cap_msix != 0);
	int size = pci_msix_table_size(pci);
	CHECK(size >= 4);
	CHECK_EQ(dma_dev_init(&nd, pci, ~0ull), TG_OK);
	CHECK(dma_dev_domain(&nd) != NULL);
	CHECK_EQ(pci_set_master(pci, true), TG_OK);

	/* Bad input first: nothing may change. */
	CHECK_EQ(pci_alloc_irq_vectors(pci, 0, 4, PCI_IRQ_ALLOW_MSIX, ids, &type), TG_EINVAL);
	CHECK_EQ(pci_alloc_irq_vectors(pci, 4, 2, PCI_IRQ_ALLOW_MSIX, ids, &type), TG_EINVAL);
	CHECK_EQ(pci_alloc_irq_vectors(pci, 1, 4, 0, ids, &type), TG_EINVAL);
	CHECK_EQ(pci_msix_enable(pci, (unsigned int)size + 1), TG_ERANGE);
	unsigned int free0 = msi_free_count();

	CHECK_EQ(pci_alloc_irq_vectors(pci, 1, 4, PCI_IRQ_ALLOW_MSIX, ids, &type), 4);
	CHECK_EQ(type, PCI_IRQ_MSIX);
	CHECK_EQ(msi_free_count(), free0 - 4);
	CHECK_EQ(pci_alloc_irq_vectors(pci, 1, 4, PCI_IRQ_ALLOW_MSIX, ids, &type), TG_EBUSY);
	/* MSI-X on, INTx off, and MSI refused while MSI-X is on. */
	uint16_t ctrl, cmd;
	CHECK_EQ(pci_cfg_read16(pci, pci->cap_msix + 2, &ctrl), TG_OK);
	CHECK(ctrl & 0x8000u);
	CHECK(!(ctrl & 0x4000u));
	CHECK_EQ(pci_cfg_read16(pci, PCI_COMMAND, &cmd), TG_OK);
	CHECK(cmd & PCI_COMMAND_INTX_DISABLE);
	if (pci->cap_msi) {
		struct msi_msg m = { expected_doorbell(), 0 };
		CHECK_EQ(pci_msi_enable(pci, &m), TG_EBUSY);
	}
	/* The table holds what was programmed: doorbell, distinct data, unmasked. */
	struct msi_msg msg[4];
	bool masked;
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(pci_msix_get_vector(pci, i, &msg[i], &masked), TG_OK);
		CHECK_EQ(msg[i].address, expected_doorbell());
		CHECK(!masked);
		if (ids[i] < LPI_BASE)
			CHECK_EQ(msg[i].data, ids[i]);
		for (unsigned int j = 0; j < i; j++)
			CHECK(msg[i].data != msg[j].data);
	}
	CHECK_EQ(pci_msix_get_vector(pci, 4, &msg[0], &masked), TG_ERANGE);
	CHECK_EQ(pci_msix_get_vector(pci, 0, &msg[0], &masked), TG_OK);

	hits[0] = hits[1] = 0;
	CHECK_EQ(irq_request(ids[0], IRQ_TRIGGER_EDGE, count_hit, (void *)0), TG_OK);
	CHECK_EQ(irq_request(ids[1], IRQ_TRIGGER_EDGE, count_hit, (void *)1), TG_OK);

	/* Admin queues through the SMMU. */
	volatile uint8_t *regs = ioremap(pci->bar[0].cpu_addr, 0x2000);
	uint64_t sq_pa, cq_pa;
	dma_addr_t sq_iova, cq_iova;
	volatile uint32_t *sq = page_alloc(4096, 0, &sq_pa);
	volatile uint32_t *cq = page_alloc(4096, 0, &cq_pa);
	CHECK(regs && sq && cq);
	mmio_write32(regs + NVME_CC, 0);
	CHECK_EQ(nvme_wait_ready(regs, false), TG_OK);
	CHECK_EQ(dma_map_single(&nd, sq_pa, 4096, DMA_TO_DEVICE, &sq_iova), TG_OK);
	CHECK_EQ(dma_map_single(&nd, cq_pa, 4096, DMA_FROM_DEVICE, &cq_iova), TG_OK);
	mmio_write32(regs + NVME_AQA, ((NVME_QDEPTH - 1u) << 16) | (NVME_QDEPTH - 1u));
	mmio_write64(regs + NVME_ASQ, sq_iova);
	mmio_write64(regs + NVME_ACQ, cq_iova);
	mmio_write32(regs + NVME_CC, NVME_CC_EN | NVME_CC_IOSQES | NVME_CC_IOCQES);
	CHECK_EQ(nvme_wait_ready(regs, true), TG_OK);

	/* Masked: the completion arrives, the message waits in the PBA. */
	CHECK_EQ(pci_msix_set_vector(pci, 0, &msg[0], true), TG_OK);
	CHECK_EQ(pci_msix_pending(pci, 0), 0);
	unsigned long mark = smmu_event_mark();
	CHECK_EQ(nvme_get_features(regs, sq, cq, 0, 0x51), TG_OK);
	udelay(2000);
	CHECK_EQ(hits[0], 0);
	CHECK_EQ(pci_msix_pending(pci, 0), 1);
	/* Unmasked: the held message is sent, once. */
	CHECK_EQ(pci_msix_set_vector(pci, 0, &msg[0], false), TG_OK);
	CHECK_EQ(tg_poll_until(hits[0] == 1, 100000), TG_OK);
	CHECK_EQ(pci_msix_pending(pci, 0), 0);
	/* Unmasked from the start: one command, one interrupt, on vector 0 only. */
	CHECK_EQ(nvme_get_features(regs, sq, cq, 1, 0x52), TG_OK);
	CHECK_EQ(tg_poll_until(hits[0] == 2, 100000), TG_OK);
	udelay(2000);
	CHECK_EQ(hits[0], 2);
	CHECK_EQ(hits[1], 0);
	CHECK_EQ(smmu_event_mark(), mark);

	mmio_write32(regs + NVME_CC, 0);
	CHECK_EQ(nvme_wait_ready(regs, false), TG_OK);
	CHECK_EQ(pci_free_irq_vectors(pci), TG_EBUSY);	/* handlers still there */
	CHECK_EQ(irq_release(ids[0]), TG_OK);
	CHECK_EQ(irq_release(ids[1]), TG_OK);
	CHECK_EQ(pci_free_irq_vectors(pci), TG_OK);
	CHECK_EQ(msi_free_count(), free0);
	CHECK_EQ(pci_cfg_read16(pci, pci->cap_msix + 2, &ctrl), TG_OK);
	CHECK(!(ctrl & 0x8000u));
	CHECK_EQ(pci_cfg_read16(pci, PCI_COMMAND, &cmd), TG_OK);
	CHECK(!(cmd & PCI_COMMAND_INTX_DISABLE));
	CHECK_EQ(dma_unmap_single(&nd, sq_iova, 4096, DMA_TO_DEVICE), TG_OK);
	CHECK_EQ(dma_unmap_single(&nd, cq_iova, 4096, DMA_FROM_DEVICE), TG_OK);
	page_free((void *)sq, 4096);
	page_free((void *)cq, 4096);
	dma_dev_release(&nd);
	pci_set_master(pci, false);
}
