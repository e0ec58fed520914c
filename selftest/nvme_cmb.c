/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-cmb: the controller moves data into and out of its own controller
 * memory buffer, addressed by PCI bus address (DMA_SG_BUS_ADDRESS, no
 * IOVA), so nothing reaches the SMMU.
 *  1. A read into a CMB entry starting 0x200 into a chunk: the data must
 *     sit exactly there (an offset counted twice would put it at 0x400 and
 *     spill into the next page), the bytes around stay as they were.
 *  2. One dma_map_sg of a mixed list (CMB, host, host, CMB, host) gives
 *     four segments; nvme_rw turns them into four commands (NVMe forbids
 *     mixing CMB and host addresses in one), in both directions, and every
 *     byte is checked in the CMB (CPU reads of the BAR) and in memory.
 *  3. The reason for the split: one command whose PRP1 is in the CMB and
 *     PRP2 in host memory is refused with Invalid Use of CMB (0x12).
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/p2p.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "nvme_selftest.h"

#define LBA_OFFSET_TEST	200
#define LBA_MIXED	300
#define SEED_OFFSET	0x33
#define SEED_MIXED	0x77
#define CMB_POISON	0x5a
#define HOST_POISON	0xee
#define IN_PAGE_OFF	0x200u
#define MIXED_ENTRIES	5
#define MIXED_LAST	0x800u
#define LBA_REFUSED	340
/* NVMe 1.4 4.6.1.2.1, generic command status */
#define SC_INVALID_CMB_USE	0x12

/* A stable summary for the scenario line. */
static unsigned int mixed_segments, mixed_commands;
static uint16_t refused_status;

static enum selftest_result offset_read(struct selftest_ctx *ctx, struct nvme *n)
{
	uint64_t phys;
	volatile uint8_t *chunk = p2p_alloc(n->cmb_p2p, 2 * P2P_CHUNK, &phys);
	enum selftest_result res = SELFTEST_FAIL;
	const uint32_t len = P2P_CHUNK - IN_PAGE_OFF;

	if (!chunk)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: no CMB memory", n->name);
	nvst_fill_byte(chunk, 2 * P2P_CHUNK, CMB_POISON);
	int err = nvst_write_pattern(n, LBA_OFFSET_TEST, len, SEED_OFFSET);
	struct dma_sg sg = { .phys = phys + IN_PAGE_OFF, .length = len };
	unsigned long mark = smmu_event_mark();
	int nsegs = err ? err : dma_map_sg(n->dd, &sg, 1, DMA_FROM_DEVICE);
	if (nsegs < 0) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: map: %s", n->name, tg_strerror(nsegs));
		goto out;
	}
	uint64_t want = n->cmb_bus + (phys - n->cmb_cpu) + IN_PAGE_OFF;
	if (nsegs != 1 || !(sg.flags & DMA_SG_BUS_ADDRESS) || sg.dma_address != want) {
		dma_unmap_sg(n->dd, &sg, 1, DMA_FROM_DEVICE);
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: CMB entry mapped to %d segs @0x%llx flags %u, want bus 0x%llx",
				   n->name, nsegs, (unsigned long long)sg.dma_address,
				   (unsigned int)sg.flags, (unsigned long long)want);
		goto out;
	}
	err = nvme_rw(n, false, LBA_OFFSET_TEST, &sg, 1, NULL);
	dma_unmap_sg(n->dd, &sg, 1, DMA_FROM_DEVICE);
	struct smmu_fault ev;
	unsigned long events = nvst_events_since(mark, &ev);
	long bad;
	if (err)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: read into CMB: %s", n->name, tg_strerror(err));
	else if (events)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: %lu SMMU events (first %s at 0x%llx)",
				   n->name, events, ev.name, (unsigned long long)ev.addr);
	else if ((bad = nvst_check(chunk + IN_PAGE_OFF, len, SEED_OFFSET, 0)) >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: CMB +0x%lx: 0x%02x, expected 0x%02x", n->name,
				   (unsigned long)(IN_PAGE_OFF + bad), chunk[IN_PAGE_OFF + bad],
				   nvst_pattern(SEED_OFFSET, (uint64_t)bad));
	else if (nvst_check_byte(chunk, IN_PAGE_OFF, CMB_POISON) >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: CMB bytes before the entry written", n->name);
	else if ((bad = nvst_check_byte(chunk + P2P_CHUNK, P2P_CHUNK, CMB_POISON)) >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: CMB +0x%lx written: offset counted twice?",
				   n->name, (unsigned long)(P2P_CHUNK + bad));
	else
		res = SELFTEST_PASS;
out:
	p2p_free(n->cmb_p2p, (void *)chunk, 2 * P2P_CHUNK);
	return res;
}

