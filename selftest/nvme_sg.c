/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-sg: every NVMe controller writes a pattern from a scatterlist of 20
 * scattered pages (the first entry starting 0x200 into its page, the last
 * ending mid-page) through the SMMU, then reads it back into another
 * scattered list with a different layout; every byte is compared, the
 * bytes outside the entries must be untouched, and the SMMU must report
 * no event.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>
#include <tollgate/timer.h>

#include "nvme_selftest.h"

#define SG_PAGES	20
#define SG_LBA		64
#define SG_SEED		0x51
#define FIRST_OFF	0x200u
#define LAST_LEN	0x600u
#define POISON		0xee

struct sg_set {
	uint8_t *page[SG_PAGES];
	uint64_t phys[SG_PAGES];
	struct dma_sg sg[SG_PAGES];
	uint32_t total;
};

static void sg_set_free(struct sg_set *s)
{
	for (unsigned int i = 0; i < SG_PAGES; i++)
		if (s->page[i])
			page_free(s->page[i], TG_PAGE_SIZE);
}

/*
 * Pages taken two at a time and only the second kept, so no two entries
 * are physically adjacent; `first_off` / `last_len` shape the ends.
 */
static int sg_set_build(struct sg_set *s, uint32_t first_off, uint32_t last_len)
{
	void *gap[SG_PAGES];
	uint64_t gap_phys;
	int err = TG_OK;

	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < SG_PAGES; i++) {
		gap[i] = page_alloc(TG_PAGE_SIZE, 0, &gap_phys);
		s->page[i] = page_alloc(TG_PAGE_SIZE, 0, &s->phys[i]);
		if (!s->page[i])
			err = TG_ENOMEM;
		else
			nvst_fill_byte(s->page[i], TG_PAGE_SIZE, POISON);
	}
	/* Held until every kept page is taken, so none is reused between two. */
	for (unsigned int i = 0; i < SG_PAGES; i++)
		if (gap[i])
			page_free(gap[i], TG_PAGE_SIZE);
	if (err) {
		sg_set_free(s);
		return err;
	}
	for (unsigned int i = 0; i < SG_PAGES; i++) {
		uint32_t off = i == 0 ? first_off : 0;
		uint32_t len = i == SG_PAGES - 1 ? last_len : TG_PAGE_SIZE - off;
		s->sg[i] = (struct dma_sg){ .phys = s->phys[i] + off, .length = len };
		s->total += len;
	}
	return TG_OK;
}

static bool scattered(const struct sg_set *s)
{
	for (unsigned int i = 0; i + 1 < SG_PAGES; i++)
		if (s->phys[i] + TG_PAGE_SIZE == s->phys[i + 1])
			return false;
	return true;
}

/* Pattern bytes of the whole transfer, walked entry by entry. */
static void fill_entries(struct sg_set *s, uint32_t seed)
{
	uint64_t at = 0;

	for (unsigned int i = 0; i < SG_PAGES; i++) {
		nvst_fill(s->page[i] + (s->sg[i].phys - s->phys[i]), s->sg[i].length, seed, at);
		at += s->sg[i].length;
	}
}

/* Every entry holds its part of the pattern, every byte around is POISON. */
static int check_entries(struct sg_set *s, uint32_t seed, char *why, size_t wlen)
{
	uint64_t at = 0;

	for (unsigned int i = 0; i < SG_PAGES; i++) {
		uint32_t off = (uint32_t)(s->sg[i].phys - s->phys[i]);
		long bad = nvst_check(s->page[i] + off, s->sg[i].length, seed, at);
		if (bad >= 0) {
			tg_snprintf(why, wlen, "entry %u byte 0x%lx: 0x%02x, expected 0x%02x", i,
				    (unsigned long)bad, s->page[i][off + bad],
				    nvst_pattern(seed, at + (uint64_t)bad));
			return TG_EIO;
		}
		if (nvst_check_byte(s->page[i], off, POISON) >= 0 ||
		    nvst_check_byte(s->page[i] + off + s->sg[i].length,
				    TG_PAGE_SIZE - off - s->sg[i].length, POISON) >= 0) {
			tg_snprintf(why, wlen, "entry %u: bytes outside the entry were written", i);
			return TG_EIO;
		}
		at += s->sg[i].length;
	}
	return TG_OK;
}

