/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Property tests of the DMA-mapping layer (dma/dma_*.c, dma/p2p.c) on a
 * translated device behind the fake SMMU of tests/host/smmu_fake.c.
 *
 * Fixed seeds drive thousands of random dma_map_single / dma_unmap_single /
 * dma_map_sg / dma_unmap_sg calls on two devices at once; a reference model
 * of every live mapping is kept here and, after each step, the invariants
 * of include/tollgate/dma.h are checked against it: IOVA ranges disjoint,
 * none on a reserved bus address, all below the mask, every byte
 * translating to its physical byte (through smmu_iova_lookup and, for the
 * first byte of each piece, through the fake SMMU's own CD walk),
 * read-only for DMA_TO_DEVICE, segments within max_seg_size and
 * seg_boundary.  Then P2P bus-address entries and bad input.
 *
 * Hosts: A has bus == CPU windows (I/O at bus 0, 32-bit MEM, 64-bit MEM),
 * B has windows whose bus addresses differ from their CPU addresses and a
 * dma-ranges entry covering only bus [0, 1 TiB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/dma.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/iova.h>
#include <tollgate/irq.h>
#include <tollgate/p2p.h>
#include <tollgate/page_alloc.h>
#include <tollgate/pci.h>
#include <tollgate/platform.h>
#include <tollgate/smmu.h>

#include "../../dma/dma_internal.h"
#include "smmu_fake.h"

#define SZ_4K		0x1000ull
#define PAGE_MASK_	(SZ_4K - 1)
#define DOORBELL	0x08020000ull
#define BUF_SIZE	(4u << 20)
#define MASK28		((1ull << 28) - 1)
#define MASK32		0xffffffffull
#define MASK48		((1ull << 48) - 1)
#define MAX_LIVE	24	/* per device: keeps every request satisfiable */
#define MAX_ENTS	32

/* ---- stubs the DMA layer links against ------------------------------------------ */

static struct irq_info irqinfo = { .gic_version = 2, .v2m_phys = DOORBELL };
static bool irqinfo_present = true;

uint64_t plat_msi_doorbell(void)
{
	return irqinfo_present ? irqinfo.v2m_phys : 0;
}

/* p2p.c only asks these when the board lets switches route P2P (qemu-virt: no). */
struct pci_dev *pci_common_upstream(const struct pci_dev *a, const struct pci_dev *b)
{
	return NULL;
}

bool pci_p2p_path_redirects(const struct pci_dev *a, const struct pci_dev *b)
{
	return true;
}

/* ---- the fixture ---------------------------------------------------------------- */

static struct fake_smmu *fs;
static struct smmu *smmu;
static uint64_t buf_phys;		/* BUF_SIZE of page-pool memory: the DMA buffers */

static struct pci_host host_a, host_b, host_c;
static struct pci_dev dev_a, dev_b, dev_b_fn1, dev_q, dev_c;
static struct p2p_provider *prov_p;	/* dev_b's BAR 2: cpu != bus */
static struct p2p_provider *prov_q;	/* dev_q's BAR 0, on host A */

#define P_CPU	0x4000100000ull
#define P_BUS	0x20100000ull
#define P_BAR_SIZE	0x100000ull
#define P_SIZE	0x20000ull	/* the fake's ioremap maps at most 128 KiB */
#define Q_CPU	0x10200000ull
#define Q_SIZE	0x10000ull

static void win(struct pci_host *h, enum pci_space sp, uint64_t cpu, uint64_t bus, uint64_t size)
{
	h->win[h->nwin++] = (struct pci_window){ .space = sp, .cpu_addr = cpu, .bus_addr = bus,
						 .size = size, .next = bus };
}

static void build_hosts(void)
{
	memset(&host_a, 0, sizeof(host_a));
	host_a.coherent = true;
	host_a.node = -1;
	win(&host_a, PCI_SPACE_IO, 0x3eff0000ull, 0, 0x10000);
	win(&host_a, PCI_SPACE_MEM32, 0x10000000ull, 0x10000000ull, 0x2eff0000ull);
	win(&host_a, PCI_SPACE_MEM64, 0x8000000000ull, 0x8000000000ull, 0x8000000000ull);
	strcpy(host_a.name, "host-a");

	memset(&host_b, 0, sizeof(host_b));
	host_b.coherent = false;	/* exercises the sync calls on our buffer */
	host_b.node = -1;
	win(&host_b, PCI_SPACE_IO, 0x3eff0000ull, 0, 0x10000);
	win(&host_b, PCI_SPACE_MEM32, 0x4000000000ull, 0x20000000ull, 0x10000000ull);
	win(&host_b, PCI_SPACE_MEM64, 0x8000000000ull, 0x6000000000ull, 0x1000000000ull);
	host_b.dma[host_b.ndma++] = (struct pci_dma_range){ .bus_addr = 0, .cpu_addr = 0,
							    .size = 1ull << 40 };
	strcpy(host_b.name, "host-b");

	/* C: dma-ranges with a hole, so a 48-bit device has little IOVA space;
	 * no window at bus 0, so only the rule for IOVA 0 keeps its page. */
	memset(&host_c, 0, sizeof(host_c));
	host_c.coherent = true;
	host_c.node = -1;
	win(&host_c, PCI_SPACE_IO, 0x3eff0000ull, 0x100000ull, 0x10000);
	win(&host_c, PCI_SPACE_MEM32, 0x10000000ull, 0x50000000ull, 0x08000000ull);
	host_c.dma[host_c.ndma++] = (struct pci_dma_range){ .bus_addr = 0, .cpu_addr = 0,
							    .size = 0x40000000ull };
	host_c.dma[host_c.ndma++] = (struct pci_dma_range){ .bus_addr = 0x60000000ull,
							    .cpu_addr = 0x60000000ull,
							    .size = 0x20000000ull };
	strcpy(host_c.name, "host-c");
}

static void build_dev(struct pci_dev *d, struct pci_host *h, uint8_t bus, uint8_t devfn,
		      uint32_t sid)
{
	memset(d, 0, sizeof(*d));
	d->host = h;
	d->bus = bus;
	d->devfn = devfn;
	d->rid = PCI_RID(bus, devfn);
	d->has_sid = true;
	d->sid = sid;
	d->iommu_node = fake_smmu_node();
	d->pcie_type = -1;
	d->msi_node = -1;
}

/* p2p_provider_register ioremaps the range: the fake's ioremap hands out
 * the register block of a configured, unclaimed fake, so set one up. */
static int register_provider(struct pci_dev *d, unsigned int bar, uint64_t size,
			     struct p2p_provider **out, unsigned int fake_idx)
{
	fake_smmu_setup(fake_idx);
	return p2p_provider_register(d, bar, 0, size, out);
}

static int group_setup(void **state)
{
	fake_env_init();
	fs = fake_smmu_setup(0);
	smmu = fake_probe(fs);
	if (!smmu || smmu_from_node(fake_smmu_node()) != smmu) {
		fprintf(stderr, "group setup: the fake SMMU did not probe\n");
		return -1;
	}
	if (!page_alloc(BUF_SIZE, BUF_SIZE, &buf_phys)) {
		fprintf(stderr, "group setup: no %u bytes in the page pool\n", BUF_SIZE);
		return -1;
	}
	build_hosts();
	build_dev(&dev_a, &host_a, 0, PCI_DEVFN(1, 0), 8);
	build_dev(&dev_b, &host_b, 0, PCI_DEVFN(2, 0), 9);
	build_dev(&dev_b_fn1, &host_b, 0, PCI_DEVFN(2, 1), 10);
	build_dev(&dev_q, &host_a, 0, PCI_DEVFN(3, 0), 11);
	build_dev(&dev_c, &host_c, 0, PCI_DEVFN(4, 0), 12);
	dev_b.bar[2] = (struct pci_bar){ .cpu_addr = P_CPU, .bus_addr = P_BUS, .size = P_BAR_SIZE,
					 .flags = PCI_BAR_ASSIGNED | PCI_BAR_MEM64 };
	dev_q.bar[0] = (struct pci_bar){ .cpu_addr = Q_CPU, .bus_addr = Q_CPU, .size = Q_SIZE,
					 .flags = PCI_BAR_ASSIGNED };
	p2p_reset();
	if (register_provider(&dev_b, 2, P_SIZE, &prov_p, 1) != TG_OK ||
	    register_provider(&dev_q, 0, Q_SIZE, &prov_q, 2) != TG_OK) {
		fprintf(stderr, "group setup: p2p_provider_register failed\n");
		return -1;
	}
	return prov_p->bus_addr == P_BUS && prov_p->cpu_addr == P_CPU ? 0 : -1;
}

/* test_dev_init_errors' devices (released by the teardown when it fails). */
static struct dma_dev init_dd[DMA_MAX_TRANSLATED + 1];

struct devstate;
/* Devices set up by the running test: the teardown releases what a failed one left. */
static struct devstate *active[4];
static void devstate_release(struct devstate *s);

static int teardown(void **state)
{
	for (unsigned int i = 0; i < 4; i++)
		if (active[i])
			devstate_release(active[i]);
	for (unsigned int i = 0; i <= DMA_MAX_TRANSLATED; i++)
		dma_dev_release(&init_dd[i]);
	irqinfo_present = true;
	return fake_check_violations();
}

/* ---- random numbers (xorshift64*, fixed seeds) ------------------------------------ */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* ---- the reference model ----------------------------------------------------------- */

struct live {
	bool sg;
	enum dma_dir dir;
	/* single */
	uint64_t phys;
	size_t size;
	dma_addr_t dma;
	/* scatterlist: in[] the input as given, out[] the list after the map */
	unsigned int nents;
	int nseg;
	struct dma_sg in[MAX_ENTS];
	struct dma_sg out[MAX_ENTS];
	/* the IOVA allocation behind it (iova_find), alloc_size 0 if none */
	uint64_t alloc_start, alloc_size;
};

struct devstate {
	struct dma_dev dd;
	struct pci_dev *pci;
	struct live live[MAX_LIVE];
	unsigned int nlive;
	/* reserved bus ranges [lo, hi] */
	uint64_t res[24][2];
	unsigned int nres;
	/* every IOVA page range ever mapped by a map call, [start, end) */
	uint64_t (*hist)[2];
	size_t nhist, caphist;
};

static struct smmu_domain *dom_of(struct devstate *s)
{
	return dma_dev_domain(&s->dd);
}

static void hist_add(struct devstate *s, uint64_t start, uint64_t end)
{
	if (s->nhist == s->caphist) {
		s->caphist = s->caphist ? 2 * s->caphist : 1024;
		s->hist = realloc(s->hist, s->caphist * sizeof(*s->hist));
		assert_non_null(s->hist);
	}
	s->hist[s->nhist][0] = start;
	s->hist[s->nhist][1] = end;
	s->nhist++;
}

static void add_res(struct devstate *s, uint64_t lo, uint64_t size)
{
	if (!size)
		return;
	uint64_t hi = lo + size - 1 < lo ? ~0ull : lo + size - 1;
	s->res[s->nres][0] = lo;
	s->res[s->nres][1] = hi;
	s->nres++;
}

static void devstate_init(struct devstate *s, struct pci_dev *pci, uint64_t mask)
{
	memset(s, 0, sizeof(*s));
	s->pci = pci;
	assert_int_equal(dma_dev_init(&s->dd, pci, mask), TG_OK);
	for (unsigned int i = 0; i < 4; i++)
		if (!active[i]) {
			active[i] = s;
			break;
		}
	assert_non_null(s->dd.iommu);
	assert_non_null(dom_of(s));
	/* What must never be handed out: IOVA 0's page, every window at its
	 * bus address, the doorbell, bus space outside dma-ranges. */
	add_res(s, 0, SZ_4K);
	for (unsigned int i = 0; i < pci->host->nwin; i++)
		add_res(s, pci->host->win[i].bus_addr, pci->host->win[i].size);
	add_res(s, DOORBELL, SZ_4K);
	uint64_t next = 0;
	for (unsigned int i = 0; i < pci->host->ndma; i++) {
		add_res(s, next, pci->host->dma[i].bus_addr - next);
		next = pci->host->dma[i].bus_addr + pci->host->dma[i].size;
	}
	if (pci->host->ndma)
		add_res(s, next, ~0ull - next + 1);
}

static void devstate_release(struct devstate *s)
{
	dma_dev_release(&s->dd);
	free(s->hist);
	s->hist = NULL;
	s->nhist = s->caphist = 0;
	for (unsigned int i = 0; i < 4; i++)
		if (active[i] == s)
			active[i] = NULL;
}

static void iova_stats_of(struct devstate *s, struct iova_stats *st)
{
	iova_get_stats(&s->dd.iommu->iovad, st);
}

static uint64_t pg_down(uint64_t a)
{
	return a & ~PAGE_MASK_;
}

static uint64_t pg_up(uint64_t a)
{
	return (a + PAGE_MASK_) & ~PAGE_MASK_;
}

/* The CD the fake SMMU finds for the device's stream. */
static void read_cd(struct devstate *s, uint64_t cd[8])
{
	uint64_t ste[8];

	assert_int_equal(fake_read_ste(fs, s->pci->sid, ste, NULL), FAKE_STE_OK);
	assert_int_equal(F_STE_CONFIG(ste[0]), STE_CFG_S1);
	for (unsigned int i = 0; i < 8; i++)
		cd[i] = fake_read64(fs, F_STE_S1CTXPTR(ste[0]) + 8 * i);
}

/* Every byte of [dma, dma+len) reaches [phys, phys+len) with dir's permissions:
 * checked at the first byte, each page start and the last byte. */
static void check_xlate(struct devstate *s, dma_addr_t dma, uint64_t phys, uint64_t len,
			enum dma_dir dir, const uint64_t cd[8])
{
	struct smmu_domain *d = dom_of(s);
	uint64_t a = dma;

	for (;;) {
		uint64_t pa = 0;
		unsigned int prot = 0;
		if (smmu_iova_lookup(d, a, &pa, &prot) != TG_OK || pa != phys + (a - dma)) {
			print_error("IOVA 0x%llx -> 0x%llx, expected 0x%llx\n", (unsigned long long)a,
				    (unsigned long long)pa, (unsigned long long)(phys + (a - dma)));
			fail();
		}
		assert_true(prot & IOMMU_READ);
		if (dir == DMA_TO_DEVICE)
			assert_false(prot & IOMMU_WRITE);
		else
			assert_true(prot & IOMMU_WRITE);
		assert_false(prot & IOMMU_MMIO);
		if (a == dma + len - 1)
			break;
		uint64_t n = pg_down(a) + SZ_4K;
		a = n > dma + len - 1 || n < a ? dma + len - 1 : n;
	}
	if (cd) {
		uint64_t pa = 0;
		assert_int_equal(fake_translate(fs, cd, dma, &pa), TG_OK);
		assert_int_equal(pa, phys);
		assert_int_equal(fake_translate(fs, cd, dma + len - 1, &pa), TG_OK);
		assert_int_equal(pa, phys + len - 1);
	}
}

static bool on_p(uint64_t phys)
{
	return phys >= P_CPU && phys < P_CPU + P_SIZE;
}

/* Checks a scatterlist's output against its input (translation included). */
static void check_sg_output(struct devstate *s, const struct live *l, bool deep)
{
	const struct dma_dev *dd = &s->dd;
	uint64_t cd[8];
	unsigned int e = 0;

	if (deep)
		read_cd(s, cd);
	assert_true(l->nseg >= 1 && l->nseg <= (int)l->nents);
	for (int k = 0; k < l->nseg; k++) {
		const struct dma_sg *g = &l->out[k];
		uint64_t consumed = 0;
		assert_int_not_equal(g->dma_length, 0);
		assert_true(g->dma_length <= dd->max_seg_size);
		assert_true(g->dma_address + g->dma_length - 1 <= dd->mask ||
			    (g->flags & DMA_SG_BUS_ADDRESS));
		if (g->flags & DMA_SG_BUS_ADDRESS) {
			/* Exactly one P entry, at its bus address, never merged. */
			assert_true(e < l->nents);
			assert_true(on_p(l->in[e].phys));
			assert_int_equal(g->flags, DMA_SG_BUS_ADDRESS);
			assert_int_equal(g->dma_address, l->in[e].phys - P_CPU + P_BUS);
			assert_int_equal(g->dma_length, l->in[e].length);
			e++;
			continue;
		}
		assert_int_equal(g->flags, 0);
		assert_int_equal(g->dma_address & ~dd->seg_boundary,
				 (g->dma_address + g->dma_length - 1) & ~dd->seg_boundary);
		while (consumed < g->dma_length) {
			assert_true(e < l->nents);
			const struct dma_sg *in = &l->in[e];
			assert_false(on_p(in->phys));
			dma_addr_t a = g->dma_address + consumed;
			/* The in-page offset, once. */
			assert_int_equal(a & PAGE_MASK_, in->phys & PAGE_MASK_);
			assert_true(consumed + in->length <= g->dma_length);
			if (deep)
				check_xlate(s, a, in->phys, in->length, l->dir, cd);
			consumed += in->length;
			e++;
		}
		/* A neighbour that meets this one must have been merged, unless
		 * the merge would break max_seg_size or seg_boundary. */
		if (k + 1 < l->nseg && !(l->out[k + 1].flags & DMA_SG_BUS_ADDRESS) &&
		    g->dma_address + g->dma_length == l->out[k + 1].dma_address) {
			uint64_t end = l->out[k + 1].dma_address + l->out[k + 1].dma_length - 1;
			assert_true((uint64_t)g->dma_length + l->out[k + 1].dma_length >
					    dd->max_seg_size ||
				    (g->dma_address & ~dd->seg_boundary) != (end & ~dd->seg_boundary));
		}
	}
	assert_int_equal(e, l->nents);
	for (unsigned int i = (unsigned int)l->nseg; i < l->nents; i++) {
		assert_int_equal(l->out[i].dma_length, 0);
		assert_int_equal(l->out[i].flags, 0);
	}
}

/* IOVA page ranges [start, end) of a live mapping (bus-address segments excluded). */
static unsigned int live_ranges(const struct live *l, uint64_t (*r)[2])
{
	unsigned int n = 0;

	if (!l->sg) {
		r[0][0] = pg_down(l->dma);
		r[0][1] = pg_up(l->dma + l->size);
		return 1;
	}
	for (int k = 0; k < l->nseg; k++) {
		if (l->out[k].flags & DMA_SG_BUS_ADDRESS)
			continue;
		r[n][0] = pg_down(l->out[k].dma_address);
		r[n][1] = pg_up(l->out[k].dma_address + l->out[k].dma_length);
		n++;
	}
	return n;
}

/* The cheap invariants, over every live mapping of the device. */
static void check_invariants(struct devstate *s)
{
	static uint64_t all[MAX_LIVE * MAX_ENTS][2];
	static unsigned int owner[MAX_LIVE * MAX_ENTS];
	unsigned int n = 0, consuming = 0;

	for (unsigned int i = 0; i < s->nlive; i++) {
		unsigned int m = live_ranges(&s->live[i], &all[n]);
		for (unsigned int j = 0; j < m; j++)
			owner[n + j] = i;
		n += m;
		if (s->live[i].alloc_size)
			consuming++;
	}
	for (unsigned int i = 0; i < n; i++) {
		uint64_t lo = all[i][0], hi = all[i][1] - 1;
		assert_true(lo < all[i][1]);
		assert_true(hi <= s->dd.mask);
		for (unsigned int r = 0; r < s->nres; r++)
			if (lo <= s->res[r][1] && s->res[r][0] <= hi) {
				print_error("IOVA [0x%llx, 0x%llx] on reserved [0x%llx, 0x%llx]\n",
					    (unsigned long long)lo, (unsigned long long)hi,
					    (unsigned long long)s->res[r][0],
					    (unsigned long long)s->res[r][1]);
				fail();
			}
		for (unsigned int j = i + 1; j < n; j++)
			if (lo < all[j][1] && all[j][0] <= hi) {
				print_error("IOVA ranges overlap: [0x%llx, 0x%llx) (mapping %u) and "
					    "[0x%llx, 0x%llx) (mapping %u)\n",
					    (unsigned long long)all[i][0], (unsigned long long)all[i][1],
					    owner[i], (unsigned long long)all[j][0],
					    (unsigned long long)all[j][1], owner[j]);
				fail();
			}
	}
	/* Allocations: disjoint, each still the one found at map time. */
	for (unsigned int i = 0; i < s->nlive; i++) {
		const struct live *l = &s->live[i];
		if (!l->alloc_size)
			continue;
		uint64_t st, sz;
		assert_int_equal(iova_find(&s->dd.iommu->iovad, l->alloc_start, &st, &sz), TG_OK);
		assert_int_equal(st, l->alloc_start);
		assert_int_equal(sz, l->alloc_size);
		for (unsigned int j = i + 1; j < s->nlive; j++) {
			const struct live *m = &s->live[j];
			if (m->alloc_size)
				assert_true(l->alloc_start + l->alloc_size <= m->alloc_start ||
					    m->alloc_start + m->alloc_size <= l->alloc_start);
		}
	}
	struct iova_stats st;
	iova_stats_of(s, &st);
	assert_int_equal(st.live, consuming);
}

static void check_deep(struct devstate *s)
{
	const char *why = NULL;
	uint64_t cd[8];

	if (iova_check(&s->dd.iommu->iovad, &why) != TG_OK) {
		print_error("iova_check: %s\n", why ? why : "?");
		fail();
	}
	read_cd(s, cd);
	for (unsigned int i = 0; i < s->nlive; i++) {
		const struct live *l = &s->live[i];
		if (l->sg)
			check_sg_output(s, l, true);
		else
			check_xlate(s, l->dma, l->phys, l->size, l->dir, cd);
	}
	/* The doorbell stays mapped 1:1, device-writable. */
	uint64_t pa;
	unsigned int prot;
	assert_int_equal(smmu_iova_lookup(dom_of(s), DOORBELL + 0x40, &pa, &prot), TG_OK);
	assert_int_equal(pa, DOORBELL + 0x40);
	assert_true(prot & IOMMU_WRITE);
}

/* Nothing of [start, end) is mapped any more. */
static void check_unmapped(struct devstate *s, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end; a += SZ_4K) {
		uint64_t pa;
		if (smmu_iova_to_phys(dom_of(s), a, &pa) == TG_OK) {
			print_error("IOVA 0x%llx still maps 0x%llx\n", (unsigned long long)a,
				    (unsigned long long)pa);
			fail();
		}
	}
}

/* What the random runs did (printed per run: a run that exercised nothing shows). */
static struct {
	unsigned long singles, sgs, sg_einval, merged, bus_entries, unmaps;
} ops;

/* ---- random operations ----------------------------------------------------------- */

static enum dma_dir rnd_dir(void)
{
	return (enum dma_dir)(1 + rnd_below(3));
}

/* A random range inside the buffer: page-aligned (whole pages) or not. */
static void rnd_range(uint64_t maxlen, uint64_t *phys, uint32_t *len)
{
	uint64_t l;

	if (rnd_below(2)) {
		uint64_t pages = maxlen / SZ_4K;
		l = (1 + rnd_below(pages)) * SZ_4K;
		*phys = buf_phys + pg_down(rnd_below(BUF_SIZE - l + 1));
	} else {
		switch (rnd_below(4)) {
		case 0:
			l = 1 + rnd_below(64);
			break;
		case 1:
			l = 1 + rnd_below(SZ_4K);
			break;
		default:
			l = 1 + rnd_below(maxlen);
			break;
		}
		*phys = buf_phys + rnd_below(BUF_SIZE - l + 1);
	}
	*len = (uint32_t)l;
}

static void record_alloc(struct devstate *s, struct live *l, dma_addr_t any)
{
	assert_int_equal(iova_find(&s->dd.iommu->iovad, any, &l->alloc_start, &l->alloc_size),
			 TG_OK);
}

static void op_map_single(struct devstate *s)
{
	struct live *l = &s->live[s->nlive];
	uint32_t len;
	uint64_t cd[8];

	memset(l, 0, sizeof(*l));
	rnd_range(rnd_below(8) ? 0x10000 : 0x100000, &l->phys, &len);
	l->size = len;
	l->dir = rnd_dir();
	unsigned long maps = s->dd.cnt.maps;
	int err = dma_map_single(&s->dd, l->phys, l->size, l->dir, &l->dma);
	assert_int_equal(err, TG_OK);
	assert_int_equal(fake_lock_depth(), 0);
	assert_int_equal(s->dd.cnt.maps, maps + 1);
	assert_true(l->dma + l->size - 1 <= s->dd.mask);
	assert_int_equal(l->dma & PAGE_MASK_, l->phys & PAGE_MASK_);
	read_cd(s, cd);
	check_xlate(s, l->dma, l->phys, l->size, l->dir, cd);
	record_alloc(s, l, l->dma);
	assert_true(l->alloc_start <= pg_down(l->dma));
	assert_true(pg_up(l->dma + l->size) <= l->alloc_start + l->alloc_size);
	hist_add(s, pg_down(l->dma), pg_up(l->dma + l->size));
	s->nlive++;
	ops.singles++;
}

static void op_map_sg(struct devstate *s, bool with_p2p)
{
	struct live *l = &s->live[s->nlive];
	bool p2p = with_p2p && rnd_below(3) == 0;
	bool too_big = false;

	memset(l, 0, sizeof(*l));
	l->sg = true;
	l->dir = rnd_dir();
	l->nents = 1 + (unsigned int)rnd_below(MAX_ENTS);
	for (unsigned int i = 0; i < l->nents; i++) {
		struct dma_sg *e = &l->in[i];
		if (p2p && rnd_below(4) == 0) {
			/* A piece of provider P (chunk-aligned or not). */
			uint64_t len = 1 + rnd_below(3 * SZ_4K);
			e->phys = P_CPU + rnd_below(P_SIZE - len + 1);
			e->length = (uint32_t)len;
			if (rnd_below(2))
				e->phys = pg_down(e->phys);
		} else if (i && rnd_below(4) == 0 && !on_p(l->in[i - 1].phys) &&
			   pg_up(l->in[i - 1].phys + l->in[i - 1].length) + SZ_4K <=
				   buf_phys + BUF_SIZE) {
			/* Starts on a page: may merge with a predecessor ending on one. */
			e->phys = buf_phys + pg_down(rnd_below(BUF_SIZE - SZ_4K));
			e->length = (uint32_t)(SZ_4K * (1 + rnd_below(s->dd.max_seg_size / SZ_4K)));
			if (e->phys + e->length > buf_phys + BUF_SIZE)
				e->length = (uint32_t)SZ_4K;
		} else {
			rnd_range(s->dd.max_seg_size, &e->phys, &e->length);
		}
		if (!on_p(e->phys) && pg_up((e->phys & PAGE_MASK_) + e->length) > s->dd.seg_boundary + 1)
			too_big = true;
	}
	memcpy(l->out, l->in, sizeof(l->in));
	/* Garbage in the output fields: the map must overwrite all of them. */
	for (unsigned int i = 0; i < l->nents; i++) {
		l->out[i].dma_address = rnd();
		l->out[i].dma_length = (uint32_t)rnd();
		l->out[i].flags = (uint32_t)rnd();
	}
	struct iova_stats before, after;
	iova_stats_of(s, &before);
	int n = dma_map_sg(&s->dd, l->out, l->nents, l->dir);
	iova_stats_of(s, &after);
	for (unsigned int i = 0; i < l->nents; i++) {
		assert_int_equal(l->out[i].phys, l->in[i].phys);
		assert_int_equal(l->out[i].length, l->in[i].length);
	}
	if (too_big) {
		/* An entry that cannot fit between two boundaries. */
		assert_int_equal(n, TG_EINVAL);
		ops.sg_einval++;
		assert_int_equal(after.live, before.live);
		for (unsigned int i = 0; i < l->nents; i++) {
			assert_int_equal(l->out[i].dma_address, 0);
			assert_int_equal(l->out[i].dma_length, 0);
			assert_int_equal(l->out[i].flags, 0);
		}
		return;
	}
	if (n < 0)
		print_error("dma_map_sg: %d (%u entries)\n", n, l->nents);
	assert_true(n > 0);
	l->nseg = n;
	check_sg_output(s, l, true);
	ops.sgs++;
	for (int k = 0; k < n; k++)
		ops.bus_entries += !!(l->out[k].flags & DMA_SG_BUS_ADDRESS);
	ops.merged += l->nents - (unsigned int)n;
	bool mem = false;
	for (unsigned int i = 0; i < l->nents; i++)
		mem |= !on_p(l->in[i].phys);
	if (mem) {
		assert_int_equal(after.live, before.live + 1);
		for (int k = 0; k < n; k++)
			if (!(l->out[k].flags & DMA_SG_BUS_ADDRESS)) {
				record_alloc(s, l, l->out[k].dma_address);
				break;
			}
		for (int k = 0; k < n; k++) {
			if (l->out[k].flags & DMA_SG_BUS_ADDRESS)
				continue;
			uint64_t a = pg_down(l->out[k].dma_address);
			uint64_t b = pg_up(l->out[k].dma_address + l->out[k].dma_length);
			assert_true(l->alloc_start <= a && b <= l->alloc_start + l->alloc_size);
			hist_add(s, a, b);
		}
	} else {
		/* Only bus addresses: no IOVA at all. */
		assert_int_equal(after.live, before.live);
		assert_int_equal(after.allocs, before.allocs);
	}
	s->nlive++;
}

static void op_unmap(struct devstate *s, unsigned int i)
{
	struct live *l = &s->live[i];
	uint64_t r[MAX_ENTS][2];
	unsigned int m = live_ranges(l, r);

	if (!l->sg) {
		assert_int_equal(dma_unmap_single(&s->dd, l->dma, l->size, l->dir), TG_OK);
		assert_int_equal(fake_lock_depth(), 0);
	} else {
		assert_int_equal(dma_unmap_sg(&s->dd, l->out, l->nents, l->dir), TG_OK);
		assert_int_equal(fake_lock_depth(), 0);
		for (unsigned int k = 0; k < l->nents; k++) {
			assert_int_equal(l->out[k].dma_address, 0);
			assert_int_equal(l->out[k].dma_length, 0);
			assert_int_equal(l->out[k].flags, 0);
		}
	}
	for (unsigned int k = 0; k < m; k++)
		check_unmapped(s, r[k][0], r[k][1]);
	ops.unmaps++;
	if (l->alloc_size) {
		uint64_t st, sz;
		int err = iova_find(&s->dd.iommu->iovad, l->alloc_start, &st, &sz);
		assert_int_not_equal(err, TG_OK);
	}
	s->live[i] = s->live[--s->nlive];
}

/* Unmaps everything left in random order; then no live IOVA range and
 * nothing that was ever mapped still translates. */
static void drain(struct devstate *s)
{
	check_deep(s);
	while (s->nlive)
		op_unmap(s, (unsigned int)rnd_below(s->nlive));
	struct iova_stats is;
	iova_stats_of(s, &is);
	assert_int_equal(is.live, 0);
	assert_int_equal(iova_check(&s->dd.iommu->iovad, NULL), TG_OK);
	for (size_t h = 0; h < s->nhist; h++)
		check_unmapped(s, s->hist[h][0], s->hist[h][1]);
	check_deep(s);	/* the doorbell survived it all */
}

#define EPOCH	500	/* steps between device re-configurations */

static void run_props(uint64_t seed, unsigned int steps, struct pci_dev *pa, struct pci_dev *pb)
{
	static const uint64_t masks[] = { MASK28, MASK32, MASK48 };
	static const uint64_t bounds[] = { 0xffffull, 0x1ffffull, 0xfffffull, 0xffffffffull };
	static const uint32_t segs[] = { 0x4000, 0x10000, 0x10000, 0x20000 };
	static struct devstate st[2];
	unsigned int configs = 0;

	rng = seed;
	memset(&ops, 0, sizeof(ops));
	struct pci_dev *devs[2] = { pa, pb };
	for (unsigned int step = 0; step < steps; step++) {
		if (step % EPOCH == 0) {
			/* A fresh set-up of both devices: mask, boundary, segment size. */
			for (unsigned int d = 0; d < 2; d++) {
				if (step) {
					drain(&st[d]);
					devstate_release(&st[d]);
				}
				devstate_init(&st[d], devs[d], masks[rnd_below(3)]);
				st[d].dd.seg_boundary = bounds[rnd_below(4)];
				st[d].dd.max_seg_size = segs[rnd_below(4)];
				configs++;
			}
		}
		struct devstate *s = &st[rnd_below(2)];
		unsigned int op = (unsigned int)rnd_below(10);
		if (s->nlive == MAX_LIVE || (op >= 7 && s->nlive))
			op_unmap(s, (unsigned int)rnd_below(s->nlive));
		else if (op < 4)
			op_map_single(s);
		else
			op_map_sg(s, s->pci == &dev_b);
		check_invariants(s);
		if (step % 128 == 127)
			check_deep(s);
	}
	for (unsigned int d = 0; d < 2; d++) {
		drain(&st[d]);
		assert_true(st[d].nhist > 0);
		devstate_release(&st[d]);
	}
	printf("  seed %016llx: %u configs, %lu single, %lu sg (%lu entries merged away, "
	       "%lu bus-address segments), %lu sg refused (seg_boundary), %lu unmaps\n",
	       (unsigned long long)seed, configs, ops.singles, ops.sgs, ops.merged,
	       ops.bus_entries, ops.sg_einval, ops.unmaps);
	assert_true(ops.singles > steps / 10 && ops.sgs > steps / 10 && ops.unmaps > steps / 10);
}

static void test_props_seed1(void **state)
{
	run_props(0x9e3779b97f4a7c15ull, 4000, &dev_a, &dev_b);
}

static void test_props_seed2(void **state)
{
	run_props(0x0123456789abcdefull, 4000, &dev_b, &dev_a);
}

static void test_props_seed3(void **state)
{
	run_props(0xdeadbeefcafef00dull, 4000, &dev_a, &dev_b);
}

/* Without an interrupt controller: no doorbell to reserve. */
static void test_props_no_doorbell(void **state)
{
	irqinfo_present = false;
	rng = 42;
	static struct devstate s;
	devstate_init(&s, &dev_a, MASK32);
	assert_int_equal(s.dd.iommu->msi_iova, 0);
	s.nres--;	/* drop the doorbell from the model: nothing reserved there */
	assert_true(s.res[s.nres][0] == DOORBELL);
	for (unsigned int i = 0; i < 500; i++) {
		if (s.nlive == MAX_LIVE || (rnd_below(3) == 0 && s.nlive))
			op_unmap(&s, (unsigned int)rnd_below(s.nlive));
		else if (rnd_below(2))
			op_map_single(&s);
		else
			op_map_sg(&s, false);
		check_invariants(&s);
	}
	while (s.nlive)
		op_unmap(&s, s.nlive - 1);
	devstate_release(&s);
}

/* ---- a full IOVA space --------------------------------------------------------- */

/*
 * Maps until the space is full (TG_ERANGE), largest pieces first, so that
 * every hole the reservations leave gets used: no mapping may land on a
 * reserved bus address or beyond the mask; a full space changes nothing.
 */
static void fill_space(struct pci_dev *pci, uint64_t mask, unsigned int max_order)
{
	static struct devstate s;
	static dma_addr_t dmas[DMA_IOVA_RANGES];
	static size_t sizes[DMA_IOVA_RANGES];
	unsigned int n = 0;
	uint64_t total = 0;

	devstate_init(&s, pci, mask);
	for (int order = (int)max_order; order >= 12; order--) {
		size_t size = (size_t)1 << order;
		for (;;) {
			dma_addr_t dma;
			/* Device reads only: the non-coherent host then only cleans. */
			int err = dma_map_single(&s.dd, FAKE_POOL_BASE, size, DMA_TO_DEVICE, &dma);
			if (err == TG_ERANGE)
				break;
			assert_int_equal(err, TG_OK);
			assert_true(n < DMA_IOVA_RANGES);
			dmas[n] = dma;
			sizes[n] = size;
			n++;
			total += size;
			uint64_t lo = dma, hi = dma + size - 1;
			assert_true(hi <= mask && lo <= hi);
			for (unsigned int r = 0; r < s.nres; r++)
				if (lo <= s.res[r][1] && s.res[r][0] <= hi) {
					print_error("%s mask 0x%llx: [0x%llx, 0x%llx] on reserved "
						    "[0x%llx, 0x%llx]\n", pci->host->name,
						    (unsigned long long)mask, (unsigned long long)lo,
						    (unsigned long long)hi,
						    (unsigned long long)s.res[r][0],
						    (unsigned long long)s.res[r][1]);
					fail();
				}
		}
	}
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			assert_true(dmas[i] + sizes[i] <= dmas[j] || dmas[j] + sizes[j] <= dmas[i]);
	/* Full: a single page and a one-entry list fail, and change nothing. */
	struct iova_stats before, after;
	unsigned long smaps = smmu_domain_counters(dom_of(&s))->maps;
	iova_stats_of(&s, &before);
	dma_addr_t dma = 0x777;
	assert_int_equal(dma_map_single(&s.dd, buf_phys, 1, DMA_TO_DEVICE, &dma), TG_ERANGE);
	assert_int_equal(dma, 0x777);
	struct dma_sg one = { .phys = buf_phys + 0x10, .length = 0x10 };
	assert_int_equal(dma_map_sg(&s.dd, &one, 1, DMA_TO_DEVICE), TG_ERANGE);
	assert_int_equal(one.dma_address, 0);
	assert_int_equal(one.dma_length, 0);
	iova_stats_of(&s, &after);
	assert_int_equal(after.live, before.live);
	assert_int_equal(after.live, n);
	assert_int_equal(smmu_domain_counters(dom_of(&s))->maps, smaps);
	check_deep(&s);
	printf("  %s, mask 0x%llx: full after %u mappings, %llu MiB\n", pci->host->name,
	       (unsigned long long)mask, n, (unsigned long long)(total >> 20));
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(dma_unmap_single(&s.dd, dmas[i], sizes[i], DMA_TO_DEVICE), TG_OK);
	iova_stats_of(&s, &after);
	assert_int_equal(after.live, 0);
	for (unsigned int i = 0; i < n; i++)
		check_unmapped(&s, dmas[i], dmas[i] + sizes[i]);
	devstate_release(&s);
}

static void test_fill_28bit(void **state)
{
	fill_space(&dev_a, MASK28, 24);
	fill_space(&dev_b, MASK28, 24);
}

static void test_fill_32bit(void **state)
{
	fill_space(&dev_a, MASK32, 24);
	fill_space(&dev_b, MASK32, 24);
}

/* 48 bits of mask, but dma-ranges leave 1.5 GiB of it. */
static void test_fill_dma_ranges(void **state)
{
	fill_space(&dev_c, MASK48, 24);
}

/* ---- P2P --------------------------------------------------------------------------- */

static void test_p2p_map_types(void **state)
{
	assert_int_equal(p2p_map_type(prov_p, &dev_b), P2P_MAP_BUS_ADDR);
	assert_int_equal(p2p_map_type(prov_p, &dev_b_fn1), P2P_MAP_BUS_ADDR);
	assert_int_equal(p2p_map_type(prov_p, &dev_a), P2P_MAP_NOT_SUPPORTED);
	assert_int_equal(p2p_map_type(prov_q, &dev_b), P2P_MAP_NOT_SUPPORTED);
	assert_ptr_equal(p2p_provider_of(P_CPU + P_SIZE - 1), prov_p);
	assert_null(p2p_provider_of(P_CPU + P_SIZE));
	assert_null(p2p_provider_of(P_BUS));
}

/* The chunk allocator of a provider: first fit, naturally aligned, freed exactly. */
static uint64_t p2p_take(size_t size)
{
	uint64_t phys = 0;
	volatile uint8_t *va = p2p_alloc(prov_p, size, &phys);

	if (!va)
		return ~0ull;
	/* The CPU pointer and the physical address name the same chunk. */
	assert_int_equal((uint64_t)(va - prov_p->va), phys - P_CPU);
	return (phys - P_CPU) / P2P_CHUNK;
}

static void p2p_give(uint64_t chunk, size_t size)
{
	p2p_free(prov_p, (void *)(uintptr_t)(prov_p->va + chunk * P2P_CHUNK), size);
}

static void test_p2p_alloc(void **state)
{
	const unsigned int total = P_SIZE / P2P_CHUNK;	/* 32 */

	assert_int_equal(p2p_take(1), 0);
	assert_int_equal(p2p_take(2 * P2P_CHUNK), 2);		/* aligned to 2: not at 1 */
	assert_int_equal(p2p_take(100), 1);			/* first fit, rounded up */
	assert_int_equal(p2p_take(3 * P2P_CHUNK), 4);		/* 3 chunks aligned to 4 */
	assert_int_equal(p2p_take(8 * P2P_CHUNK), 8);
	assert_int_equal(p2p_take(16 * P2P_CHUNK), 16);		/* across a byte boundary */
	assert_int_equal(p2p_take(P2P_CHUNK), 7);
	assert_int_equal(p2p_take(2 * P2P_CHUNK), ~0ull);	/* 0-31 all taken but nothing aligned */
	assert_int_equal(p2p_take(P2P_CHUNK + 1), ~0ull);
	assert_int_equal(p2p_take(total * P2P_CHUNK + 1), ~0ull);
	assert_null(p2p_alloc(prov_p, 0, NULL));
	assert_null(p2p_alloc(NULL, P2P_CHUNK, NULL));

	/* Freed exactly: the 16 at 16, then 2 of them in the middle. */
	p2p_give(16, 16 * P2P_CHUNK);
	assert_int_equal(p2p_take(4 * P2P_CHUNK), 16);
	p2p_give(17, 2 * P2P_CHUNK);				/* 17 and 18 only */
	assert_int_equal(p2p_take(2 * P2P_CHUNK), 20);		/* 16-19 not a free pair */
	assert_int_equal(p2p_take(P2P_CHUNK), 17);
	assert_int_equal(p2p_take(P2P_CHUNK), 18);
	/* A free running past the end stops there; outside pointers are ignored. */
	assert_int_equal(p2p_take(8 * P2P_CHUNK), 24);
	assert_int_equal(p2p_take(2 * P2P_CHUNK), 22);		/* now all 32 taken */
	p2p_give(30, 10 * P2P_CHUNK);
	assert_int_equal(p2p_take(2 * P2P_CHUNK), 30);
	p2p_free(prov_p, (void *)(uintptr_t)(prov_p->va + P_SIZE), P2P_CHUNK);
	p2p_free(prov_p, NULL, P2P_CHUNK);
	p2p_free(NULL, (void *)(uintptr_t)prov_p->va, P2P_CHUNK);
	assert_int_equal(p2p_take(P2P_CHUNK), ~0ull);

	/* Everything back: the whole provider in one piece, then nothing. */
	p2p_give(0, P_SIZE);
	assert_int_equal(p2p_take(total * P2P_CHUNK), 0);
	assert_int_equal(p2p_take(1), ~0ull);
	p2p_give(0, P_SIZE);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(prov_p->used[i], 0);
}

static void test_p2p_bus_addr(void **state)
{
	static struct devstate s;
	struct dma_sg sg[6];
	struct iova_stats before, after;

	devstate_init(&s, &dev_b, MASK32);
	/* Only P entries, two of them meeting in bus space: no IOVA, no merge. */
	memset(sg, 0xa5, sizeof(sg));
	sg[0] = (struct dma_sg){ .phys = P_CPU, .length = 0x1000 };
	sg[1] = (struct dma_sg){ .phys = P_CPU + 0x1000, .length = 0x1000 };
	sg[2] = (struct dma_sg){ .phys = P_CPU + 0x5123, .length = 0x345 };
	iova_stats_of(&s, &before);
	unsigned long smaps = smmu_domain_counters(dom_of(&s))->maps;
	assert_int_equal(dma_map_sg(&s.dd, sg, 3, DMA_BIDIRECTIONAL), 3);
	iova_stats_of(&s, &after);
	assert_int_equal(after.allocs, before.allocs);
	assert_int_equal(after.live, before.live);
	assert_int_equal(smmu_domain_counters(dom_of(&s))->maps, smaps);
	assert_int_equal(sg[0].dma_address, P_BUS);
	assert_int_equal(sg[1].dma_address, P_BUS + 0x1000);
	assert_int_equal(sg[2].dma_address, P_BUS + 0x5123);
	assert_int_equal(sg[0].dma_length, 0x1000);
	assert_int_equal(sg[1].dma_length, 0x1000);
	assert_int_equal(sg[2].dma_length, 0x345);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(sg[i].flags, DMA_SG_BUS_ADDRESS);
	assert_int_equal(dma_unmap_sg(&s.dd, sg, 3, DMA_BIDIRECTIONAL), TG_OK);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(sg[i].flags, 0);
		assert_int_equal(sg[i].dma_length, 0);
	}
	iova_stats_of(&s, &after);
	assert_int_equal(after.frees, before.frees);

	/* Mixed: memory, P, memory; the memory entries meet around the P one
	 * in IOVA space only if laid out so -- they must not merge across it. */
	sg[0] = (struct dma_sg){ .phys = buf_phys, .length = 0x2000 };
	sg[1] = (struct dma_sg){ .phys = P_CPU + 0x10000, .length = 0x800 };
	sg[2] = (struct dma_sg){ .phys = buf_phys + 0x2000, .length = 0x1000 };
	sg[3] = (struct dma_sg){ .phys = buf_phys + 0x10010, .length = 0x10 };
	iova_stats_of(&s, &before);
	int n = dma_map_sg(&s.dd, sg, 4, DMA_TO_DEVICE);
	assert_int_equal(n, 4);
	iova_stats_of(&s, &after);
	assert_int_equal(after.live, before.live + 1);
	assert_int_equal(sg[1].flags, DMA_SG_BUS_ADDRESS);
	assert_int_equal(sg[1].dma_address, P_BUS + 0x10000);
	assert_int_equal(sg[1].dma_length, 0x800);
	assert_int_equal(sg[0].flags, 0);
	assert_int_equal(sg[2].flags, 0);
	assert_int_equal(sg[3].flags, 0);
	check_xlate(&s, sg[0].dma_address, buf_phys, 0x2000, DMA_TO_DEVICE, NULL);
	check_xlate(&s, sg[2].dma_address, buf_phys + 0x2000, 0x1000, DMA_TO_DEVICE, NULL);
	check_xlate(&s, sg[3].dma_address, buf_phys + 0x10010, 0x10, DMA_TO_DEVICE, NULL);
	/* The other function of the same device: bus addresses as well. */
	static struct devstate s1;
	devstate_init(&s1, &dev_b_fn1, MASK48);
	struct dma_sg one = { .phys = P_CPU + 0x1f000, .length = 0x1000 };
	assert_int_equal(dma_map_sg(&s1.dd, &one, 1, DMA_FROM_DEVICE), 1);
	assert_int_equal(one.dma_address, P_BUS + 0x1f000);
	assert_int_equal(one.flags, DMA_SG_BUS_ADDRESS);
	assert_int_equal(dma_unmap_sg(&s1.dd, &one, 1, DMA_FROM_DEVICE), TG_OK);
	assert_int_equal(one.flags, 0);
	devstate_release(&s1);

	uint64_t d0 = sg[0].dma_address, d3 = sg[3].dma_address;
	assert_int_equal(dma_unmap_sg(&s.dd, sg, 4, DMA_TO_DEVICE), TG_OK);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(sg[i].flags, 0);
		assert_int_equal(sg[i].dma_address, 0);
		assert_int_equal(sg[i].dma_length, 0);
	}
	check_unmapped(&s, pg_down(d0), pg_down(d0) + 0x3000);
	check_unmapped(&s, pg_down(d3), pg_down(d3) + 0x1000);
	iova_stats_of(&s, &after);
	assert_int_equal(after.live, 0);
	devstate_release(&s);
}

