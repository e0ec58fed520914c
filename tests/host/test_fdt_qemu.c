/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FDT reader against the device trees QEMU really builds: one cmocka
 * group per line of tools/qemu-configs, each on build/dtb/<name>.dtb.
 *
 * What each configuration should contain is derived from its machine
 * arguments (gic-version, highmem, virtualization, -cpu, -m); the QEMU
 * constants asserted below were cross-checked against `dtc -I dtb -O dts`
 * of the dumped trees (QEMU 7.2 virt):
 *   pl011@9000000, pl031@9010000, fw-cfg@9020000, pl061@9030000,
 *   smmuv3@9050000 (SPIs 74..77 eventq/priq/cmdq-sync/gerror, edge),
 *   32 virtio_mmio@a000000 + n*0x200 on SPI 16 + n, platform-bus at
 *   0xc000000, GIC at 0x8000000 (v2: cpu if 0x8010000 + v2m@8020000;
 *   v3: redistributors 0x80a0000 + its@8080000), pcie@10000000 with ECAM
 *   0x3f000000 (16 buses) or 0x4010000000 (256 buses), PCI INTx on
 *   SPIs 3..6 swizzled by slot, timer PPIs 13/14/11/10.
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

/* GIC interrupt specifier (Linux binding arm,gic.yaml): type, number, flags. */
#define GIC_SPI			0
#define GIC_PPI			1
#define IRQ_EDGE_RISING		1
#define IRQ_LEVEL_HIGH		4

struct qemu {
	const struct tu_config *cfg;
	uint8_t *blob;
	size_t len;
	int open_rc;
	struct fdt fdt;
	/* Derived from the configuration line. */
	int gic_version;
	bool highmem;
	bool el2;
	bool aarch64;
	char cpu[64];
	uint64_t ram;
};

static const struct tu_config *g_current;

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': return v << 30;
	case 'M': case 'm': case '\0': return v << 20;	/* QEMU's -m unit is MiB */
	case 'K': case 'k': return v << 10;
	default: return 0;
	}
}

static int group_setup(void **state)
{
	struct qemu *q = calloc(1, sizeof(*q));
	char name[128];
	const char *v;

	if (!q)
		return -1;
	q->cfg = g_current;
	snprintf(name, sizeof(name), "%s.dtb", q->cfg->name);
	q->blob = tu_load2(tu_dtb_dir(), name, &q->len);
	q->open_rc = fdt_open(&q->fdt, q->blob, q->len, NULL);

	v = tu_machine_opt(q->cfg, "gic-version");
	q->gic_version = v ? atoi(v) : 2;	/* QEMU's virt default under TCG */
	v = tu_machine_opt(q->cfg, "highmem");
	q->highmem = !(v && strcmp(v, "off") == 0);
	v = tu_machine_opt(q->cfg, "virtualization");
	q->el2 = v && strcmp(v, "on") == 0;
	q->aarch64 = strcmp(q->cfg->arch, "aarch64") == 0;
	v = tu_arg_after(q->cfg, "-cpu");
	snprintf(q->cpu, sizeof(q->cpu), "%s", v ? v : "");
	v = tu_arg_after(q->cfg, "-m");
	q->ram = v ? parse_size(v) : 128ULL << 20;
	*state = q;
	return 0;
}

static int group_teardown(void **state)
{
	struct qemu *q = *state;

	free(q->blob);
	free(q);
	return 0;
}

static const struct fdt *F(void **state)
{
	struct qemu *q = *state;

	assert_int_equal(q->open_rc, TG_OK);
	return &q->fdt;
}

static int find_compat(const struct fdt *fdt, const char *compat)
{
	int node = fdt_node_by_compatible(fdt, -1, compat);

	assert_true(node >= 0);
	/* Exactly one such node in QEMU's tree. */
	assert_int_equal(fdt_node_by_compatible(fdt, node, compat), TG_ENOENT);
	return node;
}

static int gic_node(const struct fdt *fdt)
{
	uint32_t ph;

	assert_int_equal(fdt_prop_u32(fdt, fdt_root(fdt), "interrupt-parent", &ph), TG_OK);
	int gic = fdt_node_by_phandle(fdt, ph);
	assert_true(gic >= 0);
	return gic;
}

static void assert_reg(const struct fdt *fdt, int node, unsigned int idx, uint64_t addr,
		       uint64_t size)
{
	uint64_t a = 0, s = 0;

	assert_int_equal(fdt_reg(fdt, node, idx, &a, &s), TG_OK);
	assert_int_equal(a, addr);
	assert_int_equal(s, size);
}

static int by_path(const struct fdt *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		fail_msg("%s: %s", path, tg_strerror(node));
	return node;
}