struct mixed {
	volatile uint8_t *va[MIXED_ENTRIES];
	bool cmb[MIXED_ENTRIES];
	struct dma_sg sg[MIXED_ENTRIES];
};

static void mixed_free(struct nvme *n, struct mixed *m)
{
	for (unsigned int i = 0; i < MIXED_ENTRIES; i++) {
		if (!m->va[i])
			continue;
		if (m->cmb[i])
			p2p_free(n->cmb_p2p, (void *)m->va[i], P2P_CHUNK);
		else
			page_free((void *)m->va[i], TG_PAGE_SIZE);
	}
}

static void mixed_poison(struct mixed *m)
{
	for (unsigned int i = 0; i < MIXED_ENTRIES; i++)
		nvst_fill_byte(m->va[i], TG_PAGE_SIZE, m->cmb[i] ? CMB_POISON : HOST_POISON);
}

static long mixed_check(const struct mixed *m, uint32_t seed, unsigned int *entry)
{
	uint64_t at = 0;

	for (unsigned int i = 0; i < MIXED_ENTRIES; i++) {
		long bad = nvst_check(m->va[i], m->sg[i].length, seed, at);
		if (bad >= 0) {
			*entry = i;
			return bad;
		}
		at += m->sg[i].length;
	}
	return -1;
}

/* Maps, transfers, unmaps; checks the segment and command counts. */
static int mixed_rw(struct selftest_ctx *ctx, struct nvme *n, struct mixed *m, bool write)
{
	enum dma_dir dir = write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	int nsegs = dma_map_sg(n->dd, m->sg, MIXED_ENTRIES, dir);
	unsigned int cmds = 0;

	if (nsegs < 0) {
		selftest_say(ctx, SELFTEST_FAIL, "%s: mixed map: %s", n->name, tg_strerror(nsegs));
		return nsegs;
	}
	/* CMB | host+host (meet in IOVA space) | CMB | host */
	static const bool expect_bus[4] = { true, false, true, false };
	int err = nsegs == 4 ? TG_OK : TG_EIO;
	for (int i = 0; !err && i < nsegs; i++)
		if (!!(m->sg[i].flags & DMA_SG_BUS_ADDRESS) != expect_bus[i])
			err = TG_EIO;
	if (err) {
		dma_unmap_sg(n->dd, m->sg, MIXED_ENTRIES, dir);
		selftest_say(ctx, SELFTEST_FAIL, "%s: mixed list gave %d segments, want CMB|host|CMB|host",
			     n->name, nsegs);
		return err;
	}
	err = nvme_rw(n, write, LBA_MIXED, m->sg, (unsigned int)nsegs, &cmds);
	dma_unmap_sg(n->dd, m->sg, MIXED_ENTRIES, dir);
	mixed_segments = (unsigned int)nsegs;
	mixed_commands = cmds;
	if (err) {
		selftest_say(ctx, SELFTEST_FAIL, "%s: mixed %s: %s", n->name, write ? "write" : "read",
			     tg_strerror(err));
		return err;
	}
	if (cmds != 4) {
		selftest_say(ctx, SELFTEST_FAIL, "%s: mixed %s took %u commands, want 4", n->name,
			     write ? "write" : "read", cmds);
		return TG_EIO;
	}
	return TG_OK;
}

static enum selftest_result mixed_list(struct selftest_ctx *ctx, struct nvme *n)
{
	static const bool kinds[MIXED_ENTRIES] = { true, false, false, true, false };
	struct mixed m;
	enum selftest_result res = SELFTEST_FAIL;
	uint32_t total = 0;
	unsigned int entry = 0;
	long bad;

	memset(&m, 0, sizeof(m));
	for (unsigned int i = 0; i < MIXED_ENTRIES; i++) {
		uint64_t phys;
		m.cmb[i] = kinds[i];
		m.va[i] = kinds[i] ? p2p_alloc(n->cmb_p2p, P2P_CHUNK, &phys) :
				     page_alloc(TG_PAGE_SIZE, 0, &phys);
		if (!m.va[i]) {
			mixed_free(n, &m);
			return selftest_say(ctx, SELFTEST_FAIL, "%s: out of CMB or DMA pages", n->name);
		}
		m.sg[i] = (struct dma_sg){ .phys = phys,
					   .length = i == MIXED_ENTRIES - 1 ? MIXED_LAST : TG_PAGE_SIZE };
		total += m.sg[i].length;
	}

