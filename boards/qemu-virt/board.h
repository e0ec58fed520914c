/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QEMU virt board facts the device tree cannot give us before it is parsed.
 */
#ifndef TOLLGATE_BOARD_H
#define TOLLGATE_BOARD_H

/* PL011 used for messages printed before the DT is validated (earlycon). */
#define BOARD_EARLYCON_PL011	0x09000000UL

#define BOARD_NAME		"qemu-virt"

#endif
