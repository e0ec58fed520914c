/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header and whole-blob validation (DT spec v0.4 chapter 5), plus the
 * memory reservation block.  Everything a later lookup relies on is proved
 * here once, so the blob can come from an untrusted loader.
 */
#include <string.h>

#include "fdt_internal.h"

/* Reports a failure: the error code and the blob offset that caused it. */
static int fail(uint32_t *bad, uint32_t where, int err)
{
	*bad = where;
	return err;
}

/*
 * A block must start after the header, be aligned as the spec requires
 * and end inside totalsize.  64-bit sums so 0xffffffff offsets and sizes
 * cannot wrap around into range.
 */
static int check_block(uint32_t off_field, uint32_t off, uint32_t size_field,
		       uint64_t size, uint32_t align, uint32_t hdr_size,
		       uint32_t total, uint32_t *bad)
{
	if (off < hdr_size || off > total || (off & (align - 1U)) != 0)
		return fail(bad, off_field, TG_EFDT_LAYOUT);
	if ((uint64_t)off + size > total)
		return fail(bad, size_field, TG_EFDT_LAYOUT);
	return TG_OK;
}

static int check_header(struct fdt *f, const uint8_t *p, size_t bufsize, uint32_t *bad)
{
	if (bufsize < 4U)
		return fail(bad, 0, TG_EFDT_TRUNCATED);
	if (fdti_be32(p + FDT_HDR_MAGIC) != FDT_MAGIC)
		return fail(bad, FDT_HDR_MAGIC, TG_EFDT_MAGIC);
	/* All header fields we may read must be in the caller's buffer. */
	if (bufsize < FDT_HDR_SIZE_V17)
		return fail(bad, (uint32_t)bufsize, TG_EFDT_TRUNCATED);

	uint32_t version = fdti_be32(p + FDT_HDR_VERSION);
	uint32_t last_comp = fdti_be32(p + FDT_HDR_LAST_COMP);
	/*
	 * DT spec 5.2 describes version 17, backwards compatible with 16;
	 * older blobs store full paths as node names, and a
	 * last_comp_version above 17 announces a layout we cannot read.
	 */
	if (version < 16U)
		return fail(bad, FDT_HDR_VERSION, TG_EFDT_VERSION);
	if (last_comp > 17U || last_comp > version)
		return fail(bad, FDT_HDR_LAST_COMP, TG_EFDT_VERSION);

	uint32_t hdr_size = version >= 17U ? FDT_HDR_SIZE_V17 : FDT_HDR_SIZE_V16;
	uint32_t total = fdti_be32(p + FDT_HDR_TOTALSIZE);
	if (total > bufsize)
		return fail(bad, FDT_HDR_TOTALSIZE, TG_EFDT_TRUNCATED);
	if (total < hdr_size)
		return fail(bad, FDT_HDR_TOTALSIZE, TG_EFDT_LAYOUT);

	uint32_t off_struct = fdti_be32(p + FDT_HDR_OFF_STRUCT);
	uint32_t off_strings = fdti_be32(p + FDT_HDR_OFF_STRINGS);
	uint32_t off_rsvmap = fdti_be32(p + FDT_HDR_OFF_RSVMAP);
	uint32_t size_strings = fdti_be32(p + FDT_HDR_SIZE_STRINGS);
	uint32_t size_struct;
	if (version >= 17U) {
		size_struct = fdti_be32(p + FDT_HDR_SIZE_STRUCT);
	} else {
		/* Version 16 has no size: bound by the blob, trimmed at FDT_END. */
		size_struct = off_struct <= total ? total - off_struct : 0;
	}

	int err;
	/* The reservation block holds 8-byte aligned 64-bit pairs (DT spec 5.3.1). */
	err = check_block(FDT_HDR_OFF_RSVMAP, off_rsvmap, FDT_HDR_OFF_RSVMAP, 16U,
			  8U, hdr_size, total, bad);
	if (err)
		return err;
	err = check_block(FDT_HDR_OFF_STRUCT, off_struct, FDT_HDR_SIZE_STRUCT,
			  size_struct, 4U, hdr_size, total, bad);
	if (err)
		return err;
	err = check_block(FDT_HDR_OFF_STRINGS, off_strings, FDT_HDR_SIZE_STRINGS,
			  size_strings, 1U, hdr_size, total, bad);
	if (err)
		return err;
	/* Node offsets are returned as int: the block must fit in one. */
	if (size_struct > (uint32_t)INT32_MAX)
		return fail(bad, FDT_HDR_SIZE_STRUCT, TG_EFDT_LAYOUT);

	f->blob = p;
	f->totalsize = total;
	f->off_struct = off_struct;
	f->size_struct = size_struct;
	f->off_strings = off_strings;
	f->size_strings = size_strings;
	f->off_rsvmap = off_rsvmap;
	f->version = version;
	f->boot_cpuid = fdti_be32(p + FDT_HDR_BOOT_CPUID);
	return TG_OK;
}