/* A provider the client cannot reach: TG_EP2P, the list clean, nothing allocated. */
static void test_p2p_unreachable(void **state)
{
	static struct devstate s;
	struct dma_sg sg[4];
	struct iova_stats before, after;
	const struct {
		struct pci_dev *client;
		uint64_t phys;
	} cases[] = {
		{ &dev_b, Q_CPU + 0x1000 },	/* Q lives on host A */
		{ &dev_a, P_CPU + 0x2000 },	/* P lives on host B */
		{ &dev_b, Q_CPU },		/* after a bus-address entry of P */
	};

	for (unsigned int c = 0; c < 3; c++) {
		devstate_init(&s, cases[c].client, MASK48);
		memset(sg, 0x5a, sizeof(sg));
		sg[0] = (struct dma_sg){ .phys = buf_phys, .length = 0x3000 };
		sg[1] = (struct dma_sg){ .phys = buf_phys + 0x8000, .length = 0x100 };
		sg[2] = (struct dma_sg){ .phys = cases[c].phys, .length = 0x1000 };
		sg[3] = (struct dma_sg){ .phys = buf_phys + 0x9000, .length = 0x1000 };
		if (c == 2)
			sg[1] = (struct dma_sg){ .phys = P_CPU + 0x3000, .length = 0x100 };
		iova_stats_of(&s, &before);
		unsigned long smaps = smmu_domain_counters(dom_of(&s))->maps;
		assert_int_equal(dma_map_sg(&s.dd, sg, 4, DMA_BIDIRECTIONAL), TG_EP2P);
		iova_stats_of(&s, &after);
		assert_int_equal(after.allocs, before.allocs);
		assert_int_equal(after.live, before.live);
		assert_int_equal(smmu_domain_counters(dom_of(&s))->maps, smaps);
		for (unsigned int i = 0; i < 4; i++) {
			assert_int_equal(sg[i].dma_address, 0);
			assert_int_equal(sg[i].dma_length, 0);
			assert_int_equal(sg[i].flags, 0);
		}
		assert_int_equal(sg[2].phys, cases[c].phys);
		/* A clean list has nothing to unmap. */
		assert_int_equal(dma_unmap_sg(&s.dd, sg, 4, DMA_BIDIRECTIONAL), TG_ENOENT);
		devstate_release(&s);
	}
}

