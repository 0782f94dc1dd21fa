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
 *                 "bandwidth_kb":N,"members":N,"remote_san_id":N,
 *                 "kernel_name":"san1-vd3","kernel_pushed":true|false,
 *                 "kernel_reason":"..",
 *                 "segments":[{"member":N,
 *                 "unit_id":N,"volume_id":N,"start_lba":N,"length_lba":N}]}]}
 *
 * Allocations made by an administrator, on behalf of an existing VVMP
 * session (the host that will use the VD; the allocation lives and dies
 * with that session like one the host asked for). The same code as the
 * VVMP requests runs: ALLOCATE with sub-opcode EXPANDABLE and EXCLUSIVE
 * access, CHANGE_PARAMS (of the capacity or of the bandwidth; the rest
 * kept), FREE for the VD's owner session. A forwarded VD is refused (it
 * lives on the peer).
 *
 *   "alloc create SESSION KB TYPE MEMBERS\n"   TYPE: jbod raid0 raid1 raid5;
 *                                              MEMBERS 0: the type's default
 *   "alloc grow ID KB\n"                       KB: the new total capacity
 *   "alloc bandwidth ID KB\n"                  KB: the new bandwidth, KB/s
 *                reply to the three: {"id":N,"session_id":N,"storage_type":N,
 *                 "capacity_kb":N,"bandwidth_kb":N,"members":N,"extents":N,
 *                 "kernel_name":".."}
 *   "alloc free ID\n"
 *                {"id":N,"session_id":N,"freed":true}
 *   refused:     {"error":"ALLOCATE: NO_SPACE","status":8} (the VVMP status,
 *                Documentation/vvmp-protocol.rst)
 */
#ifndef VVMP_VVMPD_H
#define VVMP_VVMPD_H

#define VVMPD_CTL_PATH		"/run/vvmpd.sock"
#define VVMPD_DB_PATH		"/var/lib/vvmp/vvmpd.db"
#define VVMPD_CTL_MAX_REQUEST	64

#endif
