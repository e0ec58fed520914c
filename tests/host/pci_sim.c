/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Simulated PCIe configuration space and the checkers over it; see
 * pci_sim.h.  Written from the PCI Local Bus 3.0, PCI-to-PCI Bridge 1.2
 * and PCIe 5.0 register descriptions; no code from elsewhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tollgate/console.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/pci.h>
#include <tollgate/platform.h>
#include <tollgate/pci_regs.h>
#include <tollgate/timer.h>

#include "pci_sim.h"

#define SIM_MAX_BUSES	64
#define SIM_MAX_FNS	160
#define CFG_SIZE	PCI_CFG_SPACE_EXP_SIZE

struct sim_fn {
	struct sim *sim;
	struct sim_bus *bus;
	unsigned int devfn;
	uint8_t cfg[CFG_SIZE];
	uint8_t wmask[CFG_SIZE];
	uint8_t strict[CFG_SIZE];	/* writing 1 here is a violation */
	unsigned int hostile;
	bool mf_explicit;
	struct sim_bus *below;		/* bridges */
	uint8_t last_cap;
	uint16_t last_ext;
	unsigned int ncaps;
	uint64_t bar_size[PCI_NUM_BARS];
	unsigned int bar_flags[PCI_NUM_BARS];
	bool bar_upper[PCI_NUM_BARS];	/* upper half of a 64-bit BAR */
	bool bar_raw[PCI_NUM_BARS];
	unsigned long reads, writes, violations;
	uint16_t wr_at[CFG_SIZE / 4];
	char label[32];
};

struct sim_bus {
	struct sim *sim;
	struct sim_fn *parent;
	int expander;		/* fixed number of an expander root bus, else -1 */
	struct sim_fn *fns[256];
	unsigned long acc[256];
};

struct sim {
	struct pci_host *host;
	struct sim_bus *buses[SIM_MAX_BUSES];
	unsigned int nbus;
	struct sim_fn *fns[SIM_MAX_FNS];
	unsigned int nfn;
	struct sim_stats st;
};

/* --- building ---------------------------------------------------------------- */

static struct sim_bus *new_bus(struct sim *sim, struct sim_fn *parent)
{
	struct sim_bus *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	assert_true(sim->nbus < SIM_MAX_BUSES);
	b->sim = sim;
	b->parent = parent;
	b->expander = -1;
	sim->buses[sim->nbus++] = b;
	return b;
}

static void fake_ioremap_release(void);

/* Every live simulator, so a failed test (which longjmps out) leaks nothing. */
#define SIM_MAX_LIVE 16
static struct sim *live[SIM_MAX_LIVE];

struct sim *sim_new(void)
{
	struct sim *sim = calloc(1, sizeof(*sim));

	assert_non_null(sim);
	new_bus(sim, NULL);
	for (unsigned int i = 0; i < SIM_MAX_LIVE; i++)
		if (!live[i]) {
			live[i] = sim;
			return sim;
		}
	fail_msg("more than %u simulators alive", SIM_MAX_LIVE);
	return NULL;
}

void sim_free(struct sim *sim)
{
	if (!sim)
		return;
	for (unsigned int i = 0; i < SIM_MAX_LIVE; i++)
		if (live[i] == sim)
			live[i] = NULL;
	for (unsigned int i = 0; i < sim->nfn; i++)
		free(sim->fns[i]);
	for (unsigned int i = 0; i < sim->nbus; i++)
		free(sim->buses[i]);
	free(sim);
}

int sim_teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < SIM_MAX_LIVE; i++)
		sim_free(live[i]);
	pci_reset_all();
	fake_ioremap_release();
	return 0;
}

struct sim_bus *sim_root(struct sim *sim)
{
	return sim->buses[0];
}

struct sim_bus *sim_add_expander(struct sim *sim, uint8_t number)
{
	struct sim_bus *b = new_bus(sim, NULL);

	b->expander = number;
	return b;
}

struct sim_bus *sim_below(struct sim_fn *bridge)
{
	assert_non_null(bridge->below);
	return bridge->below;
}

