# The userspace client library of the donor protocol (client/rmemc.h).
#
#   build/obj/librmemclient.a	used by tests/tools/rmem-testclient, rmemctl, rmem-top
#   build/unit/alloc-lease	the allocator protocol (include/rmem_alloc.h) over a
#				fake donor, the code this library and vhost_rmem run
#
# Users compile with $(RMEM_CLIENT_CFLAGS), depend on $(RMEM_CLIENT_HDRS) and
# link $(RMEM_CLIENT_LIB) $(RMEM_LDLIBS) (libsodium: rmemc_auth.c proves the rack key).

RMEM_CLIENT_LIB := $(OBJ)/librmemclient.a
RMEM_CLIENT_CFLAGS := -I$(TOP)/client
RMEM_CLIENT_HDRS := client/rmemc.h client/rmemc_auth.h $(wildcard include/*.h)

UNIT_TESTS += alloc-lease

$(OBJ)/client/%.o: client/%.c $(RMEM_CLIENT_HDRS) | $(OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(RMEM_CLIENT_CFLAGS) -c -o $@ $<

$(RMEM_CLIENT_LIB): $(OBJ)/client/rmemc.o $(OBJ)/client/rmemc_auth.o | $(OBJ)
	rm -f $@
	ar rcs $@ $^

userspace: $(RMEM_CLIENT_LIB)
