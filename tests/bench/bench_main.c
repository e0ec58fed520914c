/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark image.  Run under QEMU with -icount shift=0,sleep=off: one
 * guest instruction is one nanosecond of virtual time, so the generic
 * counter (CNTFRQ 62.5 MHz: 16 ns per tick) counts instructions in steps
 * of 16, deterministically.  Each operation is timed on its own (median)
 * and in a batch (mean); the cost of reading the counter is subtracted.
 * Lines starting "CSV," are collected by tools/run-bench.
 */
#include <string.h>

#include <tollgate/arch.h>
#include <tollgate/boot.h>
#include <tollgate/dma.h>
#include <tollgate/log.h>
#include <tollgate/p2p.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>
#include <tollgate/timer.h>

#include "../target/semihost.h"
#include "bench.h"

#define WARMUP		BENCH_WARMUP
#define ROUNDS		BENCH_ROUNDS

static unsigned int samples[ROUNDS];

static uint64_t ns_per_tick(void)
{
	return 1000000000ull / timer_freq();
}


static unsigned int counter_overhead;

unsigned int *bench_samples(void)
{
	return samples;
}

unsigned int bench_ticks_to_instr(uint64_t ticks)
{
	unsigned int v = (unsigned int)(ticks * (1000000000ull / timer_freq()));

	return v > counter_overhead ? v - counter_overhead : 0;
}

void bench_report_line(const char *what, unsigned int med)
{
	tg_printf("  %-40s %8u\n", what, med);
}

unsigned int bench_median(unsigned int *v, unsigned int n);
unsigned int bench_median(unsigned int *v, unsigned int n)
{
	/* Shell sort: no qsort in a freestanding image. */
	for (unsigned int gap = n / 2; gap; gap /= 2)
		for (unsigned int i = gap; i < n; i++)
			for (unsigned int j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
				unsigned int tmp = v[j];
				v[j] = v[j - gap];
				v[j - gap] = tmp;
			}
	return v[n / 2];
}

static void measure_overhead(void)
{
	for (unsigned int i = 0; i < ROUNDS; i++) {
		uint64_t t0 = arch_counter_read();
		uint64_t t1 = arch_counter_read();
		samples[i] = (unsigned int)((t1 - t0) * ns_per_tick());
	}
	counter_overhead = bench_median(samples, ROUNDS);
}

struct result {
	const char *op;
	unsigned int median;
	unsigned int mean;
	double commands, syncs;
};

static void report(const struct result *r)
{
	const char *arch =
#if defined(TG_ARCH_aarch64)
		"aarch64";
#else
		"arm";
#endif
	tg_printf("%-28s %8u %8u %10u.%02u %8u.%02u\n", r->op, r->median, r->mean,
		  (unsigned)r->commands, (unsigned)(r->commands * 100) % 100,
		  (unsigned)r->syncs, (unsigned)(r->syncs * 100) % 100);
	tg_printf("CSV,%s,%s,%u,%u,%u.%02u,%u.%02u\n", arch, r->op, r->median, r->mean,
		  (unsigned)r->commands, (unsigned)(r->commands * 100) % 100,
		  (unsigned)r->syncs, (unsigned)(r->syncs * 100) % 100);
}

/* Mean and median of ROUNDS samples, commands and syncs per operation; printed. */
static void summarise(struct result *r, unsigned int *v, unsigned long cmds, unsigned long syncs)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < ROUNDS; i++)
		sum += v[i];
	r->mean = (unsigned int)(sum / ROUNDS);
	r->median = bench_median(v, ROUNDS);
	r->commands = (double)cmds / ROUNDS;
	r->syncs = (double)syncs / ROUNDS;
	report(r);
}

static void bench_map_single(struct dma_dev *dd, uint64_t pa, struct smmu *smmu)
{
	dma_addr_t d[1];
	struct result map = { .op = "dma_map_single 4KiB" };
	struct result unmap = { .op = "dma_unmap_single 4KiB" };
	static unsigned int unmap_samples[ROUNDS];

	for (unsigned int i = 0; i < WARMUP; i++) {
		dma_map_single(dd, pa, 4096, DMA_BIDIRECTIONAL, d);
		dma_unmap_single(dd, d[0], 4096, DMA_BIDIRECTIONAL);
	}
	const struct smmu_counters *c = smmu_counters(smmu);
	unsigned long cmd0 = c->commands, sync0 = c->syncs;
	unsigned long map_cmds = 0;
	for (unsigned int i = 0; i < ROUNDS; i++) {
		unsigned long before = c->commands;
		uint64_t t0 = arch_counter_read();
		dma_map_single(dd, pa, 4096, DMA_BIDIRECTIONAL, d);
		uint64_t t1 = arch_counter_read();
		map_cmds += c->commands - before;
		dma_unmap_single(dd, d[0], 4096, DMA_BIDIRECTIONAL);
		uint64_t t2 = arch_counter_read();
		samples[i] = bench_ticks_to_instr(t1 - t0);
		unmap_samples[i] = bench_ticks_to_instr(t2 - t1);
	}
	summarise(&map, samples, map_cmds, 0);
	summarise(&unmap, unmap_samples, c->commands - cmd0 - map_cmds, c->syncs - sync0);
}

