/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What each ISA's boot/<arch>/ directory provides to the rest of Tollgate.
 * Everything above this line of the stack is ISA-neutral C.
 */
#ifndef TOLLGATE_ARCH_H
#define TOLLGATE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/memmap.h>

/* --- CPU identity -------------------------------------------------------- */

/* One line for the boot log: "Cortex-A57 r1p0 (MIDR 0x411fd070)". */
void arch_cpu_describe(char *buf, size_t len);
/* "EL1 (entered at EL2)" / "SVC" ... */
void arch_mode_describe(char *buf, size_t len);

/* --- MMU and caches -------------------------------------------------------- */

/*
 * Builds the translation tables for the given map (normal write-back RAM,
 * device-nGnRE MMIO) and turns on the MMU, the caches and branch prediction.
 * May be called again with the MMU on: a fresh table set, tagged with a new
 * ASID and made of non-global entries, replaces the old one, so the two
 * never meet in the TLB.  Fails with TG_ENOMEM when the static table pool
 * is too small and TG_ERANGE when a region is beyond the PA size; on
 * failure the tables in use are unchanged.
 */
int arch_mmu_enable(const struct tg_memmap *map);

/* Maps a device range at run time (ioremap's back end). */
void *arch_map_device(uint64_t phys, size_t size);

/*
 * Cache maintenance to the point of coherency, by virtual address range.
 * Any alignment; whole lines containing the range are affected, so
 * callers invalidating must own the full lines.
 */
void arch_dcache_clean_range(uintptr_t start, size_t len);
void arch_dcache_inval_range(uintptr_t start, size_t len);
void arch_dcache_clean_inval_range(uintptr_t start, size_t len);
/* Smallest data cache line size in bytes (from CTR). */
size_t arch_dcache_line_size(void);

/* --- interrupts, barriers, idle ---------------------------------------------- */

/* arch_dsb(): include/tollgate/barrier.h, shared with the core. */
#include <tollgate/barrier.h>

void arch_irq_enable(void);
void arch_irq_disable(void);
/* Returns the previous state for arch_irq_restore. */
unsigned long arch_irq_save(void);
void arch_irq_restore(unsigned long flags);
void arch_wait_for_interrupt(void);
/* Stops this CPU for good (interrupts masked, WFI loop). */
__attribute__((noreturn)) void arch_halt(void);

/* --- generic timer (virtual counter/timer at EL1/PL1) ------------------------ */

uint64_t arch_counter_read(void);
uint32_t arch_counter_freq(void);
void arch_vtimer_set_tval(uint32_t ticks);
void arch_vtimer_set_ctl(uint32_t ctl);

/* --- GICv3 CPU interface system registers ----------------------------------- */

void arch_gicv3_write_sre(uint32_t val);
uint32_t arch_gicv3_read_sre(void);
void arch_gicv3_write_pmr(uint32_t val);
void arch_gicv3_write_bpr1(uint32_t val);
void arch_gicv3_write_igrpen1(uint32_t val);
uint32_t arch_gicv3_read_iar1(void);
void arch_gicv3_write_eoir1(uint32_t val);
void arch_gicv3_write_ctlr(uint32_t val);
/* MPIDR affinity in GICD_IROUTER / GICR_TYPER layout (Aff3:Aff2:Aff1:Aff0). */
uint64_t arch_cpu_affinity(void);

/* --- firmware calls ---------------------------------------------------------- */

enum arch_conduit { ARCH_CONDUIT_HVC, ARCH_CONDUIT_SMC };
/* SMCCC call: returns x0/r0. */
unsigned long arch_smccc(enum arch_conduit conduit, unsigned long fn,
			 unsigned long a1, unsigned long a2, unsigned long a3);
/* Arm semihosting trap (test image only). */
long arch_semihost(unsigned long op, void *param);

/* --- exception entry hooks (implemented in C, called from vectors) ---------- */

/* The interrupt controller driver's top-level handler. */
void irq_handle(void);

#endif
