/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCIe host bridges, enumeration and the device model.
 *
 * A host bridge is described by the DT (pci-host-ecam-generic) or built by
 * a board/test, and reaches config space through pci_host_ops: ECAM is the
 * first implementation; controllers with their own access method plug in
 * there without touching enumeration.  Enumeration assigns bus numbers,
 * BARs and bridge windows, records capabilities, turns ACS isolation on,
 * and translates each function's requester ID to its StreamID (iommu-map)
 * and MSI DeviceID (msi-map).  No heap: devices come from a static pool.
 */
#ifndef TOLLGATE_PCI_H
#define TOLLGATE_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fdt;
struct pci_host;

#define PCI_MAX_HOSTS		4
#define PCI_MAX_DEVICES		128
#define PCI_MAX_WINDOWS		8
#define PCI_MAX_DMA_RANGES	8
#define PCI_NUM_BARS		6

#define PCI_DEVFN(dev, fn)	((uint8_t)(((dev) << 3) | (fn)))
#define PCI_SLOT(devfn)		(((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)		((devfn) & 7)
#define PCI_RID(bus, devfn)	((uint32_t)(bus) << 8 | (devfn))

/* Config-space access for one host bridge (Zephyr-style controller ops). */
struct pci_host_ops {
	const char *name;
	/* size is 1, 2 or 4 and off is naturally aligned; *val gets all-ones
	 * when nothing answers, as hardware does. */
	int (*read)(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		    unsigned int size, uint32_t *val);
	int (*write)(struct pci_host *host, uint8_t bus, uint8_t devfn, uint16_t off,
		     unsigned int size, uint32_t val);
};

enum pci_space { PCI_SPACE_IO, PCI_SPACE_MEM32, PCI_SPACE_MEM64 };

/* An outbound window: CPU addresses [cpu, cpu+size) reach PCI bus
 * addresses [bus, bus+size).  The two differ on many SoCs; never assume
 * they are equal. */
struct pci_window {
	enum pci_space space;
	bool prefetchable;
	uint64_t cpu_addr;
	uint64_t bus_addr;
	uint64_t size;
	uint64_t next;		/* enumeration allocator cursor (bus address) */
};

/* An inbound (dma-ranges) window: bus addresses devices may DMA to. */
struct pci_dma_range {
	uint64_t bus_addr;
	uint64_t cpu_addr;
	uint64_t size;
};

struct pci_host {
	const struct pci_host_ops *ops;
	void *ops_data;			/* the controller's private state */
	uint16_t segment;
	uint8_t bus_start, bus_end;	/* bus-range */
	uint64_t ecam_phys, ecam_size;
	volatile uint8_t *ecam;
	struct pci_window win[PCI_MAX_WINDOWS];
	unsigned int nwin;
	struct pci_dma_range dma[PCI_MAX_DMA_RANGES];
	unsigned int ndma;
	bool coherent;			/* dma-coherent */
	/* DT translation maps (node offsets; -1 when absent). */
	const struct fdt *fdt;
	int node;
	/* Policy: enable ACS isolation on every port that has it. */
	bool acs_isolation;
	/* Enumeration cost, for the log and the benchmarks. */
	unsigned long cfg_reads, cfg_writes;
	uint8_t last_bus;		/* highest bus number handed out */
	char name[32];			/* "4010000000.pcie" */
};

#define PCI_BAR_IO		(1u << 0)
#define PCI_BAR_MEM64		(1u << 1)
#define PCI_BAR_PREFETCH	(1u << 2)
#define PCI_BAR_ASSIGNED	(1u << 3)	/* has an address, decode on */
#define PCI_BAR_NOSPACE		(1u << 4)	/* sized, but no window room */
#define PCI_BAR_BROKEN		(1u << 5)	/* sizing returned nonsense */

struct pci_bar {
	uint64_t cpu_addr;
	uint64_t bus_addr;
	uint64_t size;			/* 0: BAR not implemented */
	uint32_t flags;
};

