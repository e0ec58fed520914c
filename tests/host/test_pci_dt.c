/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host bridges described by QEMU's own device trees (tools/dump-dtbs),
 * with the simulator standing in for the ECAM: windows, bus-range and
 * policy parsed from the DT, and each function's StreamID, MSI DeviceID
 * and INTx translated through iommu-map, msi-map and interrupt-map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_sim.h"
#include "util.h"

struct dt {
	uint8_t *blob;
	size_t len;
	struct fdt fdt;
	int node;
};

static struct dt g_dt;

static void open_dt(const char *name)
{
	free(g_dt.blob);
	memset(&g_dt, 0, sizeof(g_dt));
	g_dt.blob = tu_load2(tu_dtb_dir(), name, &g_dt.len);
	assert_int_equal(fdt_open(&g_dt.fdt, g_dt.blob, g_dt.len, NULL), TG_OK);
	g_dt.node = fdt_node_by_compatible(&g_dt.fdt, -1, "pci-host-ecam-generic");
	assert_true(g_dt.node >= 0);
}

static int teardown(void **state)
{
	free(g_dt.blob);
	memset(&g_dt, 0, sizeof(g_dt));
	return sim_teardown(state);
}

#define DT_TEST(fn) cmocka_unit_test_teardown(fn, teardown)

static const struct pci_window *find_win(const struct pci_host *h, enum pci_space sp)
{
	for (unsigned i = 0; i < h->nwin; i++)
		if (h->win[i].space == sp)
			return &h->win[i];
	return NULL;
}

static void test_host_from_qemu_dt(void **state)
{
	struct pci_host h;

	open_dt("virt-gicv3.dtb");
	/* No mapping for the ECAM: refused. */
	assert_int_equal(pci_host_from_fdt(&h, &g_dt.fdt, g_dt.node), TG_ENOMEM);
	/* The 256 MiB ECAM of highmem is beyond the fake mapper too. */
	sim_fake_ioremap(true);
	assert_int_equal(pci_host_from_fdt(&h, &g_dt.fdt, g_dt.node), TG_ENOMEM);

	open_dt("virt-a15-lowmem.dtb");
	memset(&h, 0, sizeof(h));
	assert_int_equal(pci_host_from_fdt(&h, &g_dt.fdt, g_dt.node), TG_OK);
	assert_int_equal(h.ecam_phys, 0x3f000000);
	assert_int_equal(h.ecam_size, 16u << 20);
	assert_non_null(h.ecam);
	assert_int_equal(h.bus_start, 0);
	assert_int_equal(h.bus_end, 0x0f);
	assert_int_equal(h.segment, 0);
	assert_true(h.coherent);
	assert_true(h.acs_isolation);		/* iommu-map present */
	assert_ptr_equal(h.fdt, &g_dt.fdt);
	assert_int_equal(h.node, g_dt.node);
	assert_string_equal(h.name, "3f000000.pcie");
	assert_int_equal(h.nwin, 2);
	const struct pci_window *io = find_win(&h, PCI_SPACE_IO);
	const struct pci_window *m32 = find_win(&h, PCI_SPACE_MEM32);
	assert_non_null(io);
	assert_non_null(m32);
	assert_null(find_win(&h, PCI_SPACE_MEM64));
	assert_int_equal(io->cpu_addr, 0x3eff0000);
	assert_int_equal(io->bus_addr, 0);
	assert_int_equal(io->size, 0x10000);
	assert_int_equal(m32->cpu_addr, 0x10000000);
	assert_int_equal(m32->bus_addr, 0x10000000);
	assert_int_equal(m32->size, 0x2eff0000);
	assert_ptr_equal(h.ops, &pci_ecam_ops);

	/* The whole path on an empty ECAM: one host, nothing found. */
	pci_reset_all();
	assert_int_equal(pci_init_from_fdt(&g_dt.fdt), 1);
	assert_int_equal(pci_host_count(), 1);
	assert_int_equal(pci_dev_count(), 0);
	struct pci_host *hp = pci_host_get(0);
	assert_non_null(hp);
	assert_int_equal(hp->cfg_reads, 32);
	assert_int_equal(hp->cfg_writes, 0);
}

/* QEMU virt's interrupt-map: slot s pin p (after swizzling to the root
 * bus) is SPI 3 + (s + p - 1) % 4, level triggered. */
static unsigned qemu_intid(unsigned root_slot, unsigned pin)
{
	return 32 + 3 + (root_slot + pin - 1) % 4;
}

