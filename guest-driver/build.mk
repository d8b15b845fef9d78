# guest-driver: virtio_rmem.ko is built by `make modules` (Kbuild); here are
# the userspace piece: unit tests of its pure logic.

# virtio_rmem_merge.h is header-only pure logic: the unit tests include it directly.
UNIT_TESTS += merge-plan
$(UNIT)/merge-%: guest-driver/virtio_rmem_merge.h
$(UNIT)/merge-%: USER_CFLAGS += -I$(TOP)/guest-driver
