//! The sandbox's pictures encoded as PNG by the `png` crate: account pictures (a palette) and
//! WhatsApp QR codes (grey levels).

/// A palette PNG: `palette` is RGB triples, `alpha` the opacity of its first entries, `pixels`
/// one palette index per pixel, row by row.
pub fn palette_png(
    width: u32,
    height: u32,
    palette: &[u8],
    alpha: &[u8],
    pixels: &[u8],
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(palette.to_vec());
        encoder.set_trns(alpha.to_vec());
        // Writing to memory cannot fail, and the sizes are ours.
        let mut writer = encoder.write_header().expect("a PNG header in memory");
        writer.write_image_data(pixels).expect("PNG data in memory");
    }
    out
}

/// A grey-level PNG: one byte per pixel, row by row.
pub fn grey_png(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("a PNG header in memory");
        writer.write_image_data(pixels).expect("PNG data in memory");
    }
    out
}
