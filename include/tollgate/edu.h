/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QEMU's edu device (1234:11e8): a DMA engine between memory and a 4 KiB
 * on-device buffer, used to prove what the IOMMU does with real DMA.
 */
#ifndef TOLLGATE_EDU_H
#define TOLLGATE_EDU_H

#include <stdbool.h>
#include <stdint.h>

struct pci_dev;

#define EDU_BUFFER_SIZE	4096u
/* QEMU 7.2 aborts on a transfer reaching the end of the buffer. */
#define EDU_DMA_MAX	(EDU_BUFFER_SIZE - 1)

struct edu {
	struct pci_dev *pci;
	volatile uint8_t *regs;
	unsigned long irqs;		/* DMA-done interrupts taken */
	bool use_irq;
};

enum edu_dir { EDU_TO_DEVICE, EDU_FROM_DEVICE };

/* Maps BAR0, checks the ID register, enables bus mastering and INTx. */
int edu_init(struct edu *edu, struct pci_dev *pci);
/*
 * Moves `len` bytes (1..EDU_DMA_MAX) between bus address `dma` and the
 * device buffer at `offset`; waits (bounded) for completion.
 */
int edu_dma(struct edu *edu, enum edu_dir dir, uint64_t dma, uint32_t offset, uint32_t len);

#endif
