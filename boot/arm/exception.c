// SPDX-License-Identifier: BSD-3-Clause
/*
 * AArch32 exception reports.
 *
 * vectors.S hands every exception but IRQ to tg_arm_exception() with the
 * interrupted registers.  The report is meant for someone who has never
 * opened the Arm Architecture Reference Manual: it says in words what
 * went wrong, at which address and instruction, then gives the raw
 * register values for those who want them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/arch.h>
#include <tollgate/log.h>

#include "arm.h"

_Static_assert(offsetof(struct arm_exc_frame, r[8]) == FRAME_R8, "frame");
_Static_assert(offsetof(struct arm_exc_frame, sp) == FRAME_SP, "frame");
_Static_assert(offsetof(struct arm_exc_frame, lr) == FRAME_LR, "frame");
_Static_assert(offsetof(struct arm_exc_frame, exc_lr) == FRAME_EXC_LR, "frame");
_Static_assert(offsetof(struct arm_exc_frame, spsr) == FRAME_SPSR, "frame");
_Static_assert(offsetof(struct arm_exc_frame, cpsr) == FRAME_CPSR, "frame");
_Static_assert(sizeof(struct arm_exc_frame) == FRAME_SIZE, "frame");

#define U(x) ((unsigned int)(x))

/* Semihosting trap numbers (AArch32): SVC 0x123456 in ARM, SVC 0xAB in Thumb. */
#define SEMIHOST_SVC_ARM	0x123456u
#define SEMIHOST_SVC_THUMB	0xabu

/* Fault status register bits common to both formats. */
#define FSR_LPAE	(1u << 9)	/* long-descriptor format */
#define FSR_WNR		(1u << 11)	/* DFSR: the access was a write */
#define FSR_EXT		(1u << 12)	/* external abort type (impl. defined) */
#define FSR_CM		(1u << 13)	/* DFSR: cache maintenance operation */

static inline uint32_t read_dfsr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(v));
	return v;
}

static inline uint32_t read_ifsr(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(v));
	return v;
}

static inline uint32_t read_dfar(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(v));
	return v;
}

static inline uint32_t read_ifar(void)
{
	uint32_t v;
	__asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(v));
	return v;
}

const char *arm_mode_name(uint32_t psr)
{
	switch (psr & PSR_MODE_MASK) {
	case PSR_MODE_USR: return "USR";
	case PSR_MODE_FIQ: return "FIQ";
	case PSR_MODE_IRQ: return "IRQ";
	case PSR_MODE_SVC: return "SVC";
	case PSR_MODE_MON: return "MON";
	case PSR_MODE_ABT: return "ABT";
	case PSR_MODE_HYP: return "HYP";
	case PSR_MODE_UND: return "UND";
	case PSR_MODE_SYS: return "SYS";
	default: return "?";
	}
}

static const char *mode_long_name(uint32_t psr)
{
	switch (psr & PSR_MODE_MASK) {
	case PSR_MODE_USR: return "User";
	case PSR_MODE_FIQ: return "FIQ (fast interrupt handler)";
	case PSR_MODE_IRQ: return "IRQ (interrupt entry)";
	case PSR_MODE_SVC: return "SVC (supervisor, where Tollgate normally runs)";
	case PSR_MODE_MON: return "Monitor (secure firmware)";
	case PSR_MODE_ABT: return "ABT (memory fault handler)";
	case PSR_MODE_HYP: return "HYP (hypervisor)";
	case PSR_MODE_UND: return "UND (undefined-instruction handler)";
	case PSR_MODE_SYS: return "System";
	default: return "an invalid";
	}
}

/* A fault status, in words: a short name and one line of explanation. */
struct fault_text {
	char name[72];
	const char *why;
};

static void fault_level(struct fault_text *t, const char *what, unsigned int level,
			const char *why)
{
	tg_snprintf(t->name, sizeof(t->name), "%s, level %u", what, level);
	t->why = why;
}

static void fault_plain(struct fault_text *t, const char *what, const char *why)
{
	tg_snprintf(t->name, sizeof(t->name), "%s", what);
	t->why = why;
}

