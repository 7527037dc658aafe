# pv-drivers/back: ketch-blkback, one control-domain process per PV disk.
# Both backends are built on the skeleton in pv-drivers/common (process
# and xenstore halves, BACKEND_SRCS).
BACKEND_SRCS := pv-drivers/common/backend_main.c pv-drivers/common/backend_xenbus.c
BLKBACK_SRCS := $(addprefix pv-drivers/back/,blkback_main.c blkback_io.c blkback_disk.c \
		  blkback_nbd.c blkback_connect.c blkback_indirect.c blkback_odirect.c \
		  blkback_xenbus.c) \
		$(BACKEND_SRCS)
BLKBACK      := $(BUILD)/bin/ketch-blkback
BINS         += $(BLKBACK)

$(BLKBACK): $(BLKBACK_SRCS:%.c=$(BUILD)/obj/%.o) $(PV_LIB) $(BUILD)/lib/libketchgnt.a \
	    $(BUILD)/lib/libketchctl.a $(KCF_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -luring -lnbd -lxenstore $(KCF_LDLIBS)

# Test builds of both backends with libconfine's $KETCH_CONFINE_SELFTEST
# probes (forbidden calls tried once confined); never installed.
BINS += $(BUILD)/tests/bin/ketch-blkback-selftest $(BUILD)/tests/bin/ketch-netback-selftest

$(BUILD)/tests/bin/ketch-blkback-selftest: $(BLKBACK_SRCS:%.c=$(BUILD)/obj/%.o) $(KCF_SELFTEST_OBJ) \
	    $(PV_LIB) $(BUILD)/lib/libketchgnt.a $(BUILD)/lib/libketchctl.a $(KCF_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -luring -lnbd -lxenstore $(KCF_LDLIBS)

# ketch-netback, one control-domain process per vif: a TAP device set up
# through libnl-route, the netif rings through libketchgnt.
NETBACK_SRCS := $(addprefix pv-drivers/back/,netback_main.c netback_xenbus.c netback_tap.c \
		  netback_tx.c netback_rx.c netback_csum.c netback_credit.c) $(BACKEND_SRCS)
NETBACK      := $(BUILD)/bin/ketch-netback
NL_CFLAGS    := $(shell pkg-config --cflags libnl-route-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NL_LIBS      := $(shell pkg-config --libs libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3)
BINS         += $(NETBACK)

$(BUILD)/obj/pv-drivers/back/netback_tap.o: CFLAGS += $(NL_CFLAGS)

$(NETBACK): $(NETBACK_SRCS:%.c=$(BUILD)/obj/%.o) $(PV_LIB) $(BUILD)/lib/libketchgnt.a \
	    $(BUILD)/lib/libketchctl.a $(KCF_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lxenstore $(NL_LIBS) $(KCF_LDLIBS)

$(BUILD)/tests/bin/ketch-netback-selftest: $(NETBACK_SRCS:%.c=$(BUILD)/obj/%.o) $(KCF_SELFTEST_OBJ) \
	    $(PV_LIB) $(BUILD)/lib/libketchgnt.a $(BUILD)/lib/libketchctl.a $(KCF_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lxenstore $(NL_LIBS) $(KCF_LDLIBS)

# netback's data path against a fake guest (tests/unit/pv_netback_data.c).
NETBACK_UNIT := $(BUILD)/tests/unit/pv_netback_data
UNIT_TESTS   += $(NETBACK_UNIT)

$(NETBACK_UNIT): $(BUILD)/obj/tests/unit/pv_netback_data.o \
		 $(addprefix $(BUILD)/obj/pv-drivers/back/,netback_tx.o netback_rx.o netback_csum.o netback_credit.o) \
		 $(PV_LIB) $(BUILD)/lib/libketchgnt.a $(BUILD)/lib/libketchctl.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# blkback's NBD layer against a real qemu-storage-daemon (tests/unit/pv_blkback_nbd.c).
BLKBACK_NBD_UNIT := $(BUILD)/tests/unit/pv_blkback_nbd
UNIT_TESTS       += $(BLKBACK_NBD_UNIT)

$(BLKBACK_NBD_UNIT): $(BUILD)/obj/tests/unit/pv_blkback_nbd.o $(BUILD)/obj/pv-drivers/back/blkback_nbd.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lnbd $(CHECK_LIBS)

# the tx rate limit on a clock the test moves (tests/unit/pv_netback_credit.c).
CREDIT_UNIT := $(BUILD)/tests/unit/pv_netback_credit
UNIT_TESTS  += $(CREDIT_UNIT)

$(CREDIT_UNIT): $(BUILD)/obj/tests/unit/pv_netback_credit.o $(BUILD)/obj/pv-drivers/back/netback_credit.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# netfront's frame path against netback's (tests/unit/pv_net_loop.c).
NET_LOOP_UNIT := $(BUILD)/tests/unit/pv_net_loop
UNIT_TESTS    += $(NET_LOOP_UNIT)

$(BUILD)/obj/tests/unit/pv_net_loop_front.o: CFLAGS += -Iguest/include

$(BUILD)/obj/pv-drivers/front/%.host.o: pv-drivers/front/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (host)")
	$(Q)$(CC) $(CFLAGS) -Iguest/include -c -o $@ $<

$(NET_LOOP_UNIT): $(BUILD)/obj/tests/unit/pv_net_loop.o $(BUILD)/obj/tests/unit/pv_net_loop_front.o \
		  $(BUILD)/obj/pv-drivers/front/netfront_io.host.o \
		  $(BUILD)/obj/pv-drivers/front/netfront_state.host.o \
		  $(addprefix $(BUILD)/obj/pv-drivers/back/,netback_tx.o netback_rx.o netback_csum.o netback_credit.o) \
		  $(PV_LIB) $(BUILD)/lib/libketchgnt.a $(BUILD)/lib/libketchctl.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)
