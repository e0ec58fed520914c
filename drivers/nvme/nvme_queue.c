/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue pairs (NVMe 1.4 4.1): memory from the page pool mapped through the
 * DMA layer, doorbells, and one command at a time per queue, waited for
 * with a deadline.  A command given up on may still complete later; its
 * CQE is recognised by its command identifier and dropped, so the queue
 * never goes out of step with the controller, and the queue is never
 * filled with such commands.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/timer.h>

#include "nvme_internal.h"

void nvme_queue_free(struct nvme *n, struct nvme_queue *q)
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

int nvme_queue_alloc(struct nvme *n, struct nvme_queue *q, uint16_t qid, uint16_t depth)
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
		nvme_queue_free(n, q);
		return TG_ENOMEM;
	}
	err = dma_map_single(n->dd, q->sq_phys, sq_bytes, DMA_TO_DEVICE, &q->sq_dma);
	if (!err)
		err = dma_map_single(n->dd, q->cq_phys, cq_bytes, DMA_FROM_DEVICE, &q->cq_dma);
	if (err) {
		nvme_queue_free(n, q);
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
		nvme_irq_rearm(n);
		if (!cqe_ready(n, q))
			timer_wfi_bounded(NVME_WFI_SLICE_US);
	}
}

/* Waits until every command given up on has completed (their CQEs are
 * dropped): then nothing the controller was given is still in use. */
int nvme_drain(struct nvme *n, struct nvme_queue *q)
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
	int err = nvme_drain(n, &n->io);
	return err ? err : nvme_drain(n, &n->admin);
}

/* Submits one command and waits for its completion; *status gets the
 * 15-bit status field. */
int nvme_submit(struct nvme *n, struct nvme_queue *q, struct nvme_sqe *sqe, uint16_t *status,
		  uint32_t *result)
{
	struct nvme_sqe *slot = (struct nvme_sqe *)q->sq + q->sq_tail;
	struct nvme_cqe cqe;
	struct tg_deadline d;

	/* Abandoned commands still occupy the queue: never overrun it. */
	if (q->abandoned + 2u >= q->depth && nvme_drain(n, q))
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

int nvme_admin_cmd(struct nvme *n, struct nvme_sqe *sqe, uint32_t *result)
{
	uint16_t status;
	int err = nvme_submit(n, &n->admin, sqe, &status, result);

	if (!err && status) {
		pr_err("nvme %s: admin command 0x%02x failed: status 0x%04x (%s)\n", n->name,
		       sqe->opcode, status, nvme_status_str(status));
		err = TG_EIO;
	}
	return err;
}
