/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capability lists (PCI 3.0 6.7, PCIe 5.0 7.6) walked defensively: a
 * pointer below the header, past the space or seen before ends the walk,
 * so a looping list costs at most one read per possible slot.  The two low
 * bits of a standard pointer are reserved and masked off, as PCI 3.0 6.7
 * tells software to; an extended pointer with them set ends the walk.
 * ACS (PCIe 5.0 7.7.8) isolation is enabled here when the host asks.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_internal.h"

#define EXT_CAP_SLOTS	((PCI_CFG_SPACE_EXP_SIZE - PCI_EXT_CAP_START) / 4)

/* One walk of the standard (0x40-0xff) or extended (0x100-0xfff) list. */
struct cap_walk {
	bool ext;
	uint16_t ptr;
	uint32_t seen[(EXT_CAP_SLOTS + 31) / 32];
};

/* Offset of the next capability (its id in *id), 0 at the end of the list. */
static uint16_t cap_next(struct pci_dev *dev, struct cap_walk *w, uint16_t *id)
{
	uint16_t ptr = w->ptr, first = w->ext ? PCI_EXT_CAP_START : 0x40;

	if (ptr < first || (ptr & 3))
		return 0;
	unsigned int slot = (ptr - first) / 4u;
	if (w->seen[slot / 32] & (1u << (slot % 32))) {
		if (!w->ext)
			pci_warn(dev, "capability list loops at 0x%02x, walk stopped\n", ptr);
		return 0;
	}
	w->seen[slot / 32] |= 1u << (slot % 32);
	if (w->ext) {
		uint32_t hdr;
		if (pci_cfg_read32(dev, ptr, &hdr) || hdr == 0 || hdr == 0xffffffffu)
			return 0;
		*id = (uint16_t)PCI_EXT_CAP_ID(hdr);
		w->ptr = (uint16_t)PCI_EXT_CAP_NEXT(hdr);
	} else {
		/* id in the low byte, next in the high one */
		uint16_t hdr = (uint16_t)pci_dev_cfg_read(dev, ptr, 2);
		if (hdr == 0xffff)
			return 0;
		*id = (uint8_t)hdr;
		w->ptr = (uint8_t)(hdr >> 8) & 0xfc;
	}
	return ptr;
}

/* Starts a walk; the extended list of a conventional function is empty (it may alias). */
static PCI_OUTLINE void cap_start(struct pci_dev *dev, struct cap_walk *w, bool ext)
{
	*w = (struct cap_walk){ .ext = ext };
	if (ext) {
		if (dev->cap_pcie)
			w->ptr = PCI_EXT_CAP_START;
		return;
	}
	uint32_t cmdsts = pci_dev_cfg_read(dev, PCI_COMMAND, 4);
	if (cmdsts == 0xffffffffu || !((cmdsts >> 16) & PCI_STATUS_CAP_LIST))
		return;
	w->ptr = pci_dev_cfg_read(dev, PCI_CAPABILITY_LIST, 1) & 0xfc;
}

static uint16_t find_cap(struct pci_dev *dev, uint16_t id, bool ext)
{
	struct cap_walk w;
	uint16_t cid, at;

	if (!dev)
		return 0;
	cap_start(dev, &w, ext);
	while ((at = cap_next(dev, &w, &cid)))
		if (cid == id)
			return at;
	return 0;
}

uint8_t pci_find_cap(struct pci_dev *dev, uint8_t id)
{
	return (uint8_t)find_cap(dev, id, false);
}

uint16_t pci_find_ext_cap(struct pci_dev *dev, uint16_t id)
{
	return find_cap(dev, id, true);
}

void pci_read_caps(struct pci_dev *dev)
{
	struct cap_walk w;
	uint16_t id, at;

	cap_start(dev, &w, false);
	while ((at = cap_next(dev, &w, &id))) {
		switch (id) {
		case PCI_CAP_ID_PM: dev->cap_pm = (uint8_t)at; break;
		case PCI_CAP_ID_MSI: dev->cap_msi = (uint8_t)at; break;
		case PCI_CAP_ID_MSIX: dev->cap_msix = (uint8_t)at; break;
		case PCI_CAP_ID_EXP: dev->cap_pcie = (uint8_t)at; break;
		default: break;
		}
	}
	if (dev->cap_pcie) {
		dev->pcie_type = (int8_t)PCI_EXP_FLAGS_TYPE(
			pci_dev_cfg_read(dev, (uint16_t)(dev->cap_pcie + PCI_EXP_FLAGS), 2));
		uint16_t acs = pci_find_ext_cap(dev, PCI_EXT_CAP_ID_ACS);
		uint32_t v;
		/* The ACS registers must fit in config space too (a header at 0xffc does not). */
		if (acs && acs + 8u <= PCI_CFG_SPACE_EXP_SIZE &&
		    !pci_cfg_read32(dev, (uint16_t)(acs + PCI_ACS_CAP), &v)) {
			dev->ecap_acs = acs;
			dev->acs_cap = (uint16_t)v;
			dev->acs_ctrl = (uint16_t)(v >> 16);
		}
	}
}

void pci_enable_acs(struct pci_dev *dev)
{
	if (!dev->ecap_acs || !dev->host->acs_isolation)
		return;
	/* Isolation: validate sources, send peer traffic up to the IOMMU. */
	uint16_t want = dev->acs_cap & (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF);
	uint16_t ctrl = dev->acs_ctrl | want;

	if (ctrl == dev->acs_ctrl)
		return;
	pci_cfg_write16(dev, (uint16_t)(dev->ecap_acs + PCI_ACS_CTRL), ctrl);
	dev->acs_ctrl = ctrl;
}

static bool redirects(const struct pci_dev *port)
{
	return port->ecap_acs && (port->acs_ctrl & (PCI_ACS_RR | PCI_ACS_CR));
}

static unsigned depth_of(const struct pci_dev *d)
{
	unsigned n = 0;

	for (; d && n < 64; d = d->parent)
		n++;
	return n;
}

struct pci_dev *pci_common_upstream(const struct pci_dev *a, const struct pci_dev *b)
{
	if (!a || !b || a->host != b->host)
		return NULL;
	const struct pci_dev *pa = a->parent, *pb = b->parent;
	unsigned da = depth_of(pa), db = depth_of(pb);

	for (; da > db; da--)
		pa = pa->parent;
	for (; db > da; db--)
		pb = pb->parent;
	while (pa != pb) {
		pa = pa->parent;
		pb = pb->parent;
	}
	return (struct pci_dev *)pa;
}

bool pci_p2p_path_redirects(const struct pci_dev *a, const struct pci_dev *b)
{
	if (!a || !b || a->host != b->host)
		return true;
	if (a == b)
		return false;
	const struct pci_dev *top = pci_common_upstream(a, b);

	/* Without a common bridge the transfer is routed by the root complex. */
	if (!top)
		return true;
	/* Every downstream port on either side below `top` may redirect. */
	for (const struct pci_dev *d = a->parent; d && d != top; d = d->parent)
		if (redirects(d))
			return true;
	for (const struct pci_dev *d = b->parent; d && d != top; d = d->parent)
		if (redirects(d))
			return true;
	return false;
}
