// Executes a draw (DrawCmd, commands.h): vertex fetch and vertex shading in batches of the shader
// engine's lanes, then the rasterizer core (src/raster) with the fragment shader run through the
// engine's StageRunner, one per worker. Everything the draw reads was resolved at record time.
#include "draw.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <spirv/unified1/spirv.hpp11>
#include <unordered_map>
#include <vector>

#include "command_stream.h"
#include "format/texel_codec.h"
#include "raster/raster.h"
#include "spirv/image.h"
#include "worker_pool.h"

namespace kiln::exec {

namespace {

const spirv::InterfaceSlot* find_slot(const std::vector<spirv::InterfaceSlot>& slots, uint32_t location) {
    for (const spirv::InterfaceSlot& s : slots)
        if (s.location == location)
            return &s;
    return nullptr;
}

// A built-in's slot (SPIR-V's BuiltIn enumerants, from spirv-headers: slots name it in `location`).
const spirv::InterfaceSlot* find_builtin(const std::vector<spirv::InterfaceSlot>& slots, spv::BuiltIn builtin) {
    return find_slot(slots, uint32_t(builtin));
}

}  // namespace

StageLink link_stages(const spirv::Program& vertex, const spirv::Program* fragment) {
    StageLink f;
    if (!fragment)
        return f;
    for (const spirv::InterfaceSlot& in : fragment->stage.inputs) {
        Varying v;
        v.fragment = &in;
        v.words = std::min<uint32_t>(in.words, raster::kMaxVaryingWords - std::min(f.words, raster::kMaxVaryingWords));
        v.row = f.words;
        for (const spirv::InterfaceSlot& out : vertex.stage.outputs)
            if (out.location == in.location && out.component <= in.component &&
                in.component + in.words <= out.component + out.words) {
                v.vertex = &out;
                v.vertex_word = in.component - out.component;
            }
        const raster::Interpolation how = in.flat || in.kind != spirv::kFloatSlot ? raster::Interpolation::Flat
                                          : in.no_perspective                 ? raster::Interpolation::NoPerspective
                                                                              : raster::Interpolation::Smooth;
        f.interpolation.insert(f.interpolation.end(), v.words, how);
        f.words += v.words;
        if (v.words)
            f.varyings.push_back(v);
    }
    return f;
}

namespace {

// Word `w` of a stage interface slot in lane `lane`: in the slot's registers, or in the lane's
// invocation memory (spirv::InterfaceSlot).
uint32_t* slot_word(spirv::StageRunner& runner, const spirv::InterfaceSlot& slot, uint32_t lane, uint32_t w) {
    if (slot.reg != UINT32_MAX)
        return runner.reg(slot.reg + w) + lane;
    return reinterpret_cast<uint32_t*>(runner.lane_memory(lane) + slot.offset + 4 * w);
}

// Word `w` of a slot, all lanes from 0 to `lanes`, from / into a row of 32-bit values.
template <typename T>
void put_row(spirv::StageRunner& runner, const spirv::InterfaceSlot& slot, uint32_t w, const T* row, uint32_t lanes) {
    static_assert(sizeof(T) == 4);
    if (slot.reg != UINT32_MAX) {
        std::memcpy(runner.reg(slot.reg + w), row, 4 * size_t(lanes));
        return;
    }
    for (uint32_t l = 0; l < lanes; ++l)
        std::memcpy(slot_word(runner, slot, l, w), &row[l], 4);
}
template <typename T>
void get_row(spirv::StageRunner& runner, const spirv::InterfaceSlot& slot, uint32_t w, T* row, uint32_t lanes) {
    static_assert(sizeof(T) == 4);
    if (slot.reg != UINT32_MAX) {
        std::memcpy(row, runner.reg(slot.reg + w), 4 * size_t(lanes));
        return;
    }
    for (uint32_t l = 0; l < lanes; ++l)
        std::memcpy(&row[l], slot_word(runner, slot, l, w), 4);
}

void put_word(spirv::StageRunner& runner, const spirv::InterfaceSlot* slot, uint32_t lane, uint32_t value) {
    if (slot)
        std::memcpy(slot_word(runner, *slot, lane, 0), &value, 4);
}

// The vertex stage of one instance: fetches each vertex's attributes, runs the vertex shader over
// them in batches, and keeps the clip-space positions and the varyings the fragment shader reads.
class VertexStage {
public:
    VertexStage(const DrawCmd& cmd, const spirv::DispatchContext& context, const StageLink& interface)
        : cmd_(cmd), runner_(context), interface_(interface) {
        const spirv::Program& p = *context.program;
        position_ = find_builtin(p.stage.builtin_outputs, spv::BuiltIn::Position);
        // PointSize matters for point lists only; other topologies ignore it.
        if (cmd.topology == VK_PRIMITIVE_TOPOLOGY_POINT_LIST)
            point_size_ = find_builtin(p.stage.builtin_outputs, spv::BuiltIn::PointSize);
        clip_distance_ = find_builtin(p.stage.builtin_outputs, spv::BuiltIn::ClipDistance);
        cull_distance_ = find_builtin(p.stage.builtin_outputs, spv::BuiltIn::CullDistance);
        vertex_index_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::VertexIndex);
        instance_index_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::InstanceIndex);
        base_vertex_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::BaseVertex);
        base_instance_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::BaseInstance);
        draw_index_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::DrawIndex);
        for (uint32_t a = 0; a < cmd.attribute_count; ++a) {
            const DrawCmd::Attribute& attribute = cmd.attributes[a];
            Fetch fetch;
            fetch.slot = find_slot(p.stage.inputs, attribute.location);
            fetch.codec = format::texel_codec(attribute.format);
            fetch.attribute = &attribute;
            if (attribute.binding < DrawCmd::kMaxBindings)
                fetch.binding = &cmd.bindings[attribute.binding];
            if (fetch.slot && fetch.codec)
                fetches_.push_back(fetch);
        }
    }

    // Shades vertices whose VertexIndex values are `indices` for instance `instance`. `point_sizes`
    // gets each vertex's PointSize, or stays empty when the shader has none (or the draw is not
    // of points).
    void shade(const std::vector<uint32_t>& indices, uint32_t instance, uint32_t base_vertex, uint32_t draw_index,
               std::vector<float>* positions, std::vector<uint32_t>* varyings, std::vector<float>* point_sizes,
               std::vector<float>* distances) {
        const uint32_t n = uint32_t(indices.size());
        positions->assign(size_t(n) * 4, 0.0f);
        point_sizes->assign(point_size_ ? n : 0, 1.0f);
        distances->assign(size_t(n) * distance_count(), 0.0f);
        varyings->assign(size_t(n) * interface_.words, 0u);
        for (uint32_t first = 0; first < n; first += spirv::kLanes) {
            const uint32_t count = std::min(spirv::kLanes, n - first);
            for (uint32_t l = 0; l < count; ++l) {
                const uint32_t index = indices[first + l];
                for (const Fetch& f : fetches_)
                    fetch(f, index, instance, l);
                put_word(runner_, vertex_index_, l, index);
                put_word(runner_, instance_index_, l, instance);
                put_word(runner_, base_vertex_, l, base_vertex);
                put_word(runner_, base_instance_, l, cmd_.first_instance);
                put_word(runner_, draw_index_, l, draw_index);
            }
            runner_.run(count);
            for (uint32_t l = 0; l < count; ++l) {
                if (position_)
                    for (uint32_t c = 0; c < 4; ++c)
                        std::memcpy(positions->data() + size_t(first + l) * 4 + c, slot_word(runner_, *position_, l, c), 4);
                if (point_size_)
                    std::memcpy(point_sizes->data() + first + l, slot_word(runner_, *point_size_, l, 0), 4);
                float* distance = distances->data() + size_t(first + l) * distance_count();
                for (uint32_t k = 0; k < clip_distances(); ++k)
                    std::memcpy(distance + k, slot_word(runner_, *clip_distance_, l, k), 4);
                for (uint32_t k = 0; k < cull_distances(); ++k)
                    std::memcpy(distance + clip_distances() + k, slot_word(runner_, *cull_distance_, l, k), 4);
                uint32_t* out = varyings->data() + size_t(first + l) * interface_.words;
                for (const Varying& v : interface_.varyings)
                    if (v.vertex)
                        for (uint32_t w = 0; w < v.words; ++w)
                            out[v.row + w] = *slot_word(runner_, *v.vertex, l, v.vertex_word + w);
            }
        }
    }

    // The ClipDistance and CullDistance array sizes the vertex shader declares (0: none).
    uint32_t clip_distances() const { return clip_distance_ ? clip_distance_->words : 0; }
    uint32_t cull_distances() const { return cull_distance_ ? cull_distance_->words : 0; }
    uint32_t distance_count() const { return clip_distances() + cull_distances(); }

