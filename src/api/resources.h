// Route registration, one function per resource file.
#pragma once

#include "api/context.h"
#include "api/router.h"

namespace hookd::api {

void RegisterApps(Router& r, ApiContext& ctx);

// Reads ApplicationIn / ApplicationPatch fields into `app`. `patch`: absent fields are kept.
class BodyReader;
void ReadAppFields(BodyReader& body, core::App& app, bool patch);
void RegisterEventTypes(Router& r, ApiContext& ctx);
void RegisterEndpoints(Router& r, ApiContext& ctx);
void RegisterMessages(Router& r, ApiContext& ctx);
void RegisterAttempts(Router& r, ApiContext& ctx);
void RegisterBackgroundTasks(Router& r, ApiContext& ctx);
void RegisterAlerts(Router& r, ApiContext& ctx);
void RegisterBatches(Router& r, ApiContext& ctx);

}  // namespace hookd::api
