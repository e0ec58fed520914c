/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSI and MSI-X capability programming (PCI 3.0 6.8).  The messages come
 * from the interrupt controller (msi_alloc, drivers/irq; the two meet in
 * drivers/irq/msi_vectors.c); this file only makes the function write them.  A function signals through MSI, MSI-X or
 * INTx, never two at once: enabling either message kind sets
 * Command.INTx_Disable, and MSI and MSI-X exclude each other (6.8.2).
 *
 * MSI-X tables live in a memory BAR; they are reached through ioremap and
 * touched only with 32-bit accesses (6.8.2: DWORD accesses must work).
 * Per-function state (the mapped table and PBA) sits in a
 * small static pool keyed by the pci_dev; a slot is taken exactly while
 * the function's MSI-X is enabled.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/mmio.h>
#include <tollgate/pci_msi.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>
#include <tollgate/platform.h>

#include "msi_regs.h"
#include "pci_internal.h"

#define MSI_MAX_FUNCTIONS	16

struct msi_state {
	struct pci_dev *dev;
	volatile uint8_t *table;	/* MSI-X only */
	volatile uint8_t *pba;
	unsigned int table_size;
	unsigned int nvec;		/* MSI-X entries in use */
};

static struct msi_state msi_pool[MSI_MAX_FUNCTIONS];

/* The slot of `dev`, else a free one (table NULL); NULL when the pool is full. */
static struct msi_state *slot_of(const struct pci_dev *dev)
{
	struct msi_state *free = NULL;

	for (unsigned int i = 0; i < MSI_MAX_FUNCTIONS; i++) {
		if (msi_pool[i].dev == dev)
			return &msi_pool[i];
		if (!free && !msi_pool[i].dev)
			free = &msi_pool[i];
	}
	return free;
}

/* Config reads that see a function gone (all-ones) become TG_EIO, said once per call. */
static int cfg_read16_live(struct pci_dev *dev, uint16_t off, uint16_t *v)
{
	int err = pci_cfg_read16(dev, off, v);

	if (err)
		return err;
	if (*v == 0xffff) {
		pci_err(dev, "config space reads all-ones at 0x%02x: device gone?\n", off);
		return TG_EIO;
	}
	return TG_OK;
}

static int set_intx(struct pci_dev *dev, bool enabled)
{
	uint16_t cmd;
	int err = cfg_read16_live(dev, PCI_COMMAND, &cmd);

	if (err)
		return err;
	cmd = enabled ? (uint16_t)(cmd & ~PCI_COMMAND_INTX_DISABLE)
		      : (uint16_t)(cmd | PCI_COMMAND_INTX_DISABLE);
	return pci_cfg_write16(dev, PCI_COMMAND, cmd);
}

static uint8_t cap_of(struct pci_dev *dev, bool msix)
{
	uint8_t cap = msix ? dev->cap_msix : dev->cap_msi;

	return cap ? cap : pci_find_cap(dev, msix ? PCI_CAP_ID_MSIX : PCI_CAP_ID_MSI);
}

/* The MSI (or MSI-X) capability and its Message Control, read live. */
static int cap_ctrl(struct pci_dev *dev, bool msix, uint8_t *cap, uint16_t *ctrl)
{
	if (!dev)
		return TG_EINVAL;
	*cap = cap_of(dev, msix);
	if (!*cap)
		return TG_ENOENT;
	/* PCI_MSI_FLAGS == PCI_MSIX_FLAGS */
	return cfg_read16_live(dev, *cap + PCI_MSI_FLAGS, ctrl);
}

/* MSI and MSI-X exclude each other: is the kind other than `msix` on? */
static bool other_kind_on(struct pci_dev *dev, bool msix)
{
	uint8_t cap = cap_of(dev, !msix);
	uint16_t ctrl;

	return cap && !cfg_read16_live(dev, cap + PCI_MSI_FLAGS, &ctrl) &&
	       (ctrl & (msix ? PCI_MSI_FLAGS_ENABLE : PCI_MSIX_FLAGS_ENABLE));
}

/* A config write that only happens when everything before it worked. */
static int then_write(int err, struct pci_dev *dev, uint16_t off, unsigned int size, uint32_t val)
{
	return err ? err : pci_dev_cfg_write(dev, off, size, val);
}

/* --- MSI ---------------------------------------------------------------------- */

