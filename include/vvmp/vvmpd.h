/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vvmpd's local control socket: what a local tool (vvmpctl pool|unit|session)
 * needs to talk to the daemon. One request line, one JSON document back,
 * then the daemon closes the connection. Only root or the daemon's own uid
 * may connect (SO_PEERCRED); others get {"error":"permission denied"}.
 *
 *   request      reply
 *   "pool\n"     {"san_id":N,"units_up":N,"volumes":N,"total_kb":N,"free_kb":N,
 *                 "vds":N,"sessions":N}
 *   "units\n"    {"units":[{"id":N,"name":"..","domain_id":N,"state":"up|down",
 *                 "storage_type":N,"bandwidth_kb":N,"load_pct":N,"address":"..",
 *                 "volumes":[{"id":N,"unit_volume_id":N,"start_lba":N,
 *                 "length_lba":N,"free_lba":N,"transport":N,"address":".."}]}]}
 *   "sessions\n" {"sessions":[{"id":N,"client":"..","domain_id":N,
 *                 "state":"active|detached","vds":[N,..]}]}
 *   "vds\n"      {"vds":[{"id":N,"storage_type":N,"access":N,"capacity_kb":N,
 *                 "members":N,"remote_san_id":N,"kernel_name":"san1-vd3",
 *                 "kernel_pushed":true|false,"kernel_reason":"..",
 *                 "segments":[{"member":N,
 *                 "unit_id":N,"volume_id":N,"start_lba":N,"length_lba":N}]}]}
 */
#ifndef VVMP_VVMPD_H
#define VVMP_VVMPD_H

#define VVMPD_CTL_PATH		"/run/vvmpd.sock"
#define VVMPD_DB_PATH		"/var/lib/vvmp/vvmpd.db"
#define VVMPD_CTL_MAX_REQUEST	64

#endif
