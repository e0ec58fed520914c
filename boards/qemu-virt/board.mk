# SPDX-License-Identifier: BSD-3-Clause
# QEMU virt: what the device tree does not say.
#
# Load address = where QEMU's -kernel puts the flat image: RAM (0x40000000)
# + the arm64 Image text_offset (0x80000), or + 0x10000 for a 32-bit zImage.
LOAD_ADDR_aarch64 := 0x40080000
LOAD_ADDR_arm     := 0x40010000

# QEMU configuration (see tools/qemu-configs) used by `make run` / `make debug`.
RUN_CONFIG_aarch64 := main-gicv3
RUN_CONFIG_arm     := main-a15
