# SPDX-License-Identifier: BSD-3-Clause
# Arm FVP Base RevC (FVP_Base_RevC-2xAEMvA) booted by TF-A: what the device
# tree does not say.  Tollgate is BL33 (the non-secure payload); TF-A's
# BL31 provides PSCI through SMC.  Run it with (FVP_Base_RevC-2xAEMvA):
#
#   -C bp.secureflashloader.fname=bl1.bin -C bp.flashloader0.fname=fip.bin
#     (fip.bin built with BL33=build/aarch64-fvp-base/tollgate.bin), or
#     preload: --data cluster0.cpu0=build/aarch64-fvp-base/tollgate.bin@0x88000000
#   --data cluster0.cpu0=build/aarch64-fvp-base/fvp-base-revc.dtb@0x82000000
#   -C bp.pl011_uart0.out_file=- -C bp.ve_sysregs.exit_on_shutdown=1
# (`make BOARD=fvp-base` builds that DTB from boards/fvp-base/*.dts.)

BOARD_ARCHES := aarch64

# TF-A's FVP port loads BL33 at DRAM + 128 MiB (PLAT_ARM_NS_IMAGE_BASE =
# ARM_DRAM1_BASE + 0x8000000) and jumps there with x0 = the DTB; the arm64
# Image header's text_offset is then 0 (0x88000000 is 2 MiB aligned).
LOAD_ADDR_aarch64 := 0x88000000

# The non-secure DRAM below 4 GiB: 0x80000000 + 2 GiB - the 16 MiB TF-A's
# TZC keeps secure at the top.  tools/check-elf-ram checks the image in it.
BOARD_RAM_BASE := 0x80000000
BOARD_RAM_SIZE := 0x7f000000

# TF-A's documented preloaded-DTB address for FVP (--data ...@0x82000000).
BOARD_DTB_ADDR := 0x82000000

# SMMU policy for streams no driver attached.  TF-A leaves the non-secure
# SMMU disabled, where SMMU_GBPA decides (reset value: bypass), so before
# Tollgate every PCIe device reaches all of memory; the hand-over turns
# that into abort for every stream nobody attached: deny.
BOARD_SMMU_DEFAULT := deny

# The model has no QEMU configuration and no JTAG/SWD port: it is debugged
# through its Iris/CADI server (Arm Development Studio), not OpenOCD.
BOARD_DEBUG := none
BOARD_DEBUG_WHY := the FVP has no JTAG/SWD port; start the model with --iris-server (or -I) and attach Arm Development Studio, or preload the image with --data as in boards/fvp-base/board.mk
