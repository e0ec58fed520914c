// SPDX-License-Identifier: BSD-3-Clause
/*
 * AArch32 CPU services: identity, interrupt masking, idle, the generic
 * timer, the GICv3 CPU interface (cp15 encodings) and firmware traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/arch.h>
#include <tollgate/log.h>

#include "arm.h"

/* Written by head.S after .bss is cleared. */
uint32_t tg_arm_entry_cpsr;

#define U(x) ((unsigned int)(x))

/* --- CPU identity ------------------------------------------------------------ */

static inline uint32_t read_midr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c0, c0, 0" : "=r"(v));
	return v;
}

static inline uint32_t read_mpidr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c0, c0, 5" : "=r"(v));
	return v;
}

static inline uint32_t read_cpsr(void)
{
	uint32_t v;
	__asm__ volatile("mrs %0, cpsr" : "=r"(v) : : "memory");
	return v;
}

static const char *arm_part_name(uint32_t part)
{
	switch (part) {
	case 0xc05: return "Cortex-A5";
	case 0xc07: return "Cortex-A7";
	case 0xc08: return "Cortex-A8";
	case 0xc09: return "Cortex-A9";
	case 0xc0d: return "Cortex-A12";
	case 0xc0e: return "Cortex-A17";
	case 0xc0f: return "Cortex-A15";
	case 0xd03: return "Cortex-A53";
	case 0xd04: return "Cortex-A35";
	case 0xd05: return "Cortex-A55";
	case 0xd07: return "Cortex-A57";
	case 0xd08: return "Cortex-A72";
	case 0xd09: return "Cortex-A73";
	case 0xd0a: return "Cortex-A75";
	case 0xd0b: return "Cortex-A76";
	default: return NULL;
	}
}

void arch_cpu_describe(char *buf, size_t len)
{
	uint32_t midr = read_midr();
	uint32_t implementer = midr >> 24;
	uint32_t variant = (midr >> 20) & 0xf;
	uint32_t part = (midr >> 4) & 0xfff;
	uint32_t revision = midr & 0xf;
	const char *name = implementer == 0x41 ? arm_part_name(part) : NULL;

	if (!buf || !len)
		return;
	if (name)
		tg_snprintf(buf, len, "%s r%up%u (MIDR 0x%08x)", name, U(variant),
			    U(revision), U(midr));
	else if (implementer == 0x41)
		tg_snprintf(buf, len, "Arm part 0x%03x r%up%u (MIDR 0x%08x)", U(part),
			    U(variant), U(revision), U(midr));
	else
		tg_snprintf(buf, len, "implementer 0x%02x part 0x%03x r%up%u (MIDR 0x%08x)",
			    U(implementer), U(part), U(variant), U(revision), U(midr));
}

void arch_mode_describe(char *buf, size_t len)
{
	uint32_t now = read_cpsr();
	uint32_t entry = tg_arm_entry_cpsr;

	if (!buf || !len)
		return;
	if ((entry & PSR_MODE_MASK) != 0 &&
	    (entry & PSR_MODE_MASK) != (now & PSR_MODE_MASK))
		tg_snprintf(buf, len, "%s (entered in %s)", arm_mode_name(now),
			    arm_mode_name(entry));
	else
		tg_snprintf(buf, len, "%s", arm_mode_name(now));
}

/* --- interrupts, idle ------------------------------------------------------------ */

void arch_irq_enable(void)
{
	__asm__ volatile("cpsie i" : : : "memory");
}

void arch_irq_disable(void)
{
	__asm__ volatile("cpsid i" : : : "memory");
}

unsigned long arch_irq_save(void)
{
	uint32_t cpsr;

	__asm__ volatile("mrs %0, cpsr\n\tcpsid i" : "=r"(cpsr) : : "memory");
	return cpsr & PSR_I;
}

void arch_irq_restore(unsigned long flags)
{
	if (flags & PSR_I)
		__asm__ volatile("cpsid i" : : : "memory");
	else
		__asm__ volatile("cpsie i" : : : "memory");
}

void arch_wait_for_interrupt(void)
{
	__asm__ volatile("dsb\n\twfi" : : : "memory");
}

