/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mapped segments -> NVMe commands with PRPs (NVMe 1.4 4.3).  A PRP entry
 * names at most one memory page; only a command's first entry may start
 * inside a page, and every entry but the last must reach the end of its
 * page.  So a command ends where the next page-sized piece cannot follow
 * (misaligned start, or the previous piece stopped short of its page
 * end), where the address kind changes (CMB bus addresses and host
 * addresses never share a command, 4.7), or at max_xfer (MDTS).  The LBA
 * of each command follows from the bytes before it, so every split must
 * fall on a block boundary.
 */
#include <stddef.h>

#include <tollgate/error.h>
#include <tollgate/nvme.h>

#define PAGE_MASK	((uint64_t)NVME_PAGE_SIZE - 1)

static struct nvme_prp_cmd cmd;	/* 16 KiB: not on the stack */

static int flush(nvme_prp_emit_t emit, void *ctx, uint32_t block)
{
	if (!cmd.nprp)
		return TG_OK;
	if (cmd.bytes % block)
		return TG_EINVAL;	/* the next command would start mid-block */
	int err = emit(ctx, &cmd);
	cmd.byte_off += cmd.bytes;
	cmd.bytes = 0;
	cmd.nprp = 0;
	return err;
}

int nvme_prp_split(const struct dma_sg *sg, unsigned int nsegs, uint32_t block,
		   uint32_t max_xfer, nvme_prp_emit_t emit, void *ctx)
{
	if (!sg || !nsegs || !emit || !block || (block & (block - 1)) || max_xfer < NVME_PAGE_SIZE ||
	    max_xfer % NVME_PAGE_SIZE || max_xfer % block)
		return TG_EINVAL;
	/* Whole blocks only, checked before any command is issued. */
	uint64_t total = 0;
	for (unsigned int i = 0; i < nsegs; i++) {
		if (!sg[i].dma_length)
			return TG_EINVAL;
		total += sg[i].dma_length;
	}
	if (total % block)
		return TG_EINVAL;

	cmd.byte_off = 0;
	cmd.bytes = 0;
	cmd.nprp = 0;
	bool ends_on_page = true;	/* the last piece reached its page end */
	int err = TG_OK;

	for (unsigned int i = 0; i < nsegs && !err; i++) {
		bool bus = sg[i].flags & DMA_SG_BUS_ADDRESS;
		uint64_t a = sg[i].dma_address;
		uint64_t left = sg[i].dma_length;

		while (left && !err) {
			uint64_t piece = NVME_PAGE_SIZE - (a & PAGE_MASK);
			if (piece > left)
				piece = left;
			bool joins = cmd.nprp && cmd.bus_addr == bus && !(a & PAGE_MASK) && ends_on_page &&
				     cmd.nprp < NVME_PRP_MAX_ENTRIES;
			if (!joins) {
				err = flush(emit, ctx, block);
				if (err)
					break;
				cmd.bus_addr = bus;
			}
			if (cmd.bytes + piece > max_xfer)
				piece = max_xfer - cmd.bytes;	/* MDTS: the rest starts the next command */
			cmd.prp[cmd.nprp++] = a;
			cmd.bytes += (uint32_t)piece;
			ends_on_page = !((a + piece) & PAGE_MASK);
			a += piece;
			left -= piece;
			if (cmd.bytes == max_xfer)
				err = flush(emit, ctx, block);
		}
	}
	if (!err)
		err = flush(emit, ctx, block);
	return err;
}

int nvme_prp_write_lists(const struct nvme_prp_cmd *c, uint64_t *lists,
			 const dma_addr_t *list_dma, unsigned int npages, uint64_t *prp2)
{
	const unsigned int per_page = NVME_PAGE_SIZE / 8;

	if (!c || !prp2 || !c->nprp)
		return TG_EINVAL;
	if (c->nprp == 1) {
		*prp2 = 0;
		return TG_OK;
	}
	if (c->nprp == 2) {
		*prp2 = c->prp[1];	/* a second data pointer, no list */
		return TG_OK;
	}
	if (!lists || !list_dma)
		return TG_EINVAL;
	unsigned int page = 0, slot = 0;
	for (unsigned int i = 1; i < c->nprp; i++) {
		/* The last slot of a full page chains to the next page,
		 * unless exactly one entry remains: then it is that entry. */
		if (slot == per_page - 1 && i != c->nprp - 1) {
			if (page + 1 >= npages)
				return TG_ERANGE;
			lists[page * per_page + slot] = list_dma[page + 1];
			page++;
			slot = 0;
		}
		lists[page * per_page + slot++] = c->prp[i];
	}
	*prp2 = list_dma[0];
	return TG_OK;
}
