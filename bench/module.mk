# bench/: `make bench`.  hv_bench measures ketch-hv in-process and the bare
# KVM floors beside it; bench/NN-*.sh scripts print each figure next to its
# floor (bench/run-all.sh runs them in order).

HVB_SRCS := bench/hv_bench.c bench/hv_boot.c bench/kvm_floor.c bench/kvm_bare.c \
	    bench/kvm_floor_notify.c
HVB_BIN  := $(BUILD)/bench/hv_bench
BENCHES  += $(HVB_BIN)

$(HVB_BIN): $(patsubst %.c,$(BUILD)/obj/%.o,$(HVB_SRCS)) $(BUILD)/lib/libketchhv.a $(BUILD)/lib/libketchbuild.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# Grant tables: libketchgnt on a fake guest (bench/30-grants.sh also runs
# the gnt_bench guest for the hypervisor's grant copy and map+unmap).
GNTB_BIN := $(BUILD)/bench/gnt_bench
BENCHES  += $(GNTB_BIN)

$(GNTB_BIN): $(BUILD)/obj/bench/gnt_bench.o $(BUILD)/lib/libketchgnt.a $(BUILD)/lib/libketchctl.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

# The host's io_uring figures on the diskbench guest's image
# (bench/50-block.sh).
BLKF_BIN := $(BUILD)/bench/blk_floor
BENCHES  += $(BLKF_BIN)

$(BLKF_BIN): $(BUILD)/obj/bench/blk_floor.o
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -luring
