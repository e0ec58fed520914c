/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The boot flow shared by both ISAs, and what it hands to the application
 * (the shell in the main image, the test runner in tollgate-test).
 */
#ifndef TOLLGATE_BOOT_H
#define TOLLGATE_BOOT_H

#include <stdint.h>

#include <tollgate/fdt.h>
#include <tollgate/memmap.h>

struct tg_system {
	struct fdt fdt;
	uintptr_t dtb_phys;
	struct tg_memmap memmap;
};

/* Called by boot/<arch>/head.S with the MMU off; never returns. */
__attribute__((noreturn)) void tg_boot(uintptr_t dtb_phys);

/* The system description, valid once tg_boot has validated the DT. */
const struct tg_system *tg_system(void);

/* Prints the Linux-style boot log of the platform found in the DT. */
void bootlog_print(const struct tg_system *sys);

/* Implemented by the image: the shell or the in-emulator test runner. */
__attribute__((noreturn)) void tg_main(const struct tg_system *sys);

/* Linker symbols (linker.ld). */
extern char __image_start[], __image_end[], __image_load_end[];

#define TOLLGATE_VERSION_STRING "Tollgate " TG_VERSION

#endif