void arch_halt(void)
{
	__asm__ volatile("cpsid aif" : : : "memory");
	for (;;)
		__asm__ volatile("dsb\n\twfi" : : : "memory");
}

/* --- generic timer ------------------------------------------------------------ */

uint64_t arch_counter_read(void)
{
	uint32_t lo, hi;

	/* The ISB keeps the read from being done early (before prior code). */
	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

uint32_t arch_counter_freq(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v));
	return v;
}

void arch_vtimer_set_tval(uint32_t ticks)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 0\n\tisb" : : "r"(ticks) : "memory");
}

void arch_vtimer_set_ctl(uint32_t ctl)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1\n\tisb" : : "r"(ctl) : "memory");
}

/* --- GICv3 CPU interface (AArch32 encodings of the ICC_*_EL1 registers) ---- */

void arch_gicv3_write_sre(uint32_t val)
{
	__asm__ volatile("mcr p15, 0, %0, c12, c12, 5\n\tisb" : : "r"(val) : "memory");
}

uint32_t arch_gicv3_read_sre(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c12, c12, 5" : "=r"(v) : : "memory");
	return v;
}

void arch_gicv3_write_pmr(uint32_t val)
{
	__asm__ volatile("mcr p15, 0, %0, c4, c6, 0\n\tisb" : : "r"(val) : "memory");
}

void arch_gicv3_write_bpr1(uint32_t val)
{
	__asm__ volatile("mcr p15, 0, %0, c12, c12, 3\n\tisb" : : "r"(val) : "memory");
}

void arch_gicv3_write_igrpen1(uint32_t val)
{
	__asm__ volatile("mcr p15, 0, %0, c12, c12, 7\n\tisb" : : "r"(val) : "memory");
}

uint32_t arch_gicv3_read_iar1(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c12, c12, 0" : "=r"(v) : : "memory");
	return v;
}

void arch_gicv3_write_eoir1(uint32_t val)
{
	__asm__ volatile("mcr p15, 0, %0, c12, c12, 1\n\tisb" : : "r"(val) : "memory");
}

void arch_gicv3_write_ctlr(uint32_t val)
{
	__asm__ volatile("mcr p15, 0, %0, c12, c12, 4\n\tisb" : : "r"(val) : "memory");
}

uint64_t arch_cpu_affinity(void)
{
	/* MPIDR Aff2:Aff1:Aff0 sit at bits 23:0 in both MPIDR and GICD_IROUTER;
	 * AArch32 has no Aff3. */
	return read_mpidr() & 0x00ffffffu;
}

/* --- firmware calls ------------------------------------------------------------ */

unsigned long arch_smccc(enum arch_conduit conduit, unsigned long fn,
			 unsigned long a1, unsigned long a2, unsigned long a3)
{
	register unsigned long r0 __asm__("r0") = fn;
	register unsigned long r1 __asm__("r1") = a1;
	register unsigned long r2 __asm__("r2") = a2;
	register unsigned long r3 __asm__("r3") = a3;

	/* SMC32/HVC32 calling convention: arguments and results in r0-r3,
	 * r4-r14 preserved by the callee. */
	if (conduit == ARCH_CONDUIT_HVC)
		__asm__ volatile(".arch_extension virt\n\thvc #0"
				 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	else
		__asm__ volatile(".arch_extension sec\n\tsmc #0"
				 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3) : : "memory");
	return r0;
}

long arch_semihost(unsigned long op, void *param)
{
	register unsigned long r0 __asm__("r0") = op;
	register void *r1 __asm__("r1") = param;

	/*
	 * QEMU with -semihosting intercepts the trap and nothing is clobbered.
	 * Without it the SVC vector runs (exception.c answers -1), which
	 * overwrites lr_svc: hence the lr clobber.
	 */
#if defined(__thumb__)
	__asm__ volatile("svc 0xab" : "+r"(r0) : "r"(r1) : "memory", "lr", "cc");
#else
	__asm__ volatile("svc 0x123456" : "+r"(r0) : "r"(r1) : "memory", "lr", "cc");
#endif
	return (long)r0;
}