static void test_id_maps(void **state)
{
	struct pci_host h;
	struct sim *sim = sim_new();
	struct sim_bus *root = sim_root(sim);

	open_dt("virt-a15-lowmem.dtb");
	sim_fake_ioremap(true);
	assert_int_equal(pci_host_from_fdt(&h, &g_dt.fdt, g_dt.node), TG_OK);
	sim_attach(sim, &h);

	struct sim_fn *e1 = sim_add_ep(root, 1, 0, 0x1af4, 0x1041, 0x020000);
	sim_add_pcie(e1, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_bar(e1, 1, 4096, 0);
	sim_set_intx_pin(e1, 1);
	struct sim_fn *e2 = sim_add_ep(root, 2, 0, 0x1af4, 0x1042, 0x010000);
	sim_set_intx_pin(e2, 3);
	struct sim_fn *rp = sim_add_port(root, 3, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	sim_set_intx_pin(rp, 1);
	struct sim_fn *usp = sim_add_port(sim_below(rp), 0, 0, 0x1b36, 0x1, PCI_EXP_TYPE_UPSTREAM);
	struct sim_fn *dsp = sim_add_port(sim_below(usp), 2, 0, 0x1b36, 0x2, PCI_EXP_TYPE_DOWNSTREAM);
	struct sim_fn *e3 = sim_add_ep(sim_below(dsp), 0, 0, 0x8086, 0x10d3, 0x020000);
	sim_add_pcie(e3, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_bar(e3, 0, 128 * 1024, 0);
	sim_set_intx_pin(e3, 2);
	/* Conventional device behind a PCIe-to-PCI bridge: DMA arrives with
	 * the bridge's secondary bus, device 0. */
	struct sim_fn *p2p = sim_add_port(root, 4, 0, 0x1b36, 0xe, PCI_EXP_TYPE_PCI_BRIDGE);
	struct sim_fn *e4 = sim_add_ep(sim_below(p2p), 5, 0, 0x1000, 0x12, 0x010000);
	sim_set_intx_pin(e4, 4);

	pci_reset_all();
	assert_int_equal(pci_host_register(&h), TG_OK);
	assert_int_equal(pci_enumerate(&h), 8);
	sim_check_all(sim, &h);

	int smmu = fdt_node_by_phandle(&g_dt.fdt, 0x8004);
	assert_true(smmu >= 0);
	for (unsigned i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		char name[32];
		pci_dev_name(d, name, sizeof(name));
		/* iommu-map <0 &smmu 0 0x10000>, msi-map <0 &its 0 0x10000>. */
		if (!d->has_sid || d->sid != d->rid || d->iommu_node != smmu)
			fail_msg("%s: StreamID %s %#x (RID %#x)", name, d->has_sid ? "" : "missing",
				 d->sid, d->rid);
		if (!d->has_msi_id || d->msi_id != d->rid || d->msi_node < 0)
			fail_msg("%s: MSI DeviceID %#x (RID %#x)", name, d->msi_id, d->rid);
	}
	struct pci_dev *d1 = sim_model(sim, &h, e1), *d2 = sim_model(sim, &h, e2);
	struct pci_dev *d3 = sim_model(sim, &h, e3), *d4 = sim_model(sim, &h, e4);
	struct pci_dev *drp = sim_model(sim, &h, rp);
	assert_int_equal(d1->rid, PCI_RID(0, PCI_DEVFN(1, 0)));
	assert_int_equal(d3->rid, PCI_RID(3, 0));
	assert_int_equal(d4->rid, PCI_RID(sim_secondary(p2p), 0));
	assert_int_equal(d1->intx_intid, qemu_intid(1, 1));
	assert_false(d1->intx_edge);
	assert_int_equal(d2->intx_intid, qemu_intid(2, 3));
	assert_int_equal(drp->intx_intid, qemu_intid(3, 1));
	/* e3: pin B at slot 0 below dsp (slot 2), below usp (slot 0), below
	 * rp (root slot 3). */
	unsigned pin = 2;
	pin = (pin - 1 + 0) % 4 + 1;	/* e3 is slot 0 on dsp's bus */
	pin = (pin - 1 + 2) % 4 + 1;	/* dsp is slot 2 on usp's bus */
	pin = (pin - 1 + 0) % 4 + 1;	/* usp is slot 0 on rp's bus */
	assert_int_equal(d3->intx_intid, qemu_intid(3, pin));
	pin = (4 - 1 + 5) % 4 + 1;	/* e4 slot 5 */
	assert_int_equal(d4->intx_intid, qemu_intid(4, pin));
	assert_int_equal(sim_model(sim, &h, usp)->intx_intid, 0);	/* no pin */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		DT_TEST(test_host_from_qemu_dt),
		DT_TEST(test_id_maps),
	};

	return cmocka_run_group_tests_name("pci_dt", tests, NULL, NULL);
}
