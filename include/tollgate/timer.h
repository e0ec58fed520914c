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

/* Deadlines and tg_poll_until() belong to the core, on plat_time_ns(). */
#include <tollgate/poll.h>

/*
 * Waits for an interrupt with the virtual timer armed `timeout_us` ahead,
 * so WFI always returns (QEMU icount sleep=off hangs on WFI with no timer).
 */
void timer_wfi_bounded(uint32_t timeout_us);
/* The virtual timer's interrupt ID (PPI 27 -> INTID 27 on QEMU virt). */
unsigned int timer_virt_intid(void);

#endif
