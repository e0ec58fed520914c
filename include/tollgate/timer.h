/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Arm generic timer: time stamps, delays, and the deadlines that bound
 * every poll loop in Tollgate.
 */
#ifndef TOLLGATE_TIMER_H
#define TOLLGATE_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct fdt;

/* Reads CNTFRQ (or the DT clock-frequency override); PPI of the virtual timer. */
int timer_init(const struct fdt *fdt);
uint64_t timer_ticks(void);
uint32_t timer_freq(void);
uint64_t timer_ticks_to_ns(uint64_t ticks);
uint64_t timer_ns(void);
void udelay(uint32_t us);
void mdelay(uint32_t ms);

struct tg_deadline {
	uint64_t end;
};
void tg_deadline_start(struct tg_deadline *d, uint32_t timeout_us);
bool tg_deadline_expired(const struct tg_deadline *d);

/*
 * Polls `cond` until it is true or `timeout_us` passes.  Evaluates to
 * TG_OK or TG_ETIMEDOUT; the condition is checked once more after the
 * deadline so a slow emulator never reports a false time-out.
 */
#define tg_poll_until(cond, timeout_us)					\
	({								\
		struct tg_deadline __d;					\
		int __ret = TG_ETIMEDOUT;				\
		tg_deadline_start(&__d, (timeout_us));			\
		for (;;) {						\
			if (cond) { __ret = TG_OK; break; }		\
			if (tg_deadline_expired(&__d)) {		\
				if (cond) __ret = TG_OK;		\
				break;					\
			}						\
		}							\
		__ret;							\
	})

/*
 * Waits for an interrupt with the virtual timer armed `timeout_us` ahead,
 * so WFI always returns (QEMU icount sleep=off hangs on WFI with no timer).
 */
void timer_wfi_bounded(uint32_t timeout_us);
/* The virtual timer's interrupt ID (PPI 27 -> INTID 27 on QEMU virt). */
unsigned int timer_virt_intid(void);

#endif
