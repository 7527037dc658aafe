# tests build fragment (see the top-level Makefile for the lists it appends to).

# Integration helper programs (C) built with the host flags.
EVT_PP := $(BUILD)/tests/bin/evtchn_dom0_pingpong
BINS   += $(EVT_PP)

$(EVT_PP): $(BUILD)/obj/tests/integration/evtchn_dom0_pingpong.o $(BUILD)/lib/libketchctl.a $(BUILD)/lib/libketchbuild.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# Whether this machine's /dev/kvm can run guests (tests/vm/mode.sh asks it).
KVM_PROBE := $(BUILD)/tests/bin/kvm-probe
BINS      += $(KVM_PROBE)

$(KVM_PROBE): $(BUILD)/obj/tests/vm/kvm_probe.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

include tests/fuzz/module.mk
