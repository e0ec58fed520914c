/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The boot log: what the device tree says this machine is, in the words
 * and layout of a Linux boot log, so a person can check it at a glance.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/boot.h>
#include <tollgate/console.h>
#include <tollgate/error.h>
#include <tollgate/log.h>

/* Linux names platform devices "<unit-address>.<node-name>". */
static void device_name(const struct fdt *fdt, int node, char *buf, size_t len)
{
	const char *name = fdt_node_name(fdt, node);
	const char *at = strchr(name, '@');
	uint64_t addr, size;

	if (fdt_reg(fdt, node, 0, &addr, &size) == TG_OK && at)
		tg_snprintf(buf, len, "%llx.%.*s", (unsigned long long)addr, (int)(at - name), name);
	else
		tg_snprintf(buf, len, "%s", name);
}

static void log_machine(const struct tg_system *sys)
{
	const struct fdt *fdt = &sys->fdt;
	int root = fdt_root(fdt);
	const char *model = fdt_prop_string(fdt, root, "model");
	char buf[96];

	pr_info("Booting %s (%s, board %s)\n", TOLLGATE_VERSION_STRING,
#if defined(TG_ARCH_aarch64)
		"aarch64",
#else
		"arm",
#endif
		TG_BOARD);
	pr_info("Machine model: %s\n", model ? model : "(unknown)");
	arch_cpu_describe(buf, sizeof(buf));
	pr_info("CPU: %s\n", buf);
	arch_mode_describe(buf, sizeof(buf));
	pr_info("CPU: running in %s\n", buf);
}

static void log_memory(const struct tg_system *sys)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < sys->memmap.count; i++) {
		const struct tg_mem_region *r = &sys->memmap.region[i];
		if (r->type != TG_MEM_NORMAL)
			continue;
		total += r->size;
		pr_info("Memory: [mem 0x%010llx-0x%010llx] %llu MiB\n",
			(unsigned long long)r->base, (unsigned long long)(r->base + r->size - 1),
			(unsigned long long)(r->size >> 20));
	}
	pr_info("Memory: %llu MiB total, image [mem 0x%08lx-0x%08lx], DTB at 0x%08lx (%u bytes)\n",
		(unsigned long long)(total >> 20), (unsigned long)(uintptr_t)__image_start,
		(unsigned long)(uintptr_t)__image_end - 1, (unsigned long)sys->dtb_phys,
		(unsigned)sys->fdt.totalsize);
	unsigned dev = sys->memmap.count;
	for (unsigned i = 0; i < sys->memmap.count; i++)
		if (sys->memmap.region[i].type == TG_MEM_NORMAL)
			dev--;
	pr_info("MMU: identity map of %u RAM and %u device regions, caches on\n",
		sys->memmap.count - dev, dev);
}

static void log_console(const struct tg_system *sys)
{
	const struct tg_console *con = console_current();
	int chosen = fdt_path_offset(&sys->fdt, "/chosen");
	const char *path = chosen >= 0 ? fdt_prop_string(&sys->fdt, chosen, "stdout-path") : NULL;

	if (con)
		pr_info("console [%s] enabled at MMIO 0x%08llx (stdout-path %s)\n", con->name,
			(unsigned long long)con->phys, path ? path : "none");
}

static void log_irq_list(const struct fdt *fdt, int node, char *buf, size_t len)
{
	size_t used = 0;
	int count = fdt_irq_count(fdt, node);

	buf[0] = '\0';
	for (int i = 0; i < count && used < len; i++) {
		struct fdt_irq irq;
		if (fdt_irq(fdt, node, (unsigned)i, &irq) || irq.ncells < 3)
			continue;
		const char *name = fdt_stringlist_get(fdt, node, "interrupt-names", (unsigned)i);
		/* GIC specifier: SPI n is INTID 32+n, PPI n is INTID 16+n. */
		unsigned intid = irq.cells[1] + (irq.cells[0] == 1 ? 16 : 32);
		const char *trig = (irq.cells[2] & 0xf) <= 2 ? "edge" : "level";
		used += (size_t)tg_snprintf(buf + used, len - used, "%s%s %u (%s)",
					    i ? ", " : "", name ? name : "irq", intid, trig);
	}
}

static void log_smmus(const struct fdt *fdt)
{
	char name[48], irqs[160];

	for (int node = fdt_node_by_compatible(fdt, -1, "arm,smmu-v3"); node >= 0;
	     node = fdt_node_by_compatible(fdt, node, "arm,smmu-v3")) {
		uint64_t base, size;
		if (fdt_reg(fdt, node, 0, &base, &size))
			continue;
		device_name(fdt, node, name, sizeof(name));
		log_irq_list(fdt, node, irqs, sizeof(irqs));
		pr_info("arm-smmu-v3 %s: [mem 0x%08llx-0x%08llx]%s\n", name,
			(unsigned long long)base, (unsigned long long)(base + size - 1),
			fdt_getprop(fdt, node, "dma-coherent", NULL) ? " dma-coherent" : "");
		pr_info("arm-smmu-v3 %s: interrupts: %s\n", name, irqs[0] ? irqs : "none");
	}
}

static const char *pci_space_name(uint32_t flags)
{
	switch ((flags >> 24) & 3) {
	case 0: return "CFG";
	case 1: return "IO ";
	case 2: return "MEM";
	default: return "MEM";
	}
}

static void log_pci_hosts(const struct fdt *fdt)
{
	char name[48];

	for (int node = fdt_node_by_compatible(fdt, -1, "pci-host-ecam-generic"); node >= 0;
	     node = fdt_node_by_compatible(fdt, node, "pci-host-ecam-generic")) {
		uint64_t base, size;
		uint32_t len;
		const uint32_t *br = fdt_getprop(fdt, node, "bus-range", &len);
		unsigned bus_lo = 0, bus_hi = 255;

		if (fdt_reg(fdt, node, 0, &base, &size))
			continue;
		if (br && len == 8) {
			bus_lo = fdt32_to_cpu(br[0]);
			bus_hi = fdt32_to_cpu(br[1]);
		}
		device_name(fdt, node, name, sizeof(name));
		pr_info("pci-host-generic %s: host bridge /%s ranges:\n", name, fdt_node_name(fdt, node));

		struct fdt_range r[16];
		int n = fdt_ranges(fdt, node, "ranges", r, 16);
		for (int i = 0; i < n; i++) {
			uint64_t cpu;
			if (fdt_translate(fdt, fdt_parent(fdt, node), r[i].parent_addr, &cpu))
				continue;
			pr_info("pci-host-generic %s:   %s 0x%010llx..0x%010llx -> 0x%010llx%s%s\n",
				name, pci_space_name(r[i].child_flags), (unsigned long long)cpu,
				(unsigned long long)(cpu + r[i].size - 1),
				(unsigned long long)r[i].child_addr,
				((r[i].child_flags >> 24) & 3) == 3 ? " 64bit" : "",
				(r[i].child_flags & (1u << 30)) ? " pref" : "");
		}
		pr_info("pci-host-generic %s: ECAM at [mem 0x%llx-0x%llx] for [bus %02x-%02x]\n",
			name, (unsigned long long)base, (unsigned long long)(base + size - 1),
			bus_lo, bus_hi);
		if (fdt_getprop(fdt, node, "dma-coherent", NULL))
			pr_info("pci-host-generic %s: dma-coherent\n", name);
	}
}

void bootlog_print(const struct tg_system *sys)
{
	log_machine(sys);
	log_memory(sys);
	log_console(sys);
	log_smmus(&sys->fdt);
	log_pci_hosts(&sys->fdt);
}
