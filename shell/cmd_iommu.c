/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `iommu map|unmap|walk|release`: a device's IOMMU address space by hand.
 * map/unmap go straight to the device's SMMU domain (not through the DMA
 * layer's IOVA allocator: pick IOVAs the layer has not handed out); walk
 * prints every descriptor the table walk reads, then the output address
 * and permissions.  A device without a domain gets one (dma_dev_init),
 * held by the shell until `iommu release`.
 */
#include <string.h>

#include <tollgate/dma.h>
#include <tollgate/error.h>
#include <tollgate/io_pgtable.h>
#include <tollgate/io_pgtable_walk.h>
#include <tollgate/log.h>
#include <tollgate/pci.h>
#include <tollgate/shell.h>
#include <tollgate/smmu.h>

#include "shell_dev.h"

#define MIN_GRANULE	4096u

#define USAGE \
	"usage: iommu map <bdf> <iova> <phys> <size> [r|w|rw]\n" \
	"       iommu unmap <bdf> <iova> <size>\n" \
	"       iommu walk <bdf> <iova>\n" \
	"       iommu release <bdf>\n"

static void print_prot(unsigned int prot)
{
	tg_printf("%s%s%s%s%s", prot & IOMMU_READ ? "r" : "-", prot & IOMMU_WRITE ? "w" : "-",
		  prot & IOMMU_MMIO ? " device" : prot & IOMMU_CACHE_NC ? " normal-nc" : " normal-wb",
		  prot & IOMMU_NOEXEC ? " xn" : "", "");
}

static int parse_prot(const char *s, unsigned int *prot)
{
	if (!strcmp(s, "r"))
		*prot = IOMMU_READ;
	else if (!strcmp(s, "w") || !strcmp(s, "rw"))
		*prot = IOMMU_READ | IOMMU_WRITE;	/* stage 1 has no write-only */
	else
		return TG_EINVAL;
	return TG_OK;
}

static int do_map(struct pci_dev *pci, int argc, char **argv)
{
	uint64_t iova, phys, size;
	unsigned int prot = IOMMU_READ | IOMMU_WRITE;

	if (argc < 6 || argc > 7 || !shell_parse_u64(argv[3], &iova) ||
	    !shell_parse_u64(argv[4], &phys) || !shell_parse_u64(argv[5], &size) ||
	    (argc == 7 && parse_prot(argv[6], &prot))) {
		tg_printf(USAGE);
		return 1;
	}
	/* Refused before a domain is made for it: bad input leaves nothing behind. */
	if (!size || ((iova | phys | size) & (MIN_GRANULE - 1)) || iova + size < iova) {
		tg_printf("iommu map: %s: IOVA, phys and size must be non-zero multiples of 4 KiB\n",
			  tg_strerror(TG_EINVAL));
		return 1;
	}
	bool had_domain = shell_dev_held(pci) != NULL;
	struct smmu_domain *dom = shell_dev_domain("iommu map", pci, true);
	if (!dom)
		return 1;
	int err = smmu_map(dom, iova, phys, size, prot);
	if (err) {
		tg_printf("iommu map: %s (pages of the domain's granule, inside its IOVA range, "
			  "not mapped yet)\n", tg_strerror(err));
		if (!had_domain && shell_dev_release(pci))
			tg_printf("iommu map: domain released again\n");
		return 1;
	}
	tg_printf("mapped IOVA 0x%llx-0x%llx -> 0x%llx ", (unsigned long long)iova,
		  (unsigned long long)(iova + size - 1), (unsigned long long)phys);
	print_prot(prot);
	tg_printf("\n");
	return 0;
}

static int do_unmap(struct pci_dev *pci, int argc, char **argv)
{
	uint64_t iova, size;

	if (argc != 5 || !shell_parse_u64(argv[3], &iova) || !shell_parse_u64(argv[4], &size)) {
		tg_printf(USAGE);
		return 1;
	}
	struct smmu_domain *dom = shell_dev_domain("iommu unmap", pci, false);
	if (!dom)
		return 1;
	int64_t n = smmu_unmap(dom, iova, size);
	if (n < 0) {
		tg_printf("iommu unmap: %s (the range must be page-aligned and fully mapped)\n",
			  tg_strerror((int)n));
		return 1;
	}
	tg_printf("unmapped 0x%llx bytes at IOVA 0x%llx (TLB invalidated)\n", (unsigned long long)n,
		  (unsigned long long)iova);
	return 0;
}

static int do_walk(struct pci_dev *pci, int argc, char **argv)
{
	uint64_t iova;
	struct io_pgtable_walk w;

	if (argc != 4 || !shell_parse_u64(argv[3], &iova)) {
		tg_printf(USAGE);
		return 1;
	}
	struct smmu_domain *dom = shell_dev_domain("iommu walk", pci, false);
	if (!dom)
		return 1;
	const struct io_pgtable *pgt = smmu_domain_pgtable(dom);
	int err = io_pgtable_walk(pgt, iova, &w);
	tg_printf("IOVA 0x%llx, ASID %u, %uK granule, %u-bit IOVA, TTB0 0x%llx\n",
		  (unsigned long long)iova, smmu_domain_asid(dom), 1u << (pgt->cfg.granule_shift - 10),
		  pgt->cfg.ias, (unsigned long long)pgt->root_phys);
	for (unsigned int i = 0; i < w.nsteps; i++) {
		const struct io_pgtable_walk_step *s = &w.step[i];
		const char *what = !(s->desc & 1) ? "invalid"
				   : (s->desc & 3) == 1 ? "block"
				   : s->level == 3 ? "page" : "table";
		tg_printf("  L%u [%4u] @0x%llx: 0x%016llx %s\n", s->level, s->index,
			  (unsigned long long)s->table_phys, (unsigned long long)s->desc, what);
	}
	if (err == TG_ERANGE) {
		tg_printf("  beyond the %u-bit input range\n", pgt->cfg.ias);
		return 1;
	}
	if (err) {
		tg_printf("  not mapped: a device access here raises F_TRANSLATION\n");
		return 1;
	}
	tg_printf("  -> phys 0x%llx (%llu KiB leaf), ", (unsigned long long)w.phys,
		  (unsigned long long)(1ull << (w.leaf_shift - 10)));
	print_prot(w.prot);
	tg_printf("\n");
	return 0;
}

static int iommu_cmd(int argc, char **argv)
{
	if (argc < 3) {
		tg_printf(USAGE);
		return 1;
	}
	if (strcmp(argv[1], "map") && strcmp(argv[1], "unmap") && strcmp(argv[1], "walk") &&
	    strcmp(argv[1], "release")) {
		tg_printf("iommu: unknown subcommand '%s'\n" USAGE, argv[1]);
		return 1;
	}
	struct pci_dev *pci = shell_parse_bdf("iommu", argv[2]);
	if (!pci)
		return 1;
	if (!strcmp(argv[1], "map"))
		return do_map(pci, argc, argv);
	if (!strcmp(argv[1], "unmap"))
		return do_unmap(pci, argc, argv);
	if (!strcmp(argv[1], "walk"))
		return do_walk(pci, argc, argv);
	if (argc != 3) {
		tg_printf(USAGE);
		return 1;
	}
	if (!shell_dev_release(pci)) {
		tg_printf("iommu release: the shell holds no domain for %s\n", argv[2]);
		return 1;
	}
	tg_printf("released %s: its stream is back on the default STE\n", argv[2]);
	return 0;
}
SHELL_COMMAND(iommu, "iommu", "iommu <op> <bdf> ...",
	      "map, unmap, walk or release a device's IOMMU address space", iommu_cmd);
