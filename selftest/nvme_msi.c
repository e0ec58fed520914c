/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme-msi: every NVMe controller completes its commands by a message-
 * signalled interrupt (MSI-X vector 0) that travels through the SMMU to the
 * doorbell the DMA layer mapped: the GICv2m frame or the GICv3 ITS.  A
 * write and a read-back of 8 KiB must raise the vector's INTID (counted by
 * the GIC driver, not only by the NVMe driver), the data must match, and
 * the SMMU must report nothing.  Skipped when the interrupt controller has
 * no MSI frame.
 */
#include <tollgate/error.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/msi.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "nvme_selftest.h"

#define MSI_LBA		256
#define MSI_LEN		8192u
#define MSI_SEED	0x3c

static enum selftest_result one(struct selftest_ctx *ctx, struct pci_dev *pci, char *name)
{
	static struct nvme n;
	uint64_t phys;
	uint8_t *buf = page_alloc(MSI_LEN, 0, &phys);
	enum selftest_result res = SELFTEST_PASS;

	if (!buf)
		return selftest_say(ctx, SELFTEST_FAIL, "no memory");
	int err = nvme_init(&n, pci, NULL);
	if (err) {
		page_free(buf, MSI_LEN);
		return selftest_say(ctx, SELFTEST_FAIL, "%s: init: %s", name, tg_strerror(err));
	}
	if (!n.irq || !n.irq_msix) {
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: no MSI/MSI-X vector (INTID %u)", name,
				   n.irq);
		goto out;
	}
	unsigned long mark = smmu_event_mark();
	unsigned long gic0 = irq_count(n.irq), drv0 = n.cnt.irqs;
	nvst_fill(buf, MSI_LEN, MSI_SEED, 0);
	err = nvme_rw_buf(&n, true, MSI_LBA, phys, MSI_LEN);
	nvst_fill_byte(buf, MSI_LEN, 0);
	if (!err)
		err = nvme_rw_buf(&n, false, MSI_LBA, phys, MSI_LEN);
	unsigned long gic = irq_count(n.irq) - gic0, drv = n.cnt.irqs - drv0;
	long bad = nvst_check(buf, MSI_LEN, MSI_SEED, 0);
	unsigned long events = nvst_events_since(mark, NULL);
	if (err)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: I/O: %s", name, tg_strerror(err));
	else if (bad >= 0)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: byte %ld differs after read-back", name,
				   bad);
	else if (!gic || gic != drv)
		res = selftest_say(ctx, SELFTEST_FAIL,
				   "%s: INTID %u fired %lu times, driver saw %lu", name, n.irq, gic,
				   drv);
	else if (events)
		res = selftest_say(ctx, SELFTEST_FAIL, "%s: %lu SMMU events", name, events);
	else
		selftest_say(ctx, SELFTEST_PASS, "%s INTID %u x%lu", name, n.irq, gic);
out:
	nvme_shutdown(&n);
	page_free(buf, MSI_LEN);
	return res;
}

static enum selftest_result nvme_msi(struct selftest_ctx *ctx)
{
	char name[16], detail[sizeof(ctx->reason)] = "";
	unsigned int done = 0;

	if (!nvst_count())
		return selftest_say(ctx, SELFTEST_SKIP, "no NVMe controller");
	if (!msi_controller_name())
		return selftest_say(ctx, SELFTEST_SKIP, "no MSI controller (GICv2m / ITS)");
	for (struct pci_dev *pci = nvst_next(NULL); pci; pci = nvst_next(pci)) {
		pci_dev_name(pci, name, sizeof(name));
		enum selftest_result r = one(ctx, pci, name);
		if (r != SELFTEST_PASS)
			return r;
		size_t used = 0;
		while (detail[used])
			used++;
		tg_snprintf(detail + used, sizeof(detail) - used, "%s%s", used ? "; " : "",
			    ctx->reason);
		done++;
	}
	return selftest_say(ctx, SELFTEST_PASS, "%s, %u controller%s via %s", detail, done,
			    done == 1 ? "" : "s", msi_controller_name());
}
SELFTEST(nvme_msi, "nvme-msi", "NVMe MSI-X completions through the SMMU-mapped doorbell",
	 nvme_msi);
