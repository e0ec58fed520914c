/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BAR sizing (PCI 3.0 6.2.5.1) and resource assignment.
 *
 * Three kinds of space: I/O, non-prefetchable memory (always below 4 GiB:
 * a bridge's memory window is 32-bit) and 64-bit prefetchable memory, which
 * goes to the host's 64-bit window when there is one.  Sizes are computed
 * bottom-up: a bridge's window for a kind holds its children's BARs and
 * windows of that kind, laid out largest alignment first, rounded to the
 * window granularity (4 KiB I/O, 1 MiB memory).  Then each kind is placed
 * in its host window and addresses are handed out top-down.  When a kind
 * does not fit, the largest BAR of that kind is left out (its device stays
 * disabled, with a message) and the layout is computed again.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_internal.h"

enum kind { KIND_IO, KIND_MEM, KIND_PREF, NR_KINDS };

static const char *const kind_names[NR_KINDS] = { "io", "mem", "mem pref" };

/* Computed window needs of each bridge, indexed like the device pool. */
static uint64_t need_size[PCI_MAX_DEVICES][NR_KINDS];
static uint64_t need_align[PCI_MAX_DEVICES][NR_KINDS];

static unsigned int dev_index(const struct pci_dev *dev)
{
	for (unsigned int i = 0; i < pci_dev_count(); i++)
		if (pci_dev_get(i) == dev)
			return i;
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t granularity(enum kind k)
{
	return k == KIND_IO ? PCI_BRIDGE_IO_ALIGN : PCI_BRIDGE_MEM_ALIGN;
}

/* ---- sizing ----------------------------------------------------------- */

/* Writable address bits must be one contiguous run starting at the size. */
static bool mask_is_sane(uint64_t mask)
{
	if (!mask)
		return false;
	uint64_t run = mask >> __builtin_ctzll(mask);
	return (run & (run + 1)) == 0;
}

void pci_size_bars(struct pci_dev *dev)
{
	struct pci_host *host = dev->host;
	unsigned int nbars = dev->hdr_type == PCI_HEADER_TYPE_BRIDGE ? 2 : 6;

	for (unsigned int i = 0; i < nbars; i++) {
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
		struct pci_bar *bar = &dev->bar[i];
		uint32_t lo, hi = 0xffffffffu;
		uint64_t mask;

		pci_host_write(host, dev->bus, dev->devfn, off, 4, 0xffffffffu);
		pci_host_read(host, dev->bus, dev->devfn, off, 4, &lo);
		if (!lo)
			continue;	/* not implemented */
		if (lo & PCI_BAR_SPACE_IO) {
			bar->flags = PCI_BAR_IO;
			mask = lo & PCI_BAR_IO_MASK;
			if (!mask)
				goto broken;	/* type bit only: no address bits to program */
			/* 16-bit I/O decoders hardwire the upper half to 0. */
			if (!(mask & 0xffff0000u))
				mask |= 0xffff0000u;
			mask |= 0xffffffff00000000ull;
			if (lo & 0x2)	/* reserved bit reads 1: not a real BAR */
				mask = 0;
		} else {
			unsigned type = (lo & PCI_BAR_MEM_TYPE_MASK) >> 1;
			if (lo & PCI_BAR_MEM_PREFETCH)
				bar->flags |= PCI_BAR_PREFETCH;
			mask = (uint64_t)(lo & PCI_BAR_MEM_MASK);
			if (type == 2) {
				bar->flags |= PCI_BAR_MEM64;
				if (i + 1 >= nbars) {
					mask = 0;	/* 64-bit BAR in the last slot */
				} else {
					uint16_t off_hi = (uint16_t)(off + 4);
					pci_host_write(host, dev->bus, dev->devfn, off_hi, 4, 0xffffffffu);
					pci_host_read(host, dev->bus, dev->devfn, off_hi, 4, &hi);
					mask |= (uint64_t)hi << 32;
				}
			} else if ((type == 0 || type == 1) && mask) {
				mask |= 0xffffffff00000000ull;
			} else {
				mask = 0;	/* reserved type */
			}
		}
		if (!mask_is_sane(mask)) {
broken:;
			char name[PCI_NAME_LEN];
			pci_dev_name(dev, name, sizeof(name));
			pr_warn("pci %s: BAR %u: sizing read back 0x%08x%s, ignored\n", name, i,
				(unsigned)lo, (bar->flags & PCI_BAR_MEM64) ? " (64-bit)" : "");
			bar->flags |= PCI_BAR_BROKEN;
			bar->size = 0;
		} else {
			bar->size = mask & -mask;
		}
		if (bar->flags & PCI_BAR_MEM64)
			i++;	/* the upper half is part of this BAR */
	}
}

/* Which bridge windows exist (PCI-to-PCI Bridge 1.2 3.2.5.6 / 3.2.5.9). */
void pci_probe_bridge_windows(struct pci_dev *b)
{
	struct pci_host *host = b->host;
	uint32_t io, pref;

	pci_host_write(host, b->bus, b->devfn, PCI_IO_BASE, 2, 0xf0f0);
	pci_host_read(host, b->bus, b->devfn, PCI_IO_BASE, 2, &io);
	b->win_io.flags = (io & 0xf0) ? PCI_BAR_IO : 0;
	if ((io & 0x0f) == PCI_IO_RANGE_32BIT)
		b->win_io.flags |= PCI_BAR_MEM64;	/* here: 32-bit I/O addressing */
	pci_host_write(host, b->bus, b->devfn, PCI_PREF_MEMORY_BASE, 4, 0xfff0fff0u);
	pci_host_read(host, b->bus, b->devfn, PCI_PREF_MEMORY_BASE, 4, &pref);
	if (pref & 0xfff0)
		b->win_pref.flags = PCI_BAR_PREFETCH |
				    ((pref & 0xf) == PCI_PREF_RANGE_64BIT ? PCI_BAR_MEM64 : 0);
	b->win_mem.flags = 0;
}

/* ---- layout ----------------------------------------------------------- */

static bool root_has_pref(const struct pci_host *host)
{
	for (unsigned int i = 0; i < host->nwin; i++)
		if (host->win[i].space == PCI_SPACE_MEM64)
			return true;
	return false;
}

/*
 * The kind a BAR of `natural` kind is placed as, directly below `parent`:
 * 64-bit prefetchable BARs need a 64-bit prefetchable window all the way
 * up, otherwise they live in the (32-bit) memory window.
 */
static enum kind level_kind(const struct pci_host *host, const struct pci_dev *parent,
			    enum kind natural)
{
	if (natural != KIND_PREF)
		return natural;
	if (!parent)
		return root_has_pref(host) ? KIND_PREF : KIND_MEM;
	return (parent->win_pref.flags & PCI_BAR_MEM64) ? KIND_PREF : KIND_MEM;
}

static enum kind bar_natural_kind(const struct pci_bar *bar)
{
	if (bar->flags & PCI_BAR_IO)
		return KIND_IO;
	if ((bar->flags & (PCI_BAR_MEM64 | PCI_BAR_PREFETCH)) == (PCI_BAR_MEM64 | PCI_BAR_PREFETCH))
		return KIND_PREF;
	return KIND_MEM;
}

static bool bar_wanted(const struct pci_dev *dev, const struct pci_bar *bar)
{
	return !dev->disabled && bar->size && !(bar->flags & (PCI_BAR_BROKEN | PCI_BAR_NOSPACE));
}

static struct pci_bar *bridge_window(struct pci_dev *b, enum kind k)
{
	return k == KIND_IO ? &b->win_io : k == KIND_MEM ? &b->win_mem : &b->win_pref;
}

static void program_bar(struct pci_dev *dev, unsigned int i, uint64_t bus_addr,
			const struct pci_window *win);
static void program_window(struct pci_dev *b, enum kind k, uint64_t base, uint64_t size,
			   const struct pci_window *win);

/*
 * Lays out, from `base`, every item of kind `k` directly below `parent`
 * (NULL: the root buses), largest alignment first.  With `win` set, the
 * addresses are programmed.  Returns the end address; *max_align gets the
 * largest alignment met (0 if nothing).
 */
static uint64_t layout(struct pci_host *host, struct pci_dev *parent, enum kind k,
		       uint64_t base, const struct pci_window *win, uint64_t *max_align)
{
	uint64_t cur = base;

	*max_align = 0;
	for (int a = 63; a >= 0; a--) {
		uint64_t al = 1ull << a;
		for (unsigned int i = 0; i < pci_dev_count(); i++) {
			struct pci_dev *d = pci_dev_get(i);
			if (d->host != host || d->parent != parent || d->disabled)
				continue;
			for (unsigned int b = 0; b < PCI_NUM_BARS; b++) {
				struct pci_bar *bar = &d->bar[b];
				if (!bar_wanted(d, bar) || bar->size != al ||
				    level_kind(host, parent, bar_natural_kind(bar)) != k)
					continue;
				if (!*max_align)
					*max_align = al;
				cur = align_up(cur, al);
				if (win)
					program_bar(d, b, cur, win);
				cur += al;
			}
			if (!pci_is_bridge(d))
				continue;
			for (enum kind ck = KIND_IO; ck < NR_KINDS; ck++) {
				unsigned int di = i;
				/* A child's pref window sits in our pref or our mem window. */
				enum kind at = ck == KIND_PREF ? level_kind(host, parent, KIND_PREF) : ck;
				if (at != k || !need_size[di][ck] || need_align[di][ck] != al)
					continue;
				if (!*max_align)
					*max_align = al;
				cur = align_up(cur, al);
				if (win)
					program_window(d, ck, cur, need_size[di][ck], win);
				cur += need_size[di][ck];
			}
		}
	}
	return cur;
}

/* Window needs of every bridge, children before parents (pool order is DFS). */
static void compute_needs(struct pci_host *host)
{
	for (unsigned int i = pci_dev_count(); i-- > 0;) {
		struct pci_dev *b = pci_dev_get(i);
		for (enum kind k = KIND_IO; k < NR_KINDS; k++) {
			need_size[i][k] = 0;
			need_align[i][k] = 0;
		}
		if (b->host != host || !pci_is_bridge(b) || b->disabled)
			continue;
		for (enum kind k = KIND_IO; k < NR_KINDS; k++) {
			/* Kinds the bridge cannot forward fold into its memory window. */
			if (k == KIND_IO && !(b->win_io.flags & PCI_BAR_IO))
				continue;
			if (k == KIND_PREF && !(b->win_pref.flags & PCI_BAR_MEM64))
				continue;
			uint64_t al;
			uint64_t end = layout(host, b, k, 0, NULL, &al);
			if (!end)
				continue;
			need_size[i][k] = align_up(end, granularity(k));
			need_align[i][k] = al > granularity(k) ? al : granularity(k);
		}
	}
}

/* ---- placing and programming -------------------------------------------- */

static const struct pci_window *root_window(const struct pci_host *host, enum kind k)
{
	const struct pci_window *fallback = NULL;

	for (unsigned int i = 0; i < host->nwin; i++) {
		const struct pci_window *w = &host->win[i];
		if (k == KIND_IO && w->space == PCI_SPACE_IO)
			return w;
		if (k == KIND_PREF && w->space == PCI_SPACE_MEM64)
			return w;
		if (k == KIND_MEM && w->space == PCI_SPACE_MEM32) {
			if (!w->prefetchable)
				return w;
			fallback = w;
		}
	}
	return fallback;
}

static uint64_t bus_to_cpu(const struct pci_window *win, uint64_t bus)
{
	return win->cpu_addr + (bus - win->bus_addr);
}

static void program_bar(struct pci_dev *dev, unsigned int i, uint64_t bus_addr,
			const struct pci_window *win)
{
	struct pci_bar *bar = &dev->bar[i];
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	char name[PCI_NAME_LEN];

	pci_host_write(dev->host, dev->bus, dev->devfn, off, 4, (uint32_t)bus_addr);
	if (bar->flags & PCI_BAR_MEM64)
		pci_host_write(dev->host, dev->bus, dev->devfn, (uint16_t)(off + 4), 4,
			       (uint32_t)(bus_addr >> 32));
	bar->bus_addr = bus_addr;
	bar->cpu_addr = bus_to_cpu(win, bus_addr);
	bar->flags |= PCI_BAR_ASSIGNED;
	pci_dev_name(dev, name, sizeof(name));
	pr_info("pci %s: BAR %u [%s 0x%08llx-0x%08llx%s%s]\n", name, i,
		(bar->flags & PCI_BAR_IO) ? "io" : "mem", (unsigned long long)bar->cpu_addr,
		(unsigned long long)(bar->cpu_addr + bar->size - 1),
		(bar->flags & PCI_BAR_MEM64) ? " 64bit" : "",
		(bar->flags & PCI_BAR_PREFETCH) ? " pref" : "");
}

static void write_window(struct pci_dev *b, enum kind k, uint64_t base, uint64_t limit)
{
	struct pci_host *h = b->host;
	bool empty = limit < base;

	switch (k) {
	case KIND_IO:
		pci_host_write(h, b->bus, b->devfn, PCI_IO_BASE, 2,
			       empty ? 0x00f0 : (uint32_t)((limit >> 8) & 0xf0) << 8 | ((base >> 8) & 0xf0));
		if (b->win_io.flags & PCI_BAR_MEM64)
			pci_host_write(h, b->bus, b->devfn, PCI_IO_BASE_UPPER16, 4,
				       empty ? 0 : (uint32_t)((limit >> 16) & 0xffff) << 16 | ((base >> 16) & 0xffff));
		break;
	case KIND_MEM:
		pci_host_write(h, b->bus, b->devfn, PCI_MEMORY_BASE, 4,
			       empty ? 0x0000fff0u :
			       (uint32_t)((limit >> 16) & 0xfff0) << 16 | ((base >> 16) & 0xfff0));
		break;
	case KIND_PREF:
		pci_host_write(h, b->bus, b->devfn, PCI_PREF_MEMORY_BASE, 4,
			       empty ? 0x0000fff0u :
			       (uint32_t)((limit >> 16) & 0xfff0) << 16 | ((base >> 16) & 0xfff0));
		pci_host_write(h, b->bus, b->devfn, PCI_PREF_BASE_UPPER32, 4,
			       empty ? 0 : (uint32_t)(base >> 32));
		pci_host_write(h, b->bus, b->devfn, PCI_PREF_LIMIT_UPPER32, 4,
			       empty ? 0 : (uint32_t)(limit >> 32));
		break;
	default:
		break;
	}
}

static void program_window(struct pci_dev *b, enum kind k, uint64_t base, uint64_t size,
			   const struct pci_window *win)
{
	struct pci_bar *w = bridge_window(b, k);
	char name[PCI_NAME_LEN];
	uint64_t al;

	write_window(b, k, base, base + size - 1);
	w->bus_addr = base;
	w->cpu_addr = bus_to_cpu(win, base);
	w->size = size;
	w->flags |= PCI_BAR_ASSIGNED;
	pci_dev_name(b, name, sizeof(name));
	pr_info("pci %s: bridge window [%s 0x%08llx-0x%08llx]\n", name, kind_names[k],
		(unsigned long long)w->cpu_addr, (unsigned long long)(w->cpu_addr + size - 1));
	layout(b->host, b, k, base, win, &al);
}

/* The biggest BAR whose space ends up in root kind `k`, to leave out. */
static struct pci_bar *largest_bar_of_root_kind(struct pci_host *host, enum kind k,
						struct pci_dev **owner, unsigned int *idx)
{
	struct pci_bar *best = NULL;

	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (d->host != host || d->disabled)
			continue;
		for (unsigned int b = 0; b < PCI_NUM_BARS; b++) {
			struct pci_bar *bar = &d->bar[b];
			if (!bar_wanted(d, bar))
				continue;
			/* Follow the kind up: pref folds into mem at the first bridge without 64-bit pref. */
			enum kind kk = level_kind(host, d->parent, bar_natural_kind(bar));
			for (const struct pci_dev *p = d->parent; p && kk == KIND_PREF; p = p->parent)
				kk = level_kind(host, p->parent, kk);
			if (kk == k && (!best || bar->size > best->size)) {
				best = bar;
				*owner = d;
				*idx = b;
			}
		}
	}
	return best;
}

static void disable_for_space(struct pci_dev *dev, unsigned int idx, const char *why)
{
	char name[PCI_NAME_LEN];
	struct pci_bar *bar = &dev->bar[idx];

	bar->flags |= PCI_BAR_NOSPACE;
	dev->disabled = true;
	pci_dev_name(dev, name, sizeof(name));
	pr_err("pci %s: BAR %u [%s size 0x%llx%s]: %s; device left disabled\n", name, idx,
	       (bar->flags & PCI_BAR_IO) ? "io" : "mem", (unsigned long long)bar->size,
	       (bar->flags & PCI_BAR_PREFETCH) ? " pref" : "", why);
}

static void write_command(struct pci_dev *d)
{
	uint16_t cmd = 0;

	if (!d->disabled) {
		for (unsigned int b = 0; b < PCI_NUM_BARS; b++) {
			if (!(d->bar[b].flags & PCI_BAR_ASSIGNED))
				continue;
			cmd |= (d->bar[b].flags & PCI_BAR_IO) ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
		}
		if (pci_is_bridge(d)) {
			if (d->win_io.flags & PCI_BAR_ASSIGNED)
				cmd |= PCI_COMMAND_IO;
			if ((d->win_mem.flags | d->win_pref.flags) & PCI_BAR_ASSIGNED)
				cmd |= PCI_COMMAND_MEMORY;
		}
	}
	pci_host_write(d->host, d->bus, d->devfn, PCI_COMMAND, 2, cmd);
}

int pci_assign_resources(struct pci_host *host)
{
	uint64_t base[NR_KINDS] = { 0 };
	const struct pci_window *win[NR_KINDS];
	unsigned int guard = PCI_MAX_DEVICES * PCI_NUM_BARS + 1;

	for (enum kind k = KIND_IO; k < NR_KINDS; k++)
		win[k] = root_window(host, k);
	if (!root_has_pref(host))
		win[KIND_PREF] = NULL;	/* pref BARs fold into mem (level_kind) */

	/* I/O BARs behind a bridge that forwards no I/O can never be reached. */
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		for (unsigned int b = 0; d->host == host && b < PCI_NUM_BARS; b++) {
			if (!bar_wanted(d, &d->bar[b]) || !(d->bar[b].flags & PCI_BAR_IO))
				continue;
			for (const struct pci_dev *p = d->parent; p; p = p->parent) {
				if (!(p->win_io.flags & PCI_BAR_IO)) {
					disable_for_space(d, b, "a bridge above it has no I/O window");
					break;
				}
			}
		}
	}

	/* Size, place, and leave out the largest offender until it all fits. */
	for (bool fits = false; !fits && guard--;) {
		uint64_t cursor[PCI_MAX_WINDOWS];

		compute_needs(host);
		for (unsigned int i = 0; i < host->nwin; i++) {
			const struct pci_window *w = &host->win[i];
			/* Bus address 0 is never handed out (it reads as "unassigned"). */
			uint64_t floor = w->space == PCI_SPACE_IO ? PCI_BRIDGE_IO_ALIGN : 1;
			cursor[i] = w->bus_addr < floor ? floor : w->bus_addr;
		}
		fits = true;
		for (enum kind k = KIND_IO; k < NR_KINDS && fits; k++) {
			uint64_t al;
			uint64_t size = layout(host, NULL, k, 0, NULL, &al);
			if (!size)
				continue;
			struct pci_dev *owner = NULL;
			unsigned int idx = 0;
			if (!win[k]) {
				if (largest_bar_of_root_kind(host, k, &owner, &idx))
					disable_for_space(owner, idx, "the host bridge has no window of this kind");
				fits = false;
				break;
			}
			unsigned int wi = (unsigned int)(win[k] - host->win);
			uint64_t start = align_up(cursor[wi], al);
			uint64_t end = win[k]->bus_addr + win[k]->size;
			if (start < cursor[wi] || start > end || size > end - start) {
				if (largest_bar_of_root_kind(host, k, &owner, &idx))
					disable_for_space(owner, idx, "no space left in the host bridge window");
				fits = false;
				break;
			}
			base[k] = start;
			cursor[wi] = start + size;
		}
	}

	for (enum kind k = KIND_IO; k < NR_KINDS; k++) {
		uint64_t al;
		if (win[k] && layout(host, NULL, k, 0, NULL, &al))
			layout(host, NULL, k, base[k], win[k], &al);
	}
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (d->host != host)
			continue;
		if (pci_is_bridge(d))
			for (enum kind k = KIND_IO; k < NR_KINDS; k++)
				if (!(bridge_window(d, k)->flags & PCI_BAR_ASSIGNED))
					write_window(d, k, 1, 0);
		write_command(d);
	}
	(void)dev_index;
	return TG_OK;
}
