/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GICv3 ITS, minimal and physical-only (Arm IHI 0069 chapter 5): this
 * CPU's LPI Configuration and Pending tables, flat Device and Collection
 * tables, one command queue, one collection (ICID 0) mapped to this CPU's
 * Redistributor.  A PCI function's messages carry its DeviceID (the DT
 * msi-map, pci_dev.msi_id) and an EventID; MAPD gives the DeviceID an
 * Interrupt Translation Table, MAPTI maps each EventID to an LPI.
 *
 * LPIs start disabled in the Configuration table; irq_request enables
 * them (table byte, then INV + SYNC so the Redistributor re-reads it).
 * Every command completes with SYNC and a bounded wait on GITS_CREADR.
 * Command-queue use is serialised with interrupts masked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/msi.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/timer.h>

#include "gic_its_regs.h"
#include "gic_priv.h"
#include "gic_regs.h"

/* LPIs handed out: 8192 .. 8192 + ITS_NR_LPIS - 1. */
#define ITS_NR_LPIS		64U
/* INTID bits programmed in GICR_PROPBASER: the smallest that reaches LPIs
 * (14 bits: INTIDs up to 16383), so the tables stay small. */
#define ITS_LPI_ID_BITS		14U
#define ITS_PROP_SIZE		((1U << ITS_LPI_ID_BITS) - GIC_LPI_BASE)
#define ITS_PEND_SIZE		((1U << ITS_LPI_ID_BITS) / 8U)
#define ITS_MAX_DEVICES		16U
/* EventIDs per device: 32, enough for MSI_MAX_VECTORS. */
#define ITS_EVENT_BITS		5U
#define ITS_CMDQ_SIZE		4096U	/* one page: 128 commands */
#define ITS_CMD_TIMEOUT_US	100000U
/* The Device table covers DeviceIDs below 2^16 at most (the PCI RID space). */
#define ITS_MAX_DEVID_BITS	16U
#define ITS_MAX_TABLE_PAGES	256U	/* GITS_BASER.Size is 8 bits */
#define ITS_FRAME_SIZE		0x20000U

struct its_device {
	bool used;
	uint32_t devid;
	void *itt;
	size_t itt_size;
	uint32_t events;	/* bitmap of EventIDs in use */
};

struct its_lpi {
	bool used;
	struct its_device *dev;
	const struct pci_dev *owner;
	uint32_t event;
};

static struct {
	volatile uint8_t *base;
	volatile uint8_t *rd;
	uint64_t phys;
	uint64_t typer;
	uint64_t rdbase;		/* RDbase field of MAPC/SYNC */
	uint8_t *cmdq;
	uint32_t cmd_wr;		/* next free byte offset */
	bool cmdq_nc;			/* queue not shareable: clean each command */
	uint8_t *prop;
	bool prop_nc;
	uint32_t nr_devids;		/* DeviceIDs the Device table covers */
	unsigned int event_bits;
	unsigned int itt_esz;
	/* Tables handed to GITS_BASER<n>, freed again if bring-up fails. */
	void *tab[GITS_BASER_NR];
	size_t tab_size[GITS_BASER_NR];
	bool ready;
	bool stalled_warned;
	unsigned int nfree;
	struct its_device dev[ITS_MAX_DEVICES];
	struct its_lpi lpi[ITS_NR_LPIS];
} its;

/* --- command queue --------------------------------------------------------------- */

static uint32_t its_creadr(void)
{
	return mmio_read32(its.base + GITS_CREADR);
}

