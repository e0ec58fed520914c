/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * isolation: each DMA device has its own address space.  For every
 * ordered pair of edus (A, B), B maps a buffer and proves it can use it;
 * A then writes to B's IOVA: the SMMU stops it with F_TRANSLATION from
 * A's StreamID at exactly that IOVA, and B's buffer is untouched.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "edu_fixture.h"

#define LEN	200u
#define OFF	0x1a0u
/* One access: one event line in the log. */
#define BAD_LEN	4u

static enum selftest_result pair(struct selftest_ctx *ctx, struct pci_dev *pa_dev,
				 struct pci_dev *pb_dev, unsigned int seed)
{
	struct edu_fixture *a, *b;
	enum selftest_result r;
	uint64_t pa, unused;
	dma_addr_t iova_b = 0;
	int err;

	r = edu_fixture_open(ctx, 0, pa_dev, &a);
	if (r != SELFTEST_PASS)
		return r;
	r = edu_fixture_open(ctx, 1, pb_dev, &b);
	if (r != SELFTEST_PASS) {
		edu_fixture_close(a);
		return r;
	}
	uint8_t *buf = page_alloc(4096, 0, &pa);
	if (!buf) {
		r = selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
		goto out;
	}
	for (uint32_t i = 0; i < 4096; i++)
		buf[i] = edu_fixture_pattern(seed, i);
	err = dma_map_single(&b->dd, pa + OFF, LEN, DMA_BIDIRECTIONAL, &iova_b);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_map_single: %s", b->name, tg_strerror(err));
		goto out;
	}
	/* B itself reaches its buffer... */
	err = edu_dma(&b->edu, EDU_TO_DEVICE, iova_b, 0, LEN);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: DMA to its own buffer: %s", b->name,
				 tg_strerror(err));
		goto out;
	}
	/* ...A's domain has nothing there... */
	if (smmu_iova_to_phys(dma_dev_domain(&a->dd), iova_b, &unused) == TG_OK) {
		r = selftest_say(ctx, SELFTEST_SKIP, "%s happens to map IOVA 0x%llx too", a->name,
				 (unsigned long long)iova_b);
		goto out;
	}
	/* ...so A's write there is stopped. */
	unsigned long mark = smmu_event_mark();
	err = edu_dma(&a->edu, EDU_FROM_DEVICE, iova_b, 0, BAD_LEN);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: faulting DMA did not complete: %s", a->name,
				 tg_strerror(err));
		goto out;
	}
	if (!edu_fixture_find_event(mark, pa_dev->sid, "F_TRANSLATION", iova_b, NULL)) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: no F_TRANSLATION for SID 0x%x at IOVA 0x%llx",
				 a->name, (unsigned)pa_dev->sid, (unsigned long long)iova_b);
		goto out;
	}
	if (edu_fixture_count_events(mark, pb_dev->sid)) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s got events for %s's access", b->name, a->name);
		goto out;
	}
	for (uint32_t i = 0; i < 4096; i++) {
		if (buf[i] != edu_fixture_pattern(seed, i)) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s changed byte 0x%x of %s's buffer",
					 a->name, (unsigned)i, b->name);
			goto out;
		}
	}
out:
	if (iova_b)
		dma_unmap_single(&b->dd, iova_b, LEN, DMA_BIDIRECTIONAL);
	if (buf)
		page_free(buf, 4096);
	edu_fixture_close(b);
	edu_fixture_close(a);
	return r;
}

static enum selftest_result isolation(struct selftest_ctx *ctx)
{
	unsigned int n = edu_fixture_count(), pairs = 0;

	if (n < 2)
		return selftest_say(ctx, SELFTEST_SKIP, "needs two DMA-capable devices (edu), found %u", n);
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int j = 0; j < n; j++) {
			if (i == j)
				continue;
			enum selftest_result r = pair(ctx, edu_fixture_find(i), edu_fixture_find(j),
						      i * 8 + j);
			if (r != SELFTEST_PASS)
				return r;
			pairs++;
		}
	}
	return selftest_say(ctx, SELFTEST_PASS, "%u edus, %u ordered pairs: F_TRANSLATION, data intact",
			    n, pairs);
}
SELFTEST(isolation, "isolation", "a device cannot reach another device's DMA mapping", isolation);
