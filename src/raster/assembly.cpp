#include "raster/assembly.h"

namespace kiln::raster {

bool is_triangle_topology(VkPrimitiveTopology topology) {
    return topology == VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST || topology == VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP ||
           topology == VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN;
}

bool is_line_topology(VkPrimitiveTopology topology) {
    return topology == VK_PRIMITIVE_TOPOLOGY_LINE_LIST || topology == VK_PRIMITIVE_TOPOLOGY_LINE_STRIP;
}

bool is_supported_topology(VkPrimitiveTopology topology) {
    return topology == VK_PRIMITIVE_TOPOLOGY_POINT_LIST || is_line_topology(topology) || is_triangle_topology(topology);
}

namespace {

// Feeds vertices one at a time and emits triangles; a restart index starts a new primitive.
class Assembler {
public:
    Assembler(VkPrimitiveTopology topology, uint32_t vertex_count, uint32_t first_id,
              std::vector<AssembledTriangle>& out)
        : topology_(topology), vertex_count_(vertex_count), id_(first_id), out_(out) {}

    void restart() { n_ = 0; }

    void push(uint32_t v) {
        switch (topology_) {
        case VK_PRIMITIVE_TOPOLOGY_POINT_LIST:  // "Point Lists": every vertex is a point
            emit(v, v, v);
            break;
        case VK_PRIMITIVE_TOPOLOGY_LINE_LIST:
            // "Line Lists": vertices 2i, 2i+1; the first is provoking.
            if (n_ % 2 == 1)
                emit(window_[0], v, v);
            window_[0] = v;
            ++n_;
            break;
        case VK_PRIMITIVE_TOPOLOGY_LINE_STRIP:
            // "Line Strips": line i is (v_i, v_i+1); v_i is provoking.
            if (n_ >= 1)
                emit(window_[0], v, v);
            window_[0] = v;
            ++n_;
            break;
        case VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST:
            // "Triangle Lists": vertices 3i, 3i+1, 3i+2.
            window_[n_ % 3] = v;
            if (++n_ % 3 == 0)
                emit(window_[0], window_[1], window_[2]);
            break;
        case VK_PRIMITIVE_TOPOLOGY_TRIANGLE_STRIP:
            // "Triangle Strips": triangle i is (v_i, v_i+1, v_i+2) for even i and (v_i, v_i+2, v_i+1)
            // for odd i, so every triangle keeps the first one's winding and v_i stays provoking.
            if (n_ >= 2) {
                const uint32_t i = n_ - 2;
                const uint32_t a = window_[i % 3], b = window_[(i + 1) % 3];
                if (i % 2 == 0)
                    emit(a, b, v);
                else
                    emit(a, v, b);
            }
            window_[n_ % 3] = v;
            ++n_;
            break;
        case VK_PRIMITIVE_TOPOLOGY_TRIANGLE_FAN:
            // "Triangle Fans": triangle i is (v_i+1, v_i+2, v_0); v_i+1 is provoking.
            if (n_ == 0)
                window_[0] = v;
            else if (n_ >= 2)
                emit(window_[1], v, window_[0]);
            if (n_ >= 1)
                window_[1] = v;
            ++n_;
            break;
        default:
            break;
        }
    }

private:
    void emit(uint32_t a, uint32_t b, uint32_t c) {
        const uint32_t id = id_++;
        if (a < vertex_count_ && b < vertex_count_ && c < vertex_count_)
            out_.push_back({{a, b, c}, id});
    }

    VkPrimitiveTopology topology_;
    uint32_t vertex_count_;
    uint32_t id_;
    std::vector<AssembledTriangle>& out_;
    uint32_t window_[3] = {0, 0, 0};
    uint32_t n_ = 0;
};

template <typename Index>
void assemble_indexed(Assembler& a, const Index* indices, uint32_t count, bool restart) {
    // "Primitive restart": the all-ones index of the index type ends the current primitive.
    constexpr Index kRestart = Index(~Index(0));
    for (uint32_t i = 0; i < count; ++i) {
        const Index index = indices[i];
        if (restart && index == kRestart)
            a.restart();
        else
            a.push(uint32_t(index));
    }
}

}  // namespace

void assemble_primitives(const PrimitiveInput& input, uint32_t vertex_count, std::vector<AssembledTriangle>& out) {
    out.clear();
    if (!is_supported_topology(input.topology))
        return;
    Assembler a(input.topology, vertex_count, input.first_primitive_id, out);
    if (!input.indices) {
        for (uint32_t i = 0; i < input.count; ++i)
            a.push(i);
    } else if (input.index_type == VK_INDEX_TYPE_UINT16) {
        assemble_indexed(a, static_cast<const uint16_t*>(input.indices), input.count, input.primitive_restart);
    } else {
        assemble_indexed(a, static_cast<const uint32_t*>(input.indices), input.count, input.primitive_restart);
    }
}

}  // namespace kiln::raster
