/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake SMMUv3 for the host tests of iommu/smmu*.c, written from Arm IHI
 * 0070 (not from any other model).
 *
 * The driver sees a register block in host memory (our plat_map).  Plain
 * stores cannot trigger behaviour, so the fake acts where the driver waits:
 * every plat_time_ns() (read by tg_poll_until's deadline) first runs
 * fake_step(), which
 *   - mirrors CR0 -> CR0ACK and IRQ_CTRL -> IRQ_CTRLACK, completes GBPA
 *     updates, and checks the queue / stream table bases when they are
 *     enabled (alignment, sizes against the IDRs, no change while enabled);
 *   - consumes the command queue from CONS to PROD (CMDQ_BASE, log2 size),
 *     logging every command with a snapshot of the STE (and CD) it names,
 *     read through STRTAB_BASE/_CFG the way the SMMU walks it (linear, or
 *     L1 descriptor SPAN/L2Ptr then STE);
 *   - completes CMD_SYNC: CONS moves past it, and when CS = SIG_IRQ on an
 *     SMMU with IDR0.MSI the 32-bit MSIData is written at MSIAddress;
 *   - stops at an illegal command with CONS.ERR = CERROR_ILL and
 *     GERROR.CMDQ_ERR toggled, and resumes from the same (repaired) entry
 *     once GERRORN matches.
 * Event records are produced on demand (fake_event_push), with PROD.OVFLG
 * or GERROR.EVENTQ_ABT_ERR when the queue is full.
 *
 * Memory: one pool at a fixed low address (the page allocator's; CPU
 * address == physical address, below every OAS).  An SMMU in non-coherent
 * mode reads and writes a separate "DRAM" copy of the pool that only the
 * cache-maintenance stubs move data into (clean) and out of (invalidate),
 * so a table, CD or command the driver forgot to clean is seen stale.
 *
 * The same file is the core's host platform (include/tollgate/platform.h:
 * every plat_* hook but plat_log, from lib/log.c, and plat_msi_doorbell,
 * from the DMA test) and provides what those hooks and the tests use:
 * cache maintenance, irq_*, pci_dev_*, console_write, the page pool set-up.
 */
#ifndef TOLLGATE_TESTS_HOST_SMMU_FAKE_H
#define TOLLGATE_TESTS_HOST_SMMU_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/fdt.h>
#include <tollgate/irq.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

/* More fakes than driver instances: a failed probe uses up its fake only. */
#define FAKE_SMMU_MAX		4
#define FAKE_POOL_BASE		0x40000000ull	/* like QEMU virt's RAM */
#define FAKE_POOL_SIZE		(32u << 20)
#define FAKE_LINE		64u		/* cache line of the stubs */
#define FAKE_TICK_NS		10000u		/* time per deadline check */

/* QEMU's SMMUv3 (hw/arm/smmuv3.c reset values, as the guest reads them). */
#define QEMU_IDR0	0x0d40101au	/* S1P, TTF=AArch64, COHACC, ASID16, ST_LEVEL=1 */
#define QEMU_IDR1	0x02730010u	/* SIDSIZE 16, EVENTQS 19, CMDQS 19 */
#define QEMU_IDR3	0x00001404u	/* HAD, RIL, BBML2 */
#define QEMU_IDR5	0x00000074u	/* OAS 44 bits, 4K/16K/64K granules */

/* IDR bits the tests flip (IHI 0070 6.3.1-6.3.6). */
#define FAKE_IDR0_COHACC	(1u << 4)
#define FAKE_IDR0_MSI		(1u << 13)
#define FAKE_IDR0_ST_LEVEL_MASK	(3u << 27)
#define FAKE_IDR1_SIDSIZE_MASK	0x3fu
#define FAKE_IDR1_EVENTQS(v)	((uint32_t)(v) << 16)
#define FAKE_IDR1_EVENTQS_MASK	(0x1fu << 16)
#define FAKE_IDR3_RIL		(1u << 10)

/* Command opcodes and fields as the fake decodes them (chapter 4). */
#define FOP_PREFETCH_CONFIG	0x01
#define FOP_CFGI_STE		0x03
#define FOP_CFGI_STE_RANGE	0x04
#define FOP_CFGI_CD		0x05
#define FOP_TLBI_NH_ALL		0x10
#define FOP_TLBI_NH_ASID	0x11
#define FOP_TLBI_NH_VA		0x12
#define FOP_TLBI_NSNH_ALL	0x30
#define FOP_SYNC		0x46

