/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMMUv3 probe, reset and enable (IHI 0070 6.3, 3.x).
 *
 * Hand-over policy: if firmware left the SMMU enabled (SMMUEN) or set
 * GBPA.ABORT (TF-A does, so DMA is blocked until an OS takes over), we say
 * so, hold incoming traffic with GBPA.ABORT while the SMMU is disabled and
 * reprogrammed, and take it over with our own tables.  Models without GBPA
 * (QEMU 7.2) let DMA through while SMMUEN is 0; nothing DMAs that early.
 */
#include <string.h>

#include <tollgate/barrier.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/platform.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/pci.h>
#include <tollgate/poll.h>

#include "smmu_internal.h"
#include "smmu_queue.h"
#include "smmu_regs.h"

#define ACK_TIMEOUT_US	100000

static struct smmu instances[SMMU_MAX_INSTANCES];
static unsigned int ninstances;

uint32_t smmu_read32(struct smmu *smmu, uint32_t off)
{
	return mmio_read32(smmu->regs + off);
}

void smmu_write32(struct smmu *smmu, uint32_t off, uint32_t val)
{
	mmio_write32(smmu->regs + off, val);
}

/* 64-bit registers: one access on AArch64, two 32-bit halves on AArch32
 * (both allowed by IHI 0070 6.2). */
void smmu_write64(struct smmu *smmu, uint32_t off, uint64_t val)
{
	mmio_write64(smmu->regs + off, val);
}

void smmu_flush(struct smmu *smmu, const void *p, size_t len)
{
	if (smmu->noncoherent)
		plat_cache(PLAT_CACHE_CLEAN, p, len);
	arch_dsb();
}

unsigned int smmu_count(void)
{
	return ninstances;
}

struct smmu *smmu_get(unsigned int idx)
{
	return idx < ninstances ? &instances[idx] : NULL;
}

struct smmu *smmu_from_node(int node)
{
	for (unsigned int i = 0; i < ninstances; i++)
		if (instances[i].node == node)
			return &instances[i];
	return NULL;
}

const struct smmu_features *smmu_features(const struct smmu *smmu)
{
	return smmu ? &smmu->feat : NULL;
}

const struct smmu_counters *smmu_counters(const struct smmu *smmu)
{
	return smmu ? &smmu->cnt : NULL;
}

uint64_t smmu_base(const struct smmu *smmu)
{
	return smmu ? smmu->phys : 0;
}

void smmu_force_noncoherent(struct smmu *smmu, bool on)
{
	if (smmu)
		smmu->noncoherent = on || !smmu->feat.coherent;
}

int smmu_set_fault_handler(struct smmu *smmu, smmu_fault_handler_t fn, void *ctx)
{
	if (!smmu)
		return TG_EINVAL;
	unsigned long flags = plat_lock_irqsave();	/* the event path reads both */

	smmu->fault_fn = fn;
	smmu->fault_ctx = ctx;
	plat_unlock_irqrestore(flags);
	return TG_OK;
}

int smmu_queue_init(struct smmu *smmu, struct smmu_queue *q, unsigned int log2,
		    unsigned int max_log2, unsigned int entry_bytes, uint32_t base_reg,
		    uint32_t prod_reg)
{
	q->log2 = max_log2 < log2 ? max_log2 : log2;
	q->entry_bytes = entry_bytes;
	size_t bytes = (size_t)entry_bytes << q->log2;
	q->base = plat_dma_alloc(bytes, bytes, &q->phys);
	if (!q->base)
		return TG_ENOMEM;
	q->prod = q->cons = 0;
	q->prod_reg = prod_reg;
	q->cons_reg = SMMU_Q_CONS(prod_reg);
	smmu_write64(smmu, base_reg, Q_BASE_RA_WA | (q->phys & Q_BASE_ADDR_MASK) | q->log2);
	smmu_write32(smmu, prod_reg, 0);
	smmu_write32(smmu, q->cons_reg, 0);
	return TG_OK;
}

