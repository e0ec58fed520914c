#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Boots an image in QEMU halted at the first instruction with its gdbstub
# open, and attaches gdb-multiarch with the ELF's symbols.  QEMU is killed
# when gdb exits.  What `make debug` runs on QEMU boards.
#
#   tools/debug.sh ARCH CONFIG BIN ELF
#
# On a real board (`make debug BOARD=...` with a boards/BOARD/openocd.cfg),
# OpenOCD's gdb server instead, on the board's debug port:
#
#   tools/debug.sh --openocd BOARD ARCH ELF
#
#   OPENOCD_INTERFACE=interface/...cfg   the probe's adapter script (required)
#   GDB_PORT=3333                        OpenOCD's gdb port for core 0
#   OPENOCD=openocd
# OpenOCD is stopped when gdb exits.
#
# Environment:
#   GDB_PORT=1234          gdbstub TCP port
#   GDB=gdb-multiarch      the debugger
#   GDB_ARGS=...           more gdb arguments (split on spaces), e.g. "-x my.gdb"
#   DEBUG_CONSOLE=tty      the guest console: output on this terminal (default
#                          when stdout is a terminal); or `log` (only the log
#                          file); or `tcp:PORT` (an interactive console: connect
#                          with `nc localhost PORT` or `telnet localhost PORT`)
#   DEBUG_QEMU_EXTRA=...   more QEMU arguments (split on spaces), e.g.
#                          "-semihosting-config enable=on,target=native"
# The console is always copied to <dir of BIN>/debug-CONFIG.log.
set -eu

if [ "${1:-}" = "--openocd" ]; then
	[ $# -eq 4 ] || { echo "usage: $0 --openocd BOARD ARCH ELF" >&2; exit 2; }
	BOARD=$2
	ELF=$4
	TOP=$(cd "$(dirname "$0")/.." && pwd)
	CFG=$TOP/boards/$BOARD/openocd.cfg
	GDB=${GDB:-gdb-multiarch}
	GDB_PORT=${GDB_PORT:-3333}
	OPENOCD=${OPENOCD:-openocd}
	[ -r "$CFG" ] || { echo "debug.sh: board $BOARD has no openocd.cfg" >&2; exit 1; }
	[ -r "$ELF" ] || { echo "debug.sh: $ELF not found" >&2; exit 1; }
	[ -n "${OPENOCD_INTERFACE:-}" ] || {
		echo "debug.sh: set OPENOCD_INTERFACE to your probe's adapter script" >&2; exit 2; }
	LOG=$(dirname "$ELF")/openocd.log
	echo "debug.sh: $OPENOCD -f $OPENOCD_INTERFACE -f $CFG (log: $LOG)"
	"$OPENOCD" -s "$TOP/tools/openocd" -f "$OPENOCD_INTERFACE" -f "$CFG" \
		-c "gdb_port $GDB_PORT; tcl_port disabled; telnet_port disabled" >"$LOG" 2>&1 &
	OPID=$!
	trap 'kill "$OPID" 2>/dev/null || true; wait "$OPID" 2>/dev/null || true' EXIT
	trap 'exit 130' HUP TERM
	# OpenOCD scans the chain and examines core 0 before it listens.
	i=0
	while ! grep -q "Listening on port $GDB_PORT" "$LOG" 2>/dev/null; do
		if ! kill -0 "$OPID" 2>/dev/null || [ $i -ge 100 ]; then
			echo "debug.sh: OpenOCD did not start its gdb server; last lines of $LOG:" >&2
			tail -n 5 "$LOG" >&2
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	trap ':' INT
	"$GDB" -q -ex "target extended-remote localhost:$GDB_PORT" ${GDB_ARGS:-} "$ELF"
	exit 0
fi

if [ $# -ne 4 ]; then
	echo "usage: $0 ARCH CONFIG BIN ELF" >&2
	exit 2
fi
ARCH=$1
CONFIG=$2
BIN=$3
ELF=$4

TOOLS=$(cd "$(dirname "$0")" && pwd)
GDB_PORT=${GDB_PORT:-1234}
GDB=${GDB:-gdb-multiarch}
GDB_ARGS=${GDB_ARGS:-}
DEBUG_QEMU_EXTRA=${DEBUG_QEMU_EXTRA:-}

case $ARCH in
aarch64) QEMU=${QEMU_SYSTEM_AARCH64:-qemu-system-aarch64} ;;
arm)     QEMU=${QEMU_SYSTEM_ARM:-qemu-system-arm} ;;
*)       echo "debug.sh: ARCH must be aarch64 or arm" >&2; exit 2 ;;
esac

