# Ketch top-level build.  Each directory contributes a module.mk fragment that
# appends to the lists below; this file owns flags, dependency install and the
# test/bench/demo entry points.  `make V=1` shows full command lines.

BUILD    ?= build
CC       ?= gcc
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)

WARN     := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes
CFLAGS   := -std=c11 -O2 -g $(WARN) -D_GNU_SOURCE -MMD -MP -Iinclude -pthread \
            -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__
LDFLAGS  := -pthread
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt)

# Lists the fragments append to.
BINS        :=   # host programs, built into $(BUILD)/bin
LIBS        :=   # static libraries, built into $(BUILD)/lib
UNIT_TESTS  :=   # Check test binaries, run by `make test`
INTEG_TESTS :=   # integration test scripts (tests/integration/*.sh), run in order
GUESTS      :=   # guest ELF images, built into $(BUILD)/guests
BENCHES     :=   # bench programs/scripts, run by `make bench`
FUZZERS     :=   # libFuzzer targets
FUZZ_TARGETS :=  # rules run by `make fuzz`

.PHONY: all deps build test test-asan unit integration bench demo fuzz clean format
all: build

include guest/module.mk
include hypervisor/module.mk
include dom0-tools/module.mk
include xenstore-lite/module.mk
include pv-drivers/module.mk
include tests/module.mk
include bench/module.mk

build: $(BINS) $(GUESTS) $(UNIT_TESTS) $(BENCHES)

deps:
	$(Q)scripts/install-deps.sh

# Host objects: $(BUILD)/obj/<path>.o from <path>.c
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

test: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)BUILD=$(BUILD) tests/run-all.sh

test-asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan SANITIZE=1 build
	$(Q)BUILD=build-asan SANITIZE=1 tests/run-all.sh

unit: build
	$(Q)BUILD=$(BUILD) tests/run-all.sh unit

integration: build
	$(Q)BUILD=$(BUILD) tests/run-all.sh integration

bench: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)BUILD=$(BUILD) bench/run-all.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)BUILD=$(BUILD) scripts/demo.sh

fuzz: $(FUZZ_TARGETS)

clean:
	rm -rf build build-asan build-fuzz

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
