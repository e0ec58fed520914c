/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bring-up of an SMMU queue (IHI 0070 3.5): the command queue and the
 * event queue are programmed the same way, by one function (iommu/smmu.c).
 */
#ifndef TOLLGATE_SMMU_QUEUE_H
#define TOLLGATE_SMMU_QUEUE_H

#include <stdint.h>

#include "smmu_internal.h"

/*
 * Allocates 2^min(log2, max_log2) entries of entry_bytes, aligned to the
 * queue's size (6.3.26, 6.3.29), points the queue's base register at
 * them and zeroes PROD (prod_reg) and CONS (the register after it).
 * TG_ENOMEM when out of memory, nothing programmed then.
 */
int smmu_queue_init(struct smmu *smmu, struct smmu_queue *q, unsigned int log2,
		    unsigned int max_log2, unsigned int entry_bytes, uint32_t base_reg,
		    uint32_t prod_reg);

#endif
