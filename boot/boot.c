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
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/psci.h>
#include <tollgate/smmu.h>
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

/*
 * DMA and table memory: the largest stretch of the first RAM region that
 * holds neither the image nor the DTB.
 */
static void init_page_pool(const struct tg_memmap *map, uintptr_t dtb, uint32_t dtb_size)
{
	const struct tg_mem_region *ram = tg_memmap_ram(map);
	uint64_t img_lo = (uintptr_t)__image_start, img_hi = (uintptr_t)__image_end;
	uint64_t dtb_lo = dtb & ~0xfffull, dtb_hi = (dtb + dtb_size + 0xfff) & ~0xfffull;
	uint64_t best_lo = 0, best_hi = 0;
	uint64_t cuts[3][2] = { { ram->base, img_lo }, { img_hi, ram->base + ram->size }, { 0, 0 } };

	/* Split the part after the image around the DTB if it lies there. */
	if (dtb_lo >= img_hi && dtb_hi <= ram->base + ram->size) {
		cuts[1][1] = dtb_lo;
		cuts[2][0] = dtb_hi;
		cuts[2][1] = ram->base + ram->size;
	}
	for (unsigned i = 0; i < 3; i++) {
		uint64_t lo = (cuts[i][0] + 0xfff) & ~0xfffull, hi = cuts[i][1] & ~0xfffull;
		if (hi > lo && hi - lo > best_hi - best_lo) {
			best_lo = lo;
			best_hi = hi;
		}
	}
	if (best_hi > best_lo && page_alloc_init(best_lo, best_hi - best_lo) == TG_OK)
		pr_info("DMA pool: [mem 0x%08llx-0x%08llx] %llu pages\n", (unsigned long long)best_lo,
			(unsigned long long)(best_lo + page_alloc_total() * TG_PAGE_SIZE - 1),
			(unsigned long long)page_alloc_total());
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
	init_page_pool(&sys.memmap, dtb_phys, size);
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
	/* After enumeration: StreamIDs follow the final bus numbers. */
	err = smmu_init_from_fdt(&sys.fdt);
	if (err < 0)
		pr_err("arm-smmu-v3: %s\n", tg_strerror(err));

	tg_main(&sys);
}
