/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edu driver (QEMU docs/specs/edu.txt): registers in BAR0, DMA engine with
 * source/destination/count/command registers; the buffer lives at device
 * address 0x40000.  Completion by MSI when the message can reach the
 * interrupt controller, else INTx when routed, otherwise polled; the
 * engine runs off a 100 ms virtual-time timer, so waits sleep in WFI with
 * the generic timer armed (fast under -icount sleep=off).
 */
#include <tollgate/error.h>
#include <tollgate/edu.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/msi.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>
#include <tollgate/pci_regs.h>
#include <tollgate/timer.h>

#define EDU_ID			0x00
#define  EDU_ID_MAGIC		0xed
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_RAISE		0x60
#define EDU_IRQ_ACK		0x64
#define  EDU_IRQ_DMA		0x100
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define  EDU_CMD_RUN		1u
#define  EDU_CMD_FROM_DEVICE	2u
#define  EDU_CMD_IRQ		4u
#define EDU_BUFFER_ADDR		0x40000u

#define EDU_DMA_TIMEOUT_US	2000000	/* 20x the device's 100 ms */

/* MSI vectors survive re-initialisation of the same device. */
#define EDU_MAX_MSI	4

static struct edu_msi {
	struct pci_dev *pci;
	unsigned int intid;
	struct msi_msg msg;
} edu_msi[EDU_MAX_MSI];

static void edu_irq(unsigned int intid, void *ctx)
{
	struct edu *edu = ctx;
	uint32_t st = mmio_read32(edu->regs + EDU_IRQ_STATUS);

	if (st) {
		mmio_write32(edu->regs + EDU_IRQ_ACK, st);
		edu->last_status = st;
		edu->last_irq_ticks = timer_ticks();
		edu->irqs++;
	}
}

static struct edu_msi *edu_msi_of(struct pci_dev *pci, bool create)
{
	struct edu_msi *free_slot = NULL;

	for (unsigned int i = 0; i < EDU_MAX_MSI; i++) {
		if (edu_msi[i].pci == pci)
			return &edu_msi[i];
		if (!edu_msi[i].pci && !free_slot)
			free_slot = &edu_msi[i];
	}
	if (!create || !free_slot || !pci->cap_msi)
		return NULL;
	if (msi_alloc(pci, 1, &free_slot->intid, &free_slot->msg) != TG_OK)
		return NULL;
	free_slot->pci = pci;
	return free_slot;
}

/*
 * An MSI is a DMA write: behind an SMMU it arrives only if the device's
 * domain maps the doorbell (a default-abort stream drops it silently).
 */
static bool edu_msi_reachable(struct pci_dev *pci, uint64_t doorbell)
{
	struct smmu *smmu = pci->has_sid ? smmu_from_node(pci->iommu_node) : NULL;
	struct smmu_domain *dom;
	uint64_t pa;

	if (!smmu)
		return true;
	dom = smmu_domain_of_stream(smmu, pci->sid);
	return dom && smmu_iova_to_phys(dom, doorbell, &pa) == TG_OK && pa == doorbell;
}

/* Drops whatever handler an earlier edu_init of this device registered. */
static void edu_irq_off(struct pci_dev *pci)
{
	struct edu_msi *m = edu_msi_of(pci, false);

	if (m)
		irq_release(m->intid);
	if (pci->intx_intid)
		irq_release(pci->intx_intid);	/* shared INTx: last edu wins */
}

int edu_init(struct edu *edu, struct pci_dev *pci)
{
	if (!edu || !pci || pci->vendor != 0x1234 || pci->device != 0x11e8)
		return TG_EINVAL;
	if (!(pci->bar[0].flags & PCI_BAR_ASSIGNED))
		return TG_ENOENT;
	edu->pci = pci;
	edu->irqs = 0;
	edu->use_irq = false;
	edu->msi = false;
	edu->intid = 0;
	edu->last_status = 0;
	edu->last_irq_ticks = 0;
	edu->regs = ioremap(pci->bar[0].cpu_addr, (size_t)pci->bar[0].size);
	if (!edu->regs)
		return TG_ENOMEM;
	if ((mmio_read32(edu->regs + EDU_ID) & 0xff) != EDU_ID_MAGIC)
		return TG_EIO;
	int err = pci_set_master(pci, true);
	if (err)
		return err;
	edu_irq_off(pci);

	struct edu_msi *m = edu_msi_of(pci, true);
	if (m && edu_msi_reachable(pci, m->msg.address) &&
	    pci_msi_enable(pci, &m->msg) == TG_OK &&
	    irq_request(m->intid, IRQ_TRIGGER_EDGE, edu_irq, edu) == TG_OK) {
		edu->use_irq = edu->msi = true;
		edu->intid = m->intid;
		return TG_OK;
	}
	if (m)
		(void)pci_msi_disable(pci);
	if (pci->intx_intid &&
	    irq_request(pci->intx_intid, IRQ_TRIGGER_LEVEL, edu_irq, edu) == TG_OK) {
		edu->use_irq = true;
		edu->intid = pci->intx_intid;
	}
	return TG_OK;
}

int edu_raise_irq(struct edu *edu, uint32_t bits)
{
	if (!edu || !edu->regs || !bits)
		return TG_EINVAL;
	mmio_write32(edu->regs + EDU_IRQ_RAISE, bits);
	return TG_OK;
}

void edu_release(struct edu *edu)
{
	struct edu_msi *m;

	if (!edu || !edu->pci)
		return;
	edu_irq_off(edu->pci);
	m = edu_msi_of(edu->pci, false);
	if (m) {
		(void)pci_msi_disable(edu->pci);
		(void)msi_free(edu->pci, 1, &m->intid);
		m->pci = NULL;
	}
	edu->use_irq = edu->msi = false;
	edu->intid = 0;
}

int edu_dma(struct edu *edu, enum edu_dir dir, uint64_t dma, uint32_t offset, uint32_t len)
{
	if (!edu || !edu->regs || !len || len > EDU_DMA_MAX || offset >= EDU_BUFFER_SIZE ||
	    len > EDU_BUFFER_SIZE - offset - 1)
		return TG_EINVAL;
	if (mmio_read32(edu->regs + EDU_DMA_CMD) & EDU_CMD_RUN)
		return TG_EBUSY;
	uint64_t dev = EDU_BUFFER_ADDR + offset;

	mmio_write64(edu->regs + EDU_DMA_SRC, dir == EDU_TO_DEVICE ? dma : dev);
	mmio_write64(edu->regs + EDU_DMA_DST, dir == EDU_TO_DEVICE ? dev : dma);
	mmio_write64(edu->regs + EDU_DMA_COUNT, len);
	mmio_write32(edu->regs + EDU_DMA_CMD, EDU_CMD_RUN | (edu->use_irq ? EDU_CMD_IRQ : 0) |
						(dir == EDU_FROM_DEVICE ? EDU_CMD_FROM_DEVICE : 0));
	struct tg_deadline d;
	tg_deadline_start(&d, EDU_DMA_TIMEOUT_US);
	while (mmio_read32(edu->regs + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (tg_deadline_expired(&d))
			return TG_ETIMEDOUT;
		timer_wfi_bounded(20000);
	}
	return TG_OK;
}
