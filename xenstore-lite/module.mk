# xenstore-lite build fragment (see the top-level Makefile for the lists it appends to).
# ketch-xenstored, its Check unit tests, protocol test programs, fuzzer and bench.

XS_DIR  := xenstore-lite
XS_CORE := path perms node store quota transaction watch conn conn_socket conn_ring conn_mem \
           domain domain_ops_stub dispatch ops_node ops_session ops_domain ctx loop listen \
           persist
XS_SRCS := $(XS_CORE:%=$(XS_DIR)/%.c)
# The socket file code is shared with ketch-hv (dom0-tools/libconfine).
XS_OBJS := $(XS_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/dom0-tools/libconfine/private_socket.o
XS_LIB  := $(BUILD)/lib/libxenstore-lite.a
XS_BIN  := $(BUILD)/bin/ketch-xenstored
XS_LIBXS := $(shell pkg-config --libs xenstore 2>/dev/null || echo -lxenstore)

LIBS       += $(XS_LIB)
BINS       += $(XS_BIN)
UNIT_TESTS += $(BUILD)/tests/unit/xs_store_test $(BUILD)/tests/unit/xs_proto_test \
              $(BUILD)/tests/unit/xs_ring_test
# Programs the integration scripts run (built with everything else by `make build`).
BINS       += $(BUILD)/tests/bin/xs_libxs_test $(BUILD)/tests/bin/xs_malformed \
              $(BUILD)/tests/bin/xs_toolstack $(BUILD)/tests/bin/xs_txscript \
              $(BUILD)/tests/bin/xs_conns
BENCHES    += $(BUILD)/bench/xenstore_bench
FUZZ_TARGETS += fuzz-xenstore
FUZZERS      += $(BUILD)/fuzz/xs_fuzz_dispatch

$(XS_LIB): $(XS_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The daemon alone links the hypervisor client (domain_ops_ketch.c); the
# library, unit tests and fuzzer keep the stub and fakes.  A second build of
# it, for tests only, has the hidden --selftest-forbidden-syscall option.
XS_SELFTEST := $(BUILD)/tests/bin/ketch-xenstored-selftest
BINS        += $(XS_SELFTEST)
XS_DAEMON_LINK := $(BUILD)/obj/$(XS_DIR)/domain_ops_ketch.o $(XS_LIB) \
		$(BUILD)/lib/libketchctl.a $(BUILD)/lib/libketchbuild.a $(KCF_LIB)

$(XS_BIN): $(BUILD)/obj/$(XS_DIR)/main.o $(XS_DAEMON_LINK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KCF_LDLIBS)

$(XS_SELFTEST): $(BUILD)/obj/$(XS_DIR)/main-selftest.o $(XS_DAEMON_LINK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KCF_LDLIBS)

$(BUILD)/obj/$(XS_DIR)/main-selftest.o: $(XS_DIR)/main.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (test hooks)")
	$(Q)$(CC) $(CFLAGS) -DXS_TEST_HOOKS -c -o $@ $<

$(BUILD)/tests/unit/xs_store_test $(BUILD)/tests/unit/xs_proto_test: \
		$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(XS_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

$(BUILD)/tests/unit/xs_ring_test: $(BUILD)/obj/tests/unit/xs_ring_test.o \
		$(BUILD)/obj/tests/unit/xs_fake_guest.o $(XS_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

$(BUILD)/tests/bin/xs_libxs_test $(BUILD)/tests/bin/xs_txscript: \
		$(BUILD)/tests/bin/%: $(BUILD)/obj/tests/integration/%.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(XS_LIBXS)

$(BUILD)/tests/bin/xs_toolstack: $(BUILD)/obj/tests/integration/xs_toolstack.o \
		$(BUILD)/lib/libketchctl.a $(BUILD)/lib/libketchbuild.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(XS_LIBXS)

$(BUILD)/tests/bin/xs_malformed $(BUILD)/tests/bin/xs_conns: \
		$(BUILD)/tests/bin/%: $(BUILD)/obj/tests/integration/%.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/bench/xenstore_bench: $(BUILD)/obj/bench/xenstore_bench.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(XS_LIBXS)

# libFuzzer build of the message path (clang only), in $(BUILD)/fuzz.
XS_FUZZ_BIN  := $(BUILD)/fuzz/xs_fuzz_dispatch
XS_FUZZ_TIME ?= $(FUZZ_SECONDS) # tests/fuzz/module.mk: 300 unless given
XS_FUZZ_SRCS := $(XS_SRCS) dom0-tools/libconfine/private_socket.c
$(XS_FUZZ_BIN): $(XS_FUZZ_SRCS) tests/fuzz/xs_fuzz_dispatch.c $(wildcard $(XS_DIR)/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)clang -std=c11 -O1 -g -D_GNU_SOURCE -Iinclude -I$(XS_DIR) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ tests/fuzz/xs_fuzz_dispatch.c $(XS_FUZZ_SRCS)

.PHONY: fuzz-xenstore
fuzz-xenstore: $(XS_FUZZ_BIN)
	@mkdir -p $(BUILD)/fuzz/xs-corpus
	$(XS_FUZZ_BIN) -max_total_time=$(XS_FUZZ_TIME) -max_len=16384 \
		$(BUILD)/fuzz/xs-corpus tests/fuzz/xs_corpus

# Unit tests and test programs see the daemon's headers.
$(BUILD)/obj/tests/unit/xs_%.o: CFLAGS += -I$(XS_DIR)
$(BUILD)/obj/bench/xenstore_bench.o: CFLAGS += -I$(XS_DIR)
