/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI configuration-space layout, described once.  References: PCI Local
 * Bus Specification 3.0 chapter 6 (type 0/1 headers, capabilities), PCI-to-
 * PCI Bridge Architecture Specification 1.2 chapter 3, PCI Express Base
 * Specification 5.0 chapter 7 (PCIe capability 7.5.3, extended
 * capabilities 7.6+, ACS 7.7.8).
 */
#ifndef TOLLGATE_PCI_REGS_H
#define TOLLGATE_PCI_REGS_H

/* Common header (PCI 3.0 6.1). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_SERR	0x0100
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_REVISION_ID		0x08	/* class code in bits 31:8 of the dword */
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_HEADER_TYPE		0x0e
#define  PCI_HEADER_TYPE_MASK	0x7f
#define  PCI_HEADER_TYPE_NORMAL	0
#define  PCI_HEADER_TYPE_BRIDGE	1
#define  PCI_HEADER_TYPE_CARDBUS 2
#define  PCI_HEADER_MULTIFUNC	0x80
#define PCI_BAR0		0x10
#define  PCI_BAR_SPACE_IO	0x01
#define  PCI_BAR_MEM_TYPE_MASK	0x06
#define  PCI_BAR_MEM_TYPE_64	0x04
#define  PCI_BAR_MEM_PREFETCH	0x08
#define  PCI_BAR_MEM_MASK	(~0x0fu)
#define  PCI_BAR_IO_MASK	(~0x03u)
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

/* Type 1 (bridge) header (PCI-to-PCI Bridge 1.2 3.2). */
#define PCI_PRIMARY_BUS		0x18
#define PCI_SECONDARY_BUS	0x19
#define PCI_SUBORDINATE_BUS	0x1a
#define PCI_IO_BASE		0x1c
#define PCI_IO_LIMIT		0x1d
#define  PCI_IO_RANGE_32BIT	0x01
#define PCI_MEMORY_BASE		0x20
#define PCI_MEMORY_LIMIT	0x22
#define PCI_PREF_MEMORY_BASE	0x24
#define PCI_PREF_MEMORY_LIMIT	0x26
#define  PCI_PREF_RANGE_64BIT	0x01
#define PCI_PREF_BASE_UPPER32	0x28
#define PCI_PREF_LIMIT_UPPER32	0x2c
#define PCI_IO_BASE_UPPER16	0x30
#define PCI_IO_LIMIT_UPPER16	0x32
#define PCI_BRIDGE_CONTROL	0x3e

/* Bridge window granularity (PCI-to-PCI Bridge 1.2 3.2.5). */
#define PCI_BRIDGE_IO_ALIGN	0x1000ull
#define PCI_BRIDGE_MEM_ALIGN	0x100000ull

/* Capability IDs (PCI 3.0 appendix H). */
#define PCI_CAP_ID_PM		0x01
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_EXP		0x10
#define PCI_CAP_ID_MSIX		0x11

/* PCI Express capability (PCIe 5.0 7.5.3.2). */
#define PCI_EXP_FLAGS		0x02
#define  PCI_EXP_FLAGS_TYPE(f)	(((f) >> 4) & 0xf)
#define  PCI_EXP_TYPE_ENDPOINT	0x0
#define  PCI_EXP_TYPE_LEG_END	0x1
#define  PCI_EXP_TYPE_ROOT_PORT	0x4
#define  PCI_EXP_TYPE_UPSTREAM	0x5
#define  PCI_EXP_TYPE_DOWNSTREAM 0x6
#define  PCI_EXP_TYPE_PCI_BRIDGE 0x7
#define  PCI_EXP_TYPE_PCIE_BRIDGE 0x8
#define  PCI_EXP_TYPE_RC_END	0x9
#define  PCI_EXP_TYPE_RC_EC	0xa

/* Extended capabilities live at 0x100-0xfff (PCIe 5.0 7.6.3). */
#define PCI_EXT_CAP_START	0x100
#define PCI_EXT_CAP_ID(h)	((h) & 0xffff)
#define PCI_EXT_CAP_NEXT(h)	(((h) >> 20) & 0xffc)
#define PCI_EXT_CAP_ID_ACS	0x0d

/* ACS extended capability (PCIe 5.0 7.7.8). */
#define PCI_ACS_CAP		0x04	/* 16-bit capability register */
#define PCI_ACS_CTRL		0x06	/* 16-bit control register */
#define  PCI_ACS_SV		0x0001	/* source validation */
#define  PCI_ACS_TB		0x0002	/* translation blocking */
#define  PCI_ACS_RR		0x0004	/* P2P request redirect */
#define  PCI_ACS_CR		0x0008	/* P2P completion redirect */
#define  PCI_ACS_UF		0x0010	/* upstream forwarding */
#define  PCI_ACS_EC		0x0020	/* P2P egress control */
#define  PCI_ACS_DT		0x0040	/* direct translated P2P */

/* Config space sizes. */
#define PCI_CFG_SPACE_SIZE	0x100
#define PCI_CFG_SPACE_EXP_SIZE	0x1000

#endif
