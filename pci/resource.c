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
 *
 * A function's resources are numbered 0-5 for its BARs, then 6-8 for a
 * bridge's I/O, memory and prefetchable windows, so BARs and windows are
 * laid out, placed and decoded by one path.
 */
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_internal.h"

/* In the order of enum pci_space: kind k is placed in a host window of space k. */
enum kind { KIND_IO, KIND_MEM, KIND_PREF, NR_KINDS };
_Static_assert((int)KIND_IO == PCI_SPACE_IO && (int)KIND_MEM == PCI_SPACE_MEM32 &&
	       (int)KIND_PREF == PCI_SPACE_MEM64, "kind k lives in host windows of space k");

#define NR_RESOURCES	(PCI_NUM_BARS + NR_KINDS)

static const char *const kind_names[NR_KINDS] = { "io", "mem", "mem pref" };

/* Computed window needs of each bridge, indexed like the device pool. */
static uint64_t need_size[PCI_MAX_DEVICES][NR_KINDS];
static uint64_t need_align[PCI_MAX_DEVICES][NR_KINDS];

static PCI_OUTLINE uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t granularity(enum kind k)
{
	return k == KIND_IO ? PCI_BRIDGE_IO_ALIGN : PCI_BRIDGE_MEM_ALIGN;
}

static PCI_OUTLINE struct pci_bar *bridge_window(struct pci_dev *b, enum kind k)
{
	return k == KIND_IO ? &b->win_io : k == KIND_MEM ? &b->win_mem : &b->win_pref;
}

static PCI_OUTLINE struct pci_bar *resource(struct pci_dev *d, unsigned int r)
{
	return r < PCI_NUM_BARS ? &d->bar[r] : bridge_window(d, (enum kind)(r - PCI_NUM_BARS));
}

