# SPDX-License-Identifier: GPL-2.0-only
#
# mock-vfio-pci: build, test and demo.  Every target first makes sure what it
# needs is installed (scripts/install-deps: as root on Debian 12 it installs
# what is missing; as a normal user it names the missing packages and the
# command that installs them).
#
#   make            build the module, the harness and the selftests
#   make check      host tests + lint, then every test in the test VM on two kernels
#   make check-quick  host tests + lint + the test VM on Debian's kernel only
#   make demo       boot the VM and migrate two mock devices
#   make bench      benchmarks in the VM, as ratios measured in the same run
#   make lint       checkpatch --strict and sparse/W=1 on the driver, calls one way
#   make unit-san   the host unit tests built with ASan and UBSan ($(BUILD)/san)
#   make fuzz       the parsers' libFuzzer targets (harness/fuzz), FUZZ_SECONDS=300 each
#   make debug-kernel  the debug guest kernel (cached), the module and mtty built against it
#   make mtty       the kernel's mdev sample mtty.ko, as it is and fixed ($(BUILD)/mtty)
#   make mainline   the trixie rootfs with Debian's 7.x (cached), and the module
#                   and userspace built in it ($(BUILD)/mainline; as root)
#   make deps       only the dependency check/installation
#
# KVER=6.12.<N>+deb12-amd64 picks the guest kernel (default: what build/kver
# records, else the newest the archive can install completely).  BUILD=dir
# moves the build tree.  V=1 prints the full commands.

BUILD ?= build
KVER ?=
V ?= 0
FUZZ_SECONDS ?= 300
GOALS := all check check-quick demo bench lint driver userspace unit-san debug-kernel mainline fuzz mtty

ifeq ($(DEPS_READY),)
# Outer make: install dependencies and record the kernel version, then run
# the real rules in a sub-make that can read it.
.PHONY: $(GOALS) deps clean
$(GOALS): deps
	@$(MAKE) --no-print-directory DEPS_READY=1 $@
deps:
	@scripts/install-deps $(BUILD) $(KVER)
clean:
	rm -rf $(BUILD)/obj $(BUILD)/san $(BUILD)/bin $(BUILD)/lib $(BUILD)/selftests $(BUILD)/results \
		$(BUILD)/module-debug $(BUILD)/module-debug-naive $(BUILD)/module-lint $(BUILD)/bugs \
		$(BUILD)/mainline $(BUILD)/mtty-debug
	@if [ -s $(BUILD)/kver ]; then \
		$(MAKE) -s -C /usr/src/linux-headers-$$(cat $(BUILD)/kver) M=$(CURDIR) clean; fi
else

KVER := $(shell cat $(BUILD)/kver)

# Kbuild-style output: "  CC      harness/lib/source.o"; V=1 shows commands.
# $(call cmd,TAG) starts a recipe line: silent with a short tag, or nothing.
ifeq ($(V),1)
cmd =
KBUILD_V := V=1
else
cmd = @printf '  %-7s %s\n' '$(1)' '$@';
KBUILD_V :=
endif
KDIR ?= /usr/src/linux-headers-$(KVER)
LSRC := $(BUILD)/linux-source
KSFT := $(LSRC)/tools/testing/selftests
KSFT_INSTALL := $(BUILD)/ksft-install
MODULE := driver/mock-vfio-pci.ko

CC ?= gcc
WARN := -Wall -Wextra -Werror
CPPFLAGS := -isystem $(LSRC)/usr/include -Iharness/include -Iuapi -D_GNU_SOURCE -MMD -MP
CFLAGS := -O2 -g $(WARN)
LIB_CFLAGS := -std=c11 $(CFLAGS) $(shell pkg-config --cflags libkmod json-c libxxhash)
LIBS := $(shell pkg-config --libs libkmod json-c libxxhash)
# kselftest_harness.h needs GNU C; its macros trip -Wunused-parameter,
# -Wsign-compare whenever a plain constant is compared with an unsigned value,
# and -Wclobbered on its own vfork() in TEST_F.
TEST_CFLAGS := -std=gnu11 $(CFLAGS) -Wno-unused-parameter -Wno-sign-compare -Wno-clobbered \
	       -I$(KSFT) -Iselftests/lib