/* Queues one command; the caller holds interrupts masked. */
static int its_queue(uint64_t dw0, uint64_t dw1, uint64_t dw2)
{
	uint32_t next = (its.cmd_wr + ITS_CMD_SIZE) % ITS_CMDQ_SIZE;
	uint64_t *slot;
	int rc;

	/* Full when the write pointer would catch up with the read pointer. */
	rc = tg_poll_until((its_creadr() & GITS_CQ_OFFSET_MASK) != next, ITS_CMD_TIMEOUT_US);
	if (rc < 0) {
		pr_err("ITS: command queue full for %u us (CREADR 0x%x)\n", ITS_CMD_TIMEOUT_US,
		       (unsigned int)its_creadr());
		return rc;
	}
	slot = (uint64_t *)(its.cmdq + its.cmd_wr);
	slot[0] = dw0;
	slot[1] = dw1;
	slot[2] = dw2;
	slot[3] = 0;
	if (its.cmdq_nc)
		arch_dcache_clean_range((uintptr_t)slot, ITS_CMD_SIZE);
	arch_dsb();
	its.cmd_wr = next;
	/* The ITS starts on the low half; the high half is RES0. */
	mmio_write32(its.base + GITS_CWRITER + 4U, 0);
	mmio_write32(its.base + GITS_CWRITER, next);
	return TG_OK;
}

/* Waits until the ITS has consumed everything queued. */
static int its_wait(void)
{
	int rc = tg_poll_until((its_creadr() & GITS_CQ_OFFSET_MASK) == its.cmd_wr ||
			       (its_creadr() & GITS_CREADR_STALLED), ITS_CMD_TIMEOUT_US);
	uint32_t r = its_creadr();

	if (r & GITS_CREADR_STALLED) {
		if (!its.stalled_warned) {
			its.stalled_warned = true;
			pr_err("ITS: command queue stalled at offset 0x%x (command error)\n",
			       (unsigned int)(r & GITS_CQ_OFFSET_MASK));
		}
		return TG_EIO;
	}
	if (rc < 0) {
		pr_err("ITS: commands not consumed after %u us (CREADR 0x%x, CWRITER 0x%x)\n",
		       ITS_CMD_TIMEOUT_US, (unsigned int)r, (unsigned int)its.cmd_wr);
		return rc;
	}
	return TG_OK;
}

static int its_queue_sync(void)
{
	int rc = its_queue(ITS_CMD_SYNC, 0, ITS_CMD_RDBASE(its.rdbase));

	return rc ? rc : its_wait();
}

static int its_mapd(uint32_t devid, uint64_t itt_phys, bool valid)
{
	return its_queue(ITS_CMD_MAPD | ITS_CMD_DEVID(devid),
			 valid ? its.event_bits - 1U : 0,
			 valid ? (ITS_CMD_ITT_ADDR(itt_phys) | ITS_CMD_VALID) : 0);
}

static int its_dev_event_cmd(uint32_t cmd, uint32_t devid, uint32_t event)
{
	return its_queue(cmd | ITS_CMD_DEVID(devid), event, 0);
}

/* --- LPI Configuration table ------------------------------------------------------- */

static void its_prop_write(unsigned int intid, bool on)
{
	uint8_t *b = &its.prop[intid - GIC_LPI_BASE];

	*b = (uint8_t)(LPI_PROP_PRIO(GIC_PRIO_DEFAULT) | LPI_PROP_RES1 | (on ? LPI_PROP_ENABLE : 0));
	if (its.prop_nc)
		arch_dcache_clean_range((uintptr_t)b, 1);
	arch_dsb();
}

static bool its_lpi_allocated(unsigned int intid)
{
	return intid >= GIC_LPI_BASE && intid - GIC_LPI_BASE < ITS_NR_LPIS &&
	       its.lpi[intid - GIC_LPI_BASE].used;
}

/*
 * One command for an allocated LPI's (DeviceID, EventID), then SYNC; with
 * `enable` 0 or 1, its configuration byte is written first.
 */
static int its_lpi_cmd(unsigned int intid, uint32_t cmd, int enable)
{
	struct its_lpi *l;
	unsigned long flags;
	int rc;

	if (!its_lpi_allocated(intid))
		return TG_ERANGE;
	l = &its.lpi[intid - GIC_LPI_BASE];
	flags = arch_irq_save();
	if (enable >= 0)
		its_prop_write(intid, enable);
	rc = its_dev_event_cmd(cmd, l->dev->devid, l->event);
	if (!rc)
		rc = its_queue_sync();
	arch_irq_restore(flags);
	return rc;
}

static int its_lpi_set_enabled(unsigned int intid, bool on)
{
	/* The Redistributor may cache the byte: INV makes it read it again. */
	return its_lpi_cmd(intid, ITS_CMD_INV, on);
}

