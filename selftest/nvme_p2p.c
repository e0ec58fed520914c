/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-p2p: an NVMe controller reads from its disk straight into a peer's
 * BAR.  The board lets P2P cross the host bridge, so the DMA layer maps
 * the peer memory as an IOVA (P2P_MAP_THRU_HOST_BRIDGE, device memory, no
 * DMA_SG_BUS_ADDRESS flag) and the transfer goes through the SMMU.
 *  1. Into ivshmem-plain BAR 2, checked by CPU reads of the BAR.
 *  2. Into another NVMe controller's CMB (when there are two), checked by
 *     CPU reads of that CMB.
 * No SMMU event may appear; the bytes around the target stay untouched.
 */
#include <tollgate/error.h>
#include <tollgate/ivshmem.h>
#include <tollgate/log.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "nvme_selftest.h"

#define P2P_LBA		500
#define P2P_BYTES	(2 * P2P_CHUNK)
#define SEED_IVSHMEM	0x19
#define SEED_PEER_CMB	0x2b
#define POISON		0xa5

/*
 * Reads P2P_BYTES at P2P_LBA into the provider memory `va`/`phys` (one
 * chunk more is allocated by the caller and must stay POISON).
 */
static enum selftest_result read_into_peer(struct selftest_ctx *ctx, struct nvme *n,
					   volatile uint8_t *va, uint64_t phys, uint32_t seed,
					   const char *what)
{
	struct dma_sg sg[2] = { { .phys = phys, .length = P2P_CHUNK },
				{ .phys = phys + P2P_CHUNK, .length = P2P_CHUNK } };

	nvst_fill_byte(va, P2P_BYTES + P2P_CHUNK, POISON);
	int err = nvst_write_pattern(n, P2P_LBA, P2P_BYTES, seed);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: write: %s", n->name, tg_strerror(err));
	unsigned long mark = smmu_event_mark();
	int nsegs = dma_map_sg(n->dd, sg, 2, DMA_FROM_DEVICE);
	if (nsegs < 0)
		return selftest_say(ctx, SELFTEST_FAIL, "%s -> %s: map: %s", n->name, what,
				    tg_strerror(nsegs));
	bool iova = !(sg[0].flags & DMA_SG_BUS_ADDRESS);
	err = iova ? nvme_rw(n, false, P2P_LBA, sg, (unsigned int)nsegs, NULL) : TG_EINVAL;
	dma_unmap_sg(n->dd, sg, 2, DMA_FROM_DEVICE);
	struct smmu_fault ev;
	unsigned long events = nvst_events_since(mark, &ev);
	long bad;
	if (!iova)
		return selftest_say(ctx, SELFTEST_FAIL, "%s -> %s: mapped as a bus address, want an IOVA",
				    n->name, what);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "%s -> %s: %s", n->name, what, tg_strerror(err));
	if (events)
		return selftest_say(ctx, SELFTEST_FAIL, "%s -> %s: %lu SMMU events (first %s at 0x%llx)",
				    n->name, what, events, ev.name, (unsigned long long)ev.addr);
	if ((bad = nvst_check(va, P2P_BYTES, seed, 0)) >= 0)
		return selftest_say(ctx, SELFTEST_FAIL, "%s -> %s: byte 0x%lx is 0x%02x, expected 0x%02x",
				    n->name, what, (unsigned long)bad, va[bad],
				    nvst_pattern(seed, (uint64_t)bad));
	if (nvst_check_byte(va + P2P_BYTES, P2P_CHUNK, POISON) >= 0)
		return selftest_say(ctx, SELFTEST_FAIL, "%s -> %s: written past the target", n->name, what);
	return SELFTEST_PASS;
}

static enum selftest_result to_ivshmem(struct selftest_ctx *ctx, struct nvme *n,
				       struct ivshmem *iv)
{
	uint64_t phys;
	/* Four chunks: naturally aligned, the last one is the guard. */
	volatile uint8_t *va = p2p_alloc(iv->p2p, 4 * P2P_CHUNK, &phys);

