/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host bridges from the device tree (Linux binding pci/host-generic-pci
 * and pci/pci.txt): `reg` = ECAM, `bus-range`, `ranges` (outbound
 * windows, phys.hi per IEEE 1275 PCI binding 2.2.1.1), `dma-ranges`
 * (inbound), `dma-coherent`, `linux,pci-domain`.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/pci.h>
#include <tollgate/platform.h>

#include "pci_internal.h"

/* phys.hi of a PCI address: ss = space code, p = prefetchable. */
#define PCI_PHYS_HI_SPACE(hi)	(((hi) >> 24) & 3)
#define PCI_PHYS_HI_PREFETCH	(1u << 30)
#define PCI_SPACE_CODE_CONFIG	0
#define PCI_SPACE_CODE_IO	1
#define PCI_SPACE_CODE_MEM32	2
#define PCI_SPACE_CODE_MEM64	3
_Static_assert(PCI_SPACE_CODE_MEM64 - PCI_SPACE_CODE_IO == PCI_SPACE_MEM64 &&
	       PCI_SPACE_CODE_MEM32 - PCI_SPACE_CODE_IO == PCI_SPACE_MEM32,
	       "enum pci_space follows the phys.hi space codes");

static struct pci_host *hosts[PCI_MAX_HOSTS];
static struct pci_host host_pool[PCI_MAX_HOSTS];
static unsigned int nhosts;

void pci_reset_all(void)
{
	nhosts = 0;
	pci_devices_forget();
}

int pci_host_register(struct pci_host *host)
{
	if (!host || !host->ops || !host->ops->read || !host->ops->write ||
	    host->bus_start > host->bus_end || host->nwin > PCI_MAX_WINDOWS ||
	    host->ndma > PCI_MAX_DMA_RANGES)
		return TG_EINVAL;
	if (nhosts >= PCI_MAX_HOSTS)
		return TG_ENOMEM;
	for (unsigned int i = 0; i < nhosts; i++)
		if (hosts[i] == host || hosts[i]->segment == host->segment)
			return TG_EBUSY;
	hosts[nhosts++] = host;
	return TG_OK;
}

unsigned int pci_host_count(void)
{
	return nhosts;
}

struct pci_host *pci_host_get(unsigned int idx)
{
	return idx < nhosts ? hosts[idx] : NULL;
}

/* The window holding `addr` on the bus (to_cpu) or CPU side, and the address on the other. */
static int translate(const struct pci_host *host, uint64_t addr, uint64_t *out, bool to_cpu)
{
	if (!host || !out)
		return TG_EINVAL;
	for (unsigned int i = 0; i < host->nwin; i++) {
		const struct pci_window *w = &host->win[i];
		uint64_t from = to_cpu ? w->bus_addr : w->cpu_addr;
		if (w->space != PCI_SPACE_IO && addr >= from && addr - from < w->size) {
			*out = (to_cpu ? w->cpu_addr : w->bus_addr) + (addr - from);
			return TG_OK;
		}
	}
	return TG_ERANGE;
}

int pci_bus_to_cpu(const struct pci_host *host, uint64_t bus, uint64_t *cpu)
{
	return translate(host, bus, cpu, true);
}

int pci_cpu_to_bus(const struct pci_host *host, uint64_t cpu, uint64_t *bus)
{
	return translate(host, cpu, bus, false);
}

/*
 * `ranges` (outbound windows) or `dma-ranges` (inbound, optional, kept
 * sorted by bus address; overlapping entries are an error).
 */
static PCI_OUTLINE int parse_ranges(struct pci_host *host, const struct fdt *fdt, int node,
				    bool dma)
{
	struct fdt_range r[PCI_MAX_WINDOWS];	/* == PCI_MAX_DMA_RANGES */
	int n = fdt_ranges(fdt, node, dma ? "dma-ranges" : "ranges", r, PCI_MAX_WINDOWS);
	int parent = fdt_parent(fdt, node);

	if (dma && n == TG_ENOENT)
		return TG_OK;
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		uint64_t bus = r[i].child_addr, size = r[i].size, cpu;
		unsigned int space = PCI_PHYS_HI_SPACE(r[i].child_flags);

		/* Config space in ranges is meaningless. */
		if (!dma && (!size || bus + size < bus || space == PCI_SPACE_CODE_CONFIG))
			return TG_EFDT_PROP;
		int err = fdt_translate(fdt, parent, r[i].parent_addr, &cpu);
		if (err)
			return err;
		if (!dma) {
			struct pci_window *w = &host->win[host->nwin++];
			/* enum pci_space follows the space codes. */
			w->space = (enum pci_space)(space - PCI_SPACE_CODE_IO);
			/* A "32-bit" window must be addressable by 32-bit BARs. */
			if (w->space == PCI_SPACE_MEM32 && bus + size > (1ull << 32))
				w->space = PCI_SPACE_MEM64;
			w->prefetchable = (r[i].child_flags & PCI_PHYS_HI_PREFETCH) != 0;
			w->cpu_addr = cpu;
			w->bus_addr = w->next = bus;
			w->size = size;
			continue;
		}
		if (!size || bus + size - 1 < bus)
			return TG_EFDT_PROP;
		unsigned int pos = host->ndma++;
		while (pos > 0 && host->dma[pos - 1].bus_addr > bus) {
			host->dma[pos] = host->dma[pos - 1];
			pos--;
		}
		host->dma[pos] = (struct pci_dma_range){ .bus_addr = bus, .cpu_addr = cpu, .size = size };
	}
	for (unsigned int i = 1; dma && i < host->ndma; i++)
		if (host->dma[i - 1].bus_addr + host->dma[i - 1].size > host->dma[i].bus_addr)
			return TG_EFDT_PROP;
	return TG_OK;
}

