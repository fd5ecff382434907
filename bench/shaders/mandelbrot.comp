#version 450
// Mandelbrot (bench/compute_bench.cpp): for each pixel of a width x height grid, the number of
// iterations of z = z^2 + c (z0 = 0, c = (x0 + x * step, y0 + y * step)) before |z|^2 > 4, at most
// max_iterations, written to a storage buffer (not an image). Every operation is `precise`
// (NoContraction), so that a driver may not fuse a multiply and an add: the host computes the same
// IEEE single-precision sequence and the counts can be compared pixel by pixel.

layout(local_size_x = 16, local_size_y = 8) in;

layout(std430, set = 0, binding = 0) writeonly buffer Iterations { uint iterations[]; };

layout(push_constant) uniform Params {
    uint width;
    uint height;
    uint max_iterations;
    float x0;
    float y0;
    float step;
};

void main() {
    const uvec2 pixel = gl_GlobalInvocationID.xy;
    if (pixel.x >= width || pixel.y >= height)
        return;
    precise float cx = x0 + float(pixel.x) * step;
    precise float cy = y0 + float(pixel.y) * step;
    precise float zx = 0.0;
    precise float zy = 0.0;
    uint i = 0u;
    for (; i < max_iterations; ++i) {
        precise float zx2 = zx * zx;
        precise float zy2 = zy * zy;
        precise float magnitude2 = zx2 + zy2;
        if (magnitude2 > 4.0)
            break;
        zy = 2.0 * zx * zy + cy;
        zx = zx2 - zy2 + cx;
    }
    iterations[pixel.y * width + pixel.x] = i;
}