static void decode_features(struct smmu *smmu, bool dt_coherent)
{
	static const unsigned char oas[] = { 32, 36, 40, 42, 44, 48, 52 };
	struct smmu_features *f = &smmu->feat;
	uint32_t idr0 = smmu->idr[0], idr1 = smmu->idr[1], idr3 = smmu->idr[3], idr5 = smmu->idr[5];

	f->s1 = (idr0 & IDR0_S1P) && (IDR0_TTF(idr0) & 2);
	f->s2 = (idr0 & IDR0_S2P) != 0;
	f->coherent = (idr0 & IDR0_COHACC) && dt_coherent;
	f->two_level_st = IDR0_ST_LEVEL(idr0) == 1;
	f->asid16 = (idr0 & IDR0_ASID16) != 0;
	f->msi = (idr0 & IDR0_MSI) != 0;
	f->sev = (idr0 & IDR0_SEV) != 0;
	f->ats = (idr0 & IDR0_ATS) != 0;
	f->pri = (idr0 & IDR0_PRI) != 0;
	f->ril = (idr3 & IDR3_RIL) != 0;
	f->sid_bits = (unsigned)IDR1_SIDSIZE(idr1);
	f->ssid_bits = (unsigned)IDR1_SSIDSIZE(idr1);
	f->cmdq_max_log2 = (unsigned)IDR1_CMDQS(idr1);
	f->evtq_max_log2 = (unsigned)IDR1_EVENTQS(idr1);
	f->oas_bits = IDR5_OAS(idr5) < sizeof(oas) ? oas[IDR5_OAS(idr5)] : 48;
	f->gran4k = (idr5 & IDR5_GRAN4K) != 0;
	f->gran16k = (idr5 & IDR5_GRAN16K) != 0;
	f->gran64k = (idr5 & IDR5_GRAN64K) != 0;
	f->vax_bits = IDR5_VAX(idr5) == 1 ? 52 : 48;
	smmu->noncoherent = !f->coherent;
}

static void log_features(struct smmu *smmu)
{
	const struct smmu_features *f = &smmu->feat;

	pr_info("arm-smmu-v3 %s: SMMUv3.%u: stages%s%s, %s stream table, SIDSIZE %u, SSIDSIZE %u, "
		"ASID %u bits, OAS %u bits, granules%s%s%s\n",
		smmu->name, (unsigned)(smmu_read32(smmu, SMMU_AIDR) & 0xf),
		f->s1 ? " S1" : "", f->s2 ? " S2" : "", f->two_level_st ? "2-level" : "linear",
		f->sid_bits, f->ssid_bits, f->asid16 ? 16 : 8, f->oas_bits,
		f->gran4k ? " 4K" : "", f->gran16k ? " 16K" : "", f->gran64k ? " 64K" : "");
	pr_info("arm-smmu-v3 %s: RIL %s, MSI %s, ATS %s, PRI %s, %s, cmdq 2^%u, evtq 2^%u max\n",
		smmu->name, f->ril ? "yes" : "no", f->msi ? "yes" : "no",
		f->ats ? "yes" : "no", f->pri ? "yes" : "no",
		f->coherent ? "coherent" : "non-coherent (tables cleaned to PoC)",
		f->cmdq_max_log2, f->evtq_max_log2);
}

/* CR0 and IRQ_CTRL: written, then polled (bounded) until their ACK register agrees. */
static int write_ack(struct smmu *smmu, uint32_t reg, uint32_t val)
{
	uint32_t ack = SMMU_ACK(reg);

	smmu_write32(smmu, reg, val);
	int err = tg_poll_until(smmu_read32(smmu, ack) == val, ACK_TIMEOUT_US);
	if (err)
		pr_err("arm-smmu-v3 %s: register 0x%x not acknowledged (wrote 0x%x, ack 0x%x)\n",
		       smmu->name, (unsigned)reg, (unsigned)val,
		       (unsigned)smmu_read32(smmu, ack));
	return err;
}

