// The dashboard's routes (ui.cc).
#pragma once

#include "api/router.h"

namespace hookd::api {

// Adds GET /ui (redirects to /ui/), /ui/ (the page) and /ui/{asset}, all public.
void RegisterUi(Router& r);

}  // namespace hookd::api
