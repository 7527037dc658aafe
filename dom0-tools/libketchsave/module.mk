# libketchsave: the save stream (include/ketch/savestream.h) that `ketch
# save` writes and `ketch restore` reads, and its unit test.
KS_DIR  := dom0-tools/libketchsave
KS_SRCS := $(addprefix $(KS_DIR)/,ks_read.c ks_decode.c ks_write.c)
KS_OBJS := $(KS_SRCS:%.c=$(BUILD)/obj/%.o)
KS_LIB  := $(BUILD)/lib/libketchsave.a
KS_LDLIBS := -lz

LIBS       += $(KS_LIB)
UNIT_TESTS += $(BUILD)/tests/unit/save_stream

$(KS_LIB): $(KS_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/unit/save_stream: $(BUILD)/obj/tests/unit/save_stream.o $(KS_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(KS_LDLIBS) $(CHECK_LIBS)
