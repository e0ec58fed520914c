/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe PRP construction without a controller: how mapped segments become
 * commands (offsets, partial pages, kinds, MDTS, LBA-boundary rule), how
 * PRP lists chain every 512 entries, and that the driver's public calls
 * refuse bad input with TG_EINVAL and touch nothing.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/ivshmem.h>
#include <tollgate/nvme.h>
#include <tollgate/pci.h>

#include "testcase.h"

#define MAX_CMDS	16

struct seen {
	unsigned int n;
	uint64_t off[MAX_CMDS];
	uint32_t bytes[MAX_CMDS];
	bool bus[MAX_CMDS];
	unsigned int nprp[MAX_CMDS];
	uint64_t prp0[MAX_CMDS], prp1[MAX_CMDS], last[MAX_CMDS];
};

static int record(void *ctx, const struct nvme_prp_cmd *c)
{
	struct seen *s = ctx;

	if (s->n == MAX_CMDS)
		return TG_ENOSPC;
	s->off[s->n] = c->byte_off;
	s->bytes[s->n] = c->bytes;
	s->bus[s->n] = c->bus_addr;
	s->nprp[s->n] = c->nprp;
	s->prp0[s->n] = c->prp[0];
	s->prp1[s->n] = c->nprp > 1 ? c->prp[1] : 0;
	s->last[s->n] = c->prp[c->nprp - 1];
	s->n++;
	return TG_OK;
}

static struct dma_sg seg(uint64_t a, uint32_t len, bool bus)
{
	return (struct dma_sg){ .dma_address = a, .dma_length = len,
				.flags = bus ? DMA_SG_BUS_ADDRESS : 0 };
}

TESTCASE(nvme_prp_offsets_and_partial_pages)
{
	struct seen s;
	struct dma_sg sg[3];

	/* A first entry may start inside its page. */
	memset(&s, 0, sizeof(s));
	sg[0] = seg(0x10200, 0xe00, false);
	CHECK_EQ(nvme_prp_split(sg, 1, 512, 0x80000, record, &s), TG_OK);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.nprp[0], 1);
	CHECK_EQ(s.prp0[0], 0x10200);
	CHECK_EQ(s.bytes[0], 0xe00);

	/* Page-aligned continuation: one command, one entry per page. */
	memset(&s, 0, sizeof(s));
	sg[0] = seg(0x10200, 0x1e00, false);
	sg[1] = seg(0x40000, 0x1000, false);
	CHECK_EQ(nvme_prp_split(sg, 2, 512, 0x80000, record, &s), TG_OK);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.nprp[0], 3);
	CHECK_EQ(s.prp1[0], 0x11000);
	CHECK_EQ(s.last[0], 0x40000);

	/* An entry ending mid-page ends the command; the next LBA follows. */
	memset(&s, 0, sizeof(s));
	sg[0] = seg(0x10000, 0x600, false);
	sg[1] = seg(0x20000, 0x1000, false);
	CHECK_EQ(nvme_prp_split(sg, 2, 512, 0x80000, record, &s), TG_OK);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.bytes[0], 0x600);
	CHECK_EQ(s.off[1], 0x600);
	CHECK_EQ(s.prp0[1], 0x20000);

	/* ... but only on a block boundary: nothing is issued otherwise. */
	memset(&s, 0, sizeof(s));
	sg[0] = seg(0x10000, 0x300, false);
	sg[1] = seg(0x20000, 0x100, false);
	CHECK_EQ(nvme_prp_split(sg, 2, 512, 0x80000, record, &s), TG_EINVAL);
	CHECK_EQ(s.n, 0);

	/* A second entry starting inside a page needs a new command. */
	memset(&s, 0, sizeof(s));
	sg[0] = seg(0x10000, 0x1000, false);
	sg[1] = seg(0x20200, 0x200, false);
	CHECK_EQ(nvme_prp_split(sg, 2, 512, 0x80000, record, &s), TG_OK);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.prp0[1], 0x20200);
}

TESTCASE(nvme_prp_kinds_never_mix)
{
	struct seen s;
	struct dma_sg sg[4] = { seg(0x8000000000, 0x1000, true), seg(0x100000, 0x1000, false),
				seg(0x101000, 0x1000, false), seg(0x8000002000, 0x800, true) };

	memset(&s, 0, sizeof(s));
	CHECK_EQ(nvme_prp_split(sg, 4, 512, 0x80000, record, &s), TG_OK);
	CHECK_EQ(s.n, 3);
	CHECK(s.bus[0] && !s.bus[1] && s.bus[2]);
	CHECK_EQ(s.nprp[1], 2);
	CHECK_EQ(s.off[1], 0x1000);
	CHECK_EQ(s.off[2], 0x3000);
	CHECK_EQ(s.bytes[2], 0x800);
}

TESTCASE(nvme_prp_mdts_split)
{
	struct seen s;
	struct dma_sg sg = seg(0x200000, 0x10000, false);

	memset(&s, 0, sizeof(s));
	CHECK_EQ(nvme_prp_split(&sg, 1, 512, 0x4000, record, &s), TG_OK);
	CHECK_EQ(s.n, 4);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(s.off[i], i * 0x4000ull);
		CHECK_EQ(s.bytes[i], 0x4000);
		CHECK_EQ(s.nprp[i], 4);
	}
	/* With an offset the MDTS cut falls inside a page: the next command
	 * starts there (its first entry may). */
	memset(&s, 0, sizeof(s));
	sg = seg(0x200200, 0x7e00, false);
	CHECK_EQ(nvme_prp_split(&sg, 1, 512, 0x4000, record, &s), TG_OK);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.nprp[0], 5);
	CHECK_EQ(s.bytes[0], 0x4000);
	CHECK_EQ(s.prp0[1], 0x204200);
	CHECK_EQ(s.bytes[1], 0x3e00);
}