private:
    struct Fetch {
        const spirv::InterfaceSlot* slot = nullptr;
        const format::TexelCodec* codec = nullptr;
        const DrawCmd::Attribute* attribute = nullptr;
        const DrawCmd::Binding* binding = nullptr;
    };

    // One attribute of one vertex ("Vertex Input Extraction"): outside its buffer it reads as zero
    // texels, converted like any other (so a missing alpha is still 1).
    void fetch(const Fetch& f, uint32_t vertex, uint32_t instance, uint32_t lane) {
        alignas(16) std::byte zero[16] = {};
        const std::byte* texel = zero;
        if (f.binding && f.binding->address) {
            const uint64_t element = f.binding->per_instance ? instance : vertex;
            const uint64_t at = element * f.binding->stride + f.attribute->offset;
            if (at + f.codec->texel_size <= f.binding->size)
                texel = f.binding->address + at;
        }
        uint32_t words[4];
        f.codec->read(*f.codec, texel, words);
        for (uint32_t w = 0; w < std::min(f.slot->words, 4u); ++w)
            *slot_word(runner_, *f.slot, lane, w) = words[w];
    }

    const DrawCmd& cmd_;
    spirv::StageRunner runner_;
    const StageLink& interface_;
    const spirv::InterfaceSlot *clip_distance_ = nullptr, *cull_distance_ = nullptr;
    const spirv::InterfaceSlot *position_ = nullptr, *point_size_ = nullptr, *vertex_index_ = nullptr,
                               *instance_index_ = nullptr, *base_vertex_ = nullptr, *base_instance_ = nullptr,
                               *draw_index_ = nullptr;
    std::vector<Fetch> fetches_;
};

