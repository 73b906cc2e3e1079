#pragma once
// Schema versions. The core schema is an ordered list of steps; step i (1-based) moves the
// database from user_version i-1 to i. Steps are append-only: once released, a step is
// never edited, only followed by a new one. Gateways keep their own lists through
// Database::migrate_module, counted in the module_versions table.
#include "store/database.hpp"

#include <string>
#include <vector>

namespace junction::store {

// The core schema steps, oldest first.
const std::vector<std::string>& core_migrations();

// Brings the database up to the core schema this build knows, each pending step in one
// transaction with its user_version bump. Refuses a database whose user_version is newer
// than this build. Returns the resulting version.
Result<int> migrate_core(Database& db);

// The core schema version stored in the database (PRAGMA user_version).
Result<int> schema_version(Database& db);

}  // namespace junction::store
