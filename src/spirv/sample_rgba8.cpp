// The sampler for the textures most applications draw with: 2D, normalized coordinates, 8-bit RGBA
// or BGRA (UNORM or SRGB), wrapped by repeat, mirrored repeat or clamp to edge. The generic handler
// (ops_image.cpp) looks up the descriptor, decodes texels through the format's codec and wraps with
// integer division for every lane and every texel; here the descriptor and the sampler are looked
// up once per instruction, texels are decoded from 256-entry tables, power-of-two repeats are
// masks, and the level of detail is computed once per distinct gradient (a 2x2 quad shares its
// derivatives) or not at all when the sampler pins it.
//
// The results are the generic handler's, bit for bit: the same operations in the same order (the
// engine never fuses a * b + c), which the compute suite's host comparisons and the draw suite hold.
#include "sample_rgba8.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>

#include "format/texel_codec.h"
#include "image_access.h"
#include "ops.h"
#include "ops_image.h"

namespace kiln::spirv {

namespace {

using namespace image_access;
namespace t = image_table;

// c / 255 for every 8-bit code: what the codecs compute for a UNORM component.
const float* unorm8_table() {
    static const auto table = [] {
        static float v[256];
        for (int i = 0; i < 256; ++i)
            v[i] = float(i) / 255.0f;
        return v;
    }();
    return table;
}

const float* const kUnorm8 = unorm8_table();

struct Texture {
    const ImageDescriptor* image;
    const float* color;    // decodes R, G, B
    bool srgb;             // R, G, B decode as sRGB (A stays UNORM)
    uint32_t red_byte;     // 0 for RGBA, 2 for BGRA (blue is 2 - red_byte)
    uint8_t address[2];
};

inline bool power_of_two(int32_t size) { return (size & (size - 1)) == 0; }

// wrap() of image_access without the divisions for the common modes.
inline int32_t wrap_fast(int32_t i, int32_t size, uint8_t mode) {
    if (mode == kClampToEdge)
        return i < 0 ? 0 : i >= size ? size - 1 : i;
    if (mode == kRepeat) {
        if (power_of_two(size))
            return i & (size - 1);
        const int32_t r = i % size;
        return r < 0 ? r + size : r;
    }
    return wrap(i, size, mode);
}

inline void decode(const Texture& tex, const std::byte* row, int32_t i, float out[4]) {
    uint8_t texel[4];
    std::memcpy(texel, row + 4 * size_t(i), 4);
    out[0] = tex.color[texel[tex.red_byte]];
    out[1] = tex.color[texel[1]];
    out[2] = tex.color[texel[2 - tex.red_byte]];
    out[3] = kUnorm8[texel[3]];
}

// One level at normalized (s, t): filter_level of ops_image.cpp for these textures.
void filter(const Texture& tex, uint32_t level, float s, float t, bool linear, float out[4]) {
    const ImageLevel& lv = tex.image->levels[level];
    const int32_t width = int32_t(lv.width), height = int32_t(lv.height);
    const std::byte* base = tex.image->base + lv.offset;
    const float u = s * float(lv.width), v = t * float(lv.height);
    if (!linear) {
        const int32_t i = wrap_fast(int32_t(std::floor(clamp_coordinate(u))), width, tex.address[0]);
        const int32_t j = wrap_fast(int32_t(std::floor(clamp_coordinate(v))), height, tex.address[1]);
        decode(tex, base + uint64_t(j) * lv.row_pitch, i, out);
        return;
    }
    const float x = clamp_coordinate(u) - 0.5f, y = clamp_coordinate(v) - 0.5f;
    const float fx = std::floor(x), fy = std::floor(y);
    const float ax = x - fx, ay = y - fy;
    const int32_t i0 = int32_t(fx), j0 = int32_t(fy);
    const int32_t i[2] = {wrap_fast(i0, width, tex.address[0]), wrap_fast(i0 + 1, width, tex.address[0])};
    const int32_t j[2] = {wrap_fast(j0, height, tex.address[1]), wrap_fast(j0 + 1, height, tex.address[1])};
    const std::byte* rows[2] = {base + uint64_t(j[0]) * lv.row_pitch, base + uint64_t(j[1]) * lv.row_pitch};
    // Corners in the generic order (x fastest), weights as its products.
    const float weight[4] = {(1.0f - ax) * (1.0f - ay), ax * (1.0f - ay), (1.0f - ax) * ay, ax * ay};
    float texel[4][4];
    for (int corner = 0; corner < 4; ++corner)
        decode(tex, rows[corner >> 1], i[corner & 1], texel[corner]);
    for (int c = 0; c < 4; ++c) {
        float sum = weight[0] * texel[0][c];
        sum += weight[1] * texel[1][c];
        sum += weight[2] * texel[2][c];
        sum += weight[3] * texel[3][c];
        out[c] = sum;
    }
}

void sample(const Texture& tex, const LevelChoice& levels, float s, float t, float out[4]) {
    filter(tex, levels.first, s, t, levels.linear, out);
    if (levels.delta == 0.0f)
        return;
    float second[4];
    filter(tex, levels.second, s, t, levels.linear, second);
    for (int c = 0; c < 4; ++c)
        out[c] = (1.0f - levels.delta) * out[c] + levels.delta * second[c];
}

bool supported_address(uint8_t mode) { return mode != kClampToBorder && mode <= kMirrorClampToEdge; }

bool same_choice(const LevelChoice& a, const LevelChoice& b) {
    return a.linear == b.linear && a.first == b.first && a.second == b.second && a.delta == b.delta;
}

// Whether the 8-lane kernel (sample_rgba8.h) takes `level` of `tex`, and its description if so.
bool kernel_level(const Texture& tex, uint32_t level, bool linear, Rgba8Level* out) {
    const ImageLevel& lv = tex.image->levels[level];
    bool repeat[2];
    const uint32_t size[2] = {lv.width, lv.height};
    for (int a = 0; a < 2; ++a) {
        repeat[a] = tex.address[a] == kRepeat;
        if (!(tex.address[a] == kClampToEdge || (repeat[a] && power_of_two(int32_t(size[a])))))
            return false;
    }
    if (lv.row_pitch * lv.height > uint64_t(INT32_MAX) || lv.width > (1u << 24) || lv.height > (1u << 24))
        return false;
    *out = {tex.image->base + lv.offset, int32_t(lv.width), int32_t(lv.height), int32_t(lv.row_pitch),
            {repeat[0], repeat[1]}, linear, tex.red_byte,
            tex.srgb ? tex.color : nullptr};
    return true;
}

bool avx2_selected() {
#if defined(KILN_HAVE_AVX2_OPS)
    static const bool selected = std::strcmp(ops().isa, "avx2") == 0;
    return selected;
#else
    return false;
#endif
}

// The kernel's description of each level of one texture, made when a level is first needed.
class KernelLevels {
public:
    explicit KernelLevels(const Texture& tex) : tex_(tex) {}
    const Rgba8Level* get(uint32_t level, bool linear) {
        if (state_[level] == kUnknown)
            state_[level] = kernel_level(tex_, level, false, &levels_[level]) ? kTaken : kDeclined;
        if (state_[level] == kDeclined)
            return nullptr;
        levels_[level].linear = linear;
        return &levels_[level];
    }

private:
    enum : uint8_t { kUnknown, kTaken, kDeclined };
    const Texture& tex_;
    uint8_t state_[format::kMaxMipLevels] = {};
    Rgba8Level levels_[format::kMaxMipLevels];
};

// Lanes [first, first + 8) of one group, through the 8-lane kernel when the kernel takes the
// levels every active lane of the group reads; false when it does not.
bool sample_group(KernelLevels& kernel, const LevelChoice& levels, const uint32_t* s, const uint32_t* t,
                  float value[4][8]) {
#if defined(KILN_HAVE_AVX2_OPS)
    const Rgba8Level* first = kernel.get(levels.first, levels.linear);
    const Rgba8Level* second = levels.delta != 0.0f ? kernel.get(levels.second, levels.linear) : nullptr;
    if (!first || (levels.delta != 0.0f && !second))
        return false;
    avx2::filter_rgba8x8(*first, s, t, value);
    if (levels.delta == 0.0f)
        return true;
    float other[4][8];
    avx2::filter_rgba8x8(*second, s, t, other);
    for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 8; ++l)
            value[c][l] = (1.0f - levels.delta) * value[c][l] + levels.delta * other[c][l];
    return true;
#else
    (void)kernel, (void)levels, (void)s, (void)t, (void)value;
    return false;
#endif
}

}  // namespace

