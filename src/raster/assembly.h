// Primitive assembly (Vulkan spec, "Drawing Commands" / "Primitive Topologies"): the points, lines or
// triangles of a list, strip or fan, in API order, with their vertices in the order that keeps the
// winding and puts the provoking vertex first (VK_PROVOKING_VERTEX_MODE_FIRST_VERTEX_EXT, Vulkan's
// default). Points and lines use the same record as triangles, their vertices repeated: a point is
// (p, p, p), a line (a, b, b).
#pragma once

#include "raster/raster.h"

#include <cstdint>
#include <vector>

namespace kiln::raster {

struct AssembledTriangle {
    uint32_t v[3];  // vertex indices into the VertexStream; v[0] is the provoking vertex (see above)
    uint32_t primitive_id;
};

// True for triangle list, strip and fan.
bool is_triangle_topology(VkPrimitiveTopology topology);
// True for line list and line strip.
bool is_line_topology(VkPrimitiveTopology topology);
// True for the topologies assemble_primitives handles: point list, lines and triangles (not the
// adjacency topologies nor patch lists).
bool is_supported_topology(VkPrimitiveTopology topology);

// Appends the primitives of `input` to `out` (cleared first). Primitives naming a vertex at or past
// `vertex_count` are dropped (reading them would be out of bounds; Vulkan leaves them undefined).
void assemble_primitives(const PrimitiveInput& input, uint32_t vertex_count, std::vector<AssembledTriangle>& out);

}  // namespace kiln::raster
