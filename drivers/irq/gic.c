/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GIC front end: picks the controller out of the device tree, owns the
 * dispatch table and the per-INTID counters, checks every caller's
 * arguments, and runs the acknowledge / handle / EOI loop of the IRQ
 * vector.  Register programming lives in gicv2.c and gicv3.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/msi.h>

#include "gic_its_regs.h"
#include "gic_priv.h"
#include "gic_regs.h"

/*
 * A level interrupt whose handler fails to quiet the device would
 * otherwise keep the CPU in the vector for ever; returning lets the
 * interrupted code make progress, and the GIC re-signals the rest.
 */
#define IRQ_MAX_PER_ENTRY	64U

/* LPIs with a slot in the dispatch table; the ITS hands out no more. */
#define GIC_MAX_LPIS		256U

/* No sane GIC register block is bigger (2048 redistributors of 128 KiB). */
#define GIC_MAX_REG_SIZE	0x10000000ULL

struct irq_slot {
	irq_handler_t handler;
	void *ctx;
};

static struct {
	const struct gic_ops *ops;	/* NULL until a controller is probed */
	struct irq_info info;
	unsigned long stray;		/* acknowledged INTIDs beyond the table */
	uint32_t warned[(GIC_MAX_INTID + 31) / 32];	/* "no handler" said once */
	struct irq_slot slot[GIC_MAX_INTID];
	unsigned long count[GIC_MAX_INTID];
	/* Registered by the probes, before `ops` is published. */
	const struct gic_msi_ops *msi;
	const struct gic_lpi_ops *lpi;
	struct irq_slot lpi_slot[GIC_MAX_LPIS];
	unsigned long lpi_count[GIC_MAX_LPIS];
} gic;

void gic_msi_register(const struct gic_msi_ops *ops)
{
	gic.msi = ops;
}

void gic_lpi_register(const struct gic_lpi_ops *ops)
{
	if (ops && ops->nr > GIC_MAX_LPIS) {
		pr_err("GICv3: %u LPIs offered, only %u dispatchable\n", ops->nr, GIC_MAX_LPIS);
		return;
	}
	gic.lpi = ops;
}

static bool is_lpi(unsigned int intid)
{
	return intid >= GIC_LPI_BASE;
}

/* The dispatch slot of an INTID, NULL if it cannot have a handler. */
static struct irq_slot *slot_of(unsigned int intid)
{
	if (is_lpi(intid)) {
		if (!gic.lpi || intid - GIC_LPI_BASE >= gic.lpi->nr)
			return NULL;
		return &gic.lpi_slot[intid - GIC_LPI_BASE];
	}
	return intid < gic.info.nr_irqs ? &gic.slot[intid] : NULL;
}

/* Ordered so a GICv3 is found before any GICv2-compatible fallback node. */
static const struct {
	const char *compat;
	int version;
} gic_compat[] = {
	{ "arm,gic-v3", 3 },
	{ "arm,gic-400", 2 },
	{ "arm,cortex-a15-gic", 2 },
	{ "arm,cortex-a7-gic", 2 },
	{ "arm,cortex-a9-gic", 2 },
};

/* --- helpers for the back ends --------------------------------------------- */

void gic_write_bit(volatile uint8_t *base, uint32_t reg, unsigned int intid)
{
	mmio_write32(base + reg + 4U * (intid / 32U), 1U << (intid % 32U));
}

/*
 * IPRIORITYR, ITARGETSR, ICFGR and IGROUPR pack several INTIDs per word.
 * They are updated with 32-bit read-modify-write: byte accesses are
 * architecturally allowed for some of them but not for all, and a single
 * access width keeps the code the same for every field.  Callers hold
 * interrupts masked, so the read-modify-write cannot be torn.
 */
void gic_set_priority(volatile uint8_t *base, unsigned int intid, uint8_t prio)
{
	volatile uint8_t *reg = base + GIC_IPRIORITYR + (intid & ~3U);
	unsigned int shift = 8U * (intid & 3U);
	uint32_t v = mmio_read32(reg);

	v &= ~(0xFFU << shift);
	v |= (uint32_t)prio << shift;
	mmio_write32(reg, v);
}

bool gic_set_trigger(volatile uint8_t *base, unsigned int intid, enum irq_trigger trigger)
{
	volatile uint8_t *reg = base + GIC_ICFGR + 4U * (intid / 16U);
	uint32_t bit = GIC_ICFGR_EDGE << (2U * (intid % 16U));
	uint32_t v = mmio_read32(reg);

	if (trigger == IRQ_TRIGGER_EDGE)
		v |= bit;
	else
		v &= ~bit;
	mmio_write32(reg, v);
	return (mmio_read32(reg) & bit) == (v & bit);
}

