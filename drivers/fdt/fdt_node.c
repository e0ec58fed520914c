/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walking and finding nodes: tree navigation, paths (DT spec v0.4 2.2.3),
 * aliases (3.3), compatible (2.3.1), phandles (2.3.3) and status (2.3.4).
 *
 * The blob has no parent links, so anything that needs ancestors walks
 * forward from the root; trees are a few thousand tokens, and a walk
 * never visits a token twice.
 */
#include <string.h>

#include "fdt_internal.h"

int fdti_node(const struct fdt *fdt, int node, struct fdti_tok *t)
{
	struct fdti_tok tmp;

	if (!t)
		t = &tmp;
	if (fdti_check(fdt) || node < 0)
		return TG_EINVAL;
	if (fdti_tok(fdt, (uint32_t)node, t) || t->tag != FDT_BEGIN_NODE)
		return TG_EINVAL;
	return TG_OK;
}

int fdti_node_end(const struct fdt *fdt, int node, uint32_t *end)
{
	struct fdti_tok t;
	uint32_t depth = 0;
	uint32_t off = (uint32_t)node;
	int err = fdti_node(fdt, node, NULL);

	if (err)
		return err;
	for (;;) {
		err = fdti_tok(fdt, off, &t);
		if (err)
			return err;
		if (t.tag == FDT_BEGIN_NODE) {
			depth++;
		} else if (t.tag == FDT_END_NODE) {
			if (--depth == 0) {
				*end = t.next;
				return TG_OK;
			}
		} else if (t.tag == FDT_END) {
			return TG_EFDT_STRUCT;
		}
		off = t.next;
	}
}

int fdt_root(const struct fdt *fdt)
{
	struct fdti_tok t;
	uint32_t off = 0;

	if (fdti_check(fdt))
		return TG_EINVAL;
	for (;;) {
		int err = fdti_tok(fdt, off, &t);
		if (err)
			return err;
		if (t.tag == FDT_BEGIN_NODE)
			return (int)off;
		/* Only NOPs may precede the root (DT spec 5.4.2). */
		if (t.tag != FDT_NOP)
			return TG_EFDT_STRUCT;
		off = t.next;
	}
}

int fdti_ancestors(const struct fdt *fdt, int node, int stack[FDT_MAX_DEPTH])
{
	struct fdti_tok t;
	int depth = -1;
	int off = fdt_root(fdt);

	if (off < 0)
		return off;
	if (fdti_node(fdt, node, NULL))
		return TG_EINVAL;
	for (;;) {
		int err = fdti_tok(fdt, (uint32_t)off, &t);
		if (err)
			return err;
		if (t.tag == FDT_BEGIN_NODE) {
			if (++depth >= FDT_MAX_DEPTH)
				return TG_EFDT_DEPTH;
			stack[depth] = off;
			if (off == node)
				return depth;
		} else if (t.tag == FDT_END_NODE) {
			/* Closing the root without meeting `node`: not a real node. */
			if (--depth < 0)
				return TG_EINVAL;
		} else if (t.tag == FDT_END) {
			return TG_EINVAL;
		}
		off = (int)t.next;
	}
}

int fdt_first_child(const struct fdt *fdt, int node)
{
	struct fdti_tok t;
	int err = fdti_node(fdt, node, &t);

	if (err)
		return err;
	for (uint32_t off = t.next;; off = t.next) {
		err = fdti_tok(fdt, off, &t);
		if (err)
			return err;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			return (int)off;
		case FDT_PROP:
		case FDT_NOP:
			break;
		case FDT_END_NODE:
			return TG_ENOENT;
		default:
			return TG_EFDT_STRUCT;
		}
	}
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
	struct fdti_tok t;
	uint32_t off;
	int err = fdti_node_end(fdt, node, &off);

	if (err)
		return err;
	for (;; off = t.next) {
		err = fdti_tok(fdt, off, &t);
		if (err)
			return err;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			return (int)off;
		case FDT_NOP:
			break;
		case FDT_END_NODE:	/* the parent closes */
		case FDT_END:		/* the root has no siblings */
			return TG_ENOENT;
		default:
			return TG_EFDT_STRUCT;
		}
	}
}

