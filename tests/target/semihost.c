/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Semihosting exit (Arm semihosting spec: SYS_EXIT 0x18, SYS_EXIT_EXTENDED
 * 0x20), used only by the test image to hand its verdict to QEMU.
 */
#include <tollgate/arch.h>

#include "semihost.h"

#define SYS_EXIT		0x18
#define SYS_EXIT_EXTENDED	0x20
#define ADP_STOPPED_APP_EXIT	0x20026

void semihost_exit(unsigned int status)
{
	/* Both ISAs take {reason, subcode}; AArch32 needs the extended call. */
	unsigned long block[2] = { ADP_STOPPED_APP_EXIT, status };

#if defined(TG_ARCH_aarch64)
	arch_semihost(SYS_EXIT, block);
#else
	arch_semihost(SYS_EXIT_EXTENDED, block);
#endif
	/* Semihosting disabled: the trap returned or was ignored. */
	arch_halt();
}
