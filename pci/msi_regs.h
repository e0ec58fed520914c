/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MSI and MSI-X capability layouts, described once.  Reference: PCI Local
 * Bus Specification 3.0, 6.8.1 (MSI capability structure, Figure 6-9) and
 * 6.8.2 (MSI-X capability and table structures, Figures 6-10 to 6-12).
 */
#ifndef TOLLGATE_PCI_MSI_REGS_H
#define TOLLGATE_PCI_MSI_REGS_H

/* --- MSI (6.8.1) --------------------------------------------------------- */
#define PCI_MSI_FLAGS		0x02	/* Message Control, 16-bit */
#define  PCI_MSI_FLAGS_ENABLE	0x0001
#define  PCI_MSI_FLAGS_QMASK	0x000e	/* Multiple Message Capable */
#define  PCI_MSI_FLAGS_QSIZE	0x0070	/* Multiple Message Enable */
#define  PCI_MSI_FLAGS_64BIT	0x0080
#define  PCI_MSI_FLAGS_MASKBIT	0x0100	/* per-vector masking */
#define PCI_MSI_ADDRESS_LO	0x04	/* bits 1:0 must be 0 */
#define PCI_MSI_ADDRESS_HI	0x08	/* 64-bit capability only */
#define PCI_MSI_DATA_32		0x08
#define PCI_MSI_DATA_64		0x0c
#define PCI_MSI_MASK_32		0x0c
#define PCI_MSI_MASK_64		0x10
#define PCI_MSI_PENDING_32	0x10
#define PCI_MSI_PENDING_64	0x14

/* --- MSI-X (6.8.2) ------------------------------------------------------- */
#define PCI_MSIX_FLAGS		0x02	/* Message Control, 16-bit */
#define  PCI_MSIX_FLAGS_QSIZE	0x07ff	/* Table Size - 1 */
#define  PCI_MSIX_FLAGS_MASKALL	0x4000	/* Function Mask */
#define  PCI_MSIX_FLAGS_ENABLE	0x8000
#define PCI_MSIX_TABLE		0x04	/* BIR [2:0], offset [31:3] */
#define PCI_MSIX_PBA		0x08
#define  PCI_MSIX_BIR(v)	((v) & 7u)
#define  PCI_MSIX_OFFSET(v)	((v) & ~7u)
#define PCI_MSIX_MAX_ENTRIES	2048u

/* One table entry, 16 bytes, 32-bit accesses (6.8.2.6 - 6.8.2.9). */
#define PCI_MSIX_ENTRY_SIZE	16u
#define PCI_MSIX_ENTRY_ADDR_LO	0x0
#define PCI_MSIX_ENTRY_ADDR_HI	0x4
#define PCI_MSIX_ENTRY_DATA	0x8
#define PCI_MSIX_ENTRY_CTRL	0xc
#define  PCI_MSIX_ENTRY_CTRL_MASKBIT	1u

#endif
