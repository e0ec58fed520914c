/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VMSAv8-64 stage 1 translation table descriptors (Arm ARM DDI 0487, D8.3
 * "Translation table descriptor formats"), 48-bit output addresses only
 * (no FEAT_LPA/LPA2 52-bit layouts), as io_pgtable.c writes them.
 *
 *   bits 1:0   0b11 table (levels 0-2) or page (level 3);
 *              0b01 block (levels 1-2); bit 0 clear: invalid
 *   table      bits 47:G next-level table address (G = granule shift);
 *              63 NSTable, 62:61 APTable, 60 UXNTable, 59 PXNTable are
 *              left 0 (no hierarchical restriction); 11:2 and 58:55
 *              hold the next-level table's valid-entry count (below)
 *   block/page lower attributes: 4:2 AttrIndx (MAIR index), 5 NS,
 *              7:6 AP[2:1], 9:8 SH, 10 AF, 11 nG;
 *              output address bits 47:S (S = the level's size shift);
 *              upper attributes: 51 DBM, 52 Contiguous, 53 PXN, 54 UXN
 *
 * Choices (D8.4 "Memory access control", D8.5 "Memory region attributes";
 * SMMUv3 IHI 0070 for how a device transaction is checked):
 *  - AF = 1: the SMMU never takes an Access flag fault (no HTTU needed).
 *  - AP[1] = 1: accessible to unprivileged transactions.  PCIe requests
 *    without a PASID privilege bit arrive unprivileged (STE.PRIVCFG
 *    "use incoming"), so AP[1] = 0 would fault them on hardware.  QEMU
 *    checks only AP[2].  The CD must keep PAN = 0.
 *  - AP[2] = 1 (read-only) without IOMMU_WRITE; no write-only encoding.
 *  - nG = 1: entries are tagged with the CD's ASID.  Global entries would
 *    be shared by every context descriptor of the same VMID, letting one
 *    device's cached translations serve another's domain.
 *  - SH: inner shareable for write-back memory; outer shareable for
 *    non-cacheable and Device memory (which the architecture treats as
 *    outer shareable whatever SH says).
 *  - PXN and UXN together, for IOMMU_NOEXEC and always for IOMMU_MMIO.
 *  - NS, DBM and Contiguous stay 0.
 *
 * Valid-entry count (software only).  Every table descriptor records how
 * many valid entries the table it points to holds, so an unmap knows in
 * O(1) when a table has become empty and must be detached.  D8.3.1
 * "Table descriptor format" (48-bit OA) makes bits 11:2 and 58:51 of a
 * stage 1 table descriptor IGNORED: the walk reads only the type bits
 * 1:0, the next-level table address 47:G and the hierarchical attributes
 * 63:59 (QEMU's SMMUv3 model likewise takes only the address, and
 * APTable, from a table descriptor).  The count, 0 to 2^(G-3) (at most
 * 8192 with 64 KiB granules: 14 bits), is split as
 *
 *   count bits 9:0   in descriptor bits 11:2
 *   count bits 13:10 in descriptor bits 58:55
 *
 * Of 58:51 only 58:55 are used: the same bits a block or page descriptor
 * reserves for software, the least likely to gain a meaning.  Later
 * features take some of 11:2 back only when enabled: FEAT_LPA2 with
 * TCR.DS = 1 puts table address bits 51:50 in 9:8, FEAT_HAFT with HAFT
 * enabled makes bit 10 a table Access flag.  This code uses neither
 * (48-bit OA, no DS, no HAFT), and must move the count if it ever does.
 * Root tables have no descriptor and keep no count.  Changing the count
 * rewrites the whole descriptor with one single-copy-atomic store, so a
 * walker sees either count with the same address and type.  A table
 * detached with count 0 holds only zero (invalid) entries: invalid
 * entries are always written as 0.
 */
#ifndef TOLLGATE_IOMMU_IO_PGTABLE_DESC_H
#define TOLLGATE_IOMMU_IO_PGTABLE_DESC_H

#include <stdint.h>

#include <tollgate/io_pgtable.h>

#define PTD_VALID		(1ull << 0)
#define PTD_TYPE_TABLE		(1ull << 1)	/* with VALID: table / page */
#define PTD_TYPE_MASK		(PTD_VALID | PTD_TYPE_TABLE)
#define PTD_TYPE_BLOCK_BITS	PTD_VALID
#define PTD_TYPE_TABLE_BITS	(PTD_VALID | PTD_TYPE_TABLE)
#define PTD_TYPE_PAGE_BITS	(PTD_VALID | PTD_TYPE_TABLE)

#define PTD_ATTRINDX_SHIFT	2
#define PTD_ATTRINDX_MASK	(7ull << PTD_ATTRINDX_SHIFT)
#define PTD_ATTRINDX(n)		((uint64_t)(n) << PTD_ATTRINDX_SHIFT)
#define PTD_NS			(1ull << 5)
#define PTD_AP_UNPRIV		(1ull << 6)	/* AP[1]: EL0 / unprivileged access */
#define PTD_AP_RDONLY		(1ull << 7)	/* AP[2]: read-only */
#define PTD_SH_SHIFT		8
#define PTD_SH_MASK		(3ull << PTD_SH_SHIFT)
#define PTD_SH_OUTER		(2ull << PTD_SH_SHIFT)
#define PTD_SH_INNER		(3ull << PTD_SH_SHIFT)
#define PTD_AF			(1ull << 10)
#define PTD_NG			(1ull << 11)
#define PTD_DBM			(1ull << 51)
#define PTD_CONT		(1ull << 52)
#define PTD_PXN			(1ull << 53)
#define PTD_UXN			(1ull << 54)

/* Output / next-level table address, bits 47:shift. */
#define PTD_OA_BITS		48
static inline uint64_t ptd_oa_mask(unsigned int shift)
{
	return ((1ull << PTD_OA_BITS) - 1) & ~((1ull << shift) - 1);
}

/* Everything of a block/page descriptor but its address and type. */
#define PTD_LEAF_ATTRS		(0x0000000000000ffcull | 0xfffc000000000000ull)

/* Valid-entry count of the next-level table: see the top of this file. */
#define PTD_TCOUNT_LO_SHIFT	2
#define PTD_TCOUNT_LO_BITS	10
#define PTD_TCOUNT_HI_SHIFT	55
#define PTD_TCOUNT_HI_BITS	4
#define PTD_TCOUNT_MAX		((1u << (PTD_TCOUNT_LO_BITS + PTD_TCOUNT_HI_BITS)) - 1)
#define PTD_TCOUNT_LO_MASK	(((1ull << PTD_TCOUNT_LO_BITS) - 1) << PTD_TCOUNT_LO_SHIFT)
#define PTD_TCOUNT_HI_MASK	(((1ull << PTD_TCOUNT_HI_BITS) - 1) << PTD_TCOUNT_HI_SHIFT)
#define PTD_TCOUNT_MASK		(PTD_TCOUNT_LO_MASK | PTD_TCOUNT_HI_MASK)

/* 64 KiB granule: 8192 entries per table. */
_Static_assert(PTD_TCOUNT_MAX >= (1u << (16 - 3)), "table count field too narrow");

static inline unsigned int ptd_table_count(uint64_t d)
{
	return (unsigned int)((d & PTD_TCOUNT_LO_MASK) >> PTD_TCOUNT_LO_SHIFT) |
	       (unsigned int)((d & PTD_TCOUNT_HI_MASK) >> PTD_TCOUNT_HI_SHIFT)
		       << PTD_TCOUNT_LO_BITS;
}

/* `d` with its count replaced by `count` (<= PTD_TCOUNT_MAX). */
static inline uint64_t ptd_table_set_count(uint64_t d, unsigned int count)
{
	return (d & ~PTD_TCOUNT_MASK) |
	       (((uint64_t)count << PTD_TCOUNT_LO_SHIFT) & PTD_TCOUNT_LO_MASK) |
	       (((uint64_t)(count >> PTD_TCOUNT_LO_BITS) << PTD_TCOUNT_HI_SHIFT) &
		PTD_TCOUNT_HI_MASK);
}

/* A table descriptor for a table at table_phys holding `count` valid entries. */
static inline uint64_t ptd_table(uint64_t table_phys, unsigned int granule_shift,
				 unsigned int count)
{
	return ptd_table_set_count((table_phys & ptd_oa_mask(granule_shift)) | PTD_TYPE_TABLE_BITS,
				   count);
}

/* `shift` is the leaf's size shift; `page` says level 3. */
static inline uint64_t ptd_leaf(uint64_t oa, unsigned int shift, uint64_t attrs, int page)
{
	return (oa & ptd_oa_mask(shift)) | (attrs & PTD_LEAF_ATTRS) |
	       (page ? PTD_TYPE_PAGE_BITS : PTD_TYPE_BLOCK_BITS);
}

/* Leaf attributes for an IOMMU_* prot (validated by the caller). */
static inline uint64_t ptd_prot_attrs(unsigned int prot)
{
	uint64_t a = PTD_AF | PTD_NG | PTD_AP_UNPRIV;

	if (!(prot & IOMMU_WRITE))
		a |= PTD_AP_RDONLY;
	if (prot & IOMMU_MMIO)
		a |= PTD_ATTRINDX(IO_PGTABLE_MAIR_IDX_DEVICE) | PTD_SH_OUTER | PTD_PXN | PTD_UXN;
	else if (prot & IOMMU_CACHE_NC)
		a |= PTD_ATTRINDX(IO_PGTABLE_MAIR_IDX_NORMAL_NC) | PTD_SH_OUTER;
	else
		a |= PTD_ATTRINDX(IO_PGTABLE_MAIR_IDX_NORMAL) | PTD_SH_INNER;
	if (prot & IOMMU_NOEXEC)
		a |= PTD_PXN | PTD_UXN;
	return a;
}

/* The IOMMU_* permissions a leaf descriptor grants. */
static inline unsigned int ptd_leaf_prot(uint64_t d)
{
	unsigned int prot = IOMMU_READ;

	if (!(d & PTD_AP_RDONLY))
		prot |= IOMMU_WRITE;
	switch ((d & PTD_ATTRINDX_MASK) >> PTD_ATTRINDX_SHIFT) {
	case IO_PGTABLE_MAIR_IDX_DEVICE:
		prot |= IOMMU_MMIO;
		break;
	case IO_PGTABLE_MAIR_IDX_NORMAL_NC:
		prot |= IOMMU_CACHE_NC;
		break;
	}
	if (d & (PTD_PXN | PTD_UXN))
		prot |= IOMMU_NOEXEC;
	return prot;
}

#endif
