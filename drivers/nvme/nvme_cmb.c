/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller memory buffer (NVMe 1.4 8.7), enabled with the 1.4 scheme:
 * CMBMSC.CRE makes CMBLOC/CMBSZ readable, then CBA | CMSE | CRE in one
 * store.  The controller recognises CMB data pointers by comparing them
 * with CBA, a PCI bus address, before any IOMMU sees them.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>

#include "nvme_internal.h"

/*
 * QEMU (like the spec's 32-bit host rules) acts on CMBMSC when its low
 * dword is written, using the high dword stored at that moment: a 32-bit
 * CPU writes the high half first.
 */
static void write_cmbmsc(struct nvme *n, uint64_t v)
{
#if UINTPTR_MAX > 0xffffffffu
	mmio_write64(n->regs + NVME_REG_CMBMSC, v);
#else
	mmio_write32(n->regs + NVME_REG_CMBMSC + 4, (uint32_t)(v >> 32));
	mmio_write32(n->regs + NVME_REG_CMBMSC, (uint32_t)v);
#endif
}


int nvme_cmb_enable(struct nvme *n)
{
	if (!n || !n->live)
		return TG_EINVAL;
	if (!NVME_CAP_CMBS(n->cap))
		return TG_ENOTSUP;
	/* CRE alone first: CMBLOC/CMBSZ say which BAR before CBA can be chosen. */
	write_cmbmsc(n, NVME_CMBMSC_CRE);
	unsigned int loc = nvme_rd32(n, NVME_REG_CMBLOC), sz = nvme_rd32(n, NVME_REG_CMBSZ);
	if (loc == 0xffffffffu || sz == 0xffffffffu || !NVME_CMBSZ_SZ(sz)) {
		pr_err("nvme %s: CMBLOC 0x%x CMBSZ 0x%x: no usable CMB\n", n->name, loc, sz);
		return TG_ENOTSUP;
	}
	unsigned int bir = NVME_CMBLOC_BIR(loc);
	unsigned int szu = NVME_CMBSZ_SZU(sz);
	if (bir >= PCI_NUM_BARS || szu > 4)
		return TG_ENOTSUP;
	uint64_t unit = 4096ull << (4 * szu);
	uint64_t size = (uint64_t)NVME_CMBSZ_SZ(sz) * unit;
	uint64_t off = (uint64_t)NVME_CMBLOC_OFST(loc) * unit;
	const struct pci_bar *bar = &n->pci->bar[bir];
	if (!(bar->flags & PCI_BAR_ASSIGNED) || off >= bar->size || size > bar->size - off) {
		pr_err("nvme %s: CMB (BAR%u +0x%llx, %llu MiB) outside its BAR\n", n->name, bir,
		       (unsigned long long)off, (unsigned long long)(size >> 20));
		return TG_ENOTSUP;
	}
	/* The controller compares data pointers with CBA, a bus address. */
	uint64_t cba = bar->bus_addr + off;
	write_cmbmsc(n, (cba & NVME_CMBMSC_CBA_MASK) | NVME_CMBMSC_CMSE | NVME_CMBMSC_CRE);
	if (nvme_rd32(n, NVME_REG_CMBSTS) & NVME_CMBSTS_CBAI) {
		pr_err("nvme %s: controller refused CMB address 0x%llx\n", n->name,
		       (unsigned long long)cba);
		write_cmbmsc(n, 0);
		return TG_EIO;
	}
	n->cmb_va = ioremap(bar->cpu_addr + off, (size_t)size);
	if (!n->cmb_va) {
		write_cmbmsc(n, 0);
		return TG_ENOMEM;
	}
	n->cmb_bus = cba;
	n->cmb_cpu = bar->cpu_addr + off;
	n->cmb_size = size;
	/* Registered once per boot: providers cannot be unregistered. */
	struct p2p_provider *p = p2p_provider_of(n->cmb_cpu);
	int err = TG_OK;
	if (!p || p->pci != n->pci)
		err = p2p_provider_register(n->pci, bir, off,
					    size < NVME_CMB_P2P_SIZE ? size : NVME_CMB_P2P_SIZE, &p);
	if (err) {
		write_cmbmsc(n, 0);
		return err;
	}
	n->cmb_p2p = p;
	n->cmb_enabled = true;
	pr_info("nvme %s: CMB %llu MiB at bus 0x%llx (BAR%u), %s%s%s\n", n->name,
		(unsigned long long)(size >> 20), (unsigned long long)cba, bir,
		sz & NVME_CMBSZ_SQS ? "SQ " : "", sz & NVME_CMBSZ_RDS ? "read " : "",
		sz & NVME_CMBSZ_WDS ? "write data" : "");
	return TG_OK;
}
