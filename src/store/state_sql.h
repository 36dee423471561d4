// Delivery states in SQL text: every backend writes statements with names, and the stored values
// come from the enums in core/types.h (one source for both).
#pragma once

#include <string>
#include <string_view>

namespace hookd::store {

// Replaces {success} {pending} {fail} {sending} {canceled} (core::DeliveryStatus) and
// {scheduled} {manual} (core::AttemptTrigger) with their stored integers. For statements built
// once; an unknown {name} is a bug and aborts.
std::string WithStates(std::string_view sql);

}  // namespace hookd::store