static void put(struct sim_fn *f, uint16_t off, unsigned int size, uint32_t v)
{
	for (unsigned int i = 0; i < size; i++)
		f->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get(const struct sim_fn *f, uint16_t off, unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

static void put_mask(struct sim_fn *f, uint16_t off, unsigned int size, uint32_t m)
{
	for (unsigned int i = 0; i < size; i++)
		f->wmask[off + i] = (uint8_t)(m >> (8 * i));
}

void sim_poke8(struct sim_fn *f, uint16_t off, uint8_t v) { put(f, off, 1, v); }
void sim_poke16(struct sim_fn *f, uint16_t off, uint16_t v) { put(f, off, 2, v); }
void sim_poke32(struct sim_fn *f, uint16_t off, uint32_t v) { put(f, off, 4, v); }
void sim_wmask32(struct sim_fn *f, uint16_t off, uint32_t m) { put_mask(f, off, 4, m); }

static void update_mf(struct sim_bus *bus, unsigned int slot)
{
	struct sim_fn *f0 = bus->fns[slot << 3];
	bool others = false;

	if (!f0 || f0->mf_explicit)
		return;
	for (unsigned int fn = 1; fn < 8; fn++)
		others |= bus->fns[(slot << 3) | fn] != NULL;
	if (others)
		f0->cfg[PCI_HEADER_TYPE] |= PCI_HEADER_MULTIFUNC;
	else
		f0->cfg[PCI_HEADER_TYPE] &= (uint8_t)~PCI_HEADER_MULTIFUNC;
}

static struct sim_fn *new_fn(struct sim_bus *bus, unsigned int dev, unsigned int fn,
			     uint16_t vendor, uint16_t device, uint32_t class, uint8_t hdr)
{
	struct sim *sim = bus->sim;

	assert_true(dev < 32 && fn < 8);
	unsigned int devfn = PCI_DEVFN(dev, fn);
	assert_null(bus->fns[devfn]);
	assert_true(sim->nfn < SIM_MAX_FNS);

	struct sim_fn *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->sim = sim;
	f->bus = bus;
	f->devfn = devfn;
	put(f, PCI_VENDOR_ID, 2, vendor);
	put(f, PCI_DEVICE_ID, 2, device);
	put_mask(f, PCI_COMMAND, 2,
		 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | 0x0040 |
			 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	put(f, PCI_REVISION_ID, 4, (class & 0xffffffu) << 8 | 0x01);
	put_mask(f, PCI_CACHE_LINE_SIZE, 2, 0xffff);	/* cache line, latency */
	put(f, PCI_HEADER_TYPE, 1, hdr);
	put_mask(f, PCI_INTERRUPT_LINE, 1, 0xff);
	snprintf(f->label, sizeof(f->label), "%04x:%04x@s%u/%02x.%u", vendor, device, 0u,
		 dev, fn);
	for (unsigned int i = 0; i < sim->nbus; i++)
		if (sim->buses[i] == bus)
			snprintf(f->label, sizeof(f->label), "%04x:%04x@s%u/%02x.%u", vendor,
				 device, i, dev, fn);
	bus->fns[devfn] = f;
	sim->fns[sim->nfn++] = f;
	update_mf(bus, dev);
	return f;
}

struct sim_fn *sim_add_ep(struct sim_bus *bus, unsigned int dev, unsigned int fn,
			  uint16_t vendor, uint16_t device, uint32_t class)
{
	return new_fn(bus, dev, fn, vendor, device, class, PCI_HEADER_TYPE_NORMAL);
}

struct sim_fn *sim_add_bridge(struct sim_bus *bus, unsigned int dev, unsigned int fn,
			      uint16_t vendor, uint16_t device, unsigned int flags)
{
	struct sim_fn *f = new_fn(bus, dev, fn, vendor, device, 0x060400,
				  PCI_HEADER_TYPE_BRIDGE);

	/* Bus numbers and secondary latency timer. */
	put_mask(f, PCI_PRIMARY_BUS, 4, 0xffffffff);
	if (!(flags & SIM_BR_NO_IO)) {
		uint8_t lo = (flags & SIM_BR_IO16) ? 0x00 : PCI_IO_RANGE_32BIT;
		put(f, PCI_IO_BASE, 1, lo);
		put(f, PCI_IO_LIMIT, 1, lo);
		put_mask(f, PCI_IO_BASE, 2, 0xf0f0);
		if (!(flags & SIM_BR_IO16))
			put_mask(f, PCI_IO_BASE_UPPER16, 4, 0xffffffff);
	}
	put_mask(f, PCI_MEMORY_BASE, 4, 0xfff0fff0);
	if (!(flags & SIM_BR_NO_PREF)) {
		uint16_t lo = (flags & SIM_BR_PREF32) ? 0 : PCI_PREF_RANGE_64BIT;
		put(f, PCI_PREF_MEMORY_BASE, 2, lo);
		put(f, PCI_PREF_MEMORY_LIMIT, 2, lo);
		put_mask(f, PCI_PREF_MEMORY_BASE, 4, 0xfff0fff0);
		if (!(flags & SIM_BR_PREF32)) {
			put_mask(f, PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
			put_mask(f, PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff);
		}
	}
	put_mask(f, PCI_BRIDGE_CONTROL, 2, 0x006f);
	f->below = new_bus(bus->sim, f);
	return f;
}

struct sim_fn *sim_add_port(struct sim_bus *bus, unsigned int dev, unsigned int fn,
			    uint16_t vendor, uint16_t device, unsigned int pcie_type)
{
	struct sim_fn *f = sim_add_bridge(bus, dev, fn, vendor, device, 0);

	sim_add_pcie(f, 0x40, pcie_type);
	return f;
}

void sim_set_multifunction(struct sim_fn *f, bool on)
{
	f->mf_explicit = true;
	if (on)
		f->cfg[PCI_HEADER_TYPE] |= PCI_HEADER_MULTIFUNC;
	else
		f->cfg[PCI_HEADER_TYPE] &= (uint8_t)~PCI_HEADER_MULTIFUNC;
}

static unsigned int nbars(const struct sim_fn *f)
{
	return (f->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) == PCI_HEADER_TYPE_BRIDGE ? 2 : 6;
}

void sim_add_bar(struct sim_fn *f, unsigned int idx, uint64_t size, unsigned int flags)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * idx);

	assert_true(size && !(size & (size - 1)));
	if (flags & SIM_BAR_IO) {
		assert_true(idx < nbars(f) && size >= 4 && size <= 0x10000);
		uint32_t m = (uint32_t)~(size - 1) & PCI_BAR_IO_MASK;
		if (flags & SIM_BAR_IO16)
			m &= 0xffff;
		put(f, off, 4, PCI_BAR_SPACE_IO);
		put_mask(f, off, 4, m);
	} else if (flags & SIM_BAR_MEM64) {
		assert_true(idx + 1 < nbars(f) && size >= 16);
		uint32_t ro = PCI_BAR_MEM_TYPE_64 | ((flags & SIM_BAR_PREF) ? PCI_BAR_MEM_PREFETCH : 0);
		put(f, off, 4, ro);
		put_mask(f, off, 4, (uint32_t)~(size - 1) & PCI_BAR_MEM_MASK);
		put(f, off + 4, 4, 0);
		put_mask(f, off + 4, 4, (uint32_t)(~(size - 1) >> 32));
		f->bar_upper[idx + 1] = true;
	} else {
		assert_true(idx < nbars(f) && size >= 16 && size <= 0x80000000ull);
		put(f, off, 4, (flags & SIM_BAR_PREF) ? PCI_BAR_MEM_PREFETCH : 0);
		put_mask(f, off, 4, (uint32_t)~(size - 1) & PCI_BAR_MEM_MASK);
	}
	f->bar_size[idx] = size;
	f->bar_flags[idx] = flags;
}

void sim_bar_raw(struct sim_fn *f, unsigned int idx, uint32_t ro, uint32_t wmask)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * idx);

	assert_true(idx < nbars(f));
	put(f, off, 4, ro & ~wmask);
	put_mask(f, off, 4, wmask);
	f->bar_raw[idx] = true;
	f->bar_size[idx] = 0;
	f->bar_flags[idx] = 0;
}

void sim_set_intx_pin(struct sim_fn *f, uint8_t pin)
{
	put(f, PCI_INTERRUPT_PIN, 1, pin);
}