static struct nvme_prp_cmd big;
static uint64_t lists[NVME_PRP_PAGES * 512];

TESTCASE(nvme_prp_list_chains_every_512)
{
	static const dma_addr_t list_dma[NVME_PRP_PAGES] = { 0xa000, 0xb000, 0xc000, 0xd000 };
	uint64_t prp2 = 0;

	memset(&big, 0, sizeof(big));
	big.nprp = 600;
	for (unsigned int i = 0; i < big.nprp; i++)
		big.prp[i] = 0x1000000 + i * 0x1000ull;
	memset(lists, 0, sizeof(lists));
	CHECK_EQ(nvme_prp_write_lists(&big, lists, list_dma, NVME_PRP_PAGES, &prp2), TG_OK);
	CHECK_EQ(prp2, 0xa000);
	CHECK_EQ(lists[0], big.prp[1]);
	CHECK_EQ(lists[510], big.prp[511]);
	CHECK_EQ(lists[511], 0xb000);		/* chain pointer */
	CHECK_EQ(lists[512], big.prp[512]);
	CHECK_EQ(lists[512 + 87], big.prp[599]);
	CHECK_EQ(lists[512 + 88], 0);

	/* 1 + 512 entries: the last slot holds the last entry, no chain. */
	big.nprp = 513;
	memset(lists, 0, sizeof(lists));
	CHECK_EQ(nvme_prp_write_lists(&big, lists, list_dma, NVME_PRP_PAGES, &prp2), TG_OK);
	CHECK_EQ(lists[511], big.prp[512]);
	CHECK_EQ(lists[512], 0);

	/* Two entries: PRP2 is the second data pointer, no list. */
	big.nprp = 2;
	CHECK_EQ(nvme_prp_write_lists(&big, lists, list_dma, NVME_PRP_PAGES, &prp2), TG_OK);
	CHECK_EQ(prp2, big.prp[1]);

	big.nprp = 600;
	CHECK_EQ(nvme_prp_write_lists(&big, lists, list_dma, 1, &prp2), TG_ERANGE);
	CHECK_EQ(nvme_prp_write_lists(&big, NULL, list_dma, 1, &prp2), TG_EINVAL);

	/* The splitter itself puts 600 pages in one command when MDTS allows. */
	struct seen s;
	struct dma_sg sg = seg(0x1000000, 600 * 0x1000, false);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(nvme_prp_split(&sg, 1, 512, 1024 * 0x1000, record, &s), TG_OK);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.nprp[0], 600);
}

TESTCASE(nvme_bad_input)
{
	struct seen s;
	struct dma_sg sg[2] = { seg(0x10000, 0x1000, false), seg(0x20000, 0, false) };
	static struct nvme n;
	uint16_t status;

	memset(&s, 0, sizeof(s));
	CHECK_EQ(nvme_prp_split(NULL, 1, 512, 0x4000, record, &s), TG_EINVAL);
	CHECK_EQ(nvme_prp_split(sg, 0, 512, 0x4000, record, &s), TG_EINVAL);
	CHECK_EQ(nvme_prp_split(sg, 1, 0, 0x4000, record, &s), TG_EINVAL);
	CHECK_EQ(nvme_prp_split(sg, 1, 768, 0x4000, record, &s), TG_EINVAL);
	CHECK_EQ(nvme_prp_split(sg, 1, 512, 0x4100, record, &s), TG_EINVAL);
	CHECK_EQ(nvme_prp_split(sg, 1, 512, 0x4000, NULL, &s), TG_EINVAL);
	CHECK_EQ(nvme_prp_split(sg, 2, 512, 0x4000, record, &s), TG_EINVAL);	/* empty entry */
	sg[0].dma_length = 0x1100;
	CHECK_EQ(nvme_prp_split(sg, 1, 512, 0x4000, record, &s), TG_EINVAL);	/* not whole blocks */
	CHECK_EQ(s.n, 0);

	memset(&n, 0, sizeof(n));
	CHECK_EQ(nvme_init(NULL, NULL, NULL), TG_EINVAL);
	CHECK_EQ(nvme_init(&n, NULL, NULL), TG_EINVAL);
	struct pci_dev *host_bridge = pci_find_id(0x1b36, 0x0008, NULL);
	if (host_bridge) {
		CHECK_EQ(nvme_init(&n, host_bridge, NULL), TG_EINVAL);
		CHECK(n.pci == NULL && n.regs == NULL);
		CHECK_EQ(ivshmem_init(NULL, host_bridge), TG_EINVAL);
	}
	CHECK_EQ(nvme_rw(&n, false, 0, sg, 1, NULL), TG_EINVAL);	/* not brought up */
	CHECK_EQ(nvme_rw_sg(&n, false, 0, sg, 1, NULL), TG_EINVAL);
	CHECK_EQ(nvme_rw_buf(&n, false, 0, 0x40000000, 512), TG_EINVAL);
	CHECK_EQ(nvme_io_raw(&n, false, 0, 1, 0x1000, 0, &status), TG_EINVAL);
	CHECK_EQ(nvme_io_raw(NULL, false, 0, 1, 0x1000, 0, &status), TG_EINVAL);
	CHECK_EQ(nvme_cmb_enable(NULL), TG_EINVAL);
	CHECK_EQ(nvme_cmb_enable(&n), TG_EINVAL);
	CHECK_EQ(nvme_use_irq(&n, 40, false), TG_EINVAL);
	nvme_shutdown(NULL);
	nvme_shutdown(&n);
}
