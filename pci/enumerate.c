/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Depth-first enumeration (PCI-to-PCI Bridge 1.2 chapter 3 for bus
 * numbering).  Each bridge gets the next free bus number as its secondary
 * bus and, once its subtree is scanned, the last number used below it as
 * its subordinate bus.  An empty slot costs one config read; functions 1-7
 * are probed only when function 0 says it is multi-function.
 *
 * Expander root buses (QEMU pxb-pcie) hang off the same ECAM with a fixed
 * bus number and no bridge above them; they are found before any bridge
 * is numbered, when every bus but the root bus must be silent.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_internal.h"

#define PCI_CLASS_BRIDGE_HOST	0x0600

static bool id_present(uint32_t id)
{
	uint16_t vendor = (uint16_t)id;

	/* All-ones: nothing answered; 0 / 0xffff vendor: not a valid device. */
	return vendor != 0xffff && vendor != 0x0000;
}

static void log_dev(struct pci_dev *dev)
{
	pci_info(dev, "[%04x:%04x] type %02x class 0x%06x%s\n", dev->vendor, dev->device,
		 dev->hdr_type, (unsigned)dev->class, dev->pcie_type >= 0 ? "" : " conventional PCI");
}

static int scan_bus(struct pci_host *host, uint8_t bus, struct pci_dev *parent,
		    uint8_t bus_limit, unsigned int depth);

static int scan_bridge(struct pci_host *host, struct pci_dev *bridge, uint8_t bus_limit,
		       unsigned int depth)
{
	if (host->last_bus >= bus_limit) {
		pci_err(bridge, "no bus number left (bus-range %02x-%02x): bridge and its subtree left disabled\n",
			host->bus_start, bus_limit);
		bridge->disabled = true;
		pci_dev_cfg_write(bridge, PCI_PRIMARY_BUS, 4, 0);
		return 0;
	}
	uint8_t secondary = ++host->last_bus;

	bridge->secondary = secondary;
	/* Open the bridge to every bus above `secondary` while scanning below. */
	uint32_t buses = (uint32_t)secondary << 8 | bridge->bus;
	pci_dev_cfg_write(bridge, PCI_PRIMARY_BUS, 4, (uint32_t)bus_limit << 16 | buses);
	int found = scan_bus(host, secondary, bridge, bus_limit, depth + 1);
	bridge->subordinate = host->last_bus;
	pci_dev_cfg_write(bridge, PCI_PRIMARY_BUS, 4, (uint32_t)bridge->subordinate << 16 | buses);
	pci_info(bridge, "PCI bridge to [bus %02x-%02x]\n", secondary, bridge->subordinate);
	return found;
}

static struct pci_dev *probe_function(struct pci_host *host, uint8_t bus, uint8_t devfn,
				      uint32_t id, struct pci_dev *parent)
{
	struct pci_dev *dev = pci_dev_alloc(host, bus, devfn);
	if (!dev) {
		pr_err("pci %04x:%02x:%02x.%u: more than %u functions, ignored\n", host->segment,
		       bus, PCI_SLOT(devfn), PCI_FUNC(devfn), PCI_MAX_DEVICES);
		return NULL;
	}
	dev->parent = parent;
	dev->vendor = (uint16_t)id;
	dev->device = (uint16_t)(id >> 16);
	uint32_t classrev = pci_dev_cfg_read(dev, PCI_REVISION_ID, 4);
	uint32_t hdr = pci_dev_cfg_read(dev, PCI_CACHE_LINE_SIZE, 4);
	dev->revision = (uint8_t)classrev;
	dev->class = classrev >> 8;
	dev->hdr_type = (uint8_t)(hdr >> 16) & PCI_HEADER_TYPE_MASK;
	dev->multifunction = ((hdr >> 16) & PCI_HEADER_MULTIFUNC) != 0;

	/* Decode and mastering off until resources are assigned. */
	pci_dev_cfg_write(dev, PCI_COMMAND, 2, 0);

	if (dev->hdr_type > PCI_HEADER_TYPE_BRIDGE) {
		/* CardBus or garbage: listed, never touched further. */
		log_dev(dev);
		pci_warn(dev, "header type %02x not supported, device left disabled\n",
			 dev->hdr_type);
		dev->disabled = true;
		return dev;
	}
	pci_read_caps(dev);
	log_dev(dev);
	pci_size_bars(dev);
	dev->intx_pin = (uint8_t)(pci_dev_cfg_read(dev, PCI_INTERRUPT_LINE, 4) >> 8);
	if (dev->intx_pin > 4)
		dev->intx_pin = 0;
	if (dev->hdr_type == PCI_HEADER_TYPE_BRIDGE) {
		/*
		 * Forget bus numbers firmware may have left: until this bridge's
		 * turn comes, it must not claim a bus a sibling is being given.
		 */
		pci_dev_cfg_write(dev, PCI_PRIMARY_BUS, 4, 0);
		pci_probe_bridge_windows(dev);
	}
	pci_enable_acs(dev);
	return dev;
}

