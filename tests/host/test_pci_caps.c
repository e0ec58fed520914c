/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capability lists, well-formed and hostile, ACS isolation and the
 * peer-to-peer questions built on it.
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

#define KiB (1ull << 10)

static struct pci_dev *model(struct sim *sim, struct pci_host *h, const struct sim_fn *f)
{
	struct pci_dev *d = sim_model(sim, h, f);

	if (!d)
		fail_msg("%s not in the device model", sim_fn_label(f));
	return d;
}

/* One endpoint on the root bus, enumerated; *fp gets its simulator side. */
static struct sim *one_ep(struct sim_fn **fp)
{
	struct sim *sim = sim_new();

	*fp = sim_add_ep(sim_root(sim), 1, 0, 0x1af4, 0x1041, 0x020000);
	sim_add_bar(*fp, 1, 4 * KiB, 0);
	return sim;
}

static struct pci_dev *enumerate_one(struct sim *sim, struct pci_host *h, struct sim_fn *f)
{
	sim_host_init(h, sim, true);
	sim_enumerate(h);
	sim_check_all(sim, h);
	unsigned long a = sim_fn_accesses(f);
	if (a > 32 + 2ul * sim_ncaps(f))
		fail_msg("%s: enumeration took %lu accesses (%u capabilities)", sim_fn_label(f), a,
			 sim_ncaps(f));
	return model(sim, h, f);
}

/* Accesses a lookup costs, measured on the simulator. */
static unsigned long cost_of_find(struct sim_fn *f, struct pci_dev *d, uint8_t id, uint8_t *at)
{
	unsigned long before = sim_fn_accesses(f);

	*at = pci_find_cap(d, id);
	return sim_fn_accesses(f) - before;
}

static unsigned long cost_of_find_ext(struct sim_fn *f, struct pci_dev *d, uint16_t id,
				      uint16_t *at)
{
	unsigned long before = sim_fn_accesses(f);

	*at = pci_find_ext_cap(d, id);
	return sim_fn_accesses(f) - before;
}

/* --- well-formed lists -------------------------------------------------------- */

static void test_caps_found(void **state)
{
	struct sim_fn *f;
	struct sim *sim = one_ep(&f);
	struct pci_host h;

	sim_add_pm(f, 0x40);
	sim_add_msi(f, 0x50);
	sim_add_pcie(f, 0x70, PCI_EXP_TYPE_LEG_END);
	sim_add_msix(f, 0xb0);
	sim_add_cap(f, 0xc0, 0x09, 8);		/* vendor specific */
	sim_add_ext_cap(f, 0x100, 0x0001, 0x48);	/* AER */
	sim_add_acs(f, 0x148, PCI_ACS_SV, 0);
	sim_add_ext_cap(f, 0x200, 0x0003, 0x0c);	/* serial number */
	struct pci_dev *d = enumerate_one(sim, &h, f);
	uint8_t at;
	uint16_t eat;

	assert_int_equal(d->cap_pm, 0x40);
	assert_int_equal(d->cap_msi, 0x50);
	assert_int_equal(d->cap_pcie, 0x70);
	assert_int_equal(d->cap_msix, 0xb0);
	assert_int_equal(d->pcie_type, PCI_EXP_TYPE_LEG_END);
	assert_int_equal(d->ecap_acs, 0x148);
	assert_int_equal(d->acs_cap, PCI_ACS_SV);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_PM), 0x40);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSI), 0x50);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_EXP), 0x70);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSIX), 0xb0);
	assert_int_equal(pci_find_cap(d, 0x09), 0xc0);
	/* Absent: walks the five once. */
	unsigned long c = cost_of_find(f, d, 0x12, &at);
	assert_int_equal(at, 0);
	assert_true(c <= 2 + 2 * 5);
	assert_int_equal(pci_find_ext_cap(d, 0x0001), 0x100);
	assert_int_equal(pci_find_ext_cap(d, PCI_EXT_CAP_ID_ACS), 0x148);
	assert_int_equal(pci_find_ext_cap(d, 0x0003), 0x200);
	c = cost_of_find_ext(f, d, 0x0010, &eat);
	assert_int_equal(eat, 0);
	assert_true(c <= 2 * 3);
	assert_int_equal(pci_find_cap(NULL, PCI_CAP_ID_PM), 0);
	assert_int_equal(pci_find_ext_cap(NULL, 1), 0);
}

