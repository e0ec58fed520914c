# SPDX-License-Identifier: BSD-3-Clause
# Host unit tests: the portable drivers built with the host compiler,
# AddressSanitizer and UBSan, driven by cmocka.  Run from the project root:
#
#   make -f tests/host/host.mk          (the top Makefile's test-host)
#
# Dumps QEMU's device trees (tools/dump-dtbs), compiles the DTS fixtures,
# runs every tests/host/test_*.c binary and ends with one summary line,
# "host: N passed, M failed"; exits non-zero if anything failed or
# could not run.

HOST_BUILD := build/host
HOST_CC    ?= gcc
DTC        ?= dtc

CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_CFLAGS := -std=c11 -g -O1 $(SAN) -Wall -Wextra -Werror -Wshadow \
               -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
               -Iinclude $(CMOCKA_CFLAGS)
# The drivers keep their freestanding rules on the host too.
DRV_CFLAGS  := $(HOST_CFLAGS) -ffreestanding

DRV_SRCS  := $(wildcard drivers/fdt/*.c) lib/error.c
DRV_OBJS  := $(patsubst %.c,$(HOST_BUILD)/obj/%.o,$(DRV_SRCS))
UTIL_OBJS := $(HOST_BUILD)/obj/tests/host/util.o
TEST_SRCS := $(wildcard tests/host/test_*.c)
TEST_BINS := $(patsubst tests/host/%.c,$(HOST_BUILD)/%,$(TEST_SRCS))
DTS_SRCS  := $(wildcard tests/host/dts/*.dts)
DTS_DTBS  := $(patsubst tests/host/dts/%.dts,$(HOST_BUILD)/dts/%.dtb,$(DTS_SRCS))

.PHONY: all run qemu-dtbs
# Keep objects between runs; they are only intermediates of pattern rules.
.SECONDARY:
.DEFAULT_GOAL := all

all: run

qemu-dtbs:
	@tools/dump-dtbs

$(HOST_BUILD)/obj/drivers/%.o: drivers/%.c $(wildcard drivers/fdt/*.h) include/tollgate/fdt.h include/tollgate/error.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRV_CFLAGS) -c $< -o $@

$(HOST_BUILD)/obj/lib/%.o: lib/%.c include/tollgate/error.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRV_CFLAGS) -c $< -o $@

$(HOST_BUILD)/obj/tests/host/%.o: tests/host/%.c tests/host/util.h include/tollgate/fdt.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_BUILD)/test_%: $(HOST_BUILD)/obj/tests/host/test_%.o $(UTIL_OBJS) $(DRV_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(SAN) $^ $(CMOCKA_LIBS) -o $@

# Fixtures deliberately break dtc's style checks (default cell sizes,
# missing #address-cells on controllers, looping interrupt parents).
$(HOST_BUILD)/dts/%.dtb: tests/host/dts/%.dts
	@mkdir -p $(dir $@)
	@echo "  DTC     $<"
	@$(DTC) -q -I dts -O dtb -o $@ $<

run: qemu-dtbs $(TEST_BINS) $(DTS_DTBS)
	@tests/host/run-tests $(TEST_BINS)
