/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe controller bring-up and teardown (NVMe 1.4 7.6.1 for the
 * initialisation order).  Everything the controller reads or writes (queues,
 * identify data, PRP lists) is page-pool memory mapped through the DMA
 * layer, so a translated controller sees IOVAs only.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/timer.h>

#include "nvme_internal.h"

#define NVME_BAR0_MIN		0x2000u		/* registers + first doorbells */
#define NVME_TO_UNIT_US		500000u		/* CAP.TO unit */

static int wait_ready(struct nvme *n, bool ready)
{
	uint32_t csts = 0;
	int err = tg_poll_until(((csts = nvme_rd32(n, NVME_REG_CSTS)) == 0xffffffffu) ||
				(csts & NVME_CSTS_CFS) ||
				!!(csts & NVME_CSTS_RDY) == ready, n->timeout_us);

	if (csts == 0xffffffffu) {
		pr_err("nvme %s: CSTS reads all-ones: controller gone\n", n->name);
		return TG_EIO;
	}
	if (csts & NVME_CSTS_CFS) {
		pr_err("nvme %s: controller fatal status (CSTS 0x%x)\n", n->name, (unsigned int)csts);
		return TG_EIO;
	}
	if (err)
		pr_err("nvme %s: CSTS.RDY did not become %d within %u ms\n", n->name, ready,
		       (unsigned int)(n->timeout_us / 1000));
	return err;
}

static int disable_ctrl(struct nvme *n)
{
	uint32_t cc = nvme_rd32(n, NVME_REG_CC);

	if (cc & NVME_CC_EN)
		nvme_wr32(n, NVME_REG_CC, cc & ~NVME_CC_EN);
	return wait_ready(n, false);
}

/* ---- identify ------------------------------------------------------------------ */

