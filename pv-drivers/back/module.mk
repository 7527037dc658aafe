# pv-drivers/back: ketch-blkback, one control-domain process per PV disk.
BLKBACK_SRCS := $(addprefix pv-drivers/back/,blkback_main.c blkback_io.c blkback_xenbus.c)
BLKBACK      := $(BUILD)/bin/ketch-blkback
BINS         += $(BLKBACK)

$(BLKBACK): $(BLKBACK_SRCS:%.c=$(BUILD)/obj/%.o) $(PV_LIB) $(BUILD)/lib/libketchgnt.a \
	    $(BUILD)/lib/libketchctl.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -luring -lxenstore
