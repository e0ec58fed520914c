/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A simulated PCIe configuration space for the host tests of pci/.
 *
 * Functions are 4 KiB byte arrays with a per-bit write mask, so every
 * register behaves as hardware does: read-only bits keep their value,
 * BARs size by their writable bits, bridge windows keep their fixed low
 * nibbles.  Config accesses are routed like a real hierarchy: the root
 * bus is host->bus_start; a bridge passes an access for bus N down only
 * when its secondary == N (type 0 on its secondary bus) or secondary < N
 * <= subordinate (type 1 further down), so devices behind unprogrammed
 * bridges do not answer.  Whatever does not answer reads all-ones.
 *
 * Every access is counted: per function, per (simulated bus, devfn) slot
 * (present or not), and globally, so tests can bound enumeration cost.
 *
 * The second half of this header is a set of checkers that walk the
 * simulator's registers (never the pci.c device records) and assert the
 * invariants of a correct enumeration with cmocka.
 */
#ifndef TOLLGATE_TESTS_HOST_PCI_SIM_H
#define TOLLGATE_TESTS_HOST_PCI_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/pci.h>

struct sim;
struct sim_bus;
struct sim_fn;

/* --- building ---------------------------------------------------------------- */

struct sim *sim_new(void);
void sim_free(struct sim *sim);
/* cmocka teardown: frees every simulator still alive, forgets all hosts.
 * PCI_TEST(fn) is a test case with it. */
int sim_teardown(void **state);
#define PCI_TEST(fn) cmocka_unit_test_teardown(fn, sim_teardown)
/* Makes `host` use the simulator: ops, ops_data. */
void sim_attach(struct sim *sim, struct pci_host *host);
extern const struct pci_host_ops sim_ops;

/* The root bus (number host->bus_start at access time). */
struct sim_bus *sim_root(struct sim *sim);
/* An expander root bus (QEMU pxb-pcie) with a fixed number, reached
 * without any bridge. */
struct sim_bus *sim_add_expander(struct sim *sim, uint8_t number);
/* The bus on the secondary side of a bridge. */
struct sim_bus *sim_below(struct sim_fn *bridge);

/*
 * A type 0 function.  Adding function > 0 sets the multi-function bit of
 * function 0 of that slot (now or when function 0 is added later), unless
 * sim_set_multifunction() says otherwise.  Aborts on a duplicate slot.
 */
struct sim_fn *sim_add_ep(struct sim_bus *bus, unsigned int dev, unsigned int fn,
			  uint16_t vendor, uint16_t device, uint32_t class);

/* A type 1 function with I/O (32-bit capable), memory and 64-bit
 * prefetchable windows, class 0x060400.  Its secondary bus is sim_below(). */
#define SIM_BR_NO_IO	(1u << 0)	/* I/O window not implemented (RO 0) */
#define SIM_BR_NO_PREF	(1u << 1)	/* prefetchable window not implemented */
#define SIM_BR_PREF32	(1u << 2)	/* prefetchable window 32-bit only */
#define SIM_BR_IO16	(1u << 3)	/* I/O window 16-bit only */
struct sim_fn *sim_add_bridge(struct sim_bus *bus, unsigned int dev, unsigned int fn,
			      uint16_t vendor, uint16_t device, unsigned int flags);

/* A PCIe port: a bridge with a PCIe capability of `type` at 0x40. */
struct sim_fn *sim_add_port(struct sim_bus *bus, unsigned int dev, unsigned int fn,
			    uint16_t vendor, uint16_t device, unsigned int pcie_type);

void sim_set_multifunction(struct sim_fn *f, bool on);

/* BARs.  size is a power of two (>= 16 for memory, >= 4 for I/O). */
#define SIM_BAR_IO	(1u << 0)
#define SIM_BAR_MEM64	(1u << 1)
#define SIM_BAR_PREF	(1u << 2)
#define SIM_BAR_IO16	(1u << 3)	/* I/O BAR with bits 31:16 hardwired 0 */
void sim_add_bar(struct sim_fn *f, unsigned int idx, uint64_t size, unsigned int flags);
/* A raw BAR dword: `ro` are the read-only bits (type bits and whatever
 * they read as), `wmask` the writable ones.  For nonsense sizing. */
