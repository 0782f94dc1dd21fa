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
 *
 * Exception handling (Documentation/vvmpd.rst "Exception handling"). VOLUME
 * is the repository's volume id ("units": volumes[].id).
 *
 *   "spares\n"              {"volumes":[{"id":N,"state":"spare|failed",
 *                           "unit_id":N,"domain_id":N,"length_lba":N,
 *                           "unit_up":true|false,"since_ms":N}]}: the hot
 *                           spares and the failed volumes (both out of the pool)
 *   "spare add VOLUME\n"    make an unallocated volume a hot spare
 *   "spare delete VOLUME\n" give a spare back to the pool
 *   "spare repaired VOLUME\n" a failed volume may be allocated again
 *                reply to the three: {"id":N,"state":"spare|pool"}
 *   "legs\n", "legs ID\n"   {"legs":[{"vd_id":N,"kernel_name":"..","leg":N,
 *                           "state":"in-sync|failed|resyncing|rebuilding",
 *                           "full_copy":true|false,"failures":N,"changed_ms":N}]}
 *   "divert add ID START LENGTH\n", "divert delete ID START LENGTH\n"
 *                {"vd_id":N,"kernel_name":"..","start":N,"length":N,
 *                 "range":"added|deleted"}: vvmpd's own divert range on
 *                allocation ID (VD sectors); its I/O is resubmitted at once
 *   "diverts\n"  {"diverts":[{"vd_id":N,"start":N,"length":N}]}
 *   refused:     {"error":"REQUEST: why"}
 */
#ifndef VVMP_VVMPD_H
#define VVMP_VVMPD_H

#define VVMPD_CTL_PATH		"/run/vvmpd.sock"
#define VVMPD_DB_PATH		"/var/lib/vvmp/vvmpd.db"
#define VVMPD_CTL_MAX_REQUEST	64

#endif