static const char why_translation[] =
	"no valid mapping: the page tables have no entry for this address "
	"(unmapped memory or a bad pointer)";
static const char why_access_flag[] =
	"the mapping exists but its access flag is clear";
static const char why_permission[] =
	"the mapping exists but forbids this access (write to read-only "
	"memory, or executing device/execute-never memory)";
static const char why_addr_size[] =
	"an address or table address is wider than the configured address size";
static const char why_walk_abort[] =
	"the CPU could not read the page tables themselves (bad table address)";
static const char why_walk_parity[] =
	"memory error (parity/ECC) while reading the page tables";
static const char why_sync_ext[] =
	"the memory system answered with an error: nothing is at this physical "
	"address, or the device refused the access (size, state, PCI master abort)";
static const char why_async_ext[] =
	"an earlier write was answered with an error; the pc below is where the "
	"CPU noticed, not the instruction that caused it";
static const char why_parity[] =
	"memory error (parity/ECC) on the access";
static const char why_alignment[] =
	"the address is not a multiple of the access size, and this access must "
	"be aligned (device memory, MMU off, LDRD/LDM/exclusive access)";
static const char why_debug[] = "a breakpoint or watchpoint fired";
static const char why_tlb_conflict[] =
	"two TLB entries overlap for this address (page tables changed without "
	"break-before-make)";
static const char why_domain[] =
	"the page's domain is set to no access (short-descriptor tables)";
static const char why_impdef[] = "implementation-defined fault";
static const char why_unknown[] = "reserved or unknown fault status encoding";

/* DFSR/IFSR with FSR.LPAE = 1 (TTBCR.EAE = 1: Tollgate's format). */
static void decode_long(uint32_t fsr, struct fault_text *t)
{
	unsigned int status = fsr & 0x3f;
	unsigned int level = status & 3;

	switch (status >> 2) {
	case 0x0:
		fault_level(t, "address size fault", level, why_addr_size);
		return;
	case 0x1:
		fault_level(t, "translation fault", level, why_translation);
		return;
	case 0x2:
		fault_level(t, "access flag fault", level, why_access_flag);
		return;
	case 0x3:
		fault_level(t, "permission fault", level, why_permission);
		return;
	case 0x5:
		fault_level(t, "synchronous external abort on translation table walk",
			    level, why_walk_abort);
		return;
	case 0x7:
		fault_level(t, "parity/ECC error on translation table walk", level,
			    why_walk_parity);
		return;
	default:
		break;
	}
	switch (status) {
	case 0x10:
		fault_plain(t, "synchronous external abort", why_sync_ext);
		return;
	case 0x11:
		fault_plain(t, "asynchronous external abort (SError)", why_async_ext);
		return;
	case 0x18:
		fault_plain(t, "synchronous parity/ECC error", why_parity);
		return;
	case 0x19:
		fault_plain(t, "asynchronous parity/ECC error", why_parity);
		return;
	case 0x21:
		fault_plain(t, "alignment fault", why_alignment);
		return;
	case 0x22:
		fault_plain(t, "debug event", why_debug);
		return;
	case 0x30:
		fault_plain(t, "TLB conflict abort", why_tlb_conflict);
		return;
	case 0x34:
		fault_plain(t, "lockdown abort", why_impdef);
		return;
	case 0x3a:
		fault_plain(t, "coprocessor abort", why_impdef);
		return;
	default:
		tg_snprintf(t->name, sizeof(t->name), "unknown fault status 0x%02x", status);
		t->why = why_unknown;
		return;
	}
}

