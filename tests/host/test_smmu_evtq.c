/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SMMUv3 event queue (IHI 0070 7.2-7.4) and global errors (7.5)
 * against the fake: records written by the "SMMU" are decoded (type,
 * StreamID, address, direction, class), logged with the PCI function's
 * name, handed to the instance's and the owning domain's fault handlers
 * and counted; a full queue loses events through PROD.OVFLG or, as QEMU
 * does, GERROR.EVENTQ_ABT_ERR, and both count as lost.
 *
 * Instances: 0 = QEMU (4096 events, overflow flag); 1 = a 16-entry queue
 * reporting a full queue in GERROR, probed after "firmware" left it
 * enabled (the hand-over path).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/smmu.h>

#include "smmu_fake.h"

#define R_GBPA		0x44
#define R_GERROR	0x60
#define R_GERRORN	0x64
#define R_EVTQ_PROD	0x100a8
#define R_EVTQ_CONS	0x100ac
#define PCI_SID		0x0010u		/* 00:02.0 */

#define EVT_F_TRANSLATION	0x10
#define EVT_F_PERMISSION	0x13
#define EVT_C_BAD_STE		0x04

static struct smmu *s0, *s1;
static struct fake_smmu *f0, *f1;
static char *probe1_console;

#define MAX_FAULTS 32
struct seen {
	unsigned int n;
	struct smmu_fault f[MAX_FAULTS];
	char name[MAX_FAULTS][24];
};
static struct seen inst_seen, dom_seen;

static void record(const struct smmu_fault *f, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < MAX_FAULTS) {
		s->f[s->n] = *f;
		snprintf(s->name[s->n], sizeof(s->name[0]), "%s", f->name ? f->name : "(null)");
	}
	s->n++;
}

static void push(struct fake_smmu *f, unsigned int type, uint32_t sid, uint64_t addr, bool read,
		 unsigned int cls)
{
	uint64_t rec[4];

	fake_event_record(rec, type, sid, addr, read, cls);
	assert_true(fake_event_push(f, rec));
}

static int group_setup(void **state)
{
	fake_env_init();
	fake_pci_add(0, 2 << 3, PCI_SID, fake_smmu_node());
	f0 = fake_smmu_setup(0);
	s0 = fake_probe(f0);
	f1 = fake_smmu_setup(1);
	f1->idr[1] = (f1->idr[1] & ~FAKE_IDR1_EVENTQS_MASK) | FAKE_IDR1_EVENTQS(4);
	f1->evtq_full_gerror = true;
	f1->cr0_reset = 0xd;		/* SMMUEN | EVENTQEN | CMDQEN: left on by firmware */
	fake_console_reset();
	s1 = fake_probe(f1);
	probe1_console = strdup(fake_console());
	return s0 && s1 && probe1_console ? 0 : -1;
}

static int group_teardown(void **state)
{
	free(probe1_console);
	return 0;
}

static int setup(void **state)
{
	fake_console_reset();
	memset(&inst_seen, 0, sizeof(inst_seen));
	memset(&dom_seen, 0, sizeof(dom_seen));
	smmu_set_fault_handler(s0, record, &inst_seen);
	smmu_set_fault_handler(s1, record, &inst_seen);
	return 0;
}

static int teardown(void **state)
{
	smmu_set_fault_handler(s0, NULL, NULL);
	smmu_set_fault_handler(s1, NULL, NULL);
	/* Drain whatever a failed case left. */
	smmu_poll_events(s0);
	smmu_poll_events(s1);
	return fake_check_violations();
}

/* ---- decoding ---------------------------------------------------------------------- */