uint8_t sim_add_cap(struct sim_fn *f, uint8_t off, uint8_t id, unsigned int len)
{
	assert_true(off >= 0x40 && !(off & 3) && off + len <= PCI_CFG_SPACE_SIZE);
	put(f, off, 1, id);
	put(f, off + 1, 1, 0);
	if (f->last_cap)
		put(f, f->last_cap + 1, 1, off);
	else
		put(f, PCI_CAPABILITY_LIST, 1, off);
	f->last_cap = off;
	f->ncaps++;
	put(f, PCI_STATUS, 2, get(f, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	return off;
}

uint8_t sim_add_pcie(struct sim_fn *f, uint8_t off, unsigned int type)
{
	sim_add_cap(f, off, PCI_CAP_ID_EXP, 0x3c);
	put(f, off + PCI_EXP_FLAGS, 2, 0x0002 | (type & 0xf) << 4);
	put_mask(f, off + 0x08, 2, 0x7fff);	/* device control */
	return off;
}

uint8_t sim_add_msi(struct sim_fn *f, uint8_t off)
{
	sim_add_cap(f, off, PCI_CAP_ID_MSI, 0x10);
	put(f, off + 2, 2, 0x0080);		/* 64-bit, one vector */
	put_mask(f, off + 2, 2, 0x0071);
	put_mask(f, off + 4, 4, 0xfffffffc);
	put_mask(f, off + 8, 4, 0xffffffff);
	put_mask(f, off + 12, 2, 0xffff);
	return off;
}

uint8_t sim_add_msix(struct sim_fn *f, uint8_t off)
{
	sim_add_cap(f, off, PCI_CAP_ID_MSIX, 12);
	put(f, off + 2, 2, 0x0007);		/* 8 vectors */
	put_mask(f, off + 2, 2, 0xc000);
	put(f, off + 4, 4, 0x00000000);		/* table in BAR0 at 0 */
	put(f, off + 8, 4, 0x00000800);		/* PBA in BAR0 at 0x800 */
	return off;
}

uint8_t sim_add_pm(struct sim_fn *f, uint8_t off)
{
	sim_add_cap(f, off, PCI_CAP_ID_PM, 8);
	put(f, off + 2, 2, 0x0003);
	put_mask(f, off + 4, 2, 0x0003);
	return off;
}

uint16_t sim_add_ext_cap(struct sim_fn *f, uint16_t off, uint16_t id, unsigned int len)
{
	assert_true(off >= PCI_EXT_CAP_START && !(off & 3) && off + len <= CFG_SIZE);
	assert_true(f->last_ext || off == PCI_EXT_CAP_START);
	put(f, off, 4, (uint32_t)id | 1u << 16);
	if (f->last_ext)
		put(f, f->last_ext, 4, (get(f, f->last_ext, 4) & 0x000fffff) | (uint32_t)off << 20);
	f->last_ext = off;
	f->ncaps++;
	return off;
}

uint16_t sim_add_acs(struct sim_fn *f, uint16_t off, uint16_t cap, uint16_t ctrl)
{
	sim_add_ext_cap(f, off, PCI_EXT_CAP_ID_ACS, 8);
	put(f, off + PCI_ACS_CAP, 2, cap);
	put(f, off + PCI_ACS_CTRL, 2, ctrl & cap & 0x7f);
	put_mask(f, off + PCI_ACS_CTRL, 2, cap & 0x7f);
	f->strict[off + PCI_ACS_CTRL] = (uint8_t)~(cap & 0x7f);
	f->strict[off + PCI_ACS_CTRL + 1] = 0xff;
	return off;
}

void sim_set_hostile(struct sim_fn *f, unsigned int modes)
{
	f->hostile = modes;
}

/* --- routing ------------------------------------------------------------------- */

static bool fn_is_bridge(const struct sim_fn *f)
{
	return f->below != NULL;
}

/*
 * Finds the simulated bus that answers for bus number `n`, searching below
 * `b`, which currently has number `cur`.  *claimed tells whether some
 * bridge took the access at all; conflicts are counted when asked.
 */
static struct sim_bus *route_below(struct sim *sim, struct sim_bus *b, unsigned int cur,
				   unsigned int n, bool count, bool *claimed)
{
	struct sim_bus *found = NULL;
	bool any = false;

	if (n == cur) {
		*claimed = true;
		return b;
	}
	for (unsigned int devfn = 0; devfn < 256; devfn++) {
		struct sim_fn *f = b->fns[devfn];
		if (!f || !fn_is_bridge(f) || (f->hostile & SIM_H_ONES_AFTER_ID))
			continue;
		unsigned int sec = f->cfg[PCI_SECONDARY_BUS];
		unsigned int sub = f->cfg[PCI_SUBORDINATE_BUS];
		/* A bridge sees only numbers above its own bus. */
		if (sec <= cur || n < sec || n > sub)
			continue;
		bool c = false;
		struct sim_bus *hit = route_below(sim, f->below, sec, n, count, &c);
		if (any) {
			if (count)
				sim->st.conflicts++;
			continue;
		}
		any = true;
		found = hit;
	}
	*claimed = any;
	return found;
}

/* Number of a root-level bus (the root bus or an expander), -1 otherwise. */
static int root_number(const struct sim *sim, const struct sim_bus *b)
{
	if (b->parent)
		return -1;
	return b->expander >= 0 ? b->expander : sim->host->bus_start;
}

static struct sim_bus *route(struct sim *sim, unsigned int n, bool count)
{
	struct sim_bus *found = NULL;
	bool any = false;

	for (unsigned int i = 0; i < sim->nbus; i++) {
		struct sim_bus *b = sim->buses[i];
		int cur = root_number(sim, b);
		bool claimed = false;
		if (cur < 0 || (unsigned int)cur > n)
			continue;
		struct sim_bus *hit = route_below(sim, b, (unsigned int)cur, n, count, &claimed);
		if (!claimed)
			continue;
		if (any) {
			if (count)
				sim->st.conflicts++;
			continue;
		}
		any = true;
		found = hit;
	}
	return found;
}

int sim_bus_number(const struct sim *csim, const struct sim_bus *bus)
{
	struct sim *sim = (struct sim *)csim;

	if (!bus->parent)
		return root_number(sim, bus);
	int pn = sim_bus_number(sim, bus->parent->bus);
	if (pn < 0)
		return -1;
	unsigned int sec = bus->parent->cfg[PCI_SECONDARY_BUS];
	if (sec <= (unsigned int)pn || sec < sim->host->bus_start || sec > sim->host->bus_end)
		return -1;
	return route(sim, sec, false) == bus ? (int)sec : -1;
}

static bool access_valid(uint16_t off, unsigned int size)
{
	return (size == 1 || size == 2 || size == 4) && !(off & (size - 1)) &&
	       (unsigned int)off + size <= CFG_SIZE;
}

/* The function answering (bus, devfn), counting the slot access. */
static struct sim_fn *lookup(struct sim *sim, uint8_t busno, uint8_t devfn)
{
	if (busno < sim->host->bus_start || busno > sim->host->bus_end) {
		sim->st.out_of_range++;
		return NULL;
	}
	struct sim_bus *b = route(sim, busno, true);
	if (!b) {
		sim->st.unrouted++;
		return NULL;
	}
	b->acc[devfn]++;
	struct sim_fn *f = b->fns[devfn];
	if (!f && (devfn & 7)) {
		struct sim_fn *f0 = b->fns[devfn & ~7u];
		if (f0 && (f0->hostile & SIM_H_ALIAS_FUNCS))
			f = f0;
	}
	return f;
}

static int sim_read(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		    unsigned int size, uint32_t *val)
{
	struct sim *sim = host->ops_data;

	sim->st.reads++;
	*val = 0xffffffffu;
	if (!access_valid(off, size)) {
		sim->st.bad_access++;
		return TG_EINVAL;
	}
	if (bus < host->bus_start || bus > host->bus_end) {
		sim->st.out_of_range++;
		return TG_ERANGE;
	}
	struct sim_fn *f = lookup(sim, bus, devfn);
	if (size < 4)
		*val &= (1u << (8 * size)) - 1;
	if (!f)
		return TG_OK;
	f->reads++;
	if ((f->hostile & SIM_H_ONES_AFTER_ID) && off >= 4)
		return TG_OK;
	if ((f->hostile & SIM_H_NO_EXT_SPACE) && off >= PCI_CFG_SPACE_SIZE)
		return TG_OK;
	*val = get(f, off, size);
	return TG_OK;
}

static int sim_write(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		     unsigned int size, uint32_t val)
{
	struct sim *sim = host->ops_data;

	sim->st.writes++;
	if (!access_valid(off, size)) {
		sim->st.bad_access++;
		return TG_EINVAL;
	}
	if (bus < host->bus_start || bus > host->bus_end) {
		sim->st.out_of_range++;
		return TG_ERANGE;
	}
	struct sim_fn *f = lookup(sim, bus, devfn);
	if (!f)
		return TG_OK;
	f->writes++;
	f->wr_at[off >> 2]++;
	if ((f->hostile & SIM_H_ONES_AFTER_ID) ||
	    ((f->hostile & SIM_H_NO_EXT_SPACE) && off >= PCI_CFG_SPACE_SIZE))
		return TG_OK;
	bool violation = false;
	for (unsigned int i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t m = f->wmask[off + i];
		violation |= (b & f->strict[off + i]) != 0;
		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (b & m));
	}
	if (violation)
		f->violations++;
	return TG_OK;
}

const struct pci_host_ops sim_ops = {
	.name = "sim",
	.read = sim_read,
	.write = sim_write,
};

void sim_attach(struct sim *sim, struct pci_host *host)
{
	sim->host = host;
	host->ops = &sim_ops;
	host->ops_data = sim;
}

/* --- reading back ---------------------------------------------------------- */

uint32_t sim_peek(const struct sim_fn *f, uint16_t off, unsigned int size)
{
	return get(f, off, size);
}

uint16_t sim_cmd(const struct sim_fn *f)
{
	return (uint16_t)get(f, PCI_COMMAND, 2);
}

static unsigned int decode_flags(const struct sim_fn *f, unsigned int idx)
{
	uint32_t lo = get(f, (uint16_t)(PCI_BAR0 + 4 * idx), 4);

	if (lo & PCI_BAR_SPACE_IO)
		return SIM_BAR_IO;
	unsigned int fl = 0;
	if ((lo & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64)
		fl |= SIM_BAR_MEM64;
	if (lo & PCI_BAR_MEM_PREFETCH)
		fl |= SIM_BAR_PREF;
	return fl;
}

uint64_t sim_bar_addr(const struct sim_fn *f, unsigned int idx)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * idx);
	uint32_t lo = get(f, off, 4);
	unsigned int fl = decode_flags(f, idx);

	if (fl & SIM_BAR_IO)
		return lo & PCI_BAR_IO_MASK;
	uint64_t a = lo & PCI_BAR_MEM_MASK;
	if ((fl & SIM_BAR_MEM64) && idx + 1 < nbars(f))
		a |= (uint64_t)get(f, off + 4, 4) << 32;
	return a;
}