	if (!va)
		return selftest_say(ctx, SELFTEST_FAIL, "no ivshmem memory");
	if (p2p_map_type(iv->p2p, n->pci) != P2P_MAP_THRU_HOST_BRIDGE) {
		p2p_free(iv->p2p, (void *)va, 4 * P2P_CHUNK);
		return selftest_say(ctx, SELFTEST_SKIP, "board does not allow P2P through the host bridge");
	}
	enum selftest_result r = read_into_peer(ctx, n, va, phys, SEED_IVSHMEM, "ivshmem");
	p2p_free(iv->p2p, (void *)va, 4 * P2P_CHUNK);
	return r;
}

static enum selftest_result to_peer_cmb(struct selftest_ctx *ctx, struct nvme *a, struct nvme *b)
{
	uint64_t phys;
	int err = nvme_cmb_enable(b);

	if (err)
		return selftest_say(ctx, err == TG_ENOTSUP ? SELFTEST_SKIP : SELFTEST_FAIL,
				    "%s: CMB: %s", b->name, tg_strerror(err));
	volatile uint8_t *va = p2p_alloc(b->cmb_p2p, 4 * P2P_CHUNK, &phys);
	if (!va)
		return selftest_say(ctx, SELFTEST_FAIL, "no CMB memory");
	enum selftest_result r = p2p_map_type(b->cmb_p2p, a->pci) == P2P_MAP_NOT_SUPPORTED ?
		selftest_say(ctx, SELFTEST_SKIP, "no P2P path %s -> %s", a->name, b->name) :
		read_into_peer(ctx, a, va, phys, SEED_PEER_CMB, "peer CMB");
	p2p_free(b->cmb_p2p, (void *)va, 4 * P2P_CHUNK);
	return r;
}

static enum selftest_result nvme_p2p(struct selftest_ctx *ctx)
{
	static struct nvme a, b;
	struct ivshmem iv;
	struct pci_dev *pa = nvst_next(NULL), *pb = pa ? nvst_next(pa) : NULL;
	struct pci_dev *shm = pci_find_id(IVSHMEM_VENDOR, IVSHMEM_DEVICE, NULL);
	enum selftest_result r1 = SELFTEST_SKIP, r2 = SELFTEST_SKIP;

	if (!pa)
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller");
	int err = nvme_init(&a, pa, NULL);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "init: %s", tg_strerror(err));
	if (shm && (err = ivshmem_init(&iv, shm)) != TG_OK) {
		nvme_shutdown(&a);
		return selftest_say(ctx, SELFTEST_FAIL, "ivshmem: %s", tg_strerror(err));
	}
	if (shm)
		r1 = to_ivshmem(ctx, &a, &iv);
	if (r1 != SELFTEST_FAIL && pb) {
		err = nvme_init(&b, pb, NULL);
		r2 = err ? selftest_say(ctx, SELFTEST_FAIL, "init: %s", tg_strerror(err)) :
			   to_peer_cmb(ctx, &a, &b);
		nvme_shutdown(&b);
	}
	nvme_shutdown(&a);
	if (r1 == SELFTEST_FAIL || r2 == SELFTEST_FAIL)
		return SELFTEST_FAIL;
	if (r1 == SELFTEST_SKIP && r2 == SELFTEST_SKIP)
		return selftest_say(ctx, SELFTEST_SKIP, "needs an ivshmem-plain or a second NVMe");
	return selftest_say(ctx, SELFTEST_PASS, "%s -> ivshmem BAR2: %s; -> %s CMB: %s; 0 SMMU events",
			    a.name, r1 == SELFTEST_PASS ? "8 KiB ok" : "skipped",
			    pb ? b.name : "second NVMe", r2 == SELFTEST_PASS ? "8 KiB ok" : "skipped");
}

SELFTEST(nvme_p2p, "nvme-p2p", "NVMe reads into ivshmem BAR2 and a peer NVMe CMB", nvme_p2p);