void sim_bar_raw(struct sim_fn *f, unsigned int idx, uint32_t ro, uint32_t wmask);

void sim_set_intx_pin(struct sim_fn *f, uint8_t pin);

/* Capabilities are appended to the list in the order added; `off` is the
 * offset, `len` its size in bytes.  Returns off. */
uint8_t sim_add_cap(struct sim_fn *f, uint8_t off, uint8_t id, unsigned int len);
/* PCIe capability (v2, 0x3c bytes) with the given port type. */
uint8_t sim_add_pcie(struct sim_fn *f, uint8_t off, unsigned int type);
uint8_t sim_add_msi(struct sim_fn *f, uint8_t off);
uint8_t sim_add_msix(struct sim_fn *f, uint8_t off);
uint8_t sim_add_pm(struct sim_fn *f, uint8_t off);
/* Extended capabilities, chained from 0x100 in the order added. */
uint16_t sim_add_ext_cap(struct sim_fn *f, uint16_t off, uint16_t id, unsigned int len);
/* ACS: capability register `cap`, control initially `ctrl`.  Control bits
 * the capability does not advertise are hardwired 0; writing 1 to them is
 * counted as a violation (sim_violations()). */
uint16_t sim_add_acs(struct sim_fn *f, uint16_t off, uint16_t cap, uint16_t ctrl);

/* Raw register storage (read-only unless sim_wmask says otherwise). */
void sim_poke8(struct sim_fn *f, uint16_t off, uint8_t v);
void sim_poke16(struct sim_fn *f, uint16_t off, uint16_t v);
void sim_poke32(struct sim_fn *f, uint16_t off, uint32_t v);
void sim_wmask32(struct sim_fn *f, uint16_t off, uint32_t wmask);

/* --- hostile modes ------------------------------------------------------- */

/* Every read at offset >= 4 returns all-ones; writes are dropped. */
#define SIM_H_ONES_AFTER_ID	(1u << 0)
/* Function 0 answers for functions 1-7 too (decodes the slot only);
 * its multi-function bit stays clear. */
#define SIM_H_ALIAS_FUNCS	(1u << 1)
/* Reads at 0x100 and above return all-ones (conventional PCI). */
#define SIM_H_NO_EXT_SPACE	(1u << 2)
void sim_set_hostile(struct sim_fn *f, unsigned int modes);

/* --- reading back ---------------------------------------------------------- */

uint32_t sim_peek(const struct sim_fn *f, uint16_t off, unsigned int size);
uint16_t sim_cmd(const struct sim_fn *f);
/* The bus address a BAR decodes (type bits masked; 64-bit BARs combine
 * both dwords). */
uint64_t sim_bar_addr(const struct sim_fn *f, unsigned int idx);
uint64_t sim_bar_size(const struct sim_fn *f, unsigned int idx);
unsigned int sim_bar_flags(const struct sim_fn *f, unsigned int idx);
uint8_t sim_primary(const struct sim_fn *f);
uint8_t sim_secondary(const struct sim_fn *f);
uint8_t sim_subordinate(const struct sim_fn *f);
/* A bridge window as the bridge decodes it: [*base, *limit]; false (and
 * base > limit) when disabled. */
bool sim_win_io(const struct sim_fn *f, uint64_t *base, uint64_t *limit);
bool sim_win_mem(const struct sim_fn *f, uint64_t *base, uint64_t *limit);
bool sim_win_pref(const struct sim_fn *f, uint64_t *base, uint64_t *limit);
uint16_t sim_acs_ctrl(const struct sim_fn *f);

bool sim_is_bridge(const struct sim_fn *f);
unsigned int sim_fn_devfn(const struct sim_fn *f);
struct sim_bus *sim_fn_bus(const struct sim_fn *f);
struct sim_fn *sim_bus_parent(const struct sim_bus *bus);	/* NULL: root */
/* The bus number the hierarchy currently routes to this simulated bus,
 * -1 if unreachable. */
