/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The smallest program a product builds on the core: what a storage or
 * network driver calls (bring-up from the DT, find a device, set it up for
 * DMA, map singles and scatterlists, sync, MSI/MSI-X, P2P memory, read
 * faults), on empty platform hooks.  Never run: `make core-min` links it
 * with --gc-sections and tools/size-report reads its link map, so the
 * core's size is what such a driver pulls in, not what the shell and the
 * self-tests add.
 */
#include <tollgate/dma.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>
#include <tollgate/pci_msi.h>
#include <tollgate/platform.h>
#include <tollgate/smmu.h>

void *plat_dma_alloc(size_t size, size_t align, uint64_t *phys) { *phys = 0; return 0; }
void plat_dma_free(void *va, size_t size) {}
void *plat_map(uint64_t phys, size_t size, enum plat_mem mem) { return 0; }
void plat_cache(enum plat_cache_op op, const void *va, size_t size) {}
uint64_t plat_time_ns(void) { return 0; }
int plat_irq_request(const struct fdt_irq *spec, bool edge, plat_irq_handler_t handler,
		     void *ctx, unsigned int *intid) { return TG_ENOTSUP; }
uint64_t plat_msi_doorbell(void) { return 0; }
void plat_log(int level, const char *line) {}
unsigned long plat_lock_irqsave(void) { return 0; }
void plat_unlock_irqrestore(unsigned long flags) {}

int core_min_main(const void *blob, size_t size);
int core_min_main(const void *blob, size_t size)
{
	static struct fdt fdt;
	static struct dma_dev dd;
	static struct dma_sg sg[4];
	struct smmu_fault fault;
	struct msi_msg msg = { 0 };
	dma_addr_t dma;
	uint64_t phys;

	if (fdt_open(&fdt, blob, size, 0) || pci_init_from_fdt(&fdt) || smmu_init_from_fdt(&fdt))
		return -1;
	struct pci_dev *pci = pci_find_id(0x1b36, 0x0010, 0);
	if (!pci || pci_set_master(pci, true) || dma_dev_init(&dd, pci, ~0ull))
		return -1;
	dma_map_single(&dd, 0x40000000, 4096, DMA_TO_DEVICE, &dma);
	dma_sync_for_cpu(&dd, 0x40000000, 4096, DMA_TO_DEVICE);
	dma_sync_for_device(&dd, 0x40000000, 4096, DMA_TO_DEVICE);
	dma_unmap_single(&dd, dma, 4096, DMA_TO_DEVICE);
	int n = dma_map_sg(&dd, sg, 4, DMA_FROM_DEVICE);
	if (n > 0)
		dma_unmap_sg(&dd, sg, 4, DMA_FROM_DEVICE);
	pci_msi_enable(pci, &msg);
	pci_msi_disable(pci);
	pci_msix_enable(pci, 1);
	pci_msix_set_vector(pci, 0, &msg, false);
	pci_msix_disable(pci);
	struct p2p_provider *p2p = 0;
	if (p2p_provider_register(pci, 2, 0, 4096, &p2p) == TG_OK)
		p2p_free(p2p, p2p_alloc(p2p, 4096, &phys), 4096);
	if (smmu_event_get(smmu_event_mark(), &fault) == TG_OK)
		return 1;
	dma_dev_release(&dd);
	return 0;
}
