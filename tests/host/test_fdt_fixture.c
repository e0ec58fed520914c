/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FDT reader against our own small trees (tests/host/dts/), for what
 * QEMU's virt trees never use: aliases, default cell sizes, nested and
 * missing ranges, several dma-ranges, interrupts-extended, inherited
 * interrupt parents, nexus cascades, iommu-map-mask, status, string
 * lists, /memreserve/ and phandle loops.  Expected numbers come from the
 * .dts sources; each assertion names the line it mirrors.
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

#include "util.h"

struct fixture {
	uint8_t *blob;
	size_t len;
	struct fdt fdt;
};

static int load(void **state, const char *name)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->blob = tu_load2(tu_fixture_dir(), name, &fx->len);
	if (fdt_open(&fx->fdt, fx->blob, fx->len, NULL) != TG_OK) {
		fprintf(stderr, "%s does not open\n", name);
		return -1;
	}
	*state = fx;
	return 0;
}

static int setup_fixture(void **state)
{
	return load(state, "fixture.dtb");
}

static int setup_loops(void **state)
{
	return load(state, "loops.dtb");
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->blob);
	free(fx);
	return 0;
}

static const struct fdt *F(void **state)
{
	return &((struct fixture *)*state)->fdt;
}

static int P(const struct fdt *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		fail_msg("%s: %s", path, tg_strerror(node));
	return node;
}

static void assert_reg(const struct fdt *fdt, const char *path, unsigned int idx,
		       int rc, uint64_t addr, uint64_t size)
{
	uint64_t a = 0, s = 0;

	assert_int_equal(fdt_reg(fdt, P(fdt, path), idx, &a, &s), rc);
	if (rc == TG_OK) {
		assert_int_equal(a, addr);
		assert_int_equal(s, size);
	}
}

static void assert_irq(const struct fdt *fdt, const struct fdt_irq *irq, const char *ctrl,
		       unsigned int n, uint32_t c0, uint32_t c1, uint32_t c2)
{
	assert_int_equal(irq->controller, P(fdt, ctrl));
	assert_int_equal(irq->ncells, n);
	assert_int_equal(irq->cells[0], c0);
	if (n > 1) {
		assert_int_equal(irq->cells[1], c1);
		assert_int_equal(irq->cells[2], c2);
	}
}

#define GIC	"/interrupt-controller@8000000"
#define INTC2	"/interrupt-controller@9000000"
#define UART	"/soc/bus@20000000/serial@1000"
#define LEAF	"/soc/bus@20000000/sub@4000/leaf@10"
#define DMADEV	"/soc/dma-bus/dmadev@5001000"

/* /memreserve/ lines at the top of fixture.dts. */
static void test_memreserve(void **state)
{
	const struct fdt *fdt = F(state);
	uint64_t a, s;

	assert_int_equal(fdt_reserved(fdt, 0, &a, &s), TG_OK);
	assert_int_equal(a, 0x48000000);
	assert_int_equal(s, 0x100000);
	assert_int_equal(fdt_reserved(fdt, 1, &a, &s), TG_OK);
	assert_int_equal(a, 0x4ff00000);
	assert_int_equal(s, 0x2000);
	assert_int_equal(fdt_reserved(fdt, 2, &a, &s), TG_ENOENT);
	assert_int_equal(fdt_reserved(fdt, 1000, &a, &s), TG_ENOENT);
}

static void test_aliases(void **state)
{
	const struct fdt *fdt = F(state);
	int uart = P(fdt, UART);

	assert_int_equal(fdt_path_offset(fdt, "serial0"), uart);
	assert_int_equal(fdt_path_offset(fdt, "pci0"), P(fdt, "/pcie@10000000"));
	/* Alias plus a relative remainder, with and without unit address. */
	assert_int_equal(fdt_path_offset(fdt, "deep/leaf@10"), P(fdt, LEAF));
	assert_int_equal(fdt_path_offset(fdt, "deep/leaf"), P(fdt, LEAF));
	assert_int_equal(fdt_path_offset(fdt, "deep/nothing"), TG_ENOENT);
	/* An alias value must be an absolute path. */
	assert_int_equal(fdt_path_offset(fdt, "broken"), TG_EFDT_PROP);
	assert_int_equal(fdt_path_offset(fdt, "serial1"), TG_ENOENT);
	assert_int_equal(fdt_path_offset(fdt, "seria"), TG_ENOENT);
	/* stdout-path "serial0:115200n8": the options end the path. */
	const char *out = fdt_prop_string(fdt, P(fdt, "/chosen"), "stdout-path");
	assert_string_equal(out, "serial0:115200n8");
	assert_int_equal(fdt_path_offset(fdt, out), uart);
	assert_int_equal(fdt_path_offset(fdt, UART ":9600"), uart);
}

