# make apache: build/mod_iam.so, the engine's authorization for Apache httpd
# 2.4, built against Debian's apache2-dev (apxs tells where httpd's and
# APR's headers are) when they are installed; skipped otherwise.  The engine
# is linked in from build/libiam.a (its objects are built with -fPIC) and
# its symbols are kept inside the module.

APXS        ?= $(shell command -v apxs 2>/dev/null)
APACHE_INC  := $(if $(APXS),$(shell $(APXS) -q INCLUDEDIR 2>/dev/null))
APR_INC     := $(if $(APXS),$(shell $(APXS) -q APR_INCLUDEDIR 2>/dev/null))

MOD_IAM_SO  := $(BUILD)/mod_iam.so
MOD_IAM_SRC := $(sort $(wildcard mod_iam/*.c))
MOD_IAM_OBJ := $(MOD_IAM_SRC:mod_iam/%.c=$(BUILD)/mod_iam/%.o)

.PHONY: apache

ifneq ($(wildcard $(APACHE_INC)/httpd.h),)

all: apache

apache: $(MOD_IAM_SO)

$(BUILD)/mod_iam/%.o: mod_iam/%.c mod_iam/mod_iam.h $(ENGINE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(APACHE_INC) -I$(APR_INC) \
	    $(shell $(APXS) -q EXTRA_CPPFLAGS 2>/dev/null) -c -o $@ $<

$(MOD_IAM_SO): $(MOD_IAM_OBJ) $(BUILD)/libiam.a
	$(CC) -shared -o $@ $(MOD_IAM_OBJ) $(BUILD)/libiam.a \
	    -Wl,--exclude-libs,ALL $(LIBS)

else

apache:
	@echo "httpd's headers are not installed (apache2-dev): run make deps"
	@false

endif