static void test_event_translation_fault(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(s0);
	unsigned long ev0 = cnt->events;

	push(f0, EVT_F_TRANSLATION, PCI_SID, 0x12345000, false, 1);
	assert_int_equal(smmu_poll_events(s0), 1);
	assert_int_equal(inst_seen.n, 1);
	const struct smmu_fault *f = &inst_seen.f[0];
	assert_int_equal(f->type, EVT_F_TRANSLATION);
	assert_string_equal(inst_seen.name[0], "F_TRANSLATION");
	assert_int_equal(f->sid, PCI_SID);
	assert_int_equal(f->addr, 0x12345000);
	assert_true(f->write);
	assert_int_equal(f->class, 1);
	assert_int_equal(cnt->events, ev0 + 1);
	/* One line naming the function, the address and the direction. */
	assert_int_equal(fake_console_count("F_TRANSLATION"), 1);
	assert_int_equal(fake_console_count("0000:00:02.0"), 1);
	assert_int_equal(fake_console_count("iova 0x12345000 write"), 1);
	/* CONS caught up with PROD. */
	assert_int_equal(fake_reg32(f0, R_EVTQ_CONS), fake_reg32(f0, R_EVTQ_PROD));
	/* Nothing more to read. */
	assert_int_equal(smmu_poll_events(s0), 0);
}

static void test_event_permission_read(void **state)
{
	push(f0, EVT_F_PERMISSION, 0x0222, 0xfffff000ull, true, 2);
	assert_int_equal(smmu_poll_events(s0), 1);
	assert_int_equal(inst_seen.n, 1);
	assert_int_equal(inst_seen.f[0].type, EVT_F_PERMISSION);
	assert_string_equal(inst_seen.name[0], "F_PERMISSION");
	assert_int_equal(inst_seen.f[0].sid, 0x0222);
	assert_int_equal(inst_seen.f[0].addr, 0xfffff000ull);
	assert_false(inst_seen.f[0].write);
	assert_int_equal(inst_seen.f[0].class, 2);
	assert_int_equal(fake_console_count("iova 0xfffff000 read"), 1);
}

static void test_event_bad_ste(void **state)
{
	push(f0, EVT_C_BAD_STE, 0x0999, 0, false, 0);
	assert_int_equal(smmu_poll_events(s0), 1);
	assert_int_equal(inst_seen.n, 1);
	assert_int_equal(inst_seen.f[0].type, EVT_C_BAD_STE);
	assert_string_equal(inst_seen.name[0], "C_BAD_STE");
	assert_int_equal(inst_seen.f[0].sid, 0x0999);
	assert_int_equal(fake_console_count("C_BAD_STE"), 1);
	assert_int_equal(fake_console_count("sid 0x0999"), 1);
	assert_int_equal(fake_console_count("iova"), 0);	/* no address for C_BAD_STE */
}

/* Every event code of IHI 0070 7.3 by its name, and anything else as unknown. */
static void test_event_names(void **state)
{
	static const struct { unsigned int type; const char *name; } names[] = {
		{ 0x01, "F_UUT" }, { 0x02, "C_BAD_STREAMID" }, { 0x03, "F_STE_FETCH" },
		{ 0x04, "C_BAD_STE" }, { 0x05, "F_BAD_ATS_TREQ" }, { 0x06, "F_STREAM_DISABLED" },
		{ 0x07, "F_TRANSL_FORBIDDEN" }, { 0x08, "C_BAD_SUBSTREAMID" },
		{ 0x09, "F_CD_FETCH" }, { 0x0a, "C_BAD_CD" }, { 0x0b, "F_WALK_EABT" },
		{ 0x10, "F_TRANSLATION" }, { 0x11, "F_ADDR_SIZE" }, { 0x12, "F_ACCESS" },
		{ 0x13, "F_PERMISSION" }, { 0x20, "F_TLB_CONFLICT" }, { 0x21, "F_CFG_CONFLICT" },
		{ 0x00, "UNKNOWN_EVENT" }, { 0x0c, "UNKNOWN_EVENT" }, { 0x22, "UNKNOWN_EVENT" },
		{ 0xff, "UNKNOWN_EVENT" },
	};
	const unsigned int n = sizeof(names) / sizeof(names[0]);

	for (unsigned int i = 0; i < n; i++)
		push(f0, names[i].type, 0x0300 + i, 0x1000, false, 1);
	assert_int_equal(smmu_poll_events(s0), n);
	assert_int_equal(inst_seen.n, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(inst_seen.f[i].type, names[i].type);
		assert_int_equal(inst_seen.f[i].sid, 0x0300 + i);
		assert_string_equal(inst_seen.name[i], names[i].name);
	}
	/* The event log holds the same decoded records, newest last. */
	struct smmu_fault f;
	unsigned long last = smmu_event_mark();
	assert_int_equal(smmu_event_get(last, &f), TG_OK);
	assert_int_equal(f.type, 0xff);
	assert_string_equal(f.name, "UNKNOWN_EVENT");
	assert_int_equal(smmu_event_get(last - (n - 1), &f), TG_OK);
	assert_int_equal(f.type, 0x01);
	assert_string_equal(f.name, "F_UUT");
	assert_int_equal(smmu_event_get(last + 1, &f), TG_ENOENT);
}

