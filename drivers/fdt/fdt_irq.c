/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupts (DT spec v0.4 section 2.4): interrupt-parent, interrupts,
 * interrupts-extended, interrupt-names and interrupt-map nexus lookups.
 *
 * Every result names a real interrupt controller: a nexus found on the
 * way (a PCI host bridge, say) is looked through with its interrupt-map,
 * and a map may point at a further nexus.  All phandle chains are capped
 * at FDT_MAX_PHANDLE_HOPS so a cyclic tree ends in TG_EFDT_LOOP.
 */
#include <string.h>

#include "fdt_internal.h"

static bool is_controller(const struct fdt *fdt, int node)
{
	return fdti_has_prop(fdt, node, "interrupt-controller");
}

static bool is_nexus(const struct fdt *fdt, int node)
{
	return fdti_has_prop(fdt, node, "interrupt-map");
}

int fdti_interrupt_cells(const struct fdt *fdt, int node)
{
	uint32_t v;
	int err = fdti_prop_cell(fdt, node, "#interrupt-cells", &v);

	/* A controller or nexus must say how wide its specifiers are. */
	if (err == TG_ENOENT)
		return TG_EFDT_PROP;
	if (err)
		return err;
	if (v == 0 || v > FDT_MAX_CELLS)
		return TG_EFDT_PROP;
	return (int)v;
}

/* Follows a one-cell phandle property value to its node. */
static int phandle_target(const struct fdt *fdt, const uint8_t *p)
{
	int node = fdt_node_by_phandle(fdt, fdti_be32(p));

	/* A dangling reference is a broken tree, not a missing property. */
	return node == TG_ENOENT ? TG_EFDT_PROP : node;
}

/*
 * DT spec 2.4.1: an explicit interrupt-parent, else the tree parent.
 * A node found that way which is neither a controller nor a nexus has no
 * interrupts of its own to receive, so the search continues from it.
 * Tree-parent steps only climb, so only phandle hops can cycle.
 */
int fdt_interrupt_parent(const struct fdt *fdt, int node)
{
	int hops = 0;
	int cur = node;
	int err = fdti_node(fdt, node, NULL);

	if (err)
		return err;
	for (;;) {
		const uint8_t *val;
		uint32_t len;
		int next;

		err = fdti_prop_s(fdt, cur, "interrupt-parent", &val, &len);
		if (err == TG_OK) {
			if (len != 4U)
				return TG_EFDT_PROP;
			if (++hops > FDT_MAX_PHANDLE_HOPS)
				return TG_EFDT_LOOP;
			next = phandle_target(fdt, val);
		} else if (err == TG_ENOENT) {
			next = fdt_parent(fdt, cur);
		} else {
			return err;
		}
		if (next < 0)
			return next;
		if (is_controller(fdt, next) || is_nexus(fdt, next))
			return next;
		cur = next;
	}
}

/*
 * One interrupt to resolve: the parent it is sent to (controller or
 * nexus), its specifier, and in `addr` the unit address the parent sees
 * (only consulted by a nexus).
 */
struct irq_ref {
	int parent;
	uint32_t naddr;
	uint32_t addr[FDT_MAX_CELLS];
	uint32_t nspec;
	uint32_t spec[FDT_MAX_CELLS];
};

static void load_cells(uint32_t *dst, const uint8_t *src, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		dst[i] = fdti_be32(src + 4U * i);
}

/* Cache of the last interrupt-map parent: maps repeat one phandle. */
struct map_parent {
	uint32_t phandle;
	int node;
	uint32_t naddr;
	uint32_t nspec;
};

static int map_parent_lookup(const struct fdt *fdt, uint32_t phandle, struct map_parent *mp)
{
	if (mp->node >= 0 && mp->phandle == phandle)
		return TG_OK;
	int node = fdt_node_by_phandle(fdt, phandle);
	if (node < 0)
		return node == TG_ENOENT ? TG_EFDT_PROP : node;
	/*
	 * DT spec 2.4.3.1: the parent unit address is #address-cells of the
	 * parent wide.  Interrupt controllers usually have no #address-cells
	 * at all, and then the field is absent (0 cells), not the 2-cell
	 * default of 2.3.5; QEMU's GIC does carry #address-cells = <2>.
	 */
	uint32_t naddr;
	int err = fdti_prop_cell(fdt, node, "#address-cells", &naddr);
	if (err == TG_ENOENT)
		naddr = 0;
	else if (err)
		return err;
	if (naddr > FDT_MAX_CELLS)
		return TG_EFDT_PROP;
	int nspec = fdti_interrupt_cells(fdt, node);
	if (nspec < 0)
		return nspec;
	mp->phandle = phandle;
	mp->node = node;
	mp->naddr = naddr;
	mp->nspec = (uint32_t)nspec;
	return TG_OK;
}