	/* Device reads the mixed list (write command), then the disk is checked. */
	uint64_t at = 0;
	for (unsigned int i = 0; i < MIXED_ENTRIES; i++) {
		nvst_fill(m.va[i], m.sg[i].length, SEED_MIXED, at);
		at += m.sg[i].length;
	}
	unsigned long mark = smmu_event_mark();
	if (mixed_rw(ctx, n, &m, true))
		goto out;
	uint64_t phys;
	uint8_t *flat = page_alloc(total, 0, &phys);
	int err = flat ? nvme_rw_buf(n, false, LBA_MIXED, phys, total) : TG_ENOMEM;
	bad = err ? 0 : nvst_check(flat, total, SEED_MIXED, 0);
	if (flat)
		page_free(flat, total);
	if (err || bad >= 0) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: mixed write: disk byte %ld wrong (%s)",
				   n->name, bad, tg_strerror(err));
		goto out;
	}

	/* Device writes into the mixed list (read command). */
	mixed_poison(&m);
	if (mixed_rw(ctx, n, &m, false))
		goto out;
	if ((bad = mixed_check(&m, SEED_MIXED, &entry)) >= 0) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: mixed read: entry %u (%s) byte 0x%lx wrong",
				   n->name, entry, m.cmb[entry] ? "CMB" : "host", (unsigned long)bad);
		goto out;
	}
	struct smmu_fault ev;
	unsigned long events = nvst_events_since(mark, &ev);
	if (events) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: %lu SMMU events (first %s at 0x%llx)",
				   n->name, events, ev.name, (unsigned long long)ev.addr);
		goto out;
	}
	res = SELFTEST_PASS;
out:
	mixed_free(n, &m);
	return res;
}

static enum selftest_result mixing_refused(struct selftest_ctx *ctx, struct nvme *n)
{
	uint64_t cmb_phys, host_phys;
	dma_addr_t host_dma;
	uint16_t status = 0;
	void *cmb = p2p_alloc(n->cmb_p2p, P2P_CHUNK, &cmb_phys);
	void *host = page_alloc(TG_PAGE_SIZE, 0, &host_phys);
	int err = cmb && host ? TG_OK : TG_ENOMEM;

	if (!err)
		err = dma_map_single(n->dd, host_phys, TG_PAGE_SIZE, DMA_FROM_DEVICE, &host_dma);
	if (!err) {
		err = nvme_io_raw(n, false, LBA_REFUSED, 2 * TG_PAGE_SIZE / n->lba_size,
				  n->cmb_bus + (cmb_phys - n->cmb_cpu), host_dma, &status);
		dma_unmap_single(n->dd, host_dma, TG_PAGE_SIZE, DMA_FROM_DEVICE);
	}
	if (cmb)
		p2p_free(n->cmb_p2p, cmb, P2P_CHUNK);
	if (host)
		page_free(host, TG_PAGE_SIZE);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: mixed command: %s", n->name, tg_strerror(err));
	if ((status & 0x7ff) != SC_INVALID_CMB_USE)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: CMB+host in one command: status 0x%x, want 0x%x",
				    n->name, status, SC_INVALID_CMB_USE);
	refused_status = status;
	return SELFTEST_PASS;
}

static enum selftest_result nvme_cmb(struct selftest_ctx *ctx)
{
	static struct nvme n;
	unsigned int done = 0;

	for (struct pci_dev *pci = nvst_next(NULL); pci; pci = nvst_next(pci)) {
		int err = nvme_init(&n, pci, NULL);
		if (err)
			return selftest_say(ctx, SELFTEST_FAIL, "init: %s", tg_strerror(err));
		err = nvme_cmb_enable(&n);
		if (err == TG_ENOTSUP) {
			nvme_shutdown(&n);
			continue;
		}
		enum selftest_result r = err ? selftest_say(ctx, SELFTEST_FAIL, "%s: CMB: %s", n.name,
							    tg_strerror(err)) : offset_read(ctx, &n);
		if (r == SELFTEST_PASS)
			r = mixed_list(ctx, &n);
		if (r == SELFTEST_PASS)
			r = mixing_refused(ctx, &n);
		nvme_shutdown(&n);
		if (r != SELFTEST_PASS)
			return r;
		done++;
	}
	if (!done)
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller with a CMB");
	return selftest_say(ctx, SELFTEST_PASS,
			    "%u controller%s; +0x%x offset exact; mixed list: %u segments -> %u commands, 0 SMMU events; CMB+host in one command: status 0x%x",
			    done, done == 1 ? "" : "s", IN_PAGE_OFF, mixed_segments, mixed_commands,
			    refused_status);
}

SELFTEST(nvme_cmb, "nvme-cmb", "NVMe reads/writes its own CMB by bus address", nvme_cmb);
