/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flattened device tree (DTB) reader.  Devicetree Specification v0.4,
 * chapter 5 (blob layout) and chapter 2 (standard properties).
 *
 * fdt_open() validates the whole blob once: header, block offsets and
 * sizes, every token, every name and property length, every string offset
 * and the nesting.  After it succeeds every other call only touches bytes
 * already proved to be in bounds, so lookups cannot fault or loop.  Nodes
 * are named by their offset in the structure block (>= 0); functions
 * returning a node return a negative TG_E* code on failure.
 *
 * Read-only, no allocation, no global state: safe for host tests and for
 * any number of blobs at once.
 */
#ifndef TOLLGATE_FDT_H
#define TOLLGATE_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC	0xd00dfeedU
#define FDT_MAX_DEPTH	32	/* deeper nesting is rejected as hostile */
#define FDT_MAX_CELLS	4	/* #address-cells / #interrupt-cells limit */

struct fdt {
	const uint8_t *blob;
	uint32_t totalsize;
	uint32_t off_struct;
	uint32_t size_struct;
	uint32_t off_strings;
	uint32_t size_strings;
	uint32_t off_rsvmap;
	uint32_t version;
	uint32_t boot_cpuid;
};

/*
 * Validates `blob` (at most `bufsize` readable bytes; pass the header's
 * totalsize or less when it is unknown, never more than is mapped) and
 * fills `fdt`.  Errors: TG_EINVAL (NULL), TG_EFDT_MAGIC, TG_EFDT_VERSION,
 * TG_EFDT_TRUNCATED, TG_EFDT_LAYOUT, TG_EFDT_STRUCT, TG_EFDT_STRING,
 * TG_EFDT_PROP, TG_EFDT_DEPTH.  On error `fdt` is zeroed.
 * `detail`, if not NULL, receives the failing byte offset in the blob.
 */
int fdt_open(struct fdt *fdt, const void *blob, size_t bufsize, uint32_t *detail);

/* The header's totalsize read without validation (0 if magic is wrong). */
uint32_t fdt_peek_totalsize(const void *blob);

/* --- memory reservation block ------------------------------------------- */
/* idx-th /memreserve/ entry; TG_ENOENT past the last. */
int fdt_reserved(const struct fdt *fdt, unsigned int idx, uint64_t *addr, uint64_t *size);

/* --- walking nodes ------------------------------------------------------ */
int fdt_root(const struct fdt *fdt);
int fdt_first_child(const struct fdt *fdt, int node);	/* TG_ENOENT: none */
int fdt_next_sibling(const struct fdt *fdt, int node);	/* TG_ENOENT: none */
int fdt_parent(const struct fdt *fdt, int node);	/* TG_ENOENT for root */
/* Next node after `prev` in document order (-1 = start), any depth.
 * `depth` (may be NULL): set to 0 for the root, otherwise moved by the
 * level change from `prev`, so it tracks the returned node's depth. */
int fdt_next_node(const struct fdt *fdt, int prev, int *depth);
/* "pcie@10000000" ("" for the root). */
const char *fdt_node_name(const struct fdt *fdt, int node);
/* Writes the full path ("/soc/uart@9000000") into buf; TG_ENOSPC if short. */
int fdt_node_path(const struct fdt *fdt, int node, char *buf, size_t len);

/* --- finding nodes ------------------------------------------------------- */
/* "/a/b@1/c"; a unit address may be omitted when the name is unique
 * ("/memory" finds "memory@40000000"); an alias name ("serial0") or
 * "alias/sub/path" is resolved through /aliases.  A ':' ends the path,
 * so a /chosen stdout-path ("serial0:115200n8") can be passed as is. */
int fdt_path_offset(const struct fdt *fdt, const char *path);
/* Next node after `prev` (-1 = start) whose compatible list has `compat`. */
int fdt_node_by_compatible(const struct fdt *fdt, int prev, const char *compat);
/* First available node compatible with compats[0], else compats[1], ...
 * (a driver's match list in order of preference); *which (if not NULL)
 * gets the index of the entry that matched.  TG_ENOENT if none. */
int fdt_find_available(const struct fdt *fdt, const char *const *compats, unsigned int n,
		       unsigned int *which);
int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle);
bool fdt_is_compatible(const struct fdt *fdt, int node, const char *compat);
/* "okay"/"ok" or no status property. */
bool fdt_is_available(const struct fdt *fdt, int node);

/* --- properties ---------------------------------------------------------- */
/* Pointer to the value (NULL if absent); *len gets its length. */
const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len);
int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out);
int fdt_prop_u64(const struct fdt *fdt, int node, const char *name, uint64_t *out);
/* Property that must be a NUL-terminated string; NULL otherwise. */
const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name);
/* Index of `str` in a string-list property, or TG_ENOENT. */
int fdt_stringlist_index(const struct fdt *fdt, int node, const char *name, const char *str);
/* idx-th string of a string-list property, or NULL. */
const char *fdt_stringlist_get(const struct fdt *fdt, int node, const char *name, unsigned int idx);
/* Big-endian cells -> integer (1 or 2 cells; more is TG_ERANGE).  Read
 * byte-wise: `be_cells` may be an unaligned fdt_getprop() result. */
