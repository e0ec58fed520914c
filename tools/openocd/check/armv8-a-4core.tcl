# SPDX-License-Identifier: BSD-3-Clause
# Parameters for tools/check-openocd: an ARMv8-A SoC with four cores on
# APB-AP 1, debug frames 0x100000 apart.  Test values for the generic
# script (the shape of a CoreSight ROM table), not a real part.
set TG_TARGET   armv8-a
set TG_TAPID    0x4ba00477
set TG_AP       1
set TG_CORES    4
set TG_DBGBASE  {0x80410000 0x80510000 0x80610000 0x80710000}
set TG_CTIBASE  {0x80420000 0x80520000 0x80620000 0x80720000}
