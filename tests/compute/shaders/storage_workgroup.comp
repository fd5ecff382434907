#version 450
// Workgroup storage: shared arrays of structs, a shared 2D array and a shared scalar, written by
// each invocation, then (after a barrier) read at other invocations' indices through dynamic access
// chains.
layout(local_size_x = 8, local_size_y = 8) in;
struct Item {
  uint id;
  vec2 position;
  uint tags[2];
};
layout(set = 0, binding = 0, std430) readonly buffer Inputs { uint seeds[]; };
layout(set = 0, binding = 1, std430) writeonly buffer Results { uvec4 results[]; };

shared Item items[64];
shared uint grid[8][8];
shared uint leader;

void main() {
  uvec2 l = gl_LocalInvocationID.xy;
  uint lid = gl_LocalInvocationIndex;
  uint gid = gl_WorkGroupID.x * 64u + lid;
  uint seed = seeds[gid];
  items[lid].id = seed;
  items[lid].position = vec2(l) * 0.5;
  items[lid].tags[0] = lid;
  items[lid].tags[1] = seed >> 16u;
  grid[l.y][l.x] = seed & 0xffu;
  if (lid == 0u) leader = seed;
  barrier();
  uint mirror = 63u - lid;
  Item other = items[mirror];
  uint transposed = grid[l.x][l.y];
  results[gid] = uvec4(other.id + other.tags[0], uint(other.position.x * 4.0 + other.position.y * 32.0),
                       transposed | (items[(lid + 9u) & 63u].tags[1] << 8u), leader);
}