int pci_msi_enable(struct pci_dev *dev, const struct msi_msg *msg)
{
	uint16_t ctrl;
	uint8_t cap;
	int err;

	if (!msg || (msg->address & 3u))
		return TG_EINVAL;
	err = cap_ctrl(dev, false, &cap, &ctrl);
	if (err)
		return err;
	if (other_kind_on(dev, false))
		return TG_EBUSY;
	bool is64 = (ctrl & PCI_MSI_FLAGS_64BIT) != 0;
	/* Message Data is 16 bits wide; GICv2m SPIs and ITS EventIDs fit. */
	if ((!is64 && (msg->address >> 32)) || (msg->data >> 16))
		return TG_ERANGE;

	/* Off while the message changes: no write of half a message. */
	ctrl &= (uint16_t)~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	err = pci_cfg_write16(dev, cap + PCI_MSI_FLAGS, ctrl);
	err = then_write(err, dev, cap + PCI_MSI_ADDRESS_LO, 4, (uint32_t)msg->address);
	if (is64)
		err = then_write(err, dev, cap + PCI_MSI_ADDRESS_HI, 4, (uint32_t)(msg->address >> 32));
	/* Data, then the mask bits, move 4 bytes up in a 64-bit capability. */
	uint16_t shift = is64 ? 4 : 0;
	err = then_write(err, dev, cap + PCI_MSI_DATA_32 + shift, 2, msg->data);
	if (ctrl & PCI_MSI_FLAGS_MASKBIT)
		err = then_write(err, dev, cap + PCI_MSI_MASK_32 + shift, 4, 0);
	if (!err)
		err = set_intx(dev, false);
	return then_write(err, dev, cap + PCI_MSI_FLAGS, 2, ctrl | PCI_MSI_FLAGS_ENABLE);
}

int pci_msi_disable(struct pci_dev *dev)
{
	uint16_t ctrl;
	uint8_t cap;
	int err;

	err = cap_ctrl(dev, false, &cap, &ctrl);
	err = then_write(err, dev, cap + PCI_MSI_FLAGS, 2, ctrl & ~PCI_MSI_FLAGS_ENABLE);
	if (!err)
		err = set_intx(dev, true);
	return err;
}

int pci_msi_mask(struct pci_dev *dev, bool masked)
{
	uint16_t ctrl;
	uint8_t cap;
	int err;

	err = cap_ctrl(dev, false, &cap, &ctrl);
	if (err)
		return err;
	if (!(ctrl & PCI_MSI_FLAGS_MASKBIT))
		return TG_ENOTSUP;
	return pci_cfg_write32(dev, cap + ((ctrl & PCI_MSI_FLAGS_64BIT) ? PCI_MSI_MASK_64
									 : PCI_MSI_MASK_32),
			       masked ? 1u : 0u);
}

/* --- MSI-X -------------------------------------------------------------------- */

int pci_msix_table_size(struct pci_dev *dev)
{
	uint16_t ctrl;
	uint8_t cap;
	int err;

	err = cap_ctrl(dev, true, &cap, &ctrl);
	if (err)
		return err;
	return (int)(ctrl & PCI_MSIX_FLAGS_QSIZE) + 1;
}

/* Maps `bytes` at the BIR/offset register `reg` of the capability. */
static volatile uint8_t *msix_map(struct pci_dev *dev, uint8_t cap, uint16_t reg, size_t bytes,
				  const char *what)
{
	uint32_t v;

	if (pci_cfg_read32(dev, cap + reg, &v) || v == 0xffffffffu) {
		pci_err(dev, "MSI-X %s register reads all-ones\n", what);
		return NULL;
	}
	unsigned int bir = PCI_MSIX_BIR(v);
	uint64_t off = PCI_MSIX_OFFSET(v);
	const struct pci_bar *bar = bir < PCI_NUM_BARS ? &dev->bar[bir] : NULL;

	if (!bar || !(bar->flags & PCI_BAR_ASSIGNED) || (bar->flags & PCI_BAR_IO) ||
	    off + bytes > bar->size) {
		pci_err(dev, "MSI-X %s (BIR %u, offset 0x%llx, %zu bytes) not inside an assigned memory BAR\n",
			what, bir, (unsigned long long)off, bytes);
		return NULL;
	}
	return plat_map(bar->cpu_addr + off, bytes, PLAT_MEM_DEVICE);
}