static int its_lpi_raise(unsigned int intid)
{
	return its_lpi_cmd(intid, ITS_CMD_INT, -1);
}

static const struct gic_lpi_ops its_lpi_ops = {
	.nr = ITS_NR_LPIS,
	.allocated = its_lpi_allocated,
	.set_enabled = its_lpi_set_enabled,
	.raise = its_lpi_raise,
};

/* --- MSI allocation ------------------------------------------------------------------- */

static struct its_device *its_find_device(uint32_t devid)
{
	for (unsigned int i = 0; i < ITS_MAX_DEVICES; i++)
		if (its.dev[i].used && its.dev[i].devid == devid)
			return &its.dev[i];
	return NULL;
}

/* Unmaps a device with no events left and frees its ITT. */
static void its_device_put(struct its_device *d)
{
	if (d->events)
		return;
	if (!its_mapd(d->devid, 0, false))
		(void)its_queue_sync();
	page_free(d->itt, d->itt_size);
	d->itt = NULL;
	d->used = false;
}

static int its_device_get(uint32_t devid, struct its_device **out)
{
	struct its_device *d = its_find_device(devid);
	uint64_t itt_phys;
	int rc;

	if (d) {
		*out = d;
		return TG_OK;
	}
	for (unsigned int i = 0; i < ITS_MAX_DEVICES && !d; i++)
		if (!its.dev[i].used)
			d = &its.dev[i];
	if (!d)
		return TG_ENOSPC;
	d->itt_size = ((size_t)its.itt_esz << its.event_bits);
	if (d->itt_size < TG_PAGE_SIZE)
		d->itt_size = TG_PAGE_SIZE;
	d->itt = page_alloc(d->itt_size, 0, &itt_phys);
	if (!d->itt)
		return TG_ENOMEM;
	/* The ITS owns the ITT from now on: no dirty line may overwrite it. */
	arch_dcache_clean_inval_range((uintptr_t)d->itt, d->itt_size);
	d->devid = devid;
	d->events = 0;
	d->used = true;
	rc = its_mapd(devid, itt_phys, true);
	if (!rc)
		rc = its_queue_sync();
	if (rc) {
		page_free(d->itt, d->itt_size);
		d->used = false;
		return rc;
	}
	*out = d;
	return TG_OK;
}

static void its_release_vectors(struct its_device *d, const unsigned int *intids,
				unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct its_lpi *l = &its.lpi[intids[i] - GIC_LPI_BASE];

		(void)its_dev_event_cmd(ITS_CMD_DISCARD, d->devid, l->event);
	}
	if (n)
		(void)its_queue_sync();
	for (unsigned int i = 0; i < n; i++) {
		struct its_lpi *l = &its.lpi[intids[i] - GIC_LPI_BASE];

		its_prop_write(intids[i], false);
		d->events &= ~(1U << l->event);
		l->used = false;
		l->dev = NULL;
		l->owner = NULL;
		its.nfree++;
	}
}

static int its_alloc(struct pci_dev *pdev, unsigned int nvec, unsigned int *intids,
		     struct msi_msg *msgs)
{
	struct its_device *d;
	unsigned long flags;
	unsigned int got = 0;
	char name[16];	/* "0000:00:00.0" */
	int rc;

	pci_dev_name(pdev, name, sizeof(name));
	if (!its.ready)
		return TG_ENOENT;
	if (!pdev->has_msi_id) {
		pr_err("pci %s: no MSI DeviceID (msi-map) for the ITS\n", name);
		return TG_ENOTSUP;
	}
	if (pdev->msi_id >= its.nr_devids) {
		pr_err("pci %s: DeviceID 0x%x beyond the ITS device table (%u entries)\n", name,
		       (unsigned int)pdev->msi_id, (unsigned int)its.nr_devids);
		return TG_ERANGE;
	}
	if (nvec > its.nfree || nvec > (1U << its.event_bits))
		return TG_ENOSPC;

