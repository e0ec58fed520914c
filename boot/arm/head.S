/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AArch32 entry point.
 *
 * tollgate.bin is a flat image that starts with a zImage header, so QEMU's
 * -kernel and U-Boot's bootz both run it from its first byte, in ARM state,
 * with r0 = 0, r1 = machine type (ignored), r2 = DTB physical address, the
 * MMU and D-cache off, in HYP or SVC mode.  From here we:
 *
 *   1. mask interrupts and asynchronous aborts;
 *   2. move the image to its link address if it was loaded elsewhere;
 *   3. if entered in HYP, give PL1 the timers, the GICv3 system registers
 *      and the real CPU id, install a small HYP vector table, and ERET to SVC;
 *   4. set VBAR, the stacks of SVC, IRQ, ABT, UND and FIQ, zero .bss;
 *   5. call tg_boot(dtb) (C, Thumb).
 *
 * Everything here runs in ARM state; the C code is Thumb-2.
 */
#include "arm.h"

	.syntax	unified
	.arm
	.arch_extension	sec
	.arch_extension	virt

	.section .text.head, "ax", %progbits

/* --------------------------------------------------------------------------
 * zImage header (layout fixed by the ARM Linux boot protocol):
 *   0x00-0x1f  code words (no-ops: r0 must stay 0)
 *   0x20       branch to the real entry
 *   0x24       magic 0x016f2818
 *   0x28       absolute start address of the image
 *   0x2c       absolute end address of the loaded image
 *   0x30       endianness flag (0x04030201 = little-endian)
 * ------------------------------------------------------------------------ */
	.global	_start
	.type	_start, %function
_start:
	.rept	8
	mov	r0, r0
	.endr
	b	tg_entry
	.word	0x016f2818
	.word	__image_start
	.word	__image_load_end
	.word	0x04030201
	.size	_start, . - _start

/*
 * Register use until tg_boot:
 *   r8  DTB physical address      r9  CPSR at entry
 *   r4  runtime image address     r5  link address     r6  image size
 *   r10/r11 offsets of the relocation block
 *   r12 relocation mode (0 = two-phase, 1 = running from a trampoline)
 */
tg_entry:
	mov	r8, r2
	mrs	r9, cpsr
	cpsid	aif

	adr	r4, _start
	ldr	r5, =__image_start
	cmp	r4, r5
	beq	.Lrelocated
	ldr	r6, =__image_load_end
	sub	r6, r6, r5
	adr	r10, reloc_block
	sub	r10, r10, r4			@ B0: offset of the block
	adr	r11, reloc_block_end
	sub	r11, r11, r4			@ B1: offset of its end
	mov	r12, #0
	cmp	r4, r5
	subhs	r0, r4, r5			@ r0 = |shift| (addresses are
	sublo	r0, r5, r4			@ unsigned: compare, not sign)
	sub	r1, r11, r10			@ r1 = size of the block
	cmp	r0, r1
	bhs	reloc_block			@ far enough: two-phase copy

	/*
	 * The image moves by less than the relocation block's own size, so
	 * neither the old nor the new copy of the block survives the move.
	 * Run the block from a trampoline past the end of both copies: it is
	 * inside the new image's .bss/.stack area, which is ours anyway.
	 */
	add	r2, r5, r6
	add	r2, r2, r1, lsl #1
	add	r2, r2, #7
	bic	r2, r2, #7			@ r2 = trampoline address
	add	r0, r4, r10			@ from: the running block
	mov	r3, r1				@ bytes
1:	ldr	lr, [r0], #4
	str	lr, [r2], #4
	subs	r3, r3, #4
	bne	1b
	sub	r2, r2, r1			@ back to the trampoline's start
	dsb
	mov	r0, #0
	mcr	p15, 0, r0, c7, c5, 0		@ ICIALLU
	mcr	p15, 0, r0, c7, c5, 6		@ BPIALL
	dsb
	isb
	mov	r12, #1
	bx	r2

/*
 * The relocation block: position-independent, no literal pool, copied
 * and run from wherever is safe.
 *
 * Two-phase copy (|shift| >= block size): phase 1 copies the part of the
 * image that contains this block, in the direction that never overwrites
 * the running copy of the block (a block-sized distance guarantees it);
 * phase 2 runs from the block's fresh copy at the destination and copies
 * the rest, which never touches that copy.  Each phase is an overlap-safe
 * word-by-word memmove, so any load address works.
 */
	.balign	8
