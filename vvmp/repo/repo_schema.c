// SPDX-License-Identifier: GPL-2.0
/*
 * Repository schema as a list of migrations. A migration is never edited
 * once released; a change is a new migration appended here (and
 * VVMP_REPO_SCHEMA_VERSION bumped). Constraints live in the schema, so no
 * caller can bypass them: ranges are checked by triggers, references by
 * foreign keys (a volume holding segments cannot be deleted, and with it
 * neither can its unit). Ids handed out over VVMP (sessions, allocations,
 * units, volumes) are AUTOINCREMENT: an id is never reused, so a stale id
 * from a peer can never name a newer object.
 */
#include "repo/repo_internal.h"

static const char migration_1[] =
	"CREATE TABLE domains ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  key BLOB);"

	"CREATE TABLE cos ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  iops_limit INTEGER NOT NULL DEFAULT 0 CHECK (iops_limit >= 0),"
	"  bandwidth_kb INTEGER NOT NULL DEFAULT 0 CHECK (bandwidth_kb >= 0),"
	"  priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 7));"

	"CREATE TABLE clients ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domains(id),"
	"  name TEXT NOT NULL,"
	"  status INTEGER NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 3),"
	"  cos_id INTEGER REFERENCES cos(id),"
	"  UNIQUE (domain_id, name));"

	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  client_id INTEGER NOT NULL REFERENCES clients(id),"
	"  boot_id INTEGER NOT NULL,"
	"  state INTEGER NOT NULL CHECK (state IN (1, 2)),"
	"  requests INTEGER NOT NULL DEFAULT 0,"
	"  errors INTEGER NOT NULL DEFAULT 0,"
	"  queries INTEGER NOT NULL DEFAULT 0);"

	"CREATE TABLE units ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  domain_id INTEGER NOT NULL REFERENCES domains(id),"
	"  name TEXT NOT NULL,"
	"  storage_type INTEGER NOT NULL CHECK (storage_type BETWEEN 1 AND 4),"
	"  bandwidth_kb INTEGER NOT NULL CHECK (bandwidth_kb >= 0),"
	"  load_pct INTEGER NOT NULL CHECK (load_pct BETWEEN 0 AND 100),"
	"  boot_id INTEGER NOT NULL,"
	"  state INTEGER NOT NULL CHECK (state IN (0, 1)),"
	"  is_static INTEGER NOT NULL CHECK (is_static IN (0, 1)),"
	"  address TEXT NOT NULL,"
	"  UNIQUE (domain_id, name));"

	"CREATE TABLE volumes ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,"
	"  unit_volume_id INTEGER NOT NULL,"
	"  transport INTEGER NOT NULL CHECK (transport BETWEEN 1 AND 3),"
	"  start_lba INTEGER NOT NULL CHECK (start_lba >= 0),"
	"  length_lba INTEGER NOT NULL CHECK (length_lba > 0),"
	"  address TEXT NOT NULL,"
	"  UNIQUE (unit_id, unit_volume_id));"

	"CREATE TRIGGER volumes_no_overlap_insert BEFORE INSERT ON volumes"
	" WHEN EXISTS (SELECT 1 FROM volumes v WHERE v.unit_id = NEW.unit_id"
	"   AND v.start_lba < NEW.start_lba + NEW.length_lba"
	"   AND NEW.start_lba < v.start_lba + v.length_lba)"
	" BEGIN SELECT RAISE(ABORT, 'volume overlaps another volume of its unit'); END;"

	"CREATE TRIGGER volumes_no_overlap_update"
	" BEFORE UPDATE OF unit_id, start_lba, length_lba ON volumes"
	" WHEN EXISTS (SELECT 1 FROM volumes v WHERE v.unit_id = NEW.unit_id"
	"   AND v.id != NEW.id"
	"   AND v.start_lba < NEW.start_lba + NEW.length_lba"
	"   AND NEW.start_lba < v.start_lba + v.length_lba)"
	" BEGIN SELECT RAISE(ABORT, 'volume overlaps another volume of its unit'); END;"

	"CREATE TABLE vds ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  domain_id INTEGER NOT NULL REFERENCES domains(id),"
	"  owner_session_id INTEGER NOT NULL,"
	"  sub_opcode INTEGER NOT NULL CHECK (sub_opcode BETWEEN 1 AND 3),"
	"  storage_type INTEGER NOT NULL CHECK (storage_type BETWEEN 1 AND 4),"
	"  access INTEGER NOT NULL CHECK (access IN (1, 2)),"
	"  flags INTEGER NOT NULL,"
	"  capacity_kb INTEGER NOT NULL CHECK (capacity_kb > 0),"
	"  bandwidth_kb INTEGER NOT NULL CHECK (bandwidth_kb >= 0),"
	"  qos INTEGER NOT NULL CHECK (qos BETWEEN 0 AND 7),"
	"  timeout_ms INTEGER NOT NULL,"
	"  stripe_kb INTEGER NOT NULL,"
	"  block_size INTEGER NOT NULL CHECK (block_size IN (0, 512, 4096)),"
	"  members INTEGER NOT NULL CHECK (members BETWEEN 1 AND 16),"
	"  remote_san_id INTEGER NOT NULL DEFAULT 0,"
	"  remote_alloc_id INTEGER NOT NULL DEFAULT 0);"

	"CREATE TABLE segments ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  vd_id INTEGER NOT NULL REFERENCES vds(id) ON DELETE CASCADE,"
	"  member INTEGER NOT NULL CHECK (member BETWEEN 0 AND 15),"
	"  seq INTEGER NOT NULL CHECK (seq >= 0),"
	"  volume_id INTEGER NOT NULL REFERENCES volumes(id) ON DELETE RESTRICT,"
	"  start_lba INTEGER NOT NULL CHECK (start_lba >= 0),"
	"  length_lba INTEGER NOT NULL CHECK (length_lba > 0),"
	"  UNIQUE (vd_id, member, seq));"

	/* Only when the volume exists: a missing one is the foreign key's error. */
	"CREATE TRIGGER segments_in_volume_insert BEFORE INSERT ON segments"
	" WHEN EXISTS (SELECT 1 FROM volumes WHERE id = NEW.volume_id) AND ("
	"   NOT EXISTS (SELECT 1 FROM volumes v WHERE v.id = NEW.volume_id"
	"     AND NEW.start_lba >= v.start_lba"
	"     AND NEW.start_lba + NEW.length_lba <= v.start_lba + v.length_lba)"
	"   OR EXISTS (SELECT 1 FROM segments s WHERE s.volume_id = NEW.volume_id"
	"     AND s.start_lba < NEW.start_lba + NEW.length_lba"
	"     AND NEW.start_lba < s.start_lba + s.length_lba))"
	" BEGIN SELECT RAISE(ABORT, 'segment outside its volume or overlapping another'); END;"

	"CREATE TRIGGER segments_in_volume_update"
	" BEFORE UPDATE OF volume_id, start_lba, length_lba ON segments"
	" WHEN NOT EXISTS (SELECT 1 FROM volumes v WHERE v.id = NEW.volume_id"
	"     AND NEW.start_lba >= v.start_lba"
	"     AND NEW.start_lba + NEW.length_lba <= v.start_lba + v.length_lba)"
	"   OR EXISTS (SELECT 1 FROM segments s WHERE s.volume_id = NEW.volume_id"
	"     AND s.id != NEW.id"
	"     AND s.start_lba < NEW.start_lba + NEW.length_lba"
	"     AND NEW.start_lba < s.start_lba + s.length_lba)"
	" BEGIN SELECT RAISE(ABORT, 'segment outside its volume or overlapping another'); END;"

	"CREATE TABLE attachments ("
	"  vd_id INTEGER NOT NULL REFERENCES vds(id) ON DELETE CASCADE,"
	"  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (vd_id, session_id));"

	"CREATE TABLE acl ("
	"  vd_id INTEGER NOT NULL REFERENCES vds(id) ON DELETE CASCADE,"
	"  client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,"
	"  access INTEGER NOT NULL CHECK (access BETWEEN 0 AND 2),"
	"  PRIMARY KEY (vd_id, client_id));"

	"CREATE TABLE policies ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);";