/* /defaults has neither #address-cells nor #size-cells. */
static void test_cell_defaults(void **state)
{
	const struct fdt *fdt = F(state);
	int defaults = P(fdt, "/defaults");
	int child = P(fdt, "/defaults/child");
	uint64_t a, s;

	assert_int_equal(fdt_address_cells(fdt, defaults), 2);
	assert_int_equal(fdt_size_cells(fdt, defaults), 1);
	assert_int_equal(fdt_address_cells(fdt, P(fdt, "/soc")), 1);
	assert_int_equal(fdt_size_cells(fdt, P(fdt, "/soc")), 1);
	/* reg = <0x1 0x2000 0x300>, <0x1 0x3000 0x10>: 2 + 1 cells each. */
	assert_int_equal(fdt_reg_raw(fdt, child, 0, &a, &s), TG_OK);
	assert_int_equal(a, 0x100002000ULL);
	assert_int_equal(s, 0x300);
	assert_int_equal(fdt_reg_raw(fdt, child, 1, &a, &s), TG_OK);
	assert_int_equal(a, 0x100003000ULL);
	assert_int_equal(s, 0x10);
	assert_int_equal(fdt_reg_raw(fdt, child, 2, &a, &s), TG_ENOENT);
	/* No ranges on /defaults: not translatable to a CPU address. */
	assert_int_equal(fdt_reg(fdt, child, 0, &a, &s), TG_ERANGE);
}

static void test_nested_ranges(void **state)
{
	const struct fdt *fdt = F(state);
	struct fdt_range r[2];
	uint64_t a;

	/* soc 0 -> CPU 0x40000000; bus@20000000 0 -> soc 0x20000000;
	 * sub@4000 0 -> bus 0x4000. */
	assert_reg(fdt, UART, 0, TG_OK, 0x60001000, 0x100);
	assert_reg(fdt, "/soc/bus@20000000/sub@4000", 0, TG_OK, 0x60004000, 0x1000);
	assert_reg(fdt, LEAF, 0, TG_OK, 0x60004010, 0x8);
	/* Outside the bus's 64 KiB window. */
	assert_reg(fdt, "/soc/bus@20000000/outside@20000", 0, TG_ERANGE, 0, 0);
	/* Parent without ranges. */
	assert_reg(fdt, "/soc/noranges/dev@0", 0, TG_ERANGE, 0, 0);
	/* Empty ranges: identity. */
	assert_reg(fdt, DMADEV, 0, TG_OK, 0x45001000, 0x1000);
	assert_int_equal(fdt_ranges(fdt, P(fdt, "/soc/dma-bus"), "ranges", r, 2), 0);
	assert_int_equal(fdt_ranges(fdt, P(fdt, "/soc/noranges"), "ranges", r, 2), TG_ENOENT);

	assert_int_equal(fdt_ranges(fdt, P(fdt, "/soc/bus@20000000"), "ranges", r, 2), 1);
	assert_int_equal(r[0].child_addr, 0);
	assert_int_equal(r[0].parent_addr, 0x20000000);
	assert_int_equal(r[0].size, 0x10000);
	assert_int_equal(fdt_ranges(fdt, fdt_root(fdt), "ranges", r, 2), TG_EINVAL);

	assert_int_equal(fdt_translate(fdt, P(fdt, "/soc/bus@20000000/sub@4000"), 0xff8, &a), TG_OK);
	assert_int_equal(a, 0x60004ff8);
	assert_int_equal(fdt_translate(fdt, P(fdt, "/soc/bus@20000000/sub@4000"), 0x1000, &a),
			 TG_ERANGE);
	assert_int_equal(fdt_translate(fdt, P(fdt, "/soc"), 0x3fffffff, &a), TG_OK);
	assert_int_equal(a, 0x7fffffff);
	assert_int_equal(fdt_translate(fdt, P(fdt, "/soc"), 0x40000000, &a), TG_ERANGE);
}

