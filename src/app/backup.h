// `hookd backup DEST`: an online copy of the SQLite store, safe while hookd serves.
#pragma once

#include <string>

#include "app/config.h"

namespace hookd::app {

// Copies the store of `config` to `dest` (see store/backup.h). Returns 0 on success, 1 when the
// copy failed (`dest` is then untouched), 2 for a store it cannot back up (PostgreSQL: pg_dump).
int RunBackup(const Config& config, const std::string& dest);

}  // namespace hookd::app
