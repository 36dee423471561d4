#include "app/file_budget.h"

#include <gtest/gtest.h>

namespace hookd::app {
namespace {

TEST(FileBudget, APlentifulLimitChangesNothing) {
  auto b = ShareFiles(1 << 20, 2048, 10000);
  EXPECT_EQ(b.api_connections, 10000);
  EXPECT_EQ(b.connections_per_client, 2048);
  EXPECT_FALSE(b.lowered);
}

TEST(FileBudget, DeliveriesAndTheApiNeverShareFilesTheLimitCannotHold) {
  for (int64_t files : {100, 1024, 20000, 65536}) {
    for (int64_t in_flight : {1, 2048, 20000, 1000000}) {
      auto b = ShareFiles(files, in_flight, 10'000'000);
      EXPECT_LE(b.api_connections + 2 * b.connections_per_client, std::max<int64_t>(files - 64, 18))
          << files << " files, " << in_flight << " in flight";
      EXPECT_GE(b.api_connections, 16);
      EXPECT_GE(b.connections_per_client, 1);
      EXPECT_LE(b.connections_per_client, in_flight);
    }
  }
}

TEST(FileBudget, ALowLimitIsSplitAndSaysSo) {
  auto b = ShareFiles(20000, 20000, 10'000'000);
  EXPECT_EQ(b.connections_per_client, (20000 - 64) / 4);
  EXPECT_EQ(b.api_connections, 20000 - 64 - (20000 - 64) / 2);
  EXPECT_TRUE(b.lowered);
}

TEST(FileBudget, WithoutDeliveriesTheApiGetsEverything) {
  auto b = ShareFiles(20000, 0, 10'000'000);
  EXPECT_EQ(b.api_connections, 20000 - 64);
  EXPECT_TRUE(b.lowered);  // max_connections is above what the limit allows
}

}  // namespace
}  // namespace hookd::app
