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

.PHONY: all run qemu-dtbs pci-tests smmu-tests
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

# PCI tests: pci/*.c (with lib/format.c and lib/log.c for its messages)
# against the simulated config space of tests/host/pci_sim.c.  They are
# built by a sub-make so that pci/ not compiling yet leaves the FDT tests
# running: a test binary that could not be built counts as a failure.
PCI_TEST_BINS := $(filter $(HOST_BUILD)/test_pci_%,$(TEST_BINS))
PCI_OBJS := $(patsubst %.c,$(HOST_BUILD)/obj/%.o,$(wildcard pci/*.c) lib/format.c lib/log.c) \
            $(HOST_BUILD)/obj/tests/host/pci_sim.o
PCI_HDRS := $(wildcard pci/*.h) include/tollgate/pci.h include/tollgate/pci_regs.h

$(HOST_BUILD)/obj/pci/%.o: pci/%.c $(PCI_HDRS) include/tollgate/error.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRV_CFLAGS) -c $< -o $@

$(patsubst tests/host/%.c,$(HOST_BUILD)/obj/tests/host/%.o,$(wildcard tests/host/test_pci_*.c) tests/host/pci_sim.c): \
	tests/host/pci_sim.h $(PCI_HDRS)

$(HOST_BUILD)/test_pci_%: $(HOST_BUILD)/obj/tests/host/test_pci_%.o $(PCI_OBJS) $(UTIL_OBJS) $(DRV_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(SAN) $^ $(CMOCKA_LIBS) -o $@

# Listing the objects makes them "ought to exist" for the pattern rule above.
pci-tests: $(PCI_OBJS) $(UTIL_OBJS) $(PCI_TEST_BINS)

# I/O page tables: iommu/io_pgtable.c on its own, against the host table
# memory and SMMU model in the test.
IOPGT_HDRS := include/tollgate/io_pgtable.h iommu/io_pgtable_desc.h include/tollgate/error.h

$(HOST_BUILD)/obj/iommu/io_pgtable.o: iommu/io_pgtable.c $(IOPGT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRV_CFLAGS) -c $< -o $@

$(HOST_BUILD)/obj/tests/host/test_io_pgtable.o: $(IOPGT_HDRS)

$(HOST_BUILD)/test_io_pgtable: $(HOST_BUILD)/obj/tests/host/test_io_pgtable.o \
		$(HOST_BUILD)/obj/iommu/io_pgtable.o $(HOST_BUILD)/obj/lib/error.o
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(SAN) $^ $(CMOCKA_LIBS) -o $@

# SMMUv3 driver tests: iommu/smmu*.c + io_pgtable.c (with lib/format.c,
# lib/log.c, lib/page_alloc.c) against the fake SMMU of
# tests/host/smmu_fake.c, which also stands in for ioremap, the timer,
# cache maintenance, irq_* and pci_dev_*.  A sub-make as for pci/: an
# iommu/ that does not compile leaves the other tests running.
SMMU_TEST_BINS := $(filter $(HOST_BUILD)/test_smmu_%,$(TEST_BINS))
SMMU_HDRS := $(wildcard iommu/*.h) include/tollgate/smmu.h include/tollgate/io_pgtable.h \
             include/tollgate/mmio.h include/tollgate/timer.h include/tollgate/arch.h
SMMU_OBJS := $(patsubst %.c,$(HOST_BUILD)/obj/%.o,$(wildcard iommu/*.c) \
               lib/format.c lib/log.c lib/page_alloc.c) \
             $(HOST_BUILD)/obj/tests/host/smmu_fake.o

$(HOST_BUILD)/obj/iommu/%.o: iommu/%.c $(SMMU_HDRS) include/tollgate/error.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRV_CFLAGS) -c $< -o $@

$(patsubst tests/host/%.c,$(HOST_BUILD)/obj/tests/host/%.o,$(wildcard tests/host/test_smmu_*.c) tests/host/smmu_fake.c): \
	tests/host/smmu_fake.h $(SMMU_HDRS)

$(HOST_BUILD)/test_smmu_%: $(HOST_BUILD)/obj/tests/host/test_smmu_%.o $(SMMU_OBJS) $(UTIL_OBJS) $(DRV_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(SAN) $^ $(CMOCKA_LIBS) -o $@

smmu-tests: $(SMMU_OBJS) $(UTIL_OBJS) $(SMMU_TEST_BINS)

# IOVA allocator: dma/iova*.c on their own (tests/host/test_iova.c).
# bench-iova is not part of the run: it builds tests/host/bench_iova.c
# with -O2 and no sanitizers, runs it and writes build/host/bench-iova.csv.
IOVA_SRCS := dma/iova.c dma/iova_tree.c dma/iova_debug.c
IOVA_HDRS := include/tollgate/iova.h dma/iova_tree.h dma/iova_hash.h include/tollgate/error.h
IOVA_OBJS := $(patsubst %.c,$(HOST_BUILD)/obj/%.o,$(IOVA_SRCS))

$(IOVA_OBJS): $(HOST_BUILD)/obj/%.o: %.c $(IOVA_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRV_CFLAGS) -c $< -o $@

$(HOST_BUILD)/obj/tests/host/test_iova.o: $(IOVA_HDRS)

$(HOST_BUILD)/test_iova: $(HOST_BUILD)/obj/tests/host/test_iova.o $(IOVA_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(SAN) $^ $(CMOCKA_LIBS) -o $@

.PHONY: bench-iova
bench-iova: $(HOST_BUILD)/bench_iova
	@$(HOST_BUILD)/bench_iova $(HOST_BUILD)/bench-iova.csv

$(HOST_BUILD)/bench_iova: tests/host/bench_iova.c $(IOVA_SRCS) $(IOVA_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@ (-O2, no sanitizers)"
	@$(HOST_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
		-Iinclude tests/host/bench_iova.c $(IOVA_SRCS) -o $@

# DMA-mapping layer: dma/dma_*.c and dma/p2p.c (with the IOVA allocator)
# on a translated device of the fake SMMU, as for the smmu tests; p2p.c
# takes its P2P policy from boards/qemu-virt/board.h.  A sub-make too.
DMA_TEST_BINS := $(HOST_BUILD)/test_dma_props
DMA_SRCS := dma/dma_dev.c dma/dma_map.c dma/dma_sg.c dma/p2p.c
DMA_OBJS := $(patsubst %.c,$(HOST_BUILD)/obj/%.o,$(DMA_SRCS))
DMA_HDRS := dma/dma_internal.h include/tollgate/dma.h include/tollgate/p2p.h \
            include/tollgate/pci.h include/tollgate/irq.h boards/qemu-virt/board.h $(IOVA_HDRS)

$(DMA_OBJS): $(HOST_BUILD)/obj/%.o: %.c $(DMA_HDRS) $(SMMU_HDRS)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(DRV_CFLAGS) -Iboards/qemu-virt -c $< -o $@

$(HOST_BUILD)/obj/tests/host/test_dma_props.o: tests/host/smmu_fake.h $(DMA_HDRS) $(SMMU_HDRS)

$(HOST_BUILD)/test_dma_props: $(HOST_BUILD)/obj/tests/host/test_dma_props.o $(DMA_OBJS) \
		$(IOVA_OBJS) $(SMMU_OBJS) $(UTIL_OBJS) $(DRV_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(SAN) $^ $(CMOCKA_LIBS) -o $@

.PHONY: dma-tests
dma-tests: $(DMA_OBJS) $(IOVA_OBJS) $(SMMU_OBJS) $(UTIL_OBJS) $(DMA_TEST_BINS)

# Board tests (test_board_<board>.c): the board's DTS, compiled to
# build/host/dts/board-<board>.dtb, read by drivers/fdt and pci/ (with the
# simulator's ioremap), against the facts of boards/<board>/board.h and
# board.mk (RAM, load and DTB addresses, passed in as -D).  A sub-make as
# for pci/.
BOARD_TEST_BINS := $(filter $(HOST_BUILD)/test_board_%,$(TEST_BINS))
BOARD_DIRS      := $(patsubst boards/%/board.mk,%,$(wildcard boards/*/board.mk))
BOARD_HOST_DTBS := $(foreach b,$(BOARD_DIRS),$(if $(wildcard boards/$(b)/*.dts),$(HOST_BUILD)/dts/board-$(b).dtb))
board_var = $(strip $(shell sed -n 's/^$(2)[ 	]*:=[ 	]*//p' boards/$(1)/board.mk))

define board_dtb_rule
$(HOST_BUILD)/dts/board-$(1).dtb: $(firstword $(wildcard boards/$(1)/*.dts))
	@mkdir -p $$(dir $$@)
	@echo "  DTC     $$<"
	@$$(DTC) -q -I dts -O dtb -o $$@ $$<
endef
$(foreach b,$(BOARD_DIRS),$(if $(wildcard boards/$(b)/*.dts),$(eval $(call board_dtb_rule,$(b)))))

$(HOST_BUILD)/obj/tests/host/test_board_fvp.o: HOST_CFLAGS += -Iboards/fvp-base \
	-DFVP_RAM_BASE=$(call board_var,fvp-base,BOARD_RAM_BASE)ull \
	-DFVP_RAM_SIZE=$(call board_var,fvp-base,BOARD_RAM_SIZE)ull \
	-DFVP_LOAD_ADDR=$(call board_var,fvp-base,LOAD_ADDR_aarch64)ull \
	-DFVP_DTB_ADDR=$(call board_var,fvp-base,BOARD_DTB_ADDR)ull
$(HOST_BUILD)/obj/tests/host/test_board_fvp.o: boards/fvp-base/board.h boards/fvp-base/board.mk

$(patsubst tests/host/%.c,$(HOST_BUILD)/obj/tests/host/%.o,$(wildcard tests/host/test_board_*.c)): \
	tests/host/pci_sim.h $(PCI_HDRS)

$(HOST_BUILD)/test_board_%: $(HOST_BUILD)/obj/tests/host/test_board_%.o $(PCI_OBJS) $(UTIL_OBJS) $(DRV_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOST_CC) $(SAN) $^ $(CMOCKA_LIBS) -o $@

.PHONY: board-tests
board-tests: $(PCI_OBJS) $(UTIL_OBJS) $(BOARD_HOST_DTBS) $(BOARD_TEST_BINS)

run: qemu-dtbs $(filter-out $(PCI_TEST_BINS) $(SMMU_TEST_BINS) $(DMA_TEST_BINS) $(BOARD_TEST_BINS),$(TEST_BINS)) $(DTS_DTBS)
	@rm -f $(PCI_TEST_BINS) $(SMMU_TEST_BINS) $(DMA_TEST_BINS) $(BOARD_TEST_BINS)
	@$(MAKE) --no-print-directory -k -f tests/host/host.mk pci-tests || true
	@$(MAKE) --no-print-directory -k -f tests/host/host.mk smmu-tests || true
	@$(MAKE) --no-print-directory -k -f tests/host/host.mk dma-tests || true
	@$(MAKE) --no-print-directory -k -f tests/host/host.mk board-tests || true
	@tests/host/run-tests $(TEST_BINS)
