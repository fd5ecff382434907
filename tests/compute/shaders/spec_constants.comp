#version 450
// Specialization constants: OpSpecConstant (int, uint, float), OpSpecConstantTrue, a spec constant
// sizing a workgroup array, OpSpecConstantOp (integer arithmetic, shift, logical not, compare),
// OpSpecConstantComposite, and the workgroup size itself (LocalSizeId via local_size_x_id).
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int kInt = -7;
layout(constant_id = 2) const uint kUint = 3u;
layout(constant_id = 3) const float kFloat = 1.5;
layout(constant_id = 4) const bool kBool = true;
layout(constant_id = 5) const int kTableSize = 4;
const int kDerived = kInt * 3 + 1;
const uint kShifted = kUint << 2u;
const bool kNotBool = !kBool;
const bool kIntIsBig = kInt > 100;
const ivec2 kPair = ivec2(kInt, 9);
layout(set = 0, binding = 0, std430) writeonly buffer Results {
  int values[12];
  int perInvocation[];
} results;

shared int table[kTableSize];

void main() {
  uint lid = gl_LocalInvocationID.x;
  if (lid == 0u) {
    for (int k = 0; k < kTableSize; ++k) table[k] = k * kInt;
  }
  barrier();
  // One invocation of the whole dispatch writes the values (every workgroup would compute the same
  // ones, but plain stores to one location from several workgroups are a data race).
  if (gl_GlobalInvocationID.x == 0u) {
    results.values[0] = kInt;
    results.values[1] = int(kUint);
    results.values[2] = floatBitsToInt(kFloat);
    results.values[3] = kBool ? 1 : 0;
    results.values[4] = kTableSize;
    results.values[5] = kDerived;
    results.values[6] = int(kShifted);
    results.values[7] = kNotBool ? 1 : 0;
    results.values[8] = kPair.x * 100 + kPair.y;
    results.values[9] = int(gl_WorkGroupSize.x);
    int sum = 0;
    for (int k = 0; k < table.length(); ++k) sum += table[k];
    results.values[10] = sum;
    results.values[11] = kIntIsBig ? 1 : 0;
  }
  int value = int(lid) * kInt;
  if (kBool) value += 1000;
  results.perInvocation[gl_GlobalInvocationID.x] = value;
}
