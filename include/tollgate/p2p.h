/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI peer-to-peer memory providers: BAR ranges other devices may DMA to
 * (NVMe CMB, ivshmem), with a small allocator, and the per (provider,
 * client) map type the DMA layer uses for their scatterlist entries.
 */
#ifndef TOLLGATE_P2P_H
#define TOLLGATE_P2P_H

#include <stddef.h>
#include <stdint.h>

struct pci_dev;

enum p2p_map_type {
	/* Same device, or below a common switch that routes P2P with no ACS
	 * redirect on the path: the client uses the PCI bus address. */
	P2P_MAP_BUS_ADDR,
	/* Through the root complex (its policy allows it): an IOVA with
	 * device-memory attributes, no CPU cache maintenance. */
	P2P_MAP_THRU_HOST_BRIDGE,
	P2P_MAP_NOT_SUPPORTED,
};

#define P2P_MAX_PROVIDERS	8
#define P2P_CHUNK		4096u

struct p2p_provider {
	struct pci_dev *pci;
	unsigned int bar;
	uint64_t cpu_addr;	/* start of the provided range */
	uint64_t bus_addr;	/* same range as the PCI bus address */
	uint64_t size;
	volatile uint8_t *va;	/* CPU mapping (device memory) of the range */
	uint64_t used[4];	/* allocation bitmap of P2P_CHUNK chunks (up to 256) */
};

/* Registers [offset, offset+size) of an assigned memory BAR.  TG_EINVAL for
 * an unassigned or I/O BAR or a range outside it; TG_ENOMEM when full. */
int p2p_provider_register(struct pci_dev *pci, unsigned int bar, uint64_t offset, uint64_t size,
			  struct p2p_provider **out);
/* How many providers are registered (0: no scatterlist entry can be P2P). */
unsigned int p2p_provider_count(void);
/* The idx-th registered provider (0, 1, ...), NULL past the last (the shell). */
struct p2p_provider *p2p_provider_get(unsigned int idx);
/* The provider whose range holds the CPU physical address, or NULL. */
struct p2p_provider *p2p_provider_of(uint64_t phys);
/* Naturally aligned chunks of provider memory: a CPU pointer (device
 * memory: use mmio accessors) and the CPU physical address in *phys,
 * which is what scatterlist entries carry. */
void *p2p_alloc(struct p2p_provider *p, size_t size, uint64_t *phys);
void p2p_free(struct p2p_provider *p, void *va, size_t size);
/* Computed once per (provider, client), then cached. */
enum p2p_map_type p2p_map_type(struct p2p_provider *p, struct pci_dev *client);
/* Forgets every provider and cached decision (tests). */
void p2p_reset(void);

#endif
