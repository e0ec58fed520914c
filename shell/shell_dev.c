/* SPDX-License-Identifier: BSD-3-Clause */
/* Device names and the shell's per-device DMA set-ups (see shell_dev.h). */
#include <string.h>

#include <tollgate/dma.h>
#include <tollgate/error.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/smmu.h>

#include "shell_dev.h"

#define HELD_MAX	8

static struct {
	struct pci_dev *pci;
	struct dma_dev dd;
} held[HELD_MAX];

static bool parse_hex(const char *s, unsigned int digits_max, unsigned long *v, const char **end)
{
	unsigned int n = 0;

	*v = 0;
	for (; *s && n < digits_max + 1; s++, n++) {
		unsigned int d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned int)((*s | 0x20) - 'a' + 10);
		else
			break;
		*v = *v * 16 + d;
	}
	*end = s;
	return n > 0 && n <= digits_max;
}

struct pci_dev *shell_parse_bdf(const char *cmd, const char *s)
{
	unsigned long seg = 0, bus, dev, fn;
	const char *p = s, *colon = strchr(s, ':');

	if (colon && strchr(colon + 1, ':')) {	/* domain given */
		if (!parse_hex(p, 4, &seg, &p) || *p++ != ':')
			goto bad;
	}
	if (!parse_hex(p, 2, &bus, &p) || *p++ != ':' || !parse_hex(p, 2, &dev, &p) ||
	    *p++ != '.' || !parse_hex(p, 1, &fn, &p) || *p || dev > 31 || fn > 7)
		goto bad;
	struct pci_dev *d = pci_find_bdf((uint16_t)seg, (uint8_t)bus, PCI_DEVFN(dev, fn));
	if (!d)
		tg_printf("%s: no PCI function %s (see lspci)\n", cmd, s);
	return d;
bad:
	tg_printf("%s: '%s' is not a device address (00:02.0 or 0000:00:02.0)\n", cmd, s);
	return NULL;
}

bool shell_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	bool hex = s[0] == '0' && (s[1] | 0x20) == 'x';
	unsigned int base = hex ? 16 : 10, n = 0;

	for (s += hex ? 2 : 0; *s; s++, n++) {
		unsigned int d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (hex && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned int)((*s | 0x20) - 'a' + 10);
		else
			return false;
		if (x > (~0ull - d) / base)
			return false;	/* overflow */
		x = x * base + d;
	}
	*v = x;
	return n > 0;
}

struct smmu *shell_dev_smmu(const struct pci_dev *pci)
{
	return pci && pci->has_sid ? smmu_from_node(pci->iommu_node) : NULL;
}

uint64_t shell_dev_mask(const struct pci_dev *pci)
{
	/* QEMU's edu drops address bits above 28 (its default dma_mask). */
	if (pci->vendor == 0x1234 && pci->device == 0x11e8)
		return (1ull << 28) - 1;
	return 0xffffffffull;
}

struct dma_dev *shell_dev_held(struct pci_dev *pci)
{
	for (unsigned int i = 0; i < HELD_MAX; i++)
		if (held[i].pci == pci && pci)
			return &held[i].dd;
	return NULL;
}

struct smmu_domain *shell_dev_domain(const char *cmd, struct pci_dev *pci, bool create)
{
	struct smmu *smmu = shell_dev_smmu(pci);
	char name[16];

	pci_dev_name(pci, name, sizeof(name));
	if (!smmu) {
		tg_printf("%s: %s is not behind an SMMU\n", cmd, name);
		return NULL;
	}
	struct smmu_domain *dom = smmu_domain_of_stream(smmu, pci->sid);
	if (dom || !create) {
		if (!dom)
			tg_printf("%s: %s has no domain (its stream is not attached)\n", cmd, name);
		return dom;
	}
	for (unsigned int i = 0; i < HELD_MAX; i++) {
		if (held[i].pci)
			continue;
		int err = dma_dev_init(&held[i].dd, pci, shell_dev_mask(pci));
		if (err) {
			tg_printf("%s: %s: dma_dev_init: %s\n", cmd, name, tg_strerror(err));
			return NULL;
		}
		held[i].pci = pci;
		dom = dma_dev_domain(&held[i].dd);
		tg_printf("%s: %s: new domain, ASID %u (the shell holds it; `iommu release %s` frees it)\n",
			  cmd, name, smmu_domain_asid(dom), name);
		return dom;
	}
	tg_printf("%s: the shell already holds %u devices; `iommu release` one\n", cmd, HELD_MAX);
	return NULL;
}

bool shell_dev_release(struct pci_dev *pci)
{
	for (unsigned int i = 0; i < HELD_MAX; i++) {
		if (held[i].pci == pci && pci) {
			dma_dev_release(&held[i].dd);
			held[i].pci = NULL;
			return true;
		}
	}
	return false;
}

const char *shell_sid_name(const struct smmu *smmu, uint32_t sid, char *buf, unsigned int len)
{
	buf[0] = '\0';
	for (unsigned int i = 0; i < pci_dev_count(); i++) {
		struct pci_dev *d = pci_dev_get(i);
		if (d->has_sid && d->sid == sid && smmu_from_node(d->iommu_node) == smmu) {
			pci_dev_name(d, buf, len);
			break;
		}
	}
	return buf;
}
