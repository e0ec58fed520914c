/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EL1 exception vectors (Arm ARM D1.10.2: 16 entries of 128 bytes, table
 * 2 KiB aligned).  Every entry saves the full integer and FP/SIMD state in
 * a struct arch_frame on the stack, so an IRQ handler may use any register
 * (the C library uses SIMD) and a crash report can show everything.
 */
#include <tollgate/asm.h>

/* struct arch_frame layout (exception.c): x0..x30, sp, elr, spsr, esr, far, q0..q31, fpsr, fpcr */
#define FRAME_X		0
#define FRAME_SP	(31 * 8)
#define FRAME_ELR	(32 * 8)
#define FRAME_SPSR	(33 * 8)
#define FRAME_ESR	(34 * 8)
#define FRAME_FAR	(35 * 8)
#define FRAME_Q		(36 * 8)
#define FRAME_FPSR	(FRAME_Q + 32 * 16)
#define FRAME_FPCR	(FRAME_FPSR + 8)
#define FRAME_SIZE	(FRAME_FPCR + 8)

	.macro	vector kind
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp, #FRAME_X + 0]
	mov	x0, #\kind
	b	exception_common
	.endm

	.section .text.vectors, "ax"
	.balign	0x800
	.globl	vectors
vectors:
	vector	0	/* current EL, SP_EL0: sync */
	vector	1	/* irq */
	vector	2	/* fiq */
	vector	3	/* serror */
	vector	4	/* current EL, SP_ELx: sync */
	vector	5	/* irq */
	vector	6	/* fiq */
	vector	7	/* serror */
	vector	8	/* lower EL, AArch64 */
	vector	9
	vector	10
	vector	11
	vector	12	/* lower EL, AArch32 */
	vector	13
	vector	14
	vector	15

exception_common:
	stp	x2, x3, [sp, #FRAME_X + 16]
	stp	x4, x5, [sp, #FRAME_X + 32]
	stp	x6, x7, [sp, #FRAME_X + 48]
	stp	x8, x9, [sp, #FRAME_X + 64]
	stp	x10, x11, [sp, #FRAME_X + 80]
	stp	x12, x13, [sp, #FRAME_X + 96]
	stp	x14, x15, [sp, #FRAME_X + 112]
	stp	x16, x17, [sp, #FRAME_X + 128]
	stp	x18, x19, [sp, #FRAME_X + 144]
	stp	x20, x21, [sp, #FRAME_X + 160]
	stp	x22, x23, [sp, #FRAME_X + 176]
	stp	x24, x25, [sp, #FRAME_X + 192]
	stp	x26, x27, [sp, #FRAME_X + 208]
	stp	x28, x29, [sp, #FRAME_X + 224]
	add	x1, sp, #FRAME_SIZE		/* sp before the exception */
	stp	x30, x1, [sp, #FRAME_X + 240]
	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x2, x3, [sp, #FRAME_ELR]
	mrs	x2, esr_el1
	mrs	x3, far_el1
	stp	x2, x3, [sp, #FRAME_ESR]
	add	x2, sp, #FRAME_Q
	stp	q0, q1, [x2, #0]
	stp	q2, q3, [x2, #32]
	stp	q4, q5, [x2, #64]
	stp	q6, q7, [x2, #96]
	stp	q8, q9, [x2, #128]
	stp	q10, q11, [x2, #160]
	stp	q12, q13, [x2, #192]
	stp	q14, q15, [x2, #224]
	stp	q16, q17, [x2, #256]
	stp	q18, q19, [x2, #288]
	stp	q20, q21, [x2, #320]
	stp	q22, q23, [x2, #352]
	stp	q24, q25, [x2, #384]
	stp	q26, q27, [x2, #416]
	stp	q28, q29, [x2, #448]
	stp	q30, q31, [x2, #480]
	mrs	x3, fpsr
	mrs	x4, fpcr
	add	x5, sp, #FRAME_FPSR
	stp	x3, x4, [x5]

	mov	x1, sp
	bl	arch_exception			/* (kind, frame); returns for IRQs */

	add	x2, sp, #FRAME_FPSR
	ldp	x3, x4, [x2]
	msr	fpsr, x3
	msr	fpcr, x4
	add	x2, sp, #FRAME_Q
	ldp	q0, q1, [x2, #0]
	ldp	q2, q3, [x2, #32]
	ldp	q4, q5, [x2, #64]
	ldp	q6, q7, [x2, #96]
	ldp	q8, q9, [x2, #128]
	ldp	q10, q11, [x2, #160]
	ldp	q12, q13, [x2, #192]
	ldp	q14, q15, [x2, #224]
	ldp	q16, q17, [x2, #256]
	ldp	q18, q19, [x2, #288]
	ldp	q20, q21, [x2, #320]
	ldp	q22, q23, [x2, #352]
	ldp	q24, q25, [x2, #384]
	ldp	q26, q27, [x2, #416]
	ldp	q28, q29, [x2, #448]
	ldp	q30, q31, [x2, #480]
	ldp	x2, x3, [sp, #FRAME_ELR]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	ldp	x2, x3, [sp, #FRAME_X + 16]
	ldp	x4, x5, [sp, #FRAME_X + 32]
	ldp	x6, x7, [sp, #FRAME_X + 48]
	ldp	x8, x9, [sp, #FRAME_X + 64]
	ldp	x10, x11, [sp, #FRAME_X + 80]
	ldp	x12, x13, [sp, #FRAME_X + 96]
	ldp	x14, x15, [sp, #FRAME_X + 112]
	ldp	x16, x17, [sp, #FRAME_X + 128]
	ldp	x18, x19, [sp, #FRAME_X + 144]
	ldp	x20, x21, [sp, #FRAME_X + 160]
	ldp	x22, x23, [sp, #FRAME_X + 176]
	ldp	x24, x25, [sp, #FRAME_X + 192]
	ldp	x26, x27, [sp, #FRAME_X + 208]
	ldp	x28, x29, [sp, #FRAME_X + 224]
	ldr	x30, [sp, #FRAME_X + 240]
	ldp	x0, x1, [sp, #FRAME_X + 0]
	add	sp, sp, #FRAME_SIZE
	eret