uint64_t sim_bar_size(const struct sim_fn *f, unsigned int idx)
{
	return idx < PCI_NUM_BARS ? f->bar_size[idx] : 0;
}

unsigned int sim_bar_flags(const struct sim_fn *f, unsigned int idx)
{
	return idx < PCI_NUM_BARS ? f->bar_flags[idx] : 0;
}

uint8_t sim_primary(const struct sim_fn *f) { return f->cfg[PCI_PRIMARY_BUS]; }
uint8_t sim_secondary(const struct sim_fn *f) { return f->cfg[PCI_SECONDARY_BUS]; }
uint8_t sim_subordinate(const struct sim_fn *f) { return f->cfg[PCI_SUBORDINATE_BUS]; }

bool sim_win_io(const struct sim_fn *f, uint64_t *base, uint64_t *limit)
{
	uint8_t b = f->cfg[PCI_IO_BASE], l = f->cfg[PCI_IO_LIMIT];
	uint64_t hb = 0, hl = 0;

	if ((b & 0x0f) == PCI_IO_RANGE_32BIT) {
		hb = get(f, PCI_IO_BASE_UPPER16, 2);
		hl = get(f, PCI_IO_LIMIT_UPPER16, 2);
	}
	*base = hb << 16 | (uint64_t)(b & 0xf0) << 8;
	*limit = hl << 16 | (uint64_t)(l & 0xf0) << 8 | 0xfff;
	if (!f->wmask[PCI_IO_BASE]) {
		*base = 1;	/* not implemented: never decodes */
		*limit = 0;
	}
	return *base <= *limit;
}

bool sim_win_mem(const struct sim_fn *f, uint64_t *base, uint64_t *limit)
{
	*base = (uint64_t)(get(f, PCI_MEMORY_BASE, 2) & 0xfff0) << 16;
	*limit = (uint64_t)(get(f, PCI_MEMORY_LIMIT, 2) & 0xfff0) << 16 | 0xfffff;
	return *base <= *limit;
}

bool sim_win_pref(const struct sim_fn *f, uint64_t *base, uint64_t *limit)
{
	uint32_t b = get(f, PCI_PREF_MEMORY_BASE, 2), l = get(f, PCI_PREF_MEMORY_LIMIT, 2);
	uint64_t hb = 0, hl = 0;

	if ((b & 0xf) == PCI_PREF_RANGE_64BIT) {
		hb = get(f, PCI_PREF_BASE_UPPER32, 4);
		hl = get(f, PCI_PREF_LIMIT_UPPER32, 4);
	}
	*base = hb << 32 | (uint64_t)(b & 0xfff0) << 16;
	*limit = hl << 32 | (uint64_t)(l & 0xfff0) << 16 | 0xfffff;
	if (!f->wmask[PCI_PREF_MEMORY_BASE]) {
		*base = 1;
		*limit = 0;
	}
	return *base <= *limit;
}