// The fragment stage for the rasterizer: one StageRunner per worker, made on its first batch.
class FragmentStage final : public raster::FragmentShader {
public:
    FragmentStage(const spirv::DispatchContext& context, const StageLink& interface, uint32_t workers)
        : context_(context), interface_(interface), runners_(workers) {
        const spirv::Program& p = *context.program;
        frag_coord_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::FragCoord);
        front_facing_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::FrontFacing);
        helper_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::HelperInvocation);
        point_coord_ = find_builtin(p.stage.builtin_inputs, spv::BuiltIn::PointCoord);
        frag_depth_ = find_builtin(p.stage.builtin_outputs, spv::BuiltIn::FragDepth);
    }

    void shade(const raster::FragmentBatch& in, raster::FragmentOutput& out, uint32_t worker) override {
        std::unique_ptr<spirv::StageRunner>& runner = runners_[worker];
        if (!runner)
            runner = std::make_unique<spirv::StageRunner>(context_);
        const uint32_t lanes = 4 * in.quad_count;
        // Built-ins and varyings go in as rows of lanes where the shader keeps them in registers
        // (the usual case), lane by lane into invocation memory otherwise.
        if (frag_coord_) {
            float coord[4][spirv::kLanes];
            for (uint32_t l = 0; l < lanes; ++l) {
                coord[0][l] = float(in.x[l]) + 0.5f;
                coord[1][l] = float(in.y[l]) + 0.5f;
            }
            std::memcpy(coord[2], in.z, 4 * lanes);
            std::memcpy(coord[3], in.inv_w, 4 * lanes);
            for (uint32_t c = 0; c < 4; ++c)
                put_row(*runner, *frag_coord_, c, coord[c], lanes);
        }
        if (front_facing_ || helper_) {
            uint32_t front[spirv::kLanes], helper[spirv::kLanes];
            for (uint32_t l = 0; l < lanes; ++l) {
                front[l] = in.front_facing >> l & 1;
                helper[l] = ~in.coverage >> l & 1;
            }
            if (front_facing_)
                put_row(*runner, *front_facing_, 0, front, lanes);
            if (helper_)
                put_row(*runner, *helper_, 0, helper, lanes);
        }
        // PointCoord: the rasterizer gives a point's (s, t) as its linear barycentrics (raster.h).
        if (point_coord_)
            for (uint32_t c = 0; c < 2 && c < point_coord_->words; ++c)
                put_row(*runner, *point_coord_, c, in.bary_linear[c], lanes);
        for (const Varying& v : interface_.varyings)
            for (uint32_t w = 0; w < v.words; ++w)
                put_row(*runner, *v.fragment, w, in.varyings[v.row + w], lanes);
        const spirv::LaneMask survived = runner->run(lanes);
        out.alive = in.coverage & survived;
        const spirv::Program& p = *context_.program;
        for (const spirv::InterfaceSlot& o : p.stage.outputs) {
            if (o.location >= raster::kMaxColorAttachments || o.index != 0)
                continue;
            for (uint32_t w = 0; w < o.words && o.component + w < 4; ++w)
                get_row(*runner, o, w, out.color[o.location][o.component + w], lanes);
        }
        if (frag_depth_)
            get_row(*runner, *frag_depth_, 0, out.depth, lanes);
    }

