/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Arm generic timer (Arm DDI 0487, the "Generic Timer" chapters for
 * AArch64 and AArch32 state): the virtual counter gives time
 * stamps, delays and the deadlines that bound every poll; the EL1 virtual
 * timer bounds WFI.
 *
 * Everything works before timer_init(): the frequency is read from CNTFRQ
 * on first use, so early code (the GIC probe polls with deadlines) can
 * run whichever driver is initialised first.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/arch.h>
#include <tollgate/error.h>
#include <tollgate/fdt.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/timer.h>

/* CNTV_CTL_EL0 (AArch64) / CNTV_CTL (AArch32), same layout. */
#define CNTV_CTL_ENABLE		(1U << 0)
#define CNTV_CTL_IMASK		(1U << 1)

#define NSEC_PER_SEC		1000000000ULL
#define USEC_PER_SEC		1000000ULL
#define MSEC_PER_SEC		1000ULL

/*
 * Used when neither CNTFRQ nor the DT names a frequency.  No Arm system
 * counter runs faster (Armv8.6 fixes 1 GHz), so guessed delays and
 * time-outs come out too long, never too short.
 */
#define TIMER_FALLBACK_HZ	1000000000U

/*
 * The binding lists secure physical, non-secure physical, virtual and
 * hypervisor timers in that order; SBSA/QEMU put the virtual one on PPI 11.
 */
#define TIMER_DT_VIRT_INDEX	2U
#define TIMER_VIRT_INTID_DEFAULT 27U

/* TVAL is a signed 32-bit down-counter: larger waits are cut short. */
#define TIMER_TVAL_MAX		0x7FFFFFFFU

static struct {
	uint32_t freq;
	unsigned int virt_intid;
	enum irq_trigger virt_trigger;
	bool request_warned;
} tmr = {
	.virt_intid = TIMER_VIRT_INTID_DEFAULT,
	.virt_trigger = IRQ_TRIGGER_LEVEL,
};

static uint32_t freq_get(void)
{
	uint32_t f = tmr.freq;

	if (!f) {
		f = arch_counter_freq();
		if (!f)
			f = TIMER_FALLBACK_HZ;
		tmr.freq = f;
	}
	return f;
}

/* Rounded up so a delay never ends early.  us * f < 2^64 for 32-bit us, f. */
static uint64_t us_to_ticks(uint32_t us)
{
	return ((uint64_t)us * freq_get() + USEC_PER_SEC - 1) / USEC_PER_SEC;
}

static uint64_t ms_to_ticks(uint32_t ms)
{
	return ((uint64_t)ms * freq_get() + MSEC_PER_SEC - 1) / MSEC_PER_SEC;
}

static void wait_ticks(uint64_t ticks)
{
	uint64_t end = arch_counter_read() + ticks;

	while ((int64_t)(arch_counter_read() - end) < 0)
		;
}

static int timer_find_node(const struct fdt *fdt)
{
	static const char *const compat[] = { "arm,armv8-timer", "arm,armv7-timer" };

	return fdt_find_available(fdt, compat, sizeof(compat) / sizeof(compat[0]), NULL);
}

int timer_init(const struct fdt *fdt)
{
	uint32_t f, dt_freq = 0;
	const char *src = "CNTFRQ";
	struct fdt_irq spec;
	enum irq_trigger trig;
	unsigned int intid;
	int node;

	if (!fdt)
		return TG_EINVAL;

	node = timer_find_node(fdt);
	if (node < 0) {
		pr_warn("arch_timer: no timer node in the DT, assuming virtual timer INTID %u\n",
			tmr.virt_intid);
	} else if (fdt_irq(fdt, node, TIMER_DT_VIRT_INDEX, &spec) < 0 ||
		   irq_decode_fdt(&spec, &intid, &trig) < 0 ||
		   intid < 16U || intid >= 32U) {
		pr_warn("arch_timer: no usable virtual timer PPI in the DT, assuming INTID %u\n",
			tmr.virt_intid);
	} else {
		tmr.virt_intid = intid;
		tmr.virt_trigger = trig;
	}

	/* The DT value is for firmware that left CNTFRQ unprogrammed. */
	f = arch_counter_freq();
	if (!f && node >= 0 && fdt_prop_u32(fdt, node, "clock-frequency", &dt_freq) == TG_OK &&
	    dt_freq) {
		f = dt_freq;
		src = "DT clock-frequency";
	}
	if (!f) {
		tmr.freq = TIMER_FALLBACK_HZ;
		pr_err("arch_timer: CNTFRQ is 0 and the DT has no clock-frequency; assuming %u Hz\n",
		       TIMER_FALLBACK_HZ);
		return TG_EIO;
	}
	tmr.freq = f;

	pr_info("arch_timer: cp15 timer(s) running at %u.%02uMHz (virt, %s), PPI INTID %u\n",
		(unsigned int)(f / 1000000U), (unsigned int)((f % 1000000U) / 10000U), src,
		tmr.virt_intid);
	return TG_OK;
}