uint16_t sim_acs_ctrl(const struct sim_fn *f)
{
	for (uint16_t off = PCI_EXT_CAP_START, n = 0; off && n < 64; n++) {
		uint32_t h = get(f, off, 4);
		if (PCI_EXT_CAP_ID(h) == PCI_EXT_CAP_ID_ACS)
			return (uint16_t)get(f, off + PCI_ACS_CTRL, 2);
		off = (uint16_t)PCI_EXT_CAP_NEXT(h);
		if (off < PCI_EXT_CAP_START)
			break;
	}
	return 0;
}

bool sim_is_bridge(const struct sim_fn *f) { return fn_is_bridge(f); }
unsigned int sim_fn_devfn(const struct sim_fn *f) { return f->devfn; }
struct sim_bus *sim_fn_bus(const struct sim_fn *f) { return f->bus; }
struct sim_fn *sim_bus_parent(const struct sim_bus *bus) { return bus->parent; }
struct sim_fn *sim_fn_at(const struct sim_bus *bus, unsigned int devfn)
{
	return devfn < 256 ? bus->fns[devfn] : NULL;
}
unsigned int sim_ncaps(const struct sim_fn *f) { return f->ncaps; }
unsigned int sim_nfns(const struct sim *sim) { return sim->nfn; }
struct sim_fn *sim_fn_get(const struct sim *sim, unsigned int i)
{
	return i < sim->nfn ? sim->fns[i] : NULL;
}
const char *sim_fn_label(const struct sim_fn *f) { return f->label; }
void sim_set_label(struct sim_fn *f, const char *label)
{
	snprintf(f->label, sizeof(f->label), "%s", label);
}

/* --- counters ------------------------------------------------------------- */

void sim_stats(const struct sim *sim, struct sim_stats *st)
{
	*st = sim->st;
}

void sim_reset_counters(struct sim *sim)
{
	memset(&sim->st, 0, sizeof(sim->st));
	for (unsigned int i = 0; i < sim->nfn; i++) {
		struct sim_fn *f = sim->fns[i];
		f->reads = f->writes = f->violations = 0;
		memset(f->wr_at, 0, sizeof(f->wr_at));
	}
	for (unsigned int i = 0; i < sim->nbus; i++)
		memset(sim->buses[i]->acc, 0, sizeof(sim->buses[i]->acc));
}

unsigned long sim_fn_accesses(const struct sim_fn *f) { return f->reads + f->writes; }
unsigned long sim_fn_writes_at(const struct sim_fn *f, uint16_t off) { return f->wr_at[off >> 2]; }
unsigned long sim_slot_accesses(const struct sim_bus *bus, unsigned int devfn)
{
	return devfn < 256 ? bus->acc[devfn] : 0;
}
unsigned long sim_violations(const struct sim_fn *f) { return f->violations; }

/* --- checkers ----------------------------------------------------------------- */

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			print_error("check failed: %s\n  ", #cond);        \
			fail_msg(__VA_ARGS__);                            \
		}                                                         \
	} while (0)

struct pci_dev *sim_model(const struct sim *sim, const struct pci_host *host,
			  const struct sim_fn *f)
{
	int n = sim_bus_number(sim, f->bus);

	if (n < 0)
		return NULL;
	struct pci_dev *d = pci_find_bdf(host->segment, (uint8_t)n, (uint8_t)f->devfn);
	return d && d->host == host ? d : NULL;
}

enum rkind { R_IO, R_MEM, R_PREF };

struct range {
	uint64_t base, end;	/* [base, end) */
	enum rkind kind;
	bool is64;
	const struct sim_fn *owner;
	int bar;		/* -1 for a bridge window */
};

#define MAX_RANGES 1024

struct walk {
	const struct sim *sim;
	const struct pci_host *host;
	struct range all[MAX_RANGES];	/* BARs only, for the overlap check */
	unsigned int nall;
	unsigned int nfns;
	unsigned int max_bus;
};

static const char *kind_name(enum rkind k)
{
	return k == R_IO ? "io" : k == R_MEM ? "mem" : "pref";
}

static const struct pci_window *host_window_of(const struct pci_host *host, uint64_t base,
					       uint64_t end, bool io)
{
	for (unsigned int i = 0; i < host->nwin; i++) {
		const struct pci_window *w = &host->win[i];
		if ((w->space == PCI_SPACE_IO) != io)
			continue;
		if (base >= w->bus_addr && end <= w->bus_addr + w->size && end > base)
			return w;
	}
	return NULL;
}

static bool host_has_mem64(const struct pci_host *host)
{
	for (unsigned int i = 0; i < host->nwin; i++)
		if (host->win[i].space == PCI_SPACE_MEM64)
			return true;
	return false;
}

/* Every bridge above `f` has a 64-bit prefetchable window. */
static bool path_pref64(const struct sim_fn *f)
{
	for (const struct sim_fn *b = f->bus->parent; b; b = b->bus->parent)
		if (!b->wmask[PCI_PREF_MEMORY_BASE] ||
		    (b->cfg[PCI_PREF_MEMORY_BASE] & 0xf) != PCI_PREF_RANGE_64BIT)
			return false;
	return true;
}

/* Children resources of one bridge, collected for its window check. */
struct kids {
	struct range r[128];
	unsigned int n;
};

static void kids_add(struct kids *k, struct range r)
{
	assert_true(k->n < 128);
	k->r[k->n++] = r;
}

static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Checks one function's BARs against the model; adds them to the global
 * list and to the parent's children. */
