/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fake SMMUv3 and the host stand-ins of the SMMU driver's
 * dependencies (see smmu_fake.h).  Register offsets and fields are
 * written here again from Arm IHI 0070 chapter 6 rather than taken from
 * iommu/smmu_regs.h, so a wrong offset in the driver's header shows up.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <tollgate/arch.h>
#include <tollgate/console.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/page_alloc.h>
#include <tollgate/platform.h>
#include <tollgate/timer.h>

#include "smmu_fake.h"
#include "util.h"

/* ---- registers (IHI 0070 6.3) ------------------------------------------- */

#define R_IDR0		0x00
#define R_AIDR		0x1c
#define R_CR0		0x20
#define R_CR0ACK	0x24
#define  CR0_SMMUEN	(1u << 0)
#define  CR0_EVENTQEN	(1u << 2)
#define  CR0_CMDQEN	(1u << 3)
#define R_GBPA		0x44
#define  GBPA_UPDATE	(1u << 31)
#define R_IRQ_CTRL	0x50
#define R_IRQ_CTRLACK	0x54
#define R_GERROR	0x60
#define R_GERRORN	0x64
#define  GERR_CMDQ	(1u << 0)
#define  GERR_EVTQ_ABT	(1u << 2)
#define R_STRTAB_BASE	0x80
#define R_STRTAB_CFG	0x88
#define R_CMDQ_BASE	0x90
#define R_CMDQ_PROD	0x98
#define R_CMDQ_CONS	0x9c
#define  CONS_ERR_SHIFT	24
#define  CONS_ERR_MASK	(0x7fu << 24)
#define  CERROR_ILL	1u
#define R_EVTQ_BASE	0xa0
#define R_EVTQ_PROD	0x100a8		/* page 1 */
#define R_EVTQ_CONS	0x100ac
#define  Q_OVF		(1u << 31)
#define REG_SPACE	0x20000

#define Q_ADDR_MASK	0x000fffffffffffe0ull	/* 51:5 */
#define ST_ADDR_MASK	0x000fffffffffffc0ull	/* 51:6 */
#define L1_L2PTR_MASK	0x000fffffffffffc0ull
#define CD_TTB0_MASK	0x000ffffffffffff0ull
#define PTE_OA_MASK	0x0000fffffffff000ull

struct fake_smmu fake_smmu[FAKE_SMMU_MAX];

static uint8_t regs_mem[FAKE_SMMU_MAX][REG_SPACE] __attribute__((aligned(65536)));

static uint8_t *pool;		/* CPU view, at FAKE_POOL_BASE */
static uint8_t *dram;		/* what a non-coherent SMMU sees */
static struct fdt the_fdt;
static uint8_t *dtb_blob;
static uint64_t now_ns;

/* ---- small helpers ------------------------------------------------------- */

static void violation(struct fake_smmu *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The core lock as the tests see it: never nested, free after every call. */
static struct {
	unsigned int depth;
	unsigned long taken, nested, bad_release;
} core_lock;

static void violation(struct fake_smmu *f, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f->violations++)
		snprintf(f->violation, sizeof(f->violation), "%s", msg);
	printf("fake-smmu%u: VIOLATION: %s\n", f->idx, msg);
}

uint32_t fake_reg32(const struct fake_smmu *f, uint32_t off)
{
	uint32_t v;

	memcpy(&v, f->regs + off, 4);
	return v;
}

uint64_t fake_reg64(const struct fake_smmu *f, uint32_t off)
{
	uint64_t v;

	memcpy(&v, f->regs + off, 8);
	return v;
}

void fake_set_reg32(struct fake_smmu *f, uint32_t off, uint32_t v)
{
	memcpy(f->regs + off, &v, 4);
}

static bool in_pool(uint64_t pa, size_t len)
{
	return pa >= FAKE_POOL_BASE && len <= FAKE_POOL_SIZE &&
	       pa - FAKE_POOL_BASE <= FAKE_POOL_SIZE - len;
}

/* A read by the SMMU: from the CPU's memory (coherent) or "DRAM". */
static bool smmu_read(struct fake_smmu *f, uint64_t pa, void *buf, size_t len, bool *stale)
{
	if (stale)
		*stale = false;
	if (!in_pool(pa, len)) {
		violation(f, "SMMU read of %zu bytes at 0x%llx, outside RAM", len,
			  (unsigned long long)pa);
		memset(buf, 0, len);
		return false;
	}
	const uint8_t *cpu = (const uint8_t *)(uintptr_t)pa;
	if (f->noncoherent) {
		memcpy(buf, dram + (pa - FAKE_POOL_BASE), len);
		if (memcmp(buf, cpu, len)) {
			f->stale_reads++;
			if (stale)
				*stale = true;
		}
	} else {
		memcpy(buf, cpu, len);
	}
	return true;
}

