/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stage-1 translation domains: one context descriptor (IHI 0070 5.4), one
 * page table (io_pgtable.c) and one ASID each, so no two page tables ever
 * share TLB entries.  Streams are attached by pointing their STE at the CD.
 * Unmaps invalidate exactly what changed: a range TLBI (IDR3.RIL) or
 * per-leaf TLBIs, then one CMD_SYNC.
 */
#include <string.h>

#include <tollgate/compiler.h>
#include <tollgate/barrier.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/log.h>
#include <tollgate/platform.h>

#include "smmu_internal.h"
#include "smmu_regs.h"

#define DOMAIN_PT_CACHE	8

struct smmu_domain {
	struct smmu *smmu;
	bool in_use;
	uint16_t asid;
	struct io_pgtable pgt;
	struct smmu_cd *cd;
	uint64_t cd_phys;
	struct smmu_domain_counters cnt;
	smmu_fault_handler_t fault_fn;
	void *fault_ctx;
	/* Emptied table pages kept for reuse: a map/unmap cycle then costs no
	 * page allocation or zeroing (io_pgtable frees tables all-zero). */
	void *pt_cache[DOMAIN_PT_CACHE];
	unsigned int pt_cached;
};

struct attachment {
	struct smmu *smmu;
	uint32_t sid;
	struct smmu_domain *dom;
};

static struct smmu_domain domains[SMMU_MAX_DOMAINS];
static struct attachment attached[SMMU_MAX_ATTACH];
/* ASID 0 is never handed out: it stays free for "no domain" in traces. */
static uint32_t asid_used[256 / 32] = { 1 };

static int asid_alloc(void)
{
	for (unsigned int a = 1; a < 256; a++) {
		if (!(asid_used[a / 32] & (1u << (a % 32)))) {
			asid_used[a / 32] |= 1u << (a % 32);
			return (int)a;
		}
	}
	return TG_ENOSPC;
}

static void asid_free(uint16_t a)
{
	asid_used[a / 32] &= ~(1u << (a % 32));
}

/* --- table memory: the page pool, cleaned when the SMMU is not coherent --- */

static void *pt_alloc(void *ctx, size_t size, uint64_t *phys)
{
	struct smmu_domain *dom = ctx;

	if (size == TG_PAGE_SIZE && dom->pt_cached) {
		void *va = dom->pt_cache[--dom->pt_cached];
		*phys = (uint64_t)(uintptr_t)va;	/* RAM is identity-mapped */
		return va;
	}
	return plat_dma_alloc(size, size, phys);
}

static void pt_free(void *ctx, void *va, size_t size)
{
	struct smmu_domain *dom = ctx;

	if (size == TG_PAGE_SIZE && dom->pt_cached < DOMAIN_PT_CACHE && dom->in_use)
		dom->pt_cache[dom->pt_cached++] = va;
	else
		plat_dma_free(va, size);
}

static void *pt_phys_to_virt(void *ctx, uint64_t phys)
{
	return (void *)(uintptr_t)phys;	/* RAM is identity-mapped */
}

static void pt_clean(void *ctx, const void *va, size_t len)
{
	plat_cache(PLAT_CACHE_CLEAN, va, len);
}

/* --- commands ------------------------------------------------------------- */

static int issue(struct smmu_domain *dom, const struct smmu_cmd *c, unsigned int n)
{
	dom->cnt.commands += n;
	return smmu_cmdq_issue(dom->smmu, c, n);
}

static int sync(struct smmu_domain *dom)
{
	dom->cnt.syncs++;
	return smmu_cmdq_issue_sync(dom->smmu, NULL, 0);
}

static unsigned int tg_field(unsigned int granule_shift)
{
	return granule_shift == 12 ? 1 : granule_shift == 14 ? 2 : 3;
}

/* Level of a leaf of 2^shift bytes (TTL hint), 0 when unknown. */
static unsigned int leaf_level(unsigned int granule_shift, unsigned int shift)
{
	unsigned int per_level = granule_shift - 3;

	if (shift < granule_shift || (shift - granule_shift) % per_level)
		return 0;
	unsigned int up = (shift - granule_shift) / per_level;
	return up <= 3 ? 3 - up : 0;
}

