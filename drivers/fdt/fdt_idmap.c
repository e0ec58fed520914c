/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Requester-ID translation through iommu-map / msi-map (Linux bindings
 * Documentation/devicetree/bindings/pci/pci-iommu.txt and pci-msi.txt).
 *
 * Each entry is four cells, <rid-base target-phandle target-base length>:
 * RIDs rid-base .. rid-base + length - 1 become target-base + (rid -
 * rid-base) at the target.  <map>-mask is ANDed into the RID first, so a
 * mask of 0xff00 lets one entry cover every function of a bus.
 */
#include <string.h>

#include "fdt_internal.h"

#define MAP_ENTRY_BYTES	16U
/* Longest map property name we build "<name>-mask" for. */
#define MAP_NAME_MAX	48U

int fdt_map_id(const struct fdt *fdt, int node, const char *map_name, uint32_t id,
	       int *target, uint32_t *out_id)
{
	char mask_name[MAP_NAME_MAX + sizeof("-mask")];
	const uint8_t *map, *maskval;
	uint32_t maplen, masklen;
	uint32_t mask = 0xffffffffU;

	if (!map_name)
		return TG_EINVAL;
	size_t n = strlen(map_name);
	if (n == 0 || n > MAP_NAME_MAX)
		return TG_EINVAL;
	int err = fdti_prop_s(fdt, node, map_name, &map, &maplen);
	if (err)
		return err;
	if (maplen % MAP_ENTRY_BYTES != 0)
		return TG_EFDT_PROP;

	memcpy(mask_name, map_name, n);
	memcpy(mask_name + n, "-mask", sizeof("-mask"));
	err = fdti_prop_s(fdt, node, mask_name, &maskval, &masklen);
	if (err == TG_OK) {
		if (masklen != 4U)
			return TG_EFDT_PROP;
		mask = fdti_be32(maskval);
	} else if (err != TG_ENOENT) {
		return err;
	}

	uint32_t rid = id & mask;
	for (uint32_t off = 0; off < maplen; off += MAP_ENTRY_BYTES) {
		const uint8_t *e = map + off;
		uint32_t base = fdti_be32(e);
		uint32_t out_base = fdti_be32(e + 8U);
		uint32_t length = fdti_be32(e + 12U);

		/* Subtraction keeps base + length from wrapping. */
		if (rid < base || rid - base >= length)
			continue;
		uint32_t delta = rid - base;
		if (out_base > 0xffffffffU - delta)
			return TG_ERANGE;
		int node_t = fdt_node_by_phandle(fdt, fdti_be32(e + 4U));
		if (node_t < 0)
			return node_t == TG_ENOENT ? TG_EFDT_PROP : node_t;
		if (target)
			*target = node_t;
		if (out_id)
			*out_id = out_base + delta;
		return TG_OK;
	}
	return TG_ERANGE;
}
