/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edu-p2p-ivshmem: every edu copies host memory into ivshmem's BAR 2 (a
 * registered P2P provider) through one dma_map_sg list mixing a P2P entry
 * and a host page.  On QEMU the board's policy routes peer traffic through
 * the host bridge, so the P2P entry must become an IOVA mapped to the BAR
 * with device attributes; the CPU then reads the bytes back from the BAR.
 */
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/mmio.h>
#include <tollgate/p2p.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "edu_fixture.h"

#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110
#define SHM_BAR		2
#define PROVIDE_MAX	(1ull << 20)	/* what one provider's bitmap covers */
#define LEN		256u
#define P2P_OFF		0x80u

static const char *map_type_name(enum p2p_map_type t)
{
	switch (t) {
	case P2P_MAP_BUS_ADDR: return "bus address";
	case P2P_MAP_THRU_HOST_BRIDGE: return "through the host bridge";
	default: return "not supported";
	}
}

/* ivshmem's BAR 2 as a provider: the one its driver registered, or ours. */
static struct p2p_provider *shm_provider(struct pci_dev *shm)
{
	struct p2p_provider *p = p2p_provider_of(shm->bar[SHM_BAR].cpu_addr);

	if (p)
		return p;
	uint64_t size = shm->bar[SHM_BAR].size < PROVIDE_MAX ? shm->bar[SHM_BAR].size : PROVIDE_MAX;
	return p2p_provider_register(shm, SHM_BAR, 0, size, &p) == TG_OK ? p : NULL;
}

static enum selftest_result one_edu(struct selftest_ctx *ctx, struct pci_dev *pci,
				    struct p2p_provider *prov, unsigned int seed)
{
	struct edu_fixture *f;
	enum selftest_result r;
	enum p2p_map_type type = p2p_map_type(prov, pci);
	uint64_t chunk = 0, pa = 0, out_pa;
	unsigned int prot;
	int n = 0, err;

	if (type != P2P_MAP_THRU_HOST_BRIDGE)
		return selftest_say(ctx, SELFTEST_FAIL, "map type is %s, QEMU's policy says through "
				    "the host bridge", map_type_name(type));
	r = edu_fixture_open(ctx, 0, pci, &f);
	if (r != SELFTEST_PASS)
		return r;
	volatile uint8_t *bar = p2p_alloc(prov, P2P_CHUNK, &chunk);
	uint8_t *host = page_alloc(4096, 0, &pa);
	if (!bar || !host) {
		r = selftest_say(ctx, SELFTEST_FAIL, "no P2P chunk or host page");
		goto out;
	}
	for (uint32_t b = 0; b < LEN + 2 * P2P_OFF; b++)
		mmio_write8(bar + b, 0);
	for (uint32_t b = 0; b < LEN; b++)
		host[b] = edu_fixture_pattern(seed, b);

	struct dma_sg list[2] = {
		{ .phys = chunk + P2P_OFF, .length = LEN },
		{ .phys = pa, .length = LEN },
	};
	n = dma_map_sg(&f->dd, list, 2, DMA_BIDIRECTIONAL);
	if (n != 2) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_map_sg gave %d", f->name, n);
		goto out;
	}
	if (list[0].flags & DMA_SG_BUS_ADDRESS) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: P2P entry got a bus address", f->name);
		goto out;
	}
	err = smmu_iova_lookup(dma_dev_domain(&f->dd), list[0].dma_address, &out_pa, &prot);
	if (err || out_pa != chunk + P2P_OFF || !(prot & IOMMU_MMIO)) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: IOVA 0x%llx -> 0x%llx prot 0x%x, want BAR 0x%llx "
				 "device memory", f->name, (unsigned long long)list[0].dma_address,
				 (unsigned long long)out_pa, prot, (unsigned long long)(chunk + P2P_OFF));
		goto out;
	}
	unsigned long mark = smmu_event_mark();
	err = edu_dma(&f->edu, EDU_TO_DEVICE, list[1].dma_address, 0, LEN);
	if (!err)
		err = edu_dma(&f->edu, EDU_FROM_DEVICE, list[0].dma_address, 0, LEN);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: edu DMA: %s", f->name, tg_strerror(err));
		goto out;
	}
	if (edu_fixture_count_events(mark, pci->sid)) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: SMMU events during the P2P write", f->name);
		goto out;
	}
	for (uint32_t b = 0; b < LEN; b++) {
		uint8_t got = mmio_read8(bar + P2P_OFF + b);
		if (got != host[b]) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: BAR byte %u is 0x%02x, want 0x%02x",
					 f->name, (unsigned)b, got, host[b]);
			goto out;
		}
	}
	if (mmio_read8(bar + P2P_OFF - 1) || mmio_read8(bar + P2P_OFF + LEN))
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: write spilled outside the entry", f->name);
out:
	if (n > 0)
		dma_unmap_sg(&f->dd, list, 2, DMA_BIDIRECTIONAL);
	if (bar)
		p2p_free(prov, (void *)(uintptr_t)bar, P2P_CHUNK);
	if (host)
		page_free(host, 4096);
	edu_fixture_close(f);
	return r;
}

static enum selftest_result edu_p2p_ivshmem(struct selftest_ctx *ctx)
{
	struct pci_dev *shm = pci_find_id(IVSHMEM_VENDOR, IVSHMEM_DEVICE, NULL);
	struct p2p_provider *prov;
	unsigned int n = 0;
	char name[16];

	if (!edu_fixture_find(0))
		return selftest_say(ctx, SELFTEST_SKIP, "no edu");
	if (!shm || !(shm->bar[SHM_BAR].flags & PCI_BAR_ASSIGNED))
		return selftest_say(ctx, SELFTEST_SKIP, "no ivshmem with BAR 2 assigned");
	prov = shm_provider(shm);
	if (!prov)
		return selftest_say(ctx, SELFTEST_FAIL, "cannot register ivshmem BAR 2 as a P2P provider");
	for (struct pci_dev *pci; (pci = edu_fixture_find(n)) != NULL; n++) {
		enum selftest_result r = one_edu(ctx, pci, prov, n + 21);
		if (r != SELFTEST_PASS)
			return r;
	}
	pci_dev_name(shm, name, sizeof(name));
	return selftest_say(ctx, SELFTEST_PASS, "%u edu%s -> %s BAR 2 at 0x%llx, %u bytes each",
			    n, n > 1 ? "s" : "", name, (unsigned long long)prov->cpu_addr, LEN);
}
SELFTEST(edu_p2p_ivshmem, "edu-p2p-ivshmem", "edu writes into ivshmem BAR 2 through the host bridge",
	 edu_p2p_ivshmem);
