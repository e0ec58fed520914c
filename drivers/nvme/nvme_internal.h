/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the files of drivers/nvme/: not a public interface. */
#ifndef TOLLGATE_NVME_INTERNAL_H
#define TOLLGATE_NVME_INTERNAL_H

#include <tollgate/mmio.h>
#include <tollgate/nvme.h>

#include "nvme_regs.h"

#define NVME_WFI_SLICE_US	1000u		/* polling backstop period */
#define NVME_INTX_VECTOR	(1u << 0)	/* INTMS/INTMC bit of vector 0 */

static inline uint32_t nvme_rd32(const struct nvme *n, unsigned int off)
{
	return mmio_read32(n->regs + off);
}

static inline void nvme_wr32(struct nvme *n, unsigned int off, uint32_t v)
{
	mmio_write32(n->regs + off, v);
}

static inline uint64_t nvme_rd64(const struct nvme *n, unsigned int off)
{
	return mmio_read64(n->regs + off);
}

static inline void nvme_wr64(struct nvme *n, unsigned int off, uint64_t v)
{
	mmio_write64(n->regs + off, v);
}

/* nvme_queue.c: queue memory, submission and completion. */
int nvme_queue_alloc(struct nvme *n, struct nvme_queue *q, uint16_t qid, uint16_t depth);
void nvme_queue_free(struct nvme *n, struct nvme_queue *q);
/* One command, waited for (bounded); *status gets the 15-bit status field. */
int nvme_submit(struct nvme *n, struct nvme_queue *q, struct nvme_sqe *sqe, uint16_t *status,
		uint32_t *result);
/* Admin command; a non-zero status is logged and becomes TG_EIO. */
int nvme_admin_cmd(struct nvme *n, struct nvme_sqe *sqe, uint32_t *result);
/* Waits until the commands given up on have completed. */
int nvme_drain(struct nvme *n, struct nvme_queue *q);

/* nvme_irq.c */
void nvme_irq_rearm(struct nvme *n);
/* MSI-X, else MSI, else INTx (polling backstop always); and its undo. */
void nvme_setup_irq(struct nvme *n);
void nvme_release_irq(struct nvme *n);
void nvme_setup_intx(struct nvme *n);

#endif