static void test_pcie_types(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);
	static const unsigned types[] = { PCI_EXP_TYPE_ENDPOINT, PCI_EXP_TYPE_LEG_END,
					  PCI_EXP_TYPE_RC_END, PCI_EXP_TYPE_RC_EC };
	struct sim_fn *f[4];

	for (unsigned i = 0; i < 4; i++) {
		f[i] = sim_add_ep(root, 1 + i, 0, 0x1b36, (uint16_t)i, 0x088000);
		sim_add_pcie(f[i], 0x40, types[i]);
	}
	struct sim_fn *conv = sim_add_ep(root, 8, 0, 0x1b36, 0x10, 0x088000);
	sim_add_pm(conv, 0x40);
	struct sim_fn *rp = sim_add_port(root, 9, 0, 0x1b36, 0xc, PCI_EXP_TYPE_ROOT_PORT);
	struct sim_fn *usp = sim_add_port(sim_below(rp), 0, 0, 0x1b36, 0xd, PCI_EXP_TYPE_UPSTREAM);
	struct sim_fn *dsp = sim_add_port(sim_below(usp), 0, 0, 0x1b36, 0xe, PCI_EXP_TYPE_DOWNSTREAM);
	struct sim_fn *brg = sim_add_port(sim_below(dsp), 0, 0, 0x1b36, 0xf, PCI_EXP_TYPE_PCI_BRIDGE);
	sim_host_init(&h, sim, true);
	sim_enumerate(&h);
	sim_check_all(sim, &h);

	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(model(sim, &h, f[i])->pcie_type, (int)types[i]);
		assert_int_equal(model(sim, &h, f[i])->cap_pcie, 0x40);
	}
	assert_int_equal(model(sim, &h, conv)->pcie_type, -1);
	assert_int_equal(model(sim, &h, conv)->cap_pcie, 0);
	assert_int_equal(model(sim, &h, conv)->cap_pm, 0x40);
	assert_int_equal(model(sim, &h, rp)->pcie_type, PCI_EXP_TYPE_ROOT_PORT);
	assert_int_equal(model(sim, &h, usp)->pcie_type, PCI_EXP_TYPE_UPSTREAM);
	assert_int_equal(model(sim, &h, dsp)->pcie_type, PCI_EXP_TYPE_DOWNSTREAM);
	assert_int_equal(model(sim, &h, brg)->pcie_type, PCI_EXP_TYPE_PCI_BRIDGE);
}

/* The capability pointer means nothing unless the status register says so. */
static void test_status_without_cap_list(void **state)
{
	struct sim_fn *f;
	struct sim *sim = one_ep(&f);
	struct pci_host h;

	sim_add_pcie(f, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_msi(f, 0x80);
	sim_poke16(f, PCI_STATUS, 0);
	struct pci_dev *d = enumerate_one(sim, &h, f);

	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSI), 0);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_EXP), 0);
	assert_int_equal(d->cap_pcie, 0);
	assert_int_equal(d->cap_msi, 0);
	assert_int_equal(d->pcie_type, -1);
}

/* --- hostile standard lists ---------------------------------------------------- */