static void test_dma_ranges(void **state)
{
	const struct fdt *fdt = F(state);
	struct fdt_range r[4];
	int bus = P(fdt, "/soc/dma-bus");
	int pcie = P(fdt, "/pcie@10000000");

	assert_int_equal(fdt_ranges(fdt, bus, "dma-ranges", r, 4), 3);
	assert_int_equal(fdt_ranges(fdt, bus, "dma-ranges", r, 2), TG_ENOSPC);
	assert_int_equal(fdt_ranges(fdt, bus, "dma-ranges", NULL, 0), TG_ENOSPC);
	assert_int_equal(r[0].child_addr, 0x00000000);
	assert_int_equal(r[0].parent_addr, 0x80000000);
	assert_int_equal(r[0].size, 0x10000000);
	assert_int_equal(r[1].child_addr, 0x10000000);
	assert_int_equal(r[1].parent_addr, 0x00000000);
	assert_int_equal(r[1].size, 0x01000000);
	assert_int_equal(r[2].child_addr, 0x40000000);
	assert_int_equal(r[2].parent_addr, 0xc0000000);
	assert_int_equal(r[2].size, 0x20000000);

	/* PCI: phys.hi in child_flags, 2-cell parent, 2-cell size. */
	assert_int_equal(fdt_ranges(fdt, pcie, "dma-ranges", r, 4), 1);
	assert_int_equal(r[0].child_flags, 0x02000000);
	assert_int_equal(r[0].child_addr, 0);
	assert_int_equal(r[0].parent_addr, 0x40000000);
	assert_int_equal(r[0].size, 0x40000000);

	assert_int_equal(fdt_ranges(fdt, pcie, "ranges", r, 4), 3);
	/* Prefetchable 64-bit window: p bit (30) and space code 3. */
	assert_int_equal(r[2].child_flags, 0x43000000);
	assert_int_equal(r[2].child_addr, 0x8000000000ULL);
	assert_int_equal(r[2].parent_addr, 0x8000000000ULL);
	assert_int_equal(r[2].size, 0x100000000ULL);
}

/* ethernet@2,0 under the PCI host: reg entries in each PCI space. */
static void test_pci_device_reg(void **state)
{
	const struct fdt *fdt = F(state);
	int eth = P(fdt, "/pcie@10000000/ethernet@2,0");
	uint64_t a, s;

	/* Configuration space: only reachable through ECAM. */
	assert_int_equal(fdt_reg(fdt, eth, 0, &a, &s), TG_ERANGE);
	assert_int_equal(fdt_reg_raw(fdt, eth, 0, &a, &s), TG_OK);
	assert_int_equal(a, 0);
	assert_int_equal(s, 0);
	/* 32-bit memory BAR at bus 0x10004000: identity window. */
	assert_int_equal(fdt_reg(fdt, eth, 1, &a, &s), TG_OK);
	assert_int_equal(a, 0x10004000);
	assert_int_equal(s, 0x1000);
	/* I/O BAR at port 0x100: the I/O window at CPU 0x3eff0000. */
	assert_int_equal(fdt_reg(fdt, eth, 2, &a, &s), TG_OK);
	assert_int_equal(a, 0x3eff0100);
	assert_int_equal(s, 0x20);
	assert_int_equal(fdt_reg(fdt, eth, 3, &a, &s), TG_ENOENT);

	/* /pcie-cfg maps config space too; it still never translates. */
	int dev = P(fdt, "/pcie-cfg/dev@0,0");
	assert_int_equal(fdt_reg(fdt, dev, 0, &a, &s), TG_ERANGE);
	assert_int_equal(fdt_reg(fdt, dev, 1, &a, &s), TG_OK);
	assert_int_equal(a, 0x60000100);
	assert_int_equal(fdt_translate(fdt, P(fdt, "/pcie-cfg"), 0x100, &a), TG_OK);
	assert_int_equal(a, 0x60000100);
}

static void test_status(void **state)
{
	const struct fdt *fdt = F(state);

	assert_false(fdt_is_available(fdt, P(fdt, "/soc/bus@20000000/disabled@2000")));
	assert_true(fdt_is_available(fdt, P(fdt, "/soc/bus@20000000/okay@3000")));
	assert_true(fdt_is_available(fdt, P(fdt, "/soc/bus@20000000/ok@3100")));
	assert_true(fdt_is_available(fdt, P(fdt, UART)));
	assert_false(fdt_is_available(fdt, P(fdt, "/strings")));	/* "fail" */
	assert_false(fdt_is_available(fdt, -4));
}

