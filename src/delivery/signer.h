// Standard Webhooks signatures ("webhook-signature: v1,<base64 HMAC-SHA256>").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct evp_mac_st;
struct evp_mac_ctx_st;

namespace hookd::delivery {

// Signs with HMAC-SHA256 through reused OpenSSL EVP_MAC contexts, keeping the keyed contexts of
// the last few secrets so hot endpoints skip base64 decoding and HMAC key setup.
// Not thread-safe: use one per thread.
class Signer {
 public:
  Signer();
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // "v1,<base64 sig>" for each usable secret, space-separated, in the order given; empty when no
  // secret is usable. Secrets are "whsec_<base64 key>"; ones that don't decode (or have no
  // prefix, or an empty key) are skipped. Signed content: "{msg_id}.{timestamp}.{body}".
  std::string Sign(std::string_view msg_id, int64_t timestamp, std::string_view body,
                   const std::vector<std::string>& secrets);

 private:
  static constexpr size_t kSlots = 4;

  // A context keyed with the decoded form of `secret`.
  struct Slot {
    std::string secret;  // empty when unused
    evp_mac_ctx_st* ctx = nullptr;
    uint64_t last_used = 0;
  };

  // The slot context for `secret`, initialized and ready for updates; null if the secret is
  // unusable or OpenSSL failed.
  evp_mac_ctx_st* Ready(std::string_view secret);

  evp_mac_st* mac_ = nullptr;  // null if HMAC is unavailable; every secret is then skipped
  std::array<Slot, kSlots> slots_;
  uint64_t tick_ = 0;
};

}  // namespace hookd::delivery