/* ------------------------------------------------------------------------ */

static void test_header(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	struct fdt again;
	uint64_t a, s;

	assert_int_equal(fdt->version, 17);
	/* QEMU dumps exactly totalsize bytes. */
	assert_int_equal(fdt->totalsize, q->len);
	assert_int_equal(fdt_peek_totalsize(q->blob), q->len);
	assert_int_equal(fdt->boot_cpuid, 0);
	/* QEMU's virt tree carries no /memreserve/ entries. */
	assert_int_equal(fdt_reserved(fdt, 0, &a, &s), TG_ENOENT);
	/* One byte short of totalsize is a truncated blob. */
	assert_int_equal(fdt_open(&again, q->blob, q->len - 1, NULL), TG_EFDT_TRUNCATED);
	assert_null(again.blob);
}

/* Every node reachable three ways must agree with an independent count. */
static void test_walk(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	int node, depth = -5, count = 0, tokens = 0;
	char path[256];

	for (long off = tu_find_token(q->blob, 1, 0); off >= 0;
	     off = tu_find_token(q->blob, 1, (uint32_t)off + 4))
		tokens++;
	assert_true(tokens > 40);

	for (node = fdt_next_node(fdt, -1, &depth); node >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		int slashes = 0;

		count++;
		assert_true(count <= tokens);
		assert_int_equal(fdt_node_path(fdt, node, path, sizeof(path)), TG_OK);
		assert_int_equal(fdt_path_offset(fdt, path), node);
		for (const char *p = path; *p; p++)
			slashes += *p == '/';
		assert_int_equal(depth, node == fdt_root(fdt) ? 0 : slashes);
		if (depth > 0) {
			int parent = fdt_parent(fdt, node);
			char ppath[256];

			assert_true(parent >= 0);
			assert_int_equal(fdt_node_path(fdt, parent, ppath, sizeof(ppath)), TG_OK);
			/* The parent's path is ours minus the last component. */
			size_t plen = strlen(depth == 1 ? "" : ppath);
			assert_memory_equal(path, ppath, plen);
			assert_string_equal(path + plen + 1, fdt_node_name(fdt, node));
		} else {
			assert_int_equal(fdt_parent(fdt, node), TG_ENOENT);
			assert_string_equal(path, "/");
		}
	}
	assert_int_equal(node, TG_ENOENT);
	assert_int_equal(count, tokens);

	/* Same count with first_child / next_sibling, iteratively. */
	int stack[1024], sp = 0, count2 = 0;
	stack[sp++] = fdt_root(fdt);
	while (sp > 0) {
		int n = stack[--sp];
		count2++;
		for (int c = fdt_first_child(fdt, n); c >= 0; c = fdt_next_sibling(fdt, c)) {
			assert_true(sp < 1024);
			stack[sp++] = c;
		}
	}
	assert_int_equal(count2, tokens);
	assert_int_equal(fdt_next_sibling(fdt, fdt_root(fdt)), TG_ENOENT);

	/* A short buffer is reported, not overrun. */
	node = by_path(fdt, "/pl011@9000000");
	assert_int_equal(fdt_node_path(fdt, node, path, 5), TG_ENOSPC);
	assert_int_equal(fdt_node_path(fdt, node, path, sizeof("/pl011@9000000")), TG_OK);
	assert_string_equal(path, "/pl011@9000000");
}

static void test_paths(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	int root = fdt_root(fdt);

	assert_int_equal(fdt_path_offset(fdt, "/"), root);
	assert_string_equal(fdt_node_name(fdt, root), "");
	assert_true(fdt_is_compatible(fdt, root, "linux,dummy-virt"));

	int uart = by_path(fdt, "/pl011@9000000");
	assert_true(fdt_is_compatible(fdt, uart, "arm,pl011"));
	assert_int_equal(fdt_path_offset(fdt, "/pl011@9000000/"), uart);
	assert_int_equal(fdt_path_offset(fdt, "//pl011@9000000"), uart);
	/* Unit address omitted: unique base name. */
	assert_int_equal(fdt_path_offset(fdt, "/pl011"), uart);
	int mem = by_path(fdt, "/memory");
	assert_string_equal(fdt_node_name(fdt, mem), "memory@40000000");
	/* 32 virtio_mmio nodes: a bare base name is ambiguous. */
	assert_int_equal(fdt_path_offset(fdt, "/virtio_mmio"), TG_ENOENT);
	assert_true(by_path(fdt, "/virtio_mmio@a000200") >= 0);
	assert_int_equal(fdt_path_offset(fdt, "/pl011@9000001"), TG_ENOENT);
	assert_int_equal(fdt_path_offset(fdt, "/no-such-node"), TG_ENOENT);
	assert_int_equal(fdt_path_offset(fdt, "/pl011@9000000/child"), TG_ENOENT);
	/* QEMU's virt tree has no /aliases: relative paths resolve nowhere. */
	assert_int_equal(fdt_path_offset(fdt, "serial0"), TG_ENOENT);
	assert_int_equal(fdt_path_offset(fdt, NULL), TG_EINVAL);

	int msi = by_path(fdt, q->gic_version >= 3 ? "/intc@8000000/its@8080000"
						   : "/intc@8000000/v2m@8020000");
	assert_int_equal(fdt_path_offset(fdt, q->gic_version >= 3 ? "/intc/its" : "/intc/v2m"), msi);
	assert_int_equal(fdt_parent(fdt, msi), gic_node(fdt));

	/* cpu-map's core points at the cpu node. */
	int core = by_path(fdt, "/cpus/cpu-map/socket0/cluster0/core0");
	uint32_t ph;
	assert_int_equal(fdt_prop_u32(fdt, core, "cpu", &ph), TG_OK);
	assert_int_equal(fdt_node_by_phandle(fdt, ph), by_path(fdt, "/cpus/cpu@0"));
}