struct pci_dev {
	struct pci_host *host;
	struct pci_dev *parent;		/* upstream bridge; NULL on a root bus */
	uint8_t bus, devfn;
	uint16_t vendor, device;
	uint32_t class;			/* base:sub:prog-if, 24 bits */
	uint8_t revision;
	uint8_t hdr_type;		/* without the multi-function bit */
	bool multifunction;
	int8_t pcie_type;		/* PCI_EXP_TYPE_*, -1 for conventional PCI */
	uint8_t cap_pcie, cap_msi, cap_msix, cap_pm;
	uint16_t ecap_acs;
	uint16_t acs_cap, acs_ctrl;
	uint8_t intx_pin;		/* 1..4 = INTA..INTD, 0 = none */
	struct pci_bar bar[PCI_NUM_BARS];
	/* Type 1 only. */
	uint8_t secondary, subordinate;
	struct pci_bar win_io, win_mem, win_pref;
	/* Translated IDs. */
	uint32_t rid;
	bool has_sid;
	uint32_t sid;
	int iommu_node;			/* DT node of the SMMU, -1 if none */
	bool has_msi_id;
	uint32_t msi_id;
	int msi_node;
	unsigned int intx_intid;	/* GIC INTID, 0 if none/unknown */
	bool intx_edge;
	bool disabled;			/* left off: resources did not fit */
};

/* --- host bridges -------------------------------------------------------- */

/* Every available pci-host-ecam-generic node: probe, then enumerate.
 * Returns the number of host bridges found (0 is not an error). */
int pci_init_from_fdt(const struct fdt *fdt);
/* Fills `host` from one DT node (reg, bus-range, ranges, dma-ranges,
 * dma-coherent) and maps its ECAM.  TG_EFDT_PROP for malformed ranges. */
int pci_host_from_fdt(struct pci_host *host, const struct fdt *fdt, int node);
/* The ECAM implementation of pci_host_ops. */
extern const struct pci_host_ops pci_ecam_ops;

/* Scans the hierarchy below `host`, assigns bus numbers and resources,
 * registers every function.  Returns the number of functions found. */
int pci_enumerate(struct pci_host *host);

unsigned int pci_host_count(void);
struct pci_host *pci_host_get(unsigned int idx);
/* Registers a host built outside the DT (boards, tests). */
int pci_host_register(struct pci_host *host);
/* Forgets every host and device (tests). */
void pci_reset_all(void);

/* Translates a bus address inside one of the host's windows to a CPU
 * address and back; TG_ERANGE outside every window. */
int pci_bus_to_cpu(const struct pci_host *host, uint64_t bus, uint64_t *cpu);
int pci_cpu_to_bus(const struct pci_host *host, uint64_t cpu, uint64_t *bus);

/* --- the device model ------------------------------------------------------ */

unsigned int pci_dev_count(void);
struct pci_dev *pci_dev_get(unsigned int idx);
struct pci_dev *pci_find_bdf(uint16_t segment, uint8_t bus, uint8_t devfn);
/* Next device after `from` (NULL = first) with these IDs (0xffff = any). */
struct pci_dev *pci_find_id(uint16_t vendor, uint16_t device, struct pci_dev *from);
bool pci_is_bridge(const struct pci_dev *dev);
/* "0000:03:00.0" */
void pci_dev_name(const struct pci_dev *dev, char *buf, size_t len);

/* --- config access ---------------------------------------------------------- */

int pci_cfg_read8(struct pci_dev *dev, uint16_t off, uint8_t *val);
int pci_cfg_read16(struct pci_dev *dev, uint16_t off, uint16_t *val);
int pci_cfg_read32(struct pci_dev *dev, uint16_t off, uint32_t *val);
int pci_cfg_write8(struct pci_dev *dev, uint16_t off, uint8_t val);
int pci_cfg_write16(struct pci_dev *dev, uint16_t off, uint16_t val);
int pci_cfg_write32(struct pci_dev *dev, uint16_t off, uint32_t val);

/* Bus mastering stays off until a driver asks for it. */
int pci_set_master(struct pci_dev *dev, bool enable);

/* --- capabilities ------------------------------------------------------------ */

/* Offset of a standard / extended capability, or 0.  Walks are bounded and
 * stop at pointers below the header or revisited; the reserved low bits of
 * standard pointers are masked (PCI 3.0 6.7), misaligned extended pointers
 * end the walk. */
uint8_t pci_find_cap(struct pci_dev *dev, uint8_t id);
uint16_t pci_find_ext_cap(struct pci_dev *dev, uint16_t id);

/* True if some port between `a` and `b` (inclusive of the ports below
 * their common upstream bridge) redirects peer-to-peer requests or
 * completions upstream (ACS RR/CR enabled), so their traffic must go
 * through the root complex.  Devices on different host bridges: true. */
bool pci_p2p_path_redirects(const struct pci_dev *a, const struct pci_dev *b);
/* The nearest common upstream bridge, or NULL when they share only the
 * root bus (or different hosts). */
struct pci_dev *pci_common_upstream(const struct pci_dev *a, const struct pci_dev *b);

#endif
