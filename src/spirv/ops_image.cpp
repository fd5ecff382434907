// Image instructions over the lanes of a batch. The sampling follows the Vulkan spec's chapter
// "Image Operations": coordinate transformation (unnormalized texel coordinates u = s * width),
// level-of-detail selection and mip level choice, "Wrapping Operation", "Texel Filtering" (nearest:
// i = floor(u); linear: i0 = floor(u - 0.5), weight = frac(u - 0.5)), "Texel Gathering" and border
// replacement.
#include "ops_image.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "format/texel_codec.h"
#include "image.h"
#include "cube_map.h"
#include "image_access.h"
#include "sample_rgba8.h"

namespace kiln::spirv {

namespace {

namespace t = image_table;
using namespace image_access;

constexpr float kMaxSamplerLodBias = 2.0f;  // VkPhysicalDeviceLimits::maxSamplerLodBias (physical_device.cpp)

inline bool active(LaneMask mask, uint32_t l) { return (mask >> l) & 1u; }
inline float as_float(uint32_t u) { return std::bit_cast<float>(u); }
inline uint32_t as_bits(float f) { return std::bit_cast<uint32_t>(f); }

// How many coordinates address a texel within a layer, for a Dim.
uint32_t spatial_components(uint32_t dim) {
    switch (dim) {
    case kDim1D:
    case kDimBuffer: return 1;
    case kDim3D: return 3;
    default: return 2;
    }
}

// A texel of a level, or NULL out of bounds (negative coordinates are large unsigned ones).
const std::byte* texel_at(const ImageDescriptor& d, uint32_t level, uint32_t x, uint32_t y, uint32_t z,
                          uint32_t layer) {
    if (level >= d.level_count || layer >= d.layer_count)
        return nullptr;
    const ImageLevel& lv = d.levels[level];
    if (x >= lv.width || y >= lv.height || z >= lv.depth)
        return nullptr;
    return d.base + lv.offset + layer * lv.array_pitch + z * lv.depth_pitch + y * lv.row_pitch +
           uint64_t(x) * d.texel_size;
}

void apply_swizzle(const ImageDescriptor& d, uint32_t texel[4]) {
    if (d.swizzle[0] == 0 && d.swizzle[1] == 1 && d.swizzle[2] == 2 && d.swizzle[3] == 3)
        return;
    const uint32_t one = d.codec->cls == format::TexelClass::Float ? as_bits(1.0f) : 1u;
    uint32_t in[4];
    std::copy(texel, texel + 4, in);
    for (int i = 0; i < 4; ++i)
        texel[i] = d.swizzle[i] < 4 ? in[d.swizzle[i]] : d.swizzle[i] == 5 ? one : 0u;
}

// The integer texel coordinates (x, y, z, layer) of a Read/Write/Fetch coordinate vector.
void integer_coordinates(const Batch& b, uint32_t reg, uint32_t shape, uint32_t l, uint32_t out[4]) {
    const uint32_t dim = shape & 0xff, arrayed = shape >> 8;
    const uint32_t n = spatial_components(dim);
    out[0] = out[1] = out[2] = out[3] = 0;
    for (uint32_t i = 0; i < n; ++i)
        out[i] = b.reg(reg + i)[l];
    if (arrayed)
        out[3] = b.reg(reg + n)[l];
}

void write_result(Batch& b, uint32_t dst, uint32_t n, uint32_t l, const uint32_t value[4]) {
    for (uint32_t i = 0; i < n && i < 4; ++i)
        b.reg(dst + i)[l] = value[i];
}

// ---- sampling ----

// A border texel ("Texel Replacement"): the border color replaces the components the format has;
// the others are then filled as for any texel ("Conversion to RGBA": 0, and one for alpha).
void border_color(uint32_t border, const format::TexelCodec& codec, uint32_t out[4]) {
    const bool integer = border % 2 == 1;  // the INT_ colors are the odd values
    const uint32_t one = integer ? 1u : as_bits(1.0f);
    const uint32_t color[4] = {border >= 4 ? one : 0u, border >= 4 ? one : 0u, border >= 4 ? one : 0u,
                               border >= 2 ? one : 0u};  // OPAQUE_WHITE; OPAQUE_BLACK and OPAQUE_WHITE
    const uint32_t format_one = codec.cls == format::TexelClass::Float ? as_bits(1.0f) : 1u;
    for (int c = 0; c < 4; ++c)
        out[c] = (codec.channels >> c) & 1u ? color[c] : c == 3 ? format_one : 0u;
}

struct SampleSpot {
    const ImageDescriptor* image;
    const SamplerState* sampler;
    uint32_t dims;  // spatial components
    uint32_t layer;
    bool compare = false;  // Dref sampling through a sampler with compareEnable
    float dref = 0.0f;     // the reference, clamped to [0, 1] for UNORM depth
    // Cube images: the face sampled (layer = first_face_layer + face) and the direction.
    bool cube = false;
    uint32_t face = 0, first_face_layer = 0;
    float direction[3] = {0, 0, 0};
};

// "Depth Compare Operation": reference op texel, 1.0 when it holds, else 0.0.
bool depth_compare(uint8_t op, float reference, float texel) {
    switch (op) {
    case VK_COMPARE_OP_NEVER: return false;
    case VK_COMPARE_OP_LESS: return reference < texel;
    case VK_COMPARE_OP_EQUAL: return reference == texel;
    case VK_COMPARE_OP_LESS_OR_EQUAL: return reference <= texel;
    case VK_COMPARE_OP_GREATER: return reference > texel;
    case VK_COMPARE_OP_NOT_EQUAL: return reference != texel;
    case VK_COMPARE_OP_GREATER_OR_EQUAL: return reference >= texel;
    default: return true;
    }
}

// With a comparison, a texel's depth (R) becomes the comparison's result before filtering.
void apply_compare(const SampleSpot& s, uint32_t texel[4]) {
    if (s.compare)
        texel[0] = as_bits(depth_compare(s.sampler->compare_op, s.dref, as_float(texel[0])) ? 1.0f : 0.0f);
}

// Texel (i, j, k) of `layer` of `level`, which the caller wrapped: decoded, and compared for Dref.
void read_texel(const SampleSpot& s, uint32_t level, int32_t i, int32_t j, int32_t k, uint32_t layer, uint32_t out[4]) {
    const std::byte* p = texel_at(*s.image, level, uint32_t(i), uint32_t(j), uint32_t(k), layer);
    if (!p) {
        out[0] = out[1] = out[2] = out[3] = 0;
        return;
    }
    s.image->codec->read(*s.image->codec, p, out);
    apply_compare(s, out);
}

// A texel of a cube face, the address modes ignored ("Cube Map Edge Handling"): past one edge it is
// the adjacent face's; past a corner, the average of the three texels that meet there.
void fetch_cube(const SampleSpot& s, uint32_t level, int32_t i, int32_t j, uint32_t out[4]) {
    const int32_t n = int32_t(s.image->levels[level].width);
    const bool i_out = i < 0 || i >= n, j_out = j < 0 || j >= n;
    if (!i_out && !j_out)
        return read_texel(s, level, i, j, 0, s.first_face_layer + s.face, out);
    auto neighbour = [&](int32_t x, int32_t y, uint32_t texel[4]) {
        uint32_t face;
        int32_t nx, ny;
        cube::across_edge(s.face, x, y, n, &face, &nx, &ny);
        read_texel(s, level, nx, ny, 0, s.first_face_layer + face, texel);
    };
    if (i_out != j_out)
        return neighbour(i, j, out);
    const int32_t ci = std::clamp(i, 0, n - 1), cj = std::clamp(j, 0, n - 1);
    uint32_t texels[3][4];
    read_texel(s, level, ci, cj, 0, s.first_face_layer + s.face, texels[0]);
    neighbour(i, cj, texels[1]);
    neighbour(ci, j, texels[2]);
    for (int c = 0; c < 4; ++c)
        out[c] = as_bits((as_float(texels[0][c]) + as_float(texels[1][c]) + as_float(texels[2][c])) / 3.0f);
}

// One texel (i, j, k) of `level` after wrapping, or the border color.
void fetch_wrapped(const SampleSpot& s, uint32_t level, int32_t i, int32_t j, int32_t k, uint32_t out[4]) {
    if (s.cube)
        return fetch_cube(s, level, i, j, out);
    const ImageLevel& lv = s.image->levels[level];
    const int32_t size[3] = {int32_t(lv.width), int32_t(lv.height), int32_t(lv.depth)};
    int32_t c[3] = {i, j, k};
    for (uint32_t a = 0; a < 3; ++a) {
        if (a >= s.dims) {
            c[a] = 0;
            continue;
        }
        c[a] = wrap(c[a], size[a], s.sampler->address[a]);
        if (c[a] < 0 || c[a] >= size[a]) {
            border_color(s.sampler->border, *s.image->codec, out);
            apply_compare(s, out);
            return;
        }
    }
    const std::byte* p = texel_at(*s.image, level, uint32_t(c[0]), uint32_t(c[1]), uint32_t(c[2]), s.layer);
    if (!p) {
        out[0] = out[1] = out[2] = out[3] = 0;
        return;
    }
    s.image->codec->read(*s.image->codec, p, out);
    apply_compare(s, out);
}

// Filters one level at unnormalized coordinates u (dims of them).
void filter_level(const SampleSpot& s, uint32_t level, const float u[3], bool linear, uint32_t out[4]) {
    if (!linear) {
        int32_t i[3];
        for (int a = 0; a < 3; ++a)
            i[a] = int32_t(std::floor(clamp_coordinate(u[a])));
        if (s.cube) {  // cube faces clamp to their edges for NEAREST
            const int32_t n = int32_t(s.image->levels[level].width);
            i[0] = std::clamp(i[0], 0, n - 1);
            i[1] = std::clamp(i[1], 0, n - 1);
        }
        fetch_wrapped(s, level, i[0], i[1], i[2], out);
        return;
    }
    int32_t i0[3];
    float alpha[3];
    for (int a = 0; a < 3; ++a) {
        const float x = clamp_coordinate(u[a]) - 0.5f;
        const float f = std::floor(x);
        i0[a] = int32_t(f);
        alpha[a] = a < int(s.dims) ? x - f : 0.0f;
    }
    float sum[4] = {0, 0, 0, 0};
    const uint32_t corners = 1u << s.dims;
    for (uint32_t corner = 0; corner < corners; ++corner) {
        float weight = 1.0f;
        int32_t i[3] = {i0[0], i0[1], i0[2]};
        for (uint32_t a = 0; a < s.dims; ++a) {
            const bool high = (corner >> a) & 1u;
            i[a] += high ? 1 : 0;
            weight *= high ? alpha[a] : 1.0f - alpha[a];
        }
        uint32_t texel[4];
        fetch_wrapped(s, level, i[0], i[1], i[2], texel);
        for (int c = 0; c < 4; ++c)
            sum[c] += weight * as_float(texel[c]);
    }
    for (int c = 0; c < 4; ++c)
        out[c] = as_bits(sum[c]);
}

// Integer formats are never filtered (VUID: linear filtering needs
// SAMPLED_IMAGE_FILTER_LINEAR, which integer formats do not report): they read as NEAREST.
bool filterable(const ImageDescriptor& d) { return d.codec->cls == format::TexelClass::Float; }

void sample_at(const SampleSpot& s, const float coords[3], float lambda_base, const int32_t offset[3],
               uint32_t out[4]) {
    const ImageDescriptor& d = *s.image;
    const SamplerState& sm = *s.sampler;
    float u[3] = {0, 0, 0};
    auto scale = [&](uint32_t level) {
        const ImageLevel& lv = d.levels[level];
        const float size[3] = {float(lv.width), float(lv.height), float(lv.depth)};
        for (uint32_t a = 0; a < 3; ++a)
            u[a] = a < s.dims ? (sm.unnormalized ? coords[a] : coords[a] * size[a]) + float(offset[a]) : 0.0f;
    };
    if (sm.unnormalized) {
        // Unnormalized coordinates: level 0 (the view's only level), the mag filter (the spec
        // requires equal filters and an explicit LOD of zero).
        scale(0);
        filter_level(s, 0, u, sm.mag_filter == 1 && filterable(d), out);
        return;
    }
    const LevelChoice levels = choose_levels(d, sm, lambda_base, filterable(d));
    scale(levels.first);
    filter_level(s, levels.first, u, levels.linear, out);
    if (levels.delta == 0.0f)
        return;
    uint32_t second[4];
    scale(levels.second);
    filter_level(s, levels.second, u, levels.linear, second);
    for (int c = 0; c < 4; ++c)
        out[c] = as_bits((1.0f - levels.delta) * as_float(out[c]) + levels.delta * as_float(second[c]));
}

}  // namespace

namespace image_access {

LevelChoice choose_levels(const ImageDescriptor& d, const SamplerState& sm, float lambda_base, bool filterable) {
    const float bias = std::clamp(sm.lod_bias, -kMaxSamplerLodBias, kMaxSamplerLodBias);
    float lambda = lambda_base + bias;
    if (lambda > sm.max_lod)
        lambda = sm.max_lod;
    if (lambda < sm.min_lod)
        lambda = sm.min_lod;
    if (std::isnan(lambda))
        lambda = 0.0f;
    LevelChoice c;
    c.linear = (lambda <= 0.0f ? sm.mag_filter : sm.min_filter) == 1 && filterable;
    const float q = float(d.level_count - 1);
    const float dprime = std::clamp(lambda, 0.0f, q);
    if (sm.mipmap_mode == 0 || !filterable) {
        c.first = uint32_t(std::min(std::ceil(dprime + 0.5f) - 1.0f, q));
        return c;
    }
    c.first = uint32_t(std::floor(dprime));
    c.second = std::min(c.first + 1, d.level_count - 1);
    c.delta = dprime - float(c.first);
    return c;
}

}  // namespace image_access

namespace {

// Reads the float coordinates (and the array layer) of a sampling instruction for lane l.
bool sample_spot(const Batch& b, const Ins& ins, uint32_t l, SampleSpot* s, float coords[3]) {
    const Program& p = *b.program;
    const uint32_t handle = b.reg(ins.a)[l];
    s->image = image_of(b, handle);
    s->sampler = sampler_of(b, handle);
    if (!s->image || !s->sampler)
        return false;
    const uint32_t shape = p.tables[ins.aux + t::Shape];
    const uint32_t dim = shape & 0xff;
    const uint32_t coordinate = p.tables[ins.aux + t::Coordinate];
    if (dim == kDimCube) {
        // A direction: its face, and where in the face ("Cube Map Face Selection").
        for (uint32_t a = 0; a < 3; ++a) {
            const float r = as_float(b.reg(coordinate + a)[l]);
            s->direction[a] = std::isnan(r) ? 0.0f : r;
        }
        const cube::FacePoint point = cube::select(s->direction);
        s->cube = true;
        s->dims = 2;
        s->face = point.face;
        coords[0] = point.s, coords[1] = point.t, coords[2] = 0.0f;
        const uint32_t cubes = std::max(s->image->layer_count / 6, 1u);
        if (shape >> 8) {
            const float a = as_float(b.reg(coordinate + 3)[l]);
            s->first_face_layer = 6 * uint32_t(std::clamp(std::nearbyint(std::isnan(a) ? 0.0f : a), 0.0f, float(cubes - 1)));
        }
        s->layer = s->first_face_layer + s->face;
        return s->image->layer_count >= 6 && s->image->levels[0].width == s->image->levels[0].height;
    }
    s->dims = spatial_components(dim);
    for (uint32_t a = 0; a < 3; ++a)
        coords[a] = a < s->dims ? as_float(b.reg(coordinate + a)[l]) : 0.0f;
    s->layer = 0;
    if (shape >> 8) {
        // The layer: round to nearest even, clamp to the view's layers ("Cube Map Face Selection
        // and Transformations" / array layer selection).
        const float a = as_float(b.reg(coordinate + s->dims)[l]);
        const float layer = std::nearbyint(std::isnan(a) ? 0.0f : a);
        s->layer = uint32_t(std::clamp(layer, 0.0f, float(s->image->layer_count - 1)));
    }
    return true;
}

void read_offset(const Batch& b, uint32_t reg, uint32_t dims, uint32_t l, int32_t out[3]) {
    out[0] = out[1] = out[2] = 0;
    if (reg == t::kNone)
        return;
    for (uint32_t a = 0; a < dims; ++a)
        out[a] = int32_t(b.reg(reg + a)[l]);
}

}  // namespace

void image_read(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t coordinate = p.tables[ins.aux + t::Coordinate], shape = p.tables[ins.aux + t::Shape];
    const uint32_t lod = p.tables[ins.aux + t::Lod];
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        uint32_t value[4] = {0, 0, 0, 0};
        if (const ImageDescriptor* d = image_of(b, b.reg(ins.a)[l])) {
            uint32_t c[4];
            integer_coordinates(b, coordinate, shape, l, c);
            const uint32_t level = lod == t::kNone ? 0 : b.reg(lod)[l];
            if (const std::byte* texel = texel_at(*d, level, c[0], c[1], c[2], c[3])) {
                d->codec->read(*d->codec, texel, value);
                apply_swizzle(*d, value);
            }
        }
        write_result(b, ins.dst, ins.n, l, value);
    }
}

