# Test-only programs (built into the test initramfs).

# rmem-testclient: drives a donor through librmemclient for the VM tests
# (tests/vm/t/1NN-appliance-*.sh) and the benchmark (tests/bench/t/100-appliance.sh).
PROGRAMS += rmem-testclient

$(BIN)/rmem-testclient: tests/tools/rmem-testclient.c $(RMEM_CLIENT_LIB) $(APPLIANCE_HDRS) | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $< $(RMEM_CLIENT_LIB) $(RMEM_LDLIBS) -lm

# kmeans: the evaluation workload (make bench-kmeans), run inside guests.
PROGRAMS += kmeans
$(BIN)/kmeans: tests/bench/kmeans.c | $(BIN)
	$(CC) $(USER_CFLAGS) -o $@ $<
