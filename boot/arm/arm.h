/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AArch32 (ARMv7-A with LPAE and the Virtualization Extensions) details
 * shared by the files of boot/arm/ only.  Usable from assembly: everything
 * above the __ASSEMBLY__ guard is a plain integer expression.
 */
#ifndef TOLLGATE_BOOT_ARM_ARM_H
#define TOLLGATE_BOOT_ARM_ARM_H

/* Single-bit masks, unsigned in C (1 << 31 would overflow an int). */
#ifdef __ASSEMBLY__
#define ARM_BIT(n)	(1 << (n))
#else
#define ARM_BIT(n)	(1u << (n))
#endif

/* --- CPSR / SPSR ------------------------------------------------------------ */
#define PSR_MODE_MASK	0x1f
#define PSR_MODE_USR	0x10
#define PSR_MODE_FIQ	0x11
#define PSR_MODE_IRQ	0x12
#define PSR_MODE_SVC	0x13
#define PSR_MODE_MON	0x16
#define PSR_MODE_ABT	0x17
#define PSR_MODE_HYP	0x1a
#define PSR_MODE_UND	0x1b
#define PSR_MODE_SYS	0x1f
#define PSR_T		ARM_BIT(5)	/* Thumb state */
#define PSR_F		ARM_BIT(6)	/* FIQ masked */
#define PSR_I		ARM_BIT(7)	/* IRQ masked */
#define PSR_A		ARM_BIT(8)	/* asynchronous abort masked */
#define PSR_E		ARM_BIT(9)	/* big-endian data */

/* --- SCTLR (and HSCTLR, same layout for these bits) ------------------------ */
#define SCTLR_M		ARM_BIT(0)	/* MMU */
#define SCTLR_A		ARM_BIT(1)	/* alignment checking */
#define SCTLR_C		ARM_BIT(2)	/* data and unified caches */
#define SCTLR_Z		ARM_BIT(11)	/* branch prediction */
#define SCTLR_I		ARM_BIT(12)	/* instruction cache */
#define SCTLR_V		ARM_BIT(13)	/* high vectors (0xffff0000) */
#define SCTLR_WXN	ARM_BIT(19)
#define SCTLR_UWXN	ARM_BIT(20)
#define SCTLR_EE	ARM_BIT(25)	/* big-endian exception entry */
#define SCTLR_TRE	ARM_BIT(28)
#define SCTLR_AFE	ARM_BIT(29)
#define SCTLR_TE	ARM_BIT(30)	/* exceptions taken in Thumb state */

/* --- TTBCR, long-descriptor (LPAE) layout ------------------------------------ */
#define TTBCR_EAE	ARM_BIT(31)	/* use the LPAE long-descriptor format */
#define TTBCR_EPD1	ARM_BIT(23)	/* no walks through TTBR1 */
#define TTBCR_SH0_INNER	(ARM_BIT(12) | ARM_BIT(13))
#define TTBCR_ORGN0_WBWA ARM_BIT(10)
#define TTBCR_IRGN0_WBWA ARM_BIT(8)

/* --- stacks, carved top-down from the linker's 64 KiB .stack region ------- */
#define STACK_ABT_SIZE	4096		/* data/prefetch abort reports */
#define STACK_UND_SIZE	4096		/* undefined-instruction reports */
#define STACK_FIQ_SIZE	2048		/* unexpected-FIQ report */
#define STACK_IRQ_SIZE	256		/* unused: IRQs are handled on the SVC stack */
/* SVC (everything else) gets the rest, about 54 KiB. */

/* --- exception kinds: the vector offset divided by 4 ---------------------- */
#define ARM_EXC_RESET	0
#define ARM_EXC_UNDEF	1
#define ARM_EXC_SVC	2
#define ARM_EXC_PABT	3
#define ARM_EXC_DABT	4
#define ARM_EXC_UNUSED	5
#define ARM_EXC_IRQ	6
#define ARM_EXC_FIQ	7

/* --- the frame vectors.S builds for exception.c ---------------------------- */
#define FRAME_R0	0
#define FRAME_R8	32
#define FRAME_SP	52	/* interrupted mode's sp */
#define FRAME_LR	56	/* interrupted mode's lr */
#define FRAME_EXC_LR	60	/* lr of the exception mode (return address) */
#define FRAME_SPSR	64	/* CPSR of the interrupted code */
#define FRAME_CPSR	68	/* CPSR of the handler (the exception mode) */
#define FRAME_SIZE	72	/* a multiple of 8: keeps the stack aligned */

#ifndef __ASSEMBLY__
#include <stdint.h>

struct arm_exc_frame {
	uint32_t r[13];
	uint32_t sp;
	uint32_t lr;
	uint32_t exc_lr;
	uint32_t spsr;
	uint32_t cpsr;
};

/* CPSR at the moment the boot loader jumped to us (written by head.S). */
extern uint32_t tg_arm_entry_cpsr;

/*
 * Called by vectors.S for every exception but IRQ.  Returns non-zero when
 * the interrupted code may resume (with the frame's registers), which only
 * happens for a semihosting SVC that QEMU did not intercept; otherwise it
 * prints a crash report and halts.
 */
int tg_arm_exception(struct arm_exc_frame *frame, unsigned int kind);

/* Short mode name ("SVC", "HYP", ...), "?" for an invalid mode field. */
const char *arm_mode_name(uint32_t psr);

#endif /* __ASSEMBLY__ */
#endif
