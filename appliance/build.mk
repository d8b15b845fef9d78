# Appliance (rmem-appliance) and the userspace client library; see issue "rmem-appliance".
#
#   build/bin/rmem-appliance	the donor (daemon or PID 1)
#   build/obj/librmemclient.a	client library: tests, rmemctl, rmem-top
#   build/unit/alloc-*		allocator / wire unit tests (pure code in include/)
#   make fuzz			libFuzzer target for the private-data decoders

RMEM_LDLIBS := -libverbs -lrdmacm -lpthread

APPLIANCE_SRCS := rmem_appliance rmem_parse rmem_pool rmem_ibdev rmem_listen \
	rmem_reaper rmem_init rmem_bringup rmem_log
APPLIANCE_OBJS := $(addprefix $(OBJ)/appliance/,$(addsuffix .o,$(APPLIANCE_SRCS)))
APPLIANCE_HDRS := $(wildcard appliance/*.h) $(wildcard include/*.h)

PROGRAMS += rmem-appliance
UNIT_TESTS += alloc-owner alloc-layout alloc-window alloc-descriptor appliance-options
# Option parsing is pure code; its unit test links it.
UNIT_EXTRA_SRCS += appliance/rmem_parse.c

RMEM_CLIENT_LIB := $(OBJ)/librmemclient.a

$(OBJ)/appliance/%.o: appliance/%.c $(APPLIANCE_HDRS) | $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(BIN)/rmem-appliance: $(APPLIANCE_OBJS) | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $^ $(RMEM_LDLIBS)

$(RMEM_CLIENT_LIB): $(OBJ)/appliance/rmem_client.o | $(OBJ)
	rm -f $@
	ar rcs $@ $^

userspace: $(RMEM_CLIENT_LIB)

# ---------------------------------------------------------------- fuzzing
# make fuzz FUZZ_SECONDS=300 runs longer; the corpus persists in build/fuzz/.
FUZZ_SECONDS ?= 30
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CC := clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -I$(TOP)/include

$(FUZZ_DIR)/fuzz-descriptor: tests/fuzz/fuzz-descriptor.c $(wildcard include/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $<

.PHONY: fuzz-appliance
fuzz-appliance: $(FUZZ_DIR)/fuzz-descriptor
	@mkdir -p $(FUZZ_DIR)/corpus-descriptor
	$(FUZZ_DIR)/fuzz-descriptor -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(FUZZ_DIR)/corpus-descriptor

fuzz: fuzz-appliance
