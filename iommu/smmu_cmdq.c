/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command queue (IHI 0070 3.5, 4): a circular buffer the CPU produces into
 * and the SMMU consumes.  Many commands cost one PROD write; completion is
 * a CMD_SYNC whose consumption is polled on CONS, with the wrap bit
 * compared and the wait bounded by the timer.
 */
#include <string.h>

#include <tollgate/compiler.h>
#include <tollgate/barrier.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/platform.h>
#include <tollgate/poll.h>

#include "smmu_internal.h"
#include "smmu_regs.h"

#define SYNC_TIMEOUT_US	1000000

static uint32_t q_index(const struct smmu_queue *q, uint32_t v)
{
	return v & ((1u << q->log2) - 1);
}

static uint32_t q_wrap(const struct smmu_queue *q, uint32_t v)
{
	return v & (1u << q->log2);
}

static uint32_t q_inc(const struct smmu_queue *q, uint32_t v)
{
	return (v + 1) & ((2u << q->log2) - 1);
}

static bool q_full(const struct smmu_queue *q, uint32_t prod, uint32_t cons)
{
	return q_index(q, prod) == q_index(q, cons) && q_wrap(q, prod) != q_wrap(q, cons);
}

/* True once the SMMU has consumed the entry at `pos` (wrap bit included). */
static bool q_consumed(const struct smmu_queue *q, uint32_t pos, uint32_t cons)
{
	if (q_wrap(q, pos) == q_wrap(q, cons))
		return q_index(q, cons) > q_index(q, pos);
	return q_index(q, cons) <= q_index(q, pos);
}

static const char *cerror_name(unsigned err)
{
	switch (err) {
	case CMDQ_ERR_ILL: return "CERROR_ILL (illegal command)";
	case CMDQ_ERR_ABT: return "CERROR_ABT (abort reading the command)";
	case CMDQ_ERR_ATC_INV_SYNC: return "CERROR_ATC_INV_SYNC (ATC invalidation timed out)";
	default: return "CERROR_NONE";
	}
}

/*
 * GERROR.CMDQ_ERR: the queue stopped at the bad command (CONS points at
 * it).  Report it, overwrite it with a harmless CMD_SYNC so the queue can
 * resume, and acknowledge the error (IHI 0070 7.1).
 */
void smmu_cmdq_handle_error(struct smmu *smmu)
{
	struct smmu_queue *q = &smmu->cmdq;
	uint32_t cons = smmu_read32(smmu, SMMU_CMDQ_CONS);
	unsigned err = (unsigned)CMDQ_CONS_ERR(cons);
	struct smmu_cmd *bad = (struct smmu_cmd *)q->base + q_index(q, cons);

	/* Nothing to repair when the queue did not stop (an error already dealt with). */
	if (err == CMDQ_ERR_NONE)
		return;
	smmu->cnt.cmd_errors++;
	pr_err("arm-smmu-v3 %s: command queue error %s at index %u: %016llx %016llx; skipped\n",
	       smmu->name, cerror_name(err), (unsigned)q_index(q, cons),
	       (unsigned long long)bad->w[0], (unsigned long long)bad->w[1]);
	bad->w[0] = CMD_SYNC;
	bad->w[1] = 0;
	smmu_flush(smmu, bad, sizeof(*bad));
}

/* Entries in use, from the cached PROD and CONS (index + wrap bit each). */
static uint32_t q_used(const struct smmu_queue *q)
{
	return (q->prod - q->cons) & ((2u << q->log2) - 1);
}

