/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the files of pci/: not a public interface. */
#ifndef TOLLGATE_PCI_INTERNAL_H
#define TOLLGATE_PCI_INTERNAL_H

#include <tollgate/pci.h>

/* Raw config access through the host's ops, counted for the cost report.
 * Reads of a function that does not answer give all-ones. */
int pci_host_read(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		  unsigned int size, uint32_t *val);
int pci_host_write(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		   unsigned int size, uint32_t val);

/* Device pool (device.c). */
struct pci_dev *pci_dev_alloc(struct pci_host *host, uint8_t bus, uint8_t devfn);
void pci_dev_release_last(void);

/* BAR sizing during the scan and the resource pass after it (resource.c). */
void pci_size_bars(struct pci_dev *dev);
void pci_probe_bridge_windows(struct pci_dev *bridge);
int pci_assign_resources(struct pci_host *host);

/* Capabilities (capability.c). */
void pci_read_caps(struct pci_dev *dev);
void pci_enable_acs(struct pci_dev *dev);

/* RID -> StreamID / MSI DeviceID / INTx (idmap.c). */
void pci_map_ids(struct pci_dev *dev);

/* Logging prefix "pci 0000:00:02.0" */
#define PCI_NAME_LEN 16

#endif
