/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PL1 exception vectors (VBAR), ARM state (SCTLR.TE = 0).
 *
 * IRQ: the return state goes onto the SVC stack (SRS), the handler runs in
 * SVC mode so lr_svc and the interrupted code's stack are preserved, and
 * irq_handle() (C, the interrupt controller driver) is called with the
 * AAPCS caller-saved registers saved.  IRQs stay masked while it runs.
 *
 * Everything else builds a struct arm_exc_frame (see arm.h) on the
 * exception mode's own stack and calls tg_arm_exception(), which prints a
 * crash report and halts (or, for an unanswered semihosting SVC, returns
 * and we resume).
 */
#include "arm.h"

	.syntax	unified
	.arm

	.section .text.vectors, "ax", %progbits
	.balign	32
	.global	tg_arm_vectors
	.type	tg_arm_vectors, %function
tg_arm_vectors:
	b	vec_reset			@ 0x00
	b	vec_undef			@ 0x04
	b	vec_svc				@ 0x08
	b	vec_pabt			@ 0x0c
	b	vec_dabt			@ 0x10
	b	vec_unused			@ 0x14
	b	vec_irq				@ 0x18
	b	vec_fiq				@ 0x1c
	.size	tg_arm_vectors, . - tg_arm_vectors

.macro	EXC_ENTRY kind
	sub	sp, sp, #FRAME_SIZE
	stmia	sp, {r0-r12}
	mov	r0, sp
	mov	r1, #\kind
	b	exc_common
.endm

vec_reset:	EXC_ENTRY ARM_EXC_RESET
vec_undef:	EXC_ENTRY ARM_EXC_UNDEF
vec_svc:	EXC_ENTRY ARM_EXC_SVC
vec_pabt:	EXC_ENTRY ARM_EXC_PABT
vec_dabt:	EXC_ENTRY ARM_EXC_DABT
vec_unused:	EXC_ENTRY ARM_EXC_UNUSED
vec_fiq:	EXC_ENTRY ARM_EXC_FIQ

/* r0 = frame (r0-r12 stored), r1 = kind, lr/spsr = exception state. */
exc_common:
	str	lr, [r0, #FRAME_EXC_LR]
	mrs	r2, spsr
	str	r2, [r0, #FRAME_SPSR]
	mrs	r3, cpsr
	str	r3, [r0, #FRAME_CPSR]

	/*
	 * Fetch the interrupted mode's banked sp, lr (and r8-r12, which
	 * differ when FIQ mode is involved) by visiting that mode with
	 * interrupts masked.  User mode is visited as System mode (same
	 * registers).  Modes we cannot enter from here (HYP, MON, invalid)
	 * are reported with sp = lr = 0.
	 */
	and	r2, r2, #PSR_MODE_MASK
	cmp	r2, #PSR_MODE_USR
	moveq	r2, #PSR_MODE_SYS
	cmp	r2, #PSR_MODE_FIQ
	cmpne	r2, #PSR_MODE_IRQ
	cmpne	r2, #PSR_MODE_SVC
	cmpne	r2, #PSR_MODE_ABT
	cmpne	r2, #PSR_MODE_UND
	cmpne	r2, #PSR_MODE_SYS
	bne	1f
	orr	r2, r2, #(PSR_I | PSR_F)
	msr	cpsr_c, r2
	add	r2, r0, #FRAME_R8
	stmia	r2, {r8-r12}
	str	sp, [r0, #FRAME_SP]
	str	lr, [r0, #FRAME_LR]
	msr	cpsr_c, r3
	b	2f
1:	mov	r2, #0
	str	r2, [r0, #FRAME_SP]
	str	r2, [r0, #FRAME_LR]

2:	mov	r4, sp				@ = frame; r4 survives the call
	bic	sp, sp, #7			@ AAPCS stack alignment
	ldr	r3, =tg_arm_exception
	blx	r3
	cmp	r0, #0
	bne	3f
	ldr	r3, =arch_halt
	blx	r3

	/* Resume the interrupted code with the (possibly updated) frame. */
3:	mov	sp, r4
	ldr	r0, [sp, #FRAME_SPSR]
	msr	spsr_cxsf, r0
	ldr	lr, [sp, #FRAME_EXC_LR]
	ldmia	sp, {r0-r12}
	add	sp, sp, #FRAME_SIZE
	movs	pc, lr

/* ------------------------------------------------------------------------ */
vec_irq:
	sub	lr, lr, #4			@ return address
	srsdb	sp!, #PSR_MODE_SVC		@ {lr_irq, spsr_irq} -> SVC stack
	cps	#PSR_MODE_SVC			@ IRQs stay masked
	push	{r0-r4, r12, lr}		@ caller-saved, r4 as scratch, lr_svc
	mov	r4, sp
	bic	sp, sp, #7			@ AAPCS stack alignment
	ldr	r3, =irq_handle
	blx	r3
	mov	sp, r4
	pop	{r0-r4, r12, lr}
	rfeia	sp!				@ back to the interrupted code

	.ltorg
