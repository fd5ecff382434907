// Lowering of the GLSL.std.450 extended instructions (part of the Lowerer, lowerer.h) to the
// handlers of ops.h: the operation per number and scalar type, the Modf/Frexp results that go
// through memory, the packing functions, the matrix functions.
#include "lowerer.h"

namespace kiln::spirv::lowering {

using spv::Op;

bool Lowerer::extended(std::span<const uint32_t> w, Instance& in) {
    auto reg = [&](uint32_t id, uint32_t* out) { return use(in, id, out); };
    Scalar s{};
    if (w[3] != m_.glsl_std_450())
        return fail("an extended instruction set other than GLSL.std.450");
    const uint32_t number = w[4];
    if (number == 59 || number == 65) {
        // PackDouble2x32 / UnpackDouble2x32: a double is its two words, low first, in registers
        // as in memory -- the same registers.
        Ins ins;
        ins.run = ops_.copy_words;
        if (w.size() < 6 || !reg(w[5], &ins.a))
            return false;
        ins.n = words(w[1]);
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    if (number == 36) {
        // ModfStruct: {fraction, whole part}, both of the operand's type.
        const uint32_t member = T(w[1])->members.empty() ? 0 : T(w[1])->members[0];
        if (!scalar_of(member, &s))
            return fail("ModfStruct of a non-float");
        Ins ins;
        ins.run = ops_.glsl(35, s);
        ins.n = components(member);
        if (!ins.run || w.size() < 6 || !reg(w[5], &ins.a))
            return fail("ModfStruct on this type is not supported");
        ins.dst = define(in, w[2], w[1]);
        ins.c = ins.dst + words(member);
        emit(ins);
        return true;
    }
    if (number != 52 && !scalar_of(w[1], &s))
        return fail("GLSL.std.450 instruction on a non-numeric type");
    // Length and Distance return a scalar of vector operands: the components come from the operand.
    const uint32_t operand_type = w.size() > 5 ? (m_.type_of(w[5])) : w[1];
    Ins ins;
    ins.run = ops_.glsl(number, s);
    ins.imm = number;  // the packing instructions read it
    if (number == 52) {
        // FrexpStruct: the struct's first member is the fraction type.
        if (!scalar_of(T(w[1])->members.empty() ? 0 : T(w[1])->members[0], &s))
            return fail("FrexpStruct of a non-float");
        ins.run = ops_.glsl(number, s);
        ins.n = components(T(w[1])->members[0]);
        if (!reg(w[5], &ins.a))
            return false;
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        return true;
    }
    if (number == 35 || number == 51) {
        // Modf, Frexp: the whole part (the exponent) goes through the pointer operand.
        const PointerInfo* info = pointer_info(in, w[6]);
        if (!ins.run || !info)
            return fail("Modf on this type or pointer is not supported");
        ins.n = components(w[1]);
        if (!reg(w[5], &ins.a))
            return false;
        const uint32_t stored_type = T(m_.type_of(w[6]))->element;
        ins.c = allocate(std::max(words(w[1]), words(stored_type)));
        ins.dst = define(in, w[2], w[1]);
        emit(ins);
        uint32_t pointer;
        return reg(w[6], &pointer) && emit_memory(ops_.store, ins.c, pointer, *info, stored_type);
    }
    if (!ins.run) {
        // Abs/Sign/Min/Max/Clamp name the signedness: the opcode decides, the type's width stays.
        return fail("GLSL.std.450 instruction " + std::to_string(number) + " is not supported on this type yet");
    }
    ins.n = (number == 66 || number == 67 || number == 69 || number == 70 || number == 71 || number == 72)
                ? components(operand_type)
            : (number == 33 || number == 34) ? T(operand_type)->count
                                             : components(w[1]);
    if (w.size() > 5 && !reg(w[5], &ins.a))
        return false;
    if (w.size() > 6 && !reg(w[6], &ins.b))
        return false;
    if (w.size() > 7 && !reg(w[7], &ins.c))
        return false;
    ins.dst = define(in, w[2], w[1]);
    emit(ins);
    return true;
}

}  // namespace kiln::spirv::lowering
