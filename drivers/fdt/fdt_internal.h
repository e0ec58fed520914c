/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private helpers shared by the FDT reader's source files.
 *
 * Every helper re-checks the bounds of what it reads even though
 * fdt_open() has validated the blob: callers hand us node offsets we did
 * not produce, and an offset that lands inside a property value must
 * still only ever read bytes of the structure block.  Each step of a walk
 * advances by at least one 4-byte token, so every walk is bounded by the
 * block size.
 */
#ifndef TOLLGATE_FDT_INTERNAL_H
#define TOLLGATE_FDT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>

/* Structure block tokens, DT spec v0.4 section 5.4.1. */
#define FDT_BEGIN_NODE	0x1U
#define FDT_END_NODE	0x2U
#define FDT_PROP	0x3U
#define FDT_NOP		0x4U
#define FDT_END		0x9U

/* Header sizes, DT spec 5.2: size_dt_struct only exists from version 17. */
#define FDT_HDR_SIZE_V16	36U
#define FDT_HDR_SIZE_V17	40U

/* Header field offsets (DT spec 5.2, struct fdt_header). */
#define FDT_HDR_MAGIC		0U
#define FDT_HDR_TOTALSIZE	4U
#define FDT_HDR_OFF_STRUCT	8U
#define FDT_HDR_OFF_STRINGS	12U
#define FDT_HDR_OFF_RSVMAP	16U
#define FDT_HDR_VERSION		20U
#define FDT_HDR_LAST_COMP	24U
#define FDT_HDR_BOOT_CPUID	28U
#define FDT_HDR_SIZE_STRINGS	32U
#define FDT_HDR_SIZE_STRUCT	36U

/*
 * A chain of phandle references longer than this (interrupt-parent links,
 * interrupt-map nexus cascades) is treated as a loop: real trees use one
 * or two hops, and without a limit a hostile blob could spin forever.
 */
#define FDT_MAX_PHANDLE_HOPS	16

/* PCI phys.hi space code (IEEE 1275 PCI binding): bits 24..25. */
#define FDT_PCI_SPACE_SHIFT	24
#define FDT_PCI_SPACE_MASK	0x3U
#define FDT_PCI_SPACE_CONFIG	0x0U
#define FDT_PCI_SPACE_IO	0x1U
#define FDT_PCI_SPACE_MEM32	0x2U
#define FDT_PCI_SPACE_MEM64	0x3U

/*
 * Byte-wise big-endian loads: the blob may sit at any alignment, and
 * before the MMU is on it may be in device memory where unaligned word
 * accesses fault.
 */
static inline uint32_t fdti_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline uint64_t fdti_be64(const uint8_t *p)
{
	return ((uint64_t)fdti_be32(p) << 32) | fdti_be32(p + 4);
}

/* Rounds up to the 4-byte token alignment (DT spec 5.4.2). */
static inline uint64_t fdti_align4(uint64_t x)
{
	return (x + 3U) & ~(uint64_t)3U;
}

/* One decoded structure-block token. */
struct fdti_tok {
	uint32_t tag;
	uint32_t next;		/* offset of the token after this one */
	const char *name;	/* FDT_BEGIN_NODE: unit name */
	uint32_t namelen;	/* FDT_BEGIN_NODE: strlen(name) */
	const uint8_t *val;	/* FDT_PROP: value */
	uint32_t len;		/* FDT_PROP: value length */
	uint32_t nameoff;	/* FDT_PROP: offset into the strings block */
};

/* 0 if `fdt` looks like the result of a successful fdt_open(). */
int fdti_check(const struct fdt *fdt);

/* Decodes the token at structure-block offset `off` with full bounds checks. */
int fdti_tok(const struct fdt *fdt, uint32_t off, struct fdti_tok *t);

/* The NUL-terminated string at `nameoff` of the strings block, or NULL. */
const char *fdti_string(const struct fdt *fdt, uint32_t nameoff);

/* Checks that `node` is an FDT_BEGIN_NODE offset; fills *t (may be NULL). */
int fdti_node(const struct fdt *fdt, int node, struct fdti_tok *t);

/* Offset just past the FDT_END_NODE that closes `node`. */
int fdti_node_end(const struct fdt *fdt, int node, uint32_t *end);

/*
 * Fills stack[0] = root ... stack[d] = node and returns d (the node's
 * depth), or a negative TG_E* code if `node` is not in the tree.
 */
int fdti_ancestors(const struct fdt *fdt, int node, int stack[FDT_MAX_DEPTH]);

/* Finds property `name` (namelen bytes, not NUL-terminated) of `node`. */
int fdti_prop(const struct fdt *fdt, int node, const char *name, size_t namelen,
	      const uint8_t **val, uint32_t *len);

/* fdti_prop() with a C string name. */
int fdti_prop_s(const struct fdt *fdt, int node, const char *name,
		const uint8_t **val, uint32_t *len);

/* True if `node` has property `name` (any length, including empty). */
bool fdti_has_prop(const struct fdt *fdt, int node, const char *name);

/* Strictly one-cell property; TG_ENOENT if absent, TG_EFDT_PROP if not 4 bytes. */
int fdti_prop_cell(const struct fdt *fdt, int node, const char *name, uint32_t *out);

/*
 * Reads an `n`-cell quantity (n <= FDT_MAX_CELLS) that must fit in 64 bits:
 * leading cells beyond two must be zero, else TG_ERANGE.
 */
int fdti_read_u64(const uint8_t *p, unsigned int n, uint64_t *out);

/*
 * Reads an `n`-cell bus address.  Three cells are a PCI address (DT spec
 * 2.3.8 refers to the PCI binding): the first cell, phys.hi, goes to
 * *flags; otherwise *flags is 0.
 */
int fdti_read_addr(const uint8_t *p, unsigned int n, uint32_t *flags, uint64_t *addr);

/* #interrupt-cells of an interrupt controller or nexus (1..FDT_MAX_CELLS). */
int fdti_interrupt_cells(const struct fdt *fdt, int node);

#endif