private:
    const spirv::DispatchContext& context_;
    const StageLink& interface_;
    std::vector<std::unique_ptr<spirv::StageRunner>> runners_;
    const spirv::InterfaceSlot *frag_coord_ = nullptr, *front_facing_ = nullptr, *helper_ = nullptr,
                               *point_coord_ = nullptr, *frag_depth_ = nullptr;
};

// The queue's workers as the rasterizer's job runner (raster/jobs.h).
class PoolJobs final : public raster::JobRunner {
public:
    explicit PoolJobs(WorkerPool* pool) : pool_(pool) {}
    uint32_t thread_count() const override { return pool_ ? pool_->thread_count() : 1; }
    void run(uint32_t count, const Job& job) override {
        if (pool_)
            pool_->parallel_for(count, job);
        else
            for (uint32_t i = 0; i < count; ++i)
                job(i, 0);
    }

private:
    WorkerPool* pool_;
};

struct Parameters {
    uint32_t count, instance_count, first, first_instance;
    int32_t vertex_offset;
};

// The indices of one draw, read from the index buffer (robustly: past its end they read 0), and
// the VertexIndex of each (index + vertexOffset; restart indices stay as they are).
void read_indices(const DrawCmd& cmd, const Parameters& d, std::vector<uint32_t>* indices) {
    const uint32_t size = cmd.index_type == VK_INDEX_TYPE_UINT32 ? 4 : cmd.index_type == VK_INDEX_TYPE_UINT8_EXT ? 1 : 2;
    indices->resize(d.count);
    for (uint32_t i = 0; i < d.count; ++i) {
        const uint64_t at = (uint64_t(d.first) + i) * size;
        uint32_t value = 0;
        if (cmd.index_buffer && at + size <= cmd.index_buffer_size)
            std::memcpy(&value, cmd.index_buffer + at, size);  // little-endian: the low bytes
        (*indices)[i] = value;
    }
}

