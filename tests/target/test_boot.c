/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the boot left behind: the DT is the one QEMU passed, the memory map
 * agrees with it, the MMU maps RAM and devices with the right behaviour.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/console.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/mmio.h>

#include "testcase.h"

TESTCASE(boot_dtb_matches_memmap)
{
	const struct fdt *fdt = &t->sys->fdt;
	int mem = fdt_path_offset(fdt, "/memory");
	uint64_t base, size;

	CHECK(mem >= 0);
	CHECK_EQ(fdt_reg(fdt, mem, 0, &base, &size), TG_OK);
	const struct tg_mem_region *ram = tg_memmap_ram(&t->sys->memmap);
	CHECK(ram != NULL);
	CHECK_EQ(ram->base, base);
	CHECK_EQ(ram->size, size);
	/* The image and the DTB both live in that RAM. */
	CHECK((uintptr_t)__image_start >= base && (uintptr_t)__image_end <= base + size);
	CHECK(t->sys->dtb_phys >= base && t->sys->dtb_phys + fdt->totalsize <= base + size);
}

TESTCASE(mmu_ram_is_normal_memory)
{
	/* Unaligned accesses fault on device memory and work on normal memory. */
	static uint8_t buf[64] __attribute__((aligned(16)));
	volatile uint32_t *p = (volatile uint32_t *)(void *)(buf + 1);
	uint32_t v;

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	memcpy(&v, buf + 3, sizeof(v));
	CHECK_EQ(v, 0x06050403u);
	*p = 0xa1b2c3d4u;
	CHECK_EQ(buf[1], 0xd4);
	CHECK_EQ(buf[4], 0xa1);
}

TESTCASE(mmu_console_device_reads_id)
{
	/* PL011 PrimeCell ID registers (DDI 0183G 3.3.14): 0x0d 0xf0 0x05 0xb1. */
	const struct tg_console *con = console_current();

	CHECK(con != NULL);
	volatile uint8_t *regs = ioremap(con->phys, 0x1000);
	CHECK(regs != NULL);
	CHECK_EQ(mmio_read32(regs + 0xff0) & 0xff, 0x0d);
	CHECK_EQ(mmio_read32(regs + 0xff4) & 0xff, 0xf0);
	CHECK_EQ(mmio_read32(regs + 0xff8) & 0xff, 0x05);
	CHECK_EQ(mmio_read32(regs + 0xffc) & 0xff, 0xb1);
	CHECK_EQ(mmio_read32(regs + 0xfe0) & 0xff, 0x11);	/* part number: PL011 */
}

/*
 * The ECAM of every PCIe host bridge is reachable, including QEMU's
 * highmem ECAM above 4 GiB from a 32-bit CPU: function 00.0 answers with
 * the vendor ID of the host bridge QEMU models (a Red Hat 1b36:0008).
 */
TESTCASE(mmu_ecam_reachable)
{
	const struct fdt *fdt = &t->sys->fdt;
	int node = fdt_node_by_compatible(fdt, -1, "pci-host-ecam-generic");
	uint64_t base, size;

	CHECK(node >= 0);
	CHECK_EQ(fdt_reg(fdt, node, 0, &base, &size), TG_OK);
	volatile uint8_t *ecam = ioremap(base, 1u << 20);	/* bus 0 */
	CHECK(ecam != NULL);
	uint32_t id = mmio_read32(ecam);
	CHECK(id != 0xffffffffu);
	CHECK_EQ(id & 0xffff, 0x1b36);
	CHECK_EQ(id >> 16, 0x0008);
	/* An empty slot reads all-ones, not a fault. */
	CHECK_EQ(mmio_read32(ecam + (31u << 15)), 0xffffffffu);
}

TESTCASE(mmu_ioremap_rejects_bad_ranges)
{
	CHECK(ioremap(0x1000, 0) == NULL);
	CHECK(ioremap(~0ull - 0x10, 0x1000) == NULL);
}

TESTCASE(cache_maintenance_keeps_data)
{
	static uint8_t buf[512] __attribute__((aligned(64)));
	size_t line = arch_dcache_line_size();

	CHECK(line >= 16 && line <= 256 && (line & (line - 1)) == 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7);
	/* Unaligned start and length: partial lines must be written back. */
	arch_dcache_clean_range((uintptr_t)buf + 3, 100);
	arch_dcache_clean_inval_range((uintptr_t)buf + 5, 300);
	arch_dcache_inval_range((uintptr_t)buf + 7, 1);
	arch_dcache_inval_range((uintptr_t)buf, 0);
	for (unsigned i = 0; i < sizeof(buf); i++)
		CHECK_EQ(buf[i], (uint8_t)(i * 7));
}