static void test_compatible(void **state)
{
	const struct fdt *fdt = F(state);
	uint32_t seen = 0;
	int n = 0;

	/* The virtio-mmio transports: base 0xa000000 + k * 0x200 on SPI 16 + k. */
	for (int node = fdt_node_by_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_by_compatible(fdt, node, "virtio,mmio")) {
		uint64_t a, s;
		struct fdt_irq irq;

		assert_int_equal(fdt_reg(fdt, node, 0, &a, &s), TG_OK);
		assert_int_equal(s, 0x200);
		assert_true(a >= 0xa000000 && (a - 0xa000000) % 0x200 == 0);
		uint64_t k = (a - 0xa000000) / 0x200;
		assert_true(k < 32);
		assert_false(seen & (1U << k));
		seen |= 1U << k;
		assert_int_equal(fdt_irq(fdt, node, 0, &irq), TG_OK);
		assert_int_equal(irq.cells[0], GIC_SPI);
		assert_int_equal(irq.cells[1], 16 + k);
		assert_int_equal(irq.cells[2], IRQ_EDGE_RISING);
		assert_true(fdt_getprop(fdt, node, "dma-coherent", NULL) != NULL);
		n++;
	}
	assert_int_equal(n, 32);
	assert_int_equal(seen, 0xffffffffU);

	int uart = find_compat(fdt, "arm,pl011");
	assert_string_equal(fdt_node_name(fdt, uart), "pl011@9000000");
	assert_true(fdt_is_compatible(fdt, uart, "arm,primecell"));
	assert_false(fdt_is_compatible(fdt, uart, "arm,pl01"));
	assert_false(fdt_is_compatible(fdt, uart, "arm,pl0111"));
	assert_int_equal(fdt_stringlist_index(fdt, uart, "compatible", "arm,primecell"), 1);
	assert_int_equal(fdt_stringlist_index(fdt, uart, "compatible", "arm,pl011"), 0);
	assert_int_equal(fdt_stringlist_index(fdt, uart, "compatible", "ns16550a"), TG_ENOENT);
	assert_string_equal(fdt_stringlist_get(fdt, uart, "compatible", 1), "arm,primecell");
	assert_null(fdt_stringlist_get(fdt, uart, "compatible", 2));
	assert_string_equal(fdt_stringlist_get(fdt, uart, "clock-names", 0), "uartclk");

	/* Primecells: pl011, pl031, pl061. */
	n = 0;
	for (int node = fdt_node_by_compatible(fdt, -1, "arm,primecell"); node >= 0;
	     node = fdt_node_by_compatible(fdt, node, "arm,primecell"))
		n++;
	assert_int_equal(n, 3);
	find_compat(fdt, "arm,pl031");
	find_compat(fdt, "arm,pl061");
	find_compat(fdt, "qemu,fw-cfg-mmio");
	assert_int_equal(fdt_node_by_compatible(fdt, -1, "no,such-device"), TG_ENOENT);
}

