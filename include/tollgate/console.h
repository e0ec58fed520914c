/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The system console: one UART chosen by /chosen/stdout-path, with an
 * early console (board.h) for messages printed before the DT is trusted.
 */
#ifndef TOLLGATE_CONSOLE_H
#define TOLLGATE_CONSOLE_H

#include <stdint.h>

struct fdt;

struct tg_console {
	const char *name;		/* "pl011" */
	uint64_t phys;			/* register base, for the boot log */
	void (*putc)(struct tg_console *con, char c);
	int (*getc)(struct tg_console *con);	/* -1 when nothing is waiting */
	void *regs;
};

/* Finds /chosen/stdout-path (or the first serial alias) and takes it over. */
int console_init_from_fdt(const struct fdt *fdt);
/* Early PL011 at a fixed address; used until console_init_from_fdt. */
void console_init_early(uint64_t pl011_phys);
void console_putc(char c);
void console_write(const char *s, unsigned long len);
int console_getc(void);			/* non-blocking, -1 if nothing */
const struct tg_console *console_current(void);

/* PL011 driver hook: fills con for the UART at phys. */
int pl011_probe(struct tg_console *con, uint64_t phys);

#endif
