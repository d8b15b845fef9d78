# Test-only programs: everything in build/bin ends up in the test initramfs;
# the libFuzzer targets go to build/fuzz/ (make fuzz).  Product build files
# (appliance/, host-vhost/, guest-driver/, tools/) build no test program.

# stage-copy: image/stage-lib.sh never writes through a link in the stage.
UNIT_TESTS += stage-copy

# rmem-testclient: drives a donor through librmemclient for the VM tests
# (tests/vm/t/1NN-appliance-*.sh) and the benchmark (tests/bench/t/100-appliance.sh).
PROGRAMS += rmem-testclient

$(BIN)/rmem-testclient: tests/tools/rmem-testclient.c $(RMEM_CLIENT_LIB) $(RMEM_CLIENT_HDRS) | $(BIN)
	$(CC) $(USER_CFLAGS) $(RMEM_CLIENT_CFLAGS) -o $@ $< $(RMEM_CLIENT_LIB) $(RMEM_LDLIBS) -lm

# kmeans: the evaluation workload (make bench-kmeans), run inside guests.
PROGRAMS += kmeans
$(BIN)/kmeans: tests/bench/kmeans.c | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $<

# rmem-vhost-harness: a userspace vhost-vdpa "guest" driving vhost_rmem
# through the real vhost ioctls (tests/vm/t/2NN-vhost-*.sh).
PROGRAMS += rmem-vhost-harness
# It speaks the device's wire format only (include/), as a guest would.
$(BIN)/rmem-vhost-harness: tests/tools/rmem-vhost-harness.c $(wildcard include/*.h) | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $<

# rmem-memstress: a verified working set larger than its cgroup (swap tests).
PROGRAMS += rmem-memstress
$(BIN)/rmem-memstress: tests/tools/rmem-memstress.c | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $<

# ---------------------------------------------------------------- fuzzing
# libFuzzer target for the wire decoders (include/rmem_proto.h).
# make fuzz FUZZ_SECONDS=300 runs longer; the corpus persists in build/fuzz/.
FUZZ_SECONDS ?= 30
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CC := clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -I$(TOP)/include

$(FUZZ_DIR)/fuzz-descriptor: tests/fuzz/fuzz-descriptor.c $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $<

.PHONY: fuzz-descriptor
fuzz-descriptor: $(FUZZ_DIR)/fuzz-descriptor
	@mkdir -p $(FUZZ_DIR)/corpus-descriptor
	$(FUZZ_DIR)/fuzz-descriptor -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(FUZZ_DIR)/corpus-descriptor

fuzz: fuzz-descriptor
