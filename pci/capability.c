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

#define STD_CAP_SLOTS	((PCI_CFG_SPACE_SIZE - 0x40) / 4)
#define EXT_CAP_SLOTS	((PCI_CFG_SPACE_EXP_SIZE - PCI_EXT_CAP_START) / 4)

struct std_cap_walk {
	uint8_t ptr;
	uint32_t seen[(STD_CAP_SLOTS + 31) / 32];
};

/* Next capability header (id in the low byte, next in the high), 0 at the end. */
static uint8_t std_cap_next(struct pci_dev *dev, struct std_cap_walk *w, uint8_t *id)
{
	uint8_t ptr = w->ptr;

	if (ptr < 0x40 || (ptr & 3))
		return 0;
	unsigned slot = (ptr - 0x40u) / 4;
	if (w->seen[slot / 32] & (1u << (slot % 32))) {
		char name[PCI_NAME_LEN];
		pci_dev_name(dev, name, sizeof(name));
		pr_warn("pci %s: capability list loops at 0x%02x, walk stopped\n", name, ptr);
		return 0;
	}
	w->seen[slot / 32] |= 1u << (slot % 32);
	uint16_t hdr;
	pci_cfg_read16(dev, ptr, &hdr);
	if (hdr == 0xffff)
		return 0;
	*id = (uint8_t)hdr;
	w->ptr = (uint8_t)(hdr >> 8) & 0xfc;
	return ptr;
}

static uint8_t std_cap_start(struct pci_dev *dev)
{
	uint32_t cmdsts;
	uint8_t ptr;

	pci_cfg_read32(dev, PCI_COMMAND, &cmdsts);
	if (cmdsts == 0xffffffffu || !((cmdsts >> 16) & PCI_STATUS_CAP_LIST))
		return 0;
	pci_cfg_read8(dev, PCI_CAPABILITY_LIST, &ptr);
	return ptr & 0xfc;
}

uint8_t pci_find_cap(struct pci_dev *dev, uint8_t id)
{
	if (!dev)
		return 0;
	struct std_cap_walk w = { .ptr = std_cap_start(dev) };
	uint8_t cid, at;

	while ((at = std_cap_next(dev, &w, &cid)))
		if (cid == id)
			return at;
	return 0;
}

uint16_t pci_find_ext_cap(struct pci_dev *dev, uint16_t id)
{
	uint32_t seen[(EXT_CAP_SLOTS + 31) / 32] = { 0 };
	uint16_t ptr = PCI_EXT_CAP_START;

	/* Conventional functions have no extended space (it may alias). */
	if (!dev || !dev->cap_pcie)
		return 0;
	while (ptr >= PCI_EXT_CAP_START && !(ptr & 3)) {
		unsigned slot = (ptr - PCI_EXT_CAP_START) / 4u;
		if (seen[slot / 32] & (1u << (slot % 32)))
			return 0;
		seen[slot / 32] |= 1u << (slot % 32);
		uint32_t hdr;
		if (pci_cfg_read32(dev, ptr, &hdr) || hdr == 0 || hdr == 0xffffffffu)
			return 0;
		if (PCI_EXT_CAP_ID(hdr) == id)
			return ptr;
		ptr = (uint16_t)PCI_EXT_CAP_NEXT(hdr);
	}
	return 0;
}

void pci_read_caps(struct pci_dev *dev)
{
	struct std_cap_walk w = { .ptr = std_cap_start(dev) };
	uint8_t id, at;

	while ((at = std_cap_next(dev, &w, &id))) {
		switch (id) {
		case PCI_CAP_ID_PM: dev->cap_pm = at; break;
		case PCI_CAP_ID_MSI: dev->cap_msi = at; break;
		case PCI_CAP_ID_MSIX: dev->cap_msix = at; break;
		case PCI_CAP_ID_EXP: dev->cap_pcie = at; break;
		default: break;
		}
	}
	if (dev->cap_pcie) {
		uint16_t flags;
		pci_cfg_read16(dev, (uint16_t)(dev->cap_pcie + PCI_EXP_FLAGS), &flags);
		dev->pcie_type = (int8_t)PCI_EXP_FLAGS_TYPE(flags);
		dev->ecap_acs = pci_find_ext_cap(dev, PCI_EXT_CAP_ID_ACS);
		/* The ACS registers must fit in config space too (a header at 0xffc does not). */
		uint32_t v;
		if (dev->ecap_acs && (dev->ecap_acs + 8u > PCI_CFG_SPACE_EXP_SIZE ||
				      pci_cfg_read32(dev, (uint16_t)(dev->ecap_acs + PCI_ACS_CAP), &v))) {
			dev->ecap_acs = 0;
		} else if (dev->ecap_acs) {
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
