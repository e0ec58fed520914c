/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requester ID -> StreamID (iommu-map), MSI DeviceID (msi-map) and INTx
 * (interrupt-map with the bridge swizzle), always through the DT maps with
 * their base and mask: never "SID = BDF".
 */
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_internal.h"

/*
 * The requester ID the function's DMA arrives with upstream.  A PCIe-to-PCI
 * bridge takes ownership of conventional transactions with its secondary
 * bus number and device 0 (PCIe-to-PCI Bridge spec 1.0 2.3); a conventional
 * PCI-to-PCI bridge forwards them as its own.
 */
static uint32_t dma_alias_rid(const struct pci_dev *dev)
{
	uint32_t rid = PCI_RID(dev->bus, dev->devfn);

	for (const struct pci_dev *d = dev; d->parent; d = d->parent) {
		const struct pci_dev *up = d->parent;
		if (d->pcie_type >= 0)
			continue;	/* PCIe link: the ID is kept */
		if (up->pcie_type == PCI_EXP_TYPE_PCI_BRIDGE)
			rid = PCI_RID(up->secondary, 0);
		else if (up->pcie_type < 0)
			rid = PCI_RID(up->bus, up->devfn);
	}
	return rid;
}

/* Only for a host described by the DT (pci_map_ids checked). */
static void map_intx(struct pci_dev *dev)
{
	const struct fdt *fdt = dev->host->fdt;
	const struct pci_dev *d = dev;
	uint32_t pin = dev->intx_pin;

	if (!pin)
		return;
	/* Swizzle across each bridge up to the root bus (PCI-to-PCI Bridge 1.2 9.1). */
	while (d->parent) {
		pin = ((pin - 1 + PCI_SLOT(d->devfn)) % 4) + 1;
		d = d->parent;
	}
	uint32_t unit[3] = { (uint32_t)d->bus << 16 | (uint32_t)d->devfn << 8, 0, 0 };
	struct fdt_irq irq;
	if (fdt_interrupt_map(fdt, dev->host->node, unit, &pin, &irq) != TG_OK || irq.ncells < 3)
		return;
	/* GIC specifier (arm,gic binding): SPI n is INTID 32+n, PPI n is 16+n. */
	if (irq.cells[0] > 1)
		return;
	dev->intx_intid = irq.cells[1] + (irq.cells[0] ? 16 : 32);
	/* Trigger type 1 or 2: rising or falling edge. */
	dev->intx_edge = (irq.cells[2] & 0xf) - 1u < 2u;
}

void pci_map_ids(struct pci_dev *dev)
{
	const struct fdt *fdt = dev->host->fdt;
	int target, err;
	uint32_t out;

	dev->rid = dma_alias_rid(dev);
	if (!fdt || dev->host->node < 0)
		return;
	err = fdt_map_id(fdt, dev->host->node, "iommu-map", dev->rid, &target, &out);
	if (err == TG_OK) {
		dev->has_sid = true;
		dev->sid = out;
		dev->iommu_node = target;
		pci_info(dev, "StreamID 0x%04x (RID 0x%04x) on %s\n", (unsigned)out,
			 (unsigned)dev->rid, fdt_node_name(fdt, target));
	} else if (err == TG_ERANGE) {
		pci_warn(dev, "RID 0x%04x not covered by iommu-map: DMA must stay off\n",
			 (unsigned)dev->rid);
	}
	if (fdt_map_id(fdt, dev->host->node, "msi-map", dev->rid, &target, &out) == TG_OK) {
		dev->has_msi_id = true;
		dev->msi_id = out;
		dev->msi_node = target;
	}
	map_intx(dev);
}
