// Xlib surfaces are presented through the xcb connection under the Display. This header keeps
// <X11/Xlib.h> (and its macros: None, Status, Bool...) out of every other file.
#pragma once

#include <xcb/xcb.h>

namespace kiln::wsi {

// The xcb connection of an Xlib `Display*` (passed as void* so callers need no Xlib header).
xcb_connection_t* xcb_connection_of_display(void* display);

}  // namespace kiln::wsi
