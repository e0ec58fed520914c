/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the benchmark image's files. */
#ifndef TOLLGATE_BENCH_H
#define TOLLGATE_BENCH_H

#include <stdint.h>

struct smmu;

#define BENCH_WARMUP	1000
#define BENCH_ROUNDS	10000

unsigned int *bench_samples(void);
unsigned int bench_ticks_to_instr(uint64_t ticks);
unsigned int bench_median(unsigned int *v, unsigned int n);
void bench_report_line(const char *what, unsigned int median);
void bench_parts(struct smmu *smmu, uint64_t pa);

#endif
