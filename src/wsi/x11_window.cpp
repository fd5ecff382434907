#include "x11_window.h"

#include <cstdlib>

namespace kiln::wsi {

Outcome X11Window::geometry(WindowGeometry* out) const {
    if (xcb_connection_has_error(connection_))
        return Outcome::Lost;
    xcb_generic_error_t* error = nullptr;
    xcb_get_geometry_reply_t* reply = xcb_get_geometry_reply(connection_, xcb_get_geometry(connection_, window_), &error);
    std::free(error);
    if (!reply)
        return Outcome::Lost;  // BadDrawable: the window was destroyed
    out->width = reply->width;
    out->height = reply->height;
    out->depth = reply->depth;
    std::free(reply);
    return Outcome::Ok;
}

bool X11Window::presentable() const {
    if (xcb_connection_has_error(connection_))
        return false;
    xcb_get_window_attributes_reply_t* reply =
        xcb_get_window_attributes_reply(connection_, xcb_get_window_attributes(connection_, window_), nullptr);
    if (!reply)
        return false;
    const xcb_visualid_t visual = reply->visual;
    std::free(reply);
    return visual_presentable(connection_, visual);
}

static bool depth_has_32bit_pixels(const xcb_setup_t* setup, uint8_t depth) {
    for (auto it = xcb_setup_pixmap_formats_iterator(setup); it.rem; xcb_format_next(&it))
        if (it.data->depth == depth)
            return it.data->bits_per_pixel == 32;
    return false;
}

bool visual_presentable(xcb_connection_t* connection, xcb_visualid_t visual) {
    const xcb_setup_t* setup = xcb_get_setup(connection);
    for (auto screen = xcb_setup_roots_iterator(setup); screen.rem; xcb_screen_next(&screen))
        for (auto depth = xcb_screen_allowed_depths_iterator(screen.data); depth.rem; xcb_depth_next(&depth))
            for (auto v = xcb_depth_visuals_iterator(depth.data); v.rem; xcb_visualtype_next(&v)) {
                if (v.data->visual_id != visual)
                    continue;
                const uint8_t d = depth.data->depth;
                return v.data->_class == XCB_VISUAL_CLASS_TRUE_COLOR && (d == 24 || d == 32) &&
                       v.data->red_mask == 0xff0000 && v.data->green_mask == 0xff00 && v.data->blue_mask == 0xff &&
                       depth_has_32bit_pixels(setup, d);
            }
    return false;
}

}  // namespace kiln::wsi
