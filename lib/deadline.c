/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Core deadlines on the platform's monotonic clock: the only time source
 * the core needs, so a port provides plat_time_ns() and nothing else.
 */
#include <tollgate/platform.h>
#include <tollgate/poll.h>

void tg_deadline_start(struct tg_deadline *d, uint32_t timeout_us)
{
	if (d)
		d->end = plat_time_ns() + (uint64_t)timeout_us * 1000u;
}

/* Signed difference: correct across a wrap of the nanosecond clock. */
bool tg_deadline_expired(const struct tg_deadline *d)
{
	if (!d)
		return true;
	return (int64_t)(plat_time_ns() - d->end) >= 0;
}