static int scan_slot(struct pci_host *host, uint8_t bus, unsigned int slot, struct pci_dev *parent)
{
	int found = 0;

	for (unsigned int fn = 0; fn < 8; fn++) {
		uint8_t devfn = PCI_DEVFN(slot, fn);
		uint32_t id;

		pci_host_read(host, bus, devfn, PCI_VENDOR_ID, 4, &id);
		if (!id_present(id)) {
			if (fn == 0)
				return 0;	/* empty slot: one read */
			continue;
		}
		struct pci_dev *dev = probe_function(host, bus, devfn, id, parent);
		if (!dev)
			return found;
		found++;
		if (fn == 0 && !dev->multifunction)
			break;
	}
	return found;
}

/* Probes every function of one bus; the bridges are scanned afterwards. */
static int probe_bus(struct pci_host *host, uint8_t bus, struct pci_dev *parent)
{
	int found = 0;

	for (unsigned int slot = 0; slot < 32; slot++)
		found += scan_slot(host, bus, slot, parent);
	return found;
}

/* Numbers and scans the bridges among devices [first, last) of the pool. */
static int scan_bridges(struct pci_host *host, unsigned int first, unsigned int last,
			uint8_t bus_limit, unsigned int depth)
{
	int found = 0;

	for (unsigned int i = first; i < last; i++) {
		struct pci_dev *dev = pci_dev_get(i);
		if (dev->hdr_type != PCI_HEADER_TYPE_BRIDGE || dev->disabled)
			continue;
		if (depth >= 32) {
			pr_err("pci: bridges nested deeper than 32 levels, stopping\n");
			dev->disabled = true;
			continue;
		}
		found += scan_bridge(host, dev, bus_limit, depth);
	}
	return found;
}

static int scan_bus(struct pci_host *host, uint8_t bus, struct pci_dev *parent,
		    uint8_t bus_limit, unsigned int depth)
{
	unsigned int first = pci_dev_count();
	int found = probe_bus(host, bus, parent);

	return found + scan_bridges(host, first, pci_dev_count(), bus_limit, depth);
}

/* Root buses other than bus_start that answer before any bridge is numbered. */
static unsigned int find_expander_buses(struct pci_host *host, uint8_t *roots, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int bus = host->bus_start + 1u; bus <= host->bus_end && n < max; bus++) {
		for (unsigned int slot = 0; slot < 32; slot++) {
			uint32_t id;
			pci_host_read(host, (uint8_t)bus, PCI_DEVFN(slot, 0), PCI_VENDOR_ID, 4, &id);
			if (id_present(id)) {
				roots[n++] = (uint8_t)bus;
				break;
			}
		}
	}
	return n;
}

/* An expander is a host-bridge-class function on the root bus past 00.0. */
static bool has_expander(unsigned int first, unsigned int last)
{
	for (unsigned int i = first; i < last; i++) {
		const struct pci_dev *d = pci_dev_get(i);
		if (d->devfn != 0 && (d->class >> 8) == PCI_CLASS_BRIDGE_HOST)
			return true;
	}
	return false;
}

int pci_enumerate(struct pci_host *host)
{
	uint8_t roots[16];
	unsigned int nroots = 0;
	unsigned long reads0, writes0;
	unsigned int first = pci_dev_count();

	if (!host || !host->ops)
		return TG_EINVAL;
	reads0 = host->cfg_reads;
	writes0 = host->cfg_writes;
	for (unsigned int i = 0; i < host->nwin; i++)
		host->win[i].next = host->win[i].bus_addr;

	/*
	 * Root bus first without descending, so expander buses can be found
	 * while every bridge below is still unnumbered (and so silent).
	 */
	int found = probe_bus(host, host->bus_start, NULL);
	unsigned int root_last = pci_dev_count();
	if (has_expander(first, root_last))
		nroots = find_expander_buses(host, roots, 16);

	host->last_bus = host->bus_start;
	uint8_t limit = nroots ? (uint8_t)(roots[0] - 1) : host->bus_end;
	found += scan_bridges(host, first, root_last, limit, 0);
	for (unsigned int i = 0; i < nroots; i++) {
		if (host->last_bus >= roots[i]) {
			pr_err("pci %04x:%02x: expander bus collides with buses %02x-%02x already used\n",
			       host->segment, roots[i], host->bus_start, host->last_bus);
			continue;
		}
		pr_info("pci %04x:%02x: expander root bus\n", host->segment, roots[i]);
		host->last_bus = roots[i];
		limit = i + 1 < nroots ? (uint8_t)(roots[i + 1] - 1) : host->bus_end;
		found += scan_bus(host, roots[i], NULL, limit, 0);
	}

	pci_assign_resources(host);
	for (unsigned int i = first; i < pci_dev_count(); i++)
		pci_map_ids(pci_dev_get(i));

	pr_info("pci-host-generic %s: %d functions, %lu config reads, %lu writes\n", host->name, found,
		host->cfg_reads - reads0, host->cfg_writes - writes0);
	return found;
}
