// Binning triangles into tiles and rasterizing one tile: 2x2 quads, batches of up to 8 quads (32
// lanes) for the fragment shader, then the output merge, all in API order within the tile. One tile
// is done by one worker, so per pixel the primitives' order is kept while tiles run in parallel.
#pragma once

#include "raster/output_merge.h"
#include "raster/raster.h"
#include "raster/setup.h"

#include <cstdint>
#include <vector>

namespace kiln::raster {

// A bin entry: the triangle's index, with this bit set when the triangle covers every pixel of the
// tile that it may touch (the walker then skips the edge tests).
inline constexpr uint32_t kFullTileBit = 1u << 31;

struct TileGrid {
    Rect rect;                    // the pixels that may be written (SetupContext::rect)
    int32_t tile_x0 = 0, tile_y0 = 0;  // the first tile's column and row (tiles are kTileSize-aligned)
    uint32_t columns = 0, rows = 0;
    std::vector<std::vector<uint32_t>> bins;  // columns * rows, row-major
    // How far (in subpixel units, per axis) a pixel's samples lie from its center: 0 for one sample.
    int64_t sample_reach = 0;

    void reset(const Rect& rect, int64_t sample_reach = 0);
    Rect tile_rect(uint32_t index) const;
    // Appends triangle `index` to the bins of the tiles it may cover, with kFullTileBit where it
    // covers all of the tile's pixels.
    void bin(const TriangleSetup& tri, uint32_t index);
};

// What every tile job reads; nothing here is written during the jobs.
struct DrawContext {
    const TriangleSetup* triangles = nullptr;
    const VertexStream* vertices = nullptr;
    const Interpolation* interpolation = nullptr;  // vertices->varying_words entries
    const OutputMerger* merger = nullptr;
    FragmentShader* shader = nullptr;
    bool early_tests = false;  // depth/stencil when a quad enters a batch
    bool late_tests = false;   // depth/stencil after shading
    bool shader_writes_depth = false;
    float z_min = 0, z_max = 0;  // depth clamp range (+-inf without)
    uint32_t sample_mask = ~0u;  // multisampled draws: the pipeline's sample mask
};

struct TileScratch {
    FragmentBatch batch;
    FragmentOutput output;
    uint32_t quad_triangle[kQuadsPerBatch];
    uint32_t worker = 0;  // passed to FragmentShader::shade
    uint64_t batches = 0, quads = 0;
    // Multisampled draws (after everything the one-sample walker touches): per lane, the samples of
    // its pixel that are covered (and passed the sample mask and early tests), bit s = sample s --
    // a lane is in the batch's coverage when any bit is set -- and each sample's depth.
    alignas(64) uint8_t sample_coverage[kLanes];
    alignas(64) float sample_z[kLanes][4];
};

void rasterize_tile(const DrawContext& draw, const std::vector<uint32_t>& bin, const Rect& tile, TileScratch& scratch);
// The same with the four standard samples per pixel (kStandardSamples4): coverage, sample mask and
// depth/stencil per sample, the shader once per pixel with any sample covered (at the pixel center).
void rasterize_tile_4x(const DrawContext& draw, const std::vector<uint32_t>& bin, const Rect& tile,
                       TileScratch& scratch);

}  // namespace kiln::raster
