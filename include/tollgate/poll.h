/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded waiting for the core: deadlines on plat_time_ns() and
 * tg_poll_until(), which every register poll goes through so that a
 * device that never answers costs a timeout, never a hang.
 */
#ifndef TOLLGATE_POLL_H
#define TOLLGATE_POLL_H

#include <stdbool.h>
#include <stdint.h>

struct tg_deadline {
	uint64_t end;
};
void tg_deadline_start(struct tg_deadline *d, uint32_t timeout_us);
bool tg_deadline_expired(const struct tg_deadline *d);

/*
 * Evaluates `cond` until true or `timeout_us` passes; TG_OK or
 * TG_ETIMEDOUT.  `cond` is re-checked once after the deadline so that a
 * preemption between check and deadline cannot produce a false timeout.
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

#endif
