/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `p2p`: the registered peer-to-peer memory providers and, for each of
 * them, how every PCI endpoint would reach it (p2p_map_type).
 */
#include <tollgate/log.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>
#include <tollgate/shell.h>

static const char *type_name(enum p2p_map_type t)
{
	switch (t) {
	case P2P_MAP_BUS_ADDR: return "bus address";
	case P2P_MAP_THRU_HOST_BRIDGE: return "through host bridge";
	default: return "not supported";
	}
}

static unsigned int chunks_used(const struct p2p_provider *p)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < 4; i++)
		n += (unsigned int)__builtin_popcountll(p->used[i]);
	return n;
}

static int p2p_cmd(int argc, char **argv)
{
	unsigned int n = 0;

	if (argc != 1) {
		tg_printf("usage: p2p\n");
		return 1;
	}
	for (struct p2p_provider *p; (p = p2p_provider_get(n)) != NULL; n++) {
		char name[16];

		pci_dev_name(p->pci, name, sizeof(name));
		tg_printf("provider %u: %s BAR %u, CPU 0x%llx-0x%llx, bus 0x%llx-0x%llx, size 0x%llx, "
			  "used %u KiB\n", n, name, p->bar, (unsigned long long)p->cpu_addr,
			  (unsigned long long)(p->cpu_addr + p->size - 1), (unsigned long long)p->bus_addr,
			  (unsigned long long)(p->bus_addr + p->size - 1), (unsigned long long)p->size,
			  chunks_used(p) * (P2P_CHUNK / 1024));
		for (unsigned int i = 0; i < pci_dev_count(); i++) {
			struct pci_dev *c = pci_dev_get(i);
			if (pci_is_bridge(c) || (c->class >> 16) == 0x06 || c->disabled)
				continue;
			pci_dev_name(c, name, sizeof(name));
			tg_printf("  client %s [%04x:%04x]: %s\n", name, c->vendor, c->device,
				  type_name(p2p_map_type(p, c)));
		}
	}
	if (!n)
		tg_printf("no P2P providers registered (drivers register NVMe CMB / ivshmem BARs; "
			  "selftest edu-p2p-ivshmem registers ivshmem BAR 2)\n");
	return 0;
}
SHELL_COMMAND(p2p, "p2p", "p2p", "P2P memory providers and the map type for each client", p2p_cmd);
