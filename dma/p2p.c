/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * P2P memory providers and map types.  The decision follows PCIe routing:
 * the same device needs no fabric at all; peers below a common switch are
 * routed by it unless a port on the path redirects P2P upstream (ACS
 * RR/CR, enabled for isolation when an IOMMU is in use); everything else
 * crosses the root complex, which only the board can say it supports.
 * Unknown hardware: not supported until a board says otherwise.
 */
#include <string.h>

#include <board.h>
#include <tollgate/error.h>
#include <tollgate/mmio.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>
#include <tollgate/platform.h>

#ifndef BOARD_P2P_THRU_HOST_BRIDGE
#define BOARD_P2P_THRU_HOST_BRIDGE	0
#endif
#ifndef BOARD_SWITCHES_ROUTE_P2P
#define BOARD_SWITCHES_ROUTE_P2P	1
#endif

#define MAX_CLIENTS	16

static struct p2p_provider providers[P2P_MAX_PROVIDERS];
static unsigned int nproviders;

struct map_type_entry {
	const struct p2p_provider *p;
	const struct pci_dev *client;
	enum p2p_map_type type;
};

static struct map_type_entry cache[MAX_CLIENTS];
static unsigned int ncached;

void p2p_reset(void)
{
	memset(providers, 0, sizeof(providers));
	nproviders = 0;
	ncached = 0;
}

int p2p_provider_register(struct pci_dev *pci, unsigned int bar, uint64_t offset, uint64_t size,
			  struct p2p_provider **out)
{
	if (!pci || bar >= PCI_NUM_BARS || !size || (size % P2P_CHUNK) || (offset % P2P_CHUNK))
		return TG_EINVAL;
	const struct pci_bar *b = &pci->bar[bar];
	if (!(b->flags & PCI_BAR_ASSIGNED) || (b->flags & PCI_BAR_IO) || offset >= b->size ||
	    size > b->size - offset || size / P2P_CHUNK > 64 * 4)
		return TG_EINVAL;
	if (nproviders >= P2P_MAX_PROVIDERS)
		return TG_ENOMEM;
	/* BARs may sit above 4 GiB: a 32-bit CPU reaches them through ioremap. */
	volatile uint8_t *va = plat_map(b->cpu_addr + offset, (size_t)size, PLAT_MEM_DEVICE);
	if (!va)
		return TG_ENOMEM;
	struct p2p_provider *p = &providers[nproviders++];
	*p = (struct p2p_provider){
		.pci = pci, .bar = bar, .cpu_addr = b->cpu_addr + offset,
		.bus_addr = b->bus_addr + offset, .size = size, .va = va,
	};
	if (out)
		*out = p;
	return TG_OK;
}

unsigned int p2p_provider_count(void)
{
	return nproviders;
}

struct p2p_provider *p2p_provider_get(unsigned int idx)
{
	return idx < nproviders ? &providers[idx] : NULL;
}

struct p2p_provider *p2p_provider_of(uint64_t phys)
{
	for (unsigned int i = 0; i < nproviders; i++)
		if (phys >= providers[i].cpu_addr && phys - providers[i].cpu_addr < providers[i].size)
			return &providers[i];
	return NULL;
}

/*
 * The allocation bitmap byte by byte: chunk i is bit i % 8 of byte i / 8
 * (bit i of used[] on these little-endian CPUs), without 64-bit shifts on
 * a 32-bit one.
 */
static uint8_t *chunk_byte(struct p2p_provider *p, unsigned int i)
{
	return (uint8_t *)p->used + i / 8;
}

void *p2p_alloc(struct p2p_provider *p, size_t size, uint64_t *phys)
{
	if (!p || !size)
		return NULL;
	unsigned int n = (unsigned int)((size + P2P_CHUNK - 1) / P2P_CHUNK);
	unsigned int total = (unsigned int)(p->size / P2P_CHUNK);
	unsigned int step = 1;
	while (step < n)
		step <<= 1;	/* naturally aligned, like the page pool */
	for (unsigned int i = 0; i + n <= total; i += step) {
		unsigned int j = 0;
		while (j < n && !(*chunk_byte(p, i + j) & (1u << ((i + j) % 8))))
			j++;
		if (j < n)
			continue;
		for (j = 0; j < n; j++)
			*chunk_byte(p, i + j) |= (uint8_t)(1u << ((i + j) % 8));
		if (phys)
			*phys = p->cpu_addr + (uint64_t)i * P2P_CHUNK;
		return (void *)(p->va + (size_t)i * P2P_CHUNK);
	}
	return NULL;
}

void p2p_free(struct p2p_provider *p, void *va, size_t size)
{
	const volatile uint8_t *v = va;

	if (!p || !v || v < p->va || (uint64_t)(v - p->va) >= p->size)
		return;
	unsigned int first = (unsigned int)((size_t)(v - p->va) / P2P_CHUNK);
	unsigned int n = (unsigned int)((size + P2P_CHUNK - 1) / P2P_CHUNK);
	unsigned int total = (unsigned int)(p->size / P2P_CHUNK);
	for (unsigned int j = first; j < first + n && j < total; j++)
		*chunk_byte(p, j) &= (uint8_t)~(1u << (j % 8));
}

static enum p2p_map_type decide(const struct p2p_provider *p, struct pci_dev *client)
{
	const struct pci_dev *prov = p->pci;

	if (prov->host != client->host)
		return P2P_MAP_NOT_SUPPORTED;
	/* Same device (any function): the transfer never leaves it. */
	if (prov->bus == client->bus && PCI_SLOT(prov->devfn) == PCI_SLOT(client->devfn))
		return P2P_MAP_BUS_ADDR;
	if (BOARD_SWITCHES_ROUTE_P2P && pci_common_upstream(prov, client) &&
	    !pci_p2p_path_redirects(prov, client))
		return P2P_MAP_BUS_ADDR;
	return BOARD_P2P_THRU_HOST_BRIDGE ? P2P_MAP_THRU_HOST_BRIDGE : P2P_MAP_NOT_SUPPORTED;
}

enum p2p_map_type p2p_map_type(struct p2p_provider *p, struct pci_dev *client)
{
	if (!p || !client)
		return P2P_MAP_NOT_SUPPORTED;
	for (unsigned int i = 0; i < ncached; i++)
		if (cache[i].p == p && cache[i].client == client)
			return cache[i].type;
	enum p2p_map_type t = decide(p, client);
	if (ncached < MAX_CLIENTS)
		cache[ncached++] = (struct map_type_entry){ p, client, t };
	return t;
}