static void test_strings(void **state)
{
	const struct fdt *fdt = F(state);
	int n = P(fdt, "/strings");
	uint32_t v32, len;
	uint64_t v64;

	assert_int_equal(fdt_stringlist_index(fdt, n, "clock-names", "first"), 0);
	assert_int_equal(fdt_stringlist_index(fdt, n, "clock-names", "second"), 1);
	assert_int_equal(fdt_stringlist_index(fdt, n, "clock-names", "third"), 2);
	assert_int_equal(fdt_stringlist_index(fdt, n, "clock-names", "fourth"), TG_ENOENT);
	assert_int_equal(fdt_stringlist_index(fdt, n, "clock-names", "secon"), TG_ENOENT);
	assert_int_equal(fdt_stringlist_index(fdt, n, "no-such", "first"), TG_ENOENT);
	assert_string_equal(fdt_stringlist_get(fdt, n, "clock-names", 2), "third");
	assert_null(fdt_stringlist_get(fdt, n, "clock-names", 3));
	assert_string_equal(fdt_prop_string(fdt, n, "single"), "alone");
	assert_string_equal(fdt_stringlist_get(fdt, n, "single", 0), "alone");
	assert_string_equal(fdt_prop_string(fdt, n, "empty"), "");
	assert_int_equal(fdt_stringlist_index(fdt, n, "empty", ""), 0);
	/* A cell is not a string list: it does not end in NUL. */
	assert_null(fdt_prop_string(fdt, n, "number"));
	assert_int_equal(fdt_stringlist_index(fdt, n, "number", "x"), TG_EFDT_PROP);
	assert_null(fdt_stringlist_get(fdt, n, "number", 0));
	assert_null(fdt_prop_string(fdt, n, "flag"));
	assert_int_equal(fdt_prop_u32(fdt, n, "number", &v32), TG_OK);
	assert_int_equal(v32, 0x12345678);
	assert_int_equal(fdt_prop_u64(fdt, n, "wide", &v64), TG_OK);
	assert_int_equal(v64, 0x1122334455667788ULL);
	assert_int_equal(fdt_prop_u32(fdt, n, "wide", &v32), TG_EFDT_PROP);
	assert_non_null(fdt_getprop(fdt, n, "flag", &len));
	assert_int_equal(len, 0);
	assert_non_null(fdt_getprop(fdt, n, "bytes", &len));
	assert_int_equal(len, 3);
	assert_int_equal(fdt_prop_u32(fdt, n, "bytes", &v32), TG_EFDT_PROP);
	assert_int_equal(fdt_prop_u64(fdt, n, "bytes", &v64), TG_EFDT_PROP);
	assert_true(fdt_is_compatible(fdt, fdt_root(fdt), "tollgate,test-board"));
	assert_int_equal(fdt_stringlist_index(fdt, fdt_root(fdt), "compatible", "tollgate,test-board"), 1);
	assert_string_equal(fdt_prop_string(fdt, fdt_root(fdt), "model"), "tollgate,host-fixture");
}

static void test_irq_inherited(void **state)
{
	const struct fdt *fdt = F(state);
	struct fdt_irq irq;

	/* /soc's interrupt-parent reaches two and three levels down. */
	assert_int_equal(fdt_interrupt_parent(fdt, P(fdt, UART)), P(fdt, INTC2));
	assert_int_equal(fdt_irq_count(fdt, P(fdt, UART)), 1);
	assert_int_equal(fdt_irq(fdt, P(fdt, UART), 0, &irq), TG_OK);
	assert_irq(fdt, &irq, INTC2, 1, 7, 0, 0);
	assert_int_equal(fdt_irq_count(fdt, P(fdt, LEAF)), 2);
	assert_int_equal(fdt_irq(fdt, P(fdt, LEAF), 1, &irq), TG_OK);
	assert_irq(fdt, &irq, INTC2, 1, 12, 0, 0);
	assert_int_equal(fdt_irq(fdt, P(fdt, LEAF), 2, &irq), TG_ENOENT);
	/* An explicit interrupt-parent beats the inherited one. */
	assert_int_equal(fdt_irq(fdt, P(fdt, "/soc/bus@20000000/direct@5000"), 0, &irq), TG_OK);
	assert_irq(fdt, &irq, GIC, 3, 0, 33, 1);
	/* intc2 itself is wired to the root's interrupt parent, the GIC. */
	assert_int_equal(fdt_interrupt_parent(fdt, P(fdt, INTC2)), P(fdt, GIC));
	assert_int_equal(fdt_irq(fdt, P(fdt, INTC2), 0, &irq), TG_OK);
	assert_irq(fdt, &irq, GIC, 3, 0, 40, 4);
	assert_int_equal(fdt_irq_count(fdt, P(fdt, "/strings")), 0);
}

static void test_interrupts_extended(void **state)
{
	const struct fdt *fdt = F(state);
	int dev = P(fdt, DMADEV);
	struct fdt_irq irq, named;

	assert_int_equal(fdt_irq_count(fdt, dev), 3);
	assert_int_equal(fdt_irq(fdt, dev, 0, &irq), TG_OK);
	assert_irq(fdt, &irq, GIC, 3, 0, 50, 4);
	assert_int_equal(fdt_irq(fdt, dev, 1, &irq), TG_OK);
	assert_irq(fdt, &irq, INTC2, 1, 9, 0, 0);
	/* <&nexus2 2>: nexus2 masks the unit address away, pin 2 -> SPI 61. */
	assert_int_equal(fdt_irq(fdt, dev, 2, &irq), TG_OK);
	assert_irq(fdt, &irq, GIC, 3, 0, 61, 4);
	assert_int_equal(fdt_irq(fdt, dev, 3, &irq), TG_ENOENT);
	static const char *const names[] = { "ctrl", "dma", "pci" };
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(fdt_irq(fdt, dev, i, &irq), TG_OK);
		assert_int_equal(fdt_irq_by_name(fdt, dev, names[i], &named), TG_OK);
		assert_memory_equal(&irq, &named, sizeof(irq));
	}
	assert_int_equal(fdt_irq_by_name(fdt, dev, "nope", &named), TG_ENOENT);
}

