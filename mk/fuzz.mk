# make fuzz: the libFuzzer targets of engine/fuzz/, built with Debian's
# clang under ASan+UBSan, each run for FUZZ_SECONDS (default 60) on a
# corpus seeded from the test suites.  Any crash, leak, timeout or broken
# invariant fails the run and leaves the input in build/fuzz/artifacts/.
#
#   make fuzz                          every target, 60 s each
#   make fuzz FUZZ_TARGETS=sigv4 FUZZ_SECONDS=600     (or FUZZ=sigv4)
#
# A new target (JWT, STS tokens, aws-chunked as they land): write
# engine/fuzz/fuzz_NAME.c (LLVMFuzzerTestOneInput, fuzz_common.h has an
# HTTP request reader and a per-allocation allocator), put seeds in
# engine/fuzz/seeds/NAME/ or have seeds.sh derive them from the unit
# tests, and add NAME to FUZZ_TARGETS.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# FUZZ=jwt, as the first fuzz target was run, still picks one target
FUZZ_TARGETS ?= $(if $(FUZZ),$(FUZZ),policy account sigv4 s3 jwt)
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer \
                -fno-sanitize-recover=all $(WARN) -Iengine/include
FUZZ_OBJ     := $(ENGINE_SRC:engine/src/%.c=$(FUZZ_DIR)/engine/%.o)
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-seeds

$(FUZZ_DIR)/engine/%.o: engine/src/%.c $(ENGINE_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	    -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: engine/fuzz/fuzz_%.c engine/fuzz/fuzz_common.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(FUZZ_OBJ) $(LIBS)

fuzz-build: $(FUZZ_BIN)

# seeds: the unit tests' policies, accounts, simulation cases and S3
# mapping cases, AWS's SigV4 suites, and engine/fuzz/seeds/
fuzz-seeds: $(BUILD)/san/tests/test_s3_map
	IAM_TESTDATA=$(abspath ../shared/testdata) \
	    engine/fuzz/seeds.sh $(FUZZ_DIR)/seeds $(BUILD)/san/tests/test_s3_map

fuzz: fuzz-build fuzz-seeds
	engine/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