/* Writes `val` and reads back what stuck: how BARs and windows tell their size. */
static uint32_t cfg_probe(struct pci_dev *dev, uint16_t off, unsigned int size, uint32_t val)
{
	pci_dev_cfg_write(dev, off, size, val);
	return pci_dev_cfg_read(dev, off, size);
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
	unsigned int nbars = dev->hdr_type == PCI_HEADER_TYPE_BRIDGE ? 2 : 6;

	for (unsigned int i = 0; i < nbars; i++) {
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
		struct pci_bar *bar = &dev->bar[i];
		uint32_t lo = cfg_probe(dev, off, 4, 0xffffffffu), hi = 0xffffffffu, low;
		bool bad;

		if (!lo)
			continue;	/* not implemented */
		if (lo & PCI_BAR_SPACE_IO) {
			bar->flags = PCI_BAR_IO;
			low = lo & PCI_BAR_IO_MASK;
			/* No address bits to program, or the reserved bit reads 1: not a real BAR. */
			bad = !low || (lo & 0x2);
			/* 16-bit I/O decoders hardwire the upper half to 0. */
			if (!(low >> 16))
				low |= 0xffff0000u;
		} else {
			unsigned int type = (lo & PCI_BAR_MEM_TYPE_MASK) >> 1;
			if (lo & PCI_BAR_MEM_PREFETCH)
				bar->flags |= PCI_BAR_PREFETCH;
			low = lo & PCI_BAR_MEM_MASK;
			/* Type 3 is reserved; a 64-bit BAR in the last slot has no upper half. */
			bad = type == 3 || (type != 2 && !low);
			if (type == 2) {
				bar->flags |= PCI_BAR_MEM64;
				if (i + 1 < nbars)
					hi = cfg_probe(dev, (uint16_t)(off + 4), 4, 0xffffffffu);
				else
					bad = true;
			}
		}
		uint64_t mask = bad ? 0 : (uint64_t)hi << 32 | low;
		if (!mask_is_sane(mask)) {
			pci_warn(dev, "BAR %u: sizing read back 0x%08x%s, ignored\n", i, (unsigned)lo,
				 (bar->flags & PCI_BAR_MEM64) ? " (64-bit)" : "");
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
	uint32_t io = cfg_probe(b, PCI_IO_BASE, 2, 0xf0f0);

	b->win_io.flags = ((io & 0xf0) ? PCI_BAR_IO : 0) |
			  /* here: 32-bit I/O addressing */
			  ((io & 0x0f) == PCI_IO_RANGE_32BIT ? PCI_BAR_MEM64 : 0);
	uint32_t pref = cfg_probe(b, PCI_PREF_MEMORY_BASE, 4, 0xfff0fff0u);
	if (pref & 0xfff0)
		b->win_pref.flags = PCI_BAR_PREFETCH |
				    ((pref & 0xf) == PCI_PREF_RANGE_64BIT ? PCI_BAR_MEM64 : 0);
	b->win_mem.flags = 0;
}

/* ---- layout ----------------------------------------------------------- */

/* The host window kind `k` is placed in; memory falls back to a prefetchable 32-bit one. */
static PCI_OUTLINE const struct pci_window *root_window(const struct pci_host *host,
							enum kind k)
{
	const struct pci_window *fallback = NULL;

	for (unsigned int i = 0; i < host->nwin; i++) {
		const struct pci_window *w = &host->win[i];
		if (w->space != (enum pci_space)k)
			continue;
		if (k != KIND_MEM || !w->prefetchable)
			return w;
		fallback = w;
	}
	return fallback;
}

/* Whether bridge `b` forwards kind `k` (every bridge has a memory window). */
static bool has_window(const struct pci_dev *b, enum kind k)
{
	if (k == KIND_IO)
		return b->win_io.flags & PCI_BAR_IO;
	return k == KIND_MEM || (b->win_pref.flags & PCI_BAR_MEM64);
}

/*
 * The kind a resource of `natural` kind is placed as, directly below
 * `parent`: 64-bit prefetchable BARs need a 64-bit prefetchable window all
 * the way up, otherwise they live in the (32-bit) memory window.
 */
static PCI_OUTLINE enum kind level_kind(const struct pci_host *host,
					const struct pci_dev *parent, enum kind natural)
{
	if (natural != KIND_PREF)
		return natural;
	bool pref = parent ? has_window(parent, KIND_PREF) : root_window(host, KIND_PREF) != NULL;
	return pref ? KIND_PREF : KIND_MEM;
}

static PCI_OUTLINE enum kind bar_natural_kind(const struct pci_bar *bar)
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

static void place(struct pci_dev *d, unsigned int r, uint64_t base, uint64_t size,
		  const struct pci_window *win);

/*
 * Lays out, from `base`, every resource of kind `k` directly below `parent`
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
			for (unsigned int r = 0; r < NR_RESOURCES; r++) {
				uint64_t size, align;
				enum kind natural;
				if (r < PCI_NUM_BARS) {
					const struct pci_bar *bar = &d->bar[r];
					if (!bar_wanted(d, bar))
						continue;
					size = align = bar->size;
					natural = bar_natural_kind(bar);
				} else {
					/* A child's pref window sits in our pref or our mem window. */
					natural = (enum kind)(r - PCI_NUM_BARS);
					size = need_size[i][natural];
					align = need_align[i][natural];
					if (!size)
						continue;
				}
				if (align != al || level_kind(host, parent, natural) != k)
					continue;
				if (!*max_align)
					*max_align = al;
				cur = align_up(cur, al);
				if (win)
					place(d, r, cur, size, win);
				cur += size;
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
		bool live = b->host == host && pci_is_bridge(b) && !b->disabled;
		for (enum kind k = KIND_IO; k < NR_KINDS; k++) {
			uint64_t g = granularity(k), al, end = 0;
			/* Kinds the bridge cannot forward fold into its memory window. */
			if (live && has_window(b, k))
				end = layout(host, b, k, 0, NULL, &al);
			need_size[i][k] = end ? align_up(end, g) : 0;
			need_align[i][k] = end ? (al > g ? al : g) : 0;
		}
	}
}

/* ---- placing and programming -------------------------------------------- */

