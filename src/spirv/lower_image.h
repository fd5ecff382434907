// Lowering of images, samplers and texel buffers (part of lower.cpp's Lowerer, kept apart): the
// UniformConstant variables that hold them (one descriptor slot per array element,
// Program::image_bindings), the handles that loads, OpSampledImage and OpImage make (image.h), and
// the image instructions, lowered to the handlers of ops_image.h. The Lowerer hands over what it
// owns -- registers, constants, emission, errors -- through Hooks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "binary.h"
#include "ir.h"

namespace kiln::spirv {

class Module;
struct Ops;
struct Type;

class ImageLowering {
public:
    struct Hooks {
        std::function<bool(uint32_t id, uint32_t* reg)> use;         // an operand's register
        std::function<uint32_t(uint32_t id, uint32_t type)> define;  // a result's registers
        std::function<void(uint32_t id, uint32_t type, uint32_t reg)> alias;  // a result already in `reg`
        std::function<uint32_t(uint32_t n)> allocate;                // fresh registers
        // The registers of the fragment's FragCoord (added as a built-in input when the shader has
        // none); UINT32_MAX when the shader keeps it in memory.
        std::function<uint32_t()> frag_coord;
        std::function<uint32_t(uint32_t value)> constant_register;
        std::function<void(const Ins&)> emit;
        std::function<bool(const std::string&)> fail;                // records the reason, false
        std::function<bool(uint32_t id, std::vector<uint32_t>*)> constant_words;
        std::function<uint32_t(const Type*)> length;                 // an array type's (specialized) length
    };
    enum class Outcome { Done, Failed };

    ImageLowering(const Module& m, Program& p, const Ops& ops) : m_(m), p_(p), ops_(ops) {}

    // A UniformConstant variable `id` (an image, sampler, sampled image or a fixed-size array of
    // them): gives it descriptor slots and returns, in *reg, the register holding its handle
    // (element 0's for arrays).
    bool variable(uint32_t id, const Hooks& hooks, uint32_t* reg);
    // Whether `inst` is this file's: an image instruction, or a load, access chain or atomic of an
    // image or sampler.
    bool claims(const Instruction& inst, std::span<const uint32_t> w) const;
    // Lowers an instruction it claims; false with the reason (through Hooks::fail).
    bool lower(const Instruction& inst, std::span<const uint32_t> w, const Hooks& hooks);

private:
    const Type* T(uint32_t id) const;
    uint32_t components(uint32_t type) const;
    bool image_type(uint32_t type, const Type** image, const Hooks& hooks) const;
    bool is_handle_pointer(uint32_t pointer_id) const;
    Outcome fail(const Hooks& hooks, const std::string& why) const {
        hooks.fail(why);
        return Outcome::Failed;
    }
    Outcome access(const Instruction& inst, std::span<const uint32_t> w, const Hooks& hooks);
    Outcome operation(const Instruction& inst, std::span<const uint32_t> w, const Hooks& hooks);
    Outcome atomic(const Instruction& inst, std::span<const uint32_t> w, const Hooks& hooks);
    // Multisampled images (lower_image.cpp): the texel coordinate of sample `sample` of a fetch's
    // `count` coordinates, in fresh registers; the pixel width from a size query's first component.
    uint32_t multisampled_coordinate(uint32_t coordinate, uint32_t count, uint32_t sample, const Hooks& hooks) const;
    void multisampled_width(uint32_t size, const Hooks& hooks) const;

    const Module& m_;
    Program& p_;
    const Ops& ops_;
    struct TexelPointer {
        uint32_t reg;    // handle, then x, y, z
        uint32_t shape;  // dim | arrayed << 8
    };
    std::unordered_map<uint32_t, TexelPointer> texel_pointers_;
};

}  // namespace kiln::spirv
