/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `exception`: forces a CPU exception so the crash report can be seen and
 * tested (the same idea as U-Boot's `exception` command).  The system
 * halts afterwards, by design.
 */
#include <string.h>

#include <tollgate/boot.h>
#include <tollgate/log.h>
#include <tollgate/shell.h>

/* An address no region of the memory map covers, so the MMU faults on it. */
static uintptr_t unmapped_address(const struct tg_memmap *map)
{
	const struct tg_mem_region *ram = tg_memmap_ram(map);
	uint64_t candidate = ram ? ram->base + ram->size + 0x100000 : 0x100000;

	for (unsigned pass = 0; pass < map->count + 1; pass++) {
		bool hit = false;
		for (unsigned i = 0; i < map->count; i++) {
			const struct tg_mem_region *r = &map->region[i];
			if (candidate >= r->base && candidate < r->base + r->size) {
				candidate = r->base + r->size + 0x100000;
				hit = true;
			}
		}
		if (!hit)
			break;
	}
	return (uintptr_t)candidate;
}

static int exception_cmd(int argc, char **argv)
{
	const struct tg_system *sys = tg_system();

	if (argc != 2 || !sys) {
		tg_printf("usage: exception <abort|undefined>\n");
		return 1;
	}
	if (!strcmp(argv[1], "abort")) {
		volatile uint32_t *p = (volatile uint32_t *)unmapped_address(&sys->memmap);
		tg_printf("reading unmapped address %p\n", (void *)p);
		(void)*p;
	} else if (!strcmp(argv[1], "undefined")) {
		__asm__ volatile("udf #0");
	} else {
		tg_printf("exception: unknown kind '%s' (abort, undefined)\n", argv[1]);
		return 1;
	}
	tg_printf("exception: no exception was taken\n");
	return 1;
}
SHELL_COMMAND(exception, "exception", "exception <abort|undefined>",
	      "force a CPU exception to show the crash report (halts)", exception_cmd);
