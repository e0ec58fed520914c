/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What several shell commands share: naming a PCI function by its BDF
 * ("00:02.0" or "0000:00:02.0") and the DMA set-ups the shell keeps per
 * device, so `iommu map` today and `iommu walk` later see the same domain.
 */
#ifndef TOLLGATE_SHELL_DEV_H
#define TOLLGATE_SHELL_DEV_H

#include <stdbool.h>
#include <stdint.h>

struct pci_dev;
struct smmu;
struct smmu_domain;
struct dma_dev;

/* The function named by `s`, or NULL after printing why. */
struct pci_dev *shell_parse_bdf(const char *cmd, const char *s);
/* Parses a number (0x... hex or decimal) into *v; false if it is not one. */
bool shell_parse_u64(const char *s, uint64_t *v);

/* The SMMU translating the device, or NULL. */
struct smmu *shell_dev_smmu(const struct pci_dev *pci);
/* The device's domain; with `create`, a device without one is set up
 * through dma_dev_init and held by the shell.  NULL after printing why. */
struct smmu_domain *shell_dev_domain(const char *cmd, struct pci_dev *pci, bool create);
/* The shell's DMA set-up of the device, or NULL if it holds none. */
struct dma_dev *shell_dev_held(struct pci_dev *pci);
/* Releases the shell's DMA set-up of the device; false if it held none. */
bool shell_dev_release(struct pci_dev *pci);
/* The DMA mask the shell uses for a device (edu: 28 bits, else 32). */
uint64_t shell_dev_mask(const struct pci_dev *pci);
/* "0000:03:00.0" for the PCI function behind a StreamID, or "" */
const char *shell_sid_name(const struct smmu *smmu, uint32_t sid, char *buf, unsigned int len);

#endif