/* The reservation list ends with an all-zero entry (DT spec 5.3.2). */
static int check_rsvmap(const struct fdt *f, uint32_t *bad)
{
	for (uint64_t off = f->off_rsvmap; off + 16U <= f->totalsize; off += 16U) {
		if (fdti_be64(f->blob + off) == 0 && fdti_be64(f->blob + off + 8U) == 0)
			return TG_OK;
	}
	return fail(bad, f->off_rsvmap, TG_EFDT_LAYOUT);
}

/*
 * One pass over the structure block (DT spec 5.4): every token known,
 * every name and value inside the block, every property name inside the
 * strings block, properties before subnodes, a single balanced root node
 * no deeper than FDT_MAX_DEPTH, then only NOPs up to FDT_END.
 */
static int check_struct(struct fdt *f, uint32_t *bad)
{
	uint32_t off = 0;
	unsigned int depth = 0;
	unsigned int roots = 0;
	bool child_seen = false;

	while (off < f->size_struct) {
		struct fdti_tok t;
		uint32_t where = f->off_struct + off;
		int err = fdti_tok(f, off, &t);

		if (err)
			return fail(bad, where, err);
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			if (depth == 0 && roots != 0)
				return fail(bad, where, TG_EFDT_STRUCT);
			if (++depth > FDT_MAX_DEPTH)
				return fail(bad, where, TG_EFDT_DEPTH);
			child_seen = false;
			break;
		case FDT_END_NODE:
			if (depth == 0)
				return fail(bad, where, TG_EFDT_STRUCT);
			if (--depth == 0)
				roots++;
			/* Back in the parent, which has now had a child. */
			child_seen = true;
			break;
		case FDT_PROP:
			/* Properties belong to an open node and precede its children. */
			if (depth == 0 || child_seen)
				return fail(bad, where, TG_EFDT_STRUCT);
			if (t.nameoff >= f->size_strings)
				return fail(bad, where + 8U, TG_EFDT_PROP);
			if (!fdti_string(f, t.nameoff))
				return fail(bad, f->off_strings + t.nameoff, TG_EFDT_STRING);
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			if (depth != 0 || roots != 1)
				return fail(bad, where, TG_EFDT_STRUCT);
			if (f->version < 17U)
				f->size_struct = off + 4U;
			return TG_OK;
		default:
			return fail(bad, where, TG_EFDT_STRUCT);
		}
		off = t.next;
	}
	/* Ran off the block without FDT_END. */
	return fail(bad, f->off_struct + f->size_struct, TG_EFDT_STRUCT);
}

int fdt_open(struct fdt *fdt, const void *blob, size_t bufsize, uint32_t *detail)
{
	struct fdt f;
	uint32_t bad = 0;
	int err;

	if (detail)
		*detail = 0;
	if (!fdt)
		return TG_EINVAL;
	memset(fdt, 0, sizeof(*fdt));
	if (!blob)
		return TG_EINVAL;

	memset(&f, 0, sizeof(f));
	err = check_header(&f, blob, bufsize, &bad);
	if (!err)
		err = check_rsvmap(&f, &bad);
	if (!err)
		err = check_struct(&f, &bad);
	if (err) {
		if (detail)
			*detail = bad;
		return err;
	}
	*fdt = f;
	return TG_OK;
}

uint32_t fdt_peek_totalsize(const void *blob)
{
	const uint8_t *p = blob;

	if (!p || fdti_be32(p + FDT_HDR_MAGIC) != FDT_MAGIC)
		return 0;
	return fdti_be32(p + FDT_HDR_TOTALSIZE);
}

int fdt_reserved(const struct fdt *fdt, unsigned int idx, uint64_t *addr, uint64_t *size)
{
	if (fdti_check(fdt))
		return TG_EINVAL;

	unsigned int i = 0;
	for (uint64_t off = fdt->off_rsvmap; off + 16U <= fdt->totalsize; off += 16U, i++) {
		uint64_t a = fdti_be64(fdt->blob + off);
		uint64_t s = fdti_be64(fdt->blob + off + 8U);

		if (a == 0 && s == 0)
			break;
		if (i == idx) {
			if (addr)
				*addr = a;
			if (size)
				*size = s;
			return TG_OK;
		}
	}
	return TG_ENOENT;
}
