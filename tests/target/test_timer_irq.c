/* SPDX-License-Identifier: BSD-3-Clause */
/* Generic timer, interrupt controller and PSCI on the running machine. */
#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/irq.h>
#include <tollgate/psci.h>
#include <tollgate/timer.h>

#include "testcase.h"

TESTCASE(timer_counts_and_delays)
{
	CHECK(timer_freq() > 0);
	uint64_t a = timer_ticks();
	udelay(2000);
	uint64_t b = timer_ticks();
	/* At least 2 ms of counter ticks passed. */
	CHECK(b - a >= (uint64_t)timer_freq() * 2 / 1000);
	CHECK(timer_ns() > 0);
}

TESTCASE(timer_poll_is_bounded)
{
	volatile int never = 0;
	uint64_t a = timer_ns();

	CHECK_EQ(tg_poll_until(never, 1000), TG_ETIMEDOUT);
	CHECK(timer_ns() - a >= 1000000);
	CHECK_EQ(tg_poll_until(!never, 1000), TG_OK);
}

TESTCASE(timer_wfi_wakes_up)
{
	unsigned id = timer_virt_intid();
	unsigned long before = irq_count(id);
	uint64_t a = timer_ns();

	timer_wfi_bounded(500);
	CHECK(timer_ns() - a >= 400000);
	CHECK(irq_count(id) > before);
}

static volatile unsigned spi_hits;
static volatile unsigned spi_last;

static void spi_handler(unsigned int intid, void *ctx)
{
	spi_hits++;
	spi_last = intid;
	(void)ctx;
}

TESTCASE(irq_software_spi_delivered)
{
	/* SPI 100 (INTID 132) is wired to nothing on QEMU virt. */
	const unsigned intid = 132;

	CHECK_EQ(irq_request(intid, IRQ_TRIGGER_EDGE, spi_handler, NULL), TG_OK);
	CHECK_EQ(irq_request(intid, IRQ_TRIGGER_EDGE, spi_handler, NULL), TG_EBUSY);
	spi_hits = 0;
	CHECK_EQ(irq_raise(intid), TG_OK);
	int ok = tg_poll_until(spi_hits > 0, 100000);
	irq_release(intid);
	CHECK_EQ(ok, TG_OK);
	CHECK_EQ(spi_hits, 1);
	CHECK_EQ(spi_last, intid);
}

TESTCASE(irq_rejects_bad_input)
{
	const struct irq_info *info = irq_controller_info();

	CHECK(info != NULL);
	CHECK(info->gic_version == 2 || info->gic_version == 3);
	CHECK_EQ(irq_request(info->nr_irqs + 1, IRQ_TRIGGER_EDGE, spi_handler, NULL), TG_ERANGE);
	CHECK_EQ(irq_request(1020, IRQ_TRIGGER_EDGE, spi_handler, NULL), TG_ERANGE);
	CHECK(irq_request(133, IRQ_TRIGGER_EDGE, NULL, NULL) < 0);
}

TESTCASE(irq_gic_version_matches_dt)
{
	const struct fdt *fdt = &t->sys->fdt;
	bool v3 = fdt_node_by_compatible(fdt, -1, "arm,gic-v3") >= 0;

	CHECK_EQ(irq_controller_info()->gic_version, v3 ? 3 : 2);
}

TESTCASE(psci_present)
{
	/* QEMU virt implements PSCI 0.2 or later (SYSTEM_OFF is 0.2+). */
	CHECK(psci_version() >= 0x00000002u);
}