static void test_cap_loops(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	/* A -> B -> A */
	struct sim_fn *ab = sim_add_ep(root, 1, 0, 1, 1, 0xff0000);
	sim_add_pm(ab, 0x40);
	sim_add_msi(ab, 0x50);
	sim_poke8(ab, 0x51, 0x40);
	/* A -> A */
	struct sim_fn *aa = sim_add_ep(root, 2, 0, 1, 2, 0xff0000);
	sim_add_pm(aa, 0x40);
	sim_poke8(aa, 0x41, 0x40);
	/* 48 capabilities in a ring covering all of 0x40-0xff. */
	struct sim_fn *ring = sim_add_ep(root, 3, 0, 1, 3, 0xff0000);
	for (unsigned off = 0x40; off < 0x100; off += 4)
		sim_add_cap(ring, (uint8_t)off, 0x09, 4);
	sim_poke8(ring, 0xfd, 0x40);
	/* A PCIe capability in a loop still counts. */
	struct sim_fn *px = sim_add_ep(root, 4, 0, 1, 4, 0xff0000);
	sim_add_msix(px, 0x40);
	sim_add_pcie(px, 0x60, PCI_EXP_TYPE_ENDPOINT);
	sim_poke8(px, 0x61, 0x40);
	sim_host_init(&h, sim, true);
	sim_enumerate(&h);
	sim_check_all(sim, &h);
	uint8_t at;

	struct pci_dev *d = model(sim, &h, ab);
	assert_int_equal(cost_of_find(ab, d, 0x11, &at) <= 2 + 2 * 2 + 1, true);
	assert_int_equal(at, 0);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSI), 0x50);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_PM), 0x40);
	assert_int_equal(d->cap_pm, 0x40);
	assert_int_equal(d->cap_msi, 0x50);

	d = model(sim, &h, aa);
	assert_int_equal(cost_of_find(aa, d, 0x11, &at) <= 2 + 2 + 1, true);
	assert_int_equal(at, 0);
	assert_int_equal(d->cap_pm, 0x40);

	d = model(sim, &h, ring);
	unsigned long c = cost_of_find(ring, d, 0x11, &at);
	assert_int_equal(at, 0);
	if (c > 2 + 48 + 1)
		fail_msg("48-entry ring: %lu accesses", c);

	d = model(sim, &h, px);
	assert_int_equal(d->cap_pcie, 0x60);
	assert_int_equal(d->cap_msix, 0x40);
	assert_int_equal(d->pcie_type, PCI_EXP_TYPE_ENDPOINT);
}

/* Pointers into the header (< 0x40) end the walk. */
static void test_cap_pointer_into_header(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	/* First pointer 0x28 (CardBus CIS pointer, read-only), made to look
	 * like an MSI capability. */
	struct sim_fn *a = sim_add_ep(root, 1, 0, 1, 1, 0xff0000);
	sim_add_pm(a, 0x40);
	sim_poke8(a, PCI_CAPABILITY_LIST, 0x28);
	sim_poke16(a, 0x28, 0x4005);
	/* A valid entry whose next pointer goes into the header. */
	struct sim_fn *b = sim_add_ep(root, 2, 0, 1, 2, 0xff0000);
	sim_add_pm(b, 0x40);
	sim_poke8(b, 0x41, 0x28);
	sim_poke16(b, 0x28, 0x0005);
	/* Pointer 0: no capabilities although the status bit is set. */
	struct sim_fn *c = sim_add_ep(root, 3, 0, 1, 3, 0xff0000);
	sim_add_pm(c, 0x40);
	sim_poke8(c, PCI_CAPABILITY_LIST, 0);
	sim_host_init(&h, sim, true);
	sim_enumerate(&h);
	sim_check_all(sim, &h);

	struct pci_dev *d = model(sim, &h, a);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSI), 0);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_PM), 0);
	assert_int_equal(d->cap_msi, 0);
	d = model(sim, &h, b);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_PM), 0x40);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSI), 0);
	assert_int_equal(d->cap_msi, 0);
	d = model(sim, &h, c);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_PM), 0);
}

