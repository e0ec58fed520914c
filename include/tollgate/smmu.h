/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 driver (Arm IHI 0070): probe and reset from the DT, stream table,
 * command and event queues, global errors.  Streams no driver attached are
 * aborted (deny by default); building with -DTG_SMMU_DEFAULT_BYPASS makes
 * them bypass instead.
 */
#ifndef TOLLGATE_SMMU_H
#define TOLLGATE_SMMU_H

#include <stdbool.h>
#include <stdint.h>

struct fdt;
struct smmu;

#define SMMU_MAX_INSTANCES	2

struct smmu_features {
	bool s1, s2;
	bool coherent;		/* IDR0.COHACC and the node is dma-coherent */
	bool two_level_st;	/* IDR0.ST_LEVEL */
	bool asid16, msi, sev, ril, ats, pri;
	unsigned int sid_bits, ssid_bits;
	unsigned int oas_bits;
	unsigned int cmdq_max_log2, evtq_max_log2;
	bool gran4k, gran16k, gran64k;
	unsigned int vax_bits;	/* input address bits: 48 or 52 */
};

struct smmu_counters {
	unsigned long commands;
	unsigned long syncs;
	unsigned long cmd_errors;
	unsigned long events;
	unsigned long events_lost;	/* overflow (OVFLG or GERROR.EVENTQ_ABT_ERR) */
	unsigned long gerrors;
};

/* One decoded event record (IHI 0070 7.3). */
struct smmu_fault {
	unsigned int type;	/* EVT_* code */
	const char *name;	/* "F_TRANSLATION" */
	uint32_t sid;
	uint64_t addr;		/* input address (IOVA) */
	bool write;
	unsigned int class;	/* 0 CD, 1 TT, 2 IN */
};

typedef void (*smmu_fault_handler_t)(const struct smmu_fault *fault, void *ctx);

/* Probes and enables every arm,smmu-v3 node; returns how many came up. */
int smmu_init_from_fdt(const struct fdt *fdt);
unsigned int smmu_count(void);
struct smmu *smmu_get(unsigned int idx);
/* The instance for a DT node (a device's iommu-map target), or NULL. */
struct smmu *smmu_from_node(int node);
const struct smmu_features *smmu_features(const struct smmu *smmu);
const struct smmu_counters *smmu_counters(const struct smmu *smmu);
uint64_t smmu_base(const struct smmu *smmu);

/* Stream configuration without translation. */
int smmu_stream_bypass(struct smmu *smmu, uint32_t sid);
int smmu_stream_abort(struct smmu *smmu, uint32_t sid);
/* Invalid STE: the SMMU reports C_BAD_STE for any traffic. */
int smmu_stream_invalidate(struct smmu *smmu, uint32_t sid);

/* Every fault event of `sid` (or of all streams with sid = ~0u) is passed
 * to `fn` after it is logged. One handler per instance for now. */
int smmu_set_fault_handler(struct smmu *smmu, smmu_fault_handler_t fn, void *ctx);
/* Reads and reports pending events now (also called from the IRQ). */
unsigned int smmu_poll_events(struct smmu *smmu);

/*
 * The event log: the last SMMU_EVENT_LOG faults of all SMMUs, numbered
 * 1, 2, ...  smmu_event_mark() drains every event queue first and returns
 * the number of the newest event (0: none yet); smmu_event_get(seq) copies
 * event `seq` (TG_ENOENT: not yet recorded, TG_ERANGE: overwritten).
 * Typical check: m = mark(); DMA; for (s = m + 1; s <= mark(); s++) get(s).
 */
#define SMMU_EVENT_LOG	256
unsigned long smmu_event_mark(void);
int smmu_event_get(unsigned long seq, struct smmu_fault *out);

/* Completes all commands issued so far (CMD_SYNC, bounded wait). */
int smmu_sync(struct smmu *smmu);
/* Test hook: queue a raw 16-byte command (e.g. an illegal opcode). */
int smmu_test_issue_raw(struct smmu *smmu, uint64_t w0, uint64_t w1);

/* Test hook: replaces the event queue by one of 2^log2 entries (0 = the
 * default size), e.g. to make it overflow on purpose. */
int smmu_test_resize_evtq(struct smmu *smmu, unsigned int log2);

/* Forces cache maintenance of tables and queues as for a non-coherent
 * SMMU (takes effect for tables written after the call). */
void smmu_force_noncoherent(struct smmu *smmu, bool on);



/* ---- translation domains ----------------------------------------------------
 * A domain is one stage-1 address space (context descriptor + page tables +
 * its own ASID) that streams are attached to.
 */
struct smmu_domain;

struct smmu_domain_counters {
	unsigned long maps, unmaps;
	unsigned long commands, syncs;
	unsigned long events;
};

#define SMMU_MAX_DOMAINS	16
#define SMMU_MAX_ATTACH		32	/* streams attached, per SMMU */

/* ias_bits: IOVA size, 32..48 (0 = 48).  NULL when out of domains/ASIDs/memory. */
struct smmu_domain *smmu_domain_create(struct smmu *smmu, unsigned int ias_bits);
/* Same with a translation granule of 2^granule_shift (12, 14 or 16), if
 * SMMU_IDR5 says the SMMU has it (NULL otherwise). */
struct smmu_domain *smmu_domain_create_granule(struct smmu *smmu, unsigned int ias_bits,
					       unsigned int granule_shift);
/* Detaches every stream (they go back to the default STE) and frees it all. */
void smmu_domain_destroy(struct smmu_domain *dom);
/*
 * Streaming DMA domains: keep last-level tables linked when an unmap
 * empties them (freed with the domain), so map/unmap cycles allocate
 * nothing and need no walk-cache invalidation.  See io_pgtable_cfg.
 */
