/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Enumeration when things do not fit or do not make sense: windows too
 * small, bus numbers exhausted, functions that read all-ones, BARs that
 * size to nonsense, more functions than the pool, bridges nested too
 * deep.  Each must end with everything else assigned and correct, with
 * bounded work and no sanitizer report.
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

#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define KiB (1ull << 10)

static struct pci_dev *model(struct sim *sim, struct pci_host *h, const struct sim_fn *f)
{
	struct pci_dev *d = sim_model(sim, h, f);

	if (!d)
		fail_msg("%s not in the device model", sim_fn_label(f));
	return d;
}

static void expect_assigned(struct sim *sim, struct pci_host *h, const struct sim_fn *f)
{
	struct pci_dev *d = model(sim, h, f);

	if (d->disabled)
		fail_msg("%s disabled, should have fit", sim_fn_label(f));
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bar[i].size && !(d->bar[i].flags & PCI_BAR_ASSIGNED))
			fail_msg("%s BAR%u (size %#llx) not assigned (flags %#x)", sim_fn_label(f), i,
				 (unsigned long long)d->bar[i].size, d->bar[i].flags);
}

static void expect_left_out(struct sim *sim, struct pci_host *h, const struct sim_fn *f,
			    unsigned nospace_bar)
{
	struct pci_dev *d = model(sim, h, f);

	if (!d->disabled)
		fail_msg("%s: does not fit but not disabled", sim_fn_label(f));
	if (!(d->bar[nospace_bar].flags & PCI_BAR_NOSPACE))
		fail_msg("%s BAR%u not flagged NOSPACE (flags %#x)", sim_fn_label(f), nospace_bar,
			 d->bar[nospace_bar].flags);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bar[i].flags & PCI_BAR_ASSIGNED)
			fail_msg("%s BAR%u assigned on a disabled device", sim_fn_label(f), i);
	if (sim_cmd(f) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
		fail_msg("%s: disabled, command %#x", sim_fn_label(f), sim_cmd(f));
	assert_int_equal(pci_set_master(d, true), TG_EBUSY);
}

/* --- windows too small ------------------------------------------------------------ */