reloc_block:
	cmp	r12, #0
	bne	.Lrb_full
	cmp	r4, r5
	blo	.Lrb_backward
	/* Loaded above the link address: copy downwards, lowest word first. */
	mov	r0, r4				@ phase 1: offsets [0, B1)
	mov	r1, r5
	mov	r2, r11
	bl	.Lrb_memmove
	add	r0, r4, r11			@ phase 2: offsets [B1, size)
	add	r1, r5, r11
	sub	r2, r6, r11
	b	.Lrb_phase2
.Lrb_backward:
	/* Loaded below the link address: copy upwards, highest word first. */
	add	r0, r4, r10			@ phase 1: offsets [B0, size)
	add	r1, r5, r10
	sub	r2, r6, r10
	bl	.Lrb_memmove
	mov	r0, r4				@ phase 2: offsets [0, B0)
	mov	r1, r5
	mov	r2, r10
.Lrb_phase2:
	/* Continue in the destination's copy of this block. */
	dsb
	mov	r3, #0
	mcr	p15, 0, r3, c7, c5, 0		@ ICIALLU: the copy is new code
	mcr	p15, 0, r3, c7, c5, 6		@ BPIALL
	dsb
	isb
	add	r3, r5, r10
	add	r3, r3, #(.Lrb_copy - reloc_block)
	bx	r3
.Lrb_full:
	mov	r0, r4
	mov	r1, r5
	mov	r2, r6
.Lrb_copy:
	bl	.Lrb_memmove
	dsb
	mov	r3, #0
	mcr	p15, 0, r3, c7, c5, 0		@ ICIALLU
	mcr	p15, 0, r3, c7, c5, 6		@ BPIALL
	dsb
	isb
	movw	r3, #:lower16:.Lrelocated
	movt	r3, #:upper16:.Lrelocated
	bx	r3

/* r0 = from, r1 = to, r2 = bytes (multiple of 4, may be 0); overlap-safe. */
.Lrb_memmove:
	cmp	r2, #0
	bxeq	lr
	cmp	r1, r0
	bhi	2f
1:	ldr	r3, [r0], #4
	str	r3, [r1], #4
	subs	r2, r2, #4
	bne	1b
	bx	lr
2:	add	r0, r0, r2
	add	r1, r1, r2
