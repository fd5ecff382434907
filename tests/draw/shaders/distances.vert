#version 450
// Position and color per vertex, with two clip distances and a cull distance (tests/draw):
// clip 0 keeps x + 0.3 y + 0.1 >= 0, clip 1 keeps y <= 0.8, and a primitive whose vertices all
// have z < 0.2 is culled.
layout(location = 0) in vec4 position;
layout(location = 1) in vec4 color;
layout(location = 0) out vec4 v_color;
out gl_PerVertex {
    vec4 gl_Position;
    float gl_PointSize;
    float gl_ClipDistance[2];
    float gl_CullDistance[1];
};
void main() {
    gl_Position = position;
    gl_PointSize = 3.0;  // the point scene: one 3 x 3 square survives
    v_color = color;
    gl_ClipDistance[0] = position.x + 0.3 * position.y + 0.1;
    gl_ClipDistance[1] = 0.8 - position.y;
    gl_CullDistance[0] = position.z - 0.2;
}