static void test_interrupt_map(void **state)
{
	const struct fdt *fdt = F(state);
	int pcie = P(fdt, "/pcie@10000000");
	struct fdt_irq irq;

	struct {
		uint32_t devfn_hi, pin;
		int rc;
		const char *ctrl;
		unsigned int n;
		uint32_t c0, c1, c2;
	} cases[] = {
		/* Slot 0: GIC entries with no parent unit-address cells. */
		{ 0x0000, 1, TG_OK, GIC, 3, 0, 5, 4 },
		{ 0x0000, 2, TG_OK, GIC, 3, 0, 6, 4 },
		{ 0x0000, 3, TG_ENOENT, NULL, 0, 0, 0, 0 },
		/* Function and bus bits fall outside the mask. */
		{ 0x10700, 2, TG_OK, GIC, 3, 0, 6, 4 },
		/* Slot 4 aliases slot 0 under mask 0x1800. */
		{ 0x2000, 1, TG_OK, GIC, 3, 0, 5, 4 },
		/* Slot 1: intc2, one-cell specifier. */
		{ 0x0800, 1, TG_OK, INTC2, 1, 3, 0, 0 },
		/* Slot 2: cascades through nexus2. */
		{ 0x1000, 1, TG_OK, GIC, 3, 0, 60, 4 },
		{ 0x1000, 2, TG_OK, INTC2, 1, 21, 0, 0 },
		/* Slot 3: no entries. */
		{ 0x1800, 1, TG_ENOENT, NULL, 0, 0, 0, 0 },
	};
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t addr[3] = { cases[i].devfn_hi, 0, 0 };

		assert_int_equal(fdt_interrupt_map(fdt, pcie, addr, &cases[i].pin, &irq), cases[i].rc);
		if (cases[i].rc == TG_OK)
			assert_irq(fdt, &irq, cases[i].ctrl, cases[i].n, cases[i].c0, cases[i].c1,
				   cases[i].c2);
	}

	/* A device below the host: its reg phys.hi (device 2) picks slot 2. */
	int eth = P(fdt, "/pcie@10000000/ethernet@2,0");
	assert_int_equal(fdt_interrupt_parent(fdt, eth), pcie);
	assert_int_equal(fdt_irq(fdt, eth, 0, &irq), TG_OK);
	assert_irq(fdt, &irq, GIC, 3, 0, 60, 4);

	/* Direct lookup in the one-address-cell nexus. */
	uint32_t zero = 0, pin3 = 3;
	assert_int_equal(fdt_interrupt_map(fdt, P(fdt, "/nexus2"), &zero, &pin3, &irq), TG_OK);
	assert_irq(fdt, &irq, INTC2, 1, 21, 0, 0);
	assert_int_equal(fdt_interrupt_map(fdt, P(fdt, "/nexus2"), NULL, &pin3, &irq), TG_OK);
	assert_int_equal(fdt_interrupt_map(fdt, P(fdt, "/nexus2"), NULL, NULL, &irq), TG_EINVAL);
}

