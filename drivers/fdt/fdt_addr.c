/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Addresses: #address-cells / #size-cells (DT spec v0.4 2.3.5), reg
 * (2.3.6), ranges (2.3.8), dma-ranges (2.3.9) and translation of a bus
 * address up to the CPU's physical address space.
 *
 * PCI buses use three address cells; phys.hi carries the space code
 * (IEEE 1275 PCI binding), and a range only translates addresses of its
 * own space: I/O port 0x1000 and memory address 0x1000 are different
 * places.
 */
#include "fdt_internal.h"

static int cells_prop(const struct fdt *fdt, int node, const char *name, int dflt)
{
	uint32_t v;
	int err = fdti_prop_cell(fdt, node, name, &v);

	if (err == TG_ENOENT)
		return dflt;
	if (err)
		return err;
	if (v > FDT_MAX_CELLS)
		return TG_EFDT_PROP;
	return (int)v;
}

int fdt_address_cells(const struct fdt *fdt, int node)
{
	return cells_prop(fdt, node, "#address-cells", 2);
}

int fdt_size_cells(const struct fdt *fdt, int node)
{
	return cells_prop(fdt, node, "#size-cells", 1);
}

/* Memory space, whether 32- or 64-bit, is one space for translation. */
static uint32_t pci_space(uint32_t phys_hi)
{
	uint32_t s = (phys_hi >> FDT_PCI_SPACE_SHIFT) & FDT_PCI_SPACE_MASK;

	return s == FDT_PCI_SPACE_MEM64 ? FDT_PCI_SPACE_MEM32 : s;
}

/* A bus address being translated; `any_mem` when the caller gave no
 * phys.hi (fdt_translate) and means "some memory space". */
struct bus_addr {
	uint32_t flags;
	bool any_mem;
	uint64_t addr;
};

/*
 * Moves `a` from the child address space of `bus` into the child address
 * space of `parent` through bus's ranges.  No ranges property means the
 * two spaces are not mapped onto each other (DT spec 2.3.8), an empty one
 * means identity.
 */
static int translate_step(const struct fdt *fdt, int bus, int parent, struct bus_addr *a)
{
	const uint8_t *val;
	uint32_t len;
	int ac = fdt_address_cells(fdt, bus);
	int pac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, bus);

	if (ac < 0)
		return ac;
	if (pac < 0)
		return pac;
	if (sc < 0)
		return sc;
	int err = fdti_prop_s(fdt, bus, "ranges", &val, &len);
	if (err == TG_ENOENT)
		return TG_ERANGE;
	if (err)
		return err;
	if (len == 0) {
		if (pac != 3) {
			a->flags = 0;
			a->any_mem = false;
		}
		return TG_OK;
	}

	uint32_t entry = 4U * (uint32_t)(ac + pac + sc);
	if (entry == 0 || len % entry != 0)
		return TG_EFDT_PROP;
	for (uint32_t off = 0; off < len; off += entry) {
		const uint8_t *p = val + off;
		uint32_t cflags, pflags;
		uint64_t caddr, paddr, size;

		/* An entry wider than 64 bits cannot hold our address: skip it. */
		if (fdti_read_addr(p, (unsigned int)ac, &cflags, &caddr) ||
		    fdti_read_addr(p + 4 * ac, (unsigned int)pac, &pflags, &paddr) ||
		    fdti_read_u64(p + 4 * (ac + pac), (unsigned int)sc, &size))
			continue;
		if (ac == 3) {
			uint32_t space = pci_space(cflags);
			/* Configuration space is reached through ECAM, not ranges. */
			if (space == FDT_PCI_SPACE_CONFIG)
				continue;
			if (a->any_mem ? space != FDT_PCI_SPACE_MEM32 : space != pci_space(a->flags))
				continue;
		}
		/* Subtractions only: base + size may exceed 64 bits. */
		if (a->addr < caddr || a->addr - caddr >= size)
			continue;
		uint64_t delta = a->addr - caddr;
		if (paddr > UINT64_MAX - delta)
			return TG_ERANGE;
		a->addr = paddr + delta;
		a->flags = pac == 3 ? pflags : 0;
		a->any_mem = false;
		return TG_OK;
	}
	return TG_ERANGE;
}

/* Applies the ranges of stack[from] ... stack[1]; stack[0] is the root,
 * whose children already use CPU addresses. */
static int translate_up(const struct fdt *fdt, const int *stack, int from, struct bus_addr *a)
{
	for (int i = from; i >= 1; i--) {
		int err = translate_step(fdt, stack[i], stack[i - 1], a);
		if (err)
			return err;
	}
	return TG_OK;
}

