/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pci/msi.c on the simulated config space: what MSI programming leaves in
 * the capability registers (64-bit, 32-bit, per-vector masking), INTx
 * disabled exactly while MSI is on, MSI and MSI-X excluding each other,
 * and bad or hostile input refused without changing a register.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/msi.h>
#include <tollgate/pci.h>
#include <tollgate/pci_regs.h>

#include "pci_sim.h"

#define MSI_AT	0x50
#define MSIX_AT	0x60

struct bench {
	struct sim *sim;
	struct sim_fn *f;
	struct pci_host h;
	struct pci_dev *d;
};

/* One endpoint with an MSI capability whose Message Control is `ctrl`
 * (read-only bits: 64-bit, per-vector mask), optionally MSI-X too. */
static void bench_up(struct bench *b, uint16_t ctrl, bool msix)
{
	b->sim = sim_new();
	b->f = sim_add_ep(sim_root(b->sim), 2, 0, 0x1234, 0x11e8, 0x00ff00);
	sim_add_bar(b->f, 0, 4096, 0);
	sim_add_msi(b->f, MSI_AT);
	sim_poke16(b->f, MSI_AT + 2, ctrl);
	/* Every register of the longest layout writable (data, mask). */
	sim_wmask32(b->f, MSI_AT + 8, 0xffffffff);
	sim_wmask32(b->f, MSI_AT + 12, 0xffffffff);
	sim_wmask32(b->f, MSI_AT + 16, 0xffffffff);
	if (msix)
		sim_add_msix(b->f, MSIX_AT);
	sim_host_init(&b->h, b->sim, true);
	sim_enumerate(&b->h);
	b->d = sim_model(b->sim, &b->h, b->f);
	assert_non_null(b->d);
	assert_int_equal(b->d->cap_msi, MSI_AT);
}

static uint32_t rd(struct bench *b, uint16_t off, unsigned int size)
{
	return sim_peek(b->f, off, size);
}

static void test_msi_64bit(void **state)
{
	struct bench b;
	const struct msi_msg m = { 0x8090040ull | (0x12ull << 32), 0x0007 };

	bench_up(&b, 0x0080, false);
	assert_int_equal(pci_msi_enable(b.d, &m), TG_OK);
	assert_int_equal(rd(&b, MSI_AT + 4, 4), 0x08090040);
	assert_int_equal(rd(&b, MSI_AT + 8, 4), 0x12);
	assert_int_equal(rd(&b, MSI_AT + 12, 2), 0x0007);
	assert_int_equal(rd(&b, MSI_AT + 2, 2) & 0x71, 0x01);	/* enabled, one message */
	assert_true(sim_cmd(b.f) & PCI_COMMAND_INTX_DISABLE);

	assert_int_equal(pci_msi_disable(b.d), TG_OK);
	assert_int_equal(rd(&b, MSI_AT + 2, 2) & 1, 0);
	assert_false(sim_cmd(b.f) & PCI_COMMAND_INTX_DISABLE);
	(void)state;
}

static void test_msi_32bit(void **state)
{
	struct bench b;
	const struct msi_msg high = { 0x100000040ull, 1 };
	const struct msi_msg low = { 0x08020040, 80 };

	bench_up(&b, 0x0000, false);
	unsigned long w = sim_fn_writes_at(b.f, MSI_AT + 2);
	/* A 32-bit capability cannot carry an address above 4 GiB: untouched. */
	assert_int_equal(pci_msi_enable(b.d, &high), TG_ERANGE);
	assert_int_equal(sim_fn_writes_at(b.f, MSI_AT + 2), w);
	assert_int_equal(pci_msi_enable(b.d, &low), TG_OK);
	assert_int_equal(rd(&b, MSI_AT + 4, 4), 0x08020040);
	assert_int_equal(rd(&b, MSI_AT + 8, 2), 80);		/* data right after the address */
	assert_int_equal(rd(&b, MSI_AT + 12, 4), 0);		/* no upper address written */
	(void)state;
}

static void test_msi_per_vector_mask(void **state)
{
	struct bench b;
	const struct msi_msg m = { 0x08090040, 3 };

	bench_up(&b, 0x0180, false);
	sim_poke32(b.f, MSI_AT + 16, 1);	/* masked from reset */
	assert_int_equal(pci_msi_enable(b.d, &m), TG_OK);
	assert_int_equal(rd(&b, MSI_AT + 16, 4), 0);	/* enable unmasks vector 0 */
	assert_int_equal(pci_msi_mask(b.d, true), TG_OK);
	assert_int_equal(rd(&b, MSI_AT + 16, 4), 1);
	assert_int_equal(pci_msi_mask(b.d, false), TG_OK);
	assert_int_equal(rd(&b, MSI_AT + 16, 4), 0);

	struct bench nb;
	bench_up(&nb, 0x0080, false);
	assert_int_equal(pci_msi_mask(nb.d, true), TG_ENOTSUP);
	(void)state;
}