static enum selftest_result one_controller(struct selftest_ctx *ctx, struct pci_dev *pci,
					   unsigned int *cmds_w, unsigned int *cmds_r)
{
	static struct sg_set wr, rd;
	static struct nvme n;
	char why[100];
	enum selftest_result res = SELFTEST_FAIL;

	int err = nvme_init(&n, pci, NULL);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: init: %s", n.name, tg_strerror(err));
	/* Same total, different layout: 0xe00 + 18 pages + 0x600 vs 0x400 + ... */
	if (sg_set_build(&wr, FIRST_OFF, LAST_LEN) || sg_set_build(&rd, 0, LAST_LEN - FIRST_OFF)) {
		sg_set_free(&wr);
		nvme_shutdown(&n);
		return selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
	}
	if (!scattered(&wr) || !scattered(&rd)) {
		res = selftest_say(ctx, SELFTEST_FAIL, "page pool returned adjacent pages");
		goto out;
	}
	fill_entries(&wr, SG_SEED);
	unsigned long mark = smmu_event_mark();
	err = nvme_rw_sg(&n, true, SG_LBA, wr.sg, SG_PAGES, cmds_w);
	if (!err)
		err = nvme_rw_sg(&n, false, SG_LBA, rd.sg, SG_PAGES, cmds_r);
	if (err) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: %s", n.name, tg_strerror(err));
		goto out;
	}
	struct smmu_fault ev;
	unsigned long events = nvst_events_since(mark, &ev);
	if (events) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: %lu SMMU events, first %s at 0x%llx",
				   n.name, events, ev.name, (unsigned long long)ev.addr);
		goto out;
	}
	if (check_entries(&rd, SG_SEED, why, sizeof(why))) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: read back: %s", n.name, why);
		goto out;
	}
	res = SELFTEST_PASS;
out:
	sg_set_free(&wr);
	sg_set_free(&rd);
	nvme_shutdown(&n);
	return res;
}

/*
 * Average time per 4 KiB write and read with the buffer mapped once (the
 * driver and the emulated controller only), each read checked.  A figure
 * for the report, in timer ticks converted to ns.
 */
#define TIMED_OPS	32
static int time_4k(struct nvme *n, uint64_t *w_ns, uint64_t *r_ns)
{
	uint64_t phys;
	uint8_t *buf = page_alloc(TG_PAGE_SIZE, 0, &phys);
	struct dma_sg seg = { .phys = phys, .length = TG_PAGE_SIZE, .dma_length = TG_PAGE_SIZE };
	int err = buf ? dma_map_single(n->dd, phys, TG_PAGE_SIZE, DMA_BIDIRECTIONAL, &seg.dma_address)
		      : TG_ENOMEM;

	if (err) {
		if (buf)
			page_free(buf, TG_PAGE_SIZE);
		return err;
	}
	nvst_fill(buf, TG_PAGE_SIZE, SG_SEED + 1, 0);
	uint64_t t0 = timer_ticks();
	for (unsigned int i = 0; i < TIMED_OPS && !err; i++)
		err = nvme_rw(n, true, SG_LBA + 256 + 8 * i, &seg, 1, NULL);
	uint64_t t1 = timer_ticks();
	for (unsigned int i = 0; i < TIMED_OPS && !err; i++) {
		nvst_fill_byte(buf, 16, 0);
		err = nvme_rw(n, false, SG_LBA + 256 + 8 * i, &seg, 1, NULL);
		if (!err && nvst_check(buf, TG_PAGE_SIZE, SG_SEED + 1, 0) >= 0)
			err = TG_EIO;
	}
	uint64_t t2 = timer_ticks();
	dma_unmap_single(n->dd, seg.dma_address, TG_PAGE_SIZE, DMA_BIDIRECTIONAL);
	page_free(buf, TG_PAGE_SIZE);
	*w_ns = timer_ticks_to_ns(t1 - t0) / TIMED_OPS;
	*r_ns = timer_ticks_to_ns(t2 - t1) / TIMED_OPS;
	return err;
}

static enum selftest_result nvme_sg(struct selftest_ctx *ctx)
{
	static struct nvme n;
	unsigned int done = 0, cw = 0, cr = 0;
	uint64_t w_ns = 0, r_ns = 0;

	for (struct pci_dev *pci = nvst_next(NULL); pci; pci = nvst_next(pci)) {
		enum selftest_result r = one_controller(ctx, pci, &cw, &cr);
		if (r != SELFTEST_PASS)
			return r;
		done++;
	}
	if (!done)
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller");
	int err = nvme_init(&n, nvst_next(NULL), NULL);
	if (!err)
		err = time_4k(&n, &w_ns, &r_ns);
	unsigned long irqs = n.cnt.irqs, polled = n.cnt.polled;
	nvme_shutdown(&n);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "timed 4 KiB transfers: %s", tg_strerror(err));
	return selftest_say(ctx, SELFTEST_PASS,
			    "%u controller%s, %u pages, %u+%u commands, 0 SMMU events; 4 KiB write %llu us, read %llu us (%lu irq, %lu polled)",
			    done, done == 1 ? "" : "s", SG_PAGES, cw, cr, (unsigned long long)(w_ns / 1000),
			    (unsigned long long)(r_ns / 1000), irqs, polled);
}

SELFTEST(nvme_sg, "nvme-sg", "NVMe write+read of 20 scattered pages via SMMU", nvme_sg);
