# SPDX-License-Identifier: BSD-3-Clause
# Tollgate: bare-metal SMMUv3 / PCIe / DMA-mapping stack for Arm.
#
#   make [ARCH=aarch64|arm] [BOARD=qemu-virt] [OPT=-O2|-Os]
#   make run      boot the main image on QEMU (installs missing packages)
#   make test     host unit tests + every QEMU scenario, both ISAs
#   make debug    gdb-multiarch on QEMU's gdbstub, or on OpenOCD's on real boards
#   make flash    load the ELF over JTAG/SWD with OpenOCD and run it (real boards)
#   make deps     install every Debian package the project needs

ARCH  ?= aarch64
BOARD ?= qemu-virt
OPT   ?= -O2
LOG   ?= 1
V     ?= 0

ifeq ($(V),0)
Q := @
else
Q :=
endif

TOP   := $(abspath .)

ifeq ($(wildcard boards/$(BOARD)/board.mk),)
$(error BOARD=$(BOARD): no boards/$(BOARD)/board.mk (boards: $(notdir $(patsubst %/board.mk,%,$(wildcard boards/*/board.mk)))))
endif
include boards/$(BOARD)/board.mk
ifeq ($(filter $(ARCH),$(BOARD_ARCHES)),)
$(error BOARD=$(BOARD) supports ARCH=$(BOARD_ARCHES), not $(ARCH))
endif

# SMMU policy for streams no driver attached, deny (abort) or bypass: the
# board file chooses (BOARD_SMMU_DEFAULT); the command line may override it.
SMMU_DEFAULT ?= $(BOARD_SMMU_DEFAULT)
ifeq ($(filter deny bypass,$(SMMU_DEFAULT)),)
$(error SMMU_DEFAULT must be deny or bypass, not $(SMMU_DEFAULT))
endif

# -Os builds, logging off and a non-default SMMU policy get their own
# directory so they can coexist with the default build.
BUILD := build/$(ARCH)-$(BOARD)$(if $(filter -Os,$(OPT)),-Os)$(if $(filter 0,$(LOG)),-nolog)$(if $(filter-out $(BOARD_SMMU_DEFAULT),$(SMMU_DEFAULT)),-$(SMMU_DEFAULT))

ifeq ($(ARCH),aarch64)
CROSS       ?= aarch64-linux-gnu-
LIBC_DIR    := /usr/lib/picolibc/aarch64-linux-gnu
ARCH_CFLAGS := -march=armv8-a -mstrict-align -mcmodel=small \
               -nostdinc -isystem $(LIBC_DIR)/include \
               -isystem $(shell $(CROSS)gcc -print-file-name=include)
ARCH_LIBS   := $(LIBC_DIR)/lib/libc.a $(shell $(CROSS)gcc -print-libgcc-file-name)
QEMU        := qemu-system-aarch64
else ifeq ($(ARCH),arm)
CROSS       ?= arm-none-eabi-
# Thumb-2 ARMv7-A with LPAE (Cortex-A15/A7); soft-float so no exception
# path ever has to save VFP state.  Matches newlib's thumb/v7-a/nofp multilib.
ARCH_CFLAGS := -mcpu=cortex-a15 -mthumb -mfloat-abi=soft -mno-unaligned-access
ARCH_LIBS   := -lc -lgcc
QEMU        := qemu-system-arm
else
$(error ARCH must be aarch64 or arm)
endif

CC      := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
SIZE    := $(CROSS)size

CFLAGS := -std=c11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
          -Wmissing-prototypes -Wno-unused-parameter \
          -ffreestanding -fno-common -fno-pic -fno-stack-protector \
          -ffunction-sections -fdata-sections \
          $(ARCH_CFLAGS) -Iinclude -Iboards/$(BOARD) \
          $(if $(filter 0,$(LOG)),-DTG_LOG_DISABLE) \
          $(if $(filter bypass,$(SMMU_DEFAULT)),-DTG_SMMU_DEFAULT_BYPASS) \
          -DTG_ARCH_$(ARCH) -DTG_BOARD='"$(BOARD)"' -DTG_LOAD_ADDR=$(LOAD_ADDR_$(ARCH)) \
          -DTG_VERSION='"$(shell git describe --always --dirty 2>/dev/null || echo unknown)"'
ASFLAGS := $(CFLAGS) -D__ASSEMBLY__
LDFLAGS := -nostdlib -nostartfiles -static -Wl,--gc-sections -Wl,--build-id=none \
           -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

# --- sources ---------------------------------------------------------------
# The core: libtollgate-core.a, freestanding, reaching outside itself only
# through include/tollgate/platform.h (docs/PORTING.md; tools/check-core).
LIBCORE_SRCS := $(wildcard pci/*.c) $(wildcard iommu/*.c) $(wildcard dma/*.c) \
                $(wildcard drivers/fdt/*.c) \
                lib/format.c lib/error.c lib/deadline.c lib/log_core.c
# The bare-metal platform under it, shared by every image: boot, drivers, lib.
CORE_SRCS := $(filter-out $(LIBCORE_SRCS),$(wildcard boot/*.c boot/$(ARCH)/*.c boot/$(ARCH)/*.S) \
             $(wildcard drivers/*/*.c) $(wildcard lib/*.c))
# End-to-end scenarios (selftest/) ride in the main image, run by the shell.
MAIN_SRCS := $(wildcard shell/*.c) $(wildcard selftest/*.c)
TEST_SRCS := $(wildcard tests/target/*.c)
# The benchmark image: its own main, semihosting exit shared with the tests.
BENCH_SRCS := $(wildcard tests/bench/*.c) tests/target/semihost.c

obj = $(patsubst %,$(BUILD)/%.o,$(1))
LIBCORE   := $(BUILD)/libtollgate-core.a
LIBCORE_OBJS := $(call obj,$(LIBCORE_SRCS))
CORE_OBJS := $(call obj,$(CORE_SRCS))
MAIN_OBJS := $(call obj,$(MAIN_SRCS))
TEST_OBJS := $(call obj,$(TEST_SRCS))
BENCH_OBJS := $(call obj,$(BENCH_SRCS))

ELF      := $(BUILD)/tollgate.elf
BIN      := $(BUILD)/tollgate.bin
TEST_ELF := $(BUILD)/tollgate-test.elf
TEST_BIN := $(BUILD)/tollgate-test.bin
BENCH_ELF := $(BUILD)/tollgate-bench.elf
BENCH_BIN := $(BUILD)/tollgate-bench.bin

.PHONY: core core-host core-min all images run test test-host test-target debug flash deps clean size check-deps bench bench-image check-boards
all: images
# Boards that carry their own device tree source get its DTB built too.
BOARD_DTBS := $(patsubst boards/$(BOARD)/%.dts,$(BUILD)/%.dtb,$(wildcard boards/$(BOARD)/*.dts))
images: $(ELF) $(BIN) $(TEST_ELF) $(TEST_BIN) $(BOARD_DTBS)

$(BUILD)/%.dtb: boards/$(BOARD)/%.dts
	@mkdir -p $(dir $@)
	@echo "  DTC     $<"
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(BUILD)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(ASFLAGS) -MMD -MP -c $< -o $@

# The core as a static library (make core); images link it after their objects.
core: $(LIBCORE)
$(LIBCORE): $(LIBCORE_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@
	$(Q)$(CROSS)ar rcs $@ $^

# The core as a product driver pulls it in (tests/size/core_min.c on empty
# hooks, never run): its link map is what `make size` reports for the core.
CORE_MIN_ELF := $(BUILD)/core-min.elf
core-min: $(CORE_MIN_ELF)
$(CORE_MIN_ELF): $(BUILD)/tests/size/core_min.c.o $(LIBCORE)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -Wl,-e,core_min_main -Wl,-Map=$@.map $< $(LIBCORE) $(ARCH_LIBS) -o $@

# The core for the host on the stub platform of the host tests, and the
# example RTOS port linked against it (tests/host/host.mk).
core-host:
	$(Q)$(MAKE) --no-print-directory -f tests/host/host.mk core-host example-rtos

$(BUILD)/linker.ld: linker.ld boards/$(BOARD)/board.mk
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -DTG_ARCH_$(ARCH) -DTG_LOAD_ADDR=$(LOAD_ADDR_$(ARCH)) $< -o $@

$(ELF): $(CORE_OBJS) $(MAIN_OBJS) $(LIBCORE) $(BUILD)/linker.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -Wl,-Map=$@.map -T $(BUILD)/linker.ld $(CORE_OBJS) $(MAIN_OBJS) $(LIBCORE) $(ARCH_LIBS) -o $@

$(TEST_ELF): $(CORE_OBJS) $(TEST_OBJS) $(LIBCORE) $(BUILD)/linker.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -T $(BUILD)/linker.ld $(CORE_OBJS) $(TEST_OBJS) $(LIBCORE) $(ARCH_LIBS) -o $@

$(BENCH_ELF): $(CORE_OBJS) $(BENCH_OBJS) $(LIBCORE) $(BUILD)/linker.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -T $(BUILD)/linker.ld $(CORE_OBJS) $(BENCH_OBJS) $(LIBCORE) $(ARCH_LIBS) -o $@

bench-image: $(BENCH_ELF) $(BENCH_BIN)

%.bin: %.elf
	@echo "  OBJCOPY $@"
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- packages ----------------------------------------------------------------
deps:
	$(Q)tools/setup.sh

check-deps:
	$(Q)tools/setup.sh --check 2>/dev/null || tools/setup.sh

# --- running -----------------------------------------------------------------
# The board file says how its images are run and debugged (BOARD_DEBUG):
# qemu = on QEMU (run, debug on its gdbstub); openocd = a real board behind
# boards/<board>/openocd.cfg (flash, debug on OpenOCD's gdb server); none =
# neither, BOARD_DEBUG_WHY says what to do instead.
NO_RUN_WHY = $(if $(BOARD_DEBUG_WHY),$(BOARD_DEBUG_WHY),board $(BOARD) is not an emulator: make flash loads it)

run: check-deps
ifeq ($(BOARD_DEBUG),qemu)
	$(Q)$(MAKE) --no-print-directory images
	$(Q)tools/qemu-run --arch $(ARCH) --config $(RUN_CONFIG_$(ARCH)) --interactive $(BIN)
else
	@echo "make run: BOARD=$(BOARD): $(NO_RUN_WHY)" >&2; exit 1
endif

debug: check-deps
ifeq ($(BOARD_DEBUG),qemu)
	$(Q)$(MAKE) --no-print-directory images
	$(Q)[ -e build/nvme.img ] || truncate -s 16M build/nvme.img
	$(Q)tools/debug.sh $(ARCH) $(RUN_CONFIG_$(ARCH)) $(BIN) $(ELF)
else ifeq ($(BOARD_DEBUG),openocd)
	$(Q)$(MAKE) --no-print-directory images
	$(Q)tools/debug.sh --openocd $(BOARD) $(ARCH) $(ELF)
else
	@echo "make debug: BOARD=$(BOARD): $(BOARD_DEBUG_WHY)" >&2; exit 1
endif

# Load the ELF into the board's RAM over JTAG/SWD and run it, DTB address
# in x0 / r2 (tools/flash.sh; OPENOCD_INTERFACE names the probe).
flash: check-deps
ifeq ($(BOARD_DEBUG),openocd)
	$(Q)$(MAKE) --no-print-directory images
	$(Q)OPENOCD_INTERFACE=$(if $(OPENOCD_INTERFACE),$(OPENOCD_INTERFACE),$(BOARD_OPENOCD_INTERFACE)) \
		tools/flash.sh $(BOARD) $(ARCH) $(ELF) $(BOARD_DTB_ADDR)
else ifeq ($(BOARD_DEBUG),qemu)
	@echo "make flash: BOARD=$(BOARD) is QEMU: nothing to flash, make run boots the image" >&2; exit 1
else
	@echo "make flash: BOARD=$(BOARD): $(BOARD_DEBUG_WHY)" >&2; exit 1
endif

# Text/data/bss per layer for both ISAs, at -Os with logging compiled out.
size:
	$(Q)tools/size-report

# --- tests -------------------------------------------------------------------
test: check-deps
	$(Q)tools/run-tests

test-host: check-deps
	$(Q)$(MAKE) --no-print-directory -f tests/host/host.mk

test-target: check-deps images
	$(Q)tools/run-scenarios --arch $(ARCH) --build $(BUILD)

# Guest instruction counts under -icount shift=0,sleep=off, both ISAs;
# table on the console, CSV and JSON under build/.
bench: check-deps
	$(Q)tools/run-bench

# Every OpenOCD script with the dummy adapter, and every built ELF's load
# segments against its board's RAM (also a step of `make test`).
check-boards:
	$(Q)tools/check-openocd
	$(Q)tools/check-elf-ram

clean:
	rm -rf build
