/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe controller bring-up, queues and commands (NVMe 1.4 7.6.1 for the
 * initialisation order).  Everything the controller reads or writes (queues,
 * identify data, PRP lists) is page-pool memory mapped through the DMA
 * layer, so a translated controller sees IOVAs only.
 *
 * Commands are issued one at a time per queue and waited for with a
 * deadline.  A command given up on may still complete later; its CQE is
 * recognised by its command identifier and skipped, so the queue state
 * never goes out of step with the controller.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/nvme.h>
#include <tollgate/p2p.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>
#include <tollgate/timer.h>

#include "nvme_regs.h"

#define NVME_BAR0_MIN		0x2000u		/* registers + first doorbells */
#define NVME_WFI_SLICE_US	1000u		/* polling backstop period */
#define NVME_TO_UNIT_US		500000u		/* CAP.TO unit */
#define NVME_INTX_VECTOR	(1u << 0)	/* INTMS/INTMC bit of vector 0 */

/* ---- registers ------------------------------------------------------------ */

static uint32_t rd32(const struct nvme *n, unsigned int off)
{
	return mmio_read32(n->regs + off);
}

static void wr32(struct nvme *n, unsigned int off, uint32_t v)
{
	mmio_write32(n->regs + off, v);
}

static uint64_t rd64(const struct nvme *n, unsigned int off)
{
	return mmio_read64(n->regs + off);
}

static void wr64(struct nvme *n, unsigned int off, uint64_t v)
{
	mmio_write64(n->regs + off, v);
}

/*
 * QEMU (like the spec's 32-bit host rules) acts on CMBMSC when its low
 * dword is written, using the high dword stored at that moment: a 32-bit
 * CPU writes the high half first.
 */
static void write_cmbmsc(struct nvme *n, uint64_t v)
{
#if UINTPTR_MAX > 0xffffffffu
	mmio_write64(n->regs + NVME_REG_CMBMSC, v);
#else
	mmio_write32(n->regs + NVME_REG_CMBMSC + 4, (uint32_t)(v >> 32));
	mmio_write32(n->regs + NVME_REG_CMBMSC, (uint32_t)v);
#endif
}

