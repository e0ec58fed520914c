/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulator itself, driven through its ops with no enumeration code:
 * the rest of the PCI tests trust it to behave like hardware, so its
 * sizing, window decoding and Type 1 routing are pinned down here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_sim.h"

static uint32_t rd(struct pci_host *h, uint8_t bus, uint8_t devfn, uint16_t off, unsigned sz)
{
	uint32_t v = 0;

	assert_int_equal(h->ops->read(h, bus, devfn, off, sz, &v), TG_OK);
	return v;
}

static void wr(struct pci_host *h, uint8_t bus, uint8_t devfn, uint16_t off, unsigned sz,
	       uint32_t v)
{
	assert_int_equal(h->ops->write(h, bus, devfn, off, sz, v), TG_OK);
}

static void test_sizing(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	sim_host_init(&h, sim, false);
	struct sim_fn *f = sim_add_ep(sim_root(sim), 1, 0, 0x1234, 0x5678, 0x020000);
	sim_add_bar(f, 0, 0x100, SIM_BAR_IO);
	sim_add_bar(f, 1, 0x4000, 0);
	sim_add_bar(f, 2, 0x200000000ull, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(f, 4, 0x100, SIM_BAR_IO | SIM_BAR_IO16);
	sim_bar_raw(f, 5, 0, 0x0f0f0f00);
	uint8_t d = PCI_DEVFN(1, 0);

	assert_int_equal(rd(&h, 0, d, 0, 4), 0x56781234);
	assert_int_equal(rd(&h, 0, d, 2, 2), 0x5678);
	assert_int_equal(rd(&h, 0, d, PCI_REVISION_ID, 4) >> 8, 0x020000);
	for (uint16_t off = PCI_BAR0; off < PCI_BAR0 + 24; off += 4)
		wr(&h, 0, d, off, 4, 0xffffffff);
	assert_int_equal(rd(&h, 0, d, 0x10, 4), 0xffffff01);
	assert_int_equal(rd(&h, 0, d, 0x14, 4), 0xffffc000);
	assert_int_equal(rd(&h, 0, d, 0x18, 4), 0x0000000c);
	assert_int_equal(rd(&h, 0, d, 0x1c, 4), 0xfffffffe);
	assert_int_equal(rd(&h, 0, d, 0x20, 4), 0x0000ff01);
	assert_int_equal(rd(&h, 0, d, 0x24, 4), 0x0f0f0f00);
	wr(&h, 0, d, 0x18, 4, 0x00000000);
	wr(&h, 0, d, 0x1c, 4, 0x00000082);
	assert_int_equal(sim_bar_addr(f, 2), 0x8200000000ull);
	/* Read-only registers stay. */
	wr(&h, 0, d, 0, 4, 0);
	assert_int_equal(rd(&h, 0, d, 0, 4), 0x56781234);
	/* Command: IO/MEM/MASTER writable. */
	wr(&h, 0, d, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(sim_cmd(f) & 7, 7);
	/* Nothing at other slots / functions. */
	assert_int_equal(rd(&h, 0, PCI_DEVFN(2, 0), 0, 4), 0xffffffff);
	assert_int_equal(rd(&h, 0, PCI_DEVFN(1, 1), 0, 2), 0xffff);
	assert_int_equal(sim_slot_accesses(sim_root(sim), PCI_DEVFN(2, 0)), 1);
	sim_free(sim);
}

static void test_routing(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_stats st;

	sim_host_init(&h, sim, false);
	struct sim_fn *rp = sim_add_port(sim_root(sim), 1, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *br = sim_add_bridge(sim_below(rp), 0, 0, 0x1b36, 0x0001, 0);
	struct sim_fn *ep = sim_add_ep(sim_below(br), 3, 0, 0x8086, 0x100e, 0x020000);
	uint8_t rpd = PCI_DEVFN(1, 0);

	(void)ep;
	/* Unprogrammed bridges hide everything below. */
	for (unsigned bus = 1; bus < 4; bus++)
		assert_int_equal(rd(&h, (uint8_t)bus, 0, 0, 4), 0xffffffff);
	sim_stats(sim, &st);
	assert_int_equal(st.unrouted, 3);
	/* secondary 1, subordinate 1: the bridge on bus 1 answers, nothing below. */
	wr(&h, 0, rpd, PCI_PRIMARY_BUS, 4, 0x010100);
	assert_int_equal(rd(&h, 1, 0, 0, 4), 0x00011b36);
	assert_int_equal(rd(&h, 2, PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	assert_int_equal(sim_bus_number(sim, sim_below(rp)), 1);
	assert_int_equal(sim_bus_number(sim, sim_below(br)), -1);
	/* Open to 5 but the inner bridge still unprogrammed: claimed, unanswered. */
	wr(&h, 0, rpd, PCI_PRIMARY_BUS, 4, 0x050100);
	assert_int_equal(rd(&h, 2, PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	wr(&h, 1, 0, PCI_PRIMARY_BUS, 4, 0x020201);
	assert_int_equal(rd(&h, 2, PCI_DEVFN(3, 0), 0, 4), 0x100e8086);
	assert_int_equal(rd(&h, 3, PCI_DEVFN(3, 0), 0, 4), 0xffffffff);
	assert_int_equal(sim_bus_number(sim, sim_below(br)), 2);
	/* A second bridge claiming the same bus is a conflict. */
	struct sim_fn *rp2 = sim_add_port(sim_root(sim), 2, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	wr(&h, 0, PCI_DEVFN(2, 0), PCI_PRIMARY_BUS, 4, 0x020200);
	(void)rp2;
	sim_stats(sim, &st);
	assert_int_equal(st.conflicts, 0);
	rd(&h, 2, 0, 0, 4);
	sim_stats(sim, &st);
	assert_int_equal(st.conflicts, 1);
	/* Outside bus-range. */
	h.bus_end = 3;
	assert_int_equal(h.ops->read(&h, 9, 0, 0, 4, &(uint32_t){ 0 }), TG_ERANGE);
	sim_stats(sim, &st);
	assert_int_equal(st.out_of_range, 1);
	sim_free(sim);
}

static void test_windows(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	uint64_t b, l;

	sim_host_init(&h, sim, false);
	struct sim_fn *br = sim_add_bridge(sim_root(sim), 0, 0, 1, 2, 0);
	struct sim_fn *b2 = sim_add_bridge(sim_root(sim), 1, 0, 1, 2, SIM_BR_NO_IO | SIM_BR_NO_PREF);
	uint8_t d = 0;

	/* Reset state: base 0 limit 0 decodes the first granule. */
	assert_true(sim_win_mem(br, &b, &l));
	wr(&h, 0, d, PCI_IO_BASE, 2, 0x2010);
	wr(&h, 0, d, PCI_IO_BASE_UPPER16, 4, 0x00010001);
	assert_true(sim_win_io(br, &b, &l));
	assert_int_equal(b, 0x11000);
	assert_int_equal(l, 0x12fff);
	wr(&h, 0, d, PCI_MEMORY_BASE, 4, 0x10f01000);
	assert_true(sim_win_mem(br, &b, &l));
	assert_int_equal(b, 0x10000000);
	assert_int_equal(l, 0x10ffffff);
	wr(&h, 0, d, PCI_PREF_MEMORY_BASE, 4, 0x00100000);
	wr(&h, 0, d, PCI_PREF_BASE_UPPER32, 4, 0x80);
	wr(&h, 0, d, PCI_PREF_LIMIT_UPPER32, 4, 0x80);
	assert_true(sim_win_pref(br, &b, &l));
	assert_int_equal(b, 0x8000000000ull);
	assert_int_equal(l, 0x80001fffffull);
	assert_int_equal(rd(&h, 0, d, PCI_PREF_MEMORY_BASE, 2), 0x0001);
	wr(&h, 0, d, PCI_MEMORY_BASE, 4, 0x0000fff0);
	assert_false(sim_win_mem(br, &b, &l));
	/* Not implemented: read-only zero, never decode. */
	wr(&h, 0, PCI_DEVFN(1, 0), PCI_IO_BASE, 2, 0xf0f0);
	assert_int_equal(rd(&h, 0, PCI_DEVFN(1, 0), PCI_IO_BASE, 2), 0);
	assert_false(sim_win_io(b2, &b, &l));
	assert_false(sim_win_pref(b2, &b, &l));
	sim_free(sim);
}

static void test_caps_and_hostile(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	sim_host_init(&h, sim, false);
	struct sim_fn *f = sim_add_ep(sim_root(sim), 0, 0, 1, 2, 0x010802);
	sim_add_pcie(f, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_msix(f, 0x80);
	sim_add_acs(f, 0x100, PCI_ACS_SV | PCI_ACS_RR, 0);
	assert_int_equal(rd(&h, 0, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
	assert_int_equal(rd(&h, 0, 0, PCI_CAPABILITY_LIST, 1), 0x40);
	assert_int_equal(rd(&h, 0, 0, 0x40, 2), 0x8010);
	assert_int_equal(rd(&h, 0, 0, 0x80, 2), 0x0011);
	assert_int_equal(rd(&h, 0, 0, 0x100, 4), 0x0001000d);
	wr(&h, 0, 0, 0x106, 2, 0xffff);
	assert_int_equal(sim_acs_ctrl(f), PCI_ACS_SV | PCI_ACS_RR);
	assert_int_equal(sim_violations(f), 1);
	assert_int_equal(sim_fn_writes_at(f, 0x106), 1);
	assert_int_equal(sim_ncaps(f), 3);

	struct sim_fn *g = sim_add_ep(sim_root(sim), 1, 0, 3, 4, 0);
	sim_set_hostile(g, SIM_H_ONES_AFTER_ID | SIM_H_ALIAS_FUNCS);
	assert_int_equal(rd(&h, 0, PCI_DEVFN(1, 0), 0, 4), 0x00040003);
	assert_int_equal(rd(&h, 0, PCI_DEVFN(1, 0), 0xc, 4), 0xffffffff);
	assert_int_equal(rd(&h, 0, PCI_DEVFN(1, 5), 0, 4), 0x00040003);
	assert_int_equal(sim_fn_accesses(g), 3);
	/* Multi-function bit follows the functions added. */
	struct sim_fn *m0 = sim_add_ep(sim_root(sim), 2, 0, 5, 6, 0);
	assert_int_equal(sim_peek(m0, PCI_HEADER_TYPE, 1), 0);
	sim_add_ep(sim_root(sim), 2, 3, 5, 7, 0);
	assert_int_equal(sim_peek(m0, PCI_HEADER_TYPE, 1), 0x80);
	/* Malformed accesses are refused and counted. */
	uint32_t v;
	struct sim_stats st;
	assert_int_equal(h.ops->read(&h, 0, 0, 0x2, 4, &v), TG_EINVAL);
	assert_int_equal(h.ops->read(&h, 0, 0, 0xffe, 4, &v), TG_EINVAL);
	assert_int_equal(h.ops->write(&h, 0, 0, 0x0, 3, 0), TG_EINVAL);
	sim_stats(sim, &st);
	assert_int_equal(st.bad_access, 3);
	sim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(test_sizing),
		PCI_TEST(test_routing),
		PCI_TEST(test_windows),
		PCI_TEST(test_caps_and_hostile),
	};

	return cmocka_run_group_tests_name("pci_sim", tests, NULL, NULL);
}
