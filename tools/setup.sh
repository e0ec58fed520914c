#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs every Debian package Tollgate needs: both cross toolchains and
# their C libraries, QEMU, U-Boot for QEMU (the boot-flow scenarios), the
# debuggers and OpenOCD, dtc, the host unit-test framework
# and the fuzzing runtime.  Idempotent: with --check it only reports what is
# missing (exit 1) and installs nothing.
set -eu

PACKAGES="make gcc pkg-config \
gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu picolibc-aarch64-linux-gnu \
gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi \
qemu-system-arm qemu-utils gdb-multiarch openocd device-tree-compiler \
libcmocka-dev clang libclang-rt-14-dev python3 u-boot-qemu"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "${1:-}" = "--check" ]; then
	echo "tollgate: missing packages:$missing" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "tollgate: missing packages. Install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi

echo "tollgate: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
