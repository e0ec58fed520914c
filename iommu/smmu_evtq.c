/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event queue (IHI 0070 3.5.2, 7.3) and global errors (7.5).  The SMMU
 * produces, we consume: each record becomes one readable log line and is
 * handed to the fault handler.  Overflow (PROD.OVFLG, or GERROR.
 * EVENTQ_ABT_ERR on models that drop events instead) is counted.
 */
#include <tollgate/barrier.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/platform.h>
#include <tollgate/pci.h>
#include <tollgate/poll.h>

#include "smmu_internal.h"
#include "smmu_queue.h"
#include "smmu_regs.h"

/* Identical (type, StreamID) events logged in a row before summarising. */
#define SMMU_EVT_LOG_REPEATS	4

/*
 * Event names in the order of event_codes, as one blob of strings: no
 * table of pointers to keep on a path that runs only on faults.  Any
 * other code gets the name after the last one.
 */
static const uint8_t event_codes[] = {
	EVT_F_UUT, EVT_C_BAD_STREAMID, EVT_F_STE_FETCH, EVT_C_BAD_STE, EVT_F_BAD_ATS_TREQ,
	EVT_F_STREAM_DISABLED, EVT_F_TRANSL_FORBIDDEN, EVT_C_BAD_SUBSTREAMID, EVT_F_CD_FETCH,
	EVT_C_BAD_CD, EVT_F_WALK_EABT, EVT_F_TRANSLATION, EVT_F_ADDR_SIZE, EVT_F_ACCESS,
	EVT_F_PERMISSION, EVT_F_TLB_CONFLICT, EVT_F_CFG_CONFLICT,
};
static const char event_names[] =
	"F_UUT\0C_BAD_STREAMID\0F_STE_FETCH\0C_BAD_STE\0F_BAD_ATS_TREQ\0"
	"F_STREAM_DISABLED\0F_TRANSL_FORBIDDEN\0C_BAD_SUBSTREAMID\0F_CD_FETCH\0"
	"C_BAD_CD\0F_WALK_EABT\0F_TRANSLATION\0F_ADDR_SIZE\0F_ACCESS\0"
	"F_PERMISSION\0F_TLB_CONFLICT\0F_CFG_CONFLICT\0UNKNOWN_EVENT";

static const char *event_name(unsigned int id)
{
	const char *p = event_names;

	for (unsigned int i = 0; i < sizeof(event_codes) && event_codes[i] != id; i++)
		while (*p++)
			;	/* past the next name */
	return p;
}

static int evtq_setup(struct smmu *smmu, unsigned int log2)
{
	return smmu_queue_init(smmu, &smmu->evtq, log2, smmu->feat.evtq_max_log2,
			       sizeof(struct smmu_event), SMMU_EVENTQ_BASE,
			       smmu->page0_only ? SMMU_EVENTQ_PROD_P0 : SMMU_EVENTQ_PROD_P1);
}

int smmu_evtq_init(struct smmu *smmu)
{
	return evtq_setup(smmu, SMMU_EVTQ_LOG2);
}

int smmu_test_resize_evtq(struct smmu *smmu, unsigned int log2)
{
	if (!smmu || log2 > 19)
		return TG_EINVAL;
	uint32_t cr0 = smmu_read32(smmu, SMMU_CR0);
	/* The queue may only be reprogrammed while EVENTQEN is off (6.3.29). */
	smmu_write32(smmu, SMMU_CR0, cr0 & ~CR0_EVENTQEN);
	if (tg_poll_until(!(smmu_read32(smmu, SMMU_CR0ACK) & CR0_EVENTQEN), 100000))
		return TG_ETIMEDOUT;
	smmu_poll_events(smmu);
	plat_dma_free(smmu->evtq.base, (size_t)smmu->evtq.entry_bytes << smmu->evtq.log2);
	int err = evtq_setup(smmu, log2 ? log2 : SMMU_EVTQ_LOG2);
	smmu_write32(smmu, SMMU_CR0, cr0);
	if (tg_poll_until(smmu_read32(smmu, SMMU_CR0ACK) == cr0, 100000))
		return TG_ETIMEDOUT;
	return err;
}