/*
 * One interrupt-map lookup (DT spec 2.4.3): entries are <child-unit-addr
 * child-spec parent-phandle parent-unit-addr parent-spec>, the last two
 * sized by the parent, so entries are variable-length and must be walked
 * in order.  The mask applies to both sides of the comparison.
 */
static int map_once(const struct fdt *fdt, const struct irq_ref *in, struct irq_ref *out)
{
	const uint8_t *map, *mask = NULL;
	uint32_t maplen, masklen = 0;
	uint32_t nchild = in->naddr + in->nspec;
	int err = fdti_prop_s(fdt, in->parent, "interrupt-map", &map, &maplen);

	if (err)
		return err;
	err = fdti_prop_s(fdt, in->parent, "interrupt-map-mask", &mask, &masklen);
	if (err == TG_ENOENT)
		mask = NULL;	/* no mask: every bit must match */
	else if (err)
		return err;
	else if (masklen != 4U * nchild)
		return TG_EFDT_PROP;

	uint32_t key[2 * FDT_MAX_CELLS];
	uint32_t keymask[2 * FDT_MAX_CELLS];
	for (uint32_t i = 0; i < nchild; i++) {
		key[i] = i < in->naddr ? in->addr[i] : in->spec[i - in->naddr];
		keymask[i] = mask ? fdti_be32(mask + 4U * i) : 0xffffffffU;
	}

	struct map_parent mp = { .phandle = 0, .node = -1, .naddr = 0, .nspec = 0 };
	uint32_t pos = 0;
	while (pos < maplen) {
		const uint8_t *e = map + pos;
		uint32_t left = maplen - pos;

		if (left / 4U < nchild + 1U)
			return TG_EFDT_PROP;
		err = map_parent_lookup(fdt, fdti_be32(e + 4U * nchild), &mp);
		if (err)
			return err;
		uint32_t ncells = nchild + 1U + mp.naddr + mp.nspec;
		if (left / 4U < ncells)
			return TG_EFDT_PROP;

		bool match = true;
		for (uint32_t i = 0; i < nchild && match; i++)
			match = ((fdti_be32(e + 4U * i) ^ key[i]) & keymask[i]) == 0;
		if (match) {
			const uint8_t *pa = e + 4U * (nchild + 1U);
			out->parent = mp.node;
			out->naddr = mp.naddr;
			out->nspec = mp.nspec;
			load_cells(out->addr, pa, mp.naddr);
			load_cells(out->spec, pa + 4U * mp.naddr, mp.nspec);
			return TG_OK;
		}
		pos += 4U * ncells;
	}
	return TG_ENOENT;
}

/* Looks through nexus after nexus until a controller takes the interrupt. */
static int resolve(const struct fdt *fdt, struct irq_ref *ref, struct fdt_irq *out)
{
	for (int hops = 0; hops <= FDT_MAX_PHANDLE_HOPS; hops++) {
		if (is_controller(fdt, ref->parent)) {
			out->controller = ref->parent;
			out->ncells = ref->nspec;
			memcpy(out->cells, ref->spec, sizeof(out->cells));
			return TG_OK;
		}
		if (!is_nexus(fdt, ref->parent))
			return TG_EFDT_PROP;

		struct irq_ref next;
		int err = map_once(fdt, ref, &next);
		if (err)
			return err;
		*ref = next;
	}
	return TG_EFDT_LOOP;
}

/*
 * Locates interrupt idx of `node`: interrupts-extended (each entry names
 * its own parent) takes precedence over interrupts (DT spec 2.4.1.2).
 * With ref NULL only counts; returns the number of entries seen.
 */
