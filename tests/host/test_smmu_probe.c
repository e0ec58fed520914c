/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probe and hand-over paths of iommu/smmu.c against the fake SMMU:
 * unsupported and broken SMMUs are refused without using up a driver
 * instance, and state firmware left behind (GBPA.ABORT, an active
 * GERROR.CMDQ_ERR) does not disturb the reset's invalidation.
 *
 * Each case probes a fresh fake, in order: the driver only has
 * SMMU_MAX_INSTANCES slots per process and failed probes take none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/smmu.h>

#include "smmu_fake.h"

#define R_GBPA		0x44
#define R_GERROR	0x60
#define R_GERRORN	0x64

static int group_setup(void **state)
{
	fake_env_init();
	return 0;
}

static int setup(void **state)
{
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	return fake_check_violations();
}

static void test_probe_refuses_no_stage1(void **state)
{
	struct fake_smmu *f = fake_smmu_setup(0);

	assert_int_equal(smmu_init_from_fdt(NULL), TG_EINVAL);
	f->idr[0] &= ~2u;		/* S1P = 0 */
	assert_null(fake_probe(f));
	assert_true(f->claimed);
	assert_int_equal(smmu_count(), 0);
	assert_int_equal(fake_console_count("no stage 1"), 1);
	assert_int_equal(fake_console_count("probe failed"), 1);
	/* Nothing was enabled on it. */
	assert_int_equal(fake_reg32(f, 0x20), 0);
}

static void test_probe_refuses_unacknowledging_smmu(void **state)
{
	struct fake_smmu *f = fake_smmu_setup(1);
	uint64_t t0 = fake_now_ns();

	f->no_acks = true;
	assert_null(fake_probe(f));
	assert_int_equal(smmu_count(), 0);
	assert_int_equal(fake_console_count("not acknowledged"), 1);
	/* The wait is bounded (100 ms per register). */
	assert_true(fake_now_ns() - t0 < 1000000000ull);
}

/*
 * Firmware used the SMMU and left a command error unacknowledged.  The
 * reset must start from a clean GERROR (acknowledge it) instead of
 * "repairing" a slot of the new queue: the reset's CFGI_ALL and
 * TLBI_NSNH_ALL must reach the SMMU unchanged, and no command error be
 * reported for commands the driver never got wrong.
 */
static void test_probe_stale_gerror_from_firmware(void **state)
{
	struct fake_smmu *f = fake_smmu_setup(2);

	f->gerror_reset = 1;				/* CMDQ_ERR active (GERRORN 0) */
	f->cmdq_cons_reset = 1u << 24 | 5;		/* CERROR_ILL at index 5 */
	struct smmu *s = fake_probe(f);
	assert_non_null(s);
	assert_int_equal(smmu_count(), 1);
	assert_int_equal(fake_reg32(f, R_GERROR), fake_reg32(f, R_GERRORN));

	const struct fake_cmd *c0 = fake_log(f, 0), *c1 = fake_log(f, 1);
	assert_non_null(c1);
	if (c0->op != FOP_CFGI_STE_RANGE || c1->op != FOP_TLBI_NSNH_ALL) {
		print_error("the reset's invalidation was replaced: the SMMU executed %s, %s "
			    "(cmd_errors %lu)\n", fake_op_name(c0->op), fake_op_name(c1->op),
			    smmu_counters(s)->cmd_errors);
		fake_log_dump(f, 0);
		fail();
	}
	assert_int_equal(c0->w[1] & 0x1f, 31);
	assert_int_equal(smmu_counters(s)->cmd_errors, 0);
}

static void test_probe_gbpa_abort_left_by_firmware(void **state)
{
	struct fake_smmu *f = fake_smmu_setup(3);

	f->gbpa_reset = 1u << 20;
	unsigned int before = smmu_count();
	struct smmu *s = fake_probe(f);
	assert_non_null(s);
	assert_int_equal(smmu_count(), before + 1);
	assert_int_equal(fake_console_count("GBPA.ABORT"), 1);
	/* SMMU not left enabled by firmware: no GBPA update needed. */
	assert_int_equal(fake_reg32(f, R_GBPA), 1u << 20);
	assert_int_equal(fake_reg32(f, 0x24), 0xd);
	/* Usable. */
	assert_int_equal(smmu_stream_bypass(s, 0x0100), TG_OK);
	assert_int_equal(smmu_sync(s), TG_OK);
	assert_ptr_equal(smmu_get(smmu_count() - 1), s);
	assert_null(smmu_get(smmu_count()));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_refuses_no_stage1),
		T(test_probe_refuses_unacknowledging_smmu),
		T(test_probe_stale_gerror_from_firmware),
		T(test_probe_gbpa_abort_left_by_firmware),
	};

	return cmocka_run_group_tests_name("smmu_probe", tests, group_setup, NULL);
}