/* Through the root complex (qemu-virt allows it): an IOVA with device-memory
 * attributes onto the BAR's CPU address, not a bus address. */
static void test_p2p_thru_host_bridge(void **state)
{
	static struct devstate s;
	struct dma_sg sg[2];
	uint64_t pa;
	unsigned int prot;

	assert_int_equal(p2p_map_type(prov_q, &dev_a), P2P_MAP_THRU_HOST_BRIDGE);
	devstate_init(&s, &dev_a, MASK32);
	sg[0] = (struct dma_sg){ .phys = Q_CPU + 0x2040, .length = 0x100 };
	sg[1] = (struct dma_sg){ .phys = buf_phys + 0x3000, .length = 0x1000 };
	int n = dma_map_sg(&s.dd, sg, 2, DMA_FROM_DEVICE);
	assert_true(n >= 1);
	assert_int_equal(sg[0].flags, 0);
	assert_int_equal(sg[0].dma_address & PAGE_MASK_, 0x040);
	assert_int_equal(smmu_iova_lookup(dom_of(&s), sg[0].dma_address, &pa, &prot), TG_OK);
	assert_int_equal(pa, Q_CPU + 0x2040);
	assert_true(prot & IOMMU_MMIO);
	assert_true(prot & IOMMU_WRITE);
	assert_int_equal(dma_unmap_sg(&s.dd, sg, 2, DMA_FROM_DEVICE), TG_OK);
	struct iova_stats st;
	iova_stats_of(&s, &st);
	assert_int_equal(st.live, 0);
	devstate_release(&s);
}

