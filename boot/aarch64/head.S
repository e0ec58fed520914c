/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AArch64 entry.  The flat image starts with the arm64 Linux Image header
 * (Linux Documentation/arch/arm64/booting.rst) so QEMU -kernel and U-Boot
 * booti load it and pass the DTB address in x0.
 *
 * Accepts EL2 (QEMU virtualization=on, U-Boot) or EL1; Tollgate runs at EL1.
 */
#include <tollgate/asm.h>

	.section .text.head, "ax"
	.globl	_start
_start:
	b	primary_entry			/* code0 */
	.long	0				/* code1 */
	.quad	TG_LOAD_ADDR & 0x1fffff		/* text_offset from a 2 MiB boundary */
	.quad	__image_size			/* effective size, bss included */
	/*
	 * flags: little-endian (bit 0 = 0), 4 KiB pages (bits 2:1 = 1), and
	 * bit 3 = 0: the 2 MiB base must be the lowest usable RAM, since
	 * the image is linked at a fixed address.
	 */
	.quad	(1 << 1)
	.quad	0				/* res2 */
	.quad	0				/* res3 */
	.quad	0				/* res4 */
	.ascii	"ARM\x64"			/* magic */
	.long	0				/* res5 (no PE/COFF header) */

primary_entry:
	mov	x19, x0				/* DTB physical address */

	/*
	 * A loader that ignored text_offset put us elsewhere: copy the file
	 * part of the image to its link address (backwards when the ranges
	 * overlap upwards) and continue there.
	 */
	adr	x1, _start
	ldr	x2, =__image_start
	cmp	x1, x2
	b.eq	relocated
	ldr	x3, =__image_load_end
	sub	x3, x3, x2			/* bytes to copy, multiple of 16 */
	cmp	x2, x1
	b.hi	copy_down
copy_up:					/* dst < src: forwards */
	ldp	x4, x5, [x1], #16
	stp	x4, x5, [x2], #16
	subs	x3, x3, #16
	b.ne	copy_up
	b	copied
copy_down:					/* dst > src: from the end */
	add	x1, x1, x3
	add	x2, x2, x3
1:	ldp	x4, x5, [x1, #-16]!
	stp	x4, x5, [x2, #-16]!
	subs	x3, x3, #16
	b.ne	1b
copied:
	dsb	sy
	ic	iallu
	dsb	sy
	isb
	ldr	x0, =relocated
	br	x0

relocated:
	mrs	x20, CurrentEL
	lsr	x20, x20, #2
	cmp	x20, #2
	b.eq	from_el2
	cmp	x20, #1
	b.eq	at_el1
	/* EL3: nothing above us to provide PSCI; not a supported entry. */
	b	early_hang

from_el2:
	/* EL1 is AArch64; no trapping of EL1 to EL2 (no hypervisor). */
	mov	x0, #HCR_EL2_RW
	msr	hcr_el2, x0
	/* EL1 may use the physical counter and timer; virtual == physical. */
	mrs	x0, cnthctl_el2
	orr	x0, x0, #(CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN)
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	/* FP/SIMD not trapped to EL2. */
	mov	x0, #CPTR_EL2_RES1
	msr	cptr_el2, x0
	/* A GICv3 CPU interface must be opened to EL1 system-register access. */
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #24, #4
	cbz	x0, 2f
	mrs	x0, S3_4_C12_C9_5		/* ICC_SRE_EL2 */
	mov	x1, #(ICC_SRE_EL2_SRE | ICC_SRE_EL2_ENABLE)
	orr	x0, x0, x1
	msr	S3_4_C12_C9_5, x0
	isb
2:	/* EL1 sees the real CPU identity. */
	mrs	x0, midr_el1
	msr	vpidr_el2, x0
	mrs	x0, mpidr_el1
	msr	vmpidr_el2, x0
	msr	vttbr_el2, xzr
	ldr	x0, =SCTLR_EL1_RES1
	msr	sctlr_el1, x0
	mov	x0, #SPSR_EL1H_DAIF_MASKED
	msr	spsr_el2, x0
	adr	x0, at_el1
	msr	elr_el2, x0
	eret

at_el1:
	msr	daifset, #0xf
	ldr	x0, =SCTLR_EL1_RES1		/* MMU and caches off, known state */
	msr	sctlr_el1, x0
	/* FP/SIMD usable at EL1 (the C library's string routines use it). */
	mov	x0, #CPACR_EL1_FPEN
	msr	cpacr_el1, x0
	adr	x0, vectors
	msr	vbar_el1, x0
	isb

	ldr	x0, =__stack_top
	mov	sp, x0

	/* bss is 16-byte aligned and sized (linker.ld). */
	ldr	x0, =__bss_start
	ldr	x1, =__bss_end
3:	cmp	x0, x1
	b.hs	4f
	stp	xzr, xzr, [x0], #16
	b	3b
4:
	ldr	x0, =arch_entry_el
	str	x20, [x0]

	mov	x0, x19
	bl	tg_boot
early_hang:
	wfi
	b	early_hang
