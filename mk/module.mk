# make module: build/ngx_http_iam_module.so, a dynamic module for Debian's
# nginx, built the way nginx builds its own: ./configure with the flags
# Debian used (nginx-dev's conf_flags, --with-compat) and the module's
# config, then the "modules" target of nginx's generated Makefile.
#
# nginx-dev's source tree is copied once into build/nginx-src, so nothing is
# ever written under /usr/share; configure runs again only when config or
# the list of sources changes, and nginx's Makefile rebuilds what changed.

NGX_BUILD_SRC  := $(BUILD)/nginx-src
NGX_BUILD_OBJS := $(abspath $(BUILD)/nginx)
NGX_MODULE_SO  := $(BUILD)/ngx_http_iam_module.so

# configure bakes the list of sources into its Makefile
NGX_IAM_SRCS := $(sort $(wildcard ngx_iam_module/*.c ngx_iam_module/*.h \
                                  engine/src/*.c engine/src/*.h \
                                  engine/include/iam/*.h))
NGX_IAM_LIST := $(BUILD)/nginx-srcs.list

$(shell mkdir -p $(BUILD); \
        echo '$(NGX_IAM_SRCS)' | cmp -s - $(NGX_IAM_LIST) \
        || echo '$(NGX_IAM_SRCS)' > $(NGX_IAM_LIST))

.PHONY: nginx-module-make

module: $(NGX_MODULE_SO)

$(NGX_BUILD_SRC)/configure: $(NGX_SRC)/configure
	rm -rf $(NGX_BUILD_SRC)
	@mkdir -p $(BUILD)
	cp -R $(NGX_SRC) $(NGX_BUILD_SRC)
	touch $@

$(NGX_BUILD_OBJS)/Makefile: $(NGX_BUILD_SRC)/configure config $(NGX_IAM_LIST)
	cd $(NGX_BUILD_SRC) \
	&& . ./conf_flags \
	&& ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --add-dynamic-module=$(abspath .) \
	    --builddir=$(NGX_BUILD_OBJS)
	touch $@

# nginx's own Makefile knows what to rebuild: always ask it
nginx-module-make: $(NGX_BUILD_OBJS)/Makefile
	$(MAKE) -C $(NGX_BUILD_SRC) -f $(NGX_BUILD_OBJS)/Makefile modules

$(NGX_MODULE_SO): nginx-module-make
	@cmp -s $(NGX_BUILD_OBJS)/ngx_http_iam_module.so $@ \
	|| cp $(NGX_BUILD_OBJS)/ngx_http_iam_module.so $@
