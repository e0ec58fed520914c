/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `smmu [features|streams|domains|counters]`: what each SMMU offers, what
 * its stream table does with each StreamID, the translation domains with
 * their streams and mappings, and the command/event counters.
 */
#include <string.h>

#include <tollgate/io_pgtable.h>
#include <tollgate/io_pgtable_walk.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/shell.h>
#include <tollgate/smmu.h>

#include "shell_dev.h"

#define SMMU_SHOW_SIDS	8	/* streams listed per domain */

static const char *kind_name(enum smmu_ste_kind k)
{
	switch (k) {
	case SMMU_STE_INVALID: return "invalid";
	case SMMU_STE_ABORT: return "abort";
	case SMMU_STE_BYPASS: return "bypass";
	case SMMU_STE_TRANSLATE: return "translate";
	default: return "other";
	}
}

static void show_features(unsigned int idx, struct smmu *s)
{
	const struct smmu_features *f = smmu_features(s);

	tg_printf("smmu%u @0x%llx: S1%s, SIDSIZE %u, SSIDSIZE %u, ASID %u bits, OAS %u bits, "
		  "VA %u bits, %s stream table\n", idx, (unsigned long long)smmu_base(s),
		  f->s2 ? "+S2" : "", f->sid_bits, f->ssid_bits, f->asid16 ? 16 : 8, f->oas_bits,
		  f->vax_bits, f->two_level_st && f->sid_bits > 10 ? "2-level" : "linear");
	tg_printf("  granules%s%s%s, RIL %s, MSI %s, ATS %s, PRI %s, SEV %s, %s, "
		  "cmdq 2^%u, evtq 2^%u\n", f->gran4k ? " 4K" : "", f->gran16k ? " 16K" : "",
		  f->gran64k ? " 64K" : "", f->ril ? "yes" : "no", f->msi ? "yes" : "no",
		  f->ats ? "yes" : "no", f->pri ? "yes" : "no", f->sev ? "yes" : "no",
		  f->coherent ? "coherent" : "non-coherent", f->cmdq_max_log2, f->evtq_max_log2);
}

/* Index of a domain in smmu_domain_next() order: how `smmu` names it. */
static int domain_index(const struct smmu_domain *dom)
{
	int i = 0;

	for (struct smmu_domain *d = smmu_domain_next(NULL); d; d = smmu_domain_next(d), i++)
		if (d == dom)
			return i;
	return -1;
}

static void show_stream(struct smmu *s, const struct smmu_stream_info *si, const char *note)
{
	char name[16];

	tg_printf("  sid 0x%04x %-12s %-9s", (unsigned)si->sid,
		  shell_sid_name(s, si->sid, name, sizeof(name)), kind_name(si->kind));
	if (si->dom)
		tg_printf(" domain %d (ASID %u)", domain_index(si->dom), smmu_domain_asid(si->dom));
	tg_printf("%s\n", note);
}

static void show_streams(struct smmu *s)
{
	struct smmu_strtab_info st;
	struct smmu_stream_info si;

	if (smmu_strtab_info(s, &st))
		return;
	if (st.two_level)
		tg_printf("  stream table: 2-level @0x%llx, %u SID bits, %u level-2 tables allocated\n",
			  (unsigned long long)st.phys, st.sid_bits, st.l2_tables);
	else
		tg_printf("  stream table: linear @0x%llx, %u SID bits, %llu bytes\n",
			  (unsigned long long)st.phys, st.sid_bits, (unsigned long long)st.bytes);
	/* Every STE that is not the default... */
	unsigned int live = 0;
	for (uint32_t sid = 0; smmu_stream_next_live(s, sid, &si) == 0; sid = si.sid + 1) {
		show_stream(s, &si, "");
		live++;
	}
	/* ...and the PCI streams still on it. */
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (shell_dev_smmu(d) != s || smmu_stream_info(s, d->sid, &si))
			continue;
		struct smmu_stream_info probe;
		if (smmu_stream_next_live(s, d->sid, &probe) == 0 && probe.sid == d->sid)
			continue;	/* listed above */
		show_stream(s, &si, " (default STE, not attached)");
	}
	tg_printf("  %u stream%s configured, others take the default STE\n", live, live == 1 ? "" : "s");
}

static void show_domains(struct smmu *s)
{
	unsigned int n = 0;
	int idx = 0;

	for (struct smmu_domain *d = smmu_domain_next(NULL); d; d = smmu_domain_next(d), idx++) {
		if (smmu_domain_smmu(d) != s)
			continue;
		const struct io_pgtable *pgt = smmu_domain_pgtable(d);
		const struct smmu_domain_counters *c = smmu_domain_counters(d);
		uint32_t sids[SMMU_SHOW_SIDS];
		unsigned int ns = smmu_domain_streams(d, sids, SMMU_SHOW_SIDS);
		uint64_t leaves, bytes;

		io_pgtable_usage(pgt, &leaves, &bytes);
		tg_printf("  domain %d: ASID %u, %uK granule, %u-bit IOVA, start level %u, sids", idx,
			  smmu_domain_asid(d), 1u << (pgt->cfg.granule_shift - 10), pgt->cfg.ias,
			  pgt->start_level);
		for (unsigned int i = 0; i < ns && i < SMMU_SHOW_SIDS; i++)
			tg_printf(" 0x%04x", (unsigned)sids[i]);
		tg_printf("%s\n", ns ? (ns > SMMU_SHOW_SIDS ? " ..." : "") : " none");
		tg_printf("    %llu pages mapped (%llu leaf entries, %llu KiB), %u tables; maps %lu, "
			  "unmaps %lu, commands %lu, syncs %lu, events %lu\n",
			  (unsigned long long)(bytes >> pgt->cfg.granule_shift),
			  (unsigned long long)leaves, (unsigned long long)(bytes >> 10),
			  pgt->stats.tables_in_use, c->maps, c->unmaps, c->commands, c->syncs, c->events);
		n++;
	}
	if (!n)
		tg_printf("  no domains\n");
}

static void show_counters(struct smmu *s)
{
	const struct smmu_counters *c = smmu_counters(s);

	tg_printf("  commands %lu, syncs %lu, command errors %lu, events %lu, lost %lu, "
		  "global errors %lu\n", c->commands, c->syncs, c->cmd_errors, c->events,
		  c->events_lost, c->gerrors);
}

static int smmu_cmd(int argc, char **argv)
{
	static const char *const parts[] = { "features", "streams", "domains", "counters" };
	unsigned int want = 0xf;

	if (argc > 2)
		goto usage;
	if (argc == 2) {
		want = 0;
		for (unsigned int i = 0; i < 4; i++)
			if (!strcmp(argv[1], parts[i]))
				want = 1u << i;
		if (!want)
			goto usage;
	}
	if (!smmu_count()) {
		tg_printf("no SMMU\n");
		return 1;
	}
	for (unsigned int i = 0; i < smmu_count(); i++) {
		struct smmu *s = smmu_get(i);

		if (want & 1)
			show_features(i, s);
		else
			tg_printf("smmu%u @0x%llx:\n", i, (unsigned long long)smmu_base(s));
		if (want & 2)
			show_streams(s);
		if (want & 4)
			show_domains(s);
		if (want & 8)
			show_counters(s);
	}
	return 0;
usage:
	tg_printf("usage: smmu [features|streams|domains|counters]\n");
	return 1;
}
SHELL_COMMAND(smmu, "smmu", "smmu [features|streams|domains|counters]",
	      "SMMU features, stream table, domains and counters", smmu_cmd);
