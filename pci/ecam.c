/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ECAM config access (PCIe 5.0 7.2.2): function config space at
 * base + (bus << 20 | device << 15 | function << 12 | offset).
 */
#include <tollgate/error.h>
#include <tollgate/mmio.h>
#include <tollgate/pci.h>

#include "pci_internal.h"

static PCI_OUTLINE volatile uint8_t *ecam_addr(struct pci_host *host, uint8_t bus,
						uint8_t devfn, uint16_t off)
{
	uint64_t rel = ((uint64_t)(bus - host->bus_start) << 20) | ((uint64_t)devfn << 12) | off;

	if (!host->ecam || bus < host->bus_start || bus > host->bus_end ||
	    rel >= host->ecam_size)
		return NULL;
	return host->ecam + rel;
}

static int ecam_read(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		     unsigned int size, uint32_t *val)
{
	volatile uint8_t *p = ecam_addr(host, bus, devfn, off);

	if (!p) {
		*val = 0xffffffffu;
		return TG_ERANGE;
	}
	switch (size) {
	case 1: *val = mmio_read8(p); break;
	case 2: *val = mmio_read16(p); break;
	default: *val = mmio_read32(p); break;
	}
	return TG_OK;
}

static int ecam_write(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		      unsigned int size, uint32_t val)
{
	volatile uint8_t *p = ecam_addr(host, bus, devfn, off);

	if (!p)
		return TG_ERANGE;
	switch (size) {
	case 1: mmio_write8(p, (uint8_t)val); break;
	case 2: mmio_write16(p, (uint16_t)val); break;
	default: mmio_write32(p, val); break;
	}
	return TG_OK;
}

const struct pci_host_ops pci_ecam_ops = {
	.name = "ecam",
	.read = ecam_read,
	.write = ecam_write,
};