/* dma_dev_init: bad masks, a stream attached twice, the pool of translated devices. */
static void test_dev_init_errors(void **state)
{
	struct dma_dev *dd = init_dd, again;
	static struct pci_dev devs[DMA_MAX_TRANSLATED + 1];
	dma_addr_t dma;

	assert_int_equal(dma_dev_init(&dd[0], &dev_a, 0), TG_EINVAL);
	assert_int_equal(dma_dev_init(&dd[0], &dev_a, 0xffe), TG_EINVAL);
	assert_int_equal(dma_dev_init(NULL, &dev_a, MASK32), TG_EINVAL);
	assert_int_equal(dma_dev_init(&dd[0], NULL, MASK32), TG_EINVAL);

	for (unsigned int i = 0; i <= DMA_MAX_TRANSLATED; i++)
		build_dev(&devs[i], &host_a, 1, PCI_DEVFN(i, 0), 0x40 + i);
	for (unsigned int i = 0; i < DMA_MAX_TRANSLATED; i++) {
		assert_int_equal(dma_dev_init(&dd[i], &devs[i], MASK32), TG_OK);
		assert_non_null(dma_dev_domain(&dd[i]));
	}
	assert_int_equal(dma_dev_init(&dd[DMA_MAX_TRANSLATED], &devs[DMA_MAX_TRANSLATED], MASK32),
			 TG_ENOMEM);
	dma_dev_release(&dd[DMA_MAX_TRANSLATED - 1]);
	/* The stream of device 0 is taken: TG_EBUSY, and device 0 still works. */
	assert_int_equal(dma_dev_init(&again, &devs[0], MASK32), TG_EBUSY);
	assert_null(dma_dev_domain(&again));
	assert_int_equal(dma_map_single(&dd[0], buf_phys + 0x123, 0x10, DMA_TO_DEVICE, &dma),
			 TG_OK);
	uint64_t pa;
	assert_int_equal(smmu_iova_to_phys(dma_dev_domain(&dd[0]), dma, &pa), TG_OK);
	assert_int_equal(pa, buf_phys + 0x123);
	assert_int_equal(dma_unmap_single(&dd[0], dma, 0x10, DMA_TO_DEVICE), TG_OK);
	/* The failed init gave its slot back: one more device fits. */
	assert_int_equal(dma_dev_init(&dd[DMA_MAX_TRANSLATED], &devs[DMA_MAX_TRANSLATED], MASK32),
			 TG_OK);
	dma_dev_release(&dd[DMA_MAX_TRANSLATED]);
	for (unsigned int i = 0; i + 1 < DMA_MAX_TRANSLATED; i++)
		dma_dev_release(&dd[i]);

	/* No StreamID: the direct path. */
	struct pci_dev nosid = dev_a;
	nosid.has_sid = false;
	assert_int_equal(dma_dev_init(&dd[0], &nosid, MASK32), TG_OK);
	assert_null(dd[0].iommu);
	assert_null(dma_dev_domain(&dd[0]));
	dma_dev_release(&dd[0]);
}