static void test_mem_window_too_small(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	struct sim_fn *a = sim_add_ep(root, 1, 0, 1, 1, 0x020000);
	sim_add_bar(a, 0, 512 * KiB, 0);
	struct sim_fn *b = sim_add_ep(root, 2, 0, 1, 2, 0x030000);
	sim_add_bar(b, 0, 4 * KiB, 0);
	sim_add_bar(b, 1, 2 * MiB, 0);
	struct sim_fn *c = sim_add_ep(root, 3, 0, 1, 3, 0x020000);
	sim_add_bar(c, 0, 256 * KiB, 0);
	sim_add_bar(c, 1, 64, SIM_BAR_IO);
	struct sim_fn *d = sim_add_ep(root, 4, 0, 1, 4, 0x020000);
	sim_add_bar(d, 0, 128 * KiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_host_init(&h, sim, false);
	sim_host_window(&h, PCI_SPACE_IO, SIM_IO_CPU, 0, SIM_IO_SIZE);
	sim_host_window(&h, PCI_SPACE_MEM32, 0x10000000, 0x10000000, 1 * MiB);

	assert_int_equal(sim_enumerate(&h), 4);
	sim_check_all(sim, &h);
	expect_left_out(sim, &h, b, 1);
	expect_assigned(sim, &h, a);
	expect_assigned(sim, &h, c);
	expect_assigned(sim, &h, d);
}

static void test_window_too_small_behind_bridge(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	struct sim_fn *rp = sim_add_port(root, 1, 0, 1, 0x10, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *big = sim_add_ep(sim_below(rp), 0, 0, 1, 0x11, 0x030000);
	sim_add_pcie(big, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_bar(big, 0, 1 * GiB, 0);
	sim_add_bar(big, 1, 16 * KiB, 0);
	struct sim_fn *rp2 = sim_add_port(root, 2, 0, 1, 0x10, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *usp = sim_add_port(sim_below(rp2), 0, 0, 1, 0x12, PCI_EXP_TYPE_UPSTREAM);
	struct sim_fn *dsp1 = sim_add_port(sim_below(usp), 0, 0, 1, 0x13, PCI_EXP_TYPE_DOWNSTREAM);
	struct sim_fn *dsp2 = sim_add_port(sim_below(usp), 1, 0, 1, 0x13, PCI_EXP_TYPE_DOWNSTREAM);
	struct sim_fn *fit = sim_add_ep(sim_below(dsp1), 0, 0, 1, 0x14, 0x020000);
	sim_add_bar(fit, 0, 8 * MiB, 0);
	struct sim_fn *nofit = sim_add_ep(sim_below(dsp2), 0, 0, 1, 0x15, 0x020000);
	sim_add_bar(nofit, 0, 512 * MiB, 0);
	sim_add_bar(nofit, 1, 4 * KiB, 0);
	sim_host_init(&h, sim, false);
	sim_host_window(&h, PCI_SPACE_IO, SIM_IO_CPU, 0, SIM_IO_SIZE);
	sim_host_window(&h, PCI_SPACE_MEM32, 0x40000000, 0x40000000, 256 * MiB);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	expect_left_out(sim, &h, big, 0);
	expect_left_out(sim, &h, nofit, 0);
	expect_assigned(sim, &h, fit);
	uint64_t b, l;
	/* The port whose only device was left out has nothing to forward. */
	assert_false(sim_win_mem(rp, &b, &l));
	assert_false(sim_win_mem(dsp2, &b, &l));
	assert_true(sim_win_mem(dsp1, &b, &l));
	assert_int_equal(l + 1 - b, 8 * MiB);
}

/* No I/O window: devices needing I/O cannot work; the rest can. */
static void test_no_io_window(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	struct sim_fn *io = sim_add_ep(root, 1, 0, 1, 1, 0x010100);
	sim_add_bar(io, 0, 8, SIM_BAR_IO);
	sim_add_bar(io, 4, 16, SIM_BAR_IO);
	sim_add_bar(io, 5, 4 * KiB, 0);
	struct sim_fn *mem = sim_add_ep(root, 2, 0, 1, 2, 0x010802);
	sim_add_bar(mem, 0, 16 * KiB, SIM_BAR_MEM64);
	struct sim_fn *rp = sim_add_port(root, 3, 0, 1, 3, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *behind = sim_add_ep(sim_below(rp), 0, 0, 1, 4, 0x020000);
	sim_add_bar(behind, 0, 256, SIM_BAR_IO);
	sim_add_bar(behind, 1, 64 * KiB, 0);
	sim_host_init(&h, sim, false);
	sim_host_window(&h, PCI_SPACE_MEM32, SIM_M32_BASE, SIM_M32_BASE, SIM_M32_SIZE);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	expect_assigned(sim, &h, mem);
	assert_true(model(sim, &h, io)->disabled || model(sim, &h, behind)->disabled);
	struct pci_dev *d = model(sim, &h, io);
	assert_true(d->disabled);
	assert_true((d->bar[0].flags | d->bar[4].flags) & PCI_BAR_NOSPACE);
	d = model(sim, &h, behind);
	assert_true(d->disabled);
	assert_true(d->bar[0].flags & PCI_BAR_NOSPACE);
	uint64_t b, l;
	assert_false(sim_win_io(rp, &b, &l));
	assert_false(sim_win_mem(rp, &b, &l));
}

/* An I/O BAR behind a bridge that has no I/O window: it cannot be reached. */
static void test_io_behind_bridge_without_io(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	struct sim_fn *br = sim_add_bridge(sim_root(sim), 1, 0, 1, 1, SIM_BR_NO_IO);
	struct sim_fn *ep = sim_add_ep(sim_below(br), 0, 0, 1, 2, 0x020000);
	sim_add_bar(ep, 0, 256, SIM_BAR_IO);
	sim_add_bar(ep, 1, 4 * KiB, 0);
	sim_host_init(&h, sim, true);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	struct pci_dev *d = model(sim, &h, ep);
	assert_false(d->bar[0].flags & PCI_BAR_ASSIGNED);
	if (!(d->bar[0].flags & PCI_BAR_NOSPACE))
		fail_msg("I/O BAR behind a bridge without I/O window: flags %#x, want NOSPACE",
			 d->bar[0].flags);
	assert_int_equal(sim_cmd(ep) & PCI_COMMAND_IO, 0);
}

static void test_mem64_window_too_small(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	struct sim_fn *huge = sim_add_ep(root, 1, 0, 1, 1, 0x030200);
	sim_add_bar(huge, 0, 1024 * GiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(huge, 2, 16 * MiB, 0);
	struct sim_fn *ok = sim_add_ep(root, 2, 0, 1, 2, 0x030200);
	sim_add_bar(ok, 0, 64 * GiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(ok, 2, 16 * MiB, 0);
	struct sim_fn *rp = sim_add_port(root, 3, 0, 1, 3, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *gpu = sim_add_ep(sim_below(rp), 0, 0, 1, 4, 0x030200);
	sim_add_bar(gpu, 0, 256 * GiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(gpu, 2, 32 * MiB, 0);
	sim_host_init(&h, sim, true);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	expect_left_out(sim, &h, huge, 0);
	expect_assigned(sim, &h, ok);
	expect_assigned(sim, &h, gpu);
	assert_int_equal(model(sim, &h, gpu)->bar[0].bus_addr % (256 * GiB), 0);
}

/* --- bus numbers ------------------------------------------------------------------ */

static void test_bus_exhaustion_flat(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_fn *rp[4], *ep[4];

	for (unsigned i = 0; i < 4; i++) {
		rp[i] = sim_add_port(sim_root(sim), 1 + i, 0, 1, 0x10, PCI_EXP_TYPE_ROOT_PORT);
		ep[i] = sim_add_ep(sim_below(rp[i]), 0, 0, 1, (uint16_t)(0x20 + i), 0x010802);
		sim_add_bar(ep[i], 0, 16 * KiB, SIM_BAR_MEM64);
	}
	sim_host_init(&h, sim, true);
	h.bus_end = 2;

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	assert_int_equal(sim_secondary(rp[0]), 1);
	assert_int_equal(sim_secondary(rp[1]), 2);
	expect_assigned(sim, &h, ep[0]);
	expect_assigned(sim, &h, ep[1]);
	for (unsigned i = 2; i < 4; i++) {
		assert_int_equal(sim_bus_number(sim, sim_below(rp[i])), -1);
		assert_null(pci_find_id(1, (uint16_t)(0x20 + i), NULL));
		uint64_t b, l;
		assert_false(sim_win_mem(rp[i], &b, &l));
	}
	assert_int_equal(h.last_bus, 2);
}

static void test_bus_exhaustion_nested(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	struct sim_fn *rp = sim_add_port(sim_root(sim), 1, 0, 1, 0x10, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *usp = sim_add_port(sim_below(rp), 0, 0, 1, 0x11, PCI_EXP_TYPE_UPSTREAM);
	struct sim_fn *dsp1 = sim_add_port(sim_below(usp), 0, 0, 1, 0x12, PCI_EXP_TYPE_DOWNSTREAM);
	struct sim_fn *dsp2 = sim_add_port(sim_below(usp), 1, 0, 1, 0x12, PCI_EXP_TYPE_DOWNSTREAM);
	struct sim_fn *e1 = sim_add_ep(sim_below(dsp1), 0, 0, 1, 0x13, 0x010802);
	sim_add_bar(e1, 0, 16 * KiB, 0);
	sim_add_ep(sim_below(dsp2), 0, 0, 1, 0x14, 0x010802);
	struct sim_fn *e3 = sim_add_ep(sim_root(sim), 2, 0, 1, 0x15, 0x010802);
	sim_add_bar(e3, 0, 16 * KiB, 0);
	sim_host_init(&h, sim, true);
	h.bus_start = 0x40;
	h.bus_end = 0x43;	/* root, rp, usp, dsp1: dsp2 gets nothing */

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	assert_int_equal(sim_secondary(dsp1), 0x43);
	assert_int_equal(sim_subordinate(rp), 0x43);
	expect_assigned(sim, &h, e1);
	expect_assigned(sim, &h, e3);
	assert_null(pci_find_id(1, 0x14, NULL));
	assert_int_equal(h.last_bus, 0x43);
}

/* Bridges nested deeper than the enumerator goes. */
static void test_deep_nesting(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *bus = sim_root(sim);
	struct sim_fn *br[40];

	for (unsigned i = 0; i < 40; i++) {
		br[i] = sim_add_bridge(bus, 0, 0, 1, (uint16_t)i, 0);
		bus = sim_below(br[i]);
	}
	struct sim_fn *ep = sim_add_ep(bus, 0, 0, 1, 0x99, 0x020000);
	sim_add_bar(ep, 0, 4 * KiB, 0);
	struct sim_fn *top = sim_add_ep(sim_root(sim), 1, 0, 1, 0x98, 0x020000);
	sim_add_bar(top, 0, 4 * KiB, 0);
	sim_host_init(&h, sim, true);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	expect_assigned(sim, &h, top);
	assert_int_equal(sim_secondary(br[0]), 1);
	print_message("deep nesting: %u of 40 bridges numbered, endpoint %s\n",
		      (unsigned)h.last_bus, sim_model(sim, &h, ep) ? "found" : "not found");
}

/* --- values that make no sense ------------------------------------------------------ */

static void test_all_ones_function(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);
	struct sim_stats st;

	struct sim_fn *good1 = sim_add_ep(root, 1, 0, 1, 1, 0x020000);
	sim_add_bar(good1, 0, 4 * KiB, 0);
	struct sim_fn *ones = sim_add_ep(root, 2, 0, 0x1234, 0x5678, 0x020000);
	sim_add_bar(ones, 0, 4 * KiB, 0);
	sim_set_hostile(ones, SIM_H_ONES_AFTER_ID);
	/* A bridge whose header reads all-ones. */
	struct sim_fn *obr = sim_add_bridge(root, 3, 0, 0x1234, 0x5679, 0);
	sim_set_hostile(obr, SIM_H_ONES_AFTER_ID);
	sim_add_ep(sim_below(obr), 0, 0, 1, 0x77, 0x020000);
	struct sim_fn *good2 = sim_add_ep(root, 4, 0, 1, 4, 0x020000);
	sim_add_bar(good2, 0, 4 * KiB, 0);
	sim_host_init(&h, sim, true);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	sim_stats(sim, &st);
	expect_assigned(sim, &h, good1);
	expect_assigned(sim, &h, good2);
	assert_null(pci_find_id(1, 0x77, NULL));
	for (unsigned fn = 0; fn < 8; fn++) {
		unsigned long a = sim_slot_accesses(root, PCI_DEVFN(2, fn)) +
				  sim_slot_accesses(root, PCI_DEVFN(3, fn));
		if (a > 32)
			fail_msg("all-ones functions at 00:02/03.%u: %lu accesses", fn, a);
	}
	struct pci_dev *d = pci_find_bdf(0, 0, PCI_DEVFN(2, 0));
	if (d) {
		assert_true(d->disabled);
		for (unsigned i = 0; i < PCI_NUM_BARS; i++)
			assert_false(d->bar[i].flags & PCI_BAR_ASSIGNED);
	}
	print_message("all-ones: %lu accesses to slot 2, %lu to slot 3, total %lu\n",
		      sim_fn_accesses(ones), sim_fn_accesses(obr), st.reads + st.writes);
}

static void test_nonsense_bars(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);
	struct sim_fn *f[8];

	for (unsigned i = 0; i < 8; i++) {
		f[i] = sim_add_ep(root, 1 + i, 0, 0xbad, (uint16_t)i, 0xff0000);
		sim_add_bar(f[i], 2, 4 * KiB, 0);	/* one sane BAR each */
	}
	sim_bar_raw(f[0], 0, 0, 0x0f0f0f00);		/* non-contiguous mask */
	sim_bar_raw(f[1], 0, PCI_BAR_MEM_TYPE_64, 0);	/* 64-bit, nothing writable */
	sim_bar_raw(f[1], 1, 0, 0);
	sim_bar_raw(f[2], 0, PCI_BAR_MEM_PREFETCH, 0);	/* 32-bit: type bits only */
	sim_bar_raw(f[3], 0, PCI_BAR_SPACE_IO, 0);	/* I/O: type bit only */
	sim_bar_raw(f[4], 5, PCI_BAR_MEM_TYPE_64, 0xfffff000);	/* 64-bit in the last slot */
	sim_bar_raw(f[5], 0, 0x3, 0xfffffff0);		/* I/O with reserved bit 1 */
	sim_bar_raw(f[6], 0, 0x6, 0xfffff000);		/* reserved memory type 11b */
	sim_bar_raw(f[7], 0, 0, 0xffff0ff0);		/* hole in the mask */
	sim_host_init(&h, sim, true);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	static const unsigned bad_bar[8] = { 0, 0, 0, 0, 5, 0, 0, 0 };
	static const char *const what[8] = {
		"mem mask 0x0f0f0f00", "64-bit, no writable bits", "32-bit pref, type bits only",
		"I/O, type bit only", "64-bit in BAR5", "I/O, reserved bit 1",
		"reserved memory type", "mem mask 0xffff0ff0",
	};
	char report[2048] = "";
	size_t len = 0;
	for (unsigned i = 0; i < 8; i++) {
		struct pci_dev *d = model(sim, &h, f[i]);
		const struct pci_bar *b = &d->bar[bad_bar[i]];
		const char *bad = NULL;
		if (d->disabled)
			bad = "device disabled";
		else if (b->flags & PCI_BAR_ASSIGNED)
			bad = "nonsense BAR assigned";
		/* Either flagged broken, or read as not implemented (size 0). */
		else if (!(b->flags & PCI_BAR_BROKEN) && b->size)
			bad = "sized, not flagged BROKEN";
		else if (!(d->bar[2].flags & PCI_BAR_ASSIGNED))
			bad = "its sane BAR2 not assigned";
		if (bad)
			len += (size_t)snprintf(report + len, sizeof(report) - len,
						"\n  device %u (%s): %s: BAR%u size %#llx flags %#x", i,
						what[i], bad, bad_bar[i], (unsigned long long)b->size,
						b->flags);
	}
	if (len)
		fail_msg("nonsense BARs:%s", report);
	/* Cases no reading could make sense of are flagged. */
	assert_true(model(sim, &h, f[0])->bar[0].flags & PCI_BAR_BROKEN);
	assert_true(model(sim, &h, f[4])->bar[5].flags & PCI_BAR_BROKEN);
	assert_true(model(sim, &h, f[7])->bar[0].flags & PCI_BAR_BROKEN);
}

/* More functions than the device pool holds. */
static void test_device_pool_overflow(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	for (unsigned dev = 0; dev < 18; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			struct sim_fn *f = sim_add_ep(sim_root(sim), dev, fn, 1, (uint16_t)(dev << 3 | fn),
						      0x020000);
			sim_add_bar(f, 0, 4 * KiB, 0);
		}
	sim_host_init(&h, sim, true);

	int n = sim_enumerate(&h);
	assert_int_equal(pci_dev_count(), PCI_MAX_DEVICES);
	assert_int_equal(n, PCI_MAX_DEVICES);
	for (unsigned i = 0; i < sim_nfns(sim); i++) {
		struct sim_fn *f = sim_fn_get(sim, i);
		struct pci_dev *d = sim_model(sim, &h, f);
		if (d) {
			assert_true(d->bar[0].flags & PCI_BAR_ASSIGNED);
			assert_int_equal(sim_bar_addr(f, 0), d->bar[0].bus_addr);
		} else if (sim_cmd(f) & 7) {
			fail_msg("%s not in the model but decoding", sim_fn_label(f));
		}
	}
}

/* CardBus header: listed, left alone. */
static void test_cardbus_header(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	struct sim_fn *cb = sim_add_ep(sim_root(sim), 1, 0, 0x104c, 0xac56, 0x060700);
	sim_poke8(cb, PCI_HEADER_TYPE, PCI_HEADER_TYPE_CARDBUS);
	sim_add_bar(cb, 0, 4 * KiB, 0);
	struct sim_fn *ok = sim_add_ep(sim_root(sim), 2, 0, 1, 1, 0x020000);
	sim_add_bar(ok, 0, 4 * KiB, 0);
	sim_host_init(&h, sim, true);

	sim_enumerate(&h);
	struct pci_dev *d = model(sim, &h, cb);
	assert_true(d->disabled);
	assert_int_equal(d->hdr_type, PCI_HEADER_TYPE_CARDBUS);
	assert_false(d->bar[0].flags & PCI_BAR_ASSIGNED);
	assert_int_equal(sim_cmd(cb) & 7, 0);
	assert_true(sim_fn_accesses(cb) <= 8);
	expect_assigned(sim, &h, ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(test_mem_window_too_small),
		PCI_TEST(test_window_too_small_behind_bridge),
		PCI_TEST(test_no_io_window),
		PCI_TEST(test_io_behind_bridge_without_io),
		PCI_TEST(test_mem64_window_too_small),
		PCI_TEST(test_bus_exhaustion_flat),
		PCI_TEST(test_bus_exhaustion_nested),
		PCI_TEST(test_deep_nesting),
		PCI_TEST(test_all_ones_function),
		PCI_TEST(test_nonsense_bars),
		PCI_TEST(test_device_pool_overflow),
		PCI_TEST(test_cardbus_header),
	};

	return cmocka_run_group_tests_name("pci_hostile", tests, NULL, NULL);
}