/* 64 scattered 4 KiB pages (every other page of a 512 KiB buffer). */
/*
 * 64 scattered pages; with `p2p`, every fourth entry is instead a 4 KiB
 * chunk of P2P memory the device reaches by bus address (a BUS_ADDR
 * provider: no IOVA, its own flagged segment).
 */
static void bench_map_sg_list(struct dma_dev *dd, struct smmu *smmu, struct p2p_provider *p2p,
			      const char *map_name, const char *unmap_name)
{
	static struct dma_sg sg[64];
	static unsigned int unmap_samples[ROUNDS];
	struct result map = { .op = map_name };
	struct result unmap = { .op = unmap_name };
	uint64_t pa, p2p_pa = 0;
	int want = 1;

	if (!page_alloc(128 * 4096, 0, &pa))
		return;
	if (p2p) {
		if (!p2p_alloc(p2p, 16 * 4096, &p2p_pa))
			return;
		want = 32;	/* 16 bus-address segments between 16 memory runs */
	}
	dd->max_seg_size = 1u << 20;
	const struct smmu_counters *c = smmu_counters(smmu);
	unsigned long map_cmds = 0, unmap_cmds = 0, unmap_syncs = 0;
	for (unsigned int r = 0; r < WARMUP / 10 + ROUNDS; r++) {
		for (unsigned int i = 0; i < 64; i++) {
			bool bus = p2p && i % 4 == 3;
			sg[i].phys = bus ? p2p_pa + (i / 4) * 4096ull : pa + 2ull * i * 4096;
			sg[i].length = 4096;
		}
		unsigned long c0 = c->commands;
		uint64_t t0 = arch_counter_read();
		int n = dma_map_sg(dd, sg, 64, DMA_BIDIRECTIONAL);
		uint64_t t1 = arch_counter_read();
		unsigned long c1 = c->commands, s1 = c->syncs;
		dma_unmap_sg(dd, sg, 64, DMA_BIDIRECTIONAL);
		uint64_t t2 = arch_counter_read();
		if (n != want) {
			tg_printf("bench: %s returned %d, expected %d\n", map_name, n, want);
			return;
		}
		if (r < WARMUP / 10)
			continue;
		unsigned int k = r - WARMUP / 10;
		map_cmds += c1 - c0;
		unmap_cmds += c->commands - c1;
		unmap_syncs += c->syncs - s1;
		samples[k] = bench_ticks_to_instr(t1 - t0);
		unmap_samples[k] = bench_ticks_to_instr(t2 - t1);
	}
	summarise(&map, samples, map_cmds, 0);
	summarise(&unmap, unmap_samples, unmap_cmds, unmap_syncs);
}

static void bench_map_sg(struct dma_dev *dd, struct smmu *smmu)
{
	struct p2p_provider *p2p;

	bench_map_sg_list(dd, smmu, NULL, "dma_map_sg 64 pages", "dma_unmap_sg 64 pages");
	/* The device's own BAR as P2P memory: map type BUS_ADDR (same function). */
	if (p2p_provider_register(dd->pci, 0, 0, 64 * 4096, &p2p) == 0)
		bench_map_sg_list(dd, smmu, p2p, "dma_map_sg mixed 48+16 p2p",
				  "dma_unmap_sg mixed 48+16 p2p");
	else
		tg_printf("bench: no P2P provider for the mixed list\n");
}

void tg_main(const struct tg_system *sys)
{
	(void)sys;
	struct pci_dev *pci = pci_find_id(0x1234, 0x11e8, NULL);
	static struct dma_dev dd;
	uint64_t pa;

	if (!pci || dma_dev_init(&dd, pci, 0xffffffffull) || !dd.iommu || !page_alloc(4096, 0, &pa)) {
		tg_printf("bench: needs an edu behind the SMMU (-device edu)\n");
		semihost_exit(1);
	}
	measure_overhead();
	tg_printf("\nTollgate benchmarks: guest instructions per operation (-icount shift=0), "
		  "%u rounds, counter overhead %u\n", ROUNDS, counter_overhead);
	tg_printf("%-28s %8s %8s %13s %11s\n", "operation", "median", "mean", "commands/op",
		  "syncs/op");
	bench_map_single(&dd, pa, smmu_from_node(pci->iommu_node));
	bench_map_sg(&dd, smmu_from_node(pci->iommu_node));
	tg_printf("\nlayers (median instructions):\n");
	bench_parts(smmu_from_node(pci->iommu_node), pa);
	tg_printf("bench: done\n");
	semihost_exit(0);
}
