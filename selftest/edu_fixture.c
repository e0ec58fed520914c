/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared set-up of the edu scenarios (see edu_fixture.h). */
#include <string.h>

#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>

#include "edu_fixture.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8

static struct edu_fixture slots[EDU_FIXTURE_MAX];

struct pci_dev *edu_fixture_find(unsigned int idx)
{
	for (struct pci_dev *d = pci_find_id(EDU_VENDOR, EDU_DEVICE, NULL); d;
	     d = pci_find_id(EDU_VENDOR, EDU_DEVICE, d)) {
		if (d->disabled || !(d->bar[0].flags & PCI_BAR_ASSIGNED))
			continue;
		if (!idx--)
			return d;
	}
	return NULL;
}

unsigned int edu_fixture_count(void)
{
	unsigned int n = 0;

	while (edu_fixture_find(n))
		n++;
	return n;
}

enum selftest_result edu_fixture_open(struct selftest_ctx *ctx, unsigned int slot,
				      struct pci_dev *pci, struct edu_fixture **out)
{
	struct edu_fixture *f;
	int err;

	if (slot >= EDU_FIXTURE_MAX || !pci)
		return selftest_say(ctx, SELFTEST_FAIL, "bad fixture slot %u", slot);
	f = &slots[slot];
	edu_fixture_close(f);
	memset(f, 0, sizeof(*f));
	f->pci = pci;
	pci_dev_name(pci, f->name, sizeof(f->name));
	err = dma_dev_init(&f->dd, pci, EDU_FIXTURE_MASK);
	if (err == TG_EBUSY)
		return selftest_say(ctx, SELFTEST_SKIP, "%s: stream in use (shell `iommu release %s`?)",
				    f->name, f->name);
	if (err)
		return selftest_say(ctx, SELFTEST_FAIL, "%s: dma_dev_init: %s", f->name,
				    tg_strerror(err));
	f->open = true;
	if (!f->dd.iommu) {
		edu_fixture_close(f);
		return selftest_say(ctx, SELFTEST_SKIP, "%s is not behind an SMMU", f->name);
	}
	err = edu_init(&f->edu, pci);
	if (err) {
		edu_fixture_close(f);
		return selftest_say(ctx, SELFTEST_FAIL, "%s: edu_init: %s", f->name, tg_strerror(err));
	}
	/* Several edus may share one INTx line, and a handler acks only its
	 * own device: poll completion instead (edu_dma sleeps in bounded WFI). */
	f->edu.use_irq = false;
	*out = f;
	return SELFTEST_PASS;
}

void edu_fixture_close(struct edu_fixture *f)
{
	if (!f || !f->open)
		return;
	dma_dev_release(&f->dd);
	if (f->edu.pci)
		pci_set_master(f->edu.pci, false);
	f->open = false;
}

void edu_fixture_close_all(void)
{
	for (unsigned int i = 0; i < EDU_FIXTURE_MAX; i++)
		edu_fixture_close(&slots[i]);
}

int edu_fixture_copy(struct edu_fixture *f, enum edu_dir dir, dma_addr_t dma, uint32_t len,
		     uint32_t chunk)
{
	if (!chunk || chunk > EDU_DMA_MAX || len > EDU_DMA_MAX)
		return TG_EINVAL;
	for (uint32_t off = 0; off < len; off += chunk) {
		uint32_t n = len - off < chunk ? len - off : chunk;
		int err = edu_dma(&f->edu, dir, dma + off, off, n);
		if (err)
			return err;
	}
	return TG_OK;
}

bool edu_fixture_find_event(unsigned long mark, uint32_t sid, const char *name, uint64_t iova,
			    struct smmu_fault *out)
{
	unsigned long last = smmu_event_mark();
	struct smmu_fault f;

	for (unsigned long s = mark + 1; s <= last; s++) {
		if (smmu_event_get(s, &f) != 0)
			continue;
		if (f.sid == sid && f.addr == iova && f.name && !strcmp(f.name, name)) {
			if (out)
				*out = f;
			return true;
		}
	}
	return false;
}

unsigned int edu_fixture_count_events(unsigned long mark, uint32_t sid)
{
	unsigned long last = smmu_event_mark();
	struct smmu_fault f;
	unsigned int n = 0;

	for (unsigned long s = mark + 1; s <= last; s++)
		if (smmu_event_get(s, &f) == 0 && f.sid == sid)
			n++;
	return n;
}
