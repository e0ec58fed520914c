/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AArch64 CPU primitives behind arch.h: identity, interrupt masking,
 * generic timer, GICv3 CPU interface, SMCCC and semihosting traps.
 */
#include <tollgate/arch.h>
#include <tollgate/log.h>

#define SYSREG_READ(name) ({ uint64_t __v; __asm__ volatile("mrs %0, " name : "=r"(__v)); __v; })
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " name ", %0" :: "r"((uint64_t)(v)))

/* Set by head.S: the exception level we were entered at. */
uint64_t arch_entry_el;

static const char *arm_part_name(unsigned part)
{
	switch (part) {
	case 0xd03: return "Cortex-A53";
	case 0xd04: return "Cortex-A35";
	case 0xd05: return "Cortex-A55";
	case 0xd07: return "Cortex-A57";
	case 0xd08: return "Cortex-A72";
	case 0xd09: return "Cortex-A73";
	case 0xd0b: return "Cortex-A76";
	case 0xd0c: return "Neoverse-N1";
	case 0xd40: return "Neoverse-V1";
	case 0xd49: return "Neoverse-N2";
	default:    return NULL;
	}
}

void arch_cpu_describe(char *buf, size_t len)
{
	uint64_t midr = SYSREG_READ("midr_el1");
	unsigned impl = (midr >> 24) & 0xff;
	unsigned variant = (midr >> 20) & 0xf;
	unsigned part = (midr >> 4) & 0xfff;
	unsigned rev = midr & 0xf;
	const char *name = impl == 0x41 ? arm_part_name(part) : NULL;

	if (name)
		tg_snprintf(buf, len, "ARM %s r%up%u (MIDR 0x%08x)", name, variant, rev,
			    (unsigned)midr);
	else
		tg_snprintf(buf, len, "implementer 0x%02x part 0x%03x r%up%u (MIDR 0x%08x)",
			    impl, part, variant, rev, (unsigned)midr);
}

void arch_mode_describe(char *buf, size_t len)
{
	unsigned el = (unsigned)(SYSREG_READ("CurrentEL") >> 2) & 3;

	if (arch_entry_el != el)
		tg_snprintf(buf, len, "AArch64 EL%u (entered at EL%u)", el, (unsigned)arch_entry_el);
	else
		tg_snprintf(buf, len, "AArch64 EL%u", el);
}

void arch_irq_enable(void)
{
	__asm__ volatile("msr daifclr, #2" ::: "memory");
}

void arch_irq_disable(void)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
}

unsigned long arch_irq_save(void)
{
	unsigned long flags = SYSREG_READ("daif");

	arch_irq_disable();
	return flags;
}

void arch_irq_restore(unsigned long flags)
{
	__asm__ volatile("msr daif, %0" :: "r"(flags) : "memory");
}

void arch_wait_for_interrupt(void)
{
	__asm__ volatile("dsb sy; wfi" ::: "memory");
}

void arch_halt(void)
{
	__asm__ volatile("msr daifset, #0xf" ::: "memory");
	for (;;)
		__asm__ volatile("wfi");
}

uint64_t arch_counter_read(void)
{
	/* The ISB keeps the read from being speculated ahead of earlier code. */
	__asm__ volatile("isb" ::: "memory");
	return SYSREG_READ("cntvct_el0");
}

uint32_t arch_counter_freq(void)
{
	return (uint32_t)SYSREG_READ("cntfrq_el0");
}

void arch_vtimer_set_tval(uint32_t ticks)
{
	SYSREG_WRITE("cntv_tval_el0", ticks);
	__asm__ volatile("isb");
}

void arch_vtimer_set_ctl(uint32_t ctl)
{
	SYSREG_WRITE("cntv_ctl_el0", ctl);
	__asm__ volatile("isb");
}

/* GICv3 CPU interface, Arm IHI 0069 chapter 12 (encodings S3_0_C12_*). */
void arch_gicv3_write_sre(uint32_t val)
{
	SYSREG_WRITE("S3_0_C12_C12_5", val);
	__asm__ volatile("isb");
}

uint32_t arch_gicv3_read_sre(void)
{
	return (uint32_t)SYSREG_READ("S3_0_C12_C12_5");
}

void arch_gicv3_write_pmr(uint32_t val)
{
	SYSREG_WRITE("S3_0_C4_C6_0", val);
}

void arch_gicv3_write_bpr1(uint32_t val)
{
	SYSREG_WRITE("S3_0_C12_C12_3", val);
}

void arch_gicv3_write_igrpen1(uint32_t val)
{
	SYSREG_WRITE("S3_0_C12_C12_7", val);
	__asm__ volatile("isb");
}

uint32_t arch_gicv3_read_iar1(void)
{
	uint32_t v = (uint32_t)SYSREG_READ("S3_0_C12_C12_0");

	__asm__ volatile("dsb sy" ::: "memory");
	return v;
}

void arch_gicv3_write_eoir1(uint32_t val)
{
	SYSREG_WRITE("S3_0_C12_C12_1", val);
	__asm__ volatile("isb");
}

void arch_gicv3_write_ctlr(uint32_t val)
{
	SYSREG_WRITE("S3_0_C12_C12_4", val);
	__asm__ volatile("isb");
}

uint64_t arch_cpu_affinity(void)
{
	uint64_t mpidr = SYSREG_READ("mpidr_el1");

	return ((mpidr >> 32) & 0xff) << 32 | (mpidr & 0xffffff);
}

unsigned long arch_smccc(enum arch_conduit conduit, unsigned long fn,
			 unsigned long a1, unsigned long a2, unsigned long a3)
{
	register unsigned long x0 __asm__("x0") = fn;
	register unsigned long x1 __asm__("x1") = a1;
	register unsigned long x2 __asm__("x2") = a2;
	register unsigned long x3 __asm__("x3") = a3;

	/* SMCCC: x4-x17 may be clobbered by the callee. */
	if (conduit == ARCH_CONDUIT_HVC)
		__asm__ volatile("hvc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :: "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
				    "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	else
		__asm__ volatile("smc #0"
				 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				 :: "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
				    "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return x0;
}

long arch_semihost(unsigned long op, void *param)
{
	register unsigned long x0 __asm__("x0") = op;
	register void *x1 __asm__("x1") = param;

	/* Semihosting trap for A64 (Arm semihosting spec 2.1). */
	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return (long)x0;
}
