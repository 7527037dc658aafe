# ketchd: the toolstack daemon, and libketchcfg (domain configs: JSON,
# xl.cfg, validation) which the ketch CLI and the unit tests share.
KD_DIR     := dom0-tools/ketchd
KD_CFG_LIB := $(BUILD)/lib/libketchcfg.a
KD_CFG_OBJS := $(addprefix $(BUILD)/obj/$(KD_DIR)/,config_json.o validate.o config_xl.o \
                config_disk.o config_image.o image_probe.o config_nic.o config_nic_xl.o overlay_name.o)
KD_OBJS    := $(addprefix $(BUILD)/obj/$(KD_DIR)/,main.o log.o api.o server.o domain.o \
                console.o xs_layout.o lifecycle.o events.o state.o \
                api_query.o api_xenstore.o console_pty.o \
                vbd.o vbd_proc.o vbd_nbd.o vbd_xs.o api_block.o \
                vif.o vif_proc.o vif_xs.o api_net.o xs_device.o backend_proc.o \
                api_device.o api_save.o save.o save_write.o restore.o restore_build.o restore_cow.o \
                overlay.o snapshot_disk.o clone.o progress.o mem_scan.o \
                migrate.o migrate_wire.o migrate_send.o migrate_recv.o api_migrate.o migrate_disk.o)
KD_BIN     := $(BUILD)/bin/ketchd
KD_LDLIBS  := $(shell pkg-config --libs json-c uuid xenstore xlutil xenlight 2>/dev/null || \
                echo -ljson-c -luuid -lxenstore -lxlutil -lxenlight) -lcrypto

LIBS       += $(KD_CFG_LIB)
BINS       += $(KD_BIN)
UNIT_TESTS += $(if $(wildcard tests/unit/ketchd_config.c),$(BUILD)/tests/unit/ketchd_config)
UNIT_TESTS += $(if $(wildcard tests/unit/ketchd_vif.c),$(BUILD)/tests/unit/ketchd_vif)
UNIT_TESTS += $(if $(wildcard tests/unit/ketchd_image.c),$(BUILD)/tests/unit/ketchd_image)
UNIT_TESTS += $(BUILD)/tests/unit/ketchd_migrate

$(KD_CFG_LIB): $(KD_CFG_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(KD_BIN): $(KD_OBJS) $(KD_CFG_LIB) $(BUILD)/lib/libketchsave.a $(BUILD)/lib/libketchctl.a $(BUILD)/lib/libketchbuild.a $(BUILD)/lib/libketchpv.a $(KCF_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KD_LDLIBS) $(KCF_LDLIBS) $(KS_LDLIBS)

$(BUILD)/tests/unit/ketchd_config $(BUILD)/tests/unit/ketchd_vif $(BUILD)/tests/unit/ketchd_image: $(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(KD_CFG_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KD_LDLIBS) $(CHECK_LIBS)

# A migration's receiving child, with the wire it speaks, as ketchd runs it.
$(BUILD)/tests/unit/ketchd_migrate: $(BUILD)/obj/tests/unit/ketchd_migrate.o \
		$(addprefix $(BUILD)/obj/$(KD_DIR)/,migrate_recv.o migrate_wire.o mem_scan.o) \
		$(KS_LIB) $(BUILD)/lib/libketchctl.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcrypto $(KS_LDLIBS) $(CHECK_LIBS)

$(BUILD)/obj/tests/unit/ketchd_config.o $(BUILD)/obj/tests/unit/ketchd_vif.o \
	$(BUILD)/obj/tests/unit/ketchd_image.o $(BUILD)/obj/tests/unit/ketchd_migrate.o: CFLAGS += -I$(KD_DIR)

# Test guests of tests/integration/60-toolstack.sh: one answers control/shutdown,
# one echoes console input.
KD_TEST_GUESTS := $(BUILD)/guests/shutdown_watch $(BUILD)/guests/console_echo
GUESTS += $(KD_TEST_GUESTS)

$(KD_TEST_GUESTS): $(BUILD)/guests/%: $(BUILD)/guest-obj/tests/guests/%.o $(GK_LIB) guest/guest.lds
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GLD     $@")
	$(Q)$(CC) $(GK_LDFLAGS) -o $@ $< $(GK_LIB) -lgcc
