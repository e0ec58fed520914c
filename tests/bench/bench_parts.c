/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a map/unmap cycle spends its instructions: each layer below
 * dma_map_single timed on its own (median of ROUNDS, same method as
 * bench_main.c).  Printed after the headline table.
 */
#include <tollgate/arch.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/iova.h>
#include <tollgate/log.h>
#include <tollgate/smmu.h>
#include <tollgate/timer.h>

#include "bench.h"

void bench_parts(struct smmu *smmu, uint64_t pa)
{
	struct smmu_domain *dom = smmu_domain_create(smmu, 32);
	unsigned int *s = bench_samples();

	if (!dom)
		return;
	smmu_domain_keep_leaf_tables(dom, true);	/* as the DMA layer's domains */
	/* Keep the upper tables alive so the cycle below is the leaf work only. */
	smmu_map(dom, 0x10000000, pa, 4096, IOMMU_READ);
	for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
		uint64_t t0 = arch_counter_read();
		smmu_map(dom, 0x20000000, pa, 4096, IOMMU_READ | IOMMU_WRITE);
		uint64_t t1 = arch_counter_read();
		smmu_unmap(dom, 0x20000000, 4096);
		s[i] = bench_ticks_to_instr(t1 - t0);
	}
	bench_report_line("smmu_map 4KiB (leaf table from the cache)", bench_median(s, BENCH_ROUNDS));
	for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
		smmu_map(dom, 0x20000000, pa, 4096, IOMMU_READ | IOMMU_WRITE);
		uint64_t t0 = arch_counter_read();
		smmu_unmap(dom, 0x20000000, 4096);
		uint64_t t1 = arch_counter_read();
		s[i] = bench_ticks_to_instr(t1 - t0);
	}
	bench_report_line("smmu_unmap 4KiB (TLBI+SYNC)", bench_median(s, BENCH_ROUNDS));
	for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
		uint64_t t0 = arch_counter_read();
		smmu_sync(smmu);
		uint64_t t1 = arch_counter_read();
		s[i] = bench_ticks_to_instr(t1 - t0);
	}
	bench_report_line("smmu_sync alone", bench_median(s, BENCH_ROUNDS));
	for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
		uint64_t t0 = arch_counter_read();
		struct tg_deadline d;
		tg_deadline_start(&d, 1000);
		(void)tg_deadline_expired(&d);
		uint64_t t1 = arch_counter_read();
		s[i] = bench_ticks_to_instr(t1 - t0);
	}
	bench_report_line("deadline start+check", bench_median(s, BENCH_ROUNDS));
	smmu_domain_destroy(dom);

	/* The IOVA allocator's cached fast path, as dma_map_single uses it. */
	static struct iova_node nodes[IOVA_NODES(64)];
	static struct iova_domain iovad;
	uint64_t iova = 0;
	if (iova_domain_init(&iovad, 4096, 0, 0xffffffffull, nodes, IOVA_NODES(64)) != 0)
		return;
	for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
		uint64_t t0 = arch_counter_read();
		iova_alloc(&iovad, 4096, 0xffffffffull, &iova);
		uint64_t t1 = arch_counter_read();
		iova_free(&iovad, iova, 4096);
		s[i] = bench_ticks_to_instr(t1 - t0);
	}
	bench_report_line("iova_alloc 4KiB (cached)", bench_median(s, BENCH_ROUNDS));
	for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
		iova_alloc(&iovad, 4096, 0xffffffffull, &iova);
		uint64_t t0 = arch_counter_read();
		iova_free(&iovad, iova, 4096);
		uint64_t t1 = arch_counter_read();
		s[i] = bench_ticks_to_instr(t1 - t0);
	}
	bench_report_line("iova_free 4KiB (to the cache)", bench_median(s, BENCH_ROUNDS));
}