static int wait_ready(struct nvme *n, bool ready)
{
	uint32_t csts = 0;
	int err = tg_poll_until(((csts = rd32(n, NVME_REG_CSTS)) == 0xffffffffu) ||
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
	uint32_t cc = rd32(n, NVME_REG_CC);

	if (cc & NVME_CC_EN)
		wr32(n, NVME_REG_CC, cc & ~NVME_CC_EN);
	return wait_ready(n, false);
}

/* ---- interrupts --------------------------------------------------------------- */

static void nvme_irq(unsigned int intid, void *ctx)
{
	struct nvme *n = ctx;

	/* Pin-based: masking drops the level until the waiter re-arms it. */
	if (!n->irq_msix)
		wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	n->irq_seen++;
	n->cnt.irqs++;
}

static void irq_rearm(struct nvme *n)
{
	if (n->irq && !n->irq_msix)
		wr32(n, NVME_REG_INTMC, NVME_INTX_VECTOR);
}

int nvme_use_irq(struct nvme *n, unsigned int intid, bool msix)
{
	if (!n || !n->regs || !intid)
		return TG_EINVAL;
	if (!msix)
		wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	int err = irq_request(intid, msix || n->pci->intx_edge ? IRQ_TRIGGER_EDGE :
				     IRQ_TRIGGER_LEVEL, nvme_irq, n);
	if (err)
		return err;
	if (n->irq)
		irq_release(n->irq);
	n->irq = intid;
	n->irq_msix = msix;
	return TG_OK;
}

static void setup_intx(struct nvme *n)
{
	uint16_t cmd;

	wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	if (!n->pci->intx_intid)
		return;
	if (pci_cfg_read16(n->pci, PCI_COMMAND, &cmd) == TG_OK && (cmd & PCI_COMMAND_INTX_DISABLE))
		pci_cfg_write16(n->pci, PCI_COMMAND, cmd & ~PCI_COMMAND_INTX_DISABLE);
	int err = nvme_use_irq(n, n->pci->intx_intid, false);
	if (err)
		pr_info("nvme %s: INTx (INTID %u) unavailable (%s): polling completions\n", n->name,
			n->pci->intx_intid, tg_strerror(err));
}

/* ---- queues ----------------------------------------------------------------- */

static void queue_free(struct nvme *n, struct nvme_queue *q)
{
	size_t sq_bytes = (size_t)q->depth * sizeof(struct nvme_sqe);
	size_t cq_bytes = (size_t)q->depth * sizeof(struct nvme_cqe);

	if (q->sq_dma)
		dma_unmap_single(n->dd, q->sq_dma, sq_bytes, DMA_TO_DEVICE);
	if (q->cq_dma)
		dma_unmap_single(n->dd, q->cq_dma, cq_bytes, DMA_FROM_DEVICE);
	if (q->sq)
		page_free(q->sq, sq_bytes);
	if (q->cq)
		page_free(q->cq, cq_bytes);
	memset(q, 0, sizeof(*q));
}

static int queue_alloc(struct nvme *n, struct nvme_queue *q, uint16_t qid, uint16_t depth)
{
	size_t sq_bytes = (size_t)depth * sizeof(struct nvme_sqe);
	size_t cq_bytes = (size_t)depth * sizeof(struct nvme_cqe);
	uint32_t stride = 4u << NVME_CAP_DSTRD(n->cap);
	int err;

	memset(q, 0, sizeof(*q));
	q->qid = qid;
	q->depth = depth;
	q->phase = 1;
	q->sq = page_alloc(sq_bytes, 0, &q->sq_phys);
	q->cq = page_alloc(cq_bytes, 0, &q->cq_phys);
	if (!q->sq || !q->cq) {
		queue_free(n, q);
		return TG_ENOMEM;
	}
	err = dma_map_single(n->dd, q->sq_phys, sq_bytes, DMA_TO_DEVICE, &q->sq_dma);
	if (!err)
		err = dma_map_single(n->dd, q->cq_phys, cq_bytes, DMA_FROM_DEVICE, &q->cq_dma);
	if (err) {
		queue_free(n, q);
		return err;
	}
	q->sq_db = (volatile uint32_t *)(n->regs + NVME_REG_DBS + (2u * qid) * stride);
	q->cq_db = (volatile uint32_t *)(n->regs + NVME_REG_DBS + (2u * qid + 1) * stride);
	return TG_OK;
}

/* Takes the CQE at the head if the controller has written it. */
static bool cqe_pop(struct nvme *n, struct nvme_queue *q, struct nvme_cqe *out)
{
	volatile struct nvme_cqe *e = (volatile struct nvme_cqe *)q->cq + q->cq_head;

	dma_sync_for_cpu(n->dd, q->cq_phys + q->cq_head * sizeof(*e), sizeof(*e), DMA_FROM_DEVICE);
	uint16_t st = e->status;
	if ((st & 1) != q->phase)
		return false;
	out->result = e->result;
	out->sq_head = e->sq_head;
	out->sq_id = e->sq_id;
	out->cid = e->cid;
	out->status = st;
	if (++q->cq_head == q->depth) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	mmio_write32(q->cq_db, q->cq_head);
	return true;
}

static bool cqe_ready(struct nvme *n, struct nvme_queue *q)
{
	volatile struct nvme_cqe *e = (volatile struct nvme_cqe *)q->cq + q->cq_head;

	dma_sync_for_cpu(n->dd, q->cq_phys + q->cq_head * sizeof(*e), sizeof(*e), DMA_FROM_DEVICE);
	return (e->status & 1) == q->phase;
}

static void stale(struct nvme *n, struct nvme_queue *q)
{
	n->cnt.stale_cqes++;
	if (q->abandoned)
		q->abandoned--;
}

static void wait_slice(struct nvme *n, struct nvme_queue *q)
{
	if (n->irq) {
		irq_rearm(n);
		if (!cqe_ready(n, q))
			timer_wfi_bounded(NVME_WFI_SLICE_US);
	}
}

/* Waits until every command given up on has completed (their CQEs are
 * dropped): then nothing the controller was given is still in use. */
static int drain(struct nvme *n, struct nvme_queue *q)
{
	struct nvme_cqe cqe;
	struct tg_deadline d;

	tg_deadline_start(&d, n->cmd_timeout_us);
	while (q->abandoned) {
		if (cqe_pop(n, q, &cqe))
			stale(n, q);
		else if (tg_deadline_expired(&d))
			return TG_ETIMEDOUT;
		else
			wait_slice(n, q);
	}
	return TG_OK;
}

int nvme_quiesce(struct nvme *n)
{
	if (!n || !n->live)
		return TG_EINVAL;
	int err = drain(n, &n->io);
	return err ? err : drain(n, &n->admin);
}

/* Submits one command and waits for its completion; *status gets the
 * 15-bit status field. */
static int submit(struct nvme *n, struct nvme_queue *q, struct nvme_sqe *sqe, uint16_t *status,
		  uint32_t *result)
{
	struct nvme_sqe *slot = (struct nvme_sqe *)q->sq + q->sq_tail;
	struct nvme_cqe cqe;
	struct tg_deadline d;

	/* Abandoned commands still occupy the queue: never overrun it. */
	if (q->abandoned + 2u >= q->depth && drain(n, q))
		return TG_EBUSY;

	sqe->cid = n->next_cid++;
	memcpy(slot, sqe, sizeof(*sqe));
	dma_sync_for_device(n->dd, q->sq_phys + q->sq_tail * sizeof(*sqe), sizeof(*sqe),
			    DMA_TO_DEVICE);
	if (++q->sq_tail == q->depth)
		q->sq_tail = 0;
	arch_dsb();		/* the entry is in memory before the doorbell */
	mmio_write32(q->sq_db, q->sq_tail);
	n->cnt.commands++;

	unsigned long irqs = n->irq_seen;
	tg_deadline_start(&d, n->cmd_timeout_us);
	for (;;) {
		bool got = cqe_pop(n, q, &cqe);
		if (got && cqe.cid == sqe->cid) {
			if (n->irq_seen == irqs)
				n->cnt.polled++;
			*status = cqe.status >> 1;
			if (result)
				*result = cqe.result;
			return TG_OK;
		}
		if (got)
			stale(n, q);	/* an earlier command given up on */
		/* Checked after stale entries too: a device that keeps
		 * writing entries cannot hold us here. */
		if (tg_deadline_expired(&d)) {
			n->cnt.timeouts++;
			q->abandoned++;
			pr_err("nvme %s: command 0x%02x (cid %u, queue %u) timed out\n", n->name,
			       sqe->opcode, sqe->cid, q->qid);
			return TG_ETIMEDOUT;
		}
		if (!got)
			wait_slice(n, q);
	}
}

const char *nvme_status_str(uint16_t status)
{
	if (NVME_STATUS_SCT(status) == 0) {
		switch (NVME_STATUS_SC(status)) {
		case 0x00: return "success";
		case 0x01: return "invalid opcode";
		case 0x02: return "invalid field";
		case 0x04: return "data transfer error";
		case 0x0b: return "invalid namespace";
		case 0x12: return "invalid use of controller memory buffer";
		case 0x13: return "invalid PRP offset";
		case 0x80: return "LBA out of range";
		}
	}
	return "error";
}

static int admin_cmd(struct nvme *n, struct nvme_sqe *sqe, uint32_t *result)
{
	uint16_t status;
	int err = submit(n, &n->admin, sqe, &status, result);

	if (!err && status) {
		pr_err("nvme %s: admin command 0x%02x failed: status 0x%04x (%s)\n", n->name,
		       sqe->opcode, status, nvme_status_str(status));
		err = TG_EIO;
	}
	return err;
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
	int err = admin_cmd(n, &sqe, NULL);
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
	int err = queue_alloc(n, &n->io, 1, queue_depth(n));

	if (err)
		return err;
	struct nvme_sqe cq = { .opcode = NVME_ADMIN_CREATE_CQ, .prp1 = n->io.cq_dma,
			       .cdw10 = (uint32_t)(n->io.depth - 1) << 16 | n->io.qid,
			       .cdw11 = NVME_QUEUE_PC | NVME_CQ_IEN /* vector 0 */ };
	err = admin_cmd(n, &cq, NULL);
	if (err)
		return err;
	struct nvme_sqe sq = { .opcode = NVME_ADMIN_CREATE_SQ, .prp1 = n->io.sq_dma,
			       .cdw10 = (uint32_t)(n->io.depth - 1) << 16 | n->io.qid,
			       .cdw11 = (uint32_t)n->io.qid << 16 | NVME_QUEUE_PC };
	return admin_cmd(n, &sq, NULL);
}

/* ---- bring-up and teardown ---------------------------------------------------- */

void nvme_shutdown(struct nvme *n)
{
	if (!n || !n->pci)
		return;
	if (n->regs && rd32(n, NVME_REG_CSTS) != 0xffffffffu) {
		/* Stop all DMA before the memory it targets goes away. */
		disable_ctrl(n);
		wr32(n, NVME_REG_INTMS, NVME_INTX_VECTOR);
	}
	if (n->irq)
		irq_release(n->irq);
	n->irq = 0;
	if (n->dd) {
		queue_free(n, &n->io);
		queue_free(n, &n->admin);
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
	int err = queue_alloc(n, &n->admin, 0, queue_depth(n));

	if (err)
		return err;
	wr32(n, NVME_REG_AQA, (uint32_t)(n->admin.depth - 1) << 16 | (n->admin.depth - 1));
	wr64(n, NVME_REG_ASQ, n->admin.sq_dma);
	wr64(n, NVME_REG_ACQ, n->admin.cq_dma);
	arch_dsb();
	/* QEMU checks the I/O entry sizes at enable time: set them in the same write. */
	wr32(n, NVME_REG_CC, NVME_CC_EN | NVME_CC_CSS_NVM | NVME_CC_MPS(12) | NVME_CC_AMS_RR |
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
	n->cap = rd64(n, NVME_REG_CAP);
	n->vs = rd32(n, NVME_REG_VS);
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
		setup_intx(n);
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

/* ---- controller memory buffer --------------------------------------------------- */

int nvme_cmb_enable(struct nvme *n)
{
	if (!n || !n->live)
		return TG_EINVAL;
	if (!NVME_CAP_CMBS(n->cap))
		return TG_ENOTSUP;
	/* CRE alone first: CMBLOC/CMBSZ say which BAR before CBA can be chosen. */
	write_cmbmsc(n, NVME_CMBMSC_CRE);
	unsigned int loc = rd32(n, NVME_REG_CMBLOC), sz = rd32(n, NVME_REG_CMBSZ);
	if (loc == 0xffffffffu || sz == 0xffffffffu || !NVME_CMBSZ_SZ(sz)) {
		pr_err("nvme %s: CMBLOC 0x%x CMBSZ 0x%x: no usable CMB\n", n->name, loc, sz);
		return TG_ENOTSUP;
	}
	unsigned int bir = NVME_CMBLOC_BIR(loc);
	unsigned int szu = NVME_CMBSZ_SZU(sz);
	if (bir >= PCI_NUM_BARS || szu > 4)
		return TG_ENOTSUP;
	uint64_t unit = 4096ull << (4 * szu);
	uint64_t size = (uint64_t)NVME_CMBSZ_SZ(sz) * unit;
	uint64_t off = (uint64_t)NVME_CMBLOC_OFST(loc) * unit;
	const struct pci_bar *bar = &n->pci->bar[bir];
	if (!(bar->flags & PCI_BAR_ASSIGNED) || off >= bar->size || size > bar->size - off) {
		pr_err("nvme %s: CMB (BAR%u +0x%llx, %llu MiB) outside its BAR\n", n->name, bir,
		       (unsigned long long)off, (unsigned long long)(size >> 20));
		return TG_ENOTSUP;
	}
	/* The controller compares data pointers with CBA, a bus address. */
	uint64_t cba = bar->bus_addr + off;
	write_cmbmsc(n, (cba & NVME_CMBMSC_CBA_MASK) | NVME_CMBMSC_CMSE | NVME_CMBMSC_CRE);
	if (rd32(n, NVME_REG_CMBSTS) & NVME_CMBSTS_CBAI) {
		pr_err("nvme %s: controller refused CMB address 0x%llx\n", n->name,
		       (unsigned long long)cba);
		write_cmbmsc(n, 0);
		return TG_EIO;
	}
	n->cmb_va = ioremap(bar->cpu_addr + off, (size_t)size);
	if (!n->cmb_va) {
		write_cmbmsc(n, 0);
		return TG_ENOMEM;
	}
	n->cmb_bus = cba;
	n->cmb_cpu = bar->cpu_addr + off;
	n->cmb_size = size;
	/* Registered once per boot: providers cannot be unregistered. */
	struct p2p_provider *p = p2p_provider_of(n->cmb_cpu);
	int err = TG_OK;
	if (!p || p->pci != n->pci)
		err = p2p_provider_register(n->pci, bir, off,
					    size < NVME_CMB_P2P_SIZE ? size : NVME_CMB_P2P_SIZE, &p);
	if (err) {
		write_cmbmsc(n, 0);
		return err;
	}
	n->cmb_p2p = p;
	n->cmb_enabled = true;
	pr_info("nvme %s: CMB %llu MiB at bus 0x%llx (BAR%u), %s%s%s\n", n->name,
		(unsigned long long)(size >> 20), (unsigned long long)cba, bir,
		sz & NVME_CMBSZ_SQS ? "SQ " : "", sz & NVME_CMBSZ_RDS ? "read " : "",
		sz & NVME_CMBSZ_WDS ? "write data" : "");
	return TG_OK;
}

/* ---- I/O -------------------------------------------------------------------------- */

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
	return submit(n, &n->io, &sqe, status, NULL);
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
	int err = cmd->nprp > 2 ? drain(n, &n->io) : TG_OK;

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
