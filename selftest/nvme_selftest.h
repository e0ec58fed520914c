/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the NVMe scenarios (selftest/nvme*.c): not a public interface. */
#ifndef TOLLGATE_SELFTEST_NVME_H
#define TOLLGATE_SELFTEST_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/nvme.h>
#include <tollgate/selftest.h>

struct pci_dev;
struct smmu_fault;

/* Next NVMe controller after `from` (NULL: the first). */
struct pci_dev *nvst_next(struct pci_dev *from);
unsigned int nvst_count(void);

/* Byte `i` of the test pattern `seed`: differs per byte, per block, per seed. */
static inline uint8_t nvst_pattern(uint32_t seed, uint64_t i)
{
	return (uint8_t)(seed * 0x9du + i * 7u + (i >> 9) * 13u + (i >> 12));
}
void nvst_fill(volatile uint8_t *p, size_t len, uint32_t seed, uint64_t first);
void nvst_fill_byte(volatile uint8_t *p, size_t len, uint8_t v);
/* Index of the first byte not matching pattern (seed, first..), or -1. */
long nvst_check(const volatile uint8_t *p, size_t len, uint32_t seed, uint64_t first);
/* Index of the first byte not equal to v, or -1. */
long nvst_check_byte(const volatile uint8_t *p, size_t len, uint8_t v);

/* SMMU events since `mark` (a smmu_event_mark() value): how many, and the
 * first one in *first (may be NULL). */
unsigned long nvst_events_since(unsigned long mark, struct smmu_fault *first);

/* Writes `len` bytes of pattern (seed, 0..) at `lba` from a host buffer. */
int nvst_write_pattern(struct nvme *n, uint64_t lba, uint32_t len, uint32_t seed);

#endif
