# libconfine: libketchconfine.a, the one place daemons get their seccomp
# allow-list, capability drop and uid switch from (include/ketch/confine.h).
KCF_DIR    := dom0-tools/libconfine
KCF_LIB    := $(BUILD)/lib/libketchconfine.a
KCF_LDLIBS := $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)

LIBS += $(KCF_LIB)

KCF_OBJS   := $(patsubst %,$(BUILD)/obj/$(KCF_DIR)/%.o,confine confine_trap profiles private_socket limits)
# Linked into the tests' -selftest builds only: $KETCH_CONFINE_SELFTEST probes.
KCF_SELFTEST_OBJ := $(BUILD)/obj/$(KCF_DIR)/confine_selftest.o

$(KCF_LIB): $(KCF_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/obj/$(KCF_DIR)/confine.o $(BUILD)/obj/$(KCF_DIR)/confine_trap.o: CFLAGS += $(shell pkg-config --cflags libseccomp 2>/dev/null)
