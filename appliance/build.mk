# Appliance (rmem-appliance); see issue "rmem-appliance".  The client library
# librmemclient.a is client/build.mk's.
#
#   build/bin/rmem-appliance	the donor (daemon or PID 1)
#   build/unit/alloc-*		allocator / wire unit tests (pure code in include/)
#   build/unit/appliance-*	options, DHCP messages, host authentication (pure code in appliance/)

# libsodium: the HMAC, constant-time compare, nonces and locked key memory of
# host authentication, in the donor and in the client library alike.
RMEM_LDLIBS := -libverbs -lrdmacm -lpthread -lsodium

APPLIANCE_SRCS := rmemd_main rmemd_serve rmemd_parse rmemd_pool rmemd_ibdev rmemd_listen \
	rmemd_reaper rmemd_init rmemd_bringup rmemd_netif rmemd_dhcp rmemd_dhcp_io rmemd_log \
	rmemd_auth
APPLIANCE_OBJS := $(addprefix $(OBJ)/appliance/,$(addsuffix .o,$(APPLIANCE_SRCS)))
APPLIANCE_HDRS := $(wildcard appliance/*.h) $(wildcard include/*.h)

PROGRAMS += rmem-appliance
UNIT_TESTS += alloc-owner alloc-layout alloc-window alloc-descriptor appliance-options \
	appliance-dhcp appliance-auth
# Option parsing is pure code; its unit test links it.
UNIT_EXTRA_SRCS += appliance/rmemd_parse.c
$(UNIT)/appliance-%: USER_CFLAGS += -I$(TOP)/appliance

# The DHCP client's protocol is pure code too, but only its own test carries
# it, with the log's rate limits its console lines run through (an explicit
# rule wins over the generic one).
$(UNIT)/appliance-dhcp: tests/unit/appliance-dhcp.c appliance/rmemd_dhcp.c appliance/rmemd_dhcp.h \
		appliance/rmemd_log.c appliance/rmemd_log.h \
		tests/unit/rmem_test.h $(wildcard include/*.h) | $(UNIT)
	$(CC) $(USER_CFLAGS) $(SAN_FLAGS) -O1 -I$(TOP)/tests/unit -o $@ $(filter %.c,$^)

# Host authentication: the donor's challenges and checks against the client
# library's proofs, both halves as they ship, over libsodium.
$(UNIT)/appliance-auth: tests/unit/appliance-auth.c appliance/rmemd_auth.c appliance/rmemd_auth.h \
		appliance/rmemd_parse.c client/rmemc_auth.c client/rmemc_auth.h \
		tests/unit/rmem_test.h $(wildcard include/*.h) | $(UNIT)
	$(CC) $(USER_CFLAGS) $(SAN_FLAGS) -O1 -I$(TOP)/tests/unit -I$(TOP)/client -o $@ \
		$(filter %.c,$^) -lsodium

$(OBJ)/appliance/%.o: appliance/%.c $(APPLIANCE_HDRS) | $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

$(BIN)/rmem-appliance: $(APPLIANCE_OBJS) | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $^ $(RMEM_LDLIBS)