/* DFSR/IFSR with FSR.LPAE = 0 (short-descriptor format, before TTBCR.EAE). */
static void decode_short(uint32_t fsr, struct fault_text *t)
{
	unsigned int fs = ((fsr >> 6) & 0x10) | (fsr & 0xf);

	switch (fs) {
	case 0x01: fault_plain(t, "alignment fault", why_alignment); return;
	case 0x02: fault_plain(t, "debug event", why_debug); return;
	case 0x03: fault_level(t, "access flag fault", 1, why_access_flag); return;
	case 0x06: fault_level(t, "access flag fault", 2, why_access_flag); return;
	case 0x04:
		fault_plain(t, "fault on instruction cache maintenance", why_translation);
		return;
	case 0x05: fault_level(t, "translation fault", 1, why_translation); return;
	case 0x07: fault_level(t, "translation fault", 2, why_translation); return;
	case 0x08: fault_plain(t, "synchronous external abort", why_sync_ext); return;
	case 0x09: fault_level(t, "domain fault", 1, why_domain); return;
	case 0x0b: fault_level(t, "domain fault", 2, why_domain); return;
	case 0x0c:
		fault_level(t, "synchronous external abort on translation table walk",
			    1, why_walk_abort);
		return;
	case 0x0e:
		fault_level(t, "synchronous external abort on translation table walk",
			    2, why_walk_abort);
		return;
	case 0x0d: fault_level(t, "permission fault", 1, why_permission); return;
	case 0x0f: fault_level(t, "permission fault", 2, why_permission); return;
	case 0x10: fault_plain(t, "TLB conflict abort", why_tlb_conflict); return;
	case 0x14: fault_plain(t, "lockdown abort", why_impdef); return;
	case 0x16:
		fault_plain(t, "asynchronous external abort (SError)", why_async_ext);
		return;
	case 0x18: fault_plain(t, "asynchronous parity/ECC error", why_parity); return;
	case 0x19: fault_plain(t, "synchronous parity/ECC error", why_parity); return;
	case 0x1a: fault_plain(t, "coprocessor abort", why_impdef); return;
	case 0x1c:
		fault_level(t, "parity/ECC error on translation table walk", 1,
			    why_walk_parity);
		return;
	case 0x1e:
		fault_level(t, "parity/ECC error on translation table walk", 2,
			    why_walk_parity);
		return;
	default:
		tg_snprintf(t->name, sizeof(t->name), "unknown fault status 0x%02x", fs);
		t->why = why_unknown;
		return;
	}
}

static void decode_fsr(uint32_t fsr, struct fault_text *t)
{
	if (fsr & FSR_LPAE)
		decode_long(fsr, t);
	else
		decode_short(fsr, t);
}

static void print_fsr(const char *reg, uint32_t fsr, bool data)
{
	if (fsr & FSR_LPAE)
		tg_printf("  status:  %s 0x%08x (long-descriptor format, STATUS 0x%02x",
			  reg, U(fsr), U(fsr & 0x3f));
	else
		tg_printf("  status:  %s 0x%08x (short-descriptor format, FS 0x%02x",
			  reg, U(fsr), U(((fsr >> 6) & 0x10) | (fsr & 0xf)));
	if (data)
		tg_printf(", WnR %u, CM %u", U((fsr & FSR_WNR) != 0), U((fsr & FSR_CM) != 0));
	tg_printf(", ExT %u)\n", U((fsr & FSR_EXT) != 0));
}

static bool is_thumb(const struct arm_exc_frame *f)
{
	return (f->spsr & PSR_T) != 0;
}

/* Address of the instruction the exception is about (see the Arm ARM's
 * table of exception return offsets). */
static uint32_t fault_pc(const struct arm_exc_frame *f, unsigned int kind)
{
	switch (kind) {
	case ARM_EXC_UNDEF:
	case ARM_EXC_SVC:
		return f->exc_lr - (is_thumb(f) ? 2 : 4);
	case ARM_EXC_PABT:
	case ARM_EXC_IRQ:
	case ARM_EXC_FIQ:
		return f->exc_lr - 4;
	case ARM_EXC_DABT:
		return f->exc_lr - 8;
	default:
		return f->exc_lr;
	}
}

/* The instruction at pc; *len gets 2 or 4 bytes. */
static uint32_t fetch_insn(const struct arm_exc_frame *f, uint32_t pc, unsigned int *len)
{
	if (is_thumb(f)) {
		const volatile uint16_t *p = (const volatile uint16_t *)(uintptr_t)(pc & ~1u);
		uint32_t hw = p[0];

		if ((hw >> 11) >= 0x1d) {	/* 0b11101/0b11110/0b11111: 32-bit */
			*len = 4;
			return (hw << 16) | p[1];
		}
		*len = 2;
		return hw;
	}
	*len = 4;
	return *(const volatile uint32_t *)(uintptr_t)(pc & ~3u);
}