static void smmu_write(struct fake_smmu *f, uint64_t pa, const void *buf, size_t len)
{
	if (!in_pool(pa, len)) {
		violation(f, "SMMU write of %zu bytes at 0x%llx, outside RAM", len,
			  (unsigned long long)pa);
		return;
	}
	if (f->noncoherent)
		memcpy(dram + (pa - FAKE_POOL_BASE), buf, len);
	else
		memcpy((void *)(uintptr_t)pa, buf, len);
}

uint64_t fake_read64(struct fake_smmu *f, uint64_t pa)
{
	uint64_t v;

	smmu_read(f, pa, &v, 8, NULL);
	return v;
}

/* ---- environment ----------------------------------------------------------- */

void fake_env_init(void)
{
	void *p = mmap((void *)(uintptr_t)FAKE_POOL_BASE, FAKE_POOL_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != (void *)(uintptr_t)FAKE_POOL_BASE) {
		fprintf(stderr, "smmu_fake: cannot map the page pool at 0x%llx\n",
			(unsigned long long)FAKE_POOL_BASE);
		abort();
	}
	pool = p;
	dram = malloc(FAKE_POOL_SIZE);
	if (!dram)
		abort();
	memset(dram, 0xa5, FAKE_POOL_SIZE);
	if (page_alloc_init(FAKE_POOL_BASE, FAKE_POOL_SIZE) != TG_OK) {
		fprintf(stderr, "smmu_fake: page_alloc_init failed\n");
		abort();
	}
	size_t len;
	dtb_blob = tu_load2(tu_dtb_dir(), "virt-gicv3.dtb", &len);
	if (fdt_open(&the_fdt, dtb_blob, len, NULL) != TG_OK) {
		fprintf(stderr, "smmu_fake: virt-gicv3.dtb does not parse\n");
		abort();
	}
}

const struct fdt *fake_fdt(void)
{
	return &the_fdt;
}

int fake_smmu_node(void)
{
	return fdt_node_by_compatible(&the_fdt, -1, "arm,smmu-v3");
}

struct fake_smmu *fake_smmu_setup(unsigned int idx)
{
	struct fake_smmu *f = &fake_smmu[idx];

	free(f->log);
	memset(f, 0, sizeof(*f));
	f->idx = idx;
	f->regs = regs_mem[idx];
	memset(f->regs, 0, REG_SPACE);
	f->idr[0] = QEMU_IDR0;
	f->idr[1] = QEMU_IDR1;
	f->idr[3] = QEMU_IDR3;
	f->idr[5] = QEMU_IDR5;
	f->aidr = 1;		/* SMMUv3.1 */
	f->configured = true;
	return f;
}

static void load_reset_values(struct fake_smmu *f)
{
	for (unsigned int i = 0; i < 6; i++)
		fake_set_reg32(f, R_IDR0 + 4 * i, f->idr[i]);
	fake_set_reg32(f, R_AIDR, f->aidr);
	fake_set_reg32(f, R_CR0, f->cr0_reset);
	fake_set_reg32(f, R_CR0ACK, f->cr0_reset);
	fake_set_reg32(f, R_GBPA, f->gbpa_reset);
	fake_set_reg32(f, R_GERROR, f->gerror_reset);
	fake_set_reg32(f, R_CMDQ_CONS, f->cmdq_cons_reset);
	f->cr0ack = f->cr0_reset;
}

static void *fake_ioremap(uint64_t phys, size_t size)
{
	for (unsigned int i = 0; i < FAKE_SMMU_MAX; i++) {
		struct fake_smmu *f = &fake_smmu[i];
		if (!f->configured || f->claimed)
			continue;
		if (size > REG_SPACE)
			return NULL;
		f->claimed = true;
		load_reset_values(f);
		return f->regs;
	}
	return NULL;
}

struct smmu *fake_probe(struct fake_smmu *f)
{
	unsigned int before = smmu_count();
	int n = smmu_init_from_fdt(&the_fdt);

	if (n <= (int)before || !f->claimed) {
		f->retired = f->claimed;	/* the driver let go of it */
		return NULL;
	}
	return smmu_get((unsigned int)n - 1);
}

/* ---- stream table walk (IHI 0070 3.3, 5.1) --------------------------------- */

