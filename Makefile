# Scalevisor rmem — top-level build.  `make help` lists the targets.
#
# Userspace builds natively; kernel modules build against Debian kernels that
# `make deps` unpacks under build/kernels/ (never installed on this machine);
# everything that needs a kernel or RDMA runs inside QEMU guests (tests/vm/).

SHELL := /bin/bash
.DEFAULT_GOAL := all

TOP := $(CURDIR)
BUILD := $(TOP)/build
BIN := $(BUILD)/bin
OBJ := $(BUILD)/obj
UNIT := $(BUILD)/unit

# Kernel the modules are built for: 6.12 (primary, bookworm-backports) or 6.1.
KVER ?= 6.12

CC := gcc
WARN := -Wall -Wextra -Werror
USER_CFLAGS := $(WARN) -O2 -g -std=gnu11 -D_GNU_SOURCE -I$(TOP)/include
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Fragments append to these.
PROGRAMS :=		# build/bin/<name>, all end up in the test initramfs
UNIT_TESTS := harness-selftest	# tests/unit/<name>.c -> build/unit/<name>
UNIT_EXTRA_SRCS :=	# pure-logic sources linked into every unit test
UNIT_LIBS :=		# extra libraries for unit tests

include appliance/build.mk
include client/build.mk
include tools/build.mk
include host-vhost/build.mk
include guest-driver/build.mk
include tests/build.mk

.PHONY: all help dkms-src deps userspace modules modules-6.1 image check check-unit check-vm check-full check-fresh lint \
	demo bench bench-kmeans fuzz clean distclean

# The guest driver is also built for 6.1 (vm/guest-6.1 boots that kernel).
all: userspace modules modules-6.1

help:
	@echo "make deps        install Debian packages, fetch + unpack guest kernels (idempotent)"
	@echo "make             build userspace (build/bin) and kernel modules (build/modules)"
	@echo "make image       PXE-bootable donor image in build/image/"
	@echo "make modules     kernel modules for KVER=$(KVER) (6.12 default, 6.1 guest driver only)"
	@echo "make check       deps, build, unit tier, VM tier; ends with 'N passed, N failed, N skipped'"
	@echo "make check-unit  userspace unit tests under ASan/UBSan"
	@echo "make lint        checkpatch + sparse on both modules, shellcheck, names and include cycles"
	@echo "make check-vm    VM tests under QEMU/TCG; T='<glob>' selects, e.g. T='fabric-*'"
	@echo "make check-full  slow full-stack tier"
	@echo "make check-fresh make check in a clean clone inside a brand-new Debian 12 root (what CI runs)"
	@echo "make demo        boot a VM and show what works today"
	@echo "make bench       benchmarks, ratios written to build/bench/results.json"
	@echo "make bench-kmeans kmeans slowdown vs local-memory ratio per swap backend (docs/evaluation.md)"
	@echo "make fuzz        run the libFuzzer targets for a short while"
	@echo "make dkms-src    DKMS source trees of both modules in /usr/src (DKMS_DIR=...; docs/operating.md)"

# DKMS source trees (module sources + include/), then: dkms install vhost-rmem/0.1
dkms-src:
	@scripts/dkms.sh src $(DKMS_DIR)

# Sub-makes of check/demo/bench inherit RMEM_DEPS_DONE: deps is checked once.
deps:
	@[ -n "$$RMEM_DEPS_DONE" ] || scripts/deps.sh

# ---------------------------------------------------------------- userspace
userspace: $(addprefix $(BIN)/,$(PROGRAMS))

$(BIN) $(OBJ) $(UNIT):
	@mkdir -p $@

# ---------------------------------------------------------------- image
image: deps
	@RMEM_DEPS_DONE=1 $(MAKE) --no-print-directory userspace
	@image/mkimage.sh

# ---------------------------------------------------------------- modules
modules: deps
	@scripts/kbuild.sh $(KVER)

modules-6.1: deps
	@scripts/kbuild.sh 6.1

# ---------------------------------------------------------------- tests
$(UNIT)/%: tests/unit/%.c tests/unit/rmem_test.h $(UNIT_EXTRA_SRCS) $(wildcard include/*.h) | $(UNIT)
	$(CC) $(USER_CFLAGS) $(SAN_FLAGS) -O1 -I$(TOP)/tests/unit -o $@ $< $(UNIT_EXTRA_SRCS) $(UNIT_LIBS)
# Unit tests of the build scripts themselves: tests/unit/<name>.sh.
$(UNIT)/%: tests/unit/%.sh | $(UNIT)
	install -m 0755 $< $@

# checkpatch, sparse, shellcheck, names, includes (scripts/lint.sh); make check
# records each as a test (lint/<check>).
lint: deps modules
	@scripts/lint.sh

check-unit: $(addprefix $(UNIT)/,$(UNIT_TESTS))
	@tests/unit/run.sh $(addprefix $(UNIT)/,$(UNIT_TESTS))

check-vm: deps userspace modules modules-6.1 image
	@tests/harness/run.sh $(if $(T),--only '$(T)')

check: deps
	@tests/harness/results.sh reset
	@RMEM_DEPS_DONE=1 $(MAKE) --no-print-directory all
	@RMEM_DEPS_DONE=1 RMEM_CHECK_AGGREGATE=1 $(MAKE) --no-print-directory lint || true
	@RMEM_DEPS_DONE=1 RMEM_CHECK_AGGREGATE=1 $(MAKE) --no-print-directory check-unit || \
		tests/harness/results.sh record fail unit/build "unit tests did not build or run; see above"
	@RMEM_DEPS_DONE=1 RMEM_CHECK_AGGREGATE=1 $(MAKE) --no-print-directory check-vm || \
		tests/harness/results.sh record fail vm/harness "VM tier did not complete; see above"
	@tests/harness/results.sh summary

check-full: deps
	@tests/harness/results.sh reset
	@RMEM_DEPS_DONE=1 $(MAKE) --no-print-directory all image
	@RMEM_CHECK_AGGREGATE=1 tests/harness/run.sh --tier full || \
		tests/harness/results.sh record fail full/harness "full tier did not complete; see above"
	@tests/harness/results.sh summary

# What CI runs: `make check` as a new user's machine sees it (scripts/fresh-root.sh).
check-fresh:
	@scripts/fresh-root.sh 'make check'

demo: deps
	@RMEM_DEPS_DONE=1 $(MAKE) --no-print-directory all
	@tests/demo/run.sh

bench: deps
	@RMEM_DEPS_DONE=1 $(MAKE) --no-print-directory all
	@tests/bench/run.sh

# Evaluation: kmeans vs local-memory ratio across swap backends (long; knobs
# KM_RATIOS=100,70,40 KM_REPS=1 KM_POINTS=N KM_BACKENDS=rmem,zram shorten it;
# KM_LIMIT=max uses memory.max instead of memory.high).
bench-kmeans: deps
	@RMEM_DEPS_DONE=1 $(MAKE) --no-print-directory all
	@export KM_RATIOS KM_REPS KM_POINTS KM_BACKENDS KM_LIMIT; RMEM_VM_FOLLOW=1 tests/harness/run.sh --tier kmeans
	@tests/kmeans/report.sh

clean:
	rm -rf $(BUILD)/bin $(BUILD)/obj $(BUILD)/unit $(BUILD)/modules $(BUILD)/initramfs \
		$(BUILD)/test-logs $(BUILD)/test-results

distclean:
	rm -rf $(BUILD)