static void test_phandles(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	uint32_t max = 0;
	int with = 0;

	/* Every phandle property leads back to its own node. */
	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL)) {
		uint32_t ph;

		if (fdt_prop_u32(fdt, node, "phandle", &ph) != TG_OK)
			continue;
		assert_int_equal(fdt_node_by_phandle(fdt, ph), node);
		max = ph > max ? ph : max;
		with++;
	}
	/* clock, cpu, gic, msi frame, smmu, gpio */
	assert_int_equal(with, 6);
	assert_int_equal(fdt_node_by_phandle(fdt, max + 1), TG_ENOENT);
	assert_int_equal(fdt_node_by_phandle(fdt, 0), TG_ENOENT);
	assert_int_equal(fdt_node_by_phandle(fdt, 0xffffffffU), TG_ENOENT);

	int gic = gic_node(fdt);
	assert_true(fdt_is_compatible(fdt, gic, q->gic_version >= 3 ? "arm,gic-v3"
								   : "arm,cortex-a15-gic"));
	assert_true(fdt_getprop(fdt, gic, "interrupt-controller", NULL) != NULL);
	int cpu = by_path(fdt, "/cpus/cpu@0");
	char compat[80];
	snprintf(compat, sizeof(compat), "arm,%s", q->cpu);
	assert_true(fdt_is_compatible(fdt, cpu, compat));
	assert_string_equal(fdt_prop_string(fdt, cpu, "device_type"), "cpu");

	/* The gpio-keys poweroff key references the pl061. */
	int key = by_path(fdt, "/gpio-keys/poweroff");
	const uint8_t *gpios;
	uint32_t len;
	gpios = fdt_getprop(fdt, key, "gpios", &len);
	assert_non_null(gpios);
	assert_int_equal(len, 12);
	assert_int_equal(fdt_node_by_phandle(fdt, tu_get32(gpios)), find_compat(fdt, "arm,pl061"));
}

static void test_reg(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	uint64_t a, s;

	assert_reg(fdt, find_compat(fdt, "arm,pl011"), 0, 0x9000000, 0x1000);
	assert_reg(fdt, find_compat(fdt, "arm,pl031"), 0, 0x9010000, 0x1000);
	assert_reg(fdt, find_compat(fdt, "qemu,fw-cfg-mmio"), 0, 0x9020000, 0x18);
	assert_reg(fdt, find_compat(fdt, "arm,pl061"), 0, 0x9030000, 0x1000);
	assert_reg(fdt, find_compat(fdt, "arm,smmu-v3"), 0, 0x9050000, 0x20000);
	assert_reg(fdt, by_path(fdt, "/memory"), 0, 0x40000000, q->ram);
	int flash = find_compat(fdt, "cfi-flash");
	assert_reg(fdt, flash, 0, 0x0, 0x4000000);
	assert_reg(fdt, flash, 1, 0x4000000, 0x4000000);
	assert_int_equal(fdt_reg(fdt, flash, 2, &a, &s), TG_ENOENT);

	int gic = gic_node(fdt);
	assert_reg(fdt, gic, 0, 0x8000000, 0x10000);
	if (q->gic_version >= 3) {
		uint32_t regions;
		assert_int_equal(fdt_prop_u32(fdt, gic, "#redistributor-regions", &regions), TG_OK);
		assert_int_equal(regions, 1);
		assert_reg(fdt, gic, 1, 0x80a0000, 0xf60000);
		/* The MSI frame sits under the GIC, reached through its empty ranges. */
		assert_reg(fdt, find_compat(fdt, "arm,gic-v3-its"), 0, 0x8080000, 0x20000);
	} else {
		assert_reg(fdt, gic, 1, 0x8010000, 0x10000);
		assert_reg(fdt, find_compat(fdt, "arm,gic-v2m-frame"), 0, 0x8020000, 0x1000);
	}
	assert_int_equal(fdt_reg(fdt, gic, 2, &a, &s), TG_ENOENT);

	/* /cpus has no ranges: a cpu's reg is an MPIDR, not an address. */
	int cpu = by_path(fdt, "/cpus/cpu@0");
	assert_int_equal(fdt_address_cells(fdt, by_path(fdt, "/cpus")), 1);
	assert_int_equal(fdt_size_cells(fdt, by_path(fdt, "/cpus")), 0);
	assert_int_equal(fdt_reg(fdt, cpu, 0, &a, &s), TG_ERANGE);
	a = s = 99;
	assert_int_equal(fdt_reg_raw(fdt, cpu, 0, &a, &s), TG_OK);
	assert_int_equal(a, 0);
	assert_int_equal(s, 0);

	/* The root has no reg; nodes without reg report TG_ENOENT. */
	assert_int_equal(fdt_reg(fdt, fdt_root(fdt), 0, &a, &s), TG_ENOENT);
	assert_int_equal(fdt_reg(fdt, by_path(fdt, "/chosen"), 0, &a, &s), TG_ENOENT);
	assert_int_equal(fdt_address_cells(fdt, fdt_root(fdt)), 2);
	assert_int_equal(fdt_size_cells(fdt, fdt_root(fdt)), 2);

	/* platform-bus: 32 MiB dynamic sysbus window at 0xc000000. */
	int pbus = find_compat(fdt, "qemu,platform");
	struct fdt_range r[2];
	assert_int_equal(fdt_ranges(fdt, pbus, "ranges", r, 2), 1);
	assert_int_equal(r[0].child_addr, 0);
	assert_int_equal(r[0].parent_addr, 0xc000000);
	assert_int_equal(r[0].size, 0x2000000);
	assert_int_equal(r[0].child_flags, 0);
	assert_int_equal(fdt_translate(fdt, pbus, 0x1000, &a), TG_OK);
	assert_int_equal(a, 0xc001000);
	assert_int_equal(fdt_translate(fdt, pbus, 0x1ffffff, &a), TG_OK);
	assert_int_equal(a, 0xdffffff);
	assert_int_equal(fdt_translate(fdt, pbus, 0x2000000, &a), TG_ERANGE);
	/* Root children already use CPU addresses. */
	assert_int_equal(fdt_translate(fdt, fdt_root(fdt), 0x123456789ULL, &a), TG_OK);
	assert_int_equal(a, 0x123456789ULL);
}

