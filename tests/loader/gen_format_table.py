#!/usr/bin/env python3
"""usage: gen_format_table.py <vk.xml> <format_table.h>

Writes the loader tests' format table: block size and extent from vk.xml, and each component's bit layout derived
from the format's name by the spec's naming rules (vk.xml 1.3.239 has wrong <component> data for
B5G5R5A1_UNORM_PACK16, R64G64_*, B10G11R11_UFLOAT_PACK32 and omits X padding and the E5 exponent)."""
import re
import sys
import xml.etree.ElementTree as ET

NUMERICS = ('UNORM', 'SNORM', 'USCALED', 'SSCALED', 'UINT', 'SINT', 'UFLOAT', 'SFLOAT', 'SRGB')


def layout_from_name(name, block_size, packed):
    """[(component, bits, bit offset, numeric)], X padding omitted.

    Non-packed formats name components in memory order; a PACKn format names them from the most
    significant bit of each n-bit word down, words in memory order (Formats, Packed Formats)."""
    tokens = []  # (component, bits, numeric)
    pending = []
    for part in name[len('VK_FORMAT_'):].split('_'):
        if re.fullmatch(r'([RGBADSXE]\d+)+', part):
            pending += [(m[0], int(m[1:])) for m in re.findall(r'[RGBADSXE]\d+', part)]
        elif part in NUMERICS:
            for comp, bits in pending:
                numeric = part
                if part == 'SRGB' and comp == 'A':
                    numeric = 'UNORM'  # sRGB formats: alpha is linear (Formats, sRGB)
                tokens.append((comp, bits, numeric))
            pending = []
    assert not pending and sum(b for _, b, _ in tokens) == block_size * 8, name
    layout = []
    if packed:
        word_base, used = 0, 0
        for comp, bits, numeric in tokens:
            used += bits
            if comp != 'X':
                layout.append((comp, bits, word_base + packed - used, numeric))
            if used == packed:
                word_base, used = word_base + packed, 0
    else:
        at = 0
        for comp, bits, numeric in tokens:
            if comp != 'X':
                layout.append((comp, bits, at, numeric))
            at += bits
    return layout


registry = ET.parse(sys.argv[1]).getroot()
rows = []
for f in registry.find('formats').findall('format'):
    name = f.get('name')
    if f.get('chroma') or f.find('plane') is not None or name.endswith('_NV'):
        continue  # YCbCr and vendor formats are outside Kiln's transfer path
    block = int(f.get('blockSize'))
    extent = [int(v) for v in (f.get('blockExtent') or '1,1,1').split(',')]
    compressed = f.get('compressed') is not None
    layout = [] if compressed else layout_from_name(name, block, int(f.get('packed') or 0))
    rows.append((name, block, extent, compressed, layout))

out = ['// Generated at build time by tests/loader/gen_format_table.py from vk.xml;',
       '// do not edit by hand. Per format: texel block size and extent, and for uncompressed formats',
       '// the bit layout of each component in a texel block (bit 0 = least significant bit of byte 0).',
       '#pragma once', '', '#include <cstdint>', '', '#include <vulkan/vulkan.h>', '',
       'namespace kiln_test {', '',
       'enum class Numeric : uint8_t { UNORM, SNORM, USCALED, SSCALED, UINT, SINT, UFLOAT, SFLOAT, SRGB };', '',
       'struct FormatComponent {',
       "  char name;  // 'R', 'G', 'B', 'A', 'D', 'S', or 'E' (the shared exponent of E5B9G9R9)",
       '  uint8_t bits;', '  uint8_t offset;', '  Numeric numeric;', '};', '',
       'struct FormatInfo {', '  VkFormat format;', '  const char* name;', '  uint8_t blockSize;',
       '  uint8_t blockWidth, blockHeight, blockDepth;', '  bool compressed;', '  uint8_t componentCount;',
       '  FormatComponent components[4];', '};', '',
       'inline constexpr FormatInfo kFormatTable[] = {']
for name, block, ext, comp, layout in rows:
    cs = ', '.join("{'%s', %d, %d, Numeric::%s}" % l for l in layout)
    out.append('    {%s, "%s", %d, %d, %d, %d, %s, %d, {%s}},' % (
        name, name[len('VK_FORMAT_'):], block, ext[0], ext[1], ext[2], 'true' if comp else 'false',
        len(layout), cs))
out += ['};', '', '}  // namespace kiln_test', '']
with open(sys.argv[2], 'w') as f:
    f.write('\n'.join(out))