static void check_bars(struct walk *w, const struct sim_fn *f, struct pci_dev *d,
		       struct kids *parent_kids, bool *has_io, bool *has_mem)
{
	for (unsigned int i = 0; i < nbars(f); i++) {
		const struct pci_bar *b = &d->bar[i];
		if (f->bar_upper[i]) {
			CHECK(b->size == 0 && !(b->flags & (PCI_BAR_ASSIGNED | PCI_BAR_IO |
							     PCI_BAR_NOSPACE | PCI_BAR_BROKEN)),
			      "%s BAR%u is the upper half of BAR%u but the model has size %#llx "
			      "flags %#x for it",
			      f->label, i, i - 1, (unsigned long long)b->size, b->flags);
			continue;
		}
		if (f->bar_raw[i])
			continue;
		CHECK(b->size == f->bar_size[i], "%s BAR%u: model size %#llx, device %#llx",
		      f->label, i, (unsigned long long)b->size,
		      (unsigned long long)f->bar_size[i]);
		if (!f->bar_size[i])
			continue;
		unsigned int sf = f->bar_flags[i];
		CHECK(!!(b->flags & PCI_BAR_IO) == !!(sf & SIM_BAR_IO) &&
			      !!(b->flags & PCI_BAR_MEM64) == !!(sf & SIM_BAR_MEM64) &&
			      !!(b->flags & PCI_BAR_PREFETCH) == !!(sf & SIM_BAR_PREF),
		      "%s BAR%u: model flags %#x, device flags %#x", f->label, i, b->flags, sf);
		if (!(b->flags & PCI_BAR_ASSIGNED)) {
			CHECK(d->disabled || (b->flags & PCI_BAR_NOSPACE),
			      "%s BAR%u (size %#llx): no address, not flagged NOSPACE, device "
			      "not disabled (flags %#x)",
			      f->label, i, (unsigned long long)b->size, b->flags);
			continue;
		}
		CHECK(!(b->flags & (PCI_BAR_NOSPACE | PCI_BAR_BROKEN)),
		      "%s BAR%u: assigned and NOSPACE/BROKEN at once (%#x)", f->label, i, b->flags);
		CHECK(!d->disabled, "%s BAR%u assigned on a disabled device", f->label, i);
		bool io = sf & SIM_BAR_IO;
		uint64_t base = b->bus_addr, end = b->bus_addr + b->size;
		CHECK(base % b->size == 0, "%s BAR%u at %#llx not aligned to its size %#llx",
		      f->label, i, (unsigned long long)base, (unsigned long long)b->size);
		CHECK(base != 0, "%s BAR%u at bus address 0", f->label, i);
		CHECK(sim_bar_addr(f, i) == base,
		      "%s BAR%u: register holds %#llx, model says bus %#llx", f->label, i,
		      (unsigned long long)sim_bar_addr(f, i), (unsigned long long)base);
		const struct pci_window *hw = host_window_of(w->host, base, end, io);
		CHECK(hw, "%s BAR%u [%#llx-%#llx) outside every host %s window", f->label, i,
		      (unsigned long long)base, (unsigned long long)end, io ? "I/O" : "memory");
		CHECK(b->cpu_addr == base - hw->bus_addr + hw->cpu_addr,
		      "%s BAR%u: cpu %#llx for bus %#llx (window cpu %#llx bus %#llx)", f->label,
		      i, (unsigned long long)b->cpu_addr, (unsigned long long)base,
		      (unsigned long long)hw->cpu_addr, (unsigned long long)hw->bus_addr);
		if (!io && !(sf & SIM_BAR_MEM64))
			CHECK(end <= 0x100000000ull, "%s BAR%u: 32-bit BAR above 4 GiB", f->label, i);
		if ((sf & SIM_BAR_MEM64) && (sf & SIM_BAR_PREF) && host_has_mem64(w->host) &&
		    path_pref64(f))
			CHECK(hw->space == PCI_SPACE_MEM64,
			      "%s BAR%u: 64-bit prefetchable BAR at %#llx, not in the 64-bit window",
			      f->label, i, (unsigned long long)base);
		struct range r = {
			.base = base, .end = end,
			.kind = io ? R_IO : (sf & SIM_BAR_PREF) ? R_PREF : R_MEM,
			.is64 = (sf & SIM_BAR_MEM64) != 0, .owner = f, .bar = (int)i,
		};
		assert_true(w->nall < MAX_RANGES);
		w->all[w->nall++] = r;
		if (parent_kids)
			kids_add(parent_kids, r);
		if (io)
			*has_io = true;
		else
			*has_mem = true;
	}
}

static void check_model_window(const struct sim_fn *f, const struct pci_bar *mw, bool on,
			       uint64_t base, uint64_t limit, const char *what)
{
	if (on) {
		CHECK(mw->bus_addr == base && mw->size == limit + 1 - base,
		      "%s %s window: model [%#llx +%#llx], registers [%#llx-%#llx]", f->label,
		      what, (unsigned long long)mw->bus_addr, (unsigned long long)mw->size,
		      (unsigned long long)base, (unsigned long long)limit);
	} else {
		CHECK(mw->size == 0 || !(mw->flags & PCI_BAR_ASSIGNED),
		      "%s %s window disabled in registers, model has [%#llx +%#llx]", f->label,
		      what, (unsigned long long)mw->bus_addr, (unsigned long long)mw->size);
	}
}

static void check_window(const struct sim_fn *f, const struct kids *k, enum rkind kind,
			 bool on, uint64_t base, uint64_t limit)
{
	uint64_t gran = kind == R_IO ? PCI_BRIDGE_IO_ALIGN : PCI_BRIDGE_MEM_ALIGN;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int n = 0;

	for (unsigned int i = 0; i < k->n; i++) {
		const struct range *r = &k->r[i];
		if (r->kind != kind)
			continue;
		n++;
		lo = r->base < lo ? r->base : lo;
		hi = r->end > hi ? r->end : hi;
	}
	if (!n) {
		CHECK(!on, "%s: %s window [%#llx-%#llx] enabled with nothing behind it", f->label,
		      kind_name(kind), (unsigned long long)base, (unsigned long long)limit);
		return;
	}
	CHECK(on, "%s: %s window disabled but %u resources behind it", f->label, kind_name(kind),
	      n);
	CHECK(base == align_down(lo, gran) && limit == align_up(hi, gran) - 1,
	      "%s: %s window [%#llx-%#llx], children span [%#llx-%#llx) -> want [%#llx-%#llx]",
	      f->label, kind_name(kind), (unsigned long long)base, (unsigned long long)limit,
	      (unsigned long long)lo, (unsigned long long)hi,
	      (unsigned long long)align_down(lo, gran), (unsigned long long)(align_up(hi, gran) - 1));
}

static bool hostile_fn(const struct sim_fn *f)
{
	return f->hostile & SIM_H_ONES_AFTER_ID;
}

static bool has_raw_bar(const struct sim_fn *f)
{
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++)
		if (f->bar_raw[i])
			return true;
	return false;
}

/*
 * Walks the simulated bus `b` (number n); checks every function on it and
 * recurses into bridges.  Adds the resources the bus's functions decode
 * to `up` (the parent bridge's children list).  Returns the highest bus
 * number in the subtree.
 */
#define MAX_DEPTH 64
static struct kids kids_pool[MAX_DEPTH];
static struct walk the_walk;

static unsigned int walk_bus(struct walk *w, const struct sim_bus *b, unsigned int n,
			     struct kids *up, unsigned int depth)
{
	unsigned int next = n + 1, maxbus = n;