static int find_irq(const struct fdt *fdt, int node, unsigned int idx, struct irq_ref *ref)
{
	const uint8_t *val;
	uint32_t len;
	int err = fdti_prop_s(fdt, node, "interrupts-extended", &val, &len);

	if (err == TG_OK) {
		uint32_t pos = 0;
		unsigned int i = 0;

		while (pos < len) {
			if (len - pos < 4U)
				return TG_EFDT_PROP;
			int parent = phandle_target(fdt, val + pos);
			if (parent < 0)
				return parent;
			int ncells = fdti_interrupt_cells(fdt, parent);
			if (ncells < 0)
				return ncells;
			if ((len - pos - 4U) / 4U < (uint32_t)ncells)
				return TG_EFDT_PROP;
			if (ref && i == idx) {
				ref->parent = parent;
				ref->nspec = (uint32_t)ncells;
				load_cells(ref->spec, val + pos + 4U, (uint32_t)ncells);
				return TG_OK;
			}
			pos += 4U + 4U * (uint32_t)ncells;
			i++;
		}
		return ref ? TG_ENOENT : (int)i;
	}
	if (err != TG_ENOENT)
		return err;

	err = fdti_prop_s(fdt, node, "interrupts", &val, &len);
	if (err == TG_ENOENT)
		return ref ? TG_ENOENT : 0;
	if (err)
		return err;
	int parent = fdt_interrupt_parent(fdt, node);
	if (parent < 0)
		return parent;
	int ncells = fdti_interrupt_cells(fdt, parent);
	if (ncells < 0)
		return ncells;
	uint32_t entry = 4U * (uint32_t)ncells;
	if (len % entry != 0)
		return TG_EFDT_PROP;
	if (!ref)
		return (int)(len / entry);
	if (idx >= len / entry)
		return TG_ENOENT;
	ref->parent = parent;
	ref->nspec = (uint32_t)ncells;
	load_cells(ref->spec, val + (size_t)idx * entry, (uint32_t)ncells);
	return TG_OK;
}

int fdt_irq_count(const struct fdt *fdt, int node)
{
	int err = fdti_node(fdt, node, NULL);

	if (err)
		return err;
	return find_irq(fdt, node, 0, NULL);
}

int fdt_irq(const struct fdt *fdt, int node, unsigned int idx, struct fdt_irq *out)
{
	struct irq_ref ref;

	if (!out)
		return TG_EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&ref, 0, sizeof(ref));
	int err = fdti_node(fdt, node, NULL);
	if (err)
		return err;
	err = find_irq(fdt, node, idx, &ref);
	if (err)
		return err;

	if (!is_controller(fdt, ref.parent) && is_nexus(fdt, ref.parent)) {
		/*
		 * A nexus matches on the device's unit address too: the first
		 * #address-cells of its reg (DT spec 2.4.3.1), or zeros for a
		 * device without reg.
		 */
		int naddr = fdt_address_cells(fdt, ref.parent);
		const uint8_t *reg;
		uint32_t reglen;

		if (naddr < 0)
			return naddr;
		ref.naddr = (uint32_t)naddr;
		if (fdti_prop_s(fdt, node, "reg", &reg, &reglen) == TG_OK &&
		    reglen >= 4U * ref.naddr)
			load_cells(ref.addr, reg, ref.naddr);
	}
	return resolve(fdt, &ref, out);
}

int fdt_irq_by_name(const struct fdt *fdt, int node, const char *name, struct fdt_irq *out)
{
	if (!out || !name)
		return TG_EINVAL;
	memset(out, 0, sizeof(*out));
	int idx = fdt_stringlist_index(fdt, node, "interrupt-names", name);
	if (idx < 0)
		return idx;
	return fdt_irq(fdt, node, (unsigned int)idx, out);
}

int fdt_interrupt_map(const struct fdt *fdt, int nexus, const uint32_t *unit_addr,
		      const uint32_t *spec, struct fdt_irq *out)
{
	struct irq_ref ref;

	if (!out || !spec)
		return TG_EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&ref, 0, sizeof(ref));
	int err = fdti_node(fdt, nexus, NULL);
	if (err)
		return err;
	if (!is_nexus(fdt, nexus))
		return TG_ENOENT;
	int naddr = fdt_address_cells(fdt, nexus);
	if (naddr < 0)
		return naddr;
	int nspec = fdti_interrupt_cells(fdt, nexus);
	if (nspec < 0)
		return nspec;
	ref.parent = nexus;
	ref.naddr = (uint32_t)naddr;
	ref.nspec = (uint32_t)nspec;
	for (int i = 0; i < naddr; i++)
		ref.addr[i] = unit_addr ? unit_addr[i] : 0;
	for (int i = 0; i < nspec; i++)
		ref.spec[i] = spec[i];

	/* The caller asked about this nexus, so at least one map step. */
	struct irq_ref next;
	err = map_once(fdt, &ref, &next);
	if (err)
		return err;
	return resolve(fdt, &next, out);
}
