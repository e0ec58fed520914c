/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * edu-map-sg: scattered pages (every other page, odd offsets and lengths)
 * mapped with one dma_map_sg per direction; every edu copies the source
 * list into the destination list through its buffer, in transfers of
 * 1..4095 bytes that never cross a DMA segment, and the destination pages
 * are compared byte for byte with the source pages.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "edu_fixture.h"

#define NENTS		6
#define AREA_BYTES	(2u * NENTS * 4096u)	/* room for every other page */

/* Offset in its page and length of each entry: a ragged first and last
 * entry, whole pages between them, one short entry in the middle. */
static const uint32_t ent_off[NENTS] = { 0x100, 0, 0, 0, 0, 0 };
static const uint32_t ent_len[NENTS] = { 0xf00, 4096, 0x7a0, 4096, 4096, 0x531 };

static struct dma_sg src_sg[NENTS], dst_sg[NENTS];

static void build_list(struct dma_sg *sg, uint64_t area_pa, unsigned int first_page)
{
	memset(sg, 0, sizeof(struct dma_sg) * NENTS);
	for (unsigned int i = 0; i < NENTS; i++) {
		sg[i].phys = area_pa + (uint64_t)(first_page + 2 * i) * 4096 + ent_off[i];
		sg[i].length = ent_len[i];
	}
}

/* DMA address of byte `off` of the mapped list and how many bytes follow
 * it inside the same DMA segment. */
static dma_addr_t seg_addr(const struct dma_sg *sg, int nseg, uint32_t off, uint32_t *room)
{
	for (int s = 0; s < nseg; s++) {
		if (off < sg[s].dma_length) {
			*room = sg[s].dma_length - off;
			return sg[s].dma_address + off;
		}
		off -= sg[s].dma_length;
	}
	*room = 0;
	return 0;
}

static enum selftest_result one_edu(struct selftest_ctx *ctx, struct pci_dev *pci,
				    unsigned int seed, unsigned int *segs, unsigned int *dmas)
{
	struct edu_fixture *f;
	enum selftest_result r = edu_fixture_open(ctx, 0, pci, &f);
	uint64_t pa;
	int ns = 0, nd = 0, err;
	uint32_t total = 0;

	if (r != SELFTEST_PASS)
		return r;
	uint8_t *area = page_alloc(AREA_BYTES, 0, &pa);
	if (!area) {
		r = selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
		goto out;
	}
	memset(area, 0, AREA_BYTES);
	/* Sources on even pages, destinations on odd ones. */
	build_list(src_sg, pa, 0);
	build_list(dst_sg, pa, 1);
	for (unsigned int i = 0; i < NENTS; i++) {
		for (uint32_t b = 0; b < ent_len[i]; b++)
			area[src_sg[i].phys - pa + b] = edu_fixture_pattern(seed, total + b);
		total += ent_len[i];
	}
	ns = dma_map_sg(&f->dd, src_sg, NENTS, DMA_TO_DEVICE);
	nd = ns > 0 ? dma_map_sg(&f->dd, dst_sg, NENTS, DMA_FROM_DEVICE) : 0;
	if (ns <= 0 || nd <= 0) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_map_sg: %s", f->name,
				 tg_strerror(ns <= 0 ? ns : nd));
		goto out;
	}
	*segs += (unsigned int)(ns + nd);
	/* Transfer sizes vary from 1 to 4095 bytes. */
	static const uint32_t sizes[] = { 4095, 1, 3001, 4000, 2222 };
	unsigned int k = 0;
	for (uint32_t off = 0; off < total; k++) {
		uint32_t room_s, room_d;
		dma_addr_t s = seg_addr(src_sg, ns, off, &room_s);
		dma_addr_t d = seg_addr(dst_sg, nd, off, &room_d);
		uint32_t n = sizes[k % (sizeof(sizes) / sizeof(sizes[0]))];

		if (!room_s || !room_d) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: segments cover less than %u bytes",
					 f->name, (unsigned)total);
			goto out;
		}
		n = n < room_s ? n : room_s;
		n = n < room_d ? n : room_d;
		n = n < total - off ? n : total - off;
		if (s + n - 1 > EDU_FIXTURE_MASK || d + n - 1 > EDU_FIXTURE_MASK) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: segment above the DMA mask", f->name);
			goto out;
		}
		err = edu_dma(&f->edu, EDU_TO_DEVICE, s, 0, n);
		if (!err)
			err = edu_dma(&f->edu, EDU_FROM_DEVICE, d, 0, n);
		if (err) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: edu DMA of %u bytes: %s", f->name,
					 (unsigned)n, tg_strerror(err));
			goto out;
		}
		*dmas += 2;
		off += n;
	}
	err = dma_unmap_sg(&f->dd, src_sg, NENTS, DMA_TO_DEVICE);
	ns = 0;
	if (!err)
		err = dma_unmap_sg(&f->dd, dst_sg, NENTS, DMA_FROM_DEVICE);
	nd = 0;
	if (err) {
		r = selftest_say(ctx, SELFTEST_FAIL, "%s: dma_unmap_sg: %s", f->name, tg_strerror(err));
		goto out;
	}
	for (unsigned int i = 0; i < NENTS; i++) {
		if (memcmp(area + (dst_sg[i].phys - pa), area + (src_sg[i].phys - pa), ent_len[i])) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: entry %u differs after the copy",
					 f->name, i);
			goto out;
		}
		/* Nothing past the entry's end in its page was written. */
		uint32_t end = (uint32_t)(dst_sg[i].phys - pa) + ent_len[i];
		if ((end & 0xfff) && area[end]) {
			r = selftest_say(ctx, SELFTEST_FAIL, "%s: entry %u overrun", f->name, i);
			goto out;
		}
	}
out:
	if (ns > 0)
		dma_unmap_sg(&f->dd, src_sg, NENTS, DMA_TO_DEVICE);
	if (nd > 0)
		dma_unmap_sg(&f->dd, dst_sg, NENTS, DMA_FROM_DEVICE);
	if (area)
		page_free(area, AREA_BYTES);
	edu_fixture_close(f);
	return r;
}

static enum selftest_result edu_map_sg(struct selftest_ctx *ctx)
{
	unsigned int n = 0, segs = 0, dmas = 0;

	for (struct pci_dev *pci; (pci = edu_fixture_find(n)) != NULL; n++) {
		enum selftest_result r = one_edu(ctx, pci, n + 11, &segs, &dmas);
		if (r != SELFTEST_PASS)
			return r;
	}
	if (!n)
		return selftest_say(ctx, SELFTEST_SKIP, "no edu");
	return selftest_say(ctx, SELFTEST_PASS, "%u edu%s, %u entries -> %u segments, %u transfers",
			    n, n > 1 ? "s" : "", 2 * NENTS * n, segs, dmas);
}
SELFTEST(edu_map_sg, "edu-map-sg", "scattered pages copied by the edu through dma_map_sg",
	 edu_map_sg);
