# Userspace builds of host-vhost pure logic (unit tests).
#
# vhost_rmem_vq.c and vhost_rmem_req.c are the same files vhost_rmem.ko compiles
# (tools/virtio style): the unit tier links them natively under ASan/UBSan.
UNIT_EXTRA_SRCS += host-vhost/vhost_rmem_vq.c host-vhost/vhost_rmem_req.c
UNIT_TESTS += vq-chain vq-ring req-parse req-exec

HOST_VHOST_HDRS := $(wildcard host-vhost/*.h)

# Our unit tests include host-vhost headers by name.
$(UNIT)/vq-% $(UNIT)/req-%: USER_CFLAGS += -I$(TOP)/host-vhost
$(UNIT)/vq-% $(UNIT)/req-%: $(HOST_VHOST_HDRS) tests/unit/rmem_vq_test.h
