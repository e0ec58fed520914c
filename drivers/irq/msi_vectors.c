/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pci_alloc_irq_vectors: where the interrupt controller's messages
 * (msi_alloc) meet the function's MSI / MSI-X capability (pci/msi.c).
 * MSI-X first (several vectors), then MSI (one), then the INTx line the
 * DT routes.  What each function got is remembered in a small static
 * pool, so pci_free_irq_vectors can undo exactly that.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/msi.h>
#include <tollgate/pci.h>

#include "gic_its_regs.h"

#define MSI_VEC_MAX_FUNCTIONS	16

static struct msi_vectors {
	struct pci_dev *dev;
	enum pci_irq_type type;
	unsigned int nirq;		/* from msi_alloc; 0 for INTx */
	unsigned int intids[MSI_MAX_VECTORS];
} vec_pool[MSI_VEC_MAX_FUNCTIONS];

static struct msi_vectors *vectors_of(const struct pci_dev *dev)
{
	for (unsigned int i = 0; i < MSI_VEC_MAX_FUNCTIONS; i++)
		if (vec_pool[i].dev == dev)
			return &vec_pool[i];
	return NULL;
}

static void log_vectors(struct pci_dev *dev, const char *what, unsigned int n,
			const unsigned int *intids)
{
	const char *kind = intids[0] >= GIC_LPI_BASE ? "LPI" : "SPI";
	char name[16];	/* "0000:00:00.0" */

	pci_dev_name(dev, name, sizeof(name));
	if (n == 1)
		pr_info("pci %s: %s 1 vector -> %s %u\n", name, what, kind, intids[0]);
	else
		pr_info("pci %s: %s %u vectors -> %s %u..%u\n", name, what, n, kind, intids[0],
			intids[n - 1]);
}

static int try_msix(struct pci_dev *dev, struct msi_vectors *v, unsigned int min_vec,
		    unsigned int max_vec)
{
	struct msi_msg msgs[MSI_MAX_VECTORS];
	int size = pci_msix_table_size(dev);
	unsigned int n;
	int err;

	if (size < 0)
		return size;
	n = max_vec < (unsigned int)size ? max_vec : (unsigned int)size;
	if (n < min_vec)
		return TG_ENOSPC;
	err = msi_alloc(dev, n, v->intids, msgs);
	if (err)
		return err;
	err = pci_msix_enable(dev, n);
	if (err) {
		(void)msi_free(dev, n, v->intids);
		return err;
	}
	for (unsigned int i = 0; !err && i < n; i++)
		err = pci_msix_set_vector(dev, i, &msgs[i], false);
	if (err) {
		(void)pci_msix_disable(dev);
		(void)msi_free(dev, n, v->intids);
		return err;
	}
	v->nirq = n;
	log_vectors(dev, "MSI-X", n, v->intids);
	return (int)n;
}

static int try_msi(struct pci_dev *dev, struct msi_vectors *v)
{
	struct msi_msg msg;
	int err = msi_alloc(dev, 1, v->intids, &msg);

	if (err)
		return err;
	err = pci_msi_enable(dev, &msg);
	if (err) {
		(void)msi_free(dev, 1, v->intids);
		return err;
	}
	v->nirq = 1;
	log_vectors(dev, "MSI", 1, v->intids);
	return 1;
}

int pci_alloc_irq_vectors(struct pci_dev *dev, unsigned int min_vec, unsigned int max_vec,
			  unsigned int allow, unsigned int *intids, enum pci_irq_type *type)
{
	struct msi_vectors *v;
	int n = TG_ENOSPC;

	if (!dev || !intids || !type || min_vec == 0 || max_vec < min_vec ||
	    max_vec > MSI_MAX_VECTORS || !(allow & PCI_IRQ_ALLOW_ALL) ||
	    (allow & ~PCI_IRQ_ALLOW_ALL))
		return TG_EINVAL;
	if (vectors_of(dev))
		return TG_EBUSY;
	v = vectors_of(NULL);
	if (!v)
		return TG_ENOMEM;
	*v = (struct msi_vectors){ .dev = NULL, .type = PCI_IRQ_NONE };

	if ((allow & PCI_IRQ_ALLOW_MSIX) && dev->cap_msix) {
		n = try_msix(dev, v, min_vec, max_vec);
		if (n > 0)
			v->type = PCI_IRQ_MSIX;
	}
	if (n <= 0 && (allow & PCI_IRQ_ALLOW_MSI) && min_vec == 1 && dev->cap_msi) {
		n = try_msi(dev, v);
		if (n > 0)
			v->type = PCI_IRQ_MSI;
	}
	if (n <= 0 && (allow & PCI_IRQ_ALLOW_INTX) && min_vec == 1 && dev->intx_intid) {
		v->intids[0] = dev->intx_intid;
		n = 1;
		v->type = PCI_IRQ_INTX;
	}
	if (n <= 0)
		return n < 0 && n != TG_ENOENT ? n : TG_ENOSPC;
	v->dev = dev;
	for (int i = 0; i < n; i++)
		intids[i] = v->intids[i];
	*type = v->type;
	return n;
}

int pci_free_irq_vectors(struct pci_dev *dev)
{
	struct msi_vectors *v;
	int err = TG_OK;

	if (!dev)
		return TG_EINVAL;
	v = vectors_of(dev);
	if (!v)
		return TG_ENOENT;
	/* Refused (handlers still requested) before anything changes. */
	if (v->nirq) {
		err = msi_free(dev, v->nirq, v->intids);
		if (err)
			return err;
	}
	if (v->type == PCI_IRQ_MSIX)
		err = pci_msix_disable(dev);
	else if (v->type == PCI_IRQ_MSI)
		err = pci_msi_disable(dev);
	v->dev = NULL;
	v->nirq = 0;
	v->type = PCI_IRQ_NONE;
	return err;
}
