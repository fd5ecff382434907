// Copies swapchain images into an X11 window. With MIT-SHM 1.2 (a memfd the server maps) one
// xcb_shm_put_image per frame; otherwise xcb_put_image, split into requests that fit the server's
// maximum request length. KILN_WSI_NO_SHM=1 forces the plain path (the tests use it to cover both).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <xcb/xcb.h>

#include "x11_window.h"

namespace kiln::wsi {

class X11Presenter {
public:
    // A presenter for images of width x height (the swapchain extent) to `window`.
    static Outcome create(const X11Window& window, uint32_t width, uint32_t height,
                          std::unique_ptr<X11Presenter>* out);
    ~X11Presenter();
    X11Presenter(const X11Presenter&) = delete;
    X11Presenter& operator=(const X11Presenter&) = delete;

    // Shows `pixels` (height rows of width B8G8R8A8 texels, `row_pitch` bytes apart) in the window
    // of `depth` bits (its current depth, from X11Window::geometry). Returns when the server has
    // processed the request: the caller may reuse `pixels` at once, and the shared segment is free.
    Outcome present(const std::byte* pixels, uint64_t row_pitch, uint8_t depth);

    bool uses_shm() const { return shm_map_ != nullptr; }

private:
    X11Presenter(const X11Window& window, uint32_t width, uint32_t height)
        : connection_(window.connection()), window_(window.window()), width_(width), height_(height) {}
    void try_attach_shm();
    Outcome present_shm(const std::byte* pixels, uint64_t row_pitch, uint8_t depth);
    Outcome present_plain(const std::byte* pixels, uint64_t row_pitch, uint8_t depth);

    xcb_connection_t* connection_;
    xcb_window_t window_;
    uint32_t width_, height_;
    xcb_gcontext_t gc_ = 0;
    uint32_t shm_segment_ = 0;
    void* shm_map_ = nullptr;
    size_t shm_size_ = 0;
};

}  // namespace kiln::wsi