static void test_pci_ranges(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	int pcie = find_compat(fdt, "pci-host-ecam-generic");
	struct fdt_range r[4];
	uint32_t len;
	uint64_t a, s;

	assert_string_equal(fdt_node_name(fdt, pcie), "pcie@10000000");
	assert_string_equal(fdt_prop_string(fdt, pcie, "device_type"), "pci");
	assert_int_equal(fdt_address_cells(fdt, pcie), 3);
	assert_int_equal(fdt_size_cells(fdt, pcie), 2);
	assert_true(fdt_getprop(fdt, pcie, "dma-coherent", NULL) != NULL);

	int n = fdt_ranges(fdt, pcie, "ranges", r, 4);
	assert_int_equal(n, q->highmem ? 3 : 2);
	assert_int_equal(fdt_ranges(fdt, pcie, "ranges", r, (unsigned int)n - 1), TG_ENOSPC);
	/* I/O space: 64 KiB of ports from bus address 0 at CPU 0x3eff0000. */
	assert_int_equal(r[0].child_flags, 0x01000000);
	assert_int_equal(r[0].child_addr, 0);
	assert_int_equal(r[0].parent_addr, 0x3eff0000);
	assert_int_equal(r[0].size, 0x10000);
	/* 32-bit memory, identity-mapped up to the I/O window. */
	assert_int_equal(r[1].child_flags, 0x02000000);
	assert_int_equal(r[1].child_addr, 0x10000000);
	assert_int_equal(r[1].parent_addr, 0x10000000);
	assert_int_equal(r[1].parent_addr + r[1].size, r[0].parent_addr);
	if (q->highmem) {
		/* 64-bit memory: 512 GiB at 512 GiB. */
		assert_int_equal(r[2].child_flags, 0x03000000);
		assert_int_equal(r[2].child_addr, 0x8000000000ULL);
		assert_int_equal(r[2].parent_addr, 0x8000000000ULL);
		assert_int_equal(r[2].size, 0x8000000000ULL);
	}
	assert_int_equal(fdt_ranges(fdt, pcie, "dma-ranges", r, 4), TG_ENOENT);

	/* Bus memory addresses go straight through; 64-bit only with highmem. */
	assert_int_equal(fdt_translate(fdt, pcie, 0x10001234, &a), TG_OK);
	assert_int_equal(a, 0x10001234);
	assert_int_equal(fdt_translate(fdt, pcie, 0x8000001000ULL, &a),
			 q->highmem ? TG_OK : TG_ERANGE);
	if (q->highmem)
		assert_int_equal(a, 0x8000001000ULL);
	/* Bus address 0x10 only exists in I/O space: not a memory address. */
	assert_int_equal(fdt_translate(fdt, pcie, 0x10, &a), TG_ERANGE);

	/* ECAM: 1 MiB of config space per bus in bus-range. */
	const uint8_t *br = fdt_getprop(fdt, pcie, "bus-range", &len);
	assert_non_null(br);
	assert_int_equal(len, 8);
	uint32_t nbus = tu_get32(br + 4) - tu_get32(br) + 1;
	assert_int_equal(nbus, q->highmem ? 256 : 16);
	assert_int_equal(fdt_reg(fdt, pcie, 0, &a, &s), TG_OK);
	assert_int_equal(s, (uint64_t)nbus << 20);
	assert_int_equal(a, q->highmem ? 0x4010000000ULL : 0x3f000000);
}

