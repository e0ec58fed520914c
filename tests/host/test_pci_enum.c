/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Enumeration over simulated hierarchies: bus numbering, BAR and bridge
 * window assignment, decode and bus-master state, and what it costs in
 * config accesses.  Every case ends with sim_check_all(), which checks the
 * simulator's registers against the device model and the invariants of a
 * correct enumeration; the cases add the exact values they can predict.
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

static void expect_buses(const struct sim_fn *f, unsigned pri, unsigned sec, unsigned sub)
{
	if (sim_primary(f) != pri || sim_secondary(f) != sec || sim_subordinate(f) != sub)
		fail_msg("%s: buses %u/%u/%u, want %u/%u/%u", sim_fn_label(f), sim_primary(f),
			 sim_secondary(f), sim_subordinate(f), pri, sec, sub);
}

static struct pci_dev *model(struct sim *sim, struct pci_host *h, const struct sim_fn *f)
{
	struct pci_dev *d = sim_model(sim, h, f);

	if (!d)
		fail_msg("%s not in the device model", sim_fn_label(f));
	return d;
}

/* --- the reference topology ------------------------------------------------- */

struct topo {
	struct sim *sim;
	struct sim_fn *hb, *rp1, *usp, *dsp1, *dsp2, *ep3, *ep4, *rp2, *rp3, *p2p, *cbr, *cep;
	struct sim_fn *mf0, *mf1, *mf3, *alias, *legacy;
	unsigned int nfns;	/* functions the enumeration must find */
};

/*
 * 00:00.0 host bridge function
 * 00:01.0 root port -> 01:00.0 switch upstream -> 02:00.0 / 02:01.0 downstream
 *         ports -> 03:00.0 NVMe-like, 04:00.0 NIC-like
 * 00:02.0 root port, empty (bus 5)
 * 00:03.0 root port -> 06:00.0 PCIe-to-PCI bridge -> 07:00.0 PCI-PCI bridge
 *         -> 08:01.0 conventional device (three bridges deep)
 * 00:04.0 multi-function: .0 .1 .3
 * 00:05.0 single-function device answering on all eight function numbers
 * 00:06.0 conventional legacy device with I/O only
 */
