/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupt controller interface (GICv2 or GICv3, chosen from the DT).
 * INTIDs are GIC interrupt IDs: SGI 0-15, PPI 16-31, SPI 32-1019, and
 * with a GICv3 ITS LPI 8192 and up: those come from msi_alloc (msi.h) and
 * are requested IRQ_TRIGGER_EDGE (TG_ERANGE while not allocated).
 */
#ifndef TOLLGATE_IRQ_H
#define TOLLGATE_IRQ_H

#include <stdint.h>

struct fdt;
struct fdt_irq;

enum irq_trigger { IRQ_TRIGGER_LEVEL, IRQ_TRIGGER_EDGE };

typedef void (*irq_handler_t)(unsigned int intid, void *ctx);

struct irq_info {
	int gic_version;		/* 2 or 3 */
	uint64_t dist_phys;
	uint64_t cpuif_or_redist_phys;	/* GICC (v2) or first GICR (v3) */
	unsigned int nr_irqs;		/* from GICD_TYPER */
	uint64_t v2m_phys;		/* GICv2m MSI frame, 0 if none */
	uint64_t its_phys;		/* GICv3 ITS, 0 if none */
};

int irq_init_from_fdt(const struct fdt *fdt);
const struct irq_info *irq_controller_info(void);
/* Decodes a 3-cell GIC interrupt specifier (type, number, flags). */
int irq_decode_fdt(const struct fdt_irq *spec, unsigned int *intid, enum irq_trigger *trigger);
/* Configures trigger, priority, routing to this CPU, then enables it. */
int irq_request(unsigned int intid, enum irq_trigger trigger, irq_handler_t handler, void *ctx);
int irq_release(unsigned int intid);
/* Marks an interrupt pending from software (tests, SGIs for self-test). */
int irq_raise(unsigned int intid);
/* Counts of interrupts taken, per INTID (0 for out-of-range). */
unsigned long irq_count(unsigned int intid);

#endif
