// API tokens (stored as hashes) and idempotency records.
#pragma once

#include <optional>
#include <string_view>

#include "store/common.h"

namespace hookd::store {

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  virtual Result<core::Token> FindTokenByHash(std::string_view hash) = 0;
  virtual Result<int64_t> CountTokens() = 0;
  virtual void CreateToken(core::Token token, Done<core::Token> done) = 0;
  // Unexpired record or nullopt.
  virtual Result<std::optional<core::IdempotencyRecord>> GetIdempotency(std::string_view scope,
                                                                        std::string_view key) = 0;
};

}  // namespace hookd::store