/*
 * Base and limit of one bridge window (PCI-to-PCI Bridge 1.2 3.2.5.6 -
 * 3.2.5.10); limit < base closes it.  I/O base/limit are bytes holding
 * address bits 15:12, memory ones halfwords holding bits 31:20: in both
 * the field is the address shifted by the field width, low 4 bits clear.
 */
static void write_window(struct pci_dev *b, enum kind k, uint64_t base, uint64_t limit)
{
	static const uint8_t reg[NR_KINDS] = { PCI_IO_BASE, PCI_MEMORY_BASE, PCI_PREF_MEMORY_BASE };
	unsigned int width = k == KIND_IO ? 8 : 16;
	uint32_t field = (1u << width) - 0x10;

	if (limit < base) {
		base = 0;
		limit = 0;
		pci_dev_cfg_write(b, reg[k], width / 4, field);
	} else {
		pci_dev_cfg_write(b, reg[k], width / 4,
				  (uint32_t)((limit >> width) & field) << width | ((base >> width) & field));
	}
	if (k == KIND_IO && (b->win_io.flags & PCI_BAR_MEM64))
		pci_dev_cfg_write(b, PCI_IO_BASE_UPPER16, 4,
				  (uint32_t)(limit >> 16) << 16 | (uint16_t)(base >> 16));
	if (k == KIND_PREF) {
		pci_dev_cfg_write(b, PCI_PREF_BASE_UPPER32, 4, (uint32_t)(base >> 32));
		pci_dev_cfg_write(b, PCI_PREF_LIMIT_UPPER32, 4, (uint32_t)(limit >> 32));
	}
}

/* Gives resource `r` of `d` the bus address `base`; a window then places what is below it. */
static void place(struct pci_dev *d, unsigned int r, uint64_t base, uint64_t size,
		  const struct pci_window *win)
{
	struct pci_bar *res = resource(d, r);
	enum kind k = (enum kind)(r - PCI_NUM_BARS);
	uint64_t al;

	if (r < PCI_NUM_BARS) {
		uint16_t off = (uint16_t)(PCI_BAR0 + 4 * r);
		pci_dev_cfg_write(d, off, 4, (uint32_t)base);
		if (res->flags & PCI_BAR_MEM64)
			pci_dev_cfg_write(d, (uint16_t)(off + 4), 4, (uint32_t)(base >> 32));
	} else {
		write_window(d, k, base, base + size - 1);
	}
	res->bus_addr = base;
	res->cpu_addr = win->cpu_addr + (base - win->bus_addr);
	res->size = size;
	res->flags |= PCI_BAR_ASSIGNED;
	if (r < PCI_NUM_BARS) {
		pci_info(d, "BAR %u [%s 0x%08llx-0x%08llx%s%s]\n", r,
			 (res->flags & PCI_BAR_IO) ? "io" : "mem", (unsigned long long)res->cpu_addr,
			 (unsigned long long)(res->cpu_addr + size - 1),
			 (res->flags & PCI_BAR_MEM64) ? " 64bit" : "",
			 (res->flags & PCI_BAR_PREFETCH) ? " pref" : "");
		return;
	}
	pci_info(d, "bridge window [%s 0x%08llx-0x%08llx]\n", kind_names[k],
		 (unsigned long long)res->cpu_addr, (unsigned long long)(res->cpu_addr + size - 1));
	layout(d->host, d, k, base, win, &al);
}

static void disable_for_space(struct pci_dev *dev, unsigned int idx, const char *why)
{
	struct pci_bar *bar = &dev->bar[idx];

	bar->flags |= PCI_BAR_NOSPACE;
	dev->disabled = true;
	pci_err(dev, "BAR %u [%s size 0x%llx%s]: %s; device left disabled\n", idx,
		(bar->flags & PCI_BAR_IO) ? "io" : "mem", (unsigned long long)bar->size,
		(bar->flags & PCI_BAR_PREFETCH) ? " pref" : "", why);
}