static void test_irqs(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	static const char *const smmu_names[] = { "eventq", "priq", "cmdq-sync", "gerror" };
	int gic = gic_node(fdt);
	struct fdt_irq irq, irq2;
	/* GICv2 PPIs carry a CPU mask in flags[15:8]: one CPU -> 0x100. */
	uint32_t ppi_flags = IRQ_LEVEL_HIGH | (q->gic_version == 2 ? 0x100U : 0U);

	int uart = find_compat(fdt, "arm,pl011");
	assert_int_equal(fdt_interrupt_parent(fdt, uart), gic);
	assert_int_equal(fdt_irq_count(fdt, uart), 1);
	assert_int_equal(fdt_irq(fdt, uart, 0, &irq), TG_OK);
	assert_int_equal(irq.controller, gic);
	assert_int_equal(irq.ncells, 3);
	assert_int_equal(irq.cells[0], GIC_SPI);
	assert_int_equal(irq.cells[1], 1);
	assert_int_equal(irq.cells[2], IRQ_LEVEL_HIGH);
	assert_int_equal(fdt_irq(fdt, uart, 1, &irq), TG_ENOENT);

	int smmu = find_compat(fdt, "arm,smmu-v3");
	assert_int_equal(fdt_irq_count(fdt, smmu), 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(fdt_irq_by_name(fdt, smmu, smmu_names[i], &irq), TG_OK);
		assert_int_equal(fdt_irq(fdt, smmu, i, &irq2), TG_OK);
		assert_memory_equal(&irq, &irq2, sizeof(irq));
		assert_int_equal(irq.controller, gic);
		assert_int_equal(irq.cells[0], GIC_SPI);
		assert_int_equal(irq.cells[1], 74 + i);
		assert_int_equal(irq.cells[2], IRQ_EDGE_RISING);
	}
	assert_int_equal(fdt_irq_by_name(fdt, smmu, "pri", &irq), TG_ENOENT);
	assert_int_equal(fdt_irq_by_name(fdt, uart, "eventq", &irq), TG_ENOENT);

	/* Architected timer: secure, non-secure, virtual, hypervisor PPIs. */
	int timer = by_path(fdt, "/timer");
	static const uint32_t timer_ppis[] = { 13, 14, 11, 10 };
	assert_int_equal(fdt_irq_count(fdt, timer), 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(fdt_irq(fdt, timer, i, &irq), TG_OK);
		assert_int_equal(irq.cells[0], GIC_PPI);
		assert_int_equal(irq.cells[1], timer_ppis[i]);
		assert_int_equal(irq.cells[2], ppi_flags);
	}

	/* The PMU node exists on both ISAs but is empty for the Cortex-A15. */
	int pmu = by_path(fdt, "/pmu");
	if (q->aarch64) {
		assert_true(fdt_is_compatible(fdt, pmu, "arm,armv8-pmuv3"));
		assert_int_equal(fdt_irq(fdt, pmu, 0, &irq), TG_OK);
		assert_int_equal(irq.cells[0], GIC_PPI);
		assert_int_equal(irq.cells[1], 7);
		assert_int_equal(irq.cells[2], ppi_flags);
	} else {
		assert_null(fdt_getprop(fdt, pmu, "compatible", NULL));
		assert_int_equal(fdt_irq_count(fdt, pmu), 0);
	}

	/* With virtualization the GIC gets its maintenance PPI 9. */
	assert_int_equal(fdt_irq_count(fdt, gic), q->el2 ? 1 : 0);
	if (q->el2) {
		assert_int_equal(fdt_irq(fdt, gic, 0, &irq), TG_OK);
		assert_int_equal(irq.cells[0], GIC_PPI);
		assert_int_equal(irq.cells[1], 9);
		assert_int_equal(irq.cells[2], IRQ_LEVEL_HIGH);
	}
	/* The root's interrupt-parent makes the GIC its own parent. */
	assert_int_equal(fdt_interrupt_parent(fdt, gic), gic);
	assert_int_equal(fdt_irq_count(fdt, by_path(fdt, "/memory")), 0);
	assert_int_equal(fdt_irq(fdt, by_path(fdt, "/memory"), 0, &irq), TG_ENOENT);
}

