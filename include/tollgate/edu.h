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
	volatile unsigned long irqs;	/* interrupts taken with a cause set */
	bool use_irq;
	bool msi;			/* signalled by MSI (else INTx) */
	unsigned int intid;		/* the interrupt requested, 0 if none */
	uint32_t last_status;		/* IRQ_STATUS seen by the last interrupt */
	uint64_t last_irq_ticks;	/* timer_ticks() when it was taken */
};

enum edu_dir { EDU_TO_DEVICE, EDU_FROM_DEVICE };

/*
 * Maps BAR0, checks the ID register, enables bus mastering and an
 * interrupt: MSI when the device has it, an MSI controller exists and the
 * message can reach it (no IOMMU in front, or the device's SMMU domain
 * maps the doorbell, as dma_dev_init does), INTx otherwise.  May be called
 * again for the same device (re-decides; the MSI vector is kept).
 */
int edu_init(struct edu *edu, struct pci_dev *pci);
/* Sets `bits` in IRQ_STATUS through the raise register: one interrupt. */
int edu_raise_irq(struct edu *edu, uint32_t bits);
/* Releases the handler, turns MSI off and frees the vector. */
void edu_release(struct edu *edu);
/*
 * Moves `len` bytes (1..EDU_DMA_MAX) between bus address `dma` and the
 * device buffer at `offset`; waits (bounded) for completion.
 */
int edu_dma(struct edu *edu, enum edu_dir dir, uint64_t dma, uint32_t offset, uint32_t len);

#endif