uint64_t timer_ticks(void)
{
	return arch_counter_read();
}

uint32_t timer_freq(void)
{
	return freq_get();
}

/* Seconds and remainder apart: no overflow for 584 years at any frequency. */
uint64_t timer_ticks_to_ns(uint64_t ticks)
{
	uint64_t f = freq_get();

	return (ticks / f) * NSEC_PER_SEC + (ticks % f) * NSEC_PER_SEC / f;
}

uint64_t timer_ns(void)
{
	return timer_ticks_to_ns(arch_counter_read());
}

void udelay(uint32_t us)
{
	if (us)
		wait_ticks(us_to_ticks(us));
}

void mdelay(uint32_t ms)
{
	if (ms)
		wait_ticks(ms_to_ticks(ms));
}

unsigned int timer_virt_intid(void)
{
	return tmr.virt_intid;
}

/* Only runs if the timer fires while interrupts are unmasked. */
static void vtimer_isr(unsigned int intid, void *ctx)
{
	(void)intid;
	(void)ctx;
	arch_vtimer_set_ctl(CNTV_CTL_IMASK);
}

/*
 * The timer PPI must be enabled in the GIC or WFI never sees it.  Asked
 * for on every call, not once: TG_EBUSY (already requested, by us or by a
 * test) is cheap, and a test that released the PPI does not leave the
 * next WFI without a wake-up.
 */
static bool vtimer_irq_ready(void)
{
	int rc;

	if (!irq_controller_info())
		return false;
	rc = irq_request(tmr.virt_intid, tmr.virt_trigger, vtimer_isr, NULL);
	if (rc == TG_OK || rc == TG_EBUSY)
		return true;
	if (!tmr.request_warned) {
		tmr.request_warned = true;
		pr_warn("arch_timer: cannot request INTID %u: %s; WFI replaced by delays\n",
			tmr.virt_intid, tg_strerror(rc));
	}
	return false;
}

void timer_wfi_bounded(uint32_t timeout_us)
{
	unsigned long flags;
	uint64_t ticks;

	if (!timeout_us)
		return;
	if (!vtimer_irq_ready()) {
		/* Nothing could wake a WFI: keep the promise with a delay. */
		udelay(timeout_us);
		return;
	}

	ticks = us_to_ticks(timeout_us);
	if (ticks > TIMER_TVAL_MAX)
		ticks = TIMER_TVAL_MAX;

	/*
	 * Armed and waited for with interrupts masked: an unmasked timer
	 * interrupt between arming and WFI would run vtimer_isr, disarm the
	 * timer and leave WFI waiting for nothing.  A pending interrupt wakes
	 * WFI whatever PSTATE's mask says, and is taken (timer included, if
	 * the caller runs with interrupts on) once the caller's mask is back;
	 * the timer is disarmed afterwards in case it has not fired yet.
	 */
	flags = arch_irq_save();
	arch_vtimer_set_ctl(CNTV_CTL_IMASK);
	arch_vtimer_set_tval((uint32_t)ticks);
	arch_vtimer_set_ctl(CNTV_CTL_ENABLE);
	arch_wait_for_interrupt();
	arch_irq_restore(flags);
	arch_vtimer_set_ctl(CNTV_CTL_IMASK);
}
