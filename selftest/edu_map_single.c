/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edu-map-single: every edu, limited to a 28-bit DMA mask while all RAM
 * sits at 1 GiB and up, moves data in and out of memory it can only reach
 * through IOVAs the SMMU remaps below 256 MiB (dma_map_single, both
 * directions); the data is compared byte for byte and the IOVAs are gone
 * after the unmap.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "edu_fixture.h"

#define LEN		3000u
#define SRC_OFF		0x321u	/* unaligned, and the range crosses a page */
#define DST_OFF		0xabcu
#define BUF_BYTES	8192u

static enum selftest_result one_edu(struct selftest_ctx *ctx, struct pci_dev *pci,
				    unsigned int seed, dma_addr_t *iova_out, uint64_t *pa_out)
{
	struct edu_fixture *f;
	enum selftest_result r = edu_fixture_open(ctx, 0, pci, &f);
	uint64_t src_pa, dst_pa, pa;
	dma_addr_t to = 0, from = 0;
	int err;

	if (r != SELFTEST_PASS)
		return r;
	uint8_t *src = page_alloc(BUF_BYTES, 0, &src_pa);
	uint8_t *dst = page_alloc(BUF_BYTES, 0, &dst_pa);
	if (!src || !dst) {
		r = selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
		goto out;
	}
	for (uint32_t i = 0; i < LEN; i++)
		src[SRC_OFF + i] = edu_fixture_pattern(seed, i);
	memset(dst, 0, BUF_BYTES);

	err = dma_map_single(&f->dd, src_pa + SRC_OFF, LEN, DMA_TO_DEVICE, &to);
	if (!err)
		err = dma_map_single(&f->dd, dst_pa + DST_OFF, LEN, DMA_FROM_DEVICE, &from);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_map_single: %s", f->name, tg_strerror(err));
		goto out;
	}
	if (to + LEN - 1 > EDU_FIXTURE_MASK || from + LEN - 1 > EDU_FIXTURE_MASK ||
	    (to & 0xfff) != SRC_OFF || (from & 0xfff) != DST_OFF) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: bad IOVAs 0x%llx 0x%llx", f->name,
				 (unsigned long long)to, (unsigned long long)from);
		goto out;
	}
	err = edu_dma(&f->edu, EDU_TO_DEVICE, to, 0, LEN);
	if (!err)
		err = edu_dma(&f->edu, EDU_FROM_DEVICE, from, 0, LEN);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: edu DMA: %s", f->name, tg_strerror(err));
		goto out;
	}
	err = dma_unmap_single(&f->dd, to, LEN, DMA_TO_DEVICE);
	to = 0;
	if (!err)
		err = dma_unmap_single(&f->dd, from, LEN, DMA_FROM_DEVICE);
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_unmap_single: %s", f->name, tg_strerror(err));
		goto out;
	}
	for (uint32_t i = 0; i < LEN; i++) {
		if (dst[DST_OFF + i] != src[SRC_OFF + i]) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: byte %u is 0x%02x, wrote 0x%02x",
					 f->name, (unsigned)i, dst[DST_OFF + i], src[SRC_OFF + i]);
			goto out;
		}
	}
	if (dst[DST_OFF - 1] || dst[DST_OFF + LEN]) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: the device wrote outside the mapping", f->name);
		goto out;
	}
	if (smmu_iova_to_phys(dma_dev_domain(&f->dd), from & ~0xfffull, &pa) == TG_OK) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: IOVA 0x%llx still mapped after unmap", f->name,
				 (unsigned long long)from);
		goto out;
	}
	*iova_out = from;
	*pa_out = dst_pa + DST_OFF;
	from = 0;
out:
	if (to)
		dma_unmap_single(&f->dd, to, LEN, DMA_TO_DEVICE);
	if (from)
		dma_unmap_single(&f->dd, from, LEN, DMA_FROM_DEVICE);
	if (src)
		page_free(src, BUF_BYTES);
	if (dst)
		page_free(dst, BUF_BYTES);
	edu_fixture_close(f);
	return r;
}

static enum selftest_result edu_map_single(struct selftest_ctx *ctx)
{
	unsigned int n = 0;
	dma_addr_t iova = 0;
	uint64_t pa = 0;

	for (struct pci_dev *pci; (pci = edu_fixture_find(n)) != NULL; n++) {
		enum selftest_result r = one_edu(ctx, pci, n, &iova, &pa);
		if (r != SELFTEST_PASS)
			return r;
	}
	if (!n)
		return selftest_say(ctx, SELFTEST_SKIP, "no edu");
	return selftest_say(ctx, SELFTEST_PASS, "%u edu%s, %u bytes each way, RAM 0x%llx at IOVA 0x%llx",
			    n, n > 1 ? "s" : "", LEN, (unsigned long long)pa, (unsigned long long)iova);
}
SELFTEST(edu_map_single, "edu-map-single", "28-bit edu reaches RAM above 1 GiB via dma_map_single",
	 edu_map_single);