static void test_interrupt_map(void **state)
{
	const struct fdt *fdt = F(state);
	int pcie = find_compat(fdt, "pci-host-ecam-generic");
	int gic = gic_node(fdt);
	uint32_t len, icells, gic_icells;
	struct fdt_irq irq;

	/* Entry width: child unit address (3) + child specifier (1) +
	 * phandle + parent unit address (#address-cells of the GIC) +
	 * parent specifier (#interrupt-cells of the GIC). */
	assert_int_equal(fdt_prop_u32(fdt, pcie, "#interrupt-cells", &icells), TG_OK);
	assert_int_equal(fdt_prop_u32(fdt, gic, "#interrupt-cells", &gic_icells), TG_OK);
	int gic_acells = fdt_address_cells(fdt, gic);
	uint32_t width = (uint32_t)fdt_address_cells(fdt, pcie) + icells + 1 +
			 (uint32_t)gic_acells + gic_icells;
	assert_int_equal(width, 10);
	assert_non_null(fdt_getprop(fdt, pcie, "interrupt-map", &len));
	/* Four slots (swizzle repeats every 4) times four pins. */
	assert_int_equal(len, 16 * 4 * width);

	for (uint32_t slot = 0; slot < 32; slot++) {
		for (uint32_t pin = 1; pin <= 4; pin++) {
			/* Bus number and function are masked off. */
			uint32_t addr[3] = { (slot << 11) | ((slot & 7) << 16) | (slot & 7) << 8, 0, 0 };
			uint32_t spec[1] = { pin };

			assert_int_equal(fdt_interrupt_map(fdt, pcie, addr, spec, &irq), TG_OK);
			assert_int_equal(irq.controller, gic);
			assert_int_equal(irq.ncells, 3);
			assert_int_equal(irq.cells[0], GIC_SPI);
			/* Standard INTx swizzle onto QEMU's four PCIe SPIs 3..6. */
			assert_int_equal(irq.cells[1], 3 + (slot + pin - 1) % 4);
			assert_int_equal(irq.cells[2], IRQ_LEVEL_HIGH);
		}
	}
	uint32_t addr[3] = { 0, 0, 0 };
	uint32_t bad_pins[] = { 0, 5, 8 };
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(fdt_interrupt_map(fdt, pcie, addr, &bad_pins[i], &irq), TG_ENOENT);
	/* Not a nexus. */
	uint32_t spec3[3] = { 0, 1, 4 };
	assert_int_equal(fdt_interrupt_map(fdt, gic, NULL, spec3, &irq), TG_ENOENT);
}

static void test_idmaps(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	int pcie = find_compat(fdt, "pci-host-ecam-generic");
	int smmu = find_compat(fdt, "arm,smmu-v3");
	int msi = find_compat(fdt, q->gic_version >= 3 ? "arm,gic-v3-its" : "arm,gic-v2m-frame");
	static const uint32_t rids[] = { 0x0, 0x1, 0x8, 0xff, 0x100, 0x1234, 0xfff8, 0xffff };
	int target;
	uint32_t out;

	assert_true(fdt_getprop(fdt, msi, "msi-controller", NULL) != NULL);
	for (unsigned int i = 0; i < sizeof(rids) / sizeof(rids[0]); i++) {
		target = -1;
		out = ~rids[i];
		assert_int_equal(fdt_map_id(fdt, pcie, "iommu-map", rids[i], &target, &out), TG_OK);
		assert_int_equal(target, smmu);
		assert_int_equal(out, rids[i]);	/* <0 &smmu 0 0x10000>: identity */
		target = -1;
		out = ~rids[i];
		assert_int_equal(fdt_map_id(fdt, pcie, "msi-map", rids[i], &target, &out), TG_OK);
		assert_int_equal(target, msi);
		assert_int_equal(out, rids[i]);
	}
	/* One past the 64 Ki RIDs the maps cover. */
	assert_int_equal(fdt_map_id(fdt, pcie, "iommu-map", 0x10000, &target, &out), TG_ERANGE);
	assert_int_equal(fdt_map_id(fdt, pcie, "msi-map", 0x10000, &target, &out), TG_ERANGE);
	assert_int_equal(fdt_map_id(fdt, pcie, "no-such-map", 0, &target, &out), TG_ENOENT);
	assert_int_equal(fdt_map_id(fdt, smmu, "iommu-map", 0, &target, &out), TG_ENOENT);
	uint32_t cells;
	assert_int_equal(fdt_prop_u32(fdt, smmu, "#iommu-cells", &cells), TG_OK);
	assert_int_equal(cells, 1);
}

