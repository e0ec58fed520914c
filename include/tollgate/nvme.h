/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe driver (NVM Express 1.4): one admin queue pair, one I/O queue pair,
 * namespace 1, reads and writes described by mapped scatterlists (PRPs),
 * and the controller memory buffer as a P2P memory provider.
 *
 * One command is in flight per queue; every wait is bounded.  Completion
 * is signalled by an interrupt (INTx now; an MSI-X vector can be given to
 * nvme_use_irq() later) with a polling backstop on the CQ phase bit, so a
 * lost interrupt costs time, never a hang.
 */
#ifndef TOLLGATE_NVME_H
#define TOLLGATE_NVME_H

#include <stdbool.h>
#include <stdint.h>

#include <tollgate/dma.h>

struct pci_dev;
struct p2p_provider;

#define NVME_VENDOR_QEMU	0x1b36
#define NVME_DEVICE_QEMU	0x0010
#define NVME_PAGE_SIZE		4096u		/* CC.MPS = 0 */
#define NVME_QUEUE_DEPTH	64u
/* PRP list pages per command: 4 x 511 entries + 1 = up to ~8 MiB. */
#define NVME_PRP_PAGES		4u
/* CMB bytes registered as P2P memory (the provider allocator's limit). */
#define NVME_CMB_P2P_SIZE	(1u << 20)
#define NVME_CMD_TIMEOUT_US	5000000u	/* default per command */

struct nvme_queue {
	uint16_t qid;
	uint16_t depth;
	void *sq, *cq;			/* CPU addresses */
	uint64_t sq_phys, cq_phys;
	dma_addr_t sq_dma, cq_dma;	/* what the controller was given */
	uint16_t sq_tail, cq_head;
	uint16_t abandoned;		/* timed out, completion not seen yet */
	uint8_t phase;
	volatile uint32_t *sq_db, *cq_db;
};

struct nvme_counters {
	unsigned long commands;		/* submitted, admin + I/O */
	unsigned long io_commands;
	unsigned long timeouts;
	unsigned long stale_cqes;	/* completions of commands given up on */
	unsigned long irqs;		/* interrupts taken */
	unsigned long polled;		/* completions found without an interrupt */
};

struct nvme {
	struct pci_dev *pci;
	char name[16];			/* "0000:04:00.0" */
	volatile uint8_t *regs;
	struct dma_dev *dd;		/* the caller's or own_dd */
	struct dma_dev own_dd;
	bool own_dma;
	uint64_t cap;
	uint32_t vs;
	unsigned int timeout_us;	/* CAP.TO */
	unsigned int cmd_timeout_us;	/* per command (tests may shorten it) */
	unsigned int max_xfer;		/* bytes per command: MDTS and the PRP pool */
	/* Identify data. */
	char model[41], serial[21], firmware[9];
	unsigned int nn;		/* active namespaces */
	uint64_t ns_blocks;
	unsigned int lba_size;
	unsigned int lba_shift;
	/* Queues and the memory the controller reads. */
	struct nvme_queue admin, io;
	uint16_t next_cid;
	void *prp_pages;		/* NVME_PRP_PAGES pages of PRP lists */
	uint64_t prp_phys;
	dma_addr_t prp_dma[NVME_PRP_PAGES];
	void *idbuf;			/* identify data, one page */
	uint64_t idbuf_phys;
	dma_addr_t idbuf_dma;
	/* Interrupts: an INTID and whether it is an MSI-X vector. */
	unsigned int irq;
	bool irq_msix;			/* message-signalled (MSI-X or MSI): INTMS untouched */
	bool irq_vectors;		/* vectors from pci_alloc_irq_vectors to free */
	volatile unsigned long irq_seen;
	/* Controller memory buffer. */
	bool cmb_enabled;
	uint64_t cmb_bus, cmb_cpu, cmb_size;	/* the whole BAR range */
	volatile uint8_t *cmb_va;
	struct p2p_provider *cmb_p2p;
	struct nvme_counters cnt;
	bool live;
};

/*
 * Brings the controller up: maps BAR0, resets it, admin queues in DMA
 * memory mapped through `dd` (NULL: the driver sets up its own dma_dev
 * with a 64-bit mask), identify controller and namespace 1, one I/O queue
 * pair, interrupts.  Prints one line:
 *   nvme 0000:04:00.0: QEMU NVMe Ctrl, serial deadbeef, 1 namespace, 16 MiB, 512-byte LBAs
 * Errors: TG_EINVAL (not an NVMe, NULL), TG_ENOENT (BAR0 unassigned),
 * TG_EIO (registers read all-ones, controller fatal status, a command
 * failed), TG_ETIMEDOUT, TG_ENOMEM.  On error nothing stays allocated or
 * mapped and the controller is left disabled.
 */
