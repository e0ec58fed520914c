# SPDX-License-Identifier: BSD-3-Clause
# Parameters for tools/check-openocd: a dual Cortex-A7/A15-class ARMv7-A
# SoC on APB-AP 1 (test values, not a real part).
set TG_TARGET   armv7-a
set TG_TAPID    0x4ba00477
set TG_AP       1
set TG_CORES    2
set TG_DBGBASE  {0x80110000 0x80112000}
