/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `lspci [-v]`: the device model built by enumeration.  One line per
 * function; -v adds BARs (CPU and bus address), bridge windows,
 * capabilities and the translated IDs.
 */
#include <string.h>

#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>
#include <tollgate/shell.h>

static const char *pcie_type_name(int t)
{
	switch (t) {
	case PCI_EXP_TYPE_ENDPOINT: return "endpoint";
	case PCI_EXP_TYPE_LEG_END: return "legacy endpoint";
	case PCI_EXP_TYPE_ROOT_PORT: return "root port";
	case PCI_EXP_TYPE_UPSTREAM: return "switch upstream port";
	case PCI_EXP_TYPE_DOWNSTREAM: return "switch downstream port";
	case PCI_EXP_TYPE_PCI_BRIDGE: return "PCIe-to-PCI bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE: return "PCI-to-PCIe bridge";
	case PCI_EXP_TYPE_RC_END: return "root complex integrated endpoint";
	case PCI_EXP_TYPE_RC_EC: return "root complex event collector";
	default: return "unknown port type";
	}
}

static void print_range(const char *label, const struct pci_bar *b)
{
	if (b->flags & PCI_BAR_ASSIGNED)
		tg_printf("\t%s: %s 0x%08llx-0x%08llx (bus 0x%llx)%s%s size 0x%llx\n", label,
			  (b->flags & PCI_BAR_IO) ? "io " : "mem", (unsigned long long)b->cpu_addr,
			  (unsigned long long)(b->cpu_addr + b->size - 1),
			  (unsigned long long)b->bus_addr,
			  (b->flags & PCI_BAR_MEM64) ? " 64bit" : "",
			  (b->flags & PCI_BAR_PREFETCH) ? " pref" : "", (unsigned long long)b->size);
	else if (b->flags & PCI_BAR_NOSPACE)
		tg_printf("\t%s: unassigned, size 0x%llx (no space)\n", label,
			  (unsigned long long)b->size);
	else if (b->flags & PCI_BAR_BROKEN)
		tg_printf("\t%s: broken (sizing returned nonsense)\n", label);
	else if (b->size)
		tg_printf("\t%s: unassigned, size 0x%llx (device disabled)\n", label,
			  (unsigned long long)b->size);
}

static void print_verbose(struct pci_dev *d)
{
	char label[16];

	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		if (!d->bar[i].size && !(d->bar[i].flags & PCI_BAR_BROKEN))
			continue;
		tg_snprintf(label, sizeof(label), "BAR %u", i);
		print_range(label, &d->bar[i]);
	}
	if (pci_is_bridge(d)) {
		tg_printf("\tbuses: primary %02x secondary %02x subordinate %02x\n", d->bus,
			  d->secondary, d->subordinate);
		print_range("window io", &d->win_io);
		print_range("window mem", &d->win_mem);
		print_range("window pref", &d->win_pref);
	}
	tg_printf("\tcapabilities:");
	if (d->cap_pcie)
		tg_printf(" PCIe %s @0x%02x;", pcie_type_name(d->pcie_type), d->cap_pcie);
	if (d->cap_msi)
		tg_printf(" MSI @0x%02x;", d->cap_msi);
	if (d->cap_msix)
		tg_printf(" MSI-X @0x%02x;", d->cap_msix);
	if (d->cap_pm)
		tg_printf(" PM @0x%02x;", d->cap_pm);
	if (d->ecap_acs)
		tg_printf(" ACS @0x%03x cap 0x%02x ctrl 0x%02x;", d->ecap_acs, d->acs_cap, d->acs_ctrl);
	tg_printf("\n");
	if (d->has_sid)
		tg_printf("\tStreamID 0x%04x (RID 0x%04x)\n", (unsigned)d->sid, (unsigned)d->rid);
	if (d->has_msi_id)
		tg_printf("\tMSI DeviceID 0x%04x\n", (unsigned)d->msi_id);
	if (d->intx_pin)
		tg_printf("\tINT%c -> INTID %u%s\n", 'A' + d->intx_pin - 1, d->intx_intid,
			  d->intx_intid ? (d->intx_edge ? " edge" : " level") : " (not routed)");
	if (d->disabled)
		tg_printf("\tdisabled: resources did not fit or the device is unusable\n");
}

static int lspci_cmd(int argc, char **argv)
{
	bool verbose = argc > 1 && !strcmp(argv[1], "-v");

	if (argc > 2 || (argc == 2 && !verbose)) {
		tg_printf("usage: lspci [-v]\n");
		return 1;
	}
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		char name[16];

		pci_dev_name(d, name, sizeof(name));
		tg_printf("%s [%04x:%04x] class 0x%06x rev %02x type %02x", name, d->vendor,
			  d->device, (unsigned)d->class, d->revision, d->hdr_type);
		if (d->has_sid)
			tg_printf(" sid 0x%04x", (unsigned)d->sid);
		tg_printf("%s\n", d->disabled ? " [disabled]" : "");
		if (verbose)
			print_verbose(d);
	}
	if (!pci_dev_count())
		tg_printf("no PCI devices\n");
	return 0;
}
SHELL_COMMAND(lspci, "lspci", "lspci [-v]", "list PCI functions (-v: BARs, windows, capabilities, IDs)",
	      lspci_cmd);
