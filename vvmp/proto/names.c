// SPDX-License-Identifier: GPL-2.0
/* Names of opcodes, statuses and codec errors, for logs and tools. */
#include <vvmp/proto.h>

const char *vvmp_opcode_str(unsigned int op)
{
	switch (op) {
	case VVMP_OP_QUERY:		return "QUERY";
	case VVMP_OP_ALLOCATE:		return "ALLOCATE";
	case VVMP_OP_INITIALIZE:	return "INITIALIZE";
	case VVMP_OP_FREE:		return "FREE";
	case VVMP_OP_CHANGE_PARAMS:	return "CHANGE_PARAMS";
	case VVMP_OP_REGISTER:		return "REGISTER";
	case VVMP_OP_ADD_STORAGE:	return "ADD_STORAGE";
	case VVMP_OP_GIVE_BACK:		return "GIVE_BACK";
	case VVMP_OP_STATISTICS:	return "STATISTICS";
	case VVMP_OP_DOMAINS:		return "DOMAINS";
	case VVMP_OP_TEARDOWN:		return "TEARDOWN";
	case VVMP_OP_UNIT_UP:		return "UNIT_UP";
	case VVMP_OP_UNIT_DOWN:		return "UNIT_DOWN";
	case VVMP_OP_NEED_INFO:		return "NEED_INFO";
	case VVMP_OP_VOLUME_LIST:	return "VOLUME_LIST";
	case VVMP_OP_HEARTBEAT:		return "HEARTBEAT";
	case VVMP_OP_ASSIGN:		return "ASSIGN";
	}
	return "?";
}

const char *vvmp_status_str(unsigned int s)
{
	static const char *const names[] = {
		"OK", "BAD_FRAME", "BAD_CHECKSUM", "UNKNOWN_OPCODE", "BAD_PAYLOAD",
		"AUTH_FAILED", "OUT_OF_DOMAIN", "NO_SESSION", "NO_SPACE",
		"NOT_FOUND", "DENIED", "TIMEOUT", "FORWARD_FAILED", "INTERNAL",
		"UNSUPPORTED_TYPE", "REPLAYED",
	};

	return s <= VVMP_S_MAX ? names[s] : "?";
}

const char *vvmp_err_str(int err)
{
	switch (err) {
	case 0:			return "ok";
	case VVMP_E_SHORT:	return "frame truncated";
	case VVMP_E_MAGIC:	return "bad magic";
	case VVMP_E_VERSION:	return "unsupported version";
	case VVMP_E_FLAGS:	return "reserved flag set";
	case VVMP_E_LENGTH:	return "bad length";
	case VVMP_E_CHECKSUM:	return "checksum mismatch";
	case VVMP_E_OPCODE:	return "unknown opcode";
	case VVMP_E_SUBOP:	return "unknown sub-opcode";
	case VVMP_E_PAYLOAD:	return "malformed payload";
	case VVMP_E_AUTH:	return "authentication failed";
	case VVMP_E_NOSPACE:	return "output buffer too small";
	case VVMP_E_STATUS:	return "bad status field";
	case VVMP_E_REPLAY:	return "replayed or stale frame";
	}
	return "unknown error";
}

uint16_t vvmp_err_status(int err)
{
	switch (err) {
	case 0:			return VVMP_S_OK;
	case VVMP_E_CHECKSUM:	return VVMP_S_BAD_CHECKSUM;
	case VVMP_E_OPCODE:
	case VVMP_E_SUBOP:	return VVMP_S_UNKNOWN_OPCODE;
	case VVMP_E_PAYLOAD:	return VVMP_S_BAD_PAYLOAD;
	case VVMP_E_AUTH:	return VVMP_S_AUTH_FAILED;
	case VVMP_E_REPLAY:	return VVMP_S_REPLAYED;
	case VVMP_E_NOSPACE:	return VVMP_S_INTERNAL;
	}
	return VVMP_S_BAD_FRAME;
}
