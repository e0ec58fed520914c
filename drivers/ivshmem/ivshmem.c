/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ivshmem-plain driver.  BAR 0 holds INTRMASK, INTRSTATUS, IVPOSITION and
 * DOORBELL (QEMU docs/specs/ivshmem-spec.txt); only the doorbell variant
 * uses them, so reading INTRMASK just proves the device answers.
 */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/ivshmem.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/p2p.h>
#include <tollgate/pci.h>

#define IVSHMEM_REG_INTRMASK	0x00
#define IVSHMEM_REGS_SIZE	0x100u
#define IVSHMEM_SHM_BAR		2

int ivshmem_init(struct ivshmem *iv, struct pci_dev *pci)
{
	char name[16];

	if (!iv || !pci || pci->vendor != IVSHMEM_VENDOR || pci->device != IVSHMEM_DEVICE)
		return TG_EINVAL;
	const struct pci_bar *regs = &pci->bar[0], *shm = &pci->bar[IVSHMEM_SHM_BAR];
	if (!(regs->flags & PCI_BAR_ASSIGNED) || !(shm->flags & PCI_BAR_ASSIGNED) ||
	    (shm->flags & PCI_BAR_IO) || regs->size < IVSHMEM_REGS_SIZE)
		return TG_ENOENT;
	memset(iv, 0, sizeof(*iv));
	pci_dev_name(pci, name, sizeof(name));
	iv->regs = ioremap(regs->cpu_addr, IVSHMEM_REGS_SIZE);
	iv->shm = ioremap(shm->cpu_addr, (size_t)shm->size);
	if (!iv->regs || !iv->shm)
		return TG_ENOMEM;
	if (mmio_read32(iv->regs + IVSHMEM_REG_INTRMASK) == 0xffffffffu) {
		pr_err("ivshmem %s: BAR0 reads all-ones: device not responding\n", name);
		return TG_EIO;
	}
	iv->shm_cpu = shm->cpu_addr;
	iv->shm_bus = shm->bus_addr;
	iv->shm_size = shm->size;
	struct p2p_provider *p = p2p_provider_of(shm->cpu_addr);
	int err = TG_OK;
	/* Providers live for the whole boot: a second init finds the first's. */
	if (!p || p->pci != pci)
		err = p2p_provider_register(pci, IVSHMEM_SHM_BAR, 0,
					    shm->size < IVSHMEM_P2P_SIZE ? shm->size : IVSHMEM_P2P_SIZE,
					    &p);
	if (err)
		return err;
	iv->p2p = p;
	iv->pci = pci;
	return TG_OK;
}