/* One command at a time, waiting (bounded) for room whenever the queue is full. */
static TG_COLD int issue_waiting(struct smmu *smmu, const struct smmu_cmd *cmds, unsigned int n)
{
	struct smmu_queue *q = &smmu->cmdq;
	for (unsigned int i = 0; i < n; i++) {
		/* Room for one more: wait for the SMMU to consume (bounded). */
		if (q_full(q, q->prod, q->cons)) {
			arch_dsb();	/* the commands before PROD moves */
			smmu_write32(smmu, q->prod_reg, q->prod);
			/* A queue stopped on a bad command never drains: repair it on the way. */
			int ok = tg_poll_until(({
				if ((smmu_read32(smmu, SMMU_GERROR) ^ smmu->gerrorn) & GERROR_CMDQ_ERR)
					smmu_gerror_handle(smmu);
				q->cons = smmu_read32(smmu, q->cons_reg) & ((2u << q->log2) - 1);
				!q_full(q, q->prod, q->cons);
			}), SYNC_TIMEOUT_US);
			if (ok != TG_OK) {
				pr_err("arm-smmu-v3 %s: command queue full, SMMU not consuming\n",
				       smmu->name);
				return TG_ETIMEDOUT;
			}
		}
		struct smmu_cmd *slot = (struct smmu_cmd *)q->base + q_index(q, q->prod);
		*slot = cmds[i];
		smmu_flush(smmu, slot, sizeof(*slot));
		q->prod = q_inc(q, q->prod);
		smmu->cnt.commands++;
	}
	return TG_OK;
}

/* A non-coherent SMMU reads the queue from memory: clean slots [from, to) (wrap included). */
static TG_COLD void flush_slots(struct smmu *smmu, uint32_t from, uint32_t to)
{
	struct smmu_queue *q = &smmu->cmdq;
	struct smmu_cmd *base = q->base;

	for (uint32_t p = from; p != to; p = q_inc(q, p))
		smmu_flush(smmu, &base[q_index(q, p)], sizeof(*base));
}

/*
 * CMD_SYNC completion written back into the queue (IHI 0070 4.7.3): the
 * SYNC's MSI targets its own slot with data 0, so the opcode word turns to
 * zero when every earlier command has completed.  Only for a coherent SMMU
 * with MSI support; it saves the CONS register reads of the polling path.
 */
static bool sync_by_msi(const struct smmu *smmu)
{
	return smmu->feat.msi && !smmu->noncoherent;
}

/* The CMD_SYNC for queue position pos. */
static inline struct smmu_cmd sync_cmd(const struct smmu *smmu, uint32_t pos)
{
	const struct smmu_queue *q = &smmu->cmdq;

	if (!sync_by_msi(smmu))
		return (struct smmu_cmd){ { CMD_SYNC | CMD_SYNC_CS(CMD_SYNC_CS_NONE), 0 } };
	/* The MSI is written only for CS = SIG_IRQ (IHI 0070 4.7.3). */
	return (struct smmu_cmd){ {
		CMD_SYNC | CMD_SYNC_CS(CMD_SYNC_CS_IRQ) | CMD_SYNC_MSH_ISH | CMD_SYNC_MSIATTR_WB |
			CMD_SYNC_MSIDATA(0),
		(q->phys + (uint64_t)q_index(q, pos) * sizeof(struct smmu_cmd)) &
			CMD_SYNC_MSIADDR_MASK } };
}

/*
 * Copies n commands, then a CMD_SYNC when `sync`, into the queue (PROD not
 * written).  The slow cases (no room, non-coherent) are calls of their
 * own, so the usual one needs no stack frame.
 */
static inline int cmdq_put(struct smmu *smmu, const struct smmu_cmd *cmds, unsigned int n,
			   bool sync)
{
	struct smmu_queue *q = &smmu->cmdq;
	unsigned int total = n + sync;
	/* Usually the last CONS read already shows room for all of them. */
	if (total > (1u << q->log2) - q_used(q)) {
		int err = issue_waiting(smmu, cmds, n);
		struct smmu_cmd c = sync_cmd(smmu, q->prod);
		return err || !sync ? err : issue_waiting(smmu, &c, 1);
	}
	struct smmu_cmd *base = q->base;
	const uint32_t mask = (1u << q->log2) - 1, wrap_mask = (mask << 1) | 1;
	uint32_t prod = q->prod;
	for (unsigned int i = 0; i < n; i++) {
		base[prod & mask] = cmds[i];
		prod = (prod + 1) & wrap_mask;
	}
	if (sync) {
		base[prod & mask] = sync_cmd(smmu, prod);
		prod = (prod + 1) & wrap_mask;
	}
	if (smmu->noncoherent)
		flush_slots(smmu, q->prod, prod);
	q->prod = prod;
	smmu->cnt.commands += total;
	return TG_OK;
}