void image_read_subpass(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t coordinate = p.tables[ins.aux + t::Coordinate], frag_coord = p.tables[ins.aux + t::Extra];
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        uint32_t value[4] = {0, 0, 0, 0};
        if (const ImageDescriptor* d = image_of(b, b.reg(ins.a)[l])) {
            // FragCoord is the pixel's center (x + 0.5, y + 0.5): its integer part is the pixel.
            const uint32_t x = uint32_t(int32_t(as_float(b.reg(frag_coord)[l]))) + b.reg(coordinate)[l];
            const uint32_t y = uint32_t(int32_t(as_float(b.reg(frag_coord + 1)[l]))) + b.reg(coordinate + 1)[l];
            if (const std::byte* texel = texel_at(*d, 0, x, y, 0, 0)) {
                d->codec->read(*d->codec, texel, value);
                apply_swizzle(*d, value);
            }
        }
        write_result(b, ins.dst, ins.n, l, value);
    }
}

void image_write(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t coordinate = p.tables[ins.aux + t::Coordinate], shape = p.tables[ins.aux + t::Shape];
    const uint32_t texel_reg = p.tables[ins.aux + t::Component], components = p.tables[ins.aux + t::Extra];
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        const ImageDescriptor* d = image_of(b, b.reg(ins.a)[l]);
        if (!d)
            continue;
        uint32_t c[4];
        integer_coordinates(b, coordinate, shape, l, c);
        std::byte* texel = const_cast<std::byte*>(texel_at(*d, 0, c[0], c[1], c[2], c[3]));
        if (!texel || !d->codec->write)
            continue;
        // Components the texel lacks are 0 (alpha 1), as for reads.
        uint32_t value[4] = {0, 0, 0, d->codec->cls == format::TexelClass::Float ? as_bits(1.0f) : 1u};
        for (uint32_t i = 0; i < components && i < 4; ++i)
            value[i] = b.reg(texel_reg + i)[l];
        d->codec->write(*d->codec, value, texel);
    }
}