int fdt_parent(const struct fdt *fdt, int node)
{
	int stack[FDT_MAX_DEPTH];
	int d = fdti_ancestors(fdt, node, stack);

	if (d < 0)
		return d;
	if (d == 0)
		return TG_ENOENT;
	return stack[d - 1];
}

int fdt_next_node(const struct fdt *fdt, int prev, int *depth)
{
	struct fdti_tok t;
	int rel = 1;	/* depth of a BEGIN_NODE met now, relative to prev */

	if (prev == -1) {
		int root = fdt_root(fdt);
		if (root >= 0 && depth)
			*depth = 0;
		return root;
	}
	int err = fdti_node(fdt, prev, &t);
	if (err)
		return err;
	for (uint32_t off = t.next;; off = t.next) {
		err = fdti_tok(fdt, off, &t);
		if (err)
			return err;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			if (depth)
				*depth += rel;
			return (int)off;
		case FDT_END_NODE:
			rel--;
			break;
		case FDT_END:
			return TG_ENOENT;
		default:
			break;
		}
	}
}

const char *fdt_node_name(const struct fdt *fdt, int node)
{
	struct fdti_tok t;

	if (fdti_node(fdt, node, &t))
		return NULL;
	return t.name;
}

int fdt_node_path(const struct fdt *fdt, int node, char *buf, size_t len)
{
	int stack[FDT_MAX_DEPTH];
	size_t pos = 0;

	if (!buf)
		return TG_EINVAL;
	int d = fdti_ancestors(fdt, node, stack);
	if (d < 0)
		return d;
	if (len == 0)
		return TG_ENOSPC;
	buf[0] = '\0';
	if (d == 0) {
		if (len < 2)
			return TG_ENOSPC;
		buf[0] = '/';
		buf[1] = '\0';
		return TG_OK;
	}
	for (int i = 1; i <= d; i++) {
		struct fdti_tok t;
		int err = fdti_node(fdt, stack[i], &t);
		if (err)
			return err;
		/* '/' + name + the final NUL must fit. */
		if (len - pos < (size_t)t.namelen + 2U) {
			buf[0] = '\0';
			return TG_ENOSPC;
		}
		buf[pos++] = '/';
		memcpy(buf + pos, t.name, t.namelen);
		pos += t.namelen;
	}
	buf[pos] = '\0';
	return TG_OK;
}

/*
 * The child of `parent` called `name` (len bytes).  An exact match wins;
 * a name without '@' also matches "name@unit" when exactly one child has
 * that base name, so "/memory" finds "memory@40000000" but an ambiguous
 * "/virtio_mmio" finds nothing rather than an arbitrary one.
 */
static int find_child(const struct fdt *fdt, int parent, const char *name, size_t len)
{
	bool has_unit = memchr(name, '@', len) != NULL;
	int found = TG_ENOENT;
	unsigned int matches = 0;
	int child;

	for (child = fdt_first_child(fdt, parent); child >= 0;
	     child = fdt_next_sibling(fdt, child)) {
		struct fdti_tok t;
		int err = fdti_node(fdt, child, &t);
		if (err)
			return err;
		if (t.namelen == len && memcmp(t.name, name, len) == 0)
			return child;
		if (!has_unit && t.namelen > len && t.name[len] == '@' &&
		    memcmp(t.name, name, len) == 0) {
			found = child;
			matches++;
		}
	}
	if (child != TG_ENOENT)
		return child;
	return matches == 1 ? found : TG_ENOENT;
}

/* Resolves the '/'-separated components of path[0..end) below `node`. */
static int walk_path(const struct fdt *fdt, int node, const char *p, const char *end)
{
	while (p < end) {
		if (*p == '/') {
			p++;
			continue;
		}
		const char *q = p;
		while (q < end && *q != '/')
			q++;
		node = find_child(fdt, node, p, (size_t)(q - p));
		if (node < 0)
			return node;
		p = q;
	}
	return node;
}

