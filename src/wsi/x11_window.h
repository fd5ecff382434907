// What Kiln asks of an X11 window: its size, whether it is still there, and whether its visual
// holds the pixels of Kiln's swapchain formats as they are (32-bit B8G8R8A8 little-endian words).
#pragma once

#include <cstdint>
#include <xcb/xcb.h>

namespace kiln::wsi {

// Outcomes of talking to the X server. `Lost`: the window (or the connection) is gone.
enum class Outcome { Ok, Lost, OutOfHostMemory };

struct WindowGeometry {
    uint32_t width = 0, height = 0;
    uint8_t depth = 0;
};

class X11Window {
public:
    X11Window(xcb_connection_t* connection, xcb_window_t window) : connection_(connection), window_(window) {}

    xcb_connection_t* connection() const { return connection_; }
    xcb_window_t window() const { return window_; }

    // One round trip (xcb_get_geometry): the size now, which the swapchain extent must match.
    Outcome geometry(WindowGeometry* out) const;
    // Whether the window's visual is one Kiln presents to (see visual_presentable).
    bool presentable() const;

private:
    xcb_connection_t* connection_;
    xcb_window_t window_;
};

// True for a TrueColor visual of depth 24 or 32 with red 0xff0000, green 0xff00, blue 0xff,
// whose depth the server stores in 32-bit pixels: its ZPixmap rows are B8G8R8A8 bytes.
bool visual_presentable(xcb_connection_t* connection, xcb_visualid_t visual);

}  // namespace kiln::wsi