static void copy_ascii(char *dst, const uint8_t *src, size_t len)
{
	size_t end = len;

	for (size_t i = 0; i < len; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	while (end && dst[end - 1] == ' ')
		end--;		/* fields are space padded */
	dst[end] = 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int identify(struct nvme *n, uint32_t cns, uint32_t nsid)
{
	struct nvme_sqe sqe = { .opcode = NVME_ADMIN_IDENTIFY, .nsid = nsid,
				.prp1 = n->idbuf_dma, .cdw10 = cns };

	memset(n->idbuf, 0, NVME_PAGE_SIZE);
	dma_sync_for_device(n->dd, n->idbuf_phys, NVME_PAGE_SIZE, DMA_FROM_DEVICE);
	int err = nvme_admin_cmd(n, &sqe, NULL);
	dma_sync_for_cpu(n->dd, n->idbuf_phys, NVME_PAGE_SIZE, DMA_FROM_DEVICE);
	return err;
}

static int identify_all(struct nvme *n)
{
	const uint8_t *id = n->idbuf;
	int err = identify(n, NVME_CNS_CONTROLLER, 0);

	if (err)
		return err;
	copy_ascii(n->serial, id + NVME_IDC_SN, 20);
	copy_ascii(n->model, id + NVME_IDC_MN, 40);
	copy_ascii(n->firmware, id + NVME_IDC_FR, 8);
	n->nn = le32(id + NVME_IDC_NN);
	uint8_t mdts = id[NVME_IDC_MDTS];
	uint32_t pool = (NVME_PRP_MAX_ENTRIES - 1) * NVME_PAGE_SIZE;
	n->max_xfer = pool;
	/* MDTS is in units of the minimum page size (CAP.MPSMIN). */
	uint32_t mps = NVME_PAGE_SIZE << NVME_CAP_MPSMIN(n->cap);
	if (mdts && mdts < 20 && ((uint64_t)mps << mdts) < pool)
		n->max_xfer = mps << mdts;
	if (n->nn == 0 || n->nn == 0xffffffffu) {
		pr_err("nvme %s: implausible namespace count %u\n", n->name, n->nn);
		return TG_EIO;
	}

	/* NN is the highest ID the controller supports; count the active ones. */
	err = identify(n, NVME_CNS_ACTIVE_NS, 0);
	if (err)
		return err;
	n->nn = 0;
	for (unsigned int i = 0; i < NVME_PAGE_SIZE / 4 && le32(id + 4 * i); i++)
		n->nn++;
	if (!n->nn) {
		pr_err("nvme %s: no active namespace\n", n->name);
		return TG_ENOENT;
	}
	err = identify(n, NVME_CNS_NAMESPACE, 1);
	if (err)
		return err;
	n->ns_blocks = (uint64_t)le32(id + NVME_IDNS_NSZE) | (uint64_t)le32(id + NVME_IDNS_NSZE + 4) << 32;
	unsigned int fmt = id[NVME_IDNS_FLBAS] & 0xf;
	if (fmt > id[NVME_IDNS_NLBAF]) {
		pr_err("nvme %s: namespace 1 uses LBA format %u of %u\n", n->name, fmt,
		       id[NVME_IDNS_NLBAF] + 1u);
		return TG_EIO;
	}
	n->lba_shift = id[NVME_IDNS_LBAF + 4 * fmt + 2];
	if (n->lba_shift < 9 || n->lba_shift > 12) {
		pr_err("nvme %s: namespace 1 LBA size 2^%u not supported\n", n->name, n->lba_shift);
		return TG_ENOTSUP;
	}
	n->lba_size = 1u << n->lba_shift;
	return TG_OK;
}

/* CAP.MQES is 0's based; a controller may allow fewer entries than we like. */
static uint16_t queue_depth(const struct nvme *n)
{
	uint32_t max = NVME_CAP_MQES(n->cap) + 1;

	return (uint16_t)(max < NVME_QUEUE_DEPTH ? max : NVME_QUEUE_DEPTH);
}

static int create_io_queues(struct nvme *n)
{
	int err = nvme_queue_alloc(n, &n->io, 1, queue_depth(n));

	if (err)
		return err;
	struct nvme_sqe cq = { .opcode = NVME_ADMIN_CREATE_CQ, .prp1 = n->io.cq_dma,
			       .cdw10 = (uint32_t)(n->io.depth - 1) << 16 | n->io.qid,
			       .cdw11 = NVME_QUEUE_PC | NVME_CQ_IEN /* vector 0 */ };
	err = nvme_admin_cmd(n, &cq, NULL);
	if (err)
		return err;
	struct nvme_sqe sq = { .opcode = NVME_ADMIN_CREATE_SQ, .prp1 = n->io.sq_dma,
			       .cdw10 = (uint32_t)(n->io.depth - 1) << 16 | n->io.qid,
			       .cdw11 = (uint32_t)n->io.qid << 16 | NVME_QUEUE_PC };
	return nvme_admin_cmd(n, &sq, NULL);
}
/* ---- bring-up and teardown ---------------------------------------------------- */

void nvme_shutdown(struct nvme *n)
{
	if (!n || !n->pci)
		return;
	if (n->regs && nvme_rd32(n, NVME_REG_CSTS) != 0xffffffffu) {
		/* Stop all DMA before the memory it targets goes away. */
		disable_ctrl(n);
		nvme_wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	}
	nvme_release_irq(n);
	if (n->dd) {
		nvme_queue_free(n, &n->io);
		nvme_queue_free(n, &n->admin);
		for (unsigned int i = 0; i < NVME_PRP_PAGES; i++)
			if (n->prp_dma[i])
				dma_unmap_single(n->dd, n->prp_dma[i], NVME_PAGE_SIZE, DMA_TO_DEVICE);
		if (n->idbuf_dma)
			dma_unmap_single(n->dd, n->idbuf_dma, NVME_PAGE_SIZE, DMA_FROM_DEVICE);
	}
	if (n->prp_pages)
		page_free(n->prp_pages, NVME_PRP_PAGES * NVME_PAGE_SIZE);
	if (n->idbuf)
		page_free(n->idbuf, NVME_PAGE_SIZE);
	if (n->own_dma)
		dma_dev_release(&n->own_dd);
	n->prp_pages = NULL;
	n->idbuf = NULL;
	n->idbuf_dma = 0;
	memset(n->prp_dma, 0, sizeof(n->prp_dma));
	n->dd = NULL;
	n->own_dma = false;
	n->live = false;
}

static int alloc_buffers(struct nvme *n)
{
	n->prp_pages = page_alloc(NVME_PRP_PAGES * NVME_PAGE_SIZE, 0, &n->prp_phys);
	n->idbuf = page_alloc(NVME_PAGE_SIZE, 0, &n->idbuf_phys);
	if (!n->prp_pages || !n->idbuf)
		return TG_ENOMEM;
	int err = dma_map_single(n->dd, n->idbuf_phys, NVME_PAGE_SIZE, DMA_FROM_DEVICE,
				 &n->idbuf_dma);
	/* One mapping per list page: the chain pointers name each page. */
	for (unsigned int i = 0; !err && i < NVME_PRP_PAGES; i++)
		err = dma_map_single(n->dd, n->prp_phys + i * NVME_PAGE_SIZE, NVME_PAGE_SIZE,
				     DMA_TO_DEVICE, &n->prp_dma[i]);
	return err;
}

static int enable_ctrl(struct nvme *n)
{
	int err = nvme_queue_alloc(n, &n->admin, 0, queue_depth(n));

	if (err)
		return err;
	nvme_wr32(n, NVME_REG_AQA, (uint32_t)(n->admin.depth - 1) << 16 | (n->admin.depth - 1));
	nvme_wr64(n, NVME_REG_ASQ, n->admin.sq_dma);
	nvme_wr64(n, NVME_REG_ACQ, n->admin.cq_dma);
	arch_dsb();
	/* QEMU checks the I/O entry sizes at enable time: set them in the same write. */
	nvme_wr32(n, NVME_REG_CC, NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS(12) | NVME_CC_AMS_RR |
				     NVME_CC_IOSQES(NVME_SQES_LOG2) | NVME_CC_IOCQES(NVME_CQES_LOG2));
	return wait_ready(n, true);
}

static void size_str(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		tg_snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ull << 20))
		tg_snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else
		tg_snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
}

