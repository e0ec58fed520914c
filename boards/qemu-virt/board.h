/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QEMU virt board facts the device tree cannot give us before it is parsed,
 * or does not give at all.  Addresses shared with the build (RAM, DTB
 * fallback, load address) live in board.mk and arrive as TG_BOARD_* macros.
 */
#ifndef TOLLGATE_BOARD_H
#define TOLLGATE_BOARD_H

/* PL011 used for messages printed before the DT is validated (earlycon). */
#define BOARD_EARLYCON_PL011	0x09000000UL

#define BOARD_NAME		"qemu-virt"

/*
 * Peer-to-peer policy.  QEMU's root complex forwards a device's DMA to a
 * peer's BAR (through the SMMU), so P2P through the host bridge is
 * allowed.  Its switches and root ports do not route P2P themselves:
 * every DMA, even between switch siblings, goes up to the SMMU, so a
 * bus-address (untranslated) P2P transfer would fault: say so.
 */
#define BOARD_P2P_THRU_HOST_BRIDGE	1
#define BOARD_SWITCHES_ROUTE_P2P	0

#endif
