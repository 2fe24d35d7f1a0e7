# Fault injection (engine/include/iam/iam_fault.h): the engine built again
# with -DIAM_FAULT_INJECT under ASan+UBSan, and engine/tests/fault_test.c,
# which makes every allocation fail in turn.  Run by make unit-test.

FAULT_OBJ  := $(ENGINE_SRC:engine/src/%.c=$(BUILD)/fault/engine/%.o)
FAULT_TEST := $(BUILD)/fault/fault_test

$(BUILD)/fault/engine/%.o: engine/src/%.c $(ENGINE_HDR)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(SAN_FLAGS) -DIAM_FAULT_INJECT=1 $(WARN) \
	    -Iengine/include -c -o $@ $<

$(FAULT_TEST): engine/tests/fault_test.c engine/tests/tap.h \
               engine/fuzz/fuzz_common.h $(FAULT_OBJ)
	$(CC) -std=gnu11 $(SAN_FLAGS) -DIAM_FAULT_INJECT=1 $(WARN) \
	    -Iengine/include -Iengine/tests -o $@ $< $(FAULT_OBJ) $(LIBS)
