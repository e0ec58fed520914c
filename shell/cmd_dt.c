/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `dt`: the device tree as Tollgate understands it.  Without arguments a
 * tree of nodes with their first compatible and translated CPU addresses;
 * with a path, that node's properties.
 */
#include <string.h>

#include <tollgate/boot.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/shell.h>

static void print_summary(const struct fdt *fdt)
{
	int depth = 0;
	int nodes = 0;

	for (int node = fdt_next_node(fdt, -1, &depth); node >= 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		const char *name = fdt_node_name(fdt, node);
		const char *compat = fdt_prop_string(fdt, node, "compatible");
		uint64_t addr, size;

		nodes++;
		tg_printf("%*s%s", depth * 2, "", *name ? name : "/");
		if (compat)
			tg_printf("  [%s]", compat);
		if (fdt_parent(fdt, node) >= 0 && fdt_size_cells(fdt, fdt_parent(fdt, node)) > 0 &&
		    fdt_reg(fdt, node, 0, &addr, &size) == TG_OK)
			tg_printf("  @0x%llx+0x%llx", (unsigned long long)addr,
				  (unsigned long long)size);
		if (!fdt_is_available(fdt, node))
			tg_printf("  (disabled)");
		tg_printf("\n");
	}
	tg_printf("%d nodes, %u bytes, version %u\n", nodes, (unsigned)fdt->totalsize,
		  (unsigned)fdt->version);
}

static bool printable_strings(const uint8_t *v, uint32_t len)
{
	if (!len || v[len - 1] != '\0' || v[0] == '\0')
		return false;
	for (uint32_t i = 0; i < len; i++) {
		if (v[i] == '\0')
			continue;
		if (v[i] < 0x20 || v[i] > 0x7e)
			return false;
	}
	return true;
}

/* The properties a bring-up engineer checks, looked up by name. */
static void print_node(const struct fdt *fdt, int node)
{
	static const char *const props[] = {
		"compatible", "reg", "ranges", "dma-ranges", "interrupts", "interrupt-names",
		"interrupt-parent", "interrupt-map", "interrupt-map-mask", "#address-cells",
		"#size-cells", "#interrupt-cells", "#iommu-cells", "iommu-map", "iommu-map-mask",
		"msi-map", "msi-parent", "bus-range", "device_type", "status", "phandle",
		"dma-coherent", "method", "stdout-path", "model", "clock-frequency",
	};
	char path[128];

	if (fdt_node_path(fdt, node, path, sizeof(path)) == TG_OK)
		tg_printf("%s {\n", path);
	for (unsigned i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		uint32_t len;
		const uint8_t *v = fdt_getprop(fdt, node, props[i], &len);
		if (!v)
			continue;
		tg_printf("  %s", props[i]);
		if (!len) {
			tg_printf(";\n");
		} else if (printable_strings(v, len)) {
			tg_printf(" = \"");
			for (uint32_t j = 0; j + 1 < len; j++)
				tg_printf(v[j] ? "%c" : "\", \"", v[j]);
			tg_printf("\";\n");
		} else if (len % 4 == 0) {
			tg_printf(" = <");
			for (uint32_t j = 0; j < len; j += 4)
				tg_printf("%s0x%x", j ? " " : "",
					  (unsigned)v[j] << 24 | (unsigned)v[j + 1] << 16 |
					  (unsigned)v[j + 2] << 8 | v[j + 3]);
			tg_printf(">;\n");
		} else {
			tg_printf(" = [%u bytes];\n", (unsigned)len);
		}
	}
	tg_printf("};\n");
}

static int dt_cmd(int argc, char **argv)
{
	const struct tg_system *sys = tg_system();

	if (!sys) {
		tg_printf("dt: no device tree\n");
		return 1;
	}
	if (argc < 2) {
		print_summary(&sys->fdt);
		return 0;
	}
	int node = fdt_path_offset(&sys->fdt, argv[1]);
	if (node < 0) {
		tg_printf("dt: %s: %s\n", argv[1], tg_strerror(node));
		return 1;
	}
	print_node(&sys->fdt, node);
	return 0;
}
SHELL_COMMAND(dt, "dt", "dt [path]", "device tree summary, or the properties of one node", dt_cmd);
