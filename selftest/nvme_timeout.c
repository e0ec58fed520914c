/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-timeout: a command the driver gives up on must not put the queue
 * out of step.  A 512 KiB read is issued with a zero deadline (retried a
 * few times in case the emulator answered before the first look), so it
 * returns TG_ETIMEDOUT; the next read, to another buffer and LBA, must
 * complete with its own data, the late completion being recognised and
 * skipped; nvme_quiesce() then waits for the abandoned read, whose data
 * must have arrived too.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>

#include "nvme_selftest.h"

#define TO_LBA_A	1000
#define TO_LBA_B	2100	/* after A's 1024 blocks */
#define TO_BYTES_A	(512u * 1024)	/* MDTS on QEMU: one command */
#define TO_BYTES_B	4096u
#define SEED_A		0x61
#define SEED_B		0x62
#define TO_ATTEMPTS	64

static enum selftest_result nvme_timeout(struct selftest_ctx *ctx)
{
	static struct nvme n;
	struct pci_dev *pci = nvst_next(NULL);
	uint64_t pa = 0, pb = 0;
	struct dma_sg sa = { .dma_length = TO_BYTES_A }, sb = { .dma_length = TO_BYTES_B };
	enum selftest_result res = SELFTEST_FAIL;
	unsigned int attempts = 0;

	if (!pci)
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller");
	int err = nvme_init(&n, pci, NULL);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "init: %s", tg_strerror(err));
	if (((uint64_t)TO_LBA_B + TO_BYTES_B / n.lba_size) > n.ns_blocks) {
		nvme_shutdown(&n);
		return selftest_say(ctx, SELFTEST_SKIP, "namespace too small (%llu blocks)",
				    (unsigned long long)n.ns_blocks);
	}
	uint8_t *a = page_alloc(TO_BYTES_A, 0, &pa), *b = page_alloc(TO_BYTES_B, 0, &pb);
	if (!a || !b) {
		res = selftest_say(ctx, SELFTEST_FAIL, "out of DMA pages");
		goto out;
	}
	nvst_fill_byte(b, TO_BYTES_B, 0);
	err = nvst_write_pattern(&n, TO_LBA_A, TO_BYTES_A, SEED_A);
	if (!err)
		err = nvst_write_pattern(&n, TO_LBA_B, TO_BYTES_B, SEED_B);
	if (!err)
		err = dma_map_single(n.dd, pa, TO_BYTES_A, DMA_FROM_DEVICE, &sa.dma_address);
	if (!err)
		err = dma_map_single(n.dd, pb, TO_BYTES_B, DMA_FROM_DEVICE, &sb.dma_address);
	if (err) {
		res = selftest_say(ctx, SELFTEST_FAIL, "set-up: %s", tg_strerror(err));
		goto out;
	}
	do {
		nvst_fill_byte(a, TO_BYTES_A, 0);
		n.cmd_timeout_us = 0;
		err = nvme_rw(&n, false, TO_LBA_A, &sa, 1, NULL);
		n.cmd_timeout_us = NVME_CMD_TIMEOUT_US;
	} while (!err && ++attempts < TO_ATTEMPTS);
	if (err != TG_ETIMEDOUT) {
		res = selftest_say(ctx, err ? SELFTEST_FAIL : SELFTEST_SKIP,
				   "zero-deadline read returned %s %u times", tg_strerror(err), attempts);
		goto out;
	}
	err = nvme_rw(&n, false, TO_LBA_B, &sb, 1, NULL);
	int qerr = nvme_quiesce(&n);
	long bad_b = nvst_check(b, TO_BYTES_B, SEED_B, 0);
	long bad_a = nvst_check(a, TO_BYTES_A, SEED_A, 0);
	if (err || qerr)
		res = selftest_say(ctx, SELFTEST_FAIL, "after the time-out: read %s, quiesce %s",
				   tg_strerror(err), tg_strerror(qerr));
	else if (n.cnt.stale_cqes != 1 || n.cnt.timeouts != 1)
		res = selftest_say(ctx, SELFTEST_FAIL, "%lu stale completions, %lu time-outs; want 1, 1",
				   n.cnt.stale_cqes, n.cnt.timeouts);
	else if (bad_b >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "second read: byte 0x%lx wrong", (unsigned long)bad_b);
	else if (bad_a >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "abandoned read: byte 0x%lx wrong", (unsigned long)bad_a);
	else
		res = selftest_say(ctx, SELFTEST_PASS,
				   "%s: TG_ETIMEDOUT (attempt %u), late CQE skipped, next read exact, abandoned read's data complete after quiesce",
				   n.name, attempts + 1);
out:
	if (sa.dma_address)
		dma_unmap_single(n.dd, sa.dma_address, TO_BYTES_A, DMA_FROM_DEVICE);
	if (sb.dma_address)
		dma_unmap_single(n.dd, sb.dma_address, TO_BYTES_B, DMA_FROM_DEVICE);
	if (a)
		page_free(a, TO_BYTES_A);
	if (b)
		page_free(b, TO_BYTES_B);
	nvme_shutdown(&n);
	return res;
}

SELFTEST(nvme_timeout, "nvme-timeout", "NVMe queue stays in step after a time-out", nvme_timeout);
