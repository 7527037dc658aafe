# Domain builder: libketchbuild.a and its unit tests.
# The library: every .c directly in dom0-tools/builder (not testdata/).
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
KB_TESTS      := elf notes build symbols real
KB_TEST_BINS  := $(KB_TESTS:%=$(BUILD)/tests/unit/builder_%)
KB_TEST_HELP  := $(BUILD)/obj/tests/unit/builder_mkelf.o
UNIT_TESTS    += $(KB_TEST_BINS)

$(KB_TEST_BINS): $(BUILD)/tests/unit/builder_%: $(BUILD)/obj/tests/unit/builder_%.o $(KB_TEST_HELP) $(KB_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# A real guest image made by the compiler and linker, embedded into
# builder_real with .incbin (freestanding flags; never run).
KB_TINY := $(BUILD)/obj/dom0-tools/builder/testdata/tiny_guest.elf
KB_TINY_FLAGS := -std=c11 -O2 -ffreestanding -fno-pic -fno-stack-protector \
	-fno-asynchronous-unwind-tables -nostdlib -static -no-pie \
	-Wl,--build-id=none -Wl,-Ttext-segment=0x400000

$(KB_TINY): dom0-tools/builder/testdata/tiny_guest.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GUEST   $@")
	$(Q)$(CC) $(KB_TINY_FLAGS) -o $@ $<

$(BUILD)/obj/tests/unit/builder_real.o: $(KB_TINY)
$(BUILD)/obj/tests/unit/builder_real.o: CFLAGS += -DKB_TINY_ELF='"$(KB_TINY)"'