	flags = arch_irq_save();
	rc = its_device_get(pdev->msi_id, &d);
	if (rc) {
		arch_irq_restore(flags);
		return rc;
	}
	for (unsigned int k = 0; k < ITS_NR_LPIS && got < nvec && !rc; k++) {
		struct its_lpi *l = &its.lpi[k];
		uint32_t ev;

		if (l->used)
			continue;
		for (ev = 0; ev < (1U << its.event_bits) && (d->events & (1U << ev)); ev++)
			;
		if (ev == (1U << its.event_bits)) {
			rc = TG_ENOSPC;
			break;
		}
		l->used = true;
		l->dev = d;
		l->owner = pdev;
		l->event = ev;
		d->events |= 1U << ev;
		its.nfree--;
		intids[got] = GIC_LPI_BASE + k;
		msgs[got].address = its.phys + GITS_TRANSLATER;
		msgs[got].data = ev;
		got++;
		its_prop_write(GIC_LPI_BASE + k, false);
		rc = its_queue(ITS_CMD_MAPTI | ITS_CMD_DEVID(d->devid),
			       ev | ITS_CMD_PINTID(GIC_LPI_BASE + k), 0 /* ICID 0 */);
	}
	if (!rc)
		rc = its_queue_sync();
	if (rc) {
		its_release_vectors(d, intids, got);
		its_device_put(d);
	}
	arch_irq_restore(flags);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < nvec; i++)
		pr_debug("pci %s: DeviceID 0x%x EventID %u -> LPI %u\n", name,
			 (unsigned int)d->devid, (unsigned int)msgs[i].data, intids[i]);
	return TG_OK;
}

static bool its_owns(const struct pci_dev *pdev, unsigned int intid)
{
	return its_lpi_allocated(intid) && its.lpi[intid - GIC_LPI_BASE].owner == pdev;
}

static void its_free(struct pci_dev *pdev, unsigned int nvec, const unsigned int *intids)
{
	struct its_device *d = its.lpi[intids[0] - GIC_LPI_BASE].dev;
	unsigned long flags = arch_irq_save();

	its_release_vectors(d, intids, nvec);
	its_device_put(d);
	arch_irq_restore(flags);
	(void)pdev;
}

static unsigned int its_free_count(void)
{
	return its.nfree;
}

static const struct gic_msi_ops its_msi_ops = {
	.name = "ITS",
	.alloc = its_alloc,
	.free = its_free,
	.owns = its_owns,
	.free_count = its_free_count,
};

/* --- bring-up -------------------------------------------------------------------------- */

static uint64_t read64(volatile uint8_t *reg)
{
	uint64_t lo = mmio_read32(reg), hi = mmio_read32(reg + 4U);

	return lo | (hi << 32);
}

static void write64(volatile uint8_t *reg, uint64_t v)
{
	/* Halves, low first: both ISAs, and the ITS/GICR accept 32-bit access. */
	mmio_write32(reg, (uint32_t)v);
	mmio_write32(reg + 4U, (uint32_t)(v >> 32));
}

