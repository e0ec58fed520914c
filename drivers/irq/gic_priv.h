/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internal contract between gic.c (DT probe, dispatch table, argument
 * checks) and the version back ends gicv2.c / gicv3.c.  The back ends
 * trust their arguments: gic.c has already range-checked every INTID
 * against GICD_TYPER and serialised configuration with interrupts masked.
 */
#ifndef TOLLGATE_GIC_PRIV_H
#define TOLLGATE_GIC_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <tollgate/irq.h>

struct fdt;

/* Every GIC poll (RWP, WAKER) is bounded by this; the GIC answers at once
 * on QEMU and within microseconds on silicon. */
#define GIC_POLL_TIMEOUT_US	10000U

struct gic_ops {
	/* Masks the INTID; returns once the GIC has stopped forwarding it. */
	void (*disable)(unsigned int intid);
	/* Group, priority, trigger and routing; the INTID is disabled. */
	void (*configure)(unsigned int intid, enum irq_trigger trigger);
	void (*enable)(unsigned int intid);
	void (*set_pending)(unsigned int intid);
	/* Raw acknowledge value (IAR); ack_intid() extracts the INTID. */
	uint32_t (*ack)(void);
	void (*eoi)(uint32_t iar);
	uint32_t intid_mask;
};

/*
 * Back-end probes: map and initialise the controller described by `node`
 * (distributor and CPU interface / redistributor of this CPU) and fill
 * `info`.  On success *ops is the back end's operation table.
 */
int gicv2_probe(const struct fdt *fdt, int node, struct irq_info *info,
		const struct gic_ops **ops);
int gicv3_probe(const struct fdt *fdt, int node, struct irq_info *info,
		const struct gic_ops **ops);

/* --- helpers shared by the back ends (gic.c) --------------------------------
 * `base` is the Distributor, or for GICv3 SGIs/PPIs the SGI_base frame:
 * the arrays share offsets (gic_regs.h). */
void gic_write_bit(volatile uint8_t *base, uint32_t reg, unsigned int intid);
void gic_set_priority(volatile uint8_t *base, unsigned int intid, uint8_t prio);
/* Returns false if the GIC kept the old setting (fixed-configuration PPIs). */
bool gic_set_trigger(volatile uint8_t *base, unsigned int intid, enum irq_trigger trigger);
void gic_set_group(volatile uint8_t *base, unsigned int intid, bool group1);
/* Disables, clears pending/active and sets the default priority, level
 * trigger and (if touch_group) the group of INTIDs [first, first + count);
 * both multiples of 32. */
void gic_reset_range(volatile uint8_t *base, unsigned int first, unsigned int count,
		     bool group1, bool touch_group);
/* Maps a `reg` entry of the GIC node; TG_ERANGE if smaller than min_size. */
int gic_map_reg(const struct fdt *fdt, int node, unsigned int idx, uint64_t min_size,
		uint64_t *phys, uint64_t *size, volatile uint8_t **base);
/* Finds an available child of `node` compatible with `compat`. */
int gic_find_child(const struct fdt *fdt, int node, const char *compat);

#endif
