# SPDX-License-Identifier: GPL-2.0
#
# Shared flags for every userspace directory (vvmp/*, tools/*, tests/host/*).
# Include it after setting TOP to the repository root:
#   TOP := $(abspath ../..)
#   include $(TOP)/mk/userspace.mk
#
# Host unit tests add $(SANITIZE) to CFLAGS and LDFLAGS.

CC ?= gcc
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-I$(TOP)/include -I$(TOP)/include/uapi -I$(TOP)/vvmp
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
SQLITE_CFLAGS := $(shell pkg-config --cflags sqlite3 2>/dev/null)
SQLITE_LIBS := $(shell pkg-config --libs sqlite3 2>/dev/null)