void gic_set_group(volatile uint8_t *base, unsigned int intid, bool group1)
{
	volatile uint8_t *reg = base + GIC_IGROUPR + 4U * (intid / 32U);
	uint32_t bit = 1U << (intid % 32U);
	uint32_t v = mmio_read32(reg);

	mmio_write32(reg, group1 ? (v | bit) : (v & ~bit));
}

void gic_reset_range(volatile uint8_t *base, unsigned int first, unsigned int count,
		     bool group1, bool touch_group)
{
	const uint32_t prio4 = GIC_PRIO_DEFAULT * 0x01010101U;
	unsigned int i;

	for (i = first; i < first + count; i += 32U) {
		uint32_t w = 4U * (i / 32U);

		mmio_write32(base + GIC_ICENABLER + w, ~0U);
		mmio_write32(base + GIC_ICPENDR + w, ~0U);
		mmio_write32(base + GIC_ICACTIVER + w, ~0U);
		if (touch_group)
			mmio_write32(base + GIC_IGROUPR + w, group1 ? ~0U : 0U);
	}
	for (i = first; i < first + count; i += 4U)
		mmio_write32(base + GIC_IPRIORITYR + i, prio4);
	/* SGI configuration (ICFGR0) is fixed edge; start at the PPIs. */
	for (i = first < GIC_PPI_BASE ? GIC_PPI_BASE : first; i < first + count; i += 16U)
		mmio_write32(base + GIC_ICFGR + i / 4U, 0U);
}

int gic_map_reg(const struct fdt *fdt, int node, unsigned int idx, uint64_t min_size,
		uint64_t *phys, uint64_t *size, volatile uint8_t **base)
{
	void *p;
	int rc;

	rc = fdt_reg(fdt, node, idx, phys, size);
	if (rc < 0)
		return rc;
	if (*size < min_size || *size > GIC_MAX_REG_SIZE)
		return TG_ERANGE;
	p = ioremap(*phys, (size_t)*size);
	if (!p)
		return TG_ENOMEM;
	*base = p;
	return TG_OK;
}

int gic_find_child(const struct fdt *fdt, int node, const char *compat)
{
	int child;

	for (child = fdt_first_child(fdt, node); child >= 0;
	     child = fdt_next_sibling(fdt, child)) {
		if (fdt_is_compatible(fdt, child, compat) && fdt_is_available(fdt, child))
			return child;
	}
	return TG_ENOENT;
}

/* --- probe ------------------------------------------------------------------ */

static int gic_find_node(const struct fdt *fdt, int *version)
{
	size_t i;

	for (i = 0; i < sizeof(gic_compat) / sizeof(gic_compat[0]); i++) {
		int node = -1;

		for (;;) {
			node = fdt_node_by_compatible(fdt, node, gic_compat[i].compat);
			if (node < 0)
				break;
			if (fdt_is_available(fdt, node) &&
			    fdt_getprop(fdt, node, "interrupt-controller", NULL)) {
				*version = gic_compat[i].version;
				return node;
			}
		}
	}
	return TG_ENOENT;
}

int irq_init_from_fdt(const struct fdt *fdt)
{
	const struct gic_ops *ops = NULL;
	struct irq_info info = { 0 };
	int version = 0;
	int node, rc;

	if (!fdt)
		return TG_EINVAL;
	if (gic.ops)
		return TG_EBUSY;

	node = gic_find_node(fdt, &version);
	if (node < 0) {
		pr_err("GIC: no interrupt controller in the device tree\n");
		return TG_ENOENT;
	}

	info.gic_version = version;
	if (version == 3)
		rc = gicv3_probe(fdt, node, &info, &ops);
	else
		rc = gicv2_probe(fdt, node, &info, &ops);
	if (rc < 0) {
		pr_err("GICv%d: %s: probe failed: %s\n", version,
		       fdt_node_name(fdt, node), tg_strerror(rc));
		return rc;
	}

	for (unsigned int i = 0; i < GIC_MAX_INTID; i++) {
		gic.slot[i].handler = NULL;
		gic.slot[i].ctx = NULL;
		gic.count[i] = 0;
	}
	for (unsigned int i = 0; i < sizeof(gic.warned) / sizeof(gic.warned[0]); i++)
		gic.warned[i] = 0;
	for (unsigned int i = 0; i < GIC_MAX_LPIS; i++) {
		gic.lpi_slot[i].handler = NULL;
		gic.lpi_slot[i].ctx = NULL;
		gic.lpi_count[i] = 0;
	}
	gic.stray = 0;
	gic.info = info;
	/* Published last: every other entry point keys off it. */
	gic.ops = ops;
	return TG_OK;
}