3:	ldr	r3, [r0, #-4]!
	str	r3, [r1, #-4]!
	subs	r2, r2, #4
	bne	3b
	bx	lr
	.balign	8
reloc_block_end:

/* ------------------------------------------------------------------------ */
.Lrelocated:
	/* Running at the link address from here on. */
	and	r0, r9, #PSR_MODE_MASK
	cmp	r0, #PSR_MODE_HYP
	bne	.Lnot_hyp

	/*
	 * Entered in HYP (U-Boot on most boards, QEMU with virtualization=on).
	 * Leave HYP set up so that SVC sees a plain machine: no traps, no
	 * stage-2, physical timer and counter accessible, CNTVOFF = 0 so the
	 * virtual counter equals the physical one, MIDR/MPIDR reads returning
	 * the real values, and the GICv3 system registers usable from PL1.
	 */
	ldr	r0, =hyp_vectors
	mcr	p15, 4, r0, c12, c0, 0		@ HVBAR
	mrc	p15, 4, r0, c1, c0, 0		@ HSCTLR: HYP MMU/caches off,
	ldr	r1, =(SCTLR_M | SCTLR_A | SCTLR_C | SCTLR_EE | SCTLR_TE)
	bic	r0, r0, r1			@ little-endian, ARM-state vectors
	mcr	p15, 4, r0, c1, c0, 0
	mov	r0, #0
	mcr	p15, 4, r0, c1, c1, 0		@ HCR = 0
	mcr	p15, 4, r0, c1, c1, 3		@ HSTR = 0
	movw	r0, #0x33ff
	mcr	p15, 4, r0, c1, c1, 2		@ HCPTR: no coprocessor traps
	mrc	p15, 4, r0, c14, c1, 0		@ CNTHCTL
	orr	r0, r0, #3			@ PL1PCTEN | PL1PCEN
	mcr	p15, 4, r0, c14, c1, 0
	mov	r0, #0
	mov	r1, #0
	mcrr	p15, 4, r0, r1, c14		@ CNTVOFF = 0
	mrc	p15, 0, r0, c0, c0, 0		@ MIDR  -> VPIDR
	mcr	p15, 4, r0, c0, c0, 0
	mrc	p15, 0, r0, c0, c0, 5		@ MPIDR -> VMPIDR
	mcr	p15, 4, r0, c0, c0, 5
	mrc	p15, 0, r0, c0, c1, 1		@ ID_PFR1.GIC: system register
	ubfx	r0, r0, #28, #4			@ interface implemented?
	cmp	r0, #0
	beq	1f
	mrc	p15, 4, r0, c12, c9, 5		@ ICC_HSRE
	orr	r0, r0, #0x9			@ SRE | Enable (PL1 may use ICC_SRE)
	mcr	p15, 4, r0, c12, c9, 5
1:	isb

	mrs	r0, cpsr
	bic	r0, r0, #(PSR_MODE_MASK | PSR_T)
	bic	r0, r0, #PSR_E
	orr	r0, r0, #(PSR_MODE_SVC | PSR_I | PSR_F)
	orr	r0, r0, #PSR_A
	msr	spsr_cxsf, r0			@ SPSR_hyp (the banked form is
	adr	r0, .Lsvc			@ only for Monitor mode)
	msr	elr_hyp, r0
	eret

.Lnot_hyp:
	cmp	r0, #PSR_MODE_SVC
	beq	.Lsvc
	cps	#PSR_MODE_SVC

.Lsvc:
	/* SCTLR: exceptions in ARM state through VBAR, little-endian, no
	 * alignment checking (the MMU and caches are set up later in C). */
	mrc	p15, 0, r0, c1, c0, 0
	ldr	r1, =(SCTLR_A | SCTLR_V | SCTLR_EE | SCTLR_TE)
	bic	r0, r0, r1
	mcr	p15, 0, r0, c1, c0, 0
	isb
	ldr	r0, =tg_arm_vectors
	mcr	p15, 0, r0, c12, c0, 0		@ VBAR
	/* Long-descriptor translation format from the start, so every fault
	 * status register reads in the LPAE layout (TTBR0 covers 4 GiB). */
	ldr	r0, =(TTBCR_EAE | TTBCR_EPD1)
	mcr	p15, 0, r0, c2, c0, 2		@ TTBCR
	isb

	/* Stacks, top-down: ABT, UND, FIQ, IRQ, then SVC gets the rest. */
	ldr	r1, =__stack_top
	cps	#PSR_MODE_ABT
	mov	sp, r1
	sub	r1, r1, #STACK_ABT_SIZE
	cps	#PSR_MODE_UND
	mov	sp, r1
	sub	r1, r1, #STACK_UND_SIZE
	cps	#PSR_MODE_FIQ
	mov	sp, r1
	sub	r1, r1, #STACK_FIQ_SIZE
	cps	#PSR_MODE_IRQ
	mov	sp, r1
	sub	r1, r1, #STACK_IRQ_SIZE
	cps	#PSR_MODE_SVC
	mov	sp, r1

	/* Zero .bss word by word: memory is strongly-ordered until the MMU
	 * is on, so no multi-register, unaligned or exclusive tricks. */
	ldr	r0, =__bss_start
	ldr	r1, =__bss_end
	mov	r2, #0
1:	cmp	r0, r1
	strlo	r2, [r0], #4
	blo	1b

	ldr	r0, =tg_arm_entry_cpsr
	str	r9, [r0]

	cpsie	a				@ report SErrors from now on
	mov	r0, r8
	ldr	r3, =tg_boot
	blx	r3
	ldr	r3, =arch_halt			@ tg_boot does not return
	blx	r3
	.ltorg

/*
 * HYP vector table, only reachable if SVC code executes HVC (e.g. an
 * SMCCC call with the HVC conduit).  Nothing lives at HYP, so HVC answers
 * SMCCC NOT_SUPPORTED (-1) in r0; anything else stops the CPU.
 */
	.balign	32
hyp_vectors:
	b	.Lhyp_hang			@ 0x00 (unused)
	b	.Lhyp_hang			@ 0x04 undefined instruction in HYP
	b	.Lhyp_hang			@ 0x08 HVC in HYP
	b	.Lhyp_hang			@ 0x0c prefetch abort in HYP
	b	.Lhyp_hang			@ 0x10 data abort in HYP
	b	.Lhyp_trap			@ 0x14 trap from SVC (HVC lands here)
	b	.Lhyp_hang			@ 0x18 IRQ
	b	.Lhyp_hang			@ 0x1c FIQ
.Lhyp_trap:
	mrc	p15, 4, r1, c5, c2, 0		@ HSR (r1 is a result register)
	lsr	r1, r1, #26			@ exception class
	cmp	r1, #0x12			@ HVC executed in AArch32 state
	bne	.Lhyp_hang
	mvn	r0, #0
	mov	r1, #0
	eret
.Lhyp_hang:
	cpsid	aif
1:	wfi
	b	1b