static void test_event_domain_handler(void **state)
{
	struct smmu_domain *d = smmu_domain_create(s0, 0);
	assert_non_null(d);
	assert_int_equal(smmu_domain_attach(d, 0x0300), TG_OK);
	assert_int_equal(smmu_domain_set_fault_handler(d, record, &dom_seen), TG_OK);

	push(f0, EVT_F_TRANSLATION, 0x0300, 0x1000, true, 1);
	push(f0, EVT_F_TRANSLATION, 0x0301, 0x2000, true, 1);	/* not the domain's */
	push(f0, EVT_F_PERMISSION, 0x0300, 0x3000, false, 1);
	assert_int_equal(smmu_poll_events(s0), 3);
	assert_int_equal(inst_seen.n, 3);
	assert_int_equal(dom_seen.n, 2);
	assert_int_equal(dom_seen.f[0].addr, 0x1000);
	assert_int_equal(dom_seen.f[1].type, EVT_F_PERMISSION);
	assert_int_equal(smmu_domain_counters(d)->events, 2);

	/* Detached: the domain hears nothing more. */
	assert_int_equal(smmu_domain_detach(d, 0x0300), TG_OK);
	push(f0, EVT_F_TRANSLATION, 0x0300, 0x4000, true, 1);
	assert_int_equal(smmu_poll_events(s0), 1);
	assert_int_equal(dom_seen.n, 2);
	smmu_domain_destroy(d);
}

static void test_event_irq(void **state)
{
	push(f0, EVT_F_TRANSLATION, 0x0400, 0x5000, true, 1);
	push(f1, EVT_F_TRANSLATION, 0x0401, 0x6000, true, 1);
	/* The eventq line is the DT's "eventq" SPI, shared by both instances here. */
	assert_true(fake_irq_fire(fake_smmu_intid("eventq")) >= 2);
	assert_int_equal(inst_seen.n, 2);
	assert_int_equal(fake_reg32(f0, R_EVTQ_CONS), fake_reg32(f0, R_EVTQ_PROD));
	assert_int_equal(fake_reg32(f1, R_EVTQ_CONS), fake_reg32(f1, R_EVTQ_PROD));
}

static void test_event_queue_wraps(void **state)
{
	uint32_t sid = 0x1000;
	unsigned int got = 0;

	/* 16-entry queue: 40 rounds of 1..7 records run around it many times. */
	for (unsigned int round = 0; round < 40; round++) {
		unsigned int k = 1 + round % 7;
		inst_seen.n = 0;
		for (unsigned int i = 0; i < k; i++)
			push(f1, EVT_F_TRANSLATION, sid + i, (uint64_t)(sid + i) << 12, true, 1);
		assert_int_equal(smmu_poll_events(s1), k);
		assert_int_equal(inst_seen.n, k);
		for (unsigned int i = 0; i < k; i++) {
			assert_int_equal(inst_seen.f[i].sid, sid + i);
			assert_int_equal(inst_seen.f[i].addr, (uint64_t)(sid + i) << 12);
		}
		sid += k;
		got += k;
	}
	assert_true(got > 4 * 16);
	assert_int_equal(f1->events_dropped, 0);
}

/* Identical events are summarised after a few lines; all are counted. */
static void test_event_log_rate_limit(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(s0);
	unsigned long ev0 = cnt->events;

	for (unsigned int i = 0; i < 10; i++)
		push(f0, EVT_F_TRANSLATION, 0x0500, 0x7000 + i * 0x1000ull, true, 1);
	assert_int_equal(smmu_poll_events(s0), 10);
	assert_int_equal(inst_seen.n, 10);
	assert_int_equal(cnt->events, ev0 + 10);
	assert_true(fake_console_count("event F_TRANSLATION") < 10);
	assert_int_equal(fake_console_count("more F_TRANSLATION events from sid 0x0500"), 1);
}

