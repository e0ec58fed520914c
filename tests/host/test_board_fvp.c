/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FVP Base RevC board: its device tree (boards/fvp-base/fvp-base-revc.dts, built
 * by dtc into build/host/dts/board-fvp-base.dtb) parsed by Tollgate's own
 * FDT reader and PCI host code, as the boot would: the console it would
 * pick is the early console board.h names, the GICv3 / ITS / SMMUv3 sit at
 * the published addresses with the SMMU's named interrupts, the ECAM host
 * bridge comes out with the right ECAM, buses and windows, and RIDs map to
 * this SMMU and ITS.  The RAM and the load and DTB addresses of board.mk
 * (passed in as FVP_*) must agree with the tree's memory node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <board.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/pci.h>

#include "pci_sim.h"
#include "util.h"

#define FVP_DTB	"board-fvp-base.dtb"

static uint8_t *blob;
static size_t blob_len;
static struct fdt fdt;

static int setup(void **state)
{
	(void)state;
	blob = tu_load2(tu_fixture_dir(), FVP_DTB, &blob_len);
	return fdt_open(&fdt, blob, blob_len, NULL) == TG_OK ? 0 : -1;
}

static int teardown(void **state)
{
	free(blob);
	blob = NULL;
	return sim_teardown(state);
}

static int one_node(const char *compat)
{
	int node = fdt_node_by_compatible(&fdt, -1, compat);
	assert_true(node >= 0);
	assert_true(fdt_is_available(&fdt, node));
	/* Exactly one: a second would make "which one does Tollgate use" open. */
	assert_true(fdt_node_by_compatible(&fdt, node, compat) < 0);
	return node;
}

static void assert_reg(int node, unsigned idx, uint64_t addr, uint64_t size)
{
	uint64_t a, s;
	assert_int_equal(fdt_reg(&fdt, node, idx, &a, &s), TG_OK);
	assert_int_equal(a, addr);
	assert_int_equal(s, size);
}

static void test_fvp_identity(void **state)
{
	(void)state;
	int root = fdt_root(&fdt);
	assert_string_equal(fdt_prop_string(&fdt, root, "model"), "FVP Base RevC");
	assert_true(fdt_is_compatible(&fdt, root, "arm,fvp-base-revc"));
	int psci = one_node("arm,psci-0.2");
	assert_string_equal(fdt_prop_string(&fdt, psci, "method"), "smc");
}

/* board.mk's RAM is the tree's first memory bank; the image (at the load
 * address, up to its in-memory size) and the DTB fit in it, apart. */
static void test_fvp_memory_and_load_addresses(void **state)
{
	(void)state;
	int mem = fdt_path_offset(&fdt, "/memory@80000000");
	assert_true(mem >= 0);
	assert_reg(mem, 0, FVP_RAM_BASE, FVP_RAM_SIZE);
	assert_reg(mem, 1, 0x880000000ull, 0x80000000ull);

	uint64_t ram_end = (uint64_t)FVP_RAM_BASE + FVP_RAM_SIZE;
	assert_true(FVP_LOAD_ADDR >= FVP_RAM_BASE && FVP_LOAD_ADDR < ram_end);
	assert_true(FVP_DTB_ADDR >= FVP_RAM_BASE && FVP_DTB_ADDR + blob_len <= FVP_LOAD_ADDR);
	/* The arm64 Image header's text_offset is LOAD_ADDR mod 2 MiB: 0 here. */
	assert_int_equal(FVP_LOAD_ADDR & 0x1fffff, 0);

	/* TF-A's mailbox is reserved, and it is below the DTB and the image. */
	uint64_t ra, rs;
	assert_int_equal(fdt_reserved(&fdt, 0, &ra, &rs), TG_OK);
	assert_int_equal(ra, 0x80000000);
	assert_true(ra + rs <= FVP_DTB_ADDR);
}

