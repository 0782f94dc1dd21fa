# SPDX-License-Identifier: GPL-2.0
#
# vvmp: out-of-tree build of dm-vvmp.ko, userspace and tests; the test guest.
#
#   make [all]              module for KVER, userspace (vvmp/, tools/), tests
#   make module [KVER=...]  dm-vvmp.ko for one kernel -> build/<kver>/dm-vvmp.ko
#   make modules-all        the module for every installed 6.1/6.12 kernel
#   make install [KVER=...] module into /lib/modules/<kver>/updates (+ depmod),
#                           sources + dkms.conf into /usr/src/dm-vvmp-<version>,
#                           registered with dkms (rebuilt on kernel upgrades)
#   make uninstall          undo make install for KVER
#   make check [KVERS=...]  setup-host, build, host unit tests, then the guest
#                           suite on each kernel (default: newest 6.1 and 6.12);
#                           ends with "N passed, N failed" (host and guests)
#   make demo               the administrator's demo (tools/demo.sh) on 6.1
#   make bench              fio: vvmp against dm-linear/stripe/raid1, control-path
#                           ops/s and I/O p99 during a map swap storm (6.1)
#   make clean              everything, build/ included
#
# Variables: KVER (a full kernel version, or a series: 6.1, 6.12), KDIR (the
# kernel build tree; overrides KVER's headers), KVERS (kernels for check),
# W (kbuild warning level, default 1).
#
# Each kernel's module is built in its own directory build/<kver>/ (Kbuild
# and include/ are symlinks, drivers/ a tree of symlinks to the sources), so
# builds for several kernels never overwrite each other's objects.

SHELL := /bin/bash
TOP := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
GUEST := $(TOP)/tests/guest

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}/\1/p' $(TOP)/dkms.conf)
W ?= 1