/* TLBI for everything but one page: by range (RIL), by ASID, or page by page. */
static TG_COLD int invalidate_range(struct smmu_domain *dom, const struct io_tlb_gather *g)
{
	unsigned int gs = dom->pgt.cfg.granule_shift;
	bool leaf = !g->tables_freed;
	uint64_t base = CMD_TLBI_NH_VA | CMD_ASID(dom->asid);
	struct smmu_cmd c[8];
	unsigned int n = 0;
	int err = TG_OK;

	unsigned int ttl = g->min_level_size_shift == g->max_level_size_shift ?
			   leaf_level(gs, g->min_level_size_shift) : 0;
	const bool ril = dom->smmu->feat.ril;
	const unsigned int step = g->min_level_size_shift;
	if (!ril && ((g->end - g->start) >> step) > 64) {
		c[n].w[0] = CMD_TLBI_NH_ASID | CMD_ASID(dom->asid);
		c[n++].w[1] = 0;
	} else {
		/* With RIL, Range = (NUM + 1) * 2^SCALE granules from Address (IHI 0070
		 * 4.4.1.1), as few commands as the binary digits allow; without, one
		 * per smallest leaf. */
		const uint64_t w1 = CMD_TLBI_TTL(ttl) | (ril || ttl ? CMD_TLBI_TG(tg_field(gs)) : 0) |
				    (leaf ? CMD_LEAF : 0);
		for (uint64_t a = g->start; a < g->end && !err;) {
			uint64_t w0 = base, span = 1ull << step;
			if (ril) {
				uint64_t pages = (g->end - a) >> gs;
				unsigned int scale = (unsigned int)__builtin_ctzll(pages);
				uint64_t num = (pages >> scale) & 0x1f;
				if (scale > 31)
					scale = 31;
				w0 |= CMD_TLBI_NUM(num - 1) | CMD_TLBI_SCALE(scale);
				span = (num << scale) << gs;
			}
			c[n].w[0] = w0;
			c[n].w[1] = (a & CMD_TLBI_ADDR_MASK) | w1;
			if (++n == sizeof(c) / sizeof(c[0])) {
				err = issue(dom, c, n);
				n = 0;
			}
			a += span;
		}
	}
	if (err)
		return err;
	/* The last commands and the CMD_SYNC: one PROD write. */
	dom->cnt.commands += n;
	dom->cnt.syncs++;
	return smmu_cmdq_issue_sync(dom->smmu, c, n);
}

/* One page's leaf entry: NUM = SCALE = 0 with RIL (a range of one), TTL = level 3. */
static int invalidate_page(struct smmu_domain *dom, uint64_t iova)
{
	unsigned int gs = dom->pgt.cfg.granule_shift;
	struct smmu_cmd c = { { CMD_TLBI_NH_VA | CMD_ASID(dom->asid),
				(iova & CMD_TLBI_ADDR_MASK) | CMD_TLBI_TG(tg_field(gs)) |
				CMD_TLBI_TTL(3) | CMD_LEAF } };

	dom->cnt.commands++;
	dom->cnt.syncs++;
	return smmu_cmdq_issue_sync(dom->smmu, &c, 1);
}

static int invalidate(struct smmu_domain *dom, const struct io_tlb_gather *g)
{
	unsigned int gs = dom->pgt.cfg.granule_shift;

	if (g->tables_freed || g->end - g->start != 1ull << gs || g->min_level_size_shift != gs ||
	    g->max_level_size_shift != gs)
		return invalidate_range(dom, g);
	return invalidate_page(dom, g->start);
}

/* --- domains ------------------------------------------------------------------ */

static void write_cd(struct smmu_domain *dom)
{
	struct io_pgtable_cd_cfg c;

	io_pgtable_cd_cfg(&dom->pgt, &c);
	dom->cd->w[1] = c.ttb0 & CD1_TTB0_MASK;
	dom->cd->w[3] = c.mair;
	/* Word 0 (V) last: the SMMU may fetch the CD at any time once attached. */
	uint64_t w0 = CD0_T0SZ(c.t0sz) | CD0_TG0(c.tg0) | ((uint64_t)c.irgn0 << 8) |
		      ((uint64_t)c.orgn0 << 10) | ((uint64_t)c.sh0 << 12) | CD0_EPD1 | CD0_V |
		      CD0_IPS(c.ips) | CD0_AA64 | CD0_R | CD0_A | CD0_ASET | CD0_ASID(dom->asid);
	smmu_flush(dom->smmu, dom->cd, sizeof(*dom->cd));
	__atomic_store_n(&dom->cd->w[0], w0, __ATOMIC_RELAXED);
	smmu_flush(dom->smmu, dom->cd, sizeof(uint64_t));
}

