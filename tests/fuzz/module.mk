# libFuzzer targets (clang -fsanitize=fuzzer,address,undefined), built into
# $(BUILD)/fuzz from sources (not the gcc objects).  Each fuzzer NAME has its
# harness tests/fuzz/NAME.c and seeds tests/fuzz/NAME_corpus/; `make fuzz`
# runs each for FUZZ_SECONDS (tests/integration/49-fuzz.sh runs each briefly).
# The xenstore fuzzer's own rules are in xenstore-lite/module.mk.

FUZZ_SECONDS ?= 300
FUZZ_CC      := clang
# -Wstring-plus-int: clang's view of ctl_handlers.c's "#code + 8" name trick.
FUZZ_CFLAGS  := -std=c11 -O1 -g -Wall -Wextra -Werror -Wmissing-prototypes \
                -Wstrict-prototypes -Wno-string-plus-int \
                -D_GNU_SOURCE -Iinclude -Itests/fuzz -pthread \
                -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
                -DKETCH_VERSION='"fuzz"' \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

# Sources each fuzzer compiles beside its harness.
FZ_KB    := $(wildcard dom0-tools/builder/*.c)
FZ_KCTL  := $(addprefix dom0-tools/libketchctl/,kctl_wire.c names.c)
FZ_CFG   := $(addprefix dom0-tools/ketchd/,config_json.c validate.c config_xl.c config_disk.c \
              config_image.c image_probe.c \
              config_nic.c config_nic_xl.c)
FZ_KD_LIBS := $(shell pkg-config --libs json-c uuid xlutil xenlight 2>/dev/null || \
                echo -ljson-c -luuid -lxlutil -lxenlight)

FZ_SRC_ctl_fuzz_server := tests/fuzz/ctl_fake_hv.c $(FZ_KCTL) $(FZ_KB) \
	$(addprefix hypervisor/ctl/,ctl_handlers.c ctl_image.c ctl_vcpu.c ctl_evtchn.c \
	  ctl_gnttab.c ctl_events.c ctl_socket.c ctl_save.c ctl_mem.c) hypervisor/core/log.c \
	dom0-tools/libconfine/private_socket.c
FZ_INC_ctl_fuzz_server := -Ihypervisor
FZ_SRC_kctl_fuzz_recv  := $(FZ_KCTL) dom0-tools/libketchctl/ketchctl.c
FZ_SRC_kb_fuzz_elf     := $(FZ_KB)
FZ_SRC_kd_fuzz_config_json := $(FZ_CFG)
FZ_INC_kd_fuzz_config_json := -Idom0-tools/ketchd
FZ_LIB_kd_fuzz_config_json := $(FZ_KD_LIBS)
FZ_SRC_kd_fuzz_config_xl   := $(FZ_CFG)
FZ_INC_kd_fuzz_config_xl   := -Idom0-tools/ketchd
FZ_LIB_kd_fuzz_config_xl   := $(FZ_KD_LIBS)
FZ_SRC_kd_fuzz_api     := tests/fuzz/kd_fake.c tests/fuzz/kd_fake_vif.c $(FZ_CFG) \
	dom0-tools/libketchctl/names.c \
	$(addprefix dom0-tools/ketchd/,api.c api_query.c api_xenstore.c server.c api_block.c \
	  api_net.c api_device.c api_save.c api_migrate.c)
FZ_INC_kd_fuzz_api     := -Idom0-tools/ketchd
FZ_LIB_kd_fuzz_api     := $(FZ_KD_LIBS)

# Longest input each is given (-max_len); 16 KiB unless named here.  The
# API's covers a request line at its 64 KiB limit.
FZ_MAXLEN_kd_fuzz_api := 70000

FZ_SRC_kd_fuzz_image_probe := dom0-tools/ketchd/image_probe.c
FZ_INC_kd_fuzz_image_probe := -Idom0-tools/ketchd

FZ_SRC_pv_fuzz_netif_tx := pv-drivers/common/netif_ring.c
# blkback's consumer with the ring's taking and answering wrapped, so the
# harness sees each request taken and each response as it happens.
FZ_SRC_pv_fuzz_blkback := pv-drivers/back/blkback_io.c pv-drivers/back/blkback_indirect.c \
			  pv-drivers/common/blkif_ring.c
FZ_LIB_pv_fuzz_blkback := -Wl,--wrap=blkif_back_next -Wl,--wrap=blkif_back_respond

# The save stream's reader (`ketch restore` of an untrusted file).
FZ_SRC_ks_fuzz_stream := $(addprefix dom0-tools/libketchsave/,ks_read.c ks_decode.c)
FZ_INC_ks_fuzz_stream := -Idom0-tools/libketchsave
FZ_LIB_ks_fuzz_stream := -lz

FZ_NAMES := ctl_fuzz_server kctl_fuzz_recv kb_fuzz_elf kd_fuzz_config_json \
            kd_fuzz_config_xl kd_fuzz_api kd_fuzz_image_probe pv_fuzz_netif_tx pv_fuzz_blkback \
            ks_fuzz_stream
FZ_BINS  := $(FZ_NAMES:%=$(BUILD)/fuzz/%)
FUZZERS      += $(FZ_BINS)
FUZZ_TARGETS += $(FZ_NAMES:%=fuzz-%)
FZ_HDRS  := $(wildcard include/ketch/*.h hypervisor/*.h hypervisor/*/*.h dom0-tools/*/*.h tests/fuzz/*.h \
              pv-drivers/*/*.h)

.PHONY: fuzzers $(FZ_NAMES:%=fuzz-%)
fuzzers: $(FUZZERS)

# Each fuzzer is rebuilt when any source it compiles changes, not only its own.
.SECONDEXPANSION:
$(FZ_BINS): $(BUILD)/fuzz/%: tests/fuzz/%.c $(FZ_HDRS) $$(filter %.c,$$(FZ_SRC_$$*))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FZ_INC_$*) -o $@ $< $(FZ_SRC_$*) $(FZ_LIB_$*)

.SECONDEXPANSION:
$(FZ_BINS): $$(FZ_SRC_$$*)

$(FZ_NAMES:%=fuzz-%): fuzz-%: $(BUILD)/fuzz/%
	@mkdir -p $(BUILD)/fuzz/$*-corpus
	$(BUILD)/fuzz/$* -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
		-max_len=$(or $(FZ_MAXLEN_$*),16384) -artifact_prefix=$(BUILD)/fuzz/$*- \
		$(BUILD)/fuzz/$*-corpus tests/fuzz/$*_corpus