int fake_read_ste(struct fake_smmu *f, uint32_t sid, uint64_t ste[8], uint64_t *addr)
{
	uint64_t base = fake_reg64(f, R_STRTAB_BASE) & ST_ADDR_MASK;
	uint32_t cfg = fake_reg32(f, R_STRTAB_CFG);
	unsigned int log2size = cfg & 0x3f, split = (cfg >> 6) & 0x1f, fmt = (cfg >> 16) & 3;
	uint64_t at;

	memset(ste, 0, 8 * sizeof(uint64_t));
	if (addr)
		*addr = 0;
	if (!base)
		return FAKE_STE_NO_TABLE;
	if (log2size < 32 && (sid >> log2size))
		return FAKE_STE_RANGE;
	if (fmt == 0) {
		at = base + (uint64_t)sid * 64;
	} else {
		uint64_t l1 = fake_read64(f, base + (uint64_t)(sid >> split) * 8);
		unsigned int span = (unsigned int)(l1 & 0x1f);
		uint32_t lo = sid & ((1u << split) - 1);
		if (!span)
			return FAKE_STE_NO_L2;
		if (span > split + 1) {
			violation(f, "L1 descriptor for SID 0x%x: SPAN %u > SPLIT+1", sid, span);
			return FAKE_STE_NO_L2;
		}
		if (lo >= (1u << (span - 1)))
			return FAKE_STE_NO_L2;
		uint64_t l2 = l1 & L1_L2PTR_MASK;
		if (l2 & ((64ull << (span - 1)) - 1))
			violation(f, "L2Ptr 0x%llx not aligned to its %llu-byte table",
				  (unsigned long long)l2, (unsigned long long)(64ull << (span - 1)));
		at = l2 + (uint64_t)lo * 64;
	}
	if (addr)
		*addr = at;
	smmu_read(f, at, ste, 64, NULL);
	return FAKE_STE_OK;
}

int fake_translate(struct fake_smmu *f, const uint64_t cd[8], uint64_t iova, uint64_t *pa)
{
	unsigned int t0sz = (unsigned int)(cd[0] & 0x3f), tg0 = (unsigned int)((cd[0] >> 6) & 3);
	unsigned int ias = 64 - t0sz;

	if (tg0 != 0 || ias > 48 || ias < 25)
		return TG_EINVAL;
	if (iova >> ias)
		return TG_ERANGE;
	unsigned int levels = (ias - 12 + 8) / 9;
	unsigned int level = 4 - levels;
	uint64_t table = cd[1] & CD_TTB0_MASK;

	for (;; level++) {
		unsigned int shift = 12 + 9 * (3 - level);
		uint64_t idx = (iova >> shift) & 511;
		uint64_t d = fake_read64(f, table + idx * 8);
		if (!(d & 1))
			return TG_ENOENT;
		if (level < 3 && (d & 2)) {
			table = d & PTE_OA_MASK;
			continue;
		}
		if (level == 3 && !(d & 2))
			return TG_ENOENT;	/* reserved encoding */
		if (level == 0)
			return TG_ENOENT;	/* no level-0 blocks with 4 KiB */
		*pa = (d & PTE_OA_MASK & ~((1ull << shift) - 1)) | (iova & ((1ull << shift) - 1));
		return TG_OK;
	}
}

/* ---- command queue (3.5, chapter 4) ------------------------------------------- */

static bool opcode_legal(unsigned int op)
{
	switch (op) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
	case 0x10: case 0x11: case 0x12: case 0x13:
	case 0x20: case 0x21: case 0x22: case 0x23: case 0x28: case 0x2a:
	case 0x30: case 0x40: case 0x41: case 0x44: case 0x45: case 0x46:
		return true;
	default:
		return false;
	}
}

const char *fake_op_name(unsigned int op)
{
	switch (op) {
	case 0x01: return "PREFETCH_CONFIG";
	case 0x03: return "CFGI_STE";
	case 0x04: return "CFGI_STE_RANGE";
	case 0x05: return "CFGI_CD";
	case 0x06: return "CFGI_CD_ALL";
	case 0x10: return "TLBI_NH_ALL";
	case 0x11: return "TLBI_NH_ASID";
	case 0x12: return "TLBI_NH_VA";
	case 0x30: return "TLBI_NSNH_ALL";
	case 0x46: return "SYNC";
	default: return opcode_legal(op) ? "other" : "ILLEGAL";
	}
}

static struct fake_cmd *log_push(struct fake_smmu *f)
{
	if (f->nlog == f->caplog) {
		f->caplog = f->caplog ? 2 * f->caplog : 1024;
		f->log = realloc(f->log, f->caplog * sizeof(*f->log));
		if (!f->log)
			abort();
	}
	struct fake_cmd *c = &f->log[f->nlog++];
	memset(c, 0, sizeof(*c));
	return c;
}

static void snapshot_ste(struct fake_smmu *f, struct fake_cmd *c)
{
	uint32_t sid = F_SID(c->w[0]);
	unsigned long stale0 = f->stale_reads;

	c->has_ste = true;
	c->ste_status = fake_read_ste(f, sid, c->ste, &c->ste_addr);
	c->ste_stale = f->stale_reads != stale0;
	if (c->ste_status == FAKE_STE_OK && F_STE_V(c->ste[0]) &&
	    F_STE_CONFIG(c->ste[0]) == STE_CFG_S1) {
		unsigned long stale1 = f->stale_reads;
		c->has_cd = true;
		smmu_read(f, F_STE_S1CTXPTR(c->ste[0]), c->cd, 64, NULL);
		c->cd_stale = f->stale_reads != stale1;
	}
}

