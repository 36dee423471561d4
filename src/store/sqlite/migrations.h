// Versioned schema migrations for the SQLite store, applied in order at start.
#pragma once

#include "core/error.h"
#include "store/sqlite/db.h"

namespace hookd::store::sqlite {

// Applies every migration newer than the database's recorded version, each in its own
// transaction. Refuses a database written by a newer hookd.
core::Status Migrate(Db& db);

}  // namespace hookd::store::sqlite