const struct irq_info *irq_controller_info(void)
{
	return gic.ops ? &gic.info : NULL;
}

/* --- device-tree specifiers ---------------------------------------------------- */

/*
 * Binding: interrupt-controller/arm,gic.yaml and arm,gic-v3.yaml.
 * Cell 0 is the type (0 SPI, 1 PPI; 2/3 are GICv3.1 extended ranges),
 * cell 1 the number within the type, cell 2 the flags, whose low nibble
 * is the trigger (bits 15:8 are a GICv2 PPI CPU mask, ignored here).
 * A fourth cell (GICv3 PPI partitions) must be 0.
 */
int irq_decode_fdt(const struct fdt_irq *spec, unsigned int *intid, enum irq_trigger *trigger)
{
	uint32_t type, num, flags;

	if (!spec || !intid || !trigger)
		return TG_EINVAL;
	if (spec->ncells < 3 || spec->ncells > 4)
		return TG_EINVAL;

	type = spec->cells[0];
	num = spec->cells[1];
	flags = spec->cells[2] & 0xFU;

	switch (type) {
	case 0:
		if (num >= GIC_MAX_INTID - GIC_SPI_BASE)
			return TG_ERANGE;
		num += GIC_SPI_BASE;
		break;
	case 1:
		if (num >= GIC_SPI_BASE - GIC_PPI_BASE)
			return TG_ERANGE;
		num += GIC_PPI_BASE;
		break;
	case 2:
	case 3:
		return TG_ENOTSUP;
	default:
		return TG_EINVAL;
	}
	if (spec->ncells == 4 && spec->cells[3] != 0)
		return TG_ENOTSUP;

	switch (flags) {
	case 1:	/* rising edge */
	case 2:	/* falling edge */
		*trigger = IRQ_TRIGGER_EDGE;
		break;
	case 4:	/* active high */
	case 8:	/* active low */
		*trigger = IRQ_TRIGGER_LEVEL;
		break;
	default:
		/* Guessing would lose pulses (edge as level) or storm (level as edge). */
		return TG_EINVAL;
	}
	*intid = num;
	return TG_OK;
}

/* --- request / release ------------------------------------------------------------ */

static int lpi_request(unsigned int intid, enum irq_trigger trigger, irq_handler_t handler,
		       void *ctx)
{
	struct irq_slot *s = slot_of(intid);
	unsigned long flags;
	int err;

	if (!s || !gic.lpi->allocated(intid))
		return TG_ERANGE;
	/* LPIs are edge-triggered messages by architecture (IHI 0069 1.2.2). */
	if (trigger != IRQ_TRIGGER_EDGE)
		return TG_EINVAL;
	flags = arch_irq_save();
	if (s->handler) {
		arch_irq_restore(flags);
		return TG_EBUSY;
	}
	s->ctx = ctx;
	s->handler = handler;
	arch_irq_restore(flags);
	err = gic.lpi->set_enabled(intid, true);
	if (err) {
		flags = arch_irq_save();
		s->handler = NULL;
		s->ctx = NULL;
		arch_irq_restore(flags);
	}
	return err;
}

int irq_request(unsigned int intid, enum irq_trigger trigger, irq_handler_t handler, void *ctx)
{
	const struct gic_ops *ops = gic.ops;
	unsigned long flags;

	if (!handler)
		return TG_EINVAL;
	if (trigger != IRQ_TRIGGER_LEVEL && trigger != IRQ_TRIGGER_EDGE)
		return TG_EINVAL;
	if (!ops)
		return TG_ENOENT;
	if (is_lpi(intid))
		return lpi_request(intid, trigger, handler, ctx);
	if (intid >= gic.info.nr_irqs)
		return TG_ERANGE;

	flags = arch_irq_save();
	if (gic.slot[intid].handler) {
		arch_irq_restore(flags);
		return TG_EBUSY;
	}
	/* The GIC leaves changing the trigger of an enabled interrupt
	 * UNPREDICTABLE, and the handler must be in place before it can fire. */
	ops->disable(intid);
	ops->configure(intid, trigger);
	gic.slot[intid].ctx = ctx;
	gic.slot[intid].handler = handler;
	ops->enable(intid);
	arch_irq_restore(flags);
	return TG_OK;
}