bool sample_rgba8_2d(const Ins& ins, Batch& b, LaneMask mask) {
    if (mask == 0)
        return true;
    const Program& p = *b.program;
    if (p.tables[ins.aux + t::Shape] != kDim2D || p.tables[ins.aux + t::Offset] != t::kNone ||
        p.tables[ins.aux + t::Dref] != t::kNone)
        return false;
    // One texture for every active lane (the usual case: a descriptor, not an array indexed per lane).
    const uint32_t* handles = b.reg(ins.a);
    const uint32_t handle = handles[std::countr_zero(mask)];
    for (uint32_t l = 0; l < kLanes; ++l)
        if (((mask >> l) & 1u) && handles[l] != handle)
            return false;
    const ImageDescriptor* d = image_of(b, handle);
    const SamplerState* sm = sampler_of(b, handle);
    if (!d || !sm || sm->unnormalized || d->texel_size != 4 || d->level_count == 0 || d->layer_count == 0 ||
        !supported_address(sm->address[0]) || !supported_address(sm->address[1]))
        return false;
    Texture tex{d, kUnorm8, false, 0, {sm->address[0], sm->address[1]}};
    switch (d->codec->format) {
    case VK_FORMAT_R8G8B8A8_UNORM: break;
    case VK_FORMAT_B8G8R8A8_UNORM: tex.red_byte = 2; break;
    case VK_FORMAT_R8G8B8A8_SRGB:
        tex.color = format::srgb8_to_linear_table();
        tex.srgb = true;
        break;
    case VK_FORMAT_B8G8R8A8_SRGB:
        tex.color = format::srgb8_to_linear_table();
        tex.srgb = true;
        tex.red_byte = 2;
        break;
    default: return false;
    }

    const uint32_t coordinate = p.tables[ins.aux + t::Coordinate], lod = p.tables[ins.aux + t::Lod];
    const uint32_t grad_x = p.tables[ins.aux + t::GradX], grad_y = p.tables[ins.aux + t::GradY];
    // The level choice depends on lambda only through clamps the sampler may pin: with minLod =
    // maxLod = 0 lambda is 0 whatever the derivatives (NaN included); with one level and equal
    // filters every lambda selects the same.
    const bool pinned = (sm->min_lod == 0.0f && sm->max_lod == 0.0f) ||
                        (d->level_count == 1 && sm->mag_filter == sm->min_filter);
    const LevelChoice pinned_levels = choose_levels(*d, *sm, 0.0f, true);
    uint32_t last_gradients[4] = {};
    bool have_last = false;
    float last_lambda = 0.0f;
    auto levels_of = [&](uint32_t l) {
        if (pinned)
            return pinned_levels;
        float lambda = 0.0f;
        if (lod != t::kNone) {
            lambda = std::bit_cast<float>(b.reg(lod)[l]);
        } else if (grad_x != t::kNone) {
            // Lanes of a quad share their (coarse) derivatives: the last lane's lambda serves when
            // its gradients are the same bits.
            const uint32_t gradients[4] = {b.reg(grad_x)[l], b.reg(grad_x + 1)[l], b.reg(grad_y)[l],
                                           b.reg(grad_y + 1)[l]};
            if (have_last && std::equal(gradients, gradients + 4, last_gradients)) {
                lambda = last_lambda;
            } else {
                lambda = lambda_from_gradients(b, grad_x, grad_y, 2, d->levels[0], l);
                std::copy(gradients, gradients + 4, last_gradients);
                last_lambda = lambda;
                have_last = true;
            }
        }
        return choose_levels(*d, *sm, lambda, true);
    };

    const uint32_t* s_reg = b.reg(coordinate);
    const uint32_t* t_reg = b.reg(coordinate + 1);
    const uint32_t components = std::min(ins.n, 4u);
    auto write = [&](uint32_t l, const float value[4]) {
        for (uint32_t c = 0; c < components; ++c) {
            const uint32_t from = d->swizzle[c];
            b.reg(ins.dst + c)[l] = from < 4 ? std::bit_cast<uint32_t>(value[from]) : from == 5 ? 0x3f800000u : 0u;
        }
    };
    const bool wide = avx2_selected();
    KernelLevels kernel(tex);
    for (uint32_t group = 0; group < kLanes; group += 8) {
        const uint32_t active = (mask >> group) & 0xffu;
        if (active == 0)
            continue;
        const uint32_t leader = std::countr_zero(active);
        LevelChoice levels[8];
        bool uniform = true;
        if (pinned) {
            std::fill(levels, levels + 8, pinned_levels);
        } else {
            for (uint32_t k = 0; k < 8; ++k)
                if ((active >> k) & 1u) {
                    levels[k] = levels_of(group + k);
                    uniform = uniform && same_choice(levels[k], levels[leader]);
                }
        }
        float value[4][8];
        if (wide && uniform && sample_group(kernel, levels[leader], s_reg + group, t_reg + group, value)) {
            for (uint32_t c = 0; c < components; ++c) {
                const uint32_t from = d->swizzle[c];
                uint32_t* out = b.reg(ins.dst + c) + group;
                if (from < 4 && active == 0xffu) {
                    std::memcpy(out, value[from], sizeof value[from]);
                    continue;
                }
                const uint32_t constant = from == 5 ? 0x3f800000u : 0u;
                for (uint32_t k = 0; k < 8; ++k)
                    if ((active >> k) & 1u)
                        out[k] = from < 4 ? std::bit_cast<uint32_t>(value[from][k]) : constant;
            }
            continue;
        }
        for (uint32_t k = 0; k < 8; ++k)
            if ((active >> k) & 1u) {
                float lane[4];
                sample(tex, levels[k], std::bit_cast<float>(s_reg[group + k]), std::bit_cast<float>(t_reg[group + k]),
                       lane);
                write(group + k, lane);
            }
    }
    return true;
}

}  // namespace kiln::spirv
