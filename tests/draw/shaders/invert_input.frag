#version 450
// Reads the first subpass's color at this pixel (an input attachment) and writes its complement,
// with alpha kept (tests/draw).
layout(input_attachment_index = 0, set = 0, binding = 0) uniform subpassInput first;
layout(location = 0) out vec4 out_color;
void main() {
    const vec4 c = subpassLoad(first);
    out_color = vec4(vec3(1.0) - c.rgb, c.a);
}