	for (unsigned int devfn = 0; devfn < 256; devfn++) {
		const struct sim_fn *f = b->fns[devfn];
		if (!f)
			continue;
		/* Functions 1-7 exist for the enumerator only if function 0 does. */
		const struct sim_fn *f0 = b->fns[devfn & ~7u];
		if (!f0)
			continue;
		if ((devfn & 7) && !(f0->cfg[PCI_HEADER_TYPE] & PCI_HEADER_MULTIFUNC))
			continue;
		struct pci_dev *d = pci_find_bdf(w->host->segment, (uint8_t)n, (uint8_t)devfn);
		if (hostile_fn(f)) {
			if (d)
				for (unsigned int i = 0; i < PCI_NUM_BARS; i++)
					CHECK(!(d->bar[i].flags & PCI_BAR_ASSIGNED),
					      "%s: all-ones function got BAR%u assigned", f->label, i);
			continue;
		}
		uint16_t cmd = sim_cmd(f);
		CHECK(!(cmd & PCI_COMMAND_MASTER), "%s: bus master left on (cmd %#x)", f->label,
		      cmd);
		if (!fn_is_bridge(f)) {
			CHECK(d, "%s at %02x:%02x.%u not in the device model", f->label, n,
			      devfn >> 3, devfn & 7);
		}
		if (fn_is_bridge(f)) {
			int sn = sim_bus_number(w->sim, f->below);
			if (sn < 0) {
				/* Left out (bus numbers exhausted): must not decode. */
				CHECK(!(cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)),
				      "%s: bridge without a bus number decodes (cmd %#x)", f->label,
				      cmd);
				if (d)
					CHECK(d->disabled || d->secondary == 0,
					      "%s: bridge without a usable bus number is in the model "
					      "as enabled with secondary %u", f->label, d->secondary);
				continue;
			}
			CHECK(d, "%s at %02x:%02x.%u not in the device model", f->label, n,
			      devfn >> 3, devfn & 7);
		}
		w->nfns++;
		CHECK(d->vendor == get(f, 0, 2) && d->device == get(f, 2, 2),
		      "%s: model IDs %04x:%04x", f->label, d->vendor, d->device);
		CHECK(d->class == (get(f, PCI_REVISION_ID, 4) >> 8), "%s: model class %#x",
		      f->label, d->class);
		CHECK(d->hdr_type == (f->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK),
		      "%s: model header type %u", f->label, d->hdr_type);
		struct pci_dev *pd = b->parent ? sim_model(w->sim, w->host, b->parent) : NULL;
		CHECK(d->parent == pd, "%s: model parent %p, want %p", f->label, (void *)d->parent,
		      (void *)pd);

		bool has_io = false, has_mem = false;
		check_bars(w, f, d, up, &has_io, &has_mem);

		if (fn_is_bridge(f)) {
			unsigned int sec = f->cfg[PCI_SECONDARY_BUS], sub = f->cfg[PCI_SUBORDINATE_BUS];
			CHECK(f->cfg[PCI_PRIMARY_BUS] == n, "%s: primary %u, on bus %u", f->label,
			      f->cfg[PCI_PRIMARY_BUS], n);
			CHECK(sec == next, "%s: secondary %u, depth-first order wants %u", f->label,
			      sec, next);
			assert_true(depth < MAX_DEPTH);
			struct kids *k = &kids_pool[depth];
			k->n = 0;
			unsigned int top = walk_bus(w, f->below, sec, k, depth + 1);
			CHECK(sub == top, "%s: subordinate %u, subtree ends at bus %u", f->label, sub,
			      top);
			CHECK(d->secondary == sec && d->subordinate == sub,
			      "%s: model buses %u-%u, registers %u-%u", f->label, d->secondary,
			      d->subordinate, sec, sub);
			next = sub + 1;
			maxbus = sub > maxbus ? sub : maxbus;

			/* Pref children that are not inside the pref window live in the
			 * memory window. */
			uint64_t pb, pl, mb, ml, ib, il;
			bool pon = sim_win_pref(f, &pb, &pl);
			bool mon = sim_win_mem(f, &mb, &ml);
			bool ion = sim_win_io(f, &ib, &il);
			for (unsigned int i = 0; i < k->n; i++) {
				struct range *r = &k->r[i];
				if (r->kind == R_PREF && !(pon && r->base >= pb && r->end - 1 <= pl))
					r->kind = R_MEM;
				uint64_t wb = r->kind == R_IO ? ib : r->kind == R_MEM ? mb : pb;
				uint64_t wl = r->kind == R_IO ? il : r->kind == R_MEM ? ml : pl;
				bool won = r->kind == R_IO ? ion : r->kind == R_MEM ? mon : pon;
				CHECK(won && r->base >= wb && r->end - 1 <= wl,
				      "%s: child %s %s%d [%#llx-%#llx) outside the bridge's %s window "
				      "[%#llx-%#llx]",
				      f->label, r->owner->label, r->bar < 0 ? "window" : "BAR",
				      r->bar < 0 ? 0 : r->bar, (unsigned long long)r->base,
				      (unsigned long long)r->end, kind_name(r->kind),
				      (unsigned long long)wb, (unsigned long long)wl);
			}
			check_window(f, k, R_IO, ion, ib, il);
			check_window(f, k, R_MEM, mon, mb, ml);
			check_window(f, k, R_PREF, pon, pb, pl);
			check_model_window(f, &d->win_io, ion, ib, il, "I/O");
			check_model_window(f, &d->win_mem, mon, mb, ml, "memory");
			check_model_window(f, &d->win_pref, pon, pb, pl, "prefetchable");
			if (mon)
				CHECK(host_window_of(w->host, mb, ml + 1, false),
				      "%s: memory window [%#llx-%#llx] outside the host windows",
				      f->label, (unsigned long long)mb, (unsigned long long)ml);
			if (pon)
				CHECK(host_window_of(w->host, pb, pl + 1, false),
				      "%s: pref window [%#llx-%#llx] outside the host windows",
				      f->label, (unsigned long long)pb, (unsigned long long)pl);
			if (ion)
				CHECK(host_window_of(w->host, ib, il + 1, true),
				      "%s: I/O window [%#llx-%#llx] outside the host I/O window",
				      f->label, (unsigned long long)ib, (unsigned long long)il);
			if (up) {
				if (ion)
					kids_add(up, (struct range){ ib, il + 1, R_IO, false, f, -1 });
				if (mon)
					kids_add(up, (struct range){ mb, ml + 1, R_MEM, false, f, -1 });
				if (pon)
					kids_add(up, (struct range){ pb, pl + 1, R_PREF, pl >= 0x100000000ull,
								    f, -1 });
			}
			has_io |= ion;
			has_mem |= mon || pon;
		}

