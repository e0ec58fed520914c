/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reads and writes: mapped scatterlist segments become PRP commands
 * (nvme_prp.c), issued one by one on the I/O queue, each at the LBA its
 * bytes start at.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>

#include "nvme_internal.h"

int nvme_io_raw(struct nvme *n, bool write, uint64_t lba, uint32_t nlb, uint64_t prp1,
		uint64_t prp2, uint16_t *status)
{
	if (!n || !n->live || !status || !nlb || nlb > 0x10000 || lba >= n->ns_blocks ||
	    nlb > n->ns_blocks - lba)
		return TG_EINVAL;
	struct nvme_sqe sqe = { .opcode = write ? NVME_CMD_WRITE : NVME_CMD_READ, .nsid = 1,
				.prp1 = prp1, .prp2 = prp2, .cdw10 = (uint32_t)lba,
				.cdw11 = (uint32_t)(lba >> 32), .cdw12 = nlb - 1 };
	n->cnt.io_commands++;
	return nvme_submit(n, &n->io, &sqe, status, NULL);
}

struct rw_ctx {
	struct nvme *n;
	bool write;
	uint64_t lba;
	unsigned int commands;
};

static int emit_cmd(void *p, const struct nvme_prp_cmd *cmd)
{
	struct rw_ctx *c = p;
	struct nvme *n = c->n;
	uint64_t prp2;
	uint16_t status;
	/* The list pages are shared: a command given up on may still read them. */
	int err = cmd->nprp > 2 ? nvme_drain(n, &n->io) : TG_OK;

	if (!err)
		err = nvme_prp_write_lists(cmd, n->prp_pages, n->prp_dma, NVME_PRP_PAGES, &prp2);
	if (err)
		return err;
	if (cmd->nprp > 2)
		dma_sync_for_device(n->dd, n->prp_phys, NVME_PRP_PAGES * NVME_PAGE_SIZE, DMA_TO_DEVICE);
	err = nvme_io_raw(n, c->write, c->lba + (cmd->byte_off >> n->lba_shift),
			  cmd->bytes >> n->lba_shift, cmd->prp[0], prp2, &status);
	c->commands++;
	if (!err && status) {
		pr_err("nvme %s: %s of %u blocks at LBA %llu (%s) failed: status 0x%04x (%s)\n",
		       n->name, c->write ? "write" : "read", (unsigned int)(cmd->bytes >> n->lba_shift),
		       (unsigned long long)(c->lba + (cmd->byte_off >> n->lba_shift)),
		       cmd->bus_addr ? "CMB" : "host", status, nvme_status_str(status));
		err = TG_EIO;
	}
	return err;
}

int nvme_rw(struct nvme *n, bool write, uint64_t lba, const struct dma_sg *sg,
	    unsigned int nsegs, unsigned int *commands)
{
	if (commands)
		*commands = 0;
	if (!n || !n->live || !sg || !nsegs)
		return TG_EINVAL;
	uint64_t total = 0;
	for (unsigned int i = 0; i < nsegs; i++)
		total += sg[i].dma_length;
	if (!total || total & (n->lba_size - 1) || lba >= n->ns_blocks ||
	    (total >> n->lba_shift) > n->ns_blocks - lba)
		return TG_EINVAL;
	struct rw_ctx c = { n, write, lba, 0 };
	int err = nvme_prp_split(sg, nsegs, n->lba_size, n->max_xfer, emit_cmd, &c);
	if (commands)
		*commands = c.commands;
	return err;
}

int nvme_rw_sg(struct nvme *n, bool write, uint64_t lba, struct dma_sg *sg,
	       unsigned int nents, unsigned int *commands)
{
	if (commands)
		*commands = 0;
	if (!n || !n->live || !sg || !nents)
		return TG_EINVAL;
	enum dma_dir dir = write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	int nsegs = dma_map_sg(n->dd, sg, nents, dir);
	if (nsegs < 0)
		return nsegs;
	int err = nvme_rw(n, write, lba, sg, (unsigned int)nsegs, commands);
	int uerr = dma_unmap_sg(n->dd, sg, nents, dir);
	return err ? err : uerr;
}

int nvme_rw_buf(struct nvme *n, bool write, uint64_t lba, uint64_t phys, uint32_t len)
{
	if (!n || !n->live || !len)
		return TG_EINVAL;
	enum dma_dir dir = write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	struct dma_sg seg = { .phys = phys, .length = len, .dma_length = len };
	int err = dma_map_single(n->dd, phys, len, dir, &seg.dma_address);
	if (err)
		return err;
	err = nvme_rw(n, write, lba, &seg, 1, NULL);
	int uerr = dma_unmap_single(n->dd, seg.dma_address, len, dir);
	return err ? err : uerr;
}