/* ---- bad input ---------------------------------------------------------------------- */

struct snap {
	struct iova_stats st;
	unsigned long smaps, sunmaps;
	uint64_t ranges[64][3];
	unsigned int nranges;
};

static int snap_walk(void *ctx, uint64_t first, uint64_t last, enum iova_kind kind)
{
	struct snap *sn = ctx;

	if (sn->nranges == 64)
		return -1;
	sn->ranges[sn->nranges][0] = first;
	sn->ranges[sn->nranges][1] = last;
	sn->ranges[sn->nranges][2] = kind;
	sn->nranges++;
	return 0;
}

static void take_snap(struct devstate *s, struct snap *sn)
{
	memset(sn, 0, sizeof(*sn));
	iova_stats_of(s, &sn->st);
	sn->smaps = smmu_domain_counters(dom_of(s))->maps;
	sn->sunmaps = smmu_domain_counters(dom_of(s))->unmaps;
	assert_int_equal(iova_walk(&s->dd.iommu->iovad, snap_walk, sn), 0);
}

/* The allocator and the page tables exactly as in `sn` (live mappings re-walked). */
static void same_as(struct devstate *s, const struct snap *sn)
{
	struct snap now;

	take_snap(s, &now);
	assert_int_equal(now.st.live, sn->st.live);
	assert_int_equal(now.st.cached, sn->st.cached);
	assert_int_equal(now.st.reserved, sn->st.reserved);
	assert_int_equal(now.st.nodes_free, sn->st.nodes_free);
	assert_int_equal(now.st.allocs, sn->st.allocs);
	assert_int_equal(now.st.frees, sn->st.frees);
	assert_int_equal(now.smaps, sn->smaps);
	assert_int_equal(now.sunmaps, sn->sunmaps);
	assert_int_equal(now.nranges, sn->nranges);
	assert_memory_equal(now.ranges, sn->ranges, sizeof(now.ranges));
	check_deep(s);
}

