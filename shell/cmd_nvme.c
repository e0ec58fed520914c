/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `nvme info | read <lba> <count> | write <lba> <count> <byte>` on the
 * first NVMe controller.  The controller is brought up for each command
 * and shut down after it, so the shell never holds it while a self-test
 * needs it.
 */
#include <stdlib.h>
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/nvme.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/shell.h>

#define NVME_SHELL_MAX_BYTES	(64u * 1024)

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s)
		return false;
	*v = strtoull(s, &end, 0);
	return *end == 0;
}

static void hexdump(const uint8_t *p, size_t len, uint64_t base)
{
	for (size_t i = 0; i < len; i += 16) {
		tg_printf("%08llx:", (unsigned long long)(base + i));
		for (size_t j = 0; j < 16 && i + j < len; j++)
			tg_printf(" %02x", p[i + j]);
		tg_printf("  ");
		for (size_t j = 0; j < 16 && i + j < len; j++)
			tg_printf("%c", p[i + j] >= 0x20 && p[i + j] < 0x7f ? p[i + j] : '.');
		tg_printf("\n");
	}
}

static void info(struct nvme *n)
{
	tg_printf("%s: %s, serial %s, firmware %s, NVMe %u.%u.%u\n", n->name, n->model, n->serial,
		  n->firmware, (unsigned int)(n->vs >> 16), (unsigned int)((n->vs >> 8) & 0xff),
		  (unsigned int)(n->vs & 0xff));
	tg_printf("  namespace 1: %llu blocks of %u bytes; max transfer %u KiB; queues %u deep\n",
		  (unsigned long long)n->ns_blocks, n->lba_size, n->max_xfer / 1024, NVME_QUEUE_DEPTH);
	tg_printf("  CAP 0x%016llx; interrupt %s INTID %u\n", (unsigned long long)n->cap,
		  n->irq ? (n->irq_msix ? "MSI-X" : "INTx") : "none (polling),", n->irq);
	int err = nvme_cmb_enable(n);
	if (!err)
		tg_printf("  CMB %llu MiB at bus 0x%llx (CPU 0x%llx)\n",
			  (unsigned long long)(n->cmb_size >> 20), (unsigned long long)n->cmb_bus,
			  (unsigned long long)n->cmb_cpu);
	else
		tg_printf("  CMB: %s\n", tg_strerror(err));
	tg_printf("  commands %lu, interrupts %lu, polled completions %lu, timeouts %lu\n",
		  n->cnt.commands, n->cnt.irqs, n->cnt.polled, n->cnt.timeouts);
}

static int nvme_cmd(int argc, char **argv)
{
	static struct nvme n;
	uint64_t lba = 0, count = 0, byte = 0;
	bool rd = argc == 4 && !strcmp(argv[1], "read");
	bool wr = argc == 5 && !strcmp(argv[1], "write");

	if (!(argc == 2 && !strcmp(argv[1], "info")) && !rd && !wr) {
		tg_printf("usage: nvme info | read <lba> <count> | write <lba> <count> <byte>\n");
		return 1;
	}
	if ((rd || wr) && (!parse_u64(argv[2], &lba) || !parse_u64(argv[3], &count) || !count ||
			   (wr && (!parse_u64(argv[4], &byte) || byte > 0xff)))) {
		tg_printf("nvme: bad number\n");
		return 1;
	}
	struct pci_dev *pci = pci_find_id(NVME_VENDOR_QEMU, NVME_DEVICE_QEMU, NULL);
	if (!pci) {
		tg_printf("nvme: no controller\n");
		return 1;
	}
	int err = nvme_init(&n, pci, NULL);
	if (err) {
		tg_printf("nvme: %s\n", tg_strerror(err));
		return 1;
	}
	if (!rd && !wr) {
		info(&n);
		nvme_shutdown(&n);
		return 0;
	}
	uint64_t bytes = count * n.lba_size;
	if (count > NVME_SHELL_MAX_BYTES / n.lba_size) {
		tg_printf("nvme: at most %u blocks at a time\n", NVME_SHELL_MAX_BYTES / n.lba_size);
		nvme_shutdown(&n);
		return 1;
	}
	uint64_t phys;
	uint8_t *buf = page_alloc((size_t)bytes, 0, &phys);
	if (!buf) {
		nvme_shutdown(&n);
		tg_printf("nvme: out of DMA memory\n");
		return 1;
	}
	if (wr)
		memset(buf, (int)byte, (size_t)bytes);
	err = nvme_rw_buf(&n, wr, lba, phys, (uint32_t)bytes);
	if (!err && rd)
		hexdump(buf, (size_t)bytes, lba * n.lba_size);
	else if (!err)
		tg_printf("wrote %llu blocks of 0x%02x at LBA %llu\n", (unsigned long long)count,
			  (unsigned int)byte, (unsigned long long)lba);
	else
		tg_printf("nvme: %s\n", tg_strerror(err));
	page_free(buf, (size_t)bytes);
	nvme_shutdown(&n);
	return err ? 1 : 0;
}
SHELL_COMMAND(nvme, "nvme", "nvme info|read <lba> <count>|write <lba> <count> <byte>",
	      "NVMe controller details, block read (hexdump) and write", nvme_cmd);