/* The console Tollgate picks (chosen/stdout-path, an alias here) is the
 * PL011 its early console already writes to, behind two bus ranges. */
static void test_fvp_console(void **state)
{
	(void)state;
	int chosen = fdt_path_offset(&fdt, "/chosen");
	assert_true(chosen >= 0);
	const char *path = fdt_prop_string(&fdt, chosen, "stdout-path");
	assert_non_null(path);
	char buf[64];
	size_t n = strcspn(path, ":");
	assert_true(n < sizeof(buf));
	memcpy(buf, path, n);
	buf[n] = '\0';
	int uart = fdt_path_offset(&fdt, buf);
	assert_true(uart >= 0);
	assert_true(fdt_is_compatible(&fdt, uart, "arm,pl011"));
	assert_reg(uart, 0, BOARD_EARLYCON_PL011, 0x1000);
	/* Untranslated, it is chip select 3's offset 0x90000. */
	uint64_t a, s;
	assert_int_equal(fdt_reg_raw(&fdt, uart, 0, &a, &s), TG_OK);
	assert_int_equal(a, 0x90000);
}

static void test_fvp_gic_its(void **state)
{
	(void)state;
	int gic = one_node("arm,gic-v3");
	assert_non_null(fdt_getprop(&fdt, gic, "interrupt-controller", NULL));
	assert_reg(gic, 0, 0x2f000000, 0x10000);	/* GICD */
	assert_reg(gic, 1, 0x2f100000, 0x200000);	/* GICR */
	uint32_t cells;
	assert_int_equal(fdt_prop_u32(&fdt, gic, "#interrupt-cells", &cells), TG_OK);
	assert_int_equal(cells, 3);

	int its = one_node("arm,gic-v3-its");
	assert_int_equal(fdt_parent(&fdt, its), gic);
	assert_non_null(fdt_getprop(&fdt, its, "msi-controller", NULL));
	assert_reg(its, 0, 0x2f020000, 0x20000);
}

static void assert_named_spi(int node, const char *name, int gic, uint32_t spi)
{
	struct fdt_irq irq;
	assert_int_equal(fdt_irq_by_name(&fdt, node, name, &irq), TG_OK);
	assert_int_equal(irq.controller, gic);
	assert_int_equal(irq.ncells, 3);
	assert_int_equal(irq.cells[0], 0);	/* SPI */
	assert_int_equal(irq.cells[1], spi);
	assert_int_equal(irq.cells[2], 1);	/* edge rising */
}

static void test_fvp_smmu(void **state)
{
	(void)state;
	int gic = one_node("arm,gic-v3");
	int smmu = one_node("arm,smmu-v3");
	assert_reg(smmu, 0, 0x2b400000, 0x100000);
	assert_non_null(fdt_getprop(&fdt, smmu, "dma-coherent", NULL));
	assert_named_spi(smmu, "eventq", gic, 74);
	assert_named_spi(smmu, "gerror", gic, 79);
	assert_named_spi(smmu, "priq", gic, 75);
	assert_named_spi(smmu, "cmdq-sync", gic, 77);
	uint32_t cells;
	assert_int_equal(fdt_prop_u32(&fdt, smmu, "#iommu-cells", &cells), TG_OK);
	assert_int_equal(cells, 1);
}

static const struct pci_window *find_win(const struct pci_host *h, enum pci_space sp)
{
	for (unsigned i = 0; i < h->nwin; i++)
		if (h->win[i].space == sp)
			return &h->win[i];
	return NULL;
}

