// vkCmdBlitImage's execution: scaled, filtered, format-converting copies between images.
#pragma once

#include "commands.h"

namespace kiln::exec {

void blit_image(const BlitCmd& cmd);

}  // namespace kiln::exec