int pci_host_from_fdt(struct pci_host *host, const struct fdt *fdt, int node)
{
	uint32_t len;
	int err;

	if (!host || !fdt || node < 0)
		return TG_EINVAL;
	struct pci_host h;
	memset(&h, 0, sizeof(h));
	h.ops = &pci_ecam_ops;
	h.fdt = fdt;
	h.node = node;
	h.bus_end = 0xff;

	err = fdt_reg(fdt, node, 0, &h.ecam_phys, &h.ecam_size);
	if (err)
		return err;
	const uint8_t *br = fdt_getprop(fdt, node, "bus-range", &len);
	if (br) {
		if (len != 8)
			return TG_EFDT_PROP;
		uint32_t lo = 0, hi = 0;
		for (unsigned int i = 0; i < 4; i++) {
			lo = lo << 8 | br[i];
			hi = hi << 8 | br[4 + i];
		}
		if (lo > hi || hi > 0xff)
			return TG_EFDT_PROP;
		h.bus_start = (uint8_t)lo;
		h.bus_end = (uint8_t)hi;
	}
	/* ECAM needs 1 MiB per bus: trust the smaller of reg and bus-range. */
	uint64_t buses = h.ecam_size >> 20;
	if (!buses)
		return TG_EFDT_PROP;
	if (buses < (uint64_t)(h.bus_end - h.bus_start + 1)) {
		pr_warn("pci-host-generic: ECAM covers %llu buses, bus-range trimmed\n",
			(unsigned long long)buses);
		h.bus_end = (uint8_t)(h.bus_start + buses - 1);
	}
	uint32_t domain;
	h.segment = fdt_prop_u32(fdt, node, "linux,pci-domain", &domain) == TG_OK ?
		    (uint16_t)domain : (uint16_t)nhosts;
	h.coherent = fdt_getprop(fdt, node, "dma-coherent", NULL) != NULL;
	err = parse_ranges(&h, fdt, node, false);
	if (!err)
		err = parse_ranges(&h, fdt, node, true);
	if (err)
		return err;
	h.ecam_size = (uint64_t)(h.bus_end - h.bus_start + 1) << 20;
	h.ecam = plat_map(h.ecam_phys, (size_t)h.ecam_size, PLAT_MEM_DEVICE);
	if (!h.ecam)
		return TG_ENOMEM;
	/* With an IOMMU, ports isolate their devices (ACS) so DMA is translated. */
	h.acs_isolation = fdt_getprop(fdt, node, "iommu-map", NULL) != NULL;
	tg_snprintf(h.name, sizeof(h.name), "%llx.pcie", (unsigned long long)h.ecam_phys);
	*host = h;
	return TG_OK;
}

int pci_init_from_fdt(const struct fdt *fdt)
{
	int found = 0;

	if (!fdt)
		return TG_EINVAL;
	for (int node = -1;
	     (node = fdt_node_by_compatible(fdt, node, "pci-host-ecam-generic")) >= 0;) {
		if (!fdt_is_available(fdt, node))
			continue;
		if (nhosts >= PCI_MAX_HOSTS) {
			pr_warn("pci-host-generic: more than %u host bridges, ignoring %s\n",
				PCI_MAX_HOSTS, fdt_node_name(fdt, node));
			break;
		}
		struct pci_host *host = &host_pool[nhosts];
		int err = pci_host_from_fdt(host, fdt, node);
		if (!err)
			err = pci_host_register(host);
		if (err) {
			pr_err("pci-host-generic %s: unusable: %s\n", fdt_node_name(fdt, node),
			       tg_strerror(err));
			continue;
		}
		pci_enumerate(host);
		found++;
	}
	return found;
}
