// Route registration, one function per resource file.
#pragma once

#include <span>

#include "api/context.h"
#include "api/handler_util.h"
#include "api/router.h"

namespace hookd::api {

void RegisterApps(Router& r, ApiContext& ctx);

// Reads ApplicationIn / ApplicationPatch fields into `app`. `patch`: absent fields are kept.
class BodyReader;
void ReadAppFields(BodyReader& body, core::App& app, bool patch);
// A body's `application` (Svix's MessageIn and AppPortalAccessIn): the app its path names, to
// create when it does not exist yet. Errors go to the body.
std::optional<core::App> ReadNestedApp(BodyReader& body);
// The app of path parameter 0 (ResolveApp); when there is none and `nested` describes it, it is
// created first (admin tokens only). `nested`'s uid must be the path's: 422 otherwise. `then`
// runs once: with `req` itself, or after the write with a copy of it.
void ResolveOrCreateApp(ApiContext& ctx, Request& req, std::optional<core::App> nested,
                        std::function<void(Request&, core::Result<core::App>)> then);
void RegisterEventTypes(Router& r, ApiContext& ctx);
void RegisterEndpoints(Router& r, ApiContext& ctx);
void RegisterMessages(Router& r, ApiContext& ctx);
void RegisterAttempts(Router& r, ApiContext& ctx);
void RegisterStatistics(Router& r, ApiContext& ctx);
void RegisterBackgroundTasks(Router& r, ApiContext& ctx);
// BackgroundTaskOut: the task's data is its result when it has one.
boost::json::object TaskJson(const store::BackgroundTask& task);
void RegisterAlerts(Router& r, ApiContext& ctx);
void RegisterBatches(Router& r, ApiContext& ctx);
void RegisterSources(Router& r, ApiContext& ctx);
void RegisterAuth(Router& r, ApiContext& ctx);
// `fn`, a handler of an app's resource, for an inbox source's (admin tokens only): path
// parameter 0 names the source, and `fn` gets the id of the app the source owns in its place.
Handler SourceScoped(ApiContext& ctx, ContextHandler fn);

// The endpoint routes below a collection path (".../endpoint"), shared by apps, the operational
// webhooks and inbox sources; each handler takes the owning app as path parameter 0.
struct ResourceRoute {
  Method method;
  const char* path;  // after the collection
  Access access;     // in an app (operational and source endpoints: admin only)
  ContextHandler handler;
};
std::span<const ResourceRoute> EndpointRoutes();

}  // namespace hookd::api
