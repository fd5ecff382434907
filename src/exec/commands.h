// The commands a stream carries: resolved at record time to host addresses and image
// layouts (Vulkan requires resources to be bound before they are recorded), so that
// execution never looks a handle up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vulkan/vulkan_core.h>

#include "format/image_layout.h"
#include "raster/raster.h"
#include "spirv/ir.h"

namespace kiln::exec {

class CommandStream;
class Event;

struct ImageRef {
    std::byte* base = nullptr;  // the image's first byte in device memory
    const format::ImageLayout* layout = nullptr;
};

struct MemoryRegion {
    uint64_t src_offset, dst_offset, size;
};

struct CopyMemoryCmd {  // + MemoryRegion[region_count]
    std::byte* dst;
    const std::byte* src;
    uint32_t region_count;
    uint32_t pad_[3];
};

struct FillMemoryCmd {
    std::byte* dst;
    uint64_t size;  // a multiple of 4
    uint32_t value;
};

struct UpdateMemoryCmd {  // + size bytes
    std::byte* dst;
    uint64_t size;
};

struct BufferImageCmd {  // + VkBufferImageCopy[region_count]
    std::byte* buffer;
    ImageRef image;
    uint32_t region_count;
    uint32_t pad_[3];
};

struct CopyImageCmd {  // + VkImageCopy[region_count]
    ImageRef src, dst;
    uint32_t region_count;
    uint32_t pad_[3];
};

struct ClearColorCmd {  // + VkImageSubresourceRange[range_count]
    ImageRef image;
    alignas(16) std::byte texel[32];  // one encoded texel block (R64G64B64A64 is 32 bytes)
    uint32_t range_count;
    uint32_t pad_[3];
};

struct ClearDepthStencilCmd {  // + VkImageSubresourceRange[range_count]
    ImageRef image;
    std::byte depth[4];  // one encoded depth texel (2 or 4 bytes used)
    uint8_t stencil;
    uint32_t range_count;
    uint32_t pad_[2];
};

// Clears rectangles of one plane of one mip level: a render pass load op (the render area over the
// instance's layers) or vkCmdClearAttachments (its rects). Layers count from base_layer, the
// attachment view's first layer; a 3D image's layers are its depth slices (a 2D array view of it).
struct ClearRectsCmd {  // + VkClearRect[rect_count]
    ImageRef image;
    alignas(16) std::byte texel[32];  // one encoded texel of the plane
    uint32_t plane;                   // index into image.layout's planes
    uint32_t mip_level;
    uint32_t base_layer;
    uint32_t rect_count;
};

// vkCmdBlitImage{,2}: regions are scaled, filtered and converted (exec/blit.cpp).
struct BlitCmd {  // + VkImageBlit[region_count]
    ImageRef src, dst;
    VkFilter filter;
    uint32_t region_count;
};

// Resolves a rectangle of a multisampled image's subresource into a one-sample image
// (vkCmdResolveImage, render pass and dynamic rendering resolve attachments; exec/resolve.cpp).
// One aspect per command: COLOR averaged (AVERAGE) or sample 0 (SAMPLE_ZERO, and integer formats
// always); DEPTH and STENCIL take sample 0.
struct ResolveCmd {
    ImageRef src, dst;
    VkFormat format;  // COLOR: the format the samples are read and written as (the views' or images')
    VkImageAspectFlagBits aspect;
    VkResolveModeFlagBits mode;
    uint32_t src_mip, src_layer, dst_mip, dst_layer, layer_count;
    VkOffset2D src_offset, dst_offset;
    VkExtent2D extent;
};

struct EventCmd {
    Event* event;
};

struct WaitEventsCmd {  // + Event*[event_count]
    uint64_t event_count;
};

struct ExecuteStreamCmd {
    const CommandStream* stream;
};

// A compute dispatch, resolved at record time: the pipeline's program and the memory every buffer
// binding and the push constants reach (+ spirv::Range[range_count], by the program's slots, then
// the push constants' copy in push_constants).
struct DispatchCmd {
    const spirv::Program* program;
    const std::byte* indirect;  // VkDispatchIndirectCommand in device memory, or NULL
    uint32_t group_count[3];
    uint32_t base_group[3];
    uint32_t range_count;
    uint32_t image_count;  // spirv::ImageDescriptors after the ranges
    std::byte push_constants[128];
};

// A draw, resolved at record time (src/vulkan/draw.cpp): the pipeline's programs and fixed-function
// state with the command buffer's dynamic state applied, the render pass instance's attachments,
// the vertex buffers, and what each stage's descriptors reach. Trailing: spirv::Range
// [vertex_range_count], spirv::Range[fragment_range_count], then spirv::ImageDescriptor
// [vertex_image_count], spirv::ImageDescriptor[fragment_image_count]. Executed by exec/draw.cpp.
struct StageLink;  // draw.h

struct DrawCmd {
    static constexpr uint32_t kMaxBindings = 16, kMaxAttributes = 16;  // maxVertexInput{Bindings,Attributes}
    const spirv::Program* vertex = nullptr;
    const spirv::Program* fragment = nullptr;  // NULL: no fragment shader (depth/stencil only)
    const StageLink* link = nullptr;           // the pipeline's varyings (draw.h)
    raster::RasterState raster;
    raster::OutputState output;
    VkPrimitiveTopology topology = VK_PRIMITIVE_TOPOLOGY_TRIANGLE_LIST;
    bool primitive_restart = false;
    bool rasterizer_discard = false;
    struct Binding {
        const std::byte* address = nullptr;  // NULL: nothing bound, every fetch reads 0
        uint64_t size = 0;
        uint32_t stride = 0;
        bool per_instance = false;
    };
    struct Attribute {
        uint32_t location, binding, offset;
        VkFormat format;
    };
    uint32_t attribute_count = 0;
    Binding bindings[kMaxBindings];  // by binding number
    Attribute attributes[kMaxAttributes];
    // The draw's parameters (vkCmdDraw / vkCmdDrawIndexed), or where to read them (indirect).
    bool indexed = false;
    const std::byte* index_buffer = nullptr;  // the bound index buffer from its offset
    uint64_t index_buffer_size = 0;
    VkIndexType index_type = VK_INDEX_TYPE_UINT16;
    uint32_t count = 0;  // vertices, or indices
    uint32_t instance_count = 0;
    uint32_t first = 0;  // first vertex, or first index
    int32_t vertex_offset = 0;
    uint32_t first_instance = 0;
    const std::byte* indirect = nullptr;  // Vk{Draw,DrawIndexed}IndirectCommand[draw_count], stride apart
    uint64_t indirect_size = 0;           // bytes from `indirect` to its buffer's end
    uint32_t draw_count = 0, stride = 0;
    uint32_t vertex_range_count = 0, fragment_range_count = 0, vertex_image_count = 0, fragment_image_count = 0;
    std::byte push_constants[128];
};

}  // namespace kiln::exec
