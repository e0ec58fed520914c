/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msi-edu: the edu's MSI through the SMMU to whichever MSI controller the
 * machine has (GICv2m frame or GICv3 ITS).  Translated by its own DMA
 * domain (doorbell mapped 1:1 by the DMA layer), three "raise interrupt"
 * writes give exactly three handler runs; with the doorbell page
 * unmapped the message faults in the SMMU (F_TRANSLATION at the doorbell
 * address, the edu's StreamID) and nothing arrives; mapped again, it
 * flows.  Every edu in the topology is exercised.
 */
#include <tollgate/dma.h>
#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/irq.h>
#include <tollgate/msi.h>
#include <tollgate/pci.h>
#include <tollgate/selftest.h>
#include <tollgate/smmu.h>
#include <tollgate/timer.h>

#define EDU_DMA_MASK	((1ull << 28) - 1)
#define EVT_F_TRANSLATION	0x10u

static struct dma_dev dd;
static struct edu edu;

static int wait_irqs(unsigned long want, uint32_t timeout_us)
{
	struct tg_deadline d;

	tg_deadline_start(&d, timeout_us);
	while (edu.irqs < want) {
		if (tg_deadline_expired(&d))
			return edu.irqs >= want ? TG_OK : TG_ETIMEDOUT;
		timer_wfi_bounded(1000);
	}
	return TG_OK;
}

static bool doorbell_fault_seen(unsigned long mark, uint32_t sid, uint64_t db)
{
	unsigned long now = smmu_event_mark();

	for (unsigned long s = mark + 1; s <= now; s++) {
		struct smmu_fault f;

		if (smmu_event_get(s, &f) == TG_OK && f.type == EVT_F_TRANSLATION &&
		    f.sid == sid && f.addr == db && f.write)
			return true;
	}
	return false;
}

/* One edu; returns a failure reason or NULL. */
static const char *one_edu(struct pci_dev *pci, uint64_t db, uint64_t *lat_ns)
{
	if (dma_dev_init(&dd, pci, EDU_DMA_MASK) != TG_OK)
		return "dma_dev_init failed";
	struct smmu_domain *dom = dma_dev_domain(&dd);
	const char *why = NULL;

	if (!dom) {
		why = "not translated by an SMMU";
		goto out;
	}
	if (edu_init(&edu, pci) != TG_OK || !edu.msi) {
		why = "edu did not choose MSI";
		goto out;
	}
	unsigned long mark = smmu_event_mark();
	for (unsigned int i = 1; i <= 3; i++) {
		uint64_t t0 = timer_ticks();

		edu_raise_irq(&edu, 1u << i);
		if (wait_irqs(i, 100000) != TG_OK || edu.last_status != (1u << i)) {
			why = "MSI not delivered";
			goto out;
		}
		*lat_ns = timer_ticks_to_ns(edu.last_irq_ticks - t0);
	}
	udelay(1000);
	if (edu.irqs != 3 || smmu_event_mark() != mark) {
		why = "extra interrupts or SMMU events";
		goto out;
	}

	uint64_t page = db & ~0xfffull;
	if (smmu_unmap(dom, page, 4096) != 4096) {
		why = "doorbell was not mapped";
		goto out;
	}
	mark = smmu_event_mark();
	edu_raise_irq(&edu, 0x10);
	if (wait_irqs(4, 20000) != TG_ETIMEDOUT)
		why = "MSI arrived with the doorbell unmapped";
	else if (!doorbell_fault_seen(mark, pci->sid, db))
		why = "no F_TRANSLATION at the doorbell";
	if (smmu_map(dom, page, page, 4096, IOMMU_WRITE | IOMMU_MMIO) != TG_OK && !why)
		why = "cannot map the doorbell again";
	if (why)
		goto out;
	edu_raise_irq(&edu, 0x20);
	if (wait_irqs(4, 100000) != TG_OK || edu.last_status != 0x30)
		why = "MSI lost after remapping";
out:
	edu_release(&edu);
	dma_dev_release(&dd);
	pci_set_master(pci, false);
	return why;
}

static enum selftest_result msi_edu(struct selftest_ctx *ctx)
{
	const struct irq_info *info = irq_controller_info();
	struct pci_dev *pci = pci_find_id(0x1234, 0x11e8, NULL);
	unsigned int n = 0;
	uint64_t db, lat = 0;

	if (!pci)
		return selftest_say(ctx, SELFTEST_SKIP, "no edu (1234:11e8)");
	if (!info || !msi_controller_name())
		return selftest_say(ctx, SELFTEST_SKIP, "no MSI controller");
	/* The doorbell named by the DT: MSI_SETSPI_NS or GITS_TRANSLATER. */
	db = info->v2m_phys ? info->v2m_phys + 0x40 : info->its_phys + 0x10040;
	for (; pci; pci = pci_find_id(0x1234, 0x11e8, pci), n++) {
		char name[16];
		const char *why = one_edu(pci, db, &lat);

		if (why) {
			pci_dev_name(pci, name, sizeof(name));
			return selftest_say(ctx, SELFTEST_FAIL, "%s: %s", name, why);
		}
	}
	return selftest_say(ctx, SELFTEST_PASS, "%u edu, %s doorbell 0x%llx, latency %llu ns", n,
			    msi_controller_name(), (unsigned long long)db,
			    (unsigned long long)lat);
}

SELFTEST(msi_edu, "msi-edu", "edu MSI through the SMMU; unmapped doorbell faults", msi_edu);
