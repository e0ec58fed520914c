/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public API used wrongly: NULL arguments, bad sizes and offsets,
 * registration errors, lookups of things that are not there; and the ECAM
 * accessors over a plain buffer.  Nothing malformed may reach the
 * controller (the simulator counts what does).
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
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_sim.h"

static struct sim *g_sim;
static struct pci_host g_host;
static struct sim_fn *g_fn;

/* One enumerated endpoint with a PCIe capability and 4 KiB of config space. */
static struct pci_dev *one_dev(void)
{
	g_sim = sim_new();
	g_fn = sim_add_ep(sim_root(g_sim), 3, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_pcie(g_fn, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_bar(g_fn, 0, 0x4000, SIM_BAR_MEM64);
	sim_wmask32(g_fn, 0xffc, 0xffffffff);	/* a scratch dword at the very end */
	sim_host_init(&g_host, g_sim, true);
	sim_enumerate(&g_host);
	struct pci_dev *d = pci_find_bdf(0, 0, PCI_DEVFN(3, 0));
	assert_non_null(d);
	return d;
}

static unsigned long accesses(void)
{
	struct sim_stats st;

	sim_stats(g_sim, &st);
	return st.reads + st.writes;
}

static void test_cfg_misuse(void **state)
{
	struct pci_dev *d = one_dev();
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	unsigned long before = accesses();
	unsigned long host_before = g_host.cfg_reads + g_host.cfg_writes;

	/* NULL device or value. */
	assert_int_equal(pci_cfg_read8(NULL, 0, &v8), TG_EINVAL);
	assert_int_equal(pci_cfg_read16(NULL, 0, &v16), TG_EINVAL);
	assert_int_equal(pci_cfg_read32(NULL, 0, &v32), TG_EINVAL);
	assert_int_equal(pci_cfg_read8(d, 0, NULL), TG_EINVAL);
	assert_int_equal(pci_cfg_read16(d, 0, NULL), TG_EINVAL);
	assert_int_equal(pci_cfg_read32(d, 0, NULL), TG_EINVAL);
	assert_int_equal(pci_cfg_write8(NULL, 0x3c, 0), TG_EINVAL);
	assert_int_equal(pci_cfg_write16(NULL, 4, 0), TG_EINVAL);
	assert_int_equal(pci_cfg_write32(NULL, 0x10, 0), TG_EINVAL);
	/* Misaligned. */
	assert_int_equal(pci_cfg_read16(d, 1, &v16), TG_EINVAL);
	assert_int_equal(pci_cfg_read32(d, 2, &v32), TG_EINVAL);
	assert_int_equal(pci_cfg_read32(d, 0x41, &v32), TG_EINVAL);
	assert_int_equal(pci_cfg_write16(d, 0x5, 0), TG_EINVAL);
	assert_int_equal(pci_cfg_write32(d, 0x12, 0), TG_EINVAL);
	/* Past the 4 KiB function space. */
	assert_int_equal(pci_cfg_read8(d, 0x1000, &v8), TG_EINVAL);
	assert_int_equal(pci_cfg_read16(d, 0x1000, &v16), TG_EINVAL);
	assert_int_equal(pci_cfg_read32(d, 0x1000, &v32), TG_EINVAL);
	assert_int_equal(pci_cfg_read32(d, 0xfffc, &v32), TG_EINVAL);
	assert_int_equal(pci_cfg_write8(d, 0xffff, 0), TG_EINVAL);
	assert_int_equal(pci_cfg_write32(d, 0x1ffc, 0), TG_EINVAL);
	/* A device record without a host. */
	struct pci_dev orphan;
	memset(&orphan, 0, sizeof(orphan));
	assert_int_equal(pci_cfg_read32(&orphan, 0, &v32), TG_EINVAL);
	assert_int_equal(pci_cfg_write32(&orphan, 0, 0), TG_EINVAL);

	/* None of that reached the controller or the counters. */
	assert_int_equal(accesses(), before);
	assert_int_equal(g_host.cfg_reads + g_host.cfg_writes, host_before);

	/* The edges that are legal. */
	assert_int_equal(pci_cfg_read32(d, 0, &v32), TG_OK);
	assert_int_equal(v32, 0x00101b36);
	assert_int_equal(pci_cfg_read16(d, 2, &v16), TG_OK);
	assert_int_equal(v16, 0x0010);
	assert_int_equal(pci_cfg_read8(d, PCI_REVISION_ID + 3, &v8), TG_OK);
	assert_int_equal(v8, 0x01);
	assert_int_equal(pci_cfg_write32(d, 0xffc, 0xa5a55a5a), TG_OK);
	assert_int_equal(pci_cfg_read32(d, 0xffc, &v32), TG_OK);
	assert_int_equal(v32, 0xa5a55a5a);
	assert_int_equal(pci_cfg_read16(d, 0xffe, &v16), TG_OK);
	assert_int_equal(v16, 0xa5a5);
	assert_int_equal(pci_cfg_read8(d, 0xfff, &v8), TG_OK);
	assert_int_equal(v8, 0xa5);
	assert_int_equal(pci_cfg_write8(d, 0xffd, 0x11), TG_OK);
	assert_int_equal(sim_peek(g_fn, 0xffc, 4), 0xa5a5115a);
	assert_int_equal(pci_cfg_write16(d, 0xffe, 0x2233), TG_OK);
	assert_int_equal(sim_peek(g_fn, 0xffc, 4), 0x2233115a);
	struct sim_stats st;
	sim_stats(g_sim, &st);
	assert_int_equal(st.bad_access, 0);
}

/* A read that fails yields all-ones in every width, as a read nothing
 * answers would: callers that ignore the error never see stale data. */
static void test_failed_read_value(void **state)
{
	struct pci_dev *d = one_dev();
	uint8_t v8 = 0x12;
	uint16_t v16 = 0x1234;
	uint32_t v32 = 0x12345678;

	assert_int_equal(pci_cfg_read8(d, 0x1000, &v8), TG_EINVAL);
	assert_int_equal(pci_cfg_read16(d, 0x1001, &v16), TG_EINVAL);
	assert_int_equal(v8, 0xff);
	assert_int_equal(v16, 0xffff);
	assert_int_equal(pci_cfg_read32(d, 0x1000, &v32), TG_EINVAL);
	if (v32 != 0xffffffffu)
		fail_msg("pci_cfg_read32 failing: *val left %#x (read8/16 give all-ones)", v32);
}

static const struct pci_host_ops no_read = { .name = "broken", .read = NULL, .write = NULL };

static void test_host_register(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h[PCI_MAX_HOSTS + 1];

	pci_reset_all();
	assert_int_equal(pci_host_register(NULL), TG_EINVAL);
	for (unsigned i = 0; i <= PCI_MAX_HOSTS; i++) {
		sim_host_init(&h[i], sim, true);
		h[i].segment = (uint16_t)i;
	}
	struct pci_host bad = h[0];
	bad.ops = NULL;
	assert_int_equal(pci_host_register(&bad), TG_EINVAL);
	bad.ops = &no_read;
	assert_int_equal(pci_host_register(&bad), TG_EINVAL);
	bad = h[0];
	bad.bus_start = 5;
	bad.bus_end = 4;
	assert_int_equal(pci_host_register(&bad), TG_EINVAL);
	bad = h[0];
	bad.nwin = PCI_MAX_WINDOWS + 1;
	assert_int_equal(pci_host_register(&bad), TG_EINVAL);
	bad = h[0];
	bad.ndma = PCI_MAX_DMA_RANGES + 1;
	assert_int_equal(pci_host_register(&bad), TG_EINVAL);
	assert_int_equal(pci_host_count(), 0);

	for (unsigned i = 0; i < PCI_MAX_HOSTS; i++)
		assert_int_equal(pci_host_register(&h[i]), TG_OK);
	assert_int_equal(pci_host_count(), PCI_MAX_HOSTS);
	assert_int_equal(pci_host_register(&h[PCI_MAX_HOSTS]), TG_ENOMEM);
	pci_reset_all();
	assert_int_equal(pci_host_count(), 0);
	assert_null(pci_host_get(0));
	assert_int_equal(pci_host_register(&h[0]), TG_OK);
	assert_int_equal(pci_host_register(&h[0]), TG_EBUSY);
	h[1].segment = 0;
	assert_int_equal(pci_host_register(&h[1]), TG_EBUSY);
	assert_int_equal(pci_host_count(), 1);

	assert_int_equal(pci_enumerate(NULL), TG_EINVAL);
	bad = h[0];
	bad.ops = NULL;
	assert_int_equal(pci_enumerate(&bad), TG_EINVAL);
	assert_int_equal(pci_host_from_fdt(NULL, NULL, 0), TG_EINVAL);
	assert_int_equal(pci_host_from_fdt(&bad, NULL, 0), TG_EINVAL);
	assert_int_equal(pci_init_from_fdt(NULL), TG_EINVAL);
}

static void test_lookups(void **state)
{
	struct pci_dev *d = one_dev();
	char buf[32];

	assert_int_equal(pci_dev_count(), 1);
	assert_ptr_equal(pci_dev_get(0), d);
	assert_null(pci_dev_get(1));
	assert_null(pci_dev_get(~0u));
	assert_null(pci_find_bdf(0, 0, PCI_DEVFN(3, 1)));
	assert_null(pci_find_bdf(1, 0, PCI_DEVFN(3, 0)));
	assert_null(pci_find_id(0x1b36, 0x0011, NULL));
	assert_ptr_equal(pci_find_id(0x1b36, 0xffff, NULL), d);
	assert_ptr_equal(pci_find_id(0xffff, 0x0010, NULL), d);
	struct pci_dev foreign;
	assert_null(pci_find_id(0xffff, 0xffff, &foreign));
	assert_false(pci_is_bridge(NULL));
	assert_false(pci_is_bridge(d));
	pci_dev_name(d, buf, sizeof(buf));
	assert_string_equal(buf, "0000:00:03.0");
	memset(buf, 'x', sizeof(buf));
	pci_dev_name(d, buf, 5);
	assert_string_equal(buf, "0000");
	assert_int_equal(buf[5], 'x');
	pci_dev_name(NULL, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_null(pci_common_upstream(NULL, NULL));
	assert_null(pci_common_upstream(d, NULL));
	assert_false(pci_p2p_path_redirects(d, d));

	uint64_t x;
	assert_int_equal(pci_bus_to_cpu(NULL, 0x10000000, &x), TG_EINVAL);
	assert_int_equal(pci_bus_to_cpu(&g_host, 0x10000000, NULL), TG_EINVAL);
	assert_int_equal(pci_cpu_to_bus(NULL, 0x10000000, &x), TG_EINVAL);
	assert_int_equal(pci_cpu_to_bus(&g_host, 0x10000000, NULL), TG_EINVAL);
	/* I/O space is not memory: no translation through the I/O window. */
	assert_int_equal(pci_bus_to_cpu(&g_host, 0x1000, &x), TG_ERANGE);
	assert_int_equal(pci_cpu_to_bus(&g_host, SIM_IO_CPU, &x), TG_ERANGE);
	/* Window edges. */
	assert_int_equal(pci_bus_to_cpu(&g_host, SIM_M32_BASE + SIM_M32_SIZE - 1, &x), TG_OK);
	assert_int_equal(x, SIM_M32_BASE + SIM_M32_SIZE - 1);
	assert_int_equal(pci_bus_to_cpu(&g_host, SIM_M32_BASE + SIM_M32_SIZE, &x), TG_ERANGE);
	assert_int_equal(pci_cpu_to_bus(&g_host, SIM_M64_BASE + SIM_M64_SIZE - 1, &x), TG_OK);
	assert_int_equal(pci_cpu_to_bus(&g_host, ~0ull, &x), TG_ERANGE);
}

/* The ECAM accessors over a plain buffer: bus 0x10-0x11 mapped. */
static void test_ecam_ops(void **state)
{
	struct pci_host h;
	size_t size = 2u << 20;
	uint8_t *ecam = calloc(1, size);
	uint32_t v;

	assert_non_null(ecam);
	memset(&h, 0, sizeof(h));
	h.ops = &pci_ecam_ops;
	h.bus_start = 0x10;
	h.bus_end = 0x1f;	/* more than the mapping covers */
	h.ecam = ecam;
	h.ecam_size = size;
	assert_non_null(pci_ecam_ops.read);
	assert_non_null(pci_ecam_ops.write);

	assert_int_equal(pci_ecam_ops.write(&h, 0x10, PCI_DEVFN(1, 2), 0x10, 4, 0x11223344), TG_OK);
	assert_int_equal(ecam[(1 << 15) | (2 << 12) | 0x10], 0x44);
	assert_int_equal(ecam[(1 << 15) | (2 << 12) | 0x13], 0x11);
	assert_int_equal(pci_ecam_ops.read(&h, 0x10, PCI_DEVFN(1, 2), 0x12, 2, &v), TG_OK);
	assert_int_equal(v, 0x1122);
	assert_int_equal(pci_ecam_ops.read(&h, 0x10, PCI_DEVFN(1, 2), 0x11, 1, &v), TG_OK);
	assert_int_equal(v, 0x33);
	assert_int_equal(pci_ecam_ops.write(&h, 0x11, PCI_DEVFN(31, 7), 0xffc, 4, 0xcafef00d), TG_OK);
	assert_int_equal(ecam[(1 << 20) | (0xff << 12) | 0xffc], 0x0d);
	assert_int_equal(pci_ecam_ops.read(&h, 0x11, 0xff, 0xffe, 2, &v), TG_OK);
	assert_int_equal(v, 0xcafe);
	/* Outside the mapping or the bus range: all-ones, error, no access. */
	assert_int_equal(pci_ecam_ops.read(&h, 0x12, 0, 0, 4, &v), TG_ERANGE);
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(pci_ecam_ops.read(&h, 0x0f, 0, 0, 4, &v), TG_ERANGE);
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(pci_ecam_ops.write(&h, 0x12, 0, 0, 4, 0), TG_ERANGE);
	assert_int_equal(pci_ecam_ops.write(&h, 0x20, 0, 0, 4, 0), TG_ERANGE);
	h.ecam = NULL;
	assert_int_equal(pci_ecam_ops.read(&h, 0x10, 0, 0, 4, &v), TG_ERANGE);
	assert_int_equal(v, 0xffffffff);
	free(ecam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(test_cfg_misuse),
		PCI_TEST(test_failed_read_value),
		PCI_TEST(test_host_register),
		PCI_TEST(test_lookups),
		PCI_TEST(test_ecam_ops),
	};

	return cmocka_run_group_tests_name("pci_api", tests, NULL, NULL);
}