static bool same_bank(uint32_t a, uint32_t b)
{
	a &= PSR_MODE_MASK;
	b &= PSR_MODE_MASK;
	if (a == PSR_MODE_USR)
		a = PSR_MODE_SYS;
	if (b == PSR_MODE_USR)
		b = PSR_MODE_SYS;
	return a == b;
}

static void print_psr(uint32_t psr)
{
	tg_printf("  cpsr:    0x%08x = %s mode, %s state, flags N=%u Z=%u C=%u V=%u, "
		  "IRQs %s, FIQs %s, SErrors %s\n", U(psr), arm_mode_name(psr),
		  (psr & PSR_T) ? "Thumb" : "ARM",
		  U((psr >> 31) & 1), U((psr >> 30) & 1), U((psr >> 29) & 1), U((psr >> 28) & 1),
		  (psr & PSR_I) ? "masked" : "enabled", (psr & PSR_F) ? "masked" : "enabled",
		  (psr & PSR_A) ? "masked" : "enabled");
}

static const char *const reg_names[13] = {
	"r0 ", "r1 ", "r2 ", "r3 ", "r4 ", "r5 ", "r6 ",
	"r7 ", "r8 ", "r9 ", "r10", "r11", "r12",
};

static void print_registers(const struct arm_exc_frame *f, uint32_t pc)
{
	bool same = same_bank(f->spsr, f->cpsr);
	uint32_t sp = same ? (uint32_t)(uintptr_t)f + FRAME_SIZE : f->sp;
	unsigned int i;

	tg_printf("  registers of the interrupted code (%s mode):\n", arm_mode_name(f->spsr));
	for (i = 0; i < 13; i++)
		tg_printf("%s%s 0x%08x%s", (i % 4) == 0 ? "    " : "  ", reg_names[i],
			  U(f->r[i]), (i % 4) == 3 ? "\n" : "");
	tg_printf("  sp  0x%08x\n", U(sp));
	if (same)
		tg_printf("    lr  (lost: the exception itself overwrote it)  pc  0x%08x\n",
			  U(pc));
	else
		tg_printf("    lr  0x%08x  pc  0x%08x\n", U(f->lr), U(pc));
	if (!same && f->sp == 0 && f->lr == 0)
		tg_printf("    (sp/lr of %s mode cannot be read from here)\n",
			  arm_mode_name(f->spsr));
}

/*
 * A semihosting call reaches the SVC vector only when QEMU was started
 * without -semihosting.  Answer -1 (the semihosting error value) rather
 * than crash, so a test image run by hand just loses its exit code.
 */
static bool semihost_unanswered(struct arm_exc_frame *f, uint32_t pc)
{
	static bool warned;
	unsigned int len;
	uint32_t insn = fetch_insn(f, pc, &len);
	bool semihost = is_thumb(f) ? (insn & 0xff) == SEMIHOST_SVC_THUMB
				    : (insn & 0xffffff) == SEMIHOST_SVC_ARM;

	if (!semihost)
		return false;
	if (!warned) {
		warned = true;
		tg_printf("tollgate: semihosting call 0x%02x ignored: QEMU runs without "
			  "-semihosting\n", U(f->r[0]));
	}
	f->r[0] = (uint32_t)-1;
	return true;
}

static volatile unsigned int crash_depth;

