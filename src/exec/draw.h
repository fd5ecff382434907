// Draws on the queue: vertex fetch and shading, then the rasterizer core with fragment shading
// (draw.cpp).
#pragma once

#include <vector>

#include "commands.h"
#include "raster/raster.h"
#include "spirv/ir.h"

namespace kiln::exec {

class WorkerPool;

// A varying's words: where the vertex shader leaves them, where the fragment shader wants them.
struct Varying {
    const spirv::InterfaceSlot* vertex = nullptr;  // NULL: the vertex shader does not write it (reads 0)
    uint32_t vertex_word = 0;                      // the first word in the vertex output slot
    const spirv::InterfaceSlot* fragment = nullptr;
    uint32_t words = 0;
    uint32_t row = 0;  // first row in raster::FragmentBatch::varyings
};

// The fragment shader's inputs matched to the vertex shader's outputs by location and component,
// and how each word is interpolated: made once per graphics pipeline (it points into the two
// programs' interfaces, so it lives as long as they do).
struct StageLink {
    std::vector<Varying> varyings;
    std::vector<raster::Interpolation> interpolation;  // by row
    uint32_t words = 0;
};
StageLink link_stages(const spirv::Program& vertex, const spirv::Program* fragment);

// Runs `cmd` (and, for indirect draws, each of its records) to completion; `pool` spreads the
// rasterizer's tiles over the queue's workers (NULL: the calling thread only).
void draw(const DrawCmd& cmd, WorkerPool* pool);

}  // namespace kiln::exec
