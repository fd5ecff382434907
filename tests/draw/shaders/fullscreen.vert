#version 450
// One triangle covering the whole target at depth 0.5, from VertexIndex alone (tests/draw: the
// multisample scenes and the second subpass of the input-attachment scene).
void main() {
    const vec2 corner = vec2((gl_VertexIndex << 1) & 2, gl_VertexIndex & 2);
    gl_Position = vec4(corner * 2.0 - 1.0, 0.5, 1.0);
}
