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

/* What the device writes: a 32-bit `data` to bus address `address`. */
struct msi_msg {
	uint64_t address;
	uint32_t data;
};

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

/* --- PCI MSI capability (PCI 3.0 6.8.1) ----------------------------------- */

/*
 * Programs one message (32- or 64-bit address capability, Multiple Message
 * Enable = 1 vector), unmasks vector 0 when per-vector masking exists,
 * enables MSI and disables INTx.  TG_ENOENT: no MSI capability; TG_ERANGE:
 * a 32-bit-only capability and an address above 4 GiB; TG_EBUSY: MSI-X is
 * on; TG_EIO: config space reads all-ones (device gone).
 */
int pci_msi_enable(struct pci_dev *dev, const struct msi_msg *msg);
/* Clears MSI Enable, re-enables INTx. */
int pci_msi_disable(struct pci_dev *dev);
/* Per-vector mask bit of vector 0; TG_ENOTSUP if the function has none. */
int pci_msi_mask(struct pci_dev *dev, bool masked);

/* --- PCI MSI-X capability (PCI 3.0 6.8.2) ------------------------------- */

/* Table size of the capability (1..2048), or a TG_E* code. */
int pci_msix_table_size(struct pci_dev *dev);
/*
 * Maps the table and PBA (BIR/offset in an assigned memory BAR), masks
 * every entry, then sets MSI-X Enable (Function Mask off) and disables
 * INTx.  nvec: entries the driver will use (<= table size).  TG_ENOENT:
 * no capability; TG_ERANGE: nvec too big or table outside its BAR;
 * TG_EBUSY: MSI is on; TG_EIO: all-ones.
 */
int pci_msix_enable(struct pci_dev *dev, unsigned int nvec);
/* Writes entry `idx` (masked while it changes), then leaves it masked or not. */
int pci_msix_set_vector(struct pci_dev *dev, unsigned int idx, const struct msi_msg *msg,
			bool masked);
/* Reads entry `idx` back (tests, the shell). */
int pci_msix_get_vector(struct pci_dev *dev, unsigned int idx, struct msi_msg *msg,
			bool *masked);
/* The Pending Bit Array bit of entry `idx`: 1, 0 or a TG_E* code. */
int pci_msix_pending(struct pci_dev *dev, unsigned int idx);
/* Masks every used entry, clears MSI-X Enable, re-enables INTx. */
int pci_msix_disable(struct pci_dev *dev);

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