static void test_msi_bad_input(void **state)
{
	struct bench b;
	const struct msi_msg ok = { 0x08090040, 1 };
	const struct msi_msg odd = { 0x08090042, 1 };
	const struct msi_msg wide = { 0x08090040, 0x10000 };

	bench_up(&b, 0x0080, false);
	unsigned long w = sim_fn_writes_at(b.f, MSI_AT + 2);
	assert_int_equal(pci_msi_enable(NULL, &ok), TG_EINVAL);
	assert_int_equal(pci_msi_enable(b.d, NULL), TG_EINVAL);
	assert_int_equal(pci_msi_enable(b.d, &odd), TG_EINVAL);	/* DWORD aligned */
	assert_int_equal(pci_msi_enable(b.d, &wide), TG_ERANGE);	/* 16-bit data */
	assert_int_equal(sim_fn_writes_at(b.f, MSI_AT + 2), w);
	assert_int_equal(pci_msi_disable(NULL), TG_EINVAL);
	assert_int_equal(pci_msi_mask(NULL, true), TG_EINVAL);
	assert_int_equal(pci_msix_table_size(b.d), TG_ENOENT);	/* no MSI-X here */
	assert_int_equal(pci_msix_enable(b.d, 1), TG_ENOENT);
	assert_int_equal(pci_msix_pending(b.d, 0), TG_ENOENT);
	assert_int_equal(pci_msix_disable(b.d), TG_ENOENT);

	/* No MSI capability at all. */
	struct sim *sim = sim_new();
	struct sim_fn *f = sim_add_ep(sim_root(sim), 3, 0, 0x1af4, 0x1000, 0x020000);
	struct pci_host h;
	sim_host_init(&h, sim, true);
	sim_enumerate(&h);
	struct pci_dev *d = sim_model(sim, &h, f);
	assert_non_null(d);
	assert_int_equal(pci_msi_enable(d, &ok), TG_ENOENT);
	(void)state;
}

/* A function that went away: all-ones config reads are an error, not a
 * capability full of set bits. */
static void test_msi_all_ones(void **state)
{
	struct bench b;
	const struct msi_msg m = { 0x08090040, 1 };

	bench_up(&b, 0x0080, true);
	sim_set_hostile(b.f, SIM_H_ONES_AFTER_ID);
	assert_int_equal(pci_msi_enable(b.d, &m), TG_EIO);
	assert_int_equal(pci_msix_table_size(b.d), TG_EIO);
	assert_int_equal(pci_msix_enable(b.d, 1), TG_EIO);
	(void)state;
}

static void test_msix_exclusive_with_msi(void **state)
{
	struct bench b;
	const struct msi_msg m = { 0x08090040, 1 };

	bench_up(&b, 0x0080, true);
	assert_int_equal(pci_msix_table_size(b.d), 8);
	assert_int_equal(pci_msix_enable(b.d, 9), TG_ERANGE);
	assert_int_equal(pci_msix_enable(b.d, 0), TG_EINVAL);
	assert_int_equal(pci_msi_enable(b.d, &m), TG_OK);
	unsigned long w = sim_fn_writes_at(b.f, MSIX_AT + 2);
	assert_int_equal(pci_msix_enable(b.d, 1), TG_EBUSY);
	assert_int_equal(sim_fn_writes_at(b.f, MSIX_AT + 2), w);
	assert_int_equal(rd(&b, MSIX_AT + 2, 2) & 0x8000, 0);
	(void)state;
}

/* The table must lie inside an assigned memory BAR; otherwise nothing is
 * enabled. */
static void test_msix_table_outside_bar(void **state)
{
	struct bench b;

	bench_up(&b, 0x0080, true);
	sim_poke32(b.f, MSIX_AT + 4, 0x00002000);	/* BAR0 is 4 KiB */
	assert_int_equal(pci_msix_enable(b.d, 1), TG_ERANGE);
	assert_int_equal(rd(&b, MSIX_AT + 2, 2) & 0xc000, 0);
	assert_false(sim_cmd(b.f) & PCI_COMMAND_INTX_DISABLE);
	sim_poke32(b.f, MSIX_AT + 4, 0x00000003);	/* BIR 3: no BAR there */
	assert_int_equal(pci_msix_enable(b.d, 1), TG_ERANGE);
	assert_int_equal(rd(&b, MSIX_AT + 2, 2) & 0xc000, 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCI_TEST(test_msi_64bit),
		PCI_TEST(test_msi_32bit),
		PCI_TEST(test_msi_per_vector_mask),
		PCI_TEST(test_msi_bad_input),
		PCI_TEST(test_msi_all_ones),
		PCI_TEST(test_msix_exclusive_with_msi),
		PCI_TEST(test_msix_table_outside_bar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