void image_sample(const Ins& ins, Batch& b, LaneMask mask) {
    if (!sample_rgba8_2d(ins, b, mask))
        image_sample_generic(ins, b, mask);
}

void image_sample_generic(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t lod = p.tables[ins.aux + t::Lod], offset_reg = p.tables[ins.aux + t::Offset];
    const uint32_t grad_x = p.tables[ins.aux + t::GradX], grad_y = p.tables[ins.aux + t::GradY];
    const uint32_t dref = p.tables[ins.aux + t::Dref];
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        uint32_t value[4] = {0, 0, 0, 0};
        SampleSpot s;
        float coords[3];
        if (sample_spot(b, ins, l, &s, coords)) {
            if (dref != t::kNone && s.sampler->compare_enable) {
                // The reference is clamped to [0, 1] when the depth format is fixed point.
                s.compare = true;
                s.dref = as_float(b.reg(dref)[l]);
                const VkFormat f = s.image->codec->format;
                if (f == VK_FORMAT_D16_UNORM || f == VK_FORMAT_X8_D24_UNORM_PACK32)
                    s.dref = std::isnan(s.dref) ? 0.0f : std::clamp(s.dref, 0.0f, 1.0f);
            }
            float lambda = 0.0f;
            if (lod != t::kNone)
                lambda = as_float(b.reg(lod)[l]);
            else if (grad_x != t::kNone && s.cube) {
                float dx[3], dy[3];
                for (uint32_t a = 0; a < 3; ++a) {
                    dx[a] = as_float(b.reg(grad_x + a)[l]);
                    dy[a] = as_float(b.reg(grad_y + a)[l]);
                }
                lambda = cube::lambda(s.direction, dx, dy, s.image->levels[0].width);
            } else if (grad_x != t::kNone)
                lambda = lambda_from_gradients(b, grad_x, grad_y, s.dims, s.image->levels[0], l);
            int32_t offset[3];
            read_offset(b, offset_reg, s.dims, l, offset);
            sample_at(s, coords, lambda, offset, value);
            apply_swizzle(*s.image, value);
        }
        write_result(b, ins.dst, ins.n, l, value);
    }
}