/* pci.h: walks "stop at pointers below the header, misaligned or revisited". */
static void test_cap_pointer_misaligned(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	/* First pointer 0x51; an MSI header at 0x50.  PCI 3.0 6.7: the two low
	 * bits of a capability pointer are reserved and software masks them, so
	 * 0x51 and 0x52 both lead to the header at 0x50. */
	struct sim_fn *a = sim_add_ep(root, 1, 0, 1, 1, 0xff0000);
	sim_add_pm(a, 0x40);
	sim_poke8(a, PCI_CAPABILITY_LIST, 0x51);
	sim_poke32(a, 0x50, 0x00050005);
	/* PM at 0x40 whose next pointer is 0x52. */
	struct sim_fn *b = sim_add_ep(root, 2, 0, 1, 2, 0xff0000);
	sim_add_pm(b, 0x40);
	sim_poke8(b, 0x41, 0x52);
	sim_poke32(b, 0x50, 0x00050005);
	sim_host_init(&h, sim, true);
	sim_enumerate(&h);
	sim_check_all(sim, &h);

	struct pci_dev *d = model(sim, &h, a);
	assert_int_equal(d->cap_pm, 0);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSI), 0x50);
	assert_int_equal(d->cap_msi, 0x50);
	d = model(sim, &h, b);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_PM), 0x40);
	assert_int_equal(pci_find_cap(d, PCI_CAP_ID_MSI), 0x50);
	assert_int_equal(d->cap_msi, 0x50);
}

/* --- hostile extended lists ------------------------------------------------------ */

static struct sim_fn *pcie_ep(struct sim_bus *root, unsigned dev)
{
	struct sim_fn *f = sim_add_ep(root, dev, 0, 2, (uint16_t)dev, 0xff0000);

	sim_add_pcie(f, 0x40, PCI_EXP_TYPE_ENDPOINT);
	return f;
}

static void test_ext_cap_hostile(void **state)
{
	struct sim *sim = sim_new();
	struct pci_host h;
	struct sim_bus *root = sim_root(sim);

	/* 0x100 -> 0x140 -> 0x100 */
	struct sim_fn *loop = pcie_ep(root, 1);
	sim_add_ext_cap(loop, 0x100, 0x0001, 0x40);
	sim_add_ext_cap(loop, 0x140, 0x0003, 0x0c);
	sim_poke32(loop, 0x140, 0x10010003);
	/* 0x100 -> itself */
	struct sim_fn *self = pcie_ep(root, 2);
	sim_add_ext_cap(self, 0x100, 0x0001, 0x40);
	sim_poke32(self, 0x100, 0x10010001);
	/* next pointer back into the standard space, where an "ACS" sits */
	struct sim_fn *low = pcie_ep(root, 3);
	sim_add_ext_cap(low, 0x100, 0x0001, 0x40);
	sim_poke32(low, 0x100, 0x0c010001);
	sim_poke32(low, 0xc0, 0x0001000d);
	/* ACS header at 0xffc: its registers would be past the 4 KiB space */
	struct sim_fn *edge = pcie_ep(root, 4);
	sim_add_ext_cap(edge, 0x100, 0x0001, 0x40);
	sim_poke32(edge, 0x100, 0xffc10001);
	sim_poke32(edge, 0xffc, 0x0001000d);
	/* extended space not forwarded: all-ones */
	struct sim_fn *ones = pcie_ep(root, 5);
	sim_set_hostile(ones, SIM_H_NO_EXT_SPACE);
	/* a ring over every dword of 0x100-0xfff */
	struct sim_fn *ring = pcie_ep(root, 6);
	for (unsigned off = 0x100; off < 0x1000; off += 4)
		sim_poke32(ring, (uint16_t)off, 0x0001000b | (uint32_t)(off + 4 < 0x1000 ? off + 4 : 0x100) << 20);
	/* no extended capabilities: header 0 */
	struct sim_fn *none = pcie_ep(root, 7);
	sim_host_init(&h, sim, true);
	h.acs_isolation = true;
	sim_enumerate(&h);
	sim_check_all(sim, &h);
	struct sim_stats st;
	sim_stats(sim, &st);
	assert_int_equal(st.bad_access, 0);
	uint16_t at;

	struct pci_dev *d = model(sim, &h, loop);
	assert_true(cost_of_find_ext(loop, d, PCI_EXT_CAP_ID_ACS, &at) <= 3);
	assert_int_equal(at, 0);
	assert_int_equal(pci_find_ext_cap(d, 0x0003), 0x140);
	d = model(sim, &h, self);
	assert_true(cost_of_find_ext(self, d, PCI_EXT_CAP_ID_ACS, &at) <= 2);
	assert_int_equal(at, 0);
	d = model(sim, &h, low);
	assert_int_equal(pci_find_ext_cap(d, PCI_EXT_CAP_ID_ACS), 0);
	assert_int_equal(d->ecap_acs, 0);
	d = model(sim, &h, ones);
	assert_true(cost_of_find_ext(ones, d, PCI_EXT_CAP_ID_ACS, &at) <= 1);
	assert_int_equal(at, 0);
	d = model(sim, &h, ring);
	unsigned long c = cost_of_find_ext(ring, d, PCI_EXT_CAP_ID_ACS, &at);
	assert_int_equal(at, 0);
	if (c > (0x1000 - 0x100) / 4 + 1)
		fail_msg("960-entry extended ring: %lu accesses", c);
	d = model(sim, &h, none);
	assert_true(cost_of_find_ext(none, d, PCI_EXT_CAP_ID_ACS, &at) <= 1);
	assert_int_equal(at, 0);

	/* The truncated ACS at 0xffc: never enabled, no made-up registers. */
	d = model(sim, &h, edge);
	assert_int_equal(sim_fn_writes_at(edge, 0xffc), 0);
	if (d->ecap_acs && (d->acs_cap || d->acs_ctrl))
		fail_msg("ACS header at 0x%x (registers at 0x1000+): model acs_cap %#x acs_ctrl %#x "
			 "from a failed read", d->ecap_acs, d->acs_cap, d->acs_ctrl);
}