static void test_bad_single(void **state)
{
	static struct devstate s;
	struct snap sn;
	dma_addr_t dma = 0x1234;

	rng = 7;
	devstate_init(&s, &dev_a, MASK28);
	for (unsigned int i = 0; i < 6; i++)
		op_map_single(&s);
	op_map_sg(&s, false);
	struct live keep = s.live[0];
	take_snap(&s, &sn);

	assert_int_equal(dma_map_single(&s.dd, buf_phys, 0, DMA_TO_DEVICE, &dma), TG_EINVAL);
	assert_int_equal(dma_map_single(&s.dd, ~0ull - 0xff, 0x200, DMA_TO_DEVICE, &dma),
			 TG_EINVAL);
	assert_int_equal(dma_map_single(&s.dd, buf_phys, 0x100, (enum dma_dir)0, &dma), TG_EINVAL);
	assert_int_equal(dma_map_single(&s.dd, buf_phys, 0x100, (enum dma_dir)4, &dma), TG_EINVAL);
	assert_int_equal(dma_map_single(&s.dd, buf_phys, 0x100, DMA_TO_DEVICE, NULL), TG_EINVAL);
	/* Larger than the whole 28-bit space. */
	assert_int_equal(dma_map_single(&s.dd, buf_phys, (size_t)1 << 29, DMA_FROM_DEVICE, &dma),
			 TG_ERANGE);
	assert_int_equal(dma, 0x1234);
	same_as(&s, &sn);

	/* Unmap with the wrong size (other page count) or direction. */
	if (!keep.sg) {
		assert_int_equal(dma_unmap_single(&s.dd, keep.dma, keep.size + 2 * SZ_4K, keep.dir),
				 TG_EINVAL);
		/* A size that only differs above the 48 bits an IOVA space can hold. */
		assert_int_equal(dma_unmap_single(&s.dd, keep.dma, keep.size + (1ull << 48), keep.dir),
				 TG_EINVAL);
		enum dma_dir other = keep.dir == DMA_TO_DEVICE ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
		assert_int_equal(dma_unmap_single(&s.dd, keep.dma, keep.size, other), TG_EINVAL);
		assert_int_equal(dma_unmap_single(&s.dd, keep.dma, 0, keep.dir), TG_EINVAL);
		assert_int_equal(dma_unmap_single(&s.dd, keep.dma, keep.size, (enum dma_dir)7),
				 TG_EINVAL);
		/* Inside the mapping, not at its start. */
		if (pg_up(keep.dma + keep.size) - pg_down(keep.dma) > SZ_4K)
			assert_int_not_equal(dma_unmap_single(&s.dd, pg_down(keep.dma) + SZ_4K,
							      SZ_4K, keep.dir),
					     TG_OK);
	}
	/* Never mapped: free IOVA space. */
	assert_int_equal(iova_find(&s.dd.iommu->iovad, 0x00100000ull, NULL, NULL), TG_ENOENT);
	assert_int_equal(dma_unmap_single(&s.dd, 0x00100000ull, SZ_4K, DMA_TO_DEVICE), TG_ENOENT);
	/* The doorbell and IOVA 0 are not mappings of ours. */
	assert_int_not_equal(dma_unmap_single(&s.dd, DOORBELL, SZ_4K, DMA_FROM_DEVICE), TG_OK);
	assert_int_not_equal(dma_unmap_single(&s.dd, 0, SZ_4K, DMA_FROM_DEVICE), TG_OK);
	same_as(&s, &sn);

	/* Double unmap. */
	unsigned int i = s.live[0].sg ? 1 : 0;
	struct live l = s.live[i];
	op_unmap(&s, i);
	take_snap(&s, &sn);
	assert_int_equal(dma_unmap_single(&s.dd, l.dma, l.size, l.dir), TG_ENOENT);
	same_as(&s, &sn);

	while (s.nlive)
		op_unmap(&s, s.nlive - 1);
	devstate_release(&s);
}