static void build_topo(struct topo *t, bool acs)
{
	struct sim *sim = t->sim = sim_new();
	struct sim_bus *root = sim_root(sim);

	t->hb = sim_add_ep(root, 0, 0, 0x1b36, 0x0008, 0x060000);
	sim_set_label(t->hb, "hostbridge");

	t->rp1 = sim_add_port(root, 1, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	sim_set_label(t->rp1, "rp1");
	sim_add_msi(t->rp1, 0x80);
	if (acs)
		sim_add_acs(t->rp1, 0x100, PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR |
					       PCI_ACS_UF | PCI_ACS_DT, 0);
	sim_set_intx_pin(t->rp1, 1);
	t->usp = sim_add_port(sim_below(t->rp1), 0, 0, 0x10b5, 0x8747, PCI_EXP_TYPE_UPSTREAM);
	sim_set_label(t->usp, "usp");
	sim_add_bar(t->usp, 0, 256 * KiB, 0);
	t->dsp1 = sim_add_port(sim_below(t->usp), 0, 0, 0x10b5, 0x8747, PCI_EXP_TYPE_DOWNSTREAM);
	sim_set_label(t->dsp1, "dsp1");
	t->dsp2 = sim_add_port(sim_below(t->usp), 1, 0, 0x10b5, 0x8747, PCI_EXP_TYPE_DOWNSTREAM);
	sim_set_label(t->dsp2, "dsp2");

	t->ep3 = sim_add_ep(sim_below(t->dsp1), 0, 0, 0x144d, 0xa808, 0x010802);
	sim_set_label(t->ep3, "nvme");
	sim_add_bar(t->ep3, 0, 16 * KiB, SIM_BAR_MEM64);
	sim_add_pcie(t->ep3, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_msix(t->ep3, 0x80);
	sim_add_pm(t->ep3, 0x90);
	sim_set_intx_pin(t->ep3, 1);

	t->ep4 = sim_add_ep(sim_below(t->dsp2), 0, 0, 0x8086, 0x10d3, 0x020000);
	sim_set_label(t->ep4, "nic");
	sim_add_bar(t->ep4, 0, 128 * KiB, 0);
	sim_add_bar(t->ep4, 2, 32, SIM_BAR_IO);
	sim_add_bar(t->ep4, 3, 16 * KiB, 0);
	sim_add_bar(t->ep4, 4, 4 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_pm(t->ep4, 0x40);
	sim_add_msi(t->ep4, 0x50);
	sim_add_pcie(t->ep4, 0x60, PCI_EXP_TYPE_ENDPOINT);
	sim_add_msix(t->ep4, 0xa0);
	sim_add_ext_cap(t->ep4, 0x100, 0x0001, 0x40);	/* AER */
	sim_add_ext_cap(t->ep4, 0x140, 0x0003, 0x0c);	/* serial number */
	sim_set_intx_pin(t->ep4, 2);

	t->rp2 = sim_add_port(root, 2, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	sim_set_label(t->rp2, "rp2-empty");
	if (acs)
		sim_add_acs(t->rp2, 0x100, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF, 0);

	t->rp3 = sim_add_port(root, 3, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	sim_set_label(t->rp3, "rp3");
	if (acs)
		sim_add_acs(t->rp3, 0x100, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF, 0);
	t->p2p = sim_add_port(sim_below(t->rp3), 0, 0, 0x1b36, 0x000e, PCI_EXP_TYPE_PCI_BRIDGE);
	sim_set_label(t->p2p, "pcie-pci");
	t->cbr = sim_add_bridge(sim_below(t->p2p), 0, 0, 0x1011, 0x0026, 0);
	sim_set_label(t->cbr, "pci-pci");
	t->cep = sim_add_ep(sim_below(t->cbr), 1, 0, 0x1000, 0x0012, 0x010000);
	sim_set_label(t->cep, "scsi");
	sim_set_hostile(t->cep, SIM_H_NO_EXT_SPACE);
	sim_add_bar(t->cep, 0, 256, SIM_BAR_IO);
	sim_add_bar(t->cep, 1, 4 * KiB, 0);
	sim_set_intx_pin(t->cep, 1);

	t->mf0 = sim_add_ep(root, 4, 0, 0x8086, 0x2922, 0x010601);
	sim_set_label(t->mf0, "mf.0");
	sim_add_bar(t->mf0, 5, 4 * KiB, 0);
	t->mf1 = sim_add_ep(root, 4, 1, 0x8086, 0x2930, 0x0c0500);
	sim_set_label(t->mf1, "mf.1");
	sim_add_bar(t->mf1, 4, 64, SIM_BAR_IO);
	t->mf3 = sim_add_ep(root, 4, 3, 0x1af4, 0x1050, 0x030000);
	sim_set_label(t->mf3, "mf.3");
	sim_add_bar(t->mf3, 0, 256 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(t->mf3, 2, 4 * KiB, 0);

	t->alias = sim_add_ep(root, 5, 0, 0x1234, 0x0001, 0x088000);
	sim_set_label(t->alias, "alias");
	sim_set_hostile(t->alias, SIM_H_ALIAS_FUNCS);
	sim_add_bar(t->alias, 0, 8 * KiB, 0);

	t->legacy = sim_add_ep(root, 6, 0, 0x1274, 0x5000, 0x040100);
	sim_set_label(t->legacy, "legacy");
	sim_set_hostile(t->legacy, SIM_H_NO_EXT_SPACE);
	sim_add_bar(t->legacy, 0, 64, SIM_BAR_IO);

	t->nfns = 17;
}

static void test_topology(void **state)
{
	struct topo t;
	struct pci_host h;

	build_topo(&t, false);
	sim_host_init(&h, t.sim, true);
	int n = sim_enumerate(&h);

	assert_int_equal(n, t.nfns);
	assert_int_equal(pci_dev_count(), t.nfns);
	assert_int_equal(sim_check_all(t.sim, &h), t.nfns);

	/* Depth-first numbering, exact. */
	expect_buses(t.rp1, 0, 1, 4);
	expect_buses(t.usp, 1, 2, 4);
	expect_buses(t.dsp1, 2, 3, 3);
	expect_buses(t.dsp2, 2, 4, 4);
	expect_buses(t.rp2, 0, 5, 5);
	expect_buses(t.rp3, 0, 6, 8);
	expect_buses(t.p2p, 6, 7, 8);
	expect_buses(t.cbr, 7, 8, 8);
	assert_int_equal(h.last_bus, 8);

	/* The model, found by address. */
	struct pci_dev *ep3 = pci_find_bdf(0, 3, PCI_DEVFN(0, 0));
	struct pci_dev *ep4 = pci_find_bdf(0, 4, PCI_DEVFN(0, 0));
	struct pci_dev *cep = pci_find_bdf(0, 8, PCI_DEVFN(1, 0));
	assert_non_null(ep3);
	assert_non_null(ep4);
	assert_non_null(cep);
	assert_ptr_equal(ep3->parent, model(t.sim, &h, t.dsp1));
	assert_ptr_equal(ep3->parent->parent, model(t.sim, &h, t.usp));
	assert_ptr_equal(ep3->parent->parent->parent, model(t.sim, &h, t.rp1));
	assert_null(model(t.sim, &h, t.rp1)->parent);
	assert_int_equal(ep3->vendor, 0x144d);
	assert_int_equal(ep3->device, 0xa808);
	assert_int_equal(ep3->class, 0x010802);
	assert_int_equal(ep3->revision, 1);
	assert_int_equal(ep3->hdr_type, 0);
	assert_false(ep3->multifunction);
	assert_int_equal(ep3->intx_pin, 1);
	assert_int_equal(ep4->intx_pin, 2);
	assert_int_equal(ep3->rid, PCI_RID(3, 0));
	assert_false(ep3->disabled);
	assert_true(pci_is_bridge(model(t.sim, &h, t.usp)));
	assert_false(pci_is_bridge(ep3));
	assert_int_equal(model(t.sim, &h, t.rp1)->secondary, 1);
	assert_int_equal(model(t.sim, &h, t.rp1)->subordinate, 4);

	/* Kinds of BARs as the model sees them. */
	assert_int_equal(ep3->bar[0].size, 16 * KiB);
	assert_true(ep3->bar[0].flags & PCI_BAR_MEM64);
	assert_int_equal(ep3->bar[1].size, 0);
	assert_int_equal(ep4->bar[2].flags & (PCI_BAR_IO | PCI_BAR_ASSIGNED),
			 PCI_BAR_IO | PCI_BAR_ASSIGNED);
	assert_int_equal(ep4->bar[4].flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH),
			 PCI_BAR_MEM64 | PCI_BAR_PREFETCH);
	/* 64-bit prefetchable lands in the 64-bit window, through 64-bit
	 * prefetchable windows on the way. */
	assert_true(ep4->bar[4].bus_addr >= SIM_M64_BASE);
	struct pci_dev *mf3 = pci_find_bdf(0, 0, PCI_DEVFN(4, 3));
	assert_non_null(mf3);
	assert_true(mf3->bar[0].bus_addr >= SIM_M64_BASE);
	assert_int_equal(mf3->bar[0].bus_addr % (256 * MiB), 0);
	uint64_t b, l;
	assert_true(sim_win_pref(t.rp1, &b, &l));
	assert_true(b >= SIM_M64_BASE);
	/* 32-bit non-prefetchable BARs below 4 GiB in the 32-bit window. */
	assert_true(ep4->bar[0].bus_addr >= SIM_M32_BASE &&
		    ep4->bar[0].bus_addr + ep4->bar[0].size <= SIM_M32_BASE + SIM_M32_SIZE);
	/* I/O: bus address never 0, CPU address through the window. */
	assert_int_not_equal(ep4->bar[2].bus_addr, 0);
	assert_int_equal(ep4->bar[2].cpu_addr, SIM_IO_CPU + ep4->bar[2].bus_addr);

	/* The empty root port and the conventional chain. */
	assert_false(sim_win_io(t.rp2, &b, &l));
	assert_false(sim_win_mem(t.rp2, &b, &l));
	assert_false(sim_win_pref(t.rp2, &b, &l));
	assert_int_equal(sim_cmd(t.rp2) & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY), 0);
	assert_true(sim_win_io(t.cbr, &b, &l));
	assert_int_equal(sim_cmd(t.cbr) & 7, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	assert_int_equal(cep->pcie_type, -1);
	assert_int_equal(model(t.sim, &h, t.p2p)->pcie_type, PCI_EXP_TYPE_PCI_BRIDGE);
	/* Conventional requests are forwarded under the PCIe-to-PCI bridge's
	 * secondary bus number, device 0 (PCIe-to-PCI bridge spec 2.3). */
	assert_int_equal(cep->rid, PCI_RID(7, 0));

	/* Device with only I/O: IO decode, no MEM decode. */
	assert_int_equal(sim_cmd(t.legacy) & 7, PCI_COMMAND_IO);
	assert_int_equal(sim_cmd(t.ep3) & 7, PCI_COMMAND_MEMORY);
	assert_int_equal(sim_cmd(t.hb) & 7, 0);
}

/* Every config access of the enumeration, against the budget:
 * at most 32 per function plus 2 per capability, exactly one per empty
 * slot, nothing on functions 1-7 of single-function devices. */
static void test_topology_cost(void **state)
{
	struct topo t;
	struct pci_host h;
	struct sim_stats st;

	build_topo(&t, true);
	sim_host_init(&h, t.sim, true);
	sim_enumerate(&h);
	sim_check_all(t.sim, &h);
	sim_stats(t.sim, &st);

	unsigned long fn_total = 0, empty = 0, worst_ep = 0, worst_br = 0;
	for (unsigned i = 0; i < sim_nfns(t.sim); i++) {
		struct sim_fn *f = sim_fn_get(t.sim, i);
		unsigned long a = sim_fn_accesses(f);
		unsigned long budget = 32 + 2ul * sim_ncaps(f);
		if (a > budget)
			fail_msg("%s: %lu config accesses, budget %lu (%u capabilities)",
				 sim_fn_label(f), a, budget, sim_ncaps(f));
		fn_total += a;
		print_message("pci cost: %-12s %3lu accesses, budget %3lu (%u caps)\n",
			      sim_fn_label(f), a, budget, sim_ncaps(f));
		if (sim_is_bridge(f))
			worst_br = a > worst_br ? a : worst_br;
		else
			worst_ep = a > worst_ep ? a : worst_ep;
	}
	/* Slots: every reachable bus. */
	struct sim_bus *buses[] = { sim_root(t.sim), sim_below(t.rp1), sim_below(t.usp),
				    sim_below(t.dsp1), sim_below(t.dsp2), sim_below(t.rp2),
				    sim_below(t.rp3), sim_below(t.p2p), sim_below(t.cbr) };
	for (unsigned i = 0; i < sizeof(buses) / sizeof(buses[0]); i++) {
		for (unsigned slot = 0; slot < 32; slot++) {
			struct sim_fn *f0 = sim_fn_at(buses[i], PCI_DEVFN(slot, 0));
			bool mf = f0 && (sim_peek(f0, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTIFUNC);
			for (unsigned fn = 0; fn < 8; fn++) {
				unsigned devfn = PCI_DEVFN(slot, fn);
				unsigned long a = sim_slot_accesses(buses[i], devfn);
				struct sim_fn *f = sim_fn_at(buses[i], devfn);
				if (f && (fn == 0 || mf))
					continue;	/* a function: counted above */
				unsigned long want = (fn == 0 || mf) ? 1 : 0;
				if (a != want)
					fail_msg("bus %d slot %02x.%u (%s): %lu accesses, want %lu",
						 sim_bus_number(t.sim, buses[i]), slot, fn,
						 f0 ? "function 0 is single-function" : "empty", a,
						 want);
				empty += a;
			}
		}
	}
	assert_int_equal(st.unrouted, 0);
	assert_int_equal(st.reads + st.writes, fn_total + empty);
	assert_int_equal(h.cfg_reads, st.reads);
	assert_int_equal(h.cfg_writes, st.writes);
	print_message("pci cost: %lu reads + %lu writes = %lu; functions %lu (worst endpoint "
		      "%lu, worst bridge %lu), empty slots %lu\n",
		      st.reads, st.writes, st.reads + st.writes, fn_total, worst_ep, worst_br, empty);
}

/* --- smaller cases ------------------------------------------------------------ */

static void test_root_endpoints(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	struct sim_fn *a = sim_add_ep(sim_root(sim), 1, 0, 0x1af4, 0x1000, 0x020000);
	sim_add_bar(a, 0, 32, SIM_BAR_IO);
	sim_add_bar(a, 1, 4 * KiB, 0);
	sim_add_bar(a, 4, 16 * KiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	struct sim_fn *b = sim_add_ep(sim_root(sim), 2, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(b, 0, 16 * KiB, SIM_BAR_MEM64);
	sim_add_bar(b, 2, 1 * MiB, 0);
	sim_add_bar(b, 3, 2 * GiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	struct sim_fn *c = sim_add_ep(sim_root(sim), 31, 0, 0x1234, 0x1111, 0xff0000);
	sim_add_bar(c, 0, 256, SIM_BAR_IO);
	sim_add_bar(c, 1, 256, SIM_BAR_IO);
	sim_add_bar(c, 2, 16, 0);
	sim_host_init(&h, sim, true);

	assert_int_equal(sim_enumerate(&h), 3);
	assert_int_equal(sim_check_all(sim, &h), 3);
	struct pci_dev *da = model(sim, &h, a), *db = model(sim, &h, b), *dc = model(sim, &h, c);
	assert_int_equal(da->bar[0].size, 32);
	assert_int_equal(da->bar[4].size, 16 * KiB);
	assert_true(da->bar[4].bus_addr >= SIM_M64_BASE);
	assert_true(db->bar[3].bus_addr >= SIM_M64_BASE);
	assert_int_equal(db->bar[3].bus_addr % (2 * GiB), 0);
	assert_int_equal(db->bar[3].cpu_addr, db->bar[3].bus_addr);
	assert_int_equal(db->bar[4].size, 0);	/* upper half of BAR3 */
	assert_int_equal(dc->bar[2].size, 16);
	assert_null(da->parent);
	assert_int_equal(sim_cmd(a) & 7, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	assert_int_equal(sim_cmd(b) & 7, PCI_COMMAND_MEMORY);
	assert_int_equal(h.last_bus, 0);
	/* pci_find_id walks the list. */
	assert_ptr_equal(pci_find_id(0x1b36, 0x0010, NULL), db);
	assert_null(pci_find_id(0x1b36, 0x0010, db));
	assert_ptr_equal(pci_find_id(0xffff, 0xffff, NULL), da);
	assert_ptr_equal(pci_find_id(0xffff, 0xffff, da), db);
	char name[32];
	pci_dev_name(dc, name, sizeof(name));
	assert_string_equal(name, "0000:00:1f.0");
}

static void test_multifunction(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	/* 00:01: functions 0, 2, 7. */
	struct sim_fn *m0 = sim_add_ep(root, 1, 0, 0x8086, 0x0001, 0x0c0300);
	sim_add_ep(root, 1, 2, 0x8086, 0x0002, 0x0c0300);
	sim_add_ep(root, 1, 7, 0x8086, 0x0003, 0x0c0320);
	/* 00:02: single-function device decoding the slot only. */
	struct sim_fn *al = sim_add_ep(root, 2, 0, 0x10ec, 0x8139, 0x020000);
	sim_set_hostile(al, SIM_H_ALIAS_FUNCS);
	sim_add_bar(al, 0, 256, SIM_BAR_IO);
	/* 00:03: function 1 answers but function 0 says single-function. */
	struct sim_fn *sf = sim_add_ep(root, 3, 0, 0x10ec, 0x8168, 0x020000);
	sim_add_ep(root, 3, 1, 0x10ec, 0x8169, 0x020000);
	sim_set_multifunction(sf, false);
	/* 00:04: function 1 without function 0: not a device. */
	sim_add_ep(root, 4, 1, 0xdead, 0xbeef, 0x020000);
	/* 00:05: multi-function bridge + endpoint. */
	struct sim_fn *mbr = sim_add_bridge(root, 5, 0, 0x104c, 0x8240, 0);
	struct sim_fn *mep = sim_add_ep(root, 5, 1, 0x104c, 0x8241, 0x0c0010);
	sim_add_bar(mep, 0, 2 * KiB, 0);
	struct sim_fn *child = sim_add_ep(sim_below(mbr), 0, 0, 0x104c, 0x8242, 0x0c0010);
	sim_add_bar(child, 0, 2 * KiB, 0);
	sim_host_init(&h, sim, true);

	int n = sim_enumerate(&h);
	assert_int_equal(sim_check_all(sim, &h), 8);
	assert_int_equal(n, 8);
	assert_true(model(sim, &h, m0)->multifunction);
	assert_non_null(pci_find_bdf(0, 0, PCI_DEVFN(1, 2)));
	assert_non_null(pci_find_bdf(0, 0, PCI_DEVFN(1, 7)));
	assert_null(pci_find_bdf(0, 0, PCI_DEVFN(1, 1)));
	for (unsigned fn = 1; fn < 8; fn++) {
		assert_null(pci_find_bdf(0, 0, PCI_DEVFN(2, fn)));
		assert_int_equal(sim_slot_accesses(root, PCI_DEVFN(2, fn)), 0);
		assert_null(pci_find_bdf(0, 0, PCI_DEVFN(3, fn)));
		assert_null(pci_find_bdf(0, 0, PCI_DEVFN(4, fn)));
	}
	assert_false(model(sim, &h, al)->multifunction);
	/* Absent functions of a multi-function device: one read each. */
	assert_int_equal(sim_slot_accesses(root, PCI_DEVFN(1, 1)), 1);
	assert_int_equal(sim_slot_accesses(root, PCI_DEVFN(1, 6)), 1);
	/* Slot 4 has no function 0: one read. */
	assert_int_equal(sim_slot_accesses(root, PCI_DEVFN(4, 0)), 1);
	assert_int_equal(sim_slot_accesses(root, PCI_DEVFN(4, 1)), 0);
	expect_buses(mbr, 0, 1, 1);
	assert_ptr_equal(model(sim, &h, child)->parent, model(sim, &h, mbr));
}

/* A 32-bit window whose CPU and bus addresses differ. */
static void test_window_offset(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	const uint64_t cpu = 0x400000000ull, bus = 0x10000000ull, size = 0x10000000ull;

	struct sim_fn *rp = sim_add_port(sim_root(sim), 0, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *ep = sim_add_ep(sim_below(rp), 0, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(ep, 0, 64 * KiB, 0);
	sim_add_bar(ep, 1, 1 * MiB, SIM_BAR_PREF);
	sim_add_bar(ep, 2, 8 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(ep, 4, 128, SIM_BAR_IO);
	struct sim_fn *e2 = sim_add_ep(sim_root(sim), 1, 0, 0x1b36, 0x0011, 0x020000);
	sim_add_bar(e2, 0, 4 * KiB, 0);
	memset(&h, 0, sizeof(h));
	sim_host_init(&h, sim, false);
	sim_host_window(&h, PCI_SPACE_IO, 0x3eff0000ull, 0x0, 0x10000);
	sim_host_window(&h, PCI_SPACE_MEM32, cpu, bus, size);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	struct pci_dev *d = model(sim, &h, ep);
	for (unsigned i = 0; i < 5; i++) {
		if (!(d->bar[i].flags & PCI_BAR_ASSIGNED))
			continue;
		if (d->bar[i].flags & PCI_BAR_IO)
			continue;
		assert_true(d->bar[i].bus_addr >= bus && d->bar[i].bus_addr < bus + size);
		assert_int_equal(d->bar[i].cpu_addr, d->bar[i].bus_addr - bus + cpu);
		assert_int_equal(sim_bar_addr(ep, i), d->bar[i].bus_addr);
		uint64_t c = 0, bb = 0;
		assert_int_equal(pci_bus_to_cpu(&h, d->bar[i].bus_addr, &c), TG_OK);
		assert_int_equal(c, d->bar[i].cpu_addr);
		assert_int_equal(pci_cpu_to_bus(&h, d->bar[i].cpu_addr, &bb), TG_OK);
		assert_int_equal(bb, d->bar[i].bus_addr);
	}
	/* Without a 64-bit window the 64-bit prefetchable BAR still gets room. */
	assert_true(d->bar[2].flags & PCI_BAR_ASSIGNED);
	assert_true(d->bar[0].flags & PCI_BAR_ASSIGNED);
	assert_true(d->bar[4].flags & PCI_BAR_ASSIGNED);
	/* Bridge windows hold bus addresses too. */
	uint64_t b, l;
	assert_true(sim_win_mem(rp, &b, &l));
	assert_true(b >= bus && l < bus + size);
	struct pci_dev *r = model(sim, &h, rp);
	assert_int_equal(r->win_mem.bus_addr, b);
	assert_int_equal(r->win_mem.cpu_addr, b - bus + cpu);
	uint64_t x;
	assert_int_equal(pci_bus_to_cpu(&h, bus + size, &x), TG_ERANGE);
	assert_int_equal(pci_cpu_to_bus(&h, bus, &x), TG_ERANGE);
}

/* bus-range 0x20-0x2f: the root bus is 0x20. */
static void test_root_bus_nonzero(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	struct sim_fn *rp = sim_add_port(sim_root(sim), 0, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *br = sim_add_bridge(sim_below(rp), 0, 0, 0x1b36, 0x0001, 0);
	struct sim_fn *ep = sim_add_ep(sim_below(br), 2, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(ep, 0, 4 * KiB, 0);
	struct sim_fn *rp2 = sim_add_port(sim_root(sim), 1, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *ep2 = sim_add_ep(sim_below(rp2), 0, 0, 0x1b36, 0x0011, 0x010802);
	sim_add_bar(ep2, 0, 4 * KiB, 0);
	sim_host_init(&h, sim, true);
	h.bus_start = 0x20;
	h.bus_end = 0x2f;
	h.segment = 3;

	assert_int_equal(sim_enumerate(&h), 5);
	sim_check_all(sim, &h);
	expect_buses(rp, 0x20, 0x21, 0x22);
	expect_buses(br, 0x21, 0x22, 0x22);
	expect_buses(rp2, 0x20, 0x23, 0x23);
	assert_non_null(pci_find_bdf(3, 0x22, PCI_DEVFN(2, 0)));
	assert_null(pci_find_bdf(0, 0x22, PCI_DEVFN(2, 0)));
	/* Conventional device behind a conventional bridge: the bridge's ID. */
	assert_int_equal(model(sim, &h, ep)->rid, PCI_RID(0x21, 0));
	assert_int_equal(model(sim, &h, ep2)->rid, PCI_RID(0x23, 0));
	assert_int_equal(h.last_bus, 0x23);
	char name[32];
	pci_dev_name(model(sim, &h, ep), name, sizeof(name));
	assert_string_equal(name, "0003:22:02.0");
}

/* No 64-bit window: 64-bit prefetchable BARs fall back to the 32-bit one. */
static void test_no_mem64_window(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;

	struct sim_fn *rp = sim_add_port(sim_root(sim), 0, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *ep = sim_add_ep(sim_below(rp), 0, 0, 0x1b36, 0x0010, 0x030000);
	sim_add_bar(ep, 0, 16 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(ep, 2, 4 * KiB, 0);
	struct sim_fn *re = sim_add_ep(sim_root(sim), 1, 0, 0x1b36, 0x0011, 0x030000);
	sim_add_bar(re, 0, 1 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_host_init(&h, sim, false);
	sim_host_window(&h, PCI_SPACE_IO, SIM_IO_CPU, 0, SIM_IO_SIZE);
	sim_host_window(&h, PCI_SPACE_MEM32, SIM_M32_BASE, SIM_M32_BASE, SIM_M32_SIZE);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	struct pci_dev *d = model(sim, &h, ep);
	assert_true(d->bar[0].flags & PCI_BAR_ASSIGNED);
	assert_true(d->bar[0].bus_addr >= SIM_M32_BASE &&
		    d->bar[0].bus_addr + d->bar[0].size <= SIM_M32_BASE + SIM_M32_SIZE);
	assert_true(model(sim, &h, re)->bar[0].flags & PCI_BAR_ASSIGNED);
	assert_false(d->disabled);
}

static void test_set_master(void **state)
{
	struct topo t;
	struct pci_host h;

	build_topo(&t, false);
	/* Firmware left everything decoding and mastering. */
	for (unsigned i = 0; i < sim_nfns(t.sim); i++)
		sim_poke16(sim_fn_get(t.sim, i), PCI_COMMAND, 0x0007);
	sim_host_init(&h, t.sim, true);
	sim_enumerate(&h);
	sim_check_all(t.sim, &h);	/* master off everywhere */

	struct pci_dev *ep3 = model(t.sim, &h, t.ep3);
	uint16_t before_ep4 = sim_cmd(t.ep4), before_rp2 = sim_cmd(t.rp2);
	assert_int_equal(pci_set_master(ep3, true), TG_OK);
	const struct sim_fn *path[] = { t.ep3, t.dsp1, t.usp, t.rp1 };
	for (unsigned i = 0; i < 4; i++)
		if (!(sim_cmd(path[i]) & PCI_COMMAND_MASTER))
			fail_msg("%s: bus master off after pci_set_master", sim_fn_label(path[i]));
	/* Decode bits kept, nothing else touched. */
	assert_true(sim_cmd(t.ep3) & PCI_COMMAND_MEMORY);
	assert_int_equal(sim_cmd(t.ep4), before_ep4);
	assert_int_equal(sim_cmd(t.dsp2) & PCI_COMMAND_MASTER, 0);
	assert_int_equal(sim_cmd(t.rp2), before_rp2);
	assert_int_equal(pci_set_master(ep3, false), TG_OK);
	assert_int_equal(sim_cmd(t.ep3) & PCI_COMMAND_MASTER, 0);
	assert_true(sim_cmd(t.ep3) & PCI_COMMAND_MEMORY);
	assert_int_equal(pci_set_master(NULL, true), TG_EINVAL);
}

/* Bridges that leave out optional windows, or implement narrow ones. */
static void test_bridge_variants(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);
	uint64_t b, l;

	/* 64-bit prefetchable behind a bridge with a 32-bit-only pref window:
	 * the BAR cannot go above 4 GiB through it. */
	struct sim_fn *p32 = sim_add_bridge(root, 1, 0, 1, 0x0001, SIM_BR_PREF32);
	struct sim_fn *e1 = sim_add_ep(sim_below(p32), 0, 0, 1, 0x0101, 0x030000);
	sim_add_bar(e1, 0, 2 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	/* No prefetchable window at all. */
	struct sim_fn *np = sim_add_bridge(root, 2, 0, 1, 0x0002, SIM_BR_NO_PREF);
	struct sim_fn *e2 = sim_add_ep(sim_below(np), 0, 0, 1, 0x0102, 0x030000);
	sim_add_bar(e2, 0, 2 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_add_bar(e2, 2, 64 * KiB, 0);
	/* 16-bit I/O window. */
	struct sim_fn *io16 = sim_add_bridge(root, 3, 0, 1, 0x0003, SIM_BR_IO16);
	struct sim_fn *e3 = sim_add_ep(sim_below(io16), 0, 0, 1, 0x0103, 0x070000);
	sim_add_bar(e3, 0, 8, SIM_BAR_IO | SIM_BAR_IO16);
	/* A bridge behind the 64-bit-pref root port without pref window. */
	struct sim_fn *rp = sim_add_port(root, 4, 0, 1, 0x0004, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *inner = sim_add_bridge(sim_below(rp), 0, 0, 1, 0x0005, SIM_BR_NO_PREF);
	struct sim_fn *e4 = sim_add_ep(sim_below(inner), 0, 0, 1, 0x0104, 0x030000);
	sim_add_bar(e4, 0, 4 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	struct sim_fn *e5 = sim_add_ep(sim_below(rp), 1, 0, 1, 0x0105, 0x030000);
	sim_add_bar(e5, 0, 4 * MiB, SIM_BAR_MEM64 | SIM_BAR_PREF);
	sim_host_init(&h, sim, true);

	sim_enumerate(&h);
	sim_check_all(sim, &h);
	assert_true(model(sim, &h, e1)->bar[0].flags & PCI_BAR_ASSIGNED);
	assert_true(model(sim, &h, e1)->bar[0].bus_addr < (1ull << 32));
	assert_true(model(sim, &h, e2)->bar[0].flags & PCI_BAR_ASSIGNED);
	assert_true(model(sim, &h, e2)->bar[0].bus_addr < (1ull << 32));
	assert_false(sim_win_pref(np, &b, &l));
	assert_true(model(sim, &h, e3)->bar[0].flags & PCI_BAR_ASSIGNED);
	assert_true(sim_win_io(io16, &b, &l));
	assert_true(l <= 0xffff);
	assert_true(model(sim, &h, e4)->bar[0].bus_addr < (1ull << 32));
	assert_true(model(sim, &h, e5)->bar[0].bus_addr >= SIM_M64_BASE);
	assert_true(sim_win_pref(rp, &b, &l) && sim_win_mem(rp, &b, &l));
}

/* Firmware (a boot loader that enumerated already) left bus numbers,
 * windows and decode programmed, some of it stale. */
static void test_stale_firmware_state(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	struct sim_fn *rp1 = sim_add_port(root, 1, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *e1 = sim_add_ep(sim_below(rp1), 0, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(e1, 0, 16 * KiB, 0);
	struct sim_fn *rp2 = sim_add_port(root, 2, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *e2 = sim_add_ep(sim_below(rp2), 0, 0, 0x1b36, 0x0011, 0x020000);
	sim_add_bar(e2, 0, 16 * KiB, 0);
	/* Left by firmware: rp2 owned bus 1 (a numbering where rp1 was absent),
	 * rp1 bus 9, windows and decode on. */
	sim_poke32(rp2, PCI_PRIMARY_BUS, 0x00010100);
	sim_poke32(rp1, PCI_PRIMARY_BUS, 0x00090900);
	sim_poke32(rp2, PCI_MEMORY_BASE, 0x10001000);
	sim_poke16(rp2, PCI_COMMAND, 0x0007);
	sim_poke16(e2, PCI_COMMAND, 0x0006);
	sim_poke32(e2, PCI_BAR0, 0x10000000);
	sim_host_init(&h, sim, true);

	assert_int_equal(sim_enumerate(&h), 4);
	expect_buses(rp1, 0, 1, 1);
	expect_buses(rp2, 0, 2, 2);
	struct sim_stats st;
	sim_stats(sim, &st);
	if (st.conflicts)
		fail_msg("%lu config accesses were claimed by two bridges: while rp1 (00:01.0) "
			 "was numbered 1 and scanned, rp2 (00:02.0) still had firmware's "
			 "secondary/subordinate 1-1", st.conflicts);
	sim_check_all(sim, &h);
	assert_non_null(pci_find_id(0x1b36, 0x0011, NULL));
	assert_ptr_equal(pci_find_id(0x1b36, 0x0011, NULL)->parent, model(sim, &h, rp2));
}

/* Two host bridges: segments kept apart. */
static void test_two_hosts(void **state)
{
	struct sim *s0 = sim_new(), *s1 = sim_new();
	struct pci_host h0, h1;

	struct sim_fn *a = sim_add_ep(sim_root(s0), 0, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(a, 0, 16 * KiB, 0);
	struct sim_fn *rp = sim_add_port(sim_root(s1), 0, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *b = sim_add_ep(sim_below(rp), 0, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(b, 0, 16 * KiB, 0);
	sim_host_init(&h0, s0, true);
	sim_host_init(&h1, s1, false);
	h1.segment = 1;
	sim_host_window(&h1, PCI_SPACE_MEM32, 0x20000000000ull, 0x40000000ull, 0x40000000ull);

	pci_reset_all();
	assert_int_equal(pci_host_register(&h0), TG_OK);
	assert_int_equal(pci_host_register(&h1), TG_OK);
	assert_int_equal(pci_host_count(), 2);
	assert_ptr_equal(pci_host_get(1), &h1);
	assert_null(pci_host_get(2));
	assert_int_equal(pci_enumerate(&h0), 1);
	assert_int_equal(pci_enumerate(&h1), 2);
	sim_check_all(s0, &h0);
	sim_check_all(s1, &h1);
	struct pci_dev *da = pci_find_bdf(0, 0, 0), *db = pci_find_bdf(1, 1, 0);
	assert_ptr_equal(da, model(s0, &h0, a));
	assert_ptr_equal(db, model(s1, &h1, b));
	assert_ptr_equal(pci_find_bdf(1, 0, 0)->host, &h1);
	assert_true(db->bar[0].bus_addr >= 0x40000000ull);
	assert_int_equal(db->bar[0].cpu_addr, db->bar[0].bus_addr - 0x40000000ull + 0x20000000000ull);
	assert_true(pci_p2p_path_redirects(da, db));
	assert_null(pci_common_upstream(da, db));
}

/* A host with nothing behind it: one read per slot of the root bus. */
static void test_empty_host(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_stats st;

	sim_host_init(&h, sim, true);
	assert_int_equal(sim_enumerate(&h), 0);
	sim_check_all(sim, &h);
	sim_stats(sim, &st);
	assert_int_equal(st.reads + st.writes, 32);
	assert_int_equal(pci_dev_count(), 0);
	assert_int_equal(h.last_bus, 0);
}

/* An expander root bus (QEMU pxb-pcie at 00:02.0, root bus 0x80). */
static void test_expander_bus(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_stats st;
	struct sim_bus *root = sim_root(sim);

	sim_add_ep(root, 0, 0, 0x1b36, 0x0008, 0x060000);
	struct sim_fn *rp = sim_add_port(root, 1, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *e1 = sim_add_ep(sim_below(rp), 0, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(e1, 0, 16 * KiB, SIM_BAR_MEM64);
	sim_add_ep(root, 2, 0, 0x1b36, 0x000b, 0x060000);	/* the pxb itself */
	struct sim_bus *x = sim_add_expander(sim, 0x80);
	struct sim_fn *xrp = sim_add_port(x, 0, 0, 0x1b36, 0x000c, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *e2 = sim_add_ep(sim_below(xrp), 0, 0, 0x1b36, 0x0010, 0x010802);
	sim_add_bar(e2, 0, 16 * KiB, SIM_BAR_MEM64);
	struct sim_fn *e3 = sim_add_ep(x, 3, 0, 0x1af4, 0x1041, 0x020000);
	sim_add_bar(e3, 1, 4 * KiB, 0);
	sim_host_init(&h, sim, true);

	assert_int_equal(sim_enumerate(&h), 7);
	sim_check_all(sim, &h);
	expect_buses(rp, 0, 1, 1);
	expect_buses(xrp, 0x80, 0x81, 0x81);
	assert_non_null(pci_find_bdf(0, 0x81, 0));
	assert_null(model(sim, &h, e3)->parent);
	assert_int_equal(h.last_bus, 0x81);
	sim_stats(sim, &st);
	print_message("expander: %lu config accesses (%lu reads), %lu to buses nothing routes to\n",
		      st.reads + st.writes, st.reads, st.unrouted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(test_topology),
		PCI_TEST(test_topology_cost),
		PCI_TEST(test_root_endpoints),
		PCI_TEST(test_multifunction),
		PCI_TEST(test_window_offset),
		PCI_TEST(test_root_bus_nonzero),
		PCI_TEST(test_no_mem64_window),
		PCI_TEST(test_set_master),
		PCI_TEST(test_bridge_variants),
		PCI_TEST(test_stale_firmware_state),
		PCI_TEST(test_two_hosts),
		PCI_TEST(test_empty_host),
		PCI_TEST(test_expander_bus),
	};

	return cmocka_run_group_tests_name("pci_enum", tests, NULL, NULL);
}
