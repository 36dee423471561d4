// The VFS hookd's SQLite connections use: the platform's default one, except that the frames a
// transaction appends to a WAL reach the file in one write. SQLite writes each frame as two
// writes (its 24-byte header, then the page), so a commit of n pages cost the writer 2n system
// calls. Appended frames are gathered in memory and written when the commit's last frame is
// written (so before the commit is visible to any reader, and a failed write fails the commit as
// it would have), or earlier when the connection reads, syncs, sizes, truncates or closes the
// WAL, or writes elsewhere in it. What is still gathered when the connection releases the WAL's
// write lock (frames of a transaction that did not commit) is written then, so it never lands
// after another writer's frames. Writes in any other pattern, and every other file, go to the
// default VFS unchanged.
#pragma once

#include <cstdint>

namespace hookd::store::sqlite {

// Registers the VFS as the process's default; call before the first connection opens.
void InstallWalVfs();

// Since the process started: WAL writes SQLite asked for, and writes that reached the file.
struct WalWriteCounts {
  uint64_t asked = 0;
  uint64_t written = 0;
};
WalWriteCounts WalWrites();

}  // namespace hookd::store::sqlite
