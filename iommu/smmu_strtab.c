/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream table (IHI 0070 3.3, 5.1, 5.2): linear when the StreamID space is
 * small; otherwise 2-level with one lazily allocated level-2 table of 256
 * STEs per PCI bus (SPLIT = 8).  Entries are updated so the SMMU never
 * sees a half-written STE: the other words first, word 0 (V, Config) last,
 * each step made visible with CFGI_STE + CMD_SYNC.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/platform.h>

#include "smmu_internal.h"
#include "smmu_regs.h"

static void ste_default(struct smmu_ste *ste)
{
	memset(ste, 0, sizeof(*ste));
#if defined(TG_SMMU_DEFAULT_BYPASS)
	ste->w[0] = STE_V | STE_CONFIG_BYPASS;
	ste->w[1] = STE1_SHCFG_INCOMING;
#else
	/* Deny: a stream nobody attached has its transactions aborted. */
	ste->w[0] = STE_V | STE_CONFIG_ABORT;
#endif
}

int smmu_strtab_init(struct smmu *smmu)
{
	unsigned int sid_bits = smmu->feat.sid_bits > 16 ? 16 : smmu->feat.sid_bits;
	uint32_t cfg;

	smmu->st_2lvl = smmu->feat.two_level_st && sid_bits > SMMU_LINEAR_MAX_BITS;
	if (!smmu->st_2lvl && sid_bits > SMMU_LINEAR_MAX_BITS + 4)
		sid_bits = SMMU_LINEAR_MAX_BITS + 4;	/* 1 MiB: enough for 64 buses */
	smmu->st_bits = sid_bits;
	if (smmu->st_2lvl) {
		size_t l1 = (size_t)8 << (sid_bits - SMMU_L2_SPLIT);
		smmu->strtab_bytes = l1 < 64 ? 64 : l1;
		cfg = STRTAB_CFG_FMT_2LVL | STRTAB_CFG_SPLIT(SMMU_L2_SPLIT) | STRTAB_CFG_LOG2SIZE(sid_bits);
	} else {
		smmu->strtab_bytes = sizeof(struct smmu_ste) << sid_bits;
		cfg = STRTAB_CFG_FMT_LINEAR | STRTAB_CFG_LOG2SIZE(sid_bits);
	}
	/* The table is aligned to its size (IHI 0070 6.3.24). */
	smmu->strtab = plat_dma_alloc(smmu->strtab_bytes, smmu->strtab_bytes, &smmu->strtab_phys);
	if (!smmu->strtab)
		return TG_ENOMEM;
	if (!smmu->st_2lvl) {
		for (uint32_t sid = 0; sid < (1u << sid_bits); sid++)
			ste_default((struct smmu_ste *)smmu->strtab + sid);
	}
	smmu_flush(smmu, smmu->strtab, smmu->strtab_bytes);
	smmu_write64(smmu, SMMU_STRTAB_BASE, STRTAB_BASE_RA | (smmu->strtab_phys & STRTAB_BASE_ADDR_MASK));
	smmu_write32(smmu, SMMU_STRTAB_BASE_CFG, cfg);
	return TG_OK;
}

/* The STE slot of `sid`, allocating its level-2 table on first use. */
static struct smmu_ste *ste_slot(struct smmu *smmu, uint32_t sid, bool *fresh_l2)
{
	*fresh_l2 = false;
	if (sid >> smmu->st_bits)
		return NULL;
	if (!smmu->st_2lvl)
		return (struct smmu_ste *)smmu->strtab + sid;

