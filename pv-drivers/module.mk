# pv-drivers/: split-driver code.  common/ holds ring logic written once and
# used by every backend (libketchpv.a) and, for the block ring, by the
# guest-side frontend too (compiled again with the guest kit's flags).
PV_SRCS := pv-drivers/common/cons_ring.c pv-drivers/common/blkif_ring.c pv-drivers/common/blkif_nego.c \
	   pv-drivers/common/netif_ring.c
PV_LIB  := $(BUILD)/lib/libketchpv.a
LIBS    += $(PV_LIB)
UNIT_TESTS += $(BUILD)/tests/unit/pv_cons_ring $(BUILD)/tests/unit/pv_blkif_ring \
	      $(BUILD)/tests/unit/pv_blkif_nego \
	      $(BUILD)/tests/unit/pv_netif_ring

$(PV_LIB): $(patsubst %.c,$(BUILD)/obj/%.o,$(PV_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/unit/pv_cons_ring $(BUILD)/tests/unit/pv_blkif_ring $(BUILD)/tests/unit/pv_blkif_nego \
		$(BUILD)/tests/unit/pv_netif_ring: \
		$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(PV_LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)
include pv-drivers/back/module.mk

# pv-drivers/front: blkfront for guests on the guest kit, with the block
# ring compiled again with the kit's flags (libketchfront.a), and the
# disk-checker and hostile-frontend test guests linked with it; netfront
# and the network ring likewise, with the netecho guest.
PVF_SRCS  := pv-drivers/front/front_xenbus.c \
	     pv-drivers/front/blkfront.c pv-drivers/front/blkfront_io.c pv-drivers/front/blkfront_aio.c \
	     pv-drivers/front/blkfront_ring.c \
	     pv-drivers/common/blkif_ring.c pv-drivers/common/blkif_nego.c \
	     pv-drivers/front/netfront.c pv-drivers/front/netfront_io.c \
	     pv-drivers/front/netfront_state.c pv-drivers/front/netfront_follow.c \
	     pv-drivers/common/netif_ring.c
PVF_LIB   := $(BUILD)/lib/libketchfront.a
PVF_GUEST := $(BUILD)/guests/diskcheck $(BUILD)/guests/diskbench $(BUILD)/guests/blkhostile \
	     $(BUILD)/guests/netecho \
	     $(BUILD)/guests/tcpecho $(BUILD)/guests/httpd
LIBS      += $(PVF_LIB)
GUESTS    += $(PVF_GUEST)

$(PVF_LIB): $(patsubst %.c,$(BUILD)/guest-obj/%.o,$(PVF_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(PVF_GUEST): $(BUILD)/guests/%: $(BUILD)/guest-obj/tests/guests/%.o $(PVF_LIB) $(GK_LIB) \
	      guest/guest.lds
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GLD     $@")
	$(Q)$(CC) $(GK_LDFLAGS) -o $@ $< $(PVF_LIB) $(GK_LIB) -lgcc
