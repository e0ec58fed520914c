/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The core lock on bare metal (lib/platform_tollgate.c): while it is held
 * the SMMU's event interrupt does not run, so a thread inside the core
 * never sees the event queue change under it; once it is released the
 * pending interrupt is taken and drains the event, with nobody polling.
 */
#include <tollgate/edu.h>
#include <tollgate/error.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/platform.h>
#include <tollgate/poll.h>
#include <tollgate/smmu.h>

#include "testcase.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define HOLD_US		2000	/* the event is written within microseconds */
#define DELIVERY_US	100000

TESTCASE(core_lock_defers_smmu_event_irq)
{
	struct smmu *smmu = smmu_get(0);
	struct pci_dev *pci = pci_find_id(EDU_VENDOR, EDU_DEVICE, NULL);
	static struct edu edu;
	uint64_t src_pa;

	CHECK(smmu != NULL);
	if (!pci || !pci->has_sid)
		SKIP("no edu behind the SMMU in this QEMU configuration");
	CHECK_EQ(edu_init(&edu, pci), TG_OK);
	uint8_t *src = page_alloc(4096, 0, &src_pa);
	CHECK(src != NULL);
	/* An invalid STE: the edu's read becomes a C_BAD_STE event. */
	CHECK_EQ(smmu_stream_invalidate(smmu, pci->sid), TG_OK);
	smmu_poll_events(smmu);
	unsigned long before = smmu_counters(smmu)->events;

	unsigned long flags = plat_lock_irqsave();
	int dma_err = edu_dma(&edu, EDU_TO_DEVICE, src_pa, 0, 4);
	tg_poll_until(0, HOLD_US);	/* bounded: never true */
	unsigned long while_held = smmu_counters(smmu)->events;
	plat_unlock_irqrestore(flags);
	int delivered = tg_poll_until(smmu_counters(smmu)->events > before, DELIVERY_US);

	smmu_stream_abort(smmu, pci->sid);
	pci_set_master(pci, false);
	page_free(src, 4096);
	CHECK_EQ(dma_err, TG_OK);
	CHECK_EQ(while_held, before);
	CHECK_EQ(delivered, TG_OK);
}