static bool granule_supported(const struct smmu *smmu, unsigned int shift)
{
	return (shift == 12 && smmu->feat.gran4k) || (shift == 14 && smmu->feat.gran16k) ||
	       (shift == 16 && smmu->feat.gran64k);
}

struct smmu_domain *smmu_domain_create(struct smmu *smmu, unsigned int ias_bits)
{
	return smmu_domain_create_granule(smmu, ias_bits, 12);
}

static struct smmu_domain *create_locked(struct smmu *smmu, unsigned int ias_bits,
					 unsigned int granule_shift)
{
	struct smmu_domain *dom = NULL;

	if (!smmu || (ias_bits && (ias_bits < 32 || ias_bits > 48)) ||
	    !granule_supported(smmu, granule_shift))
		return NULL;
	for (unsigned int i = 0; i < SMMU_MAX_DOMAINS && !dom; i++)
		if (!domains[i].in_use)
			dom = &domains[i];
	if (!dom)
		return NULL;
	int asid = asid_alloc();
	if (asid < 0)
		return NULL;
	memset(dom, 0, sizeof(*dom));
	dom->smmu = smmu;
	dom->asid = (uint16_t)asid;

	struct io_pgtable_mem mem = {
		.alloc = pt_alloc, .free = pt_free, .phys_to_virt = pt_phys_to_virt,
		.clean = smmu->noncoherent ? pt_clean : NULL, .ctx = dom,
	};
	struct io_pgtable_cfg cfg = {
		.granule_shift = granule_shift, .ias = ias_bits ? ias_bits : 48,
		.oas = smmu->feat.oas_bits > 48 ? 48 : smmu->feat.oas_bits,
	};
	if (io_pgtable_init(&dom->pgt, &cfg, &mem) != TG_OK)
		goto fail_asid;
	dom->cd = plat_dma_alloc(sizeof(struct smmu_cd), 64, &dom->cd_phys);
	if (!dom->cd)
		goto fail_pgt;
	write_cd(dom);
	dom->in_use = true;
	return dom;

fail_pgt:
	io_pgtable_destroy(&dom->pgt);
fail_asid:
	asid_free((uint16_t)asid);
	return NULL;
}

struct smmu_domain *smmu_domain_create_granule(struct smmu *smmu, unsigned int ias_bits,
					       unsigned int granule_shift)
{
	return TG_LOCKED(create_locked(smmu, ias_bits, granule_shift));
}

int smmu_map_batch_start(struct smmu_domain *dom, unsigned int prot, struct io_pgtable_batch *b)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	int err = io_pgtable_batch_start(&dom->pgt, prot, b);
	if (!err)
		dom->cnt.maps++;
	/* Invalid entries are never cached (IHI 0070 3.21.1): no TLBI needed. */
	return err;
}

int smmu_domain_keep_leaf_tables(struct smmu_domain *dom, bool keep)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	dom->pgt.cfg.keep_leaf_tables = keep;
	return TG_OK;
}

static struct attachment *find_attachment(struct smmu *smmu, uint32_t sid)
{
	for (unsigned int i = 0; i < SMMU_MAX_ATTACH; i++)
		if (attached[i].dom && attached[i].smmu == smmu && attached[i].sid == sid)
			return &attached[i];
	return NULL;
}

struct smmu_domain *smmu_domain_of_stream(struct smmu *smmu, uint32_t sid)
{
	struct attachment *a = find_attachment(smmu, sid);

	return a ? a->dom : NULL;
}

static int attach_locked(struct smmu_domain *dom, uint32_t sid)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	if (sid >> dom->smmu->st_bits)
		return TG_ERANGE;
	if (find_attachment(dom->smmu, sid))
		return TG_EBUSY;
	struct attachment *slot = NULL;
	for (unsigned int i = 0; i < SMMU_MAX_ATTACH && !slot; i++)
		if (!attached[i].dom)
			slot = &attached[i];
	if (!slot)
		return TG_ENOSPC;

	struct smmu_ste ste;
	memset(&ste, 0, sizeof(ste));
	ste.w[0] = STE_V | STE_CONFIG_S1 | STE_S1FMT_LINEAR | (dom->cd_phys & STE_S1CTXPTR_MASK);
	ste.w[1] = dom->smmu->noncoherent ? 0 : (STE1_S1CIR_WB | STE1_S1COR_WB | STE1_S1CSH_ISH);
	int err = smmu_ste_write(dom->smmu, sid, &ste);
	if (err)
		return err;
	*slot = (struct attachment){ dom->smmu, sid, dom };
	return TG_OK;
}

