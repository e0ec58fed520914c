/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical memory map from the device tree.  The MMU maps exactly what the
 * DT describes: RAM from /memory, device memory from every `reg` of the
 * platform's devices and every outbound window and ECAM of each PCI host
 * bridge (a BAR can only be assigned inside a window, so mapping the
 * windows up front covers every BAR a driver will touch).
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/memmap.h>

/* Inserts keeping the array sorted; merges touching regions of one type. */
static int memmap_add(struct tg_memmap *map, uint64_t base, uint64_t size,
		      enum tg_mem_type type, const char *name)
{
	if (!size || base + size < base)
		return TG_ERANGE;

	for (unsigned i = 0; i < map->count; i++) {
		struct tg_mem_region *r = &map->region[i];
		if (r->type != type)
			continue;
		if (base <= r->base + r->size && r->base <= base + size) {
			uint64_t end = base + size > r->base + r->size ? base + size : r->base + r->size;
			if (base < r->base)
				r->base = base;
			r->size = end - r->base;
			return TG_OK;
		}
	}
	if (map->count >= TG_MEMMAP_MAX)
		return TG_ENOSPC;

	unsigned pos = map->count;
	while (pos > 0 && map->region[pos - 1].base > base) {
		map->region[pos] = map->region[pos - 1];
		pos--;
	}
	map->region[pos] = (struct tg_mem_region){ base, size, type, name };
	map->count++;
	return TG_OK;
}

static bool is_memory_node(const struct fdt *fdt, int node)
{
	const char *type = fdt_prop_string(fdt, node, "device_type");

	return type && !strcmp(type, "memory");
}

static bool is_pci_bus(const struct fdt *fdt, int node)
{
	const char *type = fdt_prop_string(fdt, node, "device_type");

	return type && !strcmp(type, "pci");
}

/*
 * Only nodes whose `reg` is a CPU-visible address range: children of the
 * root or of buses that translate (simple-bus and the like).  Excluded:
 * CPUs (reg is an MPIDR) and anything below a PCI bus (reg is a config
 * address), recognised by their parent's #size-cells of 0 or a PCI parent.
 */
static bool reg_is_mmio(const struct fdt *fdt, int node)
{
	for (int n = fdt_parent(fdt, node); n >= 0; n = fdt_parent(fdt, n)) {
		if (is_pci_bus(fdt, n))
			return false;
	}
	int parent = fdt_parent(fdt, node);
	return parent >= 0 && fdt_size_cells(fdt, parent) > 0;
}

static int add_pci_host_windows(const struct fdt *fdt, int node, struct tg_memmap *map)
{
	struct fdt_range ranges[16];
	int n = fdt_ranges(fdt, node, "ranges", ranges, 16);

	if (n < 0)
		return n == TG_ENOENT ? TG_OK : n;
	int parent = fdt_parent(fdt, node);
	for (int i = 0; i < n; i++) {
		uint64_t cpu;
		int err = fdt_translate(fdt, parent, ranges[i].parent_addr, &cpu);
		if (err)
			return err;
		err = memmap_add(map, cpu, ranges[i].size, TG_MEM_DEVICE, fdt_node_name(fdt, node));
		if (err)
			return err;
	}
	return TG_OK;
}

int tg_memmap_from_fdt(const struct fdt *fdt, struct tg_memmap *map)
{
	if (!fdt || !map)
		return TG_EINVAL;
	struct tg_memmap out = { .count = 0 };
	int depth = 0;
	int err = TG_OK;

	for (int node = fdt_next_node(fdt, -1, &depth); node >= 0 && !err;
	     node = fdt_next_node(fdt, node, &depth)) {
		if (!fdt_getprop(fdt, node, "reg", NULL) || !reg_is_mmio(fdt, node))
			continue;
		/* Disabled nodes include secure-only RAM and devices (secure=on). */
		if (!fdt_is_available(fdt, node))
			continue;
		bool ram = is_memory_node(fdt, node);
		uint64_t base, size;
		for (unsigned i = 0; !err && fdt_reg(fdt, node, i, &base, &size) == TG_OK; i++) {
			if (!size)
				continue;
			err = memmap_add(&out, base, size, ram ? TG_MEM_NORMAL : TG_MEM_DEVICE,
					 fdt_node_name(fdt, node));
		}
		if (!err && is_pci_bus(fdt, node))
			err = add_pci_host_windows(fdt, node, &out);
	}
	if (err)
		return err;
	if (!tg_memmap_ram(&out))
		return TG_ENOENT;
	*map = out;
	return TG_OK;
}

const struct tg_mem_region *tg_memmap_ram(const struct tg_memmap *map)
{
	for (unsigned i = 0; map && i < map->count; i++)
		if (map->region[i].type == TG_MEM_NORMAL)
			return &map->region[i];
	return NULL;
}
