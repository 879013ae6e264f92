//! The sandbox's account pictures: a coloured disc with the account's initial, as a PNG.
//!
//! Instagram's profile pictures are raster images from its CDN. An SVG would be a poor stand-in:
//! Chromium parses every SVG image as a document of its own on the main thread, which made the
//! picker's benchmark measure the sandbox's pictures more than the widget. Drawn here as a
//! 3-colour palette, encoded by the `png` crate ([`super::image`]).

/// Width and height in pixels: sharp at the widget's 36 px on high-density screens.
pub const SIZE: usize = 64;

/// Palette index of each pixel: transparent, the disc, the letter.
const CLEAR: u8 = 0;
const DISC: u8 = 1;
const INK: u8 = 2;

/// Rows of a 5×7 glyph, one bit per column (the highest of five bits is the left column).
fn glyph(c: char) -> Option<[u8; 7]> {
    let rows = match c.to_ascii_uppercase() {
        'A' => [14, 17, 17, 31, 17, 17, 17],
        'B' => [30, 17, 17, 30, 17, 17, 30],
        'C' => [14, 17, 16, 16, 16, 17, 14],
        'D' => [30, 17, 17, 17, 17, 17, 30],
        'E' => [31, 16, 16, 30, 16, 16, 31],
        'F' => [31, 16, 16, 30, 16, 16, 16],
        'G' => [14, 17, 16, 23, 17, 17, 15],
        'H' => [17, 17, 17, 31, 17, 17, 17],
        'I' => [14, 4, 4, 4, 4, 4, 14],
        'J' => [7, 2, 2, 2, 2, 18, 12],
        'K' => [17, 18, 20, 24, 20, 18, 17],
        'L' => [16, 16, 16, 16, 16, 16, 31],
        'M' => [17, 27, 21, 21, 17, 17, 17],
        'N' => [17, 17, 25, 21, 19, 17, 17],
        'O' => [14, 17, 17, 17, 17, 17, 14],
        'P' => [30, 17, 17, 30, 16, 16, 16],
        'Q' => [14, 17, 17, 17, 21, 18, 13],
        'R' => [30, 17, 17, 30, 20, 18, 17],
        'S' => [15, 16, 16, 14, 1, 1, 30],
        'T' => [31, 4, 4, 4, 4, 4, 4],
        'U' => [17, 17, 17, 17, 17, 17, 14],
        'V' => [17, 17, 17, 17, 17, 10, 4],
        'W' => [17, 17, 17, 21, 21, 21, 10],
        'X' => [17, 17, 10, 4, 10, 17, 17],
        'Y' => [17, 17, 17, 10, 4, 4, 4],
        'Z' => [31, 1, 2, 4, 8, 16, 31],
        '0' => [14, 17, 19, 21, 25, 17, 14],
        '1' => [4, 12, 4, 4, 4, 4, 14],
        '2' => [14, 17, 1, 2, 4, 8, 31],
        '3' => [31, 2, 4, 2, 1, 17, 14],
        '4' => [2, 6, 10, 18, 31, 2, 2],
        '5' => [31, 16, 30, 1, 1, 17, 14],
        '6' => [6, 8, 16, 30, 17, 17, 14],
        '7' => [31, 1, 2, 4, 8, 8, 8],
        '8' => [14, 17, 17, 14, 17, 17, 14],
        '9' => [14, 17, 17, 15, 1, 2, 12],
        _ => return None,
    };
    Some(rows)
}

/// The picture's pixels as palette indexes, row by row: a disc filling the square, with the
/// initial in the middle (a letter or digit outside ASCII leaves the disc plain).
pub fn pixels(initial: char) -> Vec<u8> {
    const SCALE: usize = 4;
    // Bold: each row drawn twice, one column apart, so the letter is 6 columns wide.
    const WIDTH: usize = 6;
    let (left, top) = ((SIZE - WIDTH * SCALE) / 2, (SIZE - 7 * SCALE) / 2);
    let glyph = glyph(initial).map(|rows| rows.map(|r| (r << 1) | r));
    let radius = SIZE as f64 / 2.0;
    let mut out = Vec::with_capacity(SIZE * SIZE);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (dx, dy) = (x as f64 + 0.5 - radius, y as f64 + 0.5 - radius);
            let in_letter = glyph.is_some_and(|rows| {
                (left..left + WIDTH * SCALE).contains(&x)
                    && (top..top + 7 * SCALE).contains(&y)
                    && rows[(y - top) / SCALE] & (32 >> ((x - left) / SCALE)) != 0
            });
            out.push(if dx * dx + dy * dy > radius * radius {
                CLEAR
            } else if in_letter {
                INK
            } else {
                DISC
            });
        }
    }
    out
}

/// A PNG of [`pixels`] with the disc in `colour` (RGB) and a white letter.
pub fn png(initial: char, colour: [u8; 3]) -> Vec<u8> {
    let mut palette = vec![0, 0, 0];
    palette.extend_from_slice(&colour);
    palette.extend_from_slice(&[255, 255, 255]);
    // Only the first entry (around the disc) is transparent.
    super::image::palette_png(SIZE as u32, SIZE as u32, &palette, &[0], &pixels(initial))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_is_a_disc_with_the_initial_in_white() {
        let p = pixels('H');
        let at = |x: usize, y: usize| p[y * SIZE + x];
        assert_eq!(p.len(), SIZE * SIZE);
        // Corners are outside the disc; just inside its edge is the disc.
        assert_eq!(at(0, 0), CLEAR);
        assert_eq!(at(SIZE - 1, SIZE - 1), CLEAR);
        assert_eq!(at(2, SIZE / 2), DISC);
        // A bold H (6 columns of 4 px): both uprights are ink, the gap above the bar is not.
        let (left, top) = ((SIZE - 24) / 2, (SIZE - 28) / 2);
        assert_eq!(at(left + 1, top + 1), INK);
        assert_eq!(at(left + 17, top + 1), INK);
        assert_eq!(at(left + 21, top + 1), INK);
        assert_eq!(at(left + 9, top + 1), DISC);
        assert_eq!(at(left + 9, top + 13), INK);
        // Lower case draws the same letter; anything without a glyph leaves the disc plain.
        assert_eq!(pixels('h'), p);
        assert!(!pixels('é').contains(&INK));
    }
}
