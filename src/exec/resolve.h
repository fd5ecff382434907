// Multisample resolves (Vulkan spec, "Resolving Multisample Images" and "Render Pass Load/Store/
// Resolve Operations"): one multisampled subresource rectangle into a one-sample image.
#pragma once

#include "commands.h"

namespace kiln::exec {

void resolve_image(const ResolveCmd& cmd);

}  // namespace kiln::exec
