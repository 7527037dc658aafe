# libconfine: libketchconfine.a, the one place daemons get their seccomp
# allow-list, capability drop and uid switch from (include/ketch/confine.h).
KCF_DIR    := dom0-tools/libconfine
KCF_LIB    := $(BUILD)/lib/libketchconfine.a
KCF_LDLIBS := $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)

LIBS += $(KCF_LIB)

$(KCF_LIB): $(BUILD)/obj/$(KCF_DIR)/confine.o $(BUILD)/obj/$(KCF_DIR)/private_socket.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/obj/$(KCF_DIR)/confine.o: CFLAGS += $(shell pkg-config --cflags libseccomp 2>/dev/null)