static void mask_entries(volatile uint8_t *table, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		mmio_write32(table + i * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL,
			     PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

int pci_msix_enable(struct pci_dev *dev, unsigned int nvec)
{
	struct msi_state *s;
	uint16_t ctrl;
	uint8_t cap;
	int err;

	if (!dev || nvec == 0)
		return TG_EINVAL;
	err = cap_ctrl(dev, true, &cap, &ctrl);
	if (err)
		return err;
	unsigned int size = (ctrl & PCI_MSIX_FLAGS_QSIZE) + 1u;
	if (nvec > size)
		return TG_ERANGE;
	if (other_kind_on(dev, true))
		return TG_EBUSY;
	s = slot_of(dev);
	if (s && s->table)
		return TG_EBUSY;

	volatile uint8_t *table = msix_map(dev, cap, PCI_MSIX_TABLE,
					   (size_t)size * PCI_MSIX_ENTRY_SIZE, "table");
	volatile uint8_t *pba = msix_map(dev, cap, PCI_MSIX_PBA, ((size_t)size + 63) / 64 * 8,
					 "PBA");
	if (!table || !pba)
		return TG_ERANGE;
	if (!s)
		return TG_ENOMEM;

	/*
	 * Enable with the whole function masked, mask each entry, then lift
	 * the function mask: entries are only written while masked, and
	 * the table may be accessed only with MSI-X Enable set on some parts.
	 */
	ctrl &= (uint16_t)~PCI_MSIX_FLAGS_ENABLE;
	err = pci_cfg_write16(dev, cap + PCI_MSIX_FLAGS,
			      ctrl | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	if (!err) {
		mask_entries(table, size);
		err = set_intx(dev, false);
	}
	err = then_write(err, dev, cap + PCI_MSIX_FLAGS, 2,
			 (ctrl & (uint16_t)~PCI_MSIX_FLAGS_MASKALL) | PCI_MSIX_FLAGS_ENABLE);
	if (err) {
		(void)pci_cfg_write16(dev, cap + PCI_MSIX_FLAGS, ctrl);
		return err;
	}
	*s = (struct msi_state){ .dev = dev, .table = table, .pba = pba, .table_size = size,
				 .nvec = nvec };
	return TG_OK;
}

/* Entry `idx` of an enabled table: TG_ENOENT with MSI-X off, TG_ERANGE past nvec. */
static int msix_entry(struct pci_dev *dev, unsigned int idx, struct msi_state **sp,
		      volatile uint8_t **e)
{
	struct msi_state *s = slot_of(dev);

	if (!s || !s->table)
		return TG_ENOENT;
	if (idx >= s->nvec)
		return TG_ERANGE;
	*sp = s;
	*e = s->table + idx * PCI_MSIX_ENTRY_SIZE;
	return TG_OK;
}

int pci_msix_set_vector(struct pci_dev *dev, unsigned int idx, const struct msi_msg *msg,
			bool masked)
{
	struct msi_state *s;
	volatile uint8_t *e;

	if (!dev || !msg || (msg->address & 3u))
		return TG_EINVAL;
	int err = msix_entry(dev, idx, &s, &e);
	if (err)
		return err;
	mmio_write32(e + PCI_MSIX_ENTRY_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	mmio_write32(e + PCI_MSIX_ENTRY_ADDR_LO, (uint32_t)msg->address);
	mmio_write32(e + PCI_MSIX_ENTRY_ADDR_HI, (uint32_t)(msg->address >> 32));
	mmio_write32(e + PCI_MSIX_ENTRY_DATA, msg->data);
	if (!masked)
		mmio_write32(e + PCI_MSIX_ENTRY_CTRL, 0);
	return TG_OK;
}

int pci_msix_get_vector(struct pci_dev *dev, unsigned int idx, struct msi_msg *msg,
			bool *masked)
{
	struct msi_state *s;
	volatile uint8_t *e;

	if (!dev || !msg || !masked)
		return TG_EINVAL;
	int err = msix_entry(dev, idx, &s, &e);
	if (err)
		return err;
	uint32_t ctrl = mmio_read32(e + PCI_MSIX_ENTRY_CTRL);

	if (ctrl == 0xffffffffu)
		return TG_EIO;
	msg->address = mmio_read32(e + PCI_MSIX_ENTRY_ADDR_LO) |
		       ((uint64_t)mmio_read32(e + PCI_MSIX_ENTRY_ADDR_HI) << 32);
	msg->data = mmio_read32(e + PCI_MSIX_ENTRY_DATA);
	*masked = (ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT) != 0;
	return TG_OK;
}

int pci_msix_pending(struct pci_dev *dev, unsigned int idx)
{
	struct msi_state *s;
	volatile uint8_t *e;

	if (!dev)
		return TG_EINVAL;
	if (msix_entry(dev, idx, &s, &e))
		return TG_ENOENT;
	/* QWORD array, read as DWORDs: bit idx of the whole array. */
	uint32_t w = mmio_read32(s->pba + (idx / 32u) * 4u);

	/* All-ones may be 32 pending vectors, or no device behind the BAR. */
	if (w == 0xffffffffu && mmio_read32(e + PCI_MSIX_ENTRY_CTRL) == 0xffffffffu) {
		pci_err(dev, "MSI-X table and PBA read all-ones: device gone?\n");
		return TG_EIO;
	}

	return (int)((w >> (idx % 32u)) & 1u);
}

int pci_msix_disable(struct pci_dev *dev)
{
	struct msi_state *s;
	uint16_t ctrl;
	uint8_t cap;
	int err;

	if (!dev)
		return TG_EINVAL;
	cap = cap_of(dev, true);
	s = slot_of(dev);
	if (!cap || !s || !s->table)
		return TG_ENOENT;
	mask_entries(s->table, s->table_size);
	err = cfg_read16_live(dev, cap + PCI_MSIX_FLAGS, &ctrl);
	err = then_write(err, dev, cap + PCI_MSIX_FLAGS, 2,
			 ctrl & (uint16_t)~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
	if (!err)
		err = set_intx(dev, true);
	*s = (struct msi_state){ 0 };
	return err;
}