/* Executes one command; returns a CERROR code, 0 when it completed. */
static unsigned int exec_cmd(struct fake_smmu *f, const uint64_t w[2], uint32_t pos, bool stale)
{
	unsigned int op = F_OPCODE(w[0]);
	struct fake_cmd *c = log_push(f);

	c->w[0] = w[0];
	c->w[1] = w[1];
	c->op = op;
	c->pos = pos;
	c->cr0 = f->cr0ack;
	c->stale = stale;
	if (!opcode_legal(op))
		return CERROR_ILL;
	switch (op) {
	case FOP_CFGI_STE:
	case FOP_CFGI_CD:
		snapshot_ste(f, c);
		break;
	case FOP_TLBI_NH_VA:
		if (!(f->idr[3] & FAKE_IDR3_RIL) && (F_NUM(w[0]) || F_SCALE(w[0])))
			violation(f, "range TLBI (NUM %u SCALE %u) on an SMMU without IDR3.RIL",
				  F_NUM(w[0]), F_SCALE(w[0]));
		if (F_TG(w[1]) == 0 && (F_NUM(w[0]) || F_SCALE(w[0])))
			violation(f, "TLBI_NH_VA with NUM/SCALE but TG = 0");
		break;
	case FOP_SYNC: {
		unsigned int cs = F_SYNC_CS(w[0]);
		if (cs == 3)
			return CERROR_ILL;
		if (cs == 1 || (f->msi_ignore_cs && w[1])) {
			if (f->idr[0] & FAKE_IDR0_MSI) {
				uint64_t a = F_SYNC_MSIADDR(w[1]);
				uint32_t data = F_SYNC_MSIDATA(w[0]);
				smmu_write(f, a, &data, 4);
				f->msi_writes++;
			} else {
				f->sync_irqs++;
			}
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

static void consume_cmdq(struct fake_smmu *f)
{
	uint64_t base = f->cmdq_base & Q_ADDR_MASK;
	unsigned int log2 = (unsigned int)(f->cmdq_base & 0x1f);
	uint32_t size = 1u << log2, wmask = (2u << log2) - 1;
	uint32_t gerror = fake_reg32(f, R_GERROR);

	if ((gerror ^ fake_reg32(f, R_GERRORN)) & GERR_CMDQ)
		return;		/* stopped on an error until acknowledged */
	uint32_t prod = fake_reg32(f, R_CMDQ_PROD) & wmask;
	uint32_t consreg = fake_reg32(f, R_CMDQ_CONS);
	uint32_t cons = consreg & wmask;
	uint32_t pending = (prod - cons) & wmask;

	if (pending > size) {
		violation(f, "CMDQ PROD 0x%x is more than a queue ahead of CONS 0x%x", prod, cons);
		return;
	}
	if (pending > f->max_pending)
		f->max_pending = pending;
	if (f->hold_cmdq)
		return;
	for (unsigned int n = 0; cons != prod; n++) {
		if (f->cmds_per_step && n >= f->cmds_per_step)
			break;
		uint64_t w[2];
		bool stale;
		smmu_read(f, base + (uint64_t)(cons & (size - 1)) * 16, w, 16, &stale);
		unsigned int err = exec_cmd(f, w, cons, stale);
		if (err) {
			fake_set_reg32(f, R_CMDQ_CONS, cons | (err << CONS_ERR_SHIFT));
			fake_set_reg32(f, R_GERROR, gerror ^ GERR_CMDQ);
			f->cerrors++;
			return;
		}
		cons = (cons + 1) & wmask;
		if (!(cons & (size - 1)))
			f->wraps++;
	}
	/* CONS.ERR keeps the last error code (the driver must look at GERROR). */
	fake_set_reg32(f, R_CMDQ_CONS, cons | (consreg & CONS_ERR_MASK));
}

/* ---- enables ------------------------------------------------------------------ */

static void latch_queue(struct fake_smmu *f, uint32_t reg, unsigned int max_log2,
			unsigned int entry, uint64_t *latch, const char *name)
{
	uint64_t v = fake_reg64(f, reg);
	uint64_t base = v & Q_ADDR_MASK;
	unsigned int log2 = (unsigned int)(v & 0x1f);
	uint64_t bytes = (uint64_t)entry << log2;
	uint64_t align = bytes < 32 ? 32 : bytes;

	*latch = v;
	if (log2 > max_log2)
		violation(f, "%s LOG2SIZE %u > IDR1 maximum %u", name, log2, max_log2);
	if (base & (align - 1))
		violation(f, "%s base 0x%llx not aligned to its %llu bytes", name,
			  (unsigned long long)base, (unsigned long long)bytes);
	if (!in_pool(base, bytes))
		violation(f, "%s at 0x%llx (%llu bytes) is not in RAM", name,
			  (unsigned long long)base, (unsigned long long)bytes);
}

static void latch_strtab(struct fake_smmu *f)
{
	uint64_t base = fake_reg64(f, R_STRTAB_BASE) & ST_ADDR_MASK;
	uint32_t cfg = fake_reg32(f, R_STRTAB_CFG);
	unsigned int log2size = cfg & 0x3f, split = (cfg >> 6) & 0x1f, fmt = (cfg >> 16) & 3;
	uint64_t bytes;

	f->strtab_base = fake_reg64(f, R_STRTAB_BASE);
	f->strtab_cfg = cfg;
	if (log2size > (f->idr[1] & FAKE_IDR1_SIDSIZE_MASK))
		violation(f, "STRTAB LOG2SIZE %u > IDR1.SIDSIZE %u", log2size,
			  f->idr[1] & FAKE_IDR1_SIDSIZE_MASK);
	if (fmt == 0) {
		bytes = 64ull << log2size;
	} else if (fmt == 1) {
		if (((f->idr[0] >> 27) & 3) != 1)
			violation(f, "2-level stream table but IDR0.ST_LEVEL = %u",
				  (f->idr[0] >> 27) & 3);
		if (split != 6 && split != 8 && split != 10)
			violation(f, "STRTAB SPLIT %u is not 6, 8 or 10", split);
		bytes = 8ull << (log2size > split ? log2size - split : 0);
	} else {
		violation(f, "STRTAB FMT %u reserved", fmt);
		return;
	}
	uint64_t align = bytes < 64 ? 64 : bytes;
	if (base & (align - 1))
		violation(f, "stream table 0x%llx not aligned to %llu bytes",
			  (unsigned long long)base, (unsigned long long)align);
	if (!in_pool(base, bytes))
		violation(f, "stream table at 0x%llx (%llu bytes) is not in RAM",
			  (unsigned long long)base, (unsigned long long)bytes);
}

static void step_one(struct fake_smmu *f)
{
	uint32_t cr0 = fake_reg32(f, R_CR0), old = f->cr0ack;

	f->steps++;
	if ((old & CR0_CMDQEN) && fake_reg64(f, R_CMDQ_BASE) != f->cmdq_base)
		violation(f, "CMDQ_BASE changed while the command queue is enabled");
	if ((old & CR0_EVENTQEN) && fake_reg64(f, R_EVTQ_BASE) != f->evtq_base)
		violation(f, "EVENTQ_BASE changed while the event queue is enabled");
	if ((old & CR0_SMMUEN) && (fake_reg64(f, R_STRTAB_BASE) != f->strtab_base ||
				   fake_reg32(f, R_STRTAB_CFG) != f->strtab_cfg))
		violation(f, "STRTAB_BASE/CFG changed while SMMUEN = 1");
	if ((cr0 & CR0_CMDQEN) && !(old & CR0_CMDQEN)) {
		latch_queue(f, R_CMDQ_BASE, (f->idr[1] >> 21) & 0x1f, 16, &f->cmdq_base, "CMDQ");
		if ((fake_reg32(f, R_CMDQ_PROD) ^ fake_reg32(f, R_CMDQ_CONS)) & 0xfffff)
			violation(f, "CMDQ enabled with PROD != CONS");
	}
	if ((cr0 & CR0_EVENTQEN) && !(old & CR0_EVENTQEN))
		latch_queue(f, R_EVTQ_BASE, (f->idr[1] >> 16) & 0x1f, 32, &f->evtq_base, "EVENTQ");
	if ((cr0 & CR0_SMMUEN) && !(old & CR0_SMMUEN))
		latch_strtab(f);
	if (f->no_acks)
		return;
	f->cr0ack = cr0;
	fake_set_reg32(f, R_CR0ACK, cr0);
	uint32_t gbpa = fake_reg32(f, R_GBPA);
	if (gbpa & GBPA_UPDATE)
		fake_set_reg32(f, R_GBPA, gbpa & ~GBPA_UPDATE);
	fake_set_reg32(f, R_IRQ_CTRLACK, fake_reg32(f, R_IRQ_CTRL));
	if ((cr0 & CR0_CMDQEN) && ((fake_reg32(f, R_CMDQ_PROD) ^ fake_reg32(f, R_CMDQ_CONS)) & 0xfffff) &&
	    !core_lock.depth)
		violation(f, "commands pending while the core lock is free (PROD written outside it)");
	if (cr0 & CR0_CMDQEN)
		consume_cmdq(f);
}

void fake_step(void)
{
	for (unsigned int i = 0; i < FAKE_SMMU_MAX; i++)
		if (fake_smmu[i].claimed && !fake_smmu[i].retired)
			step_one(&fake_smmu[i]);
}

/* ---- log access ------------------------------------------------------------------ */

size_t fake_log_mark(const struct fake_smmu *f)
{
	return f->nlog;
}

const struct fake_cmd *fake_log(const struct fake_smmu *f, size_t i)
{
	return i < f->nlog ? &f->log[i] : NULL;
}

size_t fake_log_count(const struct fake_smmu *f, size_t from, int op)
{
	size_t n = 0;

	for (size_t i = from; i < f->nlog; i++)
		if (op < 0 || f->log[i].op == (unsigned int)op)
			n++;
	return n;
}

size_t fake_ste_steps(const struct fake_smmu *f, size_t from, uint32_t sid,
		      uint64_t (*out)[8], size_t max, unsigned int *unsynced)
{
	size_t n = 0;

	*unsynced = 0;
	for (size_t i = from; i < f->nlog; i++) {
		const struct fake_cmd *c = &f->log[i];
		if (c->op != FOP_CFGI_STE || F_SID(c->w[0]) != sid)
			continue;
		if (i + 1 >= f->nlog || f->log[i + 1].op != FOP_SYNC)
			(*unsynced)++;
		if (n < max)
			memcpy(out[n], c->ste, sizeof(c->ste));
		n++;
	}
	return n;
}

void fake_log_dump(const struct fake_smmu *f, size_t from)
{
	for (size_t i = from; i < f->nlog; i++) {
		const struct fake_cmd *c = &f->log[i];
		printf("  [%zu] pos 0x%03x %-15s %016llx %016llx", i, (unsigned)c->pos,
		       fake_op_name(c->op), (unsigned long long)c->w[0], (unsigned long long)c->w[1]);
		if (c->has_ste)
			printf("  ste(%d) %016llx %016llx", c->ste_status,
			       (unsigned long long)c->ste[0], (unsigned long long)c->ste[1]);
		printf("%s\n", c->stale ? " STALE" : "");
	}
}

/* ---- events (7.3, 7.4) ----------------------------------------------------------- */

void fake_event_record(uint64_t rec[4], unsigned int type, uint32_t sid, uint64_t addr,
		       bool read, unsigned int cls)
{
	rec[0] = (uint64_t)(type & 0xff) | ((uint64_t)sid << 32);
	/* Word 1: RnW bit 35, CLASS bits 41:40 (F_TRANSLATION layout). */
	rec[1] = ((uint64_t)read << 35) | ((uint64_t)(cls & 3) << 40);
	rec[2] = addr;
	rec[3] = 0;
}

bool fake_event_push(struct fake_smmu *f, const uint64_t rec[4])
{
	if (!(f->cr0ack & CR0_EVENTQEN)) {
		f->events_dropped++;
		return false;
	}
	uint64_t base = f->evtq_base & Q_ADDR_MASK;
	unsigned int log2 = (unsigned int)(f->evtq_base & 0x1f);
	uint32_t size = 1u << log2, wmask = (2u << log2) - 1;
	uint32_t prod = fake_reg32(f, R_EVTQ_PROD), cons = fake_reg32(f, R_EVTQ_CONS);

	if ((((prod & wmask) - (cons & wmask)) & wmask) == size) {
		f->events_dropped++;
		if (f->evtq_full_gerror) {
			uint32_t g = fake_reg32(f, R_GERROR);
			if (!((g ^ fake_reg32(f, R_GERRORN)) & GERR_EVTQ_ABT))
				fake_set_reg32(f, R_GERROR, g ^ GERR_EVTQ_ABT);
		} else if (!((prod ^ cons) & Q_OVF)) {
			/* Overflow: toggled once until software acknowledges it. */
			fake_set_reg32(f, R_EVTQ_PROD, prod ^ Q_OVF);
		}
		return false;
	}
	smmu_write(f, base + (uint64_t)(prod & (size - 1)) * 32, rec, 32);
	fake_set_reg32(f, R_EVTQ_PROD, (prod & Q_OVF) | ((prod + 1) & wmask));
	f->events_written++;
	return true;
}

/* ---- coherency and cache maintenance -------------------------------------------- */

unsigned long fake_clean_calls, fake_inval_calls;
static struct fake_clean *clean_log;
static size_t nclean, capclean;

void fake_set_noncoherent(struct fake_smmu *f, bool on)
{
	if (on && !f->noncoherent) {
		if (f->claimed)
			memcpy(dram, pool, FAKE_POOL_SIZE);
		else
			memset(dram, 0xa5, FAKE_POOL_SIZE);
	}
	f->noncoherent = on;
}

static void line_range(uintptr_t start, size_t len, uint64_t *lo, uint64_t *hi)
{
	*lo = start & ~(uint64_t)(FAKE_LINE - 1);
	*hi = ((uint64_t)start + len + FAKE_LINE - 1) & ~(uint64_t)(FAKE_LINE - 1);
	if (*lo < FAKE_POOL_BASE)
		*lo = FAKE_POOL_BASE;
	if (*hi > FAKE_POOL_BASE + FAKE_POOL_SIZE)
		*hi = FAKE_POOL_BASE + FAKE_POOL_SIZE;
}

void arch_dcache_clean_range(uintptr_t start, size_t len)
{
	uint64_t lo, hi;

	fake_clean_calls++;
	if (nclean == capclean) {
		capclean = capclean ? 2 * capclean : 1024;
		clean_log = realloc(clean_log, capclean * sizeof(*clean_log));
		if (!clean_log)
			abort();
	}
	clean_log[nclean++] = (struct fake_clean){ start, len };
	line_range(start, len, &lo, &hi);
	if (lo < hi)
		memcpy(dram + (lo - FAKE_POOL_BASE), pool + (lo - FAKE_POOL_BASE), hi - lo);
}

void arch_dcache_inval_range(uintptr_t start, size_t len)
{
	uint64_t lo, hi;

	fake_inval_calls++;
	line_range(start, len, &lo, &hi);
	if (lo < hi)
		memcpy(pool + (lo - FAKE_POOL_BASE), dram + (lo - FAKE_POOL_BASE), hi - lo);
}

void arch_dcache_clean_inval_range(uintptr_t start, size_t len)
{
	arch_dcache_clean_range(start, len);
}

void fake_clean_log_reset(void)
{
	nclean = 0;
}

size_t fake_clean_count(void)
{
	return nclean;
}

const struct fake_clean *fake_clean_at(size_t i)
{
	return i < nclean ? &clean_log[i] : NULL;
}

unsigned int fake_clean_covering(uint64_t pa, size_t len)
{
	unsigned int n = 0;

	for (size_t i = 0; i < nclean; i++)
		if (clean_log[i].start <= pa && clean_log[i].start + clean_log[i].len >= pa + len)
			n++;
	return n;
}

/* ---- interrupts -------------------------------------------------------------------- */

struct fake_irq {
	unsigned int intid;
	enum irq_trigger trig;
	irq_handler_t fn;
	void *ctx;
};
static struct fake_irq irqs[32];
static unsigned int nirqs;

int irq_decode_fdt(const struct fdt_irq *spec, unsigned int *intid, enum irq_trigger *trigger)
{
	if (!spec || spec->ncells < 3)
		return TG_EINVAL;
	/* GIC binding: <type number flags>, type 0 SPI (32+), 1 PPI (16+). */
	*intid = spec->cells[1] + (spec->cells[0] == 0 ? 32 : 16);
	*trigger = (spec->cells[2] & 3) ? IRQ_TRIGGER_EDGE : IRQ_TRIGGER_LEVEL;
	return TG_OK;
}

int irq_request(unsigned int intid, enum irq_trigger trigger, irq_handler_t handler, void *ctx)
{
	if (nirqs == sizeof(irqs) / sizeof(irqs[0]))
		return TG_ENOSPC;
	irqs[nirqs++] = (struct fake_irq){ intid, trigger, handler, ctx };
	return TG_OK;
}

int irq_release(unsigned int intid)
{
	for (unsigned int i = 0; i < nirqs; i++) {
		if (irqs[i].intid == intid) {
			irqs[i] = irqs[--nirqs];
			return TG_OK;
		}
	}
	return TG_ENOENT;
}

unsigned int fake_irq_fire(unsigned int intid)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nirqs; i++) {
		if (irqs[i].intid == intid) {
			irqs[i].fn(intid, irqs[i].ctx);
			n++;
		}
	}
	return n;
}

bool fake_irq_registered(unsigned int intid, enum irq_trigger *trig)
{
	for (unsigned int i = 0; i < nirqs; i++) {
		if (irqs[i].intid == intid) {
			if (trig)
				*trig = irqs[i].trig;
			return true;
		}
	}
	return false;
}

unsigned int fake_smmu_intid(const char *name)
{
	struct fdt_irq spec;
	unsigned int intid;
	enum irq_trigger trig;

	if (fdt_irq_by_name(&the_fdt, fake_smmu_node(), name, &spec) != TG_OK ||
	    irq_decode_fdt(&spec, &intid, &trig) != TG_OK)
		return 0;
	return intid;
}

/* ---- PCI devices ---------------------------------------------------------------------- */

static struct pci_dev pci_devs[8];
static unsigned int npci;

void fake_pci_reset(void)
{
	npci = 0;
}

struct pci_dev *fake_pci_add(uint8_t bus, uint8_t devfn, uint32_t sid, int iommu_node)
{
	if (npci == sizeof(pci_devs) / sizeof(pci_devs[0]))
		abort();
	struct pci_dev *d = &pci_devs[npci++];
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->devfn = devfn;
	d->rid = ((uint32_t)bus << 8) | devfn;
	d->has_sid = true;
	d->sid = sid;
	d->iommu_node = iommu_node;
	return d;
}

unsigned int pci_dev_count(void)
{
	return npci;
}

struct pci_dev *pci_dev_get(unsigned int idx)
{
	return idx < npci ? &pci_devs[idx] : NULL;
}

void pci_dev_name(const struct pci_dev *dev, char *buf, size_t len)
{
	snprintf(buf, len, "0000:%02x:%02x.%u", dev->bus, dev->devfn >> 3, dev->devfn & 7u);
}

/* ---- console ------------------------------------------------------------------------ */

static char *con;
static size_t ncon, capcon;
static int con_echo = -1;

void console_write(const char *s, unsigned long len)
{
	if (con_echo < 0)
		con_echo = getenv("TG_SMMU_LOG") != NULL;
	if (con_echo)
		fwrite(s, 1, len, stdout);
	if (ncon + len + 1 > capcon) {
		if (capcon >= (8u << 20))
			return;		/* enough to look at */
		capcon = capcon ? 2 * capcon : 65536;
		while (capcon < ncon + len + 1)
			capcon *= 2;
		con = realloc(con, capcon);
		if (!con)
			abort();
	}
	memcpy(con + ncon, s, len);
	ncon += len;
	con[ncon] = '\0';
}

void fake_console_reset(void)
{
	ncon = 0;
	if (con)
		con[0] = '\0';
}

const char *fake_console(void)
{
	return con ? con : "";
}

unsigned int fake_console_count(const char *s)
{
	unsigned int n = 0;

	for (const char *p = fake_console(); (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

/* ---- time ---------------------------------------------------------------------------- */

uint64_t fake_now_ns(void)
{
	return now_ns;
}

uint64_t timer_ns(void)
{
	return now_ns;
}

/*
 * The core's deadlines read the clock on every poll: each read lets the
 * fake SMMU take one step and moves time by one tick, so tg_poll_until()
 * both sees progress and times out after a bounded number of steps.
 */
uint64_t plat_time_ns(void)
{
	fake_step();
	now_ns += FAKE_TICK_NS;
	return now_ns;
}

void udelay(uint32_t us)
{
	fake_step();
	now_ns += (uint64_t)us * 1000u;
}

void mdelay(uint32_t ms)
{
	udelay(ms * 1000u);
}

unsigned int fake_lock_depth(void)
{
	return core_lock.depth;
}

unsigned long fake_lock_taken(void)
{
	return core_lock.taken;
}

int fake_check_violations(void)
{
	if (core_lock.depth || core_lock.nested || core_lock.bad_release) {
		fprintf(stderr, "core lock: depth %u after the call, %lu nested, %lu bad releases\n",
			core_lock.depth, core_lock.nested, core_lock.bad_release);
		core_lock.depth = 0;
		core_lock.nested = core_lock.bad_release = 0;
		return -1;
	}
	for (unsigned int i = 0; i < FAKE_SMMU_MAX; i++) {
		if (fake_smmu[i].violations) {
			fprintf(stderr, "fake SMMU %u: %lu violation(s), first: %s\n", i,
				fake_smmu[i].violations, fake_smmu[i].violation);
			fake_smmu[i].violations = 0;
			return -1;
		}
	}
	return 0;
}

/* ---- the rest of the platform hooks (include/tollgate/platform.h) ------------------- */

void *plat_dma_alloc(size_t size, size_t align, uint64_t *phys)
{
	return page_alloc(size, align, phys);
}

void plat_dma_free(void *va, size_t size)
{
	page_free(va, size);
}

void *plat_map(uint64_t phys, size_t size, enum plat_mem mem)
{
	if (mem == PLAT_MEM_DEVICE)
		return fake_ioremap(phys, size);
	return (void *)(uintptr_t)phys;
}

void plat_cache(enum plat_cache_op op, const void *va, size_t size)
{
	if (op == PLAT_CACHE_CLEAN)
		arch_dcache_clean_range((uintptr_t)va, size);
	else if (op == PLAT_CACHE_INVAL)
		arch_dcache_inval_range((uintptr_t)va, size);
	else
		arch_dcache_clean_inval_range((uintptr_t)va, size);
}

#define FAKE_LOCK_FLAGS	0x1c0ul	/* what the "interrupt mask" was: handed back on release */

unsigned long plat_lock_irqsave(void)
{
	if (core_lock.depth) {
		core_lock.nested++;
		fprintf(stderr, "core lock: taken while held (it is not recursive)\n");
	}
	core_lock.depth++;
	core_lock.taken++;
	return FAKE_LOCK_FLAGS;
}

void plat_unlock_irqrestore(unsigned long flags)
{
	if (core_lock.depth != 1 || flags != FAKE_LOCK_FLAGS) {
		core_lock.bad_release++;
		fprintf(stderr, "core lock: released at depth %u with flags 0x%lx\n",
			core_lock.depth, flags);
	}
	if (core_lock.depth)
		core_lock.depth--;
}

int plat_irq_request(const struct fdt_irq *spec, bool edge, plat_irq_handler_t handler,
		     void *ctx, unsigned int *intid)
{
	enum irq_trigger trig;
	unsigned int n;
	int err = irq_decode_fdt(spec, &n, &trig);

	if (err == TG_OK)
		err = irq_request(n, edge ? IRQ_TRIGGER_EDGE : trig, handler, ctx);
	if (err == TG_OK)
		*intid = n;
	return err;
}
