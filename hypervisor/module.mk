# hypervisor/: ketch-hv.  Everything but main.c is also the static library
# libketchhv.a, so unit tests and in-process benchmarks reach the same code.
# Links the builder (dom0-tools/builder) for `ketch-hv run` and for
# symbolising crash reports.

HV_SRCS     := $(wildcard hypervisor/*.c hypervisor/*/*.c)
HV_OBJS     := $(patsubst %.c,$(BUILD)/obj/%.o,$(HV_SRCS))
HV_LIB_OBJS := $(filter-out $(BUILD)/obj/hypervisor/main.o,$(HV_OBJS))
HV_LIB      := $(BUILD)/lib/libketchhv.a
HV_BIN      := $(BUILD)/bin/ketch-hv
HV_LINK     := $(HV_LIB) $(BUILD)/lib/libketchbuild.a $(BUILD)/lib/libketchpv.a $(BUILD)/lib/libketchctl.a $(BUILD)/lib/libketchconfine.a
KETCH_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

LIBS += $(HV_LIB)
# Until the control server lands, ketch-hv is not part of `make build`.
ifneq ($(wildcard hypervisor/ctl/ctl_server.c),)
BINS += $(HV_BIN)
endif

# Subsystems include each other's headers as "entry/entry.h", "mm/xenpv.h".
$(BUILD)/obj/hypervisor/%.o: CFLAGS += -Ihypervisor -DKETCH_VERSION='"$(KETCH_VERSION)"'

$(HV_LIB): $(HV_LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(HV_BIN): $(BUILD)/obj/hypervisor/main.o $(HV_LINK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KCF_LDLIBS)

# For tests only: the same daemon with libconfine's $KETCH_CONFINE_SELFTEST
# probes (forbidden calls tried once confined).
HV_SELFTEST := $(BUILD)/tests/bin/ketch-hv-selftest
ifneq ($(wildcard hypervisor/ctl/ctl_server.c),)
BINS += $(HV_SELFTEST)
endif

$(HV_SELFTEST): $(BUILD)/obj/hypervisor/main.o $(BUILD)/obj/dom0-tools/libconfine/confine_selftest.o $(HV_LINK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KCF_LDLIBS)

# Unit tests of hypervisor internals (Check).
HV_UNIT := hv_hcpage hv_guestmem hv_pvmmu hv_util hv_log hv_evtchn_dom0 hv_console hv_zap
UNIT_TESTS += $(patsubst %,$(BUILD)/tests/unit/%,$(HV_UNIT))

# hv_console slows the copy to the guest down to widen a race (see the test).
$(BUILD)/tests/unit/hv_console: LDFLAGS += -Wl,--wrap=gm_copy_to

$(patsubst %,$(BUILD)/tests/unit/%,$(HV_UNIT)): $(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(HV_LINK)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(KCF_LDLIBS)
