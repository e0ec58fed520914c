/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core's half of MSIs (pci/msi.c): the message a function writes and
 * the MSI / MSI-X capabilities that make it write them.  The interrupt
 * controller's half, which hands out the messages, is msi.h.
 */
#ifndef TOLLGATE_PCI_MSI_H
#define TOLLGATE_PCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct pci_dev;

/* What the device writes: a 32-bit `data` to bus address `address`. */
struct msi_msg {
	uint64_t address;
	uint32_t data;
};

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

#endif