static void test_bad_sg(void **state)
{
	static struct devstate s;
	static struct dma_sg big[DMA_SG_MAX + 1];
	struct dma_sg sg[3];
	struct snap sn;

	rng = 11;
	devstate_init(&s, &dev_b, MASK32);
	for (unsigned int i = 0; i < 5; i++)
		op_map_sg(&s, false);
	take_snap(&s, &sn);

	struct dma_sg good = { .phys = buf_phys + 0x100, .length = 0x800 };
	sg[0] = sg[1] = sg[2] = good;
	assert_int_equal(dma_map_sg(&s.dd, sg, 0, DMA_TO_DEVICE), TG_EINVAL);
	assert_int_equal(dma_map_sg(&s.dd, NULL, 1, DMA_TO_DEVICE), TG_EINVAL);
	assert_int_equal(dma_map_sg(&s.dd, sg, 3, (enum dma_dir)0), TG_EINVAL);
	sg[1].length = 0;
	assert_int_equal(dma_map_sg(&s.dd, sg, 3, DMA_TO_DEVICE), TG_EINVAL);
	sg[1] = (struct dma_sg){ .phys = ~0ull - 0x7f, .length = 0x100 };
	assert_int_equal(dma_map_sg(&s.dd, sg, 3, DMA_TO_DEVICE), TG_EINVAL);
	sg[1] = (struct dma_sg){ .phys = buf_phys, .length = s.dd.max_seg_size + 1 };
	assert_int_equal(dma_map_sg(&s.dd, sg, 3, DMA_TO_DEVICE), TG_EINVAL);
	/* A P entry running off the end of its provider. */
	sg[1] = (struct dma_sg){ .phys = P_CPU + P_SIZE - 0x800, .length = 0x1000 };
	assert_int_equal(dma_map_sg(&s.dd, sg, 3, DMA_TO_DEVICE), TG_EINVAL);
	/* Oversize list. */
	for (unsigned int i = 0; i <= DMA_SG_MAX; i++)
		big[i] = good;
	assert_int_equal(dma_map_sg(&s.dd, big, DMA_SG_MAX + 1, DMA_FROM_DEVICE), TG_EINVAL);
	same_as(&s, &sn);

	/* Double unmap, and a stale copy of a list already unmapped. */
	struct live l = s.live[2];
	struct dma_sg copy[MAX_ENTS];
	memcpy(copy, l.out, sizeof(copy));
	assert_int_equal(dma_unmap_sg(&s.dd, l.out, l.nents, l.dir), TG_OK);
	s.live[2] = s.live[--s.nlive];
	take_snap(&s, &sn);
	assert_int_equal(dma_unmap_sg(&s.dd, l.out, l.nents, l.dir), TG_ENOENT);
	assert_int_equal(dma_unmap_sg(&s.dd, copy, l.nents, l.dir), TG_ENOENT);
	assert_int_equal(dma_unmap_sg(&s.dd, sg, 0, DMA_TO_DEVICE), TG_EINVAL);
	assert_int_equal(dma_unmap_sg(&s.dd, s.live[0].out, s.live[0].nents, (enum dma_dir)9),
			 TG_EINVAL);
	same_as(&s, &sn);

	while (s.nlive)
		op_unmap(&s, s.nlive - 1);
	devstate_release(&s);
}