void image_gather(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t component_reg = p.tables[ins.aux + t::Component], offset_reg = p.tables[ins.aux + t::Offset];
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        uint32_t value[4] = {0, 0, 0, 0};
        SampleSpot s;
        float coords[3];
        if (sample_spot(b, ins, l, &s, coords) && s.dims == 2) {
            // The four texels LINEAR would filter at level 0, in the order
            // (i0, j1), (i1, j1), (i1, j0), (i0, j0); the chosen component of each, after swizzling.
            const uint32_t component = std::min(b.reg(component_reg)[l], 3u);
            int32_t offset[3];
            read_offset(b, offset_reg, 2, l, offset);
            const ImageLevel& lv = s.image->levels[0];
            const float size[2] = {float(lv.width), float(lv.height)};
            int32_t i0[2];
            for (int a = 0; a < 2; ++a) {
                const float u = s.sampler->unnormalized ? coords[a] : coords[a] * size[a];
                i0[a] = int32_t(std::floor(clamp_coordinate(u + float(offset[a])) - 0.5f));
            }
            const int32_t corners[4][2] = {{0, 1}, {1, 1}, {1, 0}, {0, 0}};
            for (int k = 0; k < 4; ++k) {
                uint32_t texel[4];
                fetch_wrapped(s, 0, i0[0] + corners[k][0], i0[1] + corners[k][1], 0, texel);
                apply_swizzle(*s.image, texel);
                value[k] = texel[component];
            }
        }
        write_result(b, ins.dst, ins.n, l, value);
    }
}

