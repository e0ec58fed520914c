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

/* n default STEs, made visible to the SMMU. */
static void ste_fill_default(struct smmu *smmu, struct smmu_ste *t, size_t n)
{
	memset(t, 0, n * sizeof(*t));
	for (size_t i = 0; i < n; i++) {
#if defined(TG_SMMU_DEFAULT_BYPASS)
		t[i].w[0] = STE_V | STE_CONFIG_BYPASS;
		t[i].w[1] = STE1_SHCFG_INCOMING;
#else
		/* Deny: a stream nobody attached has its transactions aborted. */
		t[i].w[0] = STE_V | STE_CONFIG_ABORT;
#endif
	}
	smmu_flush(smmu, t, n * sizeof(*t));
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
	if (smmu->st_2lvl)
		smmu_flush(smmu, smmu->strtab, smmu->strtab_bytes);
	else
		ste_fill_default(smmu, (struct smmu_ste *)smmu->strtab, (size_t)1 << sid_bits);
	smmu_write64(smmu, SMMU_STRTAB_BASE, STRTAB_BASE_RA | (smmu->strtab_phys & STRTAB_BASE_ADDR_MASK));
	smmu_write32(smmu, SMMU_STRTAB_BASE_CFG, cfg);
	return TG_OK;
}

/* Makes one command-visible step of an STE update: CFGI_STE + CMD_SYNC. */
static int cfgi_ste_sync(struct smmu *smmu, uint32_t sid)
{
	struct smmu_cmd c = { { CMD_CFGI_STE | CMD_SID(sid), CMD_LEAF } };

	return smmu_cmdq_issue_sync(smmu, &c, 1);
}

/*
 * The STE slot of `sid` (already checked against st_bits), allocating its
 * level-2 table on first use and making the level-1 descriptor valid.
 */
static int ste_slot(struct smmu *smmu, uint32_t sid, struct smmu_ste **slot)
{
	if (!smmu->st_2lvl) {
		*slot = (struct smmu_ste *)smmu->strtab + sid;
		return TG_OK;
	}
	unsigned int l1 = sid >> SMMU_L2_SPLIT;
	if (!smmu->l2[l1]) {
		size_t bytes = sizeof(struct smmu_ste) << SMMU_L2_SPLIT;
		uint64_t phys;
		struct smmu_ste *t = plat_dma_alloc(bytes, bytes, &phys);
		if (!t)
			return TG_ENOMEM;
		ste_fill_default(smmu, t, (size_t)1 << SMMU_L2_SPLIT);
		smmu->l2[l1] = t;
		/* SPAN = SPLIT + 1: the level-2 table holds 2^SPLIT STEs (5.1.2). */
		smmu->strtab[l1] = (phys & STRTAB_L1_L2PTR_MASK) | STRTAB_L1_SPAN(SMMU_L2_SPLIT + 1);
		smmu_flush(smmu, &smmu->strtab[l1], sizeof(uint64_t));
		int err = cfgi_ste_sync(smmu, sid);
		if (err)
			return err;
	}
	*slot = &smmu->l2[l1][sid & ((1u << SMMU_L2_SPLIT) - 1)];
	return TG_OK;
}

/* Word 0 (V, Config) in one 64-bit store, then its own update step. */
static int ste_set_word0(struct smmu *smmu, uint32_t sid, struct smmu_ste *slot, uint64_t w0)
{
	__atomic_store_n(&slot->w[0], w0, __ATOMIC_RELAXED);
	smmu_flush(smmu, &slot->w[0], sizeof(uint64_t));
	return cfgi_ste_sync(smmu, sid);
}

int smmu_ste_write(struct smmu *smmu, uint32_t sid, const struct smmu_ste *ste)
{
	struct smmu_ste *slot;
	int err;

	if (sid >> smmu->st_bits)
		return TG_ERANGE;
	err = ste_slot(smmu, sid, &slot);
	if (err)
		return err;
	if (memcmp(&slot->w[1], &ste->w[1], sizeof(ste->w) - sizeof(ste->w[0]))) {
		/* A live STE must not be seen half old, half new: invalidate first. */
		if ((slot->w[0] & STE_V) && (err = ste_set_word0(smmu, sid, slot, 0)))
			return err;
		memcpy(&slot->w[1], &ste->w[1], sizeof(ste->w) - sizeof(ste->w[0]));
		smmu_flush(smmu, &slot->w[1], sizeof(ste->w) - sizeof(ste->w[0]));
		err = cfgi_ste_sync(smmu, sid);
		if (err)
			return err;
	}
	/* Word 0 last. */
	return ste_set_word0(smmu, sid, slot, ste->w[0]);
}

static int set_simple(struct smmu *smmu, uint32_t sid, uint64_t w0, uint64_t w1)
{
	const struct smmu_ste ste = { { w0, w1 } };

	return smmu ? smmu_ste_write(smmu, sid, &ste) : TG_EINVAL;
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
