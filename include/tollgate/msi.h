/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Message-signalled interrupts, both halves:
 *  - the interrupt controller side (drivers/irq): msi_alloc() hands out
 *    INTIDs a device may signal by writing a message, on a GICv2m frame
 *    (SPIs, edge) or a GICv3 ITS (LPIs, translated per DeviceID/EventID);
 *  - the PCI side (pci/msi.c): the MSI and MSI-X capabilities that make a
 *    function write those messages.
 * On QEMU virt (and on real SMMUs) the message write is a DMA and goes
 * through the IOMMU: the DMA layer maps the doorbell page 1:1 into every
 * translated device's IOVA space (dma/dma_dev.c).
 *
 * The INTIDs returned are then requested like any other interrupt, always
 * edge: irq_request(intid, IRQ_TRIGGER_EDGE, handler, ctx).
 */
#ifndef TOLLGATE_MSI_H
#define TOLLGATE_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct pci_dev;

#include <tollgate/pci_msi.h>

/* Vectors one call may allocate (MSI allows 32, MSI-X 2048; we cap both). */
#define MSI_MAX_VECTORS		32U

/*
 * Allocates `nvec` (1..MSI_MAX_VECTORS) interrupts for `dev`: intids[i] is
 * signalled by writing msgs[i].  GICv2m: SPIs from the frame's range,
 * address = frame + MSI_SETSPI_NS, data = the SPI's INTID.  ITS: LPIs,
 * address = GITS_TRANSLATER, data = the EventID, mapped for the device's
 * MSI DeviceID (pci_dev.msi_id).  All or nothing.
 * Errors: TG_EINVAL (NULL, nvec 0 or too big), TG_ENOENT (no MSI
 * controller), TG_ENOTSUP (ITS and no DeviceID for the device), TG_ENOSPC
 * (out of SPIs/LPIs/events), TG_ENOMEM, TG_ETIMEDOUT/TG_EIO (ITS command
 * queue did not complete).
 */
int msi_alloc(struct pci_dev *dev, unsigned int nvec, unsigned int *intids,
	      struct msi_msg *msgs);
/* Frees what msi_alloc returned (handlers must be released first);
 * TG_EINVAL if an INTID was not allocated to `dev`, nothing freed then. */
int msi_free(struct pci_dev *dev, unsigned int nvec, const unsigned int *intids);
/* "GICv2m" / "ITS" / NULL; and how many vectors are still free. */
const char *msi_controller_name(void);
unsigned int msi_free_count(void);

/* --- one call for drivers ------------------------------------------------- */

enum pci_irq_type { PCI_IRQ_NONE, PCI_IRQ_INTX, PCI_IRQ_MSI, PCI_IRQ_MSIX };

#define PCI_IRQ_ALLOW_INTX	(1U << 0)
#define PCI_IRQ_ALLOW_MSI	(1U << 1)
#define PCI_IRQ_ALLOW_MSIX	(1U << 2)
#define PCI_IRQ_ALLOW_ALL	(PCI_IRQ_ALLOW_INTX | PCI_IRQ_ALLOW_MSI | PCI_IRQ_ALLOW_MSIX)

/*
 * Gives `dev` between min_vec and max_vec interrupts, trying MSI-X, then
 * MSI (one vector), then INTx (one vector), as `allow` permits; fills
 * intids[0..n-1] and *type, returns n.  MSI/MSI-X vectors come programmed
 * and unmasked; the caller requests them with IRQ_TRIGGER_EDGE (INTx:
 * level unless the DT said edge, see pci_dev.intx_edge).
 * TG_EINVAL for bad arguments, TG_ENOSPC when no kind gives min_vec.
 */
int pci_alloc_irq_vectors(struct pci_dev *dev, unsigned int min_vec, unsigned int max_vec,
			  unsigned int allow, unsigned int *intids, enum pci_irq_type *type);
/* Undoes pci_alloc_irq_vectors (after the handlers are released). */
int pci_free_irq_vectors(struct pci_dev *dev);

#endif