void image_query_size(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t shape = p.tables[ins.aux + t::Shape], lod = p.tables[ins.aux + t::Lod];
    const uint32_t dim = shape & 0xff, dims = dim == kDimCube ? 2 : spatial_components(dim);
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        uint32_t value[4] = {0, 0, 0, 0};
        const ImageDescriptor* d = image_of(b, b.reg(ins.a)[l]);
        const uint32_t level = lod == t::kNone ? 0 : b.reg(lod)[l];
        if (d && level < d->level_count) {
            const ImageLevel& lv = d->levels[level];
            const uint32_t extent[3] = {lv.width, lv.height, lv.depth};
            for (uint32_t a = 0; a < dims; ++a)
                value[a] = extent[a];
            if (shape >> 8)
                value[dims] = dim == kDimCube ? d->layer_count / 6 : d->layer_count;  // cube arrays: cubes
        }
        write_result(b, ins.dst, ins.n, l, value);
    }
}

void image_query_levels(const Ins& ins, Batch& b, LaneMask mask) {
    for (uint32_t l = 0; l < kLanes; ++l)
        if (active(mask, l)) {
            const ImageDescriptor* d = image_of(b, b.reg(ins.a)[l]);
            b.reg(ins.dst)[l] = d ? d->level_count : 0;
        }
}