#define F_OPCODE(w0)		((unsigned)((w0) & 0xff))
#define F_SID(w0)		((uint32_t)((w0) >> 32))
#define F_ASID(w0)		((unsigned)((w0) >> 48))
#define F_NUM(w0)		((unsigned)(((w0) >> 12) & 0x1f))
#define F_SCALE(w0)		((unsigned)(((w0) >> 20) & 0x1f))
#define F_LEAF(w1)		((unsigned)((w1) & 1))
#define F_TTL(w1)		((unsigned)(((w1) >> 8) & 3))
#define F_TG(w1)		((unsigned)(((w1) >> 10) & 3))
#define F_ADDR(w1)		((w1) & 0xfffffffffffff000ull)
#define F_SYNC_CS(w0)		((unsigned)(((w0) >> 12) & 3))
#define F_SYNC_MSH(w0)		((unsigned)(((w0) >> 22) & 3))
#define F_SYNC_MSIATTR(w0)	((unsigned)(((w0) >> 24) & 0xf))
#define F_SYNC_MSIDATA(w0)	((uint32_t)((w0) >> 32))
#define F_SYNC_MSIADDR(w1)	((w1) & 0x000ffffffffffffcull)

/* STE (5.2) and CD (5.4) fields. */
#define F_STE_V(w0)		((unsigned)((w0) & 1))
#define F_STE_CONFIG(w0)	((unsigned)(((w0) >> 1) & 7))
#define F_STE_S1FMT(w0)		((unsigned)(((w0) >> 4) & 3))
#define F_STE_S1CTXPTR(w0)	((w0) & 0x000fffffffffffc0ull)
#define F_STE_S1CDMAX(w0)	((unsigned)((w0) >> 59))
#define F_STE_S1CIR(w1)		((unsigned)(((w1) >> 2) & 3))
#define F_STE_S1COR(w1)		((unsigned)(((w1) >> 4) & 3))
#define F_STE_S1CSH(w1)		((unsigned)(((w1) >> 6) & 3))
#define F_STE_SHCFG(w1)		((unsigned)(((w1) >> 44) & 3))
#define STE_CFG_ABORT		0u
#define STE_CFG_BYPASS		4u
#define STE_CFG_S1		5u

enum fake_ste_status {
	FAKE_STE_OK,
	FAKE_STE_NO_TABLE,	/* STRTAB_BASE not set */
	FAKE_STE_RANGE,		/* SID >= 2^LOG2SIZE */
	FAKE_STE_NO_L2,		/* L1 descriptor invalid (SPAN 0) or SID beyond SPAN */
};

/* One consumed command. */
struct fake_cmd {
	uint64_t w[2];
	unsigned int op;
	uint32_t pos;		/* queue position consumed from (index + wrap bit) */
	uint32_t cr0;		/* SMMU_CR0 when it was consumed */
	bool stale;		/* non-coherent: memory differed from the CPU's view */
	/* CFGI_STE / CFGI_CD: the STE of w0's SID as the SMMU reads it now. */
	bool has_ste;
	int ste_status;
	uint64_t ste_addr;
	uint64_t ste[8];
	bool ste_stale;
	/* ... and when that STE is valid stage 1: its CD. */
	bool has_cd;
	uint64_t cd[8];
	bool cd_stale;
};

struct fake_smmu {
	/* --- set before the probe (fake_smmu_setup fills the defaults) --- */
	uint32_t idr[6];
	uint32_t aidr;
	uint32_t cr0_reset, gbpa_reset;
	uint32_t gerror_reset, cmdq_cons_reset;	/* state left by firmware */
	/* --- behaviour knobs, any time --- */
	unsigned int cmds_per_step;	/* commands consumed per step; 0 = all */
	bool hold_cmdq;			/* consume nothing (a hung SMMU) */
	bool msi_ignore_cs;		/* write the SYNC MSI even when CS != SIG_IRQ */
	bool evtq_full_gerror;		/* full event queue: GERROR.EVENTQ_ABT_ERR, not OVFLG */
	bool noncoherent;		/* use fake_set_noncoherent() */
	bool no_acks;			/* CR0ACK / IRQ_CTRLACK never follow (broken SMMU) */
	/* --- state --- */
	unsigned int idx;
	bool configured, claimed;
	bool retired;			/* its probe failed: no longer stepped */
	uint8_t *regs;
	struct fake_cmd *log;
	size_t nlog, caplog;
	unsigned long steps, msi_writes, sync_irqs, cerrors, events_written, events_dropped;
	unsigned long stale_reads;
	unsigned long max_pending;	/* largest PROD - CONS seen */
	unsigned long wraps;		/* times CONS wrapped */
	unsigned long violations;
	char violation[256];		/* the first one */
	/* enable-time latches */
	uint32_t cr0ack;
	uint64_t cmdq_base, evtq_base, strtab_base;
	uint32_t strtab_cfg;
};

extern struct fake_smmu fake_smmu[FAKE_SMMU_MAX];

/* --- environment ---------------------------------------------------------- */

/* Maps the page pool, hands it to page_alloc, loads build/dtb/virt-gicv3.dtb.
 * Call once per process. */
void fake_env_init(void);
const struct fdt *fake_fdt(void);
/* The DT node of the (only) arm,smmu-v3 node. */
int fake_smmu_node(void);

