// LD_PRELOAD shim for the vkcube test: when the program destroys a window (vkcube does at exit,
// after its last frame was presented and the device went idle), the window's pixels are read back
// first and written as a binary PPM to $KILN_CAPTURE_PPM. Any Vulkan driver, any WSI path: the
// capture reads what the X server shows, as a user would see it.
#include <dlfcn.h>
#include <xcb/xcb.h>

#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>

namespace {

void capture(xcb_connection_t* c, xcb_window_t window, const char* path) {
    xcb_get_geometry_reply_t* g = xcb_get_geometry_reply(c, xcb_get_geometry(c, window), nullptr);
    if (!g)
        return;
    const uint16_t width = g->width, height = g->height;
    const uint8_t depth = g->depth;
    free(g);
    xcb_get_image_reply_t* image =
        xcb_get_image_reply(c, xcb_get_image(c, XCB_IMAGE_FORMAT_Z_PIXMAP, window, 0, 0, width, height, ~0u), nullptr);
    if (!image)
        return;
    const uint8_t* pixels = xcb_get_image_data(image);
    const int length = xcb_get_image_data_length(image);
    // 24- and 32-bit depths come as 4 bytes a pixel, B G R x (the little-endian TrueColor layout).
    if (depth >= 24 && length >= int(width) * height * 4) {
        if (FILE* f = std::fopen(path, "wb")) {
            std::fprintf(f, "P6\n%u %u\n255\n", width, height);
            std::vector<uint8_t> row(size_t(width) * 3);
            for (uint32_t y = 0; y < height; ++y) {
                for (uint32_t x = 0; x < width; ++x) {
                    const uint8_t* p = pixels + (size_t(y) * width + x) * 4;
                    row[x * 3] = p[2];
                    row[x * 3 + 1] = p[1];
                    row[x * 3 + 2] = p[0];
                }
                std::fwrite(row.data(), 1, row.size(), f);
            }
            std::fclose(f);
        }
    }
    free(image);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) xcb_void_cookie_t xcb_destroy_window(xcb_connection_t* c,
                                                                                       xcb_window_t window) {
    using Real = xcb_void_cookie_t (*)(xcb_connection_t*, xcb_window_t);
    static const Real real = reinterpret_cast<Real>(dlsym(RTLD_NEXT, "xcb_destroy_window"));
    static bool captured = false;
    if (const char* path = std::getenv("KILN_CAPTURE_PPM"); path && !captured) {
        captured = true;
        capture(c, window, path);
    }
    return real(c, window);
}