// No fragment shader: depth and stencil only; colors are undefined and left as they are.
struct NoFragments final : raster::FragmentShader {
    void shade(const raster::FragmentBatch& in, raster::FragmentOutput& out, uint32_t) override { out.alive = in.coverage; }
};

// One draw's (or one indirect record's) vertices, instance by instance, through the rasterizer.
// The stages are the command's, shared by its indirect records.
void draw_once(const DrawCmd& cmd, const Parameters& d, uint32_t draw_index, VertexStage& vertices,
               raster::FragmentShader& fragments, bool has_fragment_shader, raster::JobRunner& jobs) {
    if (d.count == 0 || d.instance_count == 0)
        return;
    const StageLink& interface = *cmd.link;
    // Which vertices to shade, and the primitives' indices into them.
    std::vector<uint32_t> shade;           // VertexIndex of each shaded vertex
    std::vector<uint32_t> stream_indices;  // the rasterizer's indices (into `shade`), or none
    if (cmd.indexed) {
        std::vector<uint32_t> indices;
        read_indices(cmd, d, &indices);
        const uint32_t restart = cmd.index_type == VK_INDEX_TYPE_UINT32 ? 0xffffffffu
                                 : cmd.index_type == VK_INDEX_TYPE_UINT8_EXT ? 0xffu : 0xffffu;
        // Each distinct index is shaded once: the spec lets an implementation reuse a vertex's
        // shading when the invocations would give the same results, and Kiln's vertex shaders
        // have no side effects (vertexPipelineStoresAndAtomics is not offered).
        shade.reserve(indices.size());
        stream_indices.reserve(indices.size());
        uint32_t low = UINT32_MAX, high = 0;
        for (uint32_t index : indices)
            if (!(cmd.primitive_restart && index == restart))
                low = std::min(low, index), high = std::max(high, index);
        // Slots by index: a table over the indices' range when it is small, else a hash map.
        const uint64_t range = low <= high ? uint64_t(high) - low + 1 : 0;
        const bool table = range <= std::max<uint64_t>(16 * uint64_t(indices.size()), 1024);
        std::vector<uint32_t> slots(table ? range : 0, UINT32_MAX);
        std::unordered_map<uint32_t, uint32_t> slot_map;
        for (uint32_t index : indices) {
            if (cmd.primitive_restart && index == restart) {
                stream_indices.push_back(0xffffffffu);
                continue;
            }
            uint32_t& slot = table ? slots[index - low] : slot_map.try_emplace(index, UINT32_MAX).first->second;
            if (slot == UINT32_MAX) {
                slot = uint32_t(shade.size());
                shade.push_back(uint32_t(int64_t(index) + d.vertex_offset));
            }
            stream_indices.push_back(slot);
        }
    } else {
        shade.resize(d.count);
        for (uint32_t i = 0; i < d.count; ++i)
            shade[i] = d.first + i;
    }
    thread_local raster::Rasterizer rasterizer;
    std::vector<float> positions;
    std::vector<uint32_t> varyings;
    std::vector<float> point_sizes, distances;
    const uint32_t base_vertex = cmd.indexed ? uint32_t(d.vertex_offset) : d.first;
    for (uint32_t i = 0; i < d.instance_count; ++i) {
        const uint32_t instance = d.first_instance + i;
        vertices.shade(shade, instance, base_vertex, draw_index, &positions, &varyings, &point_sizes, &distances);
        if (cmd.rasterizer_discard)
            continue;
        raster::Draw draw;
        draw.vertices.positions = positions.data();
        draw.vertices.varyings = varyings.data();
        draw.vertices.varying_stride = interface.words;
        draw.vertices.varying_words = interface.words;
        draw.vertices.interpolation = interface.interpolation.data();
        draw.vertices.vertex_count = uint32_t(shade.size());
        draw.vertices.point_sizes = point_sizes.empty() ? nullptr : point_sizes.data();
        draw.vertices.distances = distances.empty() ? nullptr : distances.data();
        draw.vertices.clip_distance_count = vertices.clip_distances();
        draw.vertices.cull_distance_count = vertices.cull_distances();
        draw.vertices.distance_stride = vertices.distance_count();
        draw.primitives.topology = cmd.topology;
        draw.primitives.primitive_restart = cmd.primitive_restart;
        if (cmd.indexed) {
            draw.primitives.count = uint32_t(stream_indices.size());
            draw.primitives.indices = stream_indices.data();
            draw.primitives.index_type = VK_INDEX_TYPE_UINT32;
        } else {
            draw.primitives.count = uint32_t(shade.size());
        }
        draw.raster = cmd.raster;
        draw.output = cmd.output;
        if (!has_fragment_shader) {
            draw.output.color_count = 0;
            draw.output.shader_writes_depth = false;
        }
        rasterizer.draw(draw, fragments, jobs);
    }
}

}  // namespace

