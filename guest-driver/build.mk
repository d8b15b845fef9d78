# guest-driver: virtio_rmem.ko is built by `make modules` (Kbuild); here are
# the userspace pieces: unit tests of its pure logic and the swap test program.

# rmem_merge.h is header-only pure logic: the unit tests include it directly.
UNIT_TESTS += merge-plan
$(UNIT)/merge-%: guest-driver/rmem_merge.h

# rmem-memstress: a verified working set larger than its cgroup (swap tests).
PROGRAMS += rmem-memstress

$(BIN)/rmem-memstress: tests/tools/rmem-memstress.c | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $<