static void test_chosen_psci(void **state)
{
	struct qemu *q = *state;
	const struct fdt *fdt = F(state);
	int chosen = by_path(fdt, "/chosen");
	uint32_t v;

	const char *stdout_path = fdt_prop_string(fdt, chosen, "stdout-path");
	assert_non_null(stdout_path);
	int uart = by_path(fdt, stdout_path);
	assert_true(fdt_is_compatible(fdt, uart, "arm,pl011"));
	assert_reg(fdt, uart, 0, 0x9000000, 0x1000);

	int psci = find_compat(fdt, "arm,psci-0.2");
	assert_true(fdt_is_compatible(fdt, psci, "arm,psci-1.0"));
	/* EL2 is the guest's own with virtualization=on, so PSCI is at EL3. */
	assert_string_equal(fdt_prop_string(fdt, psci, "method"), q->el2 ? "smc" : "hvc");
	/* PSCI function IDs: bit 30 selects the SMC64 calling convention. */
	assert_int_equal(fdt_prop_u32(fdt, psci, "cpu_on", &v), TG_OK);
	assert_int_equal(v, q->aarch64 ? 0xc4000003U : 0x84000003U);
	assert_int_equal(fdt_prop_u32(fdt, psci, "cpu_off", &v), TG_OK);
	assert_int_equal(v, 0x84000002U);

	int mem = by_path(fdt, "/memory");
	assert_string_equal(fdt_prop_string(fdt, mem, "device_type"), "memory");
	assert_true(fdt_is_compatible(fdt, fdt_root(fdt), "linux,dummy-virt"));
	assert_string_equal(fdt_prop_string(fdt, fdt_root(fdt), "model"), "linux,dummy-virt");
}

static void test_props(void **state)
{
	const struct fdt *fdt = F(state);
	uint32_t v32, len;
	uint64_t v64;
	int smmu = find_compat(fdt, "arm,smmu-v3");

	const void *p = fdt_getprop(fdt, smmu, "dma-coherent", &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	len = 77;
	assert_null(fdt_getprop(fdt, smmu, "no-such-prop", &len));
	assert_int_equal(len, 0);
	assert_int_equal(fdt_prop_u32(fdt, smmu, "no-such-prop", &v32), TG_ENOENT);
	/* Wrong sizes are malformed, not silently truncated. */
	assert_int_equal(fdt_prop_u32(fdt, smmu, "compatible", &v32), TG_EFDT_PROP);
	assert_int_equal(fdt_prop_u32(fdt, smmu, "reg", &v32), TG_EFDT_PROP);
	assert_int_equal(fdt_prop_u64(fdt, smmu, "reg", &v64), TG_EFDT_PROP);
	/* Boolean property has no string. */
	assert_null(fdt_prop_string(fdt, smmu, "dma-coherent"));

	/* The 24 MHz APB clock, as one cell read through prop_u64. */
	int clk = find_compat(fdt, "fixed-clock");
	assert_int_equal(fdt_prop_u64(fdt, clk, "clock-frequency", &v64), TG_OK);
	assert_int_equal(v64, 24000000);
	assert_string_equal(fdt_prop_string(fdt, clk, "clock-output-names"), "clk24mhz");

	/* kaslr-seed: two cells, readable as u64; its value is random. */
	int chosen = by_path(fdt, "/chosen");
	const uint8_t *seed = fdt_getprop(fdt, chosen, "kaslr-seed", &len);
	assert_non_null(seed);
	assert_int_equal(len, 8);
	assert_int_equal(fdt_prop_u64(fdt, chosen, "kaslr-seed", &v64), TG_OK);
	assert_int_equal(v64, ((uint64_t)tu_get32(seed) << 32) | tu_get32(seed + 4));
	uint64_t c;
	assert_int_equal(fdt_cells_to_u64(seed, 2, &c), TG_OK);
	assert_int_equal(c, v64);

	/* QEMU marks nothing disabled. */
	for (int node = fdt_next_node(fdt, -1, NULL); node >= 0;
	     node = fdt_next_node(fdt, node, NULL))
		assert_true(fdt_is_available(fdt, node));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_header),
	cmocka_unit_test(test_walk),
	cmocka_unit_test(test_paths),
	cmocka_unit_test(test_compatible),
	cmocka_unit_test(test_phandles),
	cmocka_unit_test(test_reg),
	cmocka_unit_test(test_pci_ranges),
	cmocka_unit_test(test_irqs),
	cmocka_unit_test(test_interrupt_map),
	cmocka_unit_test(test_idmaps),
	cmocka_unit_test(test_chosen_psci),
	cmocka_unit_test(test_props),
};

int main(void)
{
	static struct tu_config cfgs[TU_MAX_CONFIGS];
	int n = tu_read_configs(cfgs, TU_MAX_CONFIGS);
	int failed = 0;

	if (n == 0) {
		fprintf(stderr, "no configurations in %s\n", tu_qemu_configs());
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char name[96];

		g_current = &cfgs[i];
		snprintf(name, sizeof(name), "qemu %s", cfgs[i].name);
		failed += cmocka_run_group_tests_name(name, tests, group_setup, group_teardown);
	}
	return failed ? 1 : 0;
}