void draw(const DrawCmd& cmd, WorkerPool* pool) {
    const spirv::Range* ranges = trailing<spirv::Range>(&cmd);
    const auto* images =
        reinterpret_cast<const spirv::ImageDescriptor*>(ranges + cmd.vertex_range_count + cmd.fragment_range_count);
    spirv::DispatchContext vertex_context;
    vertex_context.program = cmd.vertex;
    vertex_context.buffers.assign(ranges, ranges + cmd.vertex_range_count);
    vertex_context.images = images;
    vertex_context.image_count = cmd.vertex_image_count;
    spirv::DispatchContext fragment_context;
    if (cmd.fragment) {
        fragment_context.program = cmd.fragment;
        fragment_context.buffers.assign(ranges + cmd.vertex_range_count,
                                        ranges + cmd.vertex_range_count + cmd.fragment_range_count);
        fragment_context.images = images + cmd.vertex_image_count;
        fragment_context.image_count = cmd.fragment_image_count;
    }
    PoolJobs jobs(pool);
    VertexStage vertices(cmd, vertex_context, *cmd.link);
    NoFragments no_fragments;
    std::unique_ptr<FragmentStage> fragment_stage;
    if (cmd.fragment)
        fragment_stage = std::make_unique<FragmentStage>(fragment_context, *cmd.link, jobs.thread_count());
    raster::FragmentShader& fragments =
        fragment_stage ? static_cast<raster::FragmentShader&>(*fragment_stage) : no_fragments;
    if (!cmd.indirect) {
        const Parameters d{cmd.count, cmd.instance_count, cmd.first, cmd.first_instance, cmd.vertex_offset};
        draw_once(cmd, d, 0, vertices, fragments, cmd.fragment != nullptr, jobs);
        return;
    }
    // Indirect: Vk{Draw,DrawIndexed}IndirectCommand records, `stride` apart, read now (the buffer's
    // contents at execution are what count); a record past the buffer's end draws nothing.
    for (uint32_t i = 0; i < cmd.draw_count; ++i) {
        const uint64_t at = uint64_t(i) * cmd.stride;
        Parameters d{};
        if (cmd.indexed) {
            VkDrawIndexedIndirectCommand c;
            if (at + sizeof c > cmd.indirect_size)
                break;
            std::memcpy(&c, cmd.indirect + at, sizeof c);
            d = {c.indexCount, c.instanceCount, c.firstIndex, c.firstInstance, c.vertexOffset};
        } else {
            VkDrawIndirectCommand c;
            if (at + sizeof c > cmd.indirect_size)
                break;
            std::memcpy(&c, cmd.indirect + at, sizeof c);
            d = {c.vertexCount, c.instanceCount, c.firstVertex, c.firstInstance, 0};
        }
        draw_once(cmd, d, i, vertices, fragments, cmd.fragment != nullptr, jobs);
    }
}

}  // namespace kiln::exec