/* ---- a full queue ------------------------------------------------------------------- */

static void test_event_overflow_flag(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(s0);
	unsigned long lost0 = cnt->events_lost, ev0 = cnt->events;
	uint64_t rec[4];

	fake_event_record(rec, EVT_C_BAD_STE, 0x0600, 0, false, 0);
	for (unsigned int i = 0; i < 4096; i++)
		assert_true(fake_event_push(f0, rec));
	/* Full: the next ones are dropped and PROD.OVFLG toggles (once). */
	uint32_t ovf0 = fake_reg32(f0, R_EVTQ_PROD) & (1u << 31);
	assert_false(fake_event_push(f0, rec));
	assert_false(fake_event_push(f0, rec));
	uint32_t prod = fake_reg32(f0, R_EVTQ_PROD);
	assert_int_not_equal(prod & (1u << 31), ovf0);

	assert_int_equal(smmu_poll_events(s0), 4096);
	assert_int_equal(cnt->events, ev0 + 4096);
	assert_int_equal(cnt->events_lost, lost0 + 1);
	assert_int_equal(fake_console_count("overflowed"), 1);
	/* Acknowledged: CONS.OVACKFLG = PROD.OVFLG, index caught up. */
	assert_int_equal(fake_reg32(f0, R_EVTQ_CONS), fake_reg32(f0, R_EVTQ_PROD));

	/* Later events are not counted as lost again. */
	push(f0, EVT_C_BAD_STE, 0x0601, 0, false, 0);
	assert_int_equal(smmu_poll_events(s0), 1);
	assert_int_equal(cnt->events_lost, lost0 + 1);
}

static void test_event_abort_gerror(void **state)
{
	const struct smmu_counters *cnt = smmu_counters(s1);
	unsigned long lost0 = cnt->events_lost, gerr0 = cnt->gerrors, ev0 = cnt->events;

	for (unsigned int i = 0; i < 16; i++)
		push(f1, EVT_F_TRANSLATION, 0x0700 + i, 0x1000, true, 1);
	uint64_t rec[4];
	fake_event_record(rec, EVT_F_TRANSLATION, 0x07ff, 0x1000, true, 1);
	assert_false(fake_event_push(f1, rec));
	assert_int_equal((fake_reg32(f1, R_GERROR) ^ fake_reg32(f1, R_GERRORN)) & 4, 4);

	/* The GERROR interrupt: counted as lost, the queue drained, acknowledged. */
	assert_true(fake_irq_fire(fake_smmu_intid("gerror")) >= 1);
	assert_int_equal(cnt->events_lost, lost0 + 1);
	assert_int_equal(cnt->gerrors, gerr0 + 1);
	assert_int_equal(cnt->events, ev0 + 16);
	assert_int_equal(fake_reg32(f1, R_GERROR), fake_reg32(f1, R_GERRORN));
	assert_int_equal(fake_reg32(f1, R_EVTQ_CONS), fake_reg32(f1, R_EVTQ_PROD));
	assert_int_equal(fake_console_count("event queue full"), 1);
}

/* ---- hand-over from firmware (instance 1's probe) ------------------------------------- */

static void test_probe_takeover_enabled_smmu(void **state)
{
	assert_non_null(strstr(probe1_console, "firmware left the SMMU enabled"));
	/* GBPA.ABORT set through an update that completed, then reprogrammed. */
	assert_int_equal(fake_reg32(f1, R_GBPA), 1u << 20);
	assert_int_equal(fake_reg32(f1, 0x24), 0xd);
	assert_int_equal(fake_reg32(f1, 0x88), 1u << 16 | 8u << 6 | 16u);
	assert_int_equal(fake_reg64(f1, 0xa0) & 0x1f, 4);	/* EVENTQS capped by IDR1 */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_event_translation_fault),
		T(test_event_permission_read),
		T(test_event_bad_ste),
		T(test_event_names),
		T(test_event_domain_handler),
		T(test_event_irq),
		T(test_event_queue_wraps),
		T(test_event_log_rate_limit),
		T(test_event_overflow_flag),
		T(test_event_abort_gerror),
		T(test_probe_takeover_enabled_smmu),
	};

	return cmocka_run_group_tests_name("smmu_evtq", tests, group_setup, group_teardown);
}