static int take_over(struct smmu *smmu)
{
	uint32_t cr0 = smmu_read32(smmu, SMMU_CR0);
	uint32_t gbpa = smmu_read32(smmu, SMMU_GBPA);

	if (gbpa & GBPA_ABORT)
		pr_info("arm-smmu-v3 %s: firmware left GBPA.ABORT set (DMA blocked); taking over\n",
			smmu->name);
	if (cr0 & CR0_SMMUEN) {
		pr_warn("arm-smmu-v3 %s: firmware left the SMMU enabled; aborting DMA while we reset it\n",
			smmu->name);
		smmu_write32(smmu, SMMU_GBPA, GBPA_UPDATE | GBPA_ABORT);
		if (tg_poll_until(!(smmu_read32(smmu, SMMU_GBPA) & GBPA_UPDATE), ACK_TIMEOUT_US))
			return TG_ETIMEDOUT;
	}
	return write_ack(smmu, SMMU_CR0, 0);
}

static void smmu_evtq_irq(unsigned int intid, void *ctx)
{
	smmu_poll_events(ctx);
}

/* A command-queue error is repaired here and by a thread waiting for its SYNC. */
static void smmu_gerror_irq(unsigned int intid, void *ctx)
{
	unsigned long flags = plat_lock_irqsave();

	smmu_gerror_handle(ctx);
	plat_unlock_irqrestore(flags);
}

static void request_irq_by_name(struct smmu *smmu, const struct fdt *fdt, const char *name,
				plat_irq_handler_t fn, unsigned int *out)
{
	struct fdt_irq spec;
	unsigned int intid;

	if (fdt_irq_by_name(fdt, smmu->node, name, &spec) != TG_OK &&
	    fdt_irq_by_name(fdt, smmu->node, "combined", &spec) != TG_OK)
		return;
	/* The SMMU signals with pulses: only an edge-triggered GIC input latches them. */
	if (plat_irq_request(&spec, true, fn, smmu, &intid) == TG_OK)
		*out = intid;
}

static int smmu_reset(struct smmu *smmu, const struct fdt *fdt)
{
	int err = take_over(smmu);

	if (err)
		return err;
	err = write_ack(smmu, SMMU_IRQ_CTRL, 0);
	if (err)
		return err;
	/* Queues and tables write-back, inner shareable; non-cacheable (all 0)
	 * when the SMMU does not snoop: we clean them to PoC instead. */
	const uint32_t wb = CR1_QUEUE_IC(CR1_CACHE_WB) | CR1_QUEUE_OC(CR1_CACHE_WB) |
			    CR1_QUEUE_SH(CR1_SH_ISH) | CR1_TABLE_IC(CR1_CACHE_WB) |
			    CR1_TABLE_OC(CR1_CACHE_WB) | CR1_TABLE_SH(CR1_SH_ISH);
	smmu_write32(smmu, SMMU_CR1, smmu->noncoherent ? 0 : wb);
	/* No broadcast TLB maintenance from the CPU reaches us: PTM. */
	smmu_write32(smmu, SMMU_CR2, CR2_RECINVSID | CR2_PTM);

	if ((err = smmu_strtab_init(smmu)) ||
	    (err = smmu_queue_init(smmu, &smmu->cmdq, SMMU_CMDQ_LOG2, smmu->feat.cmdq_max_log2,
				   sizeof(struct smmu_cmd), SMMU_CMDQ_BASE, SMMU_CMDQ_PROD)) ||
	    (err = smmu_evtq_init(smmu)))
		return err;
	/* Errors firmware left active belong to its queues, not ours: acknowledge them. */
	smmu->gerrorn = smmu_read32(smmu, SMMU_GERROR);
	smmu_write32(smmu, SMMU_GERRORN, smmu->gerrorn);

	err = write_ack(smmu, SMMU_CR0, CR0_CMDQEN);
	if (err)
		return err;
	static const struct smmu_cmd inval[2] = {
		{ { CMD_CFGI_STE_RANGE, 31 } },	/* every STE */
		{ { CMD_TLBI_NSNH_ALL, 0 } },
	};
	err = TG_LOCKED(smmu_cmdq_issue_sync(smmu, inval, 2));
	if (err)
		return err;
	err = write_ack(smmu, SMMU_CR0, CR0_CMDQEN | CR0_EVENTQEN);
	if (err)
		return err;

	request_irq_by_name(smmu, fdt, "eventq", smmu_evtq_irq, &smmu->irq_evtq);
	request_irq_by_name(smmu, fdt, "gerror", smmu_gerror_irq, &smmu->irq_gerror);
	err = write_ack(smmu, SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVENTQ_IRQEN);
	if (err)
		return err;
	return write_ack(smmu, SMMU_CR0, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
}

/* Gives every PCI function behind this SMMU its default (deny) STE now,
 * so its level-2 table exists and its traffic is refused quietly. */
static void setup_pci_streams(struct smmu *smmu)
{
	unsigned int n = 0;
	unsigned long flags = plat_lock_irqsave();	/* once for all of them */

	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (!d->has_sid || d->iommu_node != smmu->node)
			continue;
#if defined(TG_SMMU_DEFAULT_BYPASS)
		if (smmu_stream_bypass_locked(smmu, d->sid) == TG_OK)
#else
		if (smmu_stream_abort_locked(smmu, d->sid) == TG_OK)
#endif
			n++;
	}
	plat_unlock_irqrestore(flags);
	pr_info("arm-smmu-v3 %s: %u PCI streams, default %s\n", smmu->name, n,
#if defined(TG_SMMU_DEFAULT_BYPASS)
		"bypass"
#else
		"abort (deny)"
#endif
	);
}

