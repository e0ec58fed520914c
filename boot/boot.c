/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISA-neutral boot flow.  The device tree is untrusted input: it is
 * validated whole before anything is derived from it, and a bad blob ends
 * the boot with a message saying what is wrong and where, never a fault.
 *
 * The MMU goes on twice: first over just the image, the DTB and the early
 * console (so parsing runs on normal memory, where the C library's string
 * routines may use unaligned accesses), then over the full map from the DT.
 */
#include <board.h>
#include <tollgate/arch.h>
#include <tollgate/boot.h>
#include <tollgate/console.h>
#include <tollgate/error.h>
#include <tollgate/irq.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/psci.h>
#include <tollgate/timer.h>

/* A DTB larger than this is not plausible for a board and is rejected. */
#define DTB_MAX_SIZE	(8u << 20)

static struct tg_system sys;
static bool sys_valid;

const struct tg_system *tg_system(void)
{
	return sys_valid ? &sys : NULL;
}

static __attribute__((noreturn)) void boot_fatal(const char *what, int err, uint32_t detail)
{
	tg_printf("tollgate: FATAL: %s: %s", what, tg_strerror(err));
	if (detail)
		tg_printf(" (at byte offset 0x%x)", (unsigned)detail);
	tg_printf("\ntollgate: cannot continue without a usable device tree. System halted.\n");
	arch_halt();
}

static int early_mmu(uintptr_t dtb, uint32_t dtb_size)
{
	/* Static, not on the stack: zeroing a local would call memset with
	 * the MMU off, where memory is Device and unaligned stores fault. */
	static struct tg_memmap early;

	early.count = 0;
	early.region[early.count++] = (struct tg_mem_region){
		(uintptr_t)__image_start, (uint64_t)(__image_end - __image_start),
		TG_MEM_NORMAL, "image" };
	early.region[early.count++] = (struct tg_mem_region){
		dtb, dtb_size, TG_MEM_NORMAL, "dtb" };
	early.region[early.count++] = (struct tg_mem_region){
		BOARD_EARLYCON_PL011, 0x1000, TG_MEM_DEVICE, "earlycon" };
	return arch_mmu_enable(&early);
}

void tg_boot(uintptr_t dtb_phys)
{
	char what[96];

	console_init_early(BOARD_EARLYCON_PL011);

	uint32_t size = dtb_phys ? fdt_peek_totalsize((const void *)dtb_phys) : 0;
	tg_snprintf(what, sizeof(what), "device tree at 0x%lx is unusable", (unsigned long)dtb_phys);
	if (!dtb_phys)
		boot_fatal("no device tree passed by the boot loader (DTB pointer is 0)", TG_EINVAL, 0);
	if (!size)
		boot_fatal(what, TG_EFDT_MAGIC, 0);
	if (size > DTB_MAX_SIZE)
		boot_fatal(what, TG_EFDT_LAYOUT, 4);

	int err = early_mmu(dtb_phys, size);
	if (err)
		boot_fatal("cannot map the image and the device tree", err, 0);

	uint32_t detail = 0;
	err = fdt_open(&sys.fdt, (const void *)dtb_phys, size, &detail);
	if (err)
		boot_fatal(what, err, detail);
	sys.dtb_phys = dtb_phys;

	err = tg_memmap_from_fdt(&sys.fdt, &sys.memmap);
	if (err)
		boot_fatal("device tree gives no usable memory map", err, 0);
	err = arch_mmu_enable(&sys.memmap);
	if (err)
		boot_fatal("cannot build the MMU tables for the device tree's memory map", err, 0);
	sys_valid = true;

	if (console_init_from_fdt(&sys.fdt))
		pr_warn("console: no usable stdout-path, staying on the early PL011\n");
	bootlog_print(&sys);
	err = timer_init(&sys.fdt);
	if (err)
		pr_err("arch_timer: %s: delays and time-outs use CNTFRQ as is\n", tg_strerror(err));

	err = irq_init_from_fdt(&sys.fdt);
	if (err)
		pr_err("irq: no usable interrupt controller: %s\n", tg_strerror(err));
	err = psci_init_from_fdt(&sys.fdt);
	if (err)
		pr_warn("psci: not available (%s): poweroff and reset will not work\n",
			tg_strerror(err));
	arch_irq_enable();

	err = pci_init_from_fdt(&sys.fdt);
	if (err < 0)
		pr_err("pci: %s\n", tg_strerror(err));

	tg_main(&sys);
}
