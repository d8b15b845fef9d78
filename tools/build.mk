# rmemctl and rmem-top (tools/, docs/tools.md).
#
#   build/bin/rmemctl		control CLI: donor, dev, lease, chunk
#   build/bin/rmem-top		live view of donors and devices
#   build/unit/rmemctl-*	unit tests: grammar, dispatch, output (fakes for RDMA and vdpa)
#
# tools/lib/ is shared by both; only donor_rdma.c talks RDMA, so every other
# source links natively into the unit tests without libibverbs.

TOOLS_HDRS := $(wildcard tools/lib/*.h tools/rmemctl/*.h tools/rmem-top/*.h) $(RMEM_CLIENT_HDRS)
TOOLS_LIB_PURE := tools/lib/print.c tools/lib/donor.c tools/lib/sysdev.c
RMEMCTL_PURE := tools/rmemctl/cli.c tools/rmemctl/donor.c tools/rmemctl/dev.c \
	tools/rmemctl/lease.c tools/rmemctl/chunk.c
RMEMTOP_PURE := tools/rmem-top/view.c
# Headers by name, never by relative path: each directory is on the include path.
TOOLS_CFLAGS := $(RMEM_CLIENT_CFLAGS) -I$(TOP)/tools/lib

PROGRAMS += rmemctl rmem-top
UNIT_TESTS += rmemctl-parse rmemctl-top

$(BIN)/rmemctl: tools/rmemctl/rmemctl.c $(RMEMCTL_PURE) $(TOOLS_LIB_PURE) tools/lib/donor_rdma.c \
		$(TOOLS_HDRS) $(RMEM_CLIENT_LIB) | $(BIN)
	$(CC) $(USER_CFLAGS) $(TOOLS_CFLAGS) -o $@ $(filter %.c,$^) $(RMEM_CLIENT_LIB) $(RMEM_LDLIBS) -lm

$(BIN)/rmem-top: tools/rmem-top/rmem-top.c tools/rmem-top/poller.c $(RMEMTOP_PURE) \
		$(TOOLS_LIB_PURE) tools/lib/donor_rdma.c $(TOOLS_HDRS) $(RMEM_CLIENT_LIB) | $(BIN)
	$(CC) $(USER_CFLAGS) $(TOOLS_CFLAGS) -o $@ $(filter %.c,$^) $(RMEM_CLIENT_LIB) $(RMEM_LDLIBS) -lm

# Explicit rules (they win over the generic $(UNIT)/% rule): these tests link
# the tools' pure sources, which the other unit tests must not carry.
$(UNIT)/rmemctl-parse: tests/unit/rmemctl-parse.c $(RMEMCTL_PURE) $(TOOLS_LIB_PURE) \
		tests/unit/rmem_test.h $(TOOLS_HDRS) | $(UNIT)
	$(CC) $(USER_CFLAGS) $(TOOLS_CFLAGS) -I$(TOP)/tools/rmemctl $(SAN_FLAGS) -O1 -I$(TOP)/tests/unit \
		-o $@ $(filter %.c,$^) -lm

$(UNIT)/rmemctl-top: tests/unit/rmemctl-top.c $(RMEMTOP_PURE) $(TOOLS_LIB_PURE) \
		tests/unit/rmem_test.h $(TOOLS_HDRS) | $(UNIT)
	$(CC) $(USER_CFLAGS) $(TOOLS_CFLAGS) -I$(TOP)/tools/rmem-top $(SAN_FLAGS) -O1 -I$(TOP)/tests/unit \
		-o $@ $(filter %.c,$^) -lm
