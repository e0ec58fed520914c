/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GICv2m MSI frame (Arm DEN 0029, SBSA, GICv2m appendix): a device writes
 * an SPI number to MSI_SETSPI_NS and the frame pulses that SPI.  A pulse
 * leaves pending state only on an edge-configured SPI, so every vector is
 * requested IRQ_TRIGGER_EDGE (QEMU drops it on a level SPI: qemu-virt.md).
 * SPIs are handed out from the frame's range, any device, one bit each.
 *
 * The range may overlap wired interrupts: QEMU virt's frame covers SPIs
 * 48-111 and its SMMUv3 is wired to SPIs 74-77.  Every SPI some DT node
 * names in `interrupts` is therefore kept out of the allocator.
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
#include <tollgate/pci.h>

#include "gic_priv.h"
#include "gic_regs.h"

#define V2M_MAX_SPIS	GIC_MAX_INTID

static struct {
	uint64_t phys;
	unsigned int base, nr;		/* SPI INTIDs [base, base + nr) */
	uint32_t used[(V2M_MAX_SPIS + 31) / 32];
	const struct pci_dev *owner[V2M_MAX_SPIS];
	unsigned int nfree;
} v2m;

static bool v2m_test(unsigned int i)
{
	return (v2m.used[i / 32U] >> (i % 32U)) & 1U;
}

static void v2m_put(unsigned int i, bool busy)
{
	if (busy)
		v2m.used[i / 32U] |= 1U << (i % 32U);
	else
		v2m.used[i / 32U] &= ~(1U << (i % 32U));
}

static bool v2m_owns(const struct pci_dev *dev, unsigned int intid)
{
	if (intid < v2m.base || intid - v2m.base >= v2m.nr)
		return false;
	return v2m_test(intid - v2m.base) && v2m.owner[intid - v2m.base] == dev;
}

static void v2m_free(struct pci_dev *dev, unsigned int nvec, const unsigned int *intids)
{
	unsigned long flags = arch_irq_save();

	for (unsigned int i = 0; i < nvec; i++) {
		unsigned int k = intids[i] - v2m.base;

		v2m_put(k, false);
		v2m.owner[k] = NULL;
		v2m.nfree++;
	}
	arch_irq_restore(flags);
	(void)dev;
}

static int v2m_alloc(struct pci_dev *dev, unsigned int nvec, unsigned int *intids,
		     struct msi_msg *msgs)
{
	unsigned long flags = arch_irq_save();
	unsigned int got = 0;

	if (v2m.nfree < nvec) {
		arch_irq_restore(flags);
		return TG_ENOSPC;
	}
	for (unsigned int k = 0; k < v2m.nr && got < nvec; k++) {
		if (v2m_test(k))
			continue;
		v2m_put(k, true);
		v2m.owner[k] = dev;
		v2m.nfree--;
		intids[got] = v2m.base + k;
		msgs[got].address = v2m.phys + V2M_MSI_SETSPI_NS;
		/* The frame takes the INTID itself (DEN 0029: MSI_SETSPI_NS). */
		msgs[got].data = v2m.base + k;
		got++;
	}
	arch_irq_restore(flags);
	return TG_OK;
}

static unsigned int v2m_free_count(void)
{
	return v2m.nfree;
}

/* Marks the frame's SPIs that DT nodes are wired to; returns how many. */
static unsigned int v2m_reserve_wired(const struct fdt *fdt, int gic_node)
{
	unsigned int reserved = 0, nodes = 0;
	int node = -1;

	/* Bounded by the blob: fdt_next_node ends at its last node. */
	while ((node = fdt_next_node(fdt, node, NULL)) >= 0 && nodes++ < 100000U) {
		int n = fdt_irq_count(fdt, node);

		for (int i = 0; i < n; i++) {
			struct fdt_irq spec;
			enum irq_trigger trig;
			unsigned int intid;

			if (fdt_irq(fdt, node, (unsigned int)i, &spec) < 0 ||
			    spec.controller != gic_node ||
			    irq_decode_fdt(&spec, &intid, &trig) < 0 ||
			    intid < v2m.base || intid - v2m.base >= v2m.nr ||
			    v2m_test(intid - v2m.base))
				continue;
			v2m_put(intid - v2m.base, true);
			v2m.nfree--;
			reserved++;
			pr_info("GICv2m: SPI %u (INTID %u) is wired to %s, not used for MSIs\n",
				intid - GIC_SPI_BASE, intid, fdt_node_name(fdt, node));
		}
	}
	return reserved;
}

static const struct gic_msi_ops v2m_ops = {
	.name = "GICv2m",
	.alloc = v2m_alloc,
	.free = v2m_free,
	.owns = v2m_owns,
	.free_count = v2m_free_count,
};

int gicv2m_probe(const struct fdt *fdt, int gic_node, unsigned int nr_irqs,
		 struct irq_info *info)
{
	uint64_t phys, size;
	uint32_t base_spi = 0, nr_spis = 0, typer;
	volatile uint8_t *frame;
	int child;

	child = gic_find_child(fdt, gic_node, "arm,gic-v2m-frame");
	if (child < 0)
		return TG_ENOENT;
	if (fdt_reg(fdt, child, 0, &phys, &size) < 0 || size < V2M_FRAME_SIZE) {
		pr_warn("GICv2m: %s: bad reg, ignored\n", fdt_node_name(fdt, child));
		return TG_EFDT_PROP;
	}
	info->v2m_phys = phys;

	/* The binding lets the DT override a frame whose MSI_TYPER is wrong. */
	if (fdt_prop_u32(fdt, child, "arm,msi-base-spi", &base_spi) < 0 ||
	    fdt_prop_u32(fdt, child, "arm,msi-num-spis", &nr_spis) < 0) {
		frame = ioremap(phys, V2M_FRAME_SIZE);
		if (!frame)
			return TG_ENOMEM;
		typer = mmio_read32(frame + V2M_MSI_TYPER);
		if (typer == ~0U) {
			pr_err("GICv2m: MSI_TYPER @0x%08llx reads all-ones: no frame there, MSIs off\n",
			       (unsigned long long)phys);
			return TG_EIO;
		}
		base_spi = V2M_MSI_TYPER_BASE(typer);
		nr_spis = V2M_MSI_TYPER_NUM(typer);
	}
	if (base_spi < GIC_SPI_BASE || nr_spis == 0 || base_spi >= nr_irqs ||
	    nr_spis > nr_irqs - base_spi) {
		pr_err("GICv2m: SPI range %u+%u outside the distributor's %u lines, MSIs off\n",
		       (unsigned int)base_spi, (unsigned int)nr_spis, nr_irqs);
		return TG_ERANGE;
	}
	v2m.phys = phys;
	v2m.base = base_spi;
	v2m.nr = nr_spis;
	v2m.nfree = nr_spis;
	pr_info("GICv2m: range[mem 0x%08llx-0x%08llx], SPI[%u:%u]\n",
		(unsigned long long)phys, (unsigned long long)(phys + size - 1),
		(unsigned int)base_spi, (unsigned int)(base_spi + nr_spis - 1));
	(void)v2m_reserve_wired(fdt, gic_node);
	gic_msi_register(&v2m_ops);
	return TG_OK;
}