static int smmu_probe(struct smmu *smmu, const struct fdt *fdt, int node)
{
	uint64_t base, size;
	int err = fdt_reg(fdt, node, 0, &base, &size);

	if (err)
		return err;
	if (size < SMMU_REG_SPACE)
		return TG_EFDT_PROP;
	memset(smmu, 0, sizeof(*smmu));
	smmu->node = node;
	smmu->phys = base;
#if !defined(TG_LOG_DISABLE)
	/* The name only prefixes log lines: compiled out with them. */
	const char *nn = fdt_node_name(fdt, node);
	tg_snprintf(smmu->name, sizeof(smmu->name), "%llx.%.*s", (unsigned long long)base,
		    (int)strcspn(nn, "@"), nn);
#endif
	smmu->regs = plat_map(base, SMMU_REG_SPACE, PLAT_MEM_DEVICE);
	if (!smmu->regs)
		return TG_ENOMEM;
	for (unsigned int i = 0; i < 6; i++)
		smmu->idr[i] = smmu_read32(smmu, SMMU_IDR0 + 4 * i);
	if (smmu->idr[0] == 0xffffffffu)
		return TG_EIO;
	decode_features(smmu, fdt_getprop(fdt, node, "dma-coherent", NULL) != NULL);
	/* Implementations that only decode register page 0 (Linux binding
	 * arm,smmu-v3: cavium,cn9900-broken-page1-regspace), or the build option. */
	smmu->page0_only = fdt_getprop(fdt, node, "cavium,cn9900-broken-page1-regspace", NULL) != NULL;
#if defined(TG_SMMU_PAGE0_ONLY)
	smmu->page0_only = true;
#endif
	log_features(smmu);
	if (!smmu->feat.s1) {
		pr_err("arm-smmu-v3 %s: no stage 1 with AArch64 tables: not supported\n", smmu->name);
		return TG_ENOTSUP;
	}
	err = smmu_reset(smmu, fdt);
	if (err)
		return err;
	setup_pci_streams(smmu);
	return TG_OK;
}

int smmu_init_from_fdt(const struct fdt *fdt)
{
	if (!fdt)
		return TG_EINVAL;
	int node = -1;

	while ((node = fdt_node_by_compatible(fdt, node, "arm,smmu-v3")) >= 0) {
		if (!fdt_is_available(fdt, node) || ninstances >= SMMU_MAX_INSTANCES)
			continue;
		int err = smmu_probe(&instances[ninstances], fdt, node);
		if (err) {
			pr_err("arm-smmu-v3 %s: probe failed: %s\n", fdt_node_name(fdt, node),
			       tg_strerror(err));
			continue;
		}
		ninstances++;
	}
	return (int)ninstances;
}
