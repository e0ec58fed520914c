/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EL1 exception handling: IRQs go to the interrupt controller driver,
 * everything else is a crash and gets a report written for a person:
 * what happened (exception class and fault decoded from ESR_EL1, Arm ARM
 * D17.2.37), where (ELR, FAR), and the full register file.
 */
#include <stdint.h>

#include <tollgate/arch.h>
#include <tollgate/log.h>

struct arch_frame {
	uint64_t x[31];
	uint64_t sp;
	uint64_t elr;
	uint64_t spsr;
	uint64_t esr;
	uint64_t far;
	uint64_t q[32][2];
	uint64_t fpsr;
	uint64_t fpcr;
};

void arch_exception(unsigned long kind, struct arch_frame *frame);

static const char *const vector_names[16] = {
	"synchronous (SP_EL0)", "IRQ (SP_EL0)", "FIQ (SP_EL0)", "SError (SP_EL0)",
	"synchronous", "IRQ", "FIQ", "SError",
	"synchronous from EL0", "IRQ from EL0", "FIQ from EL0", "SError from EL0",
	"synchronous from AArch32 EL0", "IRQ from AArch32 EL0",
	"FIQ from AArch32 EL0", "SError from AArch32 EL0",
};

/* ESR_ELx.EC values, Arm ARM D17.2.37. */
static const char *exception_class(unsigned ec)
{
	switch (ec) {
	case 0x00: return "unknown reason (undefined instruction?)";
	case 0x01: return "trapped WFI/WFE";
	case 0x07: return "FP/SIMD access trapped";
	case 0x0e: return "illegal execution state";
	case 0x15: return "SVC instruction";
	case 0x16: return "HVC instruction";
	case 0x17: return "SMC instruction";
	case 0x18: return "trapped MSR/MRS/system instruction";
	case 0x20: return "instruction abort from a lower EL";
	case 0x21: return "instruction abort";
	case 0x22: return "PC alignment fault";
	case 0x24: return "data abort from a lower EL";
	case 0x25: return "data abort";
	case 0x26: return "SP alignment fault";
	case 0x2c: return "floating-point exception";
	case 0x2f: return "SError interrupt";
	case 0x30: case 0x31: return "breakpoint";
	case 0x32: case 0x33: return "software step";
	case 0x34: case 0x35: return "watchpoint";
	case 0x3c: return "BRK instruction";
	default:   return "reserved exception class";
	}
}

/* Data/instruction fault status code (ISS.DFSC/IFSC), Arm ARM D17.2.37. */
static void describe_fault(unsigned fsc, char *buf, size_t len)
{
	static const char *const kinds[4] = {
		"address size fault", "translation fault",
		"access flag fault", "permission fault",
	};

	if (fsc < 0x10) {
		tg_snprintf(buf, len, "%s at level %u", kinds[fsc >> 2], fsc & 3);
		return;
	}
	switch (fsc) {
	case 0x10: tg_snprintf(buf, len, "synchronous external abort"); break;
	case 0x11: tg_snprintf(buf, len, "synchronous tag check fault"); break;
	case 0x14: case 0x15: case 0x16: case 0x17:
		tg_snprintf(buf, len, "external abort on table walk at level %u", fsc & 3);
		break;
	case 0x18: tg_snprintf(buf, len, "synchronous parity/ECC error"); break;
	case 0x21: tg_snprintf(buf, len, "alignment fault"); break;
	case 0x30: tg_snprintf(buf, len, "TLB conflict abort"); break;
	case 0x31: tg_snprintf(buf, len, "unsupported atomic hardware update"); break;
	default:   tg_snprintf(buf, len, "fault status 0x%02x", fsc); break;
	}
}

static void report_crash(unsigned long kind, const struct arch_frame *f)
{
	unsigned ec = (unsigned)(f->esr >> 26) & 0x3f;
	unsigned iss = (unsigned)f->esr & 0x1ffffff;

	tg_printf("\n*** Tollgate crashed: %s exception at EL1 ***\n",
		  kind < 16 ? vector_names[kind] : "?");
	tg_printf("  cause : %s (EC 0x%02x)\n", exception_class(ec), ec);
	if (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25) {
		char fault[64];
		describe_fault(iss & 0x3f, fault, sizeof(fault));
		bool is_data = ec == 0x24 || ec == 0x25;
		tg_printf("  fault : %s%s\n", fault,
			  is_data ? ((iss & (1u << 6)) ? " on a write" : " on a read") : "");
		tg_printf("  address (FAR_EL1): 0x%016llx%s\n", (unsigned long long)f->far,
			  (iss & (1u << 10)) ? " (not valid)" : "");
	}
	tg_printf("  ESR_EL1 0x%08llx  ELR_EL1 0x%016llx  SPSR 0x%08llx\n",
		  (unsigned long long)f->esr, (unsigned long long)f->elr,
		  (unsigned long long)f->spsr);
	for (int i = 0; i < 31; i += 2) {
		if (i == 30)
			tg_printf("  x30 %016llx  sp  %016llx\n",
				  (unsigned long long)f->x[30], (unsigned long long)f->sp);
		else
			tg_printf("  x%-2d %016llx  x%-2d %016llx\n", i,
				  (unsigned long long)f->x[i], i + 1,
				  (unsigned long long)f->x[i + 1]);
	}
	tg_printf("  where : aarch64-linux-gnu-addr2line -fe tollgate.elf 0x%llx\n",
		  (unsigned long long)f->elr);
	tg_printf("System halted.\n");
}

void arch_exception(unsigned long kind, struct arch_frame *frame)
{
	if (kind == 5) {	/* IRQ taken at EL1 on SP_EL1: the normal case */
		irq_handle();
		return;
	}
	report_crash(kind, frame);
	arch_halt();
}