/* v2: the control path's persisted dirty-region log; segment lookups by volume. */
static const char migration_2[] =
	"CREATE TABLE dirty_regions ("
	"  vd_id INTEGER NOT NULL REFERENCES vds(id) ON DELETE CASCADE,"
	"  leg INTEGER NOT NULL CHECK (leg BETWEEN 0 AND 15),"
	"  start_lba INTEGER NOT NULL CHECK (start_lba >= 0),"
	"  length_lba INTEGER NOT NULL CHECK (length_lba > 0),"
	"  PRIMARY KEY (vd_id, leg, start_lba));"
	"CREATE INDEX segments_by_volume ON segments(volume_id);"
	"CREATE INDEX attachments_by_session ON attachments(session_id);";

/*
 * v3: exception handling (vvmp/daemon/eh*.c). The health vvmpd recorded
 * per VD leg, so that a restart or a module reload still knows which legs
 * are stale; hot spares (whole volumes kept out of allocations until a
 * rebuild takes one); volumes a rebuild moved a member off (kept out of
 * allocations: their disk failed); divert ranges vvmpd made (I/O on them is
 * vvmpd's to resubmit). A spare never holds a segment, whoever inserts it.
 */
static const char migration_3[] =
	"CREATE TABLE leg_health ("
	"  vd_id INTEGER NOT NULL REFERENCES vds(id) ON DELETE CASCADE,"
	"  leg INTEGER NOT NULL CHECK (leg BETWEEN 0 AND 15),"
	"  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),"
	"  full_copy INTEGER NOT NULL DEFAULT 0 CHECK (full_copy IN (0, 1)),"
	"  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),"
	"  changed_ms INTEGER NOT NULL CHECK (changed_ms >= 0),"
	"  PRIMARY KEY (vd_id, leg));"

	"CREATE TABLE spares ("
	"  volume_id INTEGER PRIMARY KEY REFERENCES volumes(id) ON DELETE CASCADE,"
	"  added_ms INTEGER NOT NULL CHECK (added_ms >= 0));"

	"CREATE TABLE failed_volumes ("
	"  volume_id INTEGER PRIMARY KEY REFERENCES volumes(id) ON DELETE CASCADE,"
	"  failed_ms INTEGER NOT NULL CHECK (failed_ms >= 0));"

	"CREATE TABLE divert_ranges ("
	"  vd_id INTEGER NOT NULL REFERENCES vds(id) ON DELETE CASCADE,"
	"  start INTEGER NOT NULL CHECK (start >= 0),"
	"  length INTEGER NOT NULL CHECK (length > 0),"
	"  PRIMARY KEY (vd_id, start, length));"

	"CREATE TRIGGER spares_unallocated BEFORE INSERT ON spares"
	" WHEN EXISTS (SELECT 1 FROM segments WHERE volume_id = NEW.volume_id)"
	" BEGIN SELECT RAISE(ABORT, 'a spare volume holds no segment'); END;"

	"CREATE TRIGGER segments_not_on_spares_insert BEFORE INSERT ON segments"
	" WHEN EXISTS (SELECT 1 FROM spares WHERE volume_id = NEW.volume_id)"
	" BEGIN SELECT RAISE(ABORT, 'a spare volume holds no segment'); END;"

	"CREATE TRIGGER segments_not_on_spares_update BEFORE UPDATE OF volume_id ON segments"
	" WHEN EXISTS (SELECT 1 FROM spares WHERE volume_id = NEW.volume_id)"
	" BEGIN SELECT RAISE(ABORT, 'a spare volume holds no segment'); END;";

const char *const repo_migrations[VVMP_REPO_SCHEMA_VERSION] = {
	migration_1,
	migration_2,
	migration_3,
};