/*
 * dma.h: dma_unmap_single gives TG_EINVAL "when size or direction differ;
 * nothing changes then" -- also for a size within the same pages and for
 * DMA_FROM_DEVICE vs DMA_BIDIRECTIONAL (both writable).
 */
static void test_unmap_single_exact_contract(void **state)
{
	static struct devstate s;
	dma_addr_t dma;
	struct snap sn;

	devstate_init(&s, &dev_a, MASK32);
	assert_int_equal(dma_map_single(&s.dd, buf_phys + 0x10, 0x100, DMA_FROM_DEVICE, &dma),
			 TG_OK);
	take_snap(&s, &sn);
	assert_int_equal(dma_unmap_single(&s.dd, dma, 0x100, DMA_BIDIRECTIONAL), TG_EINVAL);
	assert_int_equal(dma_unmap_single(&s.dd, dma, 0x200, DMA_FROM_DEVICE), TG_EINVAL);
	same_as(&s, &sn);
	assert_int_equal(dma_unmap_single(&s.dd, dma, 0x100, DMA_FROM_DEVICE), TG_OK);
	devstate_release(&s);
}

/*
 * dma.h: on error from dma_map_sg "the list's DMA fields are cleared" --
 * also when the error is a bad entry or direction found up front.
 */
static void test_map_sg_error_clears_list(void **state)
{
	static struct devstate s;
	struct dma_sg sg[2];

	devstate_init(&s, &dev_a, MASK32);
	for (unsigned int c = 0; c < 2; c++) {
		sg[0] = (struct dma_sg){ .phys = buf_phys, .length = 0x100, .flags = 0x77,
					 .dma_address = 0xdead000, .dma_length = 0x100 };
		sg[1] = (struct dma_sg){ .phys = buf_phys + 0x1000, .length = c ? 0x100 : 0,
					 .flags = DMA_SG_BUS_ADDRESS, .dma_address = 0xbeef000,
					 .dma_length = 0x100 };
		assert_int_equal(dma_map_sg(&s.dd, sg, 2, c ? (enum dma_dir)0 : DMA_TO_DEVICE),
				 TG_EINVAL);
		for (unsigned int i = 0; i < 2; i++) {
			assert_int_equal(sg[i].dma_address, 0);
			assert_int_equal(sg[i].dma_length, 0);
			assert_int_equal(sg[i].flags, 0);
		}
	}
	devstate_release(&s);
}

/*
 * platform.h: the core lock is taken once per DMA entry point (never
 * nested: the fake counts a nested acquisition as a failure of the
 * teardown), is free again on return, on success and on error alike, and
 * every command the SMMU consumes was queued with it held (fake_step).
 */
static void test_core_lock_pairs(void **state)
{
	static struct devstate s;
	struct dma_sg sg[2] = {
		{ .phys = buf_phys, .length = 0x100 },
		{ .phys = buf_phys + 0x3000, .length = 0x2000 },
	};
	dma_addr_t dma;
	unsigned long t;

	devstate_init(&s, &dev_a, MASK32);
	t = fake_lock_taken();
	assert_int_equal(dma_map_single(&s.dd, buf_phys, 0x100, DMA_TO_DEVICE, &dma), TG_OK);
	assert_int_equal(fake_lock_taken(), t + 1);
	assert_int_equal(fake_lock_depth(), 0);
	assert_int_equal(dma_unmap_single(&s.dd, dma, 0x200, DMA_TO_DEVICE), TG_EINVAL);
	assert_int_equal(fake_lock_taken(), t + 2);
	assert_int_equal(dma_unmap_single(&s.dd, dma, 0x100, DMA_TO_DEVICE), TG_OK);
	assert_int_equal(fake_lock_taken(), t + 3);
	assert_true(dma_map_sg(&s.dd, sg, 2, DMA_FROM_DEVICE) > 0);
	assert_int_equal(fake_lock_taken(), t + 4);
	assert_int_equal(dma_unmap_sg(&s.dd, sg, 2, DMA_FROM_DEVICE), TG_OK);
	assert_int_equal(fake_lock_taken(), t + 5);
	assert_int_equal(fake_lock_depth(), 0);
	/* Refused input releases it too. */
	assert_int_equal(dma_map_single(NULL, buf_phys, 0x100, DMA_TO_DEVICE, &dma), TG_EINVAL);
	assert_int_equal(fake_lock_depth(), 0);
	devstate_release(&s);
	assert_int_equal(fake_check_violations(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_props_seed1, teardown),
		cmocka_unit_test_teardown(test_props_seed2, teardown),
		cmocka_unit_test_teardown(test_props_seed3, teardown),
		cmocka_unit_test_teardown(test_props_no_doorbell, teardown),
		cmocka_unit_test_teardown(test_fill_28bit, teardown),
		cmocka_unit_test_teardown(test_fill_32bit, teardown),
		cmocka_unit_test_teardown(test_fill_dma_ranges, teardown),
		cmocka_unit_test_teardown(test_p2p_map_types, teardown),
		cmocka_unit_test_teardown(test_p2p_alloc, teardown),
		cmocka_unit_test_teardown(test_p2p_bus_addr, teardown),
		cmocka_unit_test_teardown(test_p2p_unreachable, teardown),
		cmocka_unit_test_teardown(test_p2p_thru_host_bridge, teardown),
		cmocka_unit_test_teardown(test_dev_init_errors, teardown),
		cmocka_unit_test_teardown(test_bad_single, teardown),
		cmocka_unit_test_teardown(test_bad_sg, teardown),
		cmocka_unit_test_teardown(test_unmap_single_exact_contract, teardown),
		cmocka_unit_test_teardown(test_map_sg_error_clears_list, teardown),
		cmocka_unit_test_teardown(test_core_lock_pairs, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
