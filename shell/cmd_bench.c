/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `bench [iterations]`: wall-clock cost in the guest of the DMA layer's
 * hot paths on a translated device (an edu when there is one):
 * dma_map_single/dma_unmap_single of 4 KiB and dma_map_sg/dma_unmap_sg of
 * 64 scattered pages, timed with the generic timer counter, with the SMMU
 * commands and CMD_SYNCs each operation issued.  The deterministic
 * instruction counts are `make bench` (tests/bench).
 */
#include <string.h>

#include <tollgate/dma.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/shell.h>
#include <tollgate/smmu.h>
#include <tollgate/timer.h>

#include "shell_dev.h"

#define SG_PAGES	64u
#define DEFAULT_ITERS	1000u
#define MAX_ITERS	100000u

struct phase {
	uint64_t ticks;
	unsigned long commands, syncs;
};

static struct dma_sg sg[SG_PAGES];

static struct pci_dev *pick_device(void)
{
	struct pci_dev *fallback = NULL;

	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (!shell_dev_smmu(d) || pci_is_bridge(d) || (d->class >> 16) == 0x06 || d->disabled)
			continue;
		if (d->vendor == 0x1234 && d->device == 0x11e8)
			return d;
		if (!fallback)
			fallback = d;
	}
	return fallback;
}

/* Times `op` and charges its SMMU commands to `ph`. */
#define MEASURE(ph, smmu, op)							\
	({									\
		const struct smmu_counters *c_ = smmu_counters(smmu);		\
		unsigned long cmd0_ = c_->commands, sync0_ = c_->syncs;		\
		uint64_t t0_ = timer_ticks();					\
		int r_ = (op);							\
		(ph)->ticks += timer_ticks() - t0_;				\
		(ph)->commands += c_->commands - cmd0_;				\
		(ph)->syncs += c_->syncs - sync0_;				\
		r_;								\
	})

static void report(const char *what, const struct phase *ph, unsigned int iters)
{
	uint64_t ns = timer_ticks_to_ns(ph->ticks);
	uint64_t per = ns / iters;

	tg_printf("  %-26s %6llu.%03llu us/op  %3lu.%02lu commands/op  %lu.%02lu syncs/op\n", what,
		  (unsigned long long)(per / 1000), (unsigned long long)(per % 1000),
		  ph->commands / iters, (ph->commands * 100 / iters) % 100, ph->syncs / iters,
		  (ph->syncs * 100 / iters) % 100);
}

static int bench_cmd(int argc, char **argv)
{
	uint64_t iters = DEFAULT_ITERS, pa, area_pa;
	struct dma_dev own, *dd;
	struct phase map = { 0 }, unmap = { 0 }, sgmap = { 0 }, sgunmap = { 0 };
	char name[16];
	int err = TG_OK;

	if (argc > 2 || (argc == 2 && (!shell_parse_u64(argv[1], &iters) || !iters ||
				       iters > MAX_ITERS))) {
		tg_printf("usage: bench [iterations 1..%u]\n", MAX_ITERS);
		return 1;
	}
	struct pci_dev *pci = pick_device();
	if (!pci) {
		tg_printf("bench: no PCI endpoint behind an SMMU\n");
		return 1;
	}
	pci_dev_name(pci, name, sizeof(name));
	struct smmu *smmu = shell_dev_smmu(pci);
	dd = shell_dev_held(pci);
	if (!dd) {
		err = dma_dev_init(&own, pci, shell_dev_mask(pci));
		if (err) {
			tg_printf("bench: %s: dma_dev_init: %s\n", name, tg_strerror(err));
			return 1;
		}
		dd = &own;
	}
	void *page = page_alloc(4096, 0, &pa);
	void *area = page_alloc(2 * SG_PAGES * 4096, 0, &area_pa);
	if (!page || !area) {
		err = TG_ENOMEM;
		goto out;
	}
	for (unsigned int it = 0; it < iters && !err; it++) {
		dma_addr_t a;
		err = MEASURE(&map, smmu, dma_map_single(dd, pa, 4096, DMA_BIDIRECTIONAL, &a));
		if (!err)
			err = MEASURE(&unmap, smmu, dma_unmap_single(dd, a, 4096, DMA_BIDIRECTIONAL));
	}
	for (unsigned int it = 0; it < iters && !err; it++) {
		for (unsigned int i = 0; i < SG_PAGES; i++)
			sg[i] = (struct dma_sg){ .phys = area_pa + 2ull * i * 4096, .length = 4096 };
		int n = MEASURE(&sgmap, smmu, dma_map_sg(dd, sg, SG_PAGES, DMA_BIDIRECTIONAL));
		err = n < 0 ? n : MEASURE(&sgunmap, smmu, dma_unmap_sg(dd, sg, SG_PAGES, DMA_BIDIRECTIONAL));
	}
	if (!err) {
		tg_printf("bench: %s, %llu iterations, counter %u Hz\n", name, (unsigned long long)iters,
			  (unsigned)timer_freq());
		report("dma_map_single 4 KiB", &map, (unsigned int)iters);
		report("dma_unmap_single 4 KiB", &unmap, (unsigned int)iters);
		report("dma_map_sg 64 pages", &sgmap, (unsigned int)iters);
		report("dma_unmap_sg 64 pages", &sgunmap, (unsigned int)iters);
	}
out:
	if (page)
		page_free(page, 4096);
	if (area)
		page_free(area, 2 * SG_PAGES * 4096);
	if (dd == &own)
		dma_dev_release(&own);
	if (err)
		tg_printf("bench: %s\n", tg_strerror(err));
	return err ? 1 : 0;
}
SHELL_COMMAND(bench, "bench", "bench [iterations]",
	      "time DMA map/unmap (single 4 KiB, sg 64 pages) on a translated device", bench_cmd);
