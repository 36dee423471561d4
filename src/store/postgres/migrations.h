// Schema migrations of the PostgreSQL store (internal to store/postgres).
#pragma once

#include "store/postgres/conn.h"

namespace hookd::store::postgres {

// Applies pending migrations in one transaction holding an advisory lock, so nodes starting
// together migrate once. Versions are recorded in schema_migrations.
Status Migrate(Conn& conn);

}  // namespace hookd::store::postgres