static void test_idmap(void **state)
{
	const struct fdt *fdt = F(state);
	int pcie = P(fdt, "/pcie@10000000");
	int smmu0 = P(fdt, "/iommu@9050000");
	int smmu1 = P(fdt, "/iommu@9070000");
	int its = P(fdt, "/msi-controller@8080000");
	int target;
	uint32_t out;

	struct {
		const char *map;
		uint32_t rid;
		int rc;
		int target;
		uint32_t out;
	} cases[] = {
		/* iommu-map-mask 0xff00: the devfn byte is dropped first. */
		{ "iommu-map", 0x0000, TG_OK, smmu0, 0x0000 },
		{ "iommu-map", 0x0008, TG_OK, smmu0, 0x0000 },
		{ "iommu-map", 0x00ff, TG_OK, smmu0, 0x0000 },
		{ "iommu-map", 0x0100, TG_OK, smmu1, 0x1000 },
		{ "iommu-map", 0x01ff, TG_OK, smmu1, 0x1000 },
		{ "iommu-map", 0x0207, TG_ERANGE, -1, 0 },
		{ "iommu-map", 0x0342, TG_OK, smmu0, 0x0800 },
		{ "iommu-map", 0x0400, TG_ERANGE, -1, 0 },
		/* Bit 16 is outside the mask as well. */
		{ "iommu-map", 0x10100, TG_OK, smmu1, 0x1000 },
		/* msi-map has no mask: offsets are kept. */
		{ "msi-map", 0x0000, TG_OK, its, 0x10000 },
		{ "msi-map", 0x07ff, TG_OK, its, 0x107ff },
		{ "msi-map", 0x0800, TG_OK, its, 0x20000 },
		{ "msi-map", 0x0abc, TG_OK, its, 0x202bc },
		{ "msi-map", 0x1000, TG_ERANGE, -1, 0 },
	};
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		target = -99;
		out = 0xdeadbeef;
		assert_int_equal(fdt_map_id(fdt, pcie, cases[i].map, cases[i].rid, &target, &out),
				 cases[i].rc);
		if (cases[i].rc == TG_OK) {
			assert_int_equal(target, cases[i].target);
			assert_int_equal(out, cases[i].out);
		}
	}
	assert_int_equal(fdt_map_id(fdt, pcie, "msi-map", 0x800, NULL, NULL), TG_OK);
	assert_int_equal(fdt_map_id(fdt, pcie, NULL, 0, &target, &out), TG_EINVAL);
	assert_int_equal(fdt_map_id(fdt, P(fdt, "/soc"), "iommu-map", 0, &target, &out), TG_ENOENT);
}

/* A copy at an odd address: every read must be byte-wise (UBSan checks). */
static void test_unaligned(void **state)
{
	struct fixture *fx = *state;
	uint8_t *buf = malloc(fx->len + 3);
	struct fdt fdt;
	struct fdt_irq irq;
	uint64_t a, s;
	uint32_t v;

	assert_non_null(buf);
	for (size_t shift = 1; shift <= 3; shift++) {
		memcpy(buf + shift, fx->blob, fx->len);
		assert_int_equal(fdt_open(&fdt, buf + shift, fx->len, NULL), TG_OK);
		assert_int_equal(fdt_reg(&fdt, P(&fdt, LEAF), 0, &a, &s), TG_OK);
		assert_int_equal(a, 0x60004010);
		assert_int_equal(fdt_prop_u32(&fdt, P(&fdt, "/strings"), "number", &v), TG_OK);
		assert_int_equal(v, 0x12345678);
		assert_int_equal(fdt_irq(&fdt, P(&fdt, DMADEV), 2, &irq), TG_OK);
		assert_int_equal(irq.cells[1], 61);
		uint32_t len;
		const void *cells = fdt_getprop(&fdt, P(&fdt, "/strings"), "wide", &len);
		assert_int_equal(fdt_cells_to_u64(cells, 2, &a), TG_OK);
		assert_int_equal(a, 0x1122334455667788ULL);
		assert_int_equal(fdt_reserved(&fdt, 1, &a, &s), TG_OK);
		assert_int_equal(a, 0x4ff00000);
	}
	free(buf);
}

/* Version 16 has no size_dt_struct; it is found by walking to FDT_END. */
static void test_version16(void **state)
{
	struct fixture *fx = *state;
	uint8_t *b = malloc(fx->len);
	struct fdt fdt;
	uint64_t a, s;

	assert_non_null(b);
	memcpy(b, fx->blob, fx->len);
	tu_put32(b + 20, 16);
	tu_put32(b + 24, 16);
	tu_put32(b + 36, 0xffffffff);	/* not a v16 field: must be ignored */
	assert_int_equal(fdt_open(&fdt, b, fx->len, NULL), TG_OK);
	assert_int_equal(fdt.version, 16);
	assert_int_equal(fdt.size_struct, tu_hdr(fx->blob, 36));
	assert_int_equal(fdt_reg(&fdt, P(&fdt, "serial0"), 0, &a, &s), TG_OK);
	assert_int_equal(a, 0x60001000);
	free(b);
}

