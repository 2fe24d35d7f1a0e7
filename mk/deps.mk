# make deps: everything from Debian packages, test clients from npm's lockfile.

DEBIAN_PACKAGES := build-essential clang llvm libclang-rt-14-dev valgrind \
    perl curl ca-certificates nginx nginx-dev libpcre2-dev zlib1g-dev \
    libssl-dev libjansson-dev libjsmn-dev wrk awscli python3-botocore \
    openssl jq libfaketime s3cmd rclone libz3-dev apache2 apache2-dev

# Node.js from Debian only where none is installed: an image's own Node.js
# bundles npm and conflicts with Debian's packages.
NODE_PACKAGES := $(if $(shell command -v node),,nodejs) \
                 $(if $(shell command -v npm),,npm)

deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	missing=$$(for p in $(DEBIAN_PACKAGES) $(NODE_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	    | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    $$SUDO apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
	        --no-install-recommends $$missing; \
	fi
	@if [ -f t/package-lock.json ]; then \
	    cd t && npm ci --no-audit --no-fund --loglevel=error; fi
