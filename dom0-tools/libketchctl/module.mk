# libketchctl: the control-socket client library (also the framing ketch-hv
# uses), the ketchctl-hv command, and their tests.
KCTL_DIR  := dom0-tools/libketchctl
KCTL_SRCS := $(addprefix $(KCTL_DIR)/,kctl_wire.c ketchctl.c ops.c events.c names.c boot.c evtchn.c gnttab.c save.c mem_image.c)
KCTL_OBJS := $(KCTL_SRCS:%.c=$(BUILD)/obj/%.o)
KCTL_LIB  := $(BUILD)/lib/libketchctl.a
KCTL_CLI  := $(BUILD)/bin/ketchctl-hv
KCTL_FUZZ := $(BUILD)/tests/bin/ctl_fuzz_client
KCTL_LIFE := $(BUILD)/tests/bin/ctl_lifecycle
KCTL_TIMED := $(BUILD)/tests/bin/ctl_timed

LIBS       += $(KCTL_LIB)
BINS       += $(KCTL_CLI)
# Test programs join the build once their sources exist.
BINS       += $(if $(wildcard tests/integration/ctl_fuzz_client.c),$(KCTL_FUZZ))
BINS       += $(if $(wildcard tests/integration/ctl_lifecycle.c),$(KCTL_LIFE))
BINS       += $(if $(wildcard tests/integration/ctl_timed.c),$(KCTL_TIMED))
UNIT_TESTS += $(if $(wildcard tests/unit/ctl_proto.c),$(BUILD)/tests/unit/ctl_proto)
UNIT_TESTS += $(BUILD)/tests/unit/kctl_timeout

$(KCTL_LIB): $(KCTL_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(KCTL_CLI): $(BUILD)/obj/$(KCTL_DIR)/ketchctl_hv.o $(KCTL_LIB) $(BUILD)/lib/libketchbuild.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(KCTL_FUZZ): $(BUILD)/obj/tests/integration/ctl_fuzz_client.o $(KCTL_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(KCTL_LIFE): $(BUILD)/obj/tests/integration/ctl_lifecycle.o $(KCTL_LIB) $(BUILD)/lib/libketchbuild.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(KCTL_TIMED): $(BUILD)/obj/tests/integration/ctl_timed.o $(KCTL_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/unit/kctl_timeout: $(BUILD)/obj/tests/unit/kctl_timeout.o $(KCTL_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

$(BUILD)/tests/unit/ctl_proto: $(BUILD)/obj/tests/unit/ctl_proto.o $(KCTL_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)
