// Strict mode: Kiln as the validator of the win32 external-memory rules, which the Khronos
// validation layer cannot check on Linux (it is built without win32 support: it hides the win32
// commands and strips the win32 structs from pNext chains). Off by default; KILN_STRICT=warn
// reports each violated rule, KILN_STRICT=error also fails the call with the spec's error code.
//
// A violation is reported like the validation layer's messages: an ERROR of type VALIDATION whose
// message ID is the VUID, naming the objects, with the spec's text of the rule (generated from
// validusage.json: vk_vuids.h) -- to the application's VK_EXT_debug_utils messengers, and to
// stderr when none listens.
#pragma once

#include "debug_report.h"

namespace kiln {

enum class StrictMode { Off, Warn, Error };

// KILN_STRICT as the process started with it (read once).
StrictMode strict_mode();

// Reports that a call broke rule `vuid` (which must be in strict mode's scope), saying what the
// application did in `detail`. Returns true when the call must fail (KILN_STRICT=error); false
// otherwise, also when strict mode is off (nothing is reported then).
bool strict_violation(const Device& device, const char* vuid, MessageText detail,
                      std::span<const DebugObject> objects = {});

}  // namespace kiln