# Default kernel: the running one if its build tree exists, else the newest
# installed headers. KDIR given alone determines KVER.
ifeq ($(origin KVER),undefined)
  ifneq ($(KDIR),)
    KVER := $(shell make -s -C $(KDIR) kernelrelease 2>/dev/null)
  else ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
    KVER := $(shell uname -r)
  else
    KVER := $(patsubst /usr/src/linux-headers-%,%,$(lastword $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
  endif
else ifneq ($(filter-out %-%,$(KVER)),)
  # a series (6.1, 6.12): its newest installed kernel
  override KVER := $(shell $(GUEST)/kvers $(KVER))
endif
kdir_of = $(if $(KDIR),$(KDIR),$(firstword $(wildcard /lib/modules/$(1)/build/Makefile /usr/src/linux-headers-$(1)/Makefile)))

# Kernels for check (and modules-all): full versions or series.
KVERS ?= 6.1 6.12
CHECK_KVERS = $(shell $(GUEST)/kvers $(KVERS))
ALL_KVERS = $(shell $(GUEST)/kvers --all)
KVER61 = $(shell $(GUEST)/kvers 6.1)

USER_DIRS := $(patsubst %/Makefile,%,$(wildcard vvmp/Makefile tools/Makefile))
TEST_DIRS := $(patsubst %/Makefile,%,$(wildcard tests/dm-vvmp/Makefile tests/bench/Makefile))
SUBDIRS := $(USER_DIRS) $(TEST_DIRS)
MODULE_SRC := Kbuild drivers include

.PHONY: all module modules-all userspace tests install uninstall check check-guest \
	check-host demo bench clean setup-host help FORCE

all: module userspace tests

help:
	@sed -n '3,/^$$/{s/^# \{0,1\}//;p}' $(firstword $(MAKEFILE_LIST))

# ---- the kernel module --------------------------------------------------

module: build/$(KVER)/dm-vvmp.ko

modules-all:
	@set -e; for k in $(ALL_KVERS); do $(MAKE) --no-print-directory module KVER=$$k; done

# build/<kver>/dm-vvmp.ko: kbuild tracks its own dependencies, so always ask it.
build/%/dm-vvmp.ko: FORCE
	@test -f Kbuild || { echo "make: no Kbuild in $(TOP): the module is not in this tree yet" >&2; exit 1; }
	@kdir='$(call kdir_of,$*)'; kdir=$${kdir%/Makefile}; \
	test -n "$$kdir" || { echo "make: no kernel headers for $*: install linux-headers-$* (tests/guest/setup-host)" >&2; exit 1; }; \
	set -e; b=build/$*; mkdir -p $$b; \
	ln -sfn ../../Kbuild $$b/Kbuild; ln -sfn ../../include $$b/include; \
	mkdir -p $$b/drivers; cp -rsf $(TOP)/drivers/. $$b/drivers/; \
	find $$b/drivers -xtype l -delete; \
	echo "  MODULE  $$b/dm-vvmp.ko ($$kdir)"; \
	$(MAKE) --no-print-directory -C $$kdir M=$(TOP)/$$b modules W=$(W)

# ---- userspace and tests -----------------------------------------------

userspace:
	@set -e; for d in $(USER_DIRS); do $(MAKE) -C $$d; done

tests: userspace
	@set -e; for d in $(TEST_DIRS); do $(MAKE) -C $$d; done

# ---- install -------------------------------------------------------------

DKMS_SRC = $(DESTDIR)/usr/src/dm-vvmp-$(VERSION)

install: module
	install -D -m 644 build/$(KVER)/dm-vvmp.ko $(DESTDIR)/lib/modules/$(KVER)/updates/dm-vvmp.ko
	$(if $(DESTDIR),,depmod -a $(KVER))
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -a Kbuild drivers include dkms.conf $(DKMS_SRC)/
	@# Registered with dkms, the module is rebuilt for every new kernel.
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null; then \
		dkms status -m dm-vvmp -v $(VERSION) | grep -q . || \
			dkms add -m dm-vvmp -v $(VERSION); \
		echo "dm-vvmp $(VERSION) registered with dkms: rebuilt on kernel upgrades"; \
	else \
		echo "dkms not installed: run 'dkms add -m dm-vvmp -v $(VERSION)' to rebuild on kernel upgrades"; \
	fi
	@echo "installed dm-vvmp $(VERSION) for $(KVER)"

uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null && \
	    dkms status -m dm-vvmp -v $(VERSION) | grep -q .; then \
		dkms remove -m dm-vvmp -v $(VERSION) --all; \
	fi
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/dm-vvmp.ko
	$(if $(DESTDIR),,depmod -a $(KVER))
	rm -rf $(DKMS_SRC)

# ---- tests ---------------------------------------------------------------

setup-host:
	@$(GUEST)/setup-host

# A test program that does not build is reported by the suite in the guest
# (as a failed test), so the count stays meaningful; a module that does not
# build stops the check.
check: setup-host
	@$(MAKE) --no-print-directory userspace
	@$(MAKE) --no-print-directory tests || \
		echo "check: building the test programs failed; the guest suite reports what is missing"
	@set -e; for k in $(CHECK_KVERS); do $(MAKE) --no-print-directory module KVER=$$k; done
	@mkdir -p build/check
	@set -o pipefail; $(MAKE) --no-print-directory check-host 2>&1 | tee build/check/host.log
	@VVMP_CHECK_HOST_LOG=build/check/host.log $(GUEST)/check $(CHECK_KVERS)

# Host unit tests: tests/host/ with a Makefile (target check) or run_tests.sh.
check-host:
	@if [ -f tests/host/Makefile ]; then $(MAKE) -C tests/host check; \
	elif [ -x tests/host/run_tests.sh ]; then tests/host/run_tests.sh; \
	else echo "check: no host unit tests (tests/host/) in this tree"; fi

check-guest:
	@$(GUEST)/check $(CHECK_KVERS)

demo: setup-host
	@$(MAKE) --no-print-directory userspace
	@$(MAKE) --no-print-directory module KVER=$(KVER61)
	@$(GUEST)/run --kver $(KVER61) --timeout 600 --log build/guest/demo.console.log -- tools/demo.sh

# A module that fails to build leaves the vvmp rows out (a stale .ko from
# an earlier build is not measured).
bench: setup-host
	@mkdir -p build/bench
	@$(MAKE) --no-print-directory userspace
	@$(MAKE) --no-print-directory -C tests/bench ctl_ops || \
		echo "bench: tests/bench/ctl_ops did not build: the control-path groups will fail" 
	@if $(MAKE) --no-print-directory module KVER=$(KVER61); then vvmp=1; else \
		echo "bench: dm-vvmp.ko for $(KVER61) did not build: measuring the in-tree targets only"; vvmp=0; fi; \
	VVMP_BENCH_VVMP=$$vvmp VVMP_BENCH_REV="$$(git describe --always --dirty 2>/dev/null || echo unknown)" \
	$(GUEST)/run --kver $(KVER61) --timeout 1800 --log build/bench/console.log -- tests/bench/run-in-guest

# ---- clean ---------------------------------------------------------------

clean:
	@for d in $(SUBDIRS); do $(MAKE) -C $$d clean || true; done
	@if [ -f tests/host/Makefile ]; then $(MAKE) -C tests/host clean || true; fi
	rm -rf build
	rm -f *.ko *.o *.mod *.mod.c .*.cmd Module.symvers modules.order
	rm -f drivers/*.o drivers/.*.cmd drivers/*.mod* drivers/*.ko
	rm -rf .tmp_versions

FORCE:
