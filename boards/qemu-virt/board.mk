# SPDX-License-Identifier: BSD-3-Clause
# QEMU virt (-machine virt,iommu=smmuv3): what the device tree does not say.
# The variables every board file sets are described in boards/README.md.

BOARD_ARCHES := aarch64 arm

# Load address = where QEMU's -kernel puts the flat image: RAM (0x40000000)
# + the arm64 Image text_offset (0x80000), or + 0x10000 for a 32-bit zImage.
# U-Boot's booti/bootz move the image to the same place.
LOAD_ADDR_aarch64 := 0x40080000
LOAD_ADDR_arm     := 0x40010000

# RAM every configuration in tools/qemu-configs has (-m 512M at 0x40000000);
# tools/check-elf-ram requires the images' load segments to fit in it.
BOARD_RAM_BASE := 0x40000000
BOARD_RAM_SIZE := 0x20000000

# Where the firmware leaves the DTB, for loaders that must pass it by hand
# (tools/flash.sh puts it in x0 / r2): QEMU puts its DTB at the start of RAM
# whenever it boots firmware (-bios), which is U-Boot's ${fdt_addr}.  With
# -kernel, QEMU passes the address itself.
BOARD_DTB_ADDR := 0x40000000

# SMMU policy for streams no driver attached.  Nothing on QEMU's PCIe bus
# needs DMA before Tollgate attaches it, so an unexpected DMA is a bug that
# must show up as an SMMU event: deny.  (make SMMU_DEFAULT=bypass overrides.)
BOARD_SMMU_DEFAULT := deny

# QEMU configuration (see tools/qemu-configs) used by `make run` / `make debug`.
RUN_CONFIG_aarch64 := main-gicv3
RUN_CONFIG_arm     := main-a15

# `make debug`: QEMU halted at the first instruction with its gdbstub.
# `make flash` has nothing to do on an emulator (`make run` boots it).
BOARD_DEBUG := qemu
GDB_PORT    := 1234
