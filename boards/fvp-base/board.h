/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Arm FVP Base RevC facts the device tree cannot give us before it is
 * parsed, or does not give at all.  Addresses shared with the build live
 * in board.mk.
 */
#ifndef TOLLGATE_BOARD_H
#define TOLLGATE_BOARD_H

/* UART0 (motherboard IOFPGA, PL011), TF-A's boot console: earlycon. */
#define BOARD_EARLYCON_PL011	0x1c090000UL

#define BOARD_NAME		"fvp-base"

/*
 * Peer-to-peer policy.  No public description of the FVP's PCIe model
 * says its root complex forwards a device's write to a peer's BAR, so P2P
 * through the host bridge stays off until it is measured on the model;
 * switches below a root port are assumed not to route it either (every
 * DMA then goes up to the SMMU, as on QEMU).
 */
#define BOARD_P2P_THRU_HOST_BRIDGE	0
#define BOARD_SWITCHES_ROUTE_P2P	0

#endif