	unsigned int l1 = sid >> SMMU_L2_SPLIT;
	if (!smmu->l2[l1]) {
		size_t bytes = sizeof(struct smmu_ste) << SMMU_L2_SPLIT;
		uint64_t phys;
		struct smmu_ste *t = plat_dma_alloc(bytes, bytes, &phys);
		if (!t)
			return NULL;
		for (unsigned int i = 0; i < (1u << SMMU_L2_SPLIT); i++)
			ste_default(&t[i]);
		smmu_flush(smmu, t, bytes);
		smmu->l2[l1] = t;
		/* SPAN = SPLIT + 1: the level-2 table holds 2^SPLIT STEs (5.1.2). */
		smmu->strtab[l1] = (phys & STRTAB_L1_L2PTR_MASK) | STRTAB_L1_SPAN(SMMU_L2_SPLIT + 1);
		smmu_flush(smmu, &smmu->strtab[l1], sizeof(uint64_t));
		*fresh_l2 = true;
	}
	return &smmu->l2[l1][sid & ((1u << SMMU_L2_SPLIT) - 1)];
}

static int cfgi_ste_sync(struct smmu *smmu, uint32_t sid)
{
	struct smmu_cmd c = { { CMD_CFGI_STE | CMD_SID(sid), CMD_LEAF } };
	int err = smmu_cmdq_issue(smmu, &c, 1);

	return err ? err : smmu_cmdq_issue_sync(smmu, NULL, 0);
}

int smmu_ste_write(struct smmu *smmu, uint32_t sid, const struct smmu_ste *ste)
{
	bool fresh;
	struct smmu_ste *slot = ste_slot(smmu, sid, &fresh);
	int err;

	if (!slot)
		return (sid >> smmu->st_bits) ? TG_ERANGE : TG_ENOMEM;
	if (fresh) {
		err = cfgi_ste_sync(smmu, sid);	/* the L1 descriptor became valid */
		if (err)
			return err;
	}
	bool others_change = memcmp(&slot->w[1], &ste->w[1], sizeof(ste->w) - sizeof(ste->w[0])) != 0;

	if (others_change && (slot->w[0] & STE_V)) {
		/* A live STE must not be seen half old, half new: invalidate first. */
		__atomic_store_n(&slot->w[0], 0, __ATOMIC_RELAXED);
		smmu_flush(smmu, &slot->w[0], sizeof(uint64_t));
		err = cfgi_ste_sync(smmu, sid);
		if (err)
			return err;
	}
	if (others_change) {
		for (unsigned int i = 1; i < 8; i++)
			slot->w[i] = ste->w[i];
		smmu_flush(smmu, &slot->w[1], sizeof(ste->w) - sizeof(ste->w[0]));
		err = cfgi_ste_sync(smmu, sid);
		if (err)
			return err;
	}
	/* Word 0 last, in one 64-bit store. */
	__atomic_store_n(&slot->w[0], ste->w[0], __ATOMIC_RELAXED);
	smmu_flush(smmu, &slot->w[0], sizeof(uint64_t));
	return cfgi_ste_sync(smmu, sid);
}

static int set_simple(struct smmu *smmu, uint32_t sid, uint64_t w0, uint64_t w1)
{
	struct smmu_ste ste;

	if (!smmu)
		return TG_EINVAL;
	memset(&ste, 0, sizeof(ste));
	ste.w[0] = w0;
	ste.w[1] = w1;
	return smmu_ste_write(smmu, sid, &ste);
}

int smmu_stream_bypass_locked(struct smmu *smmu, uint32_t sid)
{
	return set_simple(smmu, sid, STE_V | STE_CONFIG_BYPASS, STE1_SHCFG_INCOMING);
}

int smmu_stream_abort_locked(struct smmu *smmu, uint32_t sid)
{
	return set_simple(smmu, sid, STE_V | STE_CONFIG_ABORT, 0);
}

int smmu_stream_bypass(struct smmu *smmu, uint32_t sid)
{
	return TG_LOCKED(smmu_stream_bypass_locked(smmu, sid));
}

int smmu_stream_abort(struct smmu *smmu, uint32_t sid)
{
	return TG_LOCKED(smmu_stream_abort_locked(smmu, sid));
}

int smmu_stream_invalidate(struct smmu *smmu, uint32_t sid)
{
	return TG_LOCKED(set_simple(smmu, sid, 0, 0));
}
