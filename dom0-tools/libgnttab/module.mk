# libgnttab: libketchgnt.a, the control-domain grant library every backend
# uses to reach a guest's granted pages (include/ketch/gntaccess.h), its
# unit test against a fake table, and the integration test program.
KGNT_DIR  := dom0-tools/libgnttab
KGNT_SRCS := $(addprefix $(KGNT_DIR)/,kgnt_table.c kgnt_copy.c kgnt_map.c kgnt_share.c)
KGNT_OBJS := $(KGNT_SRCS:%.c=$(BUILD)/obj/%.o)
KGNT_LIB  := $(BUILD)/lib/libketchgnt.a
KGNT_UNIT := $(BUILD)/tests/unit/gnt_access
KGNT_TEST := $(BUILD)/tests/bin/gnt_backend

LIBS       += $(KGNT_LIB)
UNIT_TESTS += $(KGNT_UNIT)
BINS       += $(KGNT_TEST)

$(KGNT_LIB): $(KGNT_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(KGNT_UNIT): $(BUILD)/obj/tests/unit/gnt_access.o $(KGNT_LIB) $(BUILD)/lib/libketchctl.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

$(KGNT_TEST): $(BUILD)/obj/tests/integration/gnt_backend.o $(KGNT_LIB) \
	      $(BUILD)/lib/libketchctl.a $(BUILD)/lib/libketchbuild.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^
