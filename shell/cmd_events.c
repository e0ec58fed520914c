/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `events [clear]`: the SMMU event log (smmu_event_mark/smmu_event_get),
 * newest last.  `clear` hides what was logged so far from later listings
 * (the log itself keeps numbering).
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/shell.h>
#include <tollgate/smmu.h>

#include "shell_dev.h"

static unsigned long cleared;	/* last sequence number hidden by `clear` */

static const char *class_name(unsigned int c)
{
	static const char *const names[] = { "CD", "TT", "IN" };

	return c < 3 ? names[c] : "?";
}

/* Which SMMU raised it is not in the record: the one whose PCI streams
 * include the SID gives the device name. */
static const char *sid_name(uint32_t sid, char *buf, unsigned int len)
{
	buf[0] = '\0';
	for (unsigned int i = 0; i < smmu_count() && !buf[0]; i++)
		shell_sid_name(smmu_get(i), sid, buf, len);
	return buf;
}

static int events_cmd(int argc, char **argv)
{
	bool clear = argc == 2 && !strcmp(argv[1], "clear");

	if (argc > 2 || (argc == 2 && !clear)) {
		tg_printf("usage: events [clear]\n");
		return 1;
	}
	unsigned long last = smmu_event_mark();
	if (clear) {
		tg_printf("%lu event%s cleared\n", last - cleared, last - cleared == 1 ? "" : "s");
		cleared = last;
		return 0;
	}
	unsigned long first = cleared + 1;
	if (last >= SMMU_EVENT_LOG && first < last - SMMU_EVENT_LOG + 1) {
		tg_printf("(%lu older events overwritten)\n", last - SMMU_EVENT_LOG + 1 - first);
		first = last - SMMU_EVENT_LOG + 1;
	}
	if (first > last) {
		tg_printf("no SMMU events\n");
		return 0;
	}
	tg_printf("%6s  %-20s %-6s %-12s %-18s %-5s %s\n", "seq", "event", "sid", "device", "iova",
		  "dir", "class");
	for (unsigned long s = first; s <= last; s++) {
		struct smmu_fault f;
		char name[16];
		int err = smmu_event_get(s, &f);

		if (err) {
			tg_printf("%6lu  (%s)\n", s, tg_strerror(err));
			continue;
		}
		tg_printf("%6lu  %-20s 0x%04x %-12s 0x%016llx %-5s %s\n", s, f.name ? f.name : "?",
			  (unsigned)f.sid, sid_name(f.sid, name, sizeof(name)),
			  (unsigned long long)f.addr, f.write ? "write" : "read", class_name(f.class));
	}
	return 0;
}
SHELL_COMMAND(events, "events", "events [clear]", "the SMMU event log (faults), or clear it",
	      events_cmd);
