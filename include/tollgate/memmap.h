/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The physical memory map built from the device tree: what the MMU maps
 * and how.  RAM is normal write-back memory, everything a node's `reg` or a
 * PCI host bridge's `ranges` names is device memory.
 */
#ifndef TOLLGATE_MEMMAP_H
#define TOLLGATE_MEMMAP_H

#include <stdint.h>

struct fdt;

enum tg_mem_type { TG_MEM_NORMAL, TG_MEM_DEVICE };

struct tg_mem_region {
	uint64_t base;
	uint64_t size;
	enum tg_mem_type type;
	const char *name;	/* node name, for the boot log */
};

#define TG_MEMMAP_MAX 48

struct tg_memmap {
	unsigned int count;
	struct tg_mem_region region[TG_MEMMAP_MAX];
};

/*
 * Fills `map` from /memory nodes, every `reg` under the root and every
 * PCI host bridge window and ECAM.  Overlapping device ranges are merged.
 * Returns TG_ENOSPC when the DT names more regions than TG_MEMMAP_MAX.
 */
int tg_memmap_from_fdt(const struct fdt *fdt, struct tg_memmap *map);

/* The first RAM region (where the image lives). */
const struct tg_mem_region *tg_memmap_ram(const struct tg_memmap *map);

#endif