/*
 * The last SMMU_EVENT_LOG faults of every SMMU, for the `events` command
 * and for tests that must prove a device faulted (a device may report
 * success although its DMA faulted: NVMe does).  Sequence numbers start at
 * 1 and never repeat, so a reader takes a mark and asks what came after.
 */
static struct smmu_fault event_log[SMMU_EVENT_LOG];
static unsigned long event_seq;


unsigned long smmu_event_mark(void)
{
	for (unsigned int i = 0; i < smmu_count(); i++)
		smmu_poll_events(smmu_get(i));
	return event_seq;
}

int smmu_event_get(unsigned long seq, struct smmu_fault *out)
{
	if (!out || seq == 0 || seq > event_seq)
		return TG_ENOENT;
	if (event_seq - seq >= SMMU_EVENT_LOG)
		return TG_ERANGE;	/* overwritten by newer events */
	*out = event_log[(seq - 1) % SMMU_EVENT_LOG];
	return TG_OK;
}

#if !defined(TG_LOG_DISABLE)
/*
 * One line per event, rate limited: a faulting DMA is split into many
 * accesses, each an event.  All of this feeds the log only, so it is
 * compiled out with it (make LOG=0).
 */
static void log_fault(struct smmu *smmu, const struct smmu_fault *f)
{
	static const char *const classes[4] = { "CD", "TT", "IN", "?" };
	/* On a PCI SMMU the StreamID is normally the requester ID: name the device. */
	char bdf[16] = "";
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (d->has_sid && d->sid == f->sid) {
			pci_dev_name(d, bdf, sizeof(bdf));
			break;
		}
	}
	/* Address, direction and class are defined for translation faults only. */
	bool has_addr = f->type == EVT_F_WALK_EABT || (f->type >= EVT_F_TRANSLATION &&
						       f->type <= EVT_F_PERMISSION);
	bool repeat = f->type == smmu->last_evt_type && f->sid == smmu->last_evt_sid;
	smmu->evt_repeats = repeat ? smmu->evt_repeats + 1 : 0;
	smmu->last_evt_type = f->type;
	smmu->last_evt_sid = f->sid;
	if (smmu->evt_repeats >= SMMU_EVT_LOG_REPEATS)
		smmu->evt_suppressed++;
	else if (has_addr)
		pr_err("arm-smmu-v3 %s: event %s (0x%02x) sid 0x%04x%s%s iova 0x%llx %s class %s\n",
		       smmu->name, f->name, f->type, (unsigned)f->sid, bdf[0] ? " " : "", bdf,
		       (unsigned long long)f->addr, f->write ? "write" : "read", classes[f->class]);
	else
		pr_err("arm-smmu-v3 %s: event %s (0x%02x) sid 0x%04x%s%s\n", smmu->name, f->name,
		       f->type, (unsigned)f->sid, bdf[0] ? " " : "", bdf);
}

/* End of a drain: what the rate limit swallowed, and a fresh start. */
static void log_drain_end(struct smmu *smmu)
{
	if (smmu->evt_suppressed) {
		pr_err("arm-smmu-v3 %s: ... and %u more %s events from sid 0x%04x\n", smmu->name,
		       smmu->evt_suppressed, event_name(smmu->last_evt_type),
		       (unsigned)smmu->last_evt_sid);
		smmu->evt_suppressed = 0;
	}
	smmu->evt_repeats = 0;
	smmu->last_evt_type = 0;
}
#else
static void log_fault(struct smmu *smmu, const struct smmu_fault *f) { (void)smmu; (void)f; }
static void log_drain_end(struct smmu *smmu) { (void)smmu; }
#endif