/* Decodes reg entry idx of `node` in its parent's address space. */
static int reg_entry(const struct fdt *fdt, int node, unsigned int idx, int *stack,
		     int *depth, struct bus_addr *a, uint64_t *size)
{
	const uint8_t *val;
	uint32_t len;
	int d = fdti_ancestors(fdt, node, stack);

	if (d < 0)
		return d;
	/* The root's reg, if any, would be in no parent's address space. */
	if (d == 0)
		return TG_ENOENT;
	int ac = fdt_address_cells(fdt, stack[d - 1]);
	int sc = fdt_size_cells(fdt, stack[d - 1]);
	if (ac < 0)
		return ac;
	if (sc < 0)
		return sc;
	int err = fdti_prop_s(fdt, node, "reg", &val, &len);
	if (err)
		return err;
	uint32_t entry = 4U * (uint32_t)(ac + sc);
	if (entry == 0 || len % entry != 0)
		return TG_EFDT_PROP;
	if (idx >= len / entry)
		return TG_ENOENT;
	const uint8_t *p = val + (size_t)idx * entry;
	a->any_mem = false;
	err = fdti_read_addr(p, (unsigned int)ac, &a->flags, &a->addr);
	if (err)
		return err;
	err = fdti_read_u64(p + 4 * ac, (unsigned int)sc, size);
	if (err)
		return err;
	*depth = d;
	return TG_OK;
}

int fdt_reg_raw(const struct fdt *fdt, int node, unsigned int idx, uint64_t *addr, uint64_t *size)
{
	int stack[FDT_MAX_DEPTH];
	struct bus_addr a;
	uint64_t s;
	int d;
	int err = reg_entry(fdt, node, idx, stack, &d, &a, &s);

	if (err)
		return err;
	if (addr)
		*addr = a.addr;
	if (size)
		*size = s;
	return TG_OK;
}

int fdt_reg(const struct fdt *fdt, int node, unsigned int idx, uint64_t *addr, uint64_t *size)
{
	int stack[FDT_MAX_DEPTH];
	struct bus_addr a;
	uint64_t s;
	int d;
	int err = reg_entry(fdt, node, idx, stack, &d, &a, &s);

	if (err)
		return err;
	err = translate_up(fdt, stack, d - 1, &a);
	if (err)
		return err;
	if (addr)
		*addr = a.addr;
	if (size)
		*size = s;
	return TG_OK;
}

/* An empty property decodes to 0 entries (identity mapping); a missing
 * one is TG_ENOENT, so the two cases stay distinguishable. */
int fdt_ranges(const struct fdt *fdt, int node, const char *prop,
	       struct fdt_range *out, unsigned int max)
{
	int stack[FDT_MAX_DEPTH];
	const uint8_t *val;
	uint32_t len;

	if (!prop || (max && !out))
		return TG_EINVAL;
	int d = fdti_ancestors(fdt, node, stack);
	if (d < 0)
		return d;
	/* The root has no parent address space to map into. */
	if (d == 0)
		return TG_EINVAL;
	int ac = fdt_address_cells(fdt, node);
	int pac = fdt_address_cells(fdt, stack[d - 1]);
	int sc = fdt_size_cells(fdt, node);
	if (ac < 0)
		return ac;
	if (pac < 0)
		return pac;
	if (sc < 0)
		return sc;
	int err = fdti_prop_s(fdt, node, prop, &val, &len);
	if (err)
		return err;
	if (len == 0)
		return 0;
	uint32_t entry = 4U * (uint32_t)(ac + pac + sc);
	if (entry == 0 || len % entry != 0)
		return TG_EFDT_PROP;
	uint32_t n = len / entry;
	if (n > max)
		return TG_ENOSPC;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p = val + (size_t)i * entry;
		uint32_t pflags;

		err = fdti_read_addr(p, (unsigned int)ac, &out[i].child_flags, &out[i].child_addr);
		if (!err)
			err = fdti_read_addr(p + 4 * ac, (unsigned int)pac, &pflags,
					     &out[i].parent_addr);
		if (!err)
			err = fdti_read_u64(p + 4 * (ac + pac), (unsigned int)sc, &out[i].size);
		if (err)
			return err;
	}
	return (int)n;
}

int fdt_translate(const struct fdt *fdt, int node, uint64_t bus_addr, uint64_t *cpu_addr)
{
	int stack[FDT_MAX_DEPTH];
	struct bus_addr a;

	if (!cpu_addr)
		return TG_EINVAL;
	int d = fdti_ancestors(fdt, node, stack);
	if (d < 0)
		return d;
	int ac = fdt_address_cells(fdt, node);
	if (ac < 0)
		return ac;
	/* Without a phys.hi, a PCI bus address is taken to be memory. */
	a.flags = 0;
	a.any_mem = ac == 3;
	a.addr = bus_addr;
	int err = translate_up(fdt, stack, d, &a);
	if (err)
		return err;
	*cpu_addr = a.addr;
	return TG_OK;
}