void image_atomic(const Ins& ins, Batch& b, LaneMask mask) {
    const Program& p = *b.program;
    const uint32_t shape = p.tables[ins.aux + t::Shape];
    const uint32_t value_reg = p.tables[ins.aux + t::Component], comparator_reg = p.tables[ins.aux + t::Extra];
    const uint32_t op = ins.imm;
    for (uint32_t l = 0; l < kLanes; ++l) {
        if (!active(mask, l))
            continue;
        uint32_t old = 0;
        const ImageDescriptor* d = image_of(b, b.reg(ins.a)[l]);
        uint32_t c[4];
        integer_coordinates(b, ins.a + 1, shape, l, c);
        std::byte* texel = d && d->texel_size == 4 ? const_cast<std::byte*>(texel_at(*d, 0, c[0], c[1], c[2], c[3]))
                                                   : nullptr;
        if (texel) {
            // R32_UINT / R32_SINT texels are 4-byte aligned (levels start on 16 bytes).
            uint32_t* target = reinterpret_cast<uint32_t*>(texel);
            const uint32_t v = op == 232 || op == 233 ? 1u : value_reg == t::kNone ? 0u : b.reg(value_reg)[l];
            switch (op) {
            case 227: old = __atomic_load_n(target, __ATOMIC_SEQ_CST); break;         // Load
            case 228: __atomic_store_n(target, v, __ATOMIC_SEQ_CST); break;           // Store
            case 229: old = __atomic_exchange_n(target, v, __ATOMIC_SEQ_CST); break;  // Exchange
            case 230: {                                                               // CompareExchange
                uint32_t expected = b.reg(comparator_reg)[l];
                __atomic_compare_exchange_n(target, &expected, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
                old = expected;
                break;
            }
            case 232:
            case 234: old = __atomic_fetch_add(target, v, __ATOMIC_SEQ_CST); break;  // IIncrement, IAdd
            case 233:
            case 235: old = __atomic_fetch_sub(target, v, __ATOMIC_SEQ_CST); break;  // IDecrement, ISub
            case 240: old = __atomic_fetch_and(target, v, __ATOMIC_SEQ_CST); break;
            case 241: old = __atomic_fetch_or(target, v, __ATOMIC_SEQ_CST); break;
            case 242: old = __atomic_fetch_xor(target, v, __ATOMIC_SEQ_CST); break;
            default: {  // 236 SMin, 237 UMin, 238 SMax, 239 UMax
                uint32_t current = __atomic_load_n(target, __ATOMIC_SEQ_CST);
                for (;;) {
                    uint32_t next = current;
                    if (op == 236) next = int32_t(v) < int32_t(current) ? v : current;
                    if (op == 237) next = std::min(v, current);
                    if (op == 238) next = int32_t(v) > int32_t(current) ? v : current;
                    if (op == 239) next = std::max(v, current);
                    if (__atomic_compare_exchange_n(target, &current, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                        break;
                }
                old = current;
                break;
            }
            }
        }
        if (op != 228)
            b.reg(ins.dst)[l] = old;
    }
}

}  // namespace kiln::spirv