int sim_bus_number(const struct sim *sim, const struct sim_bus *bus);
/* Function at devfn on this simulated bus (no aliasing), or NULL. */
struct sim_fn *sim_fn_at(const struct sim_bus *bus, unsigned int devfn);
unsigned int sim_ncaps(const struct sim_fn *f);		/* standard + extended */

/* Every function, in the order added. */
unsigned int sim_nfns(const struct sim *sim);
struct sim_fn *sim_fn_get(const struct sim *sim, unsigned int i);
const char *sim_fn_label(const struct sim_fn *f);
void sim_set_label(struct sim_fn *f, const char *label);

/* --- counters ------------------------------------------------------------- */

struct sim_stats {
	unsigned long reads, writes;
	unsigned long unrouted;		/* bus number nothing routes to */
	unsigned long out_of_range;	/* bus number outside bus-range */
	unsigned long bad_access;	/* size/alignment/offset the ops forbid */
	unsigned long conflicts;	/* two bridges claimed one bus number */
};
void sim_stats(const struct sim *sim, struct sim_stats *st);
void sim_reset_counters(struct sim *sim);
/* Accesses (reads + writes) that reached this function. */
unsigned long sim_fn_accesses(const struct sim_fn *f);
unsigned long sim_fn_writes_at(const struct sim_fn *f, uint16_t off);
/* Accesses routed to this simulated bus at devfn, present or not. */
unsigned long sim_slot_accesses(const struct sim_bus *bus, unsigned int devfn);
unsigned long sim_violations(const struct sim_fn *f);

/* --- checkers (cmocka assertions over the simulator's registers) ---------- */

/* The pci.c record of a simulated function at its current bus number. */
struct pci_dev *sim_model(const struct sim *sim, const struct pci_host *host,
			  const struct sim_fn *f);
/*
 * Everything a correct enumeration leaves behind:
 *  - routing consistent (no conflicts, no access out of bus-range) and
 *    every reachable bridge's subordinate exactly covers its subtree;
 *  - every model record matches a reachable simulated function and the
 *    other way round (except functions behind bridges that got no bus);
 *  - each assigned BAR: naturally aligned, inside a host window of the
 *    right kind, never at bus address 0, CPU = bus + window offset, the
 *    simulator register holds the bus address; no two ranges overlap;
 *  - each bridge window covers exactly its children (after 4 KiB / 1 MiB
 *    rounding), holds every child BAR and window, disabled when empty;
 *  - decode enabled exactly where resources of that kind were assigned,
 *    bus master off everywhere.
 * Returns the number of functions checked.
 */
unsigned int sim_check_all(const struct sim *sim, const struct pci_host *host);

/* --- hosts --------------------------------------------------------------- */

/* The windows of QEMU virt's host bridge: I/O at bus 0, 32-bit memory with
 * CPU == bus, 64-bit memory at 512 GiB. */
#define SIM_IO_CPU	0x3eff0000ull
#define SIM_IO_SIZE	0x10000ull
#define SIM_M32_BASE	0x10000000ull
#define SIM_M32_SIZE	0x2eff0000ull
#define SIM_M64_BASE	0x8000000000ull
#define SIM_M64_SIZE	0x8000000000ull
/* Zeroes `host`, attaches the simulator, bus-range 0-0xff, no DT maps,
 * and, when `windows`, the three windows above. */
void sim_host_init(struct pci_host *host, struct sim *sim, bool windows);
void sim_host_window(struct pci_host *host, enum pci_space space, uint64_t cpu, uint64_t bus,
		     uint64_t size);
/* pci_reset_all, register, enumerate; asserts success, returns the count. */
int sim_enumerate(struct pci_host *host);

/* --- host side stubs (console, timer, ioremap) ----------------------------- */

/* Log lines go to stdout when TG_PCI_LOG is set in the environment. */
void sim_log_enable(bool on);
/* ioremap() returns NULL; with this on, a fresh all-ones buffer (up to
 * 64 MiB; freed by sim_teardown) so DT hosts can be probed. */
void sim_fake_ioremap(bool on);

#endif
