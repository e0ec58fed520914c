/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-timeout: a command the driver gives up on must not put the queue
 * out of step.  A read is issued with a zero deadline (the controller
 * cannot have answered by the first look), so it returns TG_ETIMEDOUT;
 * the next read, to another page and LBA, must complete with its own
 * data, the late completion being recognised and skipped, and the
 * abandoned read's data arrives too.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "nvme_selftest.h"

#define TO_LBA_A	700
#define TO_LBA_B	708
#define TO_BYTES	4096u
#define SEED_A		0x61
#define SEED_B		0x62

static enum selftest_result nvme_timeout(struct selftest_ctx *ctx)
{
	static struct nvme n;
	struct pci_dev *pci = nvst_next(NULL);
	uint64_t pa, pb;
	dma_addr_t da = 0, db = 0;
	uint16_t st_a = 0, st_b = 0;
	enum selftest_result res = SELFTEST_FAIL;

	if (!pci)
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller");
	int err = nvme_init(&n, pci, NULL);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "init: %s", tg_strerror(err));
	uint8_t *a = page_alloc(TG_PAGE_SIZE, 0, &pa), *b = page_alloc(TG_PAGE_SIZE, 0, &pb);
	if (!a || !b) {
		res = selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
		goto out;
	}
	nvst_fill_byte(a, TO_BYTES, 0);
	nvst_fill_byte(b, TO_BYTES, 0);
	err = nvst_write_pattern(&n, TO_LBA_A, TO_BYTES, SEED_A);
	if (!err)
		err = nvst_write_pattern(&n, TO_LBA_B, TO_BYTES, SEED_B);
	if (!err)
		err = dma_map_single(n.dd, pa, TO_BYTES, DMA_FROM_DEVICE, &da);
	if (!err)
		err = dma_map_single(n.dd, pb, TO_BYTES, DMA_FROM_DEVICE, &db);
	if (err) {
		res = selftest_say(ctx, SELFTEST_FAIL, "set-up: %s", tg_strerror(err));
		goto out;
	}
	n.cmd_timeout_us = 0;
	err = nvme_io_raw(&n, false, TO_LBA_A, TO_BYTES / n.lba_size, da, 0, &st_a);
	n.cmd_timeout_us = NVME_CMD_TIMEOUT_US;
	if (err != TG_ETIMEDOUT) {
		res = selftest_say(ctx, err ? SELFTEST_FAIL : SELFTEST_SKIP,
				   "zero-deadline read returned %s", tg_strerror(err));
		goto out;
	}
	err = nvme_io_raw(&n, false, TO_LBA_B, TO_BYTES / n.lba_size, db, 0, &st_b);
	long bad_b = nvst_check(b, TO_BYTES, SEED_B, 0);
	long bad_a = nvst_check(a, TO_BYTES, SEED_A, 0);
	if (err || st_b)
		res = selftest_say(ctx, SELFTEST_FAIL, "read after the time-out: %s, status 0x%x",
				   tg_strerror(err), st_b);
	else if (n.cnt.stale_cqes != 1 || n.cnt.timeouts != 1)
		res = selftest_say(ctx, SELFTEST_FAIL, "%lu stale completions, %lu time-outs; want 1, 1",
				   n.cnt.stale_cqes, n.cnt.timeouts);
	else if (bad_b >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "second read: byte 0x%lx wrong", (unsigned long)bad_b);
	else if (bad_a >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "abandoned read: byte 0x%lx wrong", (unsigned long)bad_a);
	else
		res = selftest_say(ctx, SELFTEST_PASS,
				   "%s: TG_ETIMEDOUT, late CQE skipped, next read exact, both pages right",
				   n.name);
out:
	if (da)
		dma_unmap_single(n.dd, da, TO_BYTES, DMA_FROM_DEVICE);
	if (db)
		dma_unmap_single(n.dd, db, TO_BYTES, DMA_FROM_DEVICE);
	if (a)
		page_free(a, TG_PAGE_SIZE);
	if (b)
		page_free(b, TG_PAGE_SIZE);
	nvme_shutdown(&n);
	return res;
}

SELFTEST(nvme_timeout, "nvme-timeout", "NVMe queue stays in step after a time-out", nvme_timeout);