int nvme_init(struct nvme *n, struct pci_dev *pci, struct dma_dev *dd)
{
	if (!n || !pci)
		return TG_EINVAL;
	/* Class 01:08:02 (NVM Express) covers other vendors' controllers too. */
	if (!(pci->vendor == NVME_VENDOR_QEMU && pci->device == NVME_DEVICE_QEMU) &&
	    (pci->class >> 8) != 0x0108)
		return TG_EINVAL;
	memset(n, 0, sizeof(*n));
	n->pci = pci;
	n->cmd_timeout_us = NVME_CMD_TIMEOUT_US;
	pci_dev_name(pci, n->name, sizeof(n->name));
	const struct pci_bar *bar = &pci->bar[0];
	if (!(bar->flags & PCI_BAR_ASSIGNED) || (bar->flags & PCI_BAR_IO) || bar->size < NVME_BAR0_MIN) {
		pr_err("nvme %s: BAR0 not assigned\n", n->name);
		n->pci = NULL;
		return TG_ENOENT;
	}
	n->regs = ioremap(bar->cpu_addr, (size_t)bar->size);
	if (!n->regs) {
		n->pci = NULL;
		return TG_ENOMEM;
	}
	n->cap = nvme_rd64(n, NVME_REG_CAP);
	n->vs = nvme_rd32(n, NVME_REG_VS);
	if (n->cap == ~0ull || n->vs == 0xffffffffu) {
		pr_err("nvme %s: registers read all-ones: device not responding\n", n->name);
		n->pci = NULL;
		return TG_EIO;
	}
	n->timeout_us = NVME_CAP_TO(n->cap) ? NVME_CAP_TO(n->cap) * NVME_TO_UNIT_US : NVME_TO_UNIT_US;
	if (!NVME_CAP_CSS_NVM(n->cap) || NVME_CAP_MPSMIN(n->cap) != 0 || NVME_CAP_MQES(n->cap) < 1) {
		pr_err("nvme %s: CAP 0x%016llx: no NVM command set or 4 KiB pages\n", n->name,
		       (unsigned long long)n->cap);
		n->pci = NULL;
		return TG_ENOTSUP;
	}

	int err = TG_OK;
	if (dd) {
		n->dd = dd;
	} else {
		err = dma_dev_init(&n->own_dd, pci, ~0ull);
		if (!err) {
			n->dd = &n->own_dd;
			n->own_dma = true;
		}
	}
	if (!err)
		err = disable_ctrl(n);
	if (!err)
		err = pci_set_master(pci, true);
	if (!err)
		err = alloc_buffers(n);
	if (!err)
		err = enable_ctrl(n);
	if (!err) {
		nvme_setup_irq(n);
		err = identify_all(n);
	}
	if (!err)
		err = create_io_queues(n);
	if (err) {
		pr_err("nvme %s: bring-up failed: %s\n", n->name, tg_strerror(err));
		nvme_shutdown(n);
		n->pci = NULL;
		return err;
	}
	n->live = true;
	char size[24];
	size_str(size, sizeof(size), n->ns_blocks << n->lba_shift);
	pr_info("nvme %s: %s, serial %s, %u namespace%s, %s, %u-byte LBAs\n", n->name, n->model,
		n->serial, (unsigned int)n->nn, n->nn == 1 ? "" : "s", size, (unsigned int)n->lba_size);
	return TG_OK;
}
