/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ivshmem-plain (1af4:1110): shared memory in BAR 2, registers in BAR 0.
 * Tollgate uses it as the simplest P2P memory provider: plain RAM behind
 * a BAR, no DMA of its own, no interrupts.
 */
#ifndef TOLLGATE_IVSHMEM_H
#define TOLLGATE_IVSHMEM_H

#include <stdint.h>

struct pci_dev;
struct p2p_provider;

#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
/* BAR 2 bytes registered as P2P memory (the provider allocator's limit). */
#define IVSHMEM_P2P_SIZE	(1u << 20)

struct ivshmem {
	struct pci_dev *pci;
	volatile uint8_t *regs;		/* BAR 0 */
	volatile uint8_t *shm;		/* BAR 2, the whole of it */
	uint64_t shm_cpu, shm_bus, shm_size;
	struct p2p_provider *p2p;	/* the first IVSHMEM_P2P_SIZE of BAR 2 */
};

/* Maps both BARs and registers BAR 2 as a P2P provider (once per boot).
 * TG_EINVAL (not an ivshmem), TG_ENOENT (BAR unassigned), TG_EIO (BAR 0
 * reads all-ones), TG_ENOMEM. */
int ivshmem_init(struct ivshmem *iv, struct pci_dev *pci);

#endif