int smmu_domain_keep_leaf_tables(struct smmu_domain *dom, bool keep);
/*
 * Many ranges in one go (a scatterlist): starts an io_pgtable batch on the
 * domain's tables; map with io_pgtable_batch_map() and end with
 * io_pgtable_batch_finish() (include/tollgate/io_pgtable.h).  The caller
 * holds the core lock (plat_lock_irqsave) from start to finish.
 */
struct io_pgtable_batch;
int smmu_map_batch_start(struct smmu_domain *dom, unsigned int prot, struct io_pgtable_batch *b);
/* TG_EBUSY: the stream is attached to a domain already; TG_ERANGE: SID too big. */
int smmu_domain_attach(struct smmu_domain *dom, uint32_t sid);
/* TG_ENOENT: the stream is not attached to this domain. */
int smmu_domain_detach(struct smmu_domain *dom, uint32_t sid);
/* prot: IOMMU_READ/WRITE/MMIO/... (io_pgtable.h).  Errors as io_pgtable_map. */
int smmu_map(struct smmu_domain *dom, uint64_t iova, uint64_t phys, uint64_t size, unsigned int prot);
/* Unmaps, invalidates the TLB for the range (range TLBI when the SMMU has
 * RIL) with one CMD_SYNC; returns bytes unmapped or a TG_E* code. */
int64_t smmu_unmap(struct smmu_domain *dom, uint64_t iova, uint64_t size);
int smmu_iova_to_phys(struct smmu_domain *dom, uint64_t iova, uint64_t *phys);
/* Same, with the IOMMU_* permissions the mapping grants (io_pgtable.h). */
int smmu_iova_lookup(struct smmu_domain *dom, uint64_t iova, uint64_t *phys, unsigned int *prot);
int smmu_domain_set_fault_handler(struct smmu_domain *dom, smmu_fault_handler_t fn, void *ctx);
const struct smmu_domain_counters *smmu_domain_counters(const struct smmu_domain *dom);
uint16_t smmu_domain_asid(const struct smmu_domain *dom);
/* Unmaps several ranges (each entirely mapped) with one invalidation and
 * one CMD_SYNC; all or nothing is checked up front.  Returns bytes unmapped. */
int64_t smmu_unmap_ranges(struct smmu_domain *dom, const uint64_t (*ranges)[2], unsigned int n);
/* Test hook: unmaps WITHOUT TLB invalidation, to show why it is needed. */
int64_t smmu_test_unmap_no_tlbi(struct smmu_domain *dom, uint64_t iova, uint64_t size);
/* The domain a stream is attached to, or NULL. */
struct smmu_domain *smmu_domain_of_stream(struct smmu *smmu, uint32_t sid);
/*
 * Every function above that changes or walks an SMMU's queues, stream
 * table or a domain's tables takes the core lock (platform.h) for its
 * duration.  The DMA layer, which holds it across a whole dma_map_*, calls
 * these instead: the same, with the lock already held by the caller.
 */
int smmu_map_locked(struct smmu_domain *dom, uint64_t iova, uint64_t phys, uint64_t size,
		    unsigned int prot);
int64_t smmu_unmap_locked(struct smmu_domain *dom, uint64_t iova, uint64_t size);
int64_t smmu_unmap_ranges_locked(struct smmu_domain *dom, const uint64_t (*ranges)[2],
				 unsigned int n);
int smmu_iova_lookup_locked(struct smmu_domain *dom, uint64_t iova, uint64_t *phys,
			    unsigned int *prot);

/* ---- read-only views (the shell's `smmu`; iommu/smmu_info.c) -------------- */
struct io_pgtable;

/* What a stream's STE does with its transactions (STE.V and STE.Config). */
enum smmu_ste_kind {
	SMMU_STE_INVALID,	/* V = 0: C_BAD_STE for any traffic */
	SMMU_STE_ABORT,
	SMMU_STE_BYPASS,
	SMMU_STE_TRANSLATE,	/* stage 1 through a context descriptor */
	SMMU_STE_OTHER,		/* a Config this driver never writes */
};

struct smmu_stream_info {
	uint32_t sid;
	enum smmu_ste_kind kind;
	struct smmu_domain *dom;	/* for SMMU_STE_TRANSLATE, or NULL */
};

struct smmu_strtab_info {
	bool two_level;
	unsigned int sid_bits;		/* StreamIDs the table covers */
	unsigned int l2_tables;		/* level-2 tables allocated (2-level) */
	uint64_t phys;			/* STRTAB_BASE */
	uint64_t bytes;			/* linear table or level-1 array */
};

int smmu_strtab_info(const struct smmu *smmu, struct smmu_strtab_info *out);
/* The STE of `sid` (TG_ERANGE past the table; a SID whose level-2 table
 * was never allocated reports the default kind). */
int smmu_stream_info(struct smmu *smmu, uint32_t sid, struct smmu_stream_info *out);
/* The first SID >= `from` whose STE is not the default one (abort, or
 * bypass in SMMU_DEFAULT=bypass builds); TG_ENOENT when none is left. */
int smmu_stream_next_live(struct smmu *smmu, uint32_t from, struct smmu_stream_info *out);

/* Every live domain, in slot order: smmu_domain_next(NULL) is the first;
 * NULL after the last. */
struct smmu_domain *smmu_domain_next(struct smmu_domain *prev);
struct smmu *smmu_domain_smmu(const struct smmu_domain *dom);
/* The domain's stage-1 tables (for io_pgtable_walk and the granule). */
const struct io_pgtable *smmu_domain_pgtable(const struct smmu_domain *dom);
/* Copies up to `max` StreamIDs attached to the domain; returns how many
 * are attached in all. */
unsigned int smmu_domain_streams(const struct smmu_domain *dom, uint32_t *sids, unsigned int max);

#endif