/* pci_host_from_fdt on the FVP node: the code the boot runs. */
static void test_fvp_host_bridge(void **state)
{
	(void)state;
	struct pci_host h;
	int node = one_node("pci-host-ecam-generic");

	sim_fake_ioremap(true);
	memset(&h, 0, sizeof(h));
	assert_int_equal(pci_host_from_fdt(&h, &fdt, node), TG_OK);
	assert_int_equal(h.ecam_phys, 0x40000000);
	/* 256 MiB of ECAM, but only buses 0-1 exist: 2 MiB is mapped. */
	assert_int_equal(h.bus_start, 0);
	assert_int_equal(h.bus_end, 1);
	assert_int_equal(h.ecam_size, 2u << 20);
	assert_non_null(h.ecam);
	assert_int_equal(h.segment, 0);
	assert_true(h.coherent);
	assert_true(h.acs_isolation);		/* it has an iommu-map */
	assert_string_equal(h.name, "40000000.pcie");

	assert_int_equal(h.nwin, 2);
	assert_null(find_win(&h, PCI_SPACE_IO));
	const struct pci_window *m32 = find_win(&h, PCI_SPACE_MEM32);
	const struct pci_window *m64 = find_win(&h, PCI_SPACE_MEM64);
	assert_non_null(m32);
	assert_non_null(m64);
	assert_int_equal(m32->cpu_addr, 0x50000000);
	assert_int_equal(m32->bus_addr, 0x50000000);
	assert_int_equal(m32->size, 0x10000000);
	assert_false(m32->prefetchable);
	assert_int_equal(m64->cpu_addr, 0x4000000000ull);
	assert_int_equal(m64->bus_addr, 0x4000000000ull);
	assert_int_equal(m64->size, 0x100000000ull);
	/* No window overlaps RAM or the ECAM. */
	assert_true(m32->cpu_addr >= h.ecam_phys + (256u << 20));
	assert_true(m32->cpu_addr + m32->size <= FVP_RAM_BASE);
}

/* Requester IDs go to this SMMU (StreamID = RID) and this ITS (DeviceID =
 * RID); INTx of the root bus lands on SPIs 168-171. */
static void test_fvp_id_maps(void **state)
{
	(void)state;
	int pci = one_node("pci-host-ecam-generic");
	int smmu = one_node("arm,smmu-v3");
	int its = one_node("arm,gic-v3-its");
	int gic = one_node("arm,gic-v3");
	static const uint32_t rids[] = { 0x0000, 0x0008, 0x0100, 0x01ff, 0xffff };

	for (unsigned i = 0; i < sizeof(rids) / sizeof(rids[0]); i++) {
		int target;
		uint32_t id;
		assert_int_equal(fdt_map_id(&fdt, pci, "iommu-map", rids[i], &target, &id), TG_OK);
		assert_int_equal(target, smmu);
		assert_int_equal(id, rids[i]);
		assert_int_equal(fdt_map_id(&fdt, pci, "msi-map", rids[i], &target, &id), TG_OK);
		assert_int_equal(target, its);
		assert_int_equal(id, rids[i]);
	}
	for (uint32_t pin = 1; pin <= 4; pin++) {
		struct fdt_irq irq;
		uint32_t unit[3] = { 0, 0, 0 };
		assert_int_equal(fdt_interrupt_map(&fdt, pci, unit, &pin, &irq), TG_OK);
		assert_int_equal(irq.controller, gic);
		assert_int_equal(irq.cells[0], 0);
		assert_int_equal(irq.cells[1], 167 + pin);
		assert_int_equal(irq.cells[2], 4);	/* level high */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fvp_identity, sim_teardown),
		cmocka_unit_test_teardown(test_fvp_memory_and_load_addresses, sim_teardown),
		cmocka_unit_test_teardown(test_fvp_console, sim_teardown),
		cmocka_unit_test_teardown(test_fvp_gic_its, sim_teardown),
		cmocka_unit_test_teardown(test_fvp_smmu, sim_teardown),
		cmocka_unit_test_teardown(test_fvp_host_bridge, sim_teardown),
		cmocka_unit_test_teardown(test_fvp_id_maps, sim_teardown),
	};
	return cmocka_run_group_tests_name("board_fvp", tests, setup, teardown);
}