/* --- ACS ------------------------------------------------------------------------ */

#define ACS_ALL (PCI_ACS_SV | PCI_ACS_TB | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF | PCI_ACS_EC | PCI_ACS_DT)
#define ACS_ISO (PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_UF)

struct acs_topo {
	struct sim *sim;
	struct sim_fn *rp1, *usp, *dsp1, *dsp2, *ep3, *ep4, *rp2, *ep5, *rp3, *ep6, *mf0, *mf1;
};

/*
 * rp1 (ACS: everything) -> usp -> dsp1, dsp2 (ACS when dsp_acs) -> ep3, ep4
 * rp2 (ACS: SV RR only) -> ep5
 * rp3 (no ACS) -> ep6
 * 00:04.0/.1 multi-function endpoint with ACS on function 0
 */
static void build_acs(struct acs_topo *t, bool dsp_acs, uint16_t fw_ctrl)
{
	struct sim *sim = t->sim = sim_new();
	struct sim_bus *root = sim_root(sim);

	t->rp1 = sim_add_port(root, 1, 0, 0x8086, 0x7a38, PCI_EXP_TYPE_ROOT_PORT);
	sim_set_label(t->rp1, "rp1");
	sim_add_acs(t->rp1, 0x100, ACS_ALL, fw_ctrl);
	t->usp = sim_add_port(sim_below(t->rp1), 0, 0, 0x10b5, 0x8747, PCI_EXP_TYPE_UPSTREAM);
	t->dsp1 = sim_add_port(sim_below(t->usp), 1, 0, 0x10b5, 0x8747, PCI_EXP_TYPE_DOWNSTREAM);
	sim_set_label(t->dsp1, "dsp1");
	t->dsp2 = sim_add_port(sim_below(t->usp), 2, 0, 0x10b5, 0x8747, PCI_EXP_TYPE_DOWNSTREAM);
	sim_set_label(t->dsp2, "dsp2");
	if (dsp_acs) {
		sim_add_acs(t->dsp1, 0x100, ACS_ISO | PCI_ACS_EC, fw_ctrl);
		sim_add_acs(t->dsp2, 0x100, ACS_ISO | PCI_ACS_EC, fw_ctrl);
	}
	t->ep3 = sim_add_ep(sim_below(t->dsp1), 0, 0, 0x15b3, 0x1017, 0x020000);
	sim_add_pcie(t->ep3, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_bar(t->ep3, 0, 32 * (1u << 20), SIM_BAR_MEM64 | SIM_BAR_PREF);
	t->ep4 = sim_add_ep(sim_below(t->dsp2), 0, 0, 0x10de, 0x1eb8, 0x030200);
	sim_add_pcie(t->ep4, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_bar(t->ep4, 0, 16 * (1u << 20), 0);
	t->rp2 = sim_add_port(root, 2, 0, 0x8086, 0x7a39, PCI_EXP_TYPE_ROOT_PORT);
	sim_set_label(t->rp2, "rp2");
	sim_add_acs(t->rp2, 0x100, PCI_ACS_SV | PCI_ACS_RR, fw_ctrl);
	t->ep5 = sim_add_ep(sim_below(t->rp2), 0, 0, 0x144d, 0xa808, 0x010802);
	sim_add_pcie(t->ep5, 0x40, PCI_EXP_TYPE_ENDPOINT);
	sim_add_bar(t->ep5, 0, 16 * KiB, SIM_BAR_MEM64);
	t->rp3 = sim_add_port(root, 3, 0, 0x8086, 0x7a3a, PCI_EXP_TYPE_ROOT_PORT);
	t->ep6 = sim_add_ep(sim_below(t->rp3), 0, 0, 0x144d, 0xa808, 0x010802);
	sim_add_pcie(t->ep6, 0x40, PCI_EXP_TYPE_ENDPOINT);
	t->mf0 = sim_add_ep(root, 4, 0, 0x8086, 0x1572, 0x020000);
	sim_add_pcie(t->mf0, 0x40, PCI_EXP_TYPE_RC_END);
	sim_add_acs(t->mf0, 0x100, PCI_ACS_SV | PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC, 0);
	t->mf1 = sim_add_ep(root, 4, 1, 0x8086, 0x1572, 0x020000);
	sim_add_pcie(t->mf1, 0x40, PCI_EXP_TYPE_RC_END);
}

static void test_acs_isolation_on(void **state)
{
	struct acs_topo t;
	struct pci_host h;

	build_acs(&t, false, 0);
	sim_host_init(&h, t.sim, true);
	h.acs_isolation = true;
	sim_enumerate(&h);
	sim_check_all(t.sim, &h);

	assert_int_equal(sim_acs_ctrl(t.rp1), ACS_ISO);
	assert_int_equal(sim_acs_ctrl(t.rp2), PCI_ACS_SV | PCI_ACS_RR);
	for (unsigned i = 0; i < sim_nfns(t.sim); i++) {
		struct sim_fn *f = sim_fn_get(t.sim, i);
		if (sim_violations(f))
			fail_msg("%s: wrote ACS control bits its capability does not advertise",
				 sim_fn_label(f));
	}
	struct pci_dev *rp1 = model(t.sim, &h, t.rp1), *rp2 = model(t.sim, &h, t.rp2);
	assert_int_equal(rp1->ecap_acs, 0x100);
	assert_int_equal(rp1->acs_cap, ACS_ALL);
	assert_int_equal(rp1->acs_ctrl, ACS_ISO);
	assert_int_equal(rp2->acs_ctrl, PCI_ACS_SV | PCI_ACS_RR);
	assert_int_equal(model(t.sim, &h, t.usp)->ecap_acs, 0);
	assert_int_equal(model(t.sim, &h, t.rp3)->ecap_acs, 0);

	struct pci_dev *ep3 = model(t.sim, &h, t.ep3), *ep4 = model(t.sim, &h, t.ep4);
	struct pci_dev *ep5 = model(t.sim, &h, t.ep5), *ep6 = model(t.sim, &h, t.ep6);
	struct pci_dev *usp = model(t.sim, &h, t.usp);
	/* Switch siblings, switch ports without ACS: peer traffic stays in
	 * the switch. */
	assert_false(pci_p2p_path_redirects(ep3, ep4));
	assert_ptr_equal(pci_common_upstream(ep3, ep4), usp);
	assert_ptr_equal(pci_common_upstream(ep4, ep3), usp);
	/* Different root ports, RR on: through the root complex. */
	assert_true(pci_p2p_path_redirects(ep3, ep5));
	assert_true(pci_p2p_path_redirects(ep5, ep3));
	assert_null(pci_common_upstream(ep3, ep5));
	assert_true(pci_p2p_path_redirects(ep5, ep6));
	/* The same device. */
	assert_false(pci_p2p_path_redirects(ep3, ep3));
	/* A bridge and a device below it. */
	assert_ptr_equal(pci_common_upstream(ep3, usp), model(t.sim, &h, t.rp1));
	assert_null(pci_common_upstream(NULL, ep3));
}

static void test_acs_switch_ports(void **state)
{
	struct acs_topo t;
	struct pci_host h;

	build_acs(&t, true, 0);
	sim_host_init(&h, t.sim, true);
	h.acs_isolation = true;
	sim_enumerate(&h);
	sim_check_all(t.sim, &h);

	assert_int_equal(sim_acs_ctrl(t.dsp1), ACS_ISO);
	assert_int_equal(sim_acs_ctrl(t.dsp2), ACS_ISO);
	assert_int_equal(sim_violations(t.dsp1) + sim_violations(t.dsp2), 0);
	struct pci_dev *ep3 = model(t.sim, &h, t.ep3), *ep4 = model(t.sim, &h, t.ep4);
	assert_true(pci_p2p_path_redirects(ep3, ep4));
	assert_ptr_equal(pci_common_upstream(ep3, ep4), model(t.sim, &h, t.usp));
}

/* Policy off: ACS control exactly as firmware left it, never written. */
static void test_acs_isolation_off(void **state)
{
	struct acs_topo t;
	struct pci_host h;

	build_acs(&t, true, PCI_ACS_SV);
	sim_host_init(&h, t.sim, true);
	h.acs_isolation = false;
	sim_enumerate(&h);
	sim_check_all(t.sim, &h);

	const struct sim_fn *ports[] = { t.rp1, t.rp2, t.dsp1, t.dsp2, t.mf0 };
	for (unsigned i = 0; i < 5; i++) {
		if (sim_fn_writes_at(ports[i], 0x104))
			fail_msg("%s: ACS control written with isolation off", sim_fn_label(ports[i]));
	}
	assert_int_equal(sim_acs_ctrl(t.rp1), PCI_ACS_SV);
	assert_int_equal(sim_acs_ctrl(t.mf0), 0);
	assert_int_equal(model(t.sim, &h, t.rp1)->acs_ctrl, PCI_ACS_SV);
	assert_int_equal(model(t.sim, &h, t.rp1)->acs_cap, ACS_ALL);
	/* SV only: nothing redirects inside the switch. */
	assert_false(pci_p2p_path_redirects(model(t.sim, &h, t.ep3), model(t.sim, &h, t.ep4)));
}

/* Firmware set other control bits: isolation adds its bits, keeps the rest. */
static void test_acs_firmware_bits(void **state)
{
	struct acs_topo t;
	struct pci_host h;

	build_acs(&t, true, PCI_ACS_EC | PCI_ACS_SV);
	sim_host_init(&h, t.sim, true);
	h.acs_isolation = true;
	sim_enumerate(&h);
	sim_check_all(t.sim, &h);

	assert_int_equal(sim_acs_ctrl(t.dsp1) & ACS_ISO, ACS_ISO);
	assert_int_equal(sim_acs_ctrl(t.rp1) & ACS_ISO, ACS_ISO);
	assert_int_equal(sim_acs_ctrl(t.rp2), PCI_ACS_SV | PCI_ACS_RR);
	assert_int_equal(model(t.sim, &h, t.dsp1)->acs_ctrl, sim_acs_ctrl(t.dsp1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(test_caps_found),
		PCI_TEST(test_pcie_types),
		PCI_TEST(test_status_without_cap_list),
		PCI_TEST(test_cap_loops),
		PCI_TEST(test_cap_pointer_into_header),
		PCI_TEST(test_cap_pointer_misaligned),
		PCI_TEST(test_ext_cap_hostile),
		PCI_TEST(test_acs_isolation_on),
		PCI_TEST(test_acs_switch_ports),
		PCI_TEST(test_acs_isolation_off),
		PCI_TEST(test_acs_firmware_bits),
	};

	return cmocka_run_group_tests_name("pci_caps", tests, NULL, NULL);
}
