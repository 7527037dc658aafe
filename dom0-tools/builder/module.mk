# Domain builder: libketchbuild.a and its unit tests.
KB_SRCS := $(wildcard dom0-tools/builder/*.c)
KB_OBJS := $(KB_SRCS:%.c=$(BUILD)/obj/%.o)
KB_LIB  := $(BUILD)/lib/libketchbuild.a
LIBS    += $(KB_LIB)

$(KB_LIB): $(KB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Unit tests: tests/unit/builder_<name>.c, each linked with the ELF-image
# generator tests/unit/builder_mkelf.c (a helper, not a test).
KB_TESTS      := elf notes build symbols
KB_TEST_BINS  := $(KB_TESTS:%=$(BUILD)/tests/unit/builder_%)
KB_TEST_HELP  := $(BUILD)/obj/tests/unit/builder_mkelf.o
UNIT_TESTS    += $(KB_TEST_BINS)

$(KB_TEST_BINS): $(BUILD)/tests/unit/builder_%: $(BUILD)/obj/tests/unit/builder_%.o $(KB_TEST_HELP) $(KB_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)