/* Bad arguments: NULL, a closed fdt, offsets that are not nodes. */
static void test_misuse(void **state)
{
	const struct fdt *fdt = F(state);
	struct fdt zero;
	struct fdt_irq irq;
	struct fdt_range r;
	char buf[64];
	uint64_t a, s, v64;
	uint32_t v, len;
	int t;

	memset(&zero, 0x5a, sizeof(zero));
	assert_int_equal(fdt_open(&zero, NULL, 100, NULL), TG_EINVAL);
	assert_null(zero.blob);
	assert_int_equal(zero.totalsize, 0);
	assert_int_equal(fdt_open(NULL, fdt->blob, fdt->totalsize, NULL), TG_EINVAL);
	/* Every call on the zeroed struct fails cleanly. */
	assert_int_equal(fdt_root(&zero), TG_EINVAL);
	assert_int_equal(fdt_root(NULL), TG_EINVAL);
	assert_int_equal(fdt_path_offset(&zero, "/"), TG_EINVAL);
	assert_int_equal(fdt_node_by_phandle(&zero, 1), TG_EINVAL);
	assert_int_equal(fdt_reserved(&zero, 0, &a, &s), TG_EINVAL);
	assert_int_equal(fdt_next_node(&zero, -1, NULL), TG_EINVAL);
	assert_null(fdt_getprop(&zero, 0, "x", NULL));

	int root = fdt_root(fdt);
	int uart = P(fdt, UART);
	/* Offsets that are not FDT_BEGIN_NODE tokens. */
	int bad[] = { -2, -100, 1, 2, 3, uart + 4, (int)fdt->size_struct, (int)fdt->size_struct - 4,
		      0x7ffffffc };
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int b = bad[i];
		assert_int_equal(fdt_first_child(fdt, b), TG_EINVAL);
		assert_int_equal(fdt_next_sibling(fdt, b), TG_EINVAL);
		assert_int_equal(fdt_parent(fdt, b), TG_EINVAL);
		assert_int_equal(fdt_node_path(fdt, b, buf, sizeof(buf)), TG_EINVAL);
		assert_null(fdt_node_name(fdt, b));
		assert_null(fdt_getprop(fdt, b, "reg", NULL));
		assert_int_equal(fdt_prop_u32(fdt, b, "reg", &v), TG_EINVAL);
		assert_int_equal(fdt_reg(fdt, b, 0, &a, &s), TG_EINVAL);
		assert_int_equal(fdt_irq_count(fdt, b), TG_EINVAL);
		assert_int_equal(fdt_irq(fdt, b, 0, &irq), TG_EINVAL);
		assert_int_equal(fdt_address_cells(fdt, b), TG_EINVAL);
		assert_int_equal(fdt_ranges(fdt, b, "ranges", &r, 1), TG_EINVAL);
		assert_int_equal(fdt_interrupt_parent(fdt, b), TG_EINVAL);
		assert_int_equal(fdt_map_id(fdt, b, "iommu-map", 0, &t, &v), TG_EINVAL);
		assert_false(fdt_is_compatible(fdt, b, "ns16550a"));
		assert_false(fdt_is_available(fdt, b));
		assert_int_equal(fdt_next_node(fdt, b, NULL), TG_EINVAL);
	}
	/* An offset inside a value that happens to read as FDT_BEGIN_NODE
	 * (ethernet's interrupts = <1>) is not in the tree. */
	int eth = P(fdt, "/pcie@10000000/ethernet@2,0");
	const uint8_t *val = fdt_getprop(fdt, eth, "interrupts", &len);
	int fake = (int)(val - (fdt->blob + fdt->off_struct));
	assert_int_equal(tu_get32(val), 1);
	assert_int_equal(fdt_parent(fdt, fake), TG_EINVAL);
	assert_int_equal(fdt_node_path(fdt, fake, buf, sizeof(buf)), TG_EINVAL);
	assert_int_equal(fdt_reg(fdt, fake, 0, &a, &s), TG_EINVAL);
	/* Walkers from it stay in bounds whatever they return (ASan). */
	(void)fdt_first_child(fdt, fake);
	(void)fdt_next_sibling(fdt, fake);
	(void)fdt_next_node(fdt, fake, NULL);
	(void)fdt_getprop(fdt, fake, "reg", NULL);
	(void)fdt_irq(fdt, fake, 0, &irq);

	/* Argument checks. */
	assert_int_equal(fdt_node_path(fdt, uart, NULL, 10), TG_EINVAL);
	assert_int_equal(fdt_node_path(fdt, uart, buf, 0), TG_ENOSPC);
	assert_int_equal(fdt_node_path(fdt, root, buf, 1), TG_ENOSPC);
	assert_int_equal(fdt_node_path(fdt, root, buf, 2), TG_OK);
	assert_string_equal(buf, "/");
	assert_int_equal(fdt_node_by_compatible(fdt, -1, NULL), TG_EINVAL);
	assert_int_equal(fdt_stringlist_index(fdt, root, "compatible", NULL), TG_EINVAL);
	assert_int_equal(fdt_prop_u32(fdt, root, "#address-cells", NULL), TG_EINVAL);
	assert_int_equal(fdt_prop_u64(fdt, root, "#address-cells", NULL), TG_EINVAL);
	assert_int_equal(fdt_prop_u64(fdt, root, "#address-cells", &v64), TG_OK);
	assert_int_equal(v64, 2);
	assert_int_equal(fdt_irq(fdt, uart, 0, NULL), TG_EINVAL);
	assert_int_equal(fdt_irq_by_name(fdt, uart, NULL, &irq), TG_EINVAL);
	assert_int_equal(fdt_translate(fdt, uart, 0, NULL), TG_EINVAL);
	assert_int_equal(fdt_ranges(fdt, P(fdt, "/soc"), NULL, &r, 1), TG_EINVAL);
	assert_int_equal(fdt_ranges(fdt, P(fdt, "/soc"), "ranges", NULL, 1), TG_EINVAL);
	assert_null(fdt_getprop(fdt, uart, NULL, &len));
	assert_int_equal(fdt_reg(fdt, uart, 0, NULL, NULL), TG_OK);

	/* fdt_cells_to_u64 */
	static const uint8_t cells_be[12] = { 0, 0, 0, 1, 0x80, 0, 0, 2, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(fdt_cells_to_u64(cells_be, 1, &v64), TG_OK);
	assert_int_equal(v64, 1);
	assert_int_equal(fdt_cells_to_u64(cells_be, 2, &v64), TG_OK);
	assert_int_equal(v64, 0x180000002ULL);
	assert_int_equal(fdt_cells_to_u64(NULL, 0, &v64), TG_OK);
	assert_int_equal(v64, 0);
	assert_int_equal(fdt_cells_to_u64(cells_be, 3, &v64), TG_ERANGE);
	assert_int_equal(fdt_cells_to_u64(cells_be, 1, NULL), TG_EINVAL);
	assert_int_equal(fdt_cells_to_u64(NULL, 1, &v64), TG_EINVAL);
	assert_int_equal(fdt32_to_cpu(0x78563412U), 0x12345678U);

	assert_int_equal(fdt_peek_totalsize(NULL), 0);
	assert_int_equal(fdt_peek_totalsize(fdt->blob), fdt->totalsize);
	static const uint8_t notfdt[8] = { 0xd0, 0x0d, 0xfe, 0xee, 0, 0, 1, 0 };
	assert_int_equal(fdt_peek_totalsize(notfdt), 0);

	/* Each FDT error has its own message. */
	for (int e = TG_EFDT_MAGIC; e >= TG_EFDT_DEPTH; e--) {
		assert_string_not_equal(tg_strerror(e), tg_strerror(1));
		for (int e2 = e - 1; e2 >= TG_EFDT_DEPTH; e2--)
			assert_string_not_equal(tg_strerror(e), tg_strerror(e2));
	}
}