/*
 * The root kind BAR `bar` of `d` ends up in, following it up: pref folds
 * into mem at the first bridge without a 64-bit pref window.  NR_KINDS:
 * an I/O BAR behind a bridge that forwards no I/O, which nothing reaches.
 */
static enum kind root_kind(const struct pci_host *host, const struct pci_dev *d,
			   const struct pci_bar *bar)
{
	enum kind k = bar_natural_kind(bar);
	const struct pci_dev *p = d;

	do {
		p = p->parent;
		if (k == KIND_IO && p && !has_window(p, KIND_IO))
			return NR_KINDS;
		k = level_kind(host, p, k);
	} while (p);
	return k;
}

/*
 * Leaves out a wanted BAR of root kind `k`: the largest (the first of
 * equals), or with !largest the first.  False when there is none.
 */
static bool leave_out(struct pci_host *host, enum kind k, bool largest, const char *why)
{
	struct pci_dev *owner = NULL;
	unsigned int idx = 0;

	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		for (unsigned int b = 0; d->host == host && b < PCI_NUM_BARS; b++) {
			struct pci_bar *bar = &d->bar[b];
			if (!bar_wanted(d, bar) || root_kind(host, d, bar) != k)
				continue;
			if (!owner || (largest && bar->size > owner->bar[idx].size)) {
				owner = d;
				idx = b;
			}
		}
	}
	if (owner)
		disable_for_space(owner, idx, why);
	return owner;
}

int pci_assign_resources(struct pci_host *host)
{
	uint64_t base[NR_KINDS] = { 0 };
	const struct pci_window *win[NR_KINDS];
	unsigned int guard = PCI_MAX_DEVICES * PCI_NUM_BARS + 1;
	uint64_t al;

	for (enum kind k = KIND_IO; k < NR_KINDS; k++)
		win[k] = root_window(host, k);	/* no 64-bit one: pref folds into mem (level_kind) */

	/* I/O BARs behind a bridge that forwards no I/O can never be reached. */
	while (leave_out(host, NR_KINDS, false, "a bridge above it has no I/O window"))
		;

	/* Size, place, and leave out the largest offender until it all fits. */
	for (bool fits = false; !fits && guard--;) {
		compute_needs(host);
		fits = true;
		for (enum kind k = KIND_IO; k < NR_KINDS && fits; k++) {
			uint64_t size = layout(host, NULL, k, 0, NULL, &al);
			const struct pci_window *w = win[k];
			const char *why = "the host bridge has no window of this kind";
			if (!size)
				continue;
			if (w) {
				/* Bus address 0 is never handed out (it reads as "unassigned"). */
				uint64_t floor = k == KIND_IO ? PCI_BRIDGE_IO_ALIGN : 1;
				uint64_t from = w->bus_addr < floor ? floor : w->bus_addr;
				uint64_t start = align_up(from, al), end = w->bus_addr + w->size;
				if (start >= from && start <= end && size <= end - start) {
					base[k] = start;
					continue;
				}
				why = "no space left in the host bridge window";
			}
			leave_out(host, k, true, why);
			fits = false;
		}
	}

	for (enum kind k = KIND_IO; k < NR_KINDS; k++)
		if (win[k])
			layout(host, NULL, k, base[k], win[k], &al);
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		uint16_t cmd = 0;
		if (d->host != host)
			continue;
		/* Decode what got an address; close the bridge windows that did not
		 * (those of a non-bridge are never assigned). */
		for (unsigned int r = 0; r < NR_RESOURCES; r++) {
			const struct pci_bar *res = resource(d, r);
			if (!(res->flags & PCI_BAR_ASSIGNED)) {
				if (r >= PCI_NUM_BARS && pci_is_bridge(d))
					write_window(d, (enum kind)(r - PCI_NUM_BARS), 1, 0);
			} else if (!d->disabled) {
				cmd |= (res->flags & PCI_BAR_IO) ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
			}
		}
		pci_dev_cfg_write(d, PCI_COMMAND, 2, cmd);
	}
	return TG_OK;
}