int fdt_path_offset(const struct fdt *fdt, const char *path)
{
	int root = fdt_root(fdt);

	if (!path)
		return TG_EINVAL;
	if (root < 0)
		return root;
	/*
	 * ':' cannot occur in node names (DT spec 2.2.1) but starts the
	 * options of /chosen stdout-path ("serial0:115200n8", 3.6), so the
	 * path ends there and stdout-path can be passed unchanged.
	 */
	const char *end = path;
	while (*end != '\0' && *end != ':')
		end++;
	if (path[0] == '/')
		return walk_path(fdt, root, path, end);

	/* "alias[/rest]": the alias value is a full path (DT spec 3.3). */
	const char *slash = path;
	while (slash < end && *slash != '/')
		slash++;
	if (slash == path)
		return TG_ENOENT;
	int aliases = find_child(fdt, root, "aliases", 7);
	if (aliases < 0)
		return aliases;

	const uint8_t *val;
	uint32_t vlen;
	int err = fdti_prop(fdt, aliases, path, (size_t)(slash - path), &val, &vlen);
	if (err)
		return err;
	/* Only an absolute, terminated path; this also stops an alias from
	 * naming another alias, so resolution cannot recurse. */
	if (vlen < 2U || val[0] != '/' || val[vlen - 1U] != '\0')
		return TG_EFDT_PROP;
	const char *target = (const char *)val;
	int node = walk_path(fdt, root, target, target + strlen(target));
	if (node < 0)
		return node;
	return walk_path(fdt, node, slash, end);
}

int fdt_node_by_compatible(const struct fdt *fdt, int prev, const char *compat)
{
	int node = prev;

	if (!compat || prev < -1)
		return TG_EINVAL;
	for (;;) {
		node = fdt_next_node(fdt, node, NULL);
		if (node < 0)
			return node;
		if (fdt_is_compatible(fdt, node, compat))
			return node;
	}
}

int fdt_find_available(const struct fdt *fdt, const char *const *compats, unsigned int n,
		       unsigned int *which)
{
	if (!compats)
		return TG_EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		int node = -1;
		while ((node = fdt_node_by_compatible(fdt, node, compats[i])) >= 0) {
			if (fdt_is_available(fdt, node)) {
				if (which)
					*which = i;
				return node;
			}
		}
		if (node != TG_ENOENT)
			return node;
	}
	return TG_ENOENT;
}

int fdt_node_by_phandle(const struct fdt *fdt, uint32_t phandle)
{
	struct fdti_tok t;
	int cur = -1;

	if (fdti_check(fdt))
		return TG_EINVAL;
	/* DT spec 2.3.3: 0 and 0xffffffff are never valid phandles. */
	if (phandle == 0 || phandle == 0xffffffffU)
		return TG_ENOENT;
	/* One pass: a property belongs to the last node opened, since
	 * properties precede subnodes (checked by fdt_open). */
	for (uint32_t off = 0;; off = t.next) {
		int err = fdti_tok(fdt, off, &t);
		if (err)
			return err;
		if (t.tag == FDT_END)
			return TG_ENOENT;
		if (t.tag == FDT_BEGIN_NODE) {
			cur = (int)off;
		} else if (t.tag == FDT_PROP && cur >= 0 && t.len == 4U &&
			   fdti_be32(t.val) == phandle) {
			const char *name = fdti_string(fdt, t.nameoff);
			/* "linux,phandle" is the pre-standard spelling. */
			if (name && (strcmp(name, "phandle") == 0 ||
				     strcmp(name, "linux,phandle") == 0))
				return cur;
		}
	}
}

bool fdt_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
	return compat && fdt_stringlist_index(fdt, node, "compatible", compat) >= 0;
}

bool fdt_is_available(const struct fdt *fdt, int node)
{
	const uint8_t *val;
	uint32_t len;
	int err = fdti_prop_s(fdt, node, "status", &val, &len);

	if (err == TG_ENOENT)
		return true;
	if (err)
		return false;
	/* The whole value, terminator included, must be "okay" or "ok". */
	return (len == 5U && memcmp(val, "okay", 5) == 0) ||
	       (len == 3U && memcmp(val, "ok", 3) == 0);
}
