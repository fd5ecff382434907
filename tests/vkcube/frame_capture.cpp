// LD_PRELOAD shim for the vkcube test: when the program destroys a window (vkcube does at exit,
// after its last frame was presented and the device went idle), the window's pixels are read back
// first and written as a binary PPM to $KILN_CAPTURE_PPM. Any Vulkan driver, any WSI path: the
// capture reads what the X server shows, as a user would see it.
#include <dlfcn.h>
#include <unistd.h>
#include <xcb/xcb.h>

#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>

namespace {

// The window's pixels as RGB rows, or empty when they cannot be read.
std::vector<uint8_t> read_window(xcb_connection_t* c, xcb_window_t window, uint16_t* width, uint16_t* height) {
    std::vector<uint8_t> rgb;
    xcb_get_geometry_reply_t* g = xcb_get_geometry_reply(c, xcb_get_geometry(c, window), nullptr);
    if (!g)
        return rgb;
    *width = g->width;
    *height = g->height;
    const uint8_t depth = g->depth;
    free(g);
    xcb_get_image_reply_t* image =
        xcb_get_image_reply(c, xcb_get_image(c, XCB_IMAGE_FORMAT_Z_PIXMAP, window, 0, 0, *width, *height, ~0u), nullptr);
    if (!image)
        return rgb;
    const uint8_t* pixels = xcb_get_image_data(image);
    const int length = xcb_get_image_data_length(image);
    // 24- and 32-bit depths come as 4 bytes a pixel, B G R x (the little-endian TrueColor layout).
    if (depth >= 24 && length >= int(*width) * *height * 4) {
        rgb.resize(size_t(*width) * *height * 3);
        for (size_t p = 0; p < size_t(*width) * *height; ++p) {
            rgb[p * 3] = pixels[p * 4 + 2];
            rgb[p * 3 + 1] = pixels[p * 4 + 1];
            rgb[p * 3 + 2] = pixels[p * 4];
        }
    }
    free(image);
    return rgb;
}

void capture(xcb_connection_t* c, xcb_window_t window, const char* path) {
    // A driver may present from a connection of its own (Mesa's WSI can), whose requests the
    // server need not have run before this connection's: read until two reads 50 ms apart agree.
    uint16_t width = 0, height = 0;
    std::vector<uint8_t> rgb = read_window(c, window, &width, &height);
    for (int attempt = 0; attempt < 40 && !rgb.empty(); ++attempt) {
        usleep(50 * 1000);
        std::vector<uint8_t> again = read_window(c, window, &width, &height);
        const bool stable = again == rgb;
        rgb = std::move(again);
        if (stable)
            break;
    }
    if (rgb.empty())
        return;
    if (FILE* f = std::fopen(path, "wb")) {
        std::fprintf(f, "P6\n%u %u\n255\n", width, height);
        std::fwrite(rgb.data(), 1, rgb.size(), f);
        std::fclose(f);
    }
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
