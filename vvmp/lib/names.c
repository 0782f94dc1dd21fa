// SPDX-License-Identifier: LGPL-2.1
/*
 * libvaapi: the words for enum values, the same in vvmpctl (text and
 * JSON), Documentation/vvmpctl.8 and the events stream.
 */
#include <vvmp/vaapi.h>

#define NAME(table, v) \
	((unsigned int)(v) < sizeof(table) / sizeof((table)[0]) ? (table)[v] : NULL)

const char *vaapi_acl_name(enum vvmp_acl acl)
{
	static const char *const names[] = {
		[VVMP_ACL_NONE] = "none", [VVMP_ACL_RO] = "ro", [VVMP_ACL_RW] = "rw",
	};
	return NAME(names, acl);
}

const char *vaapi_status_name(enum vvmp_status status)
{
	static const char *const names[] = {
		[VVMP_STATUS_ENABLED] = "enabled",
		[VVMP_STATUS_DISABLED] = "disabled",
		[VVMP_STATUS_QUIESCED] = "quiesced",
	};
	return NAME(names, status);
}

const char *vaapi_layout_name(enum vvmp_map_layout layout)
{
	static const char *const names[] = {
		[VVMP_MAP_LINEAR] = VVMP_LAYOUT_LINEAR_NAME,
		[VVMP_MAP_STRIPED] = VVMP_LAYOUT_STRIPED_NAME,
	};
	return NAME(names, layout);
}

const char *vaapi_leg_state_name(enum vvmp_leg_state state)
{
	static const char *const names[] = {
		[VVMP_LEG_STATE_IN_SYNC] = "in-sync",
		[VVMP_LEG_STATE_OUT_OF_SYNC] = "out-of-sync",
		[VVMP_LEG_STATE_FAILED] = "failed",
	};
	return NAME(names, state);
}

const char *vaapi_event_name(enum vvmp_event event)
{
	static const char *const names[] = {
		[VVMP_EVENT_VD_EXISTS] = "vd-exists",
		[VVMP_EVENT_VD_CREATED] = "vd-created",
		[VVMP_EVENT_VD_DELETED] = "vd-deleted",
		[VVMP_EVENT_VD_MAP] = "vd-map",
		[VVMP_EVENT_LEG_STATE] = "leg-state",
		[VVMP_EVENT_POLICY] = "policy",
		[VVMP_EVENT_DEVICE_BOUND] = "device-bound",
		[VVMP_EVENT_DEVICE_UNBOUND] = "device-unbound",
		[VVMP_EVENT_PLAN_PARAMS] = "plan-params",
		[VVMP_EVENT_DIVERT] = "divert",
		[VVMP_EVENT_STATS_THRESHOLD] = "stats-threshold",
		[VVMP_EVENT_CLIENT_EXISTS] = "client-exists",
		[VVMP_EVENT_CLIENT_CREATED] = "client-created",
		[VVMP_EVENT_CLIENT_DELETED] = "client-deleted",
		[VVMP_EVENT_CLIENT_CHANGED] = "client-changed",
		[VVMP_EVENT_VD_ACTIVITY] = "vd-activity",
		[VVMP_EVENT_EXCEPTION] = "exception",
		[VVMP_EVENT_EXCEPTION_DONE] = "exception-done",
		[VVMP_EVENT_VD_PARAMS] = "vd-params",
	};
	return NAME(names, event);
}

const char *vaapi_policy_source_name(enum vvmp_policy_source s)
{
	static const char *const names[] = {
		[VVMP_POLICY_VD_DEFAULT] = "vd-default", [VVMP_POLICY_CLIENT] = "client",
	};
	return NAME(names, s);
}

const char *vaapi_plan_op_name(enum vvmp_plan_op op)
{
	static const char *const names[] = {
		[VVMP_PLAN_ATTACH] = "attach",
		[VVMP_PLAN_DETACH] = "detach",
		[VVMP_PLAN_REPLACE] = "replace",
		[VVMP_PLAN_FAIL] = "fail",
		[VVMP_PLAN_RESTORE] = "restore",
	};
	return NAME(names, op);
}

const char *vaapi_exc_reason_name(enum vvmp_exc_reason reason)
{
	static const char *const names[] = {
		[VVMP_EXC_DIVERT] = "divert", [VVMP_EXC_COMPONENT] = "component",
	};
	return NAME(names, reason);
}

const char *vaapi_io_op_name(enum vvmp_io_op op)
{
	static const char *const names[] = {
		[VVMP_IO_READ] = "read",
		[VVMP_IO_WRITE] = "write",
		[VVMP_IO_DISCARD] = "discard",
		[VVMP_IO_WRITE_ZEROES] = "write-zeroes",
		[VVMP_IO_FLUSH] = "flush",
	};
	return NAME(names, op);
}

const char *vaapi_exc_outcome_name(enum vvmp_exc_outcome outcome)
{
	static const char *const names[] = {
		[VVMP_EXC_RESUBMITTED] = "resubmitted",
		[VVMP_EXC_ABORTED] = "aborted",
		[VVMP_EXC_TIMED_OUT] = "timed-out",
		[VVMP_EXC_RELEASED] = "released",
		[VVMP_EXC_REQUEUED] = "requeued",
	};
	return NAME(names, outcome);
}

const char *vaapi_exc_on_timeout_name(enum vvmp_exc_on_timeout action)
{
	static const char *const names[] = {
		[VVMP_EXC_TIMEOUT_FAIL] = "fail", [VVMP_EXC_TIMEOUT_HOLD] = "hold",
	};
	return NAME(names, action);
}

const char *vaapi_mask_name(uint32_t bit)
{
	switch (bit) {
	case VVMP_MASK_CONTINUATION:	return "continuation";
	case VVMP_MASK_SUCCESS:		return "success";
	case VVMP_MASK_LOG:		return "log";
	case VVMP_MASK_LOG_DATA:	return "log-data";
	case VVMP_MASK_DEACTIVATE:	return "deactivate";
	default:			return NULL;
	}
}
