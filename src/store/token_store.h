// API tokens (stored as hashes) and idempotency records.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "store/common.h"

namespace hookd::store {

class TokenStore {
 public:
  virtual ~TokenStore() = default;
  virtual Result<core::Token> FindTokenByHash(std::string_view hash) = 0;
  virtual Result<int64_t> CountTokens() = 0;
  virtual void CreateToken(core::Token token, Done<core::Token> done) = 0;
  // Removes a token (logout); NotFound when there is none of that id.
  virtual void DeleteToken(std::string_view id, Done<void> done) = 0;
  // Makes an app's portal tokens expire at `at` at the latest; with session ids, only those of
  // these sessions. Producer keys (Token::Kind::kApp) are left alone.
  virtual void ExpirePortalTokens(std::string_view app_id, core::TimePoint at,
                                  std::vector<std::string> session_ids, Done<void> done) = 0;
  // Unexpired record or nullopt.
  virtual Result<std::optional<core::IdempotencyRecord>> GetIdempotency(std::string_view scope,
                                                                        std::string_view key) = 0;
};

}  // namespace hookd::store