for f in "$BIN" "$ELF"; do
	[ -r "$f" ] || { echo "debug.sh: $f not found (make ARCH=$ARCH images)" >&2; exit 1; }
done
command -v "$GDB" >/dev/null 2>&1 || {
	echo "debug.sh: $GDB not found (make deps installs gdb-multiarch)" >&2; exit 1; }

# The configuration's machine arguments: `name arch args...`.
LINE=$(awk -v n="$CONFIG" '$1 == n { print; exit }' "$TOOLS/qemu-configs")
if [ -z "$LINE" ]; then
	echo "debug.sh: no configuration $CONFIG in $TOOLS/qemu-configs" >&2
	exit 2
fi
# shellcheck disable=SC2086
set -- $LINE
if [ "$2" != "$ARCH" ]; then
	echo "debug.sh: configuration $CONFIG is for $2, not $ARCH" >&2
	exit 2
fi
shift 2
MACHINE="$*"

LOG=$(dirname "$BIN")/debug-$CONFIG.log
MODE=${DEBUG_CONSOLE:-}
if [ -z "$MODE" ]; then
	if [ -t 1 ]; then MODE="tty"; else MODE="log"; fi
fi
case $MODE in
tty)
	# QEMU runs in a session of its own (so Ctrl-C in gdb does not kill
	# it); it reopens our terminal by path for output only.
	CONSOLE="-chardev file,id=con0,path=/proc/$$/fd/1,logfile=$LOG" ;;
log)
	CONSOLE="-chardev file,id=con0,path=$LOG" ;;
tcp:*)
	CONSOLE="-chardev socket,id=con0,host=127.0.0.1,port=${MODE#tcp:},server=on,wait=off,logfile=$LOG" ;;
*)
	echo "debug.sh: DEBUG_CONSOLE must be tty, log or tcp:PORT" >&2
	exit 2 ;;
esac

# shellcheck disable=SC2086
set -- $MACHINE -nic none -display none -monitor none $CONSOLE -serial chardev:con0 \
	-kernel "$BIN" -S -gdb "tcp::$GDB_PORT" $DEBUG_QEMU_EXTRA
echo "debug.sh: $QEMU $*"
case $MODE in
tty)   echo "debug.sh: guest console on this terminal, copied to $LOG" ;;
log)   echo "debug.sh: guest console in $LOG" ;;
tcp:*) echo "debug.sh: guest console: nc localhost ${MODE#tcp:} (copied to $LOG)" ;;
esac

if command -v setsid >/dev/null 2>&1; then
	setsid "$QEMU" "$@" </dev/null &
else
	"$QEMU" "$@" </dev/null &
fi
QPID=$!

cleanup() {
	if kill -0 "$QPID" 2>/dev/null; then
		kill "$QPID" 2>/dev/null || true
		wait "$QPID" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' HUP TERM

# QEMU opens the gdbstub during start-up; if it died (port in use, bad
# arguments) there is nothing to attach to.
sleep 0.3
if ! kill -0 "$QPID" 2>/dev/null; then
	wait "$QPID" 2>/dev/null || true
	echo "debug.sh: QEMU exited at start-up (is port $GDB_PORT in use? set GDB_PORT)" >&2
	exit 1
fi

# Ctrl-C belongs to gdb (it interrupts the target); the script waits on.
trap ':' INT
# shellcheck disable=SC2086
"$GDB" -q -ex "target remote localhost:$GDB_PORT" $GDB_ARGS "$ELF"
