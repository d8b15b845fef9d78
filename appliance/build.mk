# Appliance (rmem-appliance); see issue "rmem-appliance".  The client library
# librmemclient.a is client/build.mk's.
#
#   build/bin/rmem-appliance	the donor (daemon or PID 1)
#   build/unit/alloc-*		allocator / wire unit tests (pure code in include/)

RMEM_LDLIBS := -libverbs -lrdmacm -lpthread

APPLIANCE_SRCS := rmem_appliance_main rmem_serve rmem_parse rmem_pool rmem_ibdev rmem_listen \
	rmem_reaper rmem_init rmem_bringup rmem_log
APPLIANCE_OBJS := $(addprefix $(OBJ)/appliance/,$(addsuffix .o,$(APPLIANCE_SRCS)))
APPLIANCE_HDRS := $(wildcard appliance/*.h) $(wildcard include/*.h)

PROGRAMS += rmem-appliance
UNIT_TESTS += alloc-owner alloc-layout alloc-window alloc-descriptor appliance-options
# Option parsing is pure code; its unit test links it.
UNIT_EXTRA_SRCS += appliance/rmem_parse.c

$(OBJ)/appliance/%.o: appliance/%.c $(APPLIANCE_HDRS) | $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(BIN)/rmem-appliance: $(APPLIANCE_OBJS) | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $^ $(RMEM_LDLIBS)
