# guest build fragment (see the top-level Makefile for the lists it appends to).
#
# The freestanding guest kit, $(BUILD)/lib/libketchguest.a, and the test
# guests in tests/guests/, each linked into $(BUILD)/guests/<name>.  Guest
# objects use their own flags and pattern rules under $(BUILD)/guest-obj/,
# never the host rule.  Other directories building guests may reuse
# GK_CFLAGS, GK_LDFLAGS, GK_LIB and the $(BUILD)/guest-obj/%.o rules.

GK_CFLAGS  := -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	      -fno-stack-protector -fno-builtin -nostdlib -O2 -g -std=c11 \
	      $(WARN) -mcmodel=small -fno-asynchronous-unwind-tables \
	      -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
	      -MMD -MP -Iguest/include -Iinclude
GK_ASFLAGS := $(GK_CFLAGS) -D__ASSEMBLY__
GK_LDFLAGS := -static -no-pie -nostdlib -T guest/guest.lds \
	      -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none

GK_LIB  := $(BUILD)/lib/libketchguest.a
GK_SRCS := guest/entry.S guest/notes.S guest/start.c guest/startinfo.c \
	   guest/console.c guest/printk.c guest/vsnprintf.c guest/string.c \
	   guest/sched.c guest/mm.c guest/frames.c guest/heap.c guest/time.c \
	   guest/timer.c guest/smp.c guest/events.c guest/events_dispatch.c \
	   guest/upcall.S guest/multicall.c guest/xenbus.c guest/xenbus_ops.c \
	   guest/xenbus_state.c guest/gnttab.c guest/balloon.c guest/suspend.c \
	   guest/net.c guest/net_arp.c guest/net_ip.c guest/net_udp.c \
	   guest/net_tcp.c guest/net_tcp_in.c guest/net_tcp_out.c
GK_OBJS := $(patsubst %,$(BUILD)/guest-obj/%.o,$(basename $(GK_SRCS)))

GK_TEST_NAMES  := hello crash enosys efault mm bench_hcall ticker \
		  evtchn_local timer upcall_spin smp pingpong hcfuzz \
		  gnttest gnt_bad gnt_share gnt_bench balloon xsguest hcstorm vcpuinfo conflood \
		  hcsyscall usermode
GK_TEST_GUESTS := $(patsubst %,$(BUILD)/guests/%,$(GK_TEST_NAMES))

LIBS   += $(GK_LIB)
GUESTS += $(GK_TEST_GUESTS)

$(BUILD)/guest-obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GCC     $<")
	$(Q)$(CC) $(GK_CFLAGS) -c -o $@ $<

$(BUILD)/guest-obj/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GAS     $<")
	$(Q)$(CC) $(GK_ASFLAGS) -c -o $@ $<

$(GK_LIB): $(GK_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(GK_TEST_GUESTS): $(BUILD)/guests/%: $(BUILD)/guest-obj/tests/guests/%.o \
		   $(GK_LIB) guest/guest.lds
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GLD     $@")
	$(Q)$(CC) $(GK_LDFLAGS) -o $@ $< $(GK_LIB) -lgcc

# Host unit test of the kit's formatter: guest/vsnprintf.c built with the
# host flags, its symbols renamed so they do not clash with the C library.
GK_UNIT_FMT := $(BUILD)/tests/unit/guest_format
UNIT_TESTS  += $(GK_UNIT_FMT)

$(BUILD)/obj/guest-host/vsnprintf.o: guest/vsnprintf.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (host)")
	$(Q)$(CC) $(CFLAGS) -Iguest/include -Dvsnprintf=gk_vsnprintf \
		-Dsnprintf=gk_snprintf -c -o $@ $<

$(GK_UNIT_FMT): $(BUILD)/obj/tests/unit/guest_format.o \
		$(BUILD)/obj/guest-host/vsnprintf.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# Host unit test of the kit's event scan: guest/events.c and
# guest/events_dispatch.c built with the host flags against a fake
# shared_info (tests/unit/guest_events.c stubs what they reference).
GK_UNIT_EV := $(BUILD)/tests/unit/guest_events
UNIT_TESTS += $(GK_UNIT_EV)

$(BUILD)/obj/guest-host/%.o: guest/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (host)")
	$(Q)$(CC) $(CFLAGS) -Iguest/include -c -o $@ $<

$(BUILD)/obj/tests/unit/guest_events.o: CFLAGS += -Iguest/include

$(GK_UNIT_EV): $(BUILD)/obj/tests/unit/guest_events.o \
	       $(BUILD)/obj/guest-host/events.o \
	       $(BUILD)/obj/guest-host/events_dispatch.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# Host unit tests of the kit's IPv4 stack: guest/net*.c built with the
# host flags against a fake link (tests/unit/guest_net.c) and, for TCP,
# a fake peer and clock (tests/unit/guest_net_tcp.c).
GK_NET_SRCS  := guest/net.c guest/net_arp.c guest/net_ip.c guest/net_udp.c \
		guest/net_tcp.c guest/net_tcp_in.c guest/net_tcp_out.c
GK_UNIT_NET  := $(BUILD)/tests/unit/guest_net $(BUILD)/tests/unit/guest_net_tcp
UNIT_TESTS   += $(GK_UNIT_NET)

$(BUILD)/obj/tests/unit/guest_net.o $(BUILD)/obj/tests/unit/guest_net_tcp.o: \
	CFLAGS += -Iguest/include

$(GK_UNIT_NET): $(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o \
		$(patsubst guest/%.c,$(BUILD)/obj/guest-host/%.o,$(GK_NET_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)