		if (d->disabled) {
			CHECK(!(cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY)),
			      "%s: disabled but decode on (cmd %#x)", f->label, cmd);
		} else if (!has_raw_bar(f)) {
			CHECK(!!(cmd & PCI_COMMAND_MEMORY) == has_mem,
			      "%s: MEM decode %s, memory resources %s (cmd %#x)", f->label,
			      (cmd & PCI_COMMAND_MEMORY) ? "on" : "off", has_mem ? "assigned" : "none",
			      cmd);
			CHECK(!!(cmd & PCI_COMMAND_IO) == has_io,
			      "%s: IO decode %s, I/O resources %s (cmd %#x)", f->label,
			      (cmd & PCI_COMMAND_IO) ? "on" : "off", has_io ? "assigned" : "none", cmd);
		}
		/* Decode on for a kind means every BAR of that kind has an address. */
		for (unsigned int i = 0; i < nbars(f); i++) {
			if (!f->bar_size[i] || f->bar_upper[i] ||
			    (d->bar[i].flags & PCI_BAR_ASSIGNED))
				continue;
			bool io = f->bar_flags[i] & SIM_BAR_IO;
			CHECK(!(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)),
			      "%s: BAR%u has no address but its decode is on (cmd %#x)", f->label,
			      i, cmd);
		}
	}
	if (b->parent == NULL) {
		unsigned int top = next - 1 > n ? next - 1 : n;
		w->max_bus = top > w->max_bus ? top : w->max_bus;
	}
	return next - 1 > maxbus ? next - 1 : maxbus;
}

unsigned int sim_check_all(const struct sim *sim, const struct pci_host *host)
{
	struct walk *w = &the_walk;
	struct sim_stats st;

	memset(w, 0, sizeof(*w));
	w->sim = sim;
	w->host = host;
	sim_stats(sim, &st);
	CHECK(st.conflicts == 0, "%lu config accesses claimed by two bridges", st.conflicts);
	CHECK(st.out_of_range == 0, "%lu config accesses outside bus-range %u-%u",
	      st.out_of_range, host->bus_start, host->bus_end);
	CHECK(st.bad_access == 0, "%lu malformed config accesses reached the controller",
	      st.bad_access);

	for (unsigned int i = 0; i < sim->nbus; i++)
		if (!sim->buses[i]->parent)
			walk_bus(w, sim->buses[i], (unsigned int)root_number(sim, sim->buses[i]), NULL, 0);

	/* Every model record of this host is a real, reachable function. */
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (d->host != host)
			continue;
		const struct sim_bus *sb = route((struct sim *)sim, d->bus, false);
		CHECK(sb, "model has %02x:%02x.%u on a bus nothing routes to", d->bus,
		      PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
		const struct sim_fn *f = sb->fns[d->devfn];
		CHECK(f, "model has %02x:%02x.%u, no such function (alias of function 0?)", d->bus,
		      PCI_SLOT(d->devfn), PCI_FUNC(d->devfn));
	}

	/* No two assigned BARs overlap. */
	for (unsigned int i = 0; i < w->nall; i++)
		for (unsigned int j = i + 1; j < w->nall; j++) {
			const struct range *a = &w->all[i], *b = &w->all[j];
			if ((a->kind == R_IO) != (b->kind == R_IO))
				continue;
			CHECK(a->end <= b->base || b->end <= a->base,
			      "%s BAR%d [%#llx-%#llx) overlaps %s BAR%d [%#llx-%#llx)",
			      a->owner->label, a->bar, (unsigned long long)a->base,
			      (unsigned long long)a->end, b->owner->label, b->bar,
			      (unsigned long long)b->base, (unsigned long long)b->end);
		}
	CHECK(host->last_bus == w->max_bus, "host->last_bus %u, highest bus in use %u",
	      host->last_bus, w->max_bus);
	return w->nfns;
}

/* --- hosts --------------------------------------------------------------- */

void sim_host_window(struct pci_host *host, enum pci_space space, uint64_t cpu, uint64_t bus,
		     uint64_t size)
{
	assert_true(host->nwin < PCI_MAX_WINDOWS);
	struct pci_window *w = &host->win[host->nwin++];
	memset(w, 0, sizeof(*w));
	w->space = space;
	w->cpu_addr = cpu;
	w->bus_addr = bus;
	w->size = size;
}

void sim_host_init(struct pci_host *host, struct sim *sim, bool windows)
{
	memset(host, 0, sizeof(*host));
	sim_attach(sim, host);
	host->bus_start = 0;
	host->bus_end = 0xff;
	host->node = -1;
	host->fdt = NULL;
	snprintf(host->name, sizeof(host->name), "sim.pcie");
	if (windows) {
		sim_host_window(host, PCI_SPACE_IO, SIM_IO_CPU, 0, SIM_IO_SIZE);
		sim_host_window(host, PCI_SPACE_MEM32, SIM_M32_BASE, SIM_M32_BASE, SIM_M32_SIZE);
		sim_host_window(host, PCI_SPACE_MEM64, SIM_M64_BASE, SIM_M64_BASE, SIM_M64_SIZE);
	}
}

int sim_enumerate(struct pci_host *host)
{
	pci_reset_all();
	assert_int_equal(pci_host_register(host), TG_OK);
	int n = pci_enumerate(host);
	assert_true(n >= 0);
	return n;
}

/* --- host side stubs ------------------------------------------------------------ */

static int log_on = -1;

void sim_log_enable(bool on)
{
	log_on = on;
}

void console_write(const char *s, unsigned long len)
{
	if (log_on < 0)
		log_on = getenv("TG_PCI_LOG") != NULL;
	if (log_on)
		fwrite(s, 1, len, stdout);
}

uint64_t timer_ns(void)
{
	return 0;
}

uint64_t plat_time_ns(void)
{
	return 0;
}

/* ioremap: NULL (the default), or a buffer of all-ones (an ECAM with no
 * device behind it) for tests that probe hosts from a device tree. */
static bool fake_ioremap;
static void *fake_maps[8];

void sim_fake_ioremap(bool on)
{
	fake_ioremap = on;
}

void *plat_map(uint64_t phys, size_t size, enum plat_mem mem)
{
	if (mem == PLAT_MEM_RAM)
		return (void *)(uintptr_t)phys;
	if (!fake_ioremap || size > (64u << 20))
		return NULL;
	for (unsigned int i = 0; i < 8; i++)
		if (!fake_maps[i]) {
			fake_maps[i] = malloc(size);
			assert_non_null(fake_maps[i]);
			memset(fake_maps[i], 0xff, size);
			return fake_maps[i];
		}
	return NULL;
}

static void fake_ioremap_release(void)
{
	for (unsigned int i = 0; i < 8; i++) {
		free(fake_maps[i]);
		fake_maps[i] = NULL;
	}
	fake_ioremap = false;
}