int smmu_domain_attach(struct smmu_domain *dom, uint32_t sid)
{
	return TG_LOCKED(attach_locked(dom, sid));
}

static int detach_locked(struct smmu_domain *dom, uint32_t sid)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	struct attachment *a = find_attachment(dom->smmu, sid);
	if (!a || a->dom != dom)
		return TG_ENOENT;
#if defined(TG_SMMU_DEFAULT_BYPASS)
	int err = smmu_stream_bypass_locked(dom->smmu, sid);
#else
	int err = smmu_stream_abort_locked(dom->smmu, sid);
#endif
	if (err)
		return err;
	a->dom = NULL;
	/* The CD may be cached for this SID: drop it and the domain's TLB entries. */
	struct smmu_cmd c[2] = {
		{ { CMD_CFGI_CD | CMD_SID(sid), CMD_LEAF } },
		{ { CMD_TLBI_NH_ASID | CMD_ASID(dom->asid), 0 } },
	};
	err = issue(dom, c, 2);
	return err ? err : sync(dom);
}

int smmu_domain_detach(struct smmu_domain *dom, uint32_t sid)
{
	return TG_LOCKED(detach_locked(dom, sid));
}

static void destroy_locked(struct smmu_domain *dom)
{
	if (!dom || !dom->in_use)
		return;
	for (unsigned int i = 0; i < SMMU_MAX_ATTACH; i++)
		if (attached[i].dom == dom)
			detach_locked(dom, attached[i].sid);
	dom->in_use = false;	/* from here pt_free gives pages back */
	io_pgtable_destroy(&dom->pgt);
	while (dom->pt_cached)
		plat_dma_free(dom->pt_cache[--dom->pt_cached], TG_PAGE_SIZE);
	plat_dma_free(dom->cd, sizeof(struct smmu_cd));
	asid_free(dom->asid);
}

void smmu_domain_destroy(struct smmu_domain *dom)
{
	unsigned long flags = plat_lock_irqsave();

	destroy_locked(dom);
	plat_unlock_irqrestore(flags);
}

int smmu_map_locked(struct smmu_domain *dom, uint64_t iova, uint64_t phys, uint64_t size,
		    unsigned int prot)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	int err = io_pgtable_map(&dom->pgt, iova, phys, size, prot);
	if (!err)
		dom->cnt.maps++;
	/* Invalid entries are never cached (IHI 0070 3.21.1): no TLBI needed. */
	return err;
}

int smmu_map(struct smmu_domain *dom, uint64_t iova, uint64_t phys, uint64_t size, unsigned int prot)
{
	return TG_LOCKED(smmu_map_locked(dom, iova, phys, size, prot));
}

/* Any range: gathered, then one invalidation for all of it. */
static TG_COLD int64_t unmap_gathered(struct smmu_domain *dom, uint64_t iova, uint64_t size)
{
	struct io_tlb_gather g;

	io_tlb_gather_init(&g);
	int64_t n = io_pgtable_unmap(&dom->pgt, iova, size, &g);
	if (n < 0)
		return n;
	int err = g.empty ? TG_OK : invalidate(dom, &g);
	if (g.tables_freed)
		io_pgtable_gather_release(&dom->pgt, &g);
	dom->cnt.unmaps++;
	return err ? err : n;
}

int64_t smmu_unmap_locked(struct smmu_domain *dom, uint64_t iova, uint64_t size)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	/* Streaming DMA: one page, no gather, one TLBI. */
	if (size == 1ull << dom->pgt.cfg.granule_shift) {
		int err = io_pgtable_unmap_page(&dom->pgt, iova);
		if (err > 0) {
			dom->cnt.unmaps++;
			err = invalidate_page(dom, iova);
			return err ? err : (int64_t)size;
		}
		if (err)
			return err;
	}
	return unmap_gathered(dom, iova, size);
}

int64_t smmu_unmap(struct smmu_domain *dom, uint64_t iova, uint64_t size)
{
	return TG_LOCKED(smmu_unmap_locked(dom, iova, size));
}

