/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Properties (DT spec v0.4 2.2.4, value types in table 2.3): lookup,
 * 32/64-bit integers, strings, string lists and big-endian cells.
 */
#include <string.h>

#include "fdt_internal.h"

int fdti_prop(const struct fdt *fdt, int node, const char *name, size_t namelen,
	      const uint8_t **val, uint32_t *len)
{
	struct fdti_tok t;
	int err = fdti_node(fdt, node, &t);

	if (err)
		return err;
	if (!name)
		return TG_EINVAL;
	/* Properties come first and end at the first subnode or END_NODE. */
	for (uint32_t off = t.next;; off = t.next) {
		err = fdti_tok(fdt, off, &t);
		if (err)
			return err;
		if (t.tag == FDT_NOP)
			continue;
		if (t.tag != FDT_PROP)
			return TG_ENOENT;
		const char *pname = fdti_string(fdt, t.nameoff);
		if (pname && strlen(pname) == namelen && memcmp(pname, name, namelen) == 0) {
			*val = t.val;
			*len = t.len;
			return TG_OK;
		}
	}
}

int fdti_prop_s(const struct fdt *fdt, int node, const char *name,
		const uint8_t **val, uint32_t *len)
{
	if (!name)
		return TG_EINVAL;
	return fdti_prop(fdt, node, name, strlen(name), val, len);
}

bool fdti_has_prop(const struct fdt *fdt, int node, const char *name)
{
	const uint8_t *val;
	uint32_t len;

	return fdti_prop_s(fdt, node, name, &val, &len) == TG_OK;
}

int fdti_prop_cell(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
	const uint8_t *val;
	uint32_t len;
	int err = fdti_prop_s(fdt, node, name, &val, &len);

	if (err)
		return err;
	if (len != 4U)
		return TG_EFDT_PROP;
	*out = fdti_be32(val);
	return TG_OK;
}

int fdti_read_u64(const uint8_t *p, unsigned int n, uint64_t *out)
{
	uint64_t v = 0;

	if (n > FDT_MAX_CELLS)
		return TG_ERANGE;
	for (unsigned int i = 0; i < n; i++) {
		/* Anything shifted out of the top would be lost. */
		if (v >> 32)
			return TG_ERANGE;
		v = (v << 32) | fdti_be32(p + 4U * i);
	}
	*out = v;
	return TG_OK;
}

int fdti_read_addr(const uint8_t *p, unsigned int n, uint32_t *flags, uint64_t *addr)
{
	if (n == 3U) {
		*flags = fdti_be32(p);
		*addr = fdti_be64(p + 4U);
		return TG_OK;
	}
	*flags = 0;
	return fdti_read_u64(p, n, addr);
}

const void *fdt_getprop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
	const uint8_t *val;
	uint32_t l;

	if (len)
		*len = 0;
	if (fdti_prop_s(fdt, node, name, &val, &l))
		return NULL;
	if (len)
		*len = l;
	return val;
}

int fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *out)
{
	uint32_t v;
	int err;

	if (!out)
		return TG_EINVAL;
	err = fdti_prop_cell(fdt, node, name, &v);
	if (err)
		return err;
	*out = v;
	return TG_OK;
}

/* Accepts one or two cells, as for clock-frequency (DT spec 3.8). */
int fdt_prop_u64(const struct fdt *fdt, int node, const char *name, uint64_t *out)
{
	const uint8_t *val;
	uint32_t len;
	int err;

	if (!out)
		return TG_EINVAL;
	err = fdti_prop_s(fdt, node, name, &val, &len);
	if (err)
		return err;
	if (len == 8U)
		*out = fdti_be64(val);
	else if (len == 4U)
		*out = fdti_be32(val);
	else
		return TG_EFDT_PROP;
	return TG_OK;
}

/* A string list's first string is returned too: its value also ends in NUL. */
const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name)
{
	const uint8_t *val;
	uint32_t len;

	if (fdti_prop_s(fdt, node, name, &val, &len))
		return NULL;
	if (len == 0 || val[len - 1U] != '\0')
		return NULL;
	return (const char *)val;
}

/*
 * Finds `str` in a string-list value, or with `str` NULL the want_idx-th
 * string; returns its index.  A value that does not end in NUL is
 * malformed: its last string would run past the property.
 */
static int stringlist_find(const uint8_t *val, uint32_t len, const char *str,
			   unsigned int want_idx, const char **found)
{
	uint32_t pos = 0;
	unsigned int idx = 0;

	if (len == 0)
		return TG_ENOENT;
	if (val[len - 1U] != '\0')
		return TG_EFDT_PROP;
	while (pos < len) {
		const char *s = (const char *)val + pos;
		size_t n = strlen(s);	/* stops at val[len - 1] at the latest */

		if (str ? strcmp(s, str) == 0 : idx == want_idx) {
			*found = s;
			return (int)idx;
		}
		pos += (uint32_t)n + 1U;
		idx++;
	}
	return TG_ENOENT;
}

int fdt_stringlist_index(const struct fdt *fdt, int node, const char *name, const char *str)
{
	const uint8_t *val;
	const char *s;
	uint32_t len;
	int err;

	if (!str)
		return TG_EINVAL;
	err = fdti_prop_s(fdt, node, name, &val, &len);
	if (err)
		return err;
	return stringlist_find(val, len, str, 0, &s);
}

const char *fdt_stringlist_get(const struct fdt *fdt, int node, const char *name,
			       unsigned int idx)
{
	const uint8_t *val;
	const char *s;
	uint32_t len;

	if (fdti_prop_s(fdt, node, name, &val, &len))
		return NULL;
	if (stringlist_find(val, len, NULL, idx, &s) < 0)
		return NULL;
	return s;
}

int fdt_cells_to_u64(const void *be_cells, unsigned int ncells, uint64_t *out)
{
	if (!out || (ncells && !be_cells))
		return TG_EINVAL;
	if (ncells > 2U)
		return TG_ERANGE;
	/* Byte access: callers pass pointers straight into the blob. */
	return fdti_read_u64(be_cells, ncells, out);
}
