/* SPDX-License-Identifier: BSD-3-Clause */
/* The device model: a static pool of functions and lookups over it. */
#include <stdarg.h>

#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_internal.h"

static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned int ndevices;

struct pci_dev *pci_dev_alloc(struct pci_host *host, uint8_t bus, uint8_t devfn)
{
	if (ndevices >= PCI_MAX_DEVICES)
		return NULL;
	struct pci_dev *dev = &devices[ndevices++];

	*dev = (struct pci_dev){
		.host = host,
		.bus = bus,
		.devfn = devfn,
		.pcie_type = -1,
		.iommu_node = -1,
		.msi_node = -1,
		.rid = PCI_RID(bus, devfn),
	};
	return dev;
}

void pci_dev_release_last(void)
{
	if (ndevices)
		ndevices--;
}

void pci_devices_forget(void)
{
	ndevices = 0;
}

unsigned int pci_dev_count(void)
{
	return ndevices;
}

struct pci_dev *pci_dev_get(unsigned int idx)
{
	return idx < ndevices ? &devices[idx] : NULL;
}

struct pci_dev *pci_find_bdf(uint16_t segment, uint8_t bus, uint8_t devfn)
{
	for (unsigned int i = 0; i < ndevices; i++) {
		struct pci_dev *d = &devices[i];
		if (d->host->segment == segment && d->bus == bus && d->devfn == devfn)
			return d;
	}
	return NULL;
}

struct pci_dev *pci_find_id(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
	struct pci_dev *end = devices + ndevices, *d = devices;

	if (from) {
		if (from < devices || from >= end)
			return NULL;
		d = from + 1;
	}
	for (; d < end; d++)
		if ((vendor == 0xffff || d->vendor == vendor) &&
		    (device == 0xffff || d->device == device))
			return d;
	return NULL;
}

bool pci_is_bridge(const struct pci_dev *dev)
{
	return dev && dev->hdr_type == PCI_HEADER_TYPE_BRIDGE;
}

void pci_dev_name(const struct pci_dev *dev, char *buf, size_t len)
{
	if (!dev) {
		tg_snprintf(buf, len, "pci ?");
		return;
	}
	tg_snprintf(buf, len, "%04x:%02x:%02x.%u", dev->host->segment, dev->bus,
		    PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
}

#if !defined(TG_LOG_DISABLE)	/* with LOG=0 the pci_err() family compiles to nothing */
void pci_dev_log(enum tg_log_level level, const struct pci_dev *dev, const char *fmt, ...)
{
	char name[PCI_NAME_LEN], msg[200];
	va_list ap;

	pci_dev_name(dev, name, sizeof(name));
	va_start(ap, fmt);
	tg_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tg_log(level, "pci %s: %s", name, msg);
}
#endif