int64_t smmu_unmap_ranges_locked(struct smmu_domain *dom, const uint64_t (*ranges)[2],
				 unsigned int n)
{
	struct io_tlb_gather g;
	int64_t total = 0;

	if (!dom || !dom->in_use || (!ranges && n))
		return TG_EINVAL;
	/* Check every range first, so a bad one leaves everything mapped. */
	for (unsigned int i = 0; i < n; i++) {
		int rc = io_pgtable_range_mapped(&dom->pgt, ranges[i][0], ranges[i][1]);
		if (rc)
			return rc == TG_ERANGE || rc == TG_EINVAL ? rc : TG_ENOENT;
	}
	io_tlb_gather_init(&g);
	for (unsigned int i = 0; i < n; i++) {
		int64_t r = io_pgtable_unmap(&dom->pgt, ranges[i][0], ranges[i][1], &g);
		if (r < 0)
			return r;	/* cannot happen after the check above */
		total += r;
	}
	int err = g.empty ? TG_OK : invalidate(dom, &g);
	io_pgtable_gather_release(&dom->pgt, &g);
	dom->cnt.unmaps++;
	return err ? err : total;
}

int64_t smmu_unmap_ranges(struct smmu_domain *dom, const uint64_t (*ranges)[2], unsigned int n)
{
	return TG_LOCKED(smmu_unmap_ranges_locked(dom, ranges, n));
}

static int64_t unmap_no_tlbi_locked(struct smmu_domain *dom, uint64_t iova, uint64_t size)
{
	struct io_tlb_gather g;

	if (!dom || !dom->in_use)
		return TG_EINVAL;
	io_tlb_gather_init(&g);
	int64_t n = io_pgtable_unmap(&dom->pgt, iova, size, &g);
	/* Tables are freed at once: the stale walk caches are what is tested. */
	io_pgtable_gather_release(&dom->pgt, &g);
	return n;
}

int64_t smmu_test_unmap_no_tlbi(struct smmu_domain *dom, uint64_t iova, uint64_t size)
{
	return TG_LOCKED(unmap_no_tlbi_locked(dom, iova, size));
}

int smmu_iova_to_phys(struct smmu_domain *dom, uint64_t iova, uint64_t *phys)
{
	if (!phys)
		return TG_EINVAL;
	return TG_LOCKED(smmu_iova_lookup_locked(dom, iova, phys, NULL));
}

int smmu_iova_lookup_locked(struct smmu_domain *dom, uint64_t iova, uint64_t *phys,
			    unsigned int *prot)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	return io_pgtable_iova_to_phys(&dom->pgt, iova, phys, prot);
}

int smmu_iova_lookup(struct smmu_domain *dom, uint64_t iova, uint64_t *phys, unsigned int *prot)
{
	return TG_LOCKED(smmu_iova_lookup_locked(dom, iova, phys, prot));
}

int smmu_domain_set_fault_handler(struct smmu_domain *dom, smmu_fault_handler_t fn, void *ctx)
{
	if (!dom || !dom->in_use)
		return TG_EINVAL;
	unsigned long flags = plat_lock_irqsave();	/* the event path reads both */

	dom->fault_fn = fn;
	dom->fault_ctx = ctx;
	plat_unlock_irqrestore(flags);
	return TG_OK;
}

const struct smmu_domain_counters *smmu_domain_counters(const struct smmu_domain *dom)
{
	return dom ? &dom->cnt : NULL;
}

uint16_t smmu_domain_asid(const struct smmu_domain *dom)
{
	return dom ? dom->asid : 0;
}

/* Called for every event record: the owning domain hears about its faults. */
void smmu_domain_report_fault(struct smmu *smmu, const struct smmu_fault *f)
{
	struct smmu_domain *dom = smmu_domain_of_stream(smmu, f->sid);

	if (!dom)
		return;
	dom->cnt.events++;
	if (dom->fault_fn)
		dom->fault_fn(f, dom->fault_ctx);
}

/* --- read-only views (the shell) ------------------------------------------- */

struct smmu_domain *smmu_domain_next(struct smmu_domain *prev)
{
	unsigned int i = prev ? (unsigned int)(prev - domains) + 1 : 0;

	for (; i < SMMU_MAX_DOMAINS; i++)
		if (domains[i].in_use)
			return &domains[i];
	return NULL;
}

struct smmu *smmu_domain_smmu(const struct smmu_domain *dom)
{
	return dom && dom->in_use ? dom->smmu : NULL;
}

const struct io_pgtable *smmu_domain_pgtable(const struct smmu_domain *dom)
{
	return dom && dom->in_use ? &dom->pgt : NULL;
}

unsigned int smmu_domain_streams(const struct smmu_domain *dom, uint32_t *sids, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; dom && i < SMMU_MAX_ATTACH; i++) {
		if (attached[i].dom != dom)
			continue;
		if (n < max && sids)
			sids[n] = attached[i].sid;
		n++;
	}
	return n;
}
