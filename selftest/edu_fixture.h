/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the edu scenarios share: finding every edu, setting one up for DMA
 * through the DMA layer (28-bit mask, as QEMU's edu has by default) and
 * releasing it again, moving data through the device in chunks it accepts,
 * and reading the SMMU event log.
 */
#ifndef TOLLGATE_SELFTEST_EDU_FIXTURE_H
#define TOLLGATE_SELFTEST_EDU_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <tollgate/dma.h>
#include <tollgate/edu.h>
#include <tollgate/selftest.h>
#include <tollgate/smmu.h>

#define EDU_FIXTURE_MASK	((1ull << 28) - 1)
#define EDU_FIXTURE_MAX		4	/* edus one scenario drives at once */

struct edu_fixture {
	struct pci_dev *pci;
	struct edu edu;
	struct dma_dev dd;
	bool open;
	char name[16];		/* "0000:00:03.0" */
};

/* The idx-th edu with its BAR assigned, or NULL. */
struct pci_dev *edu_fixture_find(unsigned int idx);
unsigned int edu_fixture_count(void);
/*
 * Slot `slot` (static storage: the edu's interrupt handler keeps a pointer
 * to it) set up for translated DMA.  SELFTEST_PASS when ready, otherwise
 * SKIP/FAIL with the reason recorded in ctx.
 */
enum selftest_result edu_fixture_open(struct selftest_ctx *ctx, unsigned int slot,
				      struct pci_dev *pci, struct edu_fixture **out);
void edu_fixture_close(struct edu_fixture *f);
void edu_fixture_close_all(void);

/* Moves len bytes (any length) between the device buffer and the DMA
 * address range [dma, dma+len), in chunks of at most `chunk` bytes. */
int edu_fixture_copy(struct edu_fixture *f, enum edu_dir dir, dma_addr_t dma, uint32_t len,
		     uint32_t chunk);

/* First event after `mark` from `sid` with this name at exactly `iova`;
 * true if found (copied to *out when not NULL). */
bool edu_fixture_find_event(unsigned long mark, uint32_t sid, const char *name, uint64_t iova,
			    struct smmu_fault *out);
/* Events after `mark` from `sid`, any kind. */
unsigned int edu_fixture_count_events(unsigned long mark, uint32_t sid);

/* A byte pattern that differs per seed and per offset. */
static inline uint8_t edu_fixture_pattern(unsigned int seed, uint32_t off)
{
	return (uint8_t)((off * 7u) ^ (off >> 8) ^ (seed * 0x35u + 0x5a));
}

#endif