int tg_arm_exception(struct arm_exc_frame *f, unsigned int kind)
{
	struct fault_text t;
	uint32_t pc = fault_pc(f, kind);
	uint32_t fsr, far;
	unsigned int len;
	uint32_t insn;

	if (kind == ARM_EXC_SVC && semihost_unanswered(f, pc))
		return 1;

	/* A fault while printing the report: say so once, then stop quietly. */
	if (crash_depth++ != 0) {
		if (crash_depth == 2)
			tg_printf("\n*** another exception (vector 0x%02x, pc 0x%08x) while "
				  "printing the report above; CPU halted ***\n",
				  kind * 4, U(pc));
		arch_halt();
	}

	tg_printf("\n");
	tg_printf("========================================================================\n");
	switch (kind) {
	case ARM_EXC_DABT:
		fsr = read_dfsr();
		far = read_dfar();
		decode_fsr(fsr, &t);
		tg_printf("CPU EXCEPTION: data abort\n");
		tg_printf("A load or store instruction could not access memory.\n");
		if (fsr & FSR_CM)
			tg_printf("  access:  cache maintenance on address 0x%08x (DFAR)\n",
				  U(far));
		else
			tg_printf("  access:  %s address 0x%08x (DFAR)\n",
				  (fsr & FSR_WNR) ? "write to" : "read from", U(far));
		tg_printf("  cause:   %s\n           %s\n", t.name, t.why);
		if (far < 0x1000 && (fsr & FSR_LPAE) && (fsr & 0x3c) == 0x04)
			tg_printf("  hint:    the address is in the first page: most likely a "
				  "NULL pointer\n");
		print_fsr("DFSR", fsr, true);
		break;
	case ARM_EXC_PABT:
		fsr = read_ifsr();
		far = read_ifar();
		decode_fsr(fsr, &t);
		tg_printf("CPU EXCEPTION: prefetch abort\n");
		tg_printf("The CPU could not fetch the next instruction to execute.\n");
		tg_printf("  access:  instruction fetch from address 0x%08x (IFAR)\n", U(far));
		tg_printf("  cause:   %s\n           %s\n", t.name, t.why);
		if (far < 0x1000)
			tg_printf("  hint:    jumped into the first page: most likely a call "
				  "through a NULL function pointer\n");
		print_fsr("IFSR", fsr, false);
		break;
	case ARM_EXC_UNDEF:
		insn = fetch_insn(f, pc, &len);
		tg_printf("CPU EXCEPTION: undefined instruction\n");
		tg_printf("The CPU met an instruction it cannot execute in this mode.\n");
		if (len == 2)
			tg_printf("  insn:    0x%04x (16-bit Thumb) at 0x%08x\n", U(insn), U(pc));
		else
			tg_printf("  insn:    0x%08x (%s) at 0x%08x\n", U(insn),
				  is_thumb(f) ? "32-bit Thumb" : "ARM", U(pc));
		tg_printf("  cause:   not an instruction, a trap (e.g. __builtin_trap), or a\n"
			  "           system register or coprocessor this CPU does not have\n");
		break;
	case ARM_EXC_SVC:
		insn = fetch_insn(f, pc, &len);
		tg_printf("CPU EXCEPTION: supervisor call (SVC)\n");
		tg_printf("An SVC #0x%x instruction was executed; Tollgate makes no system "
			  "calls.\n", U(is_thumb(f) ? (insn & 0xff) : (insn & 0xffffff)));
		break;
	case ARM_EXC_FIQ:
		tg_printf("CPU EXCEPTION: FIQ (fast interrupt)\n");
		tg_printf("Tollgate never routes interrupts as FIQ: the interrupt controller\n"
			  "signalled one anyway (group 0 interrupt enabled?).\n");
		break;
	default:
		tg_printf("CPU EXCEPTION: unexpected vector at offset 0x%02x\n", kind * 4);
		tg_printf("This vector is never used by this CPU: a stray branch into the\n"
			  "vector table, or VBAR points to the wrong place.\n");
		break;
	}
	tg_printf("  where:   %s pc 0x%08x (%s code), in %s mode\n",
		  kind == ARM_EXC_FIQ ? "interrupted at" : "instruction at", U(pc),
		  is_thumb(f) ? "Thumb" : "ARM", mode_long_name(f->spsr));
	print_psr(f->spsr);
	print_registers(f, pc);
	tg_printf("The CPU has been halted.\n");
	tg_printf("========================================================================\n");
	arch_halt();
}
