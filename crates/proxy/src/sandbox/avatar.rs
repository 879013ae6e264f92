//! The sandbox's account pictures: a coloured disc with the account's initial, as a PNG.
//!
//! Instagram's profile pictures are raster images from its CDN. An SVG would be a poor stand-in:
//! Chromium parses every SVG image as a document of its own on the main thread, which made the
//! picker's benchmark measure the sandbox's pictures more than the widget. Written by hand
//! (stored deflate, a 3-colour palette) so that the sandbox needs no image library.

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
    let pixels = pixels(initial);
    // Each row starts with its filter type (0: none).
    let mut raw = Vec::with_capacity(SIZE * (SIZE + 1));
    for row in pixels.chunks(SIZE) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(SIZE as u32).to_be_bytes());
    ihdr.extend_from_slice(&(SIZE as u32).to_be_bytes());
    // Bit depth 8, colour type 3 (palette), deflate, filter method 0, no interlace.
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]);
    let mut palette = vec![0, 0, 0];
    palette.extend_from_slice(&colour);
    palette.extend_from_slice(&[255, 255, 255]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"PLTE", &palette);
    // Alpha of the palette's entries: only the first is transparent.
    chunk(&mut png, b"tRNS", &[0]);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of uncompressed deflate blocks (the pictures are 4 KB: not worth compressing).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(u16::MAX as usize).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_published_values() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

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

    #[test]
    fn a_stored_zlib_stream_splits_into_blocks_of_at_most_65535_bytes() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        assert_eq!(&z[..2], &[0x78, 0x01]);
        // First block: not final, 65535 bytes.
        assert_eq!(&z[2..7], &[0, 0xff, 0xff, 0, 0]);
        // Second block: final, the rest.
        let second = 7 + 65_535;
        let rest = (70_000 - 65_535) as u16;
        assert_eq!(z[second], 1);
        assert_eq!(&z[second + 1..second + 3], &rest.to_le_bytes());
        assert_eq!(z.len(), 2 + 5 + 65_535 + 5 + rest as usize + 4);
    }
}
