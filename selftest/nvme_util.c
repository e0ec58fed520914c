/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the NVMe scenarios: finding controllers, patterns, SMMU events. */
#include <tollgate/error.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "nvme_selftest.h"

struct pci_dev *nvst_next(struct pci_dev *from)
{
	return pci_find_id(NVME_VENDOR_QEMU, NVME_DEVICE_QEMU, from);
}

unsigned int nvst_count(void)
{
	unsigned int c = 0;

	for (struct pci_dev *d = nvst_next(NULL); d; d = nvst_next(d))
		c++;
	return c;
}

void nvst_fill(volatile uint8_t *p, size_t len, uint32_t seed, uint64_t first)
{
	for (size_t i = 0; i < len; i++)
		p[i] = nvst_pattern(seed, first + i);
}

void nvst_fill_byte(volatile uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		p[i] = v;
}

long nvst_check(const volatile uint8_t *p, size_t len, uint32_t seed, uint64_t first)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != nvst_pattern(seed, first + i))
			return (long)i;
	return -1;
}

long nvst_check_byte(const volatile uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return (long)i;
	return -1;
}

unsigned long nvst_events_since(unsigned long mark, struct smmu_fault *first)
{
	unsigned long now = smmu_event_mark();

	if (first && now > mark && smmu_event_get(mark + 1, first) != TG_OK)
		first->name = "(overwritten)";
	return now - mark;
}

int nvst_write_pattern(struct nvme *n, uint64_t lba, uint32_t len, uint32_t seed)
{
	uint64_t phys;
	size_t bytes = (len + TG_PAGE_SIZE - 1) & ~(size_t)(TG_PAGE_SIZE - 1);
	uint8_t *buf = page_alloc(bytes, 0, &phys);

	if (!buf)
		return TG_ENOMEM;
	nvst_fill(buf, len, seed, 0);
	int err = nvme_rw_buf(n, true, lba, phys, len);
	page_free(buf, bytes);
	return err;
}