int smmu_cmdq_issue(struct smmu *smmu, const struct smmu_cmd *cmds, unsigned int n)
{
	if (!smmu || (!cmds && n))
		return TG_EINVAL;
	return cmdq_put(smmu, cmds, n, false);
}

static int wait_sync_msi(struct smmu *smmu, volatile uint32_t *slot_word)
{
	if (*slot_word == 0)
		return TG_OK;	/* done already: no deadline to start */
	for (unsigned int attempt = 0; attempt < 4; attempt++) {
		int err = tg_poll_until(*slot_word == 0 ||
					((smmu_read32(smmu, SMMU_GERROR) ^ smmu->gerrorn) &
					 GERROR_CMDQ_ERR), SYNC_TIMEOUT_US);
		if (err)
			return err;
		if (*slot_word == 0)
			return TG_OK;
		smmu_gerror_handle(smmu);
	}
	return TG_ETIMEDOUT;
}

static int wait_sync_cons(struct smmu *smmu, uint32_t pos)
{
	struct smmu_queue *q = &smmu->cmdq;

	/* An SMMU that keeps up has consumed it by now: no deadline to start. */
	q->cons = mmio_read32(smmu->regs + q->cons_reg) & ((2u << q->log2) - 1);
	if (q_consumed(q, pos, q->cons))
		return TG_OK;
	for (unsigned int attempt = 0; attempt < 4; attempt++) {
		int err = tg_poll_until(({
			uint32_t c = smmu_read32(smmu, q->cons_reg);
			q->cons = c & ((2u << q->log2) - 1);
			/* CONS.ERR is sticky on some models: GERROR says if it is live. */
			q_consumed(q, pos, q->cons) ||
				((smmu_read32(smmu, SMMU_GERROR) ^ smmu->gerrorn) & GERROR_CMDQ_ERR);
		}), SYNC_TIMEOUT_US);
		if (err)
			return err;
		if (q_consumed(q, pos, q->cons))
			return TG_OK;
		/* Stopped on an error before our SYNC: repair and resume. */
		smmu_gerror_handle(smmu);
	}
	return TG_ETIMEDOUT;
}

int smmu_cmdq_issue_sync(struct smmu *smmu, const struct smmu_cmd *cmds, unsigned int n)
{
	if (!smmu || (!cmds && n))
		return TG_EINVAL;
	struct smmu_queue *q = &smmu->cmdq;
	uint32_t pos = (q->prod + n) & ((2u << q->log2) - 1);	/* where the SYNC goes */
	struct smmu_cmd *slot = (struct smmu_cmd *)q->base + q_index(q, pos);
	int err = cmdq_put(smmu, cmds, n, true);
	if (err)
		return err;
	smmu->cnt.syncs++;
	/* Commands reach memory before PROD moves. */
	arch_dsb();
	mmio_write32(smmu->regs + q->prod_reg, q->prod);

	err = sync_by_msi(smmu) ? wait_sync_msi(smmu, (volatile uint32_t *)&slot->w[0])
				: wait_sync_cons(smmu, pos);
	if (err)
		pr_err("arm-smmu-v3 %s: CMD_SYNC timed out (PROD 0x%x CONS 0x%x)\n", smmu->name,
		       (unsigned)q->prod, (unsigned)smmu_read32(smmu, q->cons_reg));
	return err;
}

int smmu_sync(struct smmu *smmu)
{
	return TG_LOCKED(smmu_cmdq_issue_sync(smmu, NULL, 0));
}

int smmu_test_issue_raw(struct smmu *smmu, uint64_t w0, uint64_t w1)
{
	struct smmu_cmd c = { { w0, w1 } };

	return TG_LOCKED(smmu_cmdq_issue(smmu, &c, 1));
}