int irq_release(unsigned int intid)
{
	const struct gic_ops *ops = gic.ops;
	struct irq_slot *s;
	unsigned long flags;

	if (!ops)
		return TG_ENOENT;
	s = slot_of(intid);
	if (!s)
		return TG_ERANGE;

	if (is_lpi(intid)) {
		if (!s->handler)
			return TG_EINVAL;
		/* Off in the GIC first, so the handler is never called half-removed. */
		(void)gic.lpi->set_enabled(intid, false);
		flags = arch_irq_save();
		s->handler = NULL;
		s->ctx = NULL;
		arch_irq_restore(flags);
		return TG_OK;
	}

	flags = arch_irq_save();
	if (!s->handler) {
		arch_irq_restore(flags);
		return TG_EINVAL;
	}
	ops->disable(intid);
	s->handler = NULL;
	s->ctx = NULL;
	arch_irq_restore(flags);
	return TG_OK;
}

int irq_raise(unsigned int intid)
{
	const struct gic_ops *ops = gic.ops;

	if (!ops)
		return TG_ENOENT;
	if (is_lpi(intid)) {
		if (!slot_of(intid) || !gic.lpi->allocated(intid))
			return TG_ERANGE;
		return gic.lpi->raise(intid);
	}
	if (intid >= gic.info.nr_irqs)
		return TG_ERANGE;
	ops->set_pending(intid);
	return TG_OK;
}

unsigned long irq_count(unsigned int intid)
{
	if (is_lpi(intid))
		return slot_of(intid) ? gic.lpi_count[intid - GIC_LPI_BASE] : 0;
	if (intid >= GIC_MAX_INTID)
		return 0;
	return gic.count[intid];
}

/* --- MSI front end --------------------------------------------------------------------- */

int msi_alloc(struct pci_dev *dev, unsigned int nvec, unsigned int *intids,
	      struct msi_msg *msgs)
{
	if (!dev || !intids || !msgs || nvec == 0 || nvec > MSI_MAX_VECTORS)
		return TG_EINVAL;
	if (!gic.ops || !gic.msi)
		return TG_ENOENT;
	return gic.msi->alloc(dev, nvec, intids, msgs);
}

int msi_free(struct pci_dev *dev, unsigned int nvec, const unsigned int *intids)
{
	if (!dev || !intids || nvec == 0 || nvec > MSI_MAX_VECTORS)
		return TG_EINVAL;
	if (!gic.ops || !gic.msi)
		return TG_ENOENT;
	for (unsigned int i = 0; i < nvec; i++) {
		struct irq_slot *s = slot_of(intids[i]);

		if (!gic.msi->owns(dev, intids[i]))
			return TG_EINVAL;
		/* A live handler on a freed vector would run for its next owner. */
		if (s && s->handler)
			return TG_EBUSY;
		for (unsigned int j = 0; j < i; j++)
			if (intids[j] == intids[i])
				return TG_EINVAL;
	}
	gic.msi->free(dev, nvec, intids);
	return TG_OK;
}

const char *msi_controller_name(void)
{
	return gic.ops && gic.msi ? gic.msi->name : NULL;
}

unsigned int msi_free_count(void)
{
	return gic.ops && gic.msi ? gic.msi->free_count() : 0;
}

/* --- the IRQ vector ----------------------------------------------------------------- */

void irq_handle(void)
{
	const struct gic_ops *ops = gic.ops;
	unsigned int n;

	/* A CPU interface nobody enabled cannot signal; nothing to acknowledge. */
	if (!ops)
		return;

	for (n = 0; n < IRQ_MAX_PER_ENTRY; n++) {
		uint32_t iar = ops->ack();
		unsigned int intid = iar & ops->intid_mask;
		struct irq_slot *s;

		/* 1020-1023: nothing pending for us (or not our group). */
		if (intid >= GIC_INTID_SPURIOUS_MIN && intid <= 1023U)
			break;
		if (is_lpi(intid)) {
			s = slot_of(intid);
			if (!s) {
				/* Beyond every LPI we hand out: count and complete. */
				gic.stray++;
				ops->eoi(iar);
				continue;
			}
			gic.lpi_count[intid - GIC_LPI_BASE]++;
			/* No handler: released LPIs are disabled first, so this
			 * is one already in flight; nothing to quiet. */
			if (s->handler)
				s->handler(intid, s->ctx);
			ops->eoi(iar);
			continue;
		}
		if (intid >= GIC_MAX_INTID) {
			gic.stray++;
			ops->eoi(iar);
			continue;
		}

		gic.count[intid]++;
		s = &gic.slot[intid];
		if (s->handler) {
			s->handler(intid, s->ctx);
		} else {
			/* Unrequested (e.g. released while pending): keep it
			 * from firing again rather than storm, and say so once
			 * (SGIs may not be disableable). */
			uint32_t bit = 1U << (intid % 32U);

			ops->disable(intid);
			if (!(gic.warned[intid / 32U] & bit)) {
				gic.warned[intid / 32U] |= bit;
				pr_warn("irq: INTID %u has no handler, disabled\n", intid);
			}
		}
		ops->eoi(iar);
	}
}
