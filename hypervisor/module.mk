# hypervisor/: ketch-hv.  Links the builder (dom0-tools/builder) for
# `ketch-hv run` and for symbolising crash reports.

HV_SRCS := $(wildcard hypervisor/*.c)
HV_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(HV_SRCS))
HV_BIN  := $(BUILD)/bin/ketch-hv
KETCH_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# Until the control server lands, ketch-hv is not part of `make build`.
ifneq ($(wildcard hypervisor/ctl_server.c),)
BINS += $(HV_BIN)
endif

$(BUILD)/obj/hypervisor/%.o: CFLAGS += -DKETCH_VERSION='"$(KETCH_VERSION)"'

$(HV_BIN): $(HV_OBJS) $(BUILD)/lib/libketchbuild.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^
