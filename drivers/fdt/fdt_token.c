/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structure-block token decoding (DT spec v0.4 section 5.4) and strings
 * block access (section 5.5).  fdt_open() and every walker go through
 * fdti_tok(), so the bounds rules live in exactly one place.
 */
#include "fdt_internal.h"

int fdti_check(const struct fdt *fdt)
{
	if (!fdt || !fdt->blob || fdt->size_struct < 4U)
		return TG_EINVAL;
	return TG_OK;
}

/* Length of the string at p, or -1 if no NUL occurs in the first max bytes. */
static int64_t bounded_strlen(const uint8_t *p, uint32_t max)
{
	for (uint32_t i = 0; i < max; i++) {
		if (p[i] == '\0')
			return i;
	}
	return -1;
}

const char *fdti_string(const struct fdt *fdt, uint32_t nameoff)
{
	if (nameoff >= fdt->size_strings)
		return NULL;
	const uint8_t *s = fdt->blob + fdt->off_strings + nameoff;
	if (bounded_strlen(s, fdt->size_strings - nameoff) < 0)
		return NULL;
	return (const char *)s;
}

int fdti_tok(const struct fdt *fdt, uint32_t off, struct fdti_tok *t)
{
	uint32_t size = fdt->size_struct;
	const uint8_t *base = fdt->blob + fdt->off_struct;

	/* Tokens are 4-byte aligned relative to the block (DT spec 5.4.2). */
	if ((off & 3U) != 0 || off > size || size - off < 4U)
		return TG_EFDT_STRUCT;

	t->tag = fdti_be32(base + off);
	t->name = NULL;
	t->namelen = 0;
	t->val = NULL;
	t->len = 0;
	t->nameoff = 0;

	switch (t->tag) {
	case FDT_BEGIN_NODE: {
		/* The unit name follows inline, NUL-terminated, padded to 4. */
		int64_t n = bounded_strlen(base + off + 4U, size - off - 4U);
		if (n < 0)
			return TG_EFDT_STRING;
		t->name = (const char *)(base + off + 4U);
		t->namelen = (uint32_t)n;
		t->next = (uint32_t)fdti_align4((uint64_t)off + 4U + (uint64_t)n + 1U);
		return TG_OK;
	}
	case FDT_PROP: {
		/* struct { be32 len; be32 nameoff; } then len bytes of value. */
		if (size - off < 12U)
			return TG_EFDT_PROP;
		uint32_t len = fdti_be32(base + off + 4U);
		if (len > size - off - 12U)
			return TG_EFDT_PROP;
		t->len = len;
		t->nameoff = fdti_be32(base + off + 8U);
		t->val = base + off + 12U;
		t->next = (uint32_t)fdti_align4((uint64_t)off + 12U + len);
		return TG_OK;
	}
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		t->next = off + 4U;
		return TG_OK;
	default:
		return TG_EFDT_STRUCT;
	}
}
