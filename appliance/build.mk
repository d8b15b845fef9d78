# Appliance (rmem-appliance); see issue "rmem-appliance".  The client library
# librmemclient.a is client/build.mk's.
#
#   build/bin/rmem-appliance	the donor (daemon or PID 1)
#   build/unit/alloc-*		allocator / wire unit tests (pure code in include/)

RMEM_LDLIBS := -libverbs -lrdmacm -lpthread

APPLIANCE_SRCS := rmemd_main rmemd_serve rmemd_parse rmemd_pool rmemd_ibdev rmemd_listen \
	rmemd_reaper rmemd_init rmemd_bringup rmemd_log
APPLIANCE_OBJS := $(addprefix $(OBJ)/appliance/,$(addsuffix .o,$(APPLIANCE_SRCS)))
APPLIANCE_HDRS := $(wildcard appliance/*.h) $(wildcard include/*.h)

PROGRAMS += rmem-appliance
UNIT_TESTS += alloc-owner alloc-layout alloc-window alloc-descriptor appliance-options
# Option parsing is pure code; its unit test links it.
UNIT_EXTRA_SRCS += appliance/rmemd_parse.c
$(UNIT)/appliance-%: USER_CFLAGS += -I$(TOP)/appliance

$(OBJ)/appliance/%.o: appliance/%.c $(APPLIANCE_HDRS) | $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(BIN)/rmem-appliance: $(APPLIANCE_OBJS) | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $^ $(RMEM_LDLIBS)
