/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-device DMA setup.  A device behind an SMMU gets its own domain and
 * IOVA space, from which every PCI bus address its host bridge uses is
 * reserved before anything is handed out: an IOVA equal to a bus address
 * of a peer would be routed to that peer by the bridge or switch (or, as
 * with NVMe's CMB, taken by the device itself) instead of to the IOMMU.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/platform.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "dma_internal.h"

static struct dma_iommu translated[DMA_MAX_TRANSLATED];
/* Test-only: devices set up while false get no window reservations. */
static bool reserve_windows = true;

void dma_debug_reserve_windows(bool on)
{
	if (!on)
		pr_warn("dma: TEST KNOB: PCI windows no longer reserved from new IOVA spaces\n");
	reserve_windows = on;
}

static uint64_t align_down(uint64_t v)
{
	return v & ~(DMA_GRANULE - 1);
}

/* Reserves the bus range [lo, lo+size) widened to whole granules. */
static int reserve(struct dma_iommu *io, uint64_t lo, uint64_t size)
{
	if (!size)
		return TG_OK;
	uint64_t hi = lo + size - 1;
	if (hi < lo)
		hi = ~0ull;
	return iova_reserve(&io->iovad, align_down(lo), align_down(hi) + DMA_GRANULE - 1);
}

static int reserve_bus_ranges(struct dma_iommu *io, const struct pci_host *host)
{
	int err = reserve(io, 0, DMA_GRANULE);	/* IOVA 0 stays an error */

	for (unsigned int i = 0; !err && reserve_windows && i < host->nwin; i++)
		err = reserve(io, host->win[i].bus_addr, host->win[i].size);
	/* Bus addresses outside every dma-ranges entry reach no memory. */
	uint64_t next = 0;
	for (unsigned int i = 0; !err && i < host->ndma; i++) {
		if (host->dma[i].bus_addr > next)
			err = reserve(io, next, host->dma[i].bus_addr - next);
		next = host->dma[i].bus_addr + host->dma[i].size;
	}
	if (!err && host->ndma && next)
		err = reserve(io, next, ~0ull - next + 1);
	return err;
}

/* The interrupt controller's MSI doorbell, mapped 1:1 so MSIs get through. */
static int map_msi_doorbell(struct dma_iommu *io, uint64_t mask)
{
	uint64_t db = plat_msi_doorbell();

	if (!db || db > mask)
		return TG_OK;
	int err = reserve(io, db, DMA_GRANULE);
	if (!err)
		err = smmu_map(io->dom, db, db, DMA_GRANULE, IOMMU_WRITE | IOMMU_MMIO);
	if (!err)
		io->msi_iova = db;
	return err;
}

static unsigned int mask_bits(uint64_t mask)
{
	unsigned int bits = 64 - (unsigned int)__builtin_clzll(mask);

	return bits < 32 ? 32 : bits > 48 ? 48 : bits;
}

int dma_dev_init(struct dma_dev *dd, struct pci_dev *pci, uint64_t mask)
{
	if (!dd || !pci || mask < DMA_GRANULE - 1)
		return TG_EINVAL;
	memset(dd, 0, sizeof(*dd));
	dd->pci = pci;
	dd->mask = mask;
	dd->max_seg_size = 0x10000;
	dd->seg_boundary = 0xffffffffull;
	dd->coherent = pci->host->coherent;

	struct smmu *smmu = pci->has_sid ? smmu_from_node(pci->iommu_node) : NULL;
	if (!smmu)
		return TG_OK;	/* direct: no IOMMU in front of this device */

	struct dma_iommu *io = translated;
	while (io->in_use)
		if (++io == translated + DMA_MAX_TRANSLATED)
			return TG_ENOMEM;
	memset(io, 0, sizeof(*io));
	io->smmu = smmu;
	io->sid = pci->sid;
	/* The domain's IOVA size follows the mask (a 28-bit device gets a 32-bit
	 * space, mask_bits), the IOVA space the mask up to 2^48, in granules. */
	uint64_t end = mask < (1ull << 48) ? mask : (1ull << 48) - 1;
	end = align_down(end + 1) - 1;
	int err = iova_domain_init(&io->iovad, DMA_GRANULE, 0, end, io->nodes,
				   sizeof(io->nodes) / sizeof(io->nodes[0]));
	if (err)
		return err;
	io->dom = smmu_domain_create(smmu, mask_bits(mask));
	if (!io->dom)
		return TG_ENOMEM;
	smmu_domain_keep_leaf_tables(io->dom, true);
	err = reserve_bus_ranges(io, pci->host);
	if (!err)
		err = map_msi_doorbell(io, end);
	if (!err)
		err = smmu_domain_attach(io->dom, io->sid);
	if (err) {
		smmu_domain_destroy(io->dom);
		return err;
	}
	io->in_use = true;
	dd->iommu = io;
	return TG_OK;
}

void dma_dev_release(struct dma_dev *dd)
{
	if (!dd || !dd->iommu)
		return;
	smmu_domain_destroy(dd->iommu->dom);
	dd->iommu->in_use = false;
	dd->iommu = NULL;
}

struct smmu_domain *dma_dev_domain(const struct dma_dev *dd)
{
	return dd && dd->iommu ? dd->iommu->dom : NULL;
}
