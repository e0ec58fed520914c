/* SPDX-License-Identifier: BSD-3-Clause */
/* State of one SMMUv3 instance, shared by the files of iommu/. */
#ifndef TOLLGATE_SMMU_INTERNAL_H
#define TOLLGATE_SMMU_INTERNAL_H

#include <tollgate/smmu.h>

#include "smmu_desc.h"

#define SMMU_CMDQ_LOG2		8	/* 256 commands: 4 KiB */
#define SMMU_EVTQ_LOG2		12	/* 4096 events: 128 KiB (faults come in bursts) */
#define SMMU_L2_SPLIT		8	/* one level-2 table of 256 STEs per PCI bus */
#define SMMU_LINEAR_MAX_BITS	10	/* linear table up to 64 KiB */

struct smmu_queue {
	void *base;
	uint64_t phys;
	unsigned int log2;
	unsigned int entry_bytes;
	uint32_t prod, cons;	/* index + wrap bit, as in the registers */
	uint32_t prod_reg, cons_reg;
};

struct smmu {
	volatile uint8_t *regs;
	uint64_t phys;
	int node;
	char name[32];		/* "9050000.smmuv3", as Linux names it */
	uint32_t idr[6];
	struct smmu_features feat;
	bool noncoherent;	/* clean/invalidate tables and queues */
	bool page0_only;	/* EVTQ PROD/CONS not in page 1 (quirk) */
	/* Stream table */
	bool st_2lvl;
	unsigned int st_bits;	/* SIDs covered */
	uint64_t *strtab;	/* linear STEs or level-1 descriptors */
	uint64_t strtab_phys;
	size_t strtab_bytes;
	struct smmu_ste *l2[1u << (16 - SMMU_L2_SPLIT)];
	/* Queues */
	struct smmu_queue cmdq, evtq;
	unsigned int irq_evtq, irq_gerror, irq_sync;
	uint32_t gerrorn;	/* last acknowledged GERROR value */
	struct smmu_counters cnt;
	/* Log rate limit: a faulting DMA is split into many accesses, each an event. */
	unsigned int last_evt_type, evt_repeats, evt_suppressed;
	uint32_t last_evt_sid;
	smmu_fault_handler_t fault_fn;
	void *fault_ctx;
};

uint32_t smmu_read32(struct smmu *smmu, uint32_t off);
void smmu_write32(struct smmu *smmu, uint32_t off, uint32_t val);
void smmu_write64(struct smmu *smmu, uint32_t off, uint64_t val);
/* Makes CPU writes of a table visible to a non-coherent SMMU. */
void smmu_flush(struct smmu *smmu, const void *p, size_t len);

/*
 * Below, every function but the *_init ones expects the core lock
 * (plat_lock_irqsave) held by its caller: the public entry points take it
 * once and call only these, so it never nests.
 */

/* Command queue (smmu_cmdq.c). */
int smmu_cmdq_issue(struct smmu *smmu, const struct smmu_cmd *cmds, unsigned int n);
/* n commands and a CMD_SYNC behind them with one PROD write; waits for the SYNC. */
int smmu_cmdq_issue_sync(struct smmu *smmu, const struct smmu_cmd *cmds, unsigned int n);
void smmu_cmdq_handle_error(struct smmu *smmu);

/* Event queue and global errors (smmu_evtq.c). */
int smmu_evtq_init(struct smmu *smmu);
void smmu_gerror_handle(struct smmu *smmu);

/* Domains (smmu_domain.c). */
void smmu_domain_report_fault(struct smmu *smmu, const struct smmu_fault *f);

/* Stream table (smmu_strtab.c). */
int smmu_strtab_init(struct smmu *smmu);
int smmu_ste_write(struct smmu *smmu, uint32_t sid, const struct smmu_ste *ste);
int smmu_stream_bypass_locked(struct smmu *smmu, uint32_t sid);
int smmu_stream_abort_locked(struct smmu *smmu, uint32_t sid);

#endif
