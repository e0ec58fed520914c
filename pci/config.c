/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config-space accessors.  Every access is checked (size, alignment, the
 * 4 KiB function space) before it reaches the controller, and counted so
 * enumeration cost can be reported.
 */
#include <tollgate/error.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_internal.h"

static bool access_ok(uint16_t off, unsigned int size)
{
	return (size == 1 || size == 2 || size == 4) && !(off & (size - 1)) &&
	       off + size <= PCI_CFG_SPACE_EXP_SIZE;
}

/* Checks and counts one access, then hands it to the controller. */
static PCI_OUTLINE int host_access(struct pci_host *host, uint8_t bus, uint8_t devfn,
				   uint16_t off, unsigned int size, uint32_t *val, bool write)
{
	if (!host || !host->ops || !access_ok(off, size))
		return TG_EINVAL;
	if (write) {
		host->cfg_writes++;
		return host->ops->write(host, bus, devfn, off, size, *val);
	}
	host->cfg_reads++;
	int err = host->ops->read(host, bus, devfn, off, size, val);
	if (err)
		*val = 0xffffffffu;
	return err;
}

int pci_host_read(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		  unsigned int size, uint32_t *val)
{
	if (!val)
		return TG_EINVAL;
	*val = 0xffffffffu;	/* what hardware returns when nothing answers */
	return host_access(host, bus, devfn, off, size, val, false);
}

int pci_host_write(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		   unsigned int size, uint32_t val)
{
	return host_access(host, bus, devfn, off, size, &val, true);
}

static PCI_OUTLINE int dev_read(struct pci_dev *dev, uint16_t off, unsigned int size,
				uint32_t *val)
{
	if (!dev)
		return TG_EINVAL;
	return pci_host_read(dev->host, dev->bus, dev->devfn, off, size, val);
}

uint32_t pci_dev_cfg_read(struct pci_dev *dev, uint16_t off, unsigned int size)
{
	uint32_t v = 0xffffffffu;

	dev_read(dev, off, size, &v);
	return v;
}

int pci_dev_cfg_write(struct pci_dev *dev, uint16_t off, unsigned int size, uint32_t val)
{
	if (!dev)
		return TG_EINVAL;
	return pci_host_write(dev->host, dev->bus, dev->devfn, off, size, val);
}

/* 8- and 16-bit reads: *val gets all-ones whenever the read fails. */
static int read_narrow(struct pci_dev *dev, uint16_t off, unsigned int size, void *val)
{
	uint32_t v = 0xffffffffu;
	int err = val ? dev_read(dev, off, size, &v) : TG_EINVAL;

	if (val && size == 1)
		*(uint8_t *)val = (uint8_t)v;
	else if (val)
		*(uint16_t *)val = (uint16_t)v;
	return err;
}

int pci_cfg_read8(struct pci_dev *dev, uint16_t off, uint8_t *val)
{
	return read_narrow(dev, off, 1, val);
}

int pci_cfg_read16(struct pci_dev *dev, uint16_t off, uint16_t *val)
{
	return read_narrow(dev, off, 2, val);
}

int pci_cfg_read32(struct pci_dev *dev, uint16_t off, uint32_t *val)
{
	return dev_read(dev, off, 4, val);
}

int pci_cfg_write8(struct pci_dev *dev, uint16_t off, uint8_t val)
{
	return pci_dev_cfg_write(dev, off, 1, val);
}

int pci_cfg_write16(struct pci_dev *dev, uint16_t off, uint16_t val)
{
	return pci_dev_cfg_write(dev, off, 2, val);
}

int pci_cfg_write32(struct pci_dev *dev, uint16_t off, uint32_t val)
{
	return pci_dev_cfg_write(dev, off, 4, val);
}

int pci_set_master(struct pci_dev *dev, bool enable)
{
	if (!dev)
		return TG_EINVAL;
	if (dev->disabled)
		return TG_EBUSY;
	/*
	 * A bridge forwards its secondary side's memory requests upstream only
	 * with its own Bus Master Enable set (PCI-to-PCI Bridge 1.2 3.2.5.1),
	 * so enabling a device enables the whole path to the root.
	 */
	for (struct pci_dev *d = dev; d; d = enable ? d->parent : NULL) {
		uint16_t cmd;
		int err = pci_cfg_read16(d, PCI_COMMAND, &cmd);
		if (err)
			return err;
		uint16_t want = enable ? cmd | PCI_COMMAND_MASTER : cmd & ~PCI_COMMAND_MASTER;
		if (want != cmd) {
			err = pci_cfg_write16(d, PCI_COMMAND, want);
			if (err)
				return err;
		}
	}
	return TG_OK;
}
