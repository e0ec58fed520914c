#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Loads an ELF into a real board's RAM over JTAG/SWD with OpenOCD and runs
# it: halt core 0, load the PT_LOAD segments (and verify them), optionally
# load a DTB file, put the DTB address in x0 (AArch64) or r0 = 0,
# r1 = ~0, r2 = DTB (AArch32, the Linux boot protocol Tollgate's entry
# expects), resume at the ELF's entry point.  What `make flash` runs.
#
#   tools/flash.sh BOARD ARCH ELF DTB_ADDR
#
# The board's boards/BOARD/openocd.cfg describes the debug port (it sets
# the TG_* variables of tools/openocd/target/armv8-a.cfg or armv7-a.cfg
# and sources it); the probe is yours:
#   OPENOCD_INTERFACE=interface/cmsis-dap.cfg   adapter script (required;
#                          the board file may name a default)
#   FLASH_DTB=file.dtb     also load this DTB at DTB_ADDR (otherwise the
#                          firmware must have left one there)
#   OPENOCD=openocd        the OpenOCD binary
#   FLASH_DRY_RUN=1        print the OpenOCD command line and stop
# The core is expected halted in EL2 or EL1 (or HYP/SVC): Tollgate's entry
# refuses EL3, so halt it after the secure firmware has run.
set -eu

if [ $# -ne 4 ]; then
	echo "usage: $0 BOARD ARCH ELF DTB_ADDR" >&2
	exit 2
fi
BOARD=$1
ARCH=$2
ELF=$3
DTB_ADDR=$4
TOP=$(cd "$(dirname "$0")/.." && pwd)
OPENOCD=${OPENOCD:-openocd}
CFG=$TOP/boards/$BOARD/openocd.cfg

[ -r "$ELF" ] || { echo "flash.sh: $ELF not found (make BOARD=$BOARD ARCH=$ARCH images)" >&2; exit 1; }
[ -r "$CFG" ] || { echo "flash.sh: board $BOARD has no openocd.cfg (boards/README.md says how to add one)" >&2; exit 1; }
if [ -z "${OPENOCD_INTERFACE:-}" ]; then
	echo "flash.sh: set OPENOCD_INTERFACE to your probe's adapter script, e.g." >&2
	echo "  make flash BOARD=$BOARD OPENOCD_INTERFACE=interface/cmsis-dap.cfg" >&2
	exit 2
fi
case $DTB_ADDR in
0x[0-9a-fA-F]*) ;;
*) echo "flash.sh: DTB_ADDR must be a hex address, not '$DTB_ADDR'" >&2; exit 2 ;;
esac

# The entry point from the ELF header (e_entry), checked against the ISA.
ENTRY=$(python3 - "$ELF" "$ARCH" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(64)
want = {"aarch64": (2, 183), "arm": (1, 40)}[sys.argv[2]]
if d[:4] != b"\x7fELF" or d[4] != want[0] or struct.unpack_from("<H", d, 18)[0] != want[1]:
    sys.exit("flash.sh: %s is not a %s ELF" % (sys.argv[1], sys.argv[2]))
print(hex(struct.unpack_from("<Q" if d[4] == 2 else "<I", d, 24)[0]))
PY
)

DTB_LOAD=""
if [ -n "${FLASH_DTB:-}" ]; then
	[ -r "$FLASH_DTB" ] || { echo "flash.sh: $FLASH_DTB not found" >&2; exit 1; }
	DTB_LOAD="load_image {$FLASH_DTB} $DTB_ADDR bin; verify_image {$FLASH_DTB} $DTB_ADDR bin;"
fi
case $ARCH in
aarch64) REGS="reg x0 $DTB_ADDR;" ;;
arm)     REGS="reg r0 0; reg r1 0xffffffff; reg r2 $DTB_ADDR;" ;;
*)       echo "flash.sh: ARCH must be aarch64 or arm" >&2; exit 2 ;;
esac

RUN="init; halt 1000; load_image {$ELF}; verify_image {$ELF}; $DTB_LOAD $REGS resume $ENTRY; shutdown"
set -- "$OPENOCD" -s "$TOP/tools/openocd" -f "$OPENOCD_INTERFACE" -f "$CFG" -c "$RUN"
echo "flash.sh: $*"
if [ -n "${FLASH_DRY_RUN:-}" ]; then
	exit 0
fi
exec "$@"
