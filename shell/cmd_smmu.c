/* SPDX-License-Identifier: BSD-3-Clause */
/* `smmu`: features, stream table, attached streams and counters of each SMMU. */
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/shell.h>
#include <tollgate/smmu.h>

static int smmu_cmd(int argc, char **argv)
{
	if (!smmu_count()) {
		tg_printf("no SMMU\n");
		return 1;
	}
	for (unsigned int i = 0; i < smmu_count(); i++) {
		struct smmu *s = smmu_get(i);
		const struct smmu_features *f = smmu_features(s);
		const struct smmu_counters *c = smmu_counters(s);

		tg_printf("smmu%u @0x%llx: S1%s, SIDSIZE %u, ASID %u bits, OAS %u bits, %s stream table, "
			  "RIL %s, %s\n", i, (unsigned long long)smmu_base(s), f->s2 ? "+S2" : "",
			  f->sid_bits, f->asid16 ? 16 : 8, f->oas_bits,
			  f->two_level_st && f->sid_bits > 10 ? "2-level" : "linear",
			  f->ril ? "yes" : "no", f->coherent ? "coherent" : "non-coherent");
		tg_printf("  commands %lu, syncs %lu, command errors %lu, events %lu, lost %lu, "
			  "global errors %lu\n", c->commands, c->syncs, c->cmd_errors, c->events,
			  c->events_lost, c->gerrors);
		for (unsigned int d = 0; d < pci_dev_count(); d++) {
			struct pci_dev *p = pci_dev_get(d);
			char name[16];
			if (!p->has_sid)
				continue;
			struct smmu_domain *dom = smmu_domain_of_stream(s, p->sid);
			pci_dev_name(p, name, sizeof(name));
			if (dom) {
				const struct smmu_domain_counters *dc = smmu_domain_counters(dom);
				tg_printf("  sid 0x%04x %s: domain asid %u (maps %lu, unmaps %lu, events %lu)\n",
					  (unsigned)p->sid, name, smmu_domain_asid(dom), dc->maps,
					  dc->unmaps, dc->events);
			} else {
				tg_printf("  sid 0x%04x %s: not attached (default STE)\n", (unsigned)p->sid, name);
			}
		}
	}
	return 0;
}
SHELL_COMMAND(smmu, "smmu", "smmu", "SMMU features, streams, domains and counters", smmu_cmd);