OBJ := $(BUILD)/obj
# libvfiomig, one folder a layer (Documentation/design.rst, "The harness's
# layers"), and the trace checker's own library.
LIBVFIOMIG := $(BUILD)/lib/libvfiomig.a
LIBMIGCHECK := $(BUILD)/lib/libmigcheck.a
LIB_LAYERS := device stream ram mock migration
LIB_SRCS := $(foreach l,$(LIB_LAYERS),$(wildcard harness/lib/$(l)/*.c))
MIGCHECK_SRCS := $(wildcard harness/lib/migcheck/*.c)
# An archive keeps its members by name, and scripts/fuzz its objects in one
# folder: a second file of one name in another layer would replace the first.
ifneq ($(words $(notdir $(LIB_SRCS) $(MIGCHECK_SRCS))),$(words $(sort $(notdir $(LIB_SRCS) $(MIGCHECK_SRCS)))))
$(error harness/lib: two files of one name in different layers; name them apart)
endif
CLI_SRCS := $(wildcard harness/cli/*.c)
SELFTEST_LIB_SRCS := $(wildcard selftests/lib/*.c)
SELFTESTS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(wildcard selftests/*_test.c))
UNIT_TESTS := $(patsubst harness/tests/%.c,$(BUILD)/unit/%,$(wildcard harness/tests/*_test.c))
VFIO_MIGRATE := $(BUILD)/bin/vfio-migrate
VFIO_MIGCHECK := $(BUILD)/bin/vfio-migcheck
BENCH := $(patsubst harness/bench/%.c,$(BUILD)/bin/%,$(wildcard harness/bench/*.c))
# Test helpers the guest scripts run.
TOOLS := $(BUILD)/bin/stream-flip
# Run by vm-images/guest-lockdep on the debug kernel only, not per device.
LOCKDEP_TESTS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(wildcard selftests/lockdep/*.c))

.PHONY: $(GOALS) FORCE
.SECONDARY:
.DEFAULT_GOAL := all
all: driver userspace
userspace: $(VFIO_MIGRATE) $(VFIO_MIGCHECK) $(SELFTESTS) $(UNIT_TESTS) $(BENCH) $(TOOLS) $(LOCKDEP_TESTS) \
	   $(KSFT_INSTALL)/kselftest-list.txt

# The suite as a kselftest collection, built the way anyone else builds it
# (selftests/Makefile: only KSFT_DIR and KHDR_INCLUDES) and installed for
# run_kselftest.sh, which guest-check runs on devices.
$(KSFT_INSTALL)/kselftest-list.txt: selftests/Makefile selftests/settings selftests/run-conformance \
		$(wildcard selftests/migration_*_test.c selftests/lib/*.[ch] harness/lib/*.h \
			   harness/lib/device/*.[ch] harness/include/vfiomig/device.h uapi/*.h)
	$(call cmd,KSFT)$(MAKE) --no-print-directory -s -C selftests KSFT_DIR=$(abspath $(KSFT)) \
		KHDR_INCLUDES="-isystem $(abspath $(LSRC))/usr/include" OUTPUT=$(abspath $(BUILD))/ksft \
		WERROR=1 install INSTALL_PATH=$(abspath $(KSFT_INSTALL)) >/dev/null

driver: FORCE
	@$(MAKE) --no-print-directory -C $(KDIR) M=$(CURDIR) $(KBUILD_V) modules

# The debug guest kernel (built once, cached in /var/cache/mock-vfio-pci),
# the module built against it in $(BUILD)/module-debug, and mtty with the
# mdev core the debug kernel lacks in $(BUILD)/mtty-debug (selftests/mtty/build).
debug-kernel: FORCE
	@vm-images/debug-kernel/build $(BUILD)
	@vm-images/debug-kernel/build-module $(BUILD) $(BUILD)/module-debug
	@selftests/mtty/build $(BUILD)/debug-kernel/linux $(BUILD)/mtty-debug

# The kernel's mdev migration sample, samples/vfio-mdev/mtty.c of
# linux-source-6.12, for Debian's kernel: as it is and with the fixes of
# selftests/mtty/ ($(BUILD)/mtty/unmodified/mtty.ko, $(BUILD)/mtty/fixed/mtty.ko),
# for vm-images/guest-mtty.  (make debug-kernel builds them for the debug
# kernel, with the mdev core it lacks; make check does that itself.)
mtty: FORCE
	@selftests/mtty/build $(KDIR) $(BUILD)/mtty

# The mainline world (vm-images/mainline/build): the trixie rootfs (built
# once, cached in /var/cache/mock-vfio-pci), and the module and userspace
# built inside it into $(BUILD)/mainline.
mainline: FORCE
	@vm-images/mainline/build $(BUILD)

$(OBJ)/harness/%.o: harness/%.c
	@mkdir -p $(@D)
	$(call cmd,CC)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) -Iharness/lib -Iharness/bench/common -c -o $@ $<

$(OBJ)/selftests/%.o: selftests/%.c
	@mkdir -p $(@D)
	$(call cmd,CC)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -c -o $@ $<

# Each archive anew: "ar r" would keep the members of files since moved or
# removed, and their symbols.
$(LIBVFIOMIG): $(patsubst %.c,$(OBJ)/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	@rm -f $@
	$(call cmd,AR)$(AR) rcs $@ $^

$(LIBMIGCHECK): $(patsubst %.c,$(OBJ)/%.o,$(MIGCHECK_SRCS))
	@mkdir -p $(@D)
	@rm -f $@
	$(call cmd,AR)$(AR) rcs $@ $^

$(VFIO_MIGRATE): $(patsubst %.c,$(OBJ)/%.o,$(CLI_SRCS)) $(LIBVFIOMIG)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) -o $@ $^ $(LIBS)

$(VFIO_MIGCHECK): $(OBJ)/harness/migcheck/main.o $(LIBMIGCHECK)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) -o $@ $^ $(LIBS)

$(BUILD)/bin/stream-flip: $(OBJ)/harness/tools/stream_flip.o $(LIBVFIOMIG)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) -o $@ $^ $(LIBS)

$(BUILD)/bin/mig_bench: $(OBJ)/harness/bench/mig_bench.o $(OBJ)/harness/bench/common/bench.o $(LIBVFIOMIG)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) -pthread -o $@ $^ $(LIBS)

$(BUILD)/bin/downtime_bench: $(OBJ)/harness/bench/downtime_bench.o $(OBJ)/harness/bench/common/bench.o $(LIBVFIOMIG)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) -pthread -o $@ $^ $(LIBS)

$(BUILD)/selftests/%: $(OBJ)/selftests/%.o $(patsubst %.c,$(OBJ)/%.o,$(SELFTEST_LIB_SRCS)) $(LIBVFIOMIG)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) -o $@ $^ $(LIBS)

$(OBJ)/unit/%.o: harness/tests/%.c
	@mkdir -p $(@D)
	$(call cmd,CC)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: $(OBJ)/unit/%.o $(LIBVFIOMIG) $(LIBMIGCHECK)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) -o $@ $^ $(LIBS)

# The unit tests once more with AddressSanitizer and UBSan, the library
# compiled again for them into $(BUILD)/san: any report aborts the test.
# make check runs both builds (the sanitizers slow the tests ~2x and change
# allocation patterns, so the plain build stays the one measured).
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_OBJ := $(BUILD)/san/obj
SAN_LIB := $(BUILD)/san/lib/libvfiomig.a
SAN_MIGCHECK := $(BUILD)/san/lib/libmigcheck.a
SAN_UNIT_TESTS := $(patsubst harness/tests/%.c,$(BUILD)/san/unit/%,$(wildcard harness/tests/*_test.c))

unit-san: $(SAN_UNIT_TESTS)

$(SAN_OBJ)/harness/%.o: harness/%.c
	@mkdir -p $(@D)
	$(call cmd,CC)$(CC) $(CPPFLAGS) $(LIB_CFLAGS) $(SAN) -Iharness/lib -c -o $@ $<

$(SAN_OBJ)/unit/%.o: harness/tests/%.c
	@mkdir -p $(@D)
	$(call cmd,CC)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(SAN) -c -o $@ $<

$(SAN_LIB): $(patsubst %.c,$(SAN_OBJ)/%.o,$(LIB_SRCS))
	@mkdir -p $(@D)
	@rm -f $@
	$(call cmd,AR)$(AR) rcs $@ $^

$(SAN_MIGCHECK): $(patsubst %.c,$(SAN_OBJ)/%.o,$(MIGCHECK_SRCS))
	@mkdir -p $(@D)
	@rm -f $@
	$(call cmd,AR)$(AR) rcs $@ $^

$(BUILD)/san/unit/%: $(SAN_OBJ)/unit/%.o $(SAN_LIB) $(SAN_MIGCHECK)
	@mkdir -p $(@D)
	$(call cmd,LD)$(CC) $(SAN) -o $@ $^ $(LIBS)

# The harness's objects too: lint checks the calls between its layers.
lint: driver $(LIBVFIOMIG) $(LIBMIGCHECK)
	@scripts/lint $(BUILD) $(KDIR)

check: all unit-san mtty
	@scripts/check $(BUILD)

check-quick: all unit-san
	@scripts/check --quick $(BUILD)

bench: all
	@vm-images/run-in-vm -b $(BUILD) -m 3G -n 8 -t 900 -- vm-images/guest-bench $(BUILD)

# Host only: clang builds its own sanitized copy of the library (scripts/fuzz).
fuzz:
	@scripts/fuzz $(BUILD) $(FUZZ_SECONDS)

demo: all
	@vm-images/run-in-vm -b $(BUILD) -t 300 -- vm-images/guest-demo $(BUILD)
	@rm -rf $(BUILD)/results/demo && mkdir -p $(BUILD)/results/demo && \
		cp $(BUILD)/vm/run/demo/report.json $(BUILD)/vm/run/demo/timeline.svg $(BUILD)/results/demo/ && \
		echo "report:   $(BUILD)/results/demo/report.json" && \
		echo "timeline: $(BUILD)/results/demo/timeline.svg"

-include $(shell find $(OBJ) $(SAN_OBJ) -name '*.d' 2>/dev/null)
endif
