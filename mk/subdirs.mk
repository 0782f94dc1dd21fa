# SPDX-License-Identifier: GPL-2.0
#
# A directory whose Makefile only lists SUBDIRS: every make target runs in
# each subdirectory that has a Makefile, in order; the first failure stops.

SUBDIRS := $(patsubst %/Makefile,%,$(wildcard $(addsuffix /Makefile,$(SUBDIRS))))

all check clean install:
	@set -e; for d in $(SUBDIRS); do $(MAKE) --no-print-directory -C $$d $@; done

.PHONY: all check clean install