/* Decoded straight into the event log, then logged and handed to the handlers. */
static void report(struct smmu *smmu, const struct smmu_event *e)
{
	struct smmu_fault *f = &event_log[event_seq++ % SMMU_EVENT_LOG];

	*f = (struct smmu_fault){
		.type = EVT_ID(e), .name = event_name(EVT_ID(e)), .sid = EVT_SID(e),
		.addr = EVT_ADDR(e), .write = !EVT_RNW(e), .class = EVT_CLASS(e),
	};
	smmu->cnt.events++;
	log_fault(smmu, f);
	if (smmu->fault_fn)
		smmu->fault_fn(f, smmu->fault_ctx);
	smmu_domain_report_fault(smmu, f);
}

/* With the core lock held: from smmu_poll_events and from the global-error path. */
static unsigned int evtq_drain(struct smmu *smmu)
{
	struct smmu_queue *q = &smmu->evtq;
	unsigned int n = 0;

	uint32_t mask = (2u << q->log2) - 1;
	uint32_t prod = smmu_read32(smmu, q->prod_reg);
	arch_dsb();	/* records up to PROD are read only after PROD */

	if ((prod ^ q->cons) & Q_OVERFLOW_FLAG) {
		pr_err("arm-smmu-v3 %s: event queue overflowed, events were lost\n",
		       smmu->name);
		smmu->cnt.events_lost++;
	}
	/* Bounded: at most one full queue per call. */
	while ((q->cons & mask) != (prod & mask) && n < (1u << q->log2)) {
		struct smmu_event *e = (struct smmu_event *)q->base + (q->cons & ((1u << q->log2) - 1));
		if (smmu->noncoherent)
			plat_cache(PLAT_CACHE_INVAL, e, sizeof(*e));
		struct smmu_event copy = *e;
		report(smmu, &copy);
		q->cons = (q->cons & Q_OVERFLOW_FLAG) | (((q->cons & mask) + 1) & mask);
		n++;
		if ((q->cons & mask) == (prod & mask))
			prod = smmu_read32(smmu, q->prod_reg);
	}
	log_drain_end(smmu);
	/* Acknowledge overflow by copying OVFLG into CONS (7.4). */
	q->cons = (q->cons & mask) | (prod & Q_OVERFLOW_FLAG);
	arch_dsb();	/* records are read before their slots are handed back */
	smmu_write32(smmu, q->cons_reg, q->cons);
	return n;
}

/* The event interrupt and smmu_event_mark both drain: one at a time. */
unsigned int smmu_poll_events(struct smmu *smmu)
{
	return TG_LOCKED(smmu ? evtq_drain(smmu) : 0);
}

void smmu_gerror_handle(struct smmu *smmu)
{
	uint32_t gerror = smmu_read32(smmu, SMMU_GERROR);
	uint32_t active = gerror ^ smmu->gerrorn;

	if (!active)
		return;
	smmu->cnt.gerrors++;
	if (active & GERROR_CMDQ_ERR)
		smmu_cmdq_handle_error(smmu);
	if (active & GERROR_EVTQ_ABT_ERR) {
		/* QEMU drops events on a full queue and says so here. */
		smmu->cnt.events_lost++;
		pr_err("arm-smmu-v3 %s: event queue full: events were dropped\n",
		       smmu->name);
		evtq_drain(smmu);
	}
	if (active & GERROR_SFM_ERR)
		pr_err("arm-smmu-v3 %s: service failure mode entered\n", smmu->name);
	if (active & ~(GERROR_CMDQ_ERR | GERROR_EVTQ_ABT_ERR | GERROR_SFM_ERR))
		pr_err("arm-smmu-v3 %s: global error 0x%x\n", smmu->name,
		       (unsigned)(active & ~(GERROR_CMDQ_ERR | GERROR_EVTQ_ABT_ERR)));
	smmu->gerrorn = gerror;
	smmu_write32(smmu, SMMU_GERRORN, gerror);
}
