/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion interrupts.  Pin-based (INTx, level): the handler masks the
 * controller's vector 0 through INTMS, which drops the line, and the
 * waiter unmasks it (INTMC) before it sleeps.  An MSI-X vector's INTID can
 * replace INTx through nvme_use_irq(); then INTMS/INTMC are not touched
 * (NVMe 1.4 3.1.3: host software shall not access them with MSI-X).
 */
#include <tollgate/error.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/msi.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "nvme_internal.h"

static void nvme_irq(unsigned int intid, void *ctx)
{
	struct nvme *n = ctx;

	/* Pin-based: masking drops the level until the waiter re-arms it. */
	if (!n->irq_msix)
		nvme_wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	n->irq_seen++;
	n->cnt.irqs++;
}

void nvme_irq_rearm(struct nvme *n)
{
	if (n->irq && !n->irq_msix)
		nvme_wr32(n, NVME_REG_INTMC, NVME_INTX_VECTOR);
}

int nvme_use_irq(struct nvme *n, unsigned int intid, bool msix)
{
	if (!n || !n->regs || !intid)
		return TG_EINVAL;
	if (intid == n->irq) {
		n->irq_msix = msix;	/* already ours */
		return TG_OK;
	}
	if (!msix)
		nvme_wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	int err = irq_request(intid, msix || n->pci->intx_edge ? IRQ_TRIGGER_EDGE :
				     IRQ_TRIGGER_LEVEL, nvme_irq, n);
	if (err)
		return err;
	if (n->irq)
		irq_release(n->irq);
	n->irq = intid;
	n->irq_msix = msix;
	return TG_OK;
}

void nvme_setup_intx(struct nvme *n)
{
	uint16_t cmd;

	nvme_wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	if (!n->pci->intx_intid)
		return;
	if (pci_cfg_read16(n->pci, PCI_COMMAND, &cmd) == TG_OK && (cmd & PCI_COMMAND_INTX_DISABLE))
		pci_cfg_write16(n->pci, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE);
	int err = nvme_use_irq(n, n->pci->intx_intid, false);
	if (err)
		pr_info("nvme %s: INTx (INTID %u) unavailable (%s): polling completions\n", n->name,
			n->pci->intx_intid, tg_strerror(err));
}

/*
 * Message-signalled first: MSI-X vector 0 (then MSI) written through the
 * SMMU to the doorbell the DMA layer mapped for this device; INTx when the
 * interrupt controller has no MSI frame or the vectors are used up.
 */
void nvme_setup_irq(struct nvme *n)
{
	unsigned int intid;
	enum pci_irq_type type;

	int got = pci_alloc_irq_vectors(n->pci, 1, 1, PCI_IRQ_ALLOW_MSIX | PCI_IRQ_ALLOW_MSI,
					&intid, &type);
	if (got == 1) {
		int err = nvme_use_irq(n, intid, true);
		if (!err) {
			n->irq_vectors = true;
			pr_info("nvme %s: %s vector 0 -> INTID %u (%s)\n", n->name,
				type == PCI_IRQ_MSIX ? "MSI-X" : "MSI", intid, msi_controller_name());
			return;
		}
		pci_free_irq_vectors(n->pci);
	}
	nvme_setup_intx(n);
}

void nvme_release_irq(struct nvme *n)
{
	if (n->irq)
		irq_release(n->irq);
	n->irq = 0;
	if (n->irq_vectors)
		pci_free_irq_vectors(n->pci);
	n->irq_vectors = false;
	n->irq_msix = false;
}
