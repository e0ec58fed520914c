/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Read-only views of an SMMU's stream table for the shell: the table's
 * format and what each STE does (IHI 0070 5.2, STE.V and STE.Config).
 * Nothing here writes the SMMU or its tables.
 */
#include <stddef.h>

#include <tollgate/error.h>

#include "smmu_internal.h"
#include "smmu_regs.h"

#define STE_CONFIG_MASK	(7ull << 1)

int smmu_strtab_info(const struct smmu *smmu, struct smmu_strtab_info *out)
{
	if (!smmu || !out || !smmu->strtab)
		return TG_EINVAL;
	unsigned int l2 = 0;

	if (smmu->st_2lvl)
		for (unsigned int i = 0; i < (1u << (smmu->st_bits - SMMU_L2_SPLIT)); i++)
			l2 += smmu->l2[i] != NULL;
	*out = (struct smmu_strtab_info){
		.two_level = smmu->st_2lvl,
		.sid_bits = smmu->st_bits,
		.l2_tables = l2,
		.phys = smmu->strtab_phys,
		.bytes = smmu->strtab_bytes,
	};
	return TG_OK;
}

static enum smmu_ste_kind ste_kind(uint64_t w0)
{
	if (!(w0 & STE_V))
		return SMMU_STE_INVALID;
	switch (w0 & STE_CONFIG_MASK) {
	case STE_CONFIG_ABORT: return SMMU_STE_ABORT;
	case STE_CONFIG_BYPASS: return SMMU_STE_BYPASS;
	case STE_CONFIG_S1: return SMMU_STE_TRANSLATE;
	default: return SMMU_STE_OTHER;
	}
}

static enum smmu_ste_kind default_kind(void)
{
#if defined(TG_SMMU_DEFAULT_BYPASS)
	return SMMU_STE_BYPASS;
#else
	return SMMU_STE_ABORT;
#endif
}

/* Word 0 of the STE, or false when its level-2 table does not exist yet. */
static bool ste_word0(const struct smmu *smmu, uint32_t sid, uint64_t *w0)
{
	const struct smmu_ste *ste;

	if (!smmu->st_2lvl) {
		ste = (const struct smmu_ste *)smmu->strtab + sid;
	} else {
		const struct smmu_ste *l2 = smmu->l2[sid >> SMMU_L2_SPLIT];
		if (!l2)
			return false;
		ste = &l2[sid & ((1u << SMMU_L2_SPLIT) - 1)];
	}
	*w0 = __atomic_load_n(&ste->w[0], __ATOMIC_RELAXED);
	return true;
}

int smmu_stream_info(struct smmu *smmu, uint32_t sid, struct smmu_stream_info *out)
{
	uint64_t w0;

	if (!smmu || !out || !smmu->strtab)
		return TG_EINVAL;
	if (sid >> smmu->st_bits)
		return TG_ERANGE;
	out->sid = sid;
	out->kind = ste_word0(smmu, sid, &w0) ? ste_kind(w0) : default_kind();
	out->dom = out->kind == SMMU_STE_TRANSLATE ? smmu_domain_of_stream(smmu, sid) : NULL;
	return TG_OK;
}

int smmu_stream_next_live(struct smmu *smmu, uint32_t from, struct smmu_stream_info *out)
{
	uint64_t w0;

	if (!smmu || !out || !smmu->strtab)
		return TG_EINVAL;
	for (uint32_t sid = from; !(sid >> smmu->st_bits); sid++) {
		if (!ste_word0(smmu, sid, &w0)) {
			/* A missing level-2 table: all default, skip it whole. */
			sid |= (1u << SMMU_L2_SPLIT) - 1;
			continue;
		}
		if (ste_kind(w0) != default_kind())
			return smmu_stream_info(smmu, sid, out);
	}
	return TG_ENOENT;
}
