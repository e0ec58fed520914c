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
struct pci_dev;
struct msi_msg;

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

/*
 * MSI back ends (gicv2m.c, gicv3_its.c) register here from the version
 * probes; gic.c's msi_alloc/msi_free check arguments and dispatch.
 * alloc is all or nothing.
 */
struct gic_msi_ops {
	const char *name;
	int (*alloc)(struct pci_dev *dev, unsigned int nvec, unsigned int *intids,
		     struct msi_msg *msgs);
	/* Arguments already checked against `owns`. */
	void (*free)(struct pci_dev *dev, unsigned int nvec, const unsigned int *intids);
	bool (*owns)(const struct pci_dev *dev, unsigned int intid);
	unsigned int (*free_count)(void);
};
void gic_msi_register(const struct gic_msi_ops *ops);

/*
 * LPIs (GICv3 with an ITS): INTIDs [GIC_LPI_BASE, GIC_LPI_BASE + nr).  They
 * have no Distributor state: enable and priority live in the LPI
 * Configuration table, owned by the ITS driver.
 */
struct gic_lpi_ops {
	unsigned int nr;
	bool (*allocated)(unsigned int intid);
	/* Returns once the GIC has the new setting (INV + SYNC). */
	int (*set_enabled)(unsigned int intid, bool on);
	/* Makes the LPI pending through its device mapping (ITS INT). */
	int (*raise)(unsigned int intid);
};
void gic_lpi_register(const struct gic_lpi_ops *ops);

int gicv2m_probe(const struct fdt *fdt, int gic_node, unsigned int nr_irqs,
		 struct irq_info *info);
/* rd: this CPU's RD_base frame (mapped), rd_phys its address. */
int gicv3_its_probe(const struct fdt *fdt, int gic_node, volatile uint8_t *dist,
		    volatile uint8_t *rd, uint64_t rd_phys, struct irq_info *info);

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
