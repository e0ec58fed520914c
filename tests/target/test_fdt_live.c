/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device-tree reader on the DTB QEMU actually passed, and on corrupted
 * copies of it in RAM: each corruption gets its own error, never a fault.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/fdt.h>

#include "testcase.h"

static uint8_t copy[1 << 20] __attribute__((aligned(8)));

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool fresh_copy(struct test_ctx *t)
{
	uint32_t size = t->sys->fdt.totalsize;

	if (size > sizeof(copy))
		return false;
	memcpy(copy, (const void *)t->sys->dtb_phys, size);
	return true;
}

TESTCASE(fdt_live_lookups)
{
	const struct fdt *fdt = &t->sys->fdt;
	int smmu = fdt_node_by_compatible(fdt, -1, "arm,smmu-v3");
	struct fdt_irq irq;

	CHECK(smmu >= 0);
	CHECK(fdt_getprop(fdt, smmu, "dma-coherent", NULL) != NULL);
	CHECK_EQ(fdt_irq_by_name(fdt, smmu, "cmdq-sync", &irq), TG_OK);
	CHECK_EQ(irq.ncells, 3);
	CHECK_EQ(irq.cells[2], 1);	/* edge rising: QEMU pulses it */

	int pcie = fdt_node_by_compatible(fdt, -1, "pci-host-ecam-generic");
	int target;
	uint32_t sid;
	CHECK(pcie >= 0);
	CHECK_EQ(fdt_map_id(fdt, pcie, "iommu-map", 0x0310, &target, &sid), TG_OK);
	CHECK_EQ(target, smmu);
	CHECK_EQ(sid, 0x0310);
}

TESTCASE(fdt_live_corrupt_copies)
{
	struct fdt f;
	uint32_t size = t->sys->fdt.totalsize;

	if (!fresh_copy(t))
		SKIP("DTB larger than the test buffer");
	CHECK_EQ(fdt_open(&f, copy, size, NULL), TG_OK);

	put_be32(copy, 0xd00dfeef);
	CHECK_EQ(fdt_open(&f, copy, size, NULL), TG_EFDT_MAGIC);

	CHECK(fresh_copy(t));
	CHECK_EQ(fdt_open(&f, copy, size - 1, NULL), TG_EFDT_TRUNCATED);

	CHECK(fresh_copy(t));
	put_be32(copy + 8, 0xfffffff0);		/* off_dt_struct */
	CHECK_EQ(fdt_open(&f, copy, size, NULL), TG_EFDT_LAYOUT);

	CHECK(fresh_copy(t));
	put_be32(copy + 20, 15);		/* version */
	CHECK_EQ(fdt_open(&f, copy, size, NULL), TG_EFDT_VERSION);

	/* An unknown token right after the root node's name. */
	CHECK(fresh_copy(t));
	uint32_t off_struct = t->sys->fdt.off_struct;
	put_be32(copy + off_struct + 8, 0x77);
	CHECK_EQ(fdt_open(&f, copy, size, NULL), TG_EFDT_STRUCT);
}
