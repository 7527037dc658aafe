# ketch: the xl-style command line of ketchd.
KCLI_DIR  := dom0-tools/cli
KCLI_OBJS := $(addprefix $(BUILD)/obj/$(KCLI_DIR)/,main.o client.o cmd_create.o cmd_list.o \
               cmd_ops.o cmd_console.o cmd_query.o cmd_xenstore.o \
               cmd_top.o cmd_block.o cmd_net.o cmd_device.o cmd_image.o cmd_save.o \
                cmd_snapshot.o progress.o cmd_migrate.o)
KCLI_BIN  := $(BUILD)/bin/ketch

BINS += $(KCLI_BIN)

$(KCLI_BIN): $(KCLI_OBJS) $(BUILD)/lib/libketchcfg.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KD_LDLIBS)
