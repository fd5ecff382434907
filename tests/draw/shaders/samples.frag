#version 450
// texelFetch of each of the four samples of a multisampled image: sample s's red channel into
// component s of the output (tests/draw/multisample_test.cpp).
layout(set = 0, binding = 0) uniform sampler2DMS image;
layout(location = 0) out vec4 out_color;
void main() {
    const ivec2 p = ivec2(gl_FragCoord.xy);
    out_color = vec4(texelFetch(image, p, 0).r, texelFetch(image, p, 1).r, texelFetch(image, p, 2).r,
                     texelFetch(image, p, 3).r);
}