int fdt_cells_to_u64(const void *be_cells, unsigned int ncells, uint64_t *out);
static inline uint32_t fdt32_to_cpu(uint32_t be)
{
	return __builtin_bswap32(be);	/* FDT is big-endian; Tollgate runs little-endian */
}

/* --- addresses ------------------------------------------------------------- */
/* #address-cells / #size-cells that apply to the children of `node`
 * (defaults 2 and 1 per DT spec 2.3.5); TG_EFDT_PROP if > FDT_MAX_CELLS. */
int fdt_address_cells(const struct fdt *fdt, int node);
int fdt_size_cells(const struct fdt *fdt, int node);

/* idx-th (address, size) of `reg`, translated to a CPU physical address
 * through every parent's `ranges`.  TG_ENOENT past the last entry,
 * TG_ERANGE if an ancestor's ranges do not cover it. */
int fdt_reg(const struct fdt *fdt, int node, unsigned int idx, uint64_t *addr, uint64_t *size);
/* Same, without translation (the node's bus address). */
int fdt_reg_raw(const struct fdt *fdt, int node, unsigned int idx, uint64_t *addr, uint64_t *size);

/* One entry of `ranges` or `dma-ranges`.  For PCI buses (#address-cells 3)
 * child_flags holds the phys.hi cell (space code, prefetchable, 64-bit). */
struct fdt_range {
	uint32_t child_flags;
	uint64_t child_addr;
	uint64_t parent_addr;
	uint64_t size;
};
/* Decodes up to `max` entries of property `prop` ("ranges" or "dma-ranges")
 * of `node`; returns the number of entries or a TG_E* code.  TG_ENOSPC if
 * there are more than `max`.  parent_addr is in the parent's bus space.
 * An empty property (identity mapping) gives 0, a missing one TG_ENOENT. */
int fdt_ranges(const struct fdt *fdt, int node, const char *prop,
	       struct fdt_range *out, unsigned int max);
/* Translates a bus address of `node`'s children up to a CPU address.
 * On a PCI bus the address is taken to be in memory space. */
int fdt_translate(const struct fdt *fdt, int node, uint64_t bus_addr, uint64_t *cpu_addr);

/* --- interrupts ------------------------------------------------------------ */
struct fdt_irq {
	int controller;			/* node offset of the interrupt controller */
	uint32_t ncells;
	uint32_t cells[FDT_MAX_CELLS];	/* host byte order */
};
/* The node's interrupt parent (DT spec 2.4.1): its interrupt-parent, else
 * its tree parent; a node so found that has neither interrupt-controller
 * nor interrupt-map is looked through the same way, so an ancestor's (or
 * the root's) interrupt-parent applies.  TG_EFDT_LOOP on a cycle. */
int fdt_interrupt_parent(const struct fdt *fdt, int node);
/* Number of interrupts in `interrupts` (or interrupts-extended). */
int fdt_irq_count(const struct fdt *fdt, int node);
int fdt_irq(const struct fdt *fdt, int node, unsigned int idx, struct fdt_irq *out);
/* By `interrupt-names`; TG_ENOENT if the name is not listed. */
int fdt_irq_by_name(const struct fdt *fdt, int node, const char *name, struct fdt_irq *out);
/*
 * Looks a child interrupt up in `nexus`'s interrupt-map (DT spec 2.4.3),
 * applying interrupt-map-mask.  unit_addr has #address-cells of nexus
 * cells (NULL = zeros), spec has #interrupt-cells of nexus cells (host
 * order).  A map entry naming a further nexus is followed, so `out`
 * always names an interrupt controller.  TG_ENOENT if no entry matches.
 */
int fdt_interrupt_map(const struct fdt *fdt, int nexus, const uint32_t *unit_addr,
		      const uint32_t *spec, struct fdt_irq *out);

/* --- ID translation (iommu-map / msi-map, DT bindings pci/pci-iommu.txt
 *     and pci/pci-msi.txt) ------------------------------------------------- */
/*
 * Maps `id` (a PCI requester ID) through `map_name` ("iommu-map" or
 * "msi-map") of `node`, honouring `<map_name>-mask`.  *target gets the
 * node offset of the IOMMU / MSI controller, *out_id the translated ID.
 * TG_ENOENT: the node has no such map.  TG_ERANGE: the map exists but no
 * entry covers the ID (the device must not do DMA / MSIs).
 */
int fdt_map_id(const struct fdt *fdt, int node, const char *map_name, uint32_t id,
	       int *target, uint32_t *out_id);

#endif
