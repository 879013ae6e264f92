//! The sandbox's WhatsApp QR codes: a real QR code (the `qrcode` crate) of a text that changes
//! every [`REFRESH`], as WhatsApp's linking code does, drawn as a PNG and given as base64, the
//! way Socialchat's `additionalData.qrcode` gives it.

use std::time::Duration;

use base64::Engine;
use qrcode::{Color, QrCode};

/// How often the code changes.
pub const REFRESH: Duration = Duration::from_secs(20);
/// Pixels per module, and the quiet zone around the code in modules.
const SCALE: usize = 6;
const QUIET: usize = 4;

/// The QR code of channel `id` in refresh period `period`, as the base64 of a PNG.
pub fn base64_png(id: &str, period: u64) -> String {
    let text = format!("sandbox-whatsapp-link:{id}:{period}");
    let code = QrCode::new(text.as_bytes()).expect("a short text always fits a QR code");
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
            for y in my * SCALE..(my + 1) * SCALE {
                pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
            }
        }
    }
    let png = super::image::grey_png(side as u32, side as u32, &pixels);
    base64::engine::general_purpose::STANDARD.encode(png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_a_png_that_changes_with_its_period() {
        let first = base64_png("65b3c4d5e6f7a8b9c0d1e2f3", 1);
        let png = base64::engine::general_purpose::STANDARD
            .decode(&first)
            .unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!(reader.info().width, reader.info().height);
        assert!(reader.info().width >= (21 + 2 * QUIET as u32) * SCALE as u32);
        assert_ne!(first, base64_png("65b3c4d5e6f7a8b9c0d1e2f3", 2));
        assert_eq!(first, base64_png("65b3c4d5e6f7a8b9c0d1e2f3", 1));
    }
}