/* Resets fake `idx` with QEMU's IDRs; the next smmu_init_from_fdt() probe
 * that ioremaps gets the first configured, unclaimed fake. */
struct fake_smmu *fake_smmu_setup(unsigned int idx);
/* Probes through smmu_init_from_fdt(); returns the driver instance that
 * got fake `f` (NULL if the probe failed). */
struct smmu *fake_probe(struct fake_smmu *f);

/* Runs the fake SMMUs once (what every deadline check does). */
void fake_step(void);

/* Register block access. */
uint32_t fake_reg32(const struct fake_smmu *f, uint32_t off);
uint64_t fake_reg64(const struct fake_smmu *f, uint32_t off);
void fake_set_reg32(struct fake_smmu *f, uint32_t off, uint32_t v);

/* --- command log ---------------------------------------------------------- */

size_t fake_log_mark(const struct fake_smmu *f);
const struct fake_cmd *fake_log(const struct fake_smmu *f, size_t i);
/* Number of logged commands from `from` on with opcode `op` (-1: any). */
size_t fake_log_count(const struct fake_smmu *f, size_t from, int op);
/*
 * The STE update steps for `sid` from log index `from` on: the STE as the
 * SMMU saw it at each CFGI_STE of that SID, up to `max`.  *unsynced counts
 * the CFGI_STEs not immediately followed by a CMD_SYNC.  Returns the number
 * of steps.
 */
size_t fake_ste_steps(const struct fake_smmu *f, size_t from, uint32_t sid,
		      uint64_t (*out)[8], size_t max, unsigned int *unsynced);
/* Prints the log from `from` on (debugging a failed test). */
void fake_log_dump(const struct fake_smmu *f, size_t from);
const char *fake_op_name(unsigned int op);

/* --- what the SMMU sees in memory ------------------------------------------- */

/* Reads the STE of `sid` through the stream table registers. */
int fake_read_ste(struct fake_smmu *f, uint32_t sid, uint64_t ste[8], uint64_t *addr);
/* 64-bit word at a physical address, as the SMMU reads it (counts stale). */
uint64_t fake_read64(struct fake_smmu *f, uint64_t pa);
/* Stage-1 walk (4 KiB granule) from a CD: TG_OK and *pa, or TG_ENOENT. */
int fake_translate(struct fake_smmu *f, const uint64_t cd[8], uint64_t iova, uint64_t *pa);

/* --- events ------------------------------------------------------------------ */

/* Builds a record (7.3): type, StreamID, input address, RnW, CLASS. */
void fake_event_record(uint64_t rec[4], unsigned int type, uint32_t sid, uint64_t addr,
		       bool read, unsigned int cls);
/* Writes a record at EVENTQ PROD; false when the queue is full (dropped). */
bool fake_event_push(struct fake_smmu *f, const uint64_t rec[4]);

/* --- interrupts (irq_request stub) --------------------------------------- */

/* Calls every handler registered for `intid` (both instances probe the
 * same DT node, so they share its lines); returns how many. */
unsigned int fake_irq_fire(unsigned int intid);
bool fake_irq_registered(unsigned int intid, enum irq_trigger *trig);
/* INTID of the SMMU's interrupt `name` in the DTB ("eventq", "gerror"). */
unsigned int fake_smmu_intid(const char *name);

/* --- caches and coherency ------------------------------------------------------ */

/* From now on `f` reads/writes the "DRAM" copy; the copy starts equal to
 * the CPU's view (everything written so far counts as cleaned). */
void fake_set_noncoherent(struct fake_smmu *f, bool on);
struct fake_clean {
	uint64_t start;
	size_t len;
};
void fake_clean_log_reset(void);
size_t fake_clean_count(void);
const struct fake_clean *fake_clean_at(size_t i);
/* Clean calls since the last reset whose range covers [pa, pa+len). */
unsigned int fake_clean_covering(uint64_t pa, size_t len);
extern unsigned long fake_clean_calls, fake_inval_calls;

/* --- console ------------------------------------------------------------------- */

void fake_console_reset(void);
const char *fake_console(void);
/* Occurrences of `s` in the console output since the reset. */
unsigned int fake_console_count(const char *s);

/* --- PCI devices (pci_dev_* stubs) ------------------------------------------ */

void fake_pci_reset(void);
struct pci_dev *fake_pci_add(uint8_t bus, uint8_t devfn, uint32_t sid, int iommu_node);

/* --- time ----------------------------------------------------------------------- */

uint64_t fake_now_ns(void);

/* Teardown check: 0, or -1 after printing the first rule the driver broke. */
int fake_check_violations(void);
/* The core lock (plat_lock_irqsave): current depth and acquisitions so far.
 * fake_check_violations also fails on a nested acquisition, a bad release,
 * a lock still held, or commands the SMMU found while it was free. */
unsigned int fake_lock_depth(void);
unsigned long fake_lock_taken(void);

#endif