int nvme_init(struct nvme *n, struct pci_dev *pci, struct dma_dev *dd);
/* Disables the controller, releases interrupts, memory, mappings (and the
 * own dma_dev).  Safe on a failed or already shut down controller. */
void nvme_shutdown(struct nvme *n);

/*
 * Enables the CMB (NVMe 1.4 scheme: CMBMSC = CBA | CMSE | CRE, CBA = the
 * BAR's PCI bus address) and registers its first NVME_CMB_P2P_SIZE bytes
 * as P2P memory.  TG_ENOTSUP when the controller has none; TG_EIO when the
 * controller refuses the address (CMBSTS.CBAI).
 */
int nvme_cmb_enable(struct nvme *n);

/*
 * Transfers the data described by mapped segments (the dma_address /
 * dma_length output of dma_map_sg, nsegs of them) to or from the LBAs
 * starting at `lba`.  Splits into as many commands as needed: per kind
 * (NVMe forbids mixing CMB and host addresses in one command), per MDTS,
 * and where PRP rules require it (only the first entry of a command may
 * start inside a page; every entry but the last must end on a page
 * boundary) -- a split must fall on an LBA boundary, else TG_EINVAL.
 * *commands (may be NULL) receives the number of commands issued.
 * Errors: TG_EINVAL (bad arguments, total not a multiple of the LBA size,
 * beyond the namespace), TG_EIO (a command failed: status in the log),
 * TG_ETIMEDOUT.
 */
int nvme_rw(struct nvme *n, bool write, uint64_t lba, const struct dma_sg *sg,
	    unsigned int nsegs, unsigned int *commands);
/* The same from a scatterlist of physical addresses: maps, transfers, unmaps. */
int nvme_rw_sg(struct nvme *n, bool write, uint64_t lba, struct dma_sg *sg,
	       unsigned int nents, unsigned int *commands);
/* One physically contiguous buffer. */
int nvme_rw_buf(struct nvme *n, bool write, uint64_t lba, uint64_t phys, uint32_t len);

/*
 * After a TG_ETIMEDOUT the controller may still be working on the command:
 * waits (bounded) until every such command has completed, so its buffers
 * may be unmapped.  TG_ETIMEDOUT if one is still outstanding.
 */
int nvme_quiesce(struct nvme *n);

/* Raw read/write command with given data pointers (tests: faults, CMB). */
int nvme_io_raw(struct nvme *n, bool write, uint64_t lba, uint32_t nlb, uint64_t prp1,
		uint64_t prp2, uint16_t *status);

/*
 * Interrupt plumbing: the INTx line is used unless a caller provides an
 * MSI-X vector's INTID here (vector 0 of both queues).  The handler
 * masks the controller's interrupt and wakes the waiter.
 */
int nvme_use_irq(struct nvme *n, unsigned int intid, bool msix);

/* How a PRP splitter command looks (nvme_prp.c, exposed for unit tests). */
#define NVME_PRP_MAX_ENTRIES	(NVME_PRP_PAGES * (NVME_PAGE_SIZE / 8 - 1) + 1)
struct nvme_prp_cmd {
	uint64_t byte_off;		/* from the start of the transfer */
	uint32_t bytes;
	bool bus_addr;			/* all entries are P2P bus addresses */
	unsigned int nprp;
	uint64_t prp[NVME_PRP_MAX_ENTRIES];
};
typedef int (*nvme_prp_emit_t)(void *ctx, const struct nvme_prp_cmd *cmd);
/*
 * Walks the segments page by page and calls `emit` for each command:
 * at most max_xfer bytes (a multiple of block), one kind, PRP-valid.
 * TG_EINVAL when a split would not fall on a multiple of `block`, when
 * the total is not one, or for bad arguments; emit's error stops the walk.
 */
int nvme_prp_split(const struct dma_sg *sg, unsigned int nsegs, uint32_t block,
		   uint32_t max_xfer, nvme_prp_emit_t emit, void *ctx);
/* Writes cmd's entries 2.. as a PRP list (chained every 512 entries) into
 * list pages at CPU address `lists` / device address list_dma[i];
 * returns PRP2.  TG_ERANGE when they do not fit. */
int nvme_prp_write_lists(const struct nvme_prp_cmd *cmd, uint64_t *lists,
			 const dma_addr_t *list_dma, unsigned int npages, uint64_t *prp2);

const char *nvme_status_str(uint16_t status);

#endif
