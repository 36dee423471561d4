// Applications (tenants). Lookups by ref accept the id or the uid.
#pragma once

#include <string>
#include <string_view>

#include "store/common.h"

namespace hookd::store {

class AppStore {
 public:
  virtual ~AppStore() = default;
  virtual Result<core::App> GetApp(std::string_view ref) = 0;
  virtual Result<Page<core::App>> ListApps(const PageRequest& page) = 0;
  virtual void CreateApp(core::App app, Idempotency idem, Done<core::App> done) = 0;
  virtual void UpdateApp(core::App app, Done<core::App> done) = 0;  // replaces by id
  virtual void DeleteApp(std::string id, Done<void> done) = 0;      // cascades
};

}  // namespace hookd::store
