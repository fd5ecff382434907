// Draws on the queue: vertex fetch and shading, then the rasterizer core with fragment shading
// (draw.cpp).
#pragma once

#include "commands.h"

namespace kiln::exec {

class WorkerPool;

// Runs `cmd` (and, for indirect draws, each of its records) to completion; `pool` spreads the
// rasterizer's tiles over the queue's workers (NULL: the calling thread only).
void draw(const DrawCmd& cmd, WorkerPool* pool);

}  // namespace kiln::exec