/* loops.dts: valid blob, cyclic phandle chains. */
static void test_loops(void **state)
{
	const struct fdt *fdt = F(state);
	struct fdt_irq irq;
	uint32_t one = 1;

	assert_int_equal(fdt_interrupt_parent(fdt, P(fdt, "/victim")), TG_EFDT_LOOP);
	assert_int_equal(fdt_irq_count(fdt, P(fdt, "/victim")), TG_EFDT_LOOP);
	assert_int_equal(fdt_irq(fdt, P(fdt, "/victim"), 0, &irq), TG_EFDT_LOOP);
	assert_int_equal(fdt_interrupt_parent(fdt, P(fdt, "/ping")), TG_EFDT_LOOP);
	assert_int_equal(fdt_interrupt_parent(fdt, P(fdt, "/selfish")), TG_EFDT_LOOP);
	/* interrupt-map cascade a -> b -> a ... */
	assert_int_equal(fdt_irq(fdt, P(fdt, "/cascade-victim"), 0, &irq), TG_EFDT_LOOP);
	assert_int_equal(fdt_interrupt_map(fdt, P(fdt, "/nexus-a"), NULL, &one, &irq), TG_EFDT_LOOP);
	/* ... while a one-step nexus next to them works. */
	assert_int_equal(fdt_irq(fdt, P(fdt, "/fine"), 0, &irq), TG_OK);
	assert_int_equal(irq.controller, P(fdt, "/interrupt-controller@1000"));
	assert_int_equal(irq.ncells, 1);
	assert_int_equal(irq.cells[0], 9);
}

int main(void)
{
	static const struct CMUnitTest fixture_tests[] = {
		cmocka_unit_test(test_memreserve),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_cell_defaults),
		cmocka_unit_test(test_nested_ranges),
		cmocka_unit_test(test_dma_ranges),
		cmocka_unit_test(test_pci_device_reg),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_irq_inherited),
		cmocka_unit_test(test_interrupts_extended),
		cmocka_unit_test(test_interrupt_map),
		cmocka_unit_test(test_idmap),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_version16),
		cmocka_unit_test(test_misuse),
	};
	static const struct CMUnitTest loop_tests[] = {
		cmocka_unit_test(test_loops),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("fixture.dts", fixture_tests, setup_fixture, teardown);
	failed += cmocka_run_group_tests_name("loops.dts", loop_tests, setup_loops, teardown);
	return failed ? 1 : 0;
}
