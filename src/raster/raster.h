// Kiln's rasterizer core: post-vertex-shader triangles in, fragments shaded through a callback and
// merged into color and depth/stencil attachments out. No Vulkan objects: the graphics pipeline passes
// its state here as plain structs (Vulkan enums and VkViewport / VkRect2D as the application gave them).
//
// The pipeline of a draw (docs/raster.md):
//   primitive assembly of points, lines or triangles (assembly.h)
//   -> clipping against the view volume and a guard band (clip.h)
//   -> setup: division by w, viewport, culling, depth bias, fixed-point edges (setup.h)
//   -> binning into 64x64 tiles in API order (tiles.h) -> per tile, on one worker, in API order:
//   2x2 quads -> batches of up to 8 quads (32 lanes) -> FragmentShader::shade -> output merge
//   (output_merge.h: stencil, depth, blending, write masks).
#pragma once

#include "raster/jobs.h"

#include <cstdint>
#include <memory>
#include <vector>
#include <vulkan/vulkan_core.h>

namespace kiln::format {
class ImageLayout;
}

namespace kiln::raster {

// Lanes per fragment batch; equal to kiln::spirv::kLanes (the unit test checks), so a batch is one
// run of the shader engine. Lanes 4k..4k+3 are one 2x2 quad: (x,y), (x+1,y), (x,y+1), (x+1,y+1).
inline constexpr uint32_t kLanes = 32;
inline constexpr uint32_t kQuadsPerBatch = kLanes / 4;
// maxFragmentInputComponents: the words of varyings a vertex may carry.
inline constexpr uint32_t kMaxVaryingWords = 128;
inline constexpr uint32_t kMaxColorAttachments = 8;
inline constexpr uint32_t kTileSize = 64;  // pixels, a power of two
// maxCombinedClipAndCullDistances: clip and cull distances a vertex may carry together.
inline constexpr uint32_t kMaxDistances = 8;
// Point sizes ("Basic Point Rasterization"): PointSize is clamped to [kMinPointSize, kMaxPointSize]
// (a NaN gives kMinPointSize) and rounded to kPointSizeGranularity, the 1/256 pixel of the
// subpixel grid: pointSizeRange and pointSizeGranularity say the same (physical_device.cpp).
inline constexpr float kMinPointSize = 1.0f;
inline constexpr float kMaxPointSize = 1024.0f;
inline constexpr float kPointSizeGranularity = 1.0f / 256.0f;

enum class Status : uint8_t {
    Ok,
    UnsupportedTopology,       // adjacency topologies and patch lists are not implemented
    TooManyVaryings,           // varying_words > kMaxVaryingWords, or more than kMaxDistances distances
    UnsupportedColorFormat,    // a color attachment format output_merge cannot write
    UnsupportedDepthFormat,    // a depth/stencil attachment format output_merge cannot write
    TooManyColorAttachments,
    UnsupportedBlend,          // dual-source (SRC1) factors and advanced blend ops are not implemented
    InvalidAttachment,         // mip level or layer outside the attachment's image
    UnsupportedSampleCount,    // samples other than 1 and 4, or an attachment with another count
};

// How a varying word is interpolated (SPIR-V decorations: none = Smooth, NoPerspective, Flat).
enum class Interpolation : uint8_t { Smooth, NoPerspective, Flat };

// The vertex shader's results, one entry per shaded vertex.
struct VertexStream {
    const float* positions = nullptr;  // clip-space x, y, z, w (Position), position_stride floats apart
    uint32_t position_stride = 4;
    const uint32_t* varyings = nullptr;  // varying_words words per vertex, varying_stride words apart
    uint32_t varying_stride = 0;
    uint32_t varying_words = 0;
    const Interpolation* interpolation = nullptr;  // varying_words entries; NULL: all Smooth
    uint32_t vertex_count = 0;
    // PointSize of each vertex, for point lists; NULL: 1 (the vertex shader has no PointSize, whose
    // value the spec then leaves undefined).
    const float* point_sizes = nullptr;
    // ClipDistance then CullDistance of each vertex ("Primitive Clipping", "Cull Distances"): per
    // vertex clip_distance_count then cull_distance_count floats, distance_stride floats apart.
    const float* distances = nullptr;
    uint32_t clip_distance_count = 0, cull_distance_count = 0, distance_stride = 0;
};

// Which vertices form the primitives. Indices (when present) index VertexStream directly: the
// caller has applied vertexOffset/firstVertex when it shaded the vertices.
struct PrimitiveInput {
    VkPrimitiveTopology topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
    uint32_t count = 0;                    // vertices, or indices when `indices` is set
    const void* indices = nullptr;         // NULL: vertices 0..count-1 in order
    VkIndexType index_type = VK_INDEX_TYPE_UINT32;  // UINT16 or UINT32
    bool primitive_restart = false;        // for strips and fans with indices: 0xFFFF / 0xFFFFFFFF
    uint32_t first_primitive_id = 0;       // added to PrimitiveId
};

struct RasterState {
    VkViewport viewport{};  // as given to Vulkan: negative height flips y (VK_KHR_maintenance1)
    VkRect2D scissor{};
    VkRect2D render_area{};
    VkCullModeFlags cull_mode = VK_CULL_MODE_NONE;
    VkFrontFace front_face = VK_FRONT_FACE_COUNTER_CLOCKWISE;
    bool depth_clamp = false;
    bool depth_bias = false;
    float depth_bias_constant = 0, depth_bias_slope = 0, depth_bias_clamp = 0;
    // Rasterization samples: 1 (at the pixel center) or 4 (kStandardSamples4); every attachment must
    // have this many samples. The shader runs once per pixel either way.
    uint32_t samples = 1;
    uint32_t sample_mask = ~0u;  // VkPipelineMultisampleStateCreateInfo::pSampleMask[0]: bit s = sample s
};

// "Standard Sample Locations" for VK_SAMPLE_COUNT_4_BIT, in 1/256 pixel from the pixel's corner:
// (0.375, 0.125), (0.875, 0.375), (0.125, 0.625), (0.625, 0.875).
inline constexpr int32_t kStandardSamples4[4][2] = {{96, 32}, {224, 96}, {32, 160}, {160, 224}};

// One attachment's texels: like exec::ImageRef plus the subresource the render pass uses.
struct Attachment {
    std::byte* base = nullptr;  // NULL: no attachment
    const format::ImageLayout* layout = nullptr;
    VkFormat format = VK_FORMAT_UNDEFINED;  // the view's format (UNDEFINED: the image's)
    uint32_t mip = 0, layer = 0;
};

struct BlendState {
    bool enable = false;
    VkBlendFactor src_color = VK_BLEND_FACTOR_ONE, dst_color = VK_BLEND_FACTOR_ZERO;
    VkBlendOp color_op = VK_BLEND_OP_ADD;
    VkBlendFactor src_alpha = VK_BLEND_FACTOR_ONE, dst_alpha = VK_BLEND_FACTOR_ZERO;
    VkBlendOp alpha_op = VK_BLEND_OP_ADD;
    VkColorComponentFlags write_mask = 0xf;
};

struct StencilFace {
    VkStencilOp fail = VK_STENCIL_OP_KEEP, pass = VK_STENCIL_OP_KEEP, depth_fail = VK_STENCIL_OP_KEEP;
    VkCompareOp compare = VK_COMPARE_OP_ALWAYS;
    uint32_t compare_mask = 0xff, write_mask = 0xff, reference = 0;
};

struct OutputState {
    uint32_t color_count = 0;
    Attachment color[kMaxColorAttachments];
    BlendState blend[kMaxColorAttachments];
    float blend_constants[4] = {0, 0, 0, 0};
    Attachment depth_stencil;  // depth and/or stencil planes of one image
    bool depth_test = false, depth_write = false;
    VkCompareOp depth_compare = VK_COMPARE_OP_ALWAYS;
    bool stencil_test = false;
    StencilFace front, back;
    // Depth/stencil tests (and their writes) before shading ("Early Fragment Tests"), as quads enter
    // a batch. For shaders that neither discard nor write FragDepth the results equal late testing;
    // for shaders that declare EarlyFragmentTests it is what the spec asks (a later discard does not
    // undo the depth/stencil writes).
    bool early_fragment_tests = false;
    // FragmentOutput::depth replaces the interpolated depth in the (late) depth test. Ignored with
    // early_fragment_tests, as FragDepth is under the EarlyFragmentTests execution mode.
    bool shader_writes_depth = false;
    // "Multisample Coverage": color output 0's alpha removes samples after shading (before late
    // tests): round(4 alpha) of the four samples are kept, masks 0, 0x1, 0x5, 0x7, 0xf (one sample:
    // kept from alpha >= 1/8). The caller makes the tests late unless the shader asks for early ones.
    bool alpha_to_coverage = false;
};

// What the fragment shader sees of one batch: structure of arrays, one entry per lane. Lanes past
// 4 * quad_count are unused; lanes of a quad that are not in `coverage` are helpers (shaded for
// derivatives only). Quads may come from several triangles, in API order.
struct FragmentBatch {
    uint32_t quad_count = 0;
    uint32_t coverage = 0;      // bit per lane: the pixel center is covered (and passed early tests)
    uint32_t front_facing = 0;  // bit per lane
    alignas(64) int32_t x[kLanes], y[kLanes];  // pixel (FragCoord = x + 0.5, y + 0.5)
    alignas(64) float z[kLanes];               // FragCoord.z: depth after bias (and clamp)
    alignas(64) float inv_w[kLanes];           // FragCoord.w = 1 / clip w
    alignas(64) uint32_t primitive_id[kLanes];
    // Barycentrics of the (unclipped) triangle's vertices 1 and 2; vertex 0's is 1 - b1 - b2.
    // Lines: row 0 is the line's t, row 1 zero ("Basic Line Segment Rasterization"). Points:
    // bary_linear is PointCoord, (s, t) with (0, 0) at the point's top-left corner ("Basic Point
    // Rasterization").
    alignas(64) float bary_perspective[2][kLanes];
    alignas(64) float bary_linear[2][kLanes];  // linear in screen space (NoPerspective)
    // Varying word v of lane l: float bits for Smooth and NoPerspective, the provoking vertex's
    // word, bit for bit, for Flat. Rows past VertexStream::varying_words are not written.
    alignas(64) uint32_t varyings[kMaxVaryingWords][kLanes];
};

// What the fragment shader gives back. `alive` starts as the batch's coverage; the shader clears
// the bits of lanes that discard (helpers' bits are ignored).
struct FragmentOutput {
    uint32_t alive = 0;
    // Color attachment a, component c (R, G, B, A), lane l: float bits for float, UNORM and SRGB
    // attachments, integers for UINT/SINT ones (as format::TexelCodec words).
    alignas(64) uint32_t color[kMaxColorAttachments][4][kLanes];
    alignas(64) float depth[kLanes];  // FragDepth, read when OutputState::shader_writes_depth
};

// The fragment stage. shade() is called from several workers at once (different tiles); `worker`
// is below JobRunner::thread_count(), so per-worker scratch can be indexed by it.
class FragmentShader {
public:
    virtual ~FragmentShader() = default;
    virtual void shade(const FragmentBatch& in, FragmentOutput& out, uint32_t worker) = 0;
};

struct Draw {
    VertexStream vertices;
    PrimitiveInput primitives;
    RasterState raster;
    OutputState output;
};

// Counts of primitives: points and lines count as one each in triangles_in / _culled / _clipped, and
// as the (up to two) triangles of their square or rectangle in triangles_rasterized.
struct DrawStats {
    uint64_t triangles_in = 0, triangles_culled = 0, triangles_clipped = 0, triangles_rasterized = 0;
    uint64_t batches = 0, quads = 0;
};

struct RasterizerImpl;

// Keeps its working memory (triangles, bins, per-worker batches) from one draw to the next, so the
// hot path does not allocate. One draw at a time per Rasterizer.
class Rasterizer {
public:
    Rasterizer();
    ~Rasterizer();
    Rasterizer(const Rasterizer&) = delete;
    Rasterizer& operator=(const Rasterizer&) = delete;

    Status draw(const Draw& draw, FragmentShader& shader, JobRunner& jobs);
    const DrawStats& last_stats() const;

private:
    std::unique_ptr<RasterizerImpl> impl_;
};

}  // namespace kiln::raster