/* GICR_PROPBASER/PENDBASER and EnableLPIs for this CPU. */
static int its_lpi_tables(volatile uint8_t *dist)
{
	uint32_t dtyper = mmio_read32(dist + GICD_TYPER);
	uint64_t prop_phys, pend_phys, v;
	void *pend;

	/* GICD_TYPER.LPIS [17], IDbits [23:19]. */
	if (!(dtyper & (1U << 17)) || ((dtyper >> 19) & 0x1FU) + 1U < ITS_LPI_ID_BITS) {
		pr_err("GICv3: distributor has no LPIs (GICD_TYPER 0x%08x)\n", (unsigned int)dtyper);
		return TG_ENOTSUP;
	}
	if (!(mmio_read32(its.rd + GICR_TYPER_LO) & GICR_TYPER_PLPIS)) {
		pr_err("GICv3: redistributor has no physical LPIs\n");
		return TG_ENOTSUP;
	}
	if (mmio_read32(its.rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS) {
		/* The tables can no longer be changed (IHI 0069 12.11.2). */
		pr_err("GICv3: LPIs already enabled by earlier software, cannot take them over\n");
		return TG_EBUSY;
	}
	its.prop = page_alloc(ITS_PROP_SIZE, 0, &prop_phys);
	pend = page_alloc(ITS_PEND_SIZE, LPI_PENDTAB_ALIGN, &pend_phys);
	if (!its.prop || !pend) {
		if (its.prop)
			page_free(its.prop, ITS_PROP_SIZE);
		if (pend)
			page_free(pend, ITS_PEND_SIZE);
		its.prop = NULL;
		return TG_ENOMEM;
	}
	memset(its.prop, LPI_PROP_PRIO(GIC_PRIO_DEFAULT) | LPI_PROP_RES1, ITS_PROP_SIZE);
	arch_dcache_clean_range((uintptr_t)its.prop, ITS_PROP_SIZE);
	arch_dcache_clean_inval_range((uintptr_t)pend, ITS_PEND_SIZE);

	v = (prop_phys & GICR_BASER_PA_MASK) | GICR_PROPBASER_IDBITS(ITS_LPI_ID_BITS) |
	    GICR_BASER_INNER_WAWB | GICR_BASER_SH_INNER;
	write64(its.rd + GICR_PROPBASER, v);
	/* A GIC that cannot snoop says so by dropping Shareability. */
	its.prop_nc = (read64(its.rd + GICR_PROPBASER) & GICR_BASER_SH_MASK) == 0;
	v = (pend_phys & GICR_BASER_PA_MASK) | GICR_BASER_INNER_WAWB | GICR_BASER_SH_INNER |
	    GICR_PENDBASER_PTZ;
	write64(its.rd + GICR_PENDBASER, v);
	arch_dsb();
	mmio_write32(its.rd + GICR_CTLR, mmio_read32(its.rd + GICR_CTLR) | GICR_CTLR_ENABLE_LPIS);
	if (!(mmio_read32(its.rd + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS)) {
		pr_err("GICv3: GICR_CTLR.EnableLPIs does not stick\n");
		return TG_EIO;
	}
	return TG_OK;
}

/*
 * Finds the page size the table register accepts (4K first: the tables
 * are small) and sizes a flat table of `entries` entries.  Returns the
 * GITS_BASER value to write, or 0 when the register refuses every size.
 */
static uint64_t its_baser_flat(volatile uint8_t *reg, uint64_t cur, uint32_t *entries,
			       size_t *bytes, size_t *page)
{
	static const size_t sizes[] = { 0x1000, 0x4000, 0x10000 };
	unsigned int esz = GITS_BASER_ESZ(cur);

	for (unsigned int p = 0; p < 3; p++) {
		uint64_t v = (cur & GITS_BASER_RO_MASK) | ((uint64_t)p << GITS_BASER_PAGESZ_SHIFT);
		size_t want = (size_t)*entries * esz;
		size_t pages = (want + sizes[p] - 1) / sizes[p];

		write64(reg, v);
		if ((read64(reg) & GITS_BASER_PAGESZ_MASK) != (v & GITS_BASER_PAGESZ_MASK))
			continue;
		if (pages == 0)
			pages = 1;
		if (pages > ITS_MAX_TABLE_PAGES)
			pages = ITS_MAX_TABLE_PAGES;
		*page = sizes[p];
		*bytes = pages * sizes[p];
		*entries = (uint32_t)(*bytes / esz);
		return v | GITS_BASER_SIZE(pages) | GITS_BASER_INNER_WAWB | GITS_BASER_SH_INNER |
		       GITS_BASER_VALID;
	}
	return 0;
}

static int its_tables(void)
{
	bool have_dev = false, have_coll = false;

	for (unsigned int n = 0; n < GITS_BASER_NR; n++) {
		volatile uint8_t *reg = its.base + GITS_BASER(n);
		uint64_t cur = read64(reg), v;
		unsigned int type = GITS_BASER_TYPE(cur);
		uint32_t entries;
		size_t bytes, page;
		uint64_t phys;
		void *tab;

		if (type == GITS_BASER_TYPE_DEVICE) {
			unsigned int bits = GITS_TYPER_DEVBITS(its.typer);

			entries = 1U << (bits < ITS_MAX_DEVID_BITS ? bits : ITS_MAX_DEVID_BITS);
		} else if (type == GITS_BASER_TYPE_COLL) {
			entries = 1;	/* ICID 0 only */
		} else {
			continue;
		}
		v = its_baser_flat(reg, cur, &entries, &bytes, &page);
		if (!v) {
			pr_err("ITS: GITS_BASER%u accepts no page size\n", n);
			return TG_ENOTSUP;
		}
		tab = page_alloc(bytes, page, &phys);
		if (!tab) {
			pr_err("ITS: no memory for a %zu KiB table\n", bytes / 1024);
			return TG_ENOMEM;
		}
		arch_dcache_clean_inval_range((uintptr_t)tab, bytes);
		v |= phys & GITS_BASER_PA_MASK;
		write64(reg, v);
		its.tab[n] = tab;
		its.tab_size[n] = bytes;
		if (!(read64(reg) & GITS_BASER_VALID)) {
			pr_err("ITS: GITS_BASER%u (type %u) refused the table\n", n, type);
			return TG_EIO;
		}
		if (type == GITS_BASER_TYPE_DEVICE) {
			have_dev = true;
			its.nr_devids = entries;
			pr_info("ITS: device table @0x%llx, %zu KiB, %u DeviceIDs, %zu KiB pages, flat\n",
				(unsigned long long)phys, bytes / 1024, (unsigned int)entries,
				page / 1024);
		} else {
			have_coll = true;
		}
	}
	if (!have_dev) {
		pr_err("ITS: no GITS_BASER for the device table\n");
		return TG_ENOTSUP;
	}
	/* Without a collection table the ITS must hold collections itself. */
	if (!have_coll && GITS_TYPER_HCC(its.typer) == 0) {
		pr_err("ITS: no collection table and no hardware collections\n");
		return TG_ENOTSUP;
	}
	return TG_OK;
}

/* Undoes its_tables/its_cmdq_init after a failed bring-up (ITS still off). */
static void its_untables(void)
{
	for (unsigned int n = 0; n < GITS_BASER_NR; n++) {
		if (!its.tab[n])
			continue;
		write64(its.base + GITS_BASER(n), 0);
		page_free(its.tab[n], its.tab_size[n]);
		its.tab[n] = NULL;
	}
	if (its.cmdq) {
		write64(its.base + GITS_CBASER, 0);
		page_free(its.cmdq, ITS_CMDQ_SIZE);
		its.cmdq = NULL;
	}
}

static int its_cmdq_init(void)
{
	uint64_t phys, v;

	its.cmdq = page_alloc(ITS_CMDQ_SIZE, 0x10000, &phys);
	if (!its.cmdq)
		return TG_ENOMEM;
	arch_dcache_clean_inval_range((uintptr_t)its.cmdq, ITS_CMDQ_SIZE);
	v = (phys & GICR_BASER_PA_MASK) | GITS_CBASER_VALID | GITS_CBASER_INNER_WAWB |
	    GITS_CBASER_SH_INNER | (ITS_CMDQ_SIZE / 0x1000U - 1U);
	write64(its.base + GITS_CBASER, v);
	its.cmdq_nc = (read64(its.base + GITS_CBASER) & GITS_CBASER_SH_MASK) == 0;
	/* Writing CBASER resets CREADR; CWRITER follows. */
	write64(its.base + GITS_CWRITER, 0);
	its.cmd_wr = 0;
	return TG_OK;
}

int gicv3_its_probe(const struct fdt *fdt, int gic_node, volatile uint8_t *dist,
		    volatile uint8_t *rd, uint64_t rd_phys, struct irq_info *info)
{
	uint64_t phys, size;
	uint32_t pidr2, ctlr;
	int child, rc;

	child = gic_find_child(fdt, gic_node, "arm,gic-v3-its");
	if (child < 0)
		return TG_ENOENT;
	if (fdt_reg(fdt, child, 0, &phys, &size) < 0 || size < ITS_FRAME_SIZE) {
		pr_warn("GICv3: ITS %s: bad reg, ignored\n", fdt_node_name(fdt, child));
		return TG_EFDT_PROP;
	}
	info->its_phys = phys;
	its.phys = phys;
	its.rd = rd;
	its.base = ioremap(phys, ITS_FRAME_SIZE);
	if (!its.base)
		return TG_ENOMEM;
	pidr2 = mmio_read32(its.base + GITS_PIDR2);
	its.typer = read64(its.base + GITS_TYPER);
	if (pidr2 == ~0U || its.typer == ~0ULL) {
		pr_err("ITS @0x%08llx reads all-ones: nothing there, MSIs off\n",
		       (unsigned long long)phys);
		return TG_EIO;
	}
	if (!(its.typer & GITS_TYPER_PHYSICAL)) {
		pr_err("ITS @0x%08llx: no physical LPIs (GITS_TYPER 0x%llx)\n",
		       (unsigned long long)phys, (unsigned long long)its.typer);
		return TG_ENOTSUP;
	}
	its.itt_esz = GITS_TYPER_ITT_ESZ(its.typer);
	its.event_bits = GITS_TYPER_IDBITS(its.typer) < ITS_EVENT_BITS ?
			 GITS_TYPER_IDBITS(its.typer) : ITS_EVENT_BITS;

	/* The tables may only change while the ITS is off and quiescent. */
	ctlr = mmio_read32(its.base + GITS_CTLR);
	if (ctlr & GITS_CTLR_ENABLED)
		mmio_write32(its.base + GITS_CTLR, ctlr & ~GITS_CTLR_ENABLED);
	rc = tg_poll_until(mmio_read32(its.base + GITS_CTLR) & GITS_CTLR_QUIESCENT,
			   ITS_CMD_TIMEOUT_US);
	if (rc < 0) {
		pr_err("ITS @0x%08llx: never quiescent\n", (unsigned long long)phys);
		return rc;
	}

	/*
	 * The LPI tables stay even if the ITS fails: once EnableLPIs is set
	 * it may not be cleared again (IHI 0069 12.11.2), and the
	 * Redistributor keeps using them.
	 */
	rc = its_lpi_tables(dist);
	if (rc)
		return rc;
	rc = its_tables();
	if (!rc)
		rc = its_cmdq_init();
	if (rc) {
		its_untables();
		return rc;
	}
	mmio_write32(its.base + GITS_CTLR, GITS_CTLR_ENABLED);

	/* Collection 0 targets this CPU: by address (PTA) or processor number. */
	if (its.typer & GITS_TYPER_PTA)
		its.rdbase = rd_phys >> 16;
	else
		its.rdbase = GICR_TYPER_PROCNUM(mmio_read32(rd + GICR_TYPER_LO));
	rc = its_queue(ITS_CMD_MAPC, 0, ITS_CMD_RDBASE(its.rdbase) | 0 /* ICID 0 */ |
		       ITS_CMD_VALID);
	if (!rc)
		rc = its_queue(ITS_CMD_INVALL, 0, 0);
	if (!rc)
		rc = its_queue_sync();
	if (rc) {
		pr_err("ITS @0x%08llx: MAPC failed: %s\n", (unsigned long long)phys,
		       tg_strerror(rc));
		mmio_write32(its.base + GITS_CTLR, 0);
		(void)tg_poll_until(mmio_read32(its.base + GITS_CTLR) & GITS_CTLR_QUIESCENT,
				    ITS_CMD_TIMEOUT_US);
		its_untables();
		return rc;
	}
	its.nfree = ITS_NR_LPIS;
	its.ready = true;
	gic_lpi_register(&its_lpi_ops);
	gic_msi_register(&its_msi_ops);
	pr_info("GICv3: ITS @0x%08llx: %u LPIs [%u-%u], %u EventIDs/device, ITT entry %u B, %s%s\n",
		(unsigned long long)phys, ITS_NR_LPIS, GIC_LPI_BASE,
		GIC_LPI_BASE + ITS_NR_LPIS - 1U, 1U << its.event_bits, its.itt_esz,
		(its.typer & GITS_TYPER_PTA) ? "RDbase by address" : "RDbase by CPU number",
		(its.prop_nc || its.cmdq_nc) ? ", non-coherent tables" : "");
	return TG_OK;
}
