/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * System-register bit values used by the assembly entry code, with the
 * Arm ARM (DDI 0487) register they belong to.  C code uses arch.h.
 */
#ifndef TOLLGATE_ASM_H
#define TOLLGATE_ASM_H

#if defined(TG_ARCH_aarch64)
/* HCR_EL2 (D13.2.48): RW=1 makes EL1 AArch64. */
#define HCR_EL2_RW		(1 << 31)
/* CNTHCTL_EL2 (D13.8.2), E2H=0 layout. */
#define CNTHCTL_EL1PCTEN	(1 << 0)
#define CNTHCTL_EL1PCEN		(1 << 1)
/* CPTR_EL2 (D13.2.33), E2H=0: RES1 bits 13:12, 9:0; TFP (bit 10) = 0. */
#define CPTR_EL2_RES1		0x33ff
/* ICC_SRE_EL2 (Arm IHI 0069): SRE bit 0, Enable (EL1 may use SRE) bit 3. */
#define ICC_SRE_EL2_SRE		(1 << 0)
#define ICC_SRE_EL2_ENABLE	(1 << 3)
/* SCTLR_EL1 RES1 bits (29:28, 23:22, 20, 11) with M/C/I clear. */
#define SCTLR_EL1_RES1		0x30d00800
/* SPSR: EL1h (M=0b0101) with D, A, I, F masked. */
#define SPSR_EL1H_DAIF_MASKED	0x3c5
/* CPACR_EL1.FPEN = 0b11: no FP/SIMD trapping at EL0/EL1. */
#define CPACR_EL1_FPEN		(3 << 20)
#endif

#endif
